//! Managing pipelines and stages, on both backends: stages added in the
//! right place, renamed with the deals that followed their probability,
//! reordered, and archived only once their deals have somewhere to go;
//! only managers and administrators may.

use crate::auth::{call, form_post, get, json_post, state};
use crate::on_both_backends;
use crate::support::{TestDb, create_user, signed_in};
use app::domain::*;
use app::i18n::Locale;
use app::server::storage::{
    ArchiveRefusal, BoardFilter, NewPipelineDeal, NewStage, Storage, Visibility,
};
use axum::http::{StatusCode, header};

on_both_backends!(
    stages_are_added_edited_reordered_and_archived_with_their_deals,
    only_managers_change_pipelines_and_the_forms_say_what_is_wrong,
    first_visits_at_the_same_moment_make_one_pipeline,
);

fn deal(title: &str, stage_id: i64, owner_id: i64, probability: Option<u8>) -> NewPipelineDeal {
    NewPipelineDeal {
        title: title.into(),
        amount_cents: 10_000,
        currency: "EUR".into(),
        stage_id,
        probability,
        person_id: None,
        company_id: None,
        owner_id,
        team_id: None,
        source: "manual".into(),
        expected_close: None,
    }
}

async fn first_pipeline(s: &Storage) -> Pipeline {
    app::server::pipelines::ensure_default(s, Locale::En)
        .await
        .unwrap()
        .remove(0)
}

/// The names of a pipeline's stages in use, in board order.
async fn stage_names(s: &Storage) -> Vec<String> {
    first_pipeline(s)
        .await
        .stages
        .into_iter()
        .filter(|s| !s.archived)
        .map(|s| s.name)
        .collect()
}

async fn stages_are_added_edited_reordered_and_archived_with_their_deals(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let admin = create_user(s, Role::Admin).await.id;
    let pipeline = first_pipeline(s).await;
    let st = pipeline.stages.clone();
    let won = st.iter().find(|s| s.kind == StageKind::Won).unwrap().id;
    let names = |i: usize| st[i].name.clone();

    // An open stage goes before the won and lost ones; a closed one last.
    let demo = s
        .pipelines
        .add_stage(
            pipeline.id,
            &NewStage {
                name: "Demo".into(),
                probability: 45,
                kind: StageKind::Open,
            },
        )
        .await
        .unwrap();
    s.pipelines
        .add_stage(
            pipeline.id,
            &NewStage {
                name: "Signed elsewhere".into(),
                probability: 0,
                kind: StageKind::Lost,
            },
        )
        .await
        .unwrap();
    let order = stage_names(s).await;
    assert_eq!(order.len(), 12);
    assert_eq!(order[8], "Demo");
    assert_eq!(first_pipeline(s).await.stages[8].id, demo);
    assert_eq!(order[9], names(8));
    assert_eq!(order[11], "Signed elsewhere");

    // Three deals in the third stage, one with its own probability; one
    // already in the fourth.
    let third = st[2].id;
    let fourth = st[3].id;
    let mut ids = Vec::new();
    for (title, p) in [("A", None), ("B", Some(55)), ("C", None)] {
        ids.push(
            s.pipelines
                .create_deal(&deal(title, third, admin, p), admin)
                .await
                .unwrap(),
        );
    }
    let there = s
        .pipelines
        .create_deal(&deal("Already there", fourth, admin, None), admin)
        .await
        .unwrap();

    // A new default probability: the deals that followed the old one
    // follow it (their version goes up); an override stays.
    assert!(
        s.pipelines
            .edit_stage(third, "Proposal sent", 35)
            .await
            .unwrap()
    );
    let a = s.pipelines.deal(ids[0]).await.unwrap().unwrap();
    let b = s.pipelines.deal(ids[1]).await.unwrap().unwrap();
    assert_eq!((a.probability, a.version), (35, 2));
    assert_eq!((b.probability, b.version), (55, 1));
    assert!(
        !s.pipelines
            .edit_stage(999_999, "Nothing", 10)
            .await
            .unwrap()
    );

    // Reordering swaps with the neighbour; at an end nothing moves.
    assert!(s.pipelines.move_stage(third, true).await.unwrap());
    let order = stage_names(s).await;
    assert_eq!(order[1], "Proposal sent");
    assert_eq!(order[2], names(1));
    assert!(!s.pipelines.move_stage(st[0].id, true).await.unwrap());
    assert!(s.pipelines.move_stage(third, false).await.unwrap());
    assert_eq!(stage_names(s).await[2], "Proposal sent");

    // Archiving a stage that holds deals needs a stage of the same kind.
    assert_eq!(
        s.pipelines.archive_stage(third, None, admin).await.unwrap(),
        Err(ArchiveRefusal::DealsToMove(3))
    );
    assert_eq!(
        s.pipelines
            .archive_stage(third, Some(won), admin)
            .await
            .unwrap(),
        Err(ArchiveRefusal::BadTarget)
    );
    assert_eq!(
        s.pipelines
            .archive_stage(third, Some(third), admin)
            .await
            .unwrap(),
        Err(ArchiveRefusal::BadTarget)
    );
    assert_eq!(
        s.pipelines.deal(ids[0]).await.unwrap().unwrap().version,
        2,
        "refused whole"
    );
    assert_eq!(
        s.pipelines
            .archive_stage(third, Some(fourth), admin)
            .await
            .unwrap(),
        Ok(3)
    );
    // They follow the deal already there, in their order, at the new
    // stage's probability; each change of stage is recorded.
    let board = s
        .pipelines
        .board(pipeline.id, Visibility::All, &BoardFilter::default(), 50)
        .await
        .unwrap();
    assert!(board.iter().all(|c| c.stage.id != third));
    let column = board.iter().find(|c| c.stage.id == fourth).unwrap();
    assert_eq!(
        column.cards.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![there, ids[0], ids[1], ids[2]]
    );
    assert!(
        column
            .cards
            .iter()
            .all(|c| c.probability == st[3].probability)
    );
    let history = s.pipelines.stage_history(ids[1]).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].from_stage.as_deref(), Some("Proposal sent"));
    assert_eq!(history[1].to_stage, names(3));
    assert_eq!(
        s.pipelines
            .archive_stage(third, Some(fourth), admin)
            .await
            .unwrap(),
        Err(ArchiveRefusal::NotFound)
    );

    // The last open stage stays.
    let open: Vec<i64> = first_pipeline(s)
        .await
        .stages
        .iter()
        .filter(|s| s.kind == StageKind::Open && !s.archived)
        .map(|s| s.id)
        .collect();
    let (keep, rest) = open.split_last().unwrap();
    for id in rest {
        let moved = s
            .pipelines
            .archive_stage(*id, Some(*keep), admin)
            .await
            .unwrap();
        assert!(moved.is_ok(), "{moved:?}");
    }
    assert_eq!(
        s.pipelines.archive_stage(*keep, None, admin).await.unwrap(),
        Err(ArchiveRefusal::LastOpenStage)
    );
    let board = s
        .pipelines
        .board(pipeline.id, Visibility::All, &BoardFilter::default(), 50)
        .await
        .unwrap();
    assert_eq!(board.iter().find(|c| c.stage.id == *keep).unwrap().count, 4);
}

async fn only_managers_change_pipelines_and_the_forms_say_what_is_wrong(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let manager = signed_in(s, Role::Manager).await;
    let admin = create_user(s, Role::Admin).await.id;
    let pipeline = first_pipeline(s).await;
    let first = pipeline.stages[0].id;
    s.pipelines
        .create_deal(&deal("Held", first, admin, None), admin)
        .await
        .unwrap();

    // A sales user: refused, nothing changed.
    for (path, form) in [
        ("/api/pipelines/settings", String::new()),
        ("/api/pipelines/create", "name=Renewals".to_string()),
        (
            "/api/pipelines/rename",
            format!("pipeline_id={}&name=Mine", pipeline.id),
        ),
        (
            "/api/pipelines/add-stage",
            format!("pipeline_id={}&name=X&probability=5&kind=open", pipeline.id),
        ),
        (
            "/api/pipelines/edit-stage",
            format!("stage_id={first}&name=X&probability=5"),
        ),
        (
            "/api/pipelines/move-stage",
            format!("stage_id={first}&direction=down"),
        ),
        ("/api/pipelines/archive-stage", format!("stage_id={first}")),
    ] {
        let (code, _, _) = call(&app, json_post(path, &form, Some(&sales))).await;
        assert_eq!(code, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        s.pipelines.pipelines().await.unwrap(),
        vec![pipeline.clone()]
    );
    let (code, _, _) = call(&app, get("/settings/pipelines", Some(&sales))).await;
    assert_eq!(code, StatusCode::FORBIDDEN);

    // A manager: a new pipeline with the usual stages; bad input refused.
    let (code, _, body) = call(
        &app,
        json_post("/api/pipelines/create", "name=Renewals", Some(&manager)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let all = s.pipelines.pipelines().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[1].name.as_str(), all[1].stages.len()),
        ("Renewals", 10)
    );
    for (path, form, field) in [
        ("/api/pipelines/create", "name=+".to_string(), "name"),
        (
            "/api/pipelines/edit-stage",
            format!("stage_id={first}&name=Lead&probability=140"),
            "probability",
        ),
        (
            "/api/pipelines/add-stage",
            format!(
                "pipeline_id={}&name=X&probability=5&kind=maybe",
                pipeline.id
            ),
            "kind",
        ),
        (
            "/api/pipelines/move-stage",
            format!("stage_id={first}&direction=sideways"),
            "direction",
        ),
    ] {
        let (code, _, body) = call(&app, json_post(path, &form, Some(&manager))).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(body.contains(field), "{path}: {body}");
    }
    assert_eq!(s.pipelines.pipelines().await.unwrap().len(), 2);
    assert_eq!(first_pipeline(s).await, pipeline);

    // Without JavaScript, archiving a stage with deals comes back asking
    // where they go, next to that stage.
    let (code, headers, _) = call(
        &app,
        form_post(
            "/api/pipelines/archive-stage",
            &format!("stage_id={first}"),
            Some(&manager),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap().to_string();
    assert!(
        location.contains(&format!("form=stage_{first}")),
        "{location}"
    );
    assert!(location.contains("deals_to_move"), "{location}");
    let query = location.split_once('?').unwrap().1;
    let (code, _, html) = call(
        &app,
        get(&format!("/settings/pipelines?{query}"), Some(&manager)),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert!(html.contains("This stage holds deals"), "{html}");
    assert!(
        html.contains("Renewals") && html.contains(&pipeline.stages[1].name),
        "{html}"
    );
    let target = pipeline.stages[1].id;
    let (code, headers, _) = call(
        &app,
        form_post(
            "/api/pipelines/archive-stage",
            &format!("stage_id={first}&move_to={target}"),
            Some(&manager),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::FOUND);
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .contains(&format!("saved=stage_{first}"))
    );
    assert!(first_pipeline(s).await.stages[0].archived);
}

async fn first_visits_at_the_same_moment_make_one_pipeline(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    // As two instances (or two requests) opening the first board at once.
    let visits = (0..4).map(|_| {
        let s = s.clone();
        tokio::spawn(async move { app::server::pipelines::ensure_default(&s, Locale::Fr).await })
    });
    for visit in visits.collect::<Vec<_>>() {
        assert_eq!(visit.await.unwrap().unwrap().len(), 1);
    }
    let all = s.pipelines.pipelines().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].stages.len(), DEFAULT_STAGES.len());
}
