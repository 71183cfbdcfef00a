//! The dashboard's figures through its server function, on both backends:
//! computed over the deals the caller may see, for the period asked, with
//! bad filters refused.

use crate::auth::{call, json_post, state};
use crate::on_both_backends;
use crate::support::{TestDb, create_user, signed_in};
use app::domain::dashboard::Dashboard;
use app::domain::*;
use app::i18n::Locale;
use app::server::storage::{NewPipelineDeal, Visibility};
use axum::http::StatusCode;

on_both_backends!(the_dashboard_counts_what_the_reader_may_see);

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
