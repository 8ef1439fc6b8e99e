//! The drafts repository: numbered drafts, their reviews and the order's revision rounds.
//!
//! Every write locks the order row first, re-checks the domain's rule on what it finds, then
//! writes with compare-and-set conditions (a draft still awaiting feedback, a round still free)
//! and appends its event last.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::ExprTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use super::conversation::lock_order;
use super::entities::{draft, draft_review, order};
use super::orders::history as events;
use super::{Store, internal};
use crate::domain::drafts::{Draft, DraftReview, DraftStatus, DraftsRepo, NewDraft, NewReview, ReviewCheck, ReviewDecision};
use crate::domain::orders::access::{OrderAccess, OrderCheck};
use crate::domain::orders::history::{EventKind, NewOrderEvent, OrderEvent};
use crate::domain::{DomainError, DomainResult, Id};

fn corrupt(what: &str, value: &str) -> DomainError {
    DomainError::internal(anyhow::anyhow!("unknown {what} {value:?} in the database"))
}

fn to_review(r: draft_review::Model) -> DomainResult<DraftReview> {
    let decision = ReviewDecision::from_db(&r.decision).ok_or_else(|| corrupt("review decision", &r.decision))?;
    Ok(DraftReview { id: r.id, draft_id: r.draft_id, reviewer_id: r.reviewer_id, decision, comment: r.comment, created_at: r.created_at })
}

fn to_draft(d: draft::Model, reviews: Vec<DraftReview>) -> DomainResult<Draft> {
    let status = DraftStatus::from_db(&d.status).ok_or_else(|| corrupt("draft status", &d.status))?;
    Ok(Draft { id: d.id, order_id: d.order_id, version: d.version, body: d.body, status, created_at: d.created_at, reviews })
}

/// The drafts with their reviews, in the order given.
async fn with_reviews(db: &impl sea_orm::ConnectionTrait, rows: Vec<draft::Model>) -> DomainResult<Vec<Draft>> {
    let ids: Vec<Id> = rows.iter().map(|d| d.id).collect();
    let mut by_draft: HashMap<Id, Vec<DraftReview>> = HashMap::new();
    if !ids.is_empty() {
        let reviews = draft_review::Entity::find()
            .filter(draft_review::Column::DraftId.is_in(ids))
            .order_by_asc(draft_review::Column::Id)
            .all(db)
            .await
            .map_err(internal)?;
        for r in reviews {
            by_draft.entry(r.draft_id).or_default().push(to_review(r)?);
        }
    }
    rows.into_iter().map(|d| to_draft(d.clone(), by_draft.remove(&d.id).unwrap_or_default())).collect()
}

async fn one_draft(db: &impl sea_orm::ConnectionTrait, id: Id) -> DomainResult<Option<Draft>> {
    let Some(row) = draft::Entity::find_by_id(id).one(db).await.map_err(internal)? else { return Ok(None) };
    Ok(with_reviews(db, vec![row]).await?.pop())
}

/// Uses one revision round, provided one is still free (compare-and-set).
async fn use_round(txn: &DatabaseTransaction, order_id: Id) -> DomainResult<()> {
    let done = order::Entity::update_many()
        .col_expr(order::Column::RevisionsUsed, Expr::col(order::Column::RevisionsUsed).add(1))
        .filter(order::Column::Id.eq(order_id))
        .filter(
            Expr::col(order::Column::RevisionsUsed)
                .lt(Expr::col(order::Column::RevisionsIncluded).add(Expr::col(order::Column::RevisionsExtra))),
        )
        .exec(txn)
        .await
        .map_err(internal)?;
    if done.rows_affected == 1 { Ok(()) } else { Err(DomainError::Conflict("no revision round left".into())) }
}

#[async_trait]
impl DraftsRepo for Store {
    async fn submit_draft(&self, new: NewDraft, check: OrderCheck<'_>) -> DomainResult<(Draft, OrderEvent)> {
        let txn = self.begin_write().await?;
        let order = lock_order(&txn, new.order_id).await?;
        check(&order)?;
        let last: Option<i32> = draft::Entity::find()
            .select_only()
            .column_as(draft::Column::Version.max(), "max")
            .filter(draft::Column::OrderId.eq(new.order_id))
            .into_tuple::<Option<i32>>()
            .one(&txn)
            .await
            .map_err(internal)?
            .flatten();
        let awaiting = DraftStatus::AwaitingFeedback.as_str();
        let superseded: Option<Id> = draft::Entity::find()
            .select_only()
            .column(draft::Column::Id)
            .filter(draft::Column::OrderId.eq(new.order_id))
            .filter(draft::Column::Status.eq(awaiting))
            .into_tuple()
            .one(&txn)
            .await
            .map_err(internal)?;
        draft::Entity::update_many()
            .col_expr(draft::Column::Status, Expr::value(DraftStatus::Superseded.as_str()))
            .filter(draft::Column::OrderId.eq(new.order_id))
            .filter(draft::Column::Status.eq(awaiting))
            .exec(&txn)
            .await
            .map_err(internal)?;
        let row = draft::ActiveModel {
            order_id: Set(new.order_id),
            version: Set(last.unwrap_or(0) + 1),
            body: Set(new.body),
            status: Set(awaiting.to_owned()),
            created_at: Set(new.now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        let data = json!({ "draftId": row.id, "version": row.version, "supersededDraftId": superseded });
        let event =
            events::append(&txn, new.order_id, NewOrderEvent::new(EventKind::DraftSubmitted, Some(new.author_id), data), new.now).await?;
        txn.commit().await.map_err(internal)?;
        Ok((to_draft(row, Vec::new())?, event))
    }

    async fn review_draft(&self, new: NewReview, check: ReviewCheck<'_>) -> DomainResult<(Draft, OrderEvent)> {
        let order_id =
            draft::Entity::find_by_id(new.draft_id).one(self.db()).await.map_err(internal)?.ok_or(DomainError::NotFound("draft"))?.order_id;
        let txn = self.begin_write().await?;
        let order = lock_order(&txn, order_id).await?;
        let current = one_draft(&txn, new.draft_id).await?.ok_or(DomainError::NotFound("draft"))?;
        check(&order, &current)?;
        let to = match new.decision {
            ReviewDecision::Approve => DraftStatus::Approved,
            ReviewDecision::RequestChanges => DraftStatus::ChangesRequested,
        };
        let closed = draft::Entity::update_many()
            .col_expr(draft::Column::Status, Expr::value(to.as_str()))
            .filter(draft::Column::Id.eq(new.draft_id))
            .filter(draft::Column::Status.eq(DraftStatus::AwaitingFeedback.as_str()))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if closed.rows_affected != 1 {
            return Err(DomainError::Conflict(format!("draft v{} was already reviewed or superseded", current.version)));
        }
        if new.decision == ReviewDecision::RequestChanges {
            use_round(&txn, order_id).await?;
        }
        draft_review::ActiveModel {
            draft_id: Set(new.draft_id),
            reviewer_id: Set(new.reviewer_id),
            decision: Set(new.decision.as_str().to_owned()),
            comment: Set(new.comment),
            created_at: Set(new.now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        let used = order.revisions_used + i32::from(new.decision == ReviewDecision::RequestChanges);
        let data = json!({
            "draftId": new.draft_id, "version": current.version, "decision": new.decision.as_str(),
            "revisionsUsed": used, "revisionsAllowed": order.revisions_allowed(),
        });
        let event =
            events::append(&txn, order_id, NewOrderEvent::new(EventKind::DraftReviewed, Some(new.reviewer_id), data), new.now).await?;
        let draft = one_draft(&txn, new.draft_id).await?.ok_or(DomainError::NotFound("draft"))?;
        txn.commit().await.map_err(internal)?;
        Ok((draft, event))
    }

    async fn grant_revisions(
        &self,
        order_id: Id,
        actor: Id,
        extra: i32,
        check: OrderCheck<'_>,
        now: DateTime<Utc>,
    ) -> DomainResult<(OrderAccess, OrderEvent)> {
        let txn = self.begin_write().await?;
        let order = lock_order(&txn, order_id).await?;
        check(&order)?;
        order::Entity::update_many()
            .col_expr(order::Column::RevisionsExtra, Expr::col(order::Column::RevisionsExtra).add(extra))
            .filter(order::Column::Id.eq(order_id))
            .exec(&txn)
            .await
            .map_err(internal)?;
        let order = OrderAccess { revisions_extra: order.revisions_extra + extra, ..order };
        let data = json!({
            "extra": extra, "revisionsIncluded": order.revisions_included,
            "revisionsExtra": order.revisions_extra, "revisionsUsed": order.revisions_used,
        });
        let event = events::append(&txn, order_id, NewOrderEvent::new(EventKind::RevisionsChanged, Some(actor), data), now).await?;
        txn.commit().await.map_err(internal)?;
        Ok((order, event))
    }

    async fn draft(&self, id: Id) -> DomainResult<Option<Draft>> {
        one_draft(self.db(), id).await
    }

    async fn drafts(&self, order_id: Id) -> DomainResult<Vec<Draft>> {
        let rows = draft::Entity::find()
            .filter(draft::Column::OrderId.eq(order_id))
            .order_by_asc(draft::Column::Version)
            .all(self.db())
            .await
            .map_err(internal)?;
        with_reviews(self.db(), rows).await
    }

    async fn latest_status(&self, order_id: Id) -> DomainResult<Option<DraftStatus>> {
        let status: Option<String> = draft::Entity::find()
            .select_only()
            .column(draft::Column::Status)
            .filter(draft::Column::OrderId.eq(order_id))
            .order_by_desc(draft::Column::Version)
            .limit(1)
            .into_tuple()
            .one(self.db())
            .await
            .map_err(internal)?;
        status.map(|s| DraftStatus::from_db(&s).ok_or_else(|| corrupt("draft status", &s))).transpose()
    }
}
