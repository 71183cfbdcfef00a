//! The dashboard's reads (see `DashboardStore`), one SQL text for both
//! backends. Rows only: the figures are computed in `domain::dashboard`.

use crate::storage::pipelines::stage_kind;
use crate::storage::storage_error;
use app::domain::dashboard::{Amount, DealFact, RepActivity};
use app::server::storage::{DashboardStore, NewTarget, StorageError, Visibility};
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
                closed_since: NaiveDate,
            ) -> Result<Vec<DealFact>, StorageError> {
                let (all, user_id) = crate::storage::people::visibility_args(visibility);
                let rows = sqlx::query(&format!(
                    "SELECT d.owner_id, d.source, d.amount_cents, d.currency, d.probability, s.kind, \
                     d.expected_close, d.closed_on, d.created_at FROM deals d JOIN stages s ON s.id = d.stage_id \
                     WHERE {SCOPE} AND (s.kind = 'open' OR d.closed_on >= $5)"
                ))
                .bind(all)
                .bind(user_id)
                .bind(pipeline_id)
                .bind(team_id)
                .bind(closed_since)
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
                            owner_id: row.try_get("owner_id").map_err(storage_error)?,
                            source: row.try_get("source").map_err(storage_error)?,
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

            #[tracing::instrument(skip(self), err)]
            async fn activity_by_rep(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
                team_id: Option<i64>,
                visibility: Visibility,
            ) -> Result<Vec<RepActivity>, StorageError> {
                let (all, user_id) = crate::storage::people::visibility_args(visibility);
                // The kind and time range come first: the index
                // `interactions_by_kind_time` holds all three columns read.
                let rows = sqlx::query(
                    "SELECT a.author_id, u.display_name, a.calls, a.meetings FROM (\
                     SELECT i.author_id, \
                     SUM(CASE WHEN i.kind = 'call' THEN 1 ELSE 0 END) AS calls, \
                     SUM(CASE WHEN i.kind = 'meeting' THEN 1 ELSE 0 END) AS meetings \
                     FROM interactions i \
                     WHERE i.kind IN ('call', 'meeting') AND i.occurred_at >= $3 AND i.occurred_at < $4 \
                     GROUP BY i.author_id) a JOIN users u ON u.id = a.author_id \
                     WHERE ($5 IS NULL OR a.author_id IN \
                       (SELECT t.user_id FROM team_members t WHERE t.team_id = $5)) \
                     AND ($1 = 1 OR a.author_id = $2 OR a.author_id IN \
                       (SELECT m.user_id FROM team_members m JOIN team_members me \
                        ON me.team_id = m.team_id WHERE me.user_id = $2)) \
                     ORDER BY u.display_name, a.author_id",
                )
                .bind(all)
                .bind(user_id)
                .bind(from)
                .bind(to)
                .bind(team_id)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        Ok(RepActivity {
                            user_id: row.try_get("author_id").map_err(storage_error)?,
                            name: row.try_get("display_name").map_err(storage_error)?,
                            calls: row.try_get("calls").map_err(storage_error)?,
                            meetings: row.try_get("meetings").map_err(storage_error)?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn targets(
                &self,
                pipeline_id: i64,
                team_id: Option<i64>,
                first_month: &str,
                last_month: &str,
            ) -> Result<Vec<Amount>, StorageError> {
                let rows = sqlx::query(
                    "SELECT currency, CAST(SUM(amount_cents) AS BIGINT) AS cents FROM sales_targets \
                     WHERE pipeline_id = $1 AND COALESCE(team_id, 0) = COALESCE($2, 0) \
                     AND month >= $3 AND month <= $4 GROUP BY currency ORDER BY currency",
                )
                .bind(pipeline_id)
                .bind(team_id)
                .bind(first_month)
                .bind(last_month)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        Ok(Amount {
                            currency: row.try_get("currency").map_err(storage_error)?,
                            cents: row.try_get("cents").map_err(storage_error)?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn set_target(&self, target: &NewTarget) -> Result<(), StorageError> {
                // Replace: remove the month's target, then write the new
                // one, in one transaction (the unique index is on an
                // expression, which an upsert cannot name on both backends).
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                sqlx::query(
                    "DELETE FROM sales_targets WHERE pipeline_id = $1 \
                     AND COALESCE(team_id, 0) = COALESCE($2, 0) AND month = $3",
                )
                .bind(target.pipeline_id)
                .bind(target.team_id)
                .bind(&target.month)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?;
                if target.amount_cents > 0 {
                    sqlx::query(
                        "INSERT INTO sales_targets \
                         (pipeline_id, team_id, month, amount_cents, currency, set_by, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(target.pipeline_id)
                    .bind(target.team_id)
                    .bind(&target.month)
                    .bind(target.amount_cents)
                    .bind(&target.currency)
                    .bind(target.set_by)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                }
                tx.commit().await.map_err(storage_error)
            }
        }
    };
}

sql_dashboard!(sqlx::Sqlite);
sql_dashboard!(sqlx::Postgres);
