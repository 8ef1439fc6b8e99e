//! Payments as GraphQL: the `Payment` type, `payOrder` and `confirmSandboxPayment`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::money::Money;
use super::orders::OrderNode;
use super::relay::{from_global, to_global};
use super::{services, viewer};
use crate::domain::orders::Payment;

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
    /// Cancelled with its order before the provider confirmed it (a later confirmation is
    /// refused).
    Voided,
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

/// Input of `payOrder`.
#[derive(InputObject)]
pub struct PayOrderInput {
    /// The order (`PAYMENT_REQUIRED`).
    pub order_id: ID,
    /// Client-chosen key (1–200 characters): retrying with it gives back the same payment.
    pub idempotency_key: String,
}

/// How a sandbox payment is settled.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SandboxOutcome {
    /// The money arrives: the order moves to `PAYMENT_RECEIVED`.
    Succeeded,
    /// The payment fails: the order stays `PAYMENT_REQUIRED`.
    Failed,
}

/// Input of `confirmSandboxPayment`.
#[derive(InputObject)]
pub struct ConfirmSandboxPaymentInput {
    /// The pending payment.
    pub payment_id: ID,
    /// Success (the default) or failure.
    #[graphql(default_with = "SandboxOutcome::Succeeded")]
    pub outcome: SandboxOutcome,
    /// The failure's reason, for `FAILED`.
    pub failure_reason: Option<String>,
}

/// Result of `payOrder` and `confirmSandboxPayment`.
#[derive(SimpleObject)]
pub struct PaymentPayload {
    /// The order.
    pub order: OrderNode,
    /// The payment.
    pub payment: PaymentNode,
}

/// Payment mutations.
#[derive(Default)]
pub struct PaymentsMutation;

#[Object]
impl PaymentsMutation {
    /// Pays a `PAYMENT_REQUIRED` order (its advertiser). The same idempotency key gives back the
    /// same payment; a second payment while one is pending or succeeded is a `CONFLICT`.
    async fn pay_order(&self, ctx: &Context<'_>, input: PayOrderInput) -> Result<PaymentPayload> {
        let id = from_global("orderId", "Order", &input.order_id)?;
        let (order, payment) = services(ctx).orders.pay(&viewer(ctx), id, &input.idempotency_key).await?;
        Ok(PaymentPayload { order: OrderNode(order), payment: PaymentNode(payment) })
    }

    /// Settles a pending sandbox payment by hand (the order's advertiser or an admin; sandbox
    /// provider only).
    async fn confirm_sandbox_payment(&self, ctx: &Context<'_>, input: ConfirmSandboxPaymentInput) -> Result<PaymentPayload> {
        let id = from_global("paymentId", "Payment", &input.payment_id)?;
        let succeed = input.outcome == SandboxOutcome::Succeeded;
        let (order, payment) = services(ctx).orders.confirm_sandbox_payment(&viewer(ctx), id, succeed, input.failure_reason).await?;
        Ok(PaymentPayload { order: OrderNode(order), payment: PaymentNode(payment) })
    }
}

impl From<Payment> for PaymentNode {
    fn from(p: Payment) -> Self {
        Self(p)
    }
}
