//! The privacy portal over HTTP, with mail delivered to a real SMTP
//! server on loopback: the notice generated from the purposes, a request
//! answered the same for a known and an unknown address, the link from
//! the mail followed (looking changes nothing, the button confirms, once),
//! bad input explained.

use crate::auth::{call, get, state};
use crate::consent::{setup, submission};
use crate::consent_http::post;
use crate::on_both_backends;
use crate::support::TestDb;
use crate::support::smtp::SmtpServer;
use app::domain::consent::ConsentStatus;
use app::domain::privacy::RequestStatus;
use app::i18n::Locale;
use axum::Router;
use axum::http::{StatusCode, header};
use chrono::Duration;
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
    let (_, _, form) = setup(s).await;
    let (new, _, _) = submission(&form, "anne@example.fr", Duration::days(7));
    let anne = s
        .consent
        .submit(&new)
        .await
        .unwrap()
        .done()
        .unwrap()
        .person_id;
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
