//! The consent storage on both backends: purposes and forms versioned,
//! a submission recorded whole, confirmation and withdrawal, the ledger's
//! chain verified, its rows refused any change, and a flipped byte found.

use crate::on_both_backends;
use crate::support::{TestDb, create_user};
use app::domain::Role;
use app::domain::consent::*;
use app::i18n::Locale;
use app::server::auth::token::{hash_token, new_token};
use app::server::storage::{
    Evidence, LinkState, NewSubmission, OutgoingMail, RateCount, Recorded, Storage,
};
use chrono::{Duration, Utc};
use server::consent::chain::{Verdict, sha256_hex, verify};

on_both_backends!(
    texts_and_forms_are_versioned,
    a_submission_is_pending_until_confirmed_then_withdrawn,
    the_ledger_refuses_changes_and_verify_finds_a_flipped_byte,
    links_and_pending_consents_expire,
    expiry_takes_many_links_at_once_and_spares_what_was_confirmed,
    the_outbox_hands_each_mail_out_once,
);

pub fn purpose_input(key: &str, channel: &str) -> PurposeInput {
    PurposeInput {
        id: String::new(),
        key: key.into(),
        name_en: format!("{key} by {channel}"),
        name_fr: format!("{key} par {channel}"),
        channel: channel.into(),
        legal_basis: "consent".into(),
        retention_months: "36".into(),
        partners: String::new(),
        text_en: format!("I agree to receive {key}."),
        text_fr: format!("J'accepte de recevoir {key}."),
    }
}

pub fn form_input(slug: &str, purposes: &[i64], owner: i64) -> FormInput {
    FormInput {
        id: String::new(),
        slug: slug.into(),
        language: "fr".into(),
        title: "Notre lettre".into(),
        intro: "Une fois par mois.".into(),
        thanks: "Merci !".into(),
        privacy_url: "/privacy".into(),
        fields: vec!["first_name".into(), "phone".into()],
        purposes: purposes.iter().map(i64::to_string).collect(),
        frame_ancestors: String::new(),
        owner_id: owner.to_string(),
    }
}

/// An admin, a purpose `news` (e-mail) and a form `lettre` offering it.
pub async fn setup(s: &Storage) -> (i64, i64, PublicForm) {
    let admin = create_user(s, Role::Admin).await.id;
    let purpose = s
        .consent
        .save_purpose(
            None,
            &purpose_input("news", "email").check().unwrap(),
            admin,
        )
        .await
        .unwrap();
    s.consent
        .save_form(
            None,
            &form_input("lettre", &[purpose], admin).check().unwrap(),
            admin,
        )
        .await
        .unwrap();
    let form = s.consent.public_form("lettre").await.unwrap().unwrap();
    (admin, purpose, form)
}

/// An administrator, the "lettre" form, and someone who signed up through
/// it with `email` (a person with a pending consent): (admin, form, person).
pub async fn signed_up(s: &Storage, email: &str) -> (i64, PublicForm, i64) {
    let (admin, _, form) = setup(s).await;
    let (new, _, _) = submission(&form, email, Duration::days(7));
    let person = s
        .consent
        .submit(&new)
        .await
        .unwrap()
        .done()
        .unwrap()
        .person_id;
    (admin, form, person)
}

pub fn submission(
    form: &PublicForm,
    email: &str,
    expires_in: Duration,
) -> (NewSubmission, String, String) {
    let (confirm, withdraw) = (new_token(), new_token());
    let posted = |name: &str| -> Option<String> {
        match name {
            "email" => Some(email.into()),
            "last_name" => Some("Martin".into()),
            "first_name" => Some("Anne".into()),
            "form_version" => Some(form.version_id.to_string()),
            n if n.starts_with("purpose-") => Some("on".into()),
            n => n
                .strip_prefix("text-")
                .and_then(|id| {
                    form.purposes
                        .iter()
                        .find(|p| p.purpose_id.to_string() == id)
                })
                .map(|p| p.text_id.to_string()),
        }
    };
    let submission = form.check(&posted).unwrap();
    (
        NewSubmission {
            form: form.clone(),
            submission,
            evidence: Evidence {
                source_addr: "203.0.113.9".into(),
                user_agent: "Firefox".into(),
            },
            confirm_token_hash: hash_token(&confirm),
            withdraw_token_hash: hash_token(&withdraw),
            confirm_expires_at: Utc::now() + expires_in,
            mail: OutgoingMail {
                recipient: email.into(),
                subject: "Confirm".into(),
                body: format!("/c/{confirm}"),
            },
            mail_in: Vec::new(),
            rate: RateCount {
                addr_key: "test".into(),
                window_start: 0,
                limit: 1_000,
            },
        },
        confirm,
        withdraw,
    )
}

async fn texts_and_forms_are_versioned(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (admin, purpose, form) = setup(s).await;
    let listed = s.consent.purposes().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].version, 1);
    assert_eq!(
        listed[0].sha256_fr,
        sha256_hex("J'accepte de recevoir news.")
    );
    assert_eq!(form.version, 1);
    assert_eq!(form.purposes[0].text, "J'accepte de recevoir news.");
    assert_eq!(
        form.fields,
        vec![
            FormField::Email,
            FormField::FirstName,
            FormField::LastName,
            FormField::Phone
        ]
    );

    // Saving the same texts publishes nothing; a changed text is version 2,
    // and the form offering it publishes its own next version.
    let same = purpose_input("news", "email").check().unwrap();
    s.consent
        .save_purpose(Some(purpose), &same, admin)
        .await
        .unwrap();
    assert_eq!(s.consent.purposes().await.unwrap()[0].version, 1);
    assert_eq!(
        s.consent
            .public_form("lettre")
            .await
            .unwrap()
            .unwrap()
            .version,
        1
    );
    let changed = PurposeInput {
        text_fr: "J'accepte la lettre mensuelle.".into(),
        ..purpose_input("news", "email")
    };
    s.consent
        .save_purpose(Some(purpose), &changed.check().unwrap(), admin)
        .await
        .unwrap();
    let listed = s.consent.purposes().await.unwrap();
    assert_eq!(listed[0].version, 2);
    let republished = s.consent.public_form("lettre").await.unwrap().unwrap();
    assert_eq!(republished.version, 2);
    assert_ne!(republished.version_id, form.version_id);
    assert_eq!(
        republished.purposes[0].text,
        "J'accepte la lettre mensuelle."
    );
    assert_eq!(
        republished.purposes[0].text_sha256,
        sha256_hex("J'accepte la lettre mensuelle.")
    );

    // The form's own changes publish a version; saving it unchanged does not.
    let (draft, version) = s.consent.form(republished.form_id).await.unwrap().unwrap();
    assert_eq!(version, 2);
    s.consent
        .save_form(Some(republished.form_id), &draft, admin)
        .await
        .unwrap();
    assert_eq!(
        s.consent
            .public_form("lettre")
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );
    let retitled = FormDraft {
        title: "La lettre".into(),
        ..draft.clone()
    };
    s.consent
        .save_form(Some(republished.form_id), &retitled, admin)
        .await
        .unwrap();
    assert_eq!(
        s.consent
            .public_form("lettre")
            .await
            .unwrap()
            .unwrap()
            .version,
        3
    );

    // Taken keys, and a purpose still offered, are refused.
    let taken = s
        .consent
        .save_purpose(None, &same, admin)
        .await
        .unwrap_err();
    assert!(
        matches!(taken, app::server::storage::StorageError::Conflict(_)),
        "{taken:?}"
    );
    let taken = s.consent.save_form(None, &draft, admin).await.unwrap_err();
    assert!(
        matches!(taken, app::server::storage::StorageError::Conflict(_)),
        "{taken:?}"
    );
    let offered = s
        .consent
        .set_purpose_archived(purpose, true)
        .await
        .unwrap_err();
    assert!(
        matches!(offered, app::server::storage::StorageError::Conflict(_)),
        "{offered:?}"
    );
    // An archived form is not public any more.
    assert!(
        s.consent
            .set_form_archived(republished.form_id, true)
            .await
            .unwrap()
    );
    assert!(s.consent.public_form("lettre").await.unwrap().is_none());
    assert!(s.consent.set_purpose_archived(purpose, true).await.unwrap());
    assert!(s.consent.purposes().await.unwrap()[0].archived);
}

async fn a_submission_is_pending_until_confirmed_then_withdrawn(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, purpose, form) = setup(s).await;
    let (new, confirm, withdraw) = submission(&form, "anne.martin@example.fr", Duration::days(7));
    let done = s.consent.submit(&new).await.unwrap().done().unwrap();
    assert!(done.created);
    assert_eq!(done.ledger_ids, vec![1]);
    let person = s.people.get(done.person_id).await.unwrap().unwrap();
    assert_eq!(person.fields.source, app::domain::Source::Form);
    assert_eq!(person.fields.first_name, "Anne");
    let (now, history) = s
        .consent
        .of_person(done.person_id, Locale::En)
        .await
        .unwrap();
    assert_eq!(now[0].status, ConsentStatus::Pending);
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].form.as_deref(), Some("lettre v1"));
    assert!(!s.consent.may_send(done.person_id, purpose).await.unwrap());
    assert_eq!(
        s.consent
            .language_of("anne.martin@example.fr")
            .await
            .unwrap(),
        Some(Some(Locale::Fr))
    );

    // The link is only looked at until the button is pressed.
    let link = s
        .consent
        .link(&hash_token(&confirm), "confirm")
        .await
        .unwrap();
    assert!(
        matches!(&link, LinkState::Valid { purposes, .. } if purposes[0].1 == "news par email"),
        "{link:?}"
    );
    assert!(matches!(
        s.consent
            .link(&hash_token(&confirm), "withdraw")
            .await
            .unwrap(),
        LinkState::Unknown
    ));
    let evidence = Evidence {
        source_addr: "198.51.100.1".into(),
        user_agent: "Mail".into(),
    };
    assert!(matches!(
        s.consent
            .confirm(&hash_token(&confirm), &evidence)
            .await
            .unwrap(),
        LinkState::Valid { .. }
    ));
    assert!(s.consent.may_send(done.person_id, purpose).await.unwrap());
    assert!(
        s.people
            .get(done.person_id)
            .await
            .unwrap()
            .unwrap()
            .last_inbound_at
            .is_some()
    );
    // Single use.
    assert_eq!(
        s.consent
            .confirm(&hash_token(&confirm), &evidence)
            .await
            .unwrap(),
        LinkState::Used
    );
    assert_eq!(
        s.consent
            .link(&hash_token(&new_token()), "confirm")
            .await
            .unwrap(),
        LinkState::Unknown
    );

    // Someone submitting the same address again: the record is left as it
    // was, and the consent given stays given.
    let (again, _, _) = submission(&form, "ANNE.MARTIN@example.fr", Duration::days(7));
    let second = s.consent.submit(&again).await.unwrap().done().unwrap();
    assert!(!second.created);
    assert_eq!(second.person_id, done.person_id);
    assert!(s.consent.may_send(done.person_id, purpose).await.unwrap());

    // Withdrawal through the person's link.
    let LinkState::Valid { person_id, .. } = s
        .consent
        .link(&hash_token(&withdraw), "withdraw")
        .await
        .unwrap()
    else {
        panic!("withdraw link")
    };
    assert_eq!(
        s.consent.withdraw(person_id, &[], &evidence).await.unwrap(),
        vec![purpose]
    );
    assert!(!s.consent.may_send(done.person_id, purpose).await.unwrap());
    let (now, history) = s
        .consent
        .of_person(done.person_id, Locale::Fr)
        .await
        .unwrap();
    assert_eq!(now[0].status, ConsentStatus::Withdrawn);
    let events: Vec<ConsentEvent> = history.iter().map(|h| h.event).collect();
    assert_eq!(
        events,
        vec![
            ConsentEvent::Withdrawn,
            ConsentEvent::Given,
            ConsentEvent::Confirmed,
            ConsentEvent::Given
        ]
    );
    // Nothing left to withdraw.
    assert!(
        s.consent
            .withdraw(person_id, &[], &evidence)
            .await
            .unwrap()
            .is_empty()
    );

    // The state table is a projection: rebuilt from the ledger, the same.
    assert_eq!(s.consent.rebuild_state().await.unwrap(), 1);
    assert_eq!(
        s.consent
            .of_person(done.person_id, Locale::Fr)
            .await
            .unwrap()
            .0[0]
            .status,
        ConsentStatus::Withdrawn
    );
    assert!(matches!(
        verify(s.consent.as_ref()).await.unwrap(),
        Verdict::Intact { rows: 4, .. }
    ));
}

/// Runs SQL straight on the database, as someone with SQL access would.
async fn raw(db: &TestDb, sql: &str) -> Result<u64, String> {
    if db.url.starts_with("sqlite://") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query(sql)
            .execute(&pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| e.to_string())
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query(sql)
            .execute(&pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| e.to_string())
    }
}

async fn the_ledger_refuses_changes_and_verify_finds_a_flipped_byte(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, _, form) = setup(s).await;
    for i in 0..3 {
        let (new, confirm, _) = submission(&form, &format!("p{i}@example.fr"), Duration::days(7));
        s.consent.submit(&new).await.unwrap().done().unwrap();
        s.consent
            .confirm(&hash_token(&confirm), &Evidence::default())
            .await
            .unwrap();
    }
    let Verdict::Intact { rows, head } = verify(s.consent.as_ref()).await.unwrap() else {
        panic!("intact")
    };
    assert_eq!(rows, 6);
    assert_eq!(head, s.consent.chain_head().await.unwrap().1);

    for sql in [
        "UPDATE consent_ledger SET event = 'withdrawn' WHERE id = 2",
        "DELETE FROM consent_ledger WHERE id = 6",
        "UPDATE consent_texts SET body = 'changed'",
        "DELETE FROM consent_form_versions",
    ] {
        let error = raw(&db, sql).await.expect_err(sql);
        assert!(
            error.contains("append-only") || error.contains("immutable"),
            "{sql}: {error}"
        );
    }

    // Erasing where events came from leaves the chain whole.
    raw(&db, "DELETE FROM consent_evidence").await.unwrap();
    assert!(matches!(
        verify(s.consent.as_ref()).await.unwrap(),
        Verdict::Intact { rows: 6, .. }
    ));

    // Someone who lifts the guard and flips one byte is found out.
    let lift = if backend == "sqlite" {
        "DROP TRIGGER consent_ledger_append_only_update"
    } else {
        "ALTER TABLE consent_ledger DISABLE TRIGGER consent_ledger_append_only"
    };
    raw(&db, lift).await.unwrap();
    let flip = "UPDATE consent_ledger SET text_sha256 = \
                CASE WHEN substr(text_sha256, 1, 1) = 'a' THEN 'b' ELSE 'a' END || substr(text_sha256, 2) WHERE id = 4";
    assert_eq!(raw(&db, flip).await.unwrap(), 1);
    assert_eq!(
        verify(s.consent.as_ref()).await.unwrap(),
        Verdict::Broken {
            id: 4,
            reason: "its content does not match its hash".into()
        }
    );
}

/// Expiry reads every link's ledger rows together: each pending
/// consent expires once (two late links of one person, one row), and a
/// consent confirmed through a later mail stays given.
async fn expiry_takes_many_links_at_once_and_spares_what_was_confirmed(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (admin, first, _) = setup(s).await;
    let second = s
        .consent
        .save_purpose(
            None,
            &purpose_input("offers", "email").check().unwrap(),
            admin,
        )
        .await
        .unwrap();
    s.consent
        .save_form(
            Some(
                s.consent
                    .public_form("lettre")
                    .await
                    .unwrap()
                    .unwrap()
                    .form_id,
            ),
            &form_input("lettre", &[first, second], admin)
                .check()
                .unwrap(),
            admin,
        )
        .await
        .unwrap();
    let form = s.consent.public_form("lettre").await.unwrap().unwrap();
    assert_eq!(form.purposes.len(), 2);
    let late = Duration::seconds(-1);
    let mut people = Vec::new();
    for email in [
        "ann@example.fr",
        "ann@example.fr",
        "bob@example.fr",
        "cy@example.fr",
    ] {
        let (new, _, _) = submission(&form, email, late);
        people.push(
            s.consent
                .submit(&new)
                .await
                .unwrap()
                .done()
                .unwrap()
                .person_id,
        );
    }
    assert_eq!(people[0], people[1], "one person for one address");
    // Cy confirms through a mail of their own, still valid.
    let (new, confirm, _) = submission(&form, "cy@example.fr", Duration::days(7));
    s.consent.submit(&new).await.unwrap().done().unwrap();
    assert!(matches!(
        s.consent
            .confirm(&hash_token(&confirm), &Evidence::default())
            .await
            .unwrap(),
        LinkState::Valid { .. }
    ));

    // Ann's and Bob's two purposes; nothing of Cy's.
    assert_eq!(s.consent.expire_pending(Utc::now()).await.unwrap(), 4);
    assert_eq!(
        s.consent.expire_pending(Utc::now()).await.unwrap(),
        0,
        "once"
    );
    for (person, expected) in [
        (people[0], ConsentStatus::Expired),
        (people[2], ConsentStatus::Expired),
        (people[3], ConsentStatus::Given),
    ] {
        let (now, _) = s.consent.of_person(person, Locale::En).await.unwrap();
        assert_eq!(now.len(), 2);
        assert!(now.iter().all(|c| c.status == expected), "{now:?}");
    }
    assert!(matches!(
        verify(s.consent.as_ref()).await.unwrap(),
        Verdict::Intact { .. }
    ));
}

async fn links_and_pending_consents_expire(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, purpose, form) = setup(s).await;
    let (new, confirm, _) = submission(&form, "late@example.fr", Duration::seconds(-1));
    let done = s.consent.submit(&new).await.unwrap().done().unwrap();
    assert_eq!(
        s.consent
            .link(&hash_token(&confirm), "confirm")
            .await
            .unwrap(),
        LinkState::Expired
    );
    assert_eq!(
        s.consent
            .confirm(&hash_token(&confirm), &Evidence::default())
            .await
            .unwrap(),
        LinkState::Expired
    );
    assert_eq!(
        s.consent.chain_head().await.unwrap().0,
        1,
        "nothing appended"
    );
    assert_eq!(s.consent.expire_pending(Utc::now()).await.unwrap(), 1);
    assert_eq!(
        s.consent.expire_pending(Utc::now()).await.unwrap(),
        0,
        "once"
    );
    let (now, history) = s
        .consent
        .of_person(done.person_id, Locale::En)
        .await
        .unwrap();
    assert_eq!(now[0].status, ConsentStatus::Expired);
    assert_eq!(history[0].event, ConsentEvent::Expired);
    assert_eq!(
        s.consent
            .link(&hash_token(&confirm), "confirm")
            .await
            .unwrap(),
        LinkState::Expired
    );
    assert!(!s.consent.may_send(done.person_id, purpose).await.unwrap());
    assert!(matches!(
        verify(s.consent.as_ref()).await.unwrap(),
        Verdict::Intact { rows: 2, .. }
    ));
}

async fn the_outbox_hands_each_mail_out_once(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, _, form) = setup(s).await;
    let (new, _, _) = submission(&form, "mail@example.fr", Duration::days(7));
    s.consent.submit(&new).await.unwrap().done().unwrap();
    let now = Utc::now();
    let claimed = s
        .consent
        .claim_mail(now, now + Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(claimed[0].body.starts_with("/c/"));
    assert!(
        s.consent
            .claim_mail(now, now + Duration::minutes(5), 10)
            .await
            .unwrap()
            .is_empty()
    );
    s.consent
        .mail_failed(claimed[0].id, "connection refused", now)
        .await
        .unwrap();
    let again = s
        .consent
        .claim_mail(now, now + Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    s.consent.mail_sent(claimed[0].id, now).await.unwrap();
    let listed = s.consent.outbox(10).await.unwrap();
    assert!(listed[0].sent_at.is_some());
    assert_eq!(listed[0].body, "", "a delivered mail's body is not kept");
    assert!(
        s.consent
            .claim_mail(now + Duration::hours(1), now + Duration::hours(2), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The rate-limit counter; a submission over the limit writes nothing.
    let (mut over, _, _) = submission(&form, "over@example.fr", Duration::days(7));
    over.rate = RateCount {
        addr_key: "busy".into(),
        window_start: 100,
        limit: 2,
    };
    for n in 1..=2 {
        assert_eq!(s.consent.count_submission("busy", 100).await.unwrap(), n);
    }
    let head = s.consent.chain_head().await.unwrap();
    assert_eq!(s.consent.submit(&over).await.unwrap(), Recorded::TooMany);
    assert_eq!(
        s.consent.chain_head().await.unwrap(),
        head,
        "nothing appended"
    );
    assert_eq!(
        s.consent.count_submission("busy", 100).await.unwrap(),
        3,
        "the refused one was not counted either"
    );
    assert_eq!(s.consent.count_submission("k", 100).await.unwrap(), 1);
    assert_eq!(s.consent.count_submission("k", 100).await.unwrap(), 2);
    assert_eq!(s.consent.count_submission("k", 200).await.unwrap(), 1);
    assert_eq!(s.consent.prune_rate_limits(200).await.unwrap(), 3);
}

on_both_backends!(accord_consent_verify_reports_the_first_broken_row);

/// `accord consent verify` on the database, as an operator runs it.
fn accord_verify(url: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["consent", "verify"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ACCORD_LOG", "error")
        .env("DATABASE_URL", url)
        .current_dir(dir.path())
        .output()
        .unwrap()
}

async fn accord_consent_verify_reports_the_first_broken_row(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, _, form) = setup(s).await;
    for i in 0..2 {
        let (new, _, _) = submission(&form, &format!("v{i}@example.fr"), Duration::days(7));
        s.consent.submit(&new).await.unwrap().done().unwrap();
    }
    let ok = accord_verify(&db.url);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(stdout.contains("Consent ledger OK: 2 rows"), "{stdout}");

    let lift = if backend == "sqlite" {
        "DROP TRIGGER consent_ledger_append_only_update"
    } else {
        "ALTER TABLE consent_ledger DISABLE TRIGGER consent_ledger_append_only"
    };
    raw(&db, lift).await.unwrap();
    // One byte of the first row's time.
    raw(
        &db,
        "UPDATE consent_ledger SET occurred_at = replace(occurred_at, 'Z', 'z') WHERE id = 1",
    )
    .await
    .unwrap();
    let broken = accord_verify(&db.url);
    assert_eq!(broken.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(stderr.contains("BROKEN at row 1"), "{stderr}");
}

on_both_backends!(where_an_event_came_from_is_cut_after_retention);

async fn where_an_event_came_from_is_cut_after_retention(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, _, form) = setup(s).await;
    let (new, _, _) = submission(&form, "old@example.fr", Duration::days(7));
    s.consent.submit(&new).await.unwrap().done().unwrap();
    let now = Utc::now();
    // Within the purpose's 36 months: kept whole.
    assert_eq!(
        s.consent
            .truncate_evidence(now + Duration::days(365), 100)
            .await
            .unwrap(),
        0
    );
    let later = now + Duration::days(37 * 31);
    assert_eq!(s.consent.truncate_evidence(later, 100).await.unwrap(), 1);
    assert_eq!(
        s.consent.truncate_evidence(later, 100).await.unwrap(),
        0,
        "once"
    );
    let sql = "SELECT source_addr FROM consent_evidence";
    let kept: String = if db.url.starts_with("sqlite://") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
    };
    assert_eq!(kept, "203.0.113.0");
    assert!(matches!(
        verify(s.consent.as_ref()).await.unwrap(),
        Verdict::Intact { rows: 1, .. }
    ));
}

on_both_backends!(the_demo_has_purposes_a_form_and_people_who_signed_up);

async fn the_demo_has_purposes_a_form_and_people_who_signed_up(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    create_user(s, Role::Admin).await;
    let plan = server::seed::Plan {
        contacts: 60,
        companies: 10,
        interactions: 0,
        deals: 0,
    };
    server::seed::run(s, plan, 3).await.unwrap();
    server::demo_consents::seed(s, "http://crm.example")
        .await
        .unwrap();
    assert_eq!(s.consent.purposes().await.unwrap().len(), 2);
    let form = s.consent.public_form("newsletter").await.unwrap().unwrap();
    assert_eq!(form.purposes.len(), 2);
    let Verdict::Intact { rows, head } = verify(s.consent.as_ref()).await.unwrap() else {
        panic!("intact")
    };
    assert!(rows > 40, "{rows} ledger rows");
    // Visitors the CRM did not know are among them, created by the form.
    assert_eq!(
        crate::support::scalar(&db, "SELECT COUNT(*) FROM people WHERE source = 'form'").await,
        12
    );
    let outbox = s.consent.outbox(100).await.unwrap();
    assert!(outbox.len() >= 20);
    assert!(
        outbox[0].body.contains("http://crm.example/c/"),
        "{}",
        outbox[0].body
    );
    // Given, pending and withdrawn consents are all there.
    let people = s
        .people
        .list(app::server::storage::Visibility::All, None, 60)
        .await
        .unwrap();
    let mut statuses = std::collections::HashSet::new();
    for p in &people {
        for c in s.consent.of_person(p.id, Locale::En).await.unwrap().0 {
            statuses.insert(c.status);
        }
    }
    for status in [
        ConsentStatus::Given,
        ConsentStatus::Pending,
        ConsentStatus::Withdrawn,
    ] {
        assert!(
            statuses.contains(&status),
            "{status:?} missing from the demo"
        );
    }
    // Seeding the demo again adds nothing.
    server::demo_consents::seed(s, "http://crm.example")
        .await
        .unwrap();
    assert_eq!(s.consent.chain_head().await.unwrap(), (rows as i64, head));
}

on_both_backends!(a_batch_records_each_submission_as_if_alone);

async fn a_batch_records_each_submission_as_if_alone(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, _, form) = setup(s).await;
    // Someone known already.
    let (first, _, _) = submission(&form, "known@example.fr", Duration::days(7));
    let known = s
        .consent
        .submit(&first)
        .await
        .unwrap()
        .done()
        .unwrap()
        .person_id;
    let rate = |key: &str, limit| RateCount {
        addr_key: key.into(),
        window_start: 5,
        limit,
    };
    let mut batch = Vec::new();
    for (email, key, limit) in [
        ("new@example.fr", "a", 2),
        ("NEW@example.fr", "b", 2), // the same new address: one person
        ("known@example.fr", "a", 2),
        ("other@example.fr", "a", 2), // the third from "a": over its limit
        ("fourth@example.fr", "c", 2),
    ] {
        let (mut new, _, _) = submission(&form, email, Duration::days(7));
        new.rate = rate(key, limit);
        batch.push(new);
    }
    // Made on a version that is not the form's current one.
    let (mut stale, _, _) = submission(&form, "stale@example.fr", Duration::days(7));
    stale.form.version_id += 1000;
    stale.rate = rate("d", 2);
    batch.push(stale);
    let answers = s.consent.submit_many(&batch).await.unwrap();
    assert_eq!(answers.len(), 6);
    assert_eq!(answers[5], Recorded::Outdated);
    assert_eq!(
        s.consent.language_of("stale@example.fr").await.unwrap(),
        None
    );
    let new_person = answers[0].submitted().unwrap().person_id;
    assert!(answers[0].submitted().unwrap().created);
    assert_eq!(answers[1].submitted().unwrap().person_id, new_person);
    assert!(!answers[1].submitted().unwrap().created);
    assert_eq!(answers[2].submitted().unwrap().person_id, known);
    assert!(!answers[2].submitted().unwrap().created);
    assert_eq!(answers[3], Recorded::TooMany, "over the limit");
    assert!(answers[4].submitted().unwrap().created);
    // One ledger row each, in order, after the first submission's.
    let ids: Vec<Vec<i64>> = answers
        .iter()
        .filter_map(|a| a.submitted())
        .map(|a| a.ledger_ids.clone())
        .collect();
    assert_eq!(ids, vec![vec![2], vec![3], vec![4], vec![5]]);
    assert_eq!(
        s.consent.language_of("other@example.fr").await.unwrap(),
        None,
        "nothing of the refused one"
    );
    assert_eq!(
        s.consent.language_of("fourth@example.fr").await.unwrap(),
        Some(Some(Locale::Fr))
    );
    // The refused one was not counted: "a" holds 2, "c" 1.
    assert_eq!(s.consent.count_submission("a", 5).await.unwrap(), 3);
    assert_eq!(s.consent.count_submission("c", 5).await.unwrap(), 2);
    assert_eq!(s.consent.outbox(10).await.unwrap().len(), 5);
    let (now, history) = s.consent.of_person(new_person, Locale::En).await.unwrap();
    assert_eq!(now[0].status, ConsentStatus::Pending);
    assert_eq!(history.len(), 2);
    assert!(matches!(
        verify(s.consent.as_ref()).await.unwrap(),
        Verdict::Intact { rows: 5, .. }
    ));
}

on_both_backends!(a_known_person_gets_the_mail_in_their_language);

async fn a_known_person_gets_the_mail_in_their_language(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, _, form) = setup(s).await; // a French form: the person is French
    let (first, _, _) = submission(&form, "lea@example.fr", Duration::days(7));
    s.consent.submit(&first).await.unwrap().done().unwrap();
    let mut english = form.clone();
    english.language = Locale::En;
    let (mut again, _, _) = submission(&english, "lea@example.fr", Duration::days(7));
    again.mail.subject = "in English".into();
    again.mail_in = vec![(
        Locale::Fr,
        OutgoingMail {
            recipient: "lea@example.fr".into(),
            subject: "en français".into(),
            body: String::new(),
        },
    )];
    s.consent.submit(&again).await.unwrap().done().unwrap();
    let (mut stranger, _, _) = submission(&english, "tom@example.fr", Duration::days(7));
    stranger.mail.subject = "in English".into();
    stranger.mail_in = again.mail_in.clone();
    s.consent.submit(&stranger).await.unwrap().done().unwrap();
    let subjects: Vec<String> = s
        .consent
        .outbox(10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(
        subjects,
        vec!["in English", "en français", "Confirm"],
        "newest first"
    );
}

on_both_backends!(instances_side_by_side_create_one_person_per_address);

/// Several instances on one database (PostgreSQL's scale-out) record
/// batches side by side: the same new address, submitted to each at
/// once, makes one person, and the chain stays whole.
async fn instances_side_by_side_create_one_person_per_address(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, _, form) = setup(s).await;
    let mut tasks = Vec::new();
    for round in 0..6 {
        let (s, form) = (s.clone(), form.clone());
        tasks.push(tokio::spawn(async move {
            let mut batch = Vec::new();
            for email in ["same@example.fr", "Same@Example.fr"] {
                batch.push(submission(&form, email, Duration::days(7)).0);
            }
            let own = format!("own{round}@example.fr");
            batch.push(submission(&form, &own, Duration::days(7)).0);
            // Each from its own address: no shared rate-limit row to
            // queue the batches.
            for (i, new) in batch.iter_mut().enumerate() {
                new.rate.addr_key = format!("r{round}-{i}");
            }
            s.consent.submit_many(&batch).await.unwrap()
        }));
    }
    let mut people = Vec::new();
    let mut created = 0;
    for task in tasks {
        for answer in task.await.unwrap().into_iter().take(2) {
            let done = answer.submitted().unwrap().clone();
            people.push(done.person_id);
            created += usize::from(done.created);
        }
    }
    people.sort_unstable();
    people.dedup();
    assert_eq!(people.len(), 1, "one person for the address: {people:?}");
    assert_eq!(created, 1);
    assert!(matches!(
        verify(s.consent.as_ref()).await.unwrap(),
        Verdict::Intact { rows: 18, .. }
    ));
}
