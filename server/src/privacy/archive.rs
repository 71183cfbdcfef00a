//! The access and portability archive (art. 15 and 20): everything Accord
//! holds about a person as one JSON document (schema
//! `accord-person-archive/1`, described in the document itself) and the
//! same as CSV, kept seven days behind a link mailed to the requester's
//! verified address.
//!
//! JSON layout:
//! - `format`, `generated_at`, `controller` (organisation, privacy
//!   contact, where the data is kept), `about` (a paragraph for the
//!   person, in their language), `person_id`;
//! - `schema`: one entry per field of personal data (the field
//!   catalogue): key, table, category, purposes, whether required;
//! - `records`: per catalogued table, its rows about the person as
//!   objects keyed by those field keys (plus `id`-like references);
//! - `consent_proof`: the consent ledger's rows about the person with the
//!   texts and hashes that prove them (`accord-consent-proof/1`);
//! - `access_log`: who in the organisation read, changed or exported the
//!   record, and when;
//! - `privacy_requests`: the person's requests and what became of them.
//!
//! CSV layout: one line per value, `section,row,field,value`, sections
//! as above (`records` tables by their name, the ledger as
//! `consent_ledger`, its texts as `consent_texts`).

use app::domain::fields::FIELDS;
use app::domain::privacy::RequestView;
use app::i18n::Locale;
use app::server::archive::ArchiveSender;
use app::server::auth::token::{hash_token, new_token};
use app::server::storage::{ArchiveData, NewArchive, OutgoingMail, Storage, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// How long the download link works.
pub const ARCHIVE_VALID_DAYS: i64 = 7;

/// The archive as delivered.
#[derive(Debug, Clone)]
pub struct Built {
    pub json: String,
    pub csv: String,
    /// The organisation's name, as the archive gives it (for the mail).
    pub organisation: String,
}

/// Builds the archive of `person_id` (None: no such person).
#[tracing::instrument(skip(storage), err)]
pub async fn build(
    storage: &Storage,
    person_id: i64,
    locale: Locale,
) -> Result<Option<Built>, StorageError> {
    let Some(data) = storage.archives.collect(person_id).await? else {
        return Ok(None);
    };
    let Some(proof) = crate::routes::proof::document(storage, person_id).await? else {
        return Ok(None);
    };
    let (organisation, (contact, location)) = tokio::try_join!(
        storage.organisation.get(),
        storage.privacy.notice_settings()
    )?;
    let document = json!({
        "format": "accord-person-archive/1",
        "generated_at": Utc::now().to_rfc3339(),
        "controller": {
            "organisation": organisation.name.to_string(),
            "privacy_contact": contact,
            "data_location": location,
        },
        "about": locale.t().archive_about,
        "person_id": person_id,
        "schema": schema(),
        "records": records(&data),
        "consent_proof": proof,
        "access_log": data.access.iter().map(|a| json!({
            "at": a.at.to_rfc3339(), "by": a.by, "action": a.action,
            "record": a.record_type, "allowed": a.allowed,
        })).collect::<Vec<_>>(),
        "privacy_requests": requests(&data.requests),
    });
    let csv = csv(&document).map_err(|e| StorageError::Corrupt(format!("archive CSV: {e}")))?;
    let json = serde_json::to_string_pretty(&document)
        .map_err(|e| StorageError::Corrupt(format!("archive JSON: {e}")))?;
    Ok(Some(Built {
        json,
        csv,
        organisation: organisation.name.to_string(),
    }))
}

fn schema() -> Vec<Value> {
    FIELDS
        .iter()
        .filter(|f| f.personal)
        .map(|f| {
            json!({
                "key": f.key, "table": f.table, "category": f.category.key(),
                "purposes": f.purposes.iter().map(|p| p.key()).collect::<Vec<_>>(),
                "required": f.required,
            })
        })
        .collect()
}

fn records(data: &ArchiveData) -> Value {
    let mut records = Map::new();
    for table in &data.tables {
        let rows: Vec<Value> = table
            .rows
            .iter()
            .map(|row| {
                let object: Map<String, Value> = table
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(c, v)| (c.clone(), v.clone().map_or(Value::Null, Value::String)))
                    .collect();
                Value::Object(object)
            })
            .collect();
        records.insert(table.table.to_string(), Value::Array(rows));
    }
    Value::Object(records)
}

fn requests(requests: &[RequestView]) -> Vec<Value> {
    let at = |ms: Option<i64>| {
        ms.and_then(DateTime::<Utc>::from_timestamp_millis)
            .map(|t| t.to_rfc3339())
    };
    requests
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "kind": r.kind.key(), "status": r.status.key(), "email": r.email,
                "details": r.details, "received_at": at(Some(r.received_ms)),
                "verified_at": at(r.verified_ms), "due_at": at(Some(r.due_ms)),
                "extension_reason": r.extension_reason, "outcome": r.outcome,
                "closed_at": at(r.closed_ms),
            })
        })
        .collect()
}

/// A JSON value as one CSV cell.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The document as `section,row,field,value` lines.
fn csv(document: &Value) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["section", "row", "field", "value"])?;
    let mut objects = |section: &str, rows: &Value| -> Result<(), csv::Error> {
        for (i, row) in rows.as_array().into_iter().flatten().enumerate() {
            for (field, value) in row.as_object().into_iter().flatten() {
                let row = (i + 1).to_string();
                out.write_record([section, row.as_str(), field.as_str(), cell(value).as_str()])?;
            }
        }
        Ok(())
    };
    for (table, rows) in document["records"].as_object().into_iter().flatten() {
        objects(table, rows)?;
    }
    let proof = &document["consent_proof"];
    objects("consent_purposes", &proof["purposes"])?;
    objects("consent_ledger", &proof["rows"])?;
    objects("consent_texts", &proof["texts"])?;
    objects("consent_forms", &proof["forms"])?;
    objects("access_log", &document["access_log"])?;
    objects("privacy_requests", &document["privacy_requests"])?;
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Builds, keeps and mails archives for the register's server functions.
#[derive(Debug, Clone)]
pub struct Archives {
    pub storage: Storage,
    pub public_url: String,
    pub mail_wakeup: Arc<tokio::sync::Notify>,
}

#[async_trait]
impl ArchiveSender for Archives {
    #[tracing::instrument(skip(self, request), fields(request_id = request.id), err)]
    async fn send(
        &self,
        request: &RequestView,
        person_id: i64,
        by: i64,
        locale: Locale,
    ) -> Result<Option<bool>, StorageError> {
        let Some(built) = build(&self.storage, person_id, request.language).await? else {
            return Ok(None);
        };
        let organisation = built.organisation;
        let token = new_token();
        let link = format!("{}/privacy/archive/{token}", self.public_url);
        let expires_at = Utc::now() + chrono::Duration::days(ARCHIVE_VALID_DAYS);
        let their = request.language.t();
        let until = expires_at.format("%Y-%m-%d").to_string();
        let archive = NewArchive {
            request_id: request.id,
            version: request.version,
            person_id,
            json: built.json,
            csv: built.csv,
            link_hash: hash_token(&token),
            expires_at,
            mail: OutgoingMail {
                recipient: request.email.clone(),
                subject: (their.archive_mail_subject)(&organisation),
                body: (their.archive_mail_body)(&organisation, &link, &until),
            },
            outcome: (locale.t().requests_archive_sent)(&until),
            by,
        };
        let sent = self.storage.archives.deliver(&archive).await?;
        if sent {
            self.mail_wakeup.notify_one();
        }
        Ok(Some(sent))
    }
}
