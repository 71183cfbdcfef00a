//! Users and sessions, one SQL text for both backends: SQLite accepts
//! PostgreSQL's `$N` placeholders, so the statements are written once and
//! the trait implementations are stamped out for each driver by a macro.

use crate::storage::rows::{self, USER_COLUMNS, USER_COLUMNS_PREFIXED, is_unique_violation};
use crate::storage::storage_error;
use app::domain::EmailAddress;
use app::server::storage::{
    FoundSession, NewUser, SessionRecord, SessionStore, StorageError, UserRecord, UserStore,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Pool, Row};

pub struct SqlUsers<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlUsers<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

pub struct SqlSessions<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlSessions<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

macro_rules! sql_user_stores {
    ($db:ty) => {
        #[async_trait]
        impl UserStore for SqlUsers<$db> {
            #[tracing::instrument(skip(self), err)]
            async fn count(&self) -> Result<u64, StorageError> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(n as u64)
            }

            #[tracing::instrument(skip(self, user), fields(role = user.role.as_str()), err)]
            async fn create(&self, user: &NewUser) -> Result<UserRecord, StorageError> {
                let row = sqlx::query(&format!(
                    "INSERT INTO users (email, email_key, display_name, role, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLUMNS}"
                ))
                .bind(user.email.as_str())
                .bind(user.email.lookup_key())
                .bind(&user.display_name)
                .bind(user.role.as_str())
                .bind(&user.password_hash)
                .bind(Utc::now())
                .fetch_one(&self.pool)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StorageError::Conflict("users.email".into())
                    } else {
                        storage_error(e)
                    }
                })?;
                rows::user(&row, "")
            }

            #[tracing::instrument(skip(self, email), err)]
            async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<UserRecord>, StorageError> {
                let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE email_key = $1"))
                    .bind(email.lookup_key())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(storage_error)?;
                row.map(|r| rows::user(&r, "")).transpose()
            }

            #[tracing::instrument(skip(self), err)]
            async fn get(&self, id: i64) -> Result<Option<UserRecord>, StorageError> {
                let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(storage_error)?;
                row.map(|r| rows::user(&r, "")).transpose()
            }

            #[tracing::instrument(skip(self), err)]
            async fn list(&self) -> Result<Vec<UserRecord>, StorageError> {
                let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY email_key"))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                rows.iter().map(|r| rows::user(r, "")).collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn set_active(&self, id: i64, active: bool) -> Result<bool, StorageError> {
                let done = sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
                    .bind(active)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip(self, password_hash), err)]
            async fn set_password_hash(&self, id: i64, password_hash: &str) -> Result<(), StorageError> {
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(())
            }
        }

        #[async_trait]
        impl SessionStore for SqlSessions<$db> {
            #[tracing::instrument(skip_all, fields(user_id = session.user_id), err)]
            async fn create(&self, session: &SessionRecord) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, client_addr, user_agent, second_factor_pending) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&session.token_hash)
                .bind(session.user_id)
                .bind(session.created_at)
                .bind(session.last_seen_at)
                .bind(&session.client_addr)
                .bind(&session.user_agent)
                .bind(session.second_factor_pending)
                .execute(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(())
            }

            #[tracing::instrument(skip_all, err)]
            async fn find(&self, token_hash: &str) -> Result<Option<FoundSession>, StorageError> {
                // One round trip: the session, its user, and what the
                // second-factor rule needs.
                let row = sqlx::query(&format!(
                    "SELECT s.token_hash, s.user_id, s.created_at, s.last_seen_at, s.client_addr, s.user_agent, \
                     s.second_factor_pending, {USER_COLUMNS_PREFIXED}, \
                     EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL) AS has_second_factor, \
                     (SELECT o.second_factor_required FROM organisation o WHERE o.id = 1) AS second_factor_required \
                     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
                ))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?;
                row.map(|r| {
                    Ok(FoundSession {
                        session: rows::session(&r)?,
                        user: rows::user(&r, "u_")?,
                        has_second_factor: r.try_get("has_second_factor").map_err(storage_error)?,
                        second_factor_required: r
                            .try_get::<Option<bool>, _>("second_factor_required")
                            .map_err(storage_error)?
                            .unwrap_or(false),
                    })
                })
                .transpose()
            }

            #[tracing::instrument(skip_all, err)]
            async fn touch(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), StorageError> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(at)
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(())
            }

            #[tracing::instrument(skip_all, err)]
            async fn delete(&self, token_hash: &str) -> Result<(), StorageError> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(())
            }

            #[tracing::instrument(skip(self, token_hash), err)]
            async fn delete_own(&self, user_id: i64, token_hash: &str) -> Result<bool, StorageError> {
                let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1 AND user_id = $2")
                    .bind(token_hash)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip(self), err)]
            async fn list_for_user(&self, user_id: i64) -> Result<Vec<SessionRecord>, StorageError> {
                let rows = sqlx::query(
                    "SELECT token_hash, user_id, created_at, last_seen_at, client_addr, user_agent, second_factor_pending \
                     FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC",
                )
                .bind(user_id)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter().map(|r| rows::session(r)).collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn delete_for_user(&self, user_id: i64) -> Result<u64, StorageError> {
                let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(done.rows_affected())
            }
        }
    };
}

sql_user_stores!(sqlx::Sqlite);
sql_user_stores!(sqlx::Postgres);
