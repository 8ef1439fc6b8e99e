//! Limits that protect accounts and the server without locking people out.
//!
//! - **Writes**: every mutation field of a document counts against its viewer (or, anonymous,
//!   its client address), aliases included: a document of 100 aliased `sendMessage` is 100
//!   writes.
//! - **Password hashing** (argon2id, ~20 MiB and tens of milliseconds each) is the costliest
//!   thing a client can ask for: at most `argon2_concurrency` hashes run at once per instance,
//!   at most [`HASH_QUEUE`] more wait (beyond that `RATE_LIMITED`), and each client address may
//!   start `signups_per_hour` sign-ups and `login_per_minute` log-ins.
//! - **Log-in failures** are counted per (account, address) and per address, never per account
//!   alone: an attacker who fails ten times on a victim's account locks only themselves out, and
//!   the victim logs in from their own address. Failures on one account from every address
//!   together only *slow* attempts on it down (a pause before the password is checked, one
//!   second per failure beyond `login_slowdown_after`, at most [`MAX_SLOWDOWN`]): the right
//!   password still works, from anywhere. A success clears its (account, address) count.
//!
//! Counters live behind the [`RateLimiter`] port: in memory for one instance, in Redis (shared
//! by every instance) with `REDIS_URL`. Every key is a hash, and inputs are bounded in size
//! before they reach a limiter (see `accounts`).

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::error::{DomainError, DomainResult};
use super::ratelimit::{Limit, LimitKey, RateLimiter};
use super::viewer::Viewer;

/// Hashes waiting for a hashing slot, per instance, beyond which a request is refused at once.
pub const HASH_QUEUE: usize = 64;
/// The longest pause before checking the password of an account under attack.
pub const MAX_SLOWDOWN: Duration = Duration::from_secs(5);

/// The numbers of every limit (flags in `config.rs`, defaults in the README).
#[derive(Debug, Clone, Copy)]
pub struct AbusePolicy {
    /// Mutation fields per viewer (or anonymous address) per minute.
    pub writes_per_minute: u32,
    /// Log-in attempts per client address per minute.
    pub login_per_minute: u32,
    /// Failed log-ins per (account, address) per failure window.
    pub login_failures_per_account_address: u32,
    /// Failed log-ins per address (any account) per failure window.
    pub login_failures_per_address: u32,
    /// Failures on one account (from every address) after which its attempts slow down.
    pub login_slowdown_after: u32,
    /// The window of the failure counts.
    pub login_failure_window: Duration,
    /// Sign-ups per client address per hour.
    pub signups_per_hour: u32,
    /// Password hashes computed at once per instance.
    pub argon2_concurrency: usize,
}

impl AbusePolicy {
    fn writes(&self) -> Limit {
        Limit { name: "writes", max: self.writes_per_minute, window: Duration::from_secs(60) }
    }
    fn login_attempts(&self) -> Limit {
        Limit { name: "login", max: self.login_per_minute, window: Duration::from_secs(60) }
    }
    fn account_address_failures(&self) -> Limit {
        Limit { name: "login-fail-acct-addr", max: self.login_failures_per_account_address, window: self.login_failure_window }
    }
    fn address_failures(&self) -> Limit {
        Limit { name: "login-fail-addr", max: self.login_failures_per_address, window: self.login_failure_window }
    }
    fn account_failures(&self) -> Limit {
        Limit { name: "login-fail-acct", max: self.login_slowdown_after, window: self.login_failure_window }
    }
    fn signups(&self) -> Limit {
        Limit { name: "signup", max: self.signups_per_hour, window: Duration::from_secs(3600) }
    }
}

/// The limits, over one limiter, and the hashing slots of this instance.
pub struct Guard {
    limiter: Arc<dyn RateLimiter>,
    policy: AbusePolicy,
    hashing: Semaphore,
    waiting: AtomicUsize,
}

/// A log-in attempt admitted by [`Guard::log_in_attempt`]; report its outcome with
/// [`Guard::log_in_outcome`].
#[must_use]
pub struct LoginAttempt {
    account_address: LimitKey,
    address: LimitKey,
    account: LimitKey,
}

/// The limiter key of a client address: IPv6 clients are keyed by their /64 (one host usually
/// has a whole /64 to itself), unknown addresses share one key.
fn address_part(addr: Option<IpAddr>) -> Vec<u8> {
    match addr.map(|a| a.to_canonical()) {
        Some(IpAddr::V4(v4)) => v4.octets().to_vec(),
        Some(IpAddr::V6(v6)) => v6.octets()[..8].to_vec(),
        None => b"unknown".to_vec(),
    }
}

impl Guard {
    /// A guard counting on `limiter`.
    pub fn new(limiter: Arc<dyn RateLimiter>, policy: AbusePolicy) -> Self {
        let slots = policy.argon2_concurrency.max(1);
        Self { limiter, policy, hashing: Semaphore::new(slots), waiting: AtomicUsize::new(0) }
    }

    /// The limits in force.
    pub fn policy(&self) -> &AbusePolicy {
        &self.policy
    }

    /// Counts `fields` mutation fields against the viewer, or against `addr` when anonymous.
    pub async fn writes(&self, viewer: &Viewer, addr: Option<IpAddr>, fields: u32) -> DomainResult<()> {
        let key = match viewer.user_id() {
            Some(id) => LimitKey::of(&[b"user", &id.to_le_bytes()]),
            None => LimitKey::of(&[b"addr", &address_part(addr)]),
        };
        let limit = self.policy.writes();
        self.limiter.hit(limit, key, fields).await.check(limit.max)
    }

    /// Counts a sign-up from `addr`.
    pub async fn sign_up(&self, addr: Option<IpAddr>) -> DomainResult<()> {
        let limit = self.policy.signups();
        self.limiter.hit(limit, LimitKey::of(&[&address_part(addr)]), 1).await.check(limit.max)
    }

    /// Admits a log-in attempt on `email` (already normalised and bounded) from `addr`, or
    /// refuses it; waits first when the account is under attack.
    pub async fn log_in_attempt(&self, email: &str, addr: Option<IpAddr>) -> DomainResult<LoginAttempt> {
        let address = address_part(addr);
        let attempt = LoginAttempt {
            account_address: LimitKey::of(&[email.as_bytes(), &address]),
            address: LimitKey::of(&[&address]),
            account: LimitKey::of(&[email.as_bytes()]),
        };
        let p = &self.policy;
        let attempts = p.login_attempts();
        self.limiter.hit(attempts, attempt.address, 1).await.check(attempts.max)?;
        // Each attempt counts as a failure until it succeeds, so that parallel attempts cannot
        // all pass the check before any of them fails.
        let (aa, a, acct) = (p.account_address_failures(), p.address_failures(), p.account_failures());
        let refused = |e: DomainError| {
            metrics::counter!("adbridge_login_refused_total").increment(1);
            e
        };
        self.limiter.hit(aa, attempt.account_address, 1).await.check(aa.max).map_err(refused)?;
        self.limiter.hit(a, attempt.address, 1).await.check(a.max).map_err(refused)?;
        let failures = self.limiter.hit(acct, attempt.account, 1).await.count.saturating_sub(1);
        let excess = failures.saturating_sub(u64::from(acct.max));
        if excess > 0 {
            metrics::counter!("adbridge_login_slowed_total").increment(1);
            tokio::time::sleep(Duration::from_secs(excess).min(MAX_SLOWDOWN)).await;
        }
        Ok(attempt)
    }

    /// Records how an admitted attempt ended: a success clears its (account, address) count and
    /// takes its provisional failure back.
    pub async fn log_in_outcome(&self, attempt: LoginAttempt, success: bool) {
        if success {
            let p = &self.policy;
            self.limiter.reset(p.account_address_failures(), attempt.account_address).await;
            self.limiter.undo(p.address_failures(), attempt.address).await;
            self.limiter.undo(p.account_failures(), attempt.account).await;
        }
    }

    /// Runs a password hash or verification on a blocking thread, at most
    /// `argon2_concurrency` at once; `RATE_LIMITED` when [`HASH_QUEUE`] are already waiting.
    pub async fn hash<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> DomainResult<T> {
        let permit = match self.hashing.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                let waiting = Waiting::enter(&self.waiting).ok_or_else(|| {
                    metrics::counter!("adbridge_hash_queue_full_total").increment(1);
                    DomainError::RateLimited { retry_after_secs: 1 }
                })?;
                let permit = self.hashing.acquire().await.map_err(DomainError::internal)?;
                drop(waiting);
                permit
            }
        };
        let out = tokio::task::spawn_blocking(work).await.map_err(DomainError::internal);
        drop(permit);
        out
    }
}

/// One hash waiting for a slot (counted while the request waits, even if it is dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize) -> Option<Self> {
        if count.fetch_add(1, Ordering::AcqRel) >= HASH_QUEUE {
            count.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Self(count))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::domain::ratelimit::MemoryLimiter;

    fn policy(slots: usize) -> AbusePolicy {
        AbusePolicy {
            writes_per_minute: 10,
            login_per_minute: 10,
            login_failures_per_account_address: 10,
            login_failures_per_address: 10,
            login_slowdown_after: 10,
            login_failure_window: Duration::from_secs(60),
            signups_per_hour: 10,
            argon2_concurrency: slots,
        }
    }

    async fn until(what: impl Fn() -> bool) {
        for _ in 0..500 {
            if what() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("timed out");
    }

    #[tokio::test]
    async fn hashes_beyond_the_slots_and_the_queue_are_refused_at_once() {
        let guard = Arc::new(Guard::new(Arc::new(MemoryLimiter::new()), policy(1)));
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let blocked = Arc::new(Mutex::new(blocked));
        let holder = {
            let (g, blocked) = (guard.clone(), blocked.clone());
            tokio::spawn(async move { g.hash(move || blocked.lock().unwrap().recv().is_ok()).await })
        };
        until(|| guard.hashing.available_permits() == 0).await;
        let waiters: Vec<_> = (0..HASH_QUEUE)
            .map(|_| {
                let g = guard.clone();
                tokio::spawn(async move { g.hash(|| ()).await })
            })
            .collect();
        until(|| guard.waiting.load(Ordering::Acquire) == HASH_QUEUE).await;
        assert!(matches!(guard.hash(|| ()).await, Err(DomainError::RateLimited { retry_after_secs: 1 })));
        release.send(()).unwrap();
        assert!(holder.await.unwrap().unwrap());
        for w in waiters {
            w.await.unwrap().unwrap();
        }
        assert_eq!(guard.waiting.load(Ordering::Acquire), 0);
    }
}
