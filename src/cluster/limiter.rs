//! The rate limiter shared by every instance: fixed windows counted in Redis.
//!
//! One Lua script per hit (`INCRBY`, `PEXPIRE` on the window's first hit, `PTTL`), so a window
//! is created, counted and expired atomically whatever the number of instances. Keys are
//! `adbridge:rl:<database>:<limit>:<hashed key>` and expire with their window. When Redis
//! fails, the instance counts in memory meanwhile (logged, and counted in
//! `adbridge_limiter_fallbacks_total`) rather than refusing everybody or nobody.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::ConnectionManager;

use crate::domain::ratelimit::{Hits, Limit, LimitKey, MemoryLimiter, RateLimiter};

const HIT: &str = r"
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {n, ttl}
";

const UNDO: &str = r"
if redis.call('GET', KEYS[1]) and tonumber(redis.call('GET', KEYS[1])) > 0 then
  redis.call('DECR', KEYS[1])
end
return 0
";

/// Counts in Redis, under a prefix of the instances sharing one database.
pub struct RedisLimiter {
    conn: ConnectionManager,
    prefix: String,
    hit: redis::Script,
    undo: redis::Script,
    fallback: MemoryLimiter,
}

impl RedisLimiter {
    /// A limiter over `conn` whose keys start with `prefix`.
    pub fn new(conn: ConnectionManager, prefix: String) -> Self {
        Self { conn, prefix, hit: redis::Script::new(HIT), undo: redis::Script::new(UNDO), fallback: MemoryLimiter::new() }
    }

    fn key(&self, limit: Limit, key: LimitKey) -> String {
        format!("{}:{}:{}", self.prefix, limit.name, key.hex())
    }
}

fn fell_back(e: &redis::RedisError) {
    metrics::counter!("adbridge_limiter_fallbacks_total").increment(1);
    tracing::warn!(error = %e, "rate limiter: Redis failed; counting in memory meanwhile");
}

#[async_trait]
impl RateLimiter for RedisLimiter {
    async fn hit(&self, limit: Limit, key: LimitKey, n: u32) -> Hits {
        let mut conn = self.conn.clone();
        let window_ms = limit.window.as_millis().max(1) as u64;
        let res: redis::RedisResult<(u64, i64)> = self.hit.key(self.key(limit, key)).arg(n).arg(window_ms).invoke_async(&mut conn).await;
        match res {
            Ok((count, ttl)) => Hits { count, resets_in: Duration::from_millis(ttl.max(0) as u64) },
            Err(e) => {
                fell_back(&e);
                self.fallback.hit(limit, key, n).await
            }
        }
    }

    async fn undo(&self, limit: Limit, key: LimitKey) {
        let mut conn = self.conn.clone();
        let res: redis::RedisResult<i64> = self.undo.key(self.key(limit, key)).invoke_async(&mut conn).await;
        if let Err(e) = res {
            fell_back(&e);
            self.fallback.undo(limit, key).await;
        }
    }

    async fn reset(&self, limit: Limit, key: LimitKey) {
        let mut conn = self.conn.clone();
        let res: redis::RedisResult<i64> = redis::cmd("DEL").arg(self.key(limit, key)).query_async(&mut conn).await;
        if let Err(e) = res {
            fell_back(&e);
            self.fallback.reset(limit, key).await;
        }
    }
}
