//! Discovery: the full-text index of ad spaces and the indexes behind its sorts and filters.
//!
//! The index is kept by triggers, so every write path (the app, the seeder, tests inserting
//! rows directly) keeps it current. It covers the title, description and deliverables of an
//! ad space, and the name and categories of its influencer (a profile change re-indexes the
//! influencer's spaces).
//!
//! - SQLite: an FTS5 table `ad_space_fts` (rowid = ad space id, porter stemming).
//! - Postgres: a weighted `tsvector` column `ad_spaces.search` with a GIN index.
//!
//! Trigger bodies contain `;`, so statements are listed one by one, not split from a template.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        // Released under this name: databases record it, so it never changes.
        "m0004_search"
    }
}

/// Indexes for the sorts (keyset pagination reads them in order) and filters.
const COMMON: &[&str] = &[
    "CREATE INDEX ad_spaces_live_price ON ad_spaces (price_minor, id) WHERE archived_at IS NULL",
    "CREATE INDEX ad_spaces_live_currency_price ON ad_spaces (currency, price_minor, id) WHERE archived_at IS NULL",
    "CREATE INDEX channels_followers ON channels (followers, id)",
    "CREATE INDEX users_country ON users (country)",
];

const FTS_ROW: &str = "SELECT a.id, a.title, a.description, a.deliverables, u.display_name, a.categories || ' ' || u.categories \
    FROM ad_spaces a JOIN users u ON u.id = a.influencer_id";

fn sqlite_up() -> Vec<String> {
    let insert = "INSERT INTO ad_space_fts (rowid, title, description, deliverables, influencer, categories)";
    vec![
        "CREATE VIRTUAL TABLE ad_space_fts USING fts5(title, description, deliverables, influencer, categories, \
         tokenize = 'porter unicode61')"
            .into(),
        format!("CREATE TRIGGER ad_spaces_fts_insert AFTER INSERT ON ad_spaces BEGIN {insert} {FTS_ROW} WHERE a.id = NEW.id; END"),
        format!(
            "CREATE TRIGGER ad_spaces_fts_update AFTER UPDATE OF title, description, deliverables, categories, influencer_id \
             ON ad_spaces BEGIN DELETE FROM ad_space_fts WHERE rowid = OLD.id; {insert} {FTS_ROW} WHERE a.id = NEW.id; END"
        ),
        "CREATE TRIGGER ad_spaces_fts_delete AFTER DELETE ON ad_spaces BEGIN DELETE FROM ad_space_fts WHERE rowid = OLD.id; END".into(),
        format!(
            "CREATE TRIGGER users_fts_update AFTER UPDATE OF display_name, categories ON users BEGIN \
             DELETE FROM ad_space_fts WHERE rowid IN (SELECT id FROM ad_spaces WHERE influencer_id = NEW.id); \
             {insert} {FTS_ROW} WHERE a.influencer_id = NEW.id; END"
        ),
        format!("{insert} {FTS_ROW}"),
    ]
}

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE ad_spaces ADD COLUMN search tsvector",
    r#"CREATE FUNCTION ad_spaces_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT setweight(to_tsvector('english', NEW.title), 'A')
        || setweight(to_tsvector('english', u.display_name), 'B')
        || setweight(to_tsvector('english', NEW.categories || ' ' || u.categories), 'B')
        || setweight(to_tsvector('english', NEW.description || ' ' || NEW.deliverables), 'C')
    INTO NEW.search
    FROM users u WHERE u.id = NEW.influencer_id;
    RETURN NEW;
END $$"#,
    "CREATE TRIGGER ad_spaces_search BEFORE INSERT OR UPDATE OF title, description, deliverables, categories, influencer_id \
     ON ad_spaces FOR EACH ROW EXECUTE FUNCTION ad_spaces_search_document()",
    r#"CREATE FUNCTION users_search_reindex() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ad_spaces SET title = title WHERE influencer_id = NEW.id;
    RETURN NULL;
END $$"#,
    "CREATE TRIGGER users_search AFTER UPDATE OF display_name, categories ON users FOR EACH ROW \
     WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name OR OLD.categories IS DISTINCT FROM NEW.categories) \
     EXECUTE FUNCTION users_search_reindex()",
    "UPDATE ad_spaces SET title = title",
    "CREATE INDEX ad_spaces_search ON ad_spaces USING GIN (search)",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER users_fts_update",
    "DROP TRIGGER ad_spaces_fts_delete",
    "DROP TRIGGER ad_spaces_fts_update",
    "DROP TRIGGER ad_spaces_fts_insert",
    "DROP TABLE ad_space_fts",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER users_search ON users",
    "DROP FUNCTION users_search_reindex",
    "DROP TRIGGER ad_spaces_search ON ad_spaces",
    "DROP FUNCTION ad_spaces_search_document",
    "ALTER TABLE ad_spaces DROP COLUMN search",
];

const COMMON_DOWN: &[&str] = &[
    "DROP INDEX users_country",
    "DROP INDEX channels_followers",
    "DROP INDEX ad_spaces_live_currency_price",
    "DROP INDEX ad_spaces_live_price",
];

async fn run_all(manager: &SchemaManager<'_>, statements: impl IntoIterator<Item = String>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(&statement).await?;
    }
    Ok(())
}

fn owned(statements: &[&str]) -> Vec<String> {
    statements.iter().map(|s| (*s).to_owned()).collect()
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let specific = match manager.get_database_backend() {
            DbBackend::Postgres => owned(POSTGRES_UP),
            _ => sqlite_up(),
        };
        run_all(manager, owned(COMMON).into_iter().chain(specific)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let specific = match manager.get_database_backend() {
            DbBackend::Postgres => owned(POSTGRES_DOWN),
            _ => owned(SQLITE_DOWN),
        };
        run_all(manager, specific.into_iter().chain(owned(COMMON_DOWN))).await
    }
}
