//! Companies: the list, entering one, and a company's page with its
//! people and timeline (editing one: `company_edit.rs`).

use crate::api::companies::{CREATE_COMPANY_FORM, CompanyForm, PAGE_SIZE};
use crate::api::{
    CreateCompany, get_company, get_person_form_choices, get_timeline, list_companies,
};
use crate::components::field::Field;
use crate::components::organisation_state::MeResource;
use crate::components::record_deals::RecordDeals;
use crate::components::timeline::TimelineSection;
use crate::domain::{CompanyDetail, CompanySize, CompanySummary, TimelinePage};
use crate::error::AppError;
use crate::i18n::use_t;
use crate::pages::form_outcome::form_outcome;
use crate::pages::people::day;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Whether the signed-in user's role may enter records.
pub(crate) fn may_create() -> Option<bool> {
    use_context::<MeResource>().and_then(|me| {
        me.0.get().and_then(|r| r.ok()).flatten().map(|me| {
            !matches!(
                me.role,
                crate::domain::Role::Dpo | crate::domain::Role::Readonly
            )
        })
    })
}

/// The companies the user may see, newest first, fifty at a time.
#[component]
pub fn CompaniesPage() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    let before = move || {
        query
            .with(|q| q.get("before"))
            .and_then(|b| b.parse::<i64>().ok())
    };
    let companies = Resource::new(before, list_companies);
    view! {
        <Title text=t.companies_title/>
        <h1>{t.companies_title}</h1>
        <p class="lede">{t.companies_intro}</p>
        <Transition fallback=|| ()>
            {move || may_create().unwrap_or(false).then(|| view! {
                <p><a class="button primary" href="/companies/new">{t.companies_new}</a></p>
            })}
        </Transition>
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match companies.await {
                    Ok(list) if list.is_empty() => EitherOf3::A(view! { <p class="notice">{t.companies_empty}</p> }),
                    Ok(list) => {
                        let next = (list.len() as u32 == PAGE_SIZE).then(|| list.last().map(|c| c.id)).flatten();
                        EitherOf3::B(view! {
                            <CompaniesTable companies=list/>
                            {next.map(|id| view! { <p><a href=format!("/companies?before={id}")>{t.people_more}</a></p> })}
                        })
                    }
                    Err(e) => EitherOf3::C(view! { <p class="form-error" role="alert">{e.message(t)}</p> }),
                }
            })}
        </Transition>
    }
}

/// A table of companies (the list, and search results).
#[component]
pub fn CompaniesTable(companies: Vec<CompanySummary>) -> impl IntoView {
    let t = use_t();
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">{t.company_name}</th>
                    <th scope="col">{t.company_domain}</th>
                    <th scope="col">{t.company_sector}</th>
                    <th scope="col">{t.person_owner}</th>
                    <th scope="col">{t.person_team}</th>
                    <th scope="col">{t.person_created_at}</th>
                </tr>
            </thead>
            <tbody>
                {companies.into_iter().map(|c| view! {
                    <tr>
                        <td><a href=format!("/companies/{}", c.id)>{c.name}</a></td>
                        <td>{c.domain}</td>
                        <td>{c.sector}</td>
                        <td>{c.owner_name}</td>
                        <td>{c.team_name.unwrap_or_else(|| "—".into())}</td>
                        <td>{day(&c.created_at)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// One company: its details, the people who work there, its timeline.
#[component]
pub fn CompanyPage() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    let id = super::area_routes::record_id();
    let before = move || query.with(|q| q.get("timeline_before"));
    // The timeline is asked for only once the record opened: a refused
    // record makes one access-log entry, not two.
    let company = Resource::new(
        move || (id(), before()),
        |(id, before)| async move {
            let id = id.ok_or(AppError::NotFound)?;
            let record = get_company(id).await?;
            let timeline = get_timeline("company".into(), id, before).await;
            Ok::<_, AppError>((record, timeline))
        },
    );
    view! {
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match company.await {
                    Ok((record, timeline)) => EitherOf3::A(view! { <CompanyView company=record timeline follows=before().is_none()/> }),
                    Err(AppError::Forbidden) => {
                        #[cfg(feature = "ssr")]
                        crate::pages::person::set_page_status(403);
                        EitherOf3::B(view! {
                            <Title text=t.person_forbidden_title/>
                            <h1>{t.person_forbidden_title}</h1>
                            <p role="alert">{t.company_forbidden_body}</p>
                            <p><a href="/companies">{t.companies_title}</a></p>
                        })
                    }
                    Err(e) => {
                        #[cfg(feature = "ssr")]
                        crate::pages::person::set_page_status(e.status());
                        let message = if e == AppError::NotFound { t.company_not_found.to_string() } else { e.message(t) };
                        EitherOf3::C(view! {
                            <Title text=t.companies_title/>
                            <h1>{t.companies_title}</h1>
                            <p role="alert">{message}</p>
                        })
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn CompanyView(
    company: CompanyDetail,
    timeline: Result<TimelinePage, AppError>,
    follows: bool,
) -> impl IntoView {
    let t = use_t();
    let c = company.summary;
    let company_id = c.id;
    let or_unknown = move |v: String| {
        if v.is_empty() {
            t.company_unknown.to_string()
        } else {
            v
        }
    };
    view! {
        <Title text=c.name.clone()/>
        <h1>{c.name.clone()}</h1>
        {company.may_edit.then(|| view! {
            <div class="actions record-actions">
                <a class="button" href=format!("/companies/{company_id}/edit")>{t.person_edit}</a>
            </div>
        })}
        <section class="card wide" aria-labelledby="company-facts">
            <h2 id="company-facts" class="visually-hidden">{t.company_name}</h2>
            <dl class="facts">
                <dt>{t.company_legal_id}</dt><dd>{or_unknown(company.legal_id)}</dd>
                <dt>{t.company_domain}</dt><dd>{or_unknown(c.domain)}</dd>
                <dt>{t.company_sector}</dt><dd>{or_unknown(c.sector)}</dd>
                <dt>{t.company_size}</dt>
                <dd>{c.size.map(|s| (t.company_size_name)(s).to_string()).unwrap_or_else(|| t.company_unknown.to_string())}</dd>
                <dt>{t.company_address}</dt><dd>{or_unknown(company.address)}</dd>
                <dt>{t.person_owner}</dt><dd>{c.owner_name}</dd>
                <dt>{t.person_team}</dt><dd>{c.team_name.unwrap_or_else(|| t.person_no_team.to_string())}</dd>
            </dl>
        </section>
        <section class="card wide" aria-labelledby="company-people">
            <h2 id="company-people">{t.company_people}</h2>
            {if company.people.is_empty() {
                view! { <p class="notice">{t.company_no_people}</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {company.people.into_iter().map(|(id, name)| view! {
                            <li><a href=format!("/contacts/{id}")>{name}</a></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <RecordDeals deals=company.deals/>
        <TimelineSection subject="company" id=company_id timeline follows/>
    }
}

/// Entering a company: only the name is required; the rest is folded
/// away until asked for. A refused save gives back everything typed.
#[component]
pub fn NewCompanyPage() -> impl IntoView {
    let t = use_t();
    let choices = Resource::new(|| (), |_| get_person_form_choices());
    let outcome = form_outcome(CREATE_COMPANY_FORM);
    let shown: CompanyForm = outcome
        .value
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default();
    let team_typed = shown.team_id.clone().unwrap_or_default();
    let team_error = outcome.field_message(t, "team_id");
    view! {
        <Title text=t.companies_new/>
        <h1>{t.companies_new}</h1>
        {outcome.general_error().map(|e| view! { <p class="form-error" role="alert">{e.message(t)}</p> })}
        <form method="post" action=CreateCompany::PATH class="stack card wide" aria-label=t.companies_new>
            <CompanyFields shown outcome folded=true>
                <div class="field">
                    <label for="team">{t.person_team}</label>
                    <Transition fallback=|| ()>
                        {move || {
                            let team_typed = team_typed.clone();
                            Suspend::new(async move {
                                let teams = choices.await.map(|c| c.teams).unwrap_or_default();
                                view! {
                                    <select id="team" name="team_id" aria-describedby="team-error">
                                        <option value="">{t.person_no_team}</option>
                                        {teams.into_iter().map(|(id, name)| view! {
                                            <option value=id.to_string() selected=team_typed == id.to_string()>{name}</option>
                                        }).collect_view()}
                                    </select>
                                }
                            })
                        }}
                    </Transition>
                    <p id="team-error" class="field-error">{team_error}</p>
                </div>
            </CompanyFields>
            <div class="actions">
                <button type="submit" class="primary">{t.company_save}</button>
            </div>
        </form>
    }
}

/// A company's fields, new or edited, showing `shown` and the problems of
/// `outcome`; `children` is the team's field, after the name. `folded`:
/// the fields besides the name wait behind "More fields" until asked for
/// (or until one of them has a problem).
#[component]
pub fn CompanyFields(
    shown: CompanyForm,
    outcome: crate::pages::form_outcome::FormOutcome,
    folded: bool,
    children: Children,
) -> impl IntoView {
    let t = use_t();
    let err = |field: &str| outcome.field_message(t, field);
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let size = v(&shown.size);
    let details = view! {
        <Field id="legal-id" name="legal_id" label=t.company_legal_id kind="text" autocomplete="off"
            error=err("legal_id") value=v(&shown.legal_id) optional=true/>
        <Field id="domain" name="domain" label=t.company_domain kind="text" autocomplete="off"
            error=err("domain") value=v(&shown.domain) optional=true/>
        <Field id="sector" name="sector" label=t.company_sector kind="text" autocomplete="off"
            error=err("sector") value=v(&shown.sector) optional=true/>
        <div class="field">
            <label for="size">{t.company_size}</label>
            <select id="size" name="size" aria-describedby="size-error">
                <option value="">{t.company_unknown}</option>
                {CompanySize::ALL.iter().map(|s| view! {
                    <option value=s.key() selected=size == s.key()>{(t.company_size_name)(*s)}</option>
                }).collect_view()}
            </select>
            <p id="size-error" class="field-error">{err("size")}</p>
        </div>
        <Field id="address" name="address" label=t.company_address kind="text" autocomplete="off"
            error=err("address") value=v(&shown.address) optional=true/>
    };
    let open = ["legal_id", "domain", "sector", "size", "address"]
        .iter()
        .any(|f| err(f).is_some());
    view! {
        <Field id="company-name" name="name" label=t.company_name kind="text" autocomplete="off"
            error=err("name") value=shown.name.clone()/>
        {children()}
        {if folded {
            Either::Left(view! {
                <details open=open>
                    <summary>{t.more_fields}</summary>
                    {details}
                </details>
            })
        } else {
            Either::Right(details)
        }}
    }
}
