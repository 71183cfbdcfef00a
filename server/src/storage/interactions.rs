//! Timelines: calls, meetings, e-mails, notes and tasks, one SQL text for
//! both backends (see `users.rs`).

use crate::storage::people::{ROWS_PER_STATEMENT, choice, placeholders};
use crate::storage::storage_error;
use app::domain::{CallOutcome, Direction, InteractionKind, InteractionView, TimelineCursor};
use app::server::storage::{InteractionStore, NewInteraction, StorageError, TimelineOf};
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, TimeZone, Utc};
use sqlx::{Database, Pool, Row};

pub struct SqlInteractions<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlInteractions<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

/// One timeline page: `$1` the person or company, `$2`/`$3` the cursor
/// (instant, id), `$4` the limit. The subject column is filled in per
/// call; the index on (subject, occurred_at DESC, id DESC) serves it.
fn timeline_sql(subject: &str) -> String {
    format!(
        "SELECT i.id, i.kind, i.direction, i.outcome, i.duration_minutes, i.body, i.occurred_at, \
         i.due_at, i.done_at, a.display_name AS author_name, i.person_id, \
         p.first_name AS person_first, p.last_name AS person_last \
         FROM interactions i JOIN users a ON a.id = i.author_id \
         LEFT JOIN people p ON p.id = i.person_id \
         WHERE i.{subject} = $1 AND (i.occurred_at < $2 OR (i.occurred_at = $2 AND i.id < $3)) \
         ORDER BY i.occurred_at DESC, i.id DESC LIMIT $4"
    )
}

fn view<R>(row: &R) -> Result<InteractionView, StorageError>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i32>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let get_text = |name: &str| -> Result<Option<String>, StorageError> {
        row.try_get(name).map_err(storage_error)
    };
    let kind: String = row.try_get("kind").map_err(storage_error)?;
    let person_id: Option<i64> = row.try_get("person_id").map_err(storage_error)?;
    let done_at: Option<DateTime<Utc>> = row.try_get("done_at").map_err(storage_error)?;
    let duration: Option<i32> = row.try_get("duration_minutes").map_err(storage_error)?;
    Ok(InteractionView {
        id: row.try_get("id").map_err(storage_error)?,
        kind: choice("interactions.kind", &kind, InteractionKind::parse)?,
        direction: get_text("direction")?
            .map(|d| choice("interactions.direction", &d, Direction::parse))
            .transpose()?,
        outcome: get_text("outcome")?
            .map(|o| choice("interactions.outcome", &o, CallOutcome::parse))
            .transpose()?,
        duration_minutes: duration.and_then(|d| u32::try_from(d).ok()),
        body: row.try_get("body").map_err(storage_error)?,
        occurred_at: row.try_get("occurred_at").map_err(storage_error)?,
        author_name: row.try_get("author_name").map_err(storage_error)?,
        person: match person_id {
            Some(id) => {
                let first = get_text("person_first")?.unwrap_or_default();
                let last = get_text("person_last")?.unwrap_or_default();
                Some((id, format!("{first} {last}").trim().to_string()))
            }
            None => None,
        },
        due_at: row.try_get("due_at").map_err(storage_error)?,
        done: done_at.is_some(),
    })
}

/// Moves forward the last inbound contact of `n` people at once:
/// `(person id, instant)` pairs.
fn sqlite_last_inbound_many(n: usize) -> String {
    format!(
        "WITH v (id, at) AS (VALUES {}) \
         UPDATE people SET last_inbound_at = (SELECT v.at FROM v WHERE v.id = people.id) \
         WHERE id IN (SELECT id FROM v) \
         AND (last_inbound_at IS NULL OR last_inbound_at < (SELECT v.at FROM v WHERE v.id = people.id))",
        placeholders(n, 2, 1)
    )
}

fn postgres_last_inbound_many(n: usize) -> String {
    format!(
        "UPDATE people SET last_inbound_at = v.at FROM (VALUES {}) AS v (id, at) \
         WHERE people.id = v.id AND (people.last_inbound_at IS NULL OR people.last_inbound_at < v.at)",
        placeholders(n, 2, 1)
    )
}

macro_rules! sql_interactions {
    ($db:ty, $last_inbound_many:expr, $notifies:expr) => {
        impl SqlInteractions<$db> {
            /// The live stream's event for entry `id`, in the writer's
            /// transaction (so it exists exactly when the entry committed),
            /// with who may see its subject now; on PostgreSQL the other
            /// instances are told at commit, as the deals' trigger does.
            async fn record_event(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: i64,
            ) -> Result<(), StorageError> {
                let event: i64 = sqlx::query_scalar(
                    "INSERT INTO events (topic, record_id, owner_id, team_id, person_id, company_id, at_ms) \
                     SELECT 'interaction', i.id, COALESCE(p.owner_id, c.owner_id), \
                     CASE WHEN i.person_id IS NULL THEN c.team_id ELSE p.team_id END, \
                     i.person_id, i.company_id, $2 \
                     FROM interactions i LEFT JOIN people p ON p.id = i.person_id \
                     LEFT JOIN companies c ON c.id = i.company_id WHERE i.id = $1 RETURNING id",
                )
                .bind(id)
                .bind(Utc::now().timestamp_millis())
                .fetch_one(&mut **tx)
                .await
                .map_err(storage_error)?;
                if $notifies {
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(crate::storage::events::CHANNEL)
                        .bind(event.to_string())
                        .execute(&mut **tx)
                        .await
                        .map_err(storage_error)?;
                }
                Ok(())
            }

            async fn insert(
                tx: &mut sqlx::Transaction<'_, $db>,
                i: &NewInteraction,
                now: DateTime<Utc>,
            ) -> Result<i64, StorageError> {
                // The person's entries also carry their company, so the
                // company's timeline is one index range.
                let company_id: Option<i64> = match (i.company_id, i.person_id) {
                    (Some(c), _) => Some(c),
                    (None, Some(person_id)) => sqlx::query_scalar::<_, Option<i64>>(
                        "SELECT company_id FROM people WHERE id = $1",
                    )
                    .bind(person_id)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(storage_error)?
                    .flatten(),
                    (None, None) => None,
                };
                let occurred_at = i.occurred_at.trunc_subsecs(3);
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO interactions (person_id, company_id, kind, direction, outcome, \
                     duration_minutes, body, occurred_at, author_id, due_at, assignee_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                )
                .bind(i.person_id)
                .bind(company_id)
                .bind(i.kind.key())
                .bind(i.direction.map(|d| d.key()))
                .bind(i.outcome.map(|o| o.key()))
                .bind(i.duration_minutes.map(|d| d as i32))
                .bind(&i.body)
                .bind(occurred_at)
                .bind(i.author_id)
                .bind(i.due_at)
                .bind(i.assignee_id)
                .bind(now)
                .fetch_one(&mut **tx)
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db)
                        if matches!(db.kind(), sqlx::error::ErrorKind::ForeignKeyViolation) =>
                    {
                        StorageError::Missing("person, company or user".into())
                    }
                    _ => storage_error(e),
                })?;
                if let (Some(person_id), Some(Direction::Inbound)) = (i.person_id, i.direction) {
                    // Only ever forward: logging an old inbound call must
                    // not pull the retention clock back.
                    sqlx::query(
                        "UPDATE people SET last_inbound_at = $2 \
                         WHERE id = $1 AND (last_inbound_at IS NULL OR last_inbound_at < $2)",
                    )
                    .bind(person_id)
                    .bind(occurred_at)
                    .execute(&mut **tx)
                    .await
                    .map_err(storage_error)?;
                }
                Ok(id)
            }
        }

        #[async_trait]
        impl InteractionStore for SqlInteractions<$db> {
            #[tracing::instrument(skip_all, fields(person_id = ?interaction.person_id, kind = interaction.kind.key()), err)]
            async fn add(&self, interaction: &NewInteraction) -> Result<i64, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let id = Self::insert(&mut tx, interaction, Utc::now()).await?;
                Self::record_event(&mut tx, id).await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(id)
            }

            /// Multi-row statements: a person's company is looked up in
            /// the statement itself when not given, and the last inbound
            /// contact of everyone concerned is moved in one statement per
            /// chunk.
            #[tracing::instrument(skip_all, fields(count = interactions.len()), err)]
            async fn add_many(&self, interactions: &[NewInteraction]) -> Result<(), StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                for chunk in interactions.chunks(ROWS_PER_STATEMENT) {
                    let rows: Vec<String> = (0..chunk.len())
                        .map(|r| {
                            let b = r * 12;
                            format!(
                                "(${p}, COALESCE(${c}, (SELECT company_id FROM people WHERE id = ${p})), ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                                b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12,
                                p = b + 1,
                                c = b + 2,
                            )
                        })
                        .collect();
                    let sql = format!(
                        "INSERT INTO interactions (person_id, company_id, kind, direction, outcome, \
                         duration_minutes, body, occurred_at, author_id, due_at, assignee_id, created_at) VALUES {}",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for i in chunk {
                        query = query
                            .bind(i.person_id)
                            .bind(i.company_id)
                            .bind(i.kind.key())
                            .bind(i.direction.map(|d| d.key()))
                            .bind(i.outcome.map(|o| o.key()))
                            .bind(i.duration_minutes.map(|d| d as i32))
                            .bind(&i.body)
                            .bind(i.occurred_at.trunc_subsecs(3))
                            .bind(i.author_id)
                            .bind(i.due_at)
                            .bind(i.assignee_id)
                            .bind(now);
                    }
                    query.execute(&mut *tx).await.map_err(storage_error)?;
                    // The latest inbound instant per person in this chunk.
                    let mut latest: std::collections::BTreeMap<i64, DateTime<Utc>> = std::collections::BTreeMap::new();
                    for i in chunk {
                        if let (Some(p), Some(Direction::Inbound)) = (i.person_id, i.direction) {
                            let at = i.occurred_at.trunc_subsecs(3);
                            let e = latest.entry(p).or_insert(at);
                            if *e < at {
                                *e = at;
                            }
                        }
                    }
                    if !latest.is_empty() {
                        let sql = ($last_inbound_many)(latest.len());
                        let mut query = sqlx::query(&sql);
                        for (person, at) in &latest {
                            query = query.bind(*person).bind(*at);
                        }
                        query.execute(&mut *tx).await.map_err(storage_error)?;
                    }
                }
                tx.commit().await.map_err(storage_error)
            }

            #[tracing::instrument(skip(self), err)]
            async fn timeline(
                &self,
                of: TimelineOf,
                before: Option<TimelineCursor>,
                limit: u32,
            ) -> Result<Vec<InteractionView>, StorageError> {
                let (subject, id) = match of {
                    TimelineOf::Person(id) => ("person_id", id),
                    TimelineOf::Company(id) => ("company_id", id),
                };
                let (at, before_id) = match before {
                    Some(c) => (
                        Utc.timestamp_millis_opt(c.occurred_ms).single().unwrap_or_else(Utc::now),
                        c.id,
                    ),
                    // Far enough in the future for any entry.
                    None => (Utc.with_ymd_and_hms(9999, 1, 1, 0, 0, 0).unwrap(), i64::MAX),
                };
                let rows = sqlx::query(&timeline_sql(subject))
                    .bind(id)
                    .bind(at)
                    .bind(before_id)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                rows.iter().map(view).collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn subject(&self, id: i64) -> Result<Option<(Option<i64>, Option<i64>)>, StorageError> {
                let row = sqlx::query("SELECT person_id, company_id FROM interactions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(storage_error)?;
                row.map(|r| {
                    Ok((
                        r.try_get("person_id").map_err(storage_error)?,
                        r.try_get("company_id").map_err(storage_error)?,
                    ))
                })
                .transpose()
            }

            #[tracing::instrument(skip(self), err)]
            async fn mark_done(&self, id: i64, at: DateTime<Utc>) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let done = sqlx::query(
                    "UPDATE interactions SET done_at = $2 WHERE id = $1 AND kind = 'task' AND done_at IS NULL",
                )
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?
                .rows_affected()
                    == 1;
                if done {
                    Self::record_event(&mut tx, id).await?;
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(done)
            }
        }
    };
}

sql_interactions!(sqlx::Sqlite, sqlite_last_inbound_many, false);
sql_interactions!(sqlx::Postgres, postgres_last_inbound_many, true);
