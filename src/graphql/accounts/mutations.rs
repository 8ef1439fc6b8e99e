//! Account mutations: `signUp`, `logIn`, `logOut`, `updateProfile`.

use super::types::{Category, Role, UserNode};
use crate::domain::accounts::{ProfileInput, SessionToken, SignUp};
use crate::domain::catalogue;
use crate::graphql::{client_addr, services, viewer};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// Input of `signUp`.
#[derive(InputObject)]
pub struct SignUpInput {
    /// Email address (normalised to lower case; must be unique).
    pub email: String,
    /// Password: 10 to 256 characters.
    pub password: String,
    /// Public name: 1 to 80 characters.
    pub display_name: String,
    /// `ADVERTISER` or `INFLUENCER`.
    pub role: Role,
}

/// Input of `logIn`.
#[derive(InputObject)]
pub struct LogInInput {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Input of `updateProfile`: omitted fields stay as they are, an empty string clears a field.
#[derive(InputObject, Default)]
pub struct UpdateProfileInput {
    /// Public name.
    pub display_name: Option<String>,
    /// Biography (influencers), up to 2000 characters.
    pub bio: Option<String>,
    /// Avatar image URL (http or https).
    pub avatar_url: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// ISO 639-1 language codes, at most 10.
    pub languages: Option<Vec<String>>,
    /// Niches (influencers), at most 5.
    pub categories: Option<Vec<Category>>,
    /// Brand (advertisers).
    pub brand_name: Option<String>,
    /// Website (advertisers).
    pub website: Option<String>,
    /// Industry (advertisers).
    pub industry: Option<String>,
}

/// A new session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Bearer token: send it as `Authorization: Bearer <token>`, or as `token` in the
    /// websocket `connection_init` payload. Shown only once.
    pub token: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// The signed-in account.
    pub user: UserNode,
}

impl From<SessionToken> for AuthPayload {
    fn from(s: SessionToken) -> Self {
        Self { token: s.token, expires_at: s.expires_at, user: UserNode::own(s.user) }
    }
}

/// Result of `logOut`.
#[derive(SimpleObject)]
pub struct LogOutPayload {
    /// Always `true`: the session is revoked.
    pub revoked: bool,
}

/// Result of `updateProfile`.
#[derive(SimpleObject)]
pub struct UpdateProfilePayload {
    /// The updated account.
    pub user: UserNode,
}

/// Account mutations.
#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Creates an advertiser or influencer account and signs it in. Limited per client address.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> Result<AuthPayload> {
        let input = SignUp { email: input.email, password: input.password, display_name: input.display_name, role: input.role.into() };
        Ok(services(ctx).accounts.sign_up(input, client_addr(ctx)).await?.into())
    }

    /// Signs in with email and password. Limited per client address, and failures per
    /// (account, address) and per address; an account under attack answers more slowly.
    async fn log_in(&self, ctx: &Context<'_>, input: LogInInput) -> Result<AuthPayload> {
        Ok(services(ctx).accounts.log_in(&input.email, &input.password, client_addr(ctx)).await?.into())
    }

    /// Revokes the current session's token.
    async fn log_out(&self, ctx: &Context<'_>) -> Result<LogOutPayload> {
        services(ctx).accounts.log_out(&viewer(ctx)).await?;
        Ok(LogOutPayload { revoked: true })
    }

    /// Updates the signed-in account's profile.
    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> Result<UpdateProfilePayload> {
        let input = ProfileInput {
            display_name: input.display_name,
            bio: input.bio,
            avatar_url: input.avatar_url,
            country: input.country,
            languages: input.languages,
            categories: input.categories.map(|c| c.into_iter().map(catalogue::Category::from).collect()),
            brand_name: input.brand_name,
            website: input.website,
            industry: input.industry,
        };
        let user = services(ctx).accounts.update_profile(&viewer(ctx), input).await?;
        Ok(UpdateProfilePayload { user: UserNode::public(user) })
    }
}
