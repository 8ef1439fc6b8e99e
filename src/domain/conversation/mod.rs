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

mod model;
mod repo;
mod service;

pub use model::*;
pub use repo::*;
pub use service::*;
