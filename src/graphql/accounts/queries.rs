//! Account queries: `me`.

use super::types::UserNode;
use crate::graphql::{services, viewer};
use async_graphql::{Context, Object, Result};

/// Account queries.
#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in account.
    async fn me(&self, ctx: &Context<'_>) -> Result<UserNode> {
        Ok(UserNode::public(services(ctx).accounts.me(&viewer(ctx)).await?))
    }
}
