//! Payments as GraphQL: the `Payment` type, `payOrder` and `confirmSandboxPayment`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::types::{OrderNode, PaymentNode};
use crate::graphql::relay::from_global;
use crate::graphql::{services, viewer};

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

/// Input of `refundPayment`.
#[derive(InputObject)]
pub struct RefundPaymentInput {
    /// The `REFUND_DUE` payment.
    pub payment_id: ID,
}

/// Result of `payOrder`, `confirmSandboxPayment` and `refundPayment`.
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

    /// Pays a `REFUND_DUE` payment back to the advertiser (admins only): `REFUNDED`, with a
    /// `PAYMENT_REFUNDED` event on its order.
    async fn refund_payment(&self, ctx: &Context<'_>, input: RefundPaymentInput) -> Result<PaymentPayload> {
        let id = from_global("paymentId", "Payment", &input.payment_id)?;
        let (order, payment) = services(ctx).orders.refund_payment(&viewer(ctx), id).await?;
        Ok(PaymentPayload { order: OrderNode(order), payment: PaymentNode(payment) })
    }
}

/// Payment queries.
#[derive(Default)]
pub struct PaymentsQuery;

#[Object]
impl PaymentsQuery {
    /// Payments the provider confirmed for orders that could no longer take them (cancelled,
    /// refunded): `REFUND_DUE`, oldest first, at most 100 (admins only). Pay each back with
    /// `refundPayment`.
    async fn refund_due_payments(&self, ctx: &Context<'_>, #[graphql(default = 50)] first: i32) -> Result<Vec<PaymentNode>> {
        let limit = u64::try_from(first).map_err(|_| crate::domain::DomainError::bad_input("first", "must not be negative"))?;
        let payments = services(ctx).orders.refund_due_payments(&viewer(ctx), limit).await?;
        Ok(payments.into_iter().map(PaymentNode).collect())
    }
}
