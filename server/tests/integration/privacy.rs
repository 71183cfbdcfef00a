//! Erasure by anonymisation, the retention clock and the request
//! register, on both backends.

use crate::consent::signed_up;
use crate::on_both_backends;
use crate::people::person;
use crate::support::TestDb;
use app::domain::consent::ConsentStatus;
use app::domain::privacy::{RequestInput, RequestKind, RequestStatus};
use app::domain::retention::{DueRule, RetentionPolicy};
use app::domain::*;
use app::i18n::Locale;
use app::server::auth::token::hash_token;
use app::server::storage::{
    Erased, ErasureReason, Evidence, NewInteraction, NewLeadRecord, NewPersonRecord,
    NewPipelineDeal, NewRequest, OutgoingMail, RateCount, Received, RequestLink, Storage,
    Visibility,
};
use chrono::{Duration, Utc};
use server::consent::chain::{Verdict, verify};
use server::privacy::retention;

on_both_backends!(
    erasure_anonymises_the_person_and_keeps_the_statistics,
    the_retention_clock_erases_prospects_past_three_years,
    accord_retention_run_lists_then_erases,
);

/// One number from SQL, as someone with SQL access would read it.
async fn count(db: &TestDb, sql: &str) -> i64 {
    crate::support::scalar(db, sql).await
}

async fn found(s: &Storage, word: &str) -> Vec<i64> {
    s.people
        .search(Visibility::All, &[word.to_string()], 20)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect()
}

fn interaction(
    person_id: i64,
    author_id: i64,
    body: &str,
    at: chrono::DateTime<Utc>,
) -> NewInteraction {
    NewInteraction {
        person_id: Some(person_id),
        company_id: None,
        kind: InteractionKind::Call,
        direction: Some(Direction::Inbound),
        outcome: Some(CallOutcome::Reached),
        duration_minutes: Some(5),
        body: body.into(),
        occurred_at: at,
        author_id,
        due_at: None,
        assignee_id: None,
    }
}

async fn erasure_anonymises_the_person_and_keeps_the_statistics(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    // Anne Martin signs up through the form: a person with a pending
    // consent on the ledger, and its evidence.
    let (admin, _, anne) = signed_up(s, "anne.dupont@example.fr").await;
    s.interactions
        .add(&interaction(
            anne,
            admin,
            "Anne Martin asked about the prices",
            Utc::now(),
        ))
        .await
        .unwrap();
    let pipeline = app::server::pipelines::ensure_default(s, Locale::En)
        .await
        .unwrap()
        .remove(0);
    let deal = s
        .pipelines
        .create_deal(
            &NewPipelineDeal {
                title: "Anne Martin, renewal".into(),
                amount_cents: 120_000,
                currency: "EUR".into(),
                stage_id: pipeline.stages[1].id,
                probability: Some(50),
                person_id: Some(anne),
                company_id: None,
                owner_id: admin,
                team_id: None,
                source: "form".into(),
                expected_close: None,
            },
            admin,
        )
        .await
        .unwrap();
    let deal_version = count(&db, &format!("SELECT version FROM deals WHERE id = {deal}")).await;
    // A lead that carries her address (not converted).
    let lead = s
        .leads
        .create(&NewLeadRecord {
            first_name: "Anne".into(),
            last_name: "Martin".into(),
            company_name: "Dupont SA".into(),
            email: Some(EmailAddress::parse("Anne.Dupont@example.fr").unwrap()),
            phone: None,
            status: LeadStatus::New,
            disqualified_reason: String::new(),
            score: 10,
            kind: PersonKind::B2c,
            source: Source::Manual,
            collected_at: Utc::now(),
            entered_by: Some(admin),
            supplier: String::new(),
            contract_ref: String::new(),
            prospecting_basis: LegalBasis::Consent,
            owner_id: admin,
            team_id: None,
        })
        .await
        .unwrap();
    // Someone the law says to keep, and someone else.
    let held = s
        .people
        .create(&person("Durand", admin, None))
        .await
        .unwrap();
    assert!(
        s.privacy
            .set_legal_hold(held, "Invoices of 2025 (Code de commerce L123-22)")
            .await
            .unwrap()
    );
    let other = s
        .people
        .create(&person("Martinez", admin, None))
        .await
        .unwrap();
    assert!(found(s, "martin").await.contains(&anne));

    let outcomes = s
        .privacy
        .erase(
            &[anne, held, 999_999, anne],
            ErasureReason::Request,
            Some(admin),
        )
        .await
        .unwrap();
    assert_eq!(
        outcomes,
        vec![
            Erased::Done,
            Erased::Held("Invoices of 2025 (Code de commerce L123-22)".into()),
            Erased::Missing,
            Erased::Done,
        ]
    );

    // Nothing finds her any more; the others are still found.
    for word in ["anne", "martin", "dupont", "example"] {
        assert!(
            !found(s, word).await.contains(&anne),
            "{word} still finds her"
        );
    }
    assert!(found(s, "martin").await.contains(&other));
    assert!(found(s, "durand").await.contains(&held));
    let record = s.people.get(anne).await.unwrap().unwrap();
    assert_eq!(
        (
            record.fields.first_name.as_str(),
            record.fields.last_name.as_str()
        ),
        ("", "")
    );
    assert!(record.fields.emails.is_empty() && record.fields.phones.is_empty());
    // What the business counts stays: the person, the status, the deal's
    // amount and stage; the title that named her does not.
    assert_eq!(record.fields.status, PersonStatus::Prospect);
    let detail = s.pipelines.deal(deal).await.unwrap().unwrap();
    assert_eq!(detail.amount_cents, 120_000);
    assert_eq!(detail.title, format!("#{deal}"));
    assert_eq!(
        count(&db, &format!("SELECT version FROM deals WHERE id = {deal}")).await,
        deal_version + 1,
        "an edit open on the deal meets a conflict"
    );
    assert_eq!(
        count(
            &db,
            &format!("SELECT count(*) FROM interactions WHERE person_id = {anne} AND body <> ''")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &db,
            &format!("SELECT count(*) FROM interactions WHERE person_id = {anne}")
        )
        .await,
        1
    );
    let lead = s.leads.get(lead).await.unwrap().unwrap();
    assert_eq!(
        (lead.fields.last_name.as_str(), lead.fields.email.clone()),
        ("", None)
    );
    // The consent is withdrawn on the ledger, which still verifies; the
    // evidence, links and mails are gone.
    let (now, history) = s.consent.of_person(anne, Locale::En).await.unwrap();
    assert_eq!(now[0].status, ConsentStatus::Withdrawn);
    assert_eq!(history.len(), 2);
    assert!(matches!(
        verify(s.consent.as_ref()).await.unwrap(),
        Verdict::Intact { rows: 2, .. }
    ));
    for table in [
        "consent_tokens",
        "outbox",
        "person_emails",
        "person_phones",
        "person_legal_bases",
    ] {
        assert_eq!(
            count(
                &db,
                &format!("SELECT count(*) FROM {table} WHERE person_id = {anne}")
            )
            .await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        count(
            &db,
            &format!("SELECT count(*) FROM consent_evidence e JOIN consent_ledger l ON l.id = e.ledger_id WHERE l.person_id = {anne}")
        )
        .await,
        0
    );
    // The tombstone: when, by whom, why; and a second erasure changes
    // nothing.
    let (at, by, reason) = s.privacy.tombstone(anne).await.unwrap().unwrap();
    assert_eq!((by, reason.as_str()), (Some(admin), "request"));
    assert_eq!(
        s.privacy
            .erase(&[anne], ErasureReason::Request, Some(admin))
            .await
            .unwrap(),
        vec![Erased::Already(at)]
    );
    assert_eq!(
        s.people.get(held).await.unwrap().unwrap().fields.last_name,
        "Durand"
    );
}

async fn the_retention_clock_erases_prospects_past_three_years(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let admin = crate::support::create_user(s, Role::Admin).await.id;
    let today = Utc::now().date_naive();
    let cutoff = RetentionPolicy::CNIL.prospect_cutoff(today);
    let at = |p: NewPersonRecord, collected: chrono::DateTime<Utc>, status: PersonStatus| {
        NewPersonRecord {
            collected_at: collected,
            status,
            ..p
        }
    };
    // Collected three years and a day ago, never heard from since.
    let old = s
        .people
        .create(&at(
            person("Ancien", admin, None),
            cutoff - Duration::days(1),
            PersonStatus::Prospect,
        ))
        .await
        .unwrap();
    // Collected four years ago, but called us two years ago.
    let called = s
        .people
        .create(&at(
            person("Rappel", admin, None),
            cutoff - Duration::days(365),
            PersonStatus::Prospect,
        ))
        .await
        .unwrap();
    s.interactions
        .add(&interaction(
            called,
            admin,
            "Called back",
            Utc::now() - Duration::days(730),
        ))
        .await
        .unwrap();
    let recent = s
        .people
        .create(&at(
            person("Recent", admin, None),
            Utc::now() - Duration::days(365),
            PersonStatus::Lead,
        ))
        .await
        .unwrap();
    let customer = s
        .people
        .create(&at(
            person("Client", admin, None),
            cutoff - Duration::days(900),
            PersonStatus::Customer,
        ))
        .await
        .unwrap();
    let held = s
        .people
        .create(&at(
            person("Garde", admin, None),
            cutoff - Duration::days(10),
            PersonStatus::Prospect,
        ))
        .await
        .unwrap();
    s.privacy
        .set_legal_hold(held, "Litigation in progress")
        .await
        .unwrap();

    // The dry run lists who is due and why, and changes nothing.
    let report = retention::run(
        s,
        RetentionPolicy::CNIL,
        today,
        true,
        None,
        "http://accord.test",
        |_| {},
    )
    .await
    .unwrap();
    let due: Vec<(i64, DueRule)> = report.due.iter().map(|p| (p.id, p.rule)).collect();
    assert_eq!(
        due,
        vec![(old, DueRule::Prospect), (held, DueRule::Prospect)]
    );
    assert_eq!(
        report.due[0].since,
        s.people
            .get(old)
            .await
            .unwrap()
            .unwrap()
            .fields
            .collected_at
    );
    assert_eq!((report.erased, report.held), (0, 1));
    assert_eq!(
        s.people.get(old).await.unwrap().unwrap().fields.last_name,
        "Ancien"
    );

    // The run erases the one due and keeps the one held.
    let report = retention::run(
        s,
        RetentionPolicy::CNIL,
        today,
        false,
        None,
        "http://accord.test",
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!((report.due.len(), report.erased, report.held), (2, 1, 1));
    assert_eq!(
        s.people.get(old).await.unwrap().unwrap().fields.last_name,
        ""
    );
    let (_, by, reason) = s.privacy.tombstone(old).await.unwrap().unwrap();
    assert_eq!((by, reason.as_str()), (None, "retention"));
    for kept in [called, recent, customer, held] {
        assert_ne!(
            s.people.get(kept).await.unwrap().unwrap().fields.last_name,
            "",
            "{kept}"
        );
    }

    // A former customer: three years from the end of the relationship.
    let mut edit = s.people.get(customer).await.unwrap().unwrap();
    let version = edit.version;
    edit.fields.status = PersonStatus::FormerCustomer;
    let change = app::server::storage::PersonEdit {
        first_name: edit.fields.first_name.clone(),
        last_name: edit.fields.last_name.clone(),
        kind: edit.fields.kind,
        job_title: edit.fields.job_title.clone(),
        status: PersonStatus::FormerCustomer,
        team_id: None,
        company_id: None,
        email: edit.fields.emails.first().cloned(),
        phone: edit.fields.phones.first().cloned(),
        extra_email: None,
        extra_phone: None,
        rectifies: None,
    };
    assert!(s.people.update(customer, version, &change).await.unwrap());
    let later = today + chrono::Months::new(36);
    let planned = retention::run(
        s,
        RetentionPolicy::CNIL,
        later,
        true,
        None,
        "http://accord.test",
        |_| {},
    )
    .await
    .unwrap();
    let due: Vec<i64> = planned.due.iter().map(|p| p.id).collect();
    // As of three years from today: the one who called two years ago
    // and the lead of last year are due, the relationship ended today is
    // not yet (it ends three years from today, not before).
    assert_eq!(due, vec![called, recent, held]);
    let a_day_later = retention::run(
        s,
        RetentionPolicy::CNIL,
        later + Duration::days(1),
        true,
        None,
        "http://accord.test",
        |_| {},
    )
    .await
    .unwrap();
    assert!(
        a_day_later
            .due
            .iter()
            .any(|p| p.id == customer && p.rule == DueRule::FormerCustomer)
    );

    // Every run is logged with its counts.
    let runs = s.privacy.runs(10).await.unwrap();
    assert_eq!(runs.len(), 4);
    assert!(runs.iter().all(|r| r.finished_at.is_some()));
    let real = runs.iter().find(|r| !r.dry_run).unwrap();
    assert_eq!(
        (real.as_of, real.due, real.erased, real.held),
        (today, 2, 1, 1)
    );
}

/// `accord retention run …` on the database, as an operator runs it.
fn accord_retention(url: &str, args: &[&str]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["retention", "run"])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ACCORD_LOG", "error")
        .env("DATABASE_URL", url)
        .current_dir(dir.path())
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn accord_retention_run_lists_then_erases(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let admin = crate::support::create_user(s, Role::Admin).await.id;
    let collected = Utc::now() - Duration::days(400);
    let id = s
        .people
        .create(&NewPersonRecord {
            collected_at: collected,
            ..person("Lointain", admin, None)
        })
        .await
        .unwrap();
    // Not due today; due as of three years from now.
    let (ok, out) = accord_retention(&db.url, &["--dry-run"]);
    assert!(ok, "{out}");
    assert!(out.contains(": 0 due, 0 would be erased"), "{out}");
    let later = (Utc::now() + Duration::days(3 * 365))
        .date_naive()
        .to_string();
    let (ok, out) = accord_retention(&db.url, &["--dry-run", "--as-of", &later]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!(
            "would erase person {id}: prospect, clock from {}",
            collected.format("%Y-%m-%d")
        )),
        "{out}"
    );
    assert!(out.contains("(dry run, nothing changed)"), "{out}");
    assert_eq!(
        s.people.get(id).await.unwrap().unwrap().fields.last_name,
        "Lointain"
    );
    let (ok, out) = accord_retention(&db.url, &["--as-of", &later]);
    assert!(ok, "{out}");
    assert!(
        out.contains(": 1 due, 1 erased, 0 kept under a legal hold"),
        "{out}"
    );
    assert_eq!(
        s.people.get(id).await.unwrap().unwrap().fields.last_name,
        ""
    );
    let (ok, out) = accord_retention(&db.url, &["--as-of", "2026-13-01"]);
    assert!(!ok && out.contains("--as-of"), "{out}");
}

on_both_backends!(requests_are_registered_verified_once_and_handled);

fn request(
    kind: RequestKind,
    email: &str,
    link: &str,
    expires_in: Duration,
    key: &str,
) -> NewRequest {
    NewRequest {
        draft: RequestInput {
            kind: kind.key().into(),
            email: email.into(),
            details: "Please".into(),
        }
        .check()
        .unwrap(),
        language: Locale::Fr,
        link_hash: hash_token(link),
        link_expires_at: Utc::now() + expires_in,
        mail: OutgoingMail {
            recipient: email.into(),
            subject: "Confirmez".into(),
            body: format!("/privacy/verify/{link}"),
        },
        rate: RateCount {
            addr_key: key.into(),
            window_start: 0,
            limit: 3,
        },
    }
}

async fn requests_are_registered_verified_once_and_handled(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (admin, _, anne) = signed_up(s, "anne@example.fr").await;
    let evidence = Evidence {
        source_addr: "198.51.100.7".into(),
        user_agent: "Firefox".into(),
    };
    let mails_before = s.consent.outbox(50).await.unwrap().len();

    let received = |r: Received| match r {
        Received::Done(id) => id,
        Received::TooMany => panic!("refused"),
    };
    let withdraw = received(
        s.privacy
            .receive(&request(
                RequestKind::WithdrawAll,
                "ANNE@example.fr",
                "t-withdraw",
                Duration::days(7),
                "a",
            ))
            .await
            .unwrap(),
    );
    let erase = received(
        s.privacy
            .receive(&request(
                RequestKind::Erasure,
                "anne@example.fr",
                "t-erase",
                Duration::days(7),
                "a",
            ))
            .await
            .unwrap(),
    );
    // Someone Accord does not know gets the same treatment.
    let unknown = received(
        s.privacy
            .receive(&request(
                RequestKind::Access,
                "nobody@example.fr",
                "t-unknown",
                Duration::days(7),
                "a",
            ))
            .await
            .unwrap(),
    );
    // The fourth from the same address in the window: nothing registered.
    assert_eq!(
        s.privacy
            .receive(&request(
                RequestKind::Access,
                "x@example.fr",
                "t-four",
                Duration::days(7),
                "a"
            ))
            .await
            .unwrap(),
        Received::TooMany
    );
    assert_eq!(
        s.privacy.request_link(&hash_token("t-four")).await.unwrap(),
        RequestLink::Unknown
    );
    let stale = received(
        s.privacy
            .receive(&request(
                RequestKind::Access,
                "late@example.fr",
                "t-late",
                Duration::seconds(-1),
                "b",
            ))
            .await
            .unwrap(),
    );
    assert_eq!(s.consent.outbox(50).await.unwrap().len(), mails_before + 4);
    // Not in the queue before the address is confirmed.
    assert!(s.privacy.requests(false, 50).await.unwrap().is_empty());

    // Withdrawing everything is done on confirmation.
    assert_eq!(
        s.privacy
            .request_link(&hash_token("t-withdraw"))
            .await
            .unwrap(),
        RequestLink::Valid {
            request_id: withdraw,
            kind: RequestKind::WithdrawAll,
            language: Locale::Fr
        }
    );
    assert!(matches!(
        s.privacy
            .verify(&hash_token("t-withdraw"), &evidence)
            .await
            .unwrap(),
        RequestLink::Valid { .. }
    ));
    assert_eq!(
        s.privacy
            .verify(&hash_token("t-withdraw"), &evidence)
            .await
            .unwrap(),
        RequestLink::Used
    );
    let (now, _) = s.consent.of_person(anne, Locale::En).await.unwrap();
    assert_eq!(now[0].status, ConsentStatus::Withdrawn);
    let done = s.privacy.request(withdraw).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.person_id),
        (RequestStatus::Done, Some(anne))
    );
    assert!(matches!(
        verify(s.consent.as_ref()).await.unwrap(),
        Verdict::Intact { rows: 2, .. }
    ));

    // The others wait in the queue, the soonest due first.
    s.privacy
        .verify(&hash_token("t-erase"), &evidence)
        .await
        .unwrap();
    s.privacy
        .verify(&hash_token("t-unknown"), &evidence)
        .await
        .unwrap();
    assert_eq!(
        s.privacy
            .verify(&hash_token("t-late"), &evidence)
            .await
            .unwrap(),
        RequestLink::Expired
    );
    assert_eq!(
        s.privacy
            .verify(&hash_token("nope"), &evidence)
            .await
            .unwrap(),
        RequestLink::Unknown
    );
    let queue = s.privacy.requests(false, 50).await.unwrap();
    let ids: Vec<i64> = queue.iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![erase, unknown]);
    assert_eq!(queue[0].person_id, Some(anne));
    assert_eq!(queue[0].person_name.as_deref(), Some("Anne Martin"));
    assert_eq!(queue[1].person_id, None, "no one with that address");
    let month = queue[0].due_ms - queue[0].received_ms;
    assert!((28..=31).contains(&(month / 86_400_000)), "{month}");

    // Extended once, with a reason; closed once.
    let r = &queue[1];
    assert!(
        s.privacy
            .extend_request(r.id, r.version, "Archive to search", admin, None)
            .await
            .unwrap()
    );
    assert!(
        !s.privacy
            .extend_request(r.id, r.version, "Again", admin, None)
            .await
            .unwrap()
    );
    let r = s.privacy.request(r.id).await.unwrap().unwrap();
    assert_eq!(r.extension_reason, "Archive to search");
    assert!((89..=92).contains(&((r.due_ms - r.received_ms) / 86_400_000)));
    // Closing puts the answer in the outbox with it; a close on a stale
    // version writes neither.
    let answer = |subject: &str| app::server::storage::OutgoingMail {
        recipient: "requester@example.org".into(),
        subject: subject.into(),
        body: "Hello".into(),
    };
    assert!(
        s.privacy
            .close_request(
                r.id,
                r.version,
                RequestStatus::Done,
                "We hold nothing about you.",
                admin,
                Some(&answer("Answered")),
            )
            .await
            .unwrap()
    );
    assert!(
        !s.privacy
            .close_request(
                r.id,
                r.version,
                RequestStatus::Refused,
                "x",
                admin,
                Some(&answer("Stale"))
            )
            .await
            .unwrap()
    );
    let subjects: Vec<String> = s
        .consent
        .outbox(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.recipient == "requester@example.org")
        .map(|m| m.subject)
        .collect();
    assert_eq!(subjects, ["Answered"]);
    let r = s.privacy.request(r.id).await.unwrap().unwrap();
    assert_eq!(
        (r.status, r.outcome.as_str()),
        (RequestStatus::Done, "We hold nothing about you.")
    );
    assert!(r.handled_by.is_some() && r.closed_ms.is_some());

    // The one never confirmed expires.
    assert_eq!(s.privacy.expire_requests(Utc::now()).await.unwrap(), 1);
    assert_eq!(
        s.privacy.request(stale).await.unwrap().unwrap().status,
        RequestStatus::Expired
    );
    let all = s.privacy.requests(true, 50).await.unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].id, erase, "the open one first");
}
