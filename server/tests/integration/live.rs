//! The live stream (`/api/events`), on both backends, read as a browser
//! reads it: a deal moved through one instance reaches the subscribers of
//! another (PostgreSQL: a second instance with its own pool and listener on
//! the same database) within a second, filtered by what each may see; a
//! client that comes back is replayed what it missed, or told to reload;
//! a PostgreSQL listener whose connection is killed comes back and loses
//! nothing.

use crate::auth::{get, json_post, state};
use crate::on_both_backends;
use crate::support::{TestDb, settings, signed_in, user_id};
use app::domain::live::{DealEvent, TimelineEvent};
use app::domain::*;
use app::i18n::Locale;
use app::server::storage::{NewPipelineDeal, Storage};
use axum::Router;
use axum::body::Body;
use axum::http::StatusCode;
use http_body_util::BodyExt;
use std::time::Duration;
use tower::ServiceExt;

on_both_backends!(
    a_move_reaches_those_who_may_see_it_within_a_second,
    a_client_that_comes_back_is_replayed_what_it_missed,
    the_stream_needs_a_session,
    an_entry_logged_on_a_timeline_reaches_those_who_may_see_the_person,
);

#[test]
fn a_killed_listener_comes_back_and_nothing_is_lost() {
    crate::support::run(killed_listener("postgres"));
}

/// One server-sent event.
#[derive(Debug)]
struct Received {
    event: String,
    id: Option<i64>,
    data: String,
}

impl Received {
    fn deal(&self) -> DealEvent {
        assert_eq!(self.event, "deal", "{self:?}");
        serde_json::from_str(&self.data).unwrap()
    }

    fn timeline(&self) -> TimelineEvent {
        assert_eq!(self.event, "timeline", "{self:?}");
        serde_json::from_str(&self.data).unwrap()
    }
}

/// An open `/api/events` response, read frame by frame.
struct Stream {
    body: Body,
    buffer: String,
}

impl Stream {
    async fn open(app: &Router, cookie: &str, since: Option<i64>) -> Stream {
        let path = match since {
            Some(id) => format!("/api/events?since={id}"),
            None => "/api/events".to_string(),
        };
        let response = app.clone().oneshot(get(&path, Some(cookie))).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        // Routed past the generic layers, but not past the security headers
        // nor compression's absence (a compressed stream would be buffered).
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.headers()["x-frame-options"], "DENY");
        assert!(response.headers().get("content-encoding").is_none());
        Stream {
            body: response.into_body(),
            buffer: String::new(),
        }
    }

    /// The next event within `within`, keep-alive comments skipped.
    async fn next(&mut self, within: Duration) -> Option<Received> {
        tokio::time::timeout(within, async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let mut received = Received {
                        event: "message".into(),
                        id: None,
                        data: String::new(),
                    };
                    let mut any = false;
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("event:") {
                            received.event = v.trim().to_string();
                            any = true;
                        } else if let Some(v) = line.strip_prefix("id:") {
                            received.id = v.trim().parse().ok();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            received.data.push_str(v.trim_start());
                            any = true;
                        }
                    }
                    if any {
                        return Some(received);
                    }
                    continue;
                }
                let frame = self.body.frame().await?.ok()?;
                if let Ok(data) = frame.into_data() {
                    self.buffer.push_str(&String::from_utf8_lossy(&data));
                }
            }
        })
        .await
        .ok()
        .flatten()
    }
}

async fn deal_for(s: &Storage, owner: i64, team: Option<i64>, title: &str) -> (Pipeline, i64) {
    let pipeline = app::server::pipelines::ensure_default(s, Locale::En)
        .await
        .unwrap()
        .remove(0);
    let id = s
        .pipelines
        .create_deal(
            &NewPipelineDeal {
                title: title.into(),
                amount_cents: 250_000,
                currency: "EUR".into(),
                stage_id: pipeline.stages[0].id,
                probability: None,
                person_id: None,
                company_id: None,
                owner_id: owner,
                team_id: team,
                source: "manual".into(),
                expected_close: None,
            },
            owner,
        )
        .await
        .unwrap();
    (pipeline, id)
}

/// Moves deal `id` (at `version`) to `stage` through the HTTP API.
async fn move_through(app: &Router, cookie: &str, id: i64, version: i64, stage: i64) {
    let response = app
        .clone()
        .oneshot(json_post(
            "/api/pipeline/move",
            &format!("deal_id={id}&version={version}&to_stage_id={stage}"),
            Some(cookie),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// A second instance on the same database: its own pool, hub and (on
/// PostgreSQL) listener. SQLite is one instance by design: the same one.
async fn second_instance(db: &TestDb, backend: &str, first: &Router) -> (Router, Option<Storage>) {
    match backend {
        "postgres" => {
            let storage = server::storage::postgres::open(&db.url, &settings())
                .await
                .unwrap();
            (server::router::build(state(storage.clone())), Some(storage))
        }
        _ => (first.clone(), None),
    }
}

async fn a_move_reaches_those_who_may_see_it_within_a_second(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let a = server::router::build(state(s.clone()));
    let (b, _b_storage) = second_instance(&db, backend, &a).await;

    let sales = signed_in(s, Role::Sales).await;
    let manager = signed_in(s, Role::Manager).await;
    let admin = signed_in(s, Role::Admin).await;
    let sales_id = user_id(s, Role::Sales).await;
    let manager_id = user_id(s, Role::Manager).await;
    let north = s.teams.create("North").await.unwrap().id;
    let south = s.teams.create("South").await.unwrap().id;
    s.teams.add_member(north, sales_id).await.unwrap();
    s.teams.add_member(south, manager_id).await.unwrap();
    let (pipeline, north_deal) = deal_for(s, sales_id, Some(north), "North renewal").await;
    let (_, south_deal) = deal_for(s, manager_id, Some(south), "South renewal").await;

    let mut on_b_admin = Stream::open(&b, &admin, None).await;
    let mut on_b_sales = Stream::open(&b, &sales, None).await;
    let mut on_b_manager = Stream::open(&b, &manager, None).await;

    let started = std::time::Instant::now();
    move_through(&a, &sales, north_deal, 1, pipeline.stages[1].id).await;
    for stream in [&mut on_b_admin, &mut on_b_sales] {
        let event = stream
            .next(Duration::from_secs(1))
            .await
            .expect("the move arrives within a second")
            .deal();
        assert_eq!(event.deal_id, north_deal);
        let card = event.card.expect("a reader who may see it gets the card");
        assert_eq!(card.stage_id, pipeline.stages[1].id);
        assert_eq!(card.version, 2);
        assert_eq!(card.title, "North renewal");
    }
    assert!(started.elapsed() < Duration::from_secs(1));

    // The manager of another team receives nothing of it: the first event
    // they get is the move of their own team's deal.
    move_through(&a, &manager, south_deal, 1, pipeline.stages[2].id).await;
    let first = on_b_manager
        .next(Duration::from_secs(1))
        .await
        .expect("their own team's move arrives")
        .deal();
    assert_eq!(first.deal_id, south_deal);
    // And the sales rep of the other team receives nothing of that one.
    assert!(
        on_b_sales.next(Duration::from_millis(300)).await.is_none(),
        "no event of another team's deal"
    );

    // A deal given to another team: who lost sight of it is told it is
    // gone, without its data.
    let edit = s.pipelines.deal(north_deal).await.unwrap().unwrap();
    let response = a
        .clone()
        .oneshot(json_post(
            "/api/deals/update",
            &format!(
                "id={north_deal}&version={}&title=North+renewal&amount=2500&currency=EUR\
                 &probability=&expected_close=&owner_id={manager_id}&team_id={south}&company=",
                edit.version
            ),
            Some(&admin),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let gone = on_b_sales
        .next(Duration::from_secs(1))
        .await
        .expect("the rep who lost the deal is told")
        .deal();
    assert_eq!((gone.deal_id, gone.card), (north_deal, None));
    let arrived = on_b_manager
        .next(Duration::from_secs(1))
        .await
        .expect("the team that got it is told")
        .deal();
    assert_eq!(arrived.deal_id, north_deal);
    assert!(arrived.card.is_some());
}

async fn a_client_that_comes_back_is_replayed_what_it_missed(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let sales_id = user_id(s, Role::Sales).await;
    let (pipeline, id) = deal_for(s, sales_id, None, "Replayed").await;
    let seen = s.events.last_event_id().await.unwrap();
    assert!(seen > 0, "creating a deal is an event");

    // Away: two moves happen.
    move_through(&app, &sales, id, 1, pipeline.stages[1].id).await;
    move_through(&app, &sales, id, 2, pipeline.stages[2].id).await;

    let mut back = Stream::open(&app, &sales, Some(seen)).await;
    let first = back.next(Duration::from_secs(1)).await.unwrap();
    let second = back.next(Duration::from_secs(1)).await.unwrap();
    assert!(first.id.unwrap() > seen && second.id.unwrap() > first.id.unwrap());
    // Both carry the deal as it is now; the client keeps the newest.
    assert_eq!(second.deal().card.unwrap().version, 3);
    // Then live again, each event once.
    move_through(&app, &sales, id, 3, pipeline.stages[1].id).await;
    let live = back.next(Duration::from_secs(1)).await.unwrap();
    assert!(live.id.unwrap() > second.id.unwrap());
    assert_eq!(live.deal().card.unwrap().version, 4);
    assert!(back.next(Duration::from_millis(300)).await.is_none());

    // Away longer than the events are kept: told to reload.
    let newest = s.events.last_event_id().await.unwrap();
    move_through(&app, &sales, id, 4, pipeline.stages[2].id).await;
    move_through(&app, &sales, id, 5, pipeline.stages[1].id).await;
    let far_future = chrono::Utc::now().timestamp_millis() + 60_000;
    assert!(s.events.prune_events(far_future).await.unwrap() > 0);
    assert!(s.events.first_event_id().await.unwrap().unwrap() > newest + 1);
    let mut late = Stream::open(&app, &sales, Some(newest)).await;
    let told = late.next(Duration::from_secs(1)).await.unwrap();
    assert_eq!(told.event, "reload");
}

async fn the_stream_needs_a_session(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    let response = app.oneshot(get("/api/events", None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

async fn killed_listener(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let a = server::router::build(state(s.clone()));
    let (b, _b_storage) = second_instance(&db, backend, &a).await;
    let sales = signed_in(s, Role::Sales).await;
    let sales_id = user_id(s, Role::Sales).await;
    let (pipeline, id) = deal_for(s, sales_id, None, "Through the outage").await;
    let mut on_b = Stream::open(&b, &sales, None).await;

    let admin = sqlx::PgPool::connect(&db.url).await.unwrap();
    // The first move starts instance A's hub, the stream B's: each
    // connects its listener.
    move_through(&a, &sales, id, 1, pipeline.stages[1].id).await;
    assert_eq!(
        on_b.next(Duration::from_secs(1))
            .await
            .unwrap()
            .deal()
            .card
            .unwrap()
            .version,
        2
    );
    wait_for_listeners(&admin, 2).await;

    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    assert_eq!(killed, vec![true, true]);
    // Moves while the listeners are down.
    move_through(&a, &sales, id, 2, pipeline.stages[2].id).await;
    move_through(&a, &sales, id, 3, pipeline.stages[1].id).await;
    let mut versions = Vec::new();
    while let Some(event) = on_b.next(Duration::from_secs(3)).await {
        versions.push(event.deal().card.unwrap().version);
        if versions.len() == 2 {
            break;
        }
    }
    // Two events, each with the deal as it is when read (so the last
    // version, or the one in between when read in time): none lost.
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(*versions.last().unwrap(), 4);

    // The listeners are back, and notifications flow again.
    wait_for_listeners(&admin, 2).await;
    move_through(&a, &sales, id, 4, pipeline.stages[2].id).await;
    let after = on_b.next(Duration::from_secs(1)).await.unwrap().deal();
    assert_eq!(after.card.unwrap().version, 5);
}

/// Waits (5 s at most) until `n` connections of this database are
/// listening: each instance's listener connects when its hub starts.
async fn wait_for_listeners(admin: &sqlx::PgPool, n: i64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let now: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .fetch_one(admin)
        .await
        .unwrap();
        if now == n {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{now} listeners, {n} expected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn an_entry_logged_on_a_timeline_reaches_those_who_may_see_the_person(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let a = server::router::build(state(s.clone()));
    let (b, _b_storage) = second_instance(&db, backend, &a).await;
    let sales = signed_in(s, Role::Sales).await;
    let manager = signed_in(s, Role::Manager).await;
    let admin = signed_in(s, Role::Admin).await;
    let north = s.teams.create("North").await.unwrap().id;
    let south = s.teams.create("South").await.unwrap().id;
    s.teams
        .add_member(north, user_id(s, Role::Sales).await)
        .await
        .unwrap();
    s.teams
        .add_member(south, user_id(s, Role::Manager).await)
        .await
        .unwrap();
    let created = a
        .clone()
        .oneshot(json_post(
            "/api/people/create",
            "last_name=Martin&kind=b2b&status=lead&company=Acme",
            Some(&sales),
        ))
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::OK);
    let person = s
        .people
        .list(app::server::storage::Visibility::All, None, 1)
        .await
        .unwrap()[0]
        .clone();

    let mut on_b_admin = Stream::open(&b, &admin, None).await;
    let mut on_b_manager = Stream::open(&b, &manager, None).await;
    let log = |form: String| {
        let a = a.clone();
        let sales = sales.clone();
        async move {
            let response = a
                .oneshot(json_post("/api/timeline/log", &form, Some(&sales)))
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
    };
    log(format!("person_id={}&kind=call&notes=Called", person.id)).await;
    let event = on_b_admin
        .next(Duration::from_secs(1))
        .await
        .expect("the entry arrives within a second")
        .timeline();
    assert_eq!(event.person_id, Some(person.id));
    assert!(event.company_id.is_some(), "the person's company too");
    // Ids only: nothing of what was logged travels.
    // A manager of another team may not open the person: nothing.
    assert!(
        on_b_manager
            .next(Duration::from_millis(300))
            .await
            .is_none(),
        "no event about a person of another team"
    );

    // A task ticked off is an event too.
    log(format!(
        "person_id={}&kind=task&notes=Send+the+offer",
        person.id
    ))
    .await;
    on_b_admin
        .next(Duration::from_secs(1))
        .await
        .unwrap()
        .timeline();
    let task = s
        .interactions
        .timeline(app::server::storage::TimelineOf::Person(person.id), None, 1)
        .await
        .unwrap()[0]
        .id;
    let done = a
        .clone()
        .oneshot(json_post(
            "/api/timeline/done",
            &format!("id={task}"),
            Some(&sales),
        ))
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let received = on_b_admin.next(Duration::from_secs(1)).await.unwrap();
    assert_eq!(received.timeline().person_id, Some(person.id));
    assert!(!received.data.contains("Send"), "{}", received.data);
}
