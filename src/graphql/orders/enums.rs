//! The order enums as GraphQL: status, action, proof kind, deadline kind, side, payment status.

use async_graphql::Enum;

/// Where an order stands (see the state machine in docs/architecture.md).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::orders::OrderStatus")]
#[expect(missing_docs, reason = "documented on the domain enum and in the README")]
pub enum OrderStatus {
    Pending,
    PaymentRequired,
    PaymentReceived,
    Processing,
    Completed,
    Verified,
    Disputed,
    OnHold,
    Declined,
    Expired,
    Cancelled,
    Refunded,
}

/// A move of the order state machine; `availableActions` lists those the viewer may make now.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::orders::OrderAction")]
pub enum OrderAction {
    /// `acceptOrder` (influencer).
    Accept,
    /// `declineOrder` (influencer, reason).
    Decline,
    /// The answer window passed (system only).
    Expire,
    /// `cancelOrder` (either party, before payment, reason).
    Cancel,
    /// `payOrder` (advertiser).
    Pay,
    /// The payment provider confirmed the payment (provider only).
    ConfirmPayment,
    /// `startWork` (influencer).
    StartWork,
    /// `completeOrder` (influencer, proofs and a note).
    Complete,
    /// `verifyDelivery` (advertiser; the system after the review window).
    Verify,
    /// `disputeOrder` (advertiser, reason).
    Dispute,
    /// `reworkOrder` (influencer).
    Rework,
    /// `escalateOrder` (either party).
    Escalate,
    /// `holdOrder` (admin, reason).
    Hold,
    /// `resolveOrder(resolution: RELEASE)` (admin): verified.
    Release,
    /// `resolveOrder(resolution: REFUND)` (admin): refunded, or cancelled before payment.
    Refund,
}

/// What a proof of delivery is.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::orders::ProofKind")]
pub enum ProofKind {
    /// A link to the published content.
    Link,
    /// A screenshot of the published content (a URL for now).
    Screenshot,
}

/// Which running deadline.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::orders::DeadlineKind")]
pub enum DeadlineKind {
    /// The influencer must answer a `PENDING` order.
    Answer,
    /// The advertiser may dispute a `COMPLETED` order.
    Review,
    /// Both sides may rate a delivered order; when it falls due the ratings given are published.
    Rating,
}

/// Which side of an order.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::orders::Side")]
pub enum OrderSide {
    /// Orders the viewer placed.
    Advertiser,
    /// Orders of the viewer's ad spaces.
    Influencer,
}

/// Where a payment stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::orders::PaymentStatus")]
pub enum PaymentStatus {
    /// Created, waiting for the provider's confirmation.
    Pending,
    /// Confirmed by the provider.
    Succeeded,
    /// Refused by the provider (`failureReason`).
    Failed,
    /// Paid back to the advertiser.
    Refunded,
    /// Cancelled with its order before the provider confirmed it.
    Voided,
    /// Confirmed by the provider for an order that could no longer take it (cancelled,
    /// refunded, or paid already): owed back to the advertiser; admins list these with
    /// `refundDuePayments` and pay them back with `refundPayment`.
    RefundDue,
}
