//! Catalogue queries: `adSpace(id)` and `influencer(id)` (discovery, `adSpaces`, is in [`super::discovery`]).

use crate::domain::accounts::Role;
use crate::graphql::accounts::UserNode;
use crate::graphql::catalogue::AdSpaceNode;
use crate::graphql::relay::from_global;
use crate::graphql::services;
use async_graphql::{Context, ID, Object, Result};

/// Catalogue queries (besides discovery).
#[derive(Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// An ad space by id, archived or not; `null` when it does not exist.
    async fn ad_space(&self, ctx: &Context<'_>, id: ID) -> Result<Option<AdSpaceNode>> {
        let id = from_global("id", "AdSpace", &id)?;
        Ok(services(ctx).catalogue.ad_space(id).await?.map(AdSpaceNode))
    }

    /// An influencer's public profile; `null` when the id is not an influencer's.
    async fn influencer(&self, ctx: &Context<'_>, id: ID) -> Result<Option<UserNode>> {
        let id = from_global("id", "User", &id)?;
        let user = services(ctx).accounts.user(id).await?;
        Ok(user.filter(|u| u.role == Role::Influencer).map(UserNode::public))
    }
}
