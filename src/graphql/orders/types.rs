//! Orders as GraphQL: the `Order` type and its enums.

use super::enums::{DeadlineKind, OrderAction, OrderStatus, PaymentStatus, ProofKind};
use super::history::OrderEventNode;
use crate::domain::orders::Payment;
use crate::domain::orders::{self as domain, Order};
use crate::graphql::accounts::UserNode;
use crate::graphql::money::Money;
use crate::graphql::relay::to_global;
use crate::graphql::{services, viewer};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// A running deadline: what, due when, what happens then.
#[derive(SimpleObject)]
pub struct Deadline {
    /// Which deadline.
    pub kind: DeadlineKind,
    /// When it falls due.
    pub due_at: DateTime<Utc>,
    /// The status the order moves to then.
    pub then: OrderStatus,
    /// In words.
    pub description: String,
}

/// A proof of delivery.
#[derive(SimpleObject)]
pub struct DeliveryProof {
    /// Link or screenshot.
    pub kind: ProofKind,
    /// Where it is.
    pub url: String,
    /// When it was given.
    pub created_at: DateTime<Utc>,
}

/// An order, as seen by its advertiser, its influencer or an admin.
pub struct OrderNode(pub Order);

#[Object(name = "Order")]
impl OrderNode {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global("Order", self.0.id)
    }
    /// Where it stands.
    async fn status(&self) -> OrderStatus {
        self.0.status.into()
    }
    /// The advertiser who placed it.
    async fn advertiser(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        Ok(services(ctx).accounts.user(self.0.advertiser_id).await?.map(UserNode::public))
    }
    /// The influencer who sells the ad space.
    async fn influencer(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        Ok(services(ctx).accounts.user(self.0.influencer_id).await?.map(UserNode::public))
    }
    /// The ordered ad space's global id.
    async fn ad_space_id(&self) -> ID {
        to_global("AdSpace", self.0.ad_space_id)
    }
    /// The booked ad space, as it is now (archived or not: the parties keep seeing what they
    /// booked; the order's own `price`, `turnaroundDays` and revision figures are the terms agreed).
    async fn ad_space(&self, ctx: &Context<'_>) -> Result<crate::graphql::catalogue::AdSpaceNode> {
        let loaders = ctx.data_unchecked::<crate::graphql::loaders::Loaders>();
        let space = loaders.ad_spaces.load_one(self.0.ad_space_id).await?;
        space
            .map(crate::graphql::catalogue::AdSpaceNode)
            .ok_or_else(|| crate::domain::DomainError::internal(anyhow::anyhow!("order {} lost its ad space", self.0.id)).into())
    }
    /// What the campaign needs.
    async fn brief(&self) -> &str {
        &self.0.brief
    }
    /// The portfolio reference given when ordering.
    async fn portfolio_reference(&self) -> Option<&str> {
        self.0.portfolio_url.as_deref()
    }
    /// The price, copied from the ad space when the order was placed.
    async fn price(&self) -> Money {
        Money { amount_minor: self.0.price_minor, currency: self.0.currency.clone() }
    }
    /// Days the influencer needs once paid.
    async fn turnaround_days(&self) -> i32 {
        self.0.turnaround_days
    }
    /// Revision rounds the ad space included when the order was placed.
    async fn revisions_included(&self) -> i32 {
        self.0.revisions_included
    }
    /// Revision rounds used.
    async fn revisions_used(&self) -> i32 {
        self.0.revisions_used
    }
    /// Extra revision rounds the influencer granted with `grantExtraRevisions`.
    async fn revisions_extra(&self) -> i32 {
        self.0.revisions_extra
    }
    /// Revision rounds allowed in all: `revisionsIncluded + revisionsExtra`.
    async fn revisions_allowed(&self) -> i32 {
        self.0.revisions_allowed()
    }
    /// The conversation, newest last: `last`/`before` load history upwards (latest 20 by default).
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<crate::graphql::conversation::MessageConnection> {
        crate::graphql::conversation::order_messages(ctx, self.0.id, first, after, last, before).await
    }
    /// Messages of others the viewer has not read yet.
    async fn unread_count(&self, ctx: &Context<'_>) -> Result<i64> {
        crate::graphql::conversation::order_unread_count(ctx, self.0.id).await
    }
    /// Drafts with their reviews, by version.
    async fn drafts(&self, ctx: &Context<'_>) -> Result<Vec<crate::graphql::drafts::DraftNode>> {
        crate::graphql::drafts::order_drafts(ctx, self.0.id).await
    }
    /// Where the feedback loop of the drafts stands.
    async fn feedback_state(&self, ctx: &Context<'_>) -> Result<crate::graphql::drafts::FeedbackState> {
        crate::graphql::drafts::order_feedback_state(ctx, self.0.id).await
    }
    /// The influencer's delivery note.
    async fn completion_note(&self) -> Option<&str> {
        self.0.completion_note.as_deref()
    }
    /// The proofs of delivery.
    async fn proofs(&self, ctx: &Context<'_>) -> Result<Vec<DeliveryProof>> {
        let proofs = services(ctx).orders.proofs_of(&self.0).await?;
        Ok(proofs.into_iter().map(|p| DeliveryProof { kind: p.kind.into(), url: p.url, created_at: p.created_at }).collect())
    }
    /// What the viewer may do now (the buttons a frontend shows).
    async fn available_actions(&self, ctx: &Context<'_>) -> Vec<OrderAction> {
        services(ctx).orders.available_actions(&viewer(ctx), &self.0).into_iter().map(Into::into).collect()
    }
    /// The order's ratings the viewer may read: their own, the other side's once published
    /// (both sides rated, or the rating window closed); admins see both.
    async fn ratings(&self, ctx: &Context<'_>) -> Result<Vec<crate::graphql::feedback::RatingNode>> {
        crate::graphql::feedback::order_ratings(ctx, &self.0).await
    }
    /// Whether the viewer may rate the order now (`rateOrder`).
    async fn can_rate(&self, ctx: &Context<'_>) -> Result<bool> {
        crate::graphql::feedback::order_can_rate(ctx, &self.0).await
    }
    /// The deadlines running now.
    async fn deadlines(&self) -> Vec<Deadline> {
        self.0.deadlines().into_iter().map(Into::into).collect()
    }
    /// The full history, oldest first: who did what when, from → to, why.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<OrderEventNode>> {
        Ok(services(ctx).orders.events_of(&self.0).await?.into_iter().map(OrderEventNode).collect())
    }
    /// The payments, oldest first.
    async fn payments(&self, ctx: &Context<'_>) -> Result<Vec<PaymentNode>> {
        Ok(services(ctx).orders.payments_of(&self.0).await?.into_iter().map(PaymentNode).collect())
    }
    /// When it was placed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When the status last changed.
    async fn status_changed_at(&self) -> DateTime<Utc> {
        self.0.status_changed_at
    }
    /// Who changed the status last (`null`: the system or the payment provider).
    async fn status_changed_by(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        let Some(id) = self.0.status_changed_by else { return Ok(None) };
        Ok(services(ctx).accounts.user(id).await?.map(UserNode::public))
    }
    /// When the influencer accepted.
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.accepted_at
    }
    /// When the payment was received.
    async fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.0.paid_at
    }
    /// When the work (last) started.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When it was delivered.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// When the delivery was verified.
    async fn verified_at(&self) -> Option<DateTime<Utc>> {
        self.0.verified_at
    }
    /// When it ended without delivery.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
}

/// A payment of an order.
pub struct PaymentNode(pub Payment);

#[Object(name = "Payment")]
impl PaymentNode {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global("Payment", self.0.id)
    }
    /// The order's global id.
    async fn order_id(&self) -> ID {
        to_global("Order", self.0.order_id)
    }
    /// The provider (`sandbox` on the embedded default).
    async fn provider(&self) -> &str {
        &self.0.provider
    }
    /// The provider's reference (webhooks name payments by it).
    async fn provider_ref(&self) -> &str {
        &self.0.provider_ref
    }
    /// The advertiser's idempotency key.
    async fn idempotency_key(&self) -> &str {
        &self.0.idempotency_key
    }
    /// The amount charged.
    async fn amount(&self) -> Money {
        Money { amount_minor: self.0.amount_minor, currency: self.0.currency.clone() }
    }
    /// Where it stands.
    async fn status(&self) -> PaymentStatus {
        self.0.status.into()
    }
    /// Why it failed.
    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.as_deref()
    }
    /// Created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

impl From<Payment> for PaymentNode {
    fn from(p: Payment) -> Self {
        Self(p)
    }
}

impl From<domain::Deadline> for Deadline {
    fn from(d: domain::Deadline) -> Self {
        Self { kind: d.kind.into(), due_at: d.due_at, then: d.then.into(), description: d.description.to_owned() }
    }
}

impl From<Order> for OrderNode {
    fn from(o: Order) -> Self {
        Self(o)
    }
}
