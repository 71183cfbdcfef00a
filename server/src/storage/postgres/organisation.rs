use crate::storage::storage_error;
use app::domain::{Organisation, OrganisationName};
use app::server::storage::{OrganisationStore, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};

pub struct PgOrganisation {
    pool: PgPool,
}

impl PgOrganisation {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn from_row(row: &sqlx::postgres::PgRow) -> Result<Organisation, StorageError> {
    let name: String = row.try_get("name").map_err(storage_error)?;
    let updated_at: DateTime<Utc> = row.try_get("updated_at").map_err(storage_error)?;
    Ok(Organisation {
        name: OrganisationName::parse(&name)
            .map_err(|p| StorageError::Corrupt(format!("organisation.name: {p:?}")))?,
        updated_at,
    })
}

#[async_trait]
impl OrganisationStore for PgOrganisation {
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
        // clock_timestamp(), not now(): now() is the transaction's start,
        // and the stored time should be when the change was written.
        let row = sqlx::query(
            "UPDATE organisation SET name = $1, updated_at = clock_timestamp() WHERE id = 1 RETURNING name, updated_at",
        )
        .bind(name.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(storage_error)?;
        from_row(&row)
    }
}
