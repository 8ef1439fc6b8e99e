//! Persistence: sea-orm entities and the repository implementations of the domain's ports.
//!
//! One [`Store`] wraps the connection pool. SQLite (the embedded default) runs in WAL mode with
//! a busy timeout and several connections; writes use `BEGIN IMMEDIATE` so that two writers
//! queue on the lock instead of failing on upgrade. Postgres is used as it comes.

pub mod accounts;
pub mod catalogue;
pub mod conversation;
pub mod drafts;
pub mod entities;
pub mod feedback;
pub mod orders;
pub mod stats;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

use crate::domain::DomainError;

/// Key of the Postgres advisory lock that serialises migrations across instances.
const MIGRATION_LOCK: i64 = 0x0adb_0001;

/// The database: a pool of connections to SQLite or Postgres.
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    stats: Arc<stats::StatementStats>,
}

impl Store {
    /// Connects to `url`, creating the SQLite file and its directory when missing.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        Self::connect_with(url, max_connections, Duration::from_secs(10)).await
    }

    /// [`Store::connect`] with the longest wait for a pooled connection: past it a query
    /// fails (and the API answers `UNAVAILABLE`) instead of queueing behind an outage.
    pub async fn connect_with(url: &str, max_connections: u32, acquire_timeout: Duration) -> anyhow::Result<Self> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections.max(2))
            .min_connections(1)
            .acquire_timeout(acquire_timeout)
            .connect_timeout(acquire_timeout)
            .sqlx_logging(false);
        if url.starts_with("sqlite:") {
            if let Some(dir) = sqlite_path(url).and_then(|p| Path::new(&p).parent().map(Path::to_path_buf))
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            }
            options.map_sqlx_sqlite_opts(|o: SqliteConnectOptions| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
        }
        let mut db = Database::connect(options).await.map_err(|e| connect_error(url, e))?;
        let stats = Arc::new(stats::StatementStats::default());
        let recorder = stats.clone();
        db.set_metric_callback(move |info| recorder.record(&info.statement.sql));
        Ok(Self { db, stats })
    }

    /// Applies pending migrations; on Postgres under an advisory lock, so that instances
    /// starting together migrate one after the other.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        if self.backend() == DbBackend::Postgres {
            let pool = self.db.get_postgres_connection_pool();
            let mut conn = pool.acquire().await.context("acquiring the migration connection")?;
            sea_orm::sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATION_LOCK).execute(&mut *conn).await?;
            let result = Migrator::up(&self.db, None).await;
            sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)").bind(MIGRATION_LOCK).execute(&mut *conn).await?;
            result.context("applying migrations")?;
        } else {
            Migrator::up(&self.db, None).await.context("applying migrations")?;
            // SQLite has no autovacuum-analyze: refresh the planner's statistics where they are
            // stale, at each start (cheap when they are fresh). Postgres does this by itself.
            self.db.execute_unprepared("PRAGMA optimize").await.context("PRAGMA optimize")?;
        }
        Ok(())
    }

    /// The pooled connection.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The statement counter of this store.
    pub fn stats(&self) -> &stats::StatementStats {
        &self.stats
    }

    /// Which database this is.
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite).
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DomainError> {
        let options = TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
        self.db.begin_with_options(options).await.map_err(internal)
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.db.ping().await
    }
}

/// A connection failure in words an operator can act on: a missing Postgres database names
/// the `createdb` to run (instead of the server's raw message with its source line).
fn connect_error(url: &str, err: DbErr) -> anyhow::Error {
    let text = err.to_string();
    if url.starts_with("postgres") && text.contains("does not exist") && text.contains("database") {
        let name = url.split('?').next().unwrap_or_default().rsplit('/').next().unwrap_or_default();
        return anyhow::anyhow!(
            "the Postgres database {name:?} does not exist: create it first (e.g. `createdb -h 127.0.0.1 -U postgres {name}`)"
        );
    }
    anyhow::Error::new(err).context("connecting to the database")
}

/// The file path of a `sqlite:` URL, if it names a file.
pub fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

/// Maps an unexpected database error to `INTERNAL`, keeping the cause for the log.
pub fn internal(err: DbErr) -> DomainError {
    DomainError::internal(err)
}

/// Whether an error (anywhere in its chain) says the database cannot be reached: no connection
/// within the acquire timeout, a broken connection, or a server shutting down. The API answers
/// these `UNAVAILABLE` (503, `Retry-After`) rather than `INTERNAL`: retrying later will work.
pub fn is_unavailable(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| match cause.downcast_ref::<DbErr>() {
        Some(DbErr::ConnectionAcquire(_) | DbErr::Conn(_)) => true,
        Some(DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))) => {
            use sea_orm::sqlx::Error as E;
            match e.as_ref() {
                E::Io(_) | E::Tls(_) | E::Protocol(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => true,
                // Postgres: connection exceptions (08…) and operator intervention (57P…: shutting down).
                E::Database(db) => db.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
                _ => false,
            }
        }
        _ => false,
    })
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// Encodes a list as the JSON text stored in list columns.
pub fn to_json_list<T: AsRef<str>>(items: &[T]) -> String {
    serde_json::to_string(&items.iter().map(AsRef::as_ref).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".to_owned())
}

/// Decodes a stored JSON list; a malformed value reads as empty.
pub fn from_json_list(raw: &str) -> Vec<String> {
    serde_json::from_str(raw).unwrap_or_default()
}
