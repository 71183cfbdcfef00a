//! `GET /consent-proof/{id}` (readable) and `/consent-proof/{id}/json`: the proof of one
//! person's consents, for the DPO or an administrator to hand to the
//! person or an authority. Each ledger row comes with its canonical bytes
//! and hashes, each text version with its exact words and SHA-256, each
//! form version with its own; anyone can recompute every hash with a
//! SHA-256 tool. Every export is written to the access log.

use super::plain;
use crate::consent::chain::{canonical, canonical_time, row_hash, sha256_hex};
use crate::consent::pages::esc;
use crate::state::AppState;
use app::i18n::{Locale, locale_from_headers};
use app::server::auth::session::SessionUser;
use app::server::context::ClientAddr;
use app::server::policy::{Action, allows};
use app::server::storage::{AccessLogRecord, ProofData, Storage, StorageError};
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// How a reader checks the proof, in the document itself.
const HOW_TO_VERIFY: &str = "Each row's hash is the SHA-256 (hex) of its prev_hash (64 ASCII \
hex characters) followed by its canonical bytes (given with each row: the lines \
accord-consent-v1, id, person_id, purpose_id, channel, event, text_sha256, form_version_id \
(empty when none), occurred_at and evidence_digest, each ending with a line feed). The first \
row of the ledger follows 64 zeros. Each text's sha256 is the SHA-256 of its body's UTF-8 \
bytes. `accord consent verify` checks the whole chain up to chain_head.";

pub async fn json(
    state: State<AppState>,
    user: Option<Extension<SessionUser>>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    proof(state, user, client, headers, id, false).await
}

pub async fn html(
    state: State<AppState>,
    user: Option<Extension<SessionUser>>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    proof(state, user, client, headers, id, true).await
}

#[tracing::instrument(skip_all, fields(person_id = id, user_id))]
async fn proof(
    State(state): State<AppState>,
    user: Option<Extension<SessionUser>>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    id: i64,
    html: bool,
) -> Response {
    let locale = locale_from_headers(&headers);
    let t = locale.t();
    let Some(Extension(user)) = user else {
        return plain(StatusCode::UNAUTHORIZED, t.err_unauthenticated);
    };
    tracing::Span::current().record("user_id", user.user_id);
    if user.must_enroll_second_factor || !allows(user.role, Action::ExportConsentProof) {
        return plain(StatusCode::FORBIDDEN, t.err_forbidden);
    }
    let document = match document(&state.storage, id).await {
        Ok(Some(document)) => document,
        Ok(None) => return plain(StatusCode::NOT_FOUND, t.err_not_found),
        Err(error) => {
            tracing::error!(%error, "reading the proof failed");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, t.public_unavailable);
        }
    };
    if let Err(error) = state
        .storage
        .access_log
        .append(&AccessLogRecord {
            id: 0,
            at: chrono::Utc::now(),
            user_id: Some(user.user_id),
            user_email: user.email.to_string(),
            action: "export".into(),
            record_type: "consent_proof".into(),
            record_id: id.to_string(),
            allowed: true,
            client_addr: client.map_or_else(|| "unknown".into(), |Extension(c)| c.0),
        })
        .await
    {
        tracing::error!(%error, "writing the access log failed");
        return plain(StatusCode::INTERNAL_SERVER_ERROR, t.public_unavailable);
    }
    let name = document["person"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if html {
        readable(locale, &name, &document)
    } else {
        let body = serde_json::to_string_pretty(&document).unwrap_or_default();
        let mut response = (
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            body,
        )
            .into_response();
        if let Ok(value) =
            HeaderValue::from_str(&format!("attachment; filename=\"consent-proof-{id}.json\""))
        {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
        response
    }
}

/// The proof document of person `id` (None: no such person); the access
/// or portability archive carries it too.
pub(crate) async fn document(
    storage: &Storage,
    id: i64,
) -> Result<Option<serde_json::Value>, StorageError> {
    let Some(person) = storage.people.get(id).await? else {
        return Ok(None);
    };
    let (data, purposes, head, (now, _), organisation) = tokio::try_join!(
        storage.consent.proof(id),
        storage.consent.purposes(),
        storage.consent.chain_head(),
        storage.consent.of_person(id, Locale::En),
        storage.organisation.get(),
    )?;
    let name = format!("{} {}", person.fields.first_name, person.fields.last_name)
        .trim()
        .to_string();
    let emails: Vec<String> = person
        .fields
        .emails
        .iter()
        .map(|(a, _)| a.to_string())
        .collect();
    let purposes: Vec<serde_json::Value> = purposes
        .iter()
        .filter(|p| data.rows.iter().any(|r| r.purpose_id == p.id))
        .map(|p| {
            json!({
                "id": p.id, "key": p.key, "name_en": p.name_en, "name_fr": p.name_fr,
                "channel": p.channel.key(), "legal_basis": p.legal_basis.key(),
                "retention_months": p.retention_months, "partners": p.partners,
                "status_now": now.iter().find(|c| c.purpose_id == p.id).map(|c| c.status.key()),
            })
        })
        .collect();
    Ok(Some(json!({
        "format": "accord-consent-proof/1",
        "generated_at": canonical_time(chrono::Utc::now()),
        "organisation": organisation.name.to_string(),
        "person": { "id": id, "name": name, "emails": emails },
        "how_to_verify": HOW_TO_VERIFY,
        "chain_head": { "id": head.0, "hash": head.1 },
        "purposes": purposes,
        "rows": rows_json(&data),
        "texts": data.texts.iter().map(|x| json!({
            "sha256": x.sha256, "sha256_matches_body": sha256_hex(&x.body) == x.sha256,
            "purpose_id": x.purpose_id, "version": x.version, "language": x.language,
            "published_at": canonical_time(x.published_at), "body": x.body,
        })).collect::<Vec<_>>(),
        "forms": data.forms.iter().map(|f| json!({
            "id": f.id, "slug": f.slug, "version": f.version, "language": f.language,
            "title": f.title, "sha256": f.sha256, "published_at": canonical_time(f.published_at),
        })).collect::<Vec<_>>(),
    })))
}

fn rows_json(data: &ProofData) -> Vec<serde_json::Value> {
    data.rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "purpose_id": r.purpose_id, "channel": r.channel, "event": r.event,
                "occurred_at": r.occurred_at, "text_sha256": r.text_sha256,
                "form_version_id": r.form_version_id, "evidence_digest": r.evidence_digest,
                "prev_hash": r.prev_hash, "hash": r.hash,
                "hash_matches": row_hash(&r.prev_hash, r) == r.hash,
                "canonical": canonical(r),
            })
        })
        .collect()
}

/// The same document as a page a person can read and print.
fn readable(locale: Locale, name: &str, document: &serde_json::Value) -> Response {
    let t = locale.t();
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let mut html = format!(
        "<h1>{} — {}</h1><p>{} · {}</p>",
        esc(t.person_consent_proof_html),
        esc(name),
        esc(&s(&document["organisation"])),
        esc(&s(&document["generated_at"]))
    );
    let empty = Vec::new();
    let texts = document["texts"].as_array().unwrap_or(&empty);
    for purpose in document["purposes"].as_array().unwrap_or(&empty) {
        let pid = purpose["id"].as_i64().unwrap_or_default();
        let title = if locale == Locale::Fr {
            s(&purpose["name_fr"])
        } else {
            s(&purpose["name_en"])
        };
        html.push_str(&format!(
            "<section><h2>{}</h2><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            esc(&title),
            esc(t.person_consent_when),
            esc(t.person_consent_event),
            esc(t.person_consent_text),
            esc(t.person_consent_hash),
        ));
        for row in document["rows"].as_array().unwrap_or(&empty) {
            if row["purpose_id"].as_i64() != Some(pid) {
                continue;
            }
            let event = app::domain::consent::ConsentEvent::parse(&s(&row["event"]))
                .map(|e| e.label(t))
                .unwrap_or_default();
            let text = texts
                .iter()
                .find(|x| x["sha256"] == row["text_sha256"])
                .map(|x| s(&x["body"]))
                .unwrap_or_default();
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td><blockquote>{}</blockquote><code>{}</code></td>\
                 <td><code>{}</code><br><small>← <code>{}</code></small></td></tr>",
                esc(&s(&row["occurred_at"])),
                esc(event),
                esc(&text),
                esc(&s(&row["text_sha256"])),
                esc(&s(&row["hash"])),
                esc(&s(&row["prev_hash"])),
            ));
        }
        html.push_str("</tbody></table></section>");
    }
    html.push_str(&format!("<p><small>{}</small></p>", esc(HOW_TO_VERIFY)));
    crate::consent::pages::Page {
        locale,
        title: t.person_consent_proof_html,
        body: html,
        frame_ancestors: &[],
        nonce: None,
    }
    .respond(StatusCode::OK)
}
