//! Accounts: the storage port.

use super::model::{NewUser, ProfilePatch, User};
use crate::domain::Id;
use crate::domain::error::DomainResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Persistence of accounts and sessions.
#[async_trait]
pub trait AccountsRepo: Send + Sync {
    /// Inserts a user; `CONFLICT` when the email is taken.
    async fn create_user(&self, user: NewUser, now: DateTime<Utc>) -> DomainResult<User>;
    /// A user and their password hash, by normalised email.
    async fn user_with_hash_by_email(&self, email: &str) -> DomainResult<Option<(User, String)>>;
    /// Users by id, in no particular order.
    async fn users_by_ids(&self, ids: &[Id]) -> DomainResult<Vec<User>>;
    /// Applies a profile patch and returns the updated user.
    async fn update_profile(&self, id: Id, patch: ProfilePatch, now: DateTime<Utc>) -> DomainResult<User>;
    /// Stores a session by the hash of its token.
    async fn create_session(&self, user_id: Id, token_hash: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> DomainResult<Id>;
    /// The live (unexpired, unrevoked) session of a token hash, with its user.
    async fn live_session(&self, token_hash: &str, now: DateTime<Utc>) -> DomainResult<Option<(Id, User)>>;
    /// Why a token hash opens no live session (expired, logged out, or unknown).
    async fn token_problem(&self, token_hash: &str, now: DateTime<Utc>) -> DomainResult<crate::domain::error::TokenProblem>;
    /// Revokes a session.
    async fn revoke_session(&self, session_id: Id, now: DateTime<Utc>) -> DomainResult<()>;
    /// Which of `ids` are live sessions (unexpired, unrevoked).
    async fn live_sessions(&self, ids: &[Id], now: DateTime<Utc>) -> DomainResult<Vec<Id>>;
}
