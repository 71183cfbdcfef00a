//! Second factors, one SQL text for both backends (see `users.rs`).

use crate::storage::storage_error;
use app::server::storage::{SecondFactorRecord, SecondFactorStore, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Pool, Row};

pub struct SqlSecondFactors<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlSecondFactors<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

macro_rules! sql_second_factors {
    ($db:ty) => {
        #[async_trait]
        impl SecondFactorStore for SqlSecondFactors<$db> {
            #[tracing::instrument(skip(self), err)]
            async fn get(&self, user_id: i64) -> Result<Option<SecondFactorRecord>, StorageError> {
                let row = sqlx::query(
                    "SELECT user_id, secret, confirmed_at, last_used_step, pending_recovery_codes, created_at \
                     FROM user_totp WHERE user_id = $1",
                )
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?;
                let Some(row) = row else { return Ok(None) };
                let pending: Option<String> =
                    row.try_get("pending_recovery_codes").map_err(storage_error)?;
                Ok(Some(SecondFactorRecord {
                    user_id: row.try_get("user_id").map_err(storage_error)?,
                    secret: row.try_get("secret").map_err(storage_error)?,
                    confirmed_at: row.try_get("confirmed_at").map_err(storage_error)?,
                    last_used_step: row.try_get("last_used_step").map_err(storage_error)?,
                    pending_recovery_codes: pending
                        .map(|p| p.lines().map(str::to_owned).collect())
                        .unwrap_or_default(),
                    created_at: row.try_get("created_at").map_err(storage_error)?,
                }))
            }

            #[tracing::instrument(skip(self, secret, recovery_codes), err)]
            async fn begin(
                &self,
                user_id: i64,
                secret: &[u8],
                recovery_codes: &[String],
                at: DateTime<Utc>,
            ) -> Result<bool, StorageError> {
                // The WHERE on the update leaves a confirmed authenticator
                // alone: replacing it takes removing it first.
                let done = sqlx::query(
                    "INSERT INTO user_totp (user_id, secret, confirmed_at, last_used_step, pending_recovery_codes, created_at) \
                     VALUES ($1, $2, NULL, 0, $3, $4) \
                     ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, \
                     pending_recovery_codes = excluded.pending_recovery_codes, created_at = excluded.created_at \
                     WHERE user_totp.confirmed_at IS NULL",
                )
                .bind(user_id)
                .bind(secret)
                .bind(recovery_codes.join("\n"))
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip(self, recovery_code_hashes), err)]
            async fn confirm(
                &self,
                user_id: i64,
                step: i64,
                recovery_code_hashes: &[String],
                at: DateTime<Utc>,
            ) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let done = sqlx::query(
                    "UPDATE user_totp SET confirmed_at = $1, last_used_step = $2, pending_recovery_codes = NULL \
                     WHERE user_id = $3 AND confirmed_at IS NULL",
                )
                .bind(at)
                .bind(step)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                for hash in recovery_code_hashes {
                    sqlx::query("INSERT INTO user_recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                        .bind(user_id)
                        .bind(hash)
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(true)
            }

            #[tracing::instrument(skip(self), err)]
            async fn use_step(&self, user_id: i64, step: i64) -> Result<bool, StorageError> {
                let done = sqlx::query(
                    "UPDATE user_totp SET last_used_step = $1 \
                     WHERE user_id = $2 AND confirmed_at IS NOT NULL AND last_used_step < $1",
                )
                .bind(step)
                .bind(user_id)
                .execute(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip(self, code_hash), err)]
            async fn use_recovery_code(
                &self,
                user_id: i64,
                code_hash: &str,
                at: DateTime<Utc>,
            ) -> Result<bool, StorageError> {
                let done = sqlx::query(
                    "UPDATE user_recovery_codes SET used_at = $1 \
                     WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
                )
                .bind(at)
                .bind(user_id)
                .bind(code_hash)
                .execute(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip(self), err)]
            async fn unused_recovery_codes(&self, user_id: i64) -> Result<u32, StorageError> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL",
                )
                .bind(user_id)
                .fetch_one(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(n as u32)
            }

            #[tracing::instrument(skip(self), err)]
            async fn enrolled_users(&self) -> Result<Vec<i64>, StorageError> {
                sqlx::query_scalar("SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL ORDER BY user_id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)
            }

            #[tracing::instrument(skip(self), err)]
            async fn remove(&self, user_id: i64) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                let done = sqlx::query("DELETE FROM user_totp WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                tx.commit().await.map_err(storage_error)?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip(self), err)]
            async fn required_for_privileged(&self) -> Result<bool, StorageError> {
                sqlx::query_scalar("SELECT second_factor_required FROM organisation WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(storage_error)
            }

            #[tracing::instrument(skip(self), err)]
            async fn set_required_for_privileged(&self, required: bool) -> Result<(), StorageError> {
                sqlx::query("UPDATE organisation SET second_factor_required = $1 WHERE id = 1")
                    .bind(required)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(())
            }
        }
    };
}

sql_second_factors!(sqlx::Sqlite);
sql_second_factors!(sqlx::Postgres);
