//! Leads: list, open, enter, qualify, and convert into a person, a company
//! and a deal in one transaction.

use crate::domain::{LeadDetail, LeadSummary};
use crate::error::AppError;
use leptos::prelude::*;

pub const CREATE_LEAD_FORM: &str = "create_lead";
pub const UPDATE_LEAD_FORM: &str = "update_lead";
pub const CONVERT_LEAD_FORM: &str = "convert_lead";
/// Leads per page of the list.
pub const PAGE_SIZE: u32 = 50;

/// The leads the caller may see, newest first, optionally of one status.
#[server(endpoint = "leads/list")]
pub async fn list_leads(
    status: Option<String>,
    before: Option<i64>,
) -> Result<Vec<LeadSummary>, AppError> {
    use crate::domain::{LeadStatus, Problem};
    use crate::server::{access_log, context, policy};
    let user = access_log::guard(policy::Action::ViewLeads, "list", "lead", "").await?;
    let status = match status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => {
            Some(LeadStatus::parse(raw).map_err(|p: Problem| AppError::validation("status", p))?)
        }
    };
    context::server_context()?
        .storage
        .leads
        .list(policy::people_visibility(&user), status, before, PAGE_SIZE)
        .await
        .map_err(|e| context::internal("leads.list", e))
}

/// The lead record, if the caller may open it (logged either way).
#[cfg(feature = "ssr")]
async fn open_lead(
    user: &crate::server::auth::SessionUser,
    verb: &str,
    id: i64,
) -> Result<crate::server::storage::LeadRecord, AppError> {
    use crate::server::{context, records};
    let lead = context::server_context()?
        .storage
        .leads
        .get(id)
        .await
        .map_err(|e| context::internal("leads.get", e))?
        .ok_or(AppError::NotFound)?;
    records::open(
        user,
        verb,
        "lead",
        id,
        lead.fields.owner_id,
        lead.fields.team_id,
    )
    .await?;
    Ok(lead)
}

/// One lead.
#[server(endpoint = "leads/get")]
pub async fn get_lead(id: i64) -> Result<LeadDetail, AppError> {
    use crate::domain::LeadSummary;
    use crate::server::{policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ViewLeads)?;
        let lead = open_lead(&user, "read", id).await?;
        let f = lead.fields;
        Ok(LeadDetail {
            summary: LeadSummary {
                id: lead.id,
                first_name: f.first_name,
                last_name: f.last_name,
                company_name: f.company_name,
                status: f.status,
                score: f.score,
                source: f.source,
                owner_name: lead.owner_name,
                converted_person: lead.person_id,
                created_at: lead.created_at,
            },
            email: f.email.map(String::from).unwrap_or_default(),
            phone: f.phone.map(String::from).unwrap_or_default(),
            kind: f.kind,
            disqualified_reason: f.disqualified_reason,
            team_name: lead.team_name,
            collected_at: f.collected_at,
            supplier: f.supplier,
            contract_ref: f.contract_ref,
            prospecting_basis: f.prospecting_basis,
            deal_id: lead.deal_id,
            version: lead.version,
            may_edit: policy::allows(user.role, policy::Action::ManageLeads),
        })
    }
    .await;
    if let Err(error) = &result {
        respond::set_error_status(error);
    }
    result
}

/// The new-lead form as posted.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct NewLeadForm {
    #[serde(default)]
    pub last_name: String,
    pub first_name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub kind: Option<String>,
    pub score: Option<String>,
    pub source: Option<String>,
    pub supplier: Option<String>,
    pub contract_ref: Option<String>,
    pub prospecting_basis: Option<String>,
    pub team_id: Option<String>,
}

/// Enters a lead, with the same provenance and legal-basis rules as a
/// person (the person a conversion creates inherits them).
#[server(endpoint = "leads/create")]
pub async fn create_lead(#[server(flatten)] form: NewLeadForm) -> Result<(), AppError> {
    use crate::domain::*;
    use crate::server::storage::NewLeadRecord;
    use crate::server::{access_log, context, policy, records, respond};
    let typed = serde_json::to_string(&form).unwrap_or_default();
    let result = async {
        let user = policy::authorize(policy::Action::ManageLeads)?;
        let v = |field: &'static str| move |p: Problem| AppError::validation(field, p);
        let text = |o: &Option<String>| o.clone().unwrap_or_default();
        let last_name = PersonName::parse(&form.last_name).map_err(v("last_name"))?;
        let first_name = optional_line(&text(&form.first_name), PersonName::MAX_CHARS)
            .map_err(v("first_name"))?;
        let company_name = match text(&form.company_name).trim() {
            "" => String::new(),
            raw => company_name(raw).map_err(v("company_name"))?,
        };
        let email = match text(&form.email).trim() {
            "" => None,
            raw => Some(EmailAddress::parse(raw).map_err(v("email"))?),
        };
        let phone = match text(&form.phone).trim() {
            "" => None,
            raw => Some(PhoneNumber::parse(raw).map_err(v("phone"))?),
        };
        let kind = match text(&form.kind).trim() {
            "" => PersonKind::B2b,
            raw => PersonKind::parse(raw).map_err(v("kind"))?,
        };
        let score = lead_score(&text(&form.score)).map_err(v("score"))?;
        let source = match text(&form.source).trim() {
            "" => Source::Manual,
            raw => Source::parse(raw).map_err(v("source"))?,
        };
        let supplier = optional_line(&text(&form.supplier), 200).map_err(v("supplier"))?;
        let contract_ref =
            optional_line(&text(&form.contract_ref), 100).map_err(v("contract_ref"))?;
        let prospecting_basis = match text(&form.prospecting_basis).trim() {
            "" => default_prospecting_basis(kind).ok_or(AppError::validation(
                "prospecting_basis",
                Problem::BasisRequired,
            ))?,
            raw => LegalBasis::parse(raw).map_err(v("prospecting_basis"))?,
        };
        records::not_suppressed(
            "email",
            &email.iter().map(|e| e.lookup_key()).collect::<Vec<_>>(),
            &phone
                .iter()
                .map(|p| String::from(p.clone()))
                .collect::<Vec<_>>(),
        )
        .await?;
        let team_id = records::team_for_new_record(&user, form.team_id.clone()).await?;
        let id = context::server_context()?
            .storage
            .leads
            .create(&NewLeadRecord {
                first_name,
                last_name: last_name.to_string(),
                company_name,
                email,
                phone,
                status: LeadStatus::New,
                disqualified_reason: String::new(),
                score,
                kind,
                source,
                collected_at: chrono::Utc::now(),
                entered_by: Some(user.user_id),
                supplier,
                contract_ref,
                prospecting_basis,
                owner_id: user.user_id,
                team_id,
            })
            .await
            .map_err(|e| context::internal("leads.create", e))?;
        access_log::write(&user, "create", "lead", &id.to_string(), true).await?;
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => {
            leptos_axum::redirect(&format!("/leads/{id}"));
            Ok(())
        }
        Err(error) => respond::finish_form(CREATE_LEAD_FORM, &typed, Err(error)),
    }
}

/// Qualifies a lead: status, score, and the reason when disqualified.
/// Refused with `changed_meanwhile` if someone saved it after `version`.
#[server(endpoint = "leads/update")]
pub async fn update_lead(
    id: i64,
    version: i64,
    status: String,
    score: Option<String>,
    reason: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::*;
    use crate::server::{access_log, context, policy, respond};
    let typed = reason.clone().unwrap_or_default();
    let result = async {
        let user = policy::authorize(policy::Action::ManageLeads)?;
        open_lead(&user, "update", id).await?;
        let status = LeadStatus::parse(&status).map_err(|p| AppError::validation("status", p))?;
        let score = lead_score(score.as_deref().unwrap_or(""))
            .map_err(|p| AppError::validation("score", p))?;
        let reason = optional_line(reason.as_deref().unwrap_or(""), 300)
            .map_err(|p| AppError::validation("reason", p))?;
        if status == LeadStatus::Disqualified && reason.is_empty() {
            return Err(AppError::validation("reason", Problem::Required));
        }
        let reason = if status == LeadStatus::Disqualified {
            reason
        } else {
            String::new()
        };
        let saved = context::server_context()?
            .storage
            .leads
            .update(id, version, status, &reason, score)
            .await
            .map_err(|e| context::internal("leads.update", e))?;
        if !saved {
            return Err(AppError::validation("status", Problem::ChangedMeanwhile));
        }
        access_log::write(&user, "update", "lead", &id.to_string(), true).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            leptos_axum::redirect(&format!("/leads/{id}"));
            Ok(())
        }
        Err(error) => respond::finish_form(UPDATE_LEAD_FORM, &typed, Err(error)),
    }
}

/// Converts a lead into a person (with the lead's provenance and basis),
/// the company it names (linked or created) and, when a title is given, a
/// deal: all in one transaction, or nothing. A person already holding the
/// lead's e-mail is shown instead of creating a second one.
#[server(endpoint = "leads/convert")]
pub async fn convert_lead(
    id: i64,
    version: i64,
    deal_title: Option<String>,
    amount: Option<String>,
    currency: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::{Problem, amount_cents};
    use crate::server::storage::{NewDeal, StorageError};
    use crate::server::{access_log, context, policy, respond};
    let typed = deal_title.clone().unwrap_or_default();
    let result = async {
        let user = policy::authorize(policy::Action::ManageLeads)?;
        let lead = open_lead(&user, "convert", id).await?;
        if lead.person_id.is_some() {
            return Err(AppError::validation("lead", Problem::ChangedMeanwhile));
        }
        let deal = match deal_title.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(title) => Some(NewDeal {
                title: crate::domain::deal_title(title)
                    .map_err(|p| AppError::validation("deal_title", p))?,
                amount_cents: amount_cents(amount.as_deref().unwrap_or(""))
                    .map_err(|p| AppError::validation("amount", p))?,
                currency: crate::domain::currency(currency.as_deref().unwrap_or("EUR"))
                    .map_err(|p| AppError::validation("currency", p))?,
            }),
        };
        let ctx = context::server_context()?;
        let keys: Vec<String> = lead.fields.email.iter().map(|e| e.lookup_key()).collect();
        if let Some(existing) = ctx
            .storage
            .people
            .find_duplicate(&keys, None)
            .await
            .map_err(|e| context::internal("people.find_duplicate", e))?
        {
            return Err(AppError::validation("duplicate", Problem::DuplicateOf { id: existing }));
        }
        let converted = match ctx.storage.leads.convert(id, version, deal.as_ref()).await {
            Ok(c) => c,
            Err(StorageError::Conflict(_)) => {
                return Err(AppError::validation("lead", Problem::ChangedMeanwhile));
            }
            Err(e) => return Err(context::internal("leads.convert", e)),
        };
        access_log::write(&user, "convert", "lead", &id.to_string(), true).await?;
        access_log::write(&user, "create", "person", &converted.person_id.to_string(), true)
            .await?;
        tracing::info!(user_id = user.user_id, lead_id = id, person_id = converted.person_id, deal_id = ?converted.deal_id, "lead converted");
        Ok(converted.person_id)
    }
    .await;
    match result {
        Ok(person_id) => {
            leptos_axum::redirect(&format!("/contacts/{person_id}"));
            Ok(())
        }
        Err(error) => respond::finish_form(CONVERT_LEAD_FORM, &typed, Err(error)),
    }
}
