use super::area::{Area, AreaPage};
use crate::api::search_access_log;
use crate::domain::AccessLogEntry;
use crate::error::AppError;
use crate::i18n::use_t;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The privacy area. For the DPO and administrators it holds the access
/// log, filtered by a plain GET form (works without JavaScript).
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
