//! Provider confirmations and refunds of late payments, each in one transaction under the
//! order's row lock (the rule itself is the domain's `settlement::confirmation`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::payments::{bump_version, lock_order, move_payment, to_payment};
use super::rows::{append_all, to_order, write_status};
use crate::domain::orders::history::{NewOrderEvent, OrderEvent};
use crate::domain::orders::model::{Payment, PaymentStatus};
use crate::domain::orders::settlement::{ConfirmPlan, Confirmation, confirmation};
use crate::domain::{DomainError, DomainResult, Id};
use crate::store::entities::{order, payment};
use crate::store::{Store, internal};

impl Store {
    /// See [`crate::domain::orders::repo::OrdersRepo::confirm_payment`].
    pub(super) async fn write_confirmation(
        &self,
        payment_id: Id,
        plan: ConfirmPlan,
        now: DateTime<Utc>,
    ) -> DomainResult<(Confirmation, Vec<OrderEvent>)> {
        let order_id = payment::Entity::find_by_id(payment_id)
            .select_only()
            .column(payment::Column::OrderId)
            .into_tuple::<Id>()
            .one(self.db())
            .await
            .map_err(internal)?
            .ok_or(DomainError::NotFound("payment"))?;
        let txn = self.begin_write().await?;
        let locked = lock_order(&txn, order_id).await?.ok_or(DomainError::NotFound("order"))?;
        let order = to_order(locked)?;
        // Read after the lock: what the payment is now, not what it was before the transaction.
        let row = payment::Entity::find_by_id(payment_id).one(&txn).await.map_err(internal)?.ok_or(DomainError::NotFound("payment"))?;
        let current = to_payment(row)?.status;
        let outcome = confirmation(&order, current);
        let events = match outcome {
            Confirmation::AlreadySettled => {
                txn.rollback().await.map_err(internal)?;
                return Ok((outcome, Vec::new()));
            }
            Confirmation::Received => {
                let mut t = plan.received;
                t.payment = Some((payment_id, current, PaymentStatus::Succeeded));
                if !write_status(&txn, &t, now).await? || !move_payment(&txn, t.payment, now).await? {
                    txn.rollback().await.map_err(internal)?;
                    return Err(DomainError::internal(anyhow::anyhow!("order {order_id} changed under its row lock")));
                }
                vec![t.event]
            }
            Confirmation::ReceivedOnHold => {
                move_payment(&txn, Some((payment_id, current, PaymentStatus::Succeeded)), now).await?;
                order::Entity::update_many()
                    .col_expr(order::Column::PaidAt, Expr::value(now))
                    .filter(order::Column::Id.eq(order_id))
                    .exec(&txn)
                    .await
                    .map_err(internal)?;
                bump_version(&txn, order_id, now).await?;
                vec![plan.on_hold]
            }
            Confirmation::RefundDue => {
                move_payment(&txn, Some((payment_id, current, PaymentStatus::RefundDue)), now).await?;
                bump_version(&txn, order_id, now).await?;
                vec![plan.refund_due]
            }
        };
        let events = append_all(&txn, order_id, events, now).await?;
        txn.commit().await.map_err(internal)?;
        Ok((outcome, events))
    }

    /// See [`crate::domain::orders::repo::OrdersRepo::change_payment`].
    pub(super) async fn write_payment_change(
        &self,
        order_id: Id,
        change: (Id, PaymentStatus, PaymentStatus),
        event: NewOrderEvent,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Vec<OrderEvent>>> {
        let txn = self.begin_write().await?;
        if lock_order(&txn, order_id).await?.is_none() || !move_payment(&txn, Some(change), now).await? {
            txn.rollback().await.map_err(internal)?;
            return Ok(None);
        }
        bump_version(&txn, order_id, now).await?;
        let events = append_all(&txn, order_id, vec![event], now).await?;
        txn.commit().await.map_err(internal)?;
        Ok(Some(events))
    }

    /// See [`crate::domain::orders::repo::OrdersRepo::refund_due_payments`].
    pub(super) async fn payments_refund_due(&self, limit: u64) -> DomainResult<Vec<Payment>> {
        let rows = payment::Entity::find()
            .filter(payment::Column::Status.eq(PaymentStatus::RefundDue.as_str()))
            .order_by_asc(payment::Column::Id)
            .limit(limit)
            .all(self.db())
            .await
            .map_err(internal)?;
        rows.into_iter().map(to_payment).collect()
    }
}
