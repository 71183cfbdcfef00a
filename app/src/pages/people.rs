use crate::api::people::{CREATE_PERSON_FORM, NewPersonForm, PAGE_SIZE};
use crate::api::{
    CreatePerson, get_person_form_choices, list_people, search_companies, search_people,
};
use crate::components::field::Field;
use crate::components::organisation_state::MeResource;
use crate::domain::{CompanySummary, LegalBasis, PersonKind, PersonStatus, PersonSummary, Source};
use crate::error::AppError;
use crate::i18n::use_t;
use crate::pages::companies::CompaniesTable;
use crate::pages::form_outcome::form_outcome;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

pub(crate) fn day(at: &chrono::DateTime<chrono::Utc>) -> String {
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
    let companies = Resource::new(search, |q| async move {
        match q {
            Some(q) => search_companies(q).await,
            None => Ok(vec![]),
        }
    });
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
                let companies: Vec<CompanySummary> = companies.await.unwrap_or_default();
                let companies = (!companies.is_empty()).then(|| view! {
                    <h2>{t.companies_title}</h2>
                    <CompaniesTable companies/>
                });
                match people.await {
                    Ok(list) if list.is_empty() => EitherOf3::A(view! {
                        {heading}
                        {companies.is_none().then(|| view! {
                            <p class="notice">{if searched.is_some() { t.search_none } else { t.people_empty }}</p>
                        })}
                        {companies}
                    }),
                    Ok(list) => EitherOf3::B(view! { {heading} <PeopleTable people=list/> {companies} }),
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
                    <th scope="col">{t.company_of_person}</th>
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
                            <td>{p.company_name.unwrap_or_default()}</td>
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
    // What was typed, kept across a refused post (JSON of the form).
    let typed: NewPersonForm = outcome
        .value
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default();
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let team_typed = v(&typed.team_id);
    let duplicate = outcome
        .error
        .as_ref()
        .and_then(|e| e.problem_for("duplicate"))
        .and_then(|p| match p {
            crate::domain::Problem::DuplicateOf { id } => Some(id),
            _ => None,
        });
    view! {
        <Title text=t.people_new/>
        <h1>{t.people_new}</h1>
        {general.map(|e| view! { <p class="form-error" role="alert">{e.message(t)}</p> })}
        {duplicate.map(|id| view! {
            <div class="form-error" role="alert" id="duplicate">
                <p>{t.err_duplicate}</p>
                <p><a href=format!("/contacts/{id}")>{t.duplicate_open}</a></p>
            </div>
        })}
        <form method="post" action=CreatePerson::PATH class="stack card wide" aria-label=t.people_new>
            {duplicate.map(|_| view! {
                <div class="field checkbox">
                    <input id="allow-duplicate" name="allow_duplicate" type="checkbox" value="1"/>
                    <label for="allow-duplicate">{t.duplicate_create_anyway}</label>
                </div>
            })}
            <Field id="first-name" name="first_name" label=t.person_first_name kind="text" autocomplete="off"
                error=field_error("first_name") value=typed.first_name.clone() optional=true/>
            <Field id="last-name" name="last_name" label=t.person_last_name kind="text" autocomplete="off"
                error=field_error("last_name") value=typed.last_name.clone()/>
            <div class="field">
                <label for="kind">{t.person_kind}</label>
                <select id="kind" name="kind">
                    {PersonKind::ALL.iter().map(|k| view! { <option value=k.key() selected=typed.kind == k.key()>{(t.person_kind_name)(*k)}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="status">{t.person_status}</label>
                <select id="status" name="status">
                    {PersonStatus::ALL.iter().map(|s| view! { <option value=s.key() selected=typed.status == s.key()>{(t.person_status_name)(*s)}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="person-company">{t.company_of_person}</label>
                <input id="person-company" name="company" type="text" autocomplete="off" value=v(&typed.company)
                    aria-describedby="person-company-help person-company-error"/>
                <p id="person-company-help" class="help">{t.company_of_person_help}</p>
                <p id="person-company-error" class="field-error">{field_error("company")}</p>
            </div>
            <Field id="job-title" name="job_title" label=t.person_job_title kind="text" autocomplete="off"
                error=field_error("job_title") value=v(&typed.job_title) optional=true/>
            <Field id="person-email" name="email" label=t.person_email kind="email" autocomplete="off"
                error=field_error("email") value=v(&typed.email) optional=true/>
            <Field id="person-phone" name="phone" label=t.person_phone kind="tel" autocomplete="off"
                error=field_error("phone") value=v(&typed.phone) optional=true/>
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
                                {teams.into_iter().map(|(id, name)| view! { <option value=id.to_string() selected=team_typed == id.to_string()>{name}</option> }).collect_view()}
                            </select>
                        }
                    })}}
                </Transition>
                <p id="team-error" class="field-error">{team_error}</p>
            </div>
            <fieldset>
                <legend>{t.person_provenance}</legend>
                <div class="field">
                    <label for="source">{t.person_source}</label>
                    <select id="source" name="source" aria-describedby="source-error">
                        {[Source::Manual, Source::Import].iter().map(|s| view! { <option value=s.key() selected=v(&typed.source) == s.key()>{(t.person_source_name)(*s)}</option> }).collect_view()}
                    </select>
                    <p id="source-error" class="field-error">{source_error}</p>
                </div>
                <div class="field">
                    <label for="collected-on">{t.person_collected_at}</label>
                    <input id="collected-on" name="collected_on" type="date" value=v(&typed.collected_on) aria-describedby="collected-on-error"/>
                    <p id="collected-on-error" class="field-error">{collected_error}</p>
                </div>
                <Field id="supplier" name="supplier" label=t.person_supplier kind="text" autocomplete="off"
                    error=field_error("supplier") value=v(&typed.supplier) optional=true/>
                <Field id="contract" name="contract_ref" label=t.person_contract kind="text" autocomplete="off"
                    error=field_error("contract_ref") value=v(&typed.contract_ref) optional=true/>
                <div class="field">
                    <label for="basis">{t.person_basis_prospecting}</label>
                    <select id="basis" name="prospecting_basis" aria-describedby="basis-help basis-error"
                        aria-invalid=if basis_error.is_some() { "true" } else { "false" }>
                        <option value="">{t.person_choose}</option>
                        {LegalBasis::ALL.iter().map(|b| view! { <option value=b.key() selected=v(&typed.prospecting_basis) == b.key()>{(t.legal_basis_name)(*b)}</option> }).collect_view()}
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
