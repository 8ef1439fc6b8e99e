//! Accounts as GraphQL: the `User` type and the account enums.

use crate::domain::accounts::User;
use crate::graphql::relay::to_global;
use crate::graphql::{services, viewer};
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};

/// What an account is for.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::accounts::Role")]
pub enum Role {
    /// A brand that books advertising spaces.
    Advertiser,
    /// A creator who offers advertising spaces.
    Influencer,
    /// Marketplace staff (created with the CLI only).
    Admin,
}

/// An influencer niche.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::catalogue::Category")]
#[expect(missing_docs, reason = "the variant names are their documentation")]
pub enum Category {
    Beauty,
    Fashion,
    Gaming,
    Tech,
    Food,
    Travel,
    Fitness,
    Finance,
    Parenting,
    Education,
    Lifestyle,
    Music,
    Sports,
    Business,
    Other,
}

/// An account's profile. Public fields are readable by anyone; `email` only by its owner and admins.
pub struct UserNode(pub User, pub bool);

impl UserNode {
    /// A profile as anyone may see it (private fields follow the request's viewer).
    pub fn public(user: User) -> Self {
        Self(user, false)
    }

    /// A profile handed to its own owner (sign-up, log-in), whoever the request's viewer is.
    pub fn own(user: User) -> Self {
        Self(user, true)
    }
}

#[Object(name = "User")]
impl UserNode {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global("User", self.0.id)
    }
    /// Role.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// Public name.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Email address: visible to the account's owner and admins only, `null` for anyone else.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        let viewer = viewer(ctx);
        (self.1 || viewer.user_id() == Some(self.0.id) || viewer.is_admin()).then_some(self.0.email.as_str())
    }
    /// Influencer biography.
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    /// Avatar image URL.
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }
    /// ISO 3166-1 alpha-2 country.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// ISO 639-1 languages.
    async fn languages(&self) -> &[String] {
        &self.0.languages
    }
    /// Influencer niches.
    async fn categories(&self) -> Vec<Category> {
        self.0.categories.iter().map(|c| (*c).into()).collect()
    }
    /// Advertiser brand.
    async fn brand_name(&self) -> Option<&str> {
        self.0.brand_name.as_deref()
    }
    /// Advertiser website.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// Advertiser industry.
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }
    /// Average stars of the published ratings received (1–5, two decimals), `null` below 3
    /// published ratings (see `rating`).
    async fn rating_average(&self) -> Option<f64> {
        self.0.rating.average()
    }
    /// Number of published ratings received.
    async fn rating_count(&self) -> i64 {
        self.0.rating.count
    }
    /// The published ratings received: average, count and histogram.
    async fn rating(&self) -> crate::graphql::feedback::RatingSummary {
        self.0.rating.into()
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The influencer's live channels (empty for other roles).
    async fn channels(&self, ctx: &Context<'_>) -> Result<Vec<crate::graphql::catalogue::ChannelNode>> {
        crate::graphql::catalogue::channels_of(ctx, self.0.id).await
    }
    /// The influencer's live ad spaces, newest first (empty for other roles); page through
    /// them with `adSpaces(filter: { influencerId })`.
    async fn ad_spaces(&self, ctx: &Context<'_>) -> Result<Vec<crate::graphql::catalogue::AdSpaceNode>> {
        crate::graphql::catalogue::ad_spaces_of(ctx, self.0.id).await
    }
    /// Unread messages over all of the account's orders: for its owner only, `null` for anyone else.
    async fn unread_messages_count(&self, ctx: &Context<'_>) -> Result<Option<i64>> {
        let viewer = viewer(ctx);
        if viewer.user_id() != Some(self.0.id) {
            return Ok(None);
        }
        Ok(Some(services(ctx).conversation.total_unread(&viewer).await?))
    }
}
