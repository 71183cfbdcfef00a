//! Failed sign-ins, one SQL text for both backends (see `users.rs`).

use crate::storage::storage_error;
use app::server::storage::{RecentFailures, SignInFailureStore, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Pool};

pub struct SqlSignInFailures<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlSignInFailures<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

macro_rules! sql_sign_in_failures {
    ($db:ty) => {
        #[async_trait]
        impl SignInFailureStore for SqlSignInFailures<$db> {
            #[tracing::instrument(skip_all, err)]
            async fn record(
                &self,
                account_key: &str,
                client_addr: &str,
                at: DateTime<Utc>,
                forget_before: DateTime<Utc>,
            ) -> Result<(), StorageError> {
                sqlx::query("DELETE FROM sign_in_failures WHERE at < $1")
                    .bind(forget_before)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                sqlx::query("INSERT INTO sign_in_failures (account_key, client_addr, at) VALUES ($1, $2, $3)")
                    .bind(account_key)
                    .bind(client_addr)
                    .bind(at)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(())
            }

            #[tracing::instrument(skip_all, err)]
            async fn recent(
                &self,
                account_key: &str,
                client_addr: &str,
                since: DateTime<Utc>,
            ) -> Result<RecentFailures, StorageError> {
                let (by_account, oldest_by_account): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
                    "SELECT COUNT(*), MIN(at) FROM sign_in_failures WHERE account_key = $1 AND at >= $2",
                )
                .bind(account_key)
                .bind(since)
                .fetch_one(&self.pool)
                .await
                .map_err(storage_error)?;
                let (by_addr, oldest_by_addr): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
                    "SELECT COUNT(*), MIN(at) FROM sign_in_failures WHERE client_addr = $1 AND at >= $2",
                )
                .bind(client_addr)
                .bind(since)
                .fetch_one(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(RecentFailures {
                    by_account: by_account as u32,
                    oldest_by_account,
                    by_addr: by_addr as u32,
                    oldest_by_addr,
                })
            }

            #[tracing::instrument(skip_all, err)]
            async fn clear_account(&self, account_key: &str) -> Result<(), StorageError> {
                sqlx::query("DELETE FROM sign_in_failures WHERE account_key = $1")
                    .bind(account_key)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(())
            }
        }
    };
}

sql_sign_in_failures!(sqlx::Sqlite);
sql_sign_in_failures!(sqlx::Postgres);
