//! The orders repository: orders, their transitions (one transaction each), proofs and history.

pub mod history;
mod money;
pub mod payments;
mod rows;
mod settlement;

use crate::domain::orders::OrderStatus;
use crate::domain::orders::history::{NewOrderEvent, OrderEvent};
use crate::domain::orders::model::{AdSpaceTerms, DeliveryProof, NewOrder, Order, Payment, PaymentStatus, ProofKind};
use crate::domain::orders::repo::{Due, NewPayment, OrderQuery, OrdersRepo, PaymentWrite, Transition};
use crate::domain::orders::settlement::{ConfirmPlan, Confirmation};
use crate::domain::{DomainError, DomainResult, Id};
use crate::store::entities::{ad_space, delivery_proof, order, order_event};
use crate::store::orders::history::{append, to_event};
use crate::store::{Store, internal, is_unique_violation};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
pub use rows::to_order;
use rows::{append_all, write_status};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// The filters of an order query (who, which statuses, when placed).
fn order_filters(mut find: sea_orm::Select<order::Entity>, q: &OrderQuery) -> sea_orm::Select<order::Entity> {
    use order::Column as C;
    if let Some(id) = q.advertiser_id {
        find = find.filter(C::AdvertiserId.eq(id));
    }
    if let Some(id) = q.influencer_id {
        find = find.filter(C::InfluencerId.eq(id));
    }
    if let Some(id) = q.party_id {
        find = find.filter(Condition::any().add(C::AdvertiserId.eq(id)).add(C::InfluencerId.eq(id)));
    }
    if !q.statuses.is_empty() {
        find = find.filter(C::Status.is_in(q.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(from) = q.created_from {
        find = find.filter(C::CreatedAt.gte(from));
    }
    if let Some(to) = q.created_to {
        find = find.filter(C::CreatedAt.lt(to));
    }
    find
}

impl Store {
    async fn order_row(&self, id: Id) -> DomainResult<Option<order::Model>> {
        order::Entity::find_by_id(id).one(self.db()).await.map_err(internal)
    }

    async fn order_by_key(&self, advertiser_id: Id, key: &str) -> DomainResult<Option<Order>> {
        let found = order::Entity::find()
            .filter(order::Column::AdvertiserId.eq(advertiser_id))
            .filter(order::Column::IdempotencyKey.eq(key))
            .one(self.db())
            .await
            .map_err(internal)?;
        found.map(to_order).transpose()
    }
}

#[async_trait]
impl OrdersRepo for Store {
    async fn ad_space_terms(&self, id: Id) -> DomainResult<Option<AdSpaceTerms>> {
        let found = ad_space::Entity::find_by_id(id).one(self.db()).await.map_err(internal)?;
        Ok(found.map(|s| AdSpaceTerms {
            id: s.id,
            influencer_id: s.influencer_id,
            price_minor: s.price_minor,
            currency: s.currency,
            turnaround_days: s.turnaround_days,
            revisions_included: s.revisions_included,
            archived: s.archived_at.is_some(),
        }))
    }

    async fn insert_order(&self, new: NewOrder, event: NewOrderEvent, now: DateTime<Utc>) -> DomainResult<(Order, Vec<OrderEvent>)> {
        if let Some(key) = &new.idempotency_key
            && let Some(existing) = self.order_by_key(new.advertiser_id, key).await?
        {
            return Ok((existing, Vec::new()));
        }
        let txn = self.begin_write().await?;
        let row = order::ActiveModel {
            advertiser_id: Set(new.advertiser_id),
            influencer_id: Set(new.space.influencer_id),
            ad_space_id: Set(new.space.id),
            status: Set(OrderStatus::Pending.as_str().to_owned()),
            version: Set(0),
            event_seq: Set(0),
            brief: Set(new.brief),
            portfolio_url: Set(new.portfolio_url),
            first_message: Set(new.first_message),
            idempotency_key: Set(new.idempotency_key.clone()),
            price_minor: Set(new.space.price_minor),
            currency: Set(new.space.currency),
            turnaround_days: Set(new.space.turnaround_days),
            revisions_included: Set(new.space.revisions_included),
            revisions_extra: Set(0),
            revisions_used: Set(0),
            answer_due_at: Set(Some(new.answer_due_at)),
            created_at: Set(now),
            updated_at: Set(now),
            status_changed_at: Set(Some(now)),
            status_changed_by: Set(Some(new.advertiser_id)),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let row = match row {
            Ok(row) => row,
            Err(e) if is_unique_violation(&e) => {
                txn.rollback().await.map_err(internal)?;
                let key = new.idempotency_key.unwrap_or_default();
                let existing = self.order_by_key(new.advertiser_id, &key).await?.ok_or_else(|| DomainError::internal(e))?;
                return Ok((existing, Vec::new()));
            }
            Err(e) => return Err(internal(e)),
        };
        // The first message is message #1 of the conversation, in the same transaction.
        let first = match &row.first_message {
            Some(body) => Some(crate::store::conversation::insert_message(&txn, row.id, row.advertiser_id, body, now).await?),
            None => None,
        };
        let mut events = vec![append(&txn, row.id, event, now).await?];
        if let Some(message) = &first {
            events.push(append(&txn, row.id, crate::domain::conversation::message_posted(message), now).await?);
        }
        txn.commit().await.map_err(internal)?;
        let order = self.order_row(row.id).await?.ok_or(DomainError::NotFound("order"))?;
        Ok((to_order(order)?, events))
    }

    async fn order(&self, id: Id) -> DomainResult<Option<Order>> {
        self.order_row(id).await?.map(to_order).transpose()
    }

    async fn orders(&self, q: OrderQuery) -> DomainResult<Vec<Order>> {
        use order::Column as C;
        let find = if q.oldest_first { order::Entity::find().order_by_asc(C::Id) } else { order::Entity::find().order_by_desc(C::Id) };
        let mut find = order_filters(find.limit(q.limit), &q);
        if let Some(before) = q.before_id {
            find = find.filter(C::Id.lt(before));
        }
        if let Some(above) = q.above_id {
            find = find.filter(C::Id.gt(above));
        }
        find.all(self.db()).await.map_err(internal)?.into_iter().map(to_order).collect()
    }

    async fn count_orders(&self, q: OrderQuery) -> DomainResult<u64> {
        order_filters(order::Entity::find(), &q).count(self.db()).await.map_err(internal)
    }

    async fn order_events(&self, order_id: Id) -> DomainResult<Vec<OrderEvent>> {
        let Some(o) = self.order_row(order_id).await? else { return Ok(Vec::new()) };
        let rows = order_event::Entity::find()
            .filter(order_event::Column::OrderId.eq(order_id))
            .order_by_asc(order_event::Column::Seq)
            .all(self.db())
            .await
            .map_err(internal)?;
        rows.into_iter().map(|r| to_event(r, o.advertiser_id, o.influencer_id)).collect()
    }

    async fn order_event(&self, id: Id) -> DomainResult<Option<OrderEvent>> {
        let Some(row) = order_event::Entity::find_by_id(id).one(self.db()).await.map_err(internal)? else { return Ok(None) };
        let Some(o) = self.order_row(row.order_id).await? else { return Ok(None) };
        to_event(row, o.advertiser_id, o.influencer_id).map(Some)
    }

    async fn event_count(&self, order_id: Id) -> DomainResult<u64> {
        order_event::Entity::find().filter(order_event::Column::OrderId.eq(order_id)).count(self.db()).await.map_err(internal)
    }

    async fn proofs(&self, order_id: Id) -> DomainResult<Vec<DeliveryProof>> {
        let rows = delivery_proof::Entity::find()
            .filter(delivery_proof::Column::OrderId.eq(order_id))
            .order_by_asc(delivery_proof::Column::Id)
            .all(self.db())
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Some(DeliveryProof { id: r.id, kind: ProofKind::from_db(&r.kind)?, url: r.url, created_at: r.created_at }))
            .collect())
    }

    async fn transition(&self, t: Transition, now: DateTime<Utc>) -> DomainResult<Option<(Order, Vec<OrderEvent>)>> {
        let txn = self.begin_write().await?;
        if !write_status(&txn, &t, now).await? || !payments::move_payment(&txn, t.payment, now).await? {
            txn.rollback().await.map_err(internal)?;
            return Ok(None);
        }
        for (kind, url) in &t.proofs {
            delivery_proof::ActiveModel {
                order_id: Set(t.order_id),
                kind: Set(kind.as_str().to_owned()),
                url: Set(url.clone()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(internal)?;
        }
        let mut events = t.before;
        events.push(t.event);
        let events = append_all(&txn, t.order_id, events, now).await?;
        txn.commit().await.map_err(internal)?;
        let order = self.order_row(t.order_id).await?.ok_or(DomainError::NotFound("order"))?;
        Ok(Some((to_order(order)?, events)))
    }

    async fn due_orders(&self, due: Due, limit: u64) -> DomainResult<Vec<Id>> {
        use order::Column as C;
        let (status, col, at) = match due {
            Due::Answer(at) => (OrderStatus::Pending, C::AnswerDueAt, at),
            Due::Review(at) => (OrderStatus::Completed, C::ReviewDueAt, at),
        };
        order::Entity::find()
            .select_only()
            .column(C::Id)
            .filter(C::Status.eq(status.as_str()))
            .filter(col.lte(at))
            .order_by_asc(col)
            .limit(limit)
            .into_tuple()
            .all(self.db())
            .await
            .map_err(internal)
    }

    async fn payments(&self, order_id: Id) -> DomainResult<Vec<Payment>> {
        self.payments_of(order_id).await
    }

    async fn payment(&self, id: Id) -> DomainResult<Option<Payment>> {
        self.payment_where(crate::store::entities::payment::Column::Id.eq(id)).await
    }

    async fn payment_by_ref(&self, provider_ref: &str) -> DomainResult<Option<Payment>> {
        self.payment_where(crate::store::entities::payment::Column::ProviderRef.eq(provider_ref)).await
    }

    async fn payment_by_key(&self, order_id: Id, key: &str) -> DomainResult<Option<Payment>> {
        use crate::store::entities::payment::Column as P;
        self.payment_where(P::OrderId.eq(order_id).and(P::IdempotencyKey.eq(key))).await
    }

    async fn insert_payment(&self, new: NewPayment, confirm: Option<Transition>, now: DateTime<Utc>) -> DomainResult<PaymentWrite> {
        self.write_payment(new, confirm, now).await
    }

    async fn fail_payment(&self, id: Id, reason: &str, event: NewOrderEvent, now: DateTime<Utc>) -> DomainResult<Option<Vec<OrderEvent>>> {
        self.write_failure(id, reason, event, now).await
    }

    async fn confirm_payment(
        &self,
        payment_id: Id,
        plan: ConfirmPlan,
        now: DateTime<Utc>,
    ) -> DomainResult<(Confirmation, Vec<OrderEvent>)> {
        self.write_confirmation(payment_id, plan, now).await
    }

    async fn change_payment(
        &self,
        order_id: Id,
        change: (Id, PaymentStatus, PaymentStatus),
        event: NewOrderEvent,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Vec<OrderEvent>>> {
        self.write_payment_change(order_id, change, event, now).await
    }

    async fn refund_due_payments(&self, limit: u64) -> DomainResult<Vec<Payment>> {
        self.payments_refund_due(limit).await
    }

    async fn remember_webhook(&self, event_id: &str, now: DateTime<Utc>) -> DomainResult<bool> {
        let row = crate::store::entities::webhook_delivery::ActiveModel {
            event_id: Set(event_id.to_owned()),
            received_at: Set(now),
            ..Default::default()
        };
        match row.insert(self.db()).await {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(internal(e)),
        }
    }
}
