//! The access and portability archive, on both backends: every field of
//! personal data the catalogue declares is in it (the test fills each one
//! for a person, then looks for it), references are given by name, the
//! consent proof, the access log and the requests come along, and nothing
//! about anyone else does.

use crate::consent::signed_up;
use crate::on_both_backends;
use crate::people::person;
use crate::support::TestDb;
use app::domain::fields::FIELDS;
use app::domain::*;
use app::i18n::Locale;
use app::server::storage::{
    AccessLogRecord, NewCompanyRecord, NewInteraction, NewLeadRecord, NewPipelineDeal,
};
use chrono::Utc;
use serde_json::Value;

on_both_backends!(the_archive_holds_every_catalogued_field_about_the_person);

fn call(person_id: i64, author_id: i64, body: &str) -> NewInteraction {
    NewInteraction {
        person_id: Some(person_id),
        company_id: None,
        kind: InteractionKind::Call,
        direction: Some(Direction::Inbound),
        outcome: Some(CallOutcome::Reached),
        duration_minutes: Some(7),
        body: body.into(),
        occurred_at: Utc::now(),
        author_id,
        due_at: None,
        assignee_id: None,
    }
}

async fn the_archive_holds_every_catalogued_field_about_the_person(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    // Anne signs up through a form (a consent on the ledger), then the
    // organisation learns everything else the catalogue has room for.
    let (admin, _, anne) = signed_up(s, "anne@example.fr").await;
    let team = s.teams.create("North").await.unwrap().id;
    let company = s
        .companies
        .create(&NewCompanyRecord {
            name: "Dupont SA".into(),
            legal_id: "552100554".into(),
            domain: "dupont.fr".into(),
            sector: "Retail".into(),
            size: Some(CompanySize::Small),
            address: "1 rue de Paris".into(),
            owner_id: admin,
            team_id: Some(team),
        })
        .await
        .unwrap();
    s.tags
        .tag(&[anne], "Salon 2026", "salon 2026")
        .await
        .unwrap();
    s.interactions
        .add(&call(anne, admin, "Asked about the prices"))
        .await
        .unwrap();
    let mut task = call(anne, admin, "Send the brochure");
    task.kind = InteractionKind::Task;
    task.due_at = Some(Utc::now());
    task.assignee_id = Some(admin);
    let task = s.interactions.add(&task).await.unwrap();
    let pipeline = app::server::pipelines::ensure_default(s, Locale::En)
        .await
        .unwrap()
        .remove(0);
    let deal = s
        .pipelines
        .create_deal(
            &NewPipelineDeal {
                title: "Anne, renewal".into(),
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
    // A lead carrying her address, never converted into her.
    s.leads
        .create(&NewLeadRecord {
            first_name: "Anne".into(),
            last_name: "Martin".into(),
            company_name: "Dupont SA".into(),
            email: Some(EmailAddress::parse("ANNE@example.fr").unwrap()),
            phone: Some(PhoneNumber::parse("06 11 22 33 44").unwrap()),
            status: LeadStatus::Disqualified,
            disqualified_reason: "Already a contact".into(),
            score: 10,
            kind: PersonKind::B2b,
            source: Source::Import,
            collected_at: Utc::now(),
            entered_by: Some(admin),
            supplier: "Fichiers SA".into(),
            contract_ref: "L-7".into(),
            prospecting_basis: LegalBasis::Consent,
            owner_id: admin,
            team_id: Some(team),
        })
        .await
        .unwrap();
    crate::support::exec(
        &db,
        &format!(
            "UPDATE people SET job_title = 'Buyer', company_id = {company}, team_id = {team}, \
             supplier = 'Fichiers SA', contract_ref = 'C-42', entered_by = {admin}, language = 'fr', \
             last_inbound_at = '2026-01-02T03:04:05Z', relationship_ended_at = '2026-01-03T03:04:05Z', \
             restricted_at = '2026-01-04T03:04:05Z', objected_at = '2026-01-05T03:04:05Z', \
             repermission_asked_at = '2026-01-07T03:04:05Z', \
             legal_hold = 'Invoices of 2026' WHERE id = {anne}; \
             INSERT INTO person_phones (person_id, position, number) VALUES ({anne}, 0, '+33612345678'); \
             INSERT INTO person_legal_bases (person_id, purpose, basis) VALUES ({anne}, 'customer_relationship', 'contract'); \
             UPDATE interactions SET done_at = '2026-01-06T03:04:05Z' WHERE id = {task}; \
             UPDATE deals SET expected_close = '2026-03-01', closed_on = '2026-02-01', lost_reason = 'Budget' WHERE id = {deal};"
        ),
    )
    .await;
    // Someone else, with his own exchanges.
    let other = s
        .people
        .create(&person("Durand", admin, None))
        .await
        .unwrap();
    s.interactions
        .add(&call(other, admin, "Zacharie's private matter"))
        .await
        .unwrap();
    s.access_log
        .append(&AccessLogRecord {
            id: 0,
            at: Utc::now(),
            user_id: Some(admin),
            user_email: "admin@example.com".into(),
            action: "read".into(),
            record_type: "person".into(),
            record_id: anne.to_string(),
            allowed: true,
            client_addr: "127.0.0.1".into(),
        })
        .await
        .unwrap();

    let built = server::privacy::archive::build(s, anne, Locale::En)
        .await
        .unwrap()
        .expect("an archive");
    let doc: Value = serde_json::from_str(&built.json).unwrap();
    assert_eq!(doc["format"], "accord-person-archive/1");
    let schema: Vec<&str> = doc["schema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    // Every field of personal data: described, and filled in her archive.
    for field in FIELDS.iter().filter(|f| f.personal) {
        assert!(
            schema.contains(&field.key),
            "{} not in the schema",
            field.key
        );
        let rows = doc["records"][field.table]
            .as_array()
            .unwrap_or_else(|| panic!("no {} section", field.table));
        assert!(
            rows.iter()
                .any(|r| r[field.key].as_str().is_some_and(|v| !v.is_empty())),
            "{} ({}.{}) missing from the archive: {rows:?}",
            field.key,
            field.table,
            field.column
        );
    }
    // References by what a person can read.
    let person = &doc["records"]["people"][0];
    assert_eq!(person["person.team"], "North");
    assert_eq!(person["person.company"], "Dupont SA");
    assert_eq!(person["person.legal_hold"], "Invoices of 2026");
    assert!(
        person["person.objected_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-01-05")
    );
    assert_eq!(
        doc["records"]["person_tags"][0]["person.tags"],
        "Salon 2026"
    );
    assert_eq!(doc["records"]["companies"][0]["company.name"], "Dupont SA");
    assert_eq!(
        doc["records"]["deals"][0]["deal.stage"],
        pipeline.stages[1].name.as_str()
    );
    assert_eq!(doc["records"]["leads"][0]["lead.email"], "ANNE@example.fr");
    // Her consent with its proof; the log entry about her; her interactions only.
    let ledger = doc["consent_proof"]["rows"].as_array().unwrap();
    assert!(!ledger.is_empty());
    assert!(ledger.iter().all(|r| r["hash_matches"] == true));
    assert!(
        doc["access_log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "read" && e["by"] == "admin@example.com")
    );
    assert_eq!(doc["records"]["interactions"].as_array().unwrap().len(), 2);
    for text in [&built.json, &built.csv] {
        assert!(!text.contains("Durand") && !text.contains("Zacharie"));
    }

    // The CSV: one value per line, the same fields.
    let mut reader = csv::Reader::from_reader(built.csv.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["section", "row", "field", "value"]
    );
    let lines: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    for field in FIELDS.iter().filter(|f| f.personal) {
        assert!(
            lines
                .iter()
                .any(|l| &l[0] == field.table && &l[2] == field.key && !l[3].is_empty()),
            "{} missing from the CSV",
            field.key
        );
    }
    assert!(lines.iter().any(|l| &l[0] == "consent_ledger"));
    assert!(
        lines
            .iter()
            .any(|l| &l[0] == "interactions" && &l[3] == "Asked about the prices")
    );

    // Nobody: nothing.
    assert!(
        server::privacy::archive::build(s, 999_999, Locale::En)
            .await
            .unwrap()
            .is_none()
    );
}
