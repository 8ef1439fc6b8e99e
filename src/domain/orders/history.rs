//! Order events: the append-only history of every order, and the outbox the realtime feed reads.
//!
//! Every change to an order (a transition, a payment, a message, a draft, a review) appends one
//! event in the same transaction as the change. Event ids are handed out in commit order (the
//! store serialises event writers), so `id > cursor` never skips an event committed late; `seq`
//! numbers the events of one order 1, 2, 3… without gaps.

use chrono::{DateTime, Utc};

use crate::domain::Id;
use crate::domain::str_enum::str_enum;

str_enum! {
    /// What happened.
    EventKind {
        /// The order was placed.
        OrderPlaced = "ORDER_PLACED",
        /// The order moved from one status to another.
        StatusChanged = "STATUS_CHANGED",
        /// A payment was created.
        PaymentCreated = "PAYMENT_CREATED",
        /// A payment failed.
        PaymentFailed = "PAYMENT_FAILED",
        /// A payment was refunded.
        PaymentRefunded = "PAYMENT_REFUNDED",
        /// A pending payment was voided because its order was cancelled.
        PaymentVoided = "PAYMENT_VOIDED",
        /// The provider confirmed a payment while the order was on hold: the money is recorded
        /// as taken and the admin's resolution releases or refunds it.
        PaymentSucceeded = "PAYMENT_SUCCEEDED",
        /// The provider confirmed a payment its order could no longer take: it is owed back.
        PaymentRefundDue = "PAYMENT_REFUND_DUE",
        /// A message was posted in the order's conversation.
        MessagePosted = "MESSAGE_POSTED",
        /// The influencer submitted a draft.
        DraftSubmitted = "DRAFT_SUBMITTED",
        /// The advertiser reviewed a draft.
        DraftReviewed = "DRAFT_REVIEWED",
        /// The revision allowance of the order changed.
        RevisionsChanged = "REVISIONS_CHANGED",
        /// One side rated the order (the side only: the content stays blind).
        RatingSubmitted = "RATING_SUBMITTED",
        /// One side changed its unpublished rating (the side only).
        RatingUpdated = "RATING_UPDATED",
        /// The order's ratings became visible to both sides and the public.
        RatingsPublished = "RATINGS_PUBLISHED",
        /// The rated side replied to a published rating.
        RatingReplied = "RATING_REPLIED",
    }
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewOrderEvent {
    /// What happened.
    pub kind: EventKind,
    /// Who did it (`None` for the system or the payment provider).
    pub actor_id: Option<Id>,
    /// The status before, for status changes.
    pub from_status: Option<String>,
    /// The status after, for status changes.
    pub to_status: Option<String>,
    /// A reason given by the actor.
    pub reason: Option<String>,
    /// Kind-specific details (ids of the message, draft, payment…).
    pub data: serde_json::Value,
}

impl NewOrderEvent {
    /// An event of `kind` by `actor` with no status change.
    pub fn new(kind: EventKind, actor_id: Option<Id>, data: serde_json::Value) -> Self {
        Self { kind, actor_id, from_status: None, to_status: None, reason: None, data }
    }
}

/// A committed order event.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderEvent {
    /// Global id, increasing in commit order: the resume cursor.
    pub id: Id,
    /// The order.
    pub order_id: Id,
    /// Position within the order, from 1 without gaps.
    pub seq: i64,
    /// What happened.
    pub kind: EventKind,
    /// Who did it.
    pub actor_id: Option<Id>,
    /// Status before.
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: Option<String>,
    /// Reason.
    pub reason: Option<String>,
    /// Details.
    pub data: serde_json::Value,
    /// When it was committed.
    pub created_at: DateTime<Utc>,
    /// The order's advertiser (for per-user routing).
    pub advertiser_id: Id,
    /// The order's influencer (for per-user routing).
    pub influencer_id: Id,
}

/// Told of every order event once its transaction has committed: the doorbell of the realtime
/// feed. Implementations must not block; the feed re-reads the database on any gap, so a lost
/// ring costs latency, never an event.
pub trait EventSink: Send + Sync {
    /// `events` were committed, in this order.
    fn committed(&self, events: &[OrderEvent]);
}

/// The sink used where nothing listens (the CLI, domain unit tests).
#[derive(Debug, Default)]
pub struct NoListeners;

impl EventSink for NoListeners {
    fn committed(&self, _events: &[OrderEvent]) {}
}
