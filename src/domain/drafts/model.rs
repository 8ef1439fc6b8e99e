//! Drafts: drafts, reviews and feedback states, and the rules of the feedback loop.

use crate::domain::Id;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::orders::access::{OrderAccess, status};
use crate::domain::str_enum::str_enum;
use chrono::{DateTime, Utc};

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
