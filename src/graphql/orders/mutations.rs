//! Order mutations: `placeOrder` and one mutation per transition of the state machine.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use crate::domain::orders::{ActInput, OrderAction, PlaceOrder};
use crate::graphql::orders::{OrderNode, ProofKind};
use crate::graphql::relay::from_global;
use crate::graphql::{services, viewer};

/// Input of `placeOrder`.
#[derive(InputObject)]
pub struct PlaceOrderInput {
    /// The ad space to book (must be active).
    pub ad_space_id: ID,
    /// What the campaign needs: 1 to 5000 characters.
    pub brief: String,
    /// A portfolio reference: an http(s) URL.
    pub portfolio_reference: Option<String>,
    /// The first message of the order's conversation.
    pub first_message: Option<String>,
    /// Client-chosen key: placing again with it gives back the same order.
    pub idempotency_key: Option<String>,
}

/// Input of a transition that needs nothing but the order (a reason is optional).
#[derive(InputObject)]
pub struct OrderActionInput {
    /// The order.
    pub order_id: ID,
    /// An optional reason or comment, kept in the history.
    pub reason: Option<String>,
}

/// Input of a transition that needs a reason (decline, cancel, dispute, hold).
#[derive(InputObject)]
pub struct OrderReasonInput {
    /// The order.
    pub order_id: ID,
    /// Why: 1 to 2000 characters, kept in the history.
    pub reason: String,
}

/// A proof of delivery.
#[derive(InputObject)]
pub struct DeliveryProofInput {
    /// Link or screenshot.
    pub kind: ProofKind,
    /// Where it is: an http(s) URL.
    pub url: String,
}

/// Input of `completeOrder`.
#[derive(InputObject)]
pub struct CompleteOrderInput {
    /// The order (`PROCESSING`).
    pub order_id: ID,
    /// One to ten proofs of delivery.
    pub proofs: Vec<DeliveryProofInput>,
    /// A note for the advertiser: 1 to 2000 characters.
    pub note: String,
}

/// How an admin resolves a held order.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum Resolution {
    /// Release the payment to the influencer: `VERIFIED` (paid orders only).
    Release,
    /// Refund the advertiser: `REFUNDED` after payment, `CANCELLED` before.
    Refund,
}

/// Input of `resolveOrder`.
#[derive(InputObject)]
pub struct ResolveOrderInput {
    /// The order (`ON_HOLD`).
    pub order_id: ID,
    /// Release or refund.
    pub resolution: Resolution,
    /// The decision's reason, kept in the history.
    pub reason: Option<String>,
}

/// Result of an order mutation.
#[derive(SimpleObject)]
pub struct OrderPayload {
    /// The order after the change.
    pub order: OrderNode,
}

/// Order mutations.
#[derive(Default)]
pub struct OrdersMutation;

async fn act(ctx: &Context<'_>, id: &ID, action: OrderAction, input: ActInput) -> Result<OrderPayload> {
    let id = from_global("orderId", "Order", id)?;
    Ok(OrderPayload { order: OrderNode(services(ctx).orders.act(&viewer(ctx), id, action, input).await?) })
}

fn reason(r: Option<String>) -> ActInput {
    ActInput { reason: r, ..Default::default() }
}

#[Object]
impl OrdersMutation {
    /// Orders an active ad space (advertisers): `PENDING`, with the space's price copied.
    async fn place_order(&self, ctx: &Context<'_>, input: PlaceOrderInput) -> Result<OrderPayload> {
        let ad_space_id = from_global("adSpaceId", "AdSpace", &input.ad_space_id)?;
        let input = PlaceOrder {
            ad_space_id,
            brief: input.brief,
            portfolio_url: input.portfolio_reference,
            first_message: input.first_message,
            idempotency_key: input.idempotency_key,
        };
        Ok(OrderPayload { order: OrderNode(services(ctx).orders.place_order(&viewer(ctx), input).await?) })
    }

    /// Accepts a `PENDING` order and asks for payment (influencer): `PAYMENT_REQUIRED`.
    async fn accept_order(&self, ctx: &Context<'_>, input: OrderActionInput) -> Result<OrderPayload> {
        act(ctx, &input.order_id, OrderAction::Accept, reason(input.reason)).await
    }

    /// Declines a `PENDING` order with a reason (influencer): `DECLINED`.
    async fn decline_order(&self, ctx: &Context<'_>, input: OrderReasonInput) -> Result<OrderPayload> {
        act(ctx, &input.order_id, OrderAction::Decline, reason(Some(input.reason))).await
    }

    /// Cancels an order before payment with a reason (either party): `CANCELLED`.
    async fn cancel_order(&self, ctx: &Context<'_>, input: OrderReasonInput) -> Result<OrderPayload> {
        act(ctx, &input.order_id, OrderAction::Cancel, reason(Some(input.reason))).await
    }

    /// Starts the work on a paid order (influencer): `PROCESSING`.
    async fn start_work(&self, ctx: &Context<'_>, input: OrderActionInput) -> Result<OrderPayload> {
        act(ctx, &input.order_id, OrderAction::StartWork, reason(input.reason)).await
    }

    /// Delivers with at least one proof and a note (influencer): `COMPLETED`; starts the review window.
    async fn complete_order(&self, ctx: &Context<'_>, input: CompleteOrderInput) -> Result<OrderPayload> {
        let proofs = input.proofs.into_iter().map(|p| (p.kind.into(), p.url)).collect();
        act(ctx, &input.order_id, OrderAction::Complete, ActInput { reason: None, note: Some(input.note), proofs }).await
    }

    /// Accepts the delivery (advertiser): `VERIFIED`.
    async fn verify_delivery(&self, ctx: &Context<'_>, input: OrderActionInput) -> Result<OrderPayload> {
        act(ctx, &input.order_id, OrderAction::Verify, reason(input.reason)).await
    }

    /// Disputes the delivery with a reason (advertiser): `DISPUTED`.
    async fn dispute_order(&self, ctx: &Context<'_>, input: OrderReasonInput) -> Result<OrderPayload> {
        act(ctx, &input.order_id, OrderAction::Dispute, reason(Some(input.reason))).await
    }

    /// Takes a disputed order back into production (influencer): `PROCESSING`.
    async fn rework_order(&self, ctx: &Context<'_>, input: OrderActionInput) -> Result<OrderPayload> {
        act(ctx, &input.order_id, OrderAction::Rework, reason(input.reason)).await
    }

    /// Asks an admin to decide a dispute (either party): `ON_HOLD`.
    async fn escalate_order(&self, ctx: &Context<'_>, input: OrderActionInput) -> Result<OrderPayload> {
        act(ctx, &input.order_id, OrderAction::Escalate, reason(input.reason)).await
    }

    /// Freezes an active order with a reason (admin): `ON_HOLD`.
    async fn hold_order(&self, ctx: &Context<'_>, input: OrderReasonInput) -> Result<OrderPayload> {
        act(ctx, &input.order_id, OrderAction::Hold, reason(Some(input.reason))).await
    }

    /// Resolves a held order (admin): release → `VERIFIED`; refund → `REFUNDED` (the payment
    /// is refunded) or `CANCELLED` before payment.
    async fn resolve_order(&self, ctx: &Context<'_>, input: ResolveOrderInput) -> Result<OrderPayload> {
        let action = match input.resolution {
            Resolution::Release => OrderAction::Release,
            Resolution::Refund => OrderAction::Refund,
        };
        act(ctx, &input.order_id, action, reason(input.reason)).await
    }
}
