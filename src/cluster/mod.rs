//! What the instances of one deployment share besides the database: rate-limit counters and
//! session revocations (through Redis with `REDIS_URL`; in this process for the embedded
//! default), and the start-up checks that keep a deployment from trusting what it should not.
//!
//! - [`limiter`]: the limits of `domain::abuse` counted in Redis, so N instances allow the
//!   limit once, not N times.
//! - [`revocations`]: a log-out ends the session's websockets on every instance at once.
//! - [`check_config`]: refuses a webhook secret that shipped in a binary or is too short, and
//!   a malformed `--trusted-proxies`; warns when webhooks are disabled.
//! - [`InstanceLock`]: warns when a second server starts on a SQLite file already served.

pub mod limiter;
pub mod revocations;

use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::domain::abuse::{AbusePolicy, Guard};
use crate::domain::ratelimit::{MemoryLimiter, RateLimiter};
use crate::domain::sessions::SessionEnds;
use crate::http::session_watch::SessionWatch;

/// The development secret earlier versions shipped as the default: refused outright.
const PUBLISHED_SECRET: &str = "adbridge-dev-webhook-secret";
/// Shortest accepted webhook secret, in bytes.
pub const MIN_SECRET_BYTES: usize = 16;

/// The shared machinery of one instance.
pub struct Cluster {
    /// The rate limits and hashing slots.
    pub guard: Arc<Guard>,
    /// Where revoked sessions are announced.
    pub ends: Arc<dyn SessionEnds>,
    /// Held while a SQLite database is served (see [`InstanceLock`]).
    pub instance_lock: Option<InstanceLock>,
}

/// The limits configured by `config`.
pub fn policy(config: &Config) -> AbusePolicy {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    AbusePolicy {
        writes_per_minute: config.writes_per_minute,
        login_per_minute: config.login_per_minute,
        login_failures_per_account_address: config.login_failures_per_account_address,
        login_failures_per_address: config.login_failures_per_address,
        login_slowdown_after: config.login_slowdown_after,
        login_failure_window: Duration::from_secs(config.login_failure_window_secs.max(1)),
        signups_per_hour: config.signups_per_hour,
        argon2_concurrency: if config.argon2_concurrency == 0 { cores } else { config.argon2_concurrency },
    }
}

/// Checks the settings that must never be wrong, and warns about the risky ones.
pub fn check_config(config: &Config) -> anyhow::Result<()> {
    crate::http::client_addr::TrustedProxies::parse(&config.trusted_proxies)?;
    match config.webhook_secret.as_deref() {
        None => tracing::warn!(
            "ADBRIDGE_WEBHOOK_SECRET is unset: POST /webhooks/payments refuses every delivery (403); set a secret of at least {MIN_SECRET_BYTES} bytes to accept them"
        ),
        Some(PUBLISHED_SECRET) => {
            anyhow::bail!("ADBRIDGE_WEBHOOK_SECRET is the published development secret; choose your own (e.g. `openssl rand -hex 32`)")
        }
        Some(s) if s.len() < MIN_SECRET_BYTES => {
            anyhow::bail!("ADBRIDGE_WEBHOOK_SECRET must be at least {MIN_SECRET_BYTES} bytes (e.g. `openssl rand -hex 32`)")
        }
        Some(_) => {}
    }
    Ok(())
}

/// A short name for the instances sharing `database_url` (Redis keys and channels).
pub fn namespace(database_url: &str) -> String {
    hex::encode(&Sha256::digest(database_url.as_bytes())[..8])
}

/// Builds the limiter and the revocation bus: over Redis when `redis` is given (with its URL),
/// in memory otherwise.
pub fn start(config: &Config, redis: Option<(redis::Client, redis::aio::ConnectionManager)>, watch: &Arc<SessionWatch>) -> Cluster {
    let ns = namespace(&config.database_url);
    let (limiter, ends): (Arc<dyn RateLimiter>, Arc<dyn SessionEnds>) = match redis {
        Some((client, conn)) => (
            Arc::new(limiter::RedisLimiter::new(conn.clone(), format!("adbridge:rl:{ns}"))),
            Arc::new(revocations::Revocations::shared(watch, client, conn, format!("adbridge:sessions:{ns}"))),
        ),
        None => (Arc::new(MemoryLimiter::new()), Arc::new(revocations::Revocations::local(watch))),
    };
    let instance_lock = InstanceLock::take(config);
    Cluster { guard: Arc::new(Guard::new(limiter, policy(config))), ends, instance_lock }
}

/// An exclusive advisory lock on `<database file>.instance` while a SQLite database is served:
/// a second server on the same file cannot take it, and warns that its realtime events reach
/// the other's subscribers only through the database poll (and that limits are counted per
/// instance). Released by the operating system when the process ends.
pub struct InstanceLock(#[expect(dead_code, reason = "held for its lock")] std::fs::File);

impl InstanceLock {
    fn take(config: &Config) -> Option<Self> {
        let path = format!("{}.instance", crate::store::sqlite_path(&config.database_url)?);
        let file = match std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path) {
            Ok(file) => file,
            Err(e) => {
                tracing::debug!(error = %e, path, "cannot open the instance lock file");
                return None;
            }
        };
        match file.try_lock() {
            Ok(()) => Some(Self(file)),
            Err(_) => {
                tracing::warn!(
                    database = %config.database_url,
                    "another live instance already serves this SQLite database: realtime events cross instances only through the database poll (every 500 ms), and rate limits are counted per instance; use Postgres and Redis to run several instances"
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_server_on_a_served_sqlite_file_does_not_get_the_instance_lock() {
        let mut config = Config::defaults();
        let path = std::env::temp_dir().join(format!("adbridge-lock-{}.db", rand::random::<u64>()));
        config.database_url = format!("sqlite://{}?mode=rwc", path.display());
        let first = InstanceLock::take(&config);
        assert!(first.is_some(), "the first server holds the lock");
        assert!(InstanceLock::take(&config).is_none(), "the second one is told (and warns)");
        drop(first);
        assert!(InstanceLock::take(&config).is_some(), "released with the first server");
        let _ = std::fs::remove_file(format!("{}.instance", path.display()));
    }

    #[test]
    fn published_and_short_webhook_secrets_are_refused_and_an_unset_one_is_allowed() {
        let mut config = Config::defaults();
        config.webhook_secret = None;
        assert!(check_config(&config).is_ok());
        for bad in [PUBLISHED_SECRET, "short"] {
            config.webhook_secret = Some(bad.into());
            assert!(check_config(&config).is_err(), "{bad}");
        }
        config.webhook_secret = Some("a-long-enough-secret-value".into());
        config.trusted_proxies = vec!["nonsense".into()];
        assert!(check_config(&config).is_err());
    }
}
