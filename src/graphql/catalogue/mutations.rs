//! Catalogue mutations: channels and ad spaces of the signed-in influencer.

use crate::domain::catalogue;
use crate::domain::catalogue::{AdSpaceInput, ChannelInput};
use crate::graphql::accounts::Category;
use crate::graphql::catalogue::{AdFormat, AdSpaceNode, ChannelNode, Platform};
use crate::graphql::relay::from_global;
use crate::graphql::{services, viewer};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

/// Money in an input: integer minor units and an ISO 4217 currency.
#[derive(InputObject)]
pub struct MoneyInput {
    /// Amount in minor units: 1 to 1,000,000,000 for an ad space price.
    pub amount_minor: i64,
    /// Supported ISO 4217 code, e.g. `EUR`.
    pub currency: String,
}

/// Input of `addChannel`.
#[derive(InputObject)]
pub struct AddChannelInput {
    /// Platform.
    pub platform: Platform,
    /// Handle on the platform: 1 to 100 characters.
    pub handle: String,
    /// Profile URL (http or https).
    pub url: String,
    /// Audience size: 0 to 2,000,000,000.
    pub followers: i64,
    /// Average engagement rate in percent, 0 to 100 (0 when omitted).
    pub engagement_rate: Option<f64>,
}

/// Input of `updateChannel`: omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateChannelInput {
    /// The channel.
    pub id: ID,
    /// Platform.
    pub platform: Option<Platform>,
    /// Handle.
    pub handle: Option<String>,
    /// Profile URL.
    pub url: Option<String>,
    /// Audience size.
    pub followers: Option<i64>,
    /// Engagement rate in percent.
    pub engagement_rate: Option<f64>,
}

/// Input of `removeChannel` and `archiveAdSpace`: the object's id.
#[derive(InputObject)]
pub struct IdInput {
    /// Global id.
    pub id: ID,
}

/// Input of `createAdSpace`.
#[derive(InputObject)]
pub struct CreateAdSpaceInput {
    /// One of the influencer's channels.
    pub channel_id: ID,
    /// Title: 1 to 120 characters.
    pub title: String,
    /// Description: 1 to 5000 characters.
    pub description: String,
    /// Format.
    pub format: AdFormat,
    /// Deliverables: at most 10, each 1 to 200 characters.
    pub deliverables: Option<Vec<String>>,
    /// Price.
    pub price: MoneyInput,
    /// Days from payment to delivery: 1 to 365 (7 when omitted).
    pub turnaround_days: Option<i32>,
    /// Revision rounds included: 0 to 20 (1 when omitted).
    pub revisions_included: Option<i32>,
    /// Niches: at most 5.
    pub categories: Option<Vec<Category>>,
    /// Links to earlier work (http or https): at most 10.
    pub sample_links: Option<Vec<String>>,
}

/// Input of `updateAdSpace`: omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateAdSpaceInput {
    /// The ad space.
    pub id: ID,
    /// Another of the influencer's channels.
    pub channel_id: Option<ID>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Format.
    pub format: Option<AdFormat>,
    /// Deliverables (replaces the list).
    pub deliverables: Option<Vec<String>>,
    /// Price (amount and currency together).
    pub price: Option<MoneyInput>,
    /// Turnaround in days.
    pub turnaround_days: Option<i32>,
    /// Revision rounds included.
    pub revisions_included: Option<i32>,
    /// Niches (replaces the list).
    pub categories: Option<Vec<Category>>,
    /// Sample links (replaces the list).
    pub sample_links: Option<Vec<String>>,
}

/// Result of the channel mutations.
#[derive(SimpleObject)]
pub struct ChannelPayload {
    /// The channel as it is now.
    pub channel: ChannelNode,
}

/// Result of the ad space mutations.
#[derive(SimpleObject)]
pub struct AdSpacePayload {
    /// The ad space as it is now.
    pub ad_space: AdSpaceNode,
}

fn categories(c: Option<Vec<Category>>) -> Option<Vec<catalogue::Category>> {
    c.map(|c| c.into_iter().map(Into::into).collect())
}

/// Catalogue mutations: influencers only, on their own channels and spaces.
#[derive(Default)]
pub struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    /// Adds a channel to the signed-in influencer's profile.
    async fn add_channel(&self, ctx: &Context<'_>, input: AddChannelInput) -> Result<ChannelPayload> {
        let input = ChannelInput {
            platform: Some(input.platform.into()),
            handle: Some(input.handle),
            url: Some(input.url),
            followers: Some(input.followers),
            engagement_rate: input.engagement_rate,
        };
        let channel = services(ctx).catalogue.add_channel(&viewer(ctx), input).await?;
        Ok(ChannelPayload { channel: ChannelNode(channel) })
    }

    /// Changes one of the signed-in influencer's channels.
    async fn update_channel(&self, ctx: &Context<'_>, input: UpdateChannelInput) -> Result<ChannelPayload> {
        let id = from_global("id", "Channel", &input.id)?;
        let patch = ChannelInput {
            platform: input.platform.map(Into::into),
            handle: input.handle,
            url: input.url,
            followers: input.followers,
            engagement_rate: input.engagement_rate,
        };
        let channel = services(ctx).catalogue.update_channel(&viewer(ctx), id, patch).await?;
        Ok(ChannelPayload { channel: ChannelNode(channel) })
    }

    /// Removes one of the signed-in influencer's channels and archives its ad spaces.
    async fn remove_channel(&self, ctx: &Context<'_>, input: IdInput) -> Result<ChannelPayload> {
        let id = from_global("id", "Channel", &input.id)?;
        let channel = services(ctx).catalogue.remove_channel(&viewer(ctx), id).await?;
        Ok(ChannelPayload { channel: ChannelNode(channel) })
    }

    /// Lists a new ad space on one of the signed-in influencer's channels.
    async fn create_ad_space(&self, ctx: &Context<'_>, input: CreateAdSpaceInput) -> Result<AdSpacePayload> {
        let patch = AdSpaceInput {
            channel_id: Some(from_global("channelId", "Channel", &input.channel_id)?),
            title: Some(input.title),
            description: Some(input.description),
            format: Some(input.format.into()),
            deliverables: input.deliverables,
            price_minor: Some(input.price.amount_minor),
            currency: Some(input.price.currency),
            turnaround_days: input.turnaround_days,
            revisions_included: input.revisions_included,
            categories: categories(input.categories),
            sample_links: input.sample_links,
        };
        let space = services(ctx).catalogue.create_ad_space(&viewer(ctx), patch).await?;
        Ok(AdSpacePayload { ad_space: AdSpaceNode(space) })
    }

    /// Changes one of the signed-in influencer's live ad spaces.
    async fn update_ad_space(&self, ctx: &Context<'_>, input: UpdateAdSpaceInput) -> Result<AdSpacePayload> {
        let id = from_global("id", "AdSpace", &input.id)?;
        let (price_minor, currency) = input.price.map_or((None, None), |p| (Some(p.amount_minor), Some(p.currency)));
        let patch = AdSpaceInput {
            channel_id: input.channel_id.map(|c| from_global("channelId", "Channel", &c)).transpose()?,
            title: input.title,
            description: input.description,
            format: input.format.map(Into::into),
            deliverables: input.deliverables,
            price_minor,
            currency,
            turnaround_days: input.turnaround_days,
            revisions_included: input.revisions_included,
            categories: categories(input.categories),
            sample_links: input.sample_links,
        };
        let space = services(ctx).catalogue.update_ad_space(&viewer(ctx), id, patch).await?;
        Ok(AdSpacePayload { ad_space: AdSpaceNode(space) })
    }

    /// Archives one of the signed-in influencer's ad spaces: it stays readable by id (and for
    /// the orders that reference it) but is no longer found by discovery nor orderable.
    async fn archive_ad_space(&self, ctx: &Context<'_>, input: IdInput) -> Result<AdSpacePayload> {
        let id = from_global("id", "AdSpace", &input.id)?;
        let space = services(ctx).catalogue.archive_ad_space(&viewer(ctx), id).await?;
        Ok(AdSpacePayload { ad_space: AdSpaceNode(space) })
    }
}
