//! Renders the SQL templates of the migrations for the connected backend.
//!
//! Placeholders: `{pk}` an auto-increment 64-bit primary key, `{ts}` a UTC timestamp,
//! `{big}` a 64-bit integer. Everything else is SQL both SQLite and Postgres accept.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// Replaces the backend placeholders of `template`.
pub fn render(backend: DbBackend, template: &str) -> String {
    let (pk, ts, big) = match backend {
        DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ", "BIGINT"),
        _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "INTEGER"),
    };
    template.replace("{pk}", pk).replace("{ts}", ts).replace("{big}", big)
}

/// Runs each `;`-separated statement of `template`, rendered for the manager's backend.
pub async fn run(manager: &SchemaManager<'_>, template: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let sql = render(manager.get_database_backend(), template);
    for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}
