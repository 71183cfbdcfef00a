//! Teams and people, one SQL text for both backends (see `users.rs`).

use crate::storage::rows::is_unique_violation;
use crate::storage::storage_error;
use app::domain::{
    EmailAddress, EmailKind, LegalBasis, PersonKind, PersonStatus, PersonSummary, PhoneNumber,
    Purpose, Source,
};
use app::server::storage::{
    NewPersonRecord, PeopleStore, PersonEdit, PersonRecord, StorageError, TeamRecord, TeamStore,
    Visibility,
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

/// The columns of a list row (people `p`, owner `o`, team `t`).
const LIST_COLUMNS: &str = "p.id, p.first_name, p.last_name, p.kind, p.status, p.created_at, \
     o.display_name AS owner_name, t.name AS team_name, co.name AS company_name, \
     (SELECT e.address FROM person_emails e WHERE e.person_id = p.id ORDER BY e.position LIMIT 1) AS email";

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

const SQLITE_SEARCH: SearchSql = SearchSql {
    index: "INSERT INTO people_search (rowid, document) VALUES ($1, $2)",
    unindex: Some("DELETE FROM people_search WHERE rowid = $1"),
    query: || {
        format!(
            "SELECT {LIST_COLUMNS} FROM people_search s JOIN people p ON p.id = s.rowid \
             JOIN users o ON o.id = p.owner_id LEFT JOIN teams t ON t.id = p.team_id \
             LEFT JOIN companies co ON co.id = p.company_id \
             WHERE people_search MATCH $3 AND {VISIBLE} ORDER BY s.rank, p.id DESC LIMIT $4"
        )
    },
    // FTS5: every word a quoted prefix (`"hel"* "dup"*`); the words are
    // folded to letters and digits, so quoting cannot be escaped.
    expression: |words| {
        words
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" ")
    },
};

const POSTGRES_SEARCH: SearchSql = SearchSql {
    index: "UPDATE people SET search_document = $2 WHERE id = $1",
    unindex: None,
    query: || {
        format!(
            "SELECT {LIST_COLUMNS} FROM people p \
             JOIN users o ON o.id = p.owner_id LEFT JOIN teams t ON t.id = p.team_id \
             LEFT JOIN companies co ON co.id = p.company_id \
             WHERE p.search @@ to_tsquery('simple', $3) AND {VISIBLE} \
             ORDER BY ts_rank(p.search, to_tsquery('simple', $3)) DESC, p.id DESC LIMIT $4"
        )
    },
    // tsquery: `hel:* & dup:*`.
    expression: |words| {
        words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & ")
    },
};

fn list_row<R>(row: &R) -> Result<PersonSummary, StorageError>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> chrono::DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
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
    })
}

macro_rules! sql_people {
    ($db:ty, $search:expr) => {
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
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO people (first_name, last_name, kind, job_title, status, owner_id, team_id, \
                     source, collected_at, entered_by, supplier, contract_ref, created_at, updated_at, company_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14) RETURNING id",
                )
                .bind(&person.first_name)
                .bind(&person.last_name)
                .bind(person.kind.key())
                .bind(&person.job_title)
                .bind(person.status.key())
                .bind(person.owner_id)
                .bind(person.team_id)
                .bind(person.source.key())
                .bind(person.collected_at)
                .bind(person.entered_by)
                .bind(&person.supplier)
                .bind(&person.contract_ref)
                .bind(now)
                .bind(person.company_id)
                .fetch_one(&mut **tx)
                .await
                .map_err(storage_error)?;
                for (position, (address, kind)) in person.emails.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO person_emails (person_id, position, address, address_key, kind) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(id)
                    .bind(position as i64)
                    .bind(address.as_str())
                    .bind(address.lookup_key())
                    .bind(kind.key())
                    .execute(&mut **tx)
                    .await
                    .map_err(storage_error)?;
                }
                for (position, number) in person.phones.iter().enumerate() {
                    sqlx::query("INSERT INTO person_phones (person_id, position, number) VALUES ($1, $2, $3)")
                        .bind(id)
                        .bind(position as i64)
                        .bind(number.as_str())
                        .execute(&mut **tx)
                        .await
                        .map_err(storage_error)?;
                }
                for (purpose, basis) in &person.legal_bases {
                    sqlx::query("INSERT INTO person_legal_bases (person_id, purpose, basis) VALUES ($1, $2, $3)")
                        .bind(id)
                        .bind(purpose.key())
                        .bind(basis.key())
                        .execute(&mut **tx)
                        .await
                        .map_err(storage_error)?;
                }
                let emails: Vec<&str> = person.emails.iter().map(|(a, _)| a.as_str()).collect();
                let phones: Vec<&str> = person.phones.iter().map(|p| p.as_str()).collect();
                // The company's name is searched too: typing it finds the
                // people who work there.
                let company_name: Option<String> = match person.company_id {
                    Some(company_id) => sqlx::query_scalar("SELECT name FROM companies WHERE id = $1")
                        .bind(company_id)
                        .fetch_optional(&mut **tx)
                        .await
                        .map_err(storage_error)?,
                    None => None,
                };
                let document = app::domain::search::person_document(
                    &[&person.first_name, &person.last_name, company_name.as_deref().unwrap_or("")],
                    &emails,
                    &phones,
                );
                sqlx::query($search.index)
                    .bind(id)
                    .bind(document)
                    .execute(&mut **tx)
                    .await
                    .map_err(storage_error)?;
                Ok(id)
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
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let mut ids = Vec::with_capacity(people.len());
                for person in people {
                    ids.push(Self::insert(&mut tx, person, now).await?);
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(ids)
            }

            #[tracing::instrument(skip(self), err)]
            async fn get(&self, id: i64) -> Result<Option<PersonRecord>, StorageError> {
                let Some(row) = sqlx::query(
                    "SELECT p.id, p.first_name, p.last_name, p.kind, p.job_title, p.status, p.owner_id, p.team_id, \
                     p.source, p.collected_at, p.entered_by, p.supplier, p.contract_ref, p.last_inbound_at, \
                     p.created_at, p.updated_at, p.version, o.display_name AS owner_name, t.name AS team_name, \
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
                    created_at: row.try_get("created_at").map_err(storage_error)?,
                    updated_at: row.try_get("updated_at").map_err(storage_error)?,
                    version: row.try_get("version").map_err(storage_error)?,
                }))
            }

            #[tracing::instrument(skip(self), err)]
            async fn list(
                &self,
                visibility: Visibility,
                before_id: Option<i64>,
                limit: u32,
            ) -> Result<Vec<PersonSummary>, StorageError> {
                let (all, user_id) = visibility_args(visibility);
                let rows = sqlx::query(&format!(
                    "SELECT {LIST_COLUMNS} FROM people p JOIN users o ON o.id = p.owner_id \
                     LEFT JOIN teams t ON t.id = p.team_id LEFT JOIN companies co ON co.id = p.company_id \
                     WHERE {VISIBLE} AND p.id < $3 ORDER BY p.id DESC LIMIT $4"
                ))
                .bind(all)
                .bind(user_id)
                .bind(before_id.unwrap_or(i64::MAX))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter().map(list_row).collect()
            }

            #[tracing::instrument(skip(self, edit), err)]
            async fn update(&self, id: i64, version: i64, edit: &PersonEdit) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let done = sqlx::query(
                    "UPDATE people SET first_name = $3, last_name = $4, kind = $5, job_title = $6, status = $7, \
                     team_id = $8, company_id = $9, updated_at = $10, version = version + 1 \
                     WHERE id = $1 AND version = $2",
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
                if words.is_empty() {
                    return Ok(vec![]);
                }
                let (all, user_id) = visibility_args(visibility);
                let rows = sqlx::query(&($search.query)())
                    .bind(all)
                    .bind(user_id)
                    .bind(($search.expression)(words))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                rows.iter().map(list_row).collect()
            }
        }
    };
}

sql_people!(sqlx::Sqlite, SQLITE_SEARCH);
sql_people!(sqlx::Postgres, POSTGRES_SEARCH);
