use super::area::{Area, AreaPage};
use super::form_outcome::{form_outcome, general_message};
use crate::api::privacy::{
    CloseRequest, EraseForRequest, ExtendRequest, NOTICE_FORM, RegisterView, RestrictForRequest,
    SaveNotice, SendArchive, get_requests, request_form,
};
use crate::api::search_access_log;
use crate::domain::AccessLogEntry;
use crate::domain::privacy::{RequestKind, RequestStatus, RequestView, Urgency, field_label};
use crate::error::AppError;
use crate::i18n::use_t;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

/// The privacy area. For the DPO and administrators it holds the register
/// of requests from the privacy portal, what the public notice says, and
/// the access log, filtered by a plain GET form (everything works without
/// JavaScript).
#[component]
pub fn PrivacyOfficePage() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name)).filter(|v| !v.trim().is_empty());
    let entries = Resource::new(
        move || (param("user"), param("record"), param("from"), param("to")),
        |(user, record, from, to)| search_access_log(user, record, from, to),
    );
    let value = move |name: &'static str| param(name).unwrap_or_default();
    view! {
        <AreaPage area=Area::Privacy/>
        <RequestRegister/>
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    // Other roles do not see the access log at all.
                    Err(AppError::Forbidden) => ().into_any(),
                    result => view! {
                        <section class="card wide" aria-labelledby="access-log-title">
                            <h2 id="access-log-title">{t.access_log_title}</h2>
                            <p class="help">{t.access_log_intro}</p>
                            <form method="get" action="/privacy-office" class="filters">
                                <div class="field">
                                    <label for="f-user">{t.access_log_user}</label>
                                    <input id="f-user" name="user" type="text" value=value("user")/>
                                </div>
                                <div class="field">
                                    <label for="f-record">{t.access_log_record}</label>
                                    <input id="f-record" name="record" type="text" value=value("record") aria-describedby="f-record-help"/>
                                    <p id="f-record-help" class="help">{t.access_log_record_help}</p>
                                </div>
                                <div class="field">
                                    <label for="f-from">{t.access_log_from}</label>
                                    <input id="f-from" name="from" type="date" value=value("from")/>
                                </div>
                                <div class="field">
                                    <label for="f-to">{t.access_log_to}</label>
                                    <input id="f-to" name="to" type="date" value=value("to")/>
                                </div>
                                <div class="actions"><button type="submit">{t.access_log_filter}</button></div>
                            </form>
                            {match result {
                                Ok(list) if list.is_empty() => Either::Left(view! { <p class="notice">{t.access_log_empty}</p> }.into_any()),
                                Ok(list) => Either::Left(view! { <AccessLogTable entries=list/> }.into_any()),
                                Err(e) => Either::Right(view! { <p class="form-error" role="alert">{e.message(t)}</p> }),
                            }}
                        </section>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccessLogTable(entries: Vec<AccessLogEntry>) -> impl IntoView {
    let t = use_t();
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">{t.access_log_when}</th>
                    <th scope="col">{t.access_log_user}</th>
                    <th scope="col">{t.access_log_action}</th>
                    <th scope="col">{t.access_log_record}</th>
                    <th scope="col">{t.access_log_outcome}</th>
                    <th scope="col">{t.session_address}</th>
                </tr>
            </thead>
            <tbody>
                {entries
                    .into_iter()
                    .map(|e| {
                        let record = if e.record_id.is_empty() { e.record_type.clone() } else { format!("{}:{}", e.record_type, e.record_id) };
                        view! {
                            <tr class=if e.allowed { "" } else { "refused" }>
                                <td>{format!("{} UTC", crate::time_format::seconds(&e.at))}</td>
                                <td>{e.user_email.clone()}</td>
                                <td>{e.action.clone()}</td>
                                <td>{record}</td>
                                <td>{if e.allowed { t.access_log_allowed } else { t.access_log_refused }}</td>
                                <td>{e.client_addr.clone()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// The register of requests: the queue, soonest due first, overdue ones
/// marked; each open request's actions; the notice's settings.
#[component]
fn RequestRegister() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    let closed = move || query.with(|q| q.get("closed").is_some_and(|v| v == "1"));
    let register = Resource::new(closed, get_requests);
    view! {
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match register.await {
                    Err(AppError::Forbidden) => ().into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.message(t)}</p> }.into_any(),
                    Ok(view) => view! { <Register view closed=closed()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Register(view: RegisterView, closed: bool) -> impl IntoView {
    let t = use_t();
    let RegisterView {
        requests,
        now_ms,
        contact,
        location,
        runs,
        health,
    } = view;
    let notice = form_outcome(NOTICE_FORM);
    let contact_error = notice.field_message(t, "contact");
    let location_error = notice.field_message(t, "location");
    view! {
        <section class="card wide" aria-labelledby="requests-title">
            <h2 id="requests-title">{t.requests_title}</h2>
            <p class="help">{t.requests_intro} " " <a href="/privacy">"/privacy"</a></p>
            <form method="get" action="/privacy-office" class="inline">
                <input type="checkbox" id="requests-closed" name="closed" value="1" checked=closed/>
                <label for="requests-closed">{t.requests_show_closed}</label>
                " " <button type="submit">{t.access_log_filter}</button>
            </form>
            {if requests.is_empty() {
                view! { <p class="notice">{t.requests_empty}</p> }.into_any()
            } else {
                view! {
                    <table class="data requests">
                        <thead>
                            <tr>
                                <th scope="col">{t.requests_col_due}</th>
                                <th scope="col">{t.requests_col_kind}</th>
                                <th scope="col">{t.requests_col_requester}</th>
                                <th scope="col">{t.requests_col_person}</th>
                                <th scope="col">{t.requests_col_status}</th>
                                <th scope="col">{t.requests_col_received}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {requests.into_iter().map(|r| view! { <RequestRow request=r now_ms/> }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
        </section>
        <section class="card wide" aria-labelledby="health-title">
            <h2 id="health-title">{t.health_title}</h2>
            <p class="help">{t.health_intro}</p>
            <dl class="facts health">
                {[
                    (t.health_past_due, health.past_due),
                    (t.health_near_due, health.near_due),
                    (t.health_without_basis, health.without_basis),
                    (t.health_stale, health.stale),
                    (t.health_bouncing, health.bouncing),
                ]
                    .into_iter()
                    .map(|(label, count)| view! { <dt>{label}</dt><dd data-count=count.to_string()>{count}</dd> })
                    .collect_view()}
            </dl>
        </section>
        <section class="card wide" aria-labelledby="retention-title">
            <h2 id="retention-title">{t.retention_title}</h2>
            <p class="help">{t.retention_intro}</p>
            {if runs.is_empty() {
                view! { <p class="notice">{t.retention_empty}</p> }.into_any()
            } else {
                view! {
                    <table class="data">
                        <thead>
                            <tr>
                                <th scope="col">{t.retention_col_started}</th>
                                <th scope="col">{t.retention_col_as_of}</th>
                                <th scope="col">{t.retention_col_due}</th>
                                <th scope="col">{t.retention_col_erased}</th>
                                <th scope="col">{t.retention_col_held}</th>
                                <th scope="col">{t.retention_col_asked}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {runs.into_iter().map(|r| view! {
                                <tr>
                                    <td>
                                        {date(r.started_ms)}
                                        {r.dry_run.then(|| format!(" ({})", t.retention_dry_run))}
                                        {r.finished_ms.is_none().then(|| format!(" ({})", t.retention_running))}
                                    </td>
                                    <td>{r.as_of}</td>
                                    <td>{r.due}</td>
                                    <td>{r.erased}</td>
                                    <td>{r.held}</td>
                                    <td>{r.asked}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
        </section>
        <section class="card wide" aria-labelledby="notice-title">
            <h2 id="notice-title">{t.privacy_title}</h2>
            {general_message(t, &notice)}
            <form method="post" action=SaveNotice::PATH class="stack">
                <div class="field">
                    <label for="notice-contact">{t.privacy_contact_label}</label>
                    <input id="notice-contact" name="contact" type="text" value=contact aria-invalid=contact_error.is_some().then_some("true") aria-describedby="notice-contact-error"/>
                    <p class="field-error" id="notice-contact-error">{contact_error}</p>
                </div>
                <div class="field">
                    <label for="notice-location">{t.privacy_location_label}</label>
                    <input id="notice-location" name="location" type="text" value=location aria-invalid=location_error.is_some().then_some("true") aria-describedby="notice-location-error"/>
                    <p class="field-error" id="notice-location-error">{location_error}</p>
                </div>
                <div class="actions"><button type="submit">{t.save}</button></div>
            </form>
        </section>
    }
}

fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|at| crate::time_format::minutes(&at))
        .unwrap_or_default()
}

#[component]
fn RequestRow(request: RequestView, now_ms: i64) -> impl IntoView {
    let t = use_t();
    let open = request.status == RequestStatus::Open;
    let urgency = request.urgency(now_ms);
    let due_note = match (open, urgency) {
        (false, _) => None,
        (true, Urgency::Overdue) => Some(t.requests_overdue.to_string()),
        (true, Urgency::TwoDays | Urgency::SevenDays) => Some((t.requests_due_in)(
            (request.due_ms - now_ms).div_euclid(86_400_000) + 1,
        )),
        (true, Urgency::Later) => None,
    };
    let class = match (open, urgency) {
        (true, Urgency::Overdue) => "overdue",
        (true, Urgency::TwoDays) => "due-soon",
        _ => "",
    };
    let person = match (request.person_id, request.person_name.clone()) {
        (Some(id), Some(name)) if !name.is_empty() => {
            view! { <a href=format!("/contacts/{id}")>{name}</a> }.into_any()
        }
        (Some(_), _) => view! { <span>{t.person_erased}</span> }.into_any(),
        (None, _) if request.status == RequestStatus::Unverified => ().into_any(),
        (None, _) => view! { <span class="muted">{t.requests_no_person}</span> }.into_any(),
    };
    let extension = (!request.extension_reason.is_empty())
        .then(|| view! { <br/><span class="help">{(t.requests_extended)(&request.extension_reason)}</span> });
    let details = (!request.details.is_empty())
        .then(|| view! { <br/><span class="help">{request.details.clone()}</span> });
    let handled = request
        .handled_by
        .clone()
        .map(|name| view! { <br/><span class="help">{(t.requests_handled_by)(&name)}</span> });
    let outcome_text = (!request.outcome.is_empty())
        .then(|| view! { <br/><span>{request.outcome.clone()}</span> });
    let changes = (!request.changes.is_empty()).then(|| {
        view! {
            <ul class="changes">
                {request.changes.iter().map(|c| {
                    let mut fields: Vec<&str> = c.fields.iter().map(|f| field_label(t, f)).collect();
                    fields.dedup();
                    view! { <li>{(t.requests_rectified)(&date(c.at_ms), &c.by, &fields.join(", "))}</li> }
                }).collect_view()}
            </ul>
        }
    });
    view! {
        <tr class=class data-request=request.id>
            <td>
                {date(request.due_ms)}
                {due_note.map(|note| view! { <br/><strong class="due-note">{note}</strong> })}
                {extension}
            </td>
            <td>{request.kind.label(t)}{details}</td>
            <td>{request.email.clone()}</td>
            <td>{person}</td>
            <td>{request.status.label(t)}{handled}{outcome_text}{changes}</td>
            <td>{date(request.received_ms)}</td>
        </tr>
        {open.then(|| view! { <tr class="actions-row"><td colspan="6"><RequestActions request=request.clone()/></td></tr> })}
    }
}

/// What the DPO can do with an open request.
#[component]
fn RequestActions(request: RequestView) -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(&request_form(request.id));
    let id = request.id;
    let field = |name: &str| format!("r{id}-{name}");
    let reason_error = outcome.field_message(t, "reason");
    let outcome_error = outcome.field_message(t, "outcome");
    let typed = outcome
        .error
        .as_ref()
        .and(outcome.value.clone())
        .unwrap_or_default();
    let erasable = request.kind == RequestKind::Erasure && request.person_id.is_some();
    let exportable = request.kind == RequestKind::Access && request.person_id.is_some();
    let restrictable = request.kind == RequestKind::Restriction && request.person_id.is_some();
    let rectifiable = request
        .person_id
        .filter(|_| request.kind == RequestKind::Rectification);
    view! {
        <details open=outcome.error.is_some()>
            <summary>{t.requests_col_kind} " #" {id}</summary>
            {general_message(t, &outcome)}
            {outcome.changed_meanwhile().then(|| view! { <p class="form-error" role="alert">{crate::domain::Problem::ChangedMeanwhile.message(t)}</p> })}
            {erasable.then(|| view! {
                <form method="post" action=EraseForRequest::PATH class="stack">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <input type="hidden" name="version" value=request.version.to_string()/>
                    <p class="help" id=field("erase-help")>{t.requests_erase_warning}</p>
                    <div class="actions"><button type="submit" class="danger" aria-describedby=field("erase-help")>{t.requests_erase}</button></div>
                </form>
            })}
            {exportable.then(|| view! {
                <form method="post" action=SendArchive::PATH class="stack">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <input type="hidden" name="version" value=request.version.to_string()/>
                    <p class="help" id=field("archive-help")>{t.requests_archive_help}</p>
                    <div class="actions"><button type="submit" aria-describedby=field("archive-help")>{t.requests_send_archive}</button></div>
                </form>
            })}
            {restrictable.then(|| view! {
                <form method="post" action=RestrictForRequest::PATH class="stack">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <input type="hidden" name="version" value=request.version.to_string()/>
                    <p class="help" id=field("restrict-help")>{t.requests_restrict_help}</p>
                    <div class="actions"><button type="submit" aria-describedby=field("restrict-help")>{t.requests_restrict}</button></div>
                </form>
            })}
            {rectifiable.map(|person_id| view! {
                <p class="help" id=field("rectify-help")>{t.requests_rectify_help}</p>
                <p><a class="button" href=format!("/contacts/{person_id}/edit") aria-describedby=field("rectify-help")>{t.requests_rectify}</a></p>
            })}
            <form method="post" action=CloseRequest::PATH class="stack">
                <input type="hidden" name="id" value=id.to_string()/>
                <input type="hidden" name="version" value=request.version.to_string()/>
                <div class="field">
                    <label for=field("outcome")>{t.requests_outcome}</label>
                    <textarea id=field("outcome") name="outcome" rows="2" aria-invalid=outcome_error.is_some().then_some("true") aria-describedby=format!("{} {}", field("outcome-help"), field("outcome-error"))>{typed.clone()}</textarea>
                    <p class="help" id=field("outcome-help")>{t.requests_answer_help}</p>
                    <p class="field-error" id=field("outcome-error")>{outcome_error}</p>
                </div>
                <div class="actions">
                    <button type="submit" name="status" value="done">{t.requests_mark_done}</button>
                    <button type="submit" name="status" value="refused">{t.requests_refuse}</button>
                </div>
            </form>
            {request.extension_reason.is_empty().then(|| view! {
                <form method="post" action=ExtendRequest::PATH class="stack">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <input type="hidden" name="version" value=request.version.to_string()/>
                    <div class="field">
                        <label for=field("reason")>{t.requests_extension_reason}</label>
                        <input id=field("reason") name="reason" type="text" aria-invalid=reason_error.is_some().then_some("true") aria-describedby=format!("{} {}", field("outcome-help"), field("reason-error"))/>
                        <p class="field-error" id=field("reason-error")>{reason_error}</p>
                    </div>
                    <div class="actions"><button type="submit">{t.requests_extend}</button></div>
                </form>
            })}
        </details>
    }
}
