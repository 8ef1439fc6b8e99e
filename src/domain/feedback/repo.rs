//! The storage port of the feedback area, implemented by `store::feedback`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::model::{NewRating, Rating, RatingContent, RatingSide};
use crate::domain::orders::Order;
use crate::domain::orders::history::OrderEvent;
use crate::domain::{DomainResult, Id};

/// A rule checked inside the write transaction, on the locked order and its ratings as they are then.
pub type RatingCheck<'a> = &'a (dyn Fn(&Order, &[Rating]) -> DomainResult<()> + Send + Sync);

/// A rule checked inside the write transaction on a rating as it is then.
pub type ReplyCheck<'a> = &'a (dyn Fn(&Rating) -> DomainResult<()> + Send + Sync);

/// Storage of ratings and of the aggregates their publication updates.
#[async_trait]
pub trait FeedbackRepo: Send + Sync {
    /// The order (as the orders area reads it).
    async fn rated_order(&self, id: Id) -> DomainResult<Option<Order>>;
    /// The ratings of an order, oldest first.
    async fn ratings(&self, order_id: Id) -> DomainResult<Vec<Rating>>;
    /// One rating.
    async fn rating(&self, id: Id) -> DomainResult<Option<Rating>>;
    /// In one transaction: locks the order, runs `check`, inserts the rating (opening the
    /// window if the order has none), appends `RATING_SUBMITTED`, and when both sides have now
    /// rated publishes both with the aggregates and `RATINGS_PUBLISHED`. A rating of the same
    /// side committed meanwhile is `CONFLICT`.
    async fn submit_rating(&self, new: NewRating, check: RatingCheck<'_>) -> DomainResult<(Rating, Vec<OrderEvent>)>;
    /// In one transaction: locks the order, runs `check`, replaces the content of the side's
    /// unpublished rating and appends `RATING_UPDATED`.
    async fn edit_rating(
        &self,
        order_id: Id,
        side: RatingSide,
        content: RatingContent,
        check: RatingCheck<'_>,
        now: DateTime<Utc>,
    ) -> DomainResult<(Rating, Vec<OrderEvent>)>;
    /// In one transaction: locks the order, runs `check` on the rating as it is then, writes
    /// the reply and appends `RATING_REPLIED`.
    async fn reply_to_rating(
        &self,
        rating_id: Id,
        reply: String,
        check: ReplyCheck<'_>,
        now: DateTime<Utc>,
    ) -> DomainResult<(Rating, Vec<OrderEvent>)>;
    /// Orders whose rating window closed at `at` and whose ratings are not published yet.
    async fn ratings_due(&self, at: DateTime<Utc>, limit: u64) -> DomainResult<Vec<Id>>;
    /// Closes the rating window of an order due at `at`: publishes the ratings it has (zero,
    /// one) with the aggregates and `RATINGS_PUBLISHED`. `None` when another sweeper or the
    /// second rating got there first.
    async fn close_ratings(&self, order_id: Id, at: DateTime<Utc>) -> DomainResult<Option<Vec<OrderEvent>>>;
}
