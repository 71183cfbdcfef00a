//! Companies: list, search, open, enter, edit. The same visibility rule
//! as people (owner or team), decided by the policy; every list and
//! opening is written to the access log. An edit carries the version it
//! was opened at, and a save on an older one is refused with
//! `changed_meanwhile` (the page then shows both versions).

use crate::domain::{CompanyDetail, CompanySummary};
use crate::error::AppError;
use leptos::prelude::*;

pub const CREATE_COMPANY_FORM: &str = "create_company";
pub const EDIT_COMPANY_FORM: &str = "edit_company";
/// Companies per page of the list.
pub const PAGE_SIZE: u32 = 50;

/// The companies the caller may see, newest first (keyset on the id).
#[server(endpoint = "companies/list")]
pub async fn list_companies(before: Option<i64>) -> Result<Vec<CompanySummary>, AppError> {
    use crate::server::{access_log, context, policy};
    let user = access_log::guard(policy::Action::ViewCompanies, "list", "company", "").await?;
    context::server_context()?
        .storage
        .companies
        .list(policy::people_visibility(&user), before, PAGE_SIZE)
        .await
        .map_err(|e| context::internal("companies.list", e))
}

/// Companies matching `q` (name, domain, legal id; prefixes, accents
/// ignored), best first.
#[server(endpoint = "companies/search")]
pub async fn search_companies(q: String) -> Result<Vec<CompanySummary>, AppError> {
    use crate::server::{access_log, context, policy};
    let user = policy::authorize(policy::Action::ViewCompanies)?;
    let words = crate::domain::search::query_tokens(&q);
    let rows = context::server_context()?
        .storage
        .companies
        .search(
            policy::people_visibility(&user),
            &words,
            crate::api::people::SEARCH_LIMIT,
        )
        .await
        .map_err(|e| context::internal("companies.search", e))?;
    if !rows.is_empty() {
        let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
        access_log::write(&user, "search", "company", &ids.join(","), true).await?;
    }
    Ok(rows)
}

/// The company `id`, if `user` may open it for `verb` (written to the
/// access log either way).
#[cfg(feature = "ssr")]
async fn open_company(
    user: &crate::server::auth::SessionUser,
    verb: &str,
    id: i64,
) -> Result<crate::server::storage::CompanyRecord, AppError> {
    use crate::server::{context, records};
    let company = context::server_context()?
        .storage
        .companies
        .get(id)
        .await
        .map_err(|e| context::internal("companies.get", e))?
        .ok_or(AppError::NotFound)?;
    let f = &company.fields;
    records::open(user, verb, "company", id, f.owner_id, f.team_id).await?;
    Ok(company)
}

/// One company, with the people the caller may see there.
#[server(endpoint = "companies/get")]
pub async fn get_company(id: i64) -> Result<CompanyDetail, AppError> {
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ViewCompanies)?;
        let ctx = context::server_context()?;
        let company = open_company(&user, "read", id).await?;
        let people = ctx
            .storage
            .companies
            .people(id, policy::people_visibility(&user), 200)
            .await
            .map_err(|e| context::internal("companies.people", e))?;
        let deals = ctx
            .storage
            .pipelines
            .deals_of(
                crate::server::storage::DealsOf::Company(id),
                policy::people_visibility(&user),
                crate::api::people::RECORD_DEALS,
            )
            .await
            .map_err(|e| context::internal("pipelines.deals_of", e))?;
        let f = company.fields;
        Ok(CompanyDetail {
            summary: CompanySummary {
                id: company.id,
                name: f.name,
                domain: f.domain,
                sector: f.sector,
                size: f.size,
                owner_name: company.owner_name,
                team_name: company.team_name,
                created_at: company.created_at,
            },
            legal_id: f.legal_id,
            address: f.address,
            team_id: f.team_id,
            version: company.version,
            may_edit: policy::allows(user.role, policy::Action::CreateCompany),
            people,
            deals,
        })
    }
    .await;
    if let Err(error) = &result {
        respond::set_error_status(error);
    }
    result
}

/// A company's form as posted, new or edited (every field as typed; a
/// refused save gives it back, as JSON, so nothing is retyped).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CompanyForm {
    /// The company edited (empty for a new one).
    #[serde(default)]
    pub id: String,
    /// The version the edit was opened at (empty for a new one).
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub name: String,
    pub legal_id: Option<String>,
    pub domain: Option<String>,
    pub sector: Option<String>,
    pub size: Option<String>,
    pub address: Option<String>,
    pub team_id: Option<String>,
}

/// A company's fields as checked, the same for a new one and an edit.
#[cfg(feature = "ssr")]
struct CheckedCompany {
    name: String,
    legal_id: String,
    domain: String,
    sector: String,
    size: Option<crate::domain::CompanySize>,
    address: String,
}

#[cfg(feature = "ssr")]
fn check(form: &CompanyForm) -> Result<CheckedCompany, AppError> {
    use crate::domain::*;
    let v = |field: &'static str| move |p: Problem| AppError::validation(field, p);
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    Ok(CheckedCompany {
        name: company_name(&form.name).map_err(v("name"))?,
        legal_id: match text(&form.legal_id).trim() {
            "" => String::new(),
            raw => LegalId::parse(raw).map_err(v("legal_id"))?.to_string(),
        },
        domain: match text(&form.domain).trim() {
            "" => String::new(),
            raw => Domain::parse(raw).map_err(v("domain"))?.to_string(),
        },
        sector: optional_line(&text(&form.sector), 100).map_err(v("sector"))?,
        size: match text(&form.size).trim() {
            "" => None,
            raw => Some(CompanySize::parse(raw).map_err(v("size"))?),
        },
        address: optional_line(&text(&form.address), 300).map_err(v("address"))?,
    })
}

/// Enters a company; only the name is required.
#[server(endpoint = "companies/create")]
pub async fn create_company(#[server(flatten)] form: CompanyForm) -> Result<(), AppError> {
    use crate::server::storage::NewCompanyRecord;
    use crate::server::{access_log, context, policy, records, respond};
    let typed = serde_json::to_string(&form).unwrap_or_default();
    let result = async {
        let user = policy::authorize(policy::Action::CreateCompany)?;
        let c = check(&form)?;
        let team_id = records::team_for_new_record(&user, form.team_id.clone()).await?;
        let id = context::server_context()?
            .storage
            .companies
            .create(&NewCompanyRecord {
                name: c.name,
                legal_id: c.legal_id,
                domain: c.domain,
                sector: c.sector,
                size: c.size,
                address: c.address,
                owner_id: user.user_id,
                team_id,
            })
            .await
            .map_err(|e| context::internal("companies.create", e))?;
        access_log::write(&user, "create", "company", &id.to_string(), true).await?;
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => {
            leptos_axum::redirect(&format!("/companies/{id}"));
            Ok(())
        }
        Err(error) => respond::finish_form(CREATE_COMPANY_FORM, &typed, Err(error)),
    }
}

/// Saves an edit of a company the caller may open. A new name is what
/// the company and its people are found by from then on.
#[server(endpoint = "companies/update")]
pub async fn update_company(#[server(flatten)] form: CompanyForm) -> Result<(), AppError> {
    use crate::domain::Problem;
    use crate::server::storage::CompanyEdit;
    use crate::server::{context, policy, records, respond};
    let typed = serde_json::to_string(&form).unwrap_or_default();
    let id: Option<i64> = form.id.trim().parse().ok();
    let result = async {
        let user = policy::authorize(policy::Action::CreateCompany)?;
        let id = id.ok_or(AppError::NotFound)?;
        let version: i64 = form
            .version
            .trim()
            .parse()
            .map_err(|_| AppError::validation("version", Problem::ChangedMeanwhile))?;
        let ctx = context::server_context()?;
        let current = open_company(&user, "update", id).await?;
        let c = check(&form)?;
        let team_id =
            records::team_for_edit(&user, form.team_id.clone(), current.fields.team_id).await?;
        let saved = ctx
            .storage
            .companies
            .update(
                id,
                version,
                &CompanyEdit {
                    name: c.name,
                    legal_id: c.legal_id,
                    domain: c.domain,
                    sector: c.sector,
                    size: c.size,
                    address: c.address,
                    team_id,
                },
            )
            .await
            .map_err(|e| context::internal("companies.update", e))?;
        if !saved {
            tracing::info!(
                user_id = user.user_id,
                company_id = id,
                "edit refused: changed meanwhile"
            );
            return Err(AppError::validation("version", Problem::ChangedMeanwhile));
        }
        tracing::info!(user_id = user.user_id, company_id = id, "company edited");
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => {
            leptos_axum::redirect(&format!("/companies/{id}"));
            Ok(())
        }
        Err(error) => respond::finish_form(EDIT_COMPANY_FORM, &typed, Err(error)),
    }
}
