//! Timelines: reading a person's or a company's, and logging calls,
//! meetings, e-mails, notes and tasks on a person's. Access follows the
//! record the timeline belongs to.

use crate::domain::TimelinePage;
use crate::error::AppError;
use leptos::prelude::*;

pub const LOG_INTERACTION_FORM: &str = "log_interaction";
/// Entries per timeline page.
pub const TIMELINE_PAGE: u32 = 50;

/// `person` or `company`, and the id: a timeline's owner.
#[cfg(feature = "ssr")]
async fn check_subject(
    user: &crate::server::auth::SessionUser,
    verb: &str,
    subject: &str,
    id: i64,
) -> Result<crate::server::storage::TimelineOf, AppError> {
    use crate::server::storage::TimelineOf;
    use crate::server::{context, records};
    let ctx = context::server_context()?;
    let (owner, team, of) = match subject {
        // Opened here: a write also needs the person not to be restricted.
        "person" => {
            let p = ctx
                .storage
                .people
                .get(id)
                .await
                .map_err(|e| context::internal("people.get", e))?
                .ok_or(AppError::NotFound)?;
            let writes = verb != "read_timeline";
            records::open(user, verb, subject, id, p.fields.owner_id, p.fields.team_id).await?;
            if writes {
                records::writable(user, &p)?;
            }
            return Ok(TimelineOf::Person(id));
        }
        "company" => {
            let c = ctx
                .storage
                .companies
                .get(id)
                .await
                .map_err(|e| context::internal("companies.get", e))?
                .ok_or(AppError::NotFound)?;
            (c.fields.owner_id, c.fields.team_id, TimelineOf::Company(id))
        }
        _ => return Err(AppError::NotFound),
    };
    records::open(user, verb, subject, id, owner, team).await?;
    Ok(of)
}

/// A page of the timeline of a person or a company (`subject`), newest
/// first; `before` is the `next` of the previous page.
#[server(endpoint = "timeline/get")]
pub async fn get_timeline(
    subject: String,
    id: i64,
    before: Option<String>,
) -> Result<TimelinePage, AppError> {
    use crate::domain::TimelineCursor;
    use crate::server::{context, policy, respond};
    let result = async {
        let action = if subject == "company" {
            policy::Action::ViewCompanies
        } else {
            policy::Action::ViewPeople
        };
        let user = policy::authorize(action)?;
        let of = check_subject(&user, "read_timeline", &subject, id).await?;
        let cursor = before.as_deref().and_then(TimelineCursor::parse);
        let storage = &context::server_context()?.storage;
        // Read first: the stream resumes after it (see `load_board`).
        let events_from = storage
            .events
            .last_event_id()
            .await
            .map_err(|e| context::internal("events.last", e))?;
        let entries = storage
            .interactions
            .timeline(of, cursor, TIMELINE_PAGE)
            .await
            .map_err(|e| context::internal("interactions.timeline", e))?;
        let next = (entries.len() as u32 == TIMELINE_PAGE)
            .then(|| entries.last())
            .flatten()
            .map(|last| {
                TimelineCursor {
                    occurred_ms: last.occurred_at.timestamp_millis(),
                    id: last.id,
                }
                .encode()
            });
        Ok(TimelinePage {
            entries,
            next,
            events_from,
        })
    }
    .await;
    if let Err(error) = &result {
        respond::set_error_status(error);
    }
    result
}

/// The first page of a timeline as the page renders it (HTML), for the
/// page's island to bring itself up to date when an entry is logged
/// elsewhere, without carrying the rendering code.
#[server(endpoint = "timeline/html")]
pub async fn timeline_html(subject: String, id: i64) -> Result<String, AppError> {
    use leptos::tachys::view::RenderHtml;
    let page = get_timeline(subject, id, None).await?;
    let owner = Owner::new();
    Ok(owner.with(|| {
        view! {
            <crate::components::timeline::Timeline page page_link=crate::components::timeline::older_link/>
        }
        .to_html()
    }))
}

/// The log form as posted (every field a string, as typed).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct LogInteractionForm {
    #[serde(default)]
    pub person_id: String,
    #[serde(default)]
    pub kind: String,
    pub direction: Option<String>,
    pub outcome: Option<String>,
    pub duration: Option<String>,
    pub notes: Option<String>,
    pub due_on: Option<String>,
}

/// Logs an entry on a person's timeline (and their company's). An inbound
/// call or e-mail moves the person's last inbound contact.
#[server(endpoint = "timeline/log")]
pub async fn log_interaction(#[server(flatten)] form: LogInteractionForm) -> Result<(), AppError> {
    use crate::domain::*;
    use crate::server::storage::NewInteraction;
    use crate::server::{access_log, context, policy, respond};
    use chrono::{NaiveDate, TimeZone, Utc};
    let person_id: Option<i64> = form.person_id.trim().parse().ok();
    let typed = form.notes.clone().unwrap_or_default();
    let result = async {
        let user = policy::authorize(policy::Action::LogInteraction)?;
        let person_id = person_id.ok_or(AppError::NotFound)?;
        check_subject(&user, "update", "person", person_id).await?;
        let v = |field: &'static str| move |p: Problem| AppError::validation(field, p);
        let text = |o: Option<String>| o.unwrap_or_default();
        let kind = InteractionKind::parse(&form.kind).map_err(v("kind"))?;
        let exchange = matches!(kind, InteractionKind::Call | InteractionKind::Email);
        let direction = match text(form.direction).trim() {
            "" if exchange => Some(Direction::Outbound),
            "" => None,
            raw => Some(Direction::parse(raw).map_err(v("direction"))?),
        };
        let outcome = match (kind, text(form.outcome).trim()) {
            (InteractionKind::Call, "") => None,
            (InteractionKind::Call, raw) => Some(CallOutcome::parse(raw).map_err(v("outcome"))?),
            _ => None,
        };
        let duration_minutes = match kind {
            InteractionKind::Call | InteractionKind::Meeting => {
                duration_minutes(&text(form.duration)).map_err(v("duration"))?
            }
            _ => None,
        };
        let body = notes(&text(form.notes)).map_err(v("notes"))?;
        if body.is_empty() && matches!(kind, InteractionKind::Note | InteractionKind::Task) {
            return Err(AppError::validation("notes", Problem::Required));
        }
        let due_at = match (kind, text(form.due_on).trim()) {
            (InteractionKind::Task, "") => None,
            (InteractionKind::Task, raw) => {
                let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map_err(|_| AppError::validation("due_on", Problem::InvalidDate))?;
                Some(Utc.from_utc_datetime(&day.and_hms_opt(9, 0, 0).unwrap_or_default()))
            }
            _ => None,
        };
        let id = context::server_context()?
            .storage
            .interactions
            .add(&NewInteraction {
                person_id: Some(person_id),
                company_id: None,
                kind,
                direction: direction.filter(|_| exchange),
                outcome,
                duration_minutes,
                body,
                occurred_at: Utc::now(),
                author_id: user.user_id,
                due_at,
                assignee_id: (kind == InteractionKind::Task).then_some(user.user_id),
            })
            .await
            .map_err(|e| context::internal("interactions.add", e))?;
        access_log::write(&user, "log", "person", &person_id.to_string(), true).await?;
        tracing::info!(
            user_id = user.user_id,
            person_id,
            interaction_id = id,
            kind = kind.key(),
            "interaction logged"
        );
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            leptos_axum::redirect(&format!(
                "/contacts/{}#timeline",
                person_id.unwrap_or_default()
            ));
            Ok(())
        }
        Err(error) => respond::finish_form(LOG_INTERACTION_FORM, &typed, Err(error)),
    }
}

/// Ticks a task off; back to the person's page.
#[server(endpoint = "timeline/done")]
pub async fn mark_task_done(id: i64) -> Result<(), AppError> {
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::LogInteraction)?;
        let ctx = context::server_context()?;
        let (person, company) = ctx
            .storage
            .interactions
            .subject(id)
            .await
            .map_err(|e| context::internal("interactions.subject", e))?
            .ok_or(AppError::NotFound)?;
        let back = match (person, company) {
            (Some(p), _) => {
                check_subject(&user, "update", "person", p).await?;
                format!("/contacts/{p}#timeline")
            }
            (None, Some(c)) => {
                check_subject(&user, "update", "company", c).await?;
                format!("/companies/{c}#timeline")
            }
            (None, None) => return Err(AppError::NotFound),
        };
        ctx.storage
            .interactions
            .mark_done(id, chrono::Utc::now())
            .await
            .map_err(|e| context::internal("interactions.mark_done", e))?;
        Ok(back)
    }
    .await;
    match result {
        Ok(back) => {
            leptos_axum::redirect(&back);
            Ok(())
        }
        Err(error) => {
            respond::set_error_status(&error);
            Err(error)
        }
    }
}
