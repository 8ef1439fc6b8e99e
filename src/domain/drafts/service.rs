//! Drafts: the service that submits and reviews drafts and grants revision rounds.

use super::model::{
    Draft, MAX_COMMENT_CHARS, MAX_DRAFT_CHARS, MAX_EXTRA_AT_ONCE, NewDraft, NewReview, drafts_open, feedback_state, may_review,
};
use super::repo::DraftsRepo;
use crate::domain::clock::Clock;
use crate::domain::drafts::FeedbackState;
use crate::domain::drafts::ReviewDecision;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::orders::access::{self, OrderAccess, Party};
use crate::domain::orders::history::EventSink;
use crate::domain::{Id, Viewer, values};
use std::sync::Arc;

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
        let (order, user, party) = access::load(&*self.repo, viewer, order_id).await?;
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
        let (order, user, party) = match access::load(&*self.repo, viewer, draft.order_id).await {
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
        let (order, user, party) = access::load(&*self.repo, viewer, order_id).await?;
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
        access::load(&*self.repo, viewer, order_id).await?;
        self.repo.drafts(order_id).await
    }

    /// A draft, when the viewer may read its order (`None` otherwise).
    pub async fn draft(&self, viewer: &Viewer, id: Id) -> DomainResult<Option<Draft>> {
        let Some(draft) = self.repo.draft(id).await? else { return Ok(None) };
        match access::load(&*self.repo, viewer, draft.order_id).await {
            Ok(_) => Ok(Some(draft)),
            Err(DomainError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Where the order's feedback loop stands.
    pub async fn feedback_state(&self, viewer: &Viewer, order_id: Id) -> DomainResult<FeedbackState> {
        access::load(&*self.repo, viewer, order_id).await?;
        Ok(feedback_state(self.repo.latest_status(order_id).await?))
    }
}
