//! The values of the orders area: an order, its proofs, its payments, its deadlines.

use chrono::{DateTime, Utc};

use super::machine::{OrderStatus, Party};
use crate::domain::Id;
use crate::domain::str_enum::str_enum;

/// One booking of an ad space, carried through the state machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Primary key.
    pub id: Id,
    /// The advertiser who placed it.
    pub advertiser_id: Id,
    /// The influencer who sells the ad space.
    pub influencer_id: Id,
    /// The ordered ad space.
    pub ad_space_id: Id,
    /// Where it stands.
    pub status: OrderStatus,
    /// Bumped by every transition: the compare-and-set token.
    pub version: i64,
    /// What the campaign needs.
    pub brief: String,
    /// A portfolio reference (URL).
    pub portfolio_url: Option<String>,
    /// The first message of the conversation, as given when placing the order.
    pub first_message: Option<String>,
    /// Price in minor units, copied from the ad space when placed.
    pub price_minor: i64,
    /// ISO 4217 currency, copied from the ad space.
    pub currency: String,
    /// Days the influencer needs, copied from the ad space.
    pub turnaround_days: i32,
    /// Revision rounds the ad space included when the order was placed.
    pub revisions_included: i32,
    /// Revision rounds the influencer granted on top with `grantExtraRevisions`.
    pub revisions_extra: i32,
    /// Revision rounds used.
    pub revisions_used: i32,
    /// The influencer's delivery note.
    pub completion_note: Option<String>,
    /// When a `PENDING` order expires.
    pub answer_due_at: Option<DateTime<Utc>>,
    /// When a `COMPLETED` order is verified automatically.
    pub review_due_at: Option<DateTime<Utc>>,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When the status last changed.
    pub status_changed_at: DateTime<Utc>,
    /// Who changed it last (`None`: the system or the payment provider).
    pub status_changed_by: Option<Id>,
    /// Accepted by the influencer.
    pub accepted_at: Option<DateTime<Utc>>,
    /// Payment received.
    pub paid_at: Option<DateTime<Utc>>,
    /// Work started (the last time, after a rework).
    pub started_at: Option<DateTime<Utc>>,
    /// Delivered.
    pub completed_at: Option<DateTime<Utc>>,
    /// Verified.
    pub verified_at: Option<DateTime<Utc>>,
    /// Ended without delivery (declined, expired, cancelled, refunded).
    pub closed_at: Option<DateTime<Utc>>,
    /// When the rating window closes (set at the first delivery).
    pub rating_due_at: Option<DateTime<Utc>>,
    /// When the ratings were published (both given, or the window swept).
    pub ratings_closed_at: Option<DateTime<Utc>>,
}

impl Order {
    /// The viewer's side of this order, if they may see it at all.
    pub fn party_of(&self, user_id: Id, is_admin: bool) -> Option<Party> {
        if user_id == self.advertiser_id {
            Some(Party::Advertiser)
        } else if user_id == self.influencer_id {
            Some(Party::Influencer)
        } else if is_admin {
            Some(Party::Admin)
        } else {
            None
        }
    }

    /// Whether the payment was received.
    pub fn is_paid(&self) -> bool {
        self.paid_at.is_some()
    }

    /// Revision rounds allowed in all: included plus granted.
    pub fn revisions_allowed(&self) -> i32 {
        self.revisions_included + self.revisions_extra
    }
}

/// An order to insert (validated).
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// Advertiser.
    pub advertiser_id: Id,
    /// Ad space and its terms.
    pub space: AdSpaceTerms,
    /// Brief.
    pub brief: String,
    /// Portfolio URL.
    pub portfolio_url: Option<String>,
    /// First message.
    pub first_message: Option<String>,
    /// Client-chosen key: the same key by the same advertiser gives back the same order.
    pub idempotency_key: Option<String>,
    /// When the influencer must have answered.
    pub answer_due_at: DateTime<Utc>,
}

/// What an order copies from its ad space.
#[derive(Debug, Clone, PartialEq)]
pub struct AdSpaceTerms {
    /// Ad space id.
    pub id: Id,
    /// Its influencer.
    pub influencer_id: Id,
    /// Price in minor units.
    pub price_minor: i64,
    /// Currency.
    pub currency: String,
    /// Turnaround in days.
    pub turnaround_days: i32,
    /// Included revision rounds.
    pub revisions_included: i32,
    /// Whether it was archived (no longer orderable).
    pub archived: bool,
}

str_enum! {
    /// What a proof of delivery is.
    ProofKind {
        /// A link to the published content.
        Link = "LINK",
        /// A screenshot of the published content.
        Screenshot = "SCREENSHOT",
    }
}

/// A proof of delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryProof {
    /// Primary key (0 before insertion).
    pub id: Id,
    /// Link or screenshot.
    pub kind: ProofKind,
    /// Where it is.
    pub url: String,
    /// When it was given.
    pub created_at: DateTime<Utc>,
}

str_enum! {
    /// Where a payment stands.
    PaymentStatus {
        /// Created, waiting for the provider's confirmation.
        Pending = "PENDING",
        /// Confirmed by the provider.
        Succeeded = "SUCCEEDED",
        /// Refused by the provider.
        Failed = "FAILED",
        /// Paid back to the advertiser.
        Refunded = "REFUNDED",
        /// Cancelled with its order before the provider confirmed it.
        Voided = "VOIDED",
        /// Confirmed by the provider for an order that could no longer take it (cancelled,
        /// refunded, or paid already): the money is owed back, for an admin to refund.
        RefundDue = "REFUND_DUE",
    }
}

/// A payment of an order.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    /// Primary key.
    pub id: Id,
    /// The order.
    pub order_id: Id,
    /// Provider name (`sandbox`).
    pub provider: String,
    /// The provider's reference.
    pub provider_ref: String,
    /// The advertiser's idempotency key.
    pub idempotency_key: String,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
    /// Where it stands.
    pub status: PaymentStatus,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

str_enum! {
    /// A running deadline of an order.
    DeadlineKind {
        /// The influencer must answer a `PENDING` order.
        Answer = "ANSWER",
        /// The advertiser may dispute a `COMPLETED` order.
        Review = "REVIEW",
        /// Both sides may rate a delivered order.
        Rating = "RATING",
    }
}

/// A deadline as data: what it is, when it falls due, what happens then.
#[derive(Debug, Clone, PartialEq)]
pub struct Deadline {
    /// Which deadline.
    pub kind: DeadlineKind,
    /// When it falls due.
    pub due_at: DateTime<Utc>,
    /// The status the order moves to then.
    pub then: OrderStatus,
    /// In words.
    pub description: &'static str,
}

impl Order {
    /// The deadlines running now.
    pub fn deadlines(&self) -> Vec<Deadline> {
        let mut out = Vec::new();
        if let (OrderStatus::Pending, Some(due_at)) = (self.status, self.answer_due_at) {
            out.push(Deadline {
                kind: DeadlineKind::Answer,
                due_at,
                then: OrderStatus::Expired,
                description: "the influencer must accept or decline; unanswered, the order expires",
            });
        }
        if let (OrderStatus::Completed, Some(due_at)) = (self.status, self.review_due_at) {
            out.push(Deadline {
                kind: DeadlineKind::Review,
                due_at,
                then: OrderStatus::Verified,
                description: "the advertiser may verify or dispute the delivery; undisputed, it is verified automatically",
            });
        }
        if let (None, Some(due_at)) = (self.ratings_closed_at, self.rating_due_at) {
            out.push(Deadline {
                kind: DeadlineKind::Rating,
                due_at,
                then: self.status,
                description: "both sides may rate the order; then the ratings given are published (the status does not change)",
            });
        }
        out
    }
}
