//! Lists of people on both backends: every filter and order, keyset pages
//! that neither skip nor repeat whatever the order, within visibility.

use crate::auth::{call, json_post, state};
use crate::on_both_backends;
use crate::support::{TestDb, create_user, signed_in};
use app::domain::*;
use app::server::storage::{
    ContactCondition, NewInteraction, PeopleFilter, PeopleQuery, Visibility,
};
use axum::http::StatusCode;

on_both_backends!(
    lists_filter_sort_and_page_without_gaps,
    people_are_reassigned_in_bulk_within_the_rules,
    people_are_tagged_in_bulk_and_found_by_tag_and_last_contact,
    each_user_keeps_their_own_list_columns,
);

async fn lists_filter_sort_and_page_without_gaps(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let admin = create_user(s, Role::Admin).await.id;
    let north = s.teams.create("North").await.unwrap();
    let names = [
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand",
    ];
    let mut people = Vec::new();
    for i in 0..70 {
        let mut p = crate::people::person(
            names[i % names.len()],
            admin,
            (i % 2 == 0).then_some(north.id),
        );
        p.first_name = format!("P{:02}", i % 10);
        p.emails.clear();
        p.status = PersonStatus::ALL[i % 4];
        p.kind = if i % 5 == 0 {
            PersonKind::B2c
        } else {
            PersonKind::B2b
        };
        people.push(p);
    }
    let ids = s.people.create_many(&people).await.unwrap();
    // Some have been in touch, at distinct instants.
    let base = chrono::Utc::now() - chrono::Duration::days(10);
    let calls: Vec<NewInteraction> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 == 0)
        .map(|(i, id)| NewInteraction {
            person_id: Some(*id),
            company_id: None,
            kind: InteractionKind::Call,
            direction: Some(Direction::Inbound),
            outcome: None,
            duration_minutes: None,
            body: String::new(),
            occurred_at: base + chrono::Duration::minutes(i as i64 * 7 % 61),
            author_id: admin,
            due_at: None,
            assignee_id: None,
        })
        .collect();
    s.interactions.add_many(&calls).await.unwrap();

    // Every order pages through everyone, in order, once.
    for sort in PeopleSort::ALL {
        let mut seen: Vec<PersonSummary> = Vec::new();
        let mut after = None;
        loop {
            let query = PeopleQuery {
                sort: *sort,
                after,
                ..PeopleQuery::default()
            };
            let page = s.people.query(Visibility::All, &query, 15).await.unwrap();
            if page.is_empty() {
                break;
            }
            after = page.last().map(|p| p.id);
            seen.extend(page);
        }
        let mut unique: Vec<i64> = seen.iter().map(|p| p.id).collect();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 70, "{sort:?}: every person once");
        assert_eq!(seen.len(), 70, "{sort:?}: no repeats");
        match sort {
            PeopleSort::Newest => assert!(seen.windows(2).all(|w| w[0].id > w[1].id)),
            PeopleSort::Name => assert!(seen.windows(2).all(|w| {
                (&w[0].last_name, &w[0].first_name, w[0].id)
                    < (&w[1].last_name, &w[1].first_name, w[1].id)
            })),
            PeopleSort::LastContact => {
                let mut last = Vec::new();
                for p in &seen {
                    last.push(s.people.get(p.id).await.unwrap().unwrap().last_inbound_at);
                }
                let contacted = last.iter().take_while(|l| l.is_some()).count();
                assert_eq!(contacted, calls.len(), "the contacted come first");
                assert!(last[contacted..].iter().all(Option::is_none));
                assert!(
                    last[..contacted].windows(2).all(|w| w[0] >= w[1]),
                    "most recent first"
                );
            }
        }
    }

    // Filters, alone and together, within visibility.
    let count = |filter: PeopleFilter, visibility: Visibility| {
        let s = s.clone();
        async move {
            s.people
                .query(
                    visibility,
                    &PeopleQuery {
                        filter,
                        ..PeopleQuery::default()
                    },
                    100,
                )
                .await
                .unwrap()
        }
    };
    let customers = count(
        PeopleFilter {
            status: Some(PersonStatus::Customer),
            ..Default::default()
        },
        Visibility::All,
    )
    .await;
    assert!(!customers.is_empty() && customers.iter().all(|p| p.status == PersonStatus::Customer));
    let b2c_north = count(
        PeopleFilter {
            kind: Some(PersonKind::B2c),
            team_id: Some(north.id),
            ..Default::default()
        },
        Visibility::All,
    )
    .await;
    assert_eq!(
        b2c_north.len(),
        (0..70).filter(|i| i % 5 == 0 && i % 2 == 0).count()
    );
    let none = count(
        PeopleFilter {
            created_from: Some(chrono::Utc::now() + chrono::Duration::days(1)),
            ..Default::default()
        },
        Visibility::All,
    )
    .await;
    assert!(none.is_empty());
    let sales = create_user(s, Role::Sales).await.id;
    let visible = count(
        PeopleFilter::default(),
        Visibility::OwnOrTeams { user_id: sales },
    )
    .await;
    assert!(visible.is_empty(), "not in North yet");
    s.teams.add_member(north.id, sales).await.unwrap();
    let visible = count(
        PeopleFilter::default(),
        Visibility::OwnOrTeams { user_id: sales },
    )
    .await;
    assert_eq!(visible.len(), 35);

    // Through the server function: filters as typed, bad ones refused.
    let app = server::router::build(state(s.clone()));
    let manager = signed_in(s, Role::Manager).await;
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/people/list",
            "status=customer&sort=name",
            Some(&manager),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(body, "[]", "a manager outside the team sees none");
    for (form, problem) in [
        ("status=vip", "unknown_choice"),
        ("sort=shoe_size", "unknown_choice"),
        ("created_from=yesterday", "invalid_date"),
    ] {
        let (code, _, body) = call(&app, json_post("/api/people/list", form, Some(&manager))).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {body}");
        assert!(body.contains(problem), "{form}: {body}");
    }
}

async fn people_are_reassigned_in_bulk_within_the_rules(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let admin = signed_in(s, Role::Admin).await;
    let manager = signed_in(s, Role::Manager).await;
    let find = |role: Role| {
        let s = s.clone();
        async move {
            s.users
                .find_by_email(
                    &EmailAddress::parse(&format!("{}@example.com", role.as_str())).unwrap(),
                )
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let admin_id = find(Role::Admin).await;
    let manager_id = find(Role::Manager).await;
    let sales_id = create_user(s, Role::Sales).await.id;
    let north = s.teams.create("North").await.unwrap();
    let south = s.teams.create("South").await.unwrap();
    s.teams.add_member(north.id, manager_id).await.unwrap();
    s.teams.add_member(north.id, sales_id).await.unwrap();
    let mut batch = Vec::new();
    for (name, team) in [
        ("Nord-A", north.id),
        ("Nord-B", north.id),
        ("Sud-C", south.id),
    ] {
        let mut p = crate::people::person(name, admin_id, Some(team));
        p.emails.clear();
        batch.push(p);
    }
    let ids = s.people.create_many(&batch).await.unwrap();

    // A manager may give only to members of their teams, only people
    // they see; one refused person refuses the whole change.
    let (code, _, body) = call(&app, json_post("/api/people/owners", "", Some(&manager))).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(
        body.contains(&format!("[{sales_id},")) && !body.contains(&format!("[{admin_id},")),
        "{body}"
    );
    let form = format!("ids[0]={}&ids[1]={}&owner_id={sales_id}", ids[0], ids[2]);
    let (code, _, _) = call(
        &app,
        json_post("/api/people/reassign", &form, Some(&manager)),
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let form = format!("ids[0]={}&owner_id={admin_id}", ids[0]);
    let (code, _, body) = call(
        &app,
        json_post("/api/people/reassign", &form, Some(&manager)),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    for id in &ids {
        assert_eq!(
            s.people.get(*id).await.unwrap().unwrap().fields.owner_id,
            admin_id,
            "nothing changed"
        );
    }
    // As a browser posts checkboxes: brackets percent-encoded.
    let form = format!(
        "ids%5B0%5D={}&ids%5B3%5D={}&owner_id={sales_id}",
        ids[0], ids[1]
    );
    let (code, _, body) = call(
        &app,
        json_post("/api/people/reassign", &form, Some(&manager)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    for id in &ids[..2] {
        let p = s.people.get(*id).await.unwrap().unwrap();
        assert_eq!((p.fields.owner_id, p.version), (sales_id, 2));
    }
    // An administrator gives anyone to anyone; nothing selected is refused.
    let form = format!("ids[0]={}&owner_id={manager_id}", ids[2]);
    let (code, _, body) = call(&app, json_post("/api/people/reassign", &form, Some(&admin))).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        s.people.get(ids[2]).await.unwrap().unwrap().fields.owner_id,
        manager_id
    );
    let (code, _, _) = call(
        &app,
        json_post(
            "/api/people/reassign",
            &format!("owner_id={manager_id}"),
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn people_are_tagged_in_bulk_and_found_by_tag_and_last_contact(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let admin_id = create_user(s, Role::Admin).await.id;
    let sales = signed_in(s, Role::Sales).await;
    let sales_id = s
        .users
        .find_by_email(&EmailAddress::parse("sales@example.com").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let north = s.teams.create("North").await.unwrap();
    s.teams.add_member(north.id, sales_id).await.unwrap();
    let mut batch = Vec::new();
    for (name, team) in [
        ("Nord-A", Some(north.id)),
        ("Nord-B", Some(north.id)),
        ("Nord-C", Some(north.id)),
        ("Ailleurs", None),
    ] {
        let mut p = crate::people::person(name, admin_id, team);
        p.emails.clear();
        batch.push(p);
    }
    let ids = s.people.create_many(&batch).await.unwrap();
    let by_tag = |tag_id: i64| {
        let s = s.clone();
        async move {
            let mut ids: Vec<i64> = s
                .people
                .query(
                    Visibility::All,
                    &PeopleQuery {
                        filter: PeopleFilter {
                            tag_id: Some(tag_id),
                            ..Default::default()
                        },
                        ..PeopleQuery::default()
                    },
                    50,
                )
                .await
                .unwrap()
                .iter()
                .map(|p| p.id)
                .collect();
            ids.sort_unstable();
            ids
        }
    };

    // One person the sales user may not open refuses the whole change.
    let form = format!("ids[0]={}&ids[1]={}&tag=Salon+2026", ids[0], ids[3]);
    let (code, _, _) = call(&app, json_post("/api/people/tag", &form, Some(&sales))).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(s.tags.list().await.unwrap().is_empty(), "nothing written");
    // A name too long is explained, nothing written.
    let form = format!("ids[0]={}&tag={}", ids[0], "x".repeat(TAG_MAX + 1));
    let (code, _, body) = call(&app, json_post("/api/people/tag", &form, Some(&sales))).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("too_long"), "{body}");
    assert!(s.tags.list().await.unwrap().is_empty());

    // Three in bulk; then the same tag typed otherwise is the same tag.
    let form = format!(
        "ids[0]={}&ids[1]={}&ids[2]={}&tag=Salon+2026",
        ids[0], ids[1], ids[2]
    );
    let (code, _, body) = call(&app, json_post("/api/people/tag", &form, Some(&sales))).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let form = format!("ids[0]={}&tag=SALON+2026", ids[0]);
    let (code, _, _) = call(&app, json_post("/api/people/tag", &form, Some(&sales))).await;
    assert_eq!(code, StatusCode::OK);
    let tags = s.tags.list().await.unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].1, "Salon 2026", "the first spelling is kept");
    assert_eq!(by_tag(tags[0].0).await, ids[..3].to_vec());
    let listed = s.people.list(Visibility::All, None, 10).await.unwrap();
    for p in &listed {
        let expected: Vec<String> = if ids[..3].contains(&p.id) {
            vec!["Salon 2026".into()]
        } else {
            vec![]
        };
        assert_eq!(p.tags, expected, "{}", p.last_name);
    }

    // Off again for one: the others keep it.
    let form = format!("ids[0]={}&tag=salon+2026&remove=1", ids[1]);
    let (code, _, _) = call(&app, json_post("/api/people/tag", &form, Some(&sales))).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(by_tag(tags[0].0).await, vec![ids[0], ids[2]]);
    // And through the list's server function, as the address asks.
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/people/list",
            &format!("tag={}", tags[0].0),
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(
        body.contains("Nord-A") && body.contains("Nord-C") && !body.contains("Nord-B"),
        "{body}"
    );

    // Last contact from them: one inbound call long ago, one last week.
    let call_at = |person_id: i64, days: i64| NewInteraction {
        person_id: Some(person_id),
        company_id: None,
        kind: InteractionKind::Call,
        direction: Some(Direction::Inbound),
        outcome: None,
        duration_minutes: None,
        body: String::new(),
        occurred_at: chrono::Utc::now() - chrono::Duration::days(days),
        author_id: admin_id,
        due_at: None,
        assignee_id: None,
    };
    s.interactions
        .add_many(&[call_at(ids[0], 400), call_at(ids[1], 7)])
        .await
        .unwrap();
    let year_ago = chrono::Utc::now() - chrono::Duration::days(365);
    for (condition, expected) in [
        (ContactCondition::Since(year_ago), vec![ids[1]]),
        (
            ContactCondition::NotSince(year_ago),
            vec![ids[0], ids[2], ids[3]],
        ),
        (ContactCondition::Never, vec![ids[2], ids[3]]),
    ] {
        let mut found: Vec<i64> = s
            .people
            .query(
                Visibility::All,
                &PeopleQuery {
                    filter: PeopleFilter {
                        last_contact: Some(condition),
                        ..Default::default()
                    },
                    ..PeopleQuery::default()
                },
                50,
            )
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        found.sort_unstable();
        assert_eq!(found, expected, "{condition:?}");
    }
    let (code, _, body) = call(
        &app,
        json_post("/api/people/list", "contact=30d", Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(
        body.contains("Nord-B") && !body.contains("Nord-A"),
        "{body}"
    );
    let (code, _, body) = call(
        &app,
        json_post("/api/people/list", "contact=lately", Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn each_user_keeps_their_own_list_columns(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let readonly = signed_in(s, Role::Readonly).await;
    let columns = |cookie: String| {
        let app = app.clone();
        async move {
            let (code, _, body) = call(
                &app,
                json_post("/api/preferences/people-columns", "", Some(&cookie)),
            )
            .await;
            assert_eq!(code, StatusCode::OK, "{body}");
            serde_json::from_str::<Vec<PeopleColumn>>(&body).unwrap()
        }
    };
    assert_eq!(columns(sales.clone()).await, PeopleColumn::DEFAULT.to_vec());
    let (code, _, _) = call(
        &app,
        json_post(
            "/api/preferences/set-people-columns",
            "columns[0]=tags&columns[1]=last_contact",
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(
        columns(sales.clone()).await,
        vec![PeopleColumn::LastContact, PeopleColumn::Tags],
        "kept, in the list's order"
    );
    assert_eq!(
        columns(readonly.clone()).await,
        PeopleColumn::DEFAULT.to_vec(),
        "another user's choice is their own"
    );
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/preferences/set-people-columns",
            "columns[0]=shoe_size",
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        columns(sales).await,
        vec![PeopleColumn::LastContact, PeopleColumn::Tags],
        "a refused choice changes nothing"
    );
}
