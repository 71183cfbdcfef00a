use crate::api::people::{CREATE_PERSON_FORM, NewPersonForm, PAGE_SIZE};
use crate::api::preferences::COLUMNS_FORM;
use crate::api::reassign::REASSIGN_FORM;
use crate::api::tags::TAG_FORM;
use crate::api::{
    CreatePerson, get_person_form_choices, list_people, search_companies, search_people,
};
use crate::api::{ReassignPeople, list_owner_choices};
use crate::api::{SetPeopleColumns, TagPeople, get_people_columns, list_tags};
use crate::components::field::Field;
use crate::components::organisation_state::MeResource;
use crate::domain::{CompanySummary, LegalBasis, PersonKind, PersonStatus, PersonSummary, Source};
use crate::domain::{LastContactFilter, PeopleColumn};
use crate::domain::{PeopleListQuery, PeopleSort};
use crate::error::AppError;
use crate::i18n::use_t;
use crate::pages::companies::{CompaniesTable, may_create};
use crate::pages::form_outcome::form_outcome;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

pub(crate) fn day(at: &chrono::DateTime<chrono::Utc>) -> String {
    crate::time_format::minutes(at)[..10].to_string()
}

/// The people the user may see, filtered and sorted by a plain GET form
/// (the list's state is its address: it can be bookmarked and works
/// without JavaScript), fifty at a time.
#[component]
pub fn PeoplePage() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    let list_query = move || {
        query.with(|q| PeopleListQuery {
            status: q.get("status"),
            kind: q.get("kind"),
            source: q.get("source"),
            owner: q.get("owner"),
            team: q.get("team"),
            created_from: q.get("created_from"),
            created_to: q.get("created_to"),
            tag: q.get("tag"),
            contact: q.get("contact"),
            sort: q.get("sort"),
            after: q.get("after"),
        })
    };
    let choices = Resource::new(|| (), |_| get_person_form_choices());
    let tags = Resource::new(|| (), |_| list_tags());
    let columns = Resource::new(|| (), |_| get_people_columns());
    let may = move || {
        use_context::<MeResource>()
            .and_then(|me| me.0.get().and_then(|r| r.ok()).flatten())
            .map(|me| me.may)
    };
    // Only administrators and managers reassign; others never ask.
    let owners = Resource::new(
        move || may().map(|m| m.reassign_people),
        |may| async move {
            match may {
                Some(true) => list_owner_choices().await.ok(),
                _ => None,
            }
        },
    );
    let reassigned = form_outcome(REASSIGN_FORM);
    let tagged = form_outcome(TAG_FORM);
    let columns_saved = form_outcome(COLUMNS_FORM);
    let search = move || query.with(|q| q.get("q")).filter(|q| !q.trim().is_empty());
    let companies = Resource::new(search, |q| async move {
        match q {
            Some(q) => search_companies(q).await,
            None => Ok(vec![]),
        }
    });
    let people = Resource::new(
        move || (search(), list_query()),
        |(q, list)| async move {
            match q {
                Some(q) => search_people(q).await,
                None => list_people(list).await,
            }
        },
    );
    view! {
        <Title text=t.nav_contacts/>
        <h1>{t.nav_contacts}</h1>
        <p class="lede">{t.people_intro}</p>
        <Transition fallback=|| ()>
            {move || may_create().unwrap_or(false).then(|| view! {
                <p><a class="button primary" href="/contacts/new">{t.people_new}</a></p>
            })}
        </Transition>
        {reassigned.saved.then(|| view! { <p class="notice" role="status">{t.people_reassigned}</p> })}
        {reassigned.error.clone().map(|e| view! { <p class="form-error" role="alert">{e.message(t)}</p> })}
        {tagged.saved.then(|| view! { <p class="notice" role="status">{t.tags_changed}</p> })}
        {tagged.error.clone().map(|e| view! { <p class="form-error" role="alert">{e.message(t)}</p> })}
        {columns_saved.saved.then(|| view! { <p class="notice" role="status">{t.people_columns_saved}</p> })}
        {move || search().is_none().then(|| view! { <PeopleFilters current=list_query() choices tags/> })}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let chosen = columns.await.unwrap_or_else(|_| PeopleColumn::DEFAULT.to_vec());
                view! { <ColumnChoice chosen/> }
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
                    Ok(list) => {
                        let owners = owners.await;
                        let shown = columns.await.unwrap_or_else(|_| PeopleColumn::DEFAULT.to_vec());
                        let may_tag = may().is_some_and(|m| m.tag_people);
                        let known = tags.await.unwrap_or_default();
                        let next = (searched.is_none() && list.len() as u32 == PAGE_SIZE)
                            .then(|| list.last().map(|p| list_query().to_query(Some(p.id))))
                            .flatten();
                        EitherOf3::B(view! {
                            {heading}
                            <PeopleTable people=list columns=shown owners may_tag tags=known/>
                            {next.map(|q| view! { <p><a href=format!("/contacts?{q}")>{t.people_more}</a></p> })}
                            {companies}
                        })
                    }
                    Err(e) => EitherOf3::C(view! { <p class="form-error" role="alert">{e.message(t)}</p> }),
                }
            })}
        </Transition>
    }
}

/// The table of people, with the columns the user chose. For those who
/// may tag (and, with `owners`, reassign), each row has a checkbox and the
/// table is a form acting on the selected people.
#[component]
fn PeopleTable(
    people: Vec<PersonSummary>,
    columns: Vec<PeopleColumn>,
    owners: Option<Vec<(i64, String)>>,
    may_tag: bool,
    tags: Vec<(i64, String)>,
) -> impl IntoView {
    let t = use_t();
    let selectable = may_tag || owners.is_some();
    let headers = columns
        .iter()
        .map(|c| view! { <th scope="col">{column_label(t, *c)}</th> })
        .collect_view();
    let table = view! {
        <table class="data">
            <thead>
                <tr>
                    {selectable.then(|| view! { <th scope="col"><span class="visually-hidden">{t.people_select}</span></th> })}
                    <th scope="col">{t.person_name}</th>
                    {headers}
                </tr>
            </thead>
            <tbody>
                {people
                    .into_iter()
                    .enumerate()
                    .map(|(row, p)| {
                        let name = Some(format!("{} {}", p.first_name, p.last_name).trim().to_string())
                            .filter(|n| !n.is_empty())
                            .unwrap_or_else(|| t.person_erased.to_string());
                        let cells = columns.iter().map(|c| view! { <td>{cell(t, *c, &p)}</td> }).collect_view();
                        view! {
                            <tr>
                                {selectable.then(|| view! {
                                    <td><input type="checkbox" name=format!("ids[{row}]") value=p.id.to_string()
                                        aria-label=(t.people_select_one)(&name)/></td>
                                })}
                                <td class="name"><a href=format!("/contacts/{}", p.id)>{name.clone()}</a></td>
                                {cells}
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    };
    if !selectable {
        return table.into_any();
    }
    view! {
        <form method="post" action=TagPeople::PATH aria-label=t.people_selection>
            {table}
            <fieldset class="filters">
                <legend>{t.people_selection}</legend>
                {may_tag.then(|| view! {
                    <div class="field">
                        <label for="bulk-tag">{t.tag_name_label}</label>
                        <input id="bulk-tag" name="tag" type="text" list="known-tags" autocomplete="off"
                            maxlength=crate::domain::TAG_MAX.to_string()/>
                        <datalist id="known-tags">
                            {tags.into_iter().map(|(_, name)| view! { <option value=name/> }).collect_view()}
                        </datalist>
                    </div>
                    <div class="actions">
                        <button type="submit">{t.tag_add}</button>
                        <button type="submit" name="remove" value="1">{t.tag_remove}</button>
                    </div>
                })}
                {owners.map(|owners| view! {
                    <div class="field">
                        <label for="reassign-owner">{t.people_reassign_to}</label>
                        <select id="reassign-owner" name="owner_id">
                            {owners.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="actions">
                        <button type="submit" formaction=ReassignPeople::PATH>{t.people_reassign}</button>
                    </div>
                })}
            </fieldset>
        </form>
    }
    .into_any()
}

fn column_label(t: &'static crate::i18n::Catalogue, column: PeopleColumn) -> &'static str {
    match column {
        PeopleColumn::Email => t.email_label,
        PeopleColumn::Company => t.company_of_person,
        PeopleColumn::Status => t.person_status,
        PeopleColumn::Owner => t.person_owner,
        PeopleColumn::Team => t.person_team,
        PeopleColumn::Created => t.person_created_at,
        PeopleColumn::LastContact => t.person_last_inbound,
        PeopleColumn::Tags => t.tags_title,
    }
}

fn cell(t: &'static crate::i18n::Catalogue, column: PeopleColumn, p: &PersonSummary) -> AnyView {
    match column {
        PeopleColumn::Email => p.email.clone().unwrap_or_default().into_any(),
        PeopleColumn::Company => p.company_name.clone().unwrap_or_default().into_any(),
        PeopleColumn::Status => (t.person_status_name)(p.status).into_any(),
        PeopleColumn::Owner => p.owner_name.clone().into_any(),
        PeopleColumn::Team => p.team_name.clone().unwrap_or_else(|| "—".into()).into_any(),
        PeopleColumn::Created => day(&p.created_at).into_any(),
        PeopleColumn::LastContact => p
            .last_inbound_at
            .map(|a| day(&a))
            .unwrap_or_else(|| t.person_never.to_string())
            .into_any(),
        PeopleColumn::Tags => view! {
            <ul class="tags">{p.tags.iter().map(|tag| view! { <li>{tag.clone()}</li> }).collect_view()}</ul>
        }
        .into_any(),
    }
}

/// The columns shown, chosen once and remembered for the user (a plain
/// form: it works without JavaScript).
#[component]
fn ColumnChoice(chosen: Vec<PeopleColumn>) -> impl IntoView {
    let t = use_t();
    view! {
        <details class="column-choice">
            <summary>{t.people_columns}</summary>
            <form method="post" action=SetPeopleColumns::PATH aria-label=t.people_columns>
                <fieldset>
                    <legend class="visually-hidden">{t.people_columns}</legend>
                    {PeopleColumn::ALL.iter().enumerate().map(|(i, c)| {
                        let id = format!("column-{}", c.key());
                        view! {
                            <div class="field checkbox">
                                <input id=id.clone() type="checkbox" name=format!("columns[{i}]") value=c.key()
                                    checked=chosen.contains(c)/>
                                <label for=id>{column_label(t, *c)}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <div class="actions"><button type="submit">{t.people_columns_save}</button></div>
            </form>
        </details>
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
            // After the save button, so that Enter in a field still saves.
            <div class="actions">
                <button type="submit" class="primary">{t.person_save}</button>
                {duplicate.map(|id| view! {
                    <button type="submit" name="merge_into" value=id.to_string() aria-describedby="merge-help">{t.duplicate_merge}</button>
                })}
            </div>
            {duplicate.map(|_| view! { <p id="merge-help" class="help">{t.duplicate_merge_help}</p> })}
        </form>
    }
}

/// The filters and order of the list: a GET form, so the choice lives in
/// the address (bookmarkable, shareable, works without JavaScript).
#[component]
fn PeopleFilters(
    current: PeopleListQuery,
    choices: Resource<Result<crate::domain::PersonFormChoices, AppError>>,
    tags: Resource<Result<Vec<(i64, String)>, AppError>>,
) -> impl IntoView {
    let t = use_t();
    let is = |v: &Option<String>, key: &str| v.as_deref() == Some(key);
    let c = current.clone();
    let c_tag = current.tag.clone();
    view! {
        <form class="filters" method="get" action="/contacts" role="search" aria-label=t.people_filters>
            <div class="field">
                <label for="filter-status">{t.person_status}</label>
                <select id="filter-status" name="status">
                    <option value="">{t.leads_all}</option>
                    {PersonStatus::ALL.iter().map(|s| view! { <option value=s.key() selected=is(&c.status, s.key())>{(t.person_status_name)(*s)}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-kind">{t.person_kind}</label>
                <select id="filter-kind" name="kind">
                    <option value="">{t.leads_all}</option>
                    {PersonKind::ALL.iter().map(|k| view! { <option value=k.key() selected=is(&c.kind, k.key())>{(t.person_kind_name)(*k)}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-source">{t.person_source}</label>
                <select id="filter-source" name="source">
                    <option value="">{t.leads_all}</option>
                    {Source::ALL.iter().map(|s| view! { <option value=s.key() selected=is(&c.source, s.key())>{(t.person_source_name)(*s)}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-owner">{t.person_owner}</label>
                <select id="filter-owner" name="owner">
                    <option value="">{t.leads_all}</option>
                    <option value="me" selected=is(&c.owner, "me")>{t.people_owner_me}</option>
                </select>
            </div>
            <div class="field">
                <label for="filter-team">{t.person_team}</label>
                <Transition fallback=|| ()>
                    {move || {
                        let team = current.team.clone();
                        Suspend::new(async move {
                            let teams = choices.await.map(|c| c.teams).unwrap_or_default();
                            view! {
                                <select id="filter-team" name="team">
                                    <option value="">{t.leads_all}</option>
                                    {teams.into_iter().map(|(id, name)| view! {
                                        <option value=id.to_string() selected=team.as_deref() == Some(id.to_string().as_str())>{name}</option>
                                    }).collect_view()}
                                </select>
                            }
                        })
                    }}
                </Transition>
            </div>
            <div class="field">
                <label for="filter-tag">{t.tag_name_label}</label>
                <Transition fallback=|| ()>
                    {move || {
                        let tag = c_tag.clone();
                        Suspend::new(async move {
                            let tags = tags.await.unwrap_or_default();
                            view! {
                                <select id="filter-tag" name="tag">
                                    <option value="">{t.leads_all}</option>
                                    {tags.into_iter().map(|(id, name)| view! {
                                        <option value=id.to_string() selected=tag.as_deref() == Some(id.to_string().as_str())>{name}</option>
                                    }).collect_view()}
                                </select>
                            }
                        })
                    }}
                </Transition>
            </div>
            <div class="field">
                <label for="filter-contact">{t.person_last_inbound}</label>
                <select id="filter-contact" name="contact">
                    <option value="">{t.leads_all}</option>
                    {LastContactFilter::ALL.iter().map(|f| view! { <option value=f.key() selected=is(&c.contact, f.key())>{(t.contact_filter_name)(*f)}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-from">{t.people_created_from}</label>
                <input id="filter-from" name="created_from" type="date" value=c.created_from.clone().unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="filter-to">{t.people_created_to}</label>
                <input id="filter-to" name="created_to" type="date" value=c.created_to.clone().unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="filter-sort">{t.people_sort}</label>
                <select id="filter-sort" name="sort">
                    {PeopleSort::ALL.iter().map(|s| view! { <option value=s.key() selected=is(&c.sort, s.key())>{(t.people_sort_name)(*s)}</option> }).collect_view()}
                </select>
            </div>
            <div class="actions"><button type="submit">{t.people_apply}</button></div>
        </form>
    }
}
