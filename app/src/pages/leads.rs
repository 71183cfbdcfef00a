//! Leads: the list (by status), entering one, and a lead's page where it
//! is qualified and converted.

use crate::api::leads::{
    CONVERT_LEAD_FORM, CREATE_LEAD_FORM, NewLeadForm, PAGE_SIZE, UPDATE_LEAD_FORM,
};
use crate::api::{
    ConvertLead, CreateLead, UpdateLead, get_lead, get_person_form_choices, list_leads,
};
use crate::components::field::Field;
use crate::domain::{LeadDetail, LeadStatus, LeadSummary, LegalBasis, PersonKind, Problem, Source};
use crate::error::AppError;
use crate::i18n::use_t;
use crate::pages::companies::may_create;
use crate::pages::form_outcome::{FormOutcome, form_outcome};
use crate::pages::people::day;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn person_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_string()
}

/// The message for `field` in a form's outcome.
fn problem_message(outcome: &FormOutcome, field: &str) -> Option<String> {
    let t = use_t();
    outcome
        .error
        .as_ref()
        .and_then(|e| e.problem_for(field))
        .map(|p| p.message(t))
}

/// The leads the user may see, newest first, filtered by status.
#[component]
pub fn LeadsPage() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    let status = move || query.with(|q| q.get("status")).filter(|s| !s.is_empty());
    let before = move || {
        query
            .with(|q| q.get("before"))
            .and_then(|b| b.parse::<i64>().ok())
    };
    let leads = Resource::new(
        move || (status(), before()),
        |(status, before)| list_leads(status, before),
    );
    view! {
        <Title text=t.leads_title/>
        <h1>{t.leads_title}</h1>
        <p class="lede">{t.leads_intro}</p>
        <Transition fallback=|| ()>
            {move || may_create().unwrap_or(false).then(|| view! {
                <p><a class="button primary" href="/leads/new">{t.leads_new}</a></p>
            })}
        </Transition>
        <nav class="filters" aria-label=t.lead_status>
            <a href="/leads" aria-current=move || status().is_none().then_some("page")>{t.leads_all}</a>
            {LeadStatus::ALL.iter().map(|s| {
                let key = s.key();
                view! {
                    <a href=format!("/leads?status={key}")
                        aria-current=move || (status().as_deref() == Some(key)).then_some("page")>
                        {(t.lead_status_name)(*s)}
                    </a>
                }
            }).collect_view()}
        </nav>
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                let status = status();
                match leads.await {
                    Ok(list) if list.is_empty() => EitherOf3::A(view! { <p class="notice">{t.leads_empty}</p> }),
                    Ok(list) => {
                        let next = (list.len() as u32 == PAGE_SIZE).then(|| list.last().map(|l| l.id)).flatten();
                        let more = next.map(|id| {
                            let status = status.map(|s| format!("status={s}&")).unwrap_or_default();
                            view! { <p><a href=format!("/leads?{status}before={id}")>{t.people_more}</a></p> }
                        });
                        EitherOf3::B(view! { <LeadsTable leads=list/> {more} })
                    }
                    Err(e) => EitherOf3::C(view! { <p class="form-error" role="alert">{e.message(t)}</p> }),
                }
            })}
        </Transition>
    }
}

#[component]
fn LeadsTable(leads: Vec<LeadSummary>) -> impl IntoView {
    let t = use_t();
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">{t.person_name}</th>
                    <th scope="col">{t.company_of_person}</th>
                    <th scope="col">{t.lead_status}</th>
                    <th scope="col">{t.lead_score}</th>
                    <th scope="col">{t.person_source}</th>
                    <th scope="col">{t.person_owner}</th>
                    <th scope="col">{t.person_created_at}</th>
                </tr>
            </thead>
            <tbody>
                {leads.into_iter().map(|l| view! {
                    <tr>
                        <td><a href=format!("/leads/{}", l.id)>{person_name(&l.first_name, &l.last_name)}</a></td>
                        <td>{l.company_name}</td>
                        <td>{(t.lead_status_name)(l.status)}
                            {l.converted_person.map(|_| format!(" · {}", t.lead_converted))}</td>
                        <td>{l.score}</td>
                        <td>{(t.person_source_name)(l.source)}</td>
                        <td>{l.owner_name}</td>
                        <td>{day(&l.created_at)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Entering a lead: a name is enough; the rest is optional.
#[component]
pub fn NewLeadPage() -> impl IntoView {
    let t = use_t();
    let choices = Resource::new(|| (), |_| get_person_form_choices());
    let outcome = form_outcome(CREATE_LEAD_FORM);
    let typed: NewLeadForm = outcome
        .value
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default();
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let err = |field: &str| problem_message(&outcome, field);
    let general = outcome
        .error
        .clone()
        .filter(|e| !matches!(e, AppError::Validation { .. }));
    let basis_error = err("prospecting_basis");
    let team_error = err("team_id");
    let typed_basis = v(&typed.prospecting_basis);
    let typed_kind = v(&typed.kind);
    view! {
        <Title text=t.leads_new/>
        <h1>{t.leads_new}</h1>
        {general.map(|e| view! { <p class="form-error" role="alert">{e.message(t)}</p> })}
        <form method="post" action=CreateLead::PATH class="stack card wide" aria-label=t.leads_new>
            <Field id="first-name" name="first_name" label=t.person_first_name kind="text" autocomplete="off"
                error=err("first_name") value=v(&typed.first_name) optional=true/>
            <Field id="last-name" name="last_name" label=t.person_last_name kind="text" autocomplete="off"
                error=err("last_name") value=typed.last_name.clone()/>
            <Field id="lead-company" name="company_name" label=t.company_of_person kind="text" autocomplete="off"
                error=err("company_name") value=v(&typed.company_name) optional=true/>
            <Field id="lead-email" name="email" label=t.person_email kind="email" autocomplete="off"
                error=err("email") value=v(&typed.email) optional=true/>
            <Field id="lead-phone" name="phone" label=t.person_phone kind="tel" autocomplete="off"
                error=err("phone") value=v(&typed.phone) optional=true/>
            <div class="field">
                <label for="kind">{t.person_kind}</label>
                <select id="kind" name="kind">
                    {PersonKind::ALL.iter().map(|k| view! { <option value=k.key() selected=typed_kind == k.key()>{(t.person_kind_name)(*k)}</option> }).collect_view()}
                </select>
            </div>
            <Field id="lead-score" name="score" label=t.lead_score kind="number" autocomplete="off"
                error=err("score") value=v(&typed.score) optional=true/>
            <div class="field">
                <label for="team">{t.person_team}</label>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let teams = choices.await.map(|c| c.teams).unwrap_or_default();
                        view! {
                            <select id="team" name="team_id" aria-describedby="team-error">
                                <option value="">{t.person_no_team}</option>
                                {teams.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                            </select>
                        }
                    })}
                </Transition>
                <p id="team-error" class="field-error">{team_error}</p>
            </div>
            <fieldset>
                <legend>{t.person_provenance}</legend>
                <div class="field">
                    <label for="source">{t.person_source}</label>
                    <select id="source" name="source">
                        {[Source::Manual, Source::Import].iter().map(|s| view! { <option value=s.key()>{(t.person_source_name)(*s)}</option> }).collect_view()}
                    </select>
                </div>
                <Field id="supplier" name="supplier" label=t.person_supplier kind="text" autocomplete="off"
                    error=err("supplier") value=v(&typed.supplier) optional=true/>
                <Field id="contract" name="contract_ref" label=t.person_contract kind="text" autocomplete="off"
                    error=err("contract_ref") value=v(&typed.contract_ref) optional=true/>
                <div class="field">
                    <label for="basis">{t.person_basis_prospecting}</label>
                    <select id="basis" name="prospecting_basis" aria-describedby="basis-help basis-error"
                        aria-invalid=if basis_error.is_some() { "true" } else { "false" }>
                        <option value="">{t.person_choose}</option>
                        {LegalBasis::ALL.iter().map(|b| view! { <option value=b.key() selected=typed_basis == b.key()>{(t.legal_basis_name)(*b)}</option> }).collect_view()}
                    </select>
                    <p id="basis-help" class="help">{t.person_basis_help}</p>
                    <p id="basis-error" class="field-error">{basis_error}</p>
                </div>
            </fieldset>
            <div class="actions">
                <button type="submit" class="primary">{t.lead_save}</button>
            </div>
        </form>
    }
}

/// One lead: its details, the qualifying form and the conversion.
#[component]
pub fn LeadPage() -> impl IntoView {
    let t = use_t();
    let id = super::area_routes::record_id();
    let lead = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_lead(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match lead.await {
                    Ok(lead) => EitherOf3::A(view! { <LeadView lead/> }),
                    Err(AppError::Forbidden) => {
                        #[cfg(feature = "ssr")]
                        crate::pages::person::set_page_status(403);
                        EitherOf3::B(view! {
                            <Title text=t.person_forbidden_title/>
                            <h1>{t.person_forbidden_title}</h1>
                            <p role="alert">{t.person_forbidden_body}</p>
                        })
                    }
                    Err(e) => {
                        #[cfg(feature = "ssr")]
                        crate::pages::person::set_page_status(e.status());
                        let message = if e == AppError::NotFound { t.lead_not_found.to_string() } else { e.message(t) };
                        EitherOf3::C(view! {
                            <Title text=t.leads_title/>
                            <h1>{t.leads_title}</h1>
                            <p role="alert">{message}</p>
                        })
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn LeadView(lead: LeadDetail) -> impl IntoView {
    let t = use_t();
    let s = lead.summary;
    let name = person_name(&s.first_name, &s.last_name);
    let update = form_outcome(UPDATE_LEAD_FORM);
    let convert = form_outcome(CONVERT_LEAD_FORM);
    let update_error = update.error.as_ref().map(|e| e.message(t));
    let convert_general = convert
        .error
        .as_ref()
        .and_then(|e| match e.problem_for("duplicate") {
            Some(Problem::DuplicateOf { id }) => Some(
                view! {
                    <div class="form-error" role="alert" id="duplicate">
                        <p>{t.err_duplicate}</p>
                        <p><a href=format!("/contacts/{id}")>{t.duplicate_open}</a></p>
                    </div>
                }
                .into_any(),
            ),
            _ if e.problem_for("lead").is_some() => Some(
                view! { <p class="form-error" role="alert">{t.err_already_converted}</p> }
                    .into_any(),
            ),
            Some(_) | None if !matches!(e, AppError::Validation { .. }) => {
                Some(view! { <p class="form-error" role="alert">{e.message(t)}</p> }.into_any())
            }
            _ => None,
        });
    let convert_err = |field: &str| problem_message(&convert, field);
    let may_edit = lead.may_edit && s.converted_person.is_none();
    view! {
        <Title text=name.clone()/>
        <h1>{name}</h1>
        <p class="lede">{(t.lead_status_name)(s.status)} " · " {t.lead_score} " " {s.score}
            {(!s.company_name.is_empty()).then(|| format!(" · {}", s.company_name))}</p>
        {s.converted_person.map(|id| view! {
            <p class="notice">{t.lead_converted} " · " <a href=format!("/contacts/{id}")>{t.lead_open_person}</a></p>
        })}
        <section class="card wide" aria-labelledby="lead-facts">
            <h2 id="lead-facts">{t.person_provenance}</h2>
            <dl class="facts">
                {(!lead.email.is_empty()).then(|| view! { <dt>{t.email_label}</dt><dd>{lead.email.clone()}</dd> })}
                {(!lead.phone.is_empty()).then(|| view! { <dt>{t.person_phone_fact}</dt><dd>{lead.phone.clone()}</dd> })}
                <dt>{t.person_kind}</dt><dd>{(t.person_kind_name)(lead.kind)}</dd>
                <dt>{t.person_source}</dt><dd>{(t.person_source_name)(s.source)}</dd>
                <dt>{t.person_collected_at}</dt><dd>{day(&lead.collected_at)}</dd>
                <dt>{t.person_basis_prospecting}</dt><dd>{(t.legal_basis_name)(lead.prospecting_basis)}</dd>
                <dt>{t.person_owner}</dt><dd>{s.owner_name}</dd>
                <dt>{t.person_team}</dt><dd>{lead.team_name.unwrap_or_else(|| t.person_no_team.to_string())}</dd>
                {(!lead.disqualified_reason.is_empty()).then(|| view! { <dt>{t.lead_reason}</dt><dd>{lead.disqualified_reason.clone()}</dd> })}
            </dl>
        </section>
        {may_edit.then(|| view! {
            <section class="card wide" aria-labelledby="lead-update">
                <h2 id="lead-update">{t.lead_update}</h2>
                {update_error.map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <form method="post" action=UpdateLead::PATH class="stack">
                    <input type="hidden" name="id" value=s.id.to_string()/>
                    <input type="hidden" name="version" value=lead.version.to_string()/>
                    <div class="row">
                        <div class="field">
                            <label for="lead-status">{t.lead_status}</label>
                            <select id="lead-status" name="status">
                                {LeadStatus::ALL.iter().map(|st| view! { <option value=st.key() selected=*st == s.status>{(t.lead_status_name)(*st)}</option> }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="lead-score">{t.lead_score}</label>
                            <input id="lead-score" name="score" type="number" min="0" max="100" value=s.score.to_string()/>
                        </div>
                    </div>
                    <div class="field">
                        <label for="lead-reason">{t.lead_reason}</label>
                        <input id="lead-reason" name="reason" type="text" value=update.value.clone().unwrap_or_default()/>
                    </div>
                    <div class="actions"><button type="submit">{t.lead_update}</button></div>
                </form>
            </section>
            <section class="card wide" aria-labelledby="lead-convert">
                <h2 id="lead-convert">{t.lead_convert}</h2>
                <p class="help">{t.lead_convert_help}</p>
                {convert_general}
                <form method="post" action=ConvertLead::PATH class="stack">
                    <input type="hidden" name="id" value=s.id.to_string()/>
                    <input type="hidden" name="version" value=lead.version.to_string()/>
                    <Field id="deal-title" name="deal_title" label=t.deal_title kind="text" autocomplete="off"
                        error=convert_err("deal_title") value=convert.value.clone().unwrap_or_default() optional=true/>
                    <div class="row">
                        <Field id="deal-amount" name="amount" label=t.deal_amount kind="text" autocomplete="off"
                            error=convert_err("amount") value=String::new() optional=true/>
                        <Field id="deal-currency" name="currency" label=t.deal_currency kind="text" autocomplete="off"
                            error=convert_err("currency") value="EUR".to_string() optional=true/>
                    </div>
                    <div class="actions"><button type="submit" class="primary">{t.lead_convert_button}</button></div>
                </form>
            </section>
        })}
    }
}
