//! Leads and their conversion, one SQL text for both backends (see
//! `users.rs`).

use crate::storage::companies::SqlCompanies;
use crate::storage::people::{SqlPeople, choice, corrupt, visibility_args};
use crate::storage::storage_error;
use app::domain::{
    EmailAddress, EmailKind, LeadStatus, LeadSummary, LegalBasis, PersonKind, PersonStatus,
    PhoneNumber, Purpose, Source,
};
use app::server::storage::{
    Converted, LeadRecord, LeadStore, NewCompanyRecord, NewDeal, NewLeadRecord, NewPersonRecord,
    StorageError, Visibility,
};
use async_trait::async_trait;
use chrono::Utc;
use sqlx::{Database, Pool, Row};

pub struct SqlLeads<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlLeads<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

const VISIBLE: &str = "($1 = 1 OR l.owner_id = $2 \
     OR l.team_id IN (SELECT tm.team_id FROM team_members tm WHERE tm.user_id = $2))";

const COLUMNS: &str = "l.id, l.first_name, l.last_name, l.company_name, l.email, l.phone, l.status, \
     l.disqualified_reason, l.score, l.kind, l.source, l.collected_at, l.entered_by, l.supplier, \
     l.contract_ref, l.prospecting_basis, l.owner_id, l.team_id, l.person_id, l.deal_id, \
     l.converted_at, l.created_at, l.version, o.display_name AS owner_name, t.name AS team_name";

const FROM: &str =
    "FROM leads l JOIN users o ON o.id = l.owner_id LEFT JOIN teams t ON t.id = l.team_id";

fn record<R>(row: &R) -> Result<LeadRecord, StorageError>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> chrono::DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<chrono::DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let text =
        |name: &str| -> Result<String, StorageError> { row.try_get(name).map_err(storage_error) };
    let email = text("email")?;
    let phone = text("phone")?;
    let score: i32 = row.try_get("score").map_err(storage_error)?;
    Ok(LeadRecord {
        id: row.try_get("id").map_err(storage_error)?,
        fields: NewLeadRecord {
            first_name: text("first_name")?,
            last_name: text("last_name")?,
            company_name: text("company_name")?,
            email: (!email.is_empty())
                .then(|| EmailAddress::parse(&email).map_err(|p| corrupt("leads.email", p)))
                .transpose()?,
            phone: (!phone.is_empty())
                .then(|| PhoneNumber::parse(&phone).map_err(|p| corrupt("leads.phone", p)))
                .transpose()?,
            status: choice("leads.status", &text("status")?, LeadStatus::parse)?,
            disqualified_reason: text("disqualified_reason")?,
            score: u8::try_from(score).map_err(|e| corrupt("leads.score", e))?,
            kind: choice("leads.kind", &text("kind")?, PersonKind::parse)?,
            source: choice("leads.source", &text("source")?, Source::parse)?,
            collected_at: row.try_get("collected_at").map_err(storage_error)?,
            entered_by: row.try_get("entered_by").map_err(storage_error)?,
            supplier: text("supplier")?,
            contract_ref: text("contract_ref")?,
            prospecting_basis: choice(
                "leads.prospecting_basis",
                &text("prospecting_basis")?,
                LegalBasis::parse,
            )?,
            owner_id: row.try_get("owner_id").map_err(storage_error)?,
            team_id: row.try_get("team_id").map_err(storage_error)?,
        },
        owner_name: text("owner_name")?,
        team_name: row.try_get("team_name").map_err(storage_error)?,
        person_id: row.try_get("person_id").map_err(storage_error)?,
        deal_id: row.try_get("deal_id").map_err(storage_error)?,
        converted_at: row.try_get("converted_at").map_err(storage_error)?,
        created_at: row.try_get("created_at").map_err(storage_error)?,
        version: row.try_get("version").map_err(storage_error)?,
    })
}

fn summary(lead: LeadRecord) -> LeadSummary {
    LeadSummary {
        id: lead.id,
        first_name: lead.fields.first_name,
        last_name: lead.fields.last_name,
        company_name: lead.fields.company_name,
        status: lead.fields.status,
        score: lead.fields.score,
        source: lead.fields.source,
        owner_name: lead.owner_name,
        converted_person: lead.person_id,
        created_at: lead.created_at,
    }
}

macro_rules! sql_leads {
    ($db:ty) => {
        #[async_trait]
        impl LeadStore for SqlLeads<$db> {
            #[tracing::instrument(skip_all, fields(owner_id = lead.owner_id), err)]
            async fn create(&self, lead: &NewLeadRecord) -> Result<i64, StorageError> {
                let now = Utc::now();
                sqlx::query_scalar(
                    "INSERT INTO leads (first_name, last_name, company_name, email, phone, status, \
                     disqualified_reason, score, kind, source, collected_at, entered_by, supplier, \
                     contract_ref, prospecting_basis, owner_id, team_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) \
                     RETURNING id",
                )
                .bind(&lead.first_name)
                .bind(&lead.last_name)
                .bind(&lead.company_name)
                .bind(lead.email.as_ref().map_or("", |e| e.as_str()))
                .bind(lead.phone.as_ref().map_or("", |p| p.as_str()))
                .bind(lead.status.key())
                .bind(&lead.disqualified_reason)
                .bind(i32::from(lead.score))
                .bind(lead.kind.key())
                .bind(lead.source.key())
                .bind(lead.collected_at)
                .bind(lead.entered_by)
                .bind(&lead.supplier)
                .bind(&lead.contract_ref)
                .bind(lead.prospecting_basis.key())
                .bind(lead.owner_id)
                .bind(lead.team_id)
                .bind(now)
                .fetch_one(&self.pool)
                .await
                .map_err(storage_error)
            }

            #[tracing::instrument(skip(self), err)]
            async fn get(&self, id: i64) -> Result<Option<LeadRecord>, StorageError> {
                let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE l.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(storage_error)?;
                row.as_ref().map(record).transpose()
            }

            #[tracing::instrument(skip(self), err)]
            async fn list(
                &self,
                visibility: Visibility,
                status: Option<LeadStatus>,
                before_id: Option<i64>,
                limit: u32,
            ) -> Result<Vec<LeadSummary>, StorageError> {
                let (all, user_id) = visibility_args(visibility);
                let rows = sqlx::query(&format!(
                    "SELECT {COLUMNS} {FROM} WHERE {VISIBLE} AND ($3 = '' OR l.status = $3) AND l.id < $4 \
                     ORDER BY l.id DESC LIMIT $5"
                ))
                .bind(all)
                .bind(user_id)
                .bind(status.map_or("", |s| s.key()))
                .bind(before_id.unwrap_or(i64::MAX))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter().map(|r| record(r).map(summary)).collect()
            }

            #[tracing::instrument(skip(self, reason), err)]
            async fn update(
                &self,
                id: i64,
                version: i64,
                status: LeadStatus,
                reason: &str,
                score: u8,
            ) -> Result<bool, StorageError> {
                let done = sqlx::query(
                    "UPDATE leads SET status = $3, disqualified_reason = $4, score = $5, \
                     updated_at = $6, version = version + 1 \
                     WHERE id = $1 AND version = $2 AND person_id IS NULL",
                )
                .bind(id)
                .bind(version)
                .bind(status.key())
                .bind(reason)
                .bind(i32::from(score))
                .bind(Utc::now())
                .execute(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip(self, deal), err)]
            async fn convert(
                &self,
                id: i64,
                version: i64,
                deal: Option<&NewDeal>,
            ) -> Result<Converted, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                // Claim the lead first: a second conversion (another tab,
                // another user) stops here, before anything is created.
                let claimed = sqlx::query(
                    "UPDATE leads SET status = 'qualified', converted_at = $3, updated_at = $3, \
                     version = version + 1 WHERE id = $1 AND version = $2 AND person_id IS NULL",
                )
                .bind(id)
                .bind(version)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?;
                if claimed.rows_affected() != 1 {
                    return Err(StorageError::Conflict("leads.converted".into()));
                }
                let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE l.id = $1"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                let lead = record(&row)?.fields;
                let company_id = match lead.company_name.trim() {
                    "" => None,
                    name => {
                        let existing: Option<i64> = sqlx::query_scalar(
                            "SELECT id FROM companies WHERE name_key = $1 ORDER BY id LIMIT 1",
                        )
                        .bind(app::domain::search::fold(name))
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                        match existing {
                            Some(id) => Some(id),
                            None => Some(
                                SqlCompanies::<$db>::insert(
                                    &mut tx,
                                    &NewCompanyRecord {
                                        name: name.to_string(),
                                        legal_id: String::new(),
                                        domain: String::new(),
                                        sector: String::new(),
                                        size: None,
                                        address: String::new(),
                                        owner_id: lead.owner_id,
                                        team_id: lead.team_id,
                                    },
                                    now,
                                )
                                .await?,
                            ),
                        }
                    }
                };
                let person_id = SqlPeople::<$db>::insert(
                    &mut tx,
                    &NewPersonRecord {
                        language: None,
                        first_name: lead.first_name.clone(),
                        last_name: lead.last_name.clone(),
                        kind: lead.kind,
                        job_title: String::new(),
                        status: PersonStatus::Lead,
                        owner_id: lead.owner_id,
                        team_id: lead.team_id,
                        company_id,
                        // The provenance is the lead's: converting does
                        // not make the data newer or change its source.
                        source: lead.source,
                        collected_at: lead.collected_at,
                        entered_by: lead.entered_by,
                        supplier: lead.supplier.clone(),
                        contract_ref: lead.contract_ref.clone(),
                        emails: lead
                            .email
                            .iter()
                            .map(|e| (e.clone(), EmailKind::detect(e)))
                            .collect(),
                        phones: lead.phone.iter().cloned().collect(),
                        legal_bases: vec![(Purpose::Prospecting, lead.prospecting_basis)],
                    },
                    now,
                )
                .await?;
                let deal_id = match deal {
                    Some(deal) => Some(
                        sqlx::query_scalar::<_, i64>(
                            "INSERT INTO deals (title, amount_cents, currency, person_id, company_id, \
                             owner_id, team_id, source, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, 'lead', $8, $8) RETURNING id",
                        )
                        .bind(&deal.title)
                        .bind(deal.amount_cents)
                        .bind(&deal.currency)
                        .bind(person_id)
                        .bind(company_id)
                        .bind(lead.owner_id)
                        .bind(lead.team_id)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(storage_error)?,
                    ),
                    None => None,
                };
                if let Some(deal_id) = deal_id {
                    // Onto the first open board, at the end of its first
                    // column, when there is one (otherwise the first pipeline
                    // created takes it in).
                    let first = sqlx::query(
                        "SELECT s.id, s.pipeline_id, s.probability FROM stages s \
                         JOIN pipelines p ON p.id = s.pipeline_id \
                         WHERE p.archived_at IS NULL AND s.archived_at IS NULL \
                         ORDER BY p.position, p.id, s.position, s.id LIMIT 1",
                    )
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                    if let Some(first) = first {
                        let stage: i64 = first.try_get("id").map_err(storage_error)?;
                        let last: Option<String> = sqlx::query_scalar(
                            "SELECT rank FROM deals WHERE stage_id = $1 ORDER BY rank DESC, id DESC LIMIT 1",
                        )
                        .bind(stage)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                        let key = app::domain::rank::between(last.as_deref(), None)
                            .unwrap_or_else(|| format!("{}i", last.unwrap_or_default()));
                        sqlx::query(
                            "UPDATE deals SET pipeline_id = $2, stage_id = $3, rank = $4, probability = $5 WHERE id = $1",
                        )
                        .bind(deal_id)
                        .bind(first.try_get::<i64, _>("pipeline_id").map_err(storage_error)?)
                        .bind(stage)
                        .bind(key)
                        .bind(first.try_get::<i64, _>("probability").map_err(storage_error)?)
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                        sqlx::query(
                            "INSERT INTO deal_stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, changed_at) \
                             VALUES ($1, NULL, $2, NULL, $3)",
                        )
                        .bind(deal_id)
                        .bind(stage)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                    }
                }
                sqlx::query("UPDATE leads SET person_id = $2, deal_id = $3 WHERE id = $1")
                    .bind(id)
                    .bind(person_id)
                    .bind(deal_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                tx.commit().await.map_err(storage_error)?;
                Ok(Converted {
                    person_id,
                    company_id,
                    deal_id,
                })
            }
        }
    };
}

sql_leads!(sqlx::Sqlite);
sql_leads!(sqlx::Postgres);
