//! Payment webhooks: a provider's signed notice that a payment succeeded or failed.
//!
//! Format (documented in the README): `POST /webhooks/payments` with headers
//! `Adbridge-Timestamp: <unix seconds>` and `Adbridge-Signature: v1=<hex HMAC-SHA256 of
//! "<timestamp>.<raw body>" keyed with the webhook secret>`, and a JSON body
//! `{"id": "evt_…", "type": "payment.succeeded" | "payment.failed", "data": {"paymentRef": "…",
//! "failureReason": "…"}}`. A timestamp more than five minutes away, a bad signature or a
//! malformed body is refused and changes nothing; the same event delivered twice changes
//! nothing the second time (settling is idempotent, and delivery ids are remembered).

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::OrderService;
use super::model::PaymentStatus;
use super::payments::Settlement;
use crate::domain::{DomainError, DomainResult};

/// Largest accepted distance between the webhook's timestamp and now.
pub const TOLERANCE_SECS: i64 = 300;

/// What a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// The payment was settled.
    Applied,
    /// The payment was settled before (a replay, or a late duplicate): nothing changed.
    AlreadySettled,
    /// The provider confirmed a payment its order could no longer take (cancelled, refunded):
    /// recorded as `REFUND_DUE` for an admin to pay back.
    RefundDue,
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: Data,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    payment_ref: String,
    failure_reason: Option<String>,
}

/// The signature header value of `body` sent at `timestamp` (what a provider sends).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("v1={}", hex::encode(mac(secret, &timestamp.to_string(), body).finalize().into_bytes()))
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Checks the timestamp window and the signature (in constant time).
pub fn verify(secret: &str, timestamp: &str, signature: &str, body: &[u8], now: DateTime<Utc>) -> DomainResult<()> {
    let ts: i64 = timestamp.trim().parse().map_err(|_| DomainError::bad_input("Adbridge-Timestamp", "must be unix seconds"))?;
    if (now.timestamp() - ts).abs() > TOLERANCE_SECS {
        return Err(DomainError::bad_input("Adbridge-Timestamp", "is outside the 5-minute window"));
    }
    let bad = || DomainError::bad_input("Adbridge-Signature", "does not match");
    let hex_sig = signature.trim().strip_prefix("v1=").ok_or_else(bad)?;
    let raw = hex::decode(hex_sig).map_err(|_| bad())?;
    mac(secret, timestamp.trim(), body).verify_slice(&raw).map_err(|_| bad())
}

impl OrderService {
    /// Handles a signed provider event. `BAD_USER_INPUT` (HTTP 400) and nothing changed on a
    /// stale or forged delivery, a malformed body or an unknown payment; `FORBIDDEN` when no
    /// webhook secret is configured.
    #[tracing::instrument(skip_all)]
    pub async fn payment_webhook(&self, timestamp: &str, signature: &str, body: &[u8]) -> DomainResult<WebhookOutcome> {
        let now = self.clock.now();
        let Some(secret) = self.settings.webhook_secret.as_deref() else {
            return Err(DomainError::forbidden("payment webhooks are disabled: no webhook secret is configured"));
        };
        verify(secret, timestamp, signature, body, now)?;
        let envelope: Envelope =
            serde_json::from_slice(body).map_err(|e| DomainError::bad_input("body", format!("malformed event: {e}")))?;
        if envelope.id.trim().is_empty() || envelope.id.len() > 200 {
            return Err(DomainError::bad_input("id", "must be a non-empty event id"));
        }
        let settlement = match envelope.kind.as_str() {
            "payment.succeeded" => Settlement::Succeeded,
            "payment.failed" => Settlement::Failed(envelope.data.failure_reason.unwrap_or_else(|| "refused by the provider".into())),
            other => return Err(DomainError::bad_input("type", format!("unknown event type {other:?}"))),
        };
        let payment = self
            .repo
            .payment_by_ref(&envelope.data.payment_ref)
            .await?
            .ok_or_else(|| DomainError::bad_input("data.paymentRef", "no such payment"))?;
        // A success is always handed on (a voided payment that the provider took anyway becomes
        // REFUND_DUE); a failure only moves a pending payment.
        let outcome = if payment.status == PaymentStatus::Pending || settlement == Settlement::Succeeded {
            self.settle(&payment, settlement, None).await?
        } else {
            WebhookOutcome::AlreadySettled
        };
        let first = self.repo.remember_webhook(&envelope.id, now).await?;
        Ok(if first { outcome } else { WebhookOutcome::AlreadySettled })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_its_secret_body_and_fresh_timestamp() {
        let now = Utc::now();
        let ts = now.timestamp();
        let sig = sign("s3cret", ts, b"{}");
        assert!(verify("s3cret", &ts.to_string(), &sig, b"{}", now).is_ok());
        assert!(verify("other", &ts.to_string(), &sig, b"{}", now).is_err());
        assert!(verify("s3cret", &ts.to_string(), &sig, b"{ }", now).is_err());
        assert!(verify("s3cret", &ts.to_string(), &sig, b"{}", now + chrono::Duration::seconds(301)).is_err());
        assert!(verify("s3cret", &ts.to_string(), "v1=zz", b"{}", now).is_err());
    }
}
