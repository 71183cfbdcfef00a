//! Suspending the read-only indexes during a bulk load (see
//! `BulkLoadStore`). The definitions are read back from the database's own
//! catalogue, so the migrations stay the one place that writes them.

use crate::storage::storage_error;
use app::server::storage::{BulkLoadStore, StorageError};
use async_trait::async_trait;
use sqlx::{Database, Pool};

/// The indexes that serve only reads (the orders of lists, the
/// dashboard's activity counts): nothing checks a constraint or finds a
/// row for a write through them. In name order.
pub const READ_INDEXES: &[&str] = &[
    "interactions_by_kind_time",
    "people_by_last_contact",
    "people_by_name",
];

pub struct SqlBulkLoad<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlBulkLoad<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

macro_rules! sql_bulk_load {
    ($db:ty, $definition:expr, $after_load:expr) => {
        #[async_trait]
        impl BulkLoadStore for SqlBulkLoad<$db> {
            #[tracing::instrument(skip(self), err)]
            async fn suspend_read_indexes(&self) -> Result<(), StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                for name in READ_INDEXES {
                    let definition: Option<String> = sqlx::query_scalar($definition)
                        .bind(*name)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                    // Already suspended (a second load before a restart).
                    let Some(definition) = definition else {
                        continue;
                    };
                    sqlx::query("INSERT INTO suspended_indexes (name, definition) VALUES ($1, $2)")
                        .bind(*name)
                        .bind(&definition)
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                    sqlx::query(&format!("DROP INDEX {name}"))
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                }
                tx.commit().await.map_err(storage_error)
            }

            #[tracing::instrument(skip(self), err)]
            async fn restore_read_indexes(&self) -> Result<usize, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let suspended: Vec<(String, String)> =
                    sqlx::query_as("SELECT name, definition FROM suspended_indexes ORDER BY name")
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                for (name, definition) in &suspended {
                    sqlx::query(definition)
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                    sqlx::query("DELETE FROM suspended_indexes WHERE name = $1")
                        .bind(name)
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                }
                tx.commit().await.map_err(storage_error)?;
                if let (Some(statement), false) = ($after_load, suspended.is_empty()) {
                    sqlx::query(statement)
                        .execute(&self.pool)
                        .await
                        .map_err(storage_error)?;
                }
                Ok(suspended.len())
            }
        }
    };
}

sql_bulk_load!(
    sqlx::Sqlite,
    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1",
    // SQLite's plans are written for its tables without statistics; an
    // ANALYZE would let it second-guess them.
    None::<&str>
);
sql_bulk_load!(
    sqlx::Postgres,
    "SELECT indexdef FROM pg_indexes WHERE indexname = $1",
    // The planner's estimates (how common a word is, how many people a
    // team holds) come from statistics that a load of a million rows makes
    // stale until autovacuum gets to them; a search planned meanwhile can
    // pick the wrong index.
    Some("ANALYZE")
);
