//! A fixed-window rate limiter keyed by string (per email, per address, per user).
//!
//! In memory and per instance: with several instances the effective limit is the per-instance
//! limit times the number of instances, which is acceptable for brute-force protection.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::{DomainError, DomainResult};

/// Counts hits per key within a fixed window.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    hits: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// Allows `limit` hits per key per `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self { limit, window, hits: Mutex::new(HashMap::new()) }
    }

    /// Records one hit on `key`, or `RATE_LIMITED` when the key is over its limit.
    pub fn hit(&self, key: &str) -> DomainResult<()> {
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        if hits.len() > 100_000 {
            let window = self.window;
            hits.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = hits.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let retry = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(DomainError::RateLimited { retry_after_secs: retry.as_secs().max(1) });
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_over_its_limit_is_refused_and_others_are_not() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        assert!(limiter.hit("a").is_ok());
        assert!(limiter.hit("a").is_ok());
        assert!(matches!(limiter.hit("a"), Err(DomainError::RateLimited { .. })));
        assert!(limiter.hit("b").is_ok());
    }
}
