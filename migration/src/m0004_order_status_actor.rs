//! Orders remember when their status last changed and who changed it.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_order_status_actor"
    }
}

const UP: &str = "ALTER TABLE orders ADD COLUMN status_changed_at {ts}; \
    ALTER TABLE orders ADD COLUMN status_changed_by {big} REFERENCES users(id); \
    CREATE INDEX payments_order ON payments (order_id, id)";

const DOWN: &str = "DROP INDEX payments_order; ALTER TABLE orders DROP COLUMN status_changed_by; \
    ALTER TABLE orders DROP COLUMN status_changed_at";

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(manager, DOWN).await
    }
}
