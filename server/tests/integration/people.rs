//! Teams and people on both backends: the store's contract, and the rule
//! that managers and sales open only their own and their teams' people
//! (403 and an access-log entry otherwise).

use crate::auth::{call, form_post, get, json_post, state};
use crate::on_both_backends;
use crate::support::{TestDb, create_user, signed_in};
use app::domain::*;
use app::server::storage::{AccessLogFilter, NewPersonRecord, Storage, Visibility};
use axum::http::{StatusCode, header};

pub(crate) fn person(last_name: &str, owner_id: i64, team_id: Option<i64>) -> NewPersonRecord {
    NewPersonRecord {
        language: None,
        first_name: "Hélène".into(),
        last_name: last_name.into(),
        kind: PersonKind::B2b,
        job_title: "Buyer".into(),
        status: PersonStatus::Prospect,
        owner_id,
        team_id,
        company_id: None,
        source: Source::Manual,
        collected_at: chrono::Utc::now(),
        entered_by: Some(owner_id),
        supplier: String::new(),
        contract_ref: String::new(),
        emails: vec![(
            EmailAddress::parse(&format!("{}@acme.fr", last_name.to_lowercase())).unwrap(),
            EmailKind::Professional,
        )],
        phones: vec![PhoneNumber::parse("06 12 34 56 78").unwrap()],
        legal_bases: vec![(Purpose::Prospecting, LegalBasis::LegitimateInterest)],
    }
}

async fn user_id(storage: &Storage, role: Role) -> i64 {
    storage
        .users
        .find_by_email(&EmailAddress::parse(&format!("{}@example.com", role.as_str())).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

on_both_backends!(
    teams_and_people_are_stored_and_listed_by_visibility,
    sales_open_their_teams_people_and_are_refused_the_others,
    entering_a_person_requires_provenance_and_a_basis,
    search_finds_names_without_accents_emails_and_phones_within_visibility,
    search_reaches_matches_older_than_the_newest_people,
);

async fn search_finds_names_without_accents_emails_and_phones_within_visibility(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let sales_id = user_id(s, Role::Sales).await;
    let admin_id = create_user(s, Role::Admin).await.id;
    let north = s.teams.create("North").await.unwrap();
    s.teams.add_member(north.id, sales_id).await.unwrap();

    let mut dupre = person("Dupré", admin_id, Some(north.id));
    dupre.emails = vec![(
        EmailAddress::parse("h.dupre@acme.fr").unwrap(),
        EmailKind::Professional,
    )];
    let dupre = s.people.create(&dupre).await.unwrap();
    let mut oconnor = person("O'Connor", admin_id, None);
    oconnor.first_name = "Seán".into();
    oconnor.phones = vec![PhoneNumber::parse("+33 7 11 22 33 44").unwrap()];
    let oconnor = s.people.create(&oconnor).await.unwrap();
    // Many who share a first name: the limit holds.
    for i in 0..25 {
        s.people
            .create(&person(&format!("Martin{i}"), admin_id, Some(north.id)))
            .await
            .unwrap();
    }

    let find = |q: &str, visibility: Visibility| {
        let q = app::domain::search::query_tokens(q);
        async move {
            s.people
                .search(visibility, &q, 20)
                .await
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(find("helene dupre", Visibility::All).await, vec![dupre]);
    assert_eq!(find("HÉLÈNE DUP", Visibility::All).await, vec![dupre]);
    assert_eq!(find("dupré", Visibility::All).await, vec![dupre]);
    assert_eq!(find("h.dupre@acme", Visibility::All).await, vec![dupre]);
    assert_eq!(find("oconnor", Visibility::All).await, vec![oconnor]);
    assert_eq!(find("sean o'connor", Visibility::All).await, vec![oconnor]);
    assert_eq!(find("07 11 22", Visibility::All).await, vec![oconnor]);
    assert_eq!(find("+33711", Visibility::All).await, vec![oconnor]);
    assert!(find("zzz", Visibility::All).await.is_empty());
    assert!(find("", Visibility::All).await.is_empty());
    assert!(
        find("\"*) OR 1=1 --", Visibility::All).await.is_empty(),
        "query syntax is inert"
    );
    assert_eq!(
        find("helene", Visibility::All).await.len(),
        20,
        "top 20 of 26"
    );

    // Sales see only their own and their team's people (O'Connor has no team).
    let theirs = Visibility::OwnOrTeams { user_id: sales_id };
    assert!(find("oconnor", theirs).await.is_empty());
    assert_eq!(find("dupre", theirs).await, vec![dupre]);

    // Through the server function: results shown are logged (the ids,
    // not the words typed).
    let (code, _, body) = call(
        &app,
        json_post("/api/people/search", "q=helene+dup", Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(body.contains("Dupré") && !body.contains("Seán"), "{body}");
    let logged = s
        .access_log
        .search(
            &AccessLogFilter {
                record_type: Some("person".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert!(
        logged
            .iter()
            .any(|e| e.action == "search" && e.record_id == dupre.to_string()),
        "{logged:?}"
    );
    assert!(logged.iter().all(|e| !e.record_id.contains("helene")));
    // The page, without JavaScript: a GET form.
    let (code, _, body) = call(&app, get("/contacts?q=dupre", Some(&sales))).await;
    assert_eq!(code, StatusCode::OK);
    assert!(body.contains("Hélène Dupré"), "{body}");
}

async fn teams_and_people_are_stored_and_listed_by_visibility(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let sales = create_user(s, Role::Sales).await;
    let manager = create_user(s, Role::Manager).await;
    let north = s.teams.create("North").await.unwrap();
    let south = s.teams.create("South").await.unwrap();
    assert!(matches!(
        s.teams.create("north").await,
        Err(app::server::storage::StorageError::Conflict(_))
    ));
    assert!(s.teams.add_member(north.id, sales.id).await.unwrap());
    assert!(!s.teams.add_member(north.id, sales.id).await.unwrap());
    assert!(s.teams.add_member(south.id, manager.id).await.unwrap());
    assert!(s.teams.add_member(9999, sales.id).await.is_err());
    assert_eq!(s.teams.teams_of(sales.id).await.unwrap(), vec![north.id]);
    assert_eq!(
        s.teams.memberships().await.unwrap(),
        vec![(north.id, sales.id), (south.id, manager.id)]
    );

    let own = s
        .people
        .create(&person("Owned", sales.id, None))
        .await
        .unwrap();
    let in_north = s
        .people
        .create(&person("Northern", manager.id, Some(north.id)))
        .await
        .unwrap();
    let in_south = s
        .people
        .create(&person("Southern", manager.id, Some(south.id)))
        .await
        .unwrap();

    let stored = s.people.get(in_north).await.unwrap().unwrap();
    assert_eq!(
        stored.fields,
        person("Northern", manager.id, Some(north.id)).with_time(stored.fields.collected_at)
    );
    assert_eq!(stored.team_name.as_deref(), Some("North"));
    assert_eq!(stored.owner_name, "Test manager");
    assert_eq!(stored.version, 1);
    assert_eq!(s.people.get(123_456).await.unwrap(), None);

    let ids = |rows: Vec<app::domain::PersonSummary>| rows.iter().map(|r| r.id).collect::<Vec<_>>();
    let sales_view = Visibility::OwnOrTeams { user_id: sales.id };
    assert_eq!(
        ids(s.people.list(sales_view, None, 50).await.unwrap()),
        vec![in_north, own]
    );
    let manager_view = Visibility::OwnOrTeams {
        user_id: manager.id,
    };
    assert_eq!(
        ids(s.people.list(manager_view, None, 50).await.unwrap()),
        vec![in_south, in_north]
    );
    assert_eq!(
        ids(s.people.list(Visibility::All, None, 50).await.unwrap()),
        vec![in_south, in_north, own]
    );
    // Keyset pages.
    assert_eq!(
        ids(s.people.list(Visibility::All, None, 2).await.unwrap()),
        vec![in_south, in_north]
    );
    assert_eq!(
        ids(s
            .people
            .list(Visibility::All, Some(in_north), 2)
            .await
            .unwrap()),
        vec![own]
    );
    let first = &s
        .people
        .list(Visibility::All, Some(in_south), 1)
        .await
        .unwrap()[0];
    assert_eq!(first.email.as_deref(), Some("northern@acme.fr"));
    assert_eq!(first.team_name.as_deref(), Some("North"));

    assert!(s.teams.remove_member(north.id, sales.id).await.unwrap());
    assert!(!s.teams.remove_member(north.id, sales.id).await.unwrap());
    assert_eq!(
        ids(s.people.list(sales_view, None, 50).await.unwrap()),
        vec![own]
    );
}

trait WithTime {
    fn with_time(self, at: chrono::DateTime<chrono::Utc>) -> Self;
}

impl WithTime for NewPersonRecord {
    /// The same record collected at `at` (timestamps round-trip through
    /// the database at its own precision).
    fn with_time(mut self, at: chrono::DateTime<chrono::Utc>) -> Self {
        self.collected_at = at;
        self
    }
}

async fn sales_open_their_teams_people_and_are_refused_the_others(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let manager = signed_in(s, Role::Manager).await;
    let dpo = signed_in(s, Role::Dpo).await;
    let (sales_id, manager_id) = (
        user_id(s, Role::Sales).await,
        user_id(s, Role::Manager).await,
    );
    let north = s.teams.create("North").await.unwrap();
    let south = s.teams.create("South").await.unwrap();
    s.teams.add_member(north.id, sales_id).await.unwrap();
    s.teams.add_member(south.id, manager_id).await.unwrap();
    // Owned by an administrator: only the team decides who else sees them.
    let admin_id = create_user(s, Role::Admin).await.id;
    let theirs = s
        .people
        .create(&person("Southern", admin_id, Some(south.id)))
        .await
        .unwrap();
    let ours = s
        .people
        .create(&person("Northern", admin_id, Some(north.id)))
        .await
        .unwrap();

    let (code, _, body) = call(
        &app,
        json_post("/api/people/get", &format!("id={ours}"), Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(body.contains("Northern") && body.contains("+33612345678"));

    let (code, _, body) = call(
        &app,
        json_post("/api/people/get", &format!("id={theirs}"), Some(&sales)),
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(
        !body.contains("Southern"),
        "nothing of the person leaks: {body}"
    );
    // The page: a 403 with an explanation, nothing of the person.
    let (code, _, body) = call(&app, get(&format!("/contacts/{theirs}"), Some(&sales))).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(body.contains("belongs to another team") && !body.contains("Southern"));
    let (code, _, body) = call(&app, get(&format!("/contacts/{ours}"), Some(&sales))).await;
    assert_eq!(code, StatusCode::OK);
    assert!(body.contains("Hélène Northern") && body.contains("Legitimate interest"));
    // A record names its facts as facts: no "(optional)" of the forms.
    assert!(
        body.contains("<h2 id=\"contact-title\">Contact details</h2>")
            && body.contains("<dt>Phone</dt><dd>+33612345678</dd>")
            && !body.contains("(optional)"),
        "{body}"
    );
    let (code, _, _) = call(&app, get("/contacts/999999", Some(&sales))).await;
    assert_eq!(code, StatusCode::NOT_FOUND);

    // Both attempts are in the access log, the refused ones as such.
    let entries = s
        .access_log
        .search(
            &AccessLogFilter {
                record_type: Some("person".into()),
                record_id: Some(theirs.to_string()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(
        entries
            .iter()
            .all(|e| !e.allowed && e.user_id == Some(sales_id) && e.action == "read")
    );

    // The list shows each their own; the DPO sees everyone.
    let (_, _, body) = call(&app, json_post("/api/people/list", "", Some(&sales))).await;
    assert!(
        body.contains("Northern") && !body.contains("Southern"),
        "{body}"
    );
    let (_, _, body) = call(&app, json_post("/api/people/list", "", Some(&manager))).await;
    assert!(
        body.contains("Southern") && !body.contains("Northern"),
        "{body}"
    );
    let (_, _, body) = call(&app, json_post("/api/people/list", "", Some(&dpo))).await;
    assert!(
        body.contains("Southern") && body.contains("Northern"),
        "{body}"
    );
}

async fn entering_a_person_requires_provenance_and_a_basis(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let sales_id = user_id(s, Role::Sales).await;
    let north = s.teams.create("North").await.unwrap();
    let south = s.teams.create("South").await.unwrap();
    s.teams.add_member(north.id, sales_id).await.unwrap();

    let post = |form: String| {
        let app = app.clone();
        let sales = sales.clone();
        async move { call(&app, json_post("/api/people/create", &form, Some(&sales))).await }
    };
    let refused = [
        ("last_name=&kind=b2b&status=lead", "required"),
        ("last_name=Doe&kind=b2c&status=lead", "basis_required"),
        (
            "last_name=Doe&kind=b2b&status=lead&phone=12",
            "invalid_phone",
        ),
        (
            "last_name=Doe&kind=b2b&status=lead&email=nope",
            "invalid_email",
        ),
        ("last_name=Doe&kind=martian&status=lead", "unknown_choice"),
        (
            "last_name=Doe&kind=b2b&status=lead&collected_on=2999-01-01",
            "future_date",
        ),
        (
            &*format!("last_name=Doe&kind=b2b&status=lead&team_id={}", south.id),
            "not_your_team",
        ),
    ];
    for (form, problem) in refused {
        let (code, _, body) = post(form.to_string()).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {body}");
        assert!(body.contains(problem), "{form}: {body}");
    }
    assert!(
        s.people
            .list(Visibility::All, None, 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing half-written"
    );

    // A professional gets legitimate interest by default; the provenance
    // is filled in from who entered it and when.
    let form = format!(
        "first_name=Jean&last_name=Dupont&kind=b2b&status=prospect&email=contact%40acme.fr&phone=%2B33+1+23+45+67+89&team_id={}&collected_on=2026-01-15&supplier=Fichiers+SA&contract_ref=C-42",
        north.id
    );
    let (code, _, body) = post(form).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let id = s.people.list(Visibility::All, None, 1).await.unwrap()[0].id;
    let stored = s.people.get(id).await.unwrap().unwrap().fields;
    assert_eq!(
        stored.legal_bases,
        vec![(Purpose::Prospecting, LegalBasis::LegitimateInterest)]
    );
    assert_eq!(
        stored.emails[0].1,
        EmailKind::Generic,
        "contact@ is company data"
    );
    assert_eq!(stored.phones[0].as_str(), "+33123456789");
    assert_eq!(
        (stored.owner_id, stored.entered_by, stored.team_id),
        (sales_id, Some(sales_id), Some(north.id))
    );
    assert_eq!(stored.source, Source::Manual);
    assert_eq!(stored.collected_at.date_naive().to_string(), "2026-01-15");
    assert_eq!(
        (stored.supplier.as_str(), stored.contract_ref.as_str()),
        ("Fichiers SA", "C-42")
    );

    // A consumer with an explicit basis; the plain form post lands on the
    // new person's page.
    let (code, headers, _) = call(
        &app,
        form_post(
            "/api/people/create",
            "last_name=Martin&kind=b2c&status=lead&prospecting_basis=consent",
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap();
    assert!(location.starts_with("/contacts/"), "{location}");
    let created = s
        .access_log
        .search(
            &AccessLogFilter {
                record_type: Some("person".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert!(created.iter().any(|e| e.action == "create" && e.allowed));
}

/// Both halves of a search on PostgreSQL: a word every person shares is
/// answered from the newest people (walked one by one), and a rare word
/// whose other match is older than that walk is still found, through the
/// full-text index. SQLite reads its index newest first and must agree.
async fn search_reaches_matches_older_than_the_newest_people(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let admin_id = create_user(s, Role::Admin).await.id;
    let oldest = s
        .people
        .create(&person("Quartzheim", admin_id, None))
        .await
        .unwrap();
    // More than the 30,000 newest people PostgreSQL walks.
    let filler: Vec<_> = (0..31_000)
        .map(|i| person(&format!("Filler{i}"), admin_id, None))
        .collect();
    for chunk in filler.chunks(1_000) {
        s.people.create_many(chunk).await.unwrap();
    }
    let newest = s
        .people
        .create(&person("Quartzheim", admin_id, None))
        .await
        .unwrap();
    let find = |q: &str| {
        let q = app::domain::search::query_tokens(q);
        async move {
            s.people
                .search(Visibility::All, &q, 20)
                .await
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        }
    };

    let mut rare = find("quartz").await;
    rare.sort_unstable();
    assert_eq!(rare, vec![oldest, newest]);
    assert_eq!(find("helene quartzheim").await.len(), 2);

    // Everyone is a Hélène: twenty of the newest come back, not any
    // twenty of thirty thousand.
    let common = find("hel").await;
    assert_eq!(common.len(), 20);
    assert!(
        common.iter().all(|id| *id > newest - 1_000),
        "{common:?} are not among the newest"
    );
}
