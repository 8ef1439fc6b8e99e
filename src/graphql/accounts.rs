//! Accounts: `signUp`, `logIn`, `logOut`, `me`, `updateProfile`, and the `User` type.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::relay::to_global;
use super::{client_addr, services, viewer};
use crate::domain::accounts::{ProfileInput, SessionToken, SignUp, User};
use crate::domain::catalogue;

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
    /// Average stars received (1–5), `null` before the first rating.
    async fn rating_average(&self) -> Option<f64> {
        (self.0.rating_count > 0).then(|| self.0.rating_sum as f64 / self.0.rating_count as f64)
    }
    /// Number of ratings received.
    async fn rating_count(&self) -> i64 {
        self.0.rating_count
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The influencer's live channels (empty for other roles).
    async fn channels(&self, ctx: &Context<'_>) -> Result<Vec<super::catalogue::ChannelNode>> {
        super::catalogue::channels_of(ctx, self.0.id).await
    }
    /// The influencer's live ad spaces, newest first (empty for other roles); page through
    /// them with `adSpaces(filter: { influencerId })`.
    async fn ad_spaces(&self, ctx: &Context<'_>) -> Result<Vec<super::catalogue::AdSpaceNode>> {
        super::catalogue::ad_spaces_of(ctx, self.0.id).await
    }
    /// Unread messages over all of the account's orders: for its owner only, `null` for anyone else.
    async fn unread_messages_count(&self, ctx: &Context<'_>) -> Result<Option<i64>> {
        super::conversation::user_unread_total(ctx, self.0.id).await
    }
}

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

/// Account queries.
#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in account.
    async fn me(&self, ctx: &Context<'_>) -> Result<UserNode> {
        Ok(UserNode::public(services(ctx).accounts.me(&viewer(ctx)).await?))
    }
}

/// Account mutations.
#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Creates an advertiser or influencer account and signs it in.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> Result<AuthPayload> {
        let input = SignUp { email: input.email, password: input.password, display_name: input.display_name, role: input.role.into() };
        Ok(services(ctx).accounts.sign_up(input).await?.into())
    }

    /// Signs in with email and password. Rate-limited per email and per client address.
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
