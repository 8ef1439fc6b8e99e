//! Account queries: `me`.

use super::types::UserNode;
use crate::graphql::{services, viewer};
use async_graphql::{Context, Object, Result};

/// Account queries.
#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in account; `null` for an anonymous caller (no token), so that a frontend
    /// can ask "who am I" without handling an error. A token that is sent but invalid is
    /// refused before execution (HTTP 401).
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        let viewer = viewer(ctx);
        if viewer.user_id().is_none() {
            return Ok(None);
        }
        Ok(Some(UserNode::public(services(ctx).accounts.me(&viewer).await?)))
    }
}
