//! The accounts repository: users, profiles and sessions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use super::entities::{session, user};
use super::{Store, from_json_list, internal, is_unique_violation, to_json_list};
use crate::domain::Id;
use crate::domain::accounts::{AccountsRepo, NewUser, ProfilePatch, Role, User};
use crate::domain::catalogue::Category;
use crate::domain::{DomainError, DomainResult};

/// Converts a row to the domain's user.
pub fn to_user(m: user::Model) -> DomainResult<User> {
    let role =
        Role::from_db(&m.role).ok_or_else(|| DomainError::internal(anyhow::anyhow!("unknown role {:?} of user {}", m.role, m.id)))?;
    Ok(User {
        id: m.id,
        email: m.email,
        role,
        display_name: m.display_name,
        bio: m.bio,
        avatar_url: m.avatar_url,
        country: m.country,
        languages: from_json_list(&m.languages),
        categories: from_json_list(&m.categories).iter().filter_map(|c| Category::from_db(c)).collect(),
        brand_name: m.brand_name,
        website: m.website,
        industry: m.industry,
        rating: crate::domain::values::RatingTally {
            sum: m.rating_sum,
            count: m.rating_count,
            histogram: [m.rating_1, m.rating_2, m.rating_3, m.rating_4, m.rating_5],
        },
        created_at: m.created_at,
    })
}

#[async_trait]
impl AccountsRepo for Store {
    async fn create_user(&self, new: NewUser, now: DateTime<Utc>) -> DomainResult<User> {
        let row = user::ActiveModel {
            email: Set(new.email.as_str().to_owned()),
            password_hash: Set(new.password_hash),
            role: Set(new.role.as_str().to_owned()),
            display_name: Set(new.display_name),
            languages: Set("[]".into()),
            categories: Set("[]".into()),
            rating_sum: Set(0),
            rating_count: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        // Insert, then read the row back by id: an `INSERT … RETURNING` of every column was seen
        // to come back without the columns added by a later migration on SQLite.
        match user::Entity::insert(row).exec(self.db()).await {
            Ok(done) => {
                let m = user::Entity::find_by_id(done.last_insert_id).one(self.db()).await.map_err(internal)?;
                to_user(m.ok_or(DomainError::NotFound("user"))?)
            }
            Err(e) if is_unique_violation(&e) => Err(DomainError::Conflict("an account with this email already exists".into())),
            Err(e) => Err(internal(e)),
        }
    }

    async fn user_with_hash_by_email(&self, email: &str) -> DomainResult<Option<(User, String)>> {
        let found = user::Entity::find().filter(user::Column::Email.eq(email)).one(self.db()).await.map_err(internal)?;
        found
            .map(|m| {
                let hash = m.password_hash.clone();
                to_user(m).map(|u| (u, hash))
            })
            .transpose()
    }

    async fn users_by_ids(&self, ids: &[Id]) -> DomainResult<Vec<User>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = user::Entity::find().filter(user::Column::Id.is_in(ids.iter().copied())).all(self.db()).await.map_err(internal)?;
        rows.into_iter().map(to_user).collect()
    }

    async fn update_profile(&self, id: Id, patch: ProfilePatch, now: DateTime<Utc>) -> DomainResult<User> {
        let mut row = user::ActiveModel { id: sea_orm::Unchanged(id), updated_at: Set(now), ..Default::default() };
        if let Some(v) = patch.display_name {
            row.display_name = Set(v);
        }
        if let Some(v) = patch.bio {
            row.bio = Set(v);
        }
        if let Some(v) = patch.avatar_url {
            row.avatar_url = Set(v);
        }
        if let Some(v) = patch.country {
            row.country = Set(v);
        }
        if let Some(v) = patch.languages {
            row.languages = Set(to_json_list(&v));
        }
        if let Some(v) = patch.categories {
            row.categories = Set(to_json_list(&v.iter().map(|c| c.as_str()).collect::<Vec<_>>()));
        }
        if let Some(v) = patch.brand_name {
            row.brand_name = Set(v);
        }
        if let Some(v) = patch.website {
            row.website = Set(v);
        }
        if let Some(v) = patch.industry {
            row.industry = Set(v);
        }
        let m = row.update(self.db()).await.map_err(internal)?;
        to_user(m)
    }

    async fn create_session(&self, user_id: Id, token_hash: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> DomainResult<Id> {
        let row = session::ActiveModel {
            user_id: Set(user_id),
            token_hash: Set(token_hash.to_owned()),
            created_at: Set(now),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
            ..Default::default()
        };
        Ok(row.insert(self.db()).await.map_err(internal)?.id)
    }

    async fn live_session(&self, token_hash: &str, now: DateTime<Utc>) -> DomainResult<Option<(Id, User)>> {
        let found = session::Entity::find()
            .filter(session::Column::TokenHash.eq(token_hash))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .one(self.db())
            .await
            .map_err(internal)?;
        let Some(s) = found else { return Ok(None) };
        let user = user::Entity::find_by_id(s.user_id).one(self.db()).await.map_err(internal)?;
        user.map(|u| to_user(u).map(|u| (s.id, u))).transpose()
    }

    async fn token_problem(&self, token_hash: &str, now: DateTime<Utc>) -> DomainResult<crate::domain::error::TokenProblem> {
        use crate::domain::error::TokenProblem;
        let found = session::Entity::find().filter(session::Column::TokenHash.eq(token_hash)).one(self.db()).await.map_err(internal)?;
        Ok(match found {
            Some(s) if s.revoked_at.is_some() => TokenProblem::Revoked,
            Some(s) if s.expires_at <= now => TokenProblem::Expired,
            _ => TokenProblem::Invalid,
        })
    }

    async fn revoke_session(&self, session_id: Id, now: DateTime<Utc>) -> DomainResult<()> {
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
            .filter(session::Column::Id.eq(session_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(self.db())
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn live_sessions(&self, ids: &[Id], now: DateTime<Utc>) -> DomainResult<Vec<Id>> {
        session::Entity::find()
            .select_only()
            .column(session::Column::Id)
            .filter(session::Column::Id.is_in(ids.iter().copied()))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .into_tuple::<Id>()
            .all(self.db())
            .await
            .map_err(internal)
    }
}
