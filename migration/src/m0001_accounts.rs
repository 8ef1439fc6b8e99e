//! Accounts and sessions.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_accounts"
    }
}

const UP: &str = r#"
CREATE TABLE users (
    id {pk},
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    bio TEXT,
    avatar_url TEXT,
    country TEXT,
    languages TEXT NOT NULL DEFAULT '[]',
    categories TEXT NOT NULL DEFAULT '[]',
    brand_name TEXT,
    website TEXT,
    industry TEXT,
    rating_sum {big} NOT NULL DEFAULT 0,
    rating_count {big} NOT NULL DEFAULT 0,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE TABLE sessions (
    id {pk},
    user_id {big} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at {ts} NOT NULL,
    expires_at {ts} NOT NULL,
    revoked_at {ts}
);
CREATE INDEX sessions_user ON sessions (user_id)
"#;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(manager, "DROP TABLE sessions; DROP TABLE users").await
    }
}
