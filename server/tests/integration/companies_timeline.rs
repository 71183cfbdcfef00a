//! Companies, duplicates and timelines on both backends: entering and
//! linking companies, search by company name, duplicate detection, and
//! logging to a timeline (last inbound contact, literal text, limits,
//! paging, access).

use crate::auth::{call, form_post, get, json_post, state};
use crate::on_both_backends;
use crate::support::{TestDb, create_user, signed_in, user_id};
use app::domain::*;

use app::server::storage::{CompanyEdit, ErasureReason, NewInteraction, TimelineOf, Visibility};
use axum::http::StatusCode;

on_both_backends!(
    companies_are_entered_linked_and_found,
    duplicates_are_shown_before_a_second_record_is_made,
    logging_to_a_timeline_follows_the_rules,
    timelines_page_newest_first_without_gaps_or_repeats,
    concurrent_edits_are_never_silently_overwritten,
    companies_are_edited_and_found_by_their_new_name,
    company_edits_are_never_silently_overwritten,
);

async fn body_of(app: &axum::Router, path: &str, cookie: &str) -> (StatusCode, String) {
    let (status, _, body) = call(app, get(path, Some(cookie))).await;
    (status, body)
}

/// Posts `form` to `path` as a browser without JavaScript does, expects
/// the refusal's redirect, and renders `page` with the query it carries
/// (the problem and what was typed).
async fn refused_plain_form(
    app: &axum::Router,
    path: &str,
    form: &str,
    cookie: &str,
    page: &str,
) -> (StatusCode, String) {
    let (code, headers, _) = call(app, form_post(path, form, Some(cookie))).await;
    assert_eq!(code, StatusCode::FOUND, "{path} {form}");
    let location = headers[axum::http::header::LOCATION].to_str().unwrap();
    let query = location.split_once('?').unwrap().1;
    body_of(app, &format!("{page}?{query}"), cookie).await
}

async fn companies_are_entered_linked_and_found(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let manager = signed_in(s, Role::Manager).await;
    let sales_id = user_id(s, Role::Sales).await;
    let manager_id = user_id(s, Role::Manager).await;
    let north = s.teams.create("North").await.unwrap();
    let south = s.teams.create("South").await.unwrap();
    s.teams.add_member(north.id, sales_id).await.unwrap();
    s.teams.add_member(south.id, manager_id).await.unwrap();

    for (form, problem) in [
        ("name=", "required"),
        ("name=Acme&legal_id=732829321", "invalid_legal_id"),
        ("name=Acme&domain=not+a+domain", "invalid_domain"),
        ("name=Acme&size=huge", "unknown_choice"),
    ] {
        let (code, _, body) =
            call(&app, json_post("/api/companies/create", form, Some(&sales))).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {body}");
        assert!(body.contains(problem), "{form}: {body}");
    }
    assert!(
        s.companies
            .list(Visibility::All, None, 5)
            .await
            .unwrap()
            .is_empty()
    );

    let form = format!(
        "name=Acm%C3%A9+Industrie&legal_id=732+829+320&domain=https%3A%2F%2Fwww.acme-industrie.fr%2F&size=small&team_id={}",
        north.id
    );
    let (code, _, body) = call(
        &app,
        json_post("/api/companies/create", &form, Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let company = s.companies.list(Visibility::All, None, 1).await.unwrap()[0].clone();
    assert_eq!(company.domain, "acme-industrie.fr");
    let stored = s.companies.get(company.id).await.unwrap().unwrap();
    assert_eq!(stored.fields.legal_id, "732829320");
    assert_eq!(stored.fields.team_id, Some(north.id));

    // Typing the name without its accent, in capitals, links the same
    // company rather than creating another.
    let form = format!(
        "first_name=Zo%C3%A9&last_name=Lef%C3%A8vre&kind=b2b&status=lead&company=ACME+industrie&team_id={}",
        north.id
    );
    let (code, _, body) = call(&app, json_post("/api/people/create", &form, Some(&sales))).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        s.companies
            .list(Visibility::All, None, 5)
            .await
            .unwrap()
            .len(),
        1
    );
    let person = s.people.list(Visibility::All, None, 1).await.unwrap()[0].clone();
    assert_eq!(person.company_name.as_deref(), Some("Acmé Industrie"));

    // A new name creates the company, owned by whoever typed it.
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/people/create",
            "last_name=Petit&kind=b2b&status=lead&company=Boulangerie+Petit",
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        s.companies
            .list(Visibility::All, None, 5)
            .await
            .unwrap()
            .len(),
        2
    );

    // Search: the company by its name or domain, the person by the
    // company's name.
    let words = |q: &str| app::domain::search::query_tokens(q);
    let found = s
        .companies
        .search(Visibility::All, &words("acme indus"), 20)
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![company.id]
    );
    let found = s
        .companies
        .search(Visibility::All, &words("acme-industrie"), 20)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let found = s
        .people
        .search(Visibility::All, &words("acmé"), 20)
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![person.id]
    );

    // The company's page lists the person; another team's user is
    // refused it, and does not find it by search.
    let (status, html) = body_of(&app, &format!("/companies/{}", company.id), &sales).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Lefèvre"), "{html}");
    let (status, html) = body_of(&app, &format!("/companies/{}", company.id), &manager).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains("Lefèvre"));
    let found = s
        .companies
        .search(
            Visibility::OwnOrTeams {
                user_id: manager_id,
            },
            &words("acme"),
            20,
        )
        .await
        .unwrap();
    assert!(found.is_empty());
    let (status, html) = body_of(&app, "/contacts?q=acme", &sales).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("/companies/{}", company.id)),
        "{html}"
    );
}

async fn duplicates_are_shown_before_a_second_record_is_made(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let post = |form: &'static str| {
        let app = app.clone();
        let sales = sales.clone();
        async move { call(&app, json_post("/api/people/create", form, Some(&sales))).await }
    };
    let (code, _, body) = post("first_name=Jean&last_name=Dupont&kind=b2b&status=lead&email=jean.dupont%40acme.fr&company=Acme").await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let first = s.people.list(Visibility::All, None, 1).await.unwrap()[0].id;

    // Same address (any case): refused with the existing record's id.
    let (code, _, body) =
        post("last_name=Other&kind=b2b&status=lead&email=Jean.Dupont%40ACME.fr").await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(&format!("duplicate_of/{first}")), "{body}");
    // Same name, accents aside, at the same company.
    let (code, _, body) =
        post("first_name=J%C3%A9an&last_name=DUPONT&kind=b2b&status=lead&company=acme").await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(&format!("duplicate_of/{first}")), "{body}");
    assert_eq!(
        s.people.list(Visibility::All, None, 5).await.unwrap().len(),
        1
    );
    // The same name elsewhere is someone else.
    let (code, _, body) =
        post("first_name=Jean&last_name=Dupont&kind=b2b&status=lead&company=Globex").await;
    assert_eq!(code, StatusCode::OK, "{body}");
    // Knowingly creating a namesake at the same company is allowed.
    let (code, _, body) = post(
        "first_name=Jean&last_name=Dupont&kind=b2b&status=lead&company=Acme&allow_duplicate=1",
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        s.people.list(Visibility::All, None, 5).await.unwrap().len(),
        3
    );

    // Without JavaScript, the form comes back with everything typed and a
    // link to the existing record.
    let (status, html) = refused_plain_form(
        &app,
        "/api/people/create",
        "first_name=Jean&last_name=Other&kind=b2b&status=customer&email=jean.dupont%40acme.fr&job_title=CFO",
        &sales,
        "/contacts/new",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/contacts/{first}\"")),
        "{html}"
    );
    assert!(html.contains("value=\"CFO\""), "{html}");
    assert!(html.contains("allow_duplicate"), "{html}");
    assert!(
        html.contains(&format!("name=\"merge_into\" value=\"{first}\"")),
        "{html}"
    );

    // Merging instead: what was typed is added to the existing record,
    // nothing of theirs replaced, no new person.
    let before = s.people.get(first).await.unwrap().unwrap();
    let form = format!(
        "first_name=Jean&last_name=Dupont&kind=b2b&status=customer&email=jean%40dupont.example&phone=0611223344&job_title=CFO&company=Globex&merge_into={first}"
    );
    let (code, _, body) = call(&app, json_post("/api/people/create", &form, Some(&sales))).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let after = s.people.get(first).await.unwrap().unwrap();
    assert_eq!(
        s.people.list(Visibility::All, None, 5).await.unwrap().len(),
        3,
        "no new person"
    );
    let emails: Vec<String> = after
        .fields
        .emails
        .iter()
        .map(|(a, _)| a.to_string())
        .collect();
    assert_eq!(emails, vec!["jean.dupont@acme.fr", "jean@dupont.example"]);
    assert_eq!(after.fields.phones.len(), 1);
    assert_eq!(after.fields.job_title, "CFO", "filled where empty");
    assert_eq!(after.fields.status, before.fields.status, "theirs kept");
    assert_eq!(
        after.fields.company_id, before.fields.company_id,
        "theirs kept"
    );
    assert_eq!(after.version, before.version + 1);
    // The merged address finds them.
    let found = s
        .people
        .search(
            Visibility::All,
            &["jean".into(), "dupont".into(), "example".into()],
            5,
        )
        .await
        .unwrap();
    assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), vec![first]);
    // The same again adds nothing twice.
    let (code, _, _) = call(&app, json_post("/api/people/create", &form, Some(&sales))).await;
    assert_eq!(code, StatusCode::OK);
    let again = s.people.get(first).await.unwrap().unwrap();
    assert_eq!(again.fields.emails.len(), 2);
    assert_eq!(again.fields.phones.len(), 1);
    // Someone the caller may not open cannot be merged into.
    let hidden = s
        .people
        .create_many(&[crate::people::person(
            "Hidden",
            create_user(s, Role::Admin).await.id,
            None,
        )])
        .await
        .unwrap()[0];
    let untouched = s.people.get(hidden).await.unwrap().unwrap();
    let form =
        format!("last_name=Hidden&kind=b2b&status=lead&phone=0699887766&merge_into={hidden}");
    let (code, _, _) = call(&app, json_post("/api/people/create", &form, Some(&sales))).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(s.people.get(hidden).await.unwrap().unwrap(), untouched);
}

async fn logging_to_a_timeline_follows_the_rules(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let manager = signed_in(s, Role::Manager).await;
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/people/create",
            "first_name=Ana&last_name=Silva&kind=b2b&status=lead&company=Globex",
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let person = s.people.list(Visibility::All, None, 1).await.unwrap()[0].id;
    let company = s
        .people
        .get(person)
        .await
        .unwrap()
        .unwrap()
        .fields
        .company_id
        .unwrap();
    let log = |form: String, who: &String| {
        let app = app.clone();
        let who = who.clone();
        async move { call(&app, json_post("/api/timeline/log", &form, Some(&who))).await }
    };

    // Our own outreach does not move the last inbound contact.
    let (code, _, body) = log(
        format!("person_id={person}&kind=call&direction=outbound&outcome=voicemail&duration=2"),
        &sales,
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        s.people.get(person).await.unwrap().unwrap().last_inbound_at,
        None
    );
    // An inbound call does.
    let (code, _, body) = log(format!("person_id={person}&kind=call&direction=inbound&outcome=reached&duration=12&notes=Wants+a+demo"), &sales).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let inbound = s.people.get(person).await.unwrap().unwrap().last_inbound_at;
    assert!(inbound.is_some());

    // Text is stored and shown literally: markup, quotes, emoji, RTL.
    let text = "<script>alert(\"x\")</script> l'été 🎉 مرحبا\nsecond line";
    let encoded: String = url_encode(text);
    let (code, _, body) = log(
        format!("person_id={person}&kind=note&notes={encoded}"),
        &sales,
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let page = s
        .interactions
        .timeline(TimelineOf::Person(person), None, 10)
        .await
        .unwrap();
    assert_eq!(page[0].body, text);
    let (status, html) = body_of(&app, &format!("/contacts/{person}"), &sales).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("&lt;script&gt;alert"), "escaped");
    assert!(!html.contains("<script>alert"), "never executed");
    assert!(html.contains("🎉 مرحبا"));

    // 10,000 characters are kept whole; one more is refused with the
    // limit, and nothing is stored.
    let long = "é".repeat(10_000);
    let (code, _, body) = log(
        format!("person_id={person}&kind=note&notes={}", url_encode(&long)),
        &sales,
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let page = s
        .interactions
        .timeline(TimelineOf::Person(person), None, 10)
        .await
        .unwrap();
    assert_eq!(page[0].body.chars().count(), 10_000);
    let before = page.len();
    let (code, _, body) = log(
        format!(
            "person_id={person}&kind=note&notes={}",
            url_encode(&format!("{long}x"))
        ),
        &sales,
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("too_long/10000"), "{body}");
    for (form, problem) in [
        (format!("person_id={person}&kind=note&notes="), "required"),
        (
            format!("person_id={person}&kind=call&duration=-3"),
            "invalid_number",
        ),
        (format!("person_id={person}&kind=visit"), "unknown_choice"),
        (
            format!("person_id={person}&kind=task&notes=x&due_on=soon"),
            "invalid_date",
        ),
    ] {
        let (code, _, body) = log(form.clone(), &sales).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {body}");
        assert!(body.contains(problem), "{form}: {body}");
    }
    let (code, _, _) = log(
        format!("person_id={person}&kind=note&notes=sneaky"),
        &manager,
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN, "another team's person");
    assert_eq!(
        s.interactions
            .timeline(TimelineOf::Person(person), None, 50)
            .await
            .unwrap()
            .len(),
        before
    );

    // A task is ticked off once; the company's timeline shows the
    // person's entries.
    let (code, _, body) = log(
        format!("person_id={person}&kind=task&notes=Send+the+quote&due_on=2030-01-31"),
        &sales,
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let task = s
        .interactions
        .timeline(TimelineOf::Person(person), None, 1)
        .await
        .unwrap()[0]
        .clone();
    assert_eq!(task.kind, InteractionKind::Task);
    assert!(!task.done);
    let (code, _, _) = call(
        &app,
        json_post(
            "/api/timeline/done",
            &format!("id={}", task.id),
            Some(&manager),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/timeline/done",
            &format!("id={}", task.id),
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let task = s
        .interactions
        .timeline(TimelineOf::Person(person), None, 1)
        .await
        .unwrap()[0]
        .clone();
    assert!(task.done);
    let company_page = s
        .interactions
        .timeline(TimelineOf::Company(company), None, 50)
        .await
        .unwrap();
    assert_eq!(company_page.len(), before + 1);
    assert_eq!(company_page[0].person.as_ref().map(|p| p.0), Some(person));
}

async fn timelines_page_newest_first_without_gaps_or_repeats(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let author = crate::support::create_user(s, Role::Sales).await.id;
    let mut person = crate::people::person("Paged", author, None);
    person.emails.clear();
    let person = s.people.create(&person).await.unwrap();
    // Groups of entries at the same instant test the tie on the id.
    let base = chrono::Utc::now() - chrono::Duration::days(30);
    let entries: Vec<NewInteraction> = (0..130)
        .map(|i| NewInteraction {
            person_id: Some(person),
            company_id: None,
            kind: InteractionKind::Note,
            direction: None,
            outcome: None,
            duration_minutes: None,
            body: format!("entry {i}"),
            occurred_at: base + chrono::Duration::minutes(i / 3),
            author_id: author,
            due_at: None,
            assignee_id: None,
        })
        .collect();
    s.interactions.add_many(&entries).await.unwrap();
    // The bulk path moves the last inbound contact like the single one:
    // to the latest inbound entry, never back.
    let inbound = |minutes: i64| NewInteraction {
        kind: InteractionKind::Call,
        direction: Some(Direction::Inbound),
        occurred_at: base + chrono::Duration::minutes(minutes),
        ..entries[0].clone()
    };
    s.interactions
        .add_many(&[inbound(5), inbound(9), inbound(7)])
        .await
        .unwrap();
    let last = s.people.get(person).await.unwrap().unwrap().last_inbound_at;
    assert_eq!(
        last.map(|t| t.timestamp_millis()),
        Some(inbound(9).occurred_at.timestamp_millis())
    );
    s.interactions.add_many(&[inbound(1)]).await.unwrap();
    let after = s.people.get(person).await.unwrap().unwrap().last_inbound_at;
    assert_eq!(after, last, "never moved back");
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = s
            .interactions
            .timeline(TimelineOf::Person(person), cursor, 50)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        cursor = Some(TimelineCursor {
            occurred_ms: last.occurred_at.timestamp_millis(),
            id: last.id,
        });
        seen.extend(page.into_iter().map(|e| (e.occurred_at, e.id)));
    }
    assert_eq!(seen.len(), 134);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, ties by id");
    sorted.dedup();
    assert_eq!(sorted.len(), 134, "no repeats");

    // People stored in bulk are found by name, e-mail, phone and their
    // company's name, like those entered one by one.
    let company = s
        .companies
        .create(&app::server::storage::NewCompanyRecord {
            name: "Société Générale des Eaux".into(),
            legal_id: String::new(),
            domain: String::new(),
            sector: String::new(),
            size: None,
            address: String::new(),
            owner_id: author,
            team_id: None,
        })
        .await
        .unwrap();
    let mut bulk = crate::people::person("Bulkowski", author, None);
    bulk.company_id = Some(company);
    let ids = s
        .people
        .create_many(&[bulk.clone(), crate::people::person("Other", author, None)])
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    for q in [
        "bulkowski",
        "eaux generale",
        "bulkowski@acme.fr",
        "0612345678",
    ] {
        let found = s
            .people
            .search(Visibility::All, &app::domain::search::query_tokens(q), 20)
            .await
            .unwrap();
        assert!(found.iter().any(|p| p.id == ids[0]), "{q}");
    }
    // A one-letter word narrows by initial; alone it is too broad to run.
    let search = |q: &'static str| {
        let s = s.clone();
        async move {
            s.people
                .search(Visibility::All, &app::domain::search::query_tokens(q), 20)
                .await
                .unwrap()
        }
    };
    assert!(search("bulkowski h").await.iter().any(|p| p.id == ids[0]));
    assert!(search("bulkowski x").await.is_empty());
    assert!(search("h").await.is_empty());
    let stored = s.people.get(ids[0]).await.unwrap().unwrap();
    assert_eq!(stored.fields.emails, bulk.emails);
    assert_eq!(stored.fields.legal_bases, bulk.legal_bases);
    assert_eq!(
        stored.company_name.as_deref(),
        Some("Société Générale des Eaux")
    );
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn concurrent_edits_are_never_silently_overwritten(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let admin = signed_in(s, Role::Admin).await;
    let manager = signed_in(s, Role::Manager).await;
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/people/create",
            "first_name=Claire&last_name=Morel&kind=b2b&status=prospect&email=claire%40morel.fr&company=Morel+SA",
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let id = s.people.list(Visibility::All, None, 1).await.unwrap()[0].id;
    let opened = s.people.get(id).await.unwrap().unwrap().version;

    // Both open version `opened`; the administrator saves first.
    let edit = |who: &String, version: i64, job: &str, email: &str| {
        let app = app.clone();
        let who = who.clone();
        let form = format!(
            "id={id}&version={version}&first_name=Claire&last_name=Morel&kind=b2b&status=customer&job_title={job}&email={email}&company=Morel+SA"
        );
        async move { call(&app, json_post("/api/people/update", &form, Some(&who))).await }
    };
    let (code, _, body) = edit(&admin, opened, "CFO", "claire.morel%40morel.fr").await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let (code, _, body) = edit(&sales, opened, "CEO", "claire%40morel.fr").await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("changed_meanwhile"), "{body}");
    let stored = s.people.get(id).await.unwrap().unwrap();
    assert_eq!(stored.fields.job_title, "CFO", "the first save stands");
    assert_eq!(stored.fields.emails[0].0.as_str(), "claire.morel@morel.fr");
    assert_eq!(stored.fields.status, PersonStatus::Customer);
    assert_eq!(stored.version, opened + 1);
    // The search follows the saved edit.
    let words = app::domain::search::query_tokens("claire.morel");
    assert_eq!(
        s.people
            .search(Visibility::All, &words, 5)
            .await
            .unwrap()
            .len(),
        1
    );

    // Without JavaScript, the loser sees both versions: theirs on the
    // page, theirs typed in the form, and saves knowingly.
    let (status, html) = refused_plain_form(
        &app,
        "/api/people/update",
        &format!("id={id}&version={opened}&first_name=Claire&last_name=Morel&kind=b2b&status=customer&job_title=CEO"),
        &sales,
        &format!("/contacts/{id}/edit"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("The version saved meanwhile"), "{html}");
    assert!(
        html.contains("CFO") && html.contains("value=\"CEO\""),
        "{html}"
    );
    assert!(
        html.contains(&format!("name=\"version\" value=\"{}\"", opened + 1)),
        "{html}"
    );
    let (code, _, body) = edit(&sales, opened + 1, "CEO", "claire%40morel.fr").await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        s.people.get(id).await.unwrap().unwrap().fields.job_title,
        "CEO"
    );

    // Someone of another team may not edit it; bad input changes nothing.
    let (code, _, _) = edit(&manager, opened + 2, "Intruder", "").await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _, body) = edit(&sales, opened + 2, "CEO", "not-an-address").await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("invalid_email"), "{body}");
    assert_eq!(s.people.get(id).await.unwrap().unwrap().version, opened + 2);
}

/// The ids of the people a search for `q` finds.
async fn people_found(s: &app::server::storage::Storage, q: &str) -> Vec<i64> {
    let words = app::domain::search::query_tokens(q);
    let mut ids: Vec<i64> = s
        .people
        .search(Visibility::All, &words, 1000)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    ids.sort_unstable();
    ids
}

async fn companies_are_edited_and_found_by_their_new_name(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let sales_id = user_id(s, Role::Sales).await;
    let north = s.teams.create("North").await.unwrap();
    s.teams.add_member(north.id, sales_id).await.unwrap();
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/companies/create",
            &format!(
                "name=Acm%C3%A9+Industrie&domain=acme.fr&sector=Chimie&team_id={}",
                north.id
            ),
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let company = s.companies.list(Visibility::All, None, 1).await.unwrap()[0].id;
    // More people than one statement's chunk, one of them erased (whose
    // search document must stay empty), one at another company.
    let mut people: Vec<_> = (0..230)
        .map(|i| {
            let mut p = crate::people::person(&format!("Worker{i}"), sales_id, Some(north.id));
            p.company_id = Some(company);
            p
        })
        .collect();
    let elsewhere = s
        .companies
        .create(&app::server::storage::NewCompanyRecord {
            name: "Acme Transports".into(),
            legal_id: String::new(),
            domain: String::new(),
            sector: String::new(),
            size: None,
            address: String::new(),
            owner_id: sales_id,
            team_id: None,
        })
        .await
        .unwrap();
    people[229].company_id = Some(elsewhere);
    let mut ids = s.people.create_many(&people[..150]).await.unwrap();
    ids.extend(s.people.create_many(&people[150..]).await.unwrap());
    let erased = ids[7];
    s.privacy
        .erase(&[erased], ErasureReason::Request, None)
        .await
        .unwrap();
    let at_company: Vec<i64> = ids[..229]
        .iter()
        .copied()
        .filter(|id| *id != erased)
        .collect();
    assert_eq!(people_found(s, "industrie").await, at_company);

    // The page offers the edit to whoever may make it, prefilled.
    let (status, html) = body_of(&app, &format!("/companies/{company}"), &sales).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/companies/{company}/edit\"")),
        "{html}"
    );
    let (status, html) = body_of(&app, &format!("/companies/{company}/edit"), &sales).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("value=\"Acmé Industrie\"") && html.contains("value=\"Chimie\""),
        "{html}"
    );
    let version = s.companies.get(company).await.unwrap().unwrap().version;

    let form = format!(
        "id={company}&version={version}&name=Nova+Chimie&legal_id=732+829+320&domain=https%3A%2F%2Fnova-chimie.fr%2F&sector=Chimie+fine&size=medium&address=3+rue+des+Lilas%2C+Lyon&team_id={}",
        north.id
    );
    let (code, _, body) = call(
        &app,
        json_post("/api/companies/update", &form, Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let stored = s.companies.get(company).await.unwrap().unwrap();
    assert_eq!(stored.version, version + 1);
    assert_eq!(
        stored.fields,
        app::server::storage::NewCompanyRecord {
            name: "Nova Chimie".into(),
            legal_id: "732829320".into(),
            domain: "nova-chimie.fr".into(),
            sector: "Chimie fine".into(),
            size: Some(CompanySize::Medium),
            address: "3 rue des Lilas, Lyon".into(),
            owner_id: sales_id,
            team_id: Some(north.id),
        }
    );

    // Found by the new name (the company, and every person still there),
    // no longer by the old one; the erased person by neither; the person
    // at the other company unchanged.
    let words = |q: &str| app::domain::search::query_tokens(q);
    let found = |q: &'static str| {
        let s = s.clone();
        async move {
            s.companies
                .search(Visibility::All, &words(q), 20)
                .await
                .unwrap()
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("nova").await, vec![company]);
    assert_eq!(found("nova-chimie.fr").await, vec![company]);
    assert_eq!(found("732829320").await, vec![company]);
    assert!(found("industrie").await.is_empty());
    assert_eq!(people_found(s, "nova chimie").await, at_company);
    assert!(people_found(s, "industrie").await.is_empty());
    assert_eq!(people_found(s, "acme transports").await, vec![ids[229]]);
    // Their other words are still there.
    assert_eq!(people_found(s, "worker228 nova").await, vec![ids[228]]);
    assert_eq!(people_found(s, "worker228@acme.fr").await, vec![ids[228]]);
    let person = s.people.get(ids[3]).await.unwrap().unwrap();
    assert_eq!(person.company_name.as_deref(), Some("Nova Chimie"));
    // A person typed with the new name, in other case, joins it.
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/people/create",
            &format!(
                "last_name=Roux&kind=b2b&status=lead&company=NOVA+chimie&team_id={}",
                north.id
            ),
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let roux = s.people.list(Visibility::All, None, 1).await.unwrap()[0].clone();
    assert_eq!(roux.company_name.as_deref(), Some("Nova Chimie"));

    // An edit that changes only the sector leaves the name and the
    // people's documents as they were; emptied fields are emptied.
    let form = format!(
        "id={company}&version={}&name=Nova+Chimie&sector=&size=&team_id={}",
        version + 1,
        north.id
    );
    let (code, _, body) = call(
        &app,
        json_post("/api/companies/update", &form, Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let stored = s.companies.get(company).await.unwrap().unwrap();
    assert_eq!(
        (stored.fields.sector.as_str(), stored.fields.size),
        ("", None)
    );
    assert_eq!(stored.fields.domain, "");
    assert!(found("nova-chimie.fr").await.is_empty());
    assert_eq!(people_found(s, "nova").await.len(), at_company.len() + 1);
}

async fn company_edits_are_never_silently_overwritten(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let admin = signed_in(s, Role::Admin).await;
    let manager = signed_in(s, Role::Manager).await;
    let readonly = signed_in(s, Role::Readonly).await;
    let dpo = signed_in(s, Role::Dpo).await;
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/companies/create",
            "name=Morel+SA&sector=B%C3%A2timent",
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let id = s.companies.list(Visibility::All, None, 1).await.unwrap()[0].id;
    let opened = s.companies.get(id).await.unwrap().unwrap().version;
    let edit = |who: &String, version: i64, sector: &str, domain: &str| {
        let app = app.clone();
        let who = who.clone();
        let form =
            format!("id={id}&version={version}&name=Morel+SA&sector={sector}&domain={domain}");
        async move { call(&app, json_post("/api/companies/update", &form, Some(&who))).await }
    };

    // Both open version `opened`; the administrator saves first.
    let (code, _, body) = edit(&admin, opened, "Travaux+publics", "").await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let (code, _, body) = edit(&sales, opened, "Immobilier", "").await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("changed_meanwhile"), "{body}");
    let stored = s.companies.get(id).await.unwrap().unwrap();
    assert_eq!(
        stored.fields.sector, "Travaux publics",
        "the first save stands"
    );
    assert_eq!(stored.version, opened + 1);

    // Without JavaScript the loser sees both versions, what they typed
    // kept in the form, and saves knowingly on the version shown.
    let (status, html) = refused_plain_form(
        &app,
        "/api/companies/update",
        &format!("id={id}&version={opened}&name=Morel+SA&sector=Immobilier&address=1+quai+Est"),
        &sales,
        &format!("/companies/{id}/edit"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("The version saved meanwhile"), "{html}");
    assert!(html.contains("Travaux publics"), "{html}");
    assert!(
        html.contains("value=\"Immobilier\"") && html.contains("value=\"1 quai Est\""),
        "{html}"
    );
    assert!(
        html.contains(&format!("name=\"version\" value=\"{}\"", opened + 1)),
        "{html}"
    );

    // Bad input: a clear problem, nothing written; typed values come back.
    let (code, _, body) = edit(&sales, opened + 1, "Immobilier", "not+a+domain").await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("invalid_domain"), "{body}");
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/companies/update",
            &format!("id={id}&version={}&name=", opened + 1),
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("required"), "{body}");
    let (_, html) = refused_plain_form(
        &app,
        "/api/companies/update",
        &format!(
            "id={id}&version={}&name=Morel+SA&sector=Immobilier&legal_id=123",
            opened + 1
        ),
        &sales,
        &format!("/companies/{id}/edit"),
    )
    .await;
    assert!(
        html.contains("value=\"123\"") && html.contains("value=\"Immobilier\""),
        "{html}"
    );
    assert!(html.contains("aria-invalid=\"true\""), "{html}");
    assert_eq!(
        s.companies.get(id).await.unwrap().unwrap().version,
        opened + 1
    );

    // The new-company form gives back everything typed, too.
    let (_, html) = refused_plain_form(
        &app,
        "/api/companies/create",
        "name=Dupont+et+Fils&sector=Menuiserie&domain=pas+un+domaine",
        &sales,
        "/companies/new",
    )
    .await;
    assert!(
        html.contains("value=\"Dupont et Fils\"")
            && html.contains("value=\"Menuiserie\"")
            && html.contains("value=\"pas un domaine\""),
        "{html}"
    );
    assert!(
        html.contains("<details open"),
        "the field in error is not folded away: {html}"
    );
    assert_eq!(
        s.companies
            .list(Visibility::All, None, 5)
            .await
            .unwrap()
            .len(),
        1
    );

    // Roles that change no record, another team's manager, an unknown
    // company, no session: refused, nothing changed.
    for who in [&readonly, &dpo] {
        let (code, _, _) = edit(who, opened + 1, "Intrus", "").await;
        assert_eq!(code, StatusCode::FORBIDDEN);
        let (_, html) = body_of(&app, &format!("/companies/{id}"), who).await;
        assert!(!html.contains(&format!("/companies/{id}/edit")), "{html}");
    }
    let team = s.teams.create("South").await.unwrap();
    s.companies
        .update(
            id,
            opened + 1,
            &CompanyEdit {
                name: "Morel SA".into(),
                legal_id: String::new(),
                domain: String::new(),
                sector: "Travaux publics".into(),
                size: None,
                address: String::new(),
                team_id: Some(team.id),
            },
        )
        .await
        .unwrap()
        .then_some(())
        .expect("saved on the current version");
    let (code, _, _) = edit(&manager, opened + 2, "Intrus", "").await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (status, _) = body_of(&app, &format!("/companies/{id}/edit"), &manager).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (code, _, _) = call(
        &app,
        json_post(
            "/api/companies/update",
            &format!("id={id}&version={}&name=X", opened + 2),
            None,
        ),
    )
    .await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    let (code, _, _) = call(
        &app,
        json_post(
            "/api/companies/update",
            "id=999999&version=1&name=X",
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let stored = s.companies.get(id).await.unwrap().unwrap();
    assert_eq!(
        (stored.version, stored.fields.sector.as_str()),
        (opened + 2, "Travaux publics")
    );
    // The refusal of the other team's manager is in the access log.
    let log = s
        .access_log
        .search(&app::server::storage::AccessLogFilter::default(), 50)
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "update" && e.record_type == "company" && !e.allowed),
        "{log:?}"
    );
}
