//! The Relay `Node` interface and `node(id:)`: any object by its global id.

use async_graphql::{Context, ID, Interface, Object, Result};

use super::accounts::UserNode;
use super::conversation::MessageNode;
use super::drafts::DraftNode;
use super::relay::from_global_any;
use super::{services, viewer};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's opaque global id."))]
pub enum Node {
    /// An account's public profile.
    User(UserNode),
    /// A message of an order's conversation (its parties and admins only).
    Message(MessageNode),
    /// A draft of an order (its parties and admins only).
    Draft(DraftNode),
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
            "Message" => services(ctx).conversation.message(&viewer(ctx), raw).await?.map(|m| Node::Message(MessageNode::new(m))),
            "Draft" => services(ctx).drafts.draft(&viewer(ctx), raw).await?.map(|d| Node::Draft(DraftNode(d))),
            _ => None,
        };
        Ok(node)
    }
}
