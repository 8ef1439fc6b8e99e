//! Conversation mutations: `sendMessage`, `markMessagesRead`.

use super::types::MessageNode;
use crate::domain::DomainError;
use crate::graphql::relay::{from_global, to_global};
use crate::graphql::{services, viewer};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

/// Input of `sendMessage`.
#[derive(InputObject)]
pub struct SendMessageInput {
    /// The order.
    pub order_id: ID,
    /// The text: trimmed, 1 to 4000 characters.
    pub body: String,
}

/// Result of `sendMessage`.
#[derive(SimpleObject)]
pub struct SendMessagePayload {
    /// The new message.
    pub message: MessageNode,
}

/// Input of `markMessagesRead`.
#[derive(InputObject)]
pub struct MarkMessagesReadInput {
    /// The order.
    pub order_id: ID,
    /// The last message read (a `Message` id of this order). The cursor never moves back.
    pub up_to: ID,
}

/// Result of `markMessagesRead`.
#[derive(SimpleObject)]
pub struct MarkMessagesReadPayload {
    /// The viewer's read cursor after the call (unchanged when it was already further).
    pub last_read_message_id: ID,
    /// Messages of others still unread on this order.
    pub unread_count: i64,
}

/// Conversation mutations.
#[derive(Default)]
pub struct ConversationMutation;

#[Object]
impl ConversationMutation {
    /// Posts a message on an order, as one of its parties (or as an admin on an order on hold).
    async fn send_message(&self, ctx: &Context<'_>, input: SendMessageInput) -> Result<SendMessagePayload> {
        let order_id = from_global("orderId", "Order", &input.order_id)?;
        let message = services(ctx).conversation.send(&viewer(ctx), order_id, &input.body).await?;
        Ok(SendMessagePayload { message: MessageNode::new(message) })
    }

    /// Moves the viewer's read cursor on an order forward to `upTo`.
    async fn mark_messages_read(&self, ctx: &Context<'_>, input: MarkMessagesReadInput) -> Result<MarkMessagesReadPayload> {
        let order_id = from_global("orderId", "Order", &input.order_id)?;
        let up_to = from_global("upTo", "Message", &input.up_to).map_err(|_| DomainError::bad_input("upTo", "is not a message id"))?;
        let state = services(ctx).conversation.mark_read(&viewer(ctx), order_id, up_to).await?;
        Ok(MarkMessagesReadPayload { last_read_message_id: to_global("Message", state.last_read_message_id), unread_count: state.unread })
    }
}
