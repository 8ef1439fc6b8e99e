//! `POST /graphql` and `GET /graphql`, following the GraphQL-over-HTTP specification.
//!
//! The stock async-graphql handler answers every request with 200 and
//! `application/graphql-response+json`, runs mutations sent by GET and accepts `text/plain`
//! bodies (a CSRF hole). This one negotiates the media type from `Accept` (JSON when absent or
//! `*/*`), answers 400 to request errors under `application/graphql-response+json`, refuses
//! mutations over GET (405) and any body that is not `application/json` (415), and caps batches.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Request, Variables};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use tracing::Instrument;

use super::metrics::GraphqlSummary;
use super::{AppState, bearer_token};
use crate::graphql::ClientAddr;
use crate::graphql::error::{UNAVAILABLE, bad_request, ensure_code};

/// The response media types the endpoint can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    /// `application/graphql-response+json`: request errors get HTTP 4xx.
    GraphQlResponse,
    /// `application/json`: the legacy type, always 200 for GraphQL-level errors.
    Json,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            Self::GraphQlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }

    /// Picks the first acceptable type of an `Accept` header (JSON when absent).
    fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else { return Some(Self::Json) };
        if accept.trim().is_empty() {
            return Some(Self::Json);
        }
        let mut ranges: Vec<(f32, usize, &str)> = accept
            .split(',')
            .enumerate()
            .map(|(i, part)| {
                let mut params = part.split(';');
                let media = params.next().unwrap_or_default().trim();
                let q = params.filter_map(|p| p.trim().strip_prefix("q=")).find_map(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
                (q, i, media)
            })
            .filter(|(q, _, _)| *q > 0.0)
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranges.into_iter().find_map(|(_, _, media)| match media.to_ascii_lowercase().as_str() {
            "application/graphql-response+json" => Some(Self::GraphQlResponse),
            "application/json" | "application/*" | "*/*" => Some(Self::Json),
            _ => None,
        })
    }
}

/// `POST /graphql`.
pub async fn post(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(media) = MediaType::negotiate(&headers) else {
        return not_acceptable();
    };
    if !is_json_content_type(&headers) {
        return request_error(media, StatusCode::UNSUPPORTED_MEDIA_TYPE, "send GraphQL requests as application/json".into());
    }
    let batch = match parse_body(&body, app.config.max_batch) {
        Ok(batch) => batch,
        Err(message) => return request_error(media, StatusCode::BAD_REQUEST, message),
    };
    execute(app, peer, &headers, batch, media).await
}

/// `GET /graphql`: queries only; mutations get 405 with `Allow: POST`.
pub async fn get(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some(media) = MediaType::negotiate(&headers) else {
        return not_acceptable();
    };
    let request = match parse_get(raw.as_deref().unwrap_or_default()) {
        Ok(request) => request,
        Err(message) => return request_error(media, StatusCode::BAD_REQUEST, message),
    };
    if is_mutation(&request) {
        let mut res = request_error(media, StatusCode::METHOD_NOT_ALLOWED, "mutations must be sent with POST".into());
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return res;
    }
    execute(app, peer, &headers, BatchRequest::Single(request), media).await
}

async fn execute(app: Arc<AppState>, peer: SocketAddr, headers: &HeaderMap, batch: BatchRequest, media: MediaType) -> Response {
    let authenticated = match bearer_token(headers) {
        Ok(token) => app.services.accounts.authenticate(token).await,
        Err(err) => Err(err),
    };
    let viewer = match authenticated {
        Ok(viewer) => viewer,
        Err(err) => {
            // No `locations`: the error is about the request's headers, not a place in the document.
            let description = err.to_string();
            let graphql = async_graphql::Error::from(err);
            let mut error = async_graphql::ServerError::new(graphql.message, None);
            error.extensions = graphql.extensions;
            let code = error_code(&error).unwrap_or("INTERNAL").to_owned();
            super::metrics::record_graphql(std::time::Duration::ZERO, std::slice::from_ref(&code));
            let mut res = match code.as_str() {
                UNAVAILABLE => super::outage::unavailable(media.content_type()),
                "INTERNAL" => errors_only(media, StatusCode::INTERNAL_SERVER_ERROR, vec![error]),
                _ => unauthenticated(media, error, &description),
            };
            res.extensions_mut().insert(GraphqlSummary { codes: vec![code], ..Default::default() });
            return res;
        }
    };
    let operation = match &batch {
        BatchRequest::Single(r) => r
            .operation_name
            .clone()
            .or_else(|| crate::graphql::tokens::first_operation_name(&r.query).map(str::to_owned))
            .unwrap_or_default(),
        BatchRequest::Batch(rs) => format!("batch of {}", rs.len()),
    };
    let batch_text = match &batch {
        BatchRequest::Single(r) => Some(r.query.clone()),
        BatchRequest::Batch(rs) => rs.first().map(|r| r.query.clone()),
    };
    let batch = batch.data(viewer).data(ClientAddr(peer.ip()));
    let span = tracing::info_span!("graphql", operation = %operation, user = ?viewer.user_id());
    let started = Instant::now();
    let mut response = app.schema.execute_batch(batch).instrument(span).await;
    let executed = |r: &async_graphql::Response| !(r.data == async_graphql::Value::Null) || r.errors.iter().any(|e| !e.path.is_empty());
    let mut request_error = false;
    let mut codes = Vec::new();
    let mut retry_after: Option<u64> = None;
    for r in response_iter(&mut response) {
        let ran = executed(r);
        request_error |= !ran;
        for e in &mut r.errors {
            ensure_code(e, ran);
            codes.push(error_code(e).unwrap_or("INTERNAL").to_owned());
            if let Some(secs) = retry_after_secs(e) {
                retry_after = Some(retry_after.map_or(secs, |r| r.max(secs)));
            }
        }
    }
    let elapsed = started.elapsed();
    super::metrics::record_graphql(elapsed, &codes);
    if elapsed.as_millis() >= u128::from(app.config.slow_query_ms) {
        let query = match &batch_text {
            Some(q) => q.chars().take(1000).collect::<String>(),
            None => String::new(),
        };
        tracing::warn!(operation = %operation, duration_ms = elapsed.as_millis() as u64, viewer = viewer.user_id(), query = %query, "slow GraphQL request");
    }
    let summary = GraphqlSummary { operation, viewer: viewer.user_id(), codes };
    if summary.codes.iter().any(|c| c == UNAVAILABLE) {
        // Whatever part of the request failed, the client gets one answer: retry later.
        let mut res = super::outage::unavailable(media.content_type());
        res.extensions_mut().insert(summary);
        return res;
    }
    let codes = &summary.codes;
    let status = match (&response, media) {
        (BatchResponse::Single(r), _) if codes.iter().any(|c| c == "RATE_LIMITED") && !executed(r) => StatusCode::TOO_MANY_REQUESTS,
        (BatchResponse::Single(_), MediaType::GraphQlResponse) if request_error => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let body = match &response {
        BatchResponse::Single(r) => serde_json::to_string(&response_body(r, media)),
        BatchResponse::Batch(rs) => serde_json::to_string(&rs.iter().map(|r| response_body(r, media)).collect::<Vec<_>>()),
    };
    let body = body.unwrap_or_else(|e| {
        tracing::error!(error = %e, "serialising a response");
        INTERNAL_BODY.to_owned()
    });
    let mut res = text_response(status, media, body);
    res.extensions_mut().insert(summary);
    // A rate-limited client learns when to come back, as HTTP clients and proxies expect.
    if let Some(secs) = retry_after {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

/// The `retryAfterSeconds` of a `RATE_LIMITED` error.
fn retry_after_secs(e: &async_graphql::ServerError) -> Option<u64> {
    if error_code(e) != Some("RATE_LIMITED") {
        return None;
    }
    match e.extensions.as_ref()?.get("retryAfterSeconds")? {
        async_graphql::Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn response_iter(response: &mut BatchResponse) -> Box<dyn Iterator<Item = &mut async_graphql::Response> + '_> {
    match response {
        BatchResponse::Single(r) => Box::new(std::iter::once(r)),
        BatchResponse::Batch(rs) => Box::new(rs.iter_mut()),
    }
}

/// A response as sent: `data` (absent for a request error under
/// `application/graphql-response+json`), `errors`, `extensions`. Serialised straight from
/// async-graphql's ordered values, so object keys keep the order of the query.
#[derive(serde::Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

/// The body of one response; under `application/graphql-response+json` a request error has no `data`.
fn response_body(r: &async_graphql::Response, media: MediaType) -> Body<'_> {
    let failed_before_execution =
        (r.data == async_graphql::Value::Null) && !r.errors.is_empty() && r.errors.iter().all(|e| e.path.is_empty());
    let data = (!(failed_before_execution && media == MediaType::GraphQlResponse)).then_some(&r.data);
    Body { data, errors: &r.errors, extensions: &r.extensions }
}

fn error_code(e: &async_graphql::ServerError) -> Option<&str> {
    e.extensions.as_ref().and_then(|ext| ext.get("code")).and_then(|v| match v {
        async_graphql::Value::String(s) => Some(s.as_str()),
        async_graphql::Value::Enum(s) => Some(s.as_str()),
        _ => None,
    })
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let mut parts = ct.split(';').map(str::trim);
    let media_ok = parts.next().is_some_and(|m| m.eq_ignore_ascii_case("application/json"));
    let charset_ok = parts.all(|p| match p.split_once('=') {
        Some((k, v)) if k.trim().eq_ignore_ascii_case("charset") => v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8"),
        _ => true,
    });
    media_ok && charset_ok
}

/// Parses a JSON body into one request or a batch of at most `max_batch`.
fn parse_body(body: &[u8], max_batch: usize) -> Result<BatchRequest, String> {
    if body.is_empty() {
        return Err("the request body is empty".into());
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not valid JSON: {e}"))?;
    match value {
        Value::Object(map) => Ok(BatchRequest::Single(request_from_map(map)?)),
        Value::Array(items) => {
            if items.is_empty() {
                return Err("a batch must hold at least one request".into());
            }
            if items.len() > max_batch {
                return Err(format!("a batch may hold at most {max_batch} requests"));
            }
            let requests = items
                .into_iter()
                .map(|item| match item {
                    Value::Object(map) => request_from_map(map),
                    _ => Err("each batched request must be an object".into()),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(BatchRequest::Batch(requests))
        }
        _ => Err("the body must be a JSON object".into()),
    }
}

/// Builds a request from its parameters, checking each one's type.
pub(crate) fn request_from_map(mut map: Map<String, Value>) -> Result<Request, String> {
    let query = match map.remove("query") {
        Some(Value::String(q)) => q,
        Some(_) => return Err("`query` must be a string".into()),
        None => return Err("`query` is required".into()),
    };
    let mut request = Request::new(query);
    match map.remove("operationName") {
        Some(Value::String(name)) => request = request.operation_name(name),
        None | Some(Value::Null) => {}
        Some(_) => return Err("`operationName` must be a string".into()),
    }
    match map.remove("variables") {
        Some(v @ Value::Object(_)) => request = request.variables(Variables::from_json(v)),
        None | Some(Value::Null) => {}
        Some(_) => return Err("`variables` must be a map".into()),
    }
    match map.remove("extensions") {
        Some(Value::Object(ext)) => {
            for (k, v) in ext {
                let v = async_graphql::Value::from_json(v).map_err(|_| "`extensions` is not valid".to_owned())?;
                request.extensions.insert(k, v);
            }
        }
        None | Some(Value::Null) => {}
        Some(_) => return Err("`extensions` must be a map".into()),
    }
    Ok(request)
}

/// Parses the URL parameters of a GET request.
fn parse_get(raw: &str) -> Result<Request, String> {
    let mut map = Map::new();
    for (key, value) in form_pairs(raw) {
        let value = match key.as_str() {
            "variables" | "extensions" if !value.is_empty() => {
                serde_json::from_str(&value).map_err(|_| format!("`{key}` must be a JSON map"))?
            }
            "variables" | "extensions" => Value::Null,
            _ => Value::String(value),
        };
        map.insert(key, value);
    }
    request_from_map(map)
}

/// Decodes `application/x-www-form-urlencoded` pairs.
fn form_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether the operation a GET request would run is a mutation.
fn is_mutation(request: &Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else { return false };
    let op = match &doc.operations {
        DocumentOperations::Single(op) => Some(&op.node),
        DocumentOperations::Multiple(ops) => match &request.operation_name {
            Some(name) => ops.iter().find(|(n, _)| n.as_str() == name).map(|(_, op)| &op.node),
            None if ops.len() == 1 => ops.values().next().map(|op| &op.node),
            None => None,
        },
    };
    op.is_some_and(|op| op.ty == OperationType::Mutation)
}

/// 401 for a token that opens no session, with `extensions.reason` and a `WWW-Authenticate`
/// challenge (RFC 6750).
fn unauthenticated(media: MediaType, error: async_graphql::ServerError, description: &str) -> Response {
    let mut res = errors_only(media, StatusCode::UNAUTHORIZED, vec![error]);
    let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{}\"", description.replace(['"', '\\'], "'"));
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    res
}

fn request_error(media: MediaType, status: StatusCode, message: String) -> Response {
    errors_only(media, status, vec![bad_request(message)])
}

fn errors_only(media: MediaType, status: StatusCode, errors: Vec<async_graphql::ServerError>) -> Response {
    let extensions = Default::default();
    let body = serde_json::to_string(&Body { data: None, errors: &errors, extensions: &extensions });
    text_response(status, media, body.unwrap_or_else(|_| INTERNAL_BODY.to_owned()))
}

/// Sent when a response cannot be serialised.
const INTERNAL_BODY: &str = r#"{"data":null,"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#;

fn text_response(status: StatusCode, media: MediaType, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media.content_type()));
    res
}

/// 406: no acceptable type was asked for, so the error body is sent as plain `application/json`.
fn not_acceptable() -> Response {
    let message = "supported response types: application/graphql-response+json, application/json";
    request_error(MediaType::Json, StatusCode::NOT_ACCEPTABLE, message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_handles_plus_escapes_and_stray_percents() {
        assert_eq!(percent_decode("a+b%20c%7B%7D"), "a b c{}");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
