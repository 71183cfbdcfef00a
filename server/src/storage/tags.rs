//! Tags on people (see `TagStore`) and users' remembered choices
//! (`PreferenceStore`), one SQL text for both backends.

use crate::storage::people::ROWS_PER_STATEMENT;
use crate::storage::storage_error;
use app::server::storage::{PreferenceStore, StorageError, TagStore};
use async_trait::async_trait;
use chrono::Utc;
use sqlx::{Database, Pool};

pub struct SqlTags<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlTags<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

pub struct SqlPreferences<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlPreferences<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

/// `$start, $start+1, …` for `n` values of an `IN (…)` list.
fn marks(n: usize, start: usize) -> String {
    (0..n)
        .map(|i| format!("${}", start + i))
        .collect::<Vec<_>>()
        .join(", ")
}

macro_rules! sql_tags {
    ($db:ty) => {
        #[async_trait]
        impl TagStore for SqlTags<$db> {
            #[tracing::instrument(skip(self), err)]
            async fn list(&self) -> Result<Vec<(i64, String)>, StorageError> {
                sqlx::query_as("SELECT id, name FROM tags ORDER BY name_key")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)
            }

            #[tracing::instrument(skip(self, person_ids, name), fields(count = person_ids.len()), err)]
            async fn tag(&self, person_ids: &[i64], name: &str, key: &str) -> Result<u64, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                sqlx::query(
                    "INSERT INTO tags (name, name_key, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (name_key) DO NOTHING",
                )
                .bind(name)
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?;
                let tag_id: i64 = sqlx::query_scalar("SELECT id FROM tags WHERE name_key = $1")
                    .bind(key)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                let mut tagged = 0;
                for chunk in person_ids.chunks(ROWS_PER_STATEMENT) {
                    let rows: Vec<String> = (0..chunk.len())
                        .map(|i| format!("(${}, $1, $2)", i + 3))
                        .collect();
                    let sql = format!(
                        "INSERT INTO person_tags (person_id, tag_id, tagged_at) VALUES {} \
                         ON CONFLICT DO NOTHING",
                        rows.join(", ")
                    );
                    let mut q = sqlx::query(&sql).bind(tag_id).bind(now);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    tagged += q.execute(&mut *tx).await.map_err(storage_error)?.rows_affected();
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(tagged)
            }

            #[tracing::instrument(skip(self, person_ids), fields(count = person_ids.len()), err)]
            async fn untag(&self, person_ids: &[i64], key: &str) -> Result<u64, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let mut untagged = 0;
                for chunk in person_ids.chunks(ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "DELETE FROM person_tags WHERE tag_id IN (SELECT id FROM tags WHERE name_key = $1) \
                         AND person_id IN ({})",
                        marks(chunk.len(), 2)
                    );
                    let mut q = sqlx::query(&sql).bind(key);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    untagged += q.execute(&mut *tx).await.map_err(storage_error)?.rows_affected();
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(untagged)
            }

            #[tracing::instrument(skip(self, person_ids), fields(count = person_ids.len()), err)]
            async fn of_people(&self, person_ids: &[i64]) -> Result<Vec<(i64, String)>, StorageError> {
                let mut all = Vec::new();
                for chunk in person_ids.chunks(ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "SELECT pt.person_id, t.name FROM person_tags pt JOIN tags t ON t.id = pt.tag_id \
                         WHERE pt.person_id IN ({}) ORDER BY t.name_key",
                        marks(chunk.len(), 1)
                    );
                    let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    all.extend(q.fetch_all(&self.pool).await.map_err(storage_error)?);
                }
                Ok(all)
            }
        }
    };
}

macro_rules! sql_preferences {
    ($db:ty) => {
        #[async_trait]
        impl PreferenceStore for SqlPreferences<$db> {
            #[tracing::instrument(skip(self), err)]
            async fn get(&self, user_id: i64, name: &str) -> Result<Option<String>, StorageError> {
                sqlx::query_scalar(
                    "SELECT value FROM user_preferences WHERE user_id = $1 AND name = $2",
                )
                .bind(user_id)
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)
            }

            #[tracing::instrument(skip(self, value), err)]
            async fn set(&self, user_id: i64, name: &str, value: &str) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO user_preferences (user_id, name, value) VALUES ($1, $2, $3) \
                     ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value",
                )
                .bind(user_id)
                .bind(name)
                .bind(value)
                .execute(&self.pool)
                .await
                .map(|_| ())
                .map_err(storage_error)
            }
        }
    };
}

sql_preferences!(sqlx::Sqlite);
sql_preferences!(sqlx::Postgres);
sql_tags!(sqlx::Sqlite);
sql_tags!(sqlx::Postgres);
