//! A deal's page and its edit, through the server functions, on both
//! backends: who may open it (and the access log), the history of stages,
//! edits saved only on the version they were made on, bad input refused
//! whole, and a move by a plain form.

use crate::auth::{call, form_post, get, json_post, state};
use crate::on_both_backends;
use crate::support::{TestDb, create_user, signed_in, user_id};
use app::domain::*;
use app::i18n::Locale;
use app::server::storage::{
    AccessLogFilter, DealsOf, NewCompanyRecord, NewPipelineDeal, Visibility,
};
use axum::http::{StatusCode, header};

on_both_backends!(
    a_deal_opens_with_its_history_for_those_who_may_see_it,
    a_deal_is_edited_on_the_version_it_was_opened_at_only,
    a_deal_moves_by_a_plain_form_and_a_lost_stage_needs_a_reason,
    a_record_lists_its_deals_for_those_who_may_see_them,
);

/// A deal owned by `owner` in the first stage of the default pipeline.
async fn setup_deal(s: &app::server::storage::Storage, owner: i64) -> (Pipeline, i64) {
    let pipeline = app::server::pipelines::ensure_default(s, Locale::En)
        .await
        .unwrap()
        .remove(0);
    let id = s
        .pipelines
        .create_deal(
            &NewPipelineDeal {
                title: "Renewal Morel".into(),
                amount_cents: 120_000,
                currency: "EUR".into(),
                stage_id: pipeline.stages[0].id,
                probability: None,
                person_id: None,
                company_id: None,
                owner_id: owner,
                team_id: None,
                source: "manual".into(),
                expected_close: None,
            },
            owner,
        )
        .await
        .unwrap();
    (pipeline, id)
}

async fn a_deal_opens_with_its_history_for_those_who_may_see_it(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let manager = signed_in(s, Role::Manager).await;
    let sales_id = user_id(s, Role::Sales).await;
    let (pipeline, id) = setup_deal(s, sales_id).await;
    let card = s
        .pipelines
        .card(id, Visibility::All)
        .await
        .unwrap()
        .unwrap();
    let moved = s
        .pipelines
        .move_deal(
            &DealMove {
                deal_id: id,
                version: card.version,
                to_stage_id: pipeline.stages[1].id,
                after_deal_id: None,
                before_deal_id: None,
                lost_reason: None,
                closed_on: None,
            },
            Visibility::All,
            sales_id,
            chrono::Utc::now().date_naive(),
        )
        .await
        .unwrap();
    assert!(moved.is_ok());

    let (code, _, body) = call(
        &app,
        json_post("/api/deals/get", &format!("id={id}"), Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let deal: DealDetail = serde_json::from_str(&body).unwrap();
    assert_eq!(deal.title, "Renewal Morel");
    assert_eq!(
        deal.stage.as_ref().map(|s| s.id),
        Some(pipeline.stages[1].id)
    );
    assert_eq!(deal.probability, pipeline.stages[1].probability);
    assert_eq!(deal.pipeline.as_ref().map(|p| p.0), Some(pipeline.id));
    assert_eq!(deal.history.len(), 2, "{:?}", deal.history);
    assert_eq!(deal.history[0].from_stage, None);
    assert_eq!(
        deal.history[1].from_stage.as_deref(),
        Some(pipeline.stages[0].name.as_str())
    );
    assert_eq!(deal.history[1].to_stage, pipeline.stages[1].name);
    assert_eq!(deal.history[1].by.as_deref(), Some("Test sales"));
    assert_eq!(deal.stages.len(), pipeline.stages.len());
    assert!(deal.may_edit);

    // The page itself, rendered on the server.
    let (code, _, html) = call(&app, get(&format!("/deals/{id}"), Some(&sales))).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        html.contains("Renewal Morel") && html.contains("History of stages"),
        "{html}"
    );

    // A manager of no team of the deal's: refused, and logged as refused.
    let (code, _, body) = call(
        &app,
        json_post("/api/deals/get", &format!("id={id}"), Some(&manager)),
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(!body.contains("Renewal"), "{body}");
    let (code, _, html) = call(&app, get(&format!("/deals/{id}"), Some(&manager))).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(!html.contains("Renewal Morel"), "{html}");
    let log = s
        .access_log
        .search(
            &AccessLogFilter {
                record_type: Some("deal".into()),
                record_id: Some(id.to_string()),
                ..Default::default()
            },
            20,
        )
        .await
        .unwrap();
    assert!(
        log.iter().any(|e| e.action == "read" && e.allowed),
        "{log:?}"
    );
    assert!(
        log.iter().any(|e| e.action == "read" && !e.allowed),
        "{log:?}"
    );

    // No such deal; and nobody signed in.
    let (code, _, _) = call(&app, json_post("/api/deals/get", "id=999999", Some(&sales))).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let (code, _, _) = call(&app, json_post("/api/deals/get", &format!("id={id}"), None)).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
}

async fn a_deal_is_edited_on_the_version_it_was_opened_at_only(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let reader = signed_in(s, Role::Readonly).await;
    let sales_id = user_id(s, Role::Sales).await;
    let admin_id = create_user(s, Role::Admin).await.id;
    let (pipeline, id) = setup_deal(s, sales_id).await;
    let stored = || async { s.pipelines.deal(id).await.unwrap().unwrap() };
    let edit = |who: String, fields: String| {
        let app = app.clone();
        async move { call(&app, json_post("/api/deals/update", &fields, Some(&who))).await }
    };
    let form = |version: i64, amount: &str, probability: &str, owner: i64| {
        format!(
            "id={id}&version={version}&title=Renewal+Morel+2027&amount={amount}&currency=eur\
             &probability={probability}&expected_close=2027-03-31&owner_id={owner}&team_id="
        )
    };

    // A company typed by name: created (or found) and linked.
    let (code, _, body) = edit(
        sales.clone(),
        form(1, "1+500%2C50", "35", sales_id) + "&company=Morel+SA",
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let deal = stored().await;
    assert_eq!(
        deal.company.as_ref().map(|(_, n)| n.as_str()),
        Some("Morel SA")
    );
    let (code, _, html) = call(&app, get(&format!("/deals/{id}"), Some(&sales))).await;
    assert_eq!(code, StatusCode::OK);
    assert!(html.contains("Timeline of Morel SA"), "{html}");
    assert_eq!(deal.title, "Renewal Morel 2027");
    assert_eq!(
        (deal.amount_cents, deal.currency.as_str()),
        (150_050, "EUR")
    );
    assert_eq!(deal.probability, 35);
    assert_eq!(deal.expected_close.as_deref(), Some("2027-03-31"));
    assert_eq!(deal.version, 2);
    // The board's totals follow the overridden probability.
    let card = s
        .pipelines
        .card(id, Visibility::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((card.probability, card.amount_cents), (35, 150_050));

    // Saved on the version it was opened at (1), after another save: refused.
    let (code, _, body) = edit(
        sales.clone(),
        form(1, "9", "90", sales_id) + "&company=Never+Made+SA",
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("changed_meanwhile"), "{body}");
    let companies = s.companies.list(Visibility::All, None, 10).await.unwrap();
    assert_eq!(companies.len(), 1, "a refused edit makes no company");
    // Bad input, or an owner a sales user may not give it to: refused whole.
    for (fields, field) in [
        (form(2, "abc", "35", sales_id), "amount"),
        (form(2, "10", "150", sales_id), "probability"),
        (form(2, "10", "35", admin_id), "owner_id"),
        (
            form(2, "10", "35", 0).replace("title=Renewal+Morel+2027", "title=+"),
            "title",
        ),
    ] {
        let (code, _, body) = edit(sales.clone(), fields).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(body.contains(field), "{field}: {body}");
    }
    let (code, _, _) = edit(reader.clone(), form(2, "10", "35", sales_id)).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _, html) = call(&app, get(&format!("/deals/{id}/edit"), Some(&reader))).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(html.contains("Your role does not allow this."), "{html}");
    let after = stored().await;
    assert_eq!(
        (after.version, after.amount_cents, after.owner_id),
        (2, 150_050, sales_id)
    );

    // A blank probability follows the stage again.
    let (code, _, body) = edit(sales.clone(), form(2, "1500.50", "", sales_id)).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(stored().await.probability, pipeline.stages[0].probability);

    // Without JavaScript, a stale save comes back to the edit page, which
    // shows the version stored and keeps what was typed.
    let (code, headers, _) = call(
        &app,
        form_post(
            "/api/deals/update",
            &form(1, "777", "35", sales_id),
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap().to_string();
    let query = location.split_once('?').unwrap().1;
    let (code, _, html) = call(
        &app,
        get(&format!("/deals/{id}/edit?{query}"), Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert!(html.contains("The deal as it is now"), "{html}");
    assert!(html.contains("value=\"777\""), "{html}");
    assert!(html.contains("name=\"version\" value=\"3\""), "{html}");
}

async fn a_deal_moves_by_a_plain_form_and_a_lost_stage_needs_a_reason(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let sales_id = user_id(s, Role::Sales).await;
    let (pipeline, id) = setup_deal(s, sales_id).await;
    let lost = pipeline
        .stages
        .iter()
        .find(|s| s.kind == StageKind::Lost)
        .unwrap()
        .id;
    let move_form =
        |reason: &str| format!("deal_id={id}&version=1&to_stage_id={lost}&lost_reason={reason}");

    let (code, headers, _) = call(
        &app,
        form_post("/api/pipeline/move", &move_form(""), Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap();
    assert!(
        location.contains("form=move_deal") && location.contains("lost_reason"),
        "{location}"
    );
    assert_eq!(s.pipelines.deal(id).await.unwrap().unwrap().version, 1);

    let (code, headers, _) = call(
        &app,
        form_post(
            "/api/pipeline/move",
            &move_form("Chose+a+competitor"),
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap();
    assert!(location.contains("saved=move_deal"), "{location}");
    let deal = s.pipelines.deal(id).await.unwrap().unwrap();
    assert_eq!(deal.stage.map(|s| s.id), Some(lost));
    assert_eq!(deal.lost_reason, "Chose a competitor");
    assert_eq!(deal.probability, 0);
    assert_eq!(
        deal.closed_on,
        Some(
            chrono::Utc::now()
                .date_naive()
                .format("%Y-%m-%d")
                .to_string()
        )
    );

    // The same form again, on the version it was opened at: refused, and
    // the page says so above the deal as it is now.
    let (code, headers, _) = call(
        &app,
        form_post("/api/pipeline/move", &move_form("Again"), Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap().to_string();
    let query = location.split_once('?').unwrap().1;
    let (code, _, html) = call(&app, get(&format!("/deals/{id}?{query}"), Some(&sales))).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        html.contains("Someone else changed this deal meanwhile"),
        "{html}"
    );
    assert_eq!(
        s.pipelines.deal(id).await.unwrap().unwrap().lost_reason,
        "Chose a competitor"
    );
}

async fn a_record_lists_its_deals_for_those_who_may_see_them(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let sales_id = user_id(s, Role::Sales).await;
    signed_in(s, Role::Manager).await;
    let manager_id = user_id(s, Role::Manager).await;
    let north = s.teams.create("North").await.unwrap();
    s.teams.add_member(north.id, sales_id).await.unwrap();
    let pipeline = app::server::pipelines::ensure_default(s, Locale::En)
        .await
        .unwrap()
        .remove(0);
    let company = |name: &str| NewCompanyRecord {
        name: name.into(),
        legal_id: String::new(),
        domain: String::new(),
        sector: String::new(),
        size: None,
        address: String::new(),
        owner_id: sales_id,
        team_id: Some(north.id),
    };
    let morel = s.companies.create(&company("Morel SA")).await.unwrap();
    let other = s.companies.create(&company("Petit SARL")).await.unwrap();
    let mut claire = crate::people::person("Morel", sales_id, Some(north.id));
    claire.company_id = Some(morel);
    let claire = s.people.create_many(&[claire]).await.unwrap()[0];
    let won = pipeline
        .stages
        .iter()
        .find(|st| st.kind == StageKind::Won)
        .unwrap()
        .id;
    let deal =
        |title: &str, stage_id: i64, person_id, company_id, owner_id, team_id| NewPipelineDeal {
            title: title.into(),
            amount_cents: 1_234_500,
            currency: "EUR".into(),
            stage_id,
            probability: None,
            person_id,
            company_id,
            owner_id,
            team_id,
            source: "manual".into(),
            expected_close: chrono::NaiveDate::from_ymd_opt(2027, 3, 31),
        };
    let mut ids = Vec::new();
    for d in [
        // Claire's, naming her only.
        deal(
            "Claire renewal",
            pipeline.stages[0].id,
            Some(claire),
            None,
            sales_id,
            Some(north.id),
        ),
        // The company's, won.
        deal(
            "Morel framework",
            won,
            None,
            Some(morel),
            sales_id,
            Some(north.id),
        ),
        // The company's, a manager's of no team: not for the sales rep.
        deal(
            "Morel secret",
            pipeline.stages[1].id,
            None,
            Some(morel),
            manager_id,
            None,
        ),
        // Another company's.
        deal(
            "Petit kitchen",
            pipeline.stages[0].id,
            None,
            Some(other),
            sales_id,
            Some(north.id),
        ),
    ] {
        ids.push(s.pipelines.create_deal(&d, d.owner_id).await.unwrap());
    }
    let listed = |of, visibility| {
        let s = s.clone();
        async move {
            s.pipelines
                .deals_of(of, visibility, 50)
                .await
                .unwrap()
                .iter()
                .map(|d| d.id)
                .collect::<Vec<_>>()
        }
    };
    let sales_sees = Visibility::OwnOrTeams { user_id: sales_id };
    assert_eq!(
        listed(DealsOf::Person(claire), Visibility::All).await,
        vec![ids[0]]
    );
    // Open ones first, newest first; then the closed.
    assert_eq!(
        listed(DealsOf::Company(morel), Visibility::All).await,
        vec![ids[2], ids[0], ids[1]]
    );
    assert_eq!(
        listed(DealsOf::Company(morel), sales_sees).await,
        vec![ids[0], ids[1]]
    );
    let first = &s
        .pipelines
        .deals_of(DealsOf::Company(morel), sales_sees, 50)
        .await
        .unwrap()[0];
    assert_eq!(
        (
            first.stage.clone(),
            first.expected_close.as_deref(),
            first.owner_name.as_str()
        ),
        (
            Some((pipeline.stages[0].name.clone(), StageKind::Open)),
            Some("2027-03-31"),
            "Test sales"
        )
    );

    // The pages, rendered on the server.
    let (code, _, html) = call(&app, get(&format!("/companies/{morel}"), Some(&sales))).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        html.contains("<h2 id=\"record-deals\">Deals</h2>"),
        "{html}"
    );
    for (id, title) in [(ids[0], "Claire renewal"), (ids[1], "Morel framework")] {
        assert!(html.contains(&format!("href=\"/deals/{id}\"")), "{html}");
        assert!(html.contains(title), "{title}: {html}");
    }
    assert!(html.contains("12\u{202f}345,00 EUR"), "{html}");
    assert!(
        !html.contains("Morel secret") && !html.contains("Petit kitchen"),
        "{html}"
    );
    let (code, _, html) = call(&app, get(&format!("/contacts/{claire}"), Some(&sales))).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/deals/{}\"", ids[0])),
        "{html}"
    );
    assert!(!html.contains("Morel framework"), "{html}");
    let (_, _, html) = call(&app, get(&format!("/companies/{other}"), Some(&sales))).await;
    assert!(html.contains("Petit kitchen"), "{html}");
    let lonely = s.companies.create(&company("Seul SAS")).await.unwrap();
    let (_, _, html) = call(&app, get(&format!("/companies/{lonely}"), Some(&sales))).await;
    assert!(html.contains("No deal you may see yet."), "{html}");
}
