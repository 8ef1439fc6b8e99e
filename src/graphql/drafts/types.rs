//! Drafts as GraphQL: the `Draft` and `DraftReview` types and their enums.

use crate::domain::Id;
use crate::domain::drafts::{Draft, DraftReview};
use crate::graphql::accounts::UserNode;
use crate::graphql::relay::to_global;
use crate::graphql::{services, viewer};
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};

/// Where a draft stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::drafts::DraftStatus")]
pub enum DraftStatus {
    /// Waits for the advertiser's review.
    AwaitingFeedback,
    /// The advertiser asked for changes.
    ChangesRequested,
    /// The advertiser approved it.
    Approved,
    /// A newer version replaced it before it was reviewed.
    Superseded,
}

/// The advertiser's answer to a draft.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::drafts::ReviewDecision")]
pub enum ReviewDecision {
    /// Green light.
    Approve,
    /// Changes wanted: uses one revision round; a comment is required.
    RequestChanges,
}

/// Where an order's feedback loop stands, from its latest draft.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::drafts::FeedbackState")]
pub enum FeedbackState {
    /// No draft yet.
    None,
    /// A draft awaits the advertiser.
    FeedbackRequired,
    /// Changes were requested and await a new draft.
    FeedbackProvided,
    /// The latest draft is approved.
    Approved,
}

/// A numbered version of the order's content, submitted by the influencer.
pub struct DraftNode(pub Draft);

#[Object(name = "Draft")]
impl DraftNode {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global("Draft", self.0.id)
    }
    /// 1, 2, 3… per order.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The text.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Where it stands.
    async fn status(&self) -> DraftStatus {
        self.0.status.into()
    }
    /// When it was submitted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The advertiser's reviews, oldest first (a draft is closed by its first review).
    async fn reviews(&self) -> Vec<DraftReviewNode> {
        self.0.reviews.iter().cloned().map(DraftReviewNode).collect()
    }
}

/// The advertiser's review of a draft.
pub struct DraftReviewNode(DraftReview);

#[Object(name = "DraftReview")]
impl DraftReviewNode {
    /// The answer.
    async fn decision(&self) -> ReviewDecision {
        self.0.decision.into()
    }
    /// The comment (always present when changes were requested).
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The advertiser who reviewed.
    async fn reviewer(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        Ok(services(ctx).accounts.user(self.0.reviewer_id).await?.map(UserNode::public))
    }
}

/// `Order.drafts`: every draft with its reviews, by version.
pub async fn order_drafts(ctx: &Context<'_>, order_id: Id) -> Result<Vec<DraftNode>> {
    Ok(services(ctx).drafts.drafts(&viewer(ctx), order_id).await?.into_iter().map(DraftNode).collect())
}

/// `Order.feedbackState`.
pub async fn order_feedback_state(ctx: &Context<'_>, order_id: Id) -> Result<FeedbackState> {
    Ok(services(ctx).drafts.feedback_state(&viewer(ctx), order_id).await?.into())
}
