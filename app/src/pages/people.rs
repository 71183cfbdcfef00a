use crate::api::people::{CREATE_PERSON_FORM, PAGE_SIZE};
use crate::api::{CreatePerson, get_person, get_person_form_choices, list_people, search_people};
use crate::components::field::Field;
use crate::components::organisation_state::MeResource;
use crate::domain::{LegalBasis, PersonDetail, PersonKind, PersonStatus, PersonSummary, Source};
use crate::error::AppError;
use crate::i18n::use_t;
use crate::pages::form_outcome::form_outcome;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn day(at: &chrono::DateTime<chrono::Utc>) -> String {
    crate::time_format::minutes(at)[..10].to_string()
}

/// The people the user may see, newest first, fifty at a time (a plain
/// link to the next page, so it works without JavaScript).
#[component]
pub fn PeoplePage() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    let before = move || {
        query
            .with(|q| q.get("before"))
            .and_then(|b| b.parse::<i64>().ok())
    };
    let search = move || query.with(|q| q.get("q")).filter(|q| !q.trim().is_empty());
    let people = Resource::new(
        move || (search(), before()),
        |(q, before)| async move {
            match q {
                Some(q) => search_people(q).await,
                None => list_people(before).await,
            }
        },
    );
    let may_create = move || {
        use_context::<MeResource>().and_then(|me| {
            me.0.get().and_then(|r| r.ok()).flatten().map(|me| {
                !matches!(
                    me.role,
                    crate::domain::Role::Dpo | crate::domain::Role::Readonly
                )
            })
        })
    };
    view! {
        <Title text=t.nav_contacts/>
        <h1>{t.nav_contacts}</h1>
        <p class="lede">{t.people_intro}</p>
        <Transition fallback=|| ()>
            {move || may_create().unwrap_or(false).then(|| view! {
                <p><a class="button primary" href="/contacts/new">{t.people_new}</a></p>
            })}
        </Transition>
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                let searched = search();
                let heading = searched.clone().map(|q| view! { <h2>{(t.search_results)(&q)}</h2> });
                match people.await {
                    Ok(list) if list.is_empty() => EitherOf3::A(view! {
                        {heading}
                        <p class="notice">{if searched.is_some() { t.search_none } else { t.people_empty }}</p>
                    }),
                    Ok(list) => EitherOf3::B(view! { {heading} <PeopleTable people=list/> }),
                    Err(e) => EitherOf3::C(view! { <p class="form-error" role="alert">{e.message(t)}</p> }),
                }
            })}
        </Transition>
    }
}

#[component]
fn PeopleTable(people: Vec<PersonSummary>) -> impl IntoView {
    let t = use_t();
    let next = (people.len() as u32 == PAGE_SIZE)
        .then(|| people.last().map(|p| p.id))
        .flatten();
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">{t.person_name}</th>
                    <th scope="col">{t.email_label}</th>
                    <th scope="col">{t.person_status}</th>
                    <th scope="col">{t.person_owner}</th>
                    <th scope="col">{t.person_team}</th>
                    <th scope="col">{t.person_created_at}</th>
                </tr>
            </thead>
            <tbody>
                {people
                    .into_iter()
                    .map(|p| view! {
                        <tr>
                            <td><a href=format!("/contacts/{}", p.id)>{format!("{} {}", p.first_name, p.last_name).trim().to_string()}</a></td>
                            <td>{p.email.unwrap_or_default()}</td>
                            <td>{(t.person_status_name)(p.status)}</td>
                            <td>{p.owner_name}</td>
                            <td>{p.team_name.unwrap_or_else(|| "—".into())}</td>
                            <td>{day(&p.created_at)}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
        {next.map(|id| view! { <p><a href=format!("/contacts?before={id}")>{t.people_more}</a></p> })}
    }
}

/// One person: identity, contact details, provenance and legal bases. A
/// person of another team answers 403 with an explanation (the attempt is
/// in the access log).
#[component]
pub fn PersonPage() -> impl IntoView {
    let t = use_t();
    let params = use_params_map();
    let id = move || {
        params
            .with(|p| p.get("id"))
            .and_then(|v| v.parse::<i64>().ok())
    };
    let person = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_person(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match person.await {
                    Ok(p) => EitherOf3::A(view! { <PersonView person=p/> }),
                    Err(AppError::Forbidden) => {
                        #[cfg(feature = "ssr")]
                        set_page_status(403);
                        EitherOf3::B(view! {
                            <Title text=t.person_forbidden_title/>
                            <h1>{t.person_forbidden_title}</h1>
                            <p role="alert">{t.person_forbidden_body}</p>
                            <p><a href="/contacts">{t.people_title}</a></p>
                        })
                    }
                    Err(e) => {
                        #[cfg(feature = "ssr")]
                        set_page_status(e.status());
                        let message = if e == AppError::NotFound { t.person_not_found.to_string() } else { e.message(t) };
                        EitherOf3::C(view! {
                            <Title text=t.people_title/>
                            <h1>{t.people_title}</h1>
                            <p role="alert">{message}</p>
                        })
                    }
                }
            })}
        </Transition>
    }
}

/// Gives the page being rendered this HTTP status.
#[cfg(feature = "ssr")]
fn set_page_status(status: u16) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
}

#[component]
fn PersonView(person: PersonDetail) -> impl IntoView {
    let t = use_t();
    let name = format!("{} {}", person.first_name, person.last_name)
        .trim()
        .to_string();
    view! {
        <Title text=name.clone()/>
        <h1>{name}</h1>
        <p class="lede">
            {(t.person_kind_name)(person.kind)} " · " {(t.person_status_name)(person.status)}
            {(!person.job_title.is_empty()).then(|| format!(" · {}", person.job_title))}
        </p>
        <section class="card wide" aria-labelledby="contact-title">
            <h2 id="contact-title">{t.email_label}</h2>
            <dl class="facts">
                {person.emails.into_iter().map(|(a, k)| view! {
                    <dt>{t.email_label}</dt><dd>{a} " (" {(t.person_email_kind_name)(k)} ")"</dd>
                }).collect_view()}
                {person.phones.into_iter().map(|n| view! {
                    <dt>{t.person_phone}</dt><dd>{n}</dd>
                }).collect_view()}
                <dt>{t.person_owner}</dt><dd>{person.owner_name}</dd>
                <dt>{t.person_team}</dt><dd>{person.team_name.unwrap_or_else(|| t.person_no_team.to_string())}</dd>
                <dt>{t.person_last_inbound}</dt>
                <dd>{person.last_inbound_at.map(|a| day(&a)).unwrap_or_else(|| t.person_never.to_string())}</dd>
            </dl>
        </section>
        <section class="card wide" aria-labelledby="provenance-title">
            <h2 id="provenance-title">{t.person_provenance}</h2>
            <dl class="facts">
                <dt>{t.person_source}</dt><dd>{(t.person_source_name)(person.source)}</dd>
                <dt>{t.person_collected_at}</dt><dd>{day(&person.collected_at)}</dd>
                <dt>{t.person_entered_by}</dt><dd>{person.entered_by_name.unwrap_or_else(|| "—".into())}</dd>
                {(!person.supplier.is_empty()).then(|| view! { <dt>{t.person_supplier}</dt><dd>{person.supplier.clone()}</dd> })}
                {(!person.contract_ref.is_empty()).then(|| view! { <dt>{t.person_contract}</dt><dd>{person.contract_ref.clone()}</dd> })}
            </dl>
            <h3>{t.person_legal_bases}</h3>
            <dl class="facts">
                {person.legal_bases.into_iter().map(|(purpose, basis)| view! {
                    <dt>{(t.purpose_name)(purpose)}</dt><dd>{(t.legal_basis_name)(basis)}</dd>
                }).collect_view()}
            </dl>
        </section>
    }
}

/// Entering a person by hand: the few fields most entries need, provenance
/// defaulted (manual entry, today, by the user) and the legal basis asked.
#[component]
pub fn NewPersonPage() -> impl IntoView {
    let t = use_t();
    let choices = Resource::new(|| (), |_| get_person_form_choices());
    let outcome = form_outcome(CREATE_PERSON_FORM);
    let error = outcome.error.clone();
    let field_error = move |field: &str| {
        error
            .as_ref()
            .and_then(|e| e.problem_for(field))
            .map(|p| p.message(t))
    };
    let general = outcome
        .error
        .clone()
        .filter(|e| !matches!(e, AppError::Validation { .. }));
    let basis_error = field_error("prospecting_basis");
    let team_error = field_error("team_id");
    let source_error = field_error("source");
    let collected_error = field_error("collected_on");
    view! {
        <Title text=t.people_new/>
        <h1>{t.people_new}</h1>
        {general.map(|e| view! { <p class="form-error" role="alert">{e.message(t)}</p> })}
        <form method="post" action=CreatePerson::PATH class="stack card wide" aria-label=t.people_new>
            <Field id="first-name" name="first_name" label=t.person_first_name kind="text" autocomplete="off"
                error=field_error("first_name") value=String::new() optional=true/>
            <Field id="last-name" name="last_name" label=t.person_last_name kind="text" autocomplete="off"
                error=field_error("last_name") value=String::new()/>
            <div class="field">
                <label for="kind">{t.person_kind}</label>
                <select id="kind" name="kind">
                    {PersonKind::ALL.iter().map(|k| view! { <option value=k.key()>{(t.person_kind_name)(*k)}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="status">{t.person_status}</label>
                <select id="status" name="status">
                    {PersonStatus::ALL.iter().map(|s| view! { <option value=s.key()>{(t.person_status_name)(*s)}</option> }).collect_view()}
                </select>
            </div>
            <Field id="job-title" name="job_title" label=t.person_job_title kind="text" autocomplete="off"
                error=field_error("job_title") value=String::new() optional=true/>
            <Field id="person-email" name="email" label=t.person_email kind="email" autocomplete="off"
                error=field_error("email") value=String::new() optional=true/>
            <Field id="person-phone" name="phone" label=t.person_phone kind="tel" autocomplete="off"
                error=field_error("phone") value=String::new() optional=true/>
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
                    <select id="source" name="source" aria-describedby="source-error">
                        {[Source::Manual, Source::Import].iter().map(|s| view! { <option value=s.key()>{(t.person_source_name)(*s)}</option> }).collect_view()}
                    </select>
                    <p id="source-error" class="field-error">{source_error}</p>
                </div>
                <div class="field">
                    <label for="collected-on">{t.person_collected_at}</label>
                    <input id="collected-on" name="collected_on" type="date" aria-describedby="collected-on-error"/>
                    <p id="collected-on-error" class="field-error">{collected_error}</p>
                </div>
                <Field id="supplier" name="supplier" label=t.person_supplier kind="text" autocomplete="off"
                    error=field_error("supplier") value=String::new() optional=true/>
                <Field id="contract" name="contract_ref" label=t.person_contract kind="text" autocomplete="off"
                    error=field_error("contract_ref") value=String::new() optional=true/>
                <div class="field">
                    <label for="basis">{t.person_basis_prospecting}</label>
                    <select id="basis" name="prospecting_basis" aria-describedby="basis-help basis-error"
                        aria-invalid=if basis_error.is_some() { "true" } else { "false" }>
                        <option value="">{t.person_choose}</option>
                        {LegalBasis::ALL.iter().map(|b| view! { <option value=b.key()>{(t.legal_basis_name)(*b)}</option> }).collect_view()}
                    </select>
                    <p id="basis-help" class="help">{t.person_basis_help}</p>
                    <p id="basis-error" class="field-error">{basis_error}</p>
                </div>
            </fieldset>
            <div class="actions">
                <button type="submit" class="primary">{t.person_save}</button>
            </div>
        </form>
    }
}
