//! Payments of orders: creating one (with its effects) and moving one, in the order's transaction.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::rows::{append_all, to_order, write_status};
use crate::domain::orders::OrderStatus;
use crate::domain::orders::history::{NewOrderEvent, OrderEvent};
use crate::domain::orders::model::{Payment, PaymentStatus};
use crate::domain::orders::repo::{NewPayment, PaymentWrite, Transition};
use crate::domain::{DomainError, DomainResult, Id};
use crate::store::entities::{order, payment};
use crate::store::{Store, internal, is_unique_violation};

/// Locks an order's row until the transaction ends and reads it: `SELECT … FOR UPDATE` on
/// Postgres; on SQLite the write transaction (`BEGIN IMMEDIATE`) holds the database lock already
/// and the lock clause is left out.
pub(super) async fn lock_order(txn: &DatabaseTransaction, id: Id) -> DomainResult<Option<order::Model>> {
    order::Entity::find_by_id(id).lock_exclusive().one(txn).await.map_err(internal)
}

/// Bumps an order's version: every payment write does, so that a transition decided on what it
/// read before (a cancellation voiding the pending payment) loses its compare-and-set.
pub(super) async fn bump_version(txn: &DatabaseTransaction, id: Id, now: DateTime<Utc>) -> DomainResult<()> {
    order::Entity::update_many()
        .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(id))
        .exec(txn)
        .await
        .map_err(internal)?;
    Ok(())
}

/// Converts a row to the domain's payment.
pub(super) fn to_payment(m: payment::Model) -> DomainResult<Payment> {
    let status = PaymentStatus::from_db(&m.status)
        .ok_or_else(|| DomainError::internal(anyhow::anyhow!("unknown status {:?} of payment {}", m.status, m.id)))?;
    Ok(Payment {
        id: m.id,
        order_id: m.order_id,
        provider: m.provider,
        provider_ref: m.provider_ref,
        idempotency_key: m.idempotency_key,
        amount_minor: m.amount_minor,
        currency: m.currency,
        status,
        failure_reason: m.failure_reason,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Moves a payment from one status to another inside `txn`; `true` when nothing was asked or
/// the payment was in the expected status.
pub(super) async fn move_payment(
    txn: &DatabaseTransaction,
    change: Option<(Id, PaymentStatus, PaymentStatus)>,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let Some((id, from, to)) = change else { return Ok(true) };
    let res = payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value(to.as_str()))
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(id))
        .filter(payment::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await
        .map_err(internal)?;
    Ok(res.rows_affected == 1)
}

impl Store {
    pub(super) async fn payments_of(&self, order_id: Id) -> DomainResult<Vec<Payment>> {
        let rows = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(order_id))
            .order_by_asc(payment::Column::Id)
            .all(self.db())
            .await
            .map_err(internal)?;
        rows.into_iter().map(to_payment).collect()
    }

    pub(super) async fn payment_where(&self, condition: impl sea_orm::sea_query::IntoCondition) -> DomainResult<Option<Payment>> {
        payment::Entity::find().filter(condition).one(self.db()).await.map_err(internal)?.map(to_payment).transpose()
    }

    /// Inserts a payment while holding the order's row. In this order, under the lock: the same
    /// key gives back its payment (whatever the order's status now is), then an order that left
    /// `PAYMENT_REQUIRED` is refused, then a second live payment. The insert bumps the order's
    /// version, so a cancellation that read the payments before cannot commit over it.
    pub(super) async fn write_payment(
        &self,
        new: NewPayment,
        confirm: Option<Transition>,
        now: DateTime<Utc>,
    ) -> DomainResult<PaymentWrite> {
        let txn = self.begin_write().await?;
        let Some(locked) = lock_order(&txn, new.order_id).await? else {
            txn.rollback().await.map_err(internal)?;
            return Err(DomainError::NotFound("order"));
        };
        let same_key = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(new.order_id))
            .filter(payment::Column::IdempotencyKey.eq(new.idempotency_key.clone()))
            .one(&txn)
            .await
            .map_err(internal)?;
        if let Some(existing) = same_key {
            txn.rollback().await.map_err(internal)?;
            return Ok(PaymentWrite::Existing(to_payment(existing)?));
        }
        let status = to_order(locked)?.status;
        if status != OrderStatus::PaymentRequired {
            txn.rollback().await.map_err(internal)?;
            return Ok(PaymentWrite::WrongStatus(status));
        }
        let live = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(new.order_id))
            .filter(payment::Column::Status.is_in([PaymentStatus::Pending.as_str(), PaymentStatus::Succeeded.as_str()]))
            .count(&txn)
            .await
            .map_err(internal)?;
        if live > 0 {
            txn.rollback().await.map_err(internal)?;
            return Ok(PaymentWrite::Busy);
        }
        let row = payment::ActiveModel {
            order_id: Set(new.order_id),
            provider: Set(new.provider),
            provider_ref: Set(new.provider_ref),
            idempotency_key: Set(new.idempotency_key),
            amount_minor: Set(new.amount_minor),
            currency: Set(new.currency),
            status: Set(new.status.as_str().to_owned()),
            failure_reason: Set(new.failure_reason),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let row = match row {
            Ok(row) => row,
            Err(e) if is_unique_violation(&e) => {
                txn.rollback().await.map_err(internal)?;
                return Ok(PaymentWrite::Busy);
            }
            Err(e) => return Err(internal(e)),
        };
        bump_version(&txn, new.order_id, now).await?;
        let mut created = new.event;
        created.data["paymentId"] = row.id.into();
        let mut events = vec![created];
        if let Some(mut t) = confirm {
            if !write_status(&txn, &t, now).await? {
                txn.rollback().await.map_err(internal)?;
                return Err(DomainError::internal(anyhow::anyhow!("order {} changed under its row lock", new.order_id)));
            }
            t.event.data = serde_json::json!({ "action": "CONFIRM_PAYMENT", "paymentId": row.id });
            events.push(t.event);
        }
        let events = append_all(&txn, new.order_id, events, now).await?;
        txn.commit().await.map_err(internal)?;
        Ok(PaymentWrite::Created(to_payment(row)?, events))
    }

    /// Marks a pending payment failed with its event; `None` when it was not pending.
    pub(super) async fn write_failure(
        &self,
        id: Id,
        reason: &str,
        event: NewOrderEvent,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Vec<OrderEvent>>> {
        let Some(p) = payment::Entity::find_by_id(id).one(self.db()).await.map_err(internal)? else { return Ok(None) };
        let txn = self.begin_write().await?;
        if lock_order(&txn, p.order_id).await?.is_none() {
            txn.rollback().await.map_err(internal)?;
            return Ok(None);
        }
        let res = payment::Entity::update_many()
            .col_expr(payment::Column::Status, Expr::value(PaymentStatus::Failed.as_str()))
            .col_expr(payment::Column::FailureReason, Expr::value(reason))
            .col_expr(payment::Column::UpdatedAt, Expr::value(now))
            .filter(payment::Column::Id.eq(id))
            .filter(payment::Column::Status.eq(PaymentStatus::Pending.as_str()))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if res.rows_affected != 1 {
            txn.rollback().await.map_err(internal)?;
            return Ok(None);
        }
        bump_version(&txn, p.order_id, now).await?;
        let events = append_all(&txn, p.order_id, vec![event], now).await?;
        txn.commit().await.map_err(internal)?;
        Ok(Some(events))
    }
}
