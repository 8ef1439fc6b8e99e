//! Typed configuration, read once at start-up from flags and environment variables.
//!
//! Every setting has a safe default: `adbridge` with no flags and no environment starts the
//! embedded default (a SQLite file under `./data/`, the in-process event bus).

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The command line of the `adbridge` binary.
#[derive(Debug, Parser)]
#[command(name = "adbridge", version, about = "Adbridge: the influencer-advertising marketplace API")]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings shared by every command.
    #[command(flatten)]
    pub config: Config,
}

/// The sub-commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP and websocket server (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to standard output.
    PrintSchema,
    /// Check the money invariants against the database; exits non-zero on any breach.
    CheckMoney,
    /// Fill the database with a deterministic demo catalogue (password: see README).
    Seed {
        /// Influencer accounts.
        #[arg(long, default_value_t = 200)]
        influencers: usize,
        /// Ad spaces.
        #[arg(long, default_value_t = 1000)]
        spaces: usize,
        /// Advertiser accounts.
        #[arg(long, default_value_t = 20)]
        advertisers: usize,
        /// Random seed: the same seed gives the same catalogue.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Create an administrator; the password is read from standard input.
    CreateAdmin {
        /// The administrator's email address.
        #[arg(long)]
        email: String,
        /// Read the password from standard input (required: passwords never go on a command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// The administrator's display name.
        #[arg(long, default_value = "Administrator")]
        display_name: String,
    },
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// How the sandbox payment provider confirms payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SandboxMode {
    /// Payments succeed as soon as they are created.
    Instant,
    /// Payments wait for `confirmSandboxPayment` (or a signed webhook).
    Manual,
}

/// Every setting of the server.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "ADBRIDGE_LISTEN", default_value = "127.0.0.1:8000", global = true)]
    pub listen: SocketAddr,
    /// Database URL: `sqlite://…` (embedded default) or `postgres://…` to scale out.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/adbridge.db?mode=rwc", global = true)]
    pub database_url: String,
    /// Maximum database connections in the pool.
    #[arg(long, env = "ADBRIDGE_DB_MAX_CONNECTIONS", default_value_t = 16, global = true)]
    pub db_max_connections: u32,
    /// Redis URL for the cross-instance event bus; the in-process bus when unset.
    #[arg(long, env = "REDIS_URL", global = true)]
    pub redis_url: Option<String>,
    /// Log format.
    #[arg(long, env = "ADBRIDGE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "ADBRIDGE_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,
    /// Largest number of operations in one batched request.
    #[arg(long, env = "ADBRIDGE_MAX_BATCH", default_value_t = 10, global = true)]
    pub max_batch: usize,
    /// Deepest accepted query.
    #[arg(long, env = "ADBRIDGE_MAX_DEPTH", default_value_t = 12, global = true)]
    pub max_depth: usize,
    /// Whether introspection (`__schema`, `__type`) is served: GraphiQL's docs and completion
    /// and code generators need it; `--introspection=false` refuses it (`FORBIDDEN`).
    #[arg(long, env = "ADBRIDGE_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub introspection: bool,
    /// Highest accepted query complexity.
    #[arg(long, env = "ADBRIDGE_MAX_COMPLEXITY", default_value_t = 2000, global = true)]
    pub max_complexity: usize,
    /// Largest number of lexical tokens in a query document.
    #[arg(long, env = "ADBRIDGE_MAX_TOKENS", default_value_t = 5000, global = true)]
    pub max_tokens: usize,
    /// Largest number of aliased fields in a query document.
    #[arg(long, env = "ADBRIDGE_MAX_ALIASES", default_value_t = 30, global = true)]
    pub max_aliases: usize,
    /// Largest number of directives in a query document.
    #[arg(long, env = "ADBRIDGE_MAX_DIRECTIVES", default_value_t = 50, global = true)]
    pub max_directives: usize,
    /// Largest number of fields once fragments are expanded (`__typename` included).
    #[arg(long, env = "ADBRIDGE_MAX_FIELDS", default_value_t = 2000, global = true)]
    pub max_fields: u64,
    /// Highest accepted query cost (fields multiplied by the page sizes they ask for).
    #[arg(long, env = "ADBRIDGE_MAX_COST", default_value_t = 10_000, global = true)]
    pub max_cost: u64,
    /// Origins allowed to send credentialed cross-origin requests (comma-separated); none by default.
    #[arg(long, env = "ADBRIDGE_CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,
    /// How long a session token lives, in hours.
    #[arg(long, env = "ADBRIDGE_SESSION_TTL_HOURS", default_value_t = 24 * 30, global = true)]
    pub session_ttl_hours: u64,
    /// Log-in attempts allowed per client address per minute.
    #[arg(long, env = "ADBRIDGE_LOGIN_PER_MINUTE", default_value_t = 20, global = true)]
    pub login_per_minute: u32,
    /// Failed log-ins allowed per (account, client address) per failure window.
    #[arg(long, env = "ADBRIDGE_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS", default_value_t = 10, global = true)]
    pub login_failures_per_account_address: u32,
    /// Failed log-ins allowed per client address (any account) per failure window.
    #[arg(long, env = "ADBRIDGE_LOGIN_FAILURES_PER_ADDRESS", default_value_t = 100, global = true)]
    pub login_failures_per_address: u32,
    /// Failures on one account (from every address) after which its log-ins slow down.
    #[arg(long, env = "ADBRIDGE_LOGIN_SLOWDOWN_AFTER", default_value_t = 10, global = true)]
    pub login_slowdown_after: u32,
    /// The window of the log-in failure counts, in seconds.
    #[arg(long, env = "ADBRIDGE_LOGIN_FAILURE_WINDOW_SECS", default_value_t = 900, global = true)]
    pub login_failure_window_secs: u64,
    /// Sign-ups allowed per client address per hour.
    #[arg(long, env = "ADBRIDGE_SIGNUPS_PER_HOUR", default_value_t = 20, global = true)]
    pub signups_per_hour: u32,
    /// Writes (mutation fields, aliases included) allowed per viewer (or anonymous address) per minute.
    #[arg(long, env = "ADBRIDGE_WRITES_PER_MINUTE", default_value_t = 600, global = true)]
    pub writes_per_minute: u32,
    /// Argon2 memory cost in KiB (the OWASP minimum for argon2id is 19456).
    #[arg(long, env = "ADBRIDGE_ARGON2_MEMORY_KIB", default_value_t = 19456, global = true)]
    pub argon2_memory_kib: u32,
    /// Password hashes computed at once per instance (0: one per CPU core).
    #[arg(long, env = "ADBRIDGE_ARGON2_CONCURRENCY", default_value_t = 0, global = true)]
    pub argon2_concurrency: usize,
    /// Reverse proxies (addresses or CIDR blocks, comma-separated) whose `Forwarded` and
    /// `X-Forwarded-For` headers are believed; none by default (the peer address is the client).
    #[arg(long, env = "ADBRIDGE_TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<String>,
    /// Seconds a websocket may stay open without `connection_init`.
    #[arg(long, env = "ADBRIDGE_WS_INIT_TIMEOUT_SECS", default_value_t = 10, global = true)]
    pub ws_init_timeout_secs: u64,
    /// Seconds between server keep-alive pings on websockets.
    #[arg(long, env = "ADBRIDGE_WS_PING_SECS", default_value_t = 15, global = true)]
    pub ws_ping_secs: u64,
    /// Outgoing messages a websocket may have queued before it is closed as too slow.
    #[arg(long, env = "ADBRIDGE_WS_QUEUE", default_value_t = 256, global = true)]
    pub ws_queue: usize,
    /// Hours a `PENDING` order waits for the influencer before it expires.
    #[arg(long, env = "ADBRIDGE_ANSWER_WINDOW_HOURS", default_value_t = 72, global = true)]
    pub answer_window_hours: u64,
    /// Hours a `COMPLETED` order waits for the advertiser before it is verified automatically.
    #[arg(long, env = "ADBRIDGE_REVIEW_WINDOW_HOURS", default_value_t = 72, global = true)]
    pub review_window_hours: u64,
    /// Hours after an order's first delivery in which both sides may rate it (then the ratings given are published).
    #[arg(long, env = "ADBRIDGE_RATING_WINDOW_HOURS", default_value_t = 336, global = true)]
    pub rating_window_hours: u64,
    /// Seconds between sweeps of due deadlines.
    #[arg(long, env = "ADBRIDGE_SWEEP_SECS", default_value_t = 30, global = true)]
    pub sweep_secs: u64,
    /// How the sandbox payment provider confirms payments.
    #[arg(long, env = "ADBRIDGE_SANDBOX_PAYMENTS", value_enum, default_value_t = SandboxMode::Instant, global = true)]
    pub sandbox_payments: SandboxMode,
    /// Most simultaneous client connections (lowered to fit the open-file limit).
    #[arg(long, env = "ADBRIDGE_MAX_CONNECTIONS", default_value_t = 20_000, global = true)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers.
    #[arg(long, env = "ADBRIDGE_HEADER_TIMEOUT_SECS", default_value_t = 10, global = true)]
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, env = "ADBRIDGE_BODY_TIMEOUT_SECS", default_value_t = 30, global = true)]
    pub body_timeout_secs: u64,
    /// Seconds an idle keep-alive connection stays open between requests.
    #[arg(long, env = "ADBRIDGE_IDLE_TIMEOUT_SECS", default_value_t = 60, global = true)]
    pub idle_timeout_secs: u64,
    /// Seconds a whole request may take, body and answer included (not websockets once upgraded).
    #[arg(long, env = "ADBRIDGE_REQUEST_TIMEOUT_SECS", default_value_t = 60, global = true)]
    pub request_timeout_secs: u64,
    /// Seconds in-flight requests get to finish after SIGTERM or SIGINT.
    #[arg(long, env = "ADBRIDGE_SHUTDOWN_GRACE_SECS", default_value_t = 20, global = true)]
    pub shutdown_grace_secs: u64,
    /// Milliseconds a request waits for a database connection before it is answered 503.
    #[arg(long, env = "ADBRIDGE_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 2000, global = true)]
    pub db_acquire_timeout_ms: u64,
    /// GraphQL requests slower than this many milliseconds are logged as warnings.
    #[arg(long, env = "ADBRIDGE_SLOW_QUERY_MS", default_value_t = 1000, global = true)]
    pub slow_query_ms: u64,
    /// Secret that signs payment webhooks (HMAC-SHA256, at least 16 bytes); unset, the webhook
    /// endpoint refuses every delivery.
    #[arg(long, env = "ADBRIDGE_WEBHOOK_SECRET", global = true, hide_env_values = true)]
    pub webhook_secret: Option<String>,
}

impl Config {
    /// The configuration with every default, as tests and embedders start from.
    pub fn defaults() -> Self {
        Cli::parse_from(["adbridge"]).config
    }

    /// How long a session lives.
    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.session_ttl_hours * 3600)
    }

    /// Whether the database is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}
