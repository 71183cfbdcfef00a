//! Teams and people, one SQL text for both backends (see `users.rs`).

use crate::storage::people_rows::PeopleRows;
use crate::storage::rows::is_unique_violation;
use crate::storage::script::{RunScript, Script};
use crate::storage::storage_error;
use app::domain::PeopleSort;
use app::domain::{
    EmailAddress, EmailKind, LegalBasis, PersonKind, PersonStatus, PersonSummary, PhoneNumber,
    Purpose, Source,
};
use app::server::storage::{
    ContactCondition, NewPersonRecord, PeopleQuery, PeopleStore, PersonEdit, PersonRecord,
    StorageError, TagStore, TeamRecord, TeamStore, Visibility,
};
use async_trait::async_trait;
use chrono::Utc;
use sqlx::{Database, Pool, Row};

pub struct SqlTeams<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlTeams<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

pub struct SqlPeople<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlPeople<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Debug) -> StorageError {
    StorageError::Corrupt(format!("{what}: {detail:?}"))
}

pub(crate) fn choice<T>(
    what: &str,
    raw: &str,
    parse: fn(&str) -> Result<T, app::domain::Problem>,
) -> Result<T, StorageError> {
    parse(raw).map_err(|p| corrupt(what, (raw, p)))
}

/// `($1 = 1 OR …)`: with `Visibility::All` the first argument is 1 and the
/// rest is never looked at; otherwise the owner or a team of the user.
const VISIBLE: &str = "($1 = 1 OR p.owner_id = $2 \
     OR p.team_id IN (SELECT tm.team_id FROM team_members tm WHERE tm.user_id = $2))";

pub(crate) fn visibility_args(visibility: Visibility) -> (i64, i64) {
    match visibility {
        Visibility::All => (1, 0),
        Visibility::OwnOrTeams { user_id } => (0, user_id),
    }
}

/// `($start, $start+1, …), (…)`: placeholders for `rows` rows of `columns`
/// values, for multi-row statements (bulk paths: imports, `accord seed`).
pub(crate) fn placeholders(rows: usize, columns: usize, start: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (0..columns)
                .map(|c| format!("${}", start + r * columns + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row statement: well under both backends' limits on
/// bound parameters (SQLite 32,766, PostgreSQL 65,535).
pub(crate) const ROWS_PER_STATEMENT: usize = 200;

/// The columns of a list row (people `p`, owner `o`, team `t`).
const LIST_COLUMNS: &str = "p.id, p.first_name, p.last_name, p.kind, p.status, p.created_at, p.last_inbound_at, \
     o.display_name AS owner_name, t.name AS team_name, co.name AS company_name, \
     (SELECT e.address FROM person_emails e WHERE e.person_id = p.id ORDER BY e.position LIMIT 1) AS email";

/// A bound value of a dynamically built statement.
enum Arg {
    Int(i64),
    Text(String),
    Time(chrono::DateTime<Utc>),
}

/// The list statement for `query`: `$1`/`$2` visibility, `$3` the limit,
/// then the filters' values in order. `last_contact` is the backend's
/// expression of the last inbound contact with NULL sorted last
/// (`{}` is the table alias).
fn list_sql(query: &PeopleQuery, last_contact: &str) -> (String, Vec<Arg>) {
    let mut conditions = vec![VISIBLE.to_string()];
    let mut args = Vec::new();
    // A condition on one bound value, written `#`.
    fn push(conditions: &mut Vec<String>, args: &mut Vec<Arg>, condition: &str, arg: Arg) {
        conditions.push(condition.replace('#', &format!("${}", args.len() + 4)));
        args.push(arg);
    }
    let f = &query.filter;
    if let Some(v) = f.status {
        push(
            &mut conditions,
            &mut args,
            "p.status = #",
            Arg::Text(v.key().into()),
        );
    }
    if let Some(v) = f.kind {
        push(
            &mut conditions,
            &mut args,
            "p.kind = #",
            Arg::Text(v.key().into()),
        );
    }
    if let Some(v) = f.source {
        push(
            &mut conditions,
            &mut args,
            "p.source = #",
            Arg::Text(v.key().into()),
        );
    }
    if let Some(v) = f.owner_id {
        push(&mut conditions, &mut args, "p.owner_id = #", Arg::Int(v));
    }
    if let Some(v) = f.team_id {
        push(&mut conditions, &mut args, "p.team_id = #", Arg::Int(v));
    }
    if let Some(v) = f.created_from {
        push(
            &mut conditions,
            &mut args,
            "p.created_at >= #",
            Arg::Time(v),
        );
    }
    if let Some(v) = f.created_to {
        push(&mut conditions, &mut args, "p.created_at < #", Arg::Time(v));
    }
    if let Some(v) = f.tag_id {
        push(
            &mut conditions,
            &mut args,
            "p.id IN (SELECT pt.person_id FROM person_tags pt WHERE pt.tag_id = #)",
            Arg::Int(v),
        );
    }
    match f.last_contact {
        Some(ContactCondition::Since(at)) => push(
            &mut conditions,
            &mut args,
            "p.last_inbound_at >= #",
            Arg::Time(at),
        ),
        Some(ContactCondition::NotSince(at)) => push(
            &mut conditions,
            &mut args,
            "(p.last_inbound_at IS NULL OR p.last_inbound_at < #)",
            Arg::Time(at),
        ),
        Some(ContactCondition::Never) => conditions.push("p.last_inbound_at IS NULL".into()),
        None => {}
    }
    let base = conditions.join(" AND ");
    let contact = last_contact.to_string();
    // The sort key, most significant first, always ending with the id so
    // that it is unique: (expression over the alias `{}`, descending).
    let key: Vec<(String, bool)> = match query.sort {
        PeopleSort::Newest => vec![("{}.id".into(), true)],
        PeopleSort::Name => vec![
            ("{}.last_name".into(), false),
            ("{}.first_name".into(), false),
            ("{}.id".into(), false),
        ],
        PeopleSort::LastContact => vec![(contact, true), ("{}.id".into(), true)],
    };
    // The order on the key's columns from `from` on.
    let order_from = |alias: &str, from: usize| {
        key[from..]
            .iter()
            .map(|(e, desc)| {
                format!(
                    "{}{}",
                    e.replace("{}", alias),
                    if *desc { " DESC" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let order = |alias: &str| order_from(alias, 0);
    let from = "FROM people p JOIN users o ON o.id = p.owner_id \
         LEFT JOIN teams t ON t.id = p.team_id LEFT JOIN companies co ON co.id = p.company_id";
    let Some(after_id) = query.after else {
        let sql = format!(
            "SELECT {LIST_COLUMNS} {from} WHERE {base} ORDER BY {} LIMIT $3",
            order("p")
        );
        return (sql, args);
    };
    // Keyset: the rows after the previous page's last person. A row-value
    // comparison `(a, b) < (x, y)` lets SQLite seek on `a` only, and then
    // walk every row sharing it: with most people never contacted, that is
    // most of the table. So the page is the union of one range per key
    // column — equal on the columns before it, strictly after on it —
    // each an exact index seek, most specific first.
    let mark = format!("${}", args.len() + 4);
    args.push(Arg::Int(after_id));
    let value = |expr: &str| {
        if expr == "{}.id" {
            mark.clone()
        } else {
            format!(
                "(SELECT {} FROM people k WHERE k.id = {mark})",
                expr.replace("{}", "k")
            )
        }
    };
    let branches: Vec<String> = (0..key.len())
        .rev()
        .map(|i| {
            let mut terms: Vec<String> = key[..i]
                .iter()
                .map(|(e, _)| format!("{} = {}", e.replace("{}", "p"), value(e)))
                .collect();
            let (e, desc) = &key[i];
            terms.push(format!("{} {} {}", e.replace("{}", "p"), if *desc { "<" } else { ">" }, value(e)));
            // Ordered on the columns left free only: with the others
            // fixed by `=`, that is the index's order, where the whole key
            // would make SQLite sort every row of the range.
            format!(
                "SELECT * FROM (SELECT p.id FROM people p WHERE {base} AND {} ORDER BY {} LIMIT $3) b{i}",
                terms.join(" AND "),
                order_from("p", i)
            )
        })
        .collect();
    let sql = format!(
        "SELECT {LIST_COLUMNS} FROM ({}) s JOIN people p ON p.id = s.id \
         JOIN users o ON o.id = p.owner_id LEFT JOIN teams t ON t.id = p.team_id \
         LEFT JOIN companies co ON co.id = p.company_id ORDER BY {} LIMIT $3",
        branches.join(" UNION ALL "),
        order("p")
    );
    (sql, args)
}

/// Search, per backend: how the document is written, and the query.
struct SearchSql {
    /// `$1` the person's id, `$2` the folded document.
    index: &'static str,
    /// Removes the person's document before it is written again (`$1`).
    unindex: Option<&'static str>,
    /// `$1`/`$2` visibility, `$3` the match expression, `$4` the limit.
    query: fn() -> String,
    /// The backend's match expression for the folded words.
    expression: fn(&[String]) -> String,
}

/// How many of the newest matches a search ranks. A one- or two-letter
/// prefix (`hel`, `06`) can match a tenth of a million people; ranking
/// them all is what made such searches slow. Among the newest matches the
/// best are as good a first screen, and typing one more letter narrows
/// the match below the cap, where ranking is exact. FTS5 reads its matches
/// newest first and stops at the cap, so SQLite affords 1,000.
pub(crate) const CANDIDATES: u32 = 1_000;

/// PostgreSQL's cap (see POSTGRES_SEARCH). Its full-text index cannot give
/// matches newest first, so a word shared by 2 % of a million people
/// costs either a walk of the newest people until enough match or a fetch
/// of all 20,000 matches; at 300 candidates the walk of `POSTGRES_WALK`
/// people answers every word with a match rate of 1 % or more.
pub(crate) const POSTGRES_CANDIDATES: u32 = 300;

/// How many of the newest people PostgreSQL tests one by one (about 0.3 µs
/// each, in memory) before it turns to its full-text index for older
/// matches. Measured at a million people (BENCHMARKS.md): 20,000 left a
/// band of words too common for the index and too rare for the walk;
/// 30,000 with 300 candidates put the benchmark's p95 at a third of 1,000.
pub(crate) const POSTGRES_WALK: u32 = 30_000;

/// The people `$1`/`$2` may see among the candidates `p` (id, rank,
/// document, owner_id, team_id), optionally narrowed by an initial (`$5`, a
/// LIKE pattern on the document, or empty), best first, `$4` of them.
fn ranked(candidates: &str, order: &str) -> String {
    // The candidates carry their owner and team, so visibility is checked
    // on them without joining people again (on PostgreSQL that join made
    // the planner hash a sales user's whole share of people); the best
    // `$4` are chosen on the candidates alone and only they are joined for
    // the list's columns (owner, team, company, first e-mail).
    format!(
        "SELECT {LIST_COLUMNS} FROM (\
             SELECT p.id, p.rank FROM ({candidates}) p \
             WHERE {VISIBLE} AND ($5 = '' OR (' ' || p.document) LIKE $5) \
             ORDER BY p.{order}, p.id DESC LIMIT $4\
         ) s JOIN people p ON p.id = s.id \
         JOIN users o ON o.id = p.owner_id LEFT JOIN teams t ON t.id = p.team_id \
         LEFT JOIN companies co ON co.id = p.company_id \
         ORDER BY s.{order}, p.id DESC"
    )
}

const SQLITE_SEARCH: SearchSql = SearchSql {
    index: "INSERT INTO people_search (rowid, document) VALUES ($1, $2)",
    unindex: Some("DELETE FROM people_search WHERE rowid = $1"),
    // FTS5 walks the match newest first and stops at the cap; `rank`
    // (bm25) is computed for those rows only.
    query: || {
        ranked(
            &format!(
                "SELECT f.id, f.rank, f.document, c.owner_id, c.team_id FROM (\
                     SELECT rowid AS id, rank, document FROM people_search \
                     WHERE people_search MATCH $3 ORDER BY rowid DESC LIMIT {CANDIDATES}\
                 ) f JOIN people c ON c.id = f.id"
            ),
            "rank",
        )
    },
    expression: fts5_prefixes,
};

const POSTGRES_SEARCH: SearchSql = SearchSql {
    index: "UPDATE people SET search_document = $2 WHERE id = $1",
    unindex: None,
    // The newest matches, found the cheap way for each kind of word: the
    // first branch walks the newest `POSTGRES_WALK` people testing each one, which
    // is what a common prefix (`06`, `mar`) needs; only if that gives fewer
    // than the candidates sought does the second branch run (UNION ALL
    // under a LIMIT stops at the limit), and it fetches the remaining
    // matches through the GIN index, which is what a rare word needs. The
    // planner cannot be left to choose: its estimate for a prefix of
    // unique words (phone numbers) is a handful, and a GIN scan of `06:*`
    // at a million people reads every row. `id + 0` keeps the pkey out of
    // the second branch (a bitmap of half the table to AND with).
    query: || {
        ranked(
            &format!(
                "SELECT id, ts_rank(search, to_tsquery('simple', $3)) AS rank, search_document AS document, \
                 owner_id, team_id FROM (\
                     (SELECT * FROM (\
                         SELECT id, search, search_document, owner_id, team_id FROM people \
                         ORDER BY id DESC LIMIT {POSTGRES_WALK}\
                      ) w WHERE w.id > (SELECT max(id) FROM people) - {POSTGRES_WALK} \
                      AND w.search @@ to_tsquery('simple', $3)) \
                     UNION ALL \
                     (SELECT id, search, search_document, owner_id, team_id FROM people \
                      WHERE search @@ to_tsquery('simple', $3) \
                      AND id + 0 <= (SELECT max(id) FROM people) - {POSTGRES_WALK} \
                      ORDER BY id + 0 DESC)\
                 ) c LIMIT {POSTGRES_CANDIDATES}"
            ),
            "rank DESC",
        )
    },
    expression: tsquery_prefixes,
};

/// FTS5: every word a quoted prefix (`"hel"* "dup"*`); the words are
/// folded to letters and digits, so quoting cannot be escaped.
pub(crate) fn fts5_prefixes(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// tsquery: `hel:* & dup:*`.
pub(crate) fn tsquery_prefixes(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("{w}:*"))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Splits the query words into those matched as prefixes by the index and
/// a single-letter initial (`martin c`), which would match too much to
/// look up and is checked on the candidates instead.
pub(crate) fn matched_and_initial(words: &[String]) -> (Vec<String>, String) {
    let (long, short): (Vec<&String>, Vec<&String>) =
        words.iter().partition(|w| w.chars().count() >= 2);
    let initial = short.last().map(|w| format!("% {w}%")).unwrap_or_default();
    (long.into_iter().cloned().collect(), initial)
}

fn list_row<R>(row: &R) -> Result<PersonSummary, StorageError>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> chrono::DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<chrono::DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let text =
        |name: &str| -> Result<String, StorageError> { row.try_get(name).map_err(storage_error) };
    Ok(PersonSummary {
        id: row.try_get("id").map_err(storage_error)?,
        first_name: text("first_name")?,
        last_name: text("last_name")?,
        kind: choice("people.kind", &text("kind")?, PersonKind::parse)?,
        status: choice("people.status", &text("status")?, PersonStatus::parse)?,
        email: row.try_get("email").map_err(storage_error)?,
        company_name: row.try_get("company_name").map_err(storage_error)?,
        owner_name: text("owner_name")?,
        team_name: row.try_get("team_name").map_err(storage_error)?,
        created_at: row.try_get("created_at").map_err(storage_error)?,
        last_inbound_at: row.try_get("last_inbound_at").map_err(storage_error)?,
        tags: Vec::new(),
    })
}

macro_rules! sql_people {
    ($db:ty, $search:expr, $last_contact:literal) => {
        impl SqlPeople<$db> {
            /// Fills in the tags of a page of people (one statement).
            async fn with_tags(&self, mut people: Vec<PersonSummary>) -> Result<Vec<PersonSummary>, StorageError> {
                if people.is_empty() {
                    return Ok(people);
                }
                let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
                let tags = crate::storage::tags::SqlTags::new(self.pool.clone())
                    .of_people(&ids)
                    .await?;
                for (person_id, name) in tags {
                    if let Some(p) = people.iter_mut().find(|p| p.id == person_id) {
                        p.tags.push(name);
                    }
                }
                Ok(people)
            }
        }

        #[async_trait]
        impl TeamStore for SqlTeams<$db> {
            #[tracing::instrument(skip(self), err)]
            async fn create(&self, name: &str) -> Result<TeamRecord, StorageError> {
                let row = sqlx::query(
                    "INSERT INTO teams (name, name_key, created_at) VALUES ($1, $2, $3) \
                     RETURNING id, name, created_at",
                )
                .bind(name)
                .bind(name.to_lowercase())
                .bind(Utc::now())
                .fetch_one(&self.pool)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StorageError::Conflict("teams.name".into())
                    } else {
                        storage_error(e)
                    }
                })?;
                Ok(TeamRecord {
                    id: row.try_get("id").map_err(storage_error)?,
                    name: row.try_get("name").map_err(storage_error)?,
                    created_at: row.try_get("created_at").map_err(storage_error)?,
                })
            }

            #[tracing::instrument(skip(self), err)]
            async fn list(&self) -> Result<Vec<TeamRecord>, StorageError> {
                let rows = sqlx::query("SELECT id, name, created_at FROM teams ORDER BY name_key")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        Ok(TeamRecord {
                            id: row.try_get("id").map_err(storage_error)?,
                            name: row.try_get("name").map_err(storage_error)?,
                            created_at: row.try_get("created_at").map_err(storage_error)?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn memberships(&self) -> Result<Vec<(i64, i64)>, StorageError> {
                let rows = sqlx::query("SELECT team_id, user_id FROM team_members ORDER BY team_id, user_id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                rows.iter()
                    .map(|r| Ok((r.try_get("team_id").map_err(storage_error)?, r.try_get("user_id").map_err(storage_error)?)))
                    .collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn add_member(&self, team_id: i64, user_id: i64) -> Result<bool, StorageError> {
                let done = sqlx::query(
                    "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(team_id)
                .bind(user_id)
                .execute(&self.pool)
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db)
                        if matches!(db.kind(), sqlx::error::ErrorKind::ForeignKeyViolation) =>
                    {
                        StorageError::Missing("team or user".into())
                    }
                    _ => storage_error(e),
                })?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip(self), err)]
            async fn remove_member(&self, team_id: i64, user_id: i64) -> Result<bool, StorageError> {
                let done = sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
                    .bind(team_id)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip(self), err)]
            async fn teams_of(&self, user_id: i64) -> Result<Vec<i64>, StorageError> {
                sqlx::query_scalar("SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id")
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)
            }
        }

        impl SqlPeople<$db> {
            /// Inserts one person with everything that belongs to them
            /// (e-mails, phones, legal bases, search document).
            pub(crate) async fn insert(
                tx: &mut sqlx::Transaction<'_, $db>,
                person: &NewPersonRecord,
                now: chrono::DateTime<Utc>,
            ) -> Result<i64, StorageError> {
                let ids = Self::insert_many(tx, std::slice::from_ref(person), now).await?;
                ids.first().copied().ok_or_else(|| StorageError::Missing("people.id".into()))
            }

            /// Two round trips per 200 people (`people_rows`): the rows'
            /// ids, then one script with what belongs to them.
            pub(crate) async fn insert_many(
                tx: &mut sqlx::Transaction<'_, $db>,
                people: &[NewPersonRecord],
                now: chrono::DateTime<Utc>,
            ) -> Result<Vec<i64>, StorageError> {
                let mut ids = Vec::with_capacity(people.len());
                for chunk in people.chunks(ROWS_PER_STATEMENT) {
                    let mut script = Script::new();
                    ids.extend((&mut **tx).people_rows(chunk, now, &mut script).await?);
                    (&mut **tx).run_script(script).await?;
                }
                Ok(ids)
            }
        }

        #[async_trait]
        impl PeopleStore for SqlPeople<$db> {
            #[tracing::instrument(skip_all, fields(owner_id = person.owner_id), err)]
            async fn create(&self, person: &NewPersonRecord) -> Result<i64, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let id = Self::insert(&mut tx, person, Utc::now()).await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(id)
            }

            #[tracing::instrument(skip_all, fields(count = people.len()), err)]
            async fn create_many(&self, people: &[NewPersonRecord]) -> Result<Vec<i64>, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let ids = Self::insert_many(&mut tx, people, Utc::now()).await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(ids)
            }

            #[tracing::instrument(skip(self), err)]
            async fn get(&self, id: i64) -> Result<Option<PersonRecord>, StorageError> {
                let Some(row) = sqlx::query(
                    "SELECT p.id, p.first_name, p.last_name, p.kind, p.job_title, p.status, p.owner_id, p.team_id, \
                     p.source, p.collected_at, p.entered_by, p.supplier, p.contract_ref, p.last_inbound_at, \
                     p.restricted_at, p.objected_at, p.created_at, p.updated_at, p.version, o.display_name AS owner_name, t.name AS team_name, \
                     e.display_name AS entered_by_name, p.company_id, co.name AS company_name \
                     FROM people p JOIN users o ON o.id = p.owner_id LEFT JOIN companies co ON co.id = p.company_id \
                     LEFT JOIN teams t ON t.id = p.team_id LEFT JOIN users e ON e.id = p.entered_by \
                     WHERE p.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?
                else {
                    return Ok(None);
                };
                let emails = sqlx::query("SELECT address, kind FROM person_emails WHERE person_id = $1 ORDER BY position")
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?
                    .iter()
                    .map(|r| {
                        let address: String = r.try_get("address").map_err(storage_error)?;
                        let kind: String = r.try_get("kind").map_err(storage_error)?;
                        Ok((
                            EmailAddress::parse(&address).map_err(|p| corrupt("person_emails.address", p))?,
                            choice("person_emails.kind", &kind, EmailKind::parse)?,
                        ))
                    })
                    .collect::<Result<Vec<_>, StorageError>>()?;
                let phones = sqlx::query_scalar::<_, String>("SELECT number FROM person_phones WHERE person_id = $1 ORDER BY position")
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?
                    .iter()
                    .map(|n| PhoneNumber::parse(n).map_err(|p| corrupt("person_phones.number", p)))
                    .collect::<Result<Vec<_>, StorageError>>()?;
                let legal_bases = sqlx::query("SELECT purpose, basis FROM person_legal_bases WHERE person_id = $1 ORDER BY purpose")
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?
                    .iter()
                    .map(|r| {
                        let purpose: String = r.try_get("purpose").map_err(storage_error)?;
                        let basis: String = r.try_get("basis").map_err(storage_error)?;
                        Ok((
                            choice("person_legal_bases.purpose", &purpose, Purpose::parse)?,
                            choice("person_legal_bases.basis", &basis, LegalBasis::parse)?,
                        ))
                    })
                    .collect::<Result<Vec<_>, StorageError>>()?;
                let text = |name: &str| -> Result<String, StorageError> { row.try_get(name).map_err(storage_error) };
                Ok(Some(PersonRecord {
                    id: row.try_get("id").map_err(storage_error)?,
                    fields: NewPersonRecord {
                        language: None,
                        first_name: text("first_name")?,
                        last_name: text("last_name")?,
                        kind: choice("people.kind", &text("kind")?, PersonKind::parse)?,
                        job_title: text("job_title")?,
                        status: choice("people.status", &text("status")?, PersonStatus::parse)?,
                        owner_id: row.try_get("owner_id").map_err(storage_error)?,
                        team_id: row.try_get("team_id").map_err(storage_error)?,
                        company_id: row.try_get("company_id").map_err(storage_error)?,
                        source: choice("people.source", &text("source")?, Source::parse)?,
                        collected_at: row.try_get("collected_at").map_err(storage_error)?,
                        entered_by: row.try_get("entered_by").map_err(storage_error)?,
                        supplier: text("supplier")?,
                        contract_ref: text("contract_ref")?,
                        emails,
                        phones,
                        legal_bases,
                    },
                    owner_name: text("owner_name")?,
                    team_name: row.try_get("team_name").map_err(storage_error)?,
                    company_name: row.try_get("company_name").map_err(storage_error)?,
                    entered_by_name: row.try_get("entered_by_name").map_err(storage_error)?,
                    last_inbound_at: row.try_get("last_inbound_at").map_err(storage_error)?,
                    restricted_at: row.try_get("restricted_at").map_err(storage_error)?,
                    objected_at: row.try_get("objected_at").map_err(storage_error)?,
                    created_at: row.try_get("created_at").map_err(storage_error)?,
                    updated_at: row.try_get("updated_at").map_err(storage_error)?,
                    version: row.try_get("version").map_err(storage_error)?,
                }))
            }

            #[tracing::instrument(skip(self), err)]
            async fn query(
                &self,
                visibility: Visibility,
                query: &PeopleQuery,
                limit: u32,
            ) -> Result<Vec<PersonSummary>, StorageError> {
                let (all, user_id) = visibility_args(visibility);
                let (sql, args) = list_sql(query, $last_contact);
                let mut q = sqlx::query(&sql).bind(all).bind(user_id).bind(i64::from(limit));
                for arg in args {
                    q = match arg {
                        Arg::Int(n) => q.bind(n),
                        Arg::Text(t) => q.bind(t),
                        Arg::Time(t) => q.bind(t),
                    };
                }
                let rows = q.fetch_all(&self.pool).await.map_err(storage_error)?;
                let people = rows.iter().map(list_row).collect::<Result<Vec<_>, _>>()?;
                self.with_tags(people).await
            }

            #[tracing::instrument(skip(self, ids), fields(count = ids.len()), err)]
            async fn reassign(&self, ids: &[i64], owner_id: i64, team_id: Option<i64>) -> Result<u64, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let mut changed = 0;
                for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                    let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
                    let sql = format!(
                        "UPDATE people SET owner_id = $1, team_id = COALESCE($2, team_id), updated_at = $3, \
                         version = version + 1 WHERE id IN ({})",
                        marks.join(", ")
                    );
                    let mut q = sqlx::query(&sql).bind(owner_id).bind(team_id).bind(Utc::now());
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    changed += q.execute(&mut *tx).await.map_err(storage_error)?.rows_affected();
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(changed)
            }

            #[tracing::instrument(skip(self, edit), err)]
            async fn update(&self, id: i64, version: i64, edit: &PersonEdit) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let done = sqlx::query(
                    "UPDATE people SET first_name = $3, last_name = $4, kind = $5, job_title = $6, status = $7, \
                     team_id = $8, company_id = $9, updated_at = $10, version = version + 1, \
                     relationship_ended_at = CASE WHEN $7 = 'former_customer' \
                       THEN COALESCE(relationship_ended_at, $10) ELSE NULL END \
                     WHERE id = $1 AND version = $2 AND erased_at IS NULL",
                )
                .bind(id)
                .bind(version)
                .bind(&edit.first_name)
                .bind(&edit.last_name)
                .bind(edit.kind.key())
                .bind(&edit.job_title)
                .bind(edit.status.key())
                .bind(edit.team_id)
                .bind(edit.company_id)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM person_emails WHERE person_id = $1 AND position = 0")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                if let Some((address, kind)) = &edit.email {
                    sqlx::query(
                        "INSERT INTO person_emails (person_id, position, address, address_key, kind) \
                         VALUES ($1, 0, $2, $3, $4)",
                    )
                    .bind(id)
                    .bind(address.as_str())
                    .bind(address.lookup_key())
                    .bind(kind.key())
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                }
                sqlx::query("DELETE FROM person_phones WHERE person_id = $1 AND position = 0")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                if let Some(number) = &edit.phone {
                    sqlx::query("INSERT INTO person_phones (person_id, position, number) VALUES ($1, 0, $2)")
                        .bind(id)
                        .bind(number.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                }
                if let Some((address, kind)) = &edit.extra_email {
                    let keys: Vec<(String, i64)> =
                        sqlx::query_as("SELECT address_key, position FROM person_emails WHERE person_id = $1")
                            .bind(id)
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(storage_error)?;
                    let key = address.lookup_key();
                    if !keys.iter().any(|(k, _)| *k == key) {
                        let next = keys.iter().map(|(_, p)| p + 1).max().unwrap_or(0);
                        sqlx::query(
                            "INSERT INTO person_emails (person_id, position, address, address_key, kind) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(id)
                        .bind(next)
                        .bind(address.as_str())
                        .bind(key)
                        .bind(kind.key())
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                    }
                }
                if let Some(number) = &edit.extra_phone {
                    let numbers: Vec<(String, i64)> =
                        sqlx::query_as("SELECT number, position FROM person_phones WHERE person_id = $1")
                            .bind(id)
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(storage_error)?;
                    if !numbers.iter().any(|(n, _)| n == number.as_str()) {
                        let next = numbers.iter().map(|(_, p)| p + 1).max().unwrap_or(0);
                        sqlx::query("INSERT INTO person_phones (person_id, position, number) VALUES ($1, $2, $3)")
                            .bind(id)
                            .bind(next)
                            .bind(number.as_str())
                            .execute(&mut *tx)
                            .await
                            .map_err(storage_error)?;
                    }
                }
                // The search document follows the edit, in the same
                // transaction.
                let emails: Vec<String> = sqlx::query_scalar("SELECT address FROM person_emails WHERE person_id = $1 ORDER BY position")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                let phones: Vec<String> = sqlx::query_scalar("SELECT number FROM person_phones WHERE person_id = $1 ORDER BY position")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                let company_name: Option<String> = match edit.company_id {
                    Some(company_id) => sqlx::query_scalar("SELECT name FROM companies WHERE id = $1")
                        .bind(company_id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(storage_error)?,
                    None => None,
                };
                let emails: Vec<&str> = emails.iter().map(String::as_str).collect();
                let phones: Vec<&str> = phones.iter().map(String::as_str).collect();
                let document = app::domain::search::person_document(
                    &[&edit.first_name, &edit.last_name, company_name.as_deref().unwrap_or("")],
                    &emails,
                    &phones,
                );
                if let Some(unindex) = $search.unindex {
                    sqlx::query(unindex).bind(id).execute(&mut *tx).await.map_err(storage_error)?;
                }
                sqlx::query($search.index)
                    .bind(id)
                    .bind(document)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                // What a rectification request asked is written to it with
                // the save, provided it is still open and about this person.
                if let Some(r) = &edit.rectifies {
                    sqlx::query(
                        "INSERT INTO privacy_request_changes (request_id, changed_at, changed_by, fields) \
                         SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM privacy_requests \
                         WHERE id = $1 AND status = 'open' AND person_id = $5)",
                    )
                    .bind(r.request_id)
                    .bind(Utc::now())
                    .bind(r.by)
                    .bind(r.fields.join(","))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(true)
            }

            #[tracing::instrument(skip_all, err)]
            async fn find_duplicate(
                &self,
                email_keys: &[String],
                name_at_company: Option<(String, String, i64)>,
            ) -> Result<Option<i64>, StorageError> {
                for key in email_keys {
                    let found: Option<i64> = sqlx::query_scalar(
                        "SELECT person_id FROM person_emails WHERE address_key = $1 ORDER BY person_id LIMIT 1",
                    )
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(storage_error)?;
                    if found.is_some() {
                        return Ok(found);
                    }
                }
                let Some((first, last, company_id)) = name_at_company else {
                    return Ok(None);
                };
                // Names are folded in Rust (accents, case), the same way
                // on both backends; a company has few people.
                let rows = sqlx::query("SELECT id, first_name, last_name FROM people WHERE company_id = $1 ORDER BY id")
                    .bind(company_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                for row in &rows {
                    let f: String = row.try_get("first_name").map_err(storage_error)?;
                    let l: String = row.try_get("last_name").map_err(storage_error)?;
                    if app::domain::search::fold(&f) == first && app::domain::search::fold(&l) == last {
                        return Ok(Some(row.try_get("id").map_err(storage_error)?));
                    }
                }
                Ok(None)
            }

            #[tracing::instrument(skip(self), err)]
            async fn search(
                &self,
                visibility: Visibility,
                words: &[String],
                limit: u32,
            ) -> Result<Vec<PersonSummary>, StorageError> {
                let (matched, initial) = matched_and_initial(words);
                if matched.is_empty() {
                    return Ok(vec![]);
                }
                let (all, user_id) = visibility_args(visibility);
                // Planned with the words it is given, every time: a cached
                // generic plan cannot know how common the prefix is, and on
                // PostgreSQL it chose a plan that took seconds at a million.
                let rows = sqlx::query(&($search.query)())
                    .persistent(false)
                    .bind(all)
                    .bind(user_id)
                    .bind(($search.expression)(&matched))
                    .bind(i64::from(limit))
                    .bind(initial)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                let people = rows.iter().map(list_row).collect::<Result<Vec<_>, _>>()?;
                self.with_tags(people).await
            }
        }
    };
}

sql_people!(
    sqlx::Sqlite,
    SQLITE_SEARCH,
    "COALESCE({}.last_inbound_at, '')"
);
sql_people!(
    sqlx::Postgres,
    POSTGRES_SEARCH,
    "COALESCE({}.last_inbound_at, '-infinity'::timestamptz)"
);
