//! The Relay `Node` interface and `node(id:)`: any object by its global id.

use async_graphql::{Context, ID, Interface, Object, Result};

use super::accounts::UserNode;
use super::catalogue::{AdSpaceNode, ChannelNode};
use super::conversation::MessageNode;
use super::drafts::DraftNode;
use super::orders::OrderEventNode;
use super::orders::OrderNode;
use super::orders::PaymentNode;
use super::relay::from_global_any;
use super::{services, viewer};
use crate::domain::{DomainError, DomainResult};

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
    /// An order (its parties and admins only).
    Order(OrderNode),
    /// A payment (its order's parties and admins only).
    Payment(PaymentNode),
    /// An influencer's channel.
    Channel(ChannelNode),
    /// An advertising space.
    AdSpace(AdSpaceNode),
    /// An entry of an order's history (its order's parties and admins only).
    OrderEvent(OrderEventNode),
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
            "Order" => visible(services(ctx).orders.order(&viewer(ctx), raw).await)?.map(Node::Order),
            "Payment" => visible(services(ctx).orders.payment(&viewer(ctx), raw).await)?.map(Node::Payment),
            "Channel" => services(ctx).catalogue.channel(raw).await?.map(|c| Node::Channel(ChannelNode(c))),
            "AdSpace" => services(ctx).catalogue.ad_space(raw).await?.map(|s| Node::AdSpace(AdSpaceNode(s))),
            "OrderEvent" => visible(services(ctx).orders.order_event(&viewer(ctx), raw).await)?.map(Node::OrderEvent),
            _ => None,
        };
        Ok(node)
    }
}

/// `null` for what the viewer may not see (or that does not exist); other errors pass.
fn visible<T, N: From<T>>(found: DomainResult<T>) -> DomainResult<Option<N>> {
    match found {
        Ok(v) => Ok(Some(v.into())),
        Err(DomainError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
