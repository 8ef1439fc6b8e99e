//! Rate limits: fixed-window counters behind a port, so that one instance counts in memory and
//! several instances count together (in Redis, `cluster::limiter`).
//!
//! Keys are never stored as given: a [`LimitKey`] is the first 128 bits of the SHA-256 of its
//! parts, so a megabyte email costs 16 bytes in a limiter, and the inputs that reach a limiter
//! are bounded in size before that anyway. Windows expire: the in-memory limiter sweeps
//! expired windows as it grows and never holds more than [`MemoryLimiter::MAX_KEYS`] keys
//! (past that, the windows nearest their end are dropped first), so memory stays bounded
//! whatever the number of distinct keys; Redis expires its keys by itself.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::error::{DomainError, DomainResult};

/// One kind of limit: at most `max` hits per key per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit {
    /// A short name: part of the stored key, so two limits never share a counter.
    pub name: &'static str,
    /// Hits allowed per window.
    pub max: u32,
    /// The window, starting at a key's first hit.
    pub window: Duration,
}

/// A hashed limiter key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LimitKey(pub [u8; 16]);

impl LimitKey {
    /// The key of `parts` (each part is length-prefixed, so `("ab","c")` and `("a","bc")` differ).
    pub fn of(parts: &[&[u8]]) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        let digest = hasher.finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        Self(key)
    }

    /// Lower-case hex, as stored in Redis.
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }
}

/// A key's state after a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hits {
    /// Hits counted in the current window, this one included.
    pub count: u64,
    /// Time left in the current window.
    pub resets_in: Duration,
}

impl Hits {
    /// `RATE_LIMITED` (with the seconds until the window ends) when the count is over `max`.
    pub fn check(self, max: u32) -> DomainResult<()> {
        if self.count > u64::from(max) {
            Err(DomainError::RateLimited { retry_after_secs: self.resets_in.as_secs_f64().ceil().max(1.0) as u64 })
        } else {
            Ok(())
        }
    }
}

/// Counts hits per key in fixed windows (the port; implementations in memory and in Redis).
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Adds `n` hits to `key` under `limit` and returns the key's state. Refused hits count
    /// too (an attacker does not get the refusals for free).
    async fn hit(&self, limit: Limit, key: LimitKey, n: u32) -> Hits;
    /// Takes back one hit (a log-in attempt that turned out not to be a failure).
    async fn undo(&self, limit: Limit, key: LimitKey);
    /// Forgets `key` under `limit`.
    async fn reset(&self, limit: Limit, key: LimitKey);
}

#[derive(Debug, Clone, Copy)]
struct Window {
    ends: Instant,
    count: u64,
}

/// The embedded default: counters in this process's memory.
#[derive(Debug, Default)]
pub struct MemoryLimiter {
    windows: Mutex<Windows>,
}

#[derive(Debug, Default)]
struct Windows {
    map: HashMap<(&'static str, LimitKey), Window>,
    /// The size at which the next sweep of expired windows runs.
    sweep_at: usize,
}

impl MemoryLimiter {
    /// Most keys held at once (about 60 bytes each).
    pub const MAX_KEYS: usize = 200_000;
    const FIRST_SWEEP: usize = 1024;

    /// An empty limiter.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many windows are held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether no window is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Windows> {
        self.windows.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds hits at `now` (the clock is a parameter so that tests can move it).
    pub fn hit_at(&self, limit: Limit, key: LimitKey, n: u32, now: Instant) -> Hits {
        let mut w = self.lock();
        if w.map.len() >= w.sweep_at.max(Self::FIRST_SWEEP) {
            w.map.retain(|_, win| win.ends > now);
            if w.map.len() >= Self::MAX_KEYS {
                // Still full of live windows: drop the half nearest their end.
                let mut ends: Vec<Instant> = w.map.values().map(|win| win.ends).collect();
                let mid = ends.len() / 2;
                let (_, cut, _) = ends.select_nth_unstable(mid);
                let cut = *cut;
                w.map.retain(|_, win| win.ends > cut);
            }
            // Amortised: the next sweep when the map has doubled (bounded by the cap).
            w.sweep_at = (w.map.len() * 2).clamp(Self::FIRST_SWEEP, Self::MAX_KEYS);
        }
        let win = w.map.entry((limit.name, key)).or_insert(Window { ends: now + limit.window, count: 0 });
        if win.ends <= now {
            *win = Window { ends: now + limit.window, count: 0 };
        }
        win.count += u64::from(n);
        Hits { count: win.count, resets_in: win.ends.saturating_duration_since(now) }
    }
}

#[async_trait]
impl RateLimiter for MemoryLimiter {
    async fn hit(&self, limit: Limit, key: LimitKey, n: u32) -> Hits {
        self.hit_at(limit, key, n, Instant::now())
    }

    async fn undo(&self, limit: Limit, key: LimitKey) {
        if let Some(win) = self.lock().map.get_mut(&(limit.name, key)) {
            win.count = win.count.saturating_sub(1);
        }
    }

    async fn reset(&self, limit: Limit, key: LimitKey) {
        self.lock().map.remove(&(limit.name, key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limit = Limit { name: "t", max: 2, window: Duration::from_secs(60) };

    #[tokio::test]
    async fn a_key_over_its_limit_is_refused_and_others_are_not() {
        let limiter = MemoryLimiter::new();
        let (a, b) = (LimitKey::of(&[b"a"]), LimitKey::of(&[b"b"]));
        assert!(limiter.hit(L, a, 1).await.check(L.max).is_ok());
        assert!(limiter.hit(L, a, 1).await.check(L.max).is_ok());
        assert!(matches!(limiter.hit(L, a, 1).await.check(L.max), Err(DomainError::RateLimited { .. })));
        assert!(limiter.hit(L, b, 1).await.check(L.max).is_ok());
        limiter.reset(L, a).await;
        assert!(limiter.hit(L, a, 1).await.check(L.max).is_ok());
    }

    #[test]
    fn a_window_ends_and_its_count_starts_again() {
        let limiter = MemoryLimiter::new();
        let key = LimitKey::of(&[b"k"]);
        let t0 = Instant::now();
        assert_eq!(limiter.hit_at(L, key, 3, t0).count, 3);
        let later = limiter.hit_at(L, key, 1, t0 + Duration::from_secs(61));
        assert_eq!(later.count, 1);
        assert_eq!(later.resets_in, Duration::from_secs(60));
    }

    #[test]
    fn key_parts_are_length_prefixed() {
        assert_ne!(LimitKey::of(&[b"ab", b"c"]), LimitKey::of(&[b"a", b"bc"]));
    }

    #[test]
    fn memory_stays_bounded_under_many_unique_keys() {
        let limiter = MemoryLimiter::new();
        let t0 = Instant::now();
        // Expired windows are swept as the map grows.
        let short = Limit { name: "short", max: 1, window: Duration::from_millis(1) };
        for i in 0u32..300_000 {
            limiter.hit_at(short, LimitKey::of(&[&i.to_le_bytes()]), 1, t0 + Duration::from_millis(u64::from(i) * 2));
        }
        assert!(limiter.len() <= 2 * MemoryLimiter::FIRST_SWEEP, "{} windows held", limiter.len());
        // Live windows never exceed the cap either.
        let long = Limit { name: "long", max: 1, window: Duration::from_secs(3600) };
        for i in 0u32..(MemoryLimiter::MAX_KEYS as u32 + 50_000) {
            limiter.hit_at(long, LimitKey::of(&[b"l", &i.to_le_bytes()]), 1, t0);
            assert!(limiter.len() <= MemoryLimiter::MAX_KEYS);
        }
    }
}
