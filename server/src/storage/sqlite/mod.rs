//! SQLite backend: the embedded default, one file, nothing to install.

mod organisation;

use super::{OpenError, PoolSettings, storage_error};
use crate::config::SqliteSynchronous;
use app::server::storage::{Backend, HealthStore, Storage, StorageError};
use async_trait::async_trait;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use std::path::Path;
use std::sync::Arc;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Opens (creating if absent) the database file at `path`, in WAL mode with
/// foreign keys on, and applies pending migrations.
#[tracing::instrument(skip(settings), fields(path = %path.display()))]
pub async fn open(path: &Path, settings: &PoolSettings) -> Result<Storage, OpenError> {
    let pool = connect(path, settings).await?;
    migrate(&pool).await?;
    super::restore_after_interrupted_load(storage(pool)).await
}

/// Applies this backend's pending migrations.
pub async fn migrate(pool: &SqlitePool) -> Result<(), OpenError> {
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| OpenError::Migration(e.to_string()))
}

/// Wraps an open pool in the storage traits.
pub fn storage(pool: SqlitePool) -> Storage {
    Storage {
        backend: Backend::Sqlite,
        organisation: Arc::new(organisation::SqliteOrganisation::new(pool.clone())),
        users: Arc::new(super::users::SqlUsers::new(pool.clone())),
        sessions: Arc::new(super::users::SqlSessions::new(pool.clone())),
        access_log: Arc::new(super::access_log::SqlAccessLog::new(pool.clone())),
        second_factors: Arc::new(super::second_factors::SqlSecondFactors::new(pool.clone())),
        teams: Arc::new(super::people::SqlTeams::new(pool.clone())),
        people: Arc::new(super::people::SqlPeople::new(pool.clone())),
        tags: Arc::new(super::tags::SqlTags::new(pool.clone())),
        preferences: Arc::new(super::tags::SqlPreferences::new(pool.clone())),
        companies: Arc::new(super::companies::SqlCompanies::new(pool.clone())),
        interactions: Arc::new(super::interactions::SqlInteractions::new(pool.clone())),
        leads: Arc::new(super::leads::SqlLeads::new(pool.clone())),
        pipelines: Arc::new(super::pipelines::SqlPipelines::new(pool.clone())),
        events: Arc::new(super::events::SqlEvents::new(pool.clone())),
        dashboard: Arc::new(super::dashboard::SqlDashboard::new(pool.clone())),
        sign_in_failures: Arc::new(super::sign_in_failures::SqlSignInFailures::new(
            pool.clone(),
        )),
        consent: Arc::new(super::consent::SqlConsent::new(pool.clone())),
        privacy: Arc::new(super::privacy::SqlPrivacy::new(pool.clone())),
        archives: Arc::new(super::archive::SqlArchives::new(pool.clone())),
        bulk_load: Arc::new(super::bulk_load::SqlBulkLoad::new(pool.clone())),
        health: Arc::new(SqliteHealth { pool }),
    }
}

/// Opens a connection pool on the database file, creating the file and its
/// folder if needed. Every connection gets WAL, foreign keys, the busy
/// timeout and the configured `synchronous` level.
pub async fn connect(path: &Path, settings: &PoolSettings) -> Result<SqlitePool, OpenError> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder).map_err(|e| {
        OpenError::Sqlite(format!(
            "cannot create the data folder {}: {e}; create it or set DATABASE_URL to a writable place",
            folder.display()
        ))
    })?;
    // SQLite needs to create the database and its -wal/-shm files next to
    // it; find out now, with a plain message, rather than from a cryptic
    // "unable to open database file" later.
    let probe = folder.join(format!(".accord-write-check-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
        }
        Err(e) => {
            return Err(OpenError::Sqlite(format!(
                "the data folder {} is not writable ({e}); make it writable by this user or set DATABASE_URL to a writable place",
                folder.display()
            )));
        }
    }

    let synchronous = match settings.sqlite_synchronous {
        SqliteSynchronous::Off => sqlx::sqlite::SqliteSynchronous::Off,
        SqliteSynchronous::Normal => sqlx::sqlite::SqliteSynchronous::Normal,
        SqliteSynchronous::Full => sqlx::sqlite::SqliteSynchronous::Full,
        SqliteSynchronous::Extra => sqlx::sqlite::SqliteSynchronous::Extra,
    };
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(settings.sqlite_busy_timeout)
        .synchronous(synchronous);
    SqlitePoolOptions::new()
        .max_connections(settings.max_connections)
        // sqlx pings a connection on every acquire by default: a trip to
        // its worker thread that checks nothing for a local file, paid by
        // every query.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(|e| {
            OpenError::Sqlite(format!(
                "cannot open the SQLite database {}: {e}",
                path.display()
            ))
        })
}

struct SqliteHealth {
    pool: SqlitePool,
}

#[async_trait]
impl HealthStore for SqliteHealth {
    #[tracing::instrument(skip(self), err)]
    async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(storage_error)
    }
}
