//! What a provider's confirmation does to an order, and paying back money that arrived too late.
//!
//! A confirmation is decided and written under the order's row lock, in one transaction, so it
//! can never interleave with a cancellation, a hold or a refund (see "Money invariants" in
//! `docs/architecture.md`). Money the provider says it took is never dropped: it is recorded
//! as taken (the order moves to `PAYMENT_RECEIVED`, or stays `ON_HOLD` and becomes paid), or,
//! when the order can no longer take it, the payment becomes `REFUND_DUE` with a
//! `PAYMENT_REFUND_DUE` event: admins list those with `refundDuePayments` and pay them back
//! with `refundPayment`.

use serde_json::json;

use super::OrderService;
use super::history::{EventKind, NewOrderEvent};
use super::machine::{OrderAction, OrderStatus};
use super::model::{Order, Payment, PaymentStatus};
use super::repo::Transition;
use crate::domain::{DomainError, DomainResult, Id, Viewer};

/// Most payments one `refundDuePayments` call lists.
pub const MAX_REFUND_DUE_PAGE: u64 = 100;

/// What a provider's confirmation of a payment does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// The order was waiting for it: it moves to `PAYMENT_RECEIVED`.
    Received,
    /// The order is on hold and unpaid: the money is recorded as taken (`SUCCEEDED`, the order
    /// becomes paid); the admin's resolution releases or refunds it.
    ReceivedOnHold,
    /// The order can no longer take it (closed, or paid by another payment): `REFUND_DUE`.
    RefundDue,
    /// The payment was settled before (a replay): nothing changes.
    AlreadySettled,
}

/// The one rule for confirmations, applied by the store under the order's row lock.
pub fn confirmation(order: &Order, payment: PaymentStatus) -> Confirmation {
    use PaymentStatus as P;
    match payment {
        P::Succeeded | P::Refunded | P::RefundDue | P::Failed => Confirmation::AlreadySettled,
        P::Pending if order.status == OrderStatus::PaymentRequired && !order.is_paid() => Confirmation::Received,
        P::Pending if order.status == OrderStatus::OnHold && !order.is_paid() => Confirmation::ReceivedOnHold,
        P::Pending | P::Voided => Confirmation::RefundDue,
    }
}

/// The writes of each possible outcome of a confirmation; the store picks one under the lock.
#[derive(Debug, Clone)]
pub struct ConfirmPlan {
    /// `PAYMENT_REQUIRED` → `PAYMENT_RECEIVED`, with its status event.
    pub received: Transition,
    /// The `PAYMENT_SUCCEEDED` event of a confirmation while on hold.
    pub on_hold: NewOrderEvent,
    /// The `PAYMENT_REFUND_DUE` event.
    pub refund_due: NewOrderEvent,
}

impl OrderService {
    /// Applies a provider's confirmation of `payment` (sandbox or webhook) and says what it did.
    pub(super) async fn confirm(&self, payment: &Payment, actor: Option<Id>) -> DomainResult<Confirmation> {
        let now = self.clock.now();
        let order = self.reload(payment.order_id).await?;
        let data = json!({ "paymentId": payment.id, "amountMinor": payment.amount_minor, "currency": payment.currency });
        let mut received = self.transition(&order, OrderStatus::PaymentReceived, actor, None, now)?;
        received.from = OrderStatus::PaymentRequired;
        received.event.from_status = Some(OrderStatus::PaymentRequired.as_str().to_owned());
        received.event.data = json!({ "action": OrderAction::ConfirmPayment.as_str(), "paymentId": payment.id });
        let plan = ConfirmPlan {
            received,
            on_hold: NewOrderEvent::new(EventKind::PaymentSucceeded, actor, data.clone()),
            refund_due: NewOrderEvent::new(EventKind::PaymentRefundDue, actor, data),
        };
        let (outcome, events) = self.repo.confirm_payment(payment.id, plan, now).await?;
        if outcome == Confirmation::RefundDue {
            tracing::warn!(
                payment = payment.id,
                order = payment.order_id,
                "a payment was confirmed for an order that cannot take it: REFUND_DUE"
            );
        }
        self.sink.committed(&events);
        Ok(outcome)
    }

    /// The payments confirmed too late, oldest first (admins only).
    pub async fn refund_due_payments(&self, viewer: &Viewer, limit: u64) -> DomainResult<Vec<Payment>> {
        viewer.require()?;
        if !viewer.is_admin() {
            return Err(DomainError::forbidden("only admins list the payments due back"));
        }
        self.repo.refund_due_payments(limit.clamp(1, MAX_REFUND_DUE_PAGE)).await
    }

    /// Pays a `REFUND_DUE` payment back with the provider (admins only): `REFUNDED`, with a
    /// `PAYMENT_REFUNDED` event. Any other status is a `CONFLICT`.
    pub async fn refund_payment(&self, viewer: &Viewer, payment_id: Id) -> DomainResult<(Order, Payment)> {
        viewer.require()?;
        if !viewer.is_admin() {
            return Err(DomainError::forbidden("only admins refund payments"));
        }
        let payment = self.repo.payment(payment_id).await?.ok_or(DomainError::NotFound("payment"))?;
        if payment.status != PaymentStatus::RefundDue {
            return Err(DomainError::Conflict(format!("the payment is {}, not REFUND_DUE", payment.status.as_str())));
        }
        self.provider.refund(&payment.provider_ref, payment.amount_minor, &payment.currency).await?;
        let data = json!({ "paymentId": payment.id, "amountMinor": payment.amount_minor, "currency": payment.currency });
        let event = NewOrderEvent::new(EventKind::PaymentRefunded, viewer.user_id(), data);
        let change = (payment.id, PaymentStatus::RefundDue, PaymentStatus::Refunded);
        match self.repo.change_payment(payment.order_id, change, event, self.clock.now()).await? {
            Some(events) => self.sink.committed(&events),
            None => return Err(DomainError::Conflict("the payment changed meanwhile; reload it".into())),
        }
        let payment = self.repo.payment(payment_id).await?.ok_or(DomainError::NotFound("payment"))?;
        Ok((self.reload(payment.order_id).await?, payment))
    }
}
