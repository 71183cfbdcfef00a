//! Several writes sent to the database as one request.
//!
//! Each statement is a round trip: to SQLite's worker thread through
//! sqlx, or over the socket to PostgreSQL, 50–100 µs here, which is more
//! than the database spends on a small INSERT (BENCHMARKS.md, "Consent
//! form submissions"). A transaction that writes a dozen tables after its
//! reads collects those writes in a [`Script`] and sends them at once:
//!
//! - SQLite runs a query text holding several statements one after the
//!   other, and sqlx binds `$N` by its number across all of them, so the
//!   script is the statements joined by `;`.
//! - PostgreSQL takes one statement per request with bound values; the
//!   script becomes one statement, every write but the last a
//!   data-modifying `WITH` clause. Those clauses do not see each other's
//!   rows, so a script must not write a row that another of its
//!   statements reads or changes (foreign keys are checked at the end of
//!   the statement and do see them).
//!
//! Values are numbered in the order they are added; the statements use
//! `$1`, `$2`… of their own, renumbered as they are added.

use crate::storage::people::placeholders;
use crate::storage::storage_error;
use app::server::storage::StorageError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A value bound to a script's statement.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Time(Option<DateTime<Utc>>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_string()))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}
impl From<DateTime<Utc>> for Value {
    fn from(v: DateTime<Utc>) -> Self {
        Value::Time(Some(v))
    }
}
impl From<Option<DateTime<Utc>>> for Value {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        Value::Time(v)
    }
}

/// Writes collected to be sent together; see the module's comment.
#[derive(Debug, Default)]
pub(crate) struct Script {
    statements: Vec<String>,
    values: Vec<Value>,
}

impl Script {
    pub(crate) fn new() -> Script {
        Script::default()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// A multi-row statement: `head`, then `VALUES (…), (…)` with one
    /// group per row, then `tail` (an `ON CONFLICT` clause, say). Every
    /// row has the same number of values. Nothing is added for no rows.
    pub(crate) fn rows(&mut self, head: &str, rows: Vec<Vec<Value>>, tail: &str) {
        let Some(columns) = rows.first().map(Vec::len) else {
            return;
        };
        debug_assert!(rows.iter().all(|r| r.len() == columns));
        let marks = placeholders(rows.len(), columns, self.values.len() + 1);
        self.statements.push(
            format!("{head} VALUES {marks} {tail}")
                .trim_end()
                .to_string(),
        );
        self.values.extend(rows.into_iter().flatten());
    }

    /// A statement written with its own `$1`, `$2`…, bound to `values`.
    pub(crate) fn statement(&mut self, sql: &str, values: Vec<Value>) {
        self.statements.push(renumber(sql, self.values.len()));
        self.values.extend(values);
    }

    /// SQLite's query text and the values, to run with a `fetch` of the
    /// caller's choice (rows from every statement come out in order).
    pub(crate) fn into_sqlite(self) -> (String, Vec<Value>) {
        (self.sqlite_text(), self.values)
    }

    /// The one query text for SQLite.
    fn sqlite_text(&self) -> String {
        self.statements.join(";\n")
    }

    /// The one statement for PostgreSQL.
    fn postgres_text(&self) -> String {
        let (last, before) = self
            .statements
            .split_last()
            .expect("a script with statements");
        if before.is_empty() {
            return last.clone();
        }
        let clauses: Vec<String> = before
            .iter()
            .enumerate()
            .map(|(i, s)| format!("w{i} AS ({s})"))
            .collect();
        format!("WITH {} {last}", clauses.join(", "))
    }
}

/// `$k` → `$(k + offset)` outside quoted text.
fn renumber(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == '$' && !quoted && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut number = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                number.push(*d);
                chars.next();
            }
            let n: usize = number.parse().expect("digits");
            out.push('$');
            out.push_str(&(n + offset).to_string());
        } else {
            out.push(c);
        }
    }
    out
}

macro_rules! bind_all {
    ($query:expr, $values:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match value {
                Value::Int(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
                Value::Time(v) => query.bind(v),
            };
        }
        query
    }};
}
pub(crate) use bind_all;

/// Sends a [`Script`] on a connection (inside the caller's transaction).
#[async_trait]
pub(crate) trait RunScript {
    async fn run_script(&mut self, script: Script) -> Result<(), StorageError>;
}

#[async_trait]
impl RunScript for sqlx::SqliteConnection {
    async fn run_script(&mut self, script: Script) -> Result<(), StorageError> {
        if script.is_empty() {
            return Ok(());
        }
        let sql = script.sqlite_text();
        bind_all!(sqlx::query(&sql), script.values)
            .execute(&mut *self)
            .await
            .map_err(storage_error)?;
        Ok(())
    }
}

#[async_trait]
impl RunScript for sqlx::PgConnection {
    async fn run_script(&mut self, script: Script) -> Result<(), StorageError> {
        if script.is_empty() {
            return Ok(());
        }
        let sql = script.postgres_text();
        bind_all!(sqlx::query(&sql), script.values)
            .execute(&mut *self)
            .await
            .map_err(storage_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_numbered_after_the_values_before_them() {
        let mut script = Script::new();
        script.rows(
            "INSERT INTO a (x, y)",
            vec![vec![1.into(), "p".into()], vec![2.into(), "q".into()]],
            "",
        );
        script.statement(
            "UPDATE b SET v = $2 WHERE id = $1 AND note <> '$1'",
            vec![7.into(), "r".into()],
        );
        script.rows("INSERT INTO c (z)", Vec::new(), "");
        assert_eq!(
            script.sqlite_text(),
            "INSERT INTO a (x, y) VALUES ($1, $2), ($3, $4);\nUPDATE b SET v = $6 WHERE id = $5 AND note <> '$1'"
        );
        assert_eq!(
            script.postgres_text(),
            "WITH w0 AS (INSERT INTO a (x, y) VALUES ($1, $2), ($3, $4)) UPDATE b SET v = $6 WHERE id = $5 AND note <> '$1'"
        );
        assert_eq!(script.values.len(), 6);
    }
}
