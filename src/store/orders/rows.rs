//! Order rows: the conversion of stored orders and the write steps shared by orders and payments.

use crate::domain::orders::OrderStatus;
use crate::domain::orders::history::{NewOrderEvent, OrderEvent};
use crate::domain::orders::model::Order;
use crate::domain::orders::repo::{Due, Transition};
use crate::domain::{DomainError, DomainResult, Id};
use crate::store::entities::order;
use crate::store::internal;
use crate::store::orders::history::append;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, ExprTrait, QueryFilter};

pub fn to_order(m: order::Model) -> DomainResult<Order> {
    let status = OrderStatus::from_db(&m.status)
        .ok_or_else(|| DomainError::internal(anyhow::anyhow!("unknown status {:?} of order {}", m.status, m.id)))?;
    Ok(Order {
        id: m.id,
        advertiser_id: m.advertiser_id,
        influencer_id: m.influencer_id,
        ad_space_id: m.ad_space_id,
        status,
        version: m.version,
        brief: m.brief,
        portfolio_url: m.portfolio_url,
        first_message: m.first_message,
        price_minor: m.price_minor,
        currency: m.currency,
        turnaround_days: m.turnaround_days,
        revisions_included: m.revisions_included,
        revisions_extra: m.revisions_extra,
        revisions_used: m.revisions_used,
        completion_note: m.completion_note,
        answer_due_at: m.answer_due_at,
        review_due_at: m.review_due_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
        status_changed_at: m.status_changed_at.unwrap_or(m.created_at),
        status_changed_by: m.status_changed_by,
        accepted_at: m.accepted_at,
        paid_at: m.paid_at,
        started_at: m.started_at,
        completed_at: m.completed_at,
        verified_at: m.verified_at,
        closed_at: m.closed_at,
        rating_due_at: m.rating_due_at,
        ratings_closed_at: m.ratings_closed_at,
    })
}

/// The timestamp column a status writes when an order enters it.
fn stamp_column(to: OrderStatus) -> Option<order::Column> {
    use OrderStatus as S;
    match to {
        S::PaymentRequired => Some(order::Column::AcceptedAt),
        S::PaymentReceived => Some(order::Column::PaidAt),
        S::Processing => Some(order::Column::StartedAt),
        S::Completed => Some(order::Column::CompletedAt),
        S::Verified => Some(order::Column::VerifiedAt),
        S::Declined | S::Expired | S::Cancelled | S::Refunded => Some(order::Column::ClosedAt),
        S::Pending | S::Disputed | S::OnHold => None,
    }
}

/// The compare-and-set of a transition inside `txn`: `false` when the order was not in the
/// expected status (and version, and deadline).
pub async fn write_status(txn: &DatabaseTransaction, t: &Transition, now: DateTime<Utc>) -> DomainResult<bool> {
    use order::Column as C;
    let mut q = order::Entity::update_many()
        .col_expr(C::Status, Expr::value(t.to.as_str()))
        .col_expr(C::Version, Expr::col(C::Version).add(1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .col_expr(C::StatusChangedAt, Expr::value(now))
        .col_expr(C::StatusChangedBy, Expr::value(t.actor_id))
        .col_expr(C::AnswerDueAt, Expr::value(t.answer_due_at))
        .col_expr(C::ReviewDueAt, Expr::value(t.review_due_at));
    if let Some(col) = stamp_column(t.to) {
        q = q.col_expr(col, Expr::value(now));
    }
    if let Some(due) = t.rating_due_at {
        // Only the first delivery opens the window: a rework delivered again does not extend it.
        q = q.col_expr(C::RatingDueAt, sea_orm::sea_query::Func::coalesce([Expr::col(C::RatingDueAt), Expr::value(due)]).into());
    }
    if let Some(note) = &t.completion_note {
        q = q.col_expr(C::CompletionNote, Expr::value(note.clone()));
    }
    q = q.filter(C::Id.eq(t.order_id)).filter(C::Status.eq(t.from.as_str()));
    if let Some(v) = t.version {
        q = q.filter(C::Version.eq(v));
    }
    q = match t.due {
        Some(Due::Answer(at)) => q.filter(C::AnswerDueAt.lte(at)),
        Some(Due::Review(at)) => q.filter(C::ReviewDueAt.lte(at)),
        None => q,
    };
    Ok(q.exec(txn).await.map_err(internal)?.rows_affected == 1)
}

/// Appends `events` in order (the last statements of a transaction).
pub async fn append_all(
    txn: &DatabaseTransaction,
    order_id: Id,
    events: Vec<NewOrderEvent>,
    now: DateTime<Utc>,
) -> DomainResult<Vec<OrderEvent>> {
    let mut out = Vec::with_capacity(events.len());
    for event in events {
        out.push(append(txn, order_id, event, now).await?);
    }
    Ok(out)
}
