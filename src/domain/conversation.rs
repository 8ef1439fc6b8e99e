//! The conversation of an order: messages between its two parties, read cursors and unread counts.
//!
//! Decisions (see also the README):
//! - Either party may post in **every** status, terminal ones included. The conversation is
//!   never closed: a cancelled, refunded or verified order still has questions (an invoice, a
//!   dispute, a repeat booking), support reads it as the record of what was agreed, and closing it
//!   would need a timer for no protection that the per-viewer write rate limit does not give.
//! - Admins read every conversation, and post as themselves only while the order is `ON_HOLD`
//!   (when they are arbitrating), so that staff never speak for a party.
//! - Messages are ordered by id (commit order under the store's write lock), newest last; pages
//!   are keyset ranges over `(order_id, id)`, so the latest page and one far back cost the same.
//! - A read cursor is kept per (order, user) and only moves forward. Unread = messages of others
//!   after the cursor; one's own messages are never unread.
//! - Attachments arrive with the files issue: they will be rows of their own referring to a
//!   message id (`message_attachments`), so `Message` and the `messages` table stay as they are
//!   and a message may then have an empty body when it carries files.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::clock::Clock;
use super::error::{DomainError, DomainResult};
use super::events::{EventKind, EventSink, NewOrderEvent, OrderEvent};
use super::order_access::{self, OrderAccess, OrderAccessRepo, OrderCheck, Party, status};
use super::{Id, Viewer, values};

/// Longest message body, in characters (after trimming).
pub const MAX_BODY_CHARS: usize = 4000;

/// Default page size of a conversation.
pub const DEFAULT_PAGE: usize = 20;

/// One message of an order's conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Primary key; increases with time within an order.
    pub id: Id,
    /// The order.
    pub order_id: Id,
    /// Who wrote it.
    pub author_id: Id,
    /// The trimmed text.
    pub body: String,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
}

/// A message to store.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// The order.
    pub order_id: Id,
    /// The author.
    pub author_id: Id,
    /// The checked body.
    pub body: String,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Which slice of a conversation to read: messages strictly between `after` and `before`,
/// `limit` of them from the start (`from_end == false`) or from the end of that range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Exclusive lower bound (a message id).
    pub after: Option<Id>,
    /// Exclusive upper bound (a message id).
    pub before: Option<Id>,
    /// How many messages.
    pub limit: usize,
    /// Take the newest of the range (`last`) instead of the oldest (`first`).
    pub from_end: bool,
}

impl Window {
    /// Builds a window from Relay arguments. With neither `first` nor `last`, the latest
    /// [`DEFAULT_PAGE`] messages (or the first ones after `after`): a chat opens at its end.
    pub fn new(first: Option<usize>, after: Option<Id>, last: Option<usize>, before: Option<Id>) -> DomainResult<Self> {
        let (limit, from_end) = match (first, last) {
            (Some(_), Some(_)) => return Err(DomainError::bad_input("last", "pass either first or last, not both")),
            (Some(n), None) => (n, false),
            (None, Some(n)) => (n, true),
            (None, None) => (DEFAULT_PAGE, after.is_none()),
        };
        Ok(Self { after, before, limit, from_end })
    }
}

/// A page of messages, oldest first, with whether more exist on either side.
#[derive(Debug, Clone, Default)]
pub struct MessagePage {
    /// The messages, oldest first.
    pub messages: Vec<Message>,
    /// Older messages exist before the first one.
    pub has_previous: bool,
    /// Newer messages exist after the last one.
    pub has_next: bool,
}

/// Where a viewer's reading of a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadState {
    /// The last message read (0 before any).
    pub last_read_message_id: Id,
    /// Messages of others after it.
    pub unread: i64,
}

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

/// The `MESSAGE_POSTED` event of a message (also used by `placeOrder` for message #1).
pub fn message_posted(message: &Message) -> NewOrderEvent {
    NewOrderEvent::new(EventKind::MessagePosted, Some(message.author_id), serde_json::json!({ "messageId": message.id }))
}

/// Whether `party` may post on `order` now.
pub fn may_post(order: &OrderAccess, party: Party) -> DomainResult<()> {
    match party {
        Party::Advertiser | Party::Influencer => Ok(()),
        Party::Admin if status::is_on_hold(&order.status) => Ok(()),
        Party::Admin => {
            Err(DomainError::forbidden(format!("admins may post only on orders that are ON_HOLD; this one is {}", order.status)))
        }
    }
}

/// Messages, read cursors and unread counts.
pub struct ConversationService {
    repo: Arc<dyn ConversationRepo>,
    clock: Arc<dyn Clock>,
    sink: Arc<dyn EventSink>,
}

impl ConversationService {
    /// Builds the service over its ports.
    pub fn new(repo: Arc<dyn ConversationRepo>, clock: Arc<dyn Clock>, sink: Arc<dyn EventSink>) -> Self {
        Self { repo, clock, sink }
    }

    /// Posts `body` on the order as the viewer.
    #[tracing::instrument(skip(self, body))]
    pub async fn send(&self, viewer: &Viewer, order_id: Id, body: &str) -> DomainResult<Message> {
        let (order, user, party) = order_access::load(&*self.repo, viewer, order_id).await?;
        let body = values::text("body", body, 1, MAX_BODY_CHARS)?;
        may_post(&order, party)?;
        let check = move |o: &OrderAccess| may_post(o, party);
        let new = NewMessage { order_id, author_id: user, body, now: self.clock.now() };
        let (message, event) = self.repo.post_message(new, &check).await?;
        self.sink.committed(&[event]);
        Ok(message)
    }

    /// A page of the order's conversation, oldest first.
    pub async fn messages(&self, viewer: &Viewer, order_id: Id, window: Window) -> DomainResult<MessagePage> {
        order_access::load(&*self.repo, viewer, order_id).await?;
        self.repo.messages(order_id, window).await
    }

    /// A message, when the viewer may read its order (`None` otherwise).
    pub async fn message(&self, viewer: &Viewer, id: Id) -> DomainResult<Option<Message>> {
        let Some(message) = self.repo.message(id).await? else { return Ok(None) };
        match order_access::load(&*self.repo, viewer, message.order_id).await {
            Ok(_) => Ok(Some(message)),
            Err(DomainError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Moves the viewer's read cursor forward to `up_to` (a message of this order); a cursor
    /// already further stays where it is.
    #[tracing::instrument(skip(self))]
    pub async fn mark_read(&self, viewer: &Viewer, order_id: Id, up_to: Id) -> DomainResult<ReadState> {
        let (_, user, _) = order_access::load(&*self.repo, viewer, order_id).await?;
        match self.repo.message(up_to).await? {
            Some(m) if m.order_id == order_id => {}
            _ => return Err(DomainError::bad_input("upTo", "is not a message of this order")),
        }
        self.repo.advance_cursor(order_id, user, up_to).await?;
        self.repo.read_state(order_id, user).await
    }

    /// The viewer's read cursor and unread count on the order.
    pub async fn read_state(&self, viewer: &Viewer, order_id: Id) -> DomainResult<ReadState> {
        let (_, user, _) = order_access::load(&*self.repo, viewer, order_id).await?;
        self.repo.read_state(order_id, user).await
    }

    /// Unread messages over all of the viewer's orders.
    pub async fn total_unread(&self, viewer: &Viewer) -> DomainResult<i64> {
        let (user, _) = viewer.require()?;
        self.repo.total_unread(user).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_defaults_to_the_latest_page_and_refuses_first_with_last() {
        assert_eq!(Window::new(None, None, None, None).unwrap(), Window { after: None, before: None, limit: 20, from_end: true });
        assert_eq!(Window::new(None, Some(5), None, None).unwrap(), Window { after: Some(5), before: None, limit: 20, from_end: false });
        assert_eq!(Window::new(Some(3), None, None, Some(9)).unwrap(), Window { after: None, before: Some(9), limit: 3, from_end: false });
        assert!(matches!(Window::new(Some(1), None, Some(1), None), Err(DomainError::BadInput { .. })));
    }

    #[test]
    fn admins_post_only_on_orders_on_hold() {
        let mut order = OrderAccess {
            id: 1,
            advertiser_id: 2,
            influencer_id: 3,
            status: "PROCESSING".into(),
            revisions_included: 0,
            revisions_extra: 0,
            revisions_used: 0,
        };
        assert!(may_post(&order, Party::Advertiser).is_ok());
        assert!(may_post(&order, Party::Influencer).is_ok());
        assert!(matches!(may_post(&order, Party::Admin), Err(DomainError::Forbidden(_))));
        order.status = "ON_HOLD".into();
        assert!(may_post(&order, Party::Admin).is_ok());
    }
}
