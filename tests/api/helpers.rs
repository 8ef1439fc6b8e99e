//! The test harness: `TestApp::spawn()` boots the app on port 0 against a fresh database.

use std::sync::Arc;
use std::time::Duration;

use adbridge::app::{App, Overrides};
use adbridge::config::Config;
use adbridge::domain::clock::OffsetClock;
use adbridge::http::AppState;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running app and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The app's address.
    pub addr: std::net::SocketAddr,
    /// The shared state (store, services).
    pub state: Arc<AppState>,
    /// The app's clock: tests move time with `clock.advance(..)`.
    pub clock: OffsetClock,
    /// The configuration the app runs with (its database URL is reused by restarts).
    pub config: Config,
    /// An HTTP client.
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

/// The configuration of a test app on a fresh database.
pub async fn test_config() -> Config {
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.database_url = fresh_database().await;
    config.db_max_connections = 5;
    config.redis_url = std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty());
    config.argon2_memory_kib = 1024;
    config.login_per_minute = 1000;
    config.login_failures_per_account_address = 1000;
    config.login_failures_per_address = 100_000;
    config.login_slowdown_after = 100_000;
    config.signups_per_hour = 100_000;
    config.writes_per_minute = 100_000;
    config.webhook_secret = Some("test-webhook-secret-0123456789".into());
    config.cors_origins = Vec::new();
    config.sweep_secs = 3600;
    config
}

impl TestApp {
    /// Boots the app with the default test configuration.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Boots the app after `tweak` adjusts the test configuration.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = test_config().await;
        tweak(&mut config);
        Self::start(config, OffsetClock::default()).await
    }

    /// Boots an app on `config` (e.g. a second instance on the same database).
    pub async fn start(config: Config, clock: OffsetClock) -> Self {
        init_tracing();
        let overrides = Overrides { clock: Some(Arc::new(clock.clone())) };
        let app = App::build(config.clone(), overrides).await.expect("the app builds");
        let addr = app.addr();
        let state = app.state();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.run(async {
                let _ = rx.await;
            })
            .await
            .expect("the app serves");
        });
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        Self { base: format!("http://{addr}"), addr, state, clock, config, http, shutdown: Some(tx), server: Some(server) }
    }

    /// A second instance on the same database (and Redis), with its own port.
    pub async fn another_instance(&self) -> Self {
        let mut config = self.config.clone();
        config.listen = "127.0.0.1:0".parse().unwrap();
        Self::start(config, self.clock.clone()).await
    }

    /// Stops serving and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }

    /// Waits until `n` websocket subscriptions are live (each feed has its starting point, so an
    /// event committed from now on reaches it); panics after 10 s.
    pub async fn subscriptions_live(&self, n: usize) {
        for _ in 0..200 {
            if self.state.live.subscription_count() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{n} subscriptions were not live within 10 s (live: {})", self.state.live.subscription_count());
    }

    /// The websocket URL.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/graphql/ws", self.addr)
    }

    /// Posts a GraphQL operation with an optional bearer token.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        let mut req = self.http.post(format!("{}/graphql", self.base)).json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.expect("the request is sent");
        let status = res.status().as_u16();
        let body = res.json().await.expect("the response is JSON");
        Gql { status, body }
    }

    /// Signs up a new account of `role` ("ADVERTISER" or "INFLUENCER") with a unique email.
    pub async fn sign_up(&self, role: &str) -> TestUser {
        let email = format!("{}-{}@example.com", role.to_lowercase(), uuid::Uuid::new_v4().simple());
        let res = self
            .gql(
                None,
                "mutation($input: SignUpInput!) { signUp(input: $input) { token user { id } } }",
                json!({ "input": { "email": email, "password": "correct horse battery", "displayName": format!("{role} user"), "role": role } }),
            )
            .await;
        res.assert_ok();
        TestUser { token: res.str("/data/signUp/token"), id: res.str("/data/signUp/user/id"), email }
    }

    /// A new advertiser.
    pub async fn advertiser(&self) -> TestUser {
        self.sign_up("ADVERTISER").await
    }

    /// A new influencer.
    pub async fn influencer(&self) -> TestUser {
        self.sign_up("INFLUENCER").await
    }

    /// A new administrator (created as the CLI does) and a session for them.
    pub async fn admin(&self) -> TestUser {
        use adbridge::domain::accounts::{Role, SignUp};
        let email = format!("admin-{}@example.com", uuid::Uuid::new_v4().simple());
        let password = "correct horse battery".to_owned();
        let input = SignUp { email: email.clone(), password: password.clone(), display_name: "Admin".into(), role: Role::Admin };
        self.state.services.accounts.register(input).await.expect("the admin is created");
        let res = self
            .gql(
                None,
                "mutation($i: LogInInput!) { logIn(input: $i) { token user { id } } }",
                json!({ "i": { "email": email, "password": password } }),
            )
            .await;
        res.assert_ok();
        TestUser { token: res.str("/data/logIn/token"), id: res.str("/data/logIn/user/id"), email }
    }
}

impl TestApp {
    /// An active ad space of `influencer` (on a new Instagram channel) at `price_minor` in
    /// `currency`, with two revision rounds; returns its global id.
    ///
    /// Arranged straight in the database so that order tests do not depend on the catalogue's
    /// mutations; the catalogue's own tests exercise `addChannel` and `createAdSpace`.
    pub async fn ad_space_of(&self, influencer: &TestUser, price_minor: i64, currency: &str) -> String {
        use adbridge::graphql::relay::{from_global, to_global};
        use adbridge::store::entities::{ad_space, channel};
        use sea_orm::{ActiveModelTrait, Set};
        let influencer_id = from_global("id", "User", &async_graphql::ID(influencer.id.clone())).unwrap();
        let now = chrono::Utc::now();
        let db = self.state.store.db();
        let ch = channel::ActiveModel {
            influencer_id: Set(influencer_id),
            platform: Set("INSTAGRAM".into()),
            handle: Set("@creator".into()),
            url: Set("https://instagram.com/creator".into()),
            followers: Set(120_000),
            engagement_bp: Set(350),
            removed_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let space = ad_space::ActiveModel {
            influencer_id: Set(influencer_id),
            channel_id: Set(ch.id),
            title: Set("Sponsored reel".into()),
            description: Set("A 30-second reel about your product".into()),
            format: Set("REEL".into()),
            deliverables: Set(r#"["1 reel","2 stories"]"#.into()),
            price_minor: Set(price_minor),
            currency: Set(currency.into()),
            turnaround_days: Set(7),
            revisions_included: Set(2),
            categories: Set(r#"["FOOD"]"#.into()),
            sample_links: Set("[]".into()),
            archived_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        to_global("AdSpace", space.id).0
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// Bearer token.
    pub token: String,
    /// Global id.
    pub id: String,
    /// Email.
    pub email: String,
}

/// A GraphQL response with its HTTP status.
#[derive(Debug)]
pub struct Gql {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
}

impl Gql {
    /// The `extensions.code` of the first error.
    pub fn error_code(&self) -> Option<&str> {
        self.body.pointer("/errors/0/extensions/code").and_then(Value::as_str)
    }

    /// The `extensions.field` of the first error.
    pub fn error_field(&self) -> Option<&str> {
        self.body.pointer("/errors/0/extensions/field").and_then(Value::as_str)
    }

    /// The message of the first error.
    pub fn error_message(&self) -> &str {
        self.body.pointer("/errors/0/message").and_then(Value::as_str).unwrap_or_default()
    }

    /// Panics with the body when the response has errors.
    #[track_caller]
    pub fn assert_ok(&self) {
        assert!(self.body.get("errors").is_none(), "unexpected errors: {}", self.body);
    }

    /// Asserts the first error's code.
    #[track_caller]
    pub fn assert_code(&self, code: &str) {
        assert_eq!(self.error_code(), Some(code), "body: {}", self.body);
    }

    /// The value at a JSON pointer.
    #[track_caller]
    pub fn at(&self, pointer: &str) -> &Value {
        self.body.pointer(pointer).unwrap_or_else(|| panic!("no {pointer} in {}", self.body))
    }

    /// The string at a JSON pointer.
    #[track_caller]
    pub fn str(&self, pointer: &str) -> String {
        self.at(pointer).as_str().unwrap_or_else(|| panic!("{pointer} is not a string in {}", self.body)).to_owned()
    }
}

/// A fresh database URL: a temporary SQLite file, or a new Postgres database when
/// `TEST_DATABASE_URL` is set.
pub async fn fresh_database() -> String {
    match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => fresh_postgres(&url).await,
        None => {
            let path = std::env::temp_dir().join(format!("adbridge-test-{}.db", uuid::Uuid::new_v4().simple()));
            format!("sqlite://{}?mode=rwc", path.display())
        }
    }
}

/// A fresh Postgres database on the server of `admin_url`, whatever the suite runs on (the
/// outage test needs Postgres, behind a proxy it can cut).
pub async fn fresh_postgres_at(admin_url: &str) -> String {
    fresh_postgres(admin_url).await
}

async fn fresh_postgres(admin_url: &str) -> String {
    use sea_orm::{ConnectionTrait, Database};
    let admin = Database::connect(admin_url).await.unwrap_or_else(|e| panic!("Postgres at TEST_DATABASE_URL is unreachable: {e}"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    drop_stale_databases(&admin, now).await;
    let name = format!("adbt_{now}_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("creating the test database");
    let _ = admin.close().await;
    let (base, query) = admin_url.split_once('?').map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Drops the test databases of runs older than two hours (once per test process).
async fn drop_stale_databases(admin: &sea_orm::DatabaseConnection, now: u64) {
    use sea_orm::{ConnectionTrait, Statement};
    static ONCE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    ONCE.get_or_init(|| async {
        let rows = admin
            .query_all_raw(Statement::from_string(
                admin.get_database_backend(),
                "SELECT datname FROM pg_database WHERE datname LIKE 'adbt_%'",
            ))
            .await
            .unwrap_or_default();
        for row in rows {
            let Ok(name) = row.try_get::<String>("", "datname") else { continue };
            let created: u64 = name.split('_').nth(1).and_then(|s| s.parse().ok()).unwrap_or(now);
            if now.saturating_sub(created) > 7200 {
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            }
        }
    })
    .await;
}

fn init_tracing() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("TEST_LOG") {
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
    });
}
