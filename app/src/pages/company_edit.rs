//! Editing a company. When someone else saved first, the page shows their
//! version next to the form, which keeps what this user typed; nothing is
//! overwritten without the user seeing what they replace.

use crate::api::companies::{CompanyForm, EDIT_COMPANY_FORM};
use crate::api::{UpdateCompany, get_company, get_person_form_choices};
use crate::domain::CompanyDetail;
use crate::error::AppError;
use crate::i18n::use_t;
use crate::pages::companies::CompanyFields;
use crate::pages::form_outcome::form_outcome;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn EditCompanyPage() -> impl IntoView {
    let t = use_t();
    let id = super::area_routes::record_id();
    let company = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_company(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let choices = Resource::new(|| (), |_| get_person_form_choices());
    view! {
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                let teams = choices.await.map(|c| c.teams).unwrap_or_default();
                match company.await {
                    Ok(c) if c.may_edit => Either::Left(view! { <EditForm company=c teams/> }),
                    result => {
                        let e = result.err().unwrap_or(AppError::Forbidden);
                        #[cfg(feature = "ssr")]
                        crate::pages::person::set_page_status(e.status());
                        let message = match e {
                            AppError::NotFound => t.company_not_found.to_string(),
                            AppError::Forbidden => t.company_forbidden_body.to_string(),
                            e => e.message(t),
                        };
                        Either::Right(view! {
                            <Title text=t.companies_title/>
                            <h1>{t.companies_title}</h1>
                            <p role="alert">{message}</p>
                            <p><a href="/companies">{t.companies_title}</a></p>
                        })
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn EditForm(company: CompanyDetail, teams: Vec<(i64, String)>) -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(EDIT_COMPANY_FORM);
    let typed: Option<CompanyForm> = outcome
        .value
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok());
    let conflict = outcome.changed_meanwhile();
    let c = &company.summary;
    // What the form shows: what was typed if a save came back, else the
    // company as stored.
    let shown = typed.unwrap_or_else(|| CompanyForm {
        id: c.id.to_string(),
        version: company.version.to_string(),
        name: c.name.clone(),
        legal_id: Some(company.legal_id.clone()),
        domain: Some(c.domain.clone()),
        sector: Some(c.sector.clone()),
        size: c.size.map(|s| s.key().to_string()),
        address: Some(company.address.clone()),
        team_id: company.team_id.map(|t| t.to_string()),
    });
    let unknown = |v: &str| {
        if v.is_empty() {
            t.company_unknown.to_string()
        } else {
            v.to_string()
        }
    };
    let theirs = conflict.then(|| {
        view! {
            <section class="card wide conflict" aria-labelledby="their-version">
                <p class="form-error" role="alert">{t.err_changed_meanwhile}</p>
                <h2 id="their-version">{t.person_their_version}</h2>
                <dl class="facts">
                    <dt>{t.company_name}</dt><dd>{c.name.clone()}</dd>
                    <dt>{t.company_legal_id}</dt><dd>{unknown(&company.legal_id)}</dd>
                    <dt>{t.company_domain}</dt><dd>{unknown(&c.domain)}</dd>
                    <dt>{t.company_sector}</dt><dd>{unknown(&c.sector)}</dd>
                    <dt>{t.company_size}</dt>
                    <dd>{c.size.map(|s| (t.company_size_name)(s).to_string()).unwrap_or_else(|| t.company_unknown.to_string())}</dd>
                    <dt>{t.company_address}</dt><dd>{unknown(&company.address)}</dd>
                    <dt>{t.person_team}</dt><dd>{c.team_name.clone().unwrap_or_else(|| t.person_no_team.to_string())}</dd>
                </dl>
                <p class="help">{t.person_your_version_help}</p>
            </section>
        }
    });
    let title = (t.person_edit_title)(&c.name);
    let team_typed = shown.team_id.clone().unwrap_or_default();
    let team_error = outcome.field_message(t, "team_id");
    let general = outcome.general_error();
    // The current team stays a choice even when the editor is not in it.
    let current_team = company
        .team_id
        .filter(|id| !teams.iter().any(|(t, _)| t == id))
        .map(|id| (id, c.team_name.clone().unwrap_or_default()));
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        {general.map(|e| view! { <p class="form-error" role="alert">{e.message(t)}</p> })}
        {theirs}
        <form method="post" action=UpdateCompany::PATH class="stack card wide" aria-label=t.person_edit>
            <input type="hidden" name="id" value=c.id.to_string()/>
            // After a conflict the next save is made knowingly, on the
            // version just shown.
            <input type="hidden" name="version" value=company.version.to_string()/>
            <CompanyFields shown outcome folded=false>
                <div class="field">
                    <label for="team">{t.person_team}</label>
                    <select id="team" name="team_id" aria-describedby="team-error">
                        <option value="">{t.person_no_team}</option>
                        {current_team.into_iter().chain(teams).map(|(id, name)| view! {
                            <option value=id.to_string() selected=team_typed == id.to_string()>{name}</option>
                        }).collect_view()}
                    </select>
                    <p id="team-error" class="field-error">{team_error}</p>
                </div>
            </CompanyFields>
            <p class="help">{t.company_edit_help}</p>
            <div class="actions">
                <button type="submit" class="primary">{t.person_edit_save}</button>
                <a class="button" href=format!("/companies/{}", c.id)>{t.company_back}</a>
            </div>
        </form>
    }
}
