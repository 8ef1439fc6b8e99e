//! The catalogue's values: influencer niches, channel platforms, ad formats, and the channels
//! and advertising spaces an influencer lists, with how their input is parsed.
//!
//! Bounds (documented in the schema too): followers 0 to [`MAX_FOLLOWERS`] (fits a GraphQL
//! 32-bit `Int`), engagement 0–100 % stored in basis points, prices 1 to
//! [`values::MAX_PRICE_MINOR`] minor units (fits a 32-bit `Int`), at most
//! [`Category::MAX_PER_ITEM`] categories, [`MAX_LINKS`] sample links and [`MAX_DELIVERABLES`]
//! deliverables.

use chrono::{DateTime, Utc};

use crate::domain::Id;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::str_enum::str_enum;
use crate::domain::values;

str_enum! {
    /// An influencer niche, from a fixed list.
    Category {
        /// Beauty.
        Beauty = "BEAUTY", /// Fashion.
        Fashion = "FASHION", /// Gaming.
        Gaming = "GAMING", /// Technology.
        Tech = "TECH", /// Food and cooking.
        Food = "FOOD", /// Travel.
        Travel = "TRAVEL", /// Fitness.
        Fitness = "FITNESS", /// Personal finance.
        Finance = "FINANCE", /// Parenting.
        Parenting = "PARENTING", /// Education.
        Education = "EDUCATION", /// Lifestyle.
        Lifestyle = "LIFESTYLE", /// Music.
        Music = "MUSIC", /// Sports.
        Sports = "SPORTS", /// Business.
        Business = "BUSINESS", /// Anything else.
        Other = "OTHER",
    }
}

impl Category {
    /// Most categories one profile or ad space may list.
    pub const MAX_PER_ITEM: usize = 5;
}

str_enum! {
    /// Where a channel publishes.
    Platform {
        /// Instagram.
        Instagram = "INSTAGRAM", /// TikTok.
        Tiktok = "TIKTOK", /// YouTube.
        Youtube = "YOUTUBE", /// X (Twitter).
        X = "X", /// Twitch.
        Twitch = "TWITCH", /// Facebook.
        Facebook = "FACEBOOK", /// LinkedIn.
        Linkedin = "LINKEDIN", /// Snapchat.
        Snapchat = "SNAPCHAT", /// Pinterest.
        Pinterest = "PINTEREST", /// A blog.
        Blog = "BLOG", /// A podcast.
        Podcast = "PODCAST", /// A newsletter.
        Newsletter = "NEWSLETTER", /// Anything else.
        Other = "OTHER",
    }
}

str_enum! {
    /// The kind of placement an ad space sells.
    AdFormat {
        /// A feed post.
        Post = "POST", /// A story.
        Story = "STORY", /// A reel.
        Reel = "REEL", /// A short video.
        ShortVideo = "SHORT_VIDEO", /// A long video.
        LongVideo = "LONG_VIDEO", /// A live stream.
        Live = "LIVE", /// A mention.
        Mention = "MENTION", /// An article.
        Article = "ARTICLE", /// A newsletter slot.
        NewsletterSlot = "NEWSLETTER_SLOT", /// A podcast read.
        PodcastRead = "PODCAST_READ", /// Anything else.
        Other = "OTHER",
    }
}

/// Largest follower count accepted (2 billion: above any real audience, within a 32-bit `Int`).
pub const MAX_FOLLOWERS: i64 = 2_000_000_000;
/// Most sample links on one ad space.
pub const MAX_LINKS: usize = 10;
/// Most deliverables on one ad space.
pub const MAX_DELIVERABLES: usize = 10;
/// Longest turnaround, in days.
pub const MAX_TURNAROUND_DAYS: i32 = 365;
/// Most revision rounds an ad space may include.
pub const MAX_REVISIONS: i32 = 20;

/// Where an influencer publishes.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Primary key.
    pub id: Id,
    /// Owner.
    pub influencer_id: Id,
    /// Platform.
    pub platform: Platform,
    /// Handle on the platform.
    pub handle: String,
    /// Profile URL.
    pub url: String,
    /// Audience size.
    pub followers: i64,
    /// Average engagement rate in basis points (0–10000).
    pub engagement_bp: i32,
    /// When the channel was removed (it then stays readable for existing ad spaces).
    pub removed_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An advertising placement an influencer sells on one of their channels.
#[derive(Debug, Clone)]
pub struct AdSpace {
    /// Primary key.
    pub id: Id,
    /// Owner.
    pub influencer_id: Id,
    /// The channel it is published on.
    pub channel_id: Id,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Format.
    pub format: AdFormat,
    /// What the advertiser gets.
    pub deliverables: Vec<String>,
    /// Price in minor units.
    pub price_minor: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Days from payment to delivery.
    pub turnaround_days: i32,
    /// Revision rounds included in the price.
    pub revisions_included: i32,
    /// Niches.
    pub categories: Vec<Category>,
    /// Links to earlier work.
    pub sample_links: Vec<String>,
    /// When it was archived (then not discoverable, not orderable).
    pub archived_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Published ratings of the influencer on orders of this space.
    pub rating: crate::domain::values::RatingTally,
}

/// Raw channel fields; `None` leaves a field unchanged on update (all are required on add).
#[derive(Debug, Default, Clone)]
pub struct ChannelInput {
    /// Platform.
    pub platform: Option<Platform>,
    /// Handle.
    pub handle: Option<String>,
    /// Profile URL.
    pub url: Option<String>,
    /// Followers.
    pub followers: Option<i64>,
    /// Engagement rate in percent (0–100).
    pub engagement_rate: Option<f64>,
}

/// Validated channel fields.
#[derive(Debug, Default, Clone)]
pub struct ChannelPatch {
    /// Platform.
    pub platform: Option<Platform>,
    /// Handle.
    pub handle: Option<String>,
    /// Profile URL.
    pub url: Option<String>,
    /// Followers.
    pub followers: Option<i64>,
    /// Engagement in basis points.
    pub engagement_bp: Option<i32>,
}

/// Raw ad-space fields; `None` leaves a field unchanged on update.
#[derive(Debug, Default, Clone)]
pub struct AdSpaceInput {
    /// Channel id.
    pub channel_id: Option<Id>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Format.
    pub format: Option<AdFormat>,
    /// Deliverables.
    pub deliverables: Option<Vec<String>>,
    /// Price in minor units.
    pub price_minor: Option<i64>,
    /// Currency code.
    pub currency: Option<String>,
    /// Turnaround in days.
    pub turnaround_days: Option<i32>,
    /// Revision rounds included.
    pub revisions_included: Option<i32>,
    /// Niches.
    pub categories: Option<Vec<Category>>,
    /// Sample links.
    pub sample_links: Option<Vec<String>>,
}

/// Validated ad-space fields (same shape as the input, every present value checked).
pub type AdSpacePatch = AdSpaceInput;

impl ChannelInput {
    /// Checks every present field; with `require_all`, a missing one is an error too.
    pub fn parse(self, require_all: bool) -> DomainResult<ChannelPatch> {
        let missing = |field: &str| DomainError::bad_input(field, "is required");
        if require_all {
            self.platform.ok_or_else(|| missing("platform"))?;
            self.handle.as_ref().ok_or_else(|| missing("handle"))?;
            self.url.as_ref().ok_or_else(|| missing("url"))?;
            self.followers.ok_or_else(|| missing("followers"))?;
        }
        let followers = match self.followers {
            Some(f) if !(0..=MAX_FOLLOWERS).contains(&f) => {
                return Err(DomainError::bad_input("followers", format!("must be between 0 and {MAX_FOLLOWERS}")));
            }
            other => other,
        };
        let engagement_bp = match self.engagement_rate {
            Some(r) if !r.is_finite() || !(0.0..=100.0).contains(&r) => {
                return Err(DomainError::bad_input("engagementRate", "must be a percentage between 0 and 100"));
            }
            Some(r) => Some((r * 100.0).round() as i32),
            None if require_all => Some(0),
            None => None,
        };
        Ok(ChannelPatch {
            platform: self.platform,
            handle: self.handle.map(|h| values::text("handle", &h, 1, 100)).transpose()?,
            url: self.url.map(|u| values::http_url("url", &u)).transpose()?,
            followers,
            engagement_bp,
        })
    }
}

impl AdSpaceInput {
    /// Checks every present field; with `require_all`, a missing required one is an error too.
    pub fn parse(self, require_all: bool) -> DomainResult<AdSpacePatch> {
        if require_all {
            let missing = |field: &str| DomainError::bad_input(field, "is required");
            self.channel_id.ok_or_else(|| missing("channelId"))?;
            self.title.as_ref().ok_or_else(|| missing("title"))?;
            self.description.as_ref().ok_or_else(|| missing("description"))?;
            self.format.ok_or_else(|| missing("format"))?;
            self.price_minor.ok_or_else(|| missing("price.amountMinor"))?;
            self.currency.as_ref().ok_or_else(|| missing("price.currency"))?;
        }
        let bounded = |field: &str, v: Option<i32>, min: i32, max: i32| -> DomainResult<Option<i32>> {
            match v {
                Some(n) if !(min..=max).contains(&n) => Err(DomainError::bad_input(field, format!("must be between {min} and {max}"))),
                other => Ok(other),
            }
        };
        let categories = match self.categories {
            Some(c) if c.len() > Category::MAX_PER_ITEM => {
                return Err(DomainError::bad_input("categories", format!("must have at most {} items", Category::MAX_PER_ITEM)));
            }
            Some(c) => Some(c.into_iter().fold(Vec::new(), |mut acc, x| {
                if !acc.contains(&x) {
                    acc.push(x);
                }
                acc
            })),
            None if require_all => Some(Vec::new()),
            None => None,
        };
        let deliverable = |field: &str, raw: &str| values::text(field, raw, 1, 200);
        Ok(AdSpacePatch {
            channel_id: self.channel_id,
            title: self.title.map(|t| values::text("title", &t, 1, 120)).transpose()?,
            description: self.description.map(|d| values::text("description", &d, 1, 5000)).transpose()?,
            format: self.format,
            deliverables: self
                .deliverables
                .or_else(|| require_all.then(Vec::new))
                .map(|d| values::list("deliverables", &d, MAX_DELIVERABLES, deliverable))
                .transpose()?,
            price_minor: self.price_minor.map(|p| values::price("price.amountMinor", p)).transpose()?,
            currency: self.currency.map(|c| values::currency("price.currency", &c)).transpose()?,
            turnaround_days: bounded("turnaroundDays", self.turnaround_days.or(require_all.then_some(7)), 1, MAX_TURNAROUND_DAYS)?,
            revisions_included: bounded("revisionsIncluded", self.revisions_included.or(require_all.then_some(1)), 0, MAX_REVISIONS)?,
            categories,
            sample_links: self
                .sample_links
                .or_else(|| require_all.then(Vec::new))
                .map(|l| values::list("sampleLinks", &l, MAX_LINKS, values::http_url))
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engagement_is_stored_in_basis_points_and_bounded() {
        let ok = ChannelInput { engagement_rate: Some(3.456), ..Default::default() }.parse(false).unwrap();
        assert_eq!(ok.engagement_bp, Some(346));
        for bad in [-0.1, 100.01, f64::NAN] {
            assert!(ChannelInput { engagement_rate: Some(bad), ..Default::default() }.parse(false).is_err());
        }
    }

    #[test]
    fn an_ad_space_needs_its_required_fields() {
        let err = AdSpaceInput { title: Some("x".into()), ..Default::default() }.parse(true).unwrap_err();
        assert!(matches!(err, DomainError::BadInput { field, .. } if field == "channelId"));
    }
}
