//! Payments: the `PaymentProvider` port, the embedded sandbox provider, and paying an order.
//!
//! A payment is created with the advertiser's idempotency key: the same key gives back the
//! same payment; a second, different payment while one is pending or succeeded is refused.
//! When the provider confirms (at once, by `confirmSandboxPayment`, or by a signed webhook)
//! the order moves to `PAYMENT_RECEIVED` in the same transaction as the payment; a failure
//! leaves the order `PAYMENT_REQUIRED` with the failure on the payment and in the history.

use async_trait::async_trait;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::OrderService;
use super::machine::{OrderAction, OrderStatus, Party, invalid};
use super::model::{Order, Payment, PaymentStatus};
use super::repo::{NewPayment, PaymentWrite};
use super::settlement::Confirmation;
use super::webhook::WebhookOutcome;
use crate::domain::orders::history::{EventKind, NewOrderEvent};
use crate::domain::values::{optional_text, text};
use crate::domain::{DomainError, DomainResult, Id, Viewer};

/// What a provider is asked to charge.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    /// The order paid for.
    pub order_id: Id,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
    /// The advertiser's idempotency key (passed on to the provider).
    pub idempotency_key: String,
}

/// What the provider answered.
#[derive(Debug, Clone)]
pub struct ProviderPayment {
    /// The provider's reference of the payment (webhooks name it).
    pub provider_ref: String,
    /// Pending, succeeded or failed.
    pub status: PaymentStatus,
    /// Why it failed.
    pub failure_reason: Option<String>,
}

/// A payment service provider.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// The provider's name, stored on each payment.
    fn name(&self) -> &'static str;
    /// Whether payments may be settled by hand (`confirmSandboxPayment`).
    fn is_sandbox(&self) -> bool;
    /// Creates a payment; the same key must give the same reference.
    async fn create(&self, request: &PaymentRequest) -> DomainResult<ProviderPayment>;
    /// Pays a succeeded payment back.
    async fn refund(&self, provider_ref: &str, amount_minor: i64, currency: &str) -> DomainResult<()>;
    /// Cancels a payment the provider has not confirmed yet.
    async fn void(&self, provider_ref: &str) -> DomainResult<()>;
}

/// The embedded provider: no money moves. `instant` confirms at once; otherwise payments wait
/// for `confirmSandboxPayment` or a signed webhook.
#[derive(Debug, Clone)]
pub struct SandboxProvider {
    /// Confirm payments as soon as they are created.
    pub instant: bool,
}

#[async_trait]
impl PaymentProvider for SandboxProvider {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn is_sandbox(&self) -> bool {
        true
    }

    async fn create(&self, request: &PaymentRequest) -> DomainResult<ProviderPayment> {
        let digest = Sha256::digest(format!("{}:{}", request.order_id, request.idempotency_key));
        let provider_ref = format!("sbx_{}_{}", request.order_id, &hex::encode(digest)[..16]);
        let status = if self.instant { PaymentStatus::Succeeded } else { PaymentStatus::Pending };
        Ok(ProviderPayment { provider_ref, status, failure_reason: None })
    }

    async fn refund(&self, _provider_ref: &str, _amount_minor: i64, _currency: &str) -> DomainResult<()> {
        Ok(())
    }

    async fn void(&self, _provider_ref: &str) -> DomainResult<()> {
        Ok(())
    }
}

/// How a provider settled a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// The money arrived.
    Succeeded,
    /// The payment was refused, with the provider's reason.
    Failed(String),
}

impl OrderService {
    /// Pays a `PAYMENT_REQUIRED` order (its advertiser). The same key gives back the same payment.
    #[tracing::instrument(skip(self, viewer, key))]
    pub async fn pay(&self, viewer: &Viewer, order_id: Id, key: &str) -> DomainResult<(Order, Payment)> {
        let key = text("idempotencyKey", key, 1, 200)?;
        let (order, party) = self.visible(viewer, order_id).await?;
        if !OrderAction::Pay.permits(party) {
            return Err(OrderAction::Pay.forbidden());
        }
        // Looked up after the order was read: a payment found here committed after that read
        // (with its status change, if any), so the order is read again to match it.
        if let Some(existing) = self.repo.payment_by_key(order.id, &key).await? {
            return Ok((self.reload(order.id).await?, existing));
        }
        order.status.next(OrderAction::Pay, order.is_paid())?;
        let request =
            PaymentRequest { order_id: order.id, amount_minor: order.price_minor, currency: order.currency.clone(), idempotency_key: key };
        let answer = self.provider.create(&request).await?;
        let actor = viewer.user_id();
        let data = json!({ "amountMinor": order.price_minor, "currency": order.currency, "provider": self.provider.name() });
        let new = NewPayment {
            order_id: order.id,
            provider: self.provider.name().to_owned(),
            provider_ref: answer.provider_ref,
            idempotency_key: request.idempotency_key,
            amount_minor: order.price_minor,
            currency: order.currency.clone(),
            status: answer.status,
            failure_reason: answer.failure_reason,
            event: NewOrderEvent::new(EventKind::PaymentCreated, actor, data),
        };
        let now = self.clock.now();
        let confirm = match answer.status {
            PaymentStatus::Succeeded => Some(self.transition(&order, OrderStatus::PaymentReceived, None, None, now)?),
            _ => None,
        };
        match self.repo.insert_payment(new, confirm, now).await? {
            PaymentWrite::Created(payment, events) => {
                self.sink.committed(&events);
                Ok((self.reload(order.id).await?, payment))
            }
            PaymentWrite::Existing(payment) => Ok((self.reload(order.id).await?, payment)),
            PaymentWrite::Busy => Err(DomainError::Conflict("this order already has a pending or succeeded payment".into())),
            PaymentWrite::WrongStatus(found) => Err(invalid(found, OrderAction::Pay)),
        }
    }

    /// Settles a sandbox payment by hand: an admin, or the order's advertiser.
    #[tracing::instrument(skip(self, viewer, failure_reason))]
    pub async fn confirm_sandbox_payment(
        &self,
        viewer: &Viewer,
        payment_id: Id,
        succeed: bool,
        failure_reason: Option<String>,
    ) -> DomainResult<(Order, Payment)> {
        viewer.require()?;
        let payment = self.repo.payment(payment_id).await?.ok_or(DomainError::NotFound("payment"))?;
        let (_, party) = self.visible(viewer, payment.order_id).await.map_err(|_| DomainError::NotFound("payment"))?;
        if !matches!(party, Party::Admin | Party::Advertiser) {
            return Err(DomainError::forbidden("only the order's advertiser or an admin may confirm a sandbox payment"));
        }
        if !self.provider.is_sandbox() {
            return Err(DomainError::forbidden("payments are confirmed by the payment provider"));
        }
        let settlement = if succeed {
            Settlement::Succeeded
        } else {
            let reason = optional_text("failureReason", failure_reason.as_deref(), 500)?;
            Settlement::Failed(reason.unwrap_or_else(|| "declined by the sandbox".to_owned()))
        };
        if payment.status != PaymentStatus::Pending {
            return Err(DomainError::Conflict(format!("the payment is {}, not PENDING", payment.status.as_str())));
        }
        if self.settle(&payment, settlement, viewer.user_id()).await? == WebhookOutcome::AlreadySettled {
            return Err(DomainError::Conflict("the payment was settled meanwhile".into()));
        }
        let payment = self.repo.payment(payment_id).await?.ok_or(DomainError::NotFound("payment"))?;
        Ok((self.reload(payment.order_id).await?, payment))
    }

    /// Applies a provider's settlement of `payment`: a failure marks a pending payment failed;
    /// a success is decided under the order's lock (see [`super::settlement`]).
    pub(super) async fn settle(&self, payment: &Payment, settlement: Settlement, actor: Option<Id>) -> DomainResult<WebhookOutcome> {
        match settlement {
            Settlement::Failed(reason) => {
                let data = json!({ "paymentId": payment.id });
                let mut event = NewOrderEvent::new(EventKind::PaymentFailed, actor, data);
                event.reason = Some(reason.clone());
                match self.repo.fail_payment(payment.id, &reason, event, self.clock.now()).await? {
                    Some(events) => {
                        self.sink.committed(&events);
                        Ok(WebhookOutcome::Applied)
                    }
                    None => Ok(WebhookOutcome::AlreadySettled),
                }
            }
            Settlement::Succeeded => Ok(match self.confirm(payment, actor).await? {
                Confirmation::Received | Confirmation::ReceivedOnHold => WebhookOutcome::Applied,
                Confirmation::RefundDue => WebhookOutcome::RefundDue,
                Confirmation::AlreadySettled => WebhookOutcome::AlreadySettled,
            }),
        }
    }

    /// The payments of an order the viewer was allowed to load.
    pub async fn payments_of(&self, order: &Order) -> DomainResult<Vec<Payment>> {
        self.repo.payments(order.id).await
    }

    /// A payment, if the viewer may see its order.
    pub async fn payment(&self, viewer: &Viewer, id: Id) -> DomainResult<Payment> {
        let payment = self.repo.payment(id).await?.ok_or(DomainError::NotFound("payment"))?;
        self.visible(viewer, payment.order_id).await.map_err(|_| DomainError::NotFound("payment"))?;
        Ok(payment)
    }

    pub(super) async fn reload(&self, order_id: Id) -> DomainResult<Order> {
        self.repo.order(order_id).await?.ok_or(DomainError::NotFound("order"))
    }
}
