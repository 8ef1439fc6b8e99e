//! Conversation: messages, pages and read state, and the rules of who may post.

use crate::domain::Id;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::orders::access::{OrderAccess, Party, status};
use crate::domain::orders::history::{EventKind, NewOrderEvent};
use chrono::{DateTime, Utc};

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
