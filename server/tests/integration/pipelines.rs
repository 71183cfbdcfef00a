//! Pipelines and the board on both backends: columns with their totals and
//! first cards, moves that write the moved deal only (three statements at
//! most) and are refused whole, the history of stages, visibility.

use crate::on_both_backends;
use crate::support::statements::statements_of;
use crate::support::{TestDb, create_user};
use app::domain::*;
use app::i18n::Locale;
use app::server::storage::{BoardFilter, MoveRefusal, NewPipelineDeal, Storage, Visibility};

fn deal(title: &str, cents: i64, stage_id: i64, owner_id: i64) -> NewPipelineDeal {
    NewPipelineDeal {
        title: title.into(),
        amount_cents: cents,
        currency: "EUR".into(),
        stage_id,
        probability: None,
        person_id: None,
        company_id: None,
        owner_id,
        team_id: None,
        source: "manual".into(),
        expected_close: None,
    }
}

/// A qualified lead, ready to convert.
async fn new_lead(s: &Storage, first: &str, last: &str, owner: i64) -> i64 {
    s.leads
        .create(&app::server::storage::NewLeadRecord {
            first_name: first.into(),
            last_name: last.into(),
            company_name: String::new(),
            email: None,
            phone: None,
            status: LeadStatus::Qualified,
            disqualified_reason: String::new(),
            score: 50,
            kind: PersonKind::B2b,
            source: Source::Manual,
            collected_at: chrono::Utc::now(),
            entered_by: Some(owner),
            supplier: String::new(),
            contract_ref: String::new(),
            prospecting_basis: LegalBasis::LegitimateInterest,
            owner_id: owner,
            team_id: None,
        })
        .await
        .unwrap()
}

async fn default_pipeline(s: &Storage) -> Pipeline {
    app::server::pipelines::ensure_default(s, Locale::En)
        .await
        .unwrap()
        .remove(0)
}

fn to(stage: i64, deal: &DealCard, after: Option<i64>, before: Option<i64>) -> DealMove {
    DealMove {
        deal_id: deal.id,
        version: deal.version,
        to_stage_id: stage,
        after_deal_id: after,
        before_deal_id: before,
        lost_reason: None,
        closed_on: None,
    }
}

on_both_backends!(
    the_board_shows_each_stage_with_its_totals_and_first_cards,
    a_move_writes_the_deal_and_its_history_in_three_statements,
    moves_are_refused_whole_when_stale_elsewhere_or_not_allowed,
    a_column_keeps_its_order_through_many_drops_at_one_place,
    deals_converted_before_any_pipeline_join_the_first_one,
    the_board_functions_log_reads_and_refuse_other_peoples_deals,
);

async fn the_board_shows_each_stage_with_its_totals_and_first_cards(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let admin = create_user(s, Role::Admin).await.id;
    let sales = create_user(s, Role::Sales).await.id;
    let pipeline = default_pipeline(s).await;
    assert_eq!(pipeline.name, "New business");
    assert_eq!(pipeline.stages.len(), 10);
    assert_eq!(pipeline.stages[8].kind, StageKind::Won);
    let (first, second) = (pipeline.stages[0].clone(), pipeline.stages[1].clone());

    let a = s
        .pipelines
        .create_deal(&deal("Alpha", 100_000, first.id, admin), admin)
        .await
        .unwrap();
    let mut chf = deal("Beta", 50_000, first.id, sales);
    chf.currency = "CHF".into();
    chf.probability = Some(50);
    let b = s.pipelines.create_deal(&chf, sales).await.unwrap();
    let c = s
        .pipelines
        .create_deal(&deal("Gamma <script>", 30_000, second.id, admin), admin)
        .await
        .unwrap();

    let board = s
        .pipelines
        .board(pipeline.id, Visibility::All, &BoardFilter::default(), 50)
        .await
        .unwrap();
    assert_eq!(board.len(), 10);
    assert_eq!(board[0].count, 2);
    assert_eq!(
        board[0].cards.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![a, b]
    );
    // One total per currency; weighted by each deal's probability (the
    // stage's 10 % unless set: Beta's 50 %).
    assert_eq!(
        board[0].totals,
        vec![
            ColumnTotal {
                currency: "CHF".into(),
                amount_cents: 50_000,
                weighted_cents: 25_000
            },
            ColumnTotal {
                currency: "EUR".into(),
                amount_cents: 100_000,
                weighted_cents: 10_000
            },
        ]
    );
    assert_eq!(board[1].cards[0].id, c);
    assert_eq!(board[1].cards[0].title, "Gamma <script>");
    assert_eq!(board[1].cards[0].probability, 20);

    // A sales user sees their own deals only (no team in common).
    let theirs = s
        .pipelines
        .board(
            pipeline.id,
            Visibility::OwnOrTeams { user_id: sales },
            &BoardFilter::default(),
            50,
        )
        .await
        .unwrap();
    assert_eq!(theirs[0].count, 1);
    assert_eq!(theirs[0].cards[0].id, b);
    assert_eq!(theirs[1].count, 0);

    // Filters: owner, words of the title (LIKE wildcards taken literally).
    let filtered = |filter: BoardFilter| async move {
        s.pipelines
            .board(pipeline.id, Visibility::All, &filter, 50)
            .await
            .unwrap()
            .iter()
            .map(|c| c.count)
            .sum::<i64>()
    };
    assert_eq!(
        filtered(BoardFilter {
            owner_id: Some(admin),
            ..Default::default()
        })
        .await,
        2
    );
    assert_eq!(
        filtered(BoardFilter {
            search: Some("gam".into()),
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        filtered(BoardFilter {
            search: Some("%".into()),
            ..Default::default()
        })
        .await,
        0
    );

    // The next page of a column starts after the last card shown.
    let page = s
        .pipelines
        .column(
            first.id,
            Visibility::All,
            &BoardFilter::default(),
            Some((board[0].cards[0].rank.clone(), a)),
            50,
        )
        .await
        .unwrap();
    assert_eq!(page.iter().map(|c| c.id).collect::<Vec<_>>(), vec![b]);
}

async fn a_move_writes_the_deal_and_its_history_in_three_statements(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let admin = create_user(s, Role::Admin).await;
    let pipeline = default_pipeline(s).await;
    let (first, second) = (pipeline.stages[0].id, pipeline.stages[1].id);
    for title in ["One", "Two", "Three"] {
        s.pipelines
            .create_deal(&deal(title, 10_000, second, admin.id), admin.id)
            .await
            .unwrap();
    }
    let moving = s
        .pipelines
        .create_deal(&deal("Moving", 10_000, first, admin.id), admin.id)
        .await
        .unwrap();
    let board = s
        .pipelines
        .board(pipeline.id, Visibility::All, &BoardFilter::default(), 50)
        .await
        .unwrap();
    let card = board[0].cards[0].clone();
    assert_eq!(card.id, moving);
    let (one, two) = (board[1].cards[0].id, board[1].cards[1].id);

    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let (moved, statements) = statements_of(s.pipelines.move_deal(
        &to(second, &card, Some(one), Some(two)),
        Visibility::All,
        admin.id,
        today,
    ))
    .await;
    let moved = moved.unwrap().unwrap();
    assert!(
        statements.len() <= 3,
        "{} statements: {statements:#?}",
        statements.len()
    );
    assert!(!statements.is_empty(), "statements were not seen");
    assert_eq!(moved.version, card.version + 1);
    assert_eq!(moved.probability, 20);

    let column: Vec<i64> = s
        .pipelines
        .board(pipeline.id, Visibility::All, &BoardFilter::default(), 50)
        .await
        .unwrap()[1]
        .cards
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(column[..3], [one, moving, two]);

    // Reordering inside a column writes no history.
    let now = s
        .pipelines
        .card(moving, Visibility::All)
        .await
        .unwrap()
        .unwrap();
    let (reordered, statements) = statements_of(s.pipelines.move_deal(
        &to(second, &now, None, Some(one)),
        Visibility::All,
        admin.id,
        today,
    ))
    .await;
    reordered.unwrap().unwrap();
    assert!(statements.len() <= 2, "{statements:#?}");
    let history = s.pipelines.stage_history(moving).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].from_stage, None);
    assert_eq!(history[1].from_stage.as_deref(), Some("New"));
    assert_eq!(history[1].to_stage, "First contact");
    assert_eq!(history[1].by.as_deref(), Some(admin.display_name.as_str()));
}

async fn moves_are_refused_whole_when_stale_elsewhere_or_not_allowed(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let admin = create_user(s, Role::Admin).await.id;
    let sales = create_user(s, Role::Sales).await.id;
    let pipeline = default_pipeline(s).await;
    let other = s
        .pipelines
        .create_pipeline(
            "Renewals",
            &[app::server::storage::NewStage {
                name: "Due".into(),
                probability: 50,
                kind: StageKind::Open,
            }],
        )
        .await
        .unwrap();
    let other_stage = s.pipelines.pipelines().await.unwrap()[1].stages[0].id;
    assert_eq!(s.pipelines.pipelines().await.unwrap()[1].id, other);
    let stages = &pipeline.stages;
    let id = s
        .pipelines
        .create_deal(&deal("Contested", 10_000, stages[0].id, admin), admin)
        .await
        .unwrap();
    let card = s
        .pipelines
        .card(id, Visibility::All)
        .await
        .unwrap()
        .unwrap();
    let today = chrono::Utc::now().date_naive();
    let try_move = |mv: DealMove, visibility: Visibility| async move {
        s.pipelines
            .move_deal(&mv, visibility, admin, today)
            .await
            .unwrap()
    };

    // Another pipeline's stage, a lost stage without a reason, a deal the
    // mover may not see: refused, nothing written.
    assert_eq!(
        try_move(to(other_stage, &card, None, None), Visibility::All).await,
        Err(MoveRefusal::StageUnavailable)
    );
    assert_eq!(
        try_move(to(stages[9].id, &card, None, None), Visibility::All).await,
        Err(MoveRefusal::ReasonRequired)
    );
    assert_eq!(
        try_move(to(-5, &card, None, None), Visibility::All).await,
        Err(MoveRefusal::StageUnavailable)
    );
    assert_eq!(
        try_move(
            to(stages[1].id, &card, None, None),
            Visibility::OwnOrTeams { user_id: sales }
        )
        .await,
        Err(MoveRefusal::NotFound)
    );
    let unchanged = s
        .pipelines
        .card(id, Visibility::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged, card);
    assert_eq!(s.pipelines.stage_history(id).await.unwrap().len(), 1);

    // Two people move the same card: the second is told, with the card as
    // it is now.
    try_move(to(stages[2].id, &card, None, None), Visibility::All)
        .await
        .unwrap();
    match try_move(to(stages[3].id, &card, None, None), Visibility::All).await {
        Err(MoveRefusal::Changed(now)) => {
            assert_eq!(now.stage_id, stages[2].id);
            assert_eq!(now.version, card.version + 1);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }

    // Lost with a reason: recorded; won: closed today.
    let now = s
        .pipelines
        .card(id, Visibility::All)
        .await
        .unwrap()
        .unwrap();
    let mut lost = to(stages[9].id, &now, None, None);
    lost.lost_reason = Some("Budget cut".into());
    let moved = try_move(lost, Visibility::All).await.unwrap();
    assert_eq!(moved.probability, 0);
    let now = s
        .pipelines
        .card(id, Visibility::All)
        .await
        .unwrap()
        .unwrap();
    let won = try_move(to(stages[8].id, &now, None, None), Visibility::All)
        .await
        .unwrap();
    assert_eq!(won.probability, 100);
}

async fn a_column_keeps_its_order_through_many_drops_at_one_place(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let admin = create_user(s, Role::Admin).await.id;
    let pipeline = default_pipeline(s).await;
    let stage = pipeline.stages[0].id;
    let deals: Vec<NewPipelineDeal> = (0..40)
        .map(|i| deal(&format!("Deal {i}"), 100, stage, admin))
        .collect();
    s.pipelines.create_deals(&deals).await.unwrap();
    let today = chrono::Utc::now().date_naive();
    let column = || async {
        s.pipelines
            .board(pipeline.id, Visibility::All, &BoardFilter::default(), 50)
            .await
            .unwrap()
            .remove(0)
            .cards
    };
    // Always drop the last card between the first two: keys grow until
    // the column is spread out again, and the order holds throughout.
    let mut expected: Vec<i64> = column().await.iter().map(|c| c.id).collect();
    for _ in 0..150 {
        let cards = column().await;
        let last = cards.last().unwrap().clone();
        s.pipelines
            .move_deal(
                &to(stage, &last, Some(cards[0].id), Some(cards[1].id)),
                Visibility::All,
                admin,
                today,
            )
            .await
            .unwrap()
            .unwrap();
        let moved = expected.pop().unwrap();
        expected.insert(1, moved);
        let now: Vec<i64> = column().await.iter().map(|c| c.id).collect();
        assert_eq!(now, expected);
    }
    assert!(column().await.iter().all(|c| rank::is_valid(&c.rank)));
}

async fn deals_converted_before_any_pipeline_join_the_first_one(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let admin = create_user(s, Role::Admin).await.id;
    let lead = new_lead(s, "Ada", "Nowak", admin).await;
    let version = s.leads.get(lead).await.unwrap().unwrap().version;
    let converted = s
        .leads
        .convert(
            lead,
            version,
            Some(&app::server::storage::NewDeal {
                title: "Before the board".into(),
                amount_cents: 90_000,
                currency: "EUR".into(),
            }),
        )
        .await
        .unwrap();
    let pipeline = default_pipeline(s).await;
    let board = s
        .pipelines
        .board(pipeline.id, Visibility::All, &BoardFilter::default(), 50)
        .await
        .unwrap();
    assert_eq!(board[0].cards[0].id, converted.deal_id.unwrap());
    assert_eq!(board[0].cards[0].probability, 10);

    // Converted once a board exists: at the end of its first column.
    let lead = new_lead(s, "Bo", "Lind", admin).await;
    let version = s.leads.get(lead).await.unwrap().unwrap().version;
    let later = s
        .leads
        .convert(
            lead,
            version,
            Some(&app::server::storage::NewDeal {
                title: "On the board".into(),
                amount_cents: 10_000,
                currency: "EUR".into(),
            }),
        )
        .await
        .unwrap();
    let board = s
        .pipelines
        .board(pipeline.id, Visibility::All, &BoardFilter::default(), 50)
        .await
        .unwrap();
    assert_eq!(
        board[0].cards.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![converted.deal_id.unwrap(), later.deal_id.unwrap()]
    );
}

/// Through the server functions: the board read is logged, a sales user's
/// move of a deal that is not theirs is refused (404) and logged as
/// refused, with nothing written; readonly users cannot move at all.
async fn the_board_functions_log_reads_and_refuse_other_peoples_deals(backend: &str) {
    use crate::auth::{call, json_post, state};
    use app::server::storage::AccessLogFilter;
    use axum::http::StatusCode;
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = crate::support::signed_in(s, Role::Sales).await;
    let admin = create_user(s, Role::Admin).await.id;
    let pipeline = default_pipeline(s).await;
    let theirs = s
        .pipelines
        .create_deal(
            &deal("Not yours", 10_000, pipeline.stages[0].id, admin),
            admin,
        )
        .await
        .unwrap();

    let (code, _, body) = call(&app, json_post("/api/pipeline/board", "", Some(&sales))).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(!body.contains("Not yours"), "{body}");
    let form = format!(
        "deal_id={theirs}&version=1&to_stage_id={}",
        pipeline.stages[1].id
    );
    let (code, _, _) = call(&app, json_post("/api/pipeline/move", &form, Some(&sales))).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let card = s
        .pipelines
        .card(theirs, Visibility::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((card.stage_id, card.version), (pipeline.stages[0].id, 1));

    let log = |record_id: &str| {
        let filter = AccessLogFilter {
            record_type: Some("deal".into()),
            record_id: Some(record_id.into()),
            ..Default::default()
        };
        async move { s.access_log.search(&filter, 10).await.unwrap() }
    };
    let listed = log("").await;
    assert!(
        listed.iter().any(|e| e.action == "list" && e.allowed),
        "{listed:?}"
    );
    let moves = log(&theirs.to_string()).await;
    assert!(
        moves.iter().any(|e| e.action == "move" && !e.allowed),
        "{moves:?}"
    );

    let reader = crate::support::signed_in(s, Role::Readonly).await;
    let (code, _, _) = call(&app, json_post("/api/pipeline/move", &form, Some(&reader))).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
}
