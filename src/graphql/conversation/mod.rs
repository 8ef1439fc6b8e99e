//! Conversation as GraphQL: the `Message` type, `sendMessage`, `markMessagesRead`, and the
//! resolvers behind `Order.messages`, `Order.unreadCount` and `User.unreadMessagesCount`.

mod mutations;
mod types;

pub use mutations::*;
pub use types::*;
