//! Feedback as GraphQL: the `Rating` type and the profile `RatingSummary`, `Order.ratings`,
//! and the mutations `rateOrder`, `updateRating`, `replyToRating`.

mod mutations;
mod queries;
mod types;

pub use mutations::*;
pub use queries::*;
pub use types::*;
