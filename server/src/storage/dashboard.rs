//! The dashboard's reads (see `DashboardStore`), one SQL text for both
//! backends. Rows only: the figures are computed in `domain::dashboard`.

use crate::storage::pipelines::stage_kind;
use crate::storage::storage_error;
use app::domain::dashboard::DealFact;
use app::server::storage::{DashboardStore, StorageError, Visibility};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Database, Pool, Row};

pub struct SqlDashboard<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlDashboard<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

/// `$1`/`$2`: visibility; `$3`: pipeline; `$4`: team or NULL.
const SCOPE: &str = "d.pipeline_id = $3 AND ($4 IS NULL OR d.team_id = $4) \
     AND ($1 = 1 OR d.owner_id = $2 \
     OR d.team_id IN (SELECT tm.team_id FROM team_members tm WHERE tm.user_id = $2))";

macro_rules! sql_dashboard {
    ($db:ty) => {
        #[async_trait]
        impl DashboardStore for SqlDashboard<$db> {
            #[tracing::instrument(skip(self), err)]
            async fn deal_facts(
                &self,
                pipeline_id: i64,
                team_id: Option<i64>,
                visibility: Visibility,
            ) -> Result<Vec<DealFact>, StorageError> {
                let (all, user_id) = crate::storage::people::visibility_args(visibility);
                let rows = sqlx::query(&format!(
                    "SELECT d.amount_cents, d.currency, d.probability, s.kind, d.expected_close, \
                     d.closed_on, d.created_at FROM deals d JOIN stages s ON s.id = d.stage_id \
                     WHERE {SCOPE}"
                ))
                .bind(all)
                .bind(user_id)
                .bind(pipeline_id)
                .bind(team_id)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        let kind: String = row.try_get("kind").map_err(storage_error)?;
                        let probability: i64 = row.try_get("probability").map_err(storage_error)?;
                        let created: DateTime<Utc> =
                            row.try_get("created_at").map_err(storage_error)?;
                        Ok(DealFact {
                            amount_cents: row.try_get("amount_cents").map_err(storage_error)?,
                            currency: row.try_get("currency").map_err(storage_error)?,
                            probability: u8::try_from(probability)
                                .map_err(|_| StorageError::Corrupt("deals.probability".into()))?,
                            kind: stage_kind(&kind)?,
                            expected_close: row
                                .try_get::<Option<NaiveDate>, _>("expected_close")
                                .map_err(storage_error)?,
                            closed_on: row
                                .try_get::<Option<NaiveDate>, _>("closed_on")
                                .map_err(storage_error)?,
                            created_on: created.date_naive(),
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn stages_reached(
                &self,
                pipeline_id: i64,
                team_id: Option<i64>,
                visibility: Visibility,
            ) -> Result<Vec<(i64, i64)>, StorageError> {
                let (all, user_id) = crate::storage::people::visibility_args(visibility);
                let rows = sqlx::query(&format!(
                    "SELECT DISTINCT c.deal_id, c.to_stage_id FROM deal_stage_changes c \
                     JOIN deals d ON d.id = c.deal_id WHERE {SCOPE}"
                ))
                .bind(all)
                .bind(user_id)
                .bind(pipeline_id)
                .bind(team_id)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            row.try_get("deal_id").map_err(storage_error)?,
                            row.try_get("to_stage_id").map_err(storage_error)?,
                        ))
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn leads_by_source(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<(String, i64)>, StorageError> {
                let rows = sqlx::query(
                    "SELECT source, COUNT(*) AS n FROM leads \
                     WHERE created_at >= $1 AND created_at < $2 GROUP BY source ORDER BY source",
                )
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            row.try_get("source").map_err(storage_error)?,
                            row.try_get("n").map_err(storage_error)?,
                        ))
                    })
                    .collect()
            }
        }
    };
}

sql_dashboard!(sqlx::Sqlite);
sql_dashboard!(sqlx::Postgres);
