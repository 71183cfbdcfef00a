//! The privacy portal over HTTP, with mail delivered to a real SMTP
//! server on loopback: the notice generated from the purposes, a request
//! answered the same for a known and an unknown address, the link from
//! the mail followed (looking changes nothing, the button confirms, once),
//! bad input explained.

use crate::auth::{call, form_post, get, json_post, state};
use crate::consent::signed_up;
use crate::consent_http::post;
use crate::on_both_backends;
use crate::support::smtp::SmtpServer;
use crate::support::{TestDb, signed_in};
use app::domain::Role;
use app::domain::consent::ConsentStatus;
use app::domain::privacy::RequestStatus;
use app::i18n::Locale;
use axum::Router;
use axum::http::{StatusCode, header};
use server::consent::mail::{Mailer, spawn_delivery};

on_both_backends!(a_request_is_confirmed_by_mail_and_registered);

fn request(kind: &str, email: &str) -> String {
    format!(
        "lang=en&kind={kind}&email={}&details=&website=",
        email.replace('@', "%40")
    )
}

async fn a_request_is_confirmed_by_mail_and_registered(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, _, anne) = signed_up(s, "anne@example.fr").await;
    s.privacy
        .set_notice_settings("dpo@acme.example", "OVH, Roubaix (France)")
        .await
        .unwrap();
    let smtp = SmtpServer::start().await;
    let mut app_state = state(s.clone());
    app_state.consent.public_url = "http://accord.test".into();
    spawn_delivery(
        s.clone(),
        Mailer::new(&smtp.url(), "Accord <accord@localhost>").unwrap(),
        app_state.consent.mail_wakeup.clone(),
    );
    let app: Router = server::router::build(app_state);

    // The notice: the purposes with their basis, retention and partners,
    // the contact and where the data is; small; no session needed.
    let (status, headers, html) = call(&app, get("/privacy?lang=en", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.len() < 30 * 1024, "{} bytes", html.len());
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\">"));
    for text in [
        "dpo@acme.example",
        "OVH, Roubaix (France)",
        "Consent",
        "36 months",
        "Erase my data",
    ] {
        assert!(html.contains(text), "{text} missing");
    }
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let (_, _, french) = call(&app, get("/privacy?lang=fr", None)).await;
    assert!(french.contains("Effacer mes données") && french.contains("36 mois"));

    // Bad input: explained, nothing registered, no mail.
    let (status, _, html) = call(
        &app,
        post(
            "/privacy",
            request("rectification", "not-an-address"),
            "203.0.113.9:1",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("role=\"alert\"") && html.contains("aria-invalid=\"true\""),
        "{html}"
    );
    assert!(s.privacy.requests(true, 10).await.unwrap().is_empty());

    // A known and an unknown address get the same answer.
    let (status, _, known) = call(
        &app,
        post(
            "/privacy",
            request("withdraw_all", "anne@example.fr"),
            "203.0.113.9:1",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, unknown) = call(
        &app,
        post(
            "/privacy",
            request("withdraw_all", "zoe@example.fr"),
            "203.0.113.9:1",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        known.replace("anne@example.fr", "X"),
        unknown.replace("zoe@example.fr", "X")
    );
    // And each its mail (after the form's confirmation mail to Anne).
    let mails = smtp.wait_for(3).await;
    let requests: Vec<_> = mails
        .iter()
        .filter(|m| m.subject().contains("Confirm your request"))
        .collect();
    assert_eq!(requests.len(), 2);
    let mail = requests
        .iter()
        .find(|m| m.to == vec!["<anne@example.fr>".to_string()])
        .unwrap();
    assert!(
        mail.body().contains("Withdraw all my consents"),
        "{}",
        mail.body()
    );
    let link = mail
        .link("http://accord.test/privacy/verify/")
        .expect("verification link");
    let path = link.trim_start_matches("http://accord.test");

    // Looking changes nothing.
    let (status, _, html) = call(&app, get(path, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Confirm the request"), "{html}");
    assert_eq!(
        s.consent.of_person(anne, Locale::En).await.unwrap().0[0].status,
        ConsentStatus::Pending
    );
    // The button withdraws, at once; the link serves once.
    let (status, _, html) = call(&app, post(path, String::new(), "203.0.113.9:1")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Every consent you had given us is withdrawn"),
        "{html}"
    );
    assert_eq!(
        s.consent.of_person(anne, Locale::En).await.unwrap().0[0].status,
        ConsentStatus::Withdrawn
    );
    let (status, _, html) = call(&app, post(path, String::new(), "203.0.113.9:1")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("This link is not valid"), "{html}");
    let (status, _, _) = call(&app, get("/privacy/verify/not-a-token", None)).await;
    assert_eq!(status, StatusCode::GONE);

    let all = s.privacy.requests(true, 10).await.unwrap();
    let done = all.iter().find(|r| r.email == "anne@example.fr").unwrap();
    assert_eq!(
        (done.status, done.person_id),
        (RequestStatus::Done, Some(anne))
    );
    let waiting = all.iter().find(|r| r.email == "zoe@example.fr").unwrap();
    assert_eq!(waiting.status, RequestStatus::Unverified);
}

on_both_backends!(the_dpo_handles_the_register);

/// A request received and confirmed through the portal (its id).
async fn confirmed(
    app: &Router,
    s: &app::server::storage::Storage,
    kind: &str,
    email: &str,
    addr: &str,
) -> i64 {
    confirmed_with(app, s, kind, email, "", addr).await
}

/// [`confirmed`], the requester having written `details` (URL-encoded).
async fn confirmed_with(
    app: &Router,
    s: &app::server::storage::Storage,
    kind: &str,
    email: &str,
    details: &str,
    addr: &str,
) -> i64 {
    let body = request(kind, email).replace("details=", &format!("details={details}"));
    let (status, _, _) = call(app, post("/privacy", body, addr)).await;
    assert_eq!(status, StatusCode::OK);
    let mail = s
        .consent
        .outbox(50)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.recipient == email && m.body.contains("/privacy/verify/"))
        .unwrap();
    let start = mail.body.find("/privacy/verify/").unwrap();
    let path: String = mail.body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let (status, _, _) = call(app, post(&path, String::new(), addr)).await;
    assert_eq!(status, StatusCode::OK);
    s.privacy
        .requests(true, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.email == email && r.kind.key() == kind)
        .unwrap()
        .id
}

async fn the_dpo_handles_the_register(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, _, anne) = signed_up(s, "anne@example.fr").await;
    let app: Router = server::router::build(state(s.clone()));
    let erase = confirmed(&app, s, "erasure", "anne@example.fr", "203.0.113.1:1").await;
    let access = confirmed(&app, s, "access", "bob@example.fr", "203.0.113.2:1").await;
    let dpo = signed_in(s, Role::Dpo).await;

    // The privacy area lists both, the erasure with its person.
    let (status, _, html) = call(&app, get("/privacy-office", Some(&dpo))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Privacy requests") && html.contains("Erase this person"),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"/contacts/{anne}\"")));
    assert!(html.contains("No one with this address"));

    // Extending needs a reason; then it is due three months after receipt.
    let version = |id| async move { s.privacy.request(id).await.unwrap().unwrap().version };
    let v = version(access).await;
    let (status, _, _) = call(
        &app,
        json_post(
            "/api/privacy/extend-request",
            &format!("id={access}&version={v}&reason=%20"),
            Some(&dpo),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, body) = call(
        &app,
        json_post(
            "/api/privacy/extend-request",
            &format!("id={access}&version={v}&reason=Archives%20to%20search"),
            Some(&dpo),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r = s.privacy.request(access).await.unwrap().unwrap();
    assert!((89..=92).contains(&((r.due_ms - r.received_ms) / 86_400_000)));
    // A stale version is refused.
    let (status, _, _) = call(
        &app,
        json_post(
            "/api/privacy/close-request",
            &format!("id={access}&version={v}&status=done&outcome=x"),
            Some(&dpo),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = call(
        &app,
        json_post(
            "/api/privacy/close-request",
            &format!(
                "id={access}&version={}&status=done&outcome=We%20hold%20nothing",
                r.version
            ),
            Some(&dpo),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        s.privacy.request(access).await.unwrap().unwrap().status,
        RequestStatus::Done
    );

    // Erasure on request: one click, the person anonymised, the request
    // closed with what was done, every step in the access log.
    let v = version(erase).await;
    let (status, _, body) = call(
        &app,
        form_post(
            "/api/privacy/erase-for-request",
            &format!("id={erase}&version={v}"),
            Some(&dpo),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND, "{body}");
    assert_eq!(
        s.people.get(anne).await.unwrap().unwrap().fields.last_name,
        ""
    );
    let r = s.privacy.request(erase).await.unwrap().unwrap();
    assert_eq!(r.status, RequestStatus::Done);
    assert!(r.outcome.starts_with("Erased"), "{}", r.outcome);
    let log = s
        .access_log
        .search(&app::server::storage::AccessLogFilter::default(), 100)
        .await
        .unwrap();
    assert!(log.iter().any(|e| e.action == "erase"
        && e.record_type == "person"
        && e.record_id == anne.to_string()));
    let (_, _, html) = call(&app, get(&format!("/contacts/{anne}"), Some(&dpo))).await;
    assert!(html.contains("<h1>Erased person</h1>"), "{html}");
    // Each requester was told, at the address they confirmed (art. 12.3):
    // Bob of the extension and its reason, then of the answer; Anne of
    // her erasure, though her record no longer holds the address.
    let bodies = |to: &'static str| async move {
        s.consent
            .outbox(50)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.recipient == to && m.subject.starts_with("Your request to"))
            .map(|m| m.body)
            .collect::<Vec<_>>()
    };
    let bob = bodies("bob@example.fr").await;
    assert_eq!(bob.len(), 2, "{bob:?}");
    assert!(
        bob.iter()
            .any(|b| b.contains("needs more time, for this reason:\nArchives to search"))
    );
    assert!(
        bob.iter()
            .any(|b| b.contains("has been handled:\nWe hold nothing"))
    );
    let anne_mail = bodies("anne@example.fr").await;
    assert!(
        anne_mail.len() == 1 && anne_mail[0].contains("Erased: names, contact details"),
        "{anne_mail:?}"
    );
    // A second click changes nothing.
    let (status, _, _) = call(
        &app,
        json_post(
            "/api/privacy/erase-for-request",
            &format!("id={erase}&version={v}"),
            Some(&dpo),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The notice's settings, shown on the portal.
    let (status, _, _) = call(
        &app,
        json_post(
            "/api/privacy/save-notice",
            "contact=dpo%40acme.example&location=Paris",
            Some(&dpo),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, html) = call(&app, get("/privacy?lang=en", None)).await;
    assert!(html.contains("dpo@acme.example") && html.contains("Paris"));

    // Retention runs are listed in the privacy area.
    let today = chrono::Utc::now().date_naive();
    server::privacy::retention::run(
        s,
        app::domain::retention::RetentionPolicy::CNIL,
        today,
        true,
        None,
        "http://accord.test",
        |_| {},
    )
    .await
    .unwrap();
    let (_, _, html) = call(&app, get("/privacy-office", Some(&dpo))).await;
    assert!(
        html.contains("Retention runs") && html.contains("(dry run)"),
        "{html}"
    );
    assert!(html.contains(&today.to_string()));
}

on_both_backends!(an_access_request_ends_with_a_download_link);

/// The path of the first link after `prefix` in the latest mail to `to`.
async fn link_in_mail(s: &app::server::storage::Storage, to: &str, prefix: &str) -> String {
    let mail = s
        .consent
        .outbox(50)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|m| m.recipient == to && m.body.contains(prefix))
        .unwrap_or_else(|| panic!("no mail to {to} with {prefix}"));
    let start = mail.body.find(prefix).unwrap();
    mail.body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

async fn an_access_request_ends_with_a_download_link(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, _, anne) = signed_up(s, "anne@example.fr").await;
    let app: Router = server::router::build(state(s.clone()));
    let id = confirmed(&app, s, "access", "anne@example.fr", "203.0.113.1:1").await;
    let dpo = signed_in(s, Role::Dpo).await;
    let (_, _, html) = call(&app, get("/privacy-office", Some(&dpo))).await;
    assert!(html.contains("Send their data"), "{html}");

    // One click: the archive built, its link mailed, the request closed.
    let v = s.privacy.request(id).await.unwrap().unwrap().version;
    let (status, _, body) = call(
        &app,
        form_post(
            "/api/privacy/send-archive",
            &format!("id={id}&version={v}"),
            Some(&dpo),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND, "{body}");
    let r = s.privacy.request(id).await.unwrap().unwrap();
    assert_eq!(r.status, RequestStatus::Done);
    assert!(
        r.outcome.starts_with("Archive (JSON and CSV) sent"),
        "{}",
        r.outcome
    );
    let log = s
        .access_log
        .search(&app::server::storage::AccessLogFilter::default(), 100)
        .await
        .unwrap();
    assert!(log.iter().any(|e| e.action == "export"
        && e.record_type == "person_archive"
        && e.record_id == anne.to_string()));
    // A second click: the request is closed, nothing more is sent.
    let (status, _, _) = call(
        &app,
        form_post(
            "/api/privacy/send-archive",
            &format!("id={id}&version={v}"),
            Some(&dpo),
        ),
    )
    .await;
    assert_ne!(status, StatusCode::OK);
    let archive_mails = s
        .consent
        .outbox(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.body.contains("/privacy/archive/"))
        .count();
    assert_eq!(archive_mails, 1);

    // The link from the mail: a page with both downloads, kept by no cache.
    let path = link_in_mail(s, "anne@example.fr", "/privacy/archive/").await;
    let path = path.trim_start_matches("http://127.0.0.1:3000");
    let (status, headers, html) = call(&app, get(path, None)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert!(html.contains(&format!("{path}/json")) && html.contains(&format!("{path}/csv")));
    let (status, headers, json) = call(&app, get(&format!("{path}/json"), None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["records"]["people"][0]["person.last_name"], "Martin");
    assert_eq!(doc["privacy_requests"][0]["kind"], "access");
    let (status, _, csv) = call(&app, get(&format!("{path}/csv"), None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("section,row,field,value"));
    assert!(csv.contains("anne@example.fr"));
    let (status, _, _) = call(&app, get(&format!("{path}/pdf"), None)).await;
    assert_eq!(status, StatusCode::GONE);
    let (status, _, _) = call(&app, get("/privacy/archive/not-a-token", None)).await;
    assert_eq!(status, StatusCode::GONE);

    // Seven days later the upkeep deletes it: the link says so.
    assert_eq!(
        s.archives
            .purge_archives(chrono::Utc::now() + chrono::Duration::days(8))
            .await
            .unwrap(),
        1
    );
    let (status, _, html) = call(&app, get(path, None)).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("expired"), "{html}");
}

on_both_backends!(re_permission_accepted_resets_the_clock);

/// Sets when a person's clock started (collection; no inbound contact).
async fn clock_from(db: &TestDb, person: i64, at: chrono::DateTime<chrono::Utc>) {
    let at = crate::support::sql_time(at);
    crate::support::exec(
        db,
        &format!(
            "UPDATE people SET collected_at = {at}, last_inbound_at = NULL WHERE id = {person}"
        ),
    )
    .await;
}

async fn re_permission_accepted_resets_the_clock(backend: &str) {
    use app::domain::retention::RetentionPolicy;
    use app::server::auth::token::hash_token;
    use app::server::storage::Evidence;
    use chrono::{Duration, Utc};
    use server::privacy::retention;

    let db = TestDb::on(backend).await;
    let s = &db.storage;
    // Anne signs up through a form and confirms; Bruno too, without
    // confirming. Both were collected three years ago less thirty days:
    // their limit is in a month, within the sixty days' notice.
    let (_, _, form) = crate::consent::setup(s).await;
    let evidence = Evidence {
        source_addr: "203.0.113.7".into(),
        user_agent: "test".into(),
    };
    let mut people = Vec::new();
    for email in ["anne@example.fr", "bruno@example.fr"] {
        let (new, confirm, _) = crate::consent::submission(&form, email, Duration::days(7));
        let id = s
            .consent
            .submit(&new)
            .await
            .unwrap()
            .done()
            .unwrap()
            .person_id;
        if email.starts_with("anne") {
            s.consent
                .confirm(&hash_token(&confirm), &evidence)
                .await
                .unwrap();
        }
        people.push(id);
    }
    let (anne, bruno) = (people[0], people[1]);
    let today = Utc::now().date_naive();
    let policy = RetentionPolicy::CNIL;
    let started = policy.prospect_cutoff(today) + Duration::days(30);
    clock_from(&db, anne, started).await;
    clock_from(&db, bruno, started).await;
    let app: Router = server::router::build(state(s.clone()));
    let mails = |s: &app::server::storage::Storage| {
        let s = s.clone();
        async move {
            s.consent
                .outbox(100)
                .await
                .unwrap()
                .into_iter()
                .filter(|m| m.body.contains("/r/"))
                .count()
        }
    };

    // The dry run lists who would be asked, and sends nothing.
    let url = "http://accord.test";
    let dry = retention::run(s, policy, today, true, None, url, |_| {})
        .await
        .unwrap();
    let ids: Vec<i64> = dry.asked.iter().map(|p| p.id).collect();
    assert_eq!(ids, vec![anne, bruno]);
    assert_eq!(mails(s).await, 0);

    // The run asks each once, in the ledger too; a second run asks nobody.
    let run = retention::run(s, policy, today, false, None, url, |_| {})
        .await
        .unwrap();
    assert_eq!((run.asked.len(), run.erased), (2, 0));
    assert_eq!(mails(s).await, 2);
    let again = retention::run(s, policy, today, false, None, url, |_| {})
        .await
        .unwrap();
    assert!(again.asked.is_empty());
    assert_eq!(mails(s).await, 2);
    let events = |person| async move {
        s.consent
            .proof(person)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.event)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        events(anne).await.last().map(String::as_str),
        Some("repermission_asked")
    );
    let runs = s.privacy.runs(5).await.unwrap();
    assert_eq!((runs[1].asked, runs[1].dry_run), (2, false));

    // Anne's mail, in her language (the form's): the link's page changes
    // nothing; its button keeps her.
    let mail = s
        .consent
        .outbox(100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.recipient == "anne@example.fr" && m.body.contains("/r/"))
        .unwrap();
    assert!(
        mail.subject.contains("toujours avoir des nouvelles"),
        "{}",
        mail.subject
    );
    let start = mail.body.find("/r/").unwrap();
    let path: String = mail.body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let (status, _, html) = call(&app, get(&path, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Oui, tenez-moi informé"), "{html}");
    assert_eq!(
        s.people.get(anne).await.unwrap().unwrap().fields.last_name,
        "Martin"
    );
    let (status, _, html) = call(&app, post(&path, String::new(), "203.0.113.7:1")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("conserve vos coordonnées"), "{html}");
    let (status, _, _) = call(&app, post(&path, String::new(), "203.0.113.7:1")).await;
    assert_eq!(status, StatusCode::GONE);
    // Her answer is on the ledger, which still verifies.
    assert_eq!(
        events(anne).await.last().map(String::as_str),
        Some("confirmed")
    );
    assert!(matches!(
        server::consent::chain::verify(s.consent.as_ref())
            .await
            .unwrap(),
        server::consent::chain::Verdict::Intact { .. }
    ));

    // A month and a day later: Bruno, who did not answer, is erased; Anne's
    // clock started again from her answer, so she is kept and not asked.
    let later = today + Duration::days(31);
    let report = retention::run(s, policy, later, false, None, url, |_| {})
        .await
        .unwrap();
    let due: Vec<i64> = report.due.iter().map(|p| p.id).collect();
    assert_eq!(due, vec![bruno]);
    assert!(report.asked.is_empty());
    assert!(s.privacy.tombstone(bruno).await.unwrap().is_some());
    assert!(s.privacy.tombstone(anne).await.unwrap().is_none());
    assert_eq!(
        s.people.get(anne).await.unwrap().unwrap().fields.last_name,
        "Martin"
    );
}

on_both_backends!(the_dpo_rectifies_through_the_person_form);

/// Saves `person`'s edit form as `cookie` on their current version, with
/// `last_name`, `email` and `job` (the rest as stored); the status.
async fn save_person(
    app: &Router,
    s: &app::server::storage::Storage,
    cookie: &str,
    person: i64,
    (last_name, email, job): (&str, &str, &str),
) -> StatusCode {
    let p = s.people.get(person).await.unwrap().unwrap();
    let form = format!(
        "id={person}&version={}&first_name=Anne&last_name={last_name}&kind={}&status={}\
         &job_title={job}&email={}&phone=&company=&team_id=",
        p.version,
        p.fields.kind.key(),
        p.fields.status.key(),
        email.replace('@', "%40")
    );
    call(app, json_post("/api/people/update", &form, Some(cookie)))
        .await
        .0
}

async fn the_dpo_rectifies_through_the_person_form(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, _, anne) = signed_up(s, "anne@example.fr").await;
    let app: Router = server::router::build(state(s.clone()));
    let dpo = signed_in(s, Role::Dpo).await;
    let marketing = signed_in(s, Role::Marketing).await;
    let version = || async { s.people.get(anne).await.unwrap().unwrap().version };
    let saved = |code: StatusCode| code.is_success() || code.is_redirection();
    let hijack = ("Hijacked", "anne@example.fr", "");
    let corrected = ("Martin-Dubois", "anne.martin@example.fr", "");
    let with_job = ("Martin-Dubois", "anne.martin@example.fr", "CFO");

    // Without a rectification request the DPO changes no record.
    let (_, _, html) = call(&app, get(&format!("/contacts/{anne}"), Some(&dpo))).await;
    assert!(!html.contains(&format!("/contacts/{anne}/edit")), "{html}");
    let v = version().await;
    assert_eq!(
        save_person(&app, s, &dpo, anne, hijack).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(version().await, v);

    // Anne asks, from her address, to correct her name and address.
    let id = confirmed_with(
        &app,
        s,
        "rectification",
        "anne@example.fr",
        "My%20name%20is%20Martin-Dubois",
        "203.0.113.1:1",
    )
    .await;
    // The register leads to the record, and the record says what is asked.
    let (_, _, html) = call(&app, get("/privacy-office", Some(&dpo))).await;
    assert!(
        html.contains(&format!("href=\"/contacts/{anne}/edit\""))
            && html.contains("Correct the record"),
        "{html}"
    );
    let (_, _, html) = call(&app, get(&format!("/contacts/{anne}"), Some(&dpo))).await;
    assert!(
        html.contains("A rectification request about this person is open")
            && html.contains("My name is Martin-Dubois")
            && html.contains(&format!("/contacts/{anne}/edit")),
        "{html}"
    );
    let (code, _, html) = call(&app, get(&format!("/contacts/{anne}/edit"), Some(&dpo))).await;
    assert_eq!(code, StatusCode::OK);
    assert!(html.contains("action=\"/api/people/update\""), "{html}");

    // The DPO corrects it through the normal form; the request records
    // which fields changed and who changed them, not the old values.
    assert!(saved(save_person(&app, s, &dpo, anne, corrected).await));
    let person = s.people.get(anne).await.unwrap().unwrap();
    assert_eq!(person.fields.last_name, "Martin-Dubois");
    assert_eq!(person.fields.emails[0].0.as_str(), "anne.martin@example.fr");
    let r = s.privacy.request(id).await.unwrap().unwrap();
    assert_eq!(r.status, RequestStatus::Open);
    assert_eq!(r.changes.len(), 1, "{:?}", r.changes);
    assert_eq!(r.changes[0].fields, ["person.last_name", "person.email"]);
    assert_eq!(r.changes[0].by, "Test dpo");
    let stored = crate::support::texts(&db, "SELECT fields FROM privacy_request_changes").await;
    assert!(
        !stored
            .iter()
            .any(|f| f.contains("Martin") || f.contains('@'))
    );
    let (_, _, html) = call(&app, get("/privacy-office", Some(&dpo))).await;
    assert!(html.contains("by Test dpo: Last name, E-mail"), "{html}");

    // A save by someone who does not handle requests is not an answer to
    // it; nor is a save that changes nothing.
    assert!(saved(
        save_person(&app, s, &marketing, anne, with_job).await
    ));
    assert!(saved(save_person(&app, s, &dpo, anne, with_job).await));
    let r = s.privacy.request(id).await.unwrap().unwrap();
    assert_eq!(r.changes.len(), 1);

    // Once the request is closed, the DPO's access to the record ends.
    let (code, _, _) = call(
        &app,
        json_post(
            "/api/privacy/close-request",
            &format!(
                "id={id}&version={}&status=done&outcome=Name%20and%20address%20corrected",
                r.version
            ),
            Some(&dpo),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    let v = version().await;
    assert_eq!(
        save_person(&app, s, &dpo, anne, hijack).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(version().await, v);
    let r = s.privacy.request(id).await.unwrap().unwrap();
    assert_eq!(r.changes.len(), 1);
    assert_eq!(r.outcome, "Name and address corrected");
    // Anne is told, in her language, what was done (art. 12.3).
    let answer = s
        .consent
        .outbox(50)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.recipient == "anne@example.fr" && m.subject.contains("Correct my data"))
        .expect("the answer in the outbox");
    assert!(
        answer
            .body
            .contains("has been handled:\nName and address corrected")
            && answer.body.contains("CNIL"),
        "{}",
        answer.body
    );
}

on_both_backends!(a_restricted_person_is_frozen_until_lifted);

async fn interactions_of(db: &TestDb, person: i64) -> i64 {
    crate::support::scalar(
        db,
        &format!("SELECT count(*) FROM interactions WHERE person_id = {person}"),
    )
    .await
}

async fn a_restricted_person_is_frozen_until_lifted(backend: &str) {
    use app::server::auth::token::hash_token;
    use app::server::storage::Evidence;
    use chrono::Duration;

    let db = TestDb::on(backend).await;
    let s = &db.storage;
    // Anne signs up and confirms: she may be mailed about the newsletter.
    let (admin_id, purpose, form) = crate::consent::setup(s).await;
    let (new, confirm, _) = crate::consent::submission(&form, "anne@example.fr", Duration::days(7));
    let anne = s
        .consent
        .submit(&new)
        .await
        .unwrap()
        .done()
        .unwrap()
        .person_id;
    s.consent
        .confirm(
            &hash_token(&confirm),
            &Evidence {
                source_addr: "203.0.113.7".into(),
                user_agent: "test".into(),
            },
        )
        .await
        .unwrap();
    assert!(s.consent.may_send(anne, purpose).await.unwrap());
    let app: Router = server::router::build(state(s.clone()));
    let id = confirmed(&app, s, "restriction", "anne@example.fr", "203.0.113.1:1").await;
    let dpo = signed_in(s, Role::Dpo).await;
    let admin = crate::support::signed_in_as(s, admin_id).await;

    // The DPO restricts her from the register; the request is closed.
    let v = s.privacy.request(id).await.unwrap().unwrap().version;
    let (status, _, body) = call(
        &app,
        form_post(
            "/api/privacy/restrict-for-request",
            &format!("id={id}&version={v}"),
            Some(&dpo),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND, "{body}");
    let r = s.privacy.request(id).await.unwrap().unwrap();
    assert_eq!(r.status, RequestStatus::Done);
    assert!(
        r.outcome.starts_with("Processing restricted"),
        "{}",
        r.outcome
    );
    let person = s.people.get(anne).await.unwrap().unwrap();
    assert!(person.restricted_at.is_some());
    // Excluded from every send, whatever she consented to.
    assert!(!s.consent.may_send(anne, purpose).await.unwrap());

    // Read-only for others, even an administrator: told why, nothing written.
    let (_, _, html) = call(&app, get(&format!("/contacts/{anne}"), Some(&admin))).await;
    assert!(html.contains("Processing restricted since"), "{html}");
    assert!(!html.contains(&format!("/contacts/{anne}/edit")));
    let before = interactions_of(&db, anne).await;
    let (status, _, body) = call(
        &app,
        json_post(
            "/api/timeline/log",
            &format!("person_id={anne}&kind=note&notes=Called%20her"),
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("restricted"), "{body}");
    assert_eq!(interactions_of(&db, anne).await, before);
    let (status, _, _) = call(
        &app,
        json_post(
            "/api/people/tag",
            &format!("ids[0]={anne}&tag=VIP"),
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(s.tags.of_people(&[anne]).await.unwrap().is_empty());

    // The DPO sees the button that lifts it; then everything is as before.
    let (_, _, html) = call(&app, get(&format!("/contacts/{anne}"), Some(&dpo))).await;
    assert!(html.contains("Lift the restriction"), "{html}");
    let (status, _, _) = call(
        &app,
        form_post(
            "/api/privacy/set-restriction",
            &format!("person_id={anne}&restrict=false"),
            Some(&dpo),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(s.consent.may_send(anne, purpose).await.unwrap());
    let (status, _, body) = call(
        &app,
        json_post(
            "/api/timeline/log",
            &format!("person_id={anne}&kind=note&notes=Called%20her"),
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

on_both_backends!(an_objection_puts_the_address_on_the_suppression_list);

async fn suppression_rows(db: &TestDb) -> Vec<String> {
    crate::support::texts(db, "SELECT hash FROM suppression_list ORDER BY hash").await
}

async fn an_objection_puts_the_address_on_the_suppression_list(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (admin_id, purpose, form) = crate::consent::setup(s).await;
    let (new, _, _) =
        crate::consent::submission(&form, "anne@example.fr", chrono::Duration::days(7));
    let anne = s
        .consent
        .submit(&new)
        .await
        .unwrap()
        .done()
        .unwrap()
        .person_id;
    let app: Router = server::router::build(state(s.clone()));
    let admin = crate::support::signed_in_as(s, admin_id).await;

    // Anne objects; so does Zoé, whom Accord does not know.
    confirmed(&app, s, "objection", "anne@example.fr", "203.0.113.1:1").await;
    confirmed(&app, s, "objection", "zoe@example.fr", "203.0.113.2:1").await;
    let person = s.people.get(anne).await.unwrap().unwrap();
    assert!(person.objected_at.is_some());
    assert_eq!(
        s.consent.of_person(anne, Locale::En).await.unwrap().0[0].status,
        ConsentStatus::Withdrawn
    );
    // The list holds two salted hashes and nothing readable.
    let rows = suppression_rows(&db).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|h| h.len() == 64 && !h.contains("example")));
    let (_, _, html) = call(&app, get(&format!("/contacts/{anne}"), Some(&admin))).await;
    assert!(html.contains("Objected to prospecting on"), "{html}");

    // Entering either again for prospecting is refused, with the reason,
    // however the address is spelt; nothing is written.
    for (path, body) in [
        (
            "/api/people/create",
            "last_name=Martin&kind=b2c&status=prospect&email=Anne%40Example.fr&prospecting_basis=consent",
        ),
        (
            "/api/leads/create",
            "last_name=Martin&email=zoe%40example.fr",
        ),
    ] {
        let (status, _, reply) = call(&app, json_post(path, body, Some(&admin))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {reply}");
        assert!(reply.contains("suppressed"), "{path}: {reply}");
    }
    assert!(found_by_email(s, "zoe@example.fr").await.is_none());

    // Zoé signing up herself through a form is her own new consent: it is
    // recorded, and her page says she once objected.
    let (new, _, _) =
        crate::consent::submission(&form, "zoe@example.fr", chrono::Duration::days(7));
    let zoe = s
        .consent
        .submit(&new)
        .await
        .unwrap()
        .done()
        .unwrap()
        .person_id;
    assert_eq!(
        s.consent.of_person(zoe, Locale::En).await.unwrap().0[0].purpose_id,
        purpose
    );
    let (_, _, html) = call(&app, get(&format!("/contacts/{zoe}"), Some(&admin))).await;
    assert!(html.contains("is on the suppression list"), "{html}");
}

async fn found_by_email(s: &app::server::storage::Storage, email: &str) -> Option<i64> {
    s.people
        .find_duplicate(&[email.to_string()], None)
        .await
        .unwrap()
}

on_both_backends!(the_dpo_is_reminded_at_seven_and_two_days);

async fn due_in(db: &TestDb, request: i64, days: i64) {
    let at = crate::support::sql_time(chrono::Utc::now() + chrono::Duration::days(days));
    crate::support::exec(
        db,
        &format!("UPDATE privacy_requests SET due_at = {at} WHERE id = {request}"),
    )
    .await;
}

async fn the_dpo_is_reminded_at_seven_and_two_days(backend: &str) {
    use server::privacy::reminders;
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app: Router = server::router::build(state(s.clone()));
    let soon = confirmed(&app, s, "access", "anne@example.fr", "203.0.113.1:1").await;
    let later = confirmed(&app, s, "erasure", "bob@example.fr", "203.0.113.2:1").await;
    signed_in(s, Role::Dpo).await;
    let to_dpo = || async {
        s.consent
            .outbox(100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.recipient == "dpo@example.com")
            .collect::<Vec<_>>()
    };
    let url = "http://accord.test";

    // Nothing due within a week: no reminder.
    assert!(
        reminders::run(s, chrono::Utc::now(), url)
            .await
            .unwrap()
            .is_empty()
    );
    // Due in six days: one reminder, once.
    due_in(&db, soon, 6).await;
    let claimed = reminders::run(s, chrono::Utc::now(), url).await.unwrap();
    assert_eq!(
        claimed
            .iter()
            .map(|r| (r.request_id, r.days))
            .collect::<Vec<_>>(),
        vec![(soon, 7)]
    );
    let mails = to_dpo().await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, "A privacy request is due soon");
    assert!(
        mails[0]
            .body
            .contains(&format!("#{soon} A copy of my data")),
        "{}",
        mails[0].body
    );
    assert!(mails[0].body.contains("http://accord.test/privacy-office"));
    assert!(
        mails[0].body.contains(&format!("n° {soon}")),
        "in French too"
    );
    assert!(
        reminders::run(s, chrono::Utc::now(), url)
            .await
            .unwrap()
            .is_empty()
    );
    // Due tomorrow: the two-day reminder, once; closed requests none.
    due_in(&db, soon, 1).await;
    due_in(&db, later, 1).await;
    let v = s.privacy.request(later).await.unwrap().unwrap().version;
    assert!(
        s.privacy
            .close_request(later, v, RequestStatus::Refused, "Not the holder", 1, None)
            .await
            .unwrap()
    );
    let claimed = reminders::run(s, chrono::Utc::now(), url).await.unwrap();
    assert_eq!(
        claimed
            .iter()
            .map(|r| (r.request_id, r.days))
            .collect::<Vec<_>>(),
        vec![(soon, 2)]
    );
    assert!(
        reminders::run(s, chrono::Utc::now(), url)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(to_dpo().await.len(), 2);
}

on_both_backends!(data_health_counts_who_to_look_at);

async fn data_health_counts_who_to_look_at(backend: &str) {
    use app::domain::retention::RetentionPolicy;
    use app::server::storage::NewPersonRecord;
    use chrono::{Duration, Utc};
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let admin = crate::support::create_user(s, Role::Admin).await.id;
    let cutoff = RetentionPolicy::CNIL.prospect_cutoff(Utc::now().date_naive());
    let collected = |name: &str, at| NewPersonRecord {
        collected_at: at,
        ..crate::people::person(name, admin, None)
    };
    let past = s
        .people
        .create(&collected("Passe", cutoff - Duration::days(1)))
        .await
        .unwrap();
    let long_past = s
        .people
        .create(&collected("Lointaine", cutoff - Duration::days(100)))
        .await
        .unwrap();
    let near = s
        .people
        .create(&collected("Proche", cutoff + Duration::days(10)))
        .await
        .unwrap();
    let bare = s
        .people
        .create(&collected("Nue", Utc::now()))
        .await
        .unwrap();
    let old = s
        .people
        .create(&collected("Oubliee", Utc::now() - Duration::days(700)))
        .await
        .unwrap();
    let _fresh = s
        .people
        .create(&collected("Fraiche", Utc::now()))
        .await
        .unwrap();
    let (two_years_ago, now) = (
        crate::support::sql_time(Utc::now() - Duration::days(730)),
        crate::support::sql_time(Utc::now()),
    );
    // No basis; untouched for two years; a mail that keeps failing.
    crate::support::exec(
        &db,
        &format!(
            "DELETE FROM person_legal_bases WHERE person_id = {bare}; \
             UPDATE people SET updated_at = {two_years_ago} WHERE id = {old}; \
             INSERT INTO outbox (recipient, subject, body, created_at, next_attempt_at, attempts, last_error) \
             VALUES ('Gone@example.fr', 's', 'b', {now}, {now}, 4, '550 no such user');"
        ),
    )
    .await;

    let app: Router = server::router::build(state(s.clone()));
    let dpo = signed_in(s, Role::Dpo).await;
    let (status, _, html) = call(&app, get("/privacy-office", Some(&dpo))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Data health"), "{html}");
    let counts: Vec<&str> = html
        .split("data-count=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    // Past due, near due, without a basis, stale, bouncing.
    assert_eq!(counts, ["2", "1", "1", "1", "1"], "{html}");
    let _ = (past, long_past, near);
}
