//! `GET /api/events`: the live stream, one Server-Sent Events connection per
//! browser tab, shared by everything on the page that follows changes.
//!
//! Authenticated by the session (the session layer answers 401 without
//! one), filtered per subscriber by what the user may see: a deal's change
//! reaches those who may open the deal, and, as a removal without its
//! data, those who could before the change; a timeline entry reaches those
//! who may open its person (or company), as ids only. A client resumes with
//! `Last-Event-ID` (the browser sends it when it reconnects by itself) or
//! `?since=` (the id the page was rendered at): the events after it are
//! replayed from the events table, or, when they are no longer all there,
//! it is told to reload.

use crate::state::AppState;
use app::domain::live::{DEAL_EVENT, DealEvent, RELOAD_EVENT, TIMELINE_EVENT, TimelineEvent};
use app::server::auth::session::SessionUser;
use app::server::policy::{Action, allows, people_visibility};
use app::server::storage::{EventTopic, StoredEvent, Visibility};
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use serde::Deserialize;
use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// At most this many events are replayed; a longer gap reloads.
const REPLAY_MAX: i64 = 1_000;

#[derive(Debug, Deserialize)]
pub struct Since {
    since: Option<i64>,
}

/// Who is listening, and what they may see.
struct Viewer {
    visibility: Visibility,
    teams: Vec<i64>,
}

impl Viewer {
    fn sees(&self, owner: Option<i64>, team: Option<i64>) -> bool {
        match self.visibility {
            Visibility::All => true,
            Visibility::OwnOrTeams { user_id } => {
                owner == Some(user_id) || team.is_some_and(|t| self.teams.contains(&t))
            }
        }
    }

    /// The event as this viewer receives it, if at all.
    fn message(&self, event: &StoredEvent) -> Option<Event> {
        if event.topic == EventTopic::Interaction {
            // Ids only, to those who may open the person (or company).
            if !self.sees(event.owner_id, event.team_id) {
                return None;
            }
            let payload = TimelineEvent {
                person_id: event.person_id,
                company_id: event.company_id,
            };
            return Some(
                Event::default()
                    .event(TIMELINE_EVENT)
                    .id(event.id.to_string())
                    .data(serde_json::to_string(&payload).ok()?),
            );
        }
        let payload = if event.card.is_some() && self.sees(event.owner_id, event.team_id) {
            DealEvent {
                deal_id: event.record_id,
                owner_id: event.owner_id,
                team_id: event.team_id,
                card: event.card.clone(),
            }
        } else if self.sees(event.old_owner_id, event.old_team_id) {
            DealEvent {
                deal_id: event.record_id,
                owner_id: None,
                team_id: None,
                card: None,
            }
        } else {
            return None;
        };
        let data = serde_json::to_string(&payload).ok()?;
        Some(
            Event::default()
                .event(DEAL_EVENT)
                .id(event.id.to_string())
                .data(data),
        )
    }
}

struct Subscription {
    rx: tokio::sync::broadcast::Receiver<Arc<StoredEvent>>,
    backlog: VecDeque<Event>,
    /// The ids replayed from the table, not to be sent twice when the hub
    /// brings them too; emptied once the hub has gone past them, so that a
    /// resumed subscriber does not keep them for its lifetime.
    replayed: HashSet<i64>,
    last_replayed: i64,
    viewer: Viewer,
}

fn reload() -> Event {
    Event::default().event(RELOAD_EVENT).data("{}")
}

#[tracing::instrument(skip_all, fields(user_id))]
pub async fn stream(
    State(state): State<AppState>,
    user: Option<Extension<SessionUser>>,
    headers: HeaderMap,
    Query(query): Query<Since>,
) -> Response {
    let Some(Extension(user)) = user else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    tracing::Span::current().record("user_id", user.user_id);
    if user.must_enroll_second_factor || !allows(user.role, Action::ViewDeals) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let storage = &state.storage;
    let teams = match storage.teams.teams_of(user.user_id).await {
        Ok(teams) => teams,
        Err(error) => {
            tracing::error!(%error, "live stream: reading teams failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let viewer = Viewer {
        visibility: people_visibility(&user),
        teams,
    };
    // Subscribed before the backlog is read: nothing falls between them
    // (an event in both is sent once).
    let rx = state.hub.subscribe().await;
    let since = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(query.since);
    let mut backlog = VecDeque::new();
    let mut replayed = HashSet::new();
    if let Some(since) = since {
        let first = storage.events.first_event_id().await;
        let rows = storage.events.events_after(since, REPLAY_MAX + 1).await;
        match (first, rows) {
            (Ok(first), Ok(rows))
                if rows.len() as i64 <= REPLAY_MAX && first.is_none_or(|f| f <= since + 1) =>
            {
                for row in rows {
                    replayed.insert(row.id);
                    backlog.extend(viewer.message(&row));
                }
            }
            (Err(error), _) | (_, Err(error)) => {
                tracing::error!(%error, "live stream: replay failed");
                backlog.push_back(reload());
            }
            _ => backlog.push_back(reload()),
        }
    }
    let last_replayed = replayed.iter().copied().max().unwrap_or(0);
    let subscription = Subscription {
        rx,
        backlog,
        replayed,
        last_replayed,
        viewer,
    };
    let events = stream::unfold(subscription, |mut sub| async move {
        if let Some(event) = sub.backlog.pop_front() {
            return Some((Ok::<_, Infallible>(event), sub));
        }
        loop {
            match sub.rx.recv().await {
                Ok(event) => {
                    if sub.replayed.remove(&event.id) {
                        continue;
                    }
                    if event.id > sub.last_replayed && !sub.replayed.is_empty() {
                        sub.replayed = HashSet::new();
                    }
                    if let Some(message) = sub.viewer.message(&event) {
                        return Some((Ok(message), sub));
                    }
                }
                // Too far behind to catch up event by event.
                Err(RecvError::Lagged(_)) => return Some((Ok(reload()), sub)),
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
