//! Accounts: sign-up, log-in, sessions and profiles.

use super::model::{NewUser, ProfileInput, ProfilePatch, SessionToken, SignUp, User};
use super::repo::AccountsRepo;
use crate::domain::Id;
use crate::domain::abuse::Guard;
use crate::domain::catalogue::Category;
use crate::domain::clock::Clock;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::sessions::SessionEnds;
use crate::domain::values::{self, Email, Password};
use crate::domain::viewer::Role;
use crate::domain::viewer::Viewer;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Settings of the accounts service.
#[derive(Debug, Clone, Copy)]
pub struct AccountSettings {
    /// How long a session lives.
    pub session_ttl: Duration,
    /// argon2id memory cost in KiB.
    pub argon2_memory_kib: u32,
}

/// Sign-up, log-in, sessions and profiles.
pub struct AccountService {
    repo: Arc<dyn AccountsRepo>,
    clock: Arc<dyn Clock>,
    settings: AccountSettings,
    guard: Arc<Guard>,
    ends: Arc<dyn SessionEnds>,
}

/// Longest email accepted by log-in before any other work (the longest valid address is 254
/// bytes; room is left for surrounding spaces and multi-byte characters).
const MAX_LOGIN_EMAIL_BYTES: usize = 1024;

impl AccountService {
    /// Builds the service: `guard` holds the rate limits and hashing slots, `ends` is told of
    /// revoked sessions.
    pub fn new(
        repo: Arc<dyn AccountsRepo>,
        clock: Arc<dyn Clock>,
        settings: AccountSettings,
        guard: Arc<Guard>,
        ends: Arc<dyn SessionEnds>,
    ) -> Self {
        Self { repo, clock, settings, guard, ends }
    }

    /// The rate limits (the GraphQL layer counts writes through it).
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// Creates an advertiser or influencer account and signs it in. Limited per client address.
    #[tracing::instrument(skip_all, fields(role = ?input.role))]
    pub async fn sign_up(&self, input: SignUp, client: Option<IpAddr>) -> DomainResult<SessionToken> {
        if input.role == Role::Admin {
            return Err(DomainError::bad_input("role", "admins are created with the CLI"));
        }
        // Refused inputs cost nothing: validate before counting and hashing.
        Email::parse("email", &input.email)?;
        Password::parse("password", &input.password)?;
        values::text("displayName", &input.display_name, 1, 80)?;
        self.guard.sign_up(client).await?;
        let user = self.register(input).await?;
        self.open_session(user).await
    }

    /// Creates an account of any role (the CLI's `create-admin` uses it).
    pub async fn register(&self, input: SignUp) -> DomainResult<User> {
        let email = Email::parse("email", &input.email)?;
        let password = Password::parse("password", &input.password)?;
        let display_name = values::text("displayName", &input.display_name, 1, 80)?;
        let password_hash = self.hash_password(password).await?;
        let new = NewUser { email, password_hash, role: input.role, display_name };
        self.repo.create_user(new, self.clock.now()).await
    }

    /// Checks an email and password and opens a session. Limited per client address, and
    /// failures per (account, address) and per address; see `abuse`.
    #[tracing::instrument(skip_all)]
    pub async fn log_in(&self, email: &str, password: &str, client: Option<IpAddr>) -> DomainResult<SessionToken> {
        // Oversized inputs are refused before they reach a limiter or the hasher.
        if email.len() > MAX_LOGIN_EMAIL_BYTES {
            return Err(DomainError::bad_input("email", "is not a valid email address"));
        }
        if password.chars().count() > Password::MAX_CHARS {
            return Err(DomainError::InvalidCredentials);
        }
        let normalised = values::normalise_email(email);
        let attempt = self.guard.log_in_attempt(&normalised, client).await?;
        let found = self.repo.user_with_hash_by_email(&normalised).await?;
        // Verify against a fixed hash when the email is unknown, so timing does not tell.
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, DUMMY_HASH.to_owned()),
        };
        let password = password.to_owned();
        let ok = self.guard.hash(move || verify_password(&password, &hash)).await?;
        let user = user.filter(|_| ok);
        self.guard.log_in_outcome(attempt, user.is_some()).await;
        match user {
            Some(user) => self.open_session(user).await,
            None => Err(DomainError::InvalidCredentials),
        }
    }

    /// Revokes the viewer's session; its open websockets, on every instance, stop at once.
    pub async fn log_out(&self, viewer: &Viewer) -> DomainResult<()> {
        match viewer {
            Viewer::User { session_id, .. } => {
                self.repo.revoke_session(*session_id, self.clock.now()).await?;
                self.ends.ended(*session_id);
                Ok(())
            }
            Viewer::Anonymous => Err(DomainError::Unauthenticated),
        }
    }

    /// The viewer of a bearer token; `Anonymous` for a missing token, `UNAUTHENTICATED` for a bad one.
    pub async fn authenticate(&self, token: Option<&str>) -> DomainResult<Viewer> {
        let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(Viewer::Anonymous);
        };
        match self.repo.live_session(&hash_token(token), self.clock.now()).await? {
            Some((session_id, user)) => Ok(Viewer::User { id: user.id, role: user.role, session_id }),
            None => Err(DomainError::BadToken(self.repo.token_problem(&hash_token(token), self.clock.now()).await?)),
        }
    }

    /// Which of the sessions `ids` are still live (unexpired, not logged out): websocket
    /// streams end when theirs is not.
    pub async fn live_sessions(&self, ids: &[Id]) -> DomainResult<std::collections::HashSet<Id>> {
        Ok(self.repo.live_sessions(ids, self.clock.now()).await?.into_iter().collect())
    }

    /// The signed-in user.
    pub async fn me(&self, viewer: &Viewer) -> DomainResult<User> {
        let (id, _) = viewer.require()?;
        self.user(id).await?.ok_or(DomainError::Unauthenticated)
    }

    /// A user by id.
    pub async fn user(&self, id: Id) -> DomainResult<Option<User>> {
        Ok(self.repo.users_by_ids(&[id]).await?.into_iter().next())
    }

    /// Users by id (for loaders).
    pub async fn users(&self, ids: &[Id]) -> DomainResult<Vec<User>> {
        self.repo.users_by_ids(ids).await
    }

    /// Updates the viewer's own profile.
    #[tracing::instrument(skip_all)]
    pub async fn update_profile(&self, viewer: &Viewer, input: ProfileInput) -> DomainResult<User> {
        let (id, role) = viewer.require()?;
        let patch = parse_profile(role, input)?;
        self.repo.update_profile(id, patch, self.clock.now()).await
    }

    async fn open_session(&self, user: User) -> DomainResult<SessionToken> {
        let token = new_token();
        let now = self.clock.now();
        let ttl = chrono::Duration::from_std(self.settings.session_ttl).map_err(DomainError::internal)?;
        let expires_at = now + ttl;
        self.repo.create_session(user.id, &hash_token(&token), now, expires_at).await?;
        Ok(SessionToken { token, expires_at, user })
    }

    async fn hash_password(&self, password: Password) -> DomainResult<String> {
        let memory = self.settings.argon2_memory_kib;
        self.guard
            .hash(move || {
                let params = Params::new(memory, 2, 1, None).map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?;
                let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                let mut salt = [0u8; 16];
                rand::rng().fill_bytes(&mut salt);
                let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
                let hash = argon.hash_password(password.expose().as_bytes(), &salt).map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
                Ok::<_, anyhow::Error>(hash.to_string())
            })
            .await?
            .map_err(DomainError::Internal)
    }
}

/// A valid argon2id hash of a random password, verified when the email is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5a7QmS1Lm0Kx1u2aQ8iLxq1m8c4l0d2yZQ3wq9Xk3vE";

/// Checks a password against a PHC string (blocking: run it through `Guard::hash`).
fn verify_password(password: &str, hash: &str) -> bool {
    // The parameters are read from the PHC string itself.
    PasswordHash::new(hash).map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()).unwrap_or(false)
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("adb_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The SHA-256 of a token, as stored.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn parse_profile(role: Role, input: ProfileInput) -> DomainResult<ProfilePatch> {
    let clearable = |field: &str, v: Option<String>, max: usize| -> DomainResult<Option<Option<String>>> {
        v.map(|s| values::optional_text(field, Some(&s), max)).transpose()
    };
    let influencer_only = input.bio.is_some() || input.categories.is_some();
    if influencer_only && role == Role::Advertiser {
        return Err(DomainError::bad_input(
            if input.bio.is_some() { "bio" } else { "categories" },
            "only influencers have this profile field",
        ));
    }
    let advertiser_only = input.brand_name.is_some() || input.website.is_some() || input.industry.is_some();
    if advertiser_only && role == Role::Influencer {
        return Err(DomainError::bad_input("brandName", "only advertisers have brand fields"));
    }
    let categories = match input.categories {
        Some(c) if c.len() > Category::MAX_PER_ITEM => {
            return Err(DomainError::bad_input("categories", format!("must have at most {} items", Category::MAX_PER_ITEM)));
        }
        Some(mut c) => {
            c.dedup();
            Some(c)
        }
        None => None,
    };
    Ok(ProfilePatch {
        display_name: input.display_name.map(|d| values::text("displayName", &d, 1, 80)).transpose()?,
        bio: clearable("bio", input.bio, 2000)?,
        avatar_url: input.avatar_url.map(|u| values::optional_http_url("avatarUrl", Some(&u))).transpose()?,
        country: input
            .country
            .map(|c| if c.trim().is_empty() { Ok(None) } else { values::country("country", &c).map(Some) })
            .transpose()?,
        languages: input.languages.map(|l| values::list("languages", &l, 10, values::language)).transpose()?,
        categories,
        brand_name: clearable("brandName", input.brand_name, 120)?,
        website: input.website.map(|u| values::optional_http_url("website", Some(&u))).transpose()?,
        industry: clearable("industry", input.industry, 80)?,
    })
}
