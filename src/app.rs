//! Builds the application from its configuration, binds, serves and shuts down.
//!
//! This is the one place that chooses implementations: the store behind the repository
//! ports, the clock, and the event bus (in-process, or Redis with `REDIS_URL`).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::domain::Services;
use crate::domain::accounts::{AccountService, AccountSettings};
use crate::domain::catalogue::CatalogueService;
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::conversation::ConversationService;
use crate::domain::drafts::DraftService;
use crate::domain::orders::history::EventSink;
use crate::graphql::live::LiveRenderer;
use crate::graphql::{SchemaLimits, build_schema};
use crate::http::serve::{ConnLimits, fit_connection_cap, serve};
use crate::http::{AppState, router};
use crate::realtime::Realtime;
use crate::store::Store;

/// Websocket admissions (authentication, starting an operation) running at once per instance.
const WS_ADMISSIONS: usize = 32;

/// What a test (or an embedder) may replace.
#[derive(Clone, Default)]
pub struct Overrides {
    /// The clock; the system clock by default.
    pub clock: Option<Arc<dyn Clock>>,
}

/// A built application, bound to its address, not yet serving.
pub struct App {
    state: Arc<AppState>,
    listener: TcpListener,
}

impl App {
    /// Connects to the database, migrates it, builds the services and binds the listener.
    pub async fn build(config: Config, overrides: Overrides) -> anyhow::Result<Self> {
        crate::http::metrics::install();
        crate::cluster::check_config(&config)?;
        let acquire = std::time::Duration::from_millis(config.db_acquire_timeout_ms);
        let store = Store::connect_with(&config.database_url, config.db_max_connections, acquire).await?;
        store.migrate().await?;
        let redis = match &config.redis_url {
            Some(url) => Some(connect_redis(url).await?),
            None => None,
        };
        let clock = overrides.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let realtime = Realtime::start(&config, &store, redis.clone()).await?;
        let sessions = Arc::new(crate::http::session_watch::SessionWatch::default());
        let shared_redis = match (&config.redis_url, &redis) {
            (Some(url), Some(conn)) => Some((crate::realtime::redis_client(url).context("parsing REDIS_URL")?, conn.clone())),
            _ => None,
        };
        let cluster = crate::cluster::start(&config, shared_redis, &sessions);
        let services = Arc::new(build_services_with(&config, &store, clock, realtime.sink(), &cluster));
        let limits = SchemaLimits {
            max_depth: config.max_depth,
            introspection: config.introspection,
            max_complexity: config.max_complexity,
            document: crate::graphql::cost::DocumentLimits {
                max_tokens: config.max_tokens,
                max_aliases: config.max_aliases,
                max_directives: config.max_directives,
                max_fields: config.max_fields,
                max_cost: config.max_cost,
            },
        };
        let schema = build_schema(services.clone(), realtime.hub.clone(), limits);
        let live = LiveRenderer::new(services.clone(), realtime.hub.clone());
        let listener = TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
        let state = Arc::new(AppState {
            config,
            store,
            services,
            schema,
            ws_admissions: Semaphore::new(WS_ADMISSIONS),
            sessions,
            cluster,
            stopping: tokio::sync::watch::channel(false).0,
            live,
            redis,
            realtime,
        });
        Ok(Self { state, listener })
    }

    /// The bound address (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.state.config.listen)
    }

    /// The shared state (tests reach the store through it).
    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Serves until `shutdown` resolves; then stops accepting, closes websockets with 1012
    /// (service restart) and lets in-flight requests finish within the shutdown grace period.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let config = &self.state.config;
        let app = router(self.state.clone());
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let every = std::time::Duration::from_secs(config.sweep_secs);
        let sweeper = tokio::spawn(crate::domain::orders::deadlines::run_sweeper(self.state.services.clone(), every, stopped));
        let keep_alive = std::time::Duration::from_secs(config.ws_ping_secs.max(1));
        let sessions = Arc::downgrade(&self.state.sessions);
        let session_watch = tokio::spawn(crate::http::session_watch::run(sessions, self.state.services.clone(), keep_alive));
        let limits = ConnLimits {
            max_connections: fit_connection_cap(config.max_connections, config.db_max_connections),
            header_timeout: std::time::Duration::from_secs(config.header_timeout_secs.max(1)),
            idle_timeout: std::time::Duration::from_secs(config.idle_timeout_secs.max(1)),
        };
        let grace = std::time::Duration::from_secs(config.shutdown_grace_secs);
        let state = self.state.clone();
        let shutdown = async move {
            shutdown.await;
            let _ = stop.send(true);
            state.stopping.send_replace(true);
        };
        let deadline = serve(self.listener, app, limits, shutdown, grace).await;
        // Websockets were told to close (1012) when the shutdown began; give them the rest of the grace.
        while self.state.stopping.receiver_count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let left = self.state.stopping.receiver_count();
        if left > 0 {
            tracing::warn!(websockets = left, "websockets still open at the end of the grace period");
        }
        sweeper.abort();
        session_watch.abort();
        Ok(())
    }
}

/// Builds every domain service over the store, with in-memory limits and no websockets to
/// end (the CLI's commands). `events` is told of every committed order event.
pub fn build_services(config: &Config, store: &Store, clock: Arc<dyn Clock>, events: Arc<dyn EventSink>) -> Services {
    let cluster = crate::cluster::Cluster {
        guard: Arc::new(crate::domain::abuse::Guard::new(
            Arc::new(crate::domain::ratelimit::MemoryLimiter::new()),
            crate::cluster::policy(config),
        )),
        ends: Arc::new(crate::domain::sessions::NoSessionListeners),
        instance_lock: None,
    };
    build_services_with(config, store, clock, events, &cluster)
}

/// Builds every domain service over the store; `events` is told of every committed order
/// event (the realtime bus), `cluster` holds the limits and the revocation bus.
pub fn build_services_with(
    config: &Config,
    store: &Store,
    clock: Arc<dyn Clock>,
    events: Arc<dyn EventSink>,
    cluster: &crate::cluster::Cluster,
) -> Services {
    let repo = Arc::new(store.clone());
    let orders = crate::domain::orders::OrderService::new(
        repo.clone(),
        clock.clone(),
        events.clone(),
        Arc::new(crate::domain::orders::SandboxProvider { instant: config.sandbox_payments == crate::config::SandboxMode::Instant }),
        crate::domain::orders::OrderSettings {
            answer_window: std::time::Duration::from_secs(config.answer_window_hours * 3600),
            review_window: std::time::Duration::from_secs(config.review_window_hours * 3600),
            rating_window: std::time::Duration::from_secs(config.rating_window_hours * 3600),
            webhook_secret: config.webhook_secret.clone(),
        },
    );
    Services {
        accounts: AccountService::new(
            repo.clone(),
            clock.clone(),
            AccountSettings { session_ttl: config.session_ttl(), argon2_memory_kib: config.argon2_memory_kib },
            cluster.guard.clone(),
            cluster.ends.clone(),
        ),
        catalogue: CatalogueService::new(repo.clone(), clock.clone()),
        conversation: ConversationService::new(repo.clone(), clock.clone(), events.clone()),
        feedback: crate::domain::feedback::FeedbackService::new(
            repo.clone(),
            clock.clone(),
            events.clone(),
            crate::domain::feedback::FeedbackSettings { rating_window: std::time::Duration::from_secs(config.rating_window_hours * 3600) },
        ),
        drafts: DraftService::new(repo, clock, events),
        orders,
    }
}

/// Connects to Redis with a self-reconnecting connection manager (fails fast when unreachable).
async fn connect_redis(url: &str) -> anyhow::Result<redis::aio::ConnectionManager> {
    let client = crate::realtime::redis_client(url).context("parsing REDIS_URL")?;
    let config = redis::aio::ConnectionManagerConfig::new().set_connection_timeout(Some(std::time::Duration::from_secs(5)));
    redis::aio::ConnectionManager::new_with_config(client, config).await.context("connecting to Redis")
}
