//! Catalogue rows: conversions from stored channels and ad spaces to domain values.

use crate::domain::catalogue::{AdFormat, Category, Platform};
use crate::domain::catalogue::{AdSpace, Channel};
use crate::domain::{DomainError, DomainResult, Id};
use crate::store::entities::{ad_space, channel};
use crate::store::from_json_list;

fn corrupt(what: &str, value: &str, id: Id) -> DomainError {
    DomainError::internal(anyhow::anyhow!("unknown {what} {value:?} in row {id}"))
}

/// Converts a row to the domain's channel.
pub fn to_channel(m: channel::Model) -> DomainResult<Channel> {
    let platform = Platform::from_db(&m.platform).ok_or_else(|| corrupt("platform", &m.platform, m.id))?;
    Ok(Channel {
        id: m.id,
        influencer_id: m.influencer_id,
        platform,
        handle: m.handle,
        url: m.url,
        followers: m.followers,
        engagement_bp: m.engagement_bp,
        removed_at: m.removed_at,
        created_at: m.created_at,
    })
}

/// Converts a row to the domain's ad space.
pub fn to_ad_space(m: ad_space::Model) -> DomainResult<AdSpace> {
    let format = AdFormat::from_db(&m.format).ok_or_else(|| corrupt("format", &m.format, m.id))?;
    Ok(AdSpace {
        id: m.id,
        influencer_id: m.influencer_id,
        channel_id: m.channel_id,
        title: m.title,
        description: m.description,
        format,
        deliverables: from_json_list(&m.deliverables),
        price_minor: m.price_minor,
        currency: m.currency,
        turnaround_days: m.turnaround_days,
        revisions_included: m.revisions_included,
        categories: from_json_list(&m.categories).iter().filter_map(|c| Category::from_db(c)).collect(),
        sample_links: from_json_list(&m.sample_links),
        archived_at: m.archived_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
        rating: crate::domain::values::RatingTally {
            sum: m.rating_sum,
            count: m.rating_count,
            histogram: [m.rating_1, m.rating_2, m.rating_3, m.rating_4, m.rating_5],
        },
    })
}
