//! HTTP routes: the GraphQL endpoint, the websocket, the GraphiQL and dashboard pages with their
//! embedded assets, health, readiness and metrics.

pub mod assets;
pub mod client_addr;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod outage;
pub mod pages;
pub mod serve;
pub mod session_watch;
pub mod timeouts;
pub mod webhooks;
pub mod ws;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;

use crate::config::Config;
use crate::domain::Services;
use crate::graphql::AppSchema;
use crate::store::Store;

/// Everything a request handler needs, built once by `app.rs`.
pub struct AppState {
    /// The configuration the server started with.
    pub config: Config,
    /// The database.
    pub store: Store,
    /// The domain services.
    pub services: Arc<Services>,
    /// The executable GraphQL schema.
    pub schema: AppSchema,
    /// Websocket admissions (authentication, the start of an operation) running at once: a
    /// reconnect storm waits here, cheaply, instead of holding thousands of database queries
    /// (and their buffers) in flight.
    pub ws_admissions: tokio::sync::Semaphore,
    /// The sessions of this instance's websockets, checked for all of them at once.
    pub sessions: Arc<session_watch::SessionWatch>,
    /// The rate limits and revocation bus shared with the other instances.
    pub cluster: crate::cluster::Cluster,
    /// Renders live subscription payloads once per event and subscription shape.
    pub live: crate::graphql::live::LiveRenderer,
    /// Whether a Redis connection is configured and reachable (for `/readyz`).
    pub redis: Option<redis::aio::ConnectionManager>,
    /// The realtime feed: the event bus and this instance's hub.
    pub realtime: crate::realtime::Realtime,
    /// Set when the server stops: every websocket closes with 1012 (service restart). Each
    /// socket holds a receiver, so the receiver count is the number of sockets still open.
    pub stopping: tokio::sync::watch::Sender<bool>,
}

/// The router of the whole API.
pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.config.max_body_bytes;
    // Checked at start (`cluster::check_config`).
    let proxies = Arc::new(client_addr::TrustedProxies::parse(&state.config.trusted_proxies).unwrap_or_default());
    Router::new()
        .route("/", get(pages::graphiql))
        .route("/dashboard", get(pages::dashboard))
        .route("/assets/{file}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(ws::upgrade))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .route("/webhooks/payments", axum::routing::post(webhooks::payments))
        .layer(cors(&state.config))
        .layer(axum::middleware::from_fn_with_state(state.clone(), timeouts::bound))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(axum::middleware::from_fn_with_state(proxies, client_addr::resolve))
        .layer(axum::middleware::from_fn(metrics::track_http))
        .with_state(state)
}

/// CORS: any origin may send anonymous requests (no credentials); the configured origins may
/// also send credentials.
fn cors(config: &Config) -> CorsLayer {
    let base = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
        .max_age(std::time::Duration::from_secs(600));
    if config.cors_origins.is_empty() {
        base.allow_origin(AllowOrigin::any())
    } else {
        let origins: Vec<HeaderValue> = config.cors_origins.iter().filter_map(|o| o.parse().ok()).collect();
        base.allow_origin(origins).allow_credentials(true)
    }
}

/// The bearer token of the `Authorization` header: `None` without the header; an `INVALID`
/// token error when the header is there but is not `Bearer <token>` (a bare token must not
/// silently make the caller anonymous).
pub fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, crate::domain::DomainError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let invalid = || crate::domain::DomainError::BadToken(crate::domain::error::TokenProblem::Invalid);
    let value = value.to_str().map_err(|_| invalid())?;
    match value.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(Some(token.trim())),
        _ => Err(invalid()),
    }
}
