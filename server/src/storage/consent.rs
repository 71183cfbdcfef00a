//! Consent storage (see `ConsentStore` and migration 0018): one SQL text
//! for both backends.
//!
//! Every transaction that appends to the ledger starts by updating the
//! chain's head row. That is its lock: appends are serialised (each row's
//! hash needs the one before), and on SQLite the transaction holds the
//! write lock from its first statement, so it never has to upgrade a read
//! snapshot (which fails at once, without waiting, when another writer
//! committed in between).

use crate::consent::chain::{
    canonical_time, evidence_digest, row_hash, sha256_hex, truncate_address,
};
use crate::storage::people::ROWS_PER_STATEMENT;
use crate::storage::people_rows::in_list;
use crate::storage::rows::is_unique_violation;
use crate::storage::script::{RunScript, Script};
use crate::storage::storage_error;
use app::domain::LegalBasis;
use app::domain::consent::{
    Channel, ConsentEntry, ConsentEvent, ConsentKey, ConsentNow, ConsentStatus, FormDraft,
    FormField, FormSummary, OfferedPurpose, PublicForm, PurposeDraft, PurposeView,
};
use app::i18n::Locale;
use app::server::storage::{
    ConsentStore, Evidence, LedgerRow, LinkState, NewSubmission, OutboxMail, ProofData, ProofForm,
    ProofText, Recorded, StorageError,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Pool, Row};
use std::collections::HashMap;

pub struct SqlConsent<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlConsent<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

/// A ledger row to append (its id and hashes are assigned on append).
#[derive(Debug, Clone)]
struct Entry {
    person_id: i64,
    purpose_id: i64,
    channel: String,
    event: ConsentEvent,
    text_sha256: String,
    form_version_id: Option<i64>,
}

/// Entries that all came from the same place.
fn with<'a>(entries: &[Entry], evidence: &'a Evidence) -> Vec<(Entry, &'a Evidence)> {
    entries.iter().map(|e| (e.clone(), evidence)).collect()
}

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(what.to_string())
}

fn ids(raw: &str) -> Vec<i64> {
    raw.split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

fn locale(raw: &str) -> Result<Locale, StorageError> {
    Locale::from_tag(raw).ok_or_else(|| corrupt("language"))
}

fn millis(canonical: &str) -> i64 {
    DateTime::parse_from_rfc3339(canonical)
        .map(|t| t.timestamp_millis())
        .unwrap_or_default()
}

/// A form version as stored, back into a draft (for the builder, and to
/// publish it again when a purpose's text changes).
fn stored_draft<'r, R>(row: &'r R) -> Result<FormDraft, StorageError>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let text = |name: &'r str| -> Result<String, StorageError> {
        row.try_get(name).map_err(storage_error)
    };
    Ok(FormDraft {
        slug: ConsentKey::parse(&text("slug")?).map_err(|_| corrupt("slug"))?,
        language: locale(&text("language")?)?,
        title: text("title")?,
        intro: text("intro")?,
        thanks: text("thanks")?,
        privacy_url: text("privacy_url")?,
        fields: text("fields")?
            .split(',')
            .filter_map(|k| FormField::parse(k).ok())
            .collect(),
        purpose_ids: ids(&text("purposes")?),
        frame_ancestors: text("frame_ancestors")?
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        owner_id: row.try_get("owner_id").map_err(storage_error)?,
    })
}

const FORM_COLUMNS: &str = "f.id AS form_id, f.slug, f.owner_id, f.frame_ancestors, v.id AS version_id, \
     v.version, v.language, v.title, v.intro, v.thanks, v.privacy_url, v.fields, v.purposes";

mod batch;

/// A ledger row as confirming or expiring it needs it, with the current
/// state of its person's consent to its purpose.
struct LedgerWithState {
    person_id: i64,
    purpose_id: i64,
    channel: String,
    text_sha256: String,
    form_version_id: Option<i64>,
    status: ConsentStatus,
}

macro_rules! sql_consent {
    ($db:ty) => {
        impl SqlConsent<$db> {
            /// Takes the chain's lock (see the module's comment) and reads
            /// its head: the last id and hash.
            pub(crate) async fn lock_chain(tx: &mut sqlx::Transaction<'_, $db>) -> Result<(i64, String), StorageError> {
                sqlx::query_as(
                    "UPDATE consent_chain SET last_id = last_id WHERE id = 1 RETURNING last_id, last_hash",
                )
                .fetch_one(&mut **tx)
                .await
                .map_err(storage_error)
            }

            /// Appends `entries` (each with where it came from) after
            /// `head` (from [`Self::lock_chain`] in the same transaction),
            /// moves the head, and updates the current-state table; a few
            /// multi-row statements whatever the number of entries.
            /// Returns the new ids, in order.
            async fn append(
                tx: &mut sqlx::Transaction<'_, $db>,
                head: (i64, String),
                entries: &[(Entry, &Evidence)],
                now: DateTime<Utc>,
            ) -> Result<Vec<i64>, StorageError> {
                let mut script = Script::new();
                let ids = Self::append_into(tx, head, entries, now, &mut script, &Default::default()).await?;
                (&mut **tx).run_script(script).await?;
                Ok(ids)
            }

            /// [`Self::append`] with the writes added to `script`, which
            /// the caller sends (after anything else it adds). `created`:
            /// people created in this transaction, who have no consents
            /// to read yet.
            pub(super) async fn append_into(
                tx: &mut sqlx::Transaction<'_, $db>,
                head: (i64, String),
                entries: &[(Entry, &Evidence)],
                now: DateTime<Utc>,
                script: &mut Script,
                created: &std::collections::HashSet<i64>,
            ) -> Result<Vec<i64>, StorageError> {
                if entries.is_empty() {
                    return Ok(Vec::new());
                }
                let (mut last_id, mut last_hash) = head;
                let occurred_at = canonical_time(now);
                let mut rows = Vec::with_capacity(entries.len());
                for (entry, evidence) in entries {
                    let salt = app::server::auth::token::new_token();
                    let mut row = LedgerRow {
                        id: last_id + 1,
                        person_id: entry.person_id,
                        purpose_id: entry.purpose_id,
                        channel: entry.channel.clone(),
                        event: entry.event.key().to_string(),
                        text_sha256: entry.text_sha256.clone(),
                        form_version_id: entry.form_version_id,
                        occurred_at: occurred_at.clone(),
                        evidence_digest: evidence_digest(&salt, evidence),
                        prev_hash: last_hash.clone(),
                        hash: String::new(),
                    };
                    row.hash = row_hash(&last_hash, &row);
                    last_id = row.id;
                    last_hash = row.hash.clone();
                    rows.push((row, salt, *evidence, entry.event));
                }
                script.rows(
                    "INSERT INTO consent_ledger (id, person_id, purpose_id, channel, event, text_sha256, \
                     form_version_id, occurred_at, evidence_digest, prev_hash, hash)",
                    rows.iter()
                        .map(|(row, _, _, _)| {
                            vec![
                                row.id.into(),
                                row.person_id.into(),
                                row.purpose_id.into(),
                                (&row.channel).into(),
                                (&row.event).into(),
                                (&row.text_sha256).into(),
                                row.form_version_id.into(),
                                (&row.occurred_at).into(),
                                (&row.evidence_digest).into(),
                                (&row.prev_hash).into(),
                                (&row.hash).into(),
                            ]
                        })
                        .collect(),
                    "",
                );
                script.rows(
                    "INSERT INTO consent_evidence (ledger_id, salt, source_addr, user_agent)",
                    rows.iter()
                        .map(|(row, salt, evidence, _)| {
                            vec![row.id.into(), salt.into(), (&evidence.source_addr).into(), (&evidence.user_agent).into()]
                        })
                        .collect(),
                    "",
                );

                // The state before, for every person concerned; then each
                // row's effect in order, and only the final state written.
                let mut people: Vec<i64> =
                    rows.iter().map(|(r, _, _, _)| r.person_id).filter(|p| !created.contains(p)).collect();
                people.sort_unstable();
                people.dedup();
                let mut state: HashMap<(i64, i64), ConsentStatus> = HashMap::new();
                for chunk in people.chunks(ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "SELECT person_id, purpose_id, status FROM consent_state WHERE person_id IN ({})",
                        in_list(chunk.len())
                    );
                    let mut query = sqlx::query_as::<_, (i64, i64, String)>(&sql);
                    for id in chunk {
                        query = query.bind(*id);
                    }
                    for (person, purpose, status) in query.fetch_all(&mut **tx).await.map_err(storage_error)? {
                        let status = ConsentStatus::parse(&status).map_err(|_| corrupt("consent_state.status"))?;
                        state.insert((person, purpose), status);
                    }
                }
                let mut changed: Vec<((i64, i64), ConsentStatus, i64, String)> = Vec::new();
                for (row, _, _, event) in &rows {
                    let key = (row.person_id, row.purpose_id);
                    let before = state.get(&key).copied();
                    if let Some(after) = ConsentStatus::after(before, *event).filter(|a| Some(*a) != before) {
                        state.insert(key, after);
                        changed.retain(|(k, _, _, _)| *k != key);
                        changed.push((key, after, row.id, row.text_sha256.clone()));
                    }
                }
                script.rows(
                    "INSERT INTO consent_state (person_id, purpose_id, status, ledger_id, text_sha256, updated_at)",
                    changed
                        .iter()
                        .map(|((person, purpose), status, id, sha)| {
                            vec![(*person).into(), (*purpose).into(), status.key().into(), (*id).into(), sha.into(), now.into()]
                        })
                        .collect(),
                    "ON CONFLICT (person_id, purpose_id) DO UPDATE SET \
                     status = excluded.status, ledger_id = excluded.ledger_id, \
                     text_sha256 = excluded.text_sha256, updated_at = excluded.updated_at",
                );
                script.statement(
                    "UPDATE consent_chain SET last_id = $1, last_hash = $2 WHERE id = 1",
                    vec![last_id.into(), last_hash.into()],
                );
                Ok(rows.iter().map(|(r, _, _, _)| r.id).collect())
            }

            /// Withdraws every pending or given consent of `people` (an
            /// erasure, an objection): one ledger row each, after `head`
            /// (from [`Self::lock_chain`] in the same transaction).
            /// Returns how many.
            pub(crate) async fn withdraw_all_of(
                tx: &mut sqlx::Transaction<'_, $db>,
                head: (i64, String),
                people: &[i64],
                evidence: &Evidence,
                now: DateTime<Utc>,
            ) -> Result<usize, StorageError> {
                Self::mark_all_of(tx, head, people, ConsentEvent::Withdrawn, &["pending", "given"], evidence, now).await
            }

            /// Appends `event` for every consent of `people` whose state is
            /// one of `statuses`: one ledger row each, after `head` (from
            /// [`Self::lock_chain`] in the same transaction). Returns how
            /// many.
            pub(crate) async fn mark_all_of(
                tx: &mut sqlx::Transaction<'_, $db>,
                head: (i64, String),
                people: &[i64],
                event: ConsentEvent,
                statuses: &[&str],
                evidence: &Evidence,
                now: DateTime<Utc>,
            ) -> Result<usize, StorageError> {
                if people.is_empty() {
                    return Ok(0);
                }
                let sql = format!(
                    "SELECT s.person_id, s.purpose_id, p.channel, s.text_sha256 FROM consent_state s \
                     JOIN consent_purposes p ON p.id = s.purpose_id \
                     WHERE s.person_id IN ({}) AND s.status IN ({}) \
                     ORDER BY s.person_id, s.purpose_id",
                    (1..=people.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", "),
                    statuses.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
                );
                let mut query = sqlx::query_as::<_, (i64, i64, String, String)>(&sql);
                for id in people {
                    query = query.bind(*id);
                }
                let entries: Vec<Entry> = query
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(storage_error)?
                    .into_iter()
                    .map(|(person_id, purpose_id, channel, text_sha256)| Entry {
                        person_id,
                        purpose_id,
                        channel,
                        event,
                        text_sha256,
                        form_version_id: None,
                    })
                    .collect();
                Self::append(tx, head, &with(&entries, evidence), now).await?;
                Ok(entries.len())
            }

            /// Publishes `draft` as the form's next version if it differs
            /// from the current one (by the SHA-256 of its canonical text).
            async fn publish_form(
                tx: &mut sqlx::Transaction<'_, $db>,
                form_id: i64,
                current: i64,
                draft: &FormDraft,
                by: i64,
                now: DateTime<Utc>,
            ) -> Result<(), StorageError> {
                let texts: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT p.id, t.sha256 FROM consent_purposes p JOIN consent_texts t \
                     ON t.purpose_id = p.id AND t.version = p.current_version AND t.language = $1 \
                     WHERE p.archived_at IS NULL",
                )
                .bind(draft.language.code())
                .fetch_all(&mut **tx)
                .await
                .map_err(storage_error)?;
                let texts: HashMap<i64, String> = texts.into_iter().collect();
                let mut offered = Vec::with_capacity(draft.purpose_ids.len());
                for id in &draft.purpose_ids {
                    let sha = texts
                        .get(id)
                        .ok_or_else(|| StorageError::Missing(format!("consent purpose {id}")))?;
                    offered.push((*id, sha.clone()));
                }
                let sha = sha256_hex(&draft.canonical(&offered));
                let current_sha: Option<String> = sqlx::query_scalar(
                    "SELECT sha256 FROM consent_form_versions WHERE form_id = $1 AND version = $2",
                )
                .bind(form_id)
                .bind(current)
                .fetch_optional(&mut **tx)
                .await
                .map_err(storage_error)?;
                if current_sha.as_deref() == Some(sha.as_str()) {
                    return Ok(());
                }
                sqlx::query(
                    "INSERT INTO consent_form_versions (form_id, version, language, title, intro, thanks, \
                     privacy_url, fields, purposes, sha256, published_at, published_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(form_id)
                .bind(current + 1)
                .bind(draft.language.code())
                .bind(&draft.title)
                .bind(&draft.intro)
                .bind(&draft.thanks)
                .bind(&draft.privacy_url)
                .bind(draft.fields.iter().map(|f| f.key()).collect::<Vec<_>>().join(","))
                .bind(join_ids(&draft.purpose_ids))
                .bind(&sha)
                .bind(now)
                .bind(by)
                .execute(&mut **tx)
                .await
                .map_err(storage_error)?;
                sqlx::query("UPDATE consent_forms SET current_version = $1, updated_at = $2 WHERE id = $3")
                    .bind(current + 1)
                    .bind(now)
                    .bind(form_id)
                    .execute(&mut **tx)
                    .await
                    .map_err(storage_error)?;
                Ok(())
            }

            /// The forms (not archived) whose current version offers the
            /// purpose, as drafts with their current version number.
            async fn forms_offering(
                tx: &mut sqlx::Transaction<'_, $db>,
                purpose_id: i64,
            ) -> Result<Vec<(i64, i64, FormDraft)>, StorageError> {
                let rows = sqlx::query(&format!(
                    "SELECT {FORM_COLUMNS} FROM consent_forms f JOIN consent_form_versions v \
                     ON v.form_id = f.id AND v.version = f.current_version WHERE f.archived_at IS NULL"
                ))
                .fetch_all(&mut **tx)
                .await
                .map_err(storage_error)?;
                let mut found = Vec::new();
                for row in &rows {
                    let draft = stored_draft(row)?;
                    if draft.purpose_ids.contains(&purpose_id) {
                        found.push((
                            row.try_get("form_id").map_err(storage_error)?,
                            row.try_get("version").map_err(storage_error)?,
                            draft,
                        ));
                    }
                }
                Ok(found)
            }
        }

        #[async_trait]
        impl ConsentStore for SqlConsent<$db> {
            #[tracing::instrument(skip(self), err)]
            async fn purposes(&self) -> Result<Vec<PurposeView>, StorageError> {
                let rows = sqlx::query(
                    "SELECT p.id, p.key, p.name_en, p.name_fr, p.channel, p.legal_basis, p.retention_months, \
                     p.partners, p.current_version, p.archived_at IS NOT NULL AS archived, \
                     COALESCE(te.body, '') AS text_en, COALESCE(te.sha256, '') AS sha_en, \
                     COALESCE(tf.body, '') AS text_fr, COALESCE(tf.sha256, '') AS sha_fr \
                     FROM consent_purposes p \
                     LEFT JOIN consent_texts te ON te.purpose_id = p.id AND te.version = p.current_version AND te.language = 'en' \
                     LEFT JOIN consent_texts tf ON tf.purpose_id = p.id AND tf.version = p.current_version AND tf.language = 'fr' \
                     ORDER BY p.archived_at IS NOT NULL, p.name_en, p.id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        let get = |name: &str| -> Result<String, StorageError> { row.try_get(name).map_err(storage_error) };
                        Ok(PurposeView {
                            id: row.try_get("id").map_err(storage_error)?,
                            key: get("key")?,
                            name_en: get("name_en")?,
                            name_fr: get("name_fr")?,
                            channel: Channel::parse(&get("channel")?).map_err(|_| corrupt("channel"))?,
                            legal_basis: LegalBasis::parse(&get("legal_basis")?).map_err(|_| corrupt("legal_basis"))?,
                            retention_months: row.try_get("retention_months").map_err(storage_error)?,
                            partners: get("partners")?.lines().map(str::to_owned).filter(|l| !l.is_empty()).collect(),
                            version: row.try_get("current_version").map_err(storage_error)?,
                            text_en: get("text_en")?,
                            text_fr: get("text_fr")?,
                            sha256_en: get("sha_en")?,
                            sha256_fr: get("sha_fr")?,
                            archived: row.try_get("archived").map_err(storage_error)?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self, draft), fields(key = %draft.key), err)]
            async fn save_purpose(&self, id: Option<i64>, draft: &PurposeDraft, by: i64) -> Result<i64, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let taken = |e: sqlx::Error| {
                    if is_unique_violation(&e) {
                        StorageError::Conflict("consent_purposes.key".into())
                    } else {
                        storage_error(e)
                    }
                };
                let (id, current): (i64, i64) = match id {
                    None => sqlx::query_as(
                        "INSERT INTO consent_purposes (key, name_en, name_fr, channel, legal_basis, retention_months, \
                         partners, current_version, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8) RETURNING id, current_version",
                    )
                    .bind(draft.key.as_str())
                    .bind(&draft.name_en)
                    .bind(&draft.name_fr)
                    .bind(draft.channel.key())
                    .bind(draft.legal_basis.key())
                    .bind(draft.retention_months)
                    .bind(draft.partners.join("\n"))
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(taken)?,
                    Some(id) => sqlx::query_as(
                        "UPDATE consent_purposes SET key = $1, name_en = $2, name_fr = $3, channel = $4, \
                         legal_basis = $5, retention_months = $6, partners = $7, updated_at = $8 \
                         WHERE id = $9 RETURNING id, current_version",
                    )
                    .bind(draft.key.as_str())
                    .bind(&draft.name_en)
                    .bind(&draft.name_fr)
                    .bind(draft.channel.key())
                    .bind(draft.legal_basis.key())
                    .bind(draft.retention_months)
                    .bind(draft.partners.join("\n"))
                    .bind(now)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(taken)?
                    .ok_or_else(|| StorageError::Missing(format!("consent purpose {id}")))?,
                };
                let texts: Vec<(String, String)> = sqlx::query_as(
                    "SELECT language, body FROM consent_texts WHERE purpose_id = $1 AND version = $2",
                )
                .bind(id)
                .bind(current)
                .fetch_all(&mut *tx)
                .await
                .map_err(storage_error)?;
                let text_of = |lang: &str| texts.iter().find(|(l, _)| l == lang).map(|(_, b)| b.as_str());
                if text_of("en") != Some(draft.text_en.as_str()) || text_of("fr") != Some(draft.text_fr.as_str()) {
                    for (lang, body) in [("en", &draft.text_en), ("fr", &draft.text_fr)] {
                        sqlx::query(
                            "INSERT INTO consent_texts (purpose_id, version, language, body, sha256, published_at, published_by) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(id)
                        .bind(current + 1)
                        .bind(lang)
                        .bind(body)
                        .bind(sha256_hex(body))
                        .bind(now)
                        .bind(by)
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                    }
                    sqlx::query("UPDATE consent_purposes SET current_version = $1 WHERE id = $2")
                        .bind(current + 1)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                    // The forms offering it show the new text from now on:
                    // each publishes a version naming it.
                    for (form_id, version, form) in Self::forms_offering(&mut tx, id).await? {
                        Self::publish_form(&mut tx, form_id, version, &form, by, now).await?;
                    }
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(id)
            }

            #[tracing::instrument(skip(self), err)]
            async fn set_purpose_archived(&self, id: i64, archived: bool) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                if archived && !Self::forms_offering(&mut tx, id).await?.is_empty() {
                    return Err(StorageError::Conflict("consent purpose offered by a form".into()));
                }
                let done = sqlx::query(
                    "UPDATE consent_purposes SET archived_at = CASE WHEN $1 THEN $2 ELSE NULL END WHERE id = $3",
                )
                .bind(archived)
                .bind(Utc::now())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?
                .rows_affected()
                    > 0;
                tx.commit().await.map_err(storage_error)?;
                Ok(done)
            }

            #[tracing::instrument(skip(self), err)]
            async fn forms(&self) -> Result<Vec<FormSummary>, StorageError> {
                let names: HashMap<i64, (String, String)> = sqlx::query_as::<_, (i64, String, String)>(
                    "SELECT id, name_en, name_fr FROM consent_purposes",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?
                .into_iter()
                .map(|(id, en, fr)| (id, (en, fr)))
                .collect();
                let rows = sqlx::query(
                    "SELECT f.id, f.slug, v.title, f.current_version, v.language, v.purposes, \
                     f.archived_at IS NOT NULL AS archived FROM consent_forms f JOIN consent_form_versions v \
                     ON v.form_id = f.id AND v.version = f.current_version ORDER BY f.archived_at IS NOT NULL, f.slug",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        let language = locale(&row.try_get::<String, _>("language").map_err(storage_error)?)?;
                        let purposes = ids(&row.try_get::<String, _>("purposes").map_err(storage_error)?)
                            .into_iter()
                            .filter_map(|id| names.get(&id))
                            .map(|(en, fr)| if language == Locale::Fr { fr.clone() } else { en.clone() })
                            .collect();
                        Ok(FormSummary {
                            id: row.try_get("id").map_err(storage_error)?,
                            slug: row.try_get("slug").map_err(storage_error)?,
                            title: row.try_get("title").map_err(storage_error)?,
                            version: row.try_get("current_version").map_err(storage_error)?,
                            language,
                            purposes,
                            archived: row.try_get("archived").map_err(storage_error)?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn form(&self, id: i64) -> Result<Option<(FormDraft, i64)>, StorageError> {
                let row = sqlx::query(&format!(
                    "SELECT {FORM_COLUMNS} FROM consent_forms f JOIN consent_form_versions v \
                     ON v.form_id = f.id AND v.version = f.current_version WHERE f.id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?;
                row.map(|row| Ok((stored_draft(&row)?, row.try_get("version").map_err(storage_error)?)))
                    .transpose()
            }

            #[tracing::instrument(skip(self, draft), fields(slug = %draft.slug), err)]
            async fn save_form(&self, id: Option<i64>, draft: &FormDraft, by: i64) -> Result<i64, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let taken = |e: sqlx::Error| {
                    if is_unique_violation(&e) {
                        StorageError::Conflict("consent_forms.slug".into())
                    } else {
                        storage_error(e)
                    }
                };
                let origins = draft.frame_ancestors.join(" ");
                let (id, current): (i64, i64) = match id {
                    None => sqlx::query_as(
                        "INSERT INTO consent_forms (slug, owner_id, frame_ancestors, current_version, created_at, updated_at) \
                         VALUES ($1, $2, $3, 0, $4, $4) RETURNING id, current_version",
                    )
                    .bind(draft.slug.as_str())
                    .bind(draft.owner_id)
                    .bind(&origins)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(taken)?,
                    Some(id) => sqlx::query_as(
                        "UPDATE consent_forms SET slug = $1, owner_id = $2, frame_ancestors = $3, updated_at = $4 \
                         WHERE id = $5 RETURNING id, current_version",
                    )
                    .bind(draft.slug.as_str())
                    .bind(draft.owner_id)
                    .bind(&origins)
                    .bind(now)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(taken)?
                    .ok_or_else(|| StorageError::Missing(format!("consent form {id}")))?,
                };
                Self::publish_form(&mut tx, id, current, draft, by, now).await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(id)
            }

            #[tracing::instrument(skip(self), err)]
            async fn set_form_archived(&self, id: i64, archived: bool) -> Result<bool, StorageError> {
                Ok(sqlx::query(
                    "UPDATE consent_forms SET archived_at = CASE WHEN $1 THEN $2 ELSE NULL END WHERE id = $3",
                )
                .bind(archived)
                .bind(Utc::now())
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(storage_error)?
                .rows_affected()
                    > 0)
            }

            #[tracing::instrument(skip(self), err)]
            async fn public_form(&self, slug: &str) -> Result<Option<PublicForm>, StorageError> {
                let Some(row) = sqlx::query(&format!(
                    "SELECT {FORM_COLUMNS} FROM consent_forms f JOIN consent_form_versions v \
                     ON v.form_id = f.id AND v.version = f.current_version \
                     WHERE f.slug = $1 AND f.archived_at IS NULL"
                ))
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?
                else {
                    return Ok(None);
                };
                let draft = stored_draft(&row)?;
                let texts = sqlx::query(
                    "SELECT p.id, p.name_en, p.name_fr, p.channel, t.id AS text_id, t.body, t.sha256 \
                     FROM consent_purposes p JOIN consent_texts t ON t.purpose_id = p.id \
                     AND t.version = p.current_version AND t.language = $1 WHERE p.archived_at IS NULL",
                )
                .bind(draft.language.code())
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                let mut purposes = Vec::with_capacity(draft.purpose_ids.len());
                for id in &draft.purpose_ids {
                    let Some(text) = texts.iter().find(|t| t.try_get::<i64, _>("id").ok() == Some(*id)) else {
                        continue;
                    };
                    let get = |name: &str| -> Result<String, StorageError> { text.try_get(name).map_err(storage_error) };
                    purposes.push(OfferedPurpose {
                        purpose_id: *id,
                        name_en: get("name_en")?,
                        name_fr: get("name_fr")?,
                        channel: Channel::parse(&get("channel")?).map_err(|_| corrupt("channel"))?,
                        text_id: text.try_get("text_id").map_err(storage_error)?,
                        text: get("body")?,
                        text_sha256: get("sha256")?,
                    });
                }
                Ok(Some(PublicForm {
                    form_id: row.try_get("form_id").map_err(storage_error)?,
                    slug: draft.slug.to_string(),
                    version_id: row.try_get("version_id").map_err(storage_error)?,
                    version: row.try_get("version").map_err(storage_error)?,
                    language: draft.language,
                    title: draft.title,
                    intro: draft.intro,
                    thanks: draft.thanks,
                    privacy_url: draft.privacy_url,
                    fields: draft.fields,
                    purposes,
                    owner_id: draft.owner_id,
                    frame_ancestors: draft.frame_ancestors,
                }))
            }

            #[tracing::instrument(skip_all, err)]
            async fn language_of(&self, email_key: &str) -> Result<Option<Option<Locale>>, StorageError> {
                let found: Option<Option<String>> = sqlx::query_scalar(
                    "SELECT p.language FROM person_emails e JOIN people p ON p.id = e.person_id \
                     WHERE e.address_key = $1 ORDER BY p.id LIMIT 1",
                )
                .bind(email_key)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(found.map(|l| l.and_then(|l| Locale::from_tag(&l))))
            }

            #[tracing::instrument(skip_all, fields(count = subs.len()), err)]
            async fn submit_many(&self, subs: &[NewSubmission]) -> Result<Vec<Recorded>, StorageError> {
                self.record_batch(subs).await
            }

            #[tracing::instrument(skip_all, fields(kind), err)]
            async fn link(&self, token_hash: &str, kind: &str) -> Result<LinkState, StorageError> {
                let mut conn = self.pool.acquire().await.map_err(storage_error)?;
                link_state(&mut *conn, token_hash, kind, Utc::now()).await
            }

            #[tracing::instrument(skip_all, err)]
            async fn confirm(&self, token_hash: &str, evidence: &Evidence) -> Result<LinkState, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let head = Self::lock_chain(&mut tx).await?;
                let state = link_state(&mut *tx, token_hash, "confirm", now).await?;
                let LinkState::Valid { person_id, .. } = &state else {
                    return Ok(state);
                };
                let ledger_ids: String = sqlx::query_scalar("SELECT ledger_ids FROM consent_tokens WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                // Only what is still pending: a consent withdrawn since, or
                // confirmed through another mail, stays as it is.
                let ledger_ids = ids(&ledger_ids);
                let rows = ledger_with_state(&mut *tx, &ledger_ids).await?;
                let entries: Vec<Entry> = ledger_ids
                    .iter()
                    .filter_map(|id| rows.get(id))
                    .filter(|row| row.status == ConsentStatus::Pending)
                    .map(|row| Entry {
                        person_id: *person_id,
                        purpose_id: row.purpose_id,
                        channel: row.channel.clone(),
                        event: ConsentEvent::Confirmed,
                        text_sha256: row.text_sha256.clone(),
                        form_version_id: row.form_version_id,
                    })
                    .collect();
                Self::append(&mut tx, head, &with(&entries, evidence), now).await?;
                sqlx::query("UPDATE consent_tokens SET used_at = $1 WHERE token_hash = $2")
                    .bind(now)
                    .bind(token_hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                // Confirming is a contact the person initiated: the
                // retention clock starts again from it.
                sqlx::query(
                    "UPDATE people SET last_inbound_at = $1 WHERE id = $2 AND (last_inbound_at IS NULL OR last_inbound_at < $1)",
                )
                .bind(now)
                .bind(person_id)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?;
                tx.commit().await.map_err(storage_error)?;
                Ok(state)
            }

            #[tracing::instrument(skip(self, evidence), err)]
            async fn withdraw(&self, person_id: i64, purpose_ids: &[i64], evidence: &Evidence) -> Result<Vec<i64>, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let head = Self::lock_chain(&mut tx).await?;
                let rows: Vec<(i64, String, String)> = sqlx::query_as(
                    "SELECT s.purpose_id, p.channel, s.text_sha256 FROM consent_state s \
                     JOIN consent_purposes p ON p.id = s.purpose_id \
                     WHERE s.person_id = $1 AND s.status IN ('pending', 'given') ORDER BY s.purpose_id",
                )
                .bind(person_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(storage_error)?;
                let entries: Vec<Entry> = rows
                    .into_iter()
                    .filter(|(id, _, _)| purpose_ids.is_empty() || purpose_ids.contains(id))
                    .map(|(purpose_id, channel, text_sha256)| Entry {
                        person_id,
                        purpose_id,
                        channel,
                        event: ConsentEvent::Withdrawn,
                        text_sha256,
                        form_version_id: None,
                    })
                    .collect();
                Self::append(&mut tx, head, &with(&entries, evidence), now).await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(entries.iter().map(|e| e.purpose_id).collect())
            }

            #[tracing::instrument(skip(self), err)]
            async fn of_person(&self, person_id: i64, locale: Locale) -> Result<(Vec<ConsentNow>, Vec<ConsentEntry>), StorageError> {
                let name = if locale == Locale::Fr { "p.name_fr" } else { "p.name_en" };
                let now_rows = sqlx::query(&format!(
                    "SELECT s.purpose_id, {name} AS name, p.channel, s.status, s.updated_at \
                     FROM consent_state s JOIN consent_purposes p ON p.id = s.purpose_id \
                     WHERE s.person_id = $1 ORDER BY {name}"
                ))
                .bind(person_id)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                let now = now_rows
                    .iter()
                    .map(|row| {
                        Ok(ConsentNow {
                            purpose_id: row.try_get("purpose_id").map_err(storage_error)?,
                            purpose_name: row.try_get("name").map_err(storage_error)?,
                            channel: Channel::parse(&row.try_get::<String, _>("channel").map_err(storage_error)?)
                                .map_err(|_| corrupt("channel"))?,
                            status: ConsentStatus::parse(&row.try_get::<String, _>("status").map_err(storage_error)?)
                                .map_err(|_| corrupt("status"))?,
                            since_ms: row.try_get::<DateTime<Utc>, _>("updated_at").map_err(storage_error)?.timestamp_millis(),
                        })
                    })
                    .collect::<Result<Vec<_>, StorageError>>()?;
                let history_rows = sqlx::query(&format!(
                    "SELECT l.id, l.purpose_id, {name} AS name, l.channel, l.event, l.occurred_at, l.text_sha256, \
                     f.slug, v.version, l.hash FROM consent_ledger l JOIN consent_purposes p ON p.id = l.purpose_id \
                     LEFT JOIN consent_form_versions v ON v.id = l.form_version_id \
                     LEFT JOIN consent_forms f ON f.id = v.form_id \
                     WHERE l.person_id = $1 ORDER BY l.id DESC LIMIT 500"
                ))
                .bind(person_id)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                let history = history_rows
                    .iter()
                    .map(|row| {
                        let slug: Option<String> = row.try_get("slug").map_err(storage_error)?;
                        let version: Option<i64> = row.try_get("version").map_err(storage_error)?;
                        Ok(ConsentEntry {
                            ledger_id: row.try_get("id").map_err(storage_error)?,
                            purpose_id: row.try_get("purpose_id").map_err(storage_error)?,
                            purpose_name: row.try_get("name").map_err(storage_error)?,
                            channel: Channel::parse(&row.try_get::<String, _>("channel").map_err(storage_error)?)
                                .map_err(|_| corrupt("channel"))?,
                            event: ConsentEvent::parse(&row.try_get::<String, _>("event").map_err(storage_error)?)
                                .map_err(|_| corrupt("event"))?,
                            at_ms: millis(&row.try_get::<String, _>("occurred_at").map_err(storage_error)?),
                            text_sha256: row.try_get("text_sha256").map_err(storage_error)?,
                            form: slug.zip(version).map(|(s, v)| format!("{s} v{v}")),
                            hash: row.try_get("hash").map_err(storage_error)?,
                        })
                    })
                    .collect::<Result<Vec<_>, StorageError>>()?;
                Ok((now, history))
            }

            #[tracing::instrument(skip(self), err)]
            async fn proof(&self, person_id: i64) -> Result<ProofData, StorageError> {
                let rows = sqlx::query(&format!("SELECT {LEDGER_COLUMNS} FROM consent_ledger WHERE person_id = $1 ORDER BY id"))
                    .bind(person_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                let rows = rows.iter().map(|r| ledger_row(r)).collect::<Result<Vec<_>, _>>()?;
                let texts = sqlx::query(
                    "SELECT sha256, purpose_id, version, language, body, published_at FROM consent_texts \
                     WHERE sha256 IN (SELECT text_sha256 FROM consent_ledger WHERE person_id = $1) ORDER BY id",
                )
                .bind(person_id)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?
                .iter()
                .map(|r| {
                    Ok(ProofText {
                        sha256: r.try_get("sha256").map_err(storage_error)?,
                        purpose_id: r.try_get("purpose_id").map_err(storage_error)?,
                        version: r.try_get("version").map_err(storage_error)?,
                        language: r.try_get("language").map_err(storage_error)?,
                        body: r.try_get("body").map_err(storage_error)?,
                        published_at: r.try_get("published_at").map_err(storage_error)?,
                    })
                })
                .collect::<Result<Vec<_>, StorageError>>()?;
                let forms = sqlx::query(
                    "SELECT v.id, f.slug, v.version, v.language, v.title, v.sha256, v.published_at \
                     FROM consent_form_versions v JOIN consent_forms f ON f.id = v.form_id \
                     WHERE v.id IN (SELECT form_version_id FROM consent_ledger WHERE person_id = $1) ORDER BY v.id",
                )
                .bind(person_id)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?
                .iter()
                .map(|r| {
                    Ok(ProofForm {
                        id: r.try_get("id").map_err(storage_error)?,
                        slug: r.try_get("slug").map_err(storage_error)?,
                        version: r.try_get("version").map_err(storage_error)?,
                        language: r.try_get("language").map_err(storage_error)?,
                        title: r.try_get("title").map_err(storage_error)?,
                        sha256: r.try_get("sha256").map_err(storage_error)?,
                        published_at: r.try_get("published_at").map_err(storage_error)?,
                    })
                })
                .collect::<Result<Vec<_>, StorageError>>()?;
                Ok(ProofData { rows, texts, forms })
            }

            #[tracing::instrument(skip(self), err)]
            async fn ledger_after(&self, after_id: i64, limit: i64) -> Result<Vec<LedgerRow>, StorageError> {
                let rows = sqlx::query(&format!("SELECT {LEDGER_COLUMNS} FROM consent_ledger WHERE id > $1 ORDER BY id LIMIT $2"))
                    .bind(after_id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                rows.iter().map(|r| ledger_row(r)).collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn chain_head(&self) -> Result<(i64, String), StorageError> {
                sqlx::query_as("SELECT last_id, last_hash FROM consent_chain WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(storage_error)
            }

            #[tracing::instrument(skip(self), err)]
            async fn rebuild_state(&self) -> Result<u64, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                Self::lock_chain(&mut tx).await?;
                let mut state: HashMap<(i64, i64), (ConsentStatus, i64, String, String)> = HashMap::new();
                let mut after = 0;
                loop {
                    let rows: Vec<(i64, i64, i64, String, String, String)> = sqlx::query_as(
                        "SELECT id, person_id, purpose_id, event, text_sha256, occurred_at FROM consent_ledger \
                         WHERE id > $1 ORDER BY id LIMIT 5000",
                    )
                    .bind(after)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                    let Some(last) = rows.last() else { break };
                    after = last.0;
                    for (id, person, purpose, event, sha, at) in rows {
                        let event = ConsentEvent::parse(&event).map_err(|_| corrupt("consent_ledger.event"))?;
                        let before = state.get(&(person, purpose)).map(|s| s.0);
                        if let Some(now) = ConsentStatus::after(before, event).filter(|a| Some(*a) != before) {
                            state.insert((person, purpose), (now, id, sha, at));
                        }
                    }
                }
                sqlx::query("DELETE FROM consent_state").execute(&mut *tx).await.map_err(storage_error)?;
                for ((person, purpose), (status, id, sha, at)) in &state {
                    let at = DateTime::parse_from_rfc3339(at).map_err(|_| corrupt("consent_ledger.occurred_at"))?.with_timezone(&Utc);
                    sqlx::query(
                        "INSERT INTO consent_state (person_id, purpose_id, status, ledger_id, text_sha256, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(person)
                    .bind(purpose)
                    .bind(status.key())
                    .bind(id)
                    .bind(sha)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(state.len() as u64)
            }

            #[tracing::instrument(skip(self), err)]
            async fn expire_pending(&self, now: DateTime<Utc>) -> Result<u64, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let head = Self::lock_chain(&mut tx).await?;
                let links: Vec<(String, String)> = sqlx::query_as(
                    "SELECT token_hash, ledger_ids FROM consent_tokens \
                     WHERE kind = 'confirm' AND used_at IS NULL AND expires_at < $1 LIMIT 1000",
                )
                .bind(now)
                .fetch_all(&mut *tx)
                .await
                .map_err(storage_error)?;
                let all: Vec<i64> = links.iter().flat_map(|(_, ledger_ids)| ids(ledger_ids)).collect();
                let rows = ledger_with_state(&mut *tx, &all).await?;
                let mut entries: Vec<Entry> = Vec::new();
                for row in all.iter().filter_map(|id| rows.get(id)) {
                    if row.status == ConsentStatus::Pending
                        && !entries.iter().any(|e| e.person_id == row.person_id && e.purpose_id == row.purpose_id)
                    {
                        entries.push(Entry {
                            person_id: row.person_id,
                            purpose_id: row.purpose_id,
                            channel: row.channel.clone(),
                            event: ConsentEvent::Expired,
                            text_sha256: row.text_sha256.clone(),
                            form_version_id: row.form_version_id,
                        });
                    }
                }
                // Spent: their state reads "expired" from now on.
                for chunk in links.chunks(ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "UPDATE consent_tokens SET used_at = ${} WHERE token_hash IN ({})",
                        chunk.len() + 1,
                        in_list(chunk.len())
                    );
                    let mut query = sqlx::query(&sql);
                    for (hash, _) in chunk {
                        query = query.bind(hash);
                    }
                    query.bind(now).execute(&mut *tx).await.map_err(storage_error)?;
                }
                let evidence = Evidence { source_addr: String::new(), user_agent: "accord".into() };
                Self::append(&mut tx, head, &with(&entries, &evidence), now).await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(entries.len() as u64)
            }

            #[tracing::instrument(skip(self), err)]
            async fn truncate_evidence(&self, now: DateTime<Utc>, limit: i64) -> Result<u64, StorageError> {
                let purposes: Vec<(i64, i64)> = sqlx::query_as("SELECT id, retention_months FROM consent_purposes")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                let mut done = 0u64;
                for (purpose_id, months) in purposes {
                    let Some(cutoff) = now.checked_sub_months(chrono::Months::new(months as u32)) else { continue };
                    // Canonical times are fixed-width text: they compare in
                    // time order.
                    let rows: Vec<(i64, String)> = sqlx::query_as(
                        "SELECT e.ledger_id, e.source_addr FROM consent_evidence e \
                         JOIN consent_ledger l ON l.id = e.ledger_id \
                         WHERE e.truncated_at IS NULL AND l.purpose_id = $1 AND l.occurred_at < $2 \
                         ORDER BY e.ledger_id LIMIT $3",
                    )
                    .bind(purpose_id)
                    .bind(canonical_time(cutoff))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                    for (ledger_id, addr) in rows {
                        sqlx::query("UPDATE consent_evidence SET source_addr = $1, truncated_at = $2 WHERE ledger_id = $3")
                            .bind(truncate_address(&addr))
                            .bind(now)
                            .bind(ledger_id)
                            .execute(&self.pool)
                            .await
                            .map_err(storage_error)?;
                        done += 1;
                    }
                }
                Ok(done)
            }

            #[tracing::instrument(skip(self), err)]
            async fn may_send(&self, person_id: i64, purpose_id: i64) -> Result<bool, StorageError> {
                // A person whose processing is restricted gets nothing,
                // whatever they consented to.
                let status: Option<String> = sqlx::query_scalar(
                    "SELECT s.status FROM consent_state s JOIN people p ON p.id = s.person_id \
                     WHERE s.person_id = $1 AND s.purpose_id = $2 AND p.restricted_at IS NULL",
                )
                .bind(person_id)
                .bind(purpose_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(status.as_deref() == Some(ConsentStatus::Given.key()))
            }

            #[tracing::instrument(skip(self), err)]
            async fn outbox(&self, limit: i64) -> Result<Vec<OutboxMail>, StorageError> {
                let rows = sqlx::query(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(storage_error)?;
                rows.iter().map(|r| outbox_mail(r)).collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn claim_mail(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64) -> Result<Vec<OutboxMail>, StorageError> {
                // The outer condition is checked again on PostgreSQL when a
                // row was claimed meanwhile by another instance: it then no
                // longer holds, and the row is left to that instance.
                let rows = sqlx::query(&format!(
                    "UPDATE outbox SET next_attempt_at = $2, attempts = attempts + 1 \
                     WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $3) \
                     AND sent_at IS NULL AND next_attempt_at <= $1 RETURNING {OUTBOX_COLUMNS}"
                ))
                .bind(now)
                .bind(lease_until)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter().map(|r| outbox_mail(r)).collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn mail_sent(&self, id: i64, at: DateTime<Utc>) -> Result<(), StorageError> {
                sqlx::query("UPDATE outbox SET sent_at = $1, body = '', last_error = '' WHERE id = $2")
                    .bind(at)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(())
            }

            #[tracing::instrument(skip(self), err)]
            async fn mail_failed(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<(), StorageError> {
                sqlx::query("UPDATE outbox SET last_error = $1, next_attempt_at = $2 WHERE id = $3")
                    .bind(error)
                    .bind(retry_at)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(())
            }

            #[tracing::instrument(skip_all, err)]
            async fn count_submission(&self, addr_key: &str, window_start: i64) -> Result<i64, StorageError> {
                sqlx::query_scalar(COUNT_SUBMISSION)
                .bind(addr_key)
                .bind(window_start)
                .fetch_one(&self.pool)
                .await
                .map_err(storage_error)
            }

            #[tracing::instrument(skip(self), err)]
            async fn prune_rate_limits(&self, before: i64) -> Result<u64, StorageError> {
                Ok(sqlx::query("DELETE FROM form_rate_limits WHERE window_start < $1")
                    .bind(before)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?
                    .rows_affected())
            }
        }

        /// The ledger rows `ids`, each with its purpose's current state
        /// for its person, by id: one statement per `ROWS_PER_STATEMENT`
        /// ids rather than one per row (expiry reads up to a thousand
        /// links at once, under the chain's lock).
        async fn ledger_with_state(
            conn: &mut <$db as Database>::Connection,
            ids: &[i64],
        ) -> Result<HashMap<i64, LedgerWithState>, StorageError> {
            let mut found = HashMap::with_capacity(ids.len());
            for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                let sql = format!(
                    "SELECT l.id, l.person_id, l.purpose_id, l.channel, l.text_sha256, l.form_version_id, s.status \
                     FROM consent_ledger l JOIN consent_state s ON s.person_id = l.person_id AND s.purpose_id = l.purpose_id \
                     WHERE l.id IN ({})",
                    in_list(chunk.len())
                );
                let mut query = sqlx::query_as::<_, (i64, i64, i64, String, String, Option<i64>, String)>(&sql);
                for id in chunk {
                    query = query.bind(*id);
                }
                for (id, person_id, purpose_id, channel, text_sha256, form_version_id, status) in
                    query.fetch_all(&mut *conn).await.map_err(storage_error)?
                {
                    let status = ConsentStatus::parse(&status).map_err(|_| corrupt("consent_state.status"))?;
                    found.insert(id, LedgerWithState { person_id, purpose_id, channel, text_sha256, form_version_id, status });
                }
            }
            Ok(found)
        }

        /// A link's state as of `now`, read on any connection.
        async fn link_state(
            conn: &mut <$db as Database>::Connection,
            token_hash: &str,
            kind: &str,
            now: DateTime<Utc>,
        ) -> Result<LinkState, StorageError> {
            let row: Option<(i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>, String, Option<String>)> = sqlx::query_as(
                "SELECT t.person_id, t.expires_at, t.used_at, t.ledger_ids, p.language FROM consent_tokens t \
                 JOIN people p ON p.id = t.person_id WHERE t.token_hash = $1 AND t.kind = $2",
            )
            .bind(token_hash)
            .bind(kind)
            .fetch_optional(&mut *conn)
            .await
            .map_err(storage_error)?;
            let Some((person_id, expires_at, used_at, ledger_ids, language)) = row else {
                return Ok(LinkState::Unknown);
            };
            let expired_at_use = matches!((expires_at, used_at), (Some(e), Some(u)) if u >= e);
            if expired_at_use || (used_at.is_none() && expires_at.is_some_and(|e| e < now)) {
                return Ok(LinkState::Expired);
            }
            if used_at.is_some() {
                return Ok(LinkState::Used);
            }
            let language = language.and_then(|l| Locale::from_tag(&l)).unwrap_or_default();
            let name = if language == Locale::Fr { "p.name_fr" } else { "p.name_en" };
            let ledger_ids = ids(&ledger_ids);
            let sql = format!(
                "SELECT p.id, {name} FROM consent_ledger l JOIN consent_purposes p ON p.id = l.purpose_id \
                 WHERE l.id IN ({}) ORDER BY l.id",
                in_list(ledger_ids.len())
            );
            let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
            for id in &ledger_ids {
                query = query.bind(*id);
            }
            let purposes =
                if ledger_ids.is_empty() { Vec::new() } else { query.fetch_all(&mut *conn).await.map_err(storage_error)? };
            Ok(LinkState::Valid { person_id, purposes, language })
        }
    };
}

/// Counts one submission in its address's window; returns the count.
pub(crate) const COUNT_SUBMISSION: &str = "INSERT INTO form_rate_limits (addr_key, window_start, count) VALUES ($1, $2, 1) \
     ON CONFLICT (addr_key, window_start) DO UPDATE SET count = form_rate_limits.count + 1 RETURNING count";

/// The ledger's columns, as [`ledger_row`] reads them.
const LEDGER_COLUMNS: &str = "id, person_id, purpose_id, channel, event, text_sha256, form_version_id, \
     occurred_at, evidence_digest, prev_hash, hash";

fn ledger_row<'r, R>(row: &'r R) -> Result<LedgerRow, StorageError>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(LedgerRow {
        id: row.try_get("id").map_err(storage_error)?,
        person_id: row.try_get("person_id").map_err(storage_error)?,
        purpose_id: row.try_get("purpose_id").map_err(storage_error)?,
        channel: row.try_get("channel").map_err(storage_error)?,
        event: row.try_get("event").map_err(storage_error)?,
        text_sha256: row.try_get("text_sha256").map_err(storage_error)?,
        form_version_id: row.try_get("form_version_id").map_err(storage_error)?,
        occurred_at: row.try_get("occurred_at").map_err(storage_error)?,
        evidence_digest: row.try_get("evidence_digest").map_err(storage_error)?,
        prev_hash: row.try_get("prev_hash").map_err(storage_error)?,
        hash: row.try_get("hash").map_err(storage_error)?,
    })
}

/// The outbox's columns, in the order [`outbox_mail`] reads them.
const OUTBOX_COLUMNS: &str =
    "id, recipient, subject, body, created_at, attempts, sent_at, last_error";

fn outbox_mail<'r, R>(row: &'r R) -> Result<OutboxMail, StorageError>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(OutboxMail {
        id: row.try_get("id").map_err(storage_error)?,
        recipient: row.try_get("recipient").map_err(storage_error)?,
        subject: row.try_get("subject").map_err(storage_error)?,
        body: row.try_get("body").map_err(storage_error)?,
        created_at: row.try_get("created_at").map_err(storage_error)?,
        attempts: row.try_get("attempts").map_err(storage_error)?,
        sent_at: row.try_get("sent_at").map_err(storage_error)?,
        last_error: row.try_get("last_error").map_err(storage_error)?,
    })
}

mod sqlite_impl {
    use super::*;
    sql_consent!(sqlx::Sqlite);
}

mod postgres_impl {
    use super::*;
    sql_consent!(sqlx::Postgres);
}
