//! Drafts: `submitDraft`, `reviewDraft`, `grantExtraRevisions`, the `Draft` type, and the
//! resolvers behind `Order.drafts` and `Order.feedbackState`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::accounts::UserNode;
use super::relay::{from_global, to_global};
use super::{services, viewer};
use crate::domain::Id;
use crate::domain::drafts::{Draft, DraftReview};

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

/// Input of `submitDraft`.
#[derive(InputObject)]
pub struct SubmitDraftInput {
    /// The order.
    pub order_id: ID,
    /// The draft: trimmed, 1 to 20000 characters.
    pub body: String,
}

/// Input of `reviewDraft`.
#[derive(InputObject)]
pub struct ReviewDraftInput {
    /// The draft (it must still await feedback).
    pub draft_id: ID,
    /// Approve, or request changes.
    pub decision: ReviewDecision,
    /// Required when requesting changes; up to 4000 characters.
    pub comment: Option<String>,
}

/// Input of `grantExtraRevisions`.
#[derive(InputObject)]
pub struct GrantExtraRevisionsInput {
    /// The order.
    pub order_id: ID,
    /// Rounds to add to the allowance: 1 to 10.
    pub extra: i32,
}

/// Result of `submitDraft` and `reviewDraft`.
#[derive(SimpleObject)]
pub struct DraftPayload {
    /// The draft as it now is.
    pub draft: DraftNode,
}

/// Result of `grantExtraRevisions`.
#[derive(SimpleObject)]
pub struct GrantExtraRevisionsPayload {
    /// Rounds the ad space included.
    pub revisions_included: i32,
    /// Rounds granted on top, in all.
    pub revisions_extra: i32,
    /// Rounds used so far.
    pub revisions_used: i32,
}

/// Draft mutations.
#[derive(Default)]
pub struct DraftsMutation;

#[Object]
impl DraftsMutation {
    /// Submits the next version of the order's draft (the order's influencer; PENDING to
    /// PROCESSING). A draft still awaiting feedback is superseded by it.
    async fn submit_draft(&self, ctx: &Context<'_>, input: SubmitDraftInput) -> Result<DraftPayload> {
        let order_id = from_global("orderId", "Order", &input.order_id)?;
        Ok(DraftPayload { draft: DraftNode(services(ctx).drafts.submit(&viewer(ctx), order_id, &input.body).await?) })
    }

    /// Approves a draft or requests changes (the order's advertiser). Requesting changes uses one
    /// revision round and is refused once all are used.
    async fn review_draft(&self, ctx: &Context<'_>, input: ReviewDraftInput) -> Result<DraftPayload> {
        let draft_id = from_global("draftId", "Draft", &input.draft_id)?;
        let draft = services(ctx).drafts.review(&viewer(ctx), draft_id, input.decision.into(), input.comment.as_deref()).await?;
        Ok(DraftPayload { draft: DraftNode(draft) })
    }

    /// Adds revision rounds to the order's allowance (the order's influencer agreeing to more).
    async fn grant_extra_revisions(&self, ctx: &Context<'_>, input: GrantExtraRevisionsInput) -> Result<GrantExtraRevisionsPayload> {
        let order_id = from_global("orderId", "Order", &input.order_id)?;
        let order = services(ctx).drafts.grant_extra_revisions(&viewer(ctx), order_id, input.extra).await?;
        Ok(GrantExtraRevisionsPayload {
            revisions_included: order.revisions_included,
            revisions_extra: order.revisions_extra,
            revisions_used: order.revisions_used,
        })
    }
}
