//! Conversation: the storage port.

use super::model::{Message, MessagePage, NewMessage, ReadState, Window};
use crate::domain::Id;
use crate::domain::error::DomainResult;
use crate::domain::orders::access::{OrderAccessRepo, OrderCheck};
use crate::domain::orders::history::OrderEvent;
use async_trait::async_trait;

/// Storage of conversations.
#[async_trait]
pub trait ConversationRepo: OrderAccessRepo {
    /// Inserts the message and appends its `MESSAGE_POSTED` event in one transaction, after
    /// `check` passed on the locked order.
    async fn post_message(&self, new: NewMessage, check: OrderCheck<'_>) -> DomainResult<(Message, OrderEvent)>;
    /// One page of an order's messages.
    async fn messages(&self, order_id: Id, window: Window) -> DomainResult<MessagePage>;
    /// A message by id.
    async fn message(&self, id: Id) -> DomainResult<Option<Message>>;
    /// Moves the user's cursor on the order to `up_to` unless it is already further; returns
    /// the cursor as it now is.
    async fn advance_cursor(&self, order_id: Id, user_id: Id, up_to: Id) -> DomainResult<Id>;
    /// The user's cursor on the order (0 when none) and the messages of others after it.
    async fn read_state(&self, order_id: Id, user_id: Id) -> DomainResult<ReadState>;
    /// Unread messages over every order where the user is a party.
    async fn total_unread(&self, user_id: Id) -> DomainResult<i64>;
}
