//! Orders as GraphQL: the `Order` type, its enums, `order(id)` and `myOrders`.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::accounts::UserNode;
use super::events::OrderEventNode;
use super::money::Money;
use super::relay::{decode_cursor, encode_cursor, from_global, page_size, to_global};
use super::{services, viewer};
use crate::domain::orders::{self as domain, MyOrdersFilter, Order};
use crate::domain::{DomainError, Id};

/// Where an order stands (see the state machine in DESIGN.md §1).
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
    /// Revision rounds included.
    async fn revisions_included(&self) -> i32 {
        self.0.revisions_included
    }
    /// Revision rounds used.
    async fn revisions_used(&self) -> i32 {
        self.0.revisions_used
    }
    /// Extra revision rounds the influencer granted with `grantExtraRevisions`.
    async fn revisions_extra(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(services(ctx).drafts.revisions(&viewer(ctx), self.0.id).await?.revisions_extra)
    }
    /// The conversation, newest last: `last`/`before` load history upwards (latest 20 by default).
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<super::conversation::MessageConnection> {
        super::conversation::order_messages(ctx, self.0.id, first, after, last, before).await
    }
    /// Messages of others the viewer has not read yet.
    async fn unread_count(&self, ctx: &Context<'_>) -> Result<i64> {
        super::conversation::order_unread_count(ctx, self.0.id).await
    }
    /// Drafts with their reviews, by version.
    async fn drafts(&self, ctx: &Context<'_>) -> Result<Vec<super::drafts::DraftNode>> {
        super::drafts::order_drafts(ctx, self.0.id).await
    }
    /// Where the feedback loop of the drafts stands.
    async fn feedback_state(&self, ctx: &Context<'_>) -> Result<super::drafts::FeedbackState> {
        super::drafts::order_feedback_state(ctx, self.0.id).await
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
    /// The deadlines running now.
    async fn deadlines(&self) -> Vec<Deadline> {
        self.0.deadlines().into_iter().map(Into::into).collect()
    }
    /// The full history, oldest first: who did what when, from → to, why.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<OrderEventNode>> {
        Ok(services(ctx).orders.events_of(&self.0).await?.into_iter().map(OrderEventNode).collect())
    }
    /// The payments, oldest first.
    async fn payments(&self, ctx: &Context<'_>) -> Result<Vec<super::payments::PaymentNode>> {
        Ok(services(ctx).orders.payments_of(&self.0).await?.into_iter().map(super::payments::PaymentNode).collect())
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

/// Filter of `myOrders`.
#[derive(InputObject, Default)]
pub struct OrdersFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<OrderStatus>>,
    /// Only this side (admins without a side see every order).
    pub side: Option<OrderSide>,
    /// Placed at or after.
    pub created_after: Option<DateTime<Utc>>,
    /// Placed before.
    pub created_before: Option<DateTime<Utc>>,
}

/// Order queries.
#[derive(Default)]
pub struct OrdersQuery;

#[Object]
impl OrdersQuery {
    /// One order: its advertiser, its influencer and admins only; `NOT_FOUND` for anyone else.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<OrderNode> {
        let id = from_global("id", "Order", &id)?;
        Ok(OrderNode(services(ctx).orders.order(&viewer(ctx), id).await?))
    }

    /// The viewer's orders, newest first (keyset pagination).
    async fn my_orders(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrdersFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, OrderNode>> {
        let limit = page_size("first", first, 20)?;
        let before_id = after.as_deref().map(decode_order_cursor).transpose()?;
        let filter = filter.unwrap_or_default();
        let filter = MyOrdersFilter {
            statuses: filter.statuses.unwrap_or_default().into_iter().map(Into::into).collect(),
            side: filter.side.map(Into::into),
            created_from: filter.created_after,
            created_to: filter.created_before,
        };
        let (orders, more) = services(ctx).orders.my_orders(&viewer(ctx), filter, before_id, limit).await?;
        let mut connection = Connection::new(before_id.is_some(), more);
        connection.edges.extend(orders.into_iter().map(|o| Edge::new(encode_cursor(&json!({ "o": o.id })), OrderNode(o))));
        Ok(connection)
    }
}

fn decode_order_cursor(raw: &str) -> Result<Id, DomainError> {
    decode_cursor("after", raw)?
        .get("o")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| DomainError::bad_input("after", "is not a valid cursor"))
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
