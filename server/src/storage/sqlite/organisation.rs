use crate::storage::storage_error;
use app::domain::{Organisation, OrganisationName};
use app::server::storage::{OrganisationStore, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Row, SqlitePool};

pub struct SqliteOrganisation {
    pool: SqlitePool,
}

impl SqliteOrganisation {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }
}

fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Organisation, StorageError> {
    let name: String = row.try_get("name").map_err(storage_error)?;
    let updated_at: DateTime<Utc> = row.try_get("updated_at").map_err(storage_error)?;
    Ok(Organisation {
        name: OrganisationName::parse(&name)
            .map_err(|p| StorageError::Corrupt(format!("organisation.name: {p:?}")))?,
        updated_at,
    })
}

#[async_trait]
impl OrganisationStore for SqliteOrganisation {
    #[tracing::instrument(skip(self), err)]
    async fn get(&self) -> Result<Organisation, StorageError> {
        let row = sqlx::query("SELECT name, updated_at FROM organisation WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(storage_error)?;
        from_row(&row)
    }

    #[tracing::instrument(skip(self, name), err)]
    async fn rename(&self, name: &OrganisationName) -> Result<Organisation, StorageError> {
        let row = sqlx::query(
            "UPDATE organisation SET name = ?1, updated_at = ?2 WHERE id = 1 RETURNING name, updated_at",
        )
        .bind(name.as_str())
        .bind(Utc::now())
        .fetch_one(&self.pool)
        .await
        .map_err(storage_error)?;
        from_row(&row)
    }
}
