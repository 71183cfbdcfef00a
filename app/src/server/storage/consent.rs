//! The consent part of the storage contract: purposes and forms (their
//! versions immutable once published), the append-only ledger and the
//! state derived from it, mail links, the outbox and the public forms'
//! rate limit.

use super::StorageError;
use crate::domain::consent::{
    ConsentEntry, ConsentNow, FormDraft, FormSummary, PublicForm, PurposeDraft, PurposeView,
    Submission,
};
use crate::i18n::Locale;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// One ledger row as stored: exactly what its hash covers, plus the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub id: i64,
    pub person_id: i64,
    pub purpose_id: i64,
    pub channel: String,
    pub event: String,
    pub text_sha256: String,
    pub form_version_id: Option<i64>,
    /// The canonical UTC time text, as hashed.
    pub occurred_at: String,
    pub evidence_digest: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Where a consent event came from: kept beside the ledger (it may be
/// truncated or erased), its salted digest inside the hashed row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Evidence {
    pub source_addr: String,
    pub user_agent: String,
}

/// A mail to send (or to keep in the outbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// A form submission to record, with the links its mail carries (only
/// their hashes are stored) and the mail itself.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub form: PublicForm,
    pub submission: Submission,
    pub evidence: Evidence,
    pub confirm_token_hash: String,
    pub withdraw_token_hash: String,
    pub confirm_expires_at: DateTime<Utc>,
    /// The mail in the form's language.
    pub mail: OutgoingMail,
    /// The same mail in other languages: a person Accord knows gets it in
    /// their own (read inside the transaction).
    pub mail_in: Vec<(Locale, OutgoingMail)>,
    /// The public forms' rate limit, counted in the same transaction (one
    /// durable commit per submission, not two).
    pub rate: RateCount,
}

/// One submission to count against a client address's window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateCount {
    /// The SHA-256 of the client address (the address itself is not kept).
    pub addr_key: String,
    /// Unix seconds.
    pub window_start: i64,
    /// More than this many in the window are refused.
    pub limit: i64,
}

/// What recording a submission did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub person_id: i64,
    /// False when the address belonged to someone already (their record
    /// is left as it was: only the pending consent is added).
    pub created: bool,
    pub ledger_ids: Vec<i64>,
}

/// What became of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    Done(Submitted),
    /// Its address is over the rate limit: nothing written.
    TooMany,
    /// The form changed since the version it was made on (or closed):
    /// nothing written but the rate-limit count.
    Outdated,
}

impl Recorded {
    pub fn done(self) -> Option<Submitted> {
        match self {
            Recorded::Done(done) => Some(done),
            _ => None,
        }
    }

    pub fn submitted(&self) -> Option<&Submitted> {
        match self {
            Recorded::Done(done) => Some(done),
            _ => None,
        }
    }
}

/// A link from a mail, looked up by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// Valid: whose, and (for a confirmation) the purposes it confirms.
    Valid {
        person_id: i64,
        purposes: Vec<(i64, String)>,
        language: Locale,
    },
    Used,
    Expired,
    Unknown,
}

/// A mail in the outbox, as administrators read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    /// Empty once delivered.
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i64,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: String,
}

/// A published text version, as a proof quotes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofText {
    pub sha256: String,
    pub purpose_id: i64,
    pub version: i64,
    pub language: String,
    pub body: String,
    pub published_at: DateTime<Utc>,
}

/// A published form version, as a proof names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofForm {
    pub id: i64,
    pub slug: String,
    pub version: i64,
    pub language: String,
    pub title: String,
    pub sha256: String,
    pub published_at: DateTime<Utc>,
}

/// Everything the proof of one person's consents is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofData {
    /// The person's ledger rows, in chain order.
    pub rows: Vec<LedgerRow>,
    /// The text versions those rows name (by SHA-256).
    pub texts: Vec<ProofText>,
    /// The form versions those rows name.
    pub forms: Vec<ProofForm>,
}

/// Purposes, forms, the ledger, links, outbox, rate limit.
#[async_trait]
pub trait ConsentStore: Send + Sync {
    /// Every purpose with its current texts, archived last.
    async fn purposes(&self) -> Result<Vec<PurposeView>, StorageError>;
    /// Creates (`id` None) or updates a purpose; publishes a new text
    /// version when either text differs from the current one. `Conflict`
    /// when the key is taken, `Missing` when `id` is unknown.
    async fn save_purpose(
        &self,
        id: Option<i64>,
        draft: &PurposeDraft,
        by: i64,
    ) -> Result<i64, StorageError>;
    async fn set_purpose_archived(&self, id: i64, archived: bool) -> Result<bool, StorageError>;

    /// Every form, archived last.
    async fn forms(&self) -> Result<Vec<FormSummary>, StorageError>;
    /// A form's current version as the builder edits it.
    async fn form(&self, id: i64) -> Result<Option<(FormDraft, i64)>, StorageError>;
    /// Creates or updates a form; publishes a new version when anything
    /// but the frame origins and owner changed. `Conflict` when the slug
    /// is taken, `Missing` when `id` or a purpose is unknown or archived.
    async fn save_form(
        &self,
        id: Option<i64>,
        draft: &FormDraft,
        by: i64,
    ) -> Result<i64, StorageError>;
    async fn set_form_archived(&self, id: i64, archived: bool) -> Result<bool, StorageError>;
    /// The current version of a form that is not archived, with the
    /// current text of each purpose in the form's language.
    async fn public_form(&self, slug: &str) -> Result<Option<PublicForm>, StorageError>;

    /// The language of the person holding this address, if any.
    async fn language_of(&self, email_key: &str) -> Result<Option<Option<Locale>>, StorageError>;
    /// Records a submission in one transaction: the rate-limit count, the
    /// person (created, or found by address and left untouched), a `given`
    /// ledger row per purpose ticked, the links and the mail. `None` (and
    /// nothing written) when the address is over its limit.
    async fn submit(&self, submission: &NewSubmission) -> Result<Recorded, StorageError> {
        Ok(self
            .submit_many(std::slice::from_ref(submission))
            .await?
            .pop()
            .unwrap_or(Recorded::Outdated))
    }
    /// [`ConsentStore::submit`] for several submissions in one transaction
    /// (one chain lock, one durable commit): each answer in the same place.
    /// Two submissions of one new address create one person.
    async fn submit_many(
        &self,
        submissions: &[NewSubmission],
    ) -> Result<Vec<Recorded>, StorageError>;
    /// A link's state, without using it.
    async fn link(&self, token_hash: &str, kind: &str) -> Result<LinkState, StorageError>;
    /// Uses a confirmation link: `confirmed` rows for its purposes, the
    /// link spent, in one transaction. Returns the state it was found in.
    async fn confirm(
        &self,
        token_hash: &str,
        evidence: &Evidence,
    ) -> Result<LinkState, StorageError>;
    /// Withdraws the person's consent to `purpose_ids` (all given or
    /// pending ones when empty); returns the purposes withdrawn.
    async fn withdraw(
        &self,
        person_id: i64,
        purpose_ids: &[i64],
        evidence: &Evidence,
    ) -> Result<Vec<i64>, StorageError>;
    /// A person's consents now, and their history (newest first).
    async fn of_person(
        &self,
        person_id: i64,
        locale: Locale,
    ) -> Result<(Vec<ConsentNow>, Vec<ConsentEntry>), StorageError>;
    /// The person's ledger rows with the texts and forms they name.
    async fn proof(&self, person_id: i64) -> Result<ProofData, StorageError>;
    /// Ledger rows after `after_id`, in chain order.
    async fn ledger_after(&self, after_id: i64, limit: i64)
    -> Result<Vec<LedgerRow>, StorageError>;
    /// The chain's head: last id and hash.
    async fn chain_head(&self) -> Result<(i64, String), StorageError>;
    /// Rebuilds the current-state table from the ledger; returns its rows.
    async fn rebuild_state(&self) -> Result<u64, StorageError>;
    /// `expired` rows for the consents still pending whose confirmation
    /// link expired before `now`; returns how many.
    async fn expire_pending(&self, now: DateTime<Utc>) -> Result<u64, StorageError>;
    /// Whether the person's consent on `channel` currently allows sending.
    async fn may_send(&self, person_id: i64, purpose_id: i64) -> Result<bool, StorageError>;

    /// Newest first.
    async fn outbox(&self, limit: i64) -> Result<Vec<OutboxMail>, StorageError>;
    /// Claims up to `limit` mails due at `now` for delivery, pushing their
    /// next attempt to `lease_until` so another instance leaves them.
    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxMail>, StorageError>;
    /// Delivered: the body is erased.
    async fn mail_sent(&self, id: i64, at: DateTime<Utc>) -> Result<(), StorageError>;
    async fn mail_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// Cuts the source address of the evidence of events older than their
    /// purpose's retention period to its network, at most `limit` rows per
    /// purpose; returns how many.
    async fn truncate_evidence(&self, now: DateTime<Utc>, limit: i64) -> Result<u64, StorageError>;

    /// Counts one submission from `addr_key` in the window starting at
    /// `window_start` (Unix seconds); returns the count so far.
    async fn count_submission(
        &self,
        addr_key: &str,
        window_start: i64,
    ) -> Result<i64, StorageError>;
    /// Forgets the windows that started before `before` (Unix seconds).
    async fn prune_rate_limits(&self, before: i64) -> Result<u64, StorageError>;
}
