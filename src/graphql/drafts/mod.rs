//! Drafts as GraphQL: the `Draft` type, `submitDraft`, `reviewDraft`, `grantExtraRevisions`, and
//! the resolvers behind `Order.drafts` and `Order.feedbackState`.

mod mutations;
mod types;

pub use mutations::*;
pub use types::*;
