//! Editing a person. When someone else saved first, the page shows their
//! version next to the form, which keeps what this user typed; nothing is
//! overwritten without the user seeing what they replace.

use crate::api::person_edit::{EDIT_PERSON_FORM, EditPersonForm};
use crate::api::{UpdatePerson, get_person, get_person_form_choices};
use crate::components::field::Field;
use crate::domain::{PersonDetail, PersonKind, PersonStatus};
use crate::error::AppError;
use crate::i18n::use_t;
use crate::pages::form_outcome::form_outcome;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn EditPersonPage() -> impl IntoView {
    let t = use_t();
    let id = super::area_routes::record_id();
    let person = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_person(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let choices = Resource::new(|| (), |_| get_person_form_choices());
    view! {
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                let teams = choices.await.map(|c| c.teams).unwrap_or_default();
                match person.await {
                    Ok(p) => Either::Left(view! { <EditForm person=p teams/> }),
                    Err(e) => {
                        #[cfg(feature = "ssr")]
                        crate::pages::person::set_page_status(e.status());
                        Either::Right(view! {
                            <Title text=t.people_title/>
                            <h1>{t.people_title}</h1>
                            <p role="alert">{e.message(t)}</p>
                        })
                    }
                }
            })}
        </Transition>
    }
}

fn full_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_string()
}

#[component]
fn EditForm(person: PersonDetail, teams: Vec<(i64, String)>) -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(EDIT_PERSON_FORM);
    let typed: Option<EditPersonForm> = outcome
        .value
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok());
    let conflict = outcome.changed_meanwhile();
    let err = |field: &str| outcome.field_message(t, field);
    let general = outcome.general_error();
    // What the form shows: what was typed if a save came back, else the
    // record as stored.
    let shown = typed.unwrap_or_else(|| EditPersonForm {
        id: person.id.to_string(),
        version: person.version.to_string(),
        first_name: person.first_name.clone(),
        last_name: person.last_name.clone(),
        kind: person.kind.key().into(),
        status: person.status.key().into(),
        job_title: Some(person.job_title.clone()),
        email: person.emails.first().map(|(a, _)| a.clone()),
        phone: person.phones.first().cloned(),
        company: person.company.as_ref().map(|(_, n)| n.clone()),
        team_id: person.team_id.map(|t| t.to_string()),
    });
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let name = full_name(&person.first_name, &person.last_name);
    let theirs = conflict.then(|| {
        view! {
            <section class="card wide conflict" aria-labelledby="their-version">
                <p class="form-error" role="alert">{t.err_changed_meanwhile}</p>
                <h2 id="their-version">{t.person_their_version}</h2>
                <dl class="facts">
                    <dt>{t.person_name}</dt><dd>{name.clone()}</dd>
                    <dt>{t.person_kind}</dt><dd>{(t.person_kind_name)(person.kind)}</dd>
                    <dt>{t.person_status}</dt><dd>{(t.person_status_name)(person.status)}</dd>
                    <dt>{t.person_job_title}</dt><dd>{person.job_title.clone()}</dd>
                    <dt>{t.email_label}</dt><dd>{person.emails.first().map(|(a, _)| a.clone()).unwrap_or_default()}</dd>
                    <dt>{t.person_phone_fact}</dt><dd>{person.phones.first().cloned().unwrap_or_default()}</dd>
                    <dt>{t.company_of_person}</dt><dd>{person.company.as_ref().map(|(_, n)| n.clone()).unwrap_or_default()}</dd>
                </dl>
                <p class="help">{t.person_your_version_help}</p>
            </section>
        }
    });
    // After a conflict the next save is made knowingly, on the version
    // just shown.
    let version = person.version.to_string();
    let team_typed = v(&shown.team_id);
    view! {
        <Title text=(t.person_edit_title)(&name)/>
        <h1>{(t.person_edit_title)(&name)}</h1>
        {general.map(|e| view! { <p class="form-error" role="alert">{e.message(t)}</p> })}
        {person.rectification.clone().map(|details| view! {
            <p class="notice" role="note">{(t.person_rectification_open)(&details)}</p>
        })}
        {theirs}
        <form method="post" action=UpdatePerson::PATH class="stack card wide" aria-label=t.person_edit>
            <input type="hidden" name="id" value=person.id.to_string()/>
            <input type="hidden" name="version" value=version/>
            <Field id="first-name" name="first_name" label=t.person_first_name kind="text" autocomplete="off"
                error=err("first_name") value=shown.first_name.clone() optional=true/>
            <Field id="last-name" name="last_name" label=t.person_last_name kind="text" autocomplete="off"
                error=err("last_name") value=shown.last_name.clone()/>
            <div class="field">
                <label for="kind">{t.person_kind}</label>
                <select id="kind" name="kind">
                    {PersonKind::ALL.iter().map(|k| view! { <option value=k.key() selected=shown.kind == k.key()>{(t.person_kind_name)(*k)}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="status">{t.person_status}</label>
                <select id="status" name="status">
                    {PersonStatus::ALL.iter().map(|s| view! { <option value=s.key() selected=shown.status == s.key()>{(t.person_status_name)(*s)}</option> }).collect_view()}
                </select>
            </div>
            <Field id="person-company" name="company" label=t.company_of_person kind="text" autocomplete="off"
                error=err("company") value=v(&shown.company) optional=true/>
            <Field id="job-title" name="job_title" label=t.person_job_title kind="text" autocomplete="off"
                error=err("job_title") value=v(&shown.job_title) optional=true/>
            <Field id="person-email" name="email" label=t.person_email kind="email" autocomplete="off"
                error=err("email") value=v(&shown.email) optional=true/>
            <Field id="person-phone" name="phone" label=t.person_phone kind="tel" autocomplete="off"
                error=err("phone") value=v(&shown.phone) optional=true/>
            <div class="field">
                <label for="team">{t.person_team}</label>
                <select id="team" name="team_id" aria-describedby="team-error">
                    <option value="">{t.person_no_team}</option>
                    {person.team_id.filter(|id| !teams.iter().any(|(t, _)| t == id)).map(|id| view! {
                        <option value=id.to_string() selected=team_typed == id.to_string()>{person.team_name.clone().unwrap_or_default()}</option>
                    })}
                    {teams.into_iter().map(|(id, name)| view! { <option value=id.to_string() selected=team_typed == id.to_string()>{name}</option> }).collect_view()}
                </select>
                <p id="team-error" class="field-error">{err("team_id")}</p>
            </div>
            <div class="actions">
                <button type="submit" class="primary">{t.person_edit_save}</button>
            </div>
        </form>
    }
}
