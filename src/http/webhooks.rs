//! `POST /webhooks/payments`: signed payment events from the provider (format in the README).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use crate::domain::DomainError;
use crate::domain::orders::webhook::WebhookOutcome;

/// Checks the signature and applies the event: 200 when applied, already applied, or recorded
/// as due back (`refund_due`: the order could no longer take the money), 400 (and nothing
/// changed) when forged, stale or malformed, 403 when no secret is configured, 503 +
/// `Retry-After` while the database is unreachable and 500 on an internal failure (the provider
/// retries both).
pub async fn payments(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (timestamp, signature) = (header("adbridge-timestamp"), header("adbridge-signature"));
    match state.services.orders.payment_webhook(&timestamp, &signature, &body).await {
        Ok(outcome) => {
            let outcome = match outcome {
                WebhookOutcome::Applied => "applied",
                WebhookOutcome::AlreadySettled => "already_settled",
                WebhookOutcome::RefundDue => "refund_due",
            };
            (StatusCode::OK, Json(json!({ "outcome": outcome }))).into_response()
        }
        Err(DomainError::BadInput { field, message }) => {
            (StatusCode::BAD_REQUEST, Json(json!({ "error": message, "field": field }))).into_response()
        }
        Err(DomainError::Forbidden(message)) => (StatusCode::FORBIDDEN, Json(json!({ "error": message }))).into_response(),
        Err(DomainError::InvalidTransition { from, .. }) => {
            (StatusCode::CONFLICT, Json(json!({ "error": format!("the order is {from}") }))).into_response()
        }
        Err(DomainError::Internal(cause)) if crate::store::is_unavailable(&cause) => {
            tracing::warn!(error = ?cause, "payment webhook: database unavailable");
            super::outage::unavailable("application/json")
        }
        Err(err) => {
            tracing::error!(error = ?err, "payment webhook failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": "internal error" }))).into_response()
        }
    }
}
