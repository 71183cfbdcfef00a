//! Leads on both backends: entering, qualifying with version checks, and
//! converting into person + company + deal in one transaction.

use crate::auth::{call, json_post, state};
use crate::on_both_backends;
use crate::support::TestDb;
use crate::support::signed_in;
use app::domain::*;
use app::server::storage::{NewDeal, StorageError, Visibility};
use axum::http::StatusCode;

on_both_backends!(
    leads_are_qualified_and_converted_once_in_one_transaction,
    a_conversion_that_fails_leaves_nothing_behind,
);

async fn leads_are_qualified_and_converted_once_in_one_transaction(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let app = server::router::build(state(s.clone()));
    let sales = signed_in(s, Role::Sales).await;
    let post = |path: &'static str, form: String| {
        let app = app.clone();
        let sales = sales.clone();
        async move { call(&app, json_post(path, &form, Some(&sales))).await }
    };

    for (form, problem) in [
        ("last_name=", "required"),
        ("last_name=Ruiz&score=150", "invalid_number"),
        ("last_name=Ruiz&kind=b2c", "basis_required"),
        ("last_name=Ruiz&email=ruiz%40", "invalid_email"),
    ] {
        let (code, _, body) = post("/api/leads/create", form.into()).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {body}");
        assert!(body.contains(problem), "{form}: {body}");
    }
    let (code, _, body) = post(
        "/api/leads/create",
        "first_name=Joaqu%C3%ADn&last_name=Ruiz&company_name=Transports+Ruiz&email=j.ruiz%40transports-ruiz.es&phone=%2B34+612+345+678&score=40&source=import&supplier=Listas+SL&contract_ref=K-7".into(),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let lead = s.leads.list(Visibility::All, None, None, 5).await.unwrap()[0].clone();
    assert_eq!(lead.status, LeadStatus::New);
    let stored = s.leads.get(lead.id).await.unwrap().unwrap();

    // Disqualifying needs a reason; a stale version is refused.
    let (code, _, body) = post(
        "/api/leads/update",
        format!(
            "id={}&version={}&status=disqualified",
            lead.id, stored.version
        ),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("required"), "{body}");
    let (code, _, body) = post(
        "/api/leads/update",
        format!(
            "id={}&version={}&status=contacted&score=70",
            lead.id, stored.version
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let (code, _, body) = post(
        "/api/leads/update",
        format!("id={}&version={}&status=qualified", lead.id, stored.version),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("changed_meanwhile"), "{body}");
    let stored = s.leads.get(lead.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.fields.status, stored.fields.score),
        (LeadStatus::Contacted, 70)
    );

    // Bad deal input: nothing converted.
    let (code, _, body) = post(
        "/api/leads/convert",
        format!(
            "id={}&version={}&deal_title=Fleet&amount=lots",
            lead.id, stored.version
        ),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("invalid_amount"), "{body}");
    assert!(
        s.people
            .list(Visibility::All, None, 5)
            .await
            .unwrap()
            .is_empty()
    );

    let (code, _, body) = post(
        "/api/leads/convert",
        format!(
            "id={}&version={}&deal_title=Fleet+tracking&amount=12+500%2C50&currency=eur",
            lead.id, stored.version
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let converted = s.leads.get(lead.id).await.unwrap().unwrap();
    let person_id = converted.person_id.expect("linked to the person");
    assert!(converted.deal_id.is_some());
    assert_eq!(converted.fields.status, LeadStatus::Qualified);
    let person = s.people.get(person_id).await.unwrap().unwrap();
    // The person inherits the lead's provenance and basis.
    assert_eq!(person.fields.source, Source::Import);
    assert_eq!(person.fields.collected_at, stored.fields.collected_at);
    assert_eq!(person.fields.supplier, "Listas SL");
    assert_eq!(
        person.fields.legal_bases,
        vec![(Purpose::Prospecting, LegalBasis::LegitimateInterest)]
    );
    assert_eq!(person.fields.phones[0].as_str(), "+34612345678");
    assert_eq!(person.company_name.as_deref(), Some("Transports Ruiz"));
    let found = s
        .people
        .search(
            Visibility::All,
            &search::query_tokens("ruiz transports"),
            20,
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);

    // Converting again (a second tab) is refused, nothing doubled.
    let (code, _, body) = post(
        "/api/leads/convert",
        format!("id={}&version={}", lead.id, converted.version),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        s.people.list(Visibility::All, None, 5).await.unwrap().len(),
        1
    );
    assert_eq!(
        s.companies
            .list(Visibility::All, None, 5)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(matches!(
        s.leads.convert(lead.id, converted.version, None).await,
        Err(StorageError::Conflict(_))
    ));

    // A lead whose e-mail a person already has shows that person.
    let (code, _, body) = post(
        "/api/leads/create",
        "last_name=Ruiz-Again&email=J.Ruiz%40transports-ruiz.es".into(),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let again = s.leads.list(Visibility::All, None, None, 1).await.unwrap()[0].id;
    let version = s.leads.get(again).await.unwrap().unwrap().version;
    let (code, _, body) = post(
        "/api/leads/convert",
        format!("id={again}&version={version}"),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains(&format!("duplicate_of/{person_id}")),
        "{body}"
    );
}

async fn a_conversion_that_fails_leaves_nothing_behind(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let owner = crate::support::create_user(s, Role::Sales).await.id;
    let lead = s
        .leads
        .create(&app::server::storage::NewLeadRecord {
            first_name: "Ada".into(),
            last_name: "Nowak".into(),
            company_name: "Kowalski Sp. z o.o.".into(),
            email: None,
            phone: None,
            status: LeadStatus::Qualified,
            disqualified_reason: String::new(),
            score: 90,
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
        .unwrap();
    let version = s.leads.get(lead).await.unwrap().unwrap().version;
    // The deal's currency breaks the table's rule: the whole conversion
    // (claimed lead, company, person) rolls back.
    let bad = NewDeal {
        title: "Too clever".into(),
        amount_cents: 100,
        currency: "EURO".into(),
    };
    assert!(s.leads.convert(lead, version, Some(&bad)).await.is_err());
    assert!(
        s.people
            .list(Visibility::All, None, 5)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.companies
            .list(Visibility::All, None, 5)
            .await
            .unwrap()
            .is_empty()
    );
    let after = s.leads.get(lead).await.unwrap().unwrap();
    assert_eq!((after.person_id, after.version), (None, version));
    // And then it converts.
    let done = s.leads.convert(lead, version, None).await.unwrap();
    assert!(done.company_id.is_some() && done.deal_id.is_none());
}
