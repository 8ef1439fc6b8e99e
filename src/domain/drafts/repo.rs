//! Drafts: the storage port.

use super::model::{Draft, NewDraft, NewReview};
use crate::domain::Id;
use crate::domain::drafts::DraftStatus;
use crate::domain::error::DomainResult;
use crate::domain::orders::access::{OrderAccess, OrderAccessRepo, OrderCheck};
use crate::domain::orders::history::OrderEvent;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A rule checked on the locked order and the draft inside the review's transaction.
pub type ReviewCheck<'a> = &'a (dyn Fn(&OrderAccess, &Draft) -> DomainResult<()> + Send + Sync);

/// Storage of drafts and reviews.
#[async_trait]
pub trait DraftsRepo: OrderAccessRepo {
    /// Supersedes the draft awaiting feedback, if any, inserts the next version and appends
    /// `DRAFT_SUBMITTED`, in one transaction after `check` passed on the locked order.
    async fn submit_draft(&self, new: NewDraft, check: OrderCheck<'_>) -> DomainResult<(Draft, OrderEvent)>;
    /// Closes the draft with the review (using a round for changes) and appends
    /// `DRAFT_REVIEWED`, in one transaction after `check` passed.
    async fn review_draft(&self, new: NewReview, check: ReviewCheck<'_>) -> DomainResult<(Draft, OrderEvent)>;
    /// Adds `extra` granted rounds and appends `REVISIONS_CHANGED`, after `check` passed.
    async fn grant_revisions(
        &self,
        order_id: Id,
        actor: Id,
        extra: i32,
        check: OrderCheck<'_>,
        now: DateTime<Utc>,
    ) -> DomainResult<(OrderAccess, OrderEvent)>;
    /// A draft with its reviews.
    async fn draft(&self, id: Id) -> DomainResult<Option<Draft>>;
    /// Every draft of the order with its reviews, by version.
    async fn drafts(&self, order_id: Id) -> DomainResult<Vec<Draft>>;
    /// The status of the order's latest draft.
    async fn latest_status(&self, order_id: Id) -> DomainResult<Option<DraftStatus>>;
}
