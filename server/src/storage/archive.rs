//! Gathering everything held about one person for an access or
//! portability request, driven by the field catalogue: each catalogued
//! table is read for the declared columns, so a field added to the
//! catalogue is in the archive without more code, and a catalogued table
//! without a way to find the person's rows fails the tests.

use crate::storage::privacy::{REQUEST_COLUMNS, queue_mail, request_view};
use crate::storage::script::{RunScript, Script};
use crate::storage::storage_error;
use app::domain::fields::{CATALOGUED_TABLES, FIELDS};
use app::i18n::Locale;
use app::server::storage::{
    AccessEntry, ArchiveData, ArchiveStore, ArchiveTable, Download, NewArchive, StorageError,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Pool, Row};

pub struct SqlArchives<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlArchives<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

/// How the rows of a catalogued table about person `$1` are found: the
/// condition on the table (aliased `t`), the references that relate its
/// rows to one another (before the catalogue's fields) and their order.
pub fn scope(table: &str) -> Option<(&'static str, &'static [&'static str], &'static str)> {
    Some(match table {
        "people" => ("t.id = $1", &["id"], "t.id"),
        "person_emails" => ("t.person_id = $1", &[], "t.position"),
        "person_phones" => ("t.person_id = $1", &[], "t.position"),
        "person_legal_bases" => ("t.person_id = $1", &["purpose"], "t.purpose"),
        "person_tags" => ("t.person_id = $1", &["tagged_at"], "t.tag_id"),
        "interactions" => ("t.person_id = $1", &["id", "created_at"], "t.id"),
        // A lead carries the person's address before (or without) being
        // converted into them.
        "leads" => (
            "t.person_id = $1 OR lower(t.email) IN (SELECT address_key FROM person_emails WHERE person_id = $1)",
            &["id", "created_at"],
            "t.id",
        ),
        "deals" => ("t.person_id = $1", &["id", "created_at"], "t.id"),
        "deal_stage_changes" => (
            "t.deal_id IN (SELECT id FROM deals WHERE person_id = $1)",
            &["deal_id", "from_stage_id", "changed_by", "changed_at"],
            "t.id",
        ),
        "companies" => (
            "t.id = (SELECT company_id FROM people WHERE id = $1)",
            &["id"],
            "t.id",
        ),
        _ => return None,
    })
}

/// A column's value as text; references to other records by their name,
/// which is what a person can read (ids mean nothing outside Accord).
fn value<DB: AsText>(column: &str) -> String {
    let named =
        |table: &str, name: &str| format!("(SELECT {name} FROM {table} WHERE id = t.{column})");
    match column {
        "owner_id" | "entered_by" | "changed_by" => named("users", "display_name"),
        "team_id" => named("teams", "name"),
        "company_id" => named("companies", "name"),
        "tag_id" => named("tags", "name"),
        "stage_id" | "from_stage_id" | "to_stage_id" => named("stages", "name"),
        _ => DB::text(&format!("t.{column}")),
    }
}

/// How each backend renders any column as text: timestamps in ISO 8601
/// on both.
pub trait AsText {
    fn text(expression: &str) -> String;
    /// Run first in the reading transaction: one snapshot for every table.
    const SNAPSHOT: Option<&'static str>;
}

impl AsText for sqlx::Sqlite {
    fn text(expression: &str) -> String {
        format!("CAST({expression} AS TEXT)")
    }
    // A SQLite read transaction reads one snapshot already.
    const SNAPSHOT: Option<&'static str> = None;
}

impl AsText for sqlx::Postgres {
    fn text(expression: &str) -> String {
        format!("(to_jsonb({expression}) #>> '{{}}')")
    }
    const SNAPSHOT: Option<&'static str> =
        Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
}

/// The query reading a catalogued table, and its column names.
fn table_query<DB: AsText>(table: &'static str) -> Option<(String, Vec<String>)> {
    let (condition, references, order) = scope(table)?;
    let mut columns: Vec<String> = references.iter().map(|c| c.to_string()).collect();
    let mut expressions: Vec<String> = references.iter().map(|c| value::<DB>(c)).collect();
    for field in FIELDS.iter().filter(|f| f.table == table) {
        columns.push(field.key.to_string());
        expressions.push(value::<DB>(field.column));
    }
    let list = expressions
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{e} AS c{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    Some((
        format!("SELECT {list} FROM {table} t WHERE {condition} ORDER BY {order}"),
        columns,
    ))
}

/// What the access log says about a person.
const ACCESS: &str = "SELECT at, user_email, action, record_type, outcome FROM access_log \
     WHERE record_id = $1 AND record_type IN ('person', 'consent_proof', 'person_archive') ORDER BY at, id";

macro_rules! sql_archives {
    ($db:ty) => {
        #[async_trait]
        impl ArchiveStore for SqlArchives<$db> {
            #[tracing::instrument(skip(self), err)]
            async fn collect(&self, person_id: i64) -> Result<Option<ArchiveData>, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                if let Some(snapshot) = <$db as AsText>::SNAPSHOT {
                    sqlx::query(snapshot).execute(&mut *tx).await.map_err(storage_error)?;
                }
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1")
                    .bind(person_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                if exists.is_none() {
                    return Ok(None);
                }
                let mut tables = Vec::with_capacity(CATALOGUED_TABLES.len());
                for table in CATALOGUED_TABLES {
                    let Some((sql, columns)) = table_query::<$db>(table) else {
                        return Err(StorageError::Corrupt(format!(
                            "no archive scope for the catalogued table {table}"
                        )));
                    };
                    let mut rows = Vec::new();
                    for row in sqlx::query(&sql).bind(person_id).fetch_all(&mut *tx).await.map_err(storage_error)? {
                        let mut values = Vec::with_capacity(columns.len());
                        for i in 0..columns.len() {
                            values.push(row.try_get::<Option<String>, _>(i).map_err(storage_error)?);
                        }
                        rows.push(values);
                    }
                    tables.push(ArchiveTable { table, columns, rows });
                }
                let mut access = Vec::new();
                for row in sqlx::query(ACCESS)
                    .bind(person_id.to_string())
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(storage_error)?
                {
                    access.push(AccessEntry {
                        at: row.try_get("at").map_err(storage_error)?,
                        by: row.try_get("user_email").map_err(storage_error)?,
                        action: row.try_get("action").map_err(storage_error)?,
                        record_type: row.try_get("record_type").map_err(storage_error)?,
                        allowed: row.try_get::<String, _>("outcome").map_err(storage_error)? == "allowed",
                    });
                }
                let mut requests = Vec::new();
                for row in sqlx::query(&format!("SELECT {REQUEST_COLUMNS} WHERE r.person_id = $1 ORDER BY r.id"))
                    .bind(person_id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(storage_error)?
                {
                    requests.push(request_view(&row)?);
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(Some(ArchiveData { tables, access, requests }))
            }

            #[tracing::instrument(skip_all, fields(request_id = archive.request_id), err)]
            async fn deliver(&self, archive: &NewArchive) -> Result<bool, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let closed = sqlx::query(
                    "UPDATE privacy_requests SET status = 'done', outcome = $1, handled_by = $2, closed_at = $3, \
                     version = version + 1 WHERE id = $4 AND version = $5 AND status = 'open'",
                )
                .bind(&archive.outcome)
                .bind(archive.by)
                .bind(now)
                .bind(archive.request_id)
                .bind(archive.version)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?
                .rows_affected();
                if closed != 1 {
                    tx.rollback().await.map_err(storage_error)?;
                    return Ok(false);
                }
                let mut script = Script::new();
                script.statement(
                    "INSERT INTO privacy_archives (request_id, person_id, created_at, expires_at, json, csv) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    vec![
                        archive.request_id.into(),
                        archive.person_id.into(),
                        now.into(),
                        archive.expires_at.into(),
                        (&archive.json).into(),
                        (&archive.csv).into(),
                    ],
                );
                script.statement(
                    "INSERT INTO privacy_request_links (token_hash, request_id, kind, created_at, expires_at) \
                     VALUES ($1, $2, 'download', $3, $4)",
                    vec![(&archive.link_hash).into(), archive.request_id.into(), now.into(), archive.expires_at.into()],
                );
                queue_mail(&mut script, &archive.mail, now);
                (&mut *tx).run_script(script).await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(true)
            }

            #[tracing::instrument(skip_all, err)]
            async fn download(&self, token_hash: &str) -> Result<Download, StorageError> {
                let row: Option<(Option<String>, Option<String>, String, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT a.json, a.csv, r.language, l.expires_at FROM privacy_request_links l \
                     JOIN privacy_requests r ON r.id = l.request_id \
                     LEFT JOIN privacy_archives a ON a.request_id = l.request_id \
                     WHERE l.token_hash = $1 AND l.kind = 'download'",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(match row {
                    None => Download::Unknown,
                    Some((Some(json), Some(csv), language, expires_at)) if expires_at > Utc::now() => Download::Ready {
                        json,
                        csv,
                        language: Locale::from_tag(&language).unwrap_or(Locale::En),
                        expires_at,
                    },
                    // Past its days, or deleted with the person's erasure.
                    Some(_) => Download::Expired,
                })
            }

            #[tracing::instrument(skip(self), err)]
            async fn purge_archives(&self, now: DateTime<Utc>) -> Result<u64, StorageError> {
                Ok(sqlx::query("DELETE FROM privacy_archives WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?
                    .rows_affected())
            }
        }
    };
}

sql_archives!(sqlx::Sqlite);
sql_archives!(sqlx::Postgres);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogued_table_has_a_scope_and_reads_every_declared_field() {
        for table in CATALOGUED_TABLES {
            let (sql, columns) = table_query::<sqlx::Sqlite>(table)
                .unwrap_or_else(|| panic!("{table} has no archive scope"));
            for field in FIELDS.iter().filter(|f| f.table == *table) {
                assert!(columns.iter().any(|c| c == field.key), "{}", field.key);
            }
            assert!(sql.contains(&format!("FROM {table} t WHERE")), "{sql}");
        }
    }
}
