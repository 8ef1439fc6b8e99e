//! The storage port of the orders area, implemented by `store::orders`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::machine::OrderStatus;
use super::model::{AdSpaceTerms, DeliveryProof, NewOrder, Order, Payment, PaymentStatus, ProofKind};
use super::settlement::{ConfirmPlan, Confirmation};
use crate::domain::orders::history::{NewOrderEvent, OrderEvent};
use crate::domain::{DomainResult, Id};

/// One status change, written in one transaction: compare-and-set on the status (and the
/// version, when given), the new status with its timestamp and actor, the side writes, then
/// the events, last.
#[derive(Debug, Clone)]
pub struct Transition {
    /// The order.
    pub order_id: Id,
    /// The status the change starts from.
    pub from: OrderStatus,
    /// The new status.
    pub to: OrderStatus,
    /// The version read before deciding; `None` for provider and sweeper changes, which only
    /// depend on the status (and, for the sweeper, on the deadline).
    pub version: Option<i64>,
    /// For the sweeper: the change happens only while this deadline is still due.
    pub due: Option<Due>,
    /// Who makes it (`None`: system or provider).
    pub actor_id: Option<Id>,
    /// The new answer deadline (`None` clears it).
    pub answer_due_at: Option<DateTime<Utc>>,
    /// The new review deadline (`None` clears it).
    pub review_due_at: Option<DateTime<Utc>>,
    /// The rating window's end, written only when the order has none (its first delivery).
    pub rating_due_at: Option<DateTime<Utc>>,
    /// The delivery note, when completing.
    pub completion_note: Option<String>,
    /// Proofs of delivery, when completing.
    pub proofs: Vec<(ProofKind, String)>,
    /// A payment to move, in the same transaction: (payment id, from, to).
    pub payment: Option<(Id, PaymentStatus, PaymentStatus)>,
    /// Events appended before the status event (e.g. `PAYMENT_REFUNDED`).
    pub before: Vec<NewOrderEvent>,
    /// The status event.
    pub event: NewOrderEvent,
}

/// A deadline condition of a sweeper transition.
#[derive(Debug, Clone, Copy)]
pub enum Due {
    /// `answer_due_at <= at`.
    Answer(DateTime<Utc>),
    /// `review_due_at <= at`.
    Review(DateTime<Utc>),
}

/// Which orders to list.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    /// Only orders where this user is the advertiser.
    pub advertiser_id: Option<Id>,
    /// Only orders where this user is the influencer.
    pub influencer_id: Option<Id>,
    /// Only orders where this user is either party.
    pub party_id: Option<Id>,
    /// Only these statuses (all when empty).
    pub statuses: Vec<OrderStatus>,
    /// Placed at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Placed before.
    pub created_to: Option<DateTime<Utc>>,
    /// Keyset: ids below this one (newest first).
    pub before_id: Option<Id>,
    /// Keyset: ids above this one.
    pub above_id: Option<Id>,
    /// Read from the oldest end (for `last`): ids ascending.
    pub oldest_first: bool,
    /// Page size.
    pub limit: u64,
}

/// A new payment with its effects, written in one transaction.
#[derive(Debug, Clone)]
pub struct NewPayment {
    /// The order (must still be `PAYMENT_REQUIRED`).
    pub order_id: Id,
    /// Provider name.
    pub provider: String,
    /// Provider reference.
    pub provider_ref: String,
    /// Idempotency key.
    pub idempotency_key: String,
    /// Amount.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
    /// Initial status (pending, or succeeded for an instant provider).
    pub status: PaymentStatus,
    /// Failure reason when the provider refused at once.
    pub failure_reason: Option<String>,
    /// The `PAYMENT_CREATED` event.
    pub event: NewOrderEvent,
}

/// What writing a payment gave.
#[derive(Debug, Clone)]
pub enum PaymentWrite {
    /// Written; with its events.
    Created(Payment, Vec<OrderEvent>),
    /// A payment with the same key existed already.
    Existing(Payment),
    /// Another payment is pending or succeeded.
    Busy,
    /// The order is no longer `PAYMENT_REQUIRED`; it was found in this status.
    WrongStatus(OrderStatus),
}

/// Storage of orders, their proofs and payments.
#[async_trait]
pub trait OrdersRepo: Send + Sync {
    /// The orderable terms of an ad space.
    async fn ad_space_terms(&self, id: Id) -> DomainResult<Option<AdSpaceTerms>>;
    /// Inserts an order with its `ORDER_PLACED` event; with an idempotency key already used
    /// by the advertiser, returns that order and no event.
    async fn insert_order(&self, new: NewOrder, event: NewOrderEvent, now: DateTime<Utc>) -> DomainResult<(Order, Vec<OrderEvent>)>;
    /// One order.
    async fn order(&self, id: Id) -> DomainResult<Option<Order>>;
    /// A page of orders, newest first (oldest first with `oldest_first`).
    async fn orders(&self, query: OrderQuery) -> DomainResult<Vec<Order>>;
    /// How many orders match the query's filters (keysets and limit ignored).
    async fn count_orders(&self, query: OrderQuery) -> DomainResult<u64>;
    /// The full history of an order, in order.
    async fn order_events(&self, order_id: Id) -> DomainResult<Vec<OrderEvent>>;
    /// One event by id.
    async fn order_event(&self, id: Id) -> DomainResult<Option<OrderEvent>>;
    /// How many events an order has.
    async fn event_count(&self, order_id: Id) -> DomainResult<u64>;
    /// The proofs of delivery of an order.
    async fn proofs(&self, order_id: Id) -> DomainResult<Vec<DeliveryProof>>;
    /// Applies a transition; `None` when the compare-and-set lost (nothing written).
    async fn transition(&self, t: Transition, now: DateTime<Utc>) -> DomainResult<Option<(Order, Vec<OrderEvent>)>>;
    /// Ids of orders in `status` whose deadline is due at `now` (oldest first).
    async fn due_orders(&self, due: Due, limit: u64) -> DomainResult<Vec<Id>>;
    /// The payments of an order, oldest first.
    async fn payments(&self, order_id: Id) -> DomainResult<Vec<Payment>>;
    /// One payment.
    async fn payment(&self, id: Id) -> DomainResult<Option<Payment>>;
    /// A payment by its provider reference.
    async fn payment_by_ref(&self, provider_ref: &str) -> DomainResult<Option<Payment>>;
    /// A payment by its order and idempotency key.
    async fn payment_by_key(&self, order_id: Id, key: &str) -> DomainResult<Option<Payment>>;
    /// Writes a new payment unless the key was used or another payment is live; an instant
    /// success also moves the order (`confirm`).
    async fn insert_payment(&self, new: NewPayment, confirm: Option<Transition>, now: DateTime<Utc>) -> DomainResult<PaymentWrite>;
    /// Marks a pending payment failed, with its `PAYMENT_FAILED` event; `None` when it was not pending.
    async fn fail_payment(&self, id: Id, reason: &str, event: NewOrderEvent, now: DateTime<Utc>) -> DomainResult<Option<Vec<OrderEvent>>>;
    /// Applies a provider's confirmation under the order's row lock: picks the outcome with
    /// [`super::settlement::confirmation`] and writes that part of `plan`.
    async fn confirm_payment(&self, payment_id: Id, plan: ConfirmPlan, now: DateTime<Utc>)
    -> DomainResult<(Confirmation, Vec<OrderEvent>)>;
    /// Moves a payment `(id, from, to)` with its event, under the order's row lock; `None` when it
    /// was not in `from`.
    async fn change_payment(
        &self,
        order_id: Id,
        change: (Id, PaymentStatus, PaymentStatus),
        event: NewOrderEvent,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Vec<OrderEvent>>>;
    /// The `REFUND_DUE` payments, oldest first.
    async fn refund_due_payments(&self, limit: u64) -> DomainResult<Vec<Payment>>;
    /// Records a webhook delivery id; `false` when it was seen before.
    async fn remember_webhook(&self, event_id: &str, now: DateTime<Utc>) -> DomainResult<bool>;
}
