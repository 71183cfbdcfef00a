//! Storing new people in few round trips: their rows' ids are known after
//! one request, and everything that belongs to them (e-mails, phones,
//! legal bases, search documents) goes into a [`Script`] sent once. The
//! two backends differ in how the ids are had:
//!
//! - SQLite inserts the rows at once (`RETURNING id`). The transaction
//!   holds the write lock from that statement on, and a row gets the
//!   largest id plus one, so the rows of one statement get consecutive
//!   ids in the order of its `VALUES` (checked). The statement comes
//!   first: a read before it would pin a snapshot that another writer
//!   could make stale before our first write.
//! - PostgreSQL draws the ids from the identity's sequence and the rows
//!   go into the script, with their search document (a column there).

use crate::storage::people::ROWS_PER_STATEMENT;
use crate::storage::script::{Script, Value, bind_all};
use crate::storage::storage_error;
use app::server::storage::{NewPersonRecord, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The columns of a new person's row, in the order of [`row_values`].
const COLUMNS: &str = "first_name, last_name, kind, job_title, status, owner_id, team_id, source, \
     collected_at, entered_by, supplier, contract_ref, created_at, updated_at, company_id, language";

fn row_values(p: &NewPersonRecord, now: DateTime<Utc>) -> Vec<Value> {
    vec![
        p.first_name.as_str().into(),
        p.last_name.as_str().into(),
        p.kind.key().into(),
        p.job_title.as_str().into(),
        p.status.key().into(),
        p.owner_id.into(),
        p.team_id.into(),
        p.source.key().into(),
        p.collected_at.into(),
        p.entered_by.into(),
        p.supplier.as_str().into(),
        p.contract_ref.as_str().into(),
        now.into(),
        now.into(),
        p.company_id.into(),
        p.language.map(|l| l.code().to_string()).into(),
    ]
}

/// What belongs to the people whose rows have `ids`: their e-mails,
/// phones and legal bases.
fn belongings(script: &mut Script, ids: &[i64], people: &[NewPersonRecord]) {
    let pairs: Vec<(i64, &NewPersonRecord)> = ids.iter().copied().zip(people).collect();
    script.rows(
        "INSERT INTO person_emails (person_id, position, address, address_key, kind)",
        pairs
            .iter()
            .flat_map(|(id, p)| {
                p.emails
                    .iter()
                    .enumerate()
                    .map(move |(i, (address, kind))| {
                        vec![
                            (*id).into(),
                            (i as i64).into(),
                            address.as_str().into(),
                            address.lookup_key().into(),
                            kind.key().into(),
                        ]
                    })
            })
            .collect(),
        "",
    );
    script.rows(
        "INSERT INTO person_phones (person_id, position, number)",
        pairs
            .iter()
            .flat_map(|(id, p)| {
                p.phones
                    .iter()
                    .enumerate()
                    .map(move |(i, n)| vec![(*id).into(), (i as i64).into(), n.as_str().into()])
            })
            .collect(),
        "",
    );
    script.rows(
        "INSERT INTO person_legal_bases (person_id, purpose, basis)",
        pairs
            .iter()
            .flat_map(|(id, p)| {
                p.legal_bases.iter().map(move |(purpose, basis)| {
                    vec![(*id).into(), purpose.key().into(), basis.key().into()]
                })
            })
            .collect(),
        "",
    );
}

/// The people's search documents (their names, company, e-mails, phones).
fn documents(people: &[NewPersonRecord], company_names: &HashMap<i64, String>) -> Vec<String> {
    people
        .iter()
        .map(|p| {
            let emails: Vec<&str> = p.emails.iter().map(|(a, _)| a.as_str()).collect();
            let phones: Vec<&str> = p.phones.iter().map(|n| n.as_str()).collect();
            let company = p
                .company_id
                .and_then(|c| company_names.get(&c))
                .map_or("", String::as_str);
            app::domain::search::person_document(
                &[&p.first_name, &p.last_name, company],
                &emails,
                &phones,
            )
        })
        .collect()
}

pub(crate) fn company_ids(people: &[NewPersonRecord]) -> Vec<i64> {
    let mut ids: Vec<i64> = people.iter().filter_map(|p| p.company_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

pub(crate) fn in_list(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The names of the companies `people` work at, read on the connection
/// (for their search documents); the same SQL on both backends.
macro_rules! company_names {
    ($conn:expr, $people:expr) => {{
        let companies = company_ids($people);
        let mut names: HashMap<i64, String> = HashMap::new();
        if !companies.is_empty() {
            let sql = format!(
                "SELECT id, name FROM companies WHERE id IN ({})",
                in_list(companies.len())
            );
            let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
            for id in &companies {
                query = query.bind(*id);
            }
            names.extend(query.fetch_all(&mut *$conn).await.map_err(storage_error)?);
        }
        names
    }};
}
pub(crate) use company_names;

/// New people on one backend; see the module's comment.
#[async_trait]
pub(crate) trait PeopleRows {
    /// Stores `people` (at most [`ROWS_PER_STATEMENT`]), their rows now
    /// or in `script`, what belongs to them in `script`; returns their
    /// ids in order. Nothing is complete before the script is sent.
    async fn people_rows(
        &mut self,
        people: &[NewPersonRecord],
        now: DateTime<Utc>,
        script: &mut Script,
    ) -> Result<Vec<i64>, StorageError>;
}

#[async_trait]
impl PeopleRows for sqlx::SqliteConnection {
    async fn people_rows(
        &mut self,
        people: &[NewPersonRecord],
        now: DateTime<Utc>,
        script: &mut Script,
    ) -> Result<Vec<i64>, StorageError> {
        debug_assert!(people.len() <= ROWS_PER_STATEMENT);
        if people.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows = Script::new();
        rows.rows(
            &format!("INSERT INTO people ({COLUMNS})"),
            people.iter().map(|p| row_values(p, now)).collect(),
            "RETURNING id",
        );
        let (sql, values) = rows.into_sqlite();
        let mut ids: Vec<i64> = bind_all!(sqlx::query_scalar(&sql), values)
            .fetch_all(&mut *self)
            .await
            .map_err(storage_error)?;
        ids.sort_unstable();
        let consecutive = ids.windows(2).all(|w| w[1] == w[0] + 1);
        if ids.len() != people.len() || !consecutive {
            return Err(StorageError::Corrupt(format!("people ids {ids:?}")));
        }
        let names = company_names!(self, people);
        script.rows(
            "INSERT INTO people_search (rowid, document)",
            ids.iter()
                .zip(documents(people, &names))
                .map(|(id, d)| vec![(*id).into(), d.into()])
                .collect(),
            "",
        );
        belongings(script, &ids, people);
        Ok(ids)
    }
}

#[async_trait]
impl PeopleRows for sqlx::PgConnection {
    async fn people_rows(
        &mut self,
        people: &[NewPersonRecord],
        now: DateTime<Utc>,
        script: &mut Script,
    ) -> Result<Vec<i64>, StorageError> {
        debug_assert!(people.len() <= ROWS_PER_STATEMENT);
        if people.is_empty() {
            return Ok(Vec::new());
        }
        let names = company_names!(self, people);
        // Ascending, so that ids grow in the order people were given (the
        // lists' "newest first" is by id).
        let mut ids: Vec<i64> = sqlx::query_scalar(
            "SELECT nextval(pg_get_serial_sequence('people', 'id')) FROM generate_series(1, $1)",
        )
        .bind(people.len() as i64)
        .fetch_all(&mut *self)
        .await
        .map_err(storage_error)?;
        ids.sort_unstable();
        postgres_rows(script, &ids, people, now, &names);
        Ok(ids)
    }
}

/// PostgreSQL: the rows of `people`, whose ids (drawn from the identity's
/// sequence) are `ids`, with their search documents and what belongs to
/// them, into `script`. `company_names`: see [`company_names!`].
pub(crate) fn postgres_rows(
    script: &mut Script,
    ids: &[i64],
    people: &[NewPersonRecord],
    now: DateTime<Utc>,
    company_names: &HashMap<i64, String>,
) {
    script.rows(
        &format!("INSERT INTO people (id, {COLUMNS}, search_document) OVERRIDING SYSTEM VALUE"),
        ids.iter()
            .zip(people)
            .zip(documents(people, company_names))
            .map(|((id, p), document)| {
                let mut row = vec![(*id).into()];
                row.extend(row_values(p, now));
                row.push(document.into());
                row
            })
            .collect(),
        "",
    );
    belongings(script, ids, people);
}
