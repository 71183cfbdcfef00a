//! One person's page: identity, contact details, company, provenance and
//! legal bases, and their timeline with the form that logs to it.

use crate::api::{get_person, get_timeline};
use crate::components::record_deals::RecordDeals;
use crate::components::timeline::{LogInteractionForm, TimelineSection};
use crate::domain::{PersonDetail, TimelinePage};
use crate::error::AppError;
use crate::i18n::use_t;
use crate::pages::people::day;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// One person: identity, contact details, provenance and legal bases. A
/// person of another team answers 403 with an explanation (the attempt is
/// in the access log).
#[component]
pub fn PersonPage() -> impl IntoView {
    let t = use_t();
    let id = super::area_routes::record_id();
    let query = use_query_map();
    let before = move || query.with(|q| q.get("timeline_before"));
    // The timeline is asked for only once the record opened: a refused
    // record makes one access-log entry, not two.
    let person = Resource::new(
        move || (id(), before()),
        |(id, before)| async move {
            let id = id.ok_or(AppError::NotFound)?;
            let record = get_person(id).await?;
            let timeline = get_timeline("person".into(), id, before).await;
            Ok::<_, AppError>((record, timeline))
        },
    );
    view! {
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match person.await {
                    Ok((record, timeline)) => EitherOf3::A(view! { <PersonView person=record timeline follows=before().is_none()/> }),
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
pub(crate) fn set_page_status(status: u16) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
}

#[component]
fn PersonView(
    person: PersonDetail,
    timeline: Result<TimelinePage, AppError>,
    follows: bool,
) -> impl IntoView {
    let t = use_t();
    let person_id = person.id;
    // Erasure empties the names; the row stays for the figures.
    let name = Some(
        format!("{} {}", person.first_name, person.last_name)
            .trim()
            .to_string(),
    )
    .filter(|n| !n.is_empty())
    .unwrap_or_else(|| t.person_erased.to_string());
    view! {
        <Title text=name.clone()/>
        <h1>{name}</h1>
        <p class="lede">
            {(t.person_kind_name)(person.kind)} " · " {(t.person_status_name)(person.status)}
            {(!person.job_title.is_empty()).then(|| format!(" · {}", person.job_title))}
        </p>
        {person.rectification.clone().map(|details| view! {
            <p class="notice" role="note">{(t.person_rectification_open)(&details)}</p>
        })}
        <PersonRights person_id restricted_ms=person.restricted_ms objected_ms=person.objected_ms suppressed=person.suppressed/>
        <div class="actions record-actions">
            {(person.may_edit || person.rectification.is_some()).then(|| view! {
                <a class="button" href=format!("/contacts/{}/edit", person.id)>{t.person_edit}</a>
            })}
            {person.may_restrict.then(|| view! { <RestrictButton person_id restricted=person.restricted_ms.is_some()/> })}
        </div>
        <section class="card wide" aria-labelledby="contact-title">
            <h2 id="contact-title">{t.person_contact_details}</h2>
            <dl class="facts">
                {person.emails.into_iter().map(|(a, k)| view! {
                    <dt>{t.email_label}</dt><dd>{a} " (" {(t.person_email_kind_name)(k)} ")"</dd>
                }).collect_view()}
                {person.phones.into_iter().map(|n| view! {
                    <dt>{t.person_phone_fact}</dt><dd>{n}</dd>
                }).collect_view()}
                {person.company.map(|(id, name)| view! {
                    <dt>{t.company_of_person}</dt><dd><a href=format!("/companies/{id}")>{name}</a></dd>
                })}
                <dt>{t.person_owner}</dt><dd>{person.owner_name}</dd>
                <dt>{t.person_team}</dt><dd>{person.team_name.unwrap_or_else(|| t.person_no_team.to_string())}</dd>
                <dt>{t.person_last_inbound}</dt>
                <dd>{person.last_inbound_at.map(|a| day(&a)).unwrap_or_else(|| t.person_never.to_string())}</dd>
            </dl>
        </section>
        <PersonTags person_id=person.id tags=person.tags may_tag=person.may_edit/>
        <RecordDeals deals=person.deals/>
        <section class="card wide" aria-labelledby="provenance-title">
            <h2 id="provenance-title">{t.person_provenance}</h2>
            <dl class="facts">
                <dt>{t.person_source}</dt><dd>{(t.person_source_name)(person.source)}</dd>
                <dt>{t.person_collected_at}</dt><dd>{day(&person.collected_at)}</dd>
                <dt>{t.person_entered_by}</dt><dd>{person.entered_by_name.unwrap_or_else(|| "—".into())}</dd>
                {(!person.supplier.is_empty()).then(|| view! { <dt>{t.person_supplier}</dt><dd>{person.supplier.clone()}</dd> })}
                {(!person.contract_ref.is_empty()).then(|| view! { <dt>{t.person_contract_fact}</dt><dd>{person.contract_ref.clone()}</dd> })}
            </dl>
            <h3>{t.person_legal_bases}</h3>
            <dl class="facts">
                {person.legal_bases.into_iter().map(|(purpose, basis)| view! {
                    <dt>{(t.purpose_name)(purpose)}</dt><dd>{(t.legal_basis_name)(basis)}</dd>
                }).collect_view()}
            </dl>
        </section>
        <PersonConsents person_id consents=person.consents history=person.consent_history may_export=person.may_export_proof/>
        {person.may_edit.then(|| view! { <LogInteractionForm person_id=person.id/> })}
        <TimelineSection subject="person" id=person_id timeline follows/>
    }
}

/// Where the person's rights stand: a restriction, an objection, a
/// suppression.
#[component]
fn PersonRights(
    person_id: i64,
    restricted_ms: Option<i64>,
    objected_ms: Option<i64>,
    suppressed: bool,
) -> impl IntoView {
    use crate::api::privacy::restriction_form;
    use crate::pages::form_outcome::{form_outcome, general_message};
    let t = use_t();
    let on = |ms: i64| {
        chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
            .map(|a| day(&a))
            .unwrap_or_default()
    };
    // The restriction button's outcome, shown with the notices above it.
    let outcome = form_outcome(&restriction_form(person_id));
    view! {
        {general_message(t, &outcome)}
        {restricted_ms.map(|ms| view! { <p class="notice restricted" role="note">{(t.person_restricted)(&on(ms))}</p> })}
        {objected_ms.map(|ms| view! { <p class="notice" role="note">{(t.person_objected)(&on(ms))}</p> })}
        {(suppressed && objected_ms.is_none()).then(|| view! { <p class="notice restricted" role="note">{t.person_suppressed}</p> })}
    }
}

/// For the DPO: the button that restricts processing, or lifts the
/// restriction (a plain form: it works without JavaScript).
#[component]
fn RestrictButton(person_id: i64, restricted: bool) -> impl IntoView {
    use crate::api::privacy::SetRestriction;
    use leptos::server_fn::ServerFn;
    let t = use_t();
    view! {
        <form method="post" action=SetRestriction::PATH>
            <input type="hidden" name="person_id" value=person_id.to_string()/>
            <input type="hidden" name="restrict" value=(!restricted).to_string()/>
            <button type="submit">{if restricted { t.person_lift_restriction } else { t.person_restrict }}</button>
        </form>
    }
}

/// The person's tags; for those who may tag, a button per tag to take it
/// off and a field to add one (plain forms, as on the list).
#[component]
fn PersonTags(person_id: i64, tags: Vec<String>, may_tag: bool) -> impl IntoView {
    use crate::api::TagPeople;
    use leptos::server_fn::ServerFn;
    let t = use_t();
    let outcome = crate::pages::form_outcome::form_outcome(crate::api::tags::TAG_FORM);
    let error = outcome
        .error
        .as_ref()
        .and_then(|e| e.problem_for("tag"))
        .map(|p| p.message(t));
    let empty = tags.is_empty();
    view! {
        <section class="card wide" aria-labelledby="tags-title">
            <h2 id="tags-title">{t.tags_title}</h2>
            {empty.then(|| view! { <p>{t.tags_none}</p> })}
            <ul class="tags">
                {tags.into_iter().map(|tag| {
                    let label = (t.tag_remove_one)(&tag);
                    view! {
                        <li>
                            {tag.clone()}
                            {may_tag.then(|| view! {
                                <form method="post" action=TagPeople::PATH class="inline">
                                    <input type="hidden" name="ids[0]" value=person_id.to_string()/>
                                    <input type="hidden" name="tag" value=tag.clone()/>
                                    <button type="submit" name="remove" value="1" class="link" aria-label=label.clone() title=label>"×"</button>
                                </form>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {may_tag.then(|| view! {
                <form method="post" action=TagPeople::PATH class="filters" aria-label=t.tag_add>
                    <input type="hidden" name="ids[0]" value=person_id.to_string()/>
                    <div class="field">
                        <label for="person-tag">{t.tag_name_label}</label>
                        <input id="person-tag" name="tag" type="text" autocomplete="off"
                            maxlength=crate::domain::TAG_MAX.to_string() aria-describedby="person-tag-error"
                            value=outcome.value.clone().unwrap_or_default()/>
                        <p id="person-tag-error" class="field-error">{error}</p>
                    </div>
                    <div class="actions"><button type="submit">{t.tag_add}</button></div>
                </form>
            })}
        </section>
    }
}

/// The person's consent per purpose, the ledger's rows about them, and
/// (for the DPO and administrators) the proof to export.
#[component]
fn PersonConsents(
    person_id: i64,
    consents: Vec<crate::domain::consent::ConsentNow>,
    history: Vec<crate::domain::consent::ConsentEntry>,
    may_export: bool,
) -> impl IntoView {
    let t = use_t();
    let when = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|at| crate::time_format::minutes(&at))
            .unwrap_or_default()
    };
    let empty = consents.is_empty();
    view! {
        <section class="card wide" aria-labelledby="consents-title" data-testid="consents">
            <h2 id="consents-title">{t.person_consents}</h2>
            {empty.then(|| view! { <p>{t.person_consents_none}</p> })}
            <dl class="facts">
                {consents.into_iter().map(|c| view! {
                    <dt>{c.purpose_name} " (" {c.channel.label(t)} ")"</dt>
                    <dd data-status=c.status.key()>{c.status.label(t)} " · " {(t.person_consent_since)(&when(c.since_ms))}</dd>
                }).collect_view()}
            </dl>
            {(!history.is_empty()).then(|| view! {
                <details>
                    <summary>{t.person_consent_history}</summary>
                    <table class="consent-history">
                        <thead><tr>
                            <th scope="col">{t.person_consent_when}</th>
                            <th scope="col">{t.person_consent_purpose}</th>
                            <th scope="col">{t.person_consent_event}</th>
                            <th scope="col">{t.person_consent_text}</th>
                            <th scope="col">{t.person_consent_form}</th>
                            <th scope="col">{t.person_consent_hash}</th>
                        </tr></thead>
                        <tbody>
                            {history.into_iter().map(|h| view! {
                                <tr>
                                    <td>{when(h.at_ms)}</td>
                                    <td>{h.purpose_name}</td>
                                    <td>{h.event.label(t)}</td>
                                    <td>{crate::pages::consent_purposes::short_hash(&h.text_sha256)}</td>
                                    <td>{h.form.unwrap_or_else(|| "—".into())}</td>
                                    <td>{crate::pages::consent_purposes::short_hash(&h.hash)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </details>
            })}
            {may_export.then(|| view! {
                <p>
                    <a href=format!("/consent-proof/{person_id}") rel="external">{t.person_consent_proof_html}</a>
                    " · "
                    <a href=format!("/consent-proof/{person_id}/json") rel="external" download="">{t.person_consent_proof_json}</a>
                </p>
            })}
        </section>
    }
}
