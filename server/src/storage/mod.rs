//! Storage backends. `DATABASE_URL`'s scheme picks one; both implement the
//! traits of `app::server::storage`, run their own migrations at start-up,
//! and pass the same contract tests (`tests/integration/storage_contract.rs`).

pub mod access_log;
pub mod archive;
pub mod bulk_load;
pub mod companies;
pub mod consent;
pub mod dashboard;
pub mod events;
pub mod interactions;
pub mod leads;
pub mod people;
pub(crate) mod people_rows;
pub mod pipelines;
pub mod postgres;
pub mod privacy;
pub mod rows;
pub(crate) mod script;
pub mod second_factors;
pub mod sign_in_failures;
pub mod sqlite;
pub mod tags;
pub mod users;

use crate::config::{Config, DatabaseUrl};
use app::server::storage::{Storage, StorageError};

/// Why the database could not be opened, worded for the operator.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Sqlite(String),
    #[error("{0}")]
    Postgres(String),
    #[error("database migration failed: {0}")]
    Migration(String),
}

/// Connection settings shared by the backends.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub sqlite_synchronous: crate::config::SqliteSynchronous,
    pub sqlite_busy_timeout: std::time::Duration,
}

impl PoolSettings {
    pub fn from_config(config: &Config) -> Self {
        PoolSettings {
            max_connections: config.db_max_connections,
            sqlite_synchronous: config.sqlite_synchronous,
            sqlite_busy_timeout: config.sqlite_busy_timeout,
        }
    }
}

/// Opens the database named by `url` and brings its schema up to date.
pub async fn open(url: &DatabaseUrl, settings: &PoolSettings) -> Result<Storage, OpenError> {
    match url {
        DatabaseUrl::Sqlite { path } => sqlite::open(path, settings).await,
        DatabaseUrl::Postgres { url } => postgres::open(url, settings).await,
    }
}

/// Builds again the indexes an interrupted bulk load left dropped (see
/// `BulkLoadStore`); both backends' `open` end here.
pub(crate) async fn restore_after_interrupted_load(storage: Storage) -> Result<Storage, OpenError> {
    let restored = storage
        .bulk_load
        .restore_read_indexes()
        .await
        .map_err(|e| OpenError::Migration(e.to_string()))?;
    if restored > 0 {
        tracing::warn!(
            restored,
            "rebuilt indexes left suspended by an interrupted bulk load"
        );
    }
    Ok(storage)
}

/// Maps a sqlx error to the storage contract's error. The text is for logs.
pub(crate) fn storage_error(error: sqlx::Error) -> StorageError {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => StorageError::Unavailable(error.to_string()),
        sqlx::Error::RowNotFound => StorageError::Missing(error.to_string()),
        other => StorageError::Database(other.to_string()),
    }
}
