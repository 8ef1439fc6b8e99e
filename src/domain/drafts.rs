//! The feedback loop: numbered drafts by the influencer, reviews by the advertiser, revision rounds.
//!
//! Decisions (see also the README):
//! - Drafts are open in `PENDING`, `PAYMENT_REQUIRED` (ideas before payment), `PAYMENT_RECEIVED`
//!   and `PROCESSING` (content during the work); reviews too. Elsewhere: `INVALID_TRANSITION`.
//! - Versions are 1, 2, 3… per order. A new draft while the previous one awaits feedback marks
//!   that one `SUPERSEDED`: the review queue holds at most one draft. A draft after an approval
//!   is allowed (the content changed) and asks for feedback again.
//! - Each `REQUEST_CHANGES` uses one revision round. Rounds allowed = those the ad space
//!   included when the order was placed + those the influencer granted with
//!   `grantExtraRevisions` (a `REVISIONS_CHANGED` event). A request beyond them is refused with
//!   `CONFLICT`, saying so; approving is always possible.
//! - Reviewing a superseded or already reviewed draft is `CONFLICT`. Every write is one
//!   transaction that re-checks its rule on the locked order and appends its event last.
//! - Attachments arrive with the files issue: rows referring to a draft id, like messages.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::catalogue::str_enum;
use super::clock::Clock;
use super::error::{DomainError, DomainResult};
use super::events::{EventSink, OrderEvent};
use super::order_access::{self, OrderAccess, OrderAccessRepo, OrderCheck, Party, status};
use super::{Id, Viewer, values};

/// Longest draft body, in characters.
pub const MAX_DRAFT_CHARS: usize = 20_000;
/// Longest review comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 4000;
/// Most extra rounds granted at once.
pub const MAX_EXTRA_AT_ONCE: i32 = 10;

str_enum! {
    /// Where a draft stands.
    DraftStatus {
        /// Waits for the advertiser.
        AwaitingFeedback = "AWAITING_FEEDBACK",
        /// The advertiser asked for changes.
        ChangesRequested = "CHANGES_REQUESTED",
        /// The advertiser approved it.
        Approved = "APPROVED",
        /// A newer version replaced it before it was reviewed.
        Superseded = "SUPERSEDED",
    }
}

str_enum! {
    /// The advertiser's answer to a draft.
    ReviewDecision {
        /// Green light.
        Approve = "APPROVE",
        /// Changes wanted (uses one revision round; a comment is required).
        RequestChanges = "REQUEST_CHANGES",
    }
}

str_enum! {
    /// Where the feedback loop of an order stands, from its latest draft.
    FeedbackState {
        /// No draft yet.
        None = "NONE",
        /// A draft awaits the advertiser.
        FeedbackRequired = "FEEDBACK_REQUIRED",
        /// Changes were requested and await a new draft.
        FeedbackProvided = "FEEDBACK_PROVIDED",
        /// The latest draft is approved.
        Approved = "APPROVED",
    }
}

/// A review of a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftReview {
    /// Primary key.
    pub id: Id,
    /// The draft.
    pub draft_id: Id,
    /// The advertiser who reviewed it.
    pub reviewer_id: Id,
    /// The answer.
    pub decision: ReviewDecision,
    /// The comment (required for changes).
    pub comment: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A numbered draft with its reviews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Primary key.
    pub id: Id,
    /// The order.
    pub order_id: Id,
    /// 1, 2, 3… per order.
    pub version: i32,
    /// The text.
    pub body: String,
    /// Where it stands.
    pub status: DraftStatus,
    /// When it was submitted.
    pub created_at: DateTime<Utc>,
    /// Its reviews, oldest first (at most one: a reviewed draft is closed).
    pub reviews: Vec<DraftReview>,
}

/// A draft to store.
#[derive(Debug, Clone)]
pub struct NewDraft {
    /// The order.
    pub order_id: Id,
    /// The influencer (the event's actor).
    pub author_id: Id,
    /// The checked body.
    pub body: String,
    /// Now.
    pub now: DateTime<Utc>,
}

/// A review to store.
#[derive(Debug, Clone)]
pub struct NewReview {
    /// The draft.
    pub draft_id: Id,
    /// The advertiser.
    pub reviewer_id: Id,
    /// The answer.
    pub decision: ReviewDecision,
    /// The checked comment.
    pub comment: Option<String>,
    /// Now.
    pub now: DateTime<Utc>,
}

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

/// The feedback state that follows from the latest draft's status.
pub fn feedback_state(latest: Option<DraftStatus>) -> FeedbackState {
    match latest {
        None => FeedbackState::None,
        Some(DraftStatus::AwaitingFeedback | DraftStatus::Superseded) => FeedbackState::FeedbackRequired,
        Some(DraftStatus::ChangesRequested) => FeedbackState::FeedbackProvided,
        Some(DraftStatus::Approved) => FeedbackState::Approved,
    }
}

/// Whether drafts may be submitted on (and reviewed for) `order` in its status.
pub fn drafts_open(order: &OrderAccess, action: &str) -> DomainResult<()> {
    if status::accepts_drafts(&order.status) {
        Ok(())
    } else {
        Err(DomainError::InvalidTransition { from: order.status.clone(), action: action.to_owned() })
    }
}

/// Whether the advertiser may give `decision` on `draft` now.
pub fn may_review(order: &OrderAccess, draft: &Draft, decision: ReviewDecision) -> DomainResult<()> {
    drafts_open(order, "review a draft of")?;
    match draft.status {
        DraftStatus::AwaitingFeedback => {}
        DraftStatus::Superseded => {
            return Err(DomainError::Conflict(format!(
                "draft v{} was superseded by a newer version: review the latest one",
                draft.version
            )));
        }
        DraftStatus::ChangesRequested | DraftStatus::Approved => {
            return Err(DomainError::Conflict(format!("draft v{} was already reviewed", draft.version)));
        }
    }
    if decision == ReviewDecision::RequestChanges && order.revisions_used >= order.revisions_allowed() {
        return Err(DomainError::Conflict(format!(
            "no revision round left: all {} rounds ({} included, {} granted) are used; \
             the influencer may grant more with grantExtraRevisions, or approve the draft",
            order.revisions_allowed(),
            order.revisions_included,
            order.revisions_extra
        )));
    }
    Ok(())
}

fn only_influencer(party: Party) -> DomainResult<()> {
    match party {
        Party::Influencer => Ok(()),
        _ => Err(DomainError::forbidden("only the order's influencer may do this")),
    }
}

/// Drafts, reviews and revision rounds.
pub struct DraftService {
    repo: Arc<dyn DraftsRepo>,
    clock: Arc<dyn Clock>,
    sink: Arc<dyn EventSink>,
}

impl DraftService {
    /// Builds the service over its ports.
    pub fn new(repo: Arc<dyn DraftsRepo>, clock: Arc<dyn Clock>, sink: Arc<dyn EventSink>) -> Self {
        Self { repo, clock, sink }
    }

    /// Submits the next version of the order's draft, superseding one that awaits feedback.
    #[tracing::instrument(skip(self, body))]
    pub async fn submit(&self, viewer: &Viewer, order_id: Id, body: &str) -> DomainResult<Draft> {
        let (order, user, party) = order_access::load(&*self.repo, viewer, order_id).await?;
        only_influencer(party)?;
        let body = values::text("body", body, 1, MAX_DRAFT_CHARS)?;
        drafts_open(&order, "submit a draft on")?;
        let check = |o: &OrderAccess| drafts_open(o, "submit a draft on");
        let new = NewDraft { order_id, author_id: user, body, now: self.clock.now() };
        let (draft, event) = self.repo.submit_draft(new, &check).await?;
        self.sink.committed(&[event]);
        Ok(draft)
    }

    /// Approves a draft or requests changes (with a comment, using one revision round).
    #[tracing::instrument(skip(self, comment))]
    pub async fn review(&self, viewer: &Viewer, draft_id: Id, decision: ReviewDecision, comment: Option<&str>) -> DomainResult<Draft> {
        viewer.require()?;
        let draft = self.repo.draft(draft_id).await?.ok_or(DomainError::NotFound("draft"))?;
        let (order, user, party) = match order_access::load(&*self.repo, viewer, draft.order_id).await {
            Err(DomainError::NotFound(_)) => return Err(DomainError::NotFound("draft")),
            other => other?,
        };
        if party != Party::Advertiser {
            return Err(DomainError::forbidden("only the order's advertiser may review drafts"));
        }
        let comment = values::optional_text("comment", comment, MAX_COMMENT_CHARS)?;
        if decision == ReviewDecision::RequestChanges && comment.is_none() {
            return Err(DomainError::bad_input("comment", "is required when requesting changes"));
        }
        may_review(&order, &draft, decision)?;
        let check = move |o: &OrderAccess, d: &Draft| may_review(o, d, decision);
        let new = NewReview { draft_id, reviewer_id: user, decision, comment, now: self.clock.now() };
        let (draft, event) = self.repo.review_draft(new, &check).await?;
        self.sink.committed(&[event]);
        Ok(draft)
    }

    /// Lets the advertiser request `extra` more rounds of changes (the influencer's consent).
    #[tracing::instrument(skip(self))]
    pub async fn grant_extra_revisions(&self, viewer: &Viewer, order_id: Id, extra: i32) -> DomainResult<OrderAccess> {
        let (order, user, party) = order_access::load(&*self.repo, viewer, order_id).await?;
        only_influencer(party)?;
        if !(1..=MAX_EXTRA_AT_ONCE).contains(&extra) {
            return Err(DomainError::bad_input("extra", format!("must be between 1 and {MAX_EXTRA_AT_ONCE}")));
        }
        drafts_open(&order, "grant revisions on")?;
        let check = |o: &OrderAccess| drafts_open(o, "grant revisions on");
        let (order, event) = self.repo.grant_revisions(order_id, user, extra, &check, self.clock.now()).await?;
        self.sink.committed(&[event]);
        Ok(order)
    }

    /// The order's drafts with their reviews, by version.
    pub async fn drafts(&self, viewer: &Viewer, order_id: Id) -> DomainResult<Vec<Draft>> {
        order_access::load(&*self.repo, viewer, order_id).await?;
        self.repo.drafts(order_id).await
    }

    /// A draft, when the viewer may read its order (`None` otherwise).
    pub async fn draft(&self, viewer: &Viewer, id: Id) -> DomainResult<Option<Draft>> {
        let Some(draft) = self.repo.draft(id).await? else { return Ok(None) };
        match order_access::load(&*self.repo, viewer, draft.order_id).await {
            Ok(_) => Ok(Some(draft)),
            Err(DomainError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Where the order's feedback loop stands.
    pub async fn feedback_state(&self, viewer: &Viewer, order_id: Id) -> DomainResult<FeedbackState> {
        order_access::load(&*self.repo, viewer, order_id).await?;
        Ok(feedback_state(self.repo.latest_status(order_id).await?))
    }

    /// The order's revision rounds (included, granted, used).
    pub async fn revisions(&self, viewer: &Viewer, order_id: Id) -> DomainResult<OrderAccess> {
        Ok(order_access::load(&*self.repo, viewer, order_id).await?.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(status: &str, used: i32) -> OrderAccess {
        OrderAccess {
            id: 1,
            advertiser_id: 2,
            influencer_id: 3,
            status: status.into(),
            revisions_included: 1,
            revisions_extra: 1,
            revisions_used: used,
        }
    }

    fn draft(status: DraftStatus) -> Draft {
        Draft { id: 1, order_id: 1, version: 2, body: "x".into(), status, created_at: Utc::now(), reviews: vec![] }
    }

    #[test]
    fn the_feedback_state_follows_the_latest_draft() {
        assert_eq!(feedback_state(None), FeedbackState::None);
        assert_eq!(feedback_state(Some(DraftStatus::AwaitingFeedback)), FeedbackState::FeedbackRequired);
        assert_eq!(feedback_state(Some(DraftStatus::ChangesRequested)), FeedbackState::FeedbackProvided);
        assert_eq!(feedback_state(Some(DraftStatus::Approved)), FeedbackState::Approved);
    }

    #[test]
    fn a_review_needs_an_open_draft_an_open_order_and_a_round_left_for_changes() {
        let awaiting = draft(DraftStatus::AwaitingFeedback);
        assert!(may_review(&order("PROCESSING", 1), &awaiting, ReviewDecision::RequestChanges).is_ok());
        let spent = may_review(&order("PROCESSING", 2), &awaiting, ReviewDecision::RequestChanges).unwrap_err();
        assert!(spent.to_string().contains("no revision round left"), "{spent}");
        assert!(may_review(&order("PROCESSING", 2), &awaiting, ReviewDecision::Approve).is_ok());
        assert!(matches!(
            may_review(&order("CANCELLED", 0), &awaiting, ReviewDecision::Approve),
            Err(DomainError::InvalidTransition { .. })
        ));
        for closed in [DraftStatus::Superseded, DraftStatus::Approved, DraftStatus::ChangesRequested] {
            assert!(matches!(may_review(&order("PENDING", 0), &draft(closed), ReviewDecision::Approve), Err(DomainError::Conflict(_))));
        }
    }
}
