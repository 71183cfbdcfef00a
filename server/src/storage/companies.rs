//! Companies, one SQL text for both backends (see `users.rs`).

use crate::storage::people::{
    ROWS_PER_STATEMENT, choice, fts5_prefixes, tsquery_prefixes, visibility_args,
};
use crate::storage::people_rows::in_list;
use crate::storage::script::{RunScript, Script, Value};
use crate::storage::storage_error;
use app::domain::{CompanySize, CompanySummary};
use app::server::storage::{
    CompanyEdit, CompanyRecord, CompanyStore, NewCompanyRecord, StorageError, Visibility,
};
use async_trait::async_trait;
use chrono::Utc;
use sqlx::{Database, Pool, Row};

pub struct SqlCompanies<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlCompanies<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

/// The company `c` is visible: `$1` = 1 for everyone, else owner or team
/// of the user `$2` (the same rule as for people).
const VISIBLE: &str = "($1 = 1 OR c.owner_id = $2 \
     OR c.team_id IN (SELECT tm.team_id FROM team_members tm WHERE tm.user_id = $2))";

const LIST_COLUMNS: &str = "c.id, c.name, c.domain, c.sector, c.size, c.created_at, \
     o.display_name AS owner_name, t.name AS team_name";

const FROM: &str =
    "FROM companies c JOIN users o ON o.id = c.owner_id LEFT JOIN teams t ON t.id = c.team_id";

/// Search, per backend (see `people.rs`).
struct SearchSql {
    index: &'static str,
    /// Run before `index` when a company's document is replaced.
    unindex: Option<&'static str>,
    /// Replaces the search documents of people (id, document) in `script`.
    people_documents: fn(&mut Script, Vec<(i64, String)>),
    query: fn() -> String,
    expression: fn(&[String]) -> String,
}

const SQLITE_SEARCH: SearchSql = SearchSql {
    index: "INSERT INTO companies_search (rowid, document) VALUES ($1, $2)",
    unindex: Some("DELETE FROM companies_search WHERE rowid = $1"),
    people_documents: |script, documents| {
        let ids: Vec<Value> = documents.iter().map(|(id, _)| (*id).into()).collect();
        script.statement(
            &format!(
                "DELETE FROM people_search WHERE rowid IN ({})",
                in_list(ids.len())
            ),
            ids,
        );
        script.rows(
            "INSERT INTO people_search (rowid, document)",
            documents
                .into_iter()
                .map(|(id, d)| vec![id.into(), d.into()])
                .collect(),
            "",
        );
    },
    query: || {
        format!(
            "SELECT {LIST_COLUMNS} FROM companies_search s JOIN companies c ON c.id = s.rowid \
             JOIN users o ON o.id = c.owner_id LEFT JOIN teams t ON t.id = c.team_id \
             WHERE companies_search MATCH $3 AND {VISIBLE} ORDER BY s.rank, c.id DESC LIMIT $4"
        )
    },
    expression: fts5_prefixes,
};

const POSTGRES_SEARCH: SearchSql = SearchSql {
    index: "UPDATE companies SET search_document = $2 WHERE id = $1",
    unindex: None,
    // The `search` tsvector is generated from the column.
    people_documents: |script, documents| {
        let marks: Vec<String> = (0..documents.len())
            .map(|i| format!("(${}::BIGINT, ${}::TEXT)", 2 * i + 1, 2 * i + 2))
            .collect();
        script.statement(
            &format!(
                "UPDATE people AS p SET search_document = v.document FROM (VALUES {}) AS v (id, document) \
                 WHERE p.id = v.id",
                marks.join(", ")
            ),
            documents.into_iter().flat_map(|(id, d)| [id.into(), d.into()]).collect(),
        );
    },
    query: || {
        format!(
            "SELECT {LIST_COLUMNS} {FROM} \
             WHERE c.search @@ to_tsquery('simple', $3) AND {VISIBLE} \
             ORDER BY ts_rank(c.search, to_tsquery('simple', $3)) DESC, c.id DESC LIMIT $4"
        )
    },
    expression: tsquery_prefixes,
};

/// What is searched for a company: its name, domain and legal id.
fn document(name: &str, domain: &str, legal_id: &str) -> String {
    let domain_words = domain.replace('.', " ");
    app::domain::search::person_document(&[name, &domain_words, legal_id], &[], &[])
}

/// The search documents of people (id, first and last name) working at
/// the company now named `company`, given their e-mails and phones as
/// (person id, text) in order.
fn people_documents(
    people: &[(i64, String, String)],
    company: &str,
    emails: &[(i64, String)],
    phones: &[(i64, String)],
) -> Vec<(i64, String)> {
    let of = |rows: &[(i64, String)], id: i64| -> Vec<String> {
        rows.iter()
            .filter(|(p, _)| *p == id)
            .map(|(_, v)| v.clone())
            .collect()
    };
    people
        .iter()
        .map(|(id, first, last)| {
            let emails = of(emails, *id);
            let phones = of(phones, *id);
            let emails: Vec<&str> = emails.iter().map(String::as_str).collect();
            let phones: Vec<&str> = phones.iter().map(String::as_str).collect();
            let document =
                app::domain::search::person_document(&[first, last, company], &emails, &phones);
            (*id, document)
        })
        .collect()
}

fn summary<R>(row: &R) -> Result<CompanySummary, StorageError>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> chrono::DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let size: Option<String> = row.try_get("size").map_err(storage_error)?;
    Ok(CompanySummary {
        id: row.try_get("id").map_err(storage_error)?,
        name: row.try_get("name").map_err(storage_error)?,
        domain: row.try_get("domain").map_err(storage_error)?,
        sector: row.try_get("sector").map_err(storage_error)?,
        size: size
            .map(|s| choice("companies.size", &s, CompanySize::parse))
            .transpose()?,
        owner_name: row.try_get("owner_name").map_err(storage_error)?,
        team_name: row.try_get("team_name").map_err(storage_error)?,
        created_at: row.try_get("created_at").map_err(storage_error)?,
    })
}

macro_rules! sql_companies {
    ($db:ty, $search:expr) => {
        impl SqlCompanies<$db> {
            pub(crate) async fn insert(
                tx: &mut sqlx::Transaction<'_, $db>,
                company: &NewCompanyRecord,
                now: chrono::DateTime<Utc>,
            ) -> Result<i64, StorageError> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO companies (name, name_key, legal_id, domain, sector, size, address, \
                     owner_id, team_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                )
                .bind(&company.name)
                .bind(app::domain::search::fold(&company.name))
                .bind(&company.legal_id)
                .bind(&company.domain)
                .bind(&company.sector)
                .bind(company.size.map(|s| s.key()))
                .bind(&company.address)
                .bind(company.owner_id)
                .bind(company.team_id)
                .bind(now)
                .fetch_one(&mut **tx)
                .await
                .map_err(storage_error)?;
                sqlx::query($search.index)
                    .bind(id)
                    .bind(document(&company.name, &company.domain, &company.legal_id))
                    .execute(&mut **tx)
                    .await
                    .map_err(storage_error)?;
                Ok(id)
            }

            /// Gives the people working at company `id` search documents
            /// holding its new `name`, a chunk of people at a time.
            async fn reindex_people(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: i64,
                name: &str,
            ) -> Result<(), StorageError> {
                // Erased people keep their empty document.
                let people: Vec<(i64, String, String)> = sqlx::query_as(
                    "SELECT id, first_name, last_name FROM people \
                     WHERE company_id = $1 AND erased_at IS NULL ORDER BY id",
                )
                .bind(id)
                .fetch_all(&mut **tx)
                .await
                .map_err(storage_error)?;
                for chunk in people.chunks(ROWS_PER_STATEMENT / 2) {
                    // One read for both: the placeholders of the ids serve twice.
                    let ids = in_list(chunk.len());
                    let sql = format!(
                        "SELECT person_id, 'e' AS kind, position, address AS value FROM person_emails \
                         WHERE person_id IN ({ids}) UNION ALL \
                         SELECT person_id, 'p', position, number FROM person_phones \
                         WHERE person_id IN ({ids}) ORDER BY 1, 2, 3"
                    );
                    let mut query = sqlx::query_as::<_, (i64, String, i64, String)>(&sql);
                    for (person, _, _) in chunk {
                        query = query.bind(*person);
                    }
                    let contacts = query.fetch_all(&mut **tx).await.map_err(storage_error)?;
                    let pick = |kind: &str| -> Vec<(i64, String)> {
                        contacts
                            .iter()
                            .filter(|(_, k, _, _)| k == kind)
                            .map(|(p, _, _, v)| (*p, v.clone()))
                            .collect()
                    };
                    let (emails, phones) = (pick("e"), pick("p"));
                    let mut script = Script::new();
                    ($search.people_documents)(
                        &mut script,
                        people_documents(chunk, name, &emails, &phones),
                    );
                    (&mut **tx).run_script(script).await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl CompanyStore for SqlCompanies<$db> {
            #[tracing::instrument(skip_all, fields(owner_id = company.owner_id), err)]
            async fn create(&self, company: &NewCompanyRecord) -> Result<i64, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let id = Self::insert(&mut tx, company, Utc::now()).await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(id)
            }

            #[tracing::instrument(skip_all, fields(count = companies.len()), err)]
            async fn create_many(&self, companies: &[NewCompanyRecord]) -> Result<Vec<i64>, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let mut ids = Vec::with_capacity(companies.len());
                for company in companies {
                    ids.push(Self::insert(&mut tx, company, now).await?);
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(ids)
            }

            #[tracing::instrument(skip(self), err)]
            async fn get(&self, id: i64) -> Result<Option<CompanyRecord>, StorageError> {
                let Some(row) = sqlx::query(&format!(
                    "SELECT c.id, c.name, c.legal_id, c.domain, c.sector, c.size, c.address, c.owner_id, \
                     c.team_id, c.created_at, c.version, o.display_name AS owner_name, t.name AS team_name \
                     {FROM} WHERE c.id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?
                else {
                    return Ok(None);
                };
                let size: Option<String> = row.try_get("size").map_err(storage_error)?;
                Ok(Some(CompanyRecord {
                    id: row.try_get("id").map_err(storage_error)?,
                    fields: NewCompanyRecord {
                        name: row.try_get("name").map_err(storage_error)?,
                        legal_id: row.try_get("legal_id").map_err(storage_error)?,
                        domain: row.try_get("domain").map_err(storage_error)?,
                        sector: row.try_get("sector").map_err(storage_error)?,
                        size: size.map(|s| choice("companies.size", &s, CompanySize::parse)).transpose()?,
                        address: row.try_get("address").map_err(storage_error)?,
                        owner_id: row.try_get("owner_id").map_err(storage_error)?,
                        team_id: row.try_get("team_id").map_err(storage_error)?,
                    },
                    owner_name: row.try_get("owner_name").map_err(storage_error)?,
                    team_name: row.try_get("team_name").map_err(storage_error)?,
                    created_at: row.try_get("created_at").map_err(storage_error)?,
                    version: row.try_get("version").map_err(storage_error)?,
                }))
            }

            #[tracing::instrument(skip(self, edit), err)]
            async fn update(&self, id: i64, version: i64, edit: &CompanyEdit) -> Result<bool, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                // Claiming the version first takes the write lock (no read
                // before it that another writer could make stale) and
                // tells the name the people's documents hold.
                let Some(old_name): Option<String> = sqlx::query_scalar(
                    "UPDATE companies SET version = version + 1, updated_at = $3 \
                     WHERE id = $1 AND version = $2 RETURNING name",
                )
                .bind(id)
                .bind(version)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage_error)?
                else {
                    return Ok(false);
                };
                sqlx::query(
                    "UPDATE companies SET name = $2, name_key = $3, legal_id = $4, domain = $5, \
                     sector = $6, size = $7, address = $8, team_id = $9 WHERE id = $1",
                )
                .bind(id)
                .bind(&edit.name)
                .bind(app::domain::search::fold(&edit.name))
                .bind(&edit.legal_id)
                .bind(&edit.domain)
                .bind(&edit.sector)
                .bind(edit.size.map(|s| s.key()))
                .bind(&edit.address)
                .bind(edit.team_id)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?;
                if let Some(unindex) = $search.unindex {
                    sqlx::query(unindex).bind(id).execute(&mut *tx).await.map_err(storage_error)?;
                }
                sqlx::query($search.index)
                    .bind(id)
                    .bind(document(&edit.name, &edit.domain, &edit.legal_id))
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                if old_name != edit.name {
                    Self::reindex_people(&mut tx, id, &edit.name).await?;
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(true)
            }

            #[tracing::instrument(skip(self), err)]
            async fn find_by_name(
                &self,
                visibility: Visibility,
                name_key: &str,
            ) -> Result<Option<(i64, String)>, StorageError> {
                let (all, user_id) = visibility_args(visibility);
                let row = sqlx::query(&format!(
                    "SELECT c.id, c.name FROM companies c WHERE c.name_key = $3 AND {VISIBLE} \
                     ORDER BY c.id LIMIT 1"
                ))
                .bind(all)
                .bind(user_id)
                .bind(name_key)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?;
                row.map(|r| {
                    Ok((
                        r.try_get("id").map_err(storage_error)?,
                        r.try_get("name").map_err(storage_error)?,
                    ))
                })
                .transpose()
            }

            #[tracing::instrument(skip(self), err)]
            async fn list(
                &self,
                visibility: Visibility,
                before_id: Option<i64>,
                limit: u32,
            ) -> Result<Vec<CompanySummary>, StorageError> {
                let (all, user_id) = visibility_args(visibility);
                let rows = sqlx::query(&format!(
                    "SELECT {LIST_COLUMNS} {FROM} WHERE {VISIBLE} AND c.id < $3 ORDER BY c.id DESC LIMIT $4"
                ))
                .bind(all)
                .bind(user_id)
                .bind(before_id.unwrap_or(i64::MAX))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter().map(summary).collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn search(
                &self,
                visibility: Visibility,
                words: &[String],
                limit: u32,
            ) -> Result<Vec<CompanySummary>, StorageError> {
                if words.is_empty() {
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
                    .bind(($search.expression)(words))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                rows.iter().map(summary).collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn people(
                &self,
                company_id: i64,
                visibility: Visibility,
                limit: u32,
            ) -> Result<Vec<(i64, String)>, StorageError> {
                let (all, user_id) = visibility_args(visibility);
                let visible_person = "($1 = 1 OR p.owner_id = $2 \
                    OR p.team_id IN (SELECT tm.team_id FROM team_members tm WHERE tm.user_id = $2))";
                let rows = sqlx::query(&format!(
                    "SELECT p.id, p.first_name, p.last_name FROM people p \
                     WHERE p.company_id = $3 AND {visible_person} ORDER BY p.last_name, p.first_name, p.id LIMIT $4"
                ))
                .bind(all)
                .bind(user_id)
                .bind(company_id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|r| {
                        let first: String = r.try_get("first_name").map_err(storage_error)?;
                        let last: String = r.try_get("last_name").map_err(storage_error)?;
                        Ok((r.try_get("id").map_err(storage_error)?, format!("{first} {last}").trim().to_string()))
                    })
                    .collect()
            }
        }
    };
}

sql_companies!(sqlx::Sqlite, SQLITE_SEARCH);
sql_companies!(sqlx::Postgres, POSTGRES_SEARCH);
