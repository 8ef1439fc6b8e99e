//! Accounts: users, their profiles and sessions, as values.

use crate::domain::Id;
use crate::domain::catalogue::Category;
use crate::domain::values::Email;
use crate::domain::viewer::Role;
use chrono::{DateTime, Utc};

/// An account with its profile.
#[derive(Debug, Clone)]
pub struct User {
    /// Primary key.
    pub id: Id,
    /// Normalised email (private: the owner and admins only).
    pub email: String,
    /// Role.
    pub role: Role,
    /// Public name.
    pub display_name: String,
    /// Influencer biography.
    pub bio: Option<String>,
    /// Avatar image URL.
    pub avatar_url: Option<String>,
    /// ISO country code.
    pub country: Option<String>,
    /// ISO 639-1 languages.
    pub languages: Vec<String>,
    /// Influencer niches.
    pub categories: Vec<Category>,
    /// Advertiser brand.
    pub brand_name: Option<String>,
    /// Advertiser website.
    pub website: Option<String>,
    /// Advertiser industry.
    pub industry: Option<String>,
    /// Published ratings received.
    pub rating: crate::domain::values::RatingTally,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// A new account, validated.
#[derive(Debug)]
pub struct NewUser {
    /// Normalised email.
    pub email: Email,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Public name.
    pub display_name: String,
}

/// Raw sign-up input.
#[derive(Debug)]
pub struct SignUp {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
    /// Public name.
    pub display_name: String,
    /// `ADVERTISER` or `INFLUENCER`.
    pub role: Role,
}

/// Raw profile changes; `None` leaves a field as it is, an empty string clears it.
#[derive(Debug, Default)]
pub struct ProfileInput {
    /// Public name.
    pub display_name: Option<String>,
    /// Biography.
    pub bio: Option<String>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// Country code.
    pub country: Option<String>,
    /// Language codes.
    pub languages: Option<Vec<String>>,
    /// Niches (influencers).
    pub categories: Option<Vec<Category>>,
    /// Brand (advertisers).
    pub brand_name: Option<String>,
    /// Website (advertisers).
    pub website: Option<String>,
    /// Industry (advertisers).
    pub industry: Option<String>,
}

/// Validated profile changes: `Some(None)` clears a field.
#[derive(Debug, Default)]
pub struct ProfilePatch {
    /// Public name.
    pub display_name: Option<String>,
    /// Biography.
    pub bio: Option<Option<String>>,
    /// Avatar URL.
    pub avatar_url: Option<Option<String>>,
    /// Country code.
    pub country: Option<Option<String>>,
    /// Language codes.
    pub languages: Option<Vec<String>>,
    /// Niches.
    pub categories: Option<Vec<Category>>,
    /// Brand.
    pub brand_name: Option<Option<String>>,
    /// Website.
    pub website: Option<Option<String>>,
    /// Industry.
    pub industry: Option<Option<String>>,
}

/// A session handed to the client.
#[derive(Debug, Clone)]
pub struct SessionToken {
    /// The bearer token (shown once).
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Its owner.
    pub user: User,
}
