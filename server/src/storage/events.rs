//! The events table (see migrations 0015 and 0017): read in id order by each
//! instance's dispatcher (`crate::live`), pruned by the jobs runner. One SQL
//! text for both backends; PostgreSQL adds the LISTEN connection.

use crate::storage::pipelines::card_row;
use crate::storage::storage_error;
use app::server::storage::{EventStore, EventTopic, StorageError, StoredEvent};
use async_trait::async_trait;
use sqlx::{Database, Pool, Row};

/// The NOTIFY channel the trigger sends each new event's id on.
pub const CHANNEL: &str = "accord_events";

pub struct SqlEvents<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlEvents<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

/// Each event with its deal as it is now, shaped as a board card.
const EVENTS_AFTER: &str = "SELECT e.id AS event_id, e.at_ms, e.topic, e.record_id, \
     e.old_owner_id, e.old_team_id, e.owner_id AS event_owner_id, e.team_id AS event_team_id, \
     e.person_id AS subject_person_id, e.company_id AS subject_company_id, \
     d.owner_id AS now_owner_id, d.team_id AS now_team_id, \
     d.id, d.title, d.amount_cents, d.currency, d.probability, d.stage_id, d.rank, \
     o.display_name AS owner_name, \
     CASE WHEN pe.id IS NULL THEN NULL ELSE pe.first_name || ' ' || pe.last_name END AS person_name, \
     co.name AS company_name, d.expected_close, d.version \
     FROM events e LEFT JOIN deals d ON e.topic = 'deal' AND d.id = e.record_id \
     LEFT JOIN users o ON o.id = d.owner_id \
     LEFT JOIN people pe ON pe.id = d.person_id LEFT JOIN companies co ON co.id = d.company_id \
     WHERE e.id > $1 ORDER BY e.id LIMIT $2";

macro_rules! sql_events {
    ($db:ty, $listen:ident) => {
        #[async_trait]
        impl EventStore for SqlEvents<$db> {
            #[tracing::instrument(skip(self), err)]
            async fn events_after(
                &self,
                after_id: i64,
                limit: i64,
            ) -> Result<Vec<StoredEvent>, StorageError> {
                let rows = sqlx::query(EVENTS_AFTER)
                    .bind(after_id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        let exists: Option<i64> = row.try_get("id").map_err(storage_error)?;
                        let topic: String = row.try_get("topic").map_err(storage_error)?;
                        let (topic, owner, team) = match topic.as_str() {
                            "deal" => (EventTopic::Deal, "now_owner_id", "now_team_id"),
                            "interaction" => {
                                (EventTopic::Interaction, "event_owner_id", "event_team_id")
                            }
                            other => {
                                return Err(StorageError::Corrupt(format!("events.topic {other}")));
                            }
                        };
                        Ok(StoredEvent {
                            id: row.try_get("event_id").map_err(storage_error)?,
                            at_ms: row.try_get("at_ms").map_err(storage_error)?,
                            topic,
                            record_id: row.try_get("record_id").map_err(storage_error)?,
                            owner_id: row.try_get(owner).map_err(storage_error)?,
                            team_id: row.try_get(team).map_err(storage_error)?,
                            person_id: row.try_get("subject_person_id").map_err(storage_error)?,
                            company_id: row.try_get("subject_company_id").map_err(storage_error)?,
                            old_owner_id: row.try_get("old_owner_id").map_err(storage_error)?,
                            old_team_id: row.try_get("old_team_id").map_err(storage_error)?,
                            card: match exists {
                                Some(_) => Some(card_row(row)?),
                                None => None,
                            },
                        })
                    })
                    .collect()
            }

            async fn last_event_id(&self) -> Result<i64, StorageError> {
                let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM events")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(id.unwrap_or(0))
            }

            async fn first_event_id(&self) -> Result<Option<i64>, StorageError> {
                sqlx::query_scalar("SELECT MIN(id) FROM events")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(storage_error)
            }

            #[tracing::instrument(skip(self), err)]
            async fn prune_events(&self, before_ms: i64) -> Result<u64, StorageError> {
                // The newest event stays: a client that resumes after a
                // pruned id must find a first id above its own to know it
                // missed something.
                Ok(sqlx::query(
                    "DELETE FROM events WHERE at_ms < $1 AND id < (SELECT MAX(id) FROM events)",
                )
                .bind(before_ms)
                .execute(&self.pool)
                .await
                .map_err(storage_error)?
                .rows_affected())
            }

            async fn listen(&self, wake: &(dyn Fn() + Send + Sync)) -> Result<(), StorageError> {
                $listen(&self.pool, wake).await
            }
        }
    };
}

sql_events!(sqlx::Sqlite, listen_sqlite);
sql_events!(sqlx::Postgres, listen_postgres);

/// SQLite: one process writes (the instance pokes its own dispatcher after
/// each write), so there is nothing to listen to.
async fn listen_sqlite(
    _pool: &Pool<sqlx::Sqlite>,
    _wake: &(dyn Fn() + Send + Sync),
) -> Result<(), StorageError> {
    std::future::pending().await
}

/// PostgreSQL: one dedicated connection runs `LISTEN accord_events`. Every
/// notification (one per committed event, from any instance) wakes the
/// dispatcher. Returns when the connection is lost, so that the caller
/// connects again; the wake on connecting makes the dispatcher read what
/// was committed in between.
async fn listen_postgres(
    pool: &Pool<sqlx::Postgres>,
    wake: &(dyn Fn() + Send + Sync),
) -> Result<(), StorageError> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool)
        .await
        .map_err(storage_error)?;
    listener.listen(CHANNEL).await.map_err(storage_error)?;
    wake();
    // `try_recv` answers `None` once when the connection drops.
    while listener.try_recv().await.map_err(storage_error)?.is_some() {
        wake();
    }
    Ok(())
}
