//! Draft mutations: `submitDraft`, `reviewDraft`, `grantExtraRevisions`.

use super::types::{DraftNode, ReviewDecision};
use crate::graphql::relay::from_global;
use crate::graphql::{services, viewer};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

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

/// Result of `grantExtraRevisions`: the same figures as the order's fields of the same names.
#[derive(SimpleObject)]
pub struct GrantExtraRevisionsPayload {
    /// The order as it now is.
    pub order: crate::graphql::orders::OrderNode,
    /// Rounds the ad space included.
    pub revisions_included: i32,
    /// Rounds granted on top, in all.
    pub revisions_extra: i32,
    /// Rounds allowed in all: included plus granted.
    pub revisions_allowed: i32,
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
        services(ctx).drafts.grant_extra_revisions(&viewer(ctx), order_id, input.extra).await?;
        let order = services(ctx).orders.order(&viewer(ctx), order_id).await?;
        Ok(GrantExtraRevisionsPayload {
            revisions_included: order.revisions_included,
            revisions_extra: order.revisions_extra,
            revisions_allowed: order.revisions_allowed(),
            revisions_used: order.revisions_used,
            order: crate::graphql::orders::OrderNode(order),
        })
    }
}
