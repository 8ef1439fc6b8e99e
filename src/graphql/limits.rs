//! Rate limit on writes: an extension that counts each mutation against its viewer (or, for
//! anonymous callers, their address) before it executes.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ServerError, ServerResult, Variables};

use super::ClientAddr;
use crate::domain::ratelimit::RateLimiter;
use crate::domain::{DomainError, Viewer};

/// Limits mutations per viewer per minute.
pub struct WriteRateLimit {
    limiter: Arc<RateLimiter>,
}

impl WriteRateLimit {
    /// Allows `per_minute` mutations per viewer.
    pub fn new(per_minute: u32) -> Self {
        Self { limiter: Arc::new(RateLimiter::new(per_minute, Duration::from_secs(60))) }
    }
}

impl ExtensionFactory for WriteRateLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(WriteRateLimitExtension { limiter: self.limiter.clone() })
    }
}

struct WriteRateLimitExtension {
    limiter: Arc<RateLimiter>,
}

#[async_trait::async_trait]
impl Extension for WriteRateLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let writes = doc.operations.iter().any(|(_, op)| op.node.ty == OperationType::Mutation);
        if writes {
            let key = match ctx.data_opt::<Viewer>().and_then(Viewer::user_id) {
                Some(id) => format!("user:{id}"),
                None => format!("addr:{}", ctx.data_opt::<ClientAddr>().map(|a| a.0.to_string()).unwrap_or_default()),
            };
            if let Err(err) = self.limiter.hit(&key) {
                let DomainError::RateLimited { retry_after_secs } = err else { return Ok(doc) };
                let mut e = ServerError::new(format!("too many writes, retry in {retry_after_secs} s"), None);
                let ext = e.extensions.get_or_insert_with(Default::default);
                ext.set("code", "RATE_LIMITED");
                ext.set("retryAfterSeconds", retry_after_secs);
                return Err(e);
            }
        }
        Ok(doc)
    }
}
