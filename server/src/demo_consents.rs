//! The consents of `accord seed --demo`: two purposes, a public form
//! offering them, and some of the demo people signed up through it — most
//! confirmed, a few withdrawn, a few still waiting — and a few visitors
//! the CRM did not know, whom their sign-up creates (source "Web form"),
//! all recorded through the same storage calls as real submissions
//! (ledger, links, outbox), so a new user sees consent histories, a form
//! to try at `/f/newsletter`, and mail in Settings → Outbox.

use app::domain::consent::{FormInput, PurposeInput};
use app::server::auth::token::{hash_token, new_token};
use app::server::storage::{Evidence, NewSubmission, OutgoingMail, RateCount, Storage, Visibility};

/// How many demo people sign up.
const SIGN_UPS: u32 = 40;

/// Visitors the demo data does not hold: (first name, last name, address).
const NEWCOMERS: [(&str, &str, &str); 12] = [
    ("Inès", "Marchand", "ines.marchand@example.org"),
    ("Hugo", "Lefèvre", "hugo.lefevre@example.org"),
    ("Maëlle", "Roussel", "maelle.roussel@example.org"),
    ("Jonas", "Becker", "jonas.becker@example.org"),
    ("Chloé", "Garnier", "chloe.garnier@example.org"),
    ("Lucas", "Fontaine", "lucas.fontaine@example.org"),
    ("Sofia", "Ricci", "sofia.ricci@example.org"),
    ("Nathan", "Perrin", "nathan.perrin@example.org"),
    ("Emma", "Janssens", "emma.janssens@example.org"),
    ("Théo", "Chevalier", "theo.chevalier@example.org"),
    ("Lina", "Moreau", "lina.moreau@example.org"),
    ("Oscar", "Lindqvist", "oscar.lindqvist@example.org"),
];

/// `base`: the address links in the demo's mail start with.
pub async fn seed(storage: &Storage, base: &str) -> Result<(), String> {
    let store = &storage.consent;
    if !store
        .purposes()
        .await
        .map_err(|e| e.to_string())?
        .is_empty()
    {
        return Ok(());
    }
    let users = storage.users.list().await.map_err(|e| e.to_string())?;
    let owner = users
        .iter()
        .find(|u| u.role == app::domain::Role::Admin)
        .or(users.first())
        .ok_or("create a user first")?
        .id;
    let purpose = |key: &str,
                   channel: &str,
                   months: &str,
                   en: &str,
                   fr: &str,
                   text_en: &str,
                   text_fr: &str| {
        PurposeInput {
            id: String::new(),
            key: key.into(),
            name_en: en.into(),
            name_fr: fr.into(),
            channel: channel.into(),
            legal_basis: "consent".into(),
            retention_months: months.into(),
            partners: String::new(),
            text_en: text_en.into(),
            text_fr: text_fr.into(),
        }
        .check()
        .map_err(|p| format!("demo purpose {key}: {p:?}"))
    };
    let newsletter = store
        .save_purpose(
            None,
            &purpose(
                "newsletter",
                "email",
                "36",
                "Monthly newsletter",
                "Lettre mensuelle",
                "I agree to receive the monthly newsletter by e-mail. I can unsubscribe at any time.",
                "J’accepte de recevoir la lettre mensuelle par e-mail. Je peux me désinscrire à tout moment.",
            )?,
            owner,
        )
        .await
        .map_err(|e| e.to_string())?;
    let calls = store
        .save_purpose(
            None,
            &purpose(
                "phone-offers",
                "phone",
                "24",
                "Calls about our offers",
                "Appels sur nos offres",
                "I agree to be called about offers that match my needs.",
                "J’accepte d’être appelé(e) au sujet d’offres adaptées à mes besoins.",
            )?,
            owner,
        )
        .await
        .map_err(|e| e.to_string())?;
    let form = FormInput {
        id: String::new(),
        slug: "newsletter".into(),
        language: "fr".into(),
        title: "Notre lettre mensuelle".into(),
        intro: "Une lettre par mois : nos nouveautés, nos événements, rien de plus.".into(),
        thanks: "Merci de votre intérêt !".into(),
        privacy_url: "/privacy".into(),
        fields: vec!["first_name".into(), "phone".into()],
        purposes: vec![newsletter.to_string(), calls.to_string()],
        frame_ancestors: String::new(),
        owner_id: owner.to_string(),
    }
    .check()
    .map_err(|p| format!("demo form: {p:?}"))?;
    store
        .save_form(None, &form, owner)
        .await
        .map_err(|e| e.to_string())?;
    let form = store
        .public_form("newsletter")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the demo form was not published")?;

    let people = storage
        .people
        .list(Visibility::All, None, SIGN_UPS)
        .await
        .map_err(|e| e.to_string())?;
    let organisation = storage
        .organisation
        .get()
        .await
        .map_err(|e| e.to_string())?;
    // The people the demo holds, then the newcomers.
    let visitors: Vec<(String, String, String)> = people
        .iter()
        .filter_map(|p| {
            let email = p.email.clone()?;
            Some((p.first_name.clone(), p.last_name.clone(), email))
        })
        .chain(
            NEWCOMERS
                .iter()
                .map(|(first, last, email)| ((*first).into(), (*last).into(), (*email).into())),
        )
        .collect();
    let (mut signed_up, mut created) = (0, 0);
    for (i, (first_name, last_name, email)) in visitors.iter().enumerate() {
        let both = i % 3 == 0;
        let value = |name: &str| -> Option<String> {
            match name {
                "email" => Some(email.clone()),
                "first_name" => Some(first_name.clone()),
                "last_name" => Some(last_name.clone()),
                "phone" => Some("+33612345678".into()),
                "form_version" => Some(form.version_id.to_string()),
                n if n == app::domain::consent::purpose_input(newsletter) => Some("on".into()),
                n if both && n == app::domain::consent::purpose_input(calls) => Some("on".into()),
                n => n.strip_prefix("text-").and_then(|id| {
                    form.purposes
                        .iter()
                        .find(|p| p.purpose_id.to_string() == id)
                        .map(|p| p.text_id.to_string())
                }),
            }
        };
        let Ok(submission) = form.check(&value) else {
            continue;
        };
        let (confirm, withdraw) = (new_token(), new_token());
        let names: Vec<String> = form
            .purposes
            .iter()
            .filter(|p| submission.purposes.contains(&p.purpose_id))
            .map(|p| p.name(form.language).to_owned())
            .collect();
        let (subject, body) = crate::consent::mail::confirmation(
            form.language.t(),
            &organisation.name.to_string(),
            &names,
            &format!("{base}/c/{confirm}"),
            &format!("{base}/w/{withdraw}"),
        );
        let evidence = Evidence {
            source_addr: format!("192.0.2.{}", i + 1),
            user_agent: "Mozilla/5.0 (demo)".into(),
        };
        let done = store
            .submit(&NewSubmission {
                form: form.clone(),
                submission,
                evidence: evidence.clone(),
                confirm_token_hash: hash_token(&confirm),
                withdraw_token_hash: hash_token(&withdraw),
                confirm_expires_at: chrono::Utc::now() + chrono::Duration::days(7),
                mail: OutgoingMail {
                    recipient: email.clone(),
                    subject,
                    body,
                },
                mail_in: Vec::new(),
                rate: RateCount {
                    addr_key: "demo".into(),
                    window_start: 0,
                    limit: i64::MAX,
                },
            })
            .await
            .map_err(|e| e.to_string())?
            .done()
            .ok_or("the demo form changed while it was seeded")?;
        signed_up += 1;
        if done.created {
            created += 1;
        }
        // Most confirm; one in eight never does; one in ten withdraws
        // the newsletter later.
        if i % 8 != 7 {
            store
                .confirm(&hash_token(&confirm), &evidence)
                .await
                .map_err(|e| e.to_string())?;
            if i % 10 == 4 {
                store
                    .withdraw(done.person_id, &[newsletter], &evidence)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    crate::startup::announce(&format!(
        "Demo consents: 2 purposes, the form /f/newsletter, {signed_up} people signed up through it ({created} of them new)."
    ));
    Ok(())
}
