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
        describe();
        handle
    })
}

/// The `# HELP` line of every metric.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!("http_requests_total", "HTTP requests answered, by route, method and status (401s included)");
    describe_histogram!("http_request_duration_seconds", Unit::Seconds, "HTTP request latency, by route, method and status");
    describe_histogram!("graphql_request_duration_seconds", Unit::Seconds, "GraphQL execution time per HTTP request");
    describe_counter!("graphql_errors_total", "GraphQL errors sent, by extensions.code (UNAUTHENTICATED for refused tokens)");
    describe_gauge!("websockets_open", "Websockets open now");
    describe_counter!("websockets_total", "Websockets accepted since start");
    describe_gauge!("http_connections_open", "Client TCP connections open now");
    describe_counter!("http_connections_refused_total", "Connections closed at once because the connection cap was reached");
    describe_counter!("http_timeouts_total", "Requests ended by a timeout, by kind (header, body, request)");
}

/// `GET /metrics`.
pub async fn render() -> Response {
    let mut res = install().render().into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    res
}

/// What the GraphQL handler tells the request log about a request (a response extension).
#[derive(Debug, Clone, Default)]
pub struct GraphqlSummary {
    /// The operation name, `batch of N`, or empty for an anonymous operation.
    pub operation: String,
    /// The signed-in viewer's user id.
    pub viewer: Option<crate::domain::Id>,
    /// The `extensions.code` of every error sent.
    pub codes: Vec<String>,
}

/// Counts every HTTP request and its latency by route and status, and logs it: one line at
/// INFO per request with method, path, status, duration and, for GraphQL, the operation, the
/// viewer and the error codes.
pub async fn track_http(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let elapsed = started.elapsed();
    let status = res.status().as_u16();
    let gql = res.extensions().get::<GraphqlSummary>();
    tracing::info!(
        target: "adbridge::request",
        method = %method,
        path = %path,
        status,
        duration_ms = (elapsed.as_secs_f64() * 10_000.0).round() / 10.0,
        operation = gql.map_or("", |g| g.operation.as_str()),
        viewer = gql.and_then(|g| g.viewer),
        errors = %gql.map(|g| g.codes.join(",")).unwrap_or_default(),
        "request"
    );
    let labels = [("route", route), ("method", method), ("status", status.to_string())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
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
