//! Pipelines, stages and the deals on the board (see `PipelineStore`), one
//! SQL text for both backends.

use crate::storage::people::placeholders;
use crate::storage::storage_error;
use app::domain::{
    BoardColumn, ColumnTotal, DealCard, DealDetail, DealMove, DealMoved, Pipeline, RecordDeal,
    Stage, StageKind, rank,
};
use app::server::storage::{
    ArchiveRefusal, BoardFilter, DealEdit, DealsOf, MoveRefusal, NewPipelineDeal, NewStage,
    PipelineStore, StageChange, StorageError, Visibility,
};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use sqlx::{Database, Pool, Row};

pub struct SqlPipelines<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlPipelines<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

/// Rank keys longer than this are spread out again (their whole column
/// rewritten once): about a hundred drops at the same place, or a few
/// hundred deals added one by one at the end of a column.
const RESPREAD_AT: usize = 24;

/// `$1`/`$2`: visibility (see `people::visibility_args`), on deals `d`.
const VISIBLE: &str = "($1 = 1 OR d.owner_id = $2 \
     OR d.team_id IN (SELECT tm.team_id FROM team_members tm WHERE tm.user_id = $2))";

const CARD: &str = "d.id, d.title, d.amount_cents, d.currency, d.probability, d.stage_id, d.rank, \
     o.display_name AS owner_name, \
     CASE WHEN pe.id IS NULL THEN NULL ELSE pe.first_name || ' ' || pe.last_name END AS person_name, \
     co.name AS company_name, d.expected_close, d.version \
     FROM deals d JOIN users o ON o.id = d.owner_id \
     LEFT JOIN people pe ON pe.id = d.person_id LEFT JOIN companies co ON co.id = d.company_id";

/// A bound value of a statement built from a filter.
enum Arg {
    Int(i64),
    Text(String),
    Date(NaiveDate),
}

/// The filter's conditions on deals `d`, numbered from `$first`.
fn filter_sql(filter: &BoardFilter, first: usize) -> (String, Vec<Arg>) {
    let mut conditions = Vec::new();
    let mut args = Vec::new();
    let mut push = |condition: &str, arg: Arg| {
        conditions.push(condition.replace('#', &format!("${}", first + args.len())));
        args.push(arg);
    };
    if let Some(v) = filter.owner_id {
        push("d.owner_id = #", Arg::Int(v));
    }
    if let Some(v) = filter.team_id {
        push("d.team_id = #", Arg::Int(v));
    }
    if let Some(v) = filter.close_from {
        push("d.expected_close >= #", Arg::Date(v));
    }
    if let Some(v) = filter.close_to {
        push("d.expected_close <= #", Arg::Date(v));
    }
    if let Some(words) = &filter.search {
        for word in words.split_whitespace() {
            // LIKE's own wildcards typed in a search are taken literally.
            let escaped = word
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            push(
                "lower(d.title) LIKE # ESCAPE '\\'",
                Arg::Text(format!("%{escaped}%")),
            );
        }
    }
    let sql = conditions
        .iter()
        .map(|c| format!(" AND {c}"))
        .collect::<String>();
    (sql, args)
}

/// Binds a filter's values, in order, to a query being built.
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for arg in $args {
            q = match arg {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_str()),
                Arg::Date(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// The key between two neighbours' keys; after `above` when they are out
/// of order (moved meanwhile); a fresh key when neither is usable.
fn key_between(above: Option<&str>, below: Option<&str>) -> String {
    rank::between(above, below)
        .or_else(|| rank::between(above, None))
        .unwrap_or_else(|| after_last(None))
}

pub(crate) fn card_row<R>(row: &R) -> Result<DealCard, StorageError>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<NaiveDate>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let probability: i64 = row.try_get("probability").map_err(storage_error)?;
    let expected: Option<NaiveDate> = row.try_get("expected_close").map_err(storage_error)?;
    Ok(DealCard {
        id: row.try_get("id").map_err(storage_error)?,
        title: row.try_get("title").map_err(storage_error)?,
        amount_cents: row.try_get("amount_cents").map_err(storage_error)?,
        currency: row.try_get("currency").map_err(storage_error)?,
        probability: u8::try_from(probability)
            .map_err(|_| StorageError::Corrupt("deals.probability".into()))?,
        stage_id: row.try_get("stage_id").map_err(storage_error)?,
        rank: row.try_get("rank").map_err(storage_error)?,
        owner_name: row.try_get("owner_name").map_err(storage_error)?,
        person_name: row.try_get("person_name").map_err(storage_error)?,
        company_name: row.try_get("company_name").map_err(storage_error)?,
        expected_close: expected.map(|d| d.format("%Y-%m-%d").to_string()),
        version: row.try_get("version").map_err(storage_error)?,
    })
}

/// A stage from a row with its `name`, `probability` and `kind`.
fn stage_row<R>(row: &R, id: i64, archived: bool) -> Result<Stage, StorageError>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let probability: i64 = row.try_get("probability").map_err(storage_error)?;
    let kind: String = row.try_get("kind").map_err(storage_error)?;
    Ok(Stage {
        id,
        name: row.try_get("name").map_err(storage_error)?,
        probability: u8::try_from(probability)
            .map_err(|_| StorageError::Corrupt("stages.probability".into()))?,
        kind: stage_kind(&kind)?,
        archived,
    })
}

pub(crate) fn stage_kind(raw: &str) -> Result<StageKind, StorageError> {
    StageKind::parse(raw).map_err(|_| StorageError::Corrupt(format!("stages.kind {raw:?}")))
}

/// The key after `last` for one deal added at the end of a column.
fn after_last(last: Option<&str>) -> String {
    rank::between(last, None).unwrap_or_else(|| rank::spread(1).remove(0))
}

macro_rules! sql_pipelines {
    ($db:ty, $first_lock:expr) => {
        impl SqlPipelines<$db> {
            /// Rewrites a column's keys evenly (in their current order) when
            /// they have grown long. Returns the keys by deal id.
            async fn respread(
                &self,
                tx: &mut sqlx::Transaction<'_, $db>,
                stage_id: i64,
            ) -> Result<Vec<(i64, String)>, StorageError> {
                let ids: Vec<i64> = sqlx::query_scalar(
                    "SELECT id FROM deals WHERE stage_id = $1 ORDER BY rank, id",
                )
                .bind(stage_id)
                .fetch_all(&mut **tx)
                .await
                .map_err(storage_error)?;
                let keys = rank::spread(ids.len());
                let pairs: Vec<(i64, String)> = ids.into_iter().zip(keys).collect();
                self.write_ranks(tx, &pairs).await?;
                Ok(pairs)
            }

            /// Writes deals' rank keys, given by deal id, 400 deals a
            /// statement.
            async fn write_ranks(
                &self,
                tx: &mut sqlx::Transaction<'_, $db>,
                keys: &[(i64, String)],
            ) -> Result<(), StorageError> {
                for chunk in keys.chunks(400) {
                    let sql = format!(
                        "UPDATE deals SET rank = v.column2 FROM (VALUES {}) AS v \
                         WHERE deals.id = v.column1",
                        placeholders(chunk.len(), 2, 1)
                    );
                    let mut q = sqlx::query(&sql);
                    for (id, key) in chunk {
                        q = q.bind(*id).bind(key.as_str());
                    }
                    q.execute(&mut **tx).await.map_err(storage_error)?;
                }
                Ok(())
            }

            /// Creates a pipeline (when `only_if_none`, only if there is
            /// none yet: two instances opening their first board at once
            /// make one).
            async fn create(
                &self,
                name: &str,
                stages: &[NewStage],
                only_if_none: bool,
            ) -> Result<Option<i64>, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                sqlx::query($first_lock).execute(&mut *tx).await.map_err(storage_error)?;
                let first: bool = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM pipelines")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(storage_error)?
                    == 0;
                if only_if_none && !first {
                    return Ok(None);
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO pipelines (name, position, created_at) \
                     VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM pipelines), $2) RETURNING id",
                )
                .bind(name)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(storage_error)?;
                let mut first_stage = None;
                for (i, stage) in stages.iter().enumerate() {
                    let stage_id: i64 = sqlx::query_scalar(
                        "INSERT INTO stages (pipeline_id, name, position, probability, kind) \
                         VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(id)
                    .bind(&stage.name)
                    .bind(i as i64 + 1)
                    .bind(i64::from(stage.probability))
                    .bind(stage.kind.key())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                    first_stage.get_or_insert((stage_id, stage.probability));
                }
                if let (true, Some((stage_id, probability))) = (first, first_stage) {
                    // Deals converted from leads before any pipeline existed.
                    let waiting: Vec<i64> = sqlx::query_scalar(
                        "SELECT id FROM deals WHERE stage_id IS NULL ORDER BY id",
                    )
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                    for (deal, key) in waiting.iter().zip(rank::spread(waiting.len())) {
                        sqlx::query(
                            "UPDATE deals SET pipeline_id = $1, stage_id = $2, rank = $3, probability = $4 \
                             WHERE id = $5",
                        )
                        .bind(id)
                        .bind(stage_id)
                        .bind(key)
                        .bind(i64::from(probability))
                        .bind(deal)
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                        sqlx::query(
                            "INSERT INTO deal_stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, changed_at) \
                             VALUES ($1, NULL, $2, NULL, $3)",
                        )
                        .bind(deal)
                        .bind(stage_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                    }
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(Some(id))
            }

            /// The refusal of a move of a deal changed since it was seen:
            /// with the deal as it is now (or gone).
            async fn changed(
                &self,
                tx: &mut sqlx::Transaction<'_, $db>,
                deal_id: i64,
            ) -> Result<MoveRefusal, StorageError> {
                let row = sqlx::query(&format!("SELECT {CARD} WHERE d.id = $1"))
                    .bind(deal_id)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(storage_error)?;
                Ok(match row.as_ref().map(card_row).transpose()? {
                    Some(card) => MoveRefusal::Changed(Box::new(card)),
                    None => MoveRefusal::NotFound,
                })
            }
        }

        #[async_trait]
        impl PipelineStore for SqlPipelines<$db> {
            #[tracing::instrument(skip(self), err)]
            async fn pipelines(&self) -> Result<Vec<Pipeline>, StorageError> {
                let rows = sqlx::query(
                    "SELECT p.id AS pipeline_id, p.name AS pipeline_name, \
                     p.archived_at IS NOT NULL AS pipeline_archived, \
                     s.id, s.name, s.probability, s.kind, s.archived_at IS NOT NULL AS archived \
                     FROM pipelines p LEFT JOIN stages s ON s.pipeline_id = p.id \
                     ORDER BY p.position, p.id, s.position, s.id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                let mut pipelines: Vec<Pipeline> = Vec::new();
                for row in &rows {
                    let id: i64 = row.try_get("pipeline_id").map_err(storage_error)?;
                    if pipelines.last().is_none_or(|p| p.id != id) {
                        pipelines.push(Pipeline {
                            id,
                            name: row.try_get("pipeline_name").map_err(storage_error)?,
                            archived: row.try_get("pipeline_archived").map_err(storage_error)?,
                            stages: Vec::new(),
                        });
                    }
                    let stage: Option<i64> = row.try_get("id").map_err(storage_error)?;
                    if let (Some(stage), Some(p)) = (stage, pipelines.last_mut()) {
                        let archived = row.try_get("archived").map_err(storage_error)?;
                        p.stages.push(stage_row(row, stage, archived)?);
                    }
                }
                Ok(pipelines)
            }

            #[tracing::instrument(skip(self, stages), err)]
            async fn create_pipeline(&self, name: &str, stages: &[NewStage]) -> Result<i64, StorageError> {
                self.create(name, stages, false)
                    .await?
                    .ok_or_else(|| StorageError::Conflict("pipeline not created".into()))
            }

            #[tracing::instrument(skip(self, stages), err)]
            async fn create_first_pipeline(&self, name: &str, stages: &[NewStage]) -> Result<(), StorageError> {
                self.create(name, stages, true).await.map(|_| ())
            }

            #[tracing::instrument(skip(self), err)]
            async fn board(
                &self,
                pipeline_id: i64,
                visibility: Visibility,
                filter: &BoardFilter,
                per_column: u32,
            ) -> Result<Vec<BoardColumn>, StorageError> {
                let (all, user_id) = crate::storage::people::visibility_args(visibility);
                let stage_rows = sqlx::query(
                    "SELECT id, name, probability, kind FROM stages \
                     WHERE pipeline_id = $1 AND archived_at IS NULL ORDER BY position, id",
                )
                .bind(pipeline_id)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                let mut columns = Vec::with_capacity(stage_rows.len());
                for row in &stage_rows {
                    let id = row.try_get("id").map_err(storage_error)?;
                    columns.push(BoardColumn {
                        stage: stage_row(row, id, false)?,
                        count: 0,
                        totals: Vec::new(),
                        cards: Vec::new(),
                    });
                }
                if columns.is_empty() {
                    return Ok(columns);
                }

                // Totals over every matching deal of the pipeline.
                let (conditions, args) = filter_sql(filter, 4);
                let sql = format!(
                    "SELECT d.stage_id, d.currency, COUNT(*) AS n, \
                     CAST(SUM(d.amount_cents) AS BIGINT) AS amount, \
                     CAST(SUM(d.amount_cents * d.probability) AS BIGINT) AS weighted \
                     FROM deals d WHERE d.pipeline_id = $3 AND {VISIBLE}{conditions} \
                     GROUP BY d.stage_id, d.currency ORDER BY d.stage_id, d.currency"
                );
                let mut q = sqlx::query(&sql).bind(all).bind(user_id).bind(pipeline_id);
                q = bind_args!(q, &args);
                for row in q.fetch_all(&self.pool).await.map_err(storage_error)? {
                    let stage_id: i64 = row.try_get("stage_id").map_err(storage_error)?;
                    let Some(column) = columns.iter_mut().find(|c| c.stage.id == stage_id) else {
                        continue;
                    };
                    let n: i64 = row.try_get("n").map_err(storage_error)?;
                    let weighted: i64 = row.try_get("weighted").map_err(storage_error)?;
                    column.count += n;
                    column.totals.push(ColumnTotal {
                        currency: row.try_get("currency").map_err(storage_error)?,
                        amount_cents: row.try_get("amount").map_err(storage_error)?,
                        // Σ amount × probability is in cents × percent.
                        weighted_cents: (weighted + 50).div_euclid(100),
                    });
                }

                // The first cards of every column, in one statement.
                let first_stage = 4 + args.len();
                let branches: Vec<String> = (0..columns.len())
                    .map(|i| {
                        format!(
                            "SELECT * FROM (SELECT {CARD} WHERE d.stage_id = ${} AND {VISIBLE}{conditions} \
                             ORDER BY d.rank, d.id LIMIT $3) c{i}",
                            first_stage + i
                        )
                    })
                    .collect();
                let sql = branches.join(" UNION ALL ");
                let mut q = sqlx::query(&sql)
                    .bind(all)
                    .bind(user_id)
                    .bind(i64::from(per_column));
                q = bind_args!(q, &args);
                for column in &columns {
                    q = q.bind(column.stage.id);
                }
                for row in q.fetch_all(&self.pool).await.map_err(storage_error)? {
                    let card = card_row(&row)?;
                    if let Some(column) = columns.iter_mut().find(|c| c.stage.id == card.stage_id) {
                        column.cards.push(card);
                    }
                }
                Ok(columns)
            }

            #[tracing::instrument(skip(self), err)]
            async fn column(
                &self,
                stage_id: i64,
                visibility: Visibility,
                filter: &BoardFilter,
                after: Option<(String, i64)>,
                limit: u32,
            ) -> Result<Vec<DealCard>, StorageError> {
                let (all, user_id) = crate::storage::people::visibility_args(visibility);
                let (conditions, args) = filter_sql(filter, 7);
                let sql = format!(
                    "SELECT {CARD} WHERE d.stage_id = $4 AND {VISIBLE}{conditions} \
                     AND ($5 = '' OR d.rank > $5 OR (d.rank = $5 AND d.id > $6)) \
                     ORDER BY d.rank, d.id LIMIT $3"
                );
                let (after_rank, after_id) = after.unwrap_or_default();
                let mut q = sqlx::query(&sql)
                    .bind(all)
                    .bind(user_id)
                    .bind(i64::from(limit))
                    .bind(stage_id)
                    .bind(after_rank)
                    .bind(after_id);
                q = bind_args!(q, &args);
                q.fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?
                    .iter()
                    .map(card_row)
                    .collect()
            }

            #[tracing::instrument(skip(self, deal), err)]
            async fn create_deal(&self, deal: &NewPipelineDeal, by: i64) -> Result<i64, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let stage = sqlx::query(
                    "SELECT pipeline_id, probability FROM stages WHERE id = $1 AND archived_at IS NULL",
                )
                .bind(deal.stage_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage_error)?
                .ok_or_else(|| StorageError::Missing(format!("stage {}", deal.stage_id)))?;
                let pipeline_id: i64 = stage.try_get("pipeline_id").map_err(storage_error)?;
                let default_probability: i64 = stage.try_get("probability").map_err(storage_error)?;
                let last: Option<String> = sqlx::query_scalar(
                    "SELECT rank FROM deals WHERE stage_id = $1 ORDER BY rank DESC, id DESC LIMIT 1",
                )
                .bind(deal.stage_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage_error)?;
                let mut key = after_last(last.as_deref());
                if key.len() > RESPREAD_AT {
                    let spread = self.respread(&mut tx, deal.stage_id).await?;
                    key = after_last(spread.last().map(|(_, k)| k.as_str()));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO deals (title, amount_cents, currency, person_id, company_id, owner_id, team_id, \
                     source, pipeline_id, stage_id, rank, probability, expected_close, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
                )
                .bind(&deal.title)
                .bind(deal.amount_cents)
                .bind(&deal.currency)
                .bind(deal.person_id)
                .bind(deal.company_id)
                .bind(deal.owner_id)
                .bind(deal.team_id)
                .bind(&deal.source)
                .bind(pipeline_id)
                .bind(deal.stage_id)
                .bind(&key)
                .bind(deal.probability.map(i64::from).unwrap_or(default_probability))
                .bind(deal.expected_close)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(storage_error)?;
                sqlx::query(
                    "INSERT INTO deal_stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, changed_at) \
                     VALUES ($1, NULL, $2, $3, $4)",
                )
                .bind(id)
                .bind(deal.stage_id)
                .bind(by)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?;
                tx.commit().await.map_err(storage_error)?;
                Ok(id)
            }

            #[tracing::instrument(skip(self, deals), fields(n = deals.len()), err)]
            async fn create_deals(&self, deals: &[NewPipelineDeal]) -> Result<(), StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let stages = sqlx::query("SELECT id, pipeline_id, probability FROM stages")
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                let mut info = std::collections::HashMap::new();
                for row in &stages {
                    let id: i64 = row.try_get("id").map_err(storage_error)?;
                    let pipeline: i64 = row.try_get("pipeline_id").map_err(storage_error)?;
                    let probability: i64 = row.try_get("probability").map_err(storage_error)?;
                    info.insert(id, (pipeline, probability));
                }
                // Each column's new keys follow its last one.
                let mut per_stage: std::collections::HashMap<i64, Vec<usize>> = Default::default();
                for (i, d) in deals.iter().enumerate() {
                    per_stage.entry(d.stage_id).or_default().push(i);
                }
                let mut keys = vec![String::new(); deals.len()];
                for (stage, indexes) in &per_stage {
                    let last: Option<String> = sqlx::query_scalar(
                        "SELECT rank FROM deals WHERE stage_id = $1 ORDER BY rank DESC, id DESC LIMIT 1",
                    )
                    .bind(stage)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                    for (i, key) in indexes.iter().zip(rank::spread(indexes.len())) {
                        keys[*i] = format!("{}{key}", last.as_deref().unwrap_or(""));
                    }
                }
                const COLUMNS: usize = 15;
                for (chunk_index, chunk) in deals.chunks(500).enumerate() {
                    let sql = format!(
                        "INSERT INTO deals (title, amount_cents, currency, person_id, company_id, owner_id, team_id, \
                         source, pipeline_id, stage_id, rank, probability, expected_close, created_at, updated_at) \
                         VALUES {}",
                        placeholders(chunk.len(), COLUMNS, 1)
                    );
                    let mut q = sqlx::query(&sql);
                    for (j, d) in chunk.iter().enumerate() {
                        let (pipeline, default_probability) = *info
                            .get(&d.stage_id)
                            .ok_or_else(|| StorageError::Missing(format!("stage {}", d.stage_id)))?;
                        q = q
                            .bind(d.title.as_str())
                            .bind(d.amount_cents)
                            .bind(d.currency.as_str())
                            .bind(d.person_id)
                            .bind(d.company_id)
                            .bind(d.owner_id)
                            .bind(d.team_id)
                            .bind(d.source.as_str())
                            .bind(pipeline)
                            .bind(d.stage_id)
                            .bind(keys[chunk_index * 500 + j].clone())
                            .bind(d.probability.map(i64::from).unwrap_or(default_probability))
                            .bind(d.expected_close)
                            .bind(now)
                            .bind(now);
                    }
                    q.execute(&mut *tx).await.map_err(storage_error)?;
                }
                sqlx::query(
                    "INSERT INTO deal_stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, changed_at) \
                     SELECT d.id, NULL, d.stage_id, NULL, d.created_at FROM deals d \
                     WHERE d.stage_id IS NOT NULL \
                     AND NOT EXISTS (SELECT 1 FROM deal_stage_changes c WHERE c.deal_id = d.id)",
                )
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?;
                tx.commit().await.map_err(storage_error)
            }

            #[tracing::instrument(skip(self), err)]
            async fn move_deal(
                &self,
                mv: &DealMove,
                visibility: Visibility,
                by: i64,
                today: NaiveDate,
            ) -> Result<Result<DealMoved, MoveRefusal>, StorageError> {
                let (all, user_id) = crate::storage::people::visibility_args(visibility);
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                // 1. The deal, its two neighbours as the mover saw them, and
                //    the target stage, in one read.
                let rows = sqlx::query(&format!(
                    "SELECT d.id, d.stage_id, d.rank, d.version, d.pipeline_id, d.probability, \
                     {VISIBLE} AS visible, \
                     s.pipeline_id AS target_pipeline, s.kind AS target_kind, \
                     s.probability AS target_probability, \
                     s.archived_at IS NOT NULL AS target_archived, \
                     (SELECT MAX(l.rank) FROM deals l WHERE l.stage_id = s.id) AS target_last \
                     FROM deals d, stages s WHERE d.id IN ($3, $4, $5) AND s.id = $6"
                ))
                .bind(all)
                .bind(user_id)
                .bind(mv.deal_id)
                .bind(mv.after_deal_id.unwrap_or(-1))
                .bind(mv.before_deal_id.unwrap_or(-1))
                .bind(mv.to_stage_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(storage_error)?;
                let id_of = |row: &<$db as Database>::Row| -> Result<i64, StorageError> {
                    row.try_get::<i64, _>("id").map_err(storage_error)
                };
                let mut deal = None;
                let mut neighbours: Vec<(i64, Option<i64>, Option<String>)> = Vec::new();
                for row in &rows {
                    let id = id_of(row)?;
                    let stage: Option<i64> = row.try_get("stage_id").map_err(storage_error)?;
                    let key: Option<String> = row.try_get("rank").map_err(storage_error)?;
                    if id == mv.deal_id {
                        deal = Some(row);
                    } else {
                        neighbours.push((id, stage, key));
                    }
                }
                let Some(deal) = deal else {
                    // No deal, or no such stage (the join found nothing).
                    let exists: Option<i64> = sqlx::query_scalar(&format!(
                        "SELECT d.id FROM deals d WHERE d.id = $3 AND {VISIBLE}"
                    ))
                    .bind(all)
                    .bind(user_id)
                    .bind(mv.deal_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                    return Ok(Err(if exists.is_some() {
                        MoveRefusal::StageUnavailable
                    } else {
                        MoveRefusal::NotFound
                    }));
                };
                let visible: bool = deal.try_get("visible").map_err(storage_error)?;
                if !visible {
                    return Ok(Err(MoveRefusal::NotFound));
                }
                let version: i64 = deal.try_get("version").map_err(storage_error)?;
                if version != mv.version {
                    return Ok(Err(self.changed(&mut tx, mv.deal_id).await?));
                }
                let pipeline: Option<i64> = deal.try_get("pipeline_id").map_err(storage_error)?;
                let target_pipeline: i64 = deal.try_get("target_pipeline").map_err(storage_error)?;
                let archived: bool = deal.try_get("target_archived").map_err(storage_error)?;
                if pipeline != Some(target_pipeline) || archived {
                    return Ok(Err(MoveRefusal::StageUnavailable));
                }
                let kind: String = deal.try_get("target_kind").map_err(storage_error)?;
                let kind = stage_kind(&kind)?;
                let reason = mv.lost_reason.as_deref().map(str::trim).unwrap_or("");
                if kind == StageKind::Lost && reason.is_empty() {
                    return Ok(Err(MoveRefusal::ReasonRequired));
                }
                let from_stage: Option<i64> = deal.try_get("stage_id").map_err(storage_error)?;
                let stage_changes = from_stage != Some(mv.to_stage_id);
                let target_probability: i64 =
                    deal.try_get("target_probability").map_err(storage_error)?;

                // The new key between the neighbours that are still in the
                // target column (a neighbour moved away meanwhile is left out).
                let key_of = |id: Option<i64>| {
                    id.and_then(|id| {
                        neighbours
                            .iter()
                            .find(|(n, stage, _)| *n == id && *stage == Some(mv.to_stage_id))
                            .and_then(|(_, _, key)| key.clone())
                    })
                };
                let (mut above, below) = (key_of(mv.after_deal_id), key_of(mv.before_deal_id));
                if mv.after_deal_id.is_none() && mv.before_deal_id.is_none() {
                    // No neighbours given: the end of the column (a move
                    // made with a form, or a drop into an empty column).
                    above = deal.try_get("target_last").map_err(storage_error)?;
                }
                let mut key = key_between(above.as_deref(), below.as_deref());
                if key.len() > RESPREAD_AT {
                    // Rare: the column is spread out again and the key taken
                    // between the same neighbours' new keys.
                    let spread = self.respread(&mut tx, mv.to_stage_id).await?;
                    let new_key = |id: Option<i64>| {
                        id.and_then(|id| spread.iter().find(|(n, _)| *n == id).map(|(_, k)| k.clone()))
                    };
                    let (above, below) = (new_key(mv.after_deal_id), new_key(mv.before_deal_id));
                    key = key_between(above.as_deref(), below.as_deref());
                }

                // 2. The deal itself, if still at the version read.
                let closed_on = match kind {
                    StageKind::Open => None,
                    _ => Some(
                        mv.closed_on
                            .as_deref()
                            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                            .unwrap_or(today),
                    ),
                };
                let updated = sqlx::query(
                    "UPDATE deals SET stage_id = $1, rank = $2, \
                     probability = CASE WHEN $3 = 1 THEN $4 ELSE probability END, \
                     lost_reason = $5, closed_on = $6, version = version + 1, updated_at = $7 \
                     WHERE id = $8 AND version = $9",
                )
                .bind(mv.to_stage_id)
                .bind(&key)
                .bind(i64::from(stage_changes))
                .bind(target_probability)
                .bind(if kind == StageKind::Lost { reason } else { "" })
                .bind(closed_on)
                .bind(now)
                .bind(mv.deal_id)
                .bind(mv.version)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?
                .rows_affected();
                if updated == 0 {
                    return Ok(Err(self.changed(&mut tx, mv.deal_id).await?));
                }
                // 3. The change of stage, kept for cycle times.
                if stage_changes {
                    sqlx::query(
                        "INSERT INTO deal_stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, changed_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(mv.deal_id)
                    .bind(from_stage)
                    .bind(mv.to_stage_id)
                    .bind(by)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(Ok(DealMoved {
                    stage_id: mv.to_stage_id,
                    rank: key,
                    version: mv.version + 1,
                    probability: if stage_changes {
                        u8::try_from(target_probability)
                            .map_err(|_| StorageError::Corrupt("stages.probability".into()))?
                    } else {
                        u8::try_from(deal.try_get::<i64, _>("probability").map_err(storage_error)?)
                            .map_err(|_| StorageError::Corrupt("deals.probability".into()))?
                    },
                }))
            }

            #[tracing::instrument(skip(self), err)]
            async fn card(&self, deal_id: i64, visibility: Visibility) -> Result<Option<DealCard>, StorageError> {
                let (all, user_id) = crate::storage::people::visibility_args(visibility);
                let row = sqlx::query(&format!("SELECT {CARD} WHERE d.id = $3 AND {VISIBLE}"))
                    .bind(all)
                    .bind(user_id)
                    .bind(deal_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(storage_error)?;
                row.as_ref().map(card_row).transpose()
            }

            #[tracing::instrument(skip(self), err)]
            async fn deals_of(&self, of: DealsOf, visibility: Visibility, limit: u32) -> Result<Vec<RecordDeal>, StorageError> {
                let (all, user_id) = crate::storage::people::visibility_args(visibility);
                // A company's deals are its own and those of the people
                // working there (a deal may name only the person).
                let (whose, id) = match of {
                    DealsOf::Person(id) => ("d.person_id = $3", id),
                    DealsOf::Company(id) => (
                        "(d.company_id = $3 OR d.person_id IN (SELECT p.id FROM people p WHERE p.company_id = $3))",
                        id,
                    ),
                };
                let rows = sqlx::query(&format!(
                    "SELECT d.id, d.title, d.amount_cents, d.currency, s.name AS stage_name, s.kind AS stage_kind, \
                     d.expected_close, o.display_name AS owner_name \
                     FROM deals d JOIN users o ON o.id = d.owner_id LEFT JOIN stages s ON s.id = d.stage_id \
                     WHERE {whose} AND {VISIBLE} \
                     ORDER BY CASE WHEN s.kind IS NULL OR s.kind = 'open' THEN 0 ELSE 1 END, d.id DESC LIMIT $4"
                ))
                .bind(all)
                .bind(user_id)
                .bind(id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        let name: Option<String> = row.try_get("stage_name").map_err(storage_error)?;
                        let kind: Option<String> = row.try_get("stage_kind").map_err(storage_error)?;
                        let stage = match (name, kind) {
                            (Some(name), Some(kind)) => Some((name, stage_kind(&kind)?)),
                            _ => None,
                        };
                        let expected: Option<NaiveDate> = row.try_get("expected_close").map_err(storage_error)?;
                        Ok(RecordDeal {
                            id: row.try_get("id").map_err(storage_error)?,
                            title: row.try_get("title").map_err(storage_error)?,
                            amount_cents: row.try_get("amount_cents").map_err(storage_error)?,
                            currency: row.try_get("currency").map_err(storage_error)?,
                            stage,
                            expected_close: expected.map(|d| d.format("%Y-%m-%d").to_string()),
                            owner_name: row.try_get("owner_name").map_err(storage_error)?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn stage_history(&self, deal_id: i64) -> Result<Vec<StageChange>, StorageError> {
                let rows = sqlx::query(
                    "SELECT f.name AS from_stage, t.name AS to_stage, u.display_name AS by_name, c.changed_at \
                     FROM deal_stage_changes c JOIN stages t ON t.id = c.to_stage_id \
                     LEFT JOIN stages f ON f.id = c.from_stage_id LEFT JOIN users u ON u.id = c.changed_by \
                     WHERE c.deal_id = $1 ORDER BY c.id",
                )
                .bind(deal_id)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        Ok(StageChange {
                            from_stage: row.try_get("from_stage").map_err(storage_error)?,
                            to_stage: row.try_get("to_stage").map_err(storage_error)?,
                            by: row.try_get("by_name").map_err(storage_error)?,
                            at: row.try_get("changed_at").map_err(storage_error)?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn stage_deal_counts(&self) -> Result<Vec<(i64, i64)>, StorageError> {
                let rows = sqlx::query(
                    "SELECT stage_id, COUNT(*) AS n FROM deals WHERE stage_id IS NOT NULL GROUP BY stage_id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get("stage_id").map_err(storage_error)?,
                            r.try_get("n").map_err(storage_error)?,
                        ))
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn rename_pipeline(&self, pipeline_id: i64, name: &str) -> Result<bool, StorageError> {
                let done = sqlx::query("UPDATE pipelines SET name = $1 WHERE id = $2")
                    .bind(name)
                    .bind(pipeline_id)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?
                    .rows_affected();
                Ok(done == 1)
            }

            #[tracing::instrument(skip(self), err)]
            async fn add_stage(&self, pipeline_id: i64, stage: &NewStage) -> Result<i64, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM pipelines WHERE id = $1")
                    .bind(pipeline_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                if exists.is_none() {
                    return Err(StorageError::Missing(format!("pipeline {pipeline_id}")));
                }
                let first_closed: Option<i64> = sqlx::query_scalar(
                    "SELECT MIN(position) FROM stages WHERE pipeline_id = $1 AND kind <> 'open'",
                )
                .bind(pipeline_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(storage_error)?;
                let position = match (stage.kind, first_closed) {
                    (StageKind::Open, Some(at)) => {
                        sqlx::query(
                            "UPDATE stages SET position = position + 1 WHERE pipeline_id = $1 AND position >= $2",
                        )
                        .bind(pipeline_id)
                        .bind(at)
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                        at
                    }
                    _ => sqlx::query_scalar::<_, i64>(
                        "SELECT COALESCE(MAX(position), 0) + 1 FROM stages WHERE pipeline_id = $1",
                    )
                    .bind(pipeline_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(storage_error)?,
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO stages (pipeline_id, name, position, probability, kind) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(pipeline_id)
                .bind(&stage.name)
                .bind(position)
                .bind(i64::from(stage.probability))
                .bind(stage.kind.key())
                .fetch_one(&mut *tx)
                .await
                .map_err(storage_error)?;
                tx.commit().await.map_err(storage_error)?;
                Ok(id)
            }

            #[tracing::instrument(skip(self), err)]
            async fn edit_stage(&self, stage_id: i64, name: &str, probability: u8) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let old: Option<i64> = sqlx::query_scalar("SELECT probability FROM stages WHERE id = $1")
                    .bind(stage_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                let Some(old) = old else {
                    return Ok(false);
                };
                sqlx::query("UPDATE stages SET name = $1, probability = $2 WHERE id = $3")
                    .bind(name)
                    .bind(i64::from(probability))
                    .bind(stage_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                if old != i64::from(probability) {
                    // Deals at the old default followed it; an override stays.
                    sqlx::query(
                        "UPDATE deals SET probability = $1, version = version + 1, updated_at = $2 \
                         WHERE stage_id = $3 AND probability = $4",
                    )
                    .bind(i64::from(probability))
                    .bind(Utc::now())
                    .bind(stage_id)
                    .bind(old)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(true)
            }

            #[tracing::instrument(skip(self), err)]
            async fn move_stage(&self, stage_id: i64, up: bool) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let Some(row) = sqlx::query(
                    "SELECT pipeline_id, position FROM stages WHERE id = $1 AND archived_at IS NULL",
                )
                .bind(stage_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage_error)?
                else {
                    return Ok(false);
                };
                let pipeline: i64 = row.try_get("pipeline_id").map_err(storage_error)?;
                let position: i64 = row.try_get("position").map_err(storage_error)?;
                let sql = if up {
                    "SELECT id, position FROM stages WHERE pipeline_id = $1 AND archived_at IS NULL \
                     AND position < $2 ORDER BY position DESC LIMIT 1"
                } else {
                    "SELECT id, position FROM stages WHERE pipeline_id = $1 AND archived_at IS NULL \
                     AND position > $2 ORDER BY position LIMIT 1"
                };
                let Some(other) = sqlx::query(sql)
                    .bind(pipeline)
                    .bind(position)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(storage_error)?
                else {
                    return Ok(false);
                };
                let other_id: i64 = other.try_get("id").map_err(storage_error)?;
                let other_position: i64 = other.try_get("position").map_err(storage_error)?;
                for (id, at) in [(stage_id, other_position), (other_id, position)] {
                    sqlx::query("UPDATE stages SET position = $1 WHERE id = $2")
                        .bind(at)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(true)
            }

            #[tracing::instrument(skip(self), err)]
            async fn archive_stage(
                &self,
                stage_id: i64,
                move_to: Option<i64>,
                by: i64,
            ) -> Result<Result<u64, ArchiveRefusal>, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let Some(stage) = sqlx::query(
                    "SELECT pipeline_id, kind, \
                     (SELECT COUNT(*) FROM stages o WHERE o.pipeline_id = s.pipeline_id AND o.id <> s.id \
                      AND o.kind = 'open' AND o.archived_at IS NULL) AS other_open \
                     FROM stages s WHERE id = $1 AND archived_at IS NULL",
                )
                .bind(stage_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage_error)?
                else {
                    return Ok(Err(ArchiveRefusal::NotFound));
                };
                let pipeline: i64 = stage.try_get("pipeline_id").map_err(storage_error)?;
                let kind: String = stage.try_get("kind").map_err(storage_error)?;
                let other_open: i64 = stage.try_get("other_open").map_err(storage_error)?;
                if kind == "open" && other_open == 0 {
                    return Ok(Err(ArchiveRefusal::LastOpenStage));
                }
                let ids: Vec<i64> = sqlx::query_scalar(
                    "SELECT id FROM deals WHERE stage_id = $1 ORDER BY rank, id",
                )
                .bind(stage_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(storage_error)?;
                if !ids.is_empty() {
                    let Some(target) = move_to else {
                        return Ok(Err(ArchiveRefusal::DealsToMove(ids.len() as i64)));
                    };
                    let Some(row) = sqlx::query(
                        "SELECT probability, (SELECT MAX(l.rank) FROM deals l WHERE l.stage_id = s.id) AS last \
                         FROM stages s WHERE id = $1 AND id <> $2 AND pipeline_id = $3 AND kind = $4 \
                         AND archived_at IS NULL",
                    )
                    .bind(target)
                    .bind(stage_id)
                    .bind(pipeline)
                    .bind(&kind)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(storage_error)?
                    else {
                        return Ok(Err(ArchiveRefusal::BadTarget));
                    };
                    let probability: i64 = row.try_get("probability").map_err(storage_error)?;
                    let last: Option<String> = row.try_get("last").map_err(storage_error)?;
                    // After the target's last card, in their order: the old
                    // keys, prefixed by the last one, sort after it.
                    let prefix = last.unwrap_or_default();
                    let keys: Vec<(i64, String)> = ids
                        .iter()
                        .zip(rank::spread(ids.len()))
                        .map(|(id, key)| (*id, format!("{prefix}{key}")))
                        .collect();
                    self.write_ranks(&mut tx, &keys).await?;
                    sqlx::query(
                        "INSERT INTO deal_stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, changed_at) \
                         SELECT id, $1, $2, $3, $4 FROM deals WHERE stage_id = $1",
                    )
                    .bind(stage_id)
                    .bind(target)
                    .bind(by)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                    sqlx::query(
                        "UPDATE deals SET stage_id = $1, probability = $2, version = version + 1, \
                         updated_at = $3 WHERE stage_id = $4",
                    )
                    .bind(target)
                    .bind(probability)
                    .bind(now)
                    .bind(stage_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                    if keys.iter().any(|(_, k)| k.len() > RESPREAD_AT) {
                        self.respread(&mut tx, target).await?;
                    }
                }
                sqlx::query("UPDATE stages SET archived_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(stage_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                tx.commit().await.map_err(storage_error)?;
                Ok(Ok(ids.len() as u64))
            }

            #[tracing::instrument(skip(self), err)]
            async fn deal(&self, deal_id: i64) -> Result<Option<DealDetail>, StorageError> {
                let Some(row) = sqlx::query(
                    "SELECT d.id, d.title, d.amount_cents, d.currency, d.probability, \
                     d.expected_close, d.closed_on, d.lost_reason, d.owner_id, \
                     o.display_name AS owner_name, d.team_id, tm.name AS team_name, \
                     d.person_id, CASE WHEN pe.id IS NULL THEN NULL \
                     ELSE pe.first_name || ' ' || pe.last_name END AS person_name, \
                     d.company_id, co.name AS company_name, d.source, d.created_at, d.version, \
                     d.pipeline_id, p.name AS pipeline_name, d.stage_id, \
                     s.name, s.probability AS stage_probability, s.kind, \
                     s.archived_at IS NOT NULL AS stage_archived \
                     FROM deals d JOIN users o ON o.id = d.owner_id \
                     LEFT JOIN teams tm ON tm.id = d.team_id \
                     LEFT JOIN people pe ON pe.id = d.person_id \
                     LEFT JOIN companies co ON co.id = d.company_id \
                     LEFT JOIN pipelines p ON p.id = d.pipeline_id \
                     LEFT JOIN stages s ON s.id = d.stage_id WHERE d.id = $1",
                )
                .bind(deal_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?
                else {
                    return Ok(None);
                };
                let get_i = |c: &str| row.try_get::<i64, _>(c).map_err(storage_error);
                let get_oi = |c: &str| row.try_get::<Option<i64>, _>(c).map_err(storage_error);
                let get_s = |c: &str| row.try_get::<String, _>(c).map_err(storage_error);
                let get_os = |c: &str| row.try_get::<Option<String>, _>(c).map_err(storage_error);
                let get_day = |c: &str| {
                    row.try_get::<Option<NaiveDate>, _>(c)
                        .map(|d| d.map(|d| d.format("%Y-%m-%d").to_string()))
                        .map_err(storage_error)
                };
                let pair = |id: Option<i64>, name: Option<String>| id.zip(name);
                let stage = match get_oi("stage_id")? {
                    Some(id) => {
                        let probability = get_i("stage_probability")?;
                        Some(Stage {
                            id,
                            name: get_s("name")?,
                            probability: u8::try_from(probability)
                                .map_err(|_| StorageError::Corrupt("stages.probability".into()))?,
                            kind: stage_kind(&get_s("kind")?)?,
                            archived: row.try_get("stage_archived").map_err(storage_error)?,
                        })
                    }
                    None => None,
                };
                let created: chrono::DateTime<Utc> =
                    row.try_get("created_at").map_err(storage_error)?;
                Ok(Some(DealDetail {
                    id: get_i("id")?,
                    title: get_s("title")?,
                    amount_cents: get_i("amount_cents")?,
                    currency: get_s("currency")?,
                    probability: u8::try_from(get_i("probability")?)
                        .map_err(|_| StorageError::Corrupt("deals.probability".into()))?,
                    pipeline: pair(get_oi("pipeline_id")?, get_os("pipeline_name")?),
                    stage,
                    expected_close: get_day("expected_close")?,
                    closed_on: get_day("closed_on")?,
                    lost_reason: get_s("lost_reason")?,
                    owner_id: get_i("owner_id")?,
                    owner_name: get_s("owner_name")?,
                    team_id: get_oi("team_id")?,
                    team_name: get_os("team_name")?,
                    person: pair(get_oi("person_id")?, get_os("person_name")?),
                    company: pair(get_oi("company_id")?, get_os("company_name")?),
                    source: get_s("source")?,
                    created_at: created,
                    version: get_i("version")?,
                    history: Vec::new(),
                    stages: Vec::new(),
                    may_edit: false,
                }))
            }

            #[tracing::instrument(skip(self, edit), err)]
            async fn update_deal(
                &self,
                deal_id: i64,
                version: i64,
                edit: &DealEdit,
            ) -> Result<bool, StorageError> {
                let updated = sqlx::query(
                    "UPDATE deals SET title = $1, amount_cents = $2, currency = $3, probability = $4, \
                     expected_close = $5, owner_id = $6, team_id = $7, company_id = $8, \
                     version = version + 1, updated_at = $9 WHERE id = $10 AND version = $11",
                )
                .bind(&edit.title)
                .bind(edit.amount_cents)
                .bind(&edit.currency)
                .bind(i64::from(edit.probability))
                .bind(edit.expected_close)
                .bind(edit.owner_id)
                .bind(edit.team_id)
                .bind(edit.company_id)
                .bind(Utc::now())
                .bind(deal_id)
                .bind(version)
                .execute(&self.pool)
                .await
                .map_err(storage_error)?
                .rows_affected();
                Ok(updated == 1)
            }
        }
    };
}

// Serialises the creation of a first pipeline. SQLite: a write that
// changes nothing takes the database's one write lock for the transaction.
// PostgreSQL: a transaction-scoped advisory lock (any fixed key).
sql_pipelines!(
    sqlx::Sqlite,
    "UPDATE pipelines SET name = name WHERE id = -1"
);
sql_pipelines!(sqlx::Postgres, "SELECT pg_advisory_xact_lock(4207001)");
