//! Companies, one SQL text for both backends (see `users.rs`).

use crate::storage::people::{choice, fts5_prefixes, tsquery_prefixes, visibility_args};
use crate::storage::storage_error;
use app::domain::{CompanySize, CompanySummary};
use app::server::storage::{
    CompanyRecord, CompanyStore, NewCompanyRecord, StorageError, Visibility,
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
    query: fn() -> String,
    expression: fn(&[String]) -> String,
}

const SQLITE_SEARCH: SearchSql = SearchSql {
    index: "INSERT INTO companies_search (rowid, document) VALUES ($1, $2)",
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
fn document(company: &NewCompanyRecord) -> String {
    let domain_words = company.domain.replace('.', " ");
    app::domain::search::person_document(
        &[&company.name, &domain_words, &company.legal_id],
        &[],
        &[],
    )
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
                    .bind(document(company))
                    .execute(&mut **tx)
                    .await
                    .map_err(storage_error)?;
                Ok(id)
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
