//! The access log, one SQL text for both backends (see `users.rs`).

use crate::storage::{rows, storage_error};
use app::server::storage::{AccessLogFilter, AccessLogRecord, AccessLogStore, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Pool};

pub struct SqlAccessLog<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlAccessLog<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

/// The WHERE clause for a filter, with `$N` placeholders in bind order.
fn conditions(filter: &AccessLogFilter) -> String {
    let mut parts = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if filter.user_id.is_some() {
        parts.push(format!("user_id = {}", next()));
    }
    if filter.record_type.is_some() {
        parts.push(format!("record_type = {}", next()));
    }
    if filter.record_id.is_some() {
        parts.push(format!("record_id = {}", next()));
    }
    if filter.from.is_some() {
        parts.push(format!("at >= {}", next()));
    }
    if filter.to.is_some() {
        parts.push(format!("at < {}", next()));
    }
    if filter.before_id.is_some() {
        parts.push(format!("id < {}", next()));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", parts.join(" AND "))
    }
}

macro_rules! sql_access_log {
    ($db:ty) => {
        #[async_trait]
        impl AccessLogStore for SqlAccessLog<$db> {
            #[tracing::instrument(skip_all, fields(action = %entry.action, record_type = %entry.record_type), err)]
            async fn append(&self, entry: &AccessLogRecord) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO access_log (at, user_id, user_email, action, record_type, record_id, outcome, client_addr) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(entry.at)
                .bind(entry.user_id)
                .bind(&entry.user_email)
                .bind(&entry.action)
                .bind(&entry.record_type)
                .bind(&entry.record_id)
                .bind(if entry.allowed { "allowed" } else { "refused" })
                .bind(&entry.client_addr)
                .execute(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(())
            }

            #[tracing::instrument(skip(self), err)]
            async fn search(&self, filter: &AccessLogFilter, limit: u32) -> Result<Vec<AccessLogRecord>, StorageError> {
                let sql = format!(
                    "SELECT id, at, user_id, user_email, action, record_type, record_id, outcome, client_addr \
                     FROM access_log {} ORDER BY id DESC LIMIT {}",
                    conditions(filter),
                    limit.min(1000)
                );
                let mut query = sqlx::query(&sql);
                if let Some(v) = filter.user_id {
                    query = query.bind(v);
                }
                if let Some(v) = &filter.record_type {
                    query = query.bind(v.clone());
                }
                if let Some(v) = &filter.record_id {
                    query = query.bind(v.clone());
                }
                if let Some(v) = filter.from {
                    query = query.bind(v);
                }
                if let Some(v) = filter.to {
                    query = query.bind(v);
                }
                if let Some(v) = filter.before_id {
                    query = query.bind(v);
                }
                let rows = query.fetch_all(&self.pool).await.map_err(storage_error)?;
                rows.iter().map(|r| rows::access_log_entry(r)).collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn purge_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StorageError> {
                // The cutoff row is what the append-only trigger checks: it
                // exists only inside this transaction.
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                sqlx::query("INSERT INTO access_log_purge (cutoff) VALUES ($1)")
                    .bind(cutoff)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                let done = sqlx::query("DELETE FROM access_log WHERE at < $1")
                    .bind(cutoff)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                sqlx::query("DELETE FROM access_log_purge")
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                tx.commit().await.map_err(storage_error)?;
                Ok(done.rows_affected())
            }
        }
    };
}

sql_access_log!(sqlx::Sqlite);
sql_access_log!(sqlx::Postgres);
