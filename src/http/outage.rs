//! The one answer to every request while the database is unreachable: `503 Service
//! Unavailable`, `Retry-After`, and a GraphQL error with code `UNAVAILABLE`.
//!
//! Queries fail within the pool's acquire timeout (`--db-acquire-timeout-ms`) instead of
//! queueing behind the outage, and the pool reconnects by itself when the database is back.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::graphql::error::{UNAVAILABLE, UNAVAILABLE_MESSAGE};

/// Seconds a client is asked to wait before retrying.
pub const RETRY_AFTER_SECS: u64 = 5;

/// `503` with `Retry-After` and `{"errors":[{"message", "extensions":{"code":"UNAVAILABLE"}}]}`.
pub fn unavailable(content_type: &'static str) -> Response {
    let body = json!({ "errors": [{ "message": UNAVAILABLE_MESSAGE, "extensions": { "code": UNAVAILABLE, "retryAfterSeconds": RETRY_AFTER_SECS } }] });
    let mut res = (StatusCode::SERVICE_UNAVAILABLE, body.to_string()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    res
}
