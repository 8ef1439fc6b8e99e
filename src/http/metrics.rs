//! Prometheus metrics: HTTP requests and latencies, GraphQL errors by code, open websockets.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls reuse it).
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0])
            .map(|b| b.build_recorder())
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        // A recorder installed by an embedding process wins; ours then stays empty.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// `GET /metrics`.
pub async fn render() -> Response {
    let mut res = install().render().into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    res
}

/// Counts every HTTP request and its latency by route and status.
pub async fn track_http(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    let labels = [("route", route), ("method", method), ("status", res.status().as_u16().to_string())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    res
}

/// Records one GraphQL execution and the codes of its errors.
pub fn record_graphql(elapsed: Duration, codes: &[String]) {
    metrics::histogram!("graphql_request_duration_seconds").record(elapsed.as_secs_f64());
    for code in codes {
        metrics::counter!("graphql_errors_total", "code" => code.clone()).increment(1);
    }
}

/// Tracks an open websocket for as long as the guard lives.
pub struct OpenSocket;

impl OpenSocket {
    /// Counts a socket as open.
    pub fn open() -> Self {
        metrics::gauge!("websockets_open").increment(1.0);
        metrics::counter!("websockets_total").increment(1);
        Self
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        metrics::gauge!("websockets_open").decrement(1.0);
    }
}
