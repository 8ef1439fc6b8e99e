//! Influencer channels and advertising spaces.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_catalogue"
    }
}

const UP: &str = r#"
CREATE TABLE channels (
    id {pk},
    influencer_id {big} NOT NULL REFERENCES users(id),
    platform TEXT NOT NULL,
    handle TEXT NOT NULL,
    url TEXT NOT NULL,
    followers {big} NOT NULL,
    engagement_bp INTEGER NOT NULL,
    removed_at {ts},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX channels_influencer ON channels (influencer_id);
CREATE TABLE ad_spaces (
    id {pk},
    influencer_id {big} NOT NULL REFERENCES users(id),
    channel_id {big} NOT NULL REFERENCES channels(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    format TEXT NOT NULL,
    deliverables TEXT NOT NULL DEFAULT '[]',
    price_minor {big} NOT NULL,
    currency TEXT NOT NULL,
    turnaround_days INTEGER NOT NULL,
    revisions_included INTEGER NOT NULL,
    categories TEXT NOT NULL DEFAULT '[]',
    sample_links TEXT NOT NULL DEFAULT '[]',
    archived_at {ts},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX ad_spaces_influencer ON ad_spaces (influencer_id);
CREATE INDEX ad_spaces_channel ON ad_spaces (channel_id)
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
        crate::sql::run(manager, "DROP TABLE ad_spaces; DROP TABLE channels").await
    }
}
