//! Conversation as GraphQL: the `Message` type and the order's message pages and unread counts.

use crate::domain::accounts::User;
use crate::domain::conversation::{DEFAULT_PAGE, Message, Window};
use crate::domain::{DomainError, DomainResult, Id};
use crate::graphql::accounts::UserNode;
use crate::graphql::relay::{decode_cursor, encode_cursor, page_size, to_global};
use crate::graphql::{services, viewer};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;

/// A message of an order's conversation.
pub struct MessageNode {
    message: Message,
    author: Option<User>,
}

impl MessageNode {
    /// A message whose author is loaded when asked for.
    pub fn new(message: Message) -> Self {
        Self { message, author: None }
    }
}

#[Object(name = "Message")]
impl MessageNode {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global("Message", self.message.id)
    }
    /// The trimmed text (1–4000 characters).
    async fn body(&self) -> &str {
        &self.message.body
    }
    /// When it was posted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.message.created_at
    }
    /// Who wrote it (a party of the order, or an admin while the order was on hold).
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        let author = match &self.author {
            Some(u) => Some(u.clone()),
            None => services(ctx).accounts.user(self.message.author_id).await?,
        };
        Ok(author.map(UserNode::public))
    }
    /// Whether the viewer wrote it.
    async fn mine(&self, ctx: &Context<'_>) -> bool {
        viewer(ctx).user_id() == Some(self.message.author_id)
    }
}

/// A page of messages, oldest first (newest last, as a chat shows them).
pub type MessageConnection = Connection<String, MessageNode>;

fn cursor_of(id: Id) -> String {
    encode_cursor(&json!({ "m": id }))
}

fn message_id_of(field: &str, cursor: Option<&str>) -> DomainResult<Option<Id>> {
    let Some(cursor) = cursor else { return Ok(None) };
    let value = decode_cursor(field, cursor)?;
    value
        .get("m")
        .and_then(serde_json::Value::as_i64)
        .filter(|id| *id > 0)
        .map(Some)
        .ok_or_else(|| DomainError::bad_input(field, "is not a valid cursor"))
}

/// `Order.messages`: one keyset page of the conversation. With neither `first` nor `last`, the
/// latest 20 messages; `last`/`before` walk back through history, `first`/`after` forward.
pub async fn order_messages(
    ctx: &Context<'_>,
    order_id: Id,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<MessageConnection> {
    let first = first.map(|n| page_size("first", Some(n), DEFAULT_PAGE)).transpose()?;
    let last = last.map(|n| page_size("last", Some(n), DEFAULT_PAGE)).transpose()?;
    let window = Window::new(first, message_id_of("after", after.as_deref())?, last, message_id_of("before", before.as_deref())?)?;
    let s = services(ctx);
    let page = s.conversation.messages(&viewer(ctx), order_id, window).await?;
    let mut author_ids: Vec<Id> = page.messages.iter().map(|m| m.author_id).collect();
    author_ids.sort_unstable();
    author_ids.dedup();
    let authors: HashMap<Id, User> = s.accounts.users(&author_ids).await?.into_iter().map(|u| (u.id, u)).collect();
    let mut connection = Connection::new(page.has_previous, page.has_next);
    connection.edges.extend(page.messages.into_iter().map(|m| {
        let author = authors.get(&m.author_id).cloned();
        Edge::new(cursor_of(m.id), MessageNode { message: m, author })
    }));
    Ok(connection)
}

/// `Order.unreadCount`: messages of others after the viewer's read cursor.
pub async fn order_unread_count(ctx: &Context<'_>, order_id: Id) -> Result<i64> {
    Ok(services(ctx).conversation.read_state(&viewer(ctx), order_id).await?.unread)
}
