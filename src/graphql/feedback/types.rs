//! The `Rating` type, its sub-scores and the `RatingSummary` of profiles and ad spaces.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::feedback::{Rating, Subscores};
use crate::domain::values::RatingTally;
use crate::graphql::accounts::UserNode;
use crate::graphql::relay::to_global;
use crate::graphql::services;

/// The side of an order that wrote a rating (it rates the other side).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::feedback::RatingSide")]
pub enum RatingSide {
    /// The advertiser rated the influencer.
    Advertiser,
    /// The influencer rated the advertiser.
    Influencer,
}

/// Sub-scores, 1–5 each: the advertiser gives `communication`, `quality`, `timeliness`; the
/// influencer gives `briefClarity`, `communication`, `paymentExperience`. The others are `null`.
#[derive(SimpleObject)]
pub struct RatingSubscores {
    /// How the other side communicated.
    pub communication: Option<i32>,
    /// Quality of the delivered content.
    pub quality: Option<i32>,
    /// Delivery on time.
    pub timeliness: Option<i32>,
    /// How clear the brief was.
    pub brief_clarity: Option<i32>,
    /// How paying went.
    pub payment_experience: Option<i32>,
}

impl From<Subscores> for RatingSubscores {
    fn from(s: Subscores) -> Self {
        Self {
            communication: s.communication,
            quality: s.quality,
            timeliness: s.timeliness,
            brief_clarity: s.brief_clarity,
            payment_experience: s.payment_experience,
        }
    }
}

/// One side's rating of an order. Until it is published only its author (and admins) see it.
pub struct RatingNode(pub Rating);

#[Object(name = "Rating")]
impl RatingNode {
    /// Global id (`replyToRating` takes it).
    async fn id(&self) -> ID {
        to_global("Rating", self.0.id)
    }
    /// The rated order's global id.
    async fn order_id(&self) -> ID {
        to_global("Order", self.0.order_id)
    }
    /// Which side wrote it.
    async fn side(&self) -> RatingSide {
        self.0.side.into()
    }
    /// Who wrote it.
    async fn rater(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        Ok(services(ctx).accounts.user(self.0.rater_id).await?.map(UserNode::public))
    }
    /// Who it rates.
    async fn ratee(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        Ok(services(ctx).accounts.user(self.0.ratee_id).await?.map(UserNode::public))
    }
    /// 1–5.
    async fn stars(&self) -> i32 {
        self.0.stars
    }
    /// The comment.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    /// Sub-scores of the rater's side.
    async fn subscores(&self) -> RatingSubscores {
        self.0.subscores.into()
    }
    /// Whether both sides (and the public, through the aggregates) can see it; then it is frozen.
    async fn published(&self) -> bool {
        self.0.published_at.is_some()
    }
    /// When it was published.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    /// The rated side's reply.
    async fn reply(&self) -> Option<&str> {
        self.0.reply.as_deref()
    }
    /// When the reply was given.
    async fn replied_at(&self) -> Option<DateTime<Utc>> {
        self.0.replied_at
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last edit.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Published ratings received, as a profile shows them. Below 3 published ratings only the
/// count is shown: an average or a histogram of one or two ratings would tell the rated side
/// what each rater gave.
#[derive(SimpleObject)]
pub struct RatingSummary {
    /// Average stars, rounded half up to two decimals; `null` below 3 published ratings.
    pub average: Option<f64>,
    /// Number of published ratings.
    pub count: i64,
    /// Ratings of 1, 2, 3, 4 and 5 stars (five numbers); `null` below 3 published ratings.
    pub histogram: Option<Vec<i64>>,
}

impl From<RatingTally> for RatingSummary {
    fn from(t: RatingTally) -> Self {
        Self { average: t.average(), count: t.count, histogram: t.shown().then(|| t.histogram.to_vec()) }
    }
}
