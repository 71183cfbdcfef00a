//! A timeline (a person's or a company's), newest first, with a plain link
//! to older entries so it pages without JavaScript.

use crate::api::interactions::LOG_INTERACTION_FORM;
use crate::api::{LogInteraction, MarkTaskDone};
use crate::domain::{
    CallOutcome, Direction, InteractionKind, InteractionView, NOTES_MAX_CHARS, TimelinePage,
};
use crate::i18n::use_t;
use crate::pages::form_outcome::form_outcome;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The link to the page of entries older than `cursor` (on a person's
/// or a company's page alike).
pub fn older_link(cursor: &str) -> String {
    format!("?timeline_before={cursor}#timeline")
}

/// Follows the live stream on the first page of a timeline (`subject`:
/// `person` or `company`): when someone logs or ticks off an entry there,
/// it asks for the entries' HTML again and morphs them in place, and says
/// so to screen readers. Its children, rendered by the server, are the
/// entries.
#[island]
pub fn LiveTimeline(
    subject: String,
    id: i64,
    events_from: i64,
    children: Children,
) -> impl IntoView {
    let status = crate::components::live_status::live_status(events_from);
    let (announce, _set_announce) = signal(String::new());
    #[cfg(feature = "hydrate")]
    {
        let t = use_t();
        let scheduled = StoredValue::new(false);
        let subject = StoredValue::new(subject);
        let refresh = move || {
            if scheduled.get_value() {
                return;
            }
            scheduled.set_value(true);
            set_timeout(
                move || {
                    scheduled.set_value(false);
                    leptos::task::spawn_local(async move {
                        if let Ok(html) =
                            crate::api::interactions::timeline_html(subject.get_value(), id).await
                        {
                            crate::morph::morph_into("timeline-entries", &html);
                            _set_announce.set(t.timeline_updated.to_string());
                        }
                    });
                },
                std::time::Duration::from_millis(150),
            );
        };
        crate::live::on_timeline(move |event| {
            let ours = match subject.get_value().as_str() {
                "company" => event.company_id == Some(id),
                _ => event.person_id == Some(id),
            };
            if ours {
                refresh();
            }
        });
        crate::live::on_reload(refresh);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (subject, id);
    view! {
        <crate::components::live_status::LiveStatusDot status/>
        <p class="visually-hidden" aria-live="polite">{announce}</p>
        <div id="timeline-entries">{children()}</div>
    }
}

/// The timeline section of a person's or a company's page (`subject`),
/// following the live stream on its first page (`follows`).
#[component]
pub fn TimelineSection(
    subject: &'static str,
    id: i64,
    timeline: Result<TimelinePage, crate::error::AppError>,
    follows: bool,
) -> impl IntoView {
    let t = use_t();
    view! {
        <section id="timeline" class="card wide" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{t.timeline_title}</h2>
            {match timeline {
                Ok(page) if follows => {
                    let events_from = page.events_from;
                    view! {
                        <LiveTimeline subject=subject.to_string() id events_from>
                            <Timeline page page_link=older_link/>
                        </LiveTimeline>
                    }
                    .into_any()
                }
                Ok(page) => view! { <Timeline page page_link=older_link/> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.message(t)}</p> }.into_any(),
            }}
        </section>
    }
}

/// The entries of one page, and the link to the next (`page_link` turns
/// the cursor into the URL of the page showing it).
#[component]
pub fn Timeline(page: TimelinePage, page_link: fn(&str) -> String) -> impl IntoView {
    let t = use_t();
    if page.entries.is_empty() {
        return view! { <p class="notice">{t.timeline_empty}</p> }.into_any();
    }
    let next = page.next.map(|cursor| {
        view! { <p><a href=page_link(&cursor)>{t.timeline_more}</a></p> }
    });
    view! {
        <ol class="timeline">
            {page.entries.into_iter().map(|entry| view! { <Entry entry/> }).collect_view()}
        </ol>
        {next}
    }
    .into_any()
}

#[component]
fn Entry(entry: InteractionView) -> impl IntoView {
    let t = use_t();
    let mut facts: Vec<String> = Vec::new();
    if let Some(d) = entry.direction {
        facts.push((t.direction_name)(d).to_string());
    }
    if let Some(o) = entry.outcome {
        facts.push((t.call_outcome_name)(o).to_string());
    }
    if let Some(m) = entry.duration_minutes {
        facts.push(format!("{m} min"));
    }
    let task = (entry.kind == InteractionKind::Task).then(|| {
        let due = entry.due_at.map(|d| {
            format!(
                " · {} {}",
                t.interaction_due,
                &crate::time_format::minutes(&d)[..10]
            )
        });
        if entry.done {
            view! { <p class="task done">{t.task_done}{due}</p> }.into_any()
        } else {
            view! {
                <form class="task" method="post" action=MarkTaskDone::PATH>
                    <span>{t.task_open}{due}</span>
                    <input type="hidden" name="id" value=entry.id.to_string()/>
                    <button type="submit">{t.task_mark_done}</button>
                </form>
            }
            .into_any()
        }
    });
    view! {
        <li class=format!("entry {}", entry.kind.key())>
            <p class="entry-head">
                <strong>{(t.interaction_kind_name)(entry.kind)}</strong>
                {(!facts.is_empty()).then(|| format!(" · {}", facts.join(" · ")))}
                " · "
                <time datetime=entry.occurred_at.to_rfc3339()>{crate::time_format::minutes(&entry.occurred_at)}</time>
                " " {(t.interaction_by)(&entry.author_name)}
                {entry.person.map(|(id, name)| view! { " · " <a href=format!("/contacts/{id}")>{name}</a> })}
            </p>
            // Shown as typed: text, never markup (line breaks kept by CSS).
            {(!entry.body.is_empty()).then(|| view! { <p class="entry-body">{entry.body}</p> })}
            {task}
        </li>
    }
}

/// The short form that logs an entry on a person's timeline. Folded away
/// until asked for (minimisation of the page); `C` anywhere on the page
/// opens it on a call.
#[component]
pub fn LogInteractionForm(person_id: i64) -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(LOG_INTERACTION_FORM);
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
        .filter(|e| !matches!(e, crate::error::AppError::Validation { .. }));
    let reopen = outcome.error.is_some();
    let notes_error = field_error("notes");
    let duration_error = field_error("duration");
    let due_error = field_error("due_on");
    view! {
        <details id="log-interaction" class="card wide log" open=reopen>
            <summary aria-keyshortcuts="c">{t.interaction_log_shortcut}</summary>
            {general.map(|e| view! { <p class="form-error" role="alert">{e.message(t)}</p> })}
            <form method="post" action=LogInteraction::PATH class="stack" aria-label=t.interaction_log>
                <input type="hidden" name="person_id" value=person_id.to_string()/>
                <div class="row">
                    <div class="field">
                        <label for="interaction-kind">{t.interaction_kind}</label>
                        <select id="interaction-kind" name="kind">
                            {InteractionKind::ALL.iter().map(|k| view! { <option value=k.key()>{(t.interaction_kind_name)(*k)}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="interaction-direction">{t.interaction_direction}</label>
                        <select id="interaction-direction" name="direction">
                            {[Direction::Outbound, Direction::Inbound].iter().map(|d| view! { <option value=d.key()>{(t.direction_name)(*d)}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="interaction-outcome">{t.call_outcome}</label>
                        <select id="interaction-outcome" name="outcome">
                            <option value="">"—"</option>
                            {CallOutcome::ALL.iter().map(|o| view! { <option value=o.key()>{(t.call_outcome_name)(*o)}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="interaction-duration">{t.interaction_duration}</label>
                        <input id="interaction-duration" name="duration" type="number" min="0" max="1440" inputmode="numeric"
                            aria-describedby="interaction-duration-error"/>
                        <p id="interaction-duration-error" class="field-error">{duration_error}</p>
                    </div>
                </div>
                <div class="field">
                    <label for="interaction-notes">{t.interaction_notes}</label>
                    <textarea id="interaction-notes" name="notes" rows="4" aria-keyshortcuts="Control+Enter" maxlength=NOTES_MAX_CHARS.to_string()
                        aria-describedby="interaction-notes-help interaction-notes-error"
                        aria-invalid=if notes_error.is_some() { "true" } else { "false" }>{outcome.value.clone()}</textarea>
                    <p id="interaction-notes-help" class="help">{(t.interaction_notes_help)(NOTES_MAX_CHARS)}</p>
                    <p id="interaction-notes-error" class="field-error">{notes_error}</p>
                </div>
                <div class="field">
                    <label for="interaction-due">{t.interaction_due}</label>
                    <input id="interaction-due" name="due_on" type="date" aria-describedby="interaction-due-error"/>
                    <p id="interaction-due-error" class="field-error">{due_error}</p>
                </div>
                <div class="actions">
                    <button type="submit" class="primary">{t.interaction_save}</button>
                </div>
            </form>
        </details>
    }
}
