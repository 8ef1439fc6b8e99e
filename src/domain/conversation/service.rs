//! Conversation: the service that posts, pages and marks messages read.

use super::model::{MAX_BODY_CHARS, Message, MessagePage, NewMessage, ReadState, Window, may_post};
use super::repo::ConversationRepo;
use crate::domain::clock::Clock;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::orders::access::{self, OrderAccess};
use crate::domain::orders::history::EventSink;
use crate::domain::{Id, Viewer, values};
use std::sync::Arc;

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
        let (order, user, party) = access::load(&*self.repo, viewer, order_id).await?;
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
        access::load(&*self.repo, viewer, order_id).await?;
        self.repo.messages(order_id, window).await
    }

    /// A message, when the viewer may read its order (`None` otherwise).
    pub async fn message(&self, viewer: &Viewer, id: Id) -> DomainResult<Option<Message>> {
        let Some(message) = self.repo.message(id).await? else { return Ok(None) };
        match access::load(&*self.repo, viewer, message.order_id).await {
            Ok(_) => Ok(Some(message)),
            Err(DomainError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Moves the viewer's read cursor forward to `up_to` (a message of this order); a cursor
    /// already further stays where it is.
    #[tracing::instrument(skip(self))]
    pub async fn mark_read(&self, viewer: &Viewer, order_id: Id, up_to: Id) -> DomainResult<ReadState> {
        let (_, user, _) = access::load(&*self.repo, viewer, order_id).await?;
        match self.repo.message(up_to).await? {
            Some(m) if m.order_id == order_id => {}
            _ => return Err(DomainError::bad_input("upTo", "is not a message of this order")),
        }
        self.repo.advance_cursor(order_id, user, up_to).await?;
        self.repo.read_state(order_id, user).await
    }

    /// The viewer's read cursor and unread count on the order.
    pub async fn read_state(&self, viewer: &Viewer, order_id: Id) -> DomainResult<ReadState> {
        let (_, user, _) = access::load(&*self.repo, viewer, order_id).await?;
        self.repo.read_state(order_id, user).await
    }

    /// Unread messages over all of the viewer's orders.
    pub async fn total_unread(&self, viewer: &Viewer) -> DomainResult<i64> {
        let (user, _) = viewer.require()?;
        self.repo.total_unread(user).await
    }
}
