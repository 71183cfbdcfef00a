//! Companies: list, search, open, enter. The same visibility rule as
//! people (owner or team), decided by the policy; every list and opening
//! is written to the access log.

use crate::domain::{CompanyDetail, CompanySummary};
use crate::error::AppError;
use leptos::prelude::*;

pub const CREATE_COMPANY_FORM: &str = "create_company";
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

/// One company, with the people the caller may see there.
#[server(endpoint = "companies/get")]
pub async fn get_company(id: i64) -> Result<CompanyDetail, AppError> {
    use crate::server::{context, policy, records, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ViewCompanies)?;
        let ctx = context::server_context()?;
        let company = ctx
            .storage
            .companies
            .get(id)
            .await
            .map_err(|e| context::internal("companies.get", e))?
            .ok_or(AppError::NotFound)?;
        records::open(
            &user,
            "read",
            "company",
            id,
            company.fields.owner_id,
            company.fields.team_id,
        )
        .await?;
        let people = ctx
            .storage
            .companies
            .people(id, policy::people_visibility(&user), 200)
            .await
            .map_err(|e| context::internal("companies.people", e))?;
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
            version: company.version,
            people,
        })
    }
    .await;
    if let Err(error) = &result {
        respond::set_error_status(error);
    }
    result
}

/// The new-company form as posted.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct NewCompanyForm {
    #[serde(default)]
    pub name: String,
    pub legal_id: Option<String>,
    pub domain: Option<String>,
    pub sector: Option<String>,
    pub size: Option<String>,
    pub address: Option<String>,
    pub team_id: Option<String>,
}

/// Enters a company; only the name is required.
#[server(endpoint = "companies/create")]
pub async fn create_company(#[server(flatten)] form: NewCompanyForm) -> Result<(), AppError> {
    use crate::domain::*;
    use crate::server::storage::NewCompanyRecord;
    use crate::server::{access_log, context, policy, records, respond};
    let typed = form.name.clone();
    let result = async {
        let user = policy::authorize(policy::Action::CreateCompany)?;
        let v = |field: &'static str| move |p: Problem| AppError::validation(field, p);
        let text = |o: Option<String>| o.unwrap_or_default();
        let name = company_name(&form.name).map_err(v("name"))?;
        let legal_id = match text(form.legal_id).trim() {
            "" => String::new(),
            raw => LegalId::parse(raw).map_err(v("legal_id"))?.to_string(),
        };
        let domain = match text(form.domain).trim() {
            "" => String::new(),
            raw => Domain::parse(raw).map_err(v("domain"))?.to_string(),
        };
        let sector = optional_line(&text(form.sector), 100).map_err(v("sector"))?;
        let size = match text(form.size).trim() {
            "" => None,
            raw => Some(CompanySize::parse(raw).map_err(v("size"))?),
        };
        let address = optional_line(&text(form.address), 300).map_err(v("address"))?;
        let team_id = records::team_for_new_record(&user, form.team_id).await?;
        let id = context::server_context()?
            .storage
            .companies
            .create(&NewCompanyRecord {
                name,
                legal_id,
                domain,
                sector,
                size,
                address,
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
