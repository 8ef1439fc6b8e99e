//! Body-read and whole-request timeouts, as a middleware around every route.
//!
//! The body is read here, within `--body-timeout-secs` (a client dripping a declared body gets
//! `408`), inside the body-size limit (a larger one gets `413`); then the handler has what is
//! left of `--request-timeout-secs` to answer (`503` with code `TIMEOUT` past it). Requests
//! without a body (GET, the websocket upgrade) only get the request timeout, which ends when the
//! upgrade is answered: an open websocket is not bound by it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde_json::json;

use super::AppState;

/// Reads the body within the body timeout, then answers within the request timeout.
pub async fn bound(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let total = Duration::from_secs(app.config.request_timeout_secs.max(1));
    let req = if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        req
    } else {
        let (parts, body) = req.into_parts();
        let body_timeout = Duration::from_secs(app.config.body_timeout_secs.max(1)).min(total);
        match tokio::time::timeout(body_timeout, body.collect()).await {
            Ok(Ok(collected)) => Request::from_parts(parts, Body::from(collected.to_bytes())),
            Ok(Err(e)) if is_too_large(&e) => return (StatusCode::PAYLOAD_TOO_LARGE, "the request body is too large").into_response(),
            Ok(Err(_)) => return (StatusCode::BAD_REQUEST, "the request body could not be read").into_response(),
            Err(_) => {
                metrics::counter!("http_timeouts_total", "kind" => "body").increment(1);
                let mut res = (StatusCode::REQUEST_TIMEOUT, "the request body was not received in time").into_response();
                res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                return res;
            }
        }
    };
    let left = total.saturating_sub(started.elapsed());
    match tokio::time::timeout(left, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            metrics::counter!("http_timeouts_total", "kind" => "request").increment(1);
            tracing::warn!(timeout_secs = total.as_secs(), "request timed out");
            let body = json!({ "errors": [{ "message": format!("the request took longer than {} s", total.as_secs()), "extensions": { "code": "TIMEOUT" } }] });
            let mut res = (StatusCode::SERVICE_UNAVAILABLE, body.to_string()).into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
            res
        }
    }
}

/// Whether reading a body failed on the body-size limit.
fn is_too_large(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}
