//! Catalogue types: `Channel`, `AdSpace` and the platform and format enums.

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::domain::DomainError;
use crate::domain::catalogue::{AdSpace, Channel};
use crate::graphql::accounts::{Category, UserNode};
use crate::graphql::loaders::Loaders;
use crate::graphql::money::Money;
use crate::graphql::relay::to_global;

/// Where a channel publishes.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::catalogue::Platform")]
#[expect(missing_docs, reason = "the variant names are their documentation")]
pub enum Platform {
    Instagram,
    Tiktok,
    Youtube,
    X,
    Twitch,
    Facebook,
    Linkedin,
    Snapchat,
    Pinterest,
    Blog,
    Podcast,
    Newsletter,
    Other,
}

/// The kind of placement an ad space sells.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::catalogue::AdFormat")]
#[expect(missing_docs, reason = "the variant names are their documentation")]
pub enum AdFormat {
    Post,
    Story,
    Reel,
    ShortVideo,
    LongVideo,
    Live,
    Mention,
    Article,
    NewsletterSlot,
    PodcastRead,
    Other,
}

/// A channel of an influencer.
pub struct ChannelNode(pub Channel);

#[Object(name = "Channel")]
impl ChannelNode {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global("Channel", self.0.id)
    }
    /// Platform.
    async fn platform(&self) -> Platform {
        self.0.platform.into()
    }
    /// Handle on the platform.
    async fn handle(&self) -> &str {
        &self.0.handle
    }
    /// Profile URL.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// Audience size (0 to 2,000,000,000).
    async fn followers(&self) -> i64 {
        self.0.followers
    }
    /// Average engagement rate, in percent (0–100, two decimals).
    async fn engagement_rate(&self) -> f64 {
        f64::from(self.0.engagement_bp) / 100.0
    }
    /// Whether the influencer removed the channel (it stays readable for its ad spaces).
    async fn removed(&self) -> bool {
        self.0.removed_at.is_some()
    }
    /// When the channel was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The influencer who owns the channel.
    async fn influencer(&self, ctx: &Context<'_>) -> Result<UserNode> {
        user(ctx, self.0.influencer_id).await
    }
}

/// An advertising space an influencer sells.
pub struct AdSpaceNode(pub AdSpace);

#[Object(name = "AdSpace")]
impl AdSpaceNode {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global("AdSpace", self.0.id)
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The published ratings of the influencer on orders of this space: average, count and histogram.
    async fn rating(&self) -> crate::graphql::feedback::RatingSummary {
        self.0.rating.into()
    }
    /// Description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Format.
    async fn format(&self) -> AdFormat {
        self.0.format.into()
    }
    /// What the advertiser gets.
    async fn deliverables(&self) -> &[String] {
        &self.0.deliverables
    }
    /// Price.
    async fn price(&self) -> Money {
        Money { amount_minor: self.0.price_minor, currency: self.0.currency.clone() }
    }
    /// Days from payment to delivery.
    async fn turnaround_days(&self) -> i32 {
        self.0.turnaround_days
    }
    /// Revision rounds included in the price.
    async fn revisions_included(&self) -> i32 {
        self.0.revisions_included
    }
    /// Niches.
    async fn categories(&self) -> Vec<Category> {
        self.0.categories.iter().map(|c| (*c).into()).collect()
    }
    /// Links to earlier work.
    async fn sample_links(&self) -> &[String] {
        &self.0.sample_links
    }
    /// Whether it is archived: still readable, no longer discoverable or orderable.
    async fn archived(&self) -> bool {
        self.0.archived_at.is_some()
    }
    /// When it was archived.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
    /// When it was listed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The influencer who sells it (batched: one statement for a whole page).
    async fn influencer(&self, ctx: &Context<'_>) -> Result<UserNode> {
        user(ctx, self.0.influencer_id).await
    }
    /// The channel it is published on (batched: one statement for a whole page).
    async fn channel(&self, ctx: &Context<'_>) -> Result<ChannelNode> {
        let found = ctx.data_unchecked::<Loaders>().channels.load_one(self.0.channel_id).await?;
        Ok(ChannelNode(found.ok_or(DomainError::NotFound("Channel"))?))
    }
}

async fn user(ctx: &Context<'_>, id: crate::domain::Id) -> Result<UserNode> {
    let found = ctx.data_unchecked::<Loaders>().users.load_one(id).await?;
    Ok(UserNode::public(found.ok_or(DomainError::NotFound("User"))?))
}

/// `User.channels`: the live channels of an influencer (empty for other roles).
pub async fn channels_of(ctx: &Context<'_>, user_id: crate::domain::Id) -> Result<Vec<ChannelNode>> {
    let found = ctx.data_unchecked::<Loaders>().channels_of.load_one(user_id).await?;
    Ok(found.unwrap_or_default().into_iter().map(ChannelNode).collect())
}

/// `User.adSpaces`: the live ad spaces of an influencer, newest first.
pub async fn ad_spaces_of(ctx: &Context<'_>, user_id: crate::domain::Id) -> Result<Vec<AdSpaceNode>> {
    let found = ctx.data_unchecked::<Loaders>().ad_spaces_of.load_one(user_id).await?;
    Ok(found.unwrap_or_default().into_iter().map(AdSpaceNode).collect())
}
