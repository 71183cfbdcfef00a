//! The public consent pages over HTTP, with mail delivered to a real SMTP
//! server on loopback: a form filled in, the confirmation mail received
//! and its link followed (looking changes nothing, the button confirms),
//! then withdrawal. Every kind of bad input is refused with a page saying
//! why, and writes nothing but the rate-limit counter.

use crate::auth::{call, get, state};
use crate::consent::{form_input, setup};
use crate::on_both_backends;
use crate::support::TestDb;
use crate::support::smtp::SmtpServer;
use app::domain::consent::ConsentStatus;
use app::i18n::Locale;
use app::server::storage::Storage;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use server::consent::mail::{Mailer, spawn_delivery};

on_both_backends!(
    a_visitor_signs_up_confirms_by_mail_and_withdraws,
    bad_submissions_are_explained_and_write_nothing,
    a_reader_of_the_other_language_gets_the_purposes_named_in_theirs,
);

pub(crate) fn post(path: &str, body: String, addr: &str) -> Request<Body> {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::USER_AGENT, "Integration test")
        .body(Body::from(body))
        .unwrap();
    // The client address the rate limit counts by.
    request.extensions_mut().insert(axum::extract::ConnectInfo(
        addr.parse::<std::net::SocketAddr>().unwrap(),
    ));
    request
}

/// The posted fields of a filled-in form.
fn filled(version_id: i64, purpose: (i64, i64), email: &str) -> String {
    format!(
        "form_version={version_id}&email={}&first_name=Anne&last_name=Martin&phone=&purpose-{}=on&text-{}={}&website=",
        email.replace('@', "%40"),
        purpose.0,
        purpose.0,
        purpose.1
    )
}

/// Nothing about people was written: no person, no ledger row, no mail.
async fn nothing_written(s: &Storage) {
    assert_eq!(s.consent.chain_head().await.unwrap().0, 0, "no ledger row");
    assert!(s.consent.outbox(10).await.unwrap().is_empty(), "no mail");
    assert!(
        s.consent
            .language_of("anne@example.fr")
            .await
            .unwrap()
            .is_none(),
        "no person"
    );
}

async fn a_visitor_signs_up_confirms_by_mail_and_withdraws(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, purpose, form) = setup(s).await;
    let smtp = SmtpServer::start().await;
    let mut app_state = state(s.clone());
    app_state.consent.public_url = "http://accord.test".into();
    spawn_delivery(
        s.clone(),
        Mailer::new(&smtp.url(), "Accord <accord@localhost>").unwrap(),
        app_state.consent.mail_wakeup.clone(),
    );
    let app: Router = server::router::build(app_state);

    // The page: small, in the form's language, no box ticked, not framable.
    let (status, headers, html) = call(&app, get("/f/lettre", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.len() < 30 * 1024, "{} bytes", html.len());
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"fr\">"));
    assert!(html.contains("type=\"checkbox\""));
    assert!(!html.contains(" checked"), "never pre-ticked");
    assert!(html.contains("J&#39;accepte de recevoir news."));
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");

    let text_id = form.purposes[0].text_id;
    let (status, _, html) = call(
        &app,
        post(
            "/f/lettre",
            filled(form.version_id, (purpose, text_id), "anne@example.fr"),
            "203.0.113.5:4000",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("anne@example.fr"), "{html}");
    assert!(html.contains("Merci !"));

    // The mail, through SMTP, in the person's language, with both links.
    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.to, vec!["<anne@example.fr>".to_string()]);
    assert_eq!(mail.from, "<accord@localhost>");
    assert!(
        mail.subject().contains("merci de confirmer vos choix"),
        "{}",
        mail.subject()
    );
    let body = mail.body();
    assert!(body.contains("news par email"), "{body}");
    let confirm = mail
        .link("http://accord.test/c/")
        .expect("confirmation link");
    let withdraw = mail.link("http://accord.test/w/").expect("withdrawal link");
    let confirm_path = confirm.trim_start_matches("http://accord.test");
    let withdraw_path = withdraw.trim_start_matches("http://accord.test");
    // Delivered: the outbox keeps no copy of the links.
    let mut delivered = false;
    for _ in 0..50 {
        let outbox = s.consent.outbox(10).await.unwrap();
        if outbox[0].sent_at.is_some() {
            assert_eq!(outbox[0].body, "");
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(delivered, "marked as delivered");

    let person = match s
        .consent
        .link(
            &app::server::auth::token::hash_token(&confirm_path[3..]),
            "confirm",
        )
        .await
        .unwrap()
    {
        app::server::storage::LinkState::Valid { person_id, .. } => person_id,
        other => panic!("{other:?}"),
    };
    // Opening the link (as a mail scanner would) confirms nothing.
    let (status, _, html) = call(&app, get(confirm_path, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<button type=\"submit\">Confirmer</button>"),
        "{html}"
    );
    let status_of = |s: Storage| async move {
        s.consent.of_person(person, Locale::Fr).await.unwrap().0[0].status
    };
    assert_eq!(status_of(s.clone()).await, ConsentStatus::Pending);
    let (status, _, html) =
        call(&app, post(confirm_path, String::new(), "198.51.100.2:5000")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Vos choix sont confirmés"), "{html}");
    assert_eq!(status_of(s.clone()).await, ConsentStatus::Given);
    // Single use.
    let (status, _, html) =
        call(&app, post(confirm_path, String::new(), "198.51.100.2:5000")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("already been used") || html.contains("déjà été utilisé"),
        "{html}"
    );

    // Withdrawal: a page listing the consent, one button.
    let (status, _, html) = call(&app, get(withdraw_path, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("news par email"), "{html}");
    let (status, _, html) = call(
        &app,
        post(
            withdraw_path,
            format!("purpose={purpose}"),
            "198.51.100.2:5000",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Retiré : news par email"), "{html}");
    assert_eq!(status_of(s.clone()).await, ConsentStatus::Withdrawn);
    let (_, _, html) = call(&app, get(withdraw_path, None)).await;
    assert!(html.contains("aucun consentement à retirer"), "{html}");

    // Links that do not exist.
    let (status, _, _) = call(&app, get(&format!("/c/{}", "ab".repeat(32)), None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = call(&app, get("/c/not-a-token", None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(matches!(
        server::consent::chain::verify(s.consent.as_ref())
            .await
            .unwrap(),
        server::consent::chain::Verdict::Intact { rows: 3, .. }
    ));
}

async fn bad_submissions_are_explained_and_write_nothing(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (admin, purpose, form) = setup(s).await;
    let app: Router = server::router::build(state(s.clone()));
    let text_id = form.purposes[0].text_id;
    let good = filled(form.version_id, (purpose, text_id), "anne@example.fr");
    let addr = "203.0.113.7:4000";

    // Each refused with its reason, the typed values kept.
    let cases: Vec<(String, &str)> = vec![
        (
            good.replace("email=anne%40example.fr", "email=anne"),
            "Adresse e-mail",
        ),
        (
            good.replace("last_name=Martin", "last_name="),
            "obligatoire",
        ),
        (
            good.replace(&format!("&purpose-{purpose}=on"), ""),
            "Cochez au moins une case",
        ),
        (
            format!("{good}&purpose-999=on"),
            "pas proposé par ce formulaire",
        ),
        (
            good.replace(
                &format!("form_version={}", form.version_id),
                "form_version=1234",
            ),
            "a été modifié depuis",
        ),
        (
            good.replace(
                &format!("text-{purpose}={text_id}"),
                &format!("text-{purpose}=0"),
            ),
            "a été modifié depuis",
        ),
    ];
    for (body, expected) in cases {
        let (status, _, html) = call(&app, post("/f/lettre", body.clone(), addr)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(html.contains(expected), "{body}: {expected} not in {html}");
        assert!(html.contains("role=\"alert\""));
        nothing_written(s).await;
    }
    // A refused e-mail keeps what was typed.
    let (_, _, html) = call(
        &app,
        post("/f/lettre", good.replace("anne%40example.fr", "anne"), addr),
    )
    .await;
    assert!(html.contains("value=\"anne\""));
    assert!(html.contains("aria-invalid=\"true\""));

    // The trap: told what a person is told, nothing written.
    let (status, _, html) = call(
        &app,
        post(
            "/f/lettre",
            good.replace("website=", "website=http%3A%2F%2Fspam"),
            addr,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("anne@example.fr"));
    nothing_written(s).await;

    // A huge body.
    let huge = format!("{good}&first_name={}", "a".repeat(20 * 1024));
    let (status, _, html) = call(&app, post("/f/lettre", huge, "203.0.113.8:4000")).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(html.contains("trop long"), "{html}");
    nothing_written(s).await;

    // An unknown or archived form.
    let (status, _, _) = call(&app, get("/f/nope", None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The rate limit: the address above has sent 8; the 9th and 10th
    // pass, the 11th is refused.
    for nth in [9, 10] {
        let (status, _, _) = call(&app, post("/f/lettre", good.clone(), addr)).await;
        assert_eq!(status, StatusCode::OK, "the {nth}th");
    }
    let (status, _, html) = call(&app, post("/f/lettre", good.clone(), addr)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Patientez dix minutes"), "{html}");
    // Another address is not affected.
    let (status, _, _) = call(&app, post("/f/lettre", good.clone(), "203.0.113.9:4000")).await;
    assert_eq!(status, StatusCode::OK);

    // An English form answers in English.
    s.consent
        .save_form(
            None,
            &app::domain::consent::FormInput {
                language: "en".into(),
                ..form_input("news-en", &[purpose], admin)
            }
            .check()
            .unwrap(),
            admin,
        )
        .await
        .unwrap();
    let en = s.consent.public_form("news-en").await.unwrap().unwrap();
    let (status, _, html) = call(
        &app,
        post(
            "/f/news-en",
            filled(en.version_id, (purpose, en.purposes[0].text_id), "x")
                .replace("email=x", "email=bad"),
            "203.0.113.10:1",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("<html lang=\"en\">"));

    // The form changes after it was shown (this instance may still keep
    // the old one): the submission is refused, and the form shown anew.
    let before = s.consent.chain_head().await.unwrap();
    let (draft, _) = s.consent.form(form.form_id).await.unwrap().unwrap();
    let retitled = app::domain::consent::FormDraft {
        title: "Nouvelle lettre".into(),
        ..draft
    };
    s.consent
        .save_form(Some(form.form_id), &retitled, admin)
        .await
        .unwrap();
    let (status, _, html) = call(&app, post("/f/lettre", good.clone(), "203.0.113.11:4000")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("a été modifié depuis"), "{html}");
    assert!(html.contains("Nouvelle lettre"));
    assert_eq!(
        s.consent.chain_head().await.unwrap(),
        before,
        "nothing recorded"
    );
}

on_both_backends!(purposes_and_forms_are_built_in_settings_and_the_proof_exported);

async fn purposes_and_forms_are_built_in_settings_and_the_proof_exported(backend: &str) {
    use crate::auth::json_post;
    use crate::support::signed_in;
    use app::domain::Role;
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app: Router = server::router::build(state(s.clone()));
    let admin = signed_in(s, Role::Admin).await;
    let marketing = signed_in(s, Role::Marketing).await;
    let dpo = signed_in(s, Role::Dpo).await;

    // A purpose with a partner the French text forgets: refused, named.
    let purpose = "key=offers&name_en=Partner+offers&name_fr=Offres+partenaires&channel=sms&legal_basis=consent\
                   &retention_months=24&partners=Globex&text_en=Offers+from+Globex+by+SMS.&text_fr=Des+offres+par+SMS.";
    let (status, _, body) = call(
        &app,
        json_post("/api/consent/save-purpose", purpose, Some(&admin)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("partner_not_named") && body.contains("text_fr"),
        "{body}"
    );
    assert!(s.consent.purposes().await.unwrap().is_empty());
    let fixed = purpose.replace("Des+offres+par+SMS.", "Des+offres+de+Globex+par+SMS.");
    let (status, _, body) = call(
        &app,
        json_post("/api/consent/save-purpose", &fixed, Some(&admin)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let purpose_id = s.consent.purposes().await.unwrap()[0].id;

    // Marketing builds the form; a job title is asked that no purpose needs.
    let form = format!(
        "slug=offres&language=fr&title=Nos+offres&intro=Bonjour&thanks=Merci&privacy_url=%2Fprivacy\
         &fields[0]=phone&fields[1]=job_title&purposes[0]={purpose_id}&owner_id=1&frame_ancestors=https%3A%2F%2Fwww.example.com"
    );
    let (status, _, body) = call(
        &app,
        json_post("/api/consent/save-form", &form, Some(&marketing)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) = call(&app, json_post("/api/consent/forms", "", Some(&marketing))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let view: app::domain::consent::FormsView = serde_json::from_str(&body).unwrap();
    let form_id = view.forms[0].id;
    let (_, _, body) = call(
        &app,
        json_post(
            "/api/consent/forms",
            &format!("editing={form_id}"),
            Some(&marketing),
        ),
    )
    .await;
    let view: app::domain::consent::FormsView = serde_json::from_str(&body).unwrap();
    let editing = view.editing.unwrap();
    assert_eq!(
        editing.unneeded,
        vec![app::domain::consent::FormField::JobTitle]
    );
    assert!(editing.address.ends_with("/f/offres"));
    // The page may be framed by the site named, and by no other.
    let (status, headers, html) = call(&app, get("/f/offres", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Des offres de Globex par SMS."));
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors https://www.example.com"),
        "{csp}"
    );

    // A submission, then the DPO's proof.
    let public = s.consent.public_form("offres").await.unwrap().unwrap();
    let body = filled(
        public.version_id,
        (purpose_id, public.purposes[0].text_id),
        "paul@example.fr",
    )
    .replace("phone=", "phone=0612345678");
    let (status, _, html) = call(&app, post("/f/offres", body, "192.0.2.1:1")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let person = s.consent.proof(1).await.unwrap().rows[0].person_id;
    let (status, _, _) = call(
        &app,
        get(&format!("/consent-proof/{person}/json"), Some(&marketing)),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, headers, body) = call(
        &app,
        get(&format!("/consent-proof/{person}/json"), Some(&dpo)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let proof: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(proof["rows"][0]["event"], "given");
    assert_eq!(proof["rows"][0]["hash_matches"], true);
    assert_eq!(proof["texts"][0]["body"], "Des offres de Globex par SMS.");
    assert_eq!(proof["texts"][0]["sha256_matches_body"], true);
    assert_eq!(proof["forms"][0]["slug"], "offres");
    assert_eq!(proof["purposes"][0]["status_now"], "pending");
    assert!(
        !body.contains("192.0.2.1"),
        "no source address in the proof"
    );
    let (status, _, html) = call(&app, get(&format!("/consent-proof/{person}"), Some(&dpo))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Des offres de Globex par SMS."), "{html}");
    // The person's page still opens (the proof routes do not shadow it).
    let (status, _, _) = call(&app, get(&format!("/contacts/{person}/edit"), Some(&admin))).await;
    assert_ne!(status, StatusCode::NOT_FOUND);
    let exports = s
        .access_log
        .search(
            &app::server::storage::AccessLogFilter {
                record_type: Some("consent_proof".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(exports.len(), 2);

    // The outbox holds the confirmation (no SMTP here), for admins only.
    let (status, _, _) = call(&app, json_post("/api/consent/outbox", "", Some(&dpo))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) = call(&app, json_post("/api/consent/outbox", "", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("paul@example.fr") && body.contains("/c/"),
        "{body}"
    );
    // Its page: how many, each mail's state, the newest's text unfolded.
    let (status, _, html) = call(&app, get("/settings/outbox", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("One message."), "{html}");
    assert!(html.contains("class=\"status waiting\""), "{html}");
    assert!(html.contains("<details open"), "{html}");

    // Archiving the purpose while the form offers it is refused.
    let (status, _, body) = call(
        &app,
        json_post(
            "/api/consent/archive-purpose",
            &format!("id={purpose_id}&archived=true"),
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("still_offered"), "{body}");
}

/// A person Accord knows as an English reader signs up on a French form:
/// their mail is in English, and so are the names of the purposes in it.
async fn a_reader_of_the_other_language_gets_the_purposes_named_in_theirs(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (admin, purpose, french) = setup(s).await;
    let mut input = form_input("letter", &[purpose], admin);
    input.language = "en".into();
    s.consent
        .save_form(None, &input.check().unwrap(), admin)
        .await
        .unwrap();
    let english = s.consent.public_form("letter").await.unwrap().unwrap();
    let app: Router = server::router::build(state(s.clone()));
    for (slug, form) in [("letter", &english), ("lettre", &french)] {
        let (status, _, html) = call(
            &app,
            post(
                &format!("/f/{slug}"),
                filled(
                    form.version_id,
                    (purpose, form.purposes[0].text_id),
                    "tom@example.fr",
                ),
                "203.0.113.9:4000",
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
    }
    let outbox = s.consent.outbox(10).await.unwrap();
    assert_eq!(outbox.len(), 2);
    for mail in &outbox {
        assert!(mail.body.contains("- news by email"), "{}", mail.body);
        assert!(!mail.body.contains("par email"), "{}", mail.body);
    }
    // One person, known from the first form as an English reader.
    assert_eq!(
        s.consent.language_of("tom@example.fr").await.unwrap(),
        Some(Some(Locale::En))
    );
}
