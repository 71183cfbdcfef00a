//! The dashboard's figures through its server function, on both backends:
//! computed over the deals the caller may see, for the period asked, with
//! bad filters refused.

use crate::auth::{call, form_post, get, json_post, state};
use crate::on_both_backends;
use crate::support::{TestDb, create_user, signed_in, user_id};
use app::domain::dashboard::Dashboard;
use app::domain::*;
use app::i18n::Locale;
use app::server::storage::{AccessLogFilter, NewInteraction, NewPipelineDeal, Storage, Visibility};
use axum::Router;
use axum::http::{StatusCode, header};
use chrono::{Datelike, Months, NaiveDate, Utc};

on_both_backends!(
    the_dashboard_counts_what_the_reader_may_see,
    targets_are_set_by_those_in_charge_and_measure_what_was_won,
    activity_per_rep_and_the_csv_reports,
);

/// A deal of `owner` in the default pipeline's second stage, won today when
/// `won`; its id.
async fn deal(
    s: &Storage,
    pipeline: &Pipeline,
    (owner, team): (i64, Option<i64>),
    amount_cents: i64,
    source: &str,
    won: bool,
) -> i64 {
    let id = s
        .pipelines
        .create_deal(
            &NewPipelineDeal {
                title: format!("Deal of {amount_cents}"),
                amount_cents,
                currency: "EUR".into(),
                stage_id: pipeline.stages[1].id,
                probability: Some(50),
                person_id: None,
                company_id: None,
                owner_id: owner,
                team_id: team,
                source: source.into(),
                expected_close: Some(Utc::now().date_naive()),
            },
            owner,
        )
        .await
        .unwrap();
    if won {
        let today = Utc::now().date_naive();
        let stage = pipeline
            .stages
            .iter()
            .find(|s| s.kind == StageKind::Won)
            .unwrap()
            .id;
        s.pipelines
            .move_deal(
                &DealMove {
                    deal_id: id,
                    version: 1,
                    to_stage_id: stage,
                    after_deal_id: None,
                    before_deal_id: None,
                    lost_reason: None,
                    closed_on: Some(today.format("%Y-%m-%d").to_string()),
                },
                Visibility::All,
                owner,
                today,
            )
            .await
            .unwrap()
            .unwrap();
    }
    id
}

async fn dashboard(app: &Router, cookie: &str, query: &str) -> Dashboard {
    let (code, _, body) = call(app, json_post("/api/dashboard/get", query, Some(cookie))).await;
    assert_eq!(code, StatusCode::OK, "{query}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn the_dashboard_counts_what_the_reader_may_see(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let admin = signed_in(s, Role::Admin).await;
    let manager = signed_in(s, Role::Manager).await;
    let sales_id = create_user(s, Role::Sales).await.id;
    let north = s.teams.create("North").await.unwrap().id;
    s.teams.add_member(north, sales_id).await.unwrap();
    let pipeline = app::server::pipelines::ensure_default(s, Locale::En)
        .await
        .unwrap()
        .remove(0);
    let stage = |kind: StageKind| pipeline.stages.iter().find(|s| s.kind == kind).unwrap().id;
    let mut ids = Vec::new();
    for (title, amount) in [("Open", 100_000), ("Won", 40_000), ("Lost", 70_000)] {
        ids.push(
            s.pipelines
                .create_deal(
                    &NewPipelineDeal {
                        title: title.into(),
                        amount_cents: amount,
                        currency: "EUR".into(),
                        stage_id: pipeline.stages[1].id,
                        probability: Some(50),
                        person_id: None,
                        company_id: None,
                        owner_id: sales_id,
                        team_id: Some(north),
                        source: "manual".into(),
                        expected_close: Some(chrono::Utc::now().date_naive()),
                    },
                    sales_id,
                )
                .await
                .unwrap(),
        );
    }
    let today = chrono::Utc::now().date_naive();
    for (id, kind, reason) in [
        (ids[1], StageKind::Won, None),
        (ids[2], StageKind::Lost, Some("Price")),
    ] {
        s.pipelines
            .move_deal(
                &DealMove {
                    deal_id: id,
                    version: 1,
                    to_stage_id: stage(kind),
                    after_deal_id: None,
                    before_deal_id: None,
                    lost_reason: reason.map(str::to_string),
                    closed_on: Some(today.format("%Y-%m-%d").to_string()),
                },
                Visibility::All,
                sales_id,
                today,
            )
            .await
            .unwrap()
            .unwrap();
    }

    let (code, _, body) = call(&app, json_post("/api/dashboard/get", "", Some(&admin))).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let d: Dashboard = serde_json::from_str(&body).unwrap();
    assert_eq!(d.pipeline_id, pipeline.id);
    assert_eq!(d.open_value[0].cents, 100_000);
    assert_eq!(d.weighted_forecast[0].cents, 50_000);
    assert_eq!(d.won_value[0].cents, 40_000);
    assert_eq!(
        (d.won_count, d.lost_count, d.win_rate_percent),
        (1, 1, Some(50))
    );
    assert_eq!(d.average_won[0].cents, 40_000);
    assert_eq!(d.average_cycle_days, Some(0));
    // All three entered the second stage (and the first one before it,
    // by the funnel's rule); one was won.
    assert_eq!(d.funnel[0].reached, 3);
    assert_eq!(d.funnel[1].reached, 3);
    assert_eq!(d.funnel.last().unwrap().reached, 1);
    assert_eq!(d.forecast[0].best_case_cents, 100_000);
    assert_eq!(d.outcomes.last().unwrap().won, 1);
    assert!(d.events_from > 0);

    // A manager outside the team sees none of it.
    let (code, _, body) = call(&app, json_post("/api/dashboard/get", "", Some(&manager))).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let d: Dashboard = serde_json::from_str(&body).unwrap();
    assert!(d.open_value.is_empty() && d.won_count == 0 && d.funnel[0].reached == 0);

    // Filtered by the team and the year: the same figures for the admin.
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/dashboard/get",
            &format!("query[period]=year&query[team]={north}"),
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let d: Dashboard = serde_json::from_str(&body).unwrap();
    assert_eq!((d.won_count, d.team_id), (1, Some(north)));
    assert!(d.from.ends_with("-01-01") && d.to.ends_with("-12-31"));

    // A deal won two years ago counts in no figure of this month, and in
    // those of a period that holds its day.
    let old = deal(
        s,
        &pipeline,
        (sales_id, Some(north)),
        7_000,
        "manual",
        false,
    )
    .await;
    let long_ago = today - chrono::Days::new(730);
    s.pipelines
        .move_deal(
            &DealMove {
                deal_id: old,
                version: 1,
                to_stage_id: stage(StageKind::Won),
                after_deal_id: None,
                before_deal_id: None,
                lost_reason: None,
                closed_on: Some(long_ago.to_string()),
            },
            Visibility::All,
            sales_id,
            today,
        )
        .await
        .unwrap()
        .unwrap();
    let d = dashboard(&app, &admin, "").await;
    assert_eq!((d.won_count, d.won_value[0].cents), (1, 40_000));
    let d = dashboard(
        &app,
        &admin,
        &format!("query[period]=custom&query[from]={long_ago}&query[to]={long_ago}"),
    )
    .await;
    assert_eq!((d.won_count, d.won_value[0].cents), (1, 7_000));

    // Bad filters are refused with the field named.
    for (form, field) in [
        ("query[period]=week", "period"),
        ("query[team]=999999", "team"),
    ] {
        let (code, _, body) = call(&app, json_post("/api/dashboard/get", form, Some(&admin))).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains(field), "{body}");
    }
}

async fn targets_are_set_by_those_in_charge_and_measure_what_was_won(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let admin = signed_in(s, Role::Admin).await;
    let manager = signed_in(s, Role::Manager).await;
    let sales = signed_in(s, Role::Sales).await;
    let (manager_id, sales_id) = (
        user_id(s, Role::Manager).await,
        user_id(s, Role::Sales).await,
    );
    let north = s.teams.create("North").await.unwrap().id;
    let south = s.teams.create("South").await.unwrap().id;
    s.teams.add_member(north, sales_id).await.unwrap();
    s.teams.add_member(north, manager_id).await.unwrap();
    let pipeline = app::server::pipelines::ensure_default(s, Locale::En)
        .await
        .unwrap()
        .remove(0);
    deal(
        s,
        &pipeline,
        (sales_id, Some(north)),
        40_000,
        "manual",
        true,
    )
    .await;
    let this_month = Utc::now().date_naive().format("%Y-%m").to_string();
    let p = pipeline.id;
    let set = |cookie: String, form: String| {
        let app = app.clone();
        async move {
            call(
                &app,
                json_post("/api/dashboard/set-target", &form, Some(&cookie)),
            )
            .await
        }
    };
    let target_form = |team: &str, month: &str, amount: &str| {
        format!("pipeline_id={p}&team_id={team}&month={month}&amount={amount}&currency=EUR")
    };

    // A sales rep may not set targets; a manager not the organisation's,
    // nor another team's. Nothing is stored.
    for (who, team) in [
        (&sales, north.to_string()),
        (&manager, String::new()),
        (&manager, south.to_string()),
    ] {
        let (code, _, body) = set(who.clone(), target_form(&team, &this_month, "1000")).await;
        assert_eq!(code, StatusCode::FORBIDDEN, "{team}: {body}");
    }
    let d = dashboard(&app, &admin, &format!("query[team]={north}")).await;
    assert!(d.target.is_empty() && d.target_percent.is_none());
    assert!(d.may_set_target);
    assert!(!dashboard(&app, &sales, "").await.may_set_target);
    assert!(!dashboard(&app, &manager, "").await.may_set_target);
    assert!(
        dashboard(&app, &manager, &format!("query[team]={north}"))
            .await
            .may_set_target
    );

    // The team's manager sets the team's; the administrator the
    // organisation's. Each dashboard measures the won against its own.
    let (code, _, body) = set(
        manager.clone(),
        target_form(&north.to_string(), &this_month, "800"),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let d = dashboard(&app, &admin, &format!("query[team]={north}")).await;
    assert_eq!((d.target[0].cents, d.target_percent), (80_000, Some(50)));
    let (code, _, _) = set(admin.clone(), target_form("", &this_month, "1 000")).await;
    assert_eq!(code, StatusCode::OK);
    let d = dashboard(&app, &admin, "").await;
    assert_eq!((d.target[0].cents, d.target_percent), (100_000, Some(40)));
    // Set again: replaced, not added.
    let (code, _, _) = set(admin.clone(), target_form("", &this_month, "400")).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(dashboard(&app, &admin, "").await.target_percent, Some(100));

    // A custom period adds up the months it overlaps.
    let today = Utc::now().date_naive();
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap();
    let next = first + Months::new(1);
    let (code, _, _) = set(
        admin.clone(),
        target_form("", &next.format("%Y-%m").to_string(), "600"),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    let last = next + Months::new(1) - chrono::Days::new(1);
    let d = dashboard(
        &app,
        &admin,
        &format!("query[period]=custom&query[from]={first}&query[to]={last}"),
    )
    .await;
    assert_eq!(
        (d.from.clone(), d.to.clone()),
        (first.to_string(), last.to_string())
    );
    assert_eq!((d.target[0].cents, d.target_percent), (100_000, Some(40)));
    // A custom period needs both dates, in order.
    for (query, field) in [
        (
            format!("query[period]=custom&query[from]={first}"),
            "\"to\"",
        ),
        (
            format!("query[period]=custom&query[from]={last}&query[to]={first}"),
            "range_reversed",
        ),
    ] {
        let (code, _, body) =
            call(&app, json_post("/api/dashboard/get", &query, Some(&admin))).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains(field), "{body}");
    }

    // Bad input is refused with the field named, and changes nothing.
    for (form, field) in [
        (target_form("", "2026-13", "10"), "month"),
        (target_form("", "december", "10"), "month"),
        (target_form("", &this_month, "ten"), "amount"),
        (
            format!("pipeline_id={p}&month={this_month}&amount=10&currency=EURO"),
            "currency",
        ),
        (target_form("999999", &this_month, "10"), "team"),
        (
            format!("pipeline_id=999999&month={this_month}&amount=10&currency=EUR"),
            "pipeline",
        ),
    ] {
        let (code, _, body) = set(admin.clone(), form.clone()).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {body}");
        assert!(body.contains(field), "{form}: {body}");
    }
    assert_eq!(dashboard(&app, &admin, "").await.target[0].cents, 40_000);

    // An empty amount removes the target.
    let (code, _, _) = set(admin.clone(), target_form("", &this_month, "")).await;
    assert_eq!(code, StatusCode::OK);
    let d = dashboard(&app, &admin, "").await;
    assert!(d.target.is_empty() && d.target_percent.is_none());

    // Without JavaScript the form comes back to the same view.
    let (code, headers, _) = call(
        &app,
        form_post(
            "/api/dashboard/set-target",
            &format!(
                "{}&back[period]=quarter&back[pipeline]={p}&back[team]={north}",
                target_form(&north.to_string(), &this_month, "900")
            ),
            Some(&admin),
        ),
    )
    .await;
    assert!(code.is_redirection(), "{code}");
    assert_eq!(
        headers[header::LOCATION],
        format!("/dashboard?period=quarter&pipeline={p}&team={north}&saved=target").as_str()
    );
    let d = dashboard(&app, &admin, &format!("query[team]={north}")).await;
    assert_eq!(d.target[0].cents, 90_000);
}

async fn activity_per_rep_and_the_csv_reports(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let admin = signed_in(s, Role::Admin).await;
    let sales = signed_in(s, Role::Sales).await;
    let manager_id = create_user(s, Role::Manager).await.id;
    let sales_id = user_id(s, Role::Sales).await;
    let north = s.teams.create("North").await.unwrap().id;
    let south = s.teams.create("South").await.unwrap().id;
    s.teams.add_member(north, sales_id).await.unwrap();
    s.teams.add_member(south, manager_id).await.unwrap();
    let pipeline = app::server::pipelines::ensure_default(s, Locale::En)
        .await
        .unwrap()
        .remove(0);
    deal(
        s,
        &pipeline,
        (sales_id, Some(north)),
        40_000,
        "manual",
        true,
    )
    .await;
    deal(
        s,
        &pipeline,
        (sales_id, Some(north)),
        10_000,
        "=cmd|' /C calc'!A0",
        false,
    )
    .await;

    let (code, _, body) = call(
        &app,
        json_post("/api/companies/create", "name=Acme", Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let company = s.companies.list(Visibility::All, None, 1).await.unwrap()[0].id;
    let now = Utc::now();
    let long_ago = now - chrono::Duration::days(800);
    for (kind, author, at) in [
        (InteractionKind::Call, sales_id, now),
        (InteractionKind::Call, sales_id, now),
        (InteractionKind::Meeting, sales_id, now),
        (InteractionKind::Call, sales_id, long_ago),
        (InteractionKind::Note, sales_id, now),
        (InteractionKind::Meeting, manager_id, now),
    ] {
        s.interactions
            .add(&NewInteraction {
                person_id: None,
                company_id: Some(company),
                kind,
                direction: None,
                outcome: None,
                duration_minutes: None,
                body: "Talked".into(),
                occurred_at: at,
                author_id: author,
                due_at: None,
                assignee_id: None,
            })
            .await
            .unwrap();
    }

    // Calls and meetings in the period, per rep, by name; a rep sees
    // their own team's reps only.
    let d = dashboard(&app, &admin, "").await;
    let counts = |d: &Dashboard| {
        d.activity
            .iter()
            .map(|a| (a.name.clone(), a.calls, a.meetings))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        counts(&d),
        [
            ("Test manager".to_string(), 0, 1),
            ("Test sales".to_string(), 2, 1)
        ]
    );
    assert_eq!(
        counts(&dashboard(&app, &sales, "").await),
        [("Test sales".to_string(), 2, 1)]
    );
    assert_eq!(
        counts(&dashboard(&app, &admin, &format!("query[team]={south}")).await),
        [("Test manager".to_string(), 0, 1)]
    );

    // Per rep, as CSV.
    let csv = |path: String, cookie: Option<String>, lang: &str| {
        let app = app.clone();
        let lang = lang.to_string();
        async move {
            let mut request = get(&path, cookie.as_deref());
            request
                .headers_mut()
                .insert(header::ACCEPT_LANGUAGE, lang.parse().unwrap());
            call(&app, request).await
        }
    };
    let (code, headers, body) = csv(
        "/dashboard/report.csv?by=rep".into(),
        Some(admin.clone()),
        "en",
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"accord-rep-"),
        "{disposition}"
    );
    let body = body.strip_prefix('\u{feff}').expect("a byte order mark");
    let lines: Vec<&str> = body.lines().collect();
    assert!(
        lines[0].starts_with("Period start,Period end,Pipeline,Rep,Currency,Open deals,"),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with(",Calls,Meetings"), "{}", lines[0]);
    assert_eq!(lines.len(), 3, "{body}");
    let manager_line: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(manager_line[3], "Test manager");
    assert_eq!(manager_line[manager_line.len() - 2..], ["0", "1"]);
    let sales_line: Vec<&str> = lines[2].split(',').collect();
    // Rep, currency, 1 open (100.00, weighted 50.00), 1 won 400.00, 0
    // lost, 100 %, average 400.00, cycle 0 days, 2 calls, 1 meeting.
    assert_eq!(
        sales_line[3..],
        [
            "Test sales",
            "EUR",
            "1",
            "100.00",
            "50.00",
            "1",
            "400.00",
            "0",
            "100",
            "400.00",
            "0",
            "2",
            "1"
        ]
    );

    // Per source, with a source that would run as a spreadsheet formula
    // defused; in French for a French reader.
    let (code, _, body) = csv(
        "/dashboard/report.csv?by=source&period=year".into(),
        Some(admin.clone()),
        "fr",
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(body.contains("Source,Devise"), "{body}");
    assert!(
        body.contains(",'=cmd|' /C calc'!A0,EUR,1,100.00,"),
        "{body}"
    );
    assert!(!body.contains(",=cmd"), "{body}");

    // Only what the reader may see: the rep's own line, not the other
    // team's rep.
    let (code, _, body) = csv(
        "/dashboard/report.csv?by=rep".into(),
        Some(sales.clone()),
        "en",
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        body.contains("Test sales") && !body.contains("Test manager"),
        "{body}"
    );

    // Refused: without a session, a report of nothing known, bad filters.
    let (code, _, body) = csv("/dashboard/report.csv?by=rep".into(), None, "en").await;
    assert!(!body.contains("Test sales"), "{body}");
    assert!(
        code == StatusCode::UNAUTHORIZED || code.is_redirection(),
        "{code}"
    );
    for path in [
        "/dashboard/report.csv?by=mood",
        "/dashboard/report.csv",
        "/dashboard/report.csv?by=rep&team=abc",
    ] {
        let (code, _, _) = csv(path.into(), Some(admin.clone()), "en").await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{path}");
    }
    let (code, _, body) = csv(
        "/dashboard/report.csv?by=rep&period=week".into(),
        Some(admin.clone()),
        "en",
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Every export is in the access log.
    let admin_id = user_id(s, Role::Admin).await;
    let entries = s
        .access_log
        .search(
            &AccessLogFilter {
                user_id: Some(admin_id),
                record_type: Some("report".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e.action == "export" && e.allowed));
}
