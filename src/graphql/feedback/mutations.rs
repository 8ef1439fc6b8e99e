//! Feedback mutations: `rateOrder`, `updateRating`, `replyToRating`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::types::RatingNode;
use crate::domain::feedback::{RatingInput, Subscores};
use crate::graphql::relay::from_global;
use crate::graphql::{services, viewer};

/// Sub-scores, 1–5 each. The advertiser may give `communication`, `quality`, `timeliness`;
/// the influencer `briefClarity`, `communication`, `paymentExperience`. A sub-score of the
/// other side is refused, naming it.
#[derive(InputObject, Default)]
pub struct RatingSubscoresInput {
    /// How the other side communicated (both sides).
    pub communication: Option<i32>,
    /// Quality of the delivered content (advertiser).
    pub quality: Option<i32>,
    /// Delivery on time (advertiser).
    pub timeliness: Option<i32>,
    /// How clear the brief was (influencer).
    pub brief_clarity: Option<i32>,
    /// How paying went (influencer).
    pub payment_experience: Option<i32>,
}

/// Input of `rateOrder` and `updateRating`.
#[derive(InputObject)]
pub struct RateOrderInput {
    /// The order.
    pub order_id: ID,
    /// 1–5.
    pub stars: i32,
    /// A comment (at most 2000 characters).
    pub comment: Option<String>,
    /// Sub-scores of the viewer's side.
    pub subscores: Option<RatingSubscoresInput>,
}

/// Input of `updateRating`: the whole new content of the viewer's rating.
#[derive(InputObject)]
pub struct UpdateRatingInput {
    /// The order.
    pub order_id: ID,
    /// 1–5.
    pub stars: i32,
    /// A comment (at most 2000 characters).
    pub comment: Option<String>,
    /// Sub-scores of the viewer's side.
    pub subscores: Option<RatingSubscoresInput>,
}

/// Input of `replyToRating`.
#[derive(InputObject)]
pub struct ReplyToRatingInput {
    /// The rating (published, of the viewer).
    pub rating_id: ID,
    /// The reply: 1 to 2000 characters.
    pub reply: String,
}

/// Result of `rateOrder`, `updateRating` and `replyToRating`.
#[derive(SimpleObject)]
pub struct RatingPayload {
    /// The rating as it now is.
    pub rating: RatingNode,
}

fn domain_input(stars: i32, comment: Option<String>, s: Option<RatingSubscoresInput>) -> RatingInput {
    let s = s.unwrap_or_default();
    let subscores = Subscores {
        communication: s.communication,
        quality: s.quality,
        timeliness: s.timeliness,
        brief_clarity: s.brief_clarity,
        payment_experience: s.payment_experience,
    };
    RatingInput { stars, comment, subscores }
}

/// Feedback mutations.
#[derive(Default)]
pub struct FeedbackMutation;

#[Object]
impl FeedbackMutation {
    /// Rates the other side of a delivered order, once per side, within the rating window.
    /// The other side sees it once both have rated or the window closed.
    async fn rate_order(&self, ctx: &Context<'_>, input: RateOrderInput) -> Result<RatingPayload> {
        let order_id = from_global("orderId", "Order", &input.order_id)?;
        let rating_input = domain_input(input.stars, input.comment, input.subscores);
        let rating = services(ctx).feedback.rate(&viewer(ctx), order_id, rating_input).await?;
        Ok(RatingPayload { rating: RatingNode(rating) })
    }

    /// Replaces the content of the viewer's rating while it is not published.
    async fn update_rating(&self, ctx: &Context<'_>, input: UpdateRatingInput) -> Result<RatingPayload> {
        let order_id = from_global("orderId", "Order", &input.order_id)?;
        let rating_input = domain_input(input.stars, input.comment, input.subscores);
        let rating = services(ctx).feedback.update(&viewer(ctx), order_id, rating_input).await?;
        Ok(RatingPayload { rating: RatingNode(rating) })
    }

    /// Replies publicly to a published rating of the viewer, once, within 30 days of publication.
    async fn reply_to_rating(&self, ctx: &Context<'_>, input: ReplyToRatingInput) -> Result<RatingPayload> {
        let rating_id = from_global("ratingId", "Rating", &input.rating_id)?;
        let rating = services(ctx).feedback.reply(&viewer(ctx), rating_id, &input.reply).await?;
        Ok(RatingPayload { rating: RatingNode(rating) })
    }
}
