//! The marketplace itself: values, services, the order state machine, errors and ports.
//!
//! Nothing here knows of HTTP, GraphQL, SQL or Redis: services receive their ports
//! (repository traits, the clock, the event bus) when they are built, in `app.rs`.

pub mod abuse;
pub mod accounts;
pub mod catalogue;
pub mod clock;
pub mod conversation;
pub mod drafts;
pub mod error;
pub mod feedback;
pub mod orders;
pub mod ratelimit;
pub mod sessions;
pub mod str_enum;
pub mod text;
pub mod values;
pub mod viewer;

/// A database id. Exposed to clients only inside opaque global ids.
pub type Id = i64;

pub use error::{DomainError, DomainResult};
pub use viewer::Viewer;

/// Every domain service, built once in `app.rs` and shared by the GraphQL and HTTP layers.
pub struct Services {
    /// Accounts and sessions.
    pub accounts: accounts::AccountService,
    /// Order conversations: messages, read cursors, unread counts.
    pub conversation: conversation::ConversationService,
    /// Drafts, reviews and revision rounds.
    pub drafts: drafts::DraftService,
    /// Orders, payments, deadlines.
    pub orders: orders::OrderService,
    /// Channels, ad spaces and discovery.
    pub catalogue: catalogue::CatalogueService,
    /// Ratings of orders.
    pub feedback: feedback::FeedbackService,
}
