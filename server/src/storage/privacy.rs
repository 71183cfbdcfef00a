//! Erasure by anonymisation and the retention clock's bookkeeping, one
//! SQL text for both backends (see `users.rs`); where they differ (the
//! people's full-text index) a small trait on the connection says how.

use crate::storage::consent::COUNT_SUBMISSION;
use crate::storage::consent::SqlConsent;
use crate::storage::people::corrupt;
use crate::storage::script::{RunScript, Script, Value};
use crate::storage::storage_error;
use app::domain::privacy::{
    RequestChange, RequestKind, RequestStatus, RequestView, extended_due_at,
};
use app::domain::retention::DueRule;
use app::i18n::Locale;
use app::server::storage::{
    Approaching, DuePerson, Erased, ErasureReason, Evidence, NewRequest, OutgoingMail,
    PrivacyStore, Received, Reminder, ReminderMail, RepermissionAsk, RepermissionLink, RequestLink,
    RetentionRun, StorageError,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Database, Pool, Row};
use std::collections::HashMap;

pub struct SqlPrivacy<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlPrivacy<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

/// The most people one erasure transaction takes.
pub const ERASE_AT_ONCE: usize = 200;

/// `$start, $start+1, …` for an `IN (…)` list of `n`.
fn list(n: usize, start: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn ids(people: &[i64]) -> Vec<Value> {
    people.iter().map(|id| (*id).into()).collect()
}

/// How each backend forgets a person's search document.
trait ForgetSearch {
    /// `SET` items added to the anonymising `UPDATE people`.
    const PEOPLE_SET: &'static str;
    /// A statement of its own, `$1…` the people's ids (None: nothing more).
    fn statement(n: usize) -> Option<String>;
}

impl ForgetSearch for sqlx::Sqlite {
    const PEOPLE_SET: &'static str = "";
    fn statement(n: usize) -> Option<String> {
        Some(format!(
            "DELETE FROM people_search WHERE rowid IN ({})",
            list(n, 1)
        ))
    }
}

impl ForgetSearch for sqlx::Postgres {
    // The `search` tsvector is generated from this column.
    const PEOPLE_SET: &'static str = ", search_document = ''";
    fn statement(_: usize) -> Option<String> {
        None
    }
}

/// What the ledger's rows written by an erasure carry as their evidence
/// (deleted with the rest of the person's evidence in the same
/// transaction; its digest stays in the hashed row).
fn erasure_evidence() -> Evidence {
    erasure_evidence_of("accord erasure")
}

/// Evidence for ledger rows Accord writes itself (`who`: what wrote them).
fn erasure_evidence_of(who: &str) -> Evidence {
    Evidence {
        source_addr: String::new(),
        user_agent: who.into(),
    }
}

/// This installation's salt for the suppression list.
const SUPPRESSION_SALT: &str = "SELECT suppression_salt FROM organisation WHERE id = 1";

/// A suppression-list entry: nothing readable, the same for the same
/// address (its lookup key) or number (E.164) on this installation.
pub(crate) fn suppression_hash(salt: &str, kind: &str, value: &str) -> String {
    crate::consent::chain::sha256_hex(&format!("{salt}\n{kind}\n{value}"))
}

/// Puts `mail` in the outbox with `script`, tied to no person: a mail
/// about a request (its verification, its answer, an archive's link)
/// outlives the erasure of the person it concerns.
pub(crate) fn queue_mail(script: &mut Script, mail: &OutgoingMail, now: DateTime<Utc>) {
    script.statement(
        "INSERT INTO outbox (recipient, subject, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)",
        vec![(&mail.recipient).into(), (&mail.subject).into(), (&mail.body).into(), now.into()],
    );
}

/// The clock a person is under, from their status (only prospects, leads
/// and former customers have one).
fn rule_of(status: &str) -> Result<DueRule, StorageError> {
    match status {
        "former_customer" => Ok(DueRule::FormerCustomer),
        "prospect" | "lead" => Ok(DueRule::Prospect),
        other => Err(corrupt("people.status", other)),
    }
}

/// The register's columns, as [`request_view`] reads them.
pub(crate) const REQUEST_COLUMNS: &str = "r.id, r.kind, r.status, r.email, r.language, r.details, r.person_id, \
     CASE WHEN p.id IS NULL THEN NULL ELSE trim(p.first_name || ' ' || p.last_name) END AS person_name, \
     r.received_at, r.verified_at, r.due_at, r.extension_reason, u.display_name AS handled_by, \
     r.outcome, r.closed_at, r.version \
     FROM privacy_requests r LEFT JOIN people p ON p.id = r.person_id LEFT JOIN users u ON u.id = r.handled_by";

pub(crate) fn request_view<'r, R>(row: &'r R) -> Result<RequestView, StorageError>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = row.try_get("kind").map_err(storage_error)?;
    let status: String = row.try_get("status").map_err(storage_error)?;
    let ms = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp_millis());
    Ok(RequestView {
        id: row.try_get("id").map_err(storage_error)?,
        kind: RequestKind::parse(&kind).map_err(|p| corrupt("privacy_requests.kind", p))?,
        status: RequestStatus::parse(&status).map_err(|p| corrupt("privacy_requests.status", p))?,
        email: row.try_get("email").map_err(storage_error)?,
        language: Locale::from_tag(
            &row.try_get::<String, _>("language")
                .map_err(storage_error)?,
        )
        .unwrap_or(Locale::En),
        details: row.try_get("details").map_err(storage_error)?,
        person_id: row.try_get("person_id").map_err(storage_error)?,
        person_name: row.try_get("person_name").map_err(storage_error)?,
        received_ms: row
            .try_get::<DateTime<Utc>, _>("received_at")
            .map_err(storage_error)?
            .timestamp_millis(),
        verified_ms: ms(row.try_get("verified_at").map_err(storage_error)?),
        due_ms: row
            .try_get::<DateTime<Utc>, _>("due_at")
            .map_err(storage_error)?
            .timestamp_millis(),
        extension_reason: row.try_get("extension_reason").map_err(storage_error)?,
        handled_by: row.try_get("handled_by").map_err(storage_error)?,
        outcome: row.try_get("outcome").map_err(storage_error)?,
        closed_ms: ms(row.try_get("closed_at").map_err(storage_error)?),
        version: row.try_get("version").map_err(storage_error)?,
        changes: Vec::new(),
    })
}

/// The saves written to the requests listed in `$1…`, oldest first, as
/// [`attach_changes`] reads them.
fn changes_sql(n: usize) -> String {
    format!(
        "SELECT c.request_id, c.changed_at, u.display_name, c.fields FROM privacy_request_changes c \
         JOIN users u ON u.id = c.changed_by WHERE c.request_id IN ({}) ORDER BY c.id",
        list(n, 1)
    )
}

/// Puts each change read by [`changes_sql`] on its request.
fn attach_changes(requests: &mut [RequestView], rows: Vec<(i64, DateTime<Utc>, String, String)>) {
    for (request_id, at, by, fields) in rows {
        if let Some(r) = requests.iter_mut().find(|r| r.id == request_id) {
            r.changes.push(RequestChange {
                at_ms: at.timestamp_millis(),
                by,
                fields: fields.split(',').map(str::to_string).collect(),
            });
        }
    }
}

macro_rules! sql_privacy {
    ($db:ty) => {
        impl SqlPrivacy<$db> {
            /// Commits `tx` with `answer` in the outbox if the change to
            /// the request took (`changed`); otherwise leaves both undone.
            async fn commit_answered(
                mut tx: sqlx::Transaction<'static, $db>,
                changed: bool,
                answer: Option<&OutgoingMail>,
            ) -> Result<bool, StorageError> {
                if !changed {
                    return Ok(false);
                }
                let mut script = Script::new();
                if let Some(mail) = answer {
                    queue_mail(&mut script, mail, Utc::now());
                }
                (&mut *tx).run_script(script).await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(true)
            }

            /// Reads the saves written to the rectification requests among
            /// `requests` onto them.
            async fn with_changes(&self, requests: &mut [RequestView]) -> Result<(), StorageError> {
                let ids: Vec<i64> = requests
                    .iter()
                    .filter(|r| r.kind == RequestKind::Rectification)
                    .map(|r| r.id)
                    .collect();
                if ids.is_empty() {
                    return Ok(());
                }
                let sql = changes_sql(ids.len());
                let mut q = sqlx::query_as(&sql);
                for id in &ids {
                    q = q.bind(*id);
                }
                let rows = q.fetch_all(&self.pool).await.map_err(storage_error)?;
                attach_changes(requests, rows);
                Ok(())
            }
        }

        #[async_trait]
        impl PrivacyStore for SqlPrivacy<$db> {
            #[tracing::instrument(skip(self), fields(count = people.len()), err)]
            async fn erase(
                &self,
                people: &[i64],
                reason: ErasureReason,
                by: Option<i64>,
            ) -> Result<Vec<Erased>, StorageError> {
                assert!(people.len() <= ERASE_AT_ONCE, "erase at most {ERASE_AT_ONCE} at once");
                if people.is_empty() {
                    return Ok(Vec::new());
                }
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                // The chain's lock first: a write, so SQLite's lock is
                // held before anything is read.
                let head = SqlConsent::<$db>::lock_chain(&mut tx).await?;
                let sql = format!(
                    "SELECT id, erased_at, legal_hold FROM people WHERE id IN ({})",
                    list(people.len(), 1)
                );
                let mut query = sqlx::query(&sql);
                for id in people {
                    query = query.bind(*id);
                }
                let mut found: HashMap<i64, (Option<DateTime<Utc>>, String)> = HashMap::new();
                for row in query.fetch_all(&mut *tx).await.map_err(storage_error)? {
                    found.insert(
                        row.try_get("id").map_err(storage_error)?,
                        (
                            row.try_get("erased_at").map_err(storage_error)?,
                            row.try_get("legal_hold").map_err(storage_error)?,
                        ),
                    );
                }
                let mut outcomes = Vec::with_capacity(people.len());
                let mut erase: Vec<i64> = Vec::new();
                for id in people {
                    outcomes.push(match found.get(id) {
                        None => Erased::Missing,
                        Some((Some(at), _)) => Erased::Already(*at),
                        Some((None, hold)) if !hold.is_empty() => Erased::Held(hold.clone()),
                        Some((None, _)) if erase.contains(id) => Erased::Done,
                        Some((None, _)) => {
                            erase.push(*id);
                            Erased::Done
                        }
                    });
                }
                if erase.is_empty() {
                    tx.commit().await.map_err(storage_error)?;
                    return Ok(outcomes);
                }
                let n = erase.len();
                // Their addresses, for the leads that carry them.
                let sql = format!("SELECT address_key FROM person_emails WHERE person_id IN ({})", list(n, 1));
                let mut query = sqlx::query_scalar::<_, String>(&sql);
                for id in &erase {
                    query = query.bind(*id);
                }
                let mut addresses = query.fetch_all(&mut *tx).await.map_err(storage_error)?;
                addresses.sort_unstable();
                addresses.dedup();

                // Every live consent withdrawn, on the chain.
                SqlConsent::<$db>::withdraw_all_of(&mut tx, head, &erase, &erasure_evidence(), now).await?;

                let mut script = Script::new();
                let mut values = vec![now.into()];
                values.extend(ids(&erase));
                script.statement(
                    &format!(
                        "UPDATE people SET first_name = '', last_name = '', job_title = '', supplier = '', \
                         contract_ref = '', language = NULL, company_id = NULL, last_inbound_at = NULL, \
                         erased_at = $1, updated_at = $1, version = version + 1{} WHERE id IN ({})",
                        <$db as ForgetSearch>::PEOPLE_SET,
                        list(n, 2)
                    ),
                    values,
                );
                if let Some(sql) = <$db as ForgetSearch>::statement(n) {
                    script.statement(&sql, ids(&erase));
                }
                for table in ["person_emails", "person_phones", "person_tags", "person_legal_bases", "consent_tokens", "outbox", "privacy_archives", "repermission_links"] {
                    script.statement(&format!("DELETE FROM {table} WHERE person_id IN ({})", list(n, 1)), ids(&erase));
                }
                script.statement(
                    &format!(
                        "DELETE FROM consent_evidence WHERE ledger_id IN \
                         (SELECT id FROM consent_ledger WHERE person_id IN ({}))",
                        list(n, 1)
                    ),
                    ids(&erase),
                );
                script.statement(
                    &format!("UPDATE interactions SET body = '' WHERE person_id IN ({})", list(n, 1)),
                    ids(&erase),
                );
                let mut values = vec![now.into()];
                values.extend(ids(&erase));
                values.extend(addresses.iter().map(|a| Value::from(a.as_str())));
                let by_address = if addresses.is_empty() {
                    String::new()
                } else {
                    format!(" OR lower(email) IN ({})", list(addresses.len(), n + 2))
                };
                script.statement(
                    &format!(
                        "UPDATE leads SET first_name = '', last_name = '', company_name = '', email = '', phone = '', \
                         disqualified_reason = '', supplier = '', contract_ref = '', updated_at = $1, \
                         version = version + 1 WHERE person_id IN ({}){by_address}",
                        list(n, 2)
                    ),
                    values,
                );
                // A deal's title may name the person; its amount, stage
                // and history are the business's and stay. The version
                // moves: an edit open on it meets a conflict.
                let mut values = vec![now.into()];
                values.extend(ids(&erase));
                script.statement(
                    &format!(
                        "UPDATE deals SET title = '#' || id, updated_at = $1, version = version + 1 \
                         WHERE person_id IN ({})",
                        list(n, 2)
                    ),
                    values,
                );
                script.rows(
                    "INSERT INTO erasures (person_id, erased_at, erased_by, reason)",
                    erase
                        .iter()
                        .map(|id| vec![(*id).into(), now.into(), by.into(), reason.key().into()])
                        .collect(),
                    "",
                );
                (&mut *tx).run_script(script).await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(outcomes)
            }

            #[tracing::instrument(skip_all, fields(kind = new.draft.kind.key()), err)]
            async fn receive(&self, new: &NewRequest) -> Result<Received, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let count: i64 = sqlx::query_scalar(COUNT_SUBMISSION)
                    .bind(&new.rate.addr_key)
                    .bind(new.rate.window_start)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                if count > new.rate.limit {
                    tx.commit().await.map_err(storage_error)?;
                    return Ok(Received::TooMany);
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO privacy_requests (kind, email, email_key, language, details, received_at, due_at, status) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'unverified') RETURNING id",
                )
                .bind(new.draft.kind.key())
                .bind(new.draft.email.as_str())
                .bind(new.draft.email.lookup_key())
                .bind(new.language.code())
                .bind(&new.draft.details)
                .bind(now)
                .bind(app::domain::privacy::due_at(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(storage_error)?;
                let mut script = Script::new();
                script.statement(
                    "INSERT INTO privacy_request_links (token_hash, request_id, kind, created_at, expires_at) \
                     VALUES ($1, $2, 'verify', $3, $4)",
                    vec![(&new.link_hash).into(), id.into(), now.into(), new.link_expires_at.into()],
                );
                queue_mail(&mut script, &new.mail, now);
                (&mut *tx).run_script(script).await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(Received::Done(id))
            }

            #[tracing::instrument(skip_all, err)]
            async fn request_link(&self, token_hash: &str) -> Result<RequestLink, StorageError> {
                let row: Option<(i64, String, String, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(
                    "SELECT r.id, r.kind, r.language, l.expires_at, l.used_at FROM privacy_request_links l \
                     JOIN privacy_requests r ON r.id = l.request_id WHERE l.token_hash = $1 AND l.kind = 'verify'",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?;
                let Some((request_id, kind, language, expires_at, used_at)) = row else {
                    return Ok(RequestLink::Unknown);
                };
                if used_at.is_some() {
                    return Ok(RequestLink::Used);
                }
                if expires_at <= Utc::now() {
                    return Ok(RequestLink::Expired);
                }
                Ok(RequestLink::Valid {
                    request_id,
                    kind: RequestKind::parse(&kind).map_err(|p| corrupt("privacy_requests.kind", p))?,
                    language: Locale::from_tag(&language).unwrap_or(Locale::En),
                })
            }

            #[tracing::instrument(skip_all, err)]
            async fn verify(&self, token_hash: &str, evidence: &Evidence) -> Result<RequestLink, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                // Used once: the first statement takes the link (and, on
                // SQLite, the write lock).
                let taken: Option<i64> = sqlx::query_scalar(
                    "UPDATE privacy_request_links SET used_at = $1 \
                     WHERE token_hash = $2 AND kind = 'verify' AND used_at IS NULL AND expires_at > $1 \
                     RETURNING request_id",
                )
                .bind(now)
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage_error)?;
                let Some(request_id) = taken else {
                    tx.rollback().await.map_err(storage_error)?;
                    return self.request_link(token_hash).await;
                };
                let (kind, email_key, language): (String, String, String) =
                    sqlx::query_as("SELECT kind, email_key, language FROM privacy_requests WHERE id = $1")
                        .bind(request_id)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                let kind = RequestKind::parse(&kind).map_err(|p| corrupt("privacy_requests.kind", p))?;
                let person: Option<i64> = sqlx::query_scalar(
                    "SELECT min(e.person_id) FROM person_emails e JOIN people p ON p.id = e.person_id \
                     WHERE e.address_key = $1 AND p.erased_at IS NULL",
                )
                .bind(&email_key)
                .fetch_one(&mut *tx)
                .await
                .map_err(storage_error)?;
                sqlx::query(
                    "UPDATE privacy_requests SET verified_at = $1, person_id = $2, status = 'open', \
                     version = version + 1 WHERE id = $3",
                )
                .bind(now)
                .bind(person)
                .bind(request_id)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?;
                if kind.done_on_verification() {
                    // Objecting, or withdrawing every consent: withdrawn on
                    // the ledger, marked as objecting to prospecting, and
                    // the address (with the person's other addresses and
                    // numbers) on the suppression list, known person or not.
                    let mut emails = vec![email_key.clone()];
                    let mut phones = Vec::new();
                    if let Some(person) = person {
                        let head = SqlConsent::<$db>::lock_chain(&mut tx).await?;
                        SqlConsent::<$db>::withdraw_all_of(&mut tx, head, &[person], evidence, now).await?;
                        sqlx::query("UPDATE people SET objected_at = COALESCE(objected_at, $1) WHERE id = $2")
                            .bind(now)
                            .bind(person)
                            .execute(&mut *tx)
                            .await
                            .map_err(storage_error)?;
                        emails.extend(
                            sqlx::query_scalar::<_, String>("SELECT address_key FROM person_emails WHERE person_id = $1")
                                .bind(person)
                                .fetch_all(&mut *tx)
                                .await
                                .map_err(storage_error)?,
                        );
                        phones = sqlx::query_scalar::<_, String>("SELECT number FROM person_phones WHERE person_id = $1")
                            .bind(person)
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(storage_error)?;
                    }
                    let salt: String = sqlx::query_scalar(SUPPRESSION_SALT)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                    let mut hashes: Vec<(String, &str)> = emails
                        .iter()
                        .map(|e| (suppression_hash(&salt, "email", e), "email"))
                        .chain(phones.iter().map(|p| (suppression_hash(&salt, "phone", p), "phone")))
                        .collect();
                    hashes.sort();
                    hashes.dedup();
                    let mut script = Script::new();
                    script.rows(
                        "INSERT INTO suppression_list (hash, kind, added_at)",
                        hashes
                            .iter()
                            .map(|(hash, kind)| vec![hash.as_str().into(), (*kind).into(), now.into()])
                            .collect(),
                        "ON CONFLICT (hash) DO NOTHING",
                    );
                    (&mut *tx).run_script(script).await?;
                    sqlx::query(
                        "UPDATE privacy_requests SET status = 'done', closed_at = $1, version = version + 1 WHERE id = $2",
                    )
                    .bind(now)
                    .bind(request_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage_error)?;
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(RequestLink::Valid {
                    request_id,
                    kind,
                    language: Locale::from_tag(&language).unwrap_or(Locale::En),
                })
            }

            #[tracing::instrument(skip(self), err)]
            async fn requests(&self, closed: bool, limit: u32) -> Result<Vec<RequestView>, StorageError> {
                let filter = if closed { "" } else { "WHERE r.status = 'open'" };
                let rows = sqlx::query(&format!(
                    "SELECT {REQUEST_COLUMNS} {filter} ORDER BY CASE WHEN r.status = 'open' THEN 0 ELSE 1 END, \
                     CASE WHEN r.status = 'open' THEN r.due_at END, r.id DESC LIMIT $1"
                ))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                let mut requests = rows.iter().map(request_view).collect::<Result<Vec<_>, _>>()?;
                self.with_changes(&mut requests).await?;
                Ok(requests)
            }

            #[tracing::instrument(skip(self), err)]
            async fn request(&self, id: i64) -> Result<Option<RequestView>, StorageError> {
                let row = sqlx::query(&format!("SELECT {REQUEST_COLUMNS} WHERE r.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(storage_error)?;
                let mut request: Vec<RequestView> = row.as_ref().map(request_view).transpose()?.into_iter().collect();
                self.with_changes(&mut request).await?;
                Ok(request.pop())
            }

            #[tracing::instrument(skip(self), err)]
            async fn open_rectification(&self, person_id: i64) -> Result<Option<(i64, String)>, StorageError> {
                sqlx::query_as(
                    "SELECT id, details FROM privacy_requests WHERE person_id = $1 AND kind = 'rectification' \
                     AND status = 'open' ORDER BY due_at, id LIMIT 1",
                )
                .bind(person_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)
            }

            #[tracing::instrument(skip(self, reason, answer), err)]
            async fn extend_request(
                &self,
                id: i64,
                version: i64,
                reason: &str,
                by: i64,
                answer: Option<&OutgoingMail>,
            ) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let Some(received) = sqlx::query_scalar::<_, DateTime<Utc>>(
                    "SELECT received_at FROM privacy_requests WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage_error)?
                else {
                    return Ok(false);
                };
                let done = sqlx::query(
                    "UPDATE privacy_requests SET due_at = $1, extension_reason = $2, handled_by = $3, \
                     version = version + 1 WHERE id = $4 AND version = $5 AND status = 'open' AND extension_reason = ''",
                )
                .bind(extended_due_at(received))
                .bind(reason)
                .bind(by)
                .bind(id)
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?;
                Self::commit_answered(tx, done.rows_affected() == 1, answer).await
            }

            #[tracing::instrument(skip(self, outcome, answer), err)]
            async fn close_request(
                &self,
                id: i64,
                version: i64,
                status: RequestStatus,
                outcome: &str,
                by: i64,
                answer: Option<&OutgoingMail>,
            ) -> Result<bool, StorageError> {
                assert!(matches!(status, RequestStatus::Done | RequestStatus::Refused), "a request closes as done or refused");
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let done = sqlx::query(
                    "UPDATE privacy_requests SET status = $1, outcome = $2, handled_by = $3, closed_at = $4, \
                     version = version + 1 WHERE id = $5 AND version = $6 AND status = 'open'",
                )
                .bind(status.key())
                .bind(outcome)
                .bind(by)
                .bind(Utc::now())
                .bind(id)
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(storage_error)?;
                Self::commit_answered(tx, done.rows_affected() == 1, answer).await
            }

            #[tracing::instrument(skip(self), err)]
            async fn notice_settings(&self) -> Result<(String, String), StorageError> {
                sqlx::query_as("SELECT privacy_contact, data_location FROM organisation WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(storage_error)
            }

            #[tracing::instrument(skip(self), err)]
            async fn set_notice_settings(&self, contact: &str, location: &str) -> Result<(), StorageError> {
                sqlx::query("UPDATE organisation SET privacy_contact = $1, data_location = $2, updated_at = $3 WHERE id = 1")
                    .bind(contact)
                    .bind(location)
                    .bind(Utc::now())
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(())
            }

            #[tracing::instrument(skip(self), err)]
            async fn expire_requests(&self, now: DateTime<Utc>) -> Result<u64, StorageError> {
                let done = sqlx::query(
                    "UPDATE privacy_requests SET status = 'expired', version = version + 1 \
                     WHERE status = 'unverified' AND id IN (SELECT request_id FROM privacy_request_links \
                     WHERE kind = 'verify' AND used_at IS NULL AND expires_at <= $1)",
                )
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(done.rows_affected())
            }

            #[tracing::instrument(skip(self), err)]
            async fn tombstone(
                &self,
                person_id: i64,
            ) -> Result<Option<(DateTime<Utc>, Option<i64>, String)>, StorageError> {
                sqlx::query_as("SELECT erased_at, erased_by, reason FROM erasures WHERE person_id = $1")
                    .bind(person_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(storage_error)
            }

            #[tracing::instrument(skip(self, reason), err)]
            async fn set_legal_hold(&self, person_id: i64, reason: &str) -> Result<bool, StorageError> {
                let done = sqlx::query("UPDATE people SET legal_hold = $1 WHERE id = $2 AND erased_at IS NULL")
                    .bind(reason)
                    .bind(person_id)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip(self), err)]
            async fn due(
                &self,
                prospects_before: DateTime<Utc>,
                former_before: DateTime<Utc>,
                after_id: i64,
                limit: u32,
            ) -> Result<Vec<DuePerson>, StorageError> {
                // The clock of a prospect runs from the later of collection
                // and their last inbound contact; CASE rather than
                // GREATEST/MAX, which the two backends spell differently.
                let rows = sqlx::query(
                    "SELECT id, status, legal_hold, \
                     CASE WHEN status = 'former_customer' THEN COALESCE(relationship_ended_at, updated_at) \
                          WHEN last_inbound_at IS NOT NULL AND last_inbound_at > collected_at THEN last_inbound_at \
                          ELSE collected_at END AS since \
                     FROM people WHERE id > $1 AND erased_at IS NULL AND ( \
                       (status IN ('prospect', 'lead') AND collected_at < $2 \
                        AND (last_inbound_at IS NULL OR last_inbound_at < $2)) \
                       OR (status = 'former_customer' AND COALESCE(relationship_ended_at, updated_at) < $3)) \
                     ORDER BY id LIMIT $4",
                )
                .bind(after_id)
                .bind(prospects_before)
                .bind(former_before)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        let status: String = row.try_get("status").map_err(storage_error)?;
                        Ok(DuePerson {
                            id: row.try_get("id").map_err(storage_error)?,
                            rule: rule_of(&status)?,
                            since: row.try_get("since").map_err(storage_error)?,
                            legal_hold: row.try_get("legal_hold").map_err(storage_error)?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip(self), err)]
            async fn start_run(
                &self,
                as_of: NaiveDate,
                dry_run: bool,
                started_by: Option<i64>,
            ) -> Result<i64, StorageError> {
                sqlx::query_scalar(
                    "INSERT INTO retention_runs (started_at, as_of, dry_run, started_by) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(Utc::now())
                .bind(as_of)
                .bind(dry_run)
                .bind(started_by)
                .fetch_one(&self.pool)
                .await
                .map_err(storage_error)
            }

            #[tracing::instrument(skip(self), err)]
            async fn record_run(
                &self,
                id: i64,
                due: i64,
                erased: i64,
                held: i64,
                asked: i64,
                finished: bool,
            ) -> Result<(), StorageError> {
                sqlx::query(
                    "UPDATE retention_runs SET due = $1, erased = $2, held = $3, asked = $7, \
                     finished_at = CASE WHEN $4 THEN $5 ELSE finished_at END WHERE id = $6",
                )
                .bind(due)
                .bind(erased)
                .bind(held)
                .bind(finished)
                .bind(Utc::now())
                .bind(id)
                .bind(asked)
                .execute(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(())
            }

            #[tracing::instrument(skip(self), err)]
            async fn approaching(
                &self,
                prospects: (DateTime<Utc>, DateTime<Utc>),
                former: (DateTime<Utc>, DateTime<Utc>),
                asked_before: DateTime<Utc>,
                after_id: i64,
                limit: u32,
            ) -> Result<Vec<Approaching>, StorageError> {
                // The same clock as `due`: due on the notice day ($3, $5),
                // not yet today ($2, $4).
                let rows = sqlx::query(
                    "SELECT p.id, p.status, trim(p.first_name || ' ' || p.last_name) AS name, p.language, e.address, \
                     CASE WHEN p.status = 'former_customer' THEN COALESCE(p.relationship_ended_at, p.updated_at) \
                          WHEN p.last_inbound_at IS NOT NULL AND p.last_inbound_at > p.collected_at THEN p.last_inbound_at \
                          ELSE p.collected_at END AS since \
                     FROM people p JOIN person_emails e ON e.person_id = p.id AND e.position = 0 \
                     WHERE p.id > $1 AND p.erased_at IS NULL AND p.legal_hold = '' \
                       AND p.objected_at IS NULL AND p.restricted_at IS NULL \
                       AND (p.repermission_asked_at IS NULL OR p.repermission_asked_at < $6) AND ( \
                       (p.status IN ('prospect', 'lead') AND p.collected_at < $3 \
                        AND (p.last_inbound_at IS NULL OR p.last_inbound_at < $3) \
                        AND (p.collected_at >= $2 OR p.last_inbound_at >= $2)) \
                       OR (p.status = 'former_customer' AND COALESCE(p.relationship_ended_at, p.updated_at) < $5 \
                        AND COALESCE(p.relationship_ended_at, p.updated_at) >= $4)) \
                     ORDER BY p.id LIMIT $7",
                )
                .bind(after_id)
                .bind(prospects.0)
                .bind(prospects.1)
                .bind(former.0)
                .bind(former.1)
                .bind(asked_before)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        let status: String = row.try_get("status").map_err(storage_error)?;
                        let language: Option<String> = row.try_get("language").map_err(storage_error)?;
                        Ok(Approaching {
                            id: row.try_get("id").map_err(storage_error)?,
                            rule: rule_of(&status)?,
                            since: row.try_get("since").map_err(storage_error)?,
                            email: row.try_get("address").map_err(storage_error)?,
                            name: row.try_get("name").map_err(storage_error)?,
                            language: language.as_deref().and_then(Locale::from_tag),
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip_all, fields(count = asks.len()), err)]
            async fn ask_repermission(
                &self,
                asks: &[RepermissionAsk],
                asked_before: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> Result<Vec<i64>, StorageError> {
                assert!(asks.len() <= ERASE_AT_ONCE, "ask at most {ERASE_AT_ONCE} at once");
                if asks.is_empty() {
                    return Ok(Vec::new());
                }
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let head = SqlConsent::<$db>::lock_chain(&mut tx).await?;
                // Stamped here, under the chain's lock: an instance that
                // read the same people a moment ago finds them asked.
                let people: Vec<i64> = asks.iter().map(|a| a.person_id).collect();
                let sql = format!(
                    "UPDATE people SET repermission_asked_at = $1 WHERE id IN ({}) \
                     AND (repermission_asked_at IS NULL OR repermission_asked_at < $2) RETURNING id",
                    list(people.len(), 3)
                );
                let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(now).bind(asked_before);
                for id in &people {
                    query = query.bind(*id);
                }
                let mut asked = query.fetch_all(&mut *tx).await.map_err(storage_error)?;
                asked.sort_unstable();
                if asked.is_empty() {
                    tx.commit().await.map_err(storage_error)?;
                    return Ok(asked);
                }
                SqlConsent::<$db>::mark_all_of(
                    &mut tx,
                    head,
                    &asked,
                    app::domain::consent::ConsentEvent::RepermissionAsked,
                    &["pending", "given"],
                    &erasure_evidence_of("accord retention"),
                    now,
                )
                .await?;
                let mut script = Script::new();
                let chosen: Vec<&RepermissionAsk> =
                    asks.iter().filter(|a| asked.binary_search(&a.person_id).is_ok()).collect();
                script.rows(
                    "INSERT INTO repermission_links (token_hash, person_id, created_at, expires_at)",
                    chosen
                        .iter()
                        .map(|a| vec![(&a.link_hash).into(), a.person_id.into(), now.into(), a.expires_at.into()])
                        .collect(),
                    "",
                );
                script.rows(
                    "INSERT INTO outbox (recipient, subject, body, person_id, created_at, next_attempt_at)",
                    chosen
                        .iter()
                        .map(|a| {
                            vec![
                                (&a.mail.recipient).into(),
                                (&a.mail.subject).into(),
                                (&a.mail.body).into(),
                                a.person_id.into(),
                                now.into(),
                                now.into(),
                            ]
                        })
                        .collect(),
                    "",
                );
                (&mut *tx).run_script(script).await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(asked)
            }

            #[tracing::instrument(skip_all, err)]
            async fn repermission_link(&self, token_hash: &str) -> Result<RepermissionLink, StorageError> {
                let row: Option<(i64, Option<String>, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(
                    "SELECT l.person_id, p.language, l.expires_at, l.used_at FROM repermission_links l \
                     JOIN people p ON p.id = l.person_id WHERE l.token_hash = $1 AND p.erased_at IS NULL",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage_error)?;
                let Some((person_id, language, expires_at, used_at)) = row else {
                    return Ok(RepermissionLink::Unknown);
                };
                if used_at.is_some() {
                    return Ok(RepermissionLink::Used);
                }
                if expires_at <= Utc::now() {
                    return Ok(RepermissionLink::Expired);
                }
                Ok(RepermissionLink::Valid {
                    person_id,
                    language: language.as_deref().and_then(Locale::from_tag).unwrap_or(Locale::En),
                })
            }

            #[tracing::instrument(skip_all, err)]
            async fn keep_in_touch(
                &self,
                token_hash: &str,
                evidence: &Evidence,
            ) -> Result<RepermissionLink, StorageError> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                // The chain's lock first (a write: SQLite's lock too).
                let head = SqlConsent::<$db>::lock_chain(&mut tx).await?;
                let taken: Option<i64> = sqlx::query_scalar(
                    "UPDATE repermission_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
                     AND expires_at > $1 AND person_id IN (SELECT id FROM people WHERE erased_at IS NULL) \
                     RETURNING person_id",
                )
                .bind(now)
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage_error)?;
                let Some(person_id) = taken else {
                    tx.rollback().await.map_err(storage_error)?;
                    return self.repermission_link(token_hash).await;
                };
                // Their answer is a contact they initiated: the clock
                // starts again from it.
                let language: Option<String> = sqlx::query_scalar(
                    "UPDATE people SET last_inbound_at = $1, updated_at = $1, version = version + 1 \
                     WHERE id = $2 RETURNING language",
                )
                .bind(now)
                .bind(person_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(storage_error)?;
                SqlConsent::<$db>::mark_all_of(
                    &mut tx,
                    head,
                    &[person_id],
                    app::domain::consent::ConsentEvent::Confirmed,
                    &["given"],
                    evidence,
                    now,
                )
                .await?;
                tx.commit().await.map_err(storage_error)?;
                Ok(RepermissionLink::Valid {
                    person_id,
                    language: language.as_deref().and_then(Locale::from_tag).unwrap_or(Locale::En),
                })
            }

            #[tracing::instrument(skip_all, err)]
            async fn remind(
                &self,
                now: DateTime<Utc>,
                recipients: &[String],
                compose: &ReminderMail,
            ) -> Result<Vec<Reminder>, StorageError> {
                let mut tx = self.pool.begin().await.map_err(storage_error)?;
                let mut claimed = Vec::new();
                // Two days first: a request due that soon gets that
                // reminder, and the seven-day one is then moot.
                for (days, sql) in [
                    (2u8, "UPDATE privacy_requests SET reminded_2_at = $1, reminded_7_at = COALESCE(reminded_7_at, $1) \
                           WHERE status = 'open' AND due_at <= $2 AND reminded_2_at IS NULL \
                           RETURNING id, kind, email, due_at"),
                    (7u8, "UPDATE privacy_requests SET reminded_7_at = $1 \
                           WHERE status = 'open' AND due_at <= $2 AND reminded_7_at IS NULL \
                           RETURNING id, kind, email, due_at"),
                ] {
                    let rows: Vec<(i64, String, String, DateTime<Utc>)> = sqlx::query_as(sql)
                        .bind(now)
                        .bind(now + chrono::Duration::days(i64::from(days)))
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(storage_error)?;
                    for (request_id, kind, email, due_at) in rows {
                        claimed.push(Reminder {
                            request_id,
                            kind: RequestKind::parse(&kind).map_err(|p| corrupt("privacy_requests.kind", p))?,
                            email,
                            due_at,
                            days,
                        });
                    }
                }
                if !claimed.is_empty() && !recipients.is_empty() {
                    claimed.sort_by_key(|r| (r.due_at, r.request_id));
                    let (subject, body) = compose(&claimed);
                    let mut script = Script::new();
                    script.rows(
                        "INSERT INTO outbox (recipient, subject, body, created_at, next_attempt_at)",
                        recipients
                            .iter()
                            .map(|to| vec![to.as_str().into(), subject.as_str().into(), body.as_str().into(), now.into(), now.into()])
                            .collect(),
                        "",
                    );
                    (&mut *tx).run_script(script).await?;
                }
                tx.commit().await.map_err(storage_error)?;
                Ok(claimed)
            }

            #[tracing::instrument(skip(self), err)]
            async fn health(
                &self,
                prospects: (DateTime<Utc>, DateTime<Utc>),
                former: (DateTime<Utc>, DateTime<Utc>),
                stale_before: DateTime<Utc>,
            ) -> Result<app::domain::retention::DataHealth, StorageError> {
                // One pass over people for the counts; the clock as in `due`.
                let clock = "CASE WHEN status = 'former_customer' THEN COALESCE(relationship_ended_at, updated_at) \
                             WHEN last_inbound_at IS NOT NULL AND last_inbound_at > collected_at THEN last_inbound_at \
                             ELSE collected_at END";
                let row = sqlx::query(&format!(
                    "SELECT \
                     COALESCE(SUM(CASE WHEN (status IN ('prospect', 'lead') AND {clock} < $1) \
                       OR (status = 'former_customer' AND {clock} < $3) THEN 1 ELSE 0 END), 0) AS past_due, \
                     COALESCE(SUM(CASE WHEN (status IN ('prospect', 'lead') AND {clock} >= $1 AND {clock} < $2) \
                       OR (status = 'former_customer' AND {clock} >= $3 AND {clock} < $4) THEN 1 ELSE 0 END), 0) AS near_due, \
                     count(*) AS live, \
                     COALESCE(SUM(CASE WHEN updated_at < $5 AND (last_inbound_at IS NULL OR last_inbound_at < $5) \
                       THEN 1 ELSE 0 END), 0) AS stale \
                     FROM people WHERE erased_at IS NULL"
                ))
                .bind(prospects.0)
                .bind(prospects.1)
                .bind(former.0)
                .bind(former.1)
                .bind(stale_before)
                .fetch_one(&self.pool)
                .await
                .map_err(storage_error)?;
                // Erasure deletes a person's bases, so the people with one
                // are the live ones among those the bases name: read from
                // the bases' primary key, not probed person by person.
                let with_basis: i64 = sqlx::query_scalar("SELECT count(DISTINCT person_id) FROM person_legal_bases")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(storage_error)?;
                let live: i64 = row.try_get("live").map_err(storage_error)?;
                let bouncing: i64 = sqlx::query_scalar(
                    "SELECT count(DISTINCT lower(recipient)) FROM outbox \
                     WHERE sent_at IS NULL AND attempts >= 3 AND last_error <> ''",
                )
                .fetch_one(&self.pool)
                .await
                .map_err(storage_error)?;
                Ok(app::domain::retention::DataHealth {
                    past_due: row.try_get("past_due").map_err(storage_error)?,
                    near_due: row.try_get("near_due").map_err(storage_error)?,
                    without_basis: (live - with_basis).max(0),
                    stale: row.try_get("stale").map_err(storage_error)?,
                    bouncing,
                })
            }

            #[tracing::instrument(skip_all, err)]
            async fn suppressed(&self, email_keys: &[String], phones: &[String]) -> Result<bool, StorageError> {
                if email_keys.is_empty() && phones.is_empty() {
                    return Ok(false);
                }
                let salt: String = sqlx::query_scalar(SUPPRESSION_SALT)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(storage_error)?;
                let hashes: Vec<String> = email_keys
                    .iter()
                    .map(|e| suppression_hash(&salt, "email", e))
                    .chain(phones.iter().map(|p| suppression_hash(&salt, "phone", p)))
                    .collect();
                let sql = format!("SELECT count(*) FROM suppression_list WHERE hash IN ({})", list(hashes.len(), 1));
                let mut query = sqlx::query_scalar::<_, i64>(&sql);
                for hash in &hashes {
                    query = query.bind(hash);
                }
                Ok(query.fetch_one(&self.pool).await.map_err(storage_error)? > 0)
            }

            #[tracing::instrument(skip(self), err)]
            async fn set_restriction(&self, person_id: i64, restricted: bool) -> Result<bool, StorageError> {
                let now = Utc::now();
                let sql = if restricted {
                    // Kept from the first time: "since when" stays true.
                    "UPDATE people SET restricted_at = COALESCE(restricted_at, $1), updated_at = $1, \
                     version = version + 1 WHERE id = $2 AND erased_at IS NULL"
                } else {
                    "UPDATE people SET restricted_at = NULL, updated_at = $1, version = version + 1 \
                     WHERE id = $2 AND erased_at IS NULL"
                };
                Ok(sqlx::query(sql)
                    .bind(now)
                    .bind(person_id)
                    .execute(&self.pool)
                    .await
                    .map_err(storage_error)?
                    .rows_affected()
                    == 1)
            }

            #[tracing::instrument(skip(self), err)]
            async fn runs(&self, limit: u32) -> Result<Vec<RetentionRun>, StorageError> {
                let rows = sqlx::query(
                    "SELECT id, started_at, finished_at, as_of, dry_run, started_by, due, erased, held, asked \
                     FROM retention_runs ORDER BY id DESC LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(storage_error)?;
                rows.iter()
                    .map(|row| {
                        Ok(RetentionRun {
                            id: row.try_get("id").map_err(storage_error)?,
                            started_at: row.try_get("started_at").map_err(storage_error)?,
                            finished_at: row.try_get("finished_at").map_err(storage_error)?,
                            as_of: row.try_get("as_of").map_err(storage_error)?,
                            dry_run: row.try_get("dry_run").map_err(storage_error)?,
                            started_by: row.try_get("started_by").map_err(storage_error)?,
                            due: row.try_get("due").map_err(storage_error)?,
                            erased: row.try_get("erased").map_err(storage_error)?,
                            held: row.try_get("held").map_err(storage_error)?,
                            asked: row.try_get("asked").map_err(storage_error)?,
                        })
                    })
                    .collect()
            }
        }
    };
}

sql_privacy!(sqlx::Sqlite);
sql_privacy!(sqlx::Postgres);
