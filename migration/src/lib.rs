//! Database migrations, one file per migration, applied at start-up by `Migrator::up`.
//!
//! Tables are written as SQL templates rendered per backend (see [`sql`]): the schema stays
//! readable as SQL, and SQLite and Postgres differ only in a few type names.
//!
//! Rules (they protect databases that users already run):
//! - A released migration is never edited, reordered or renamed *in the database*: its recorded
//!   name (`MigrationName::name`, stored in `seaql_migrations`) is frozen. The file may be renamed
//!   for order's sake: `m0005_search.rs` was released as `m0004_search` and still records that name.
//! - From `m0006` on, one migration per area change, named after its area.
//! - `m0003_orders` created the conversation and draft tables too; it stays as released.

pub use sea_orm_migration::prelude::*;

mod m0001_accounts;
mod m0002_catalogue;
mod m0003_orders;
mod m0004_order_status_actor;
mod m0005_search;
mod m0006_feedback;
pub mod sql;

/// Every migration of the project, in order.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_accounts::Migration),
            Box::new(m0002_catalogue::Migration),
            Box::new(m0003_orders::Migration),
            Box::new(m0004_order_status_actor::Migration),
            Box::new(m0005_search::Migration),
            Box::new(m0006_feedback::Migration),
        ]
    }
}
