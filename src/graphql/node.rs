//! The Relay `Node` interface and `node(id:)`: any object by its global id.

use async_graphql::{Context, ID, Interface, Object, Result};

use super::accounts::UserNode;
use super::catalogue::{AdSpaceNode, ChannelNode};
use super::relay::from_global_any;
use super::services;

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's opaque global id."))]
pub enum Node {
    /// An account's public profile.
    User(UserNode),
    /// An influencer's channel.
    Channel(ChannelNode),
    /// An advertising space.
    AdSpace(AdSpaceNode),
}

/// `node(id:)`.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id; `null` when it does not exist or is not visible.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let (type_name, raw) = from_global_any("id", &id)?;
        let node = match type_name.as_str() {
            "User" => services(ctx).accounts.user(raw).await?.map(|u| Node::User(UserNode::public(u))),
            "Channel" => services(ctx).catalogue.channel(raw).await?.map(|c| Node::Channel(ChannelNode(c))),
            "AdSpace" => services(ctx).catalogue.ad_space(raw).await?.map(|s| Node::AdSpace(AdSpaceNode(s))),
            _ => None,
        };
        Ok(node)
    }
}
