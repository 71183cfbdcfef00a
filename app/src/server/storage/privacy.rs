//! The privacy part of the storage contract: erasure by anonymisation
//! (art. 17) and the retention clock's bookkeeping.

use super::{Evidence, OutgoingMail, RateCount, StorageError};
use crate::domain::privacy::{RequestDraft, RequestKind, RequestStatus, RequestView};
use crate::domain::retention::DueRule;
use crate::i18n::Locale;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

/// Why a person is erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasureReason {
    /// The person asked (or the DPO acted on their request).
    Request,
    /// The retention clock ran out.
    Retention,
}

impl ErasureReason {
    pub fn key(self) -> &'static str {
        match self {
            ErasureReason::Request => "request",
            ErasureReason::Retention => "retention",
        }
    }
}

/// What became of one person asked to be erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Erased {
    /// Anonymised now.
    Done,
    /// Anonymised before, at that time: nothing done again.
    Already(DateTime<Utc>),
    /// Kept: a legal obligation requires it (the recorded reason).
    Held(String),
    /// No such person.
    Missing,
}

/// One person the retention clock has run out for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuePerson {
    pub id: i64,
    pub rule: DueRule,
    /// When their clock started: collection, their last inbound contact or
    /// the end of the relationship.
    pub since: DateTime<Utc>,
    /// A legal hold's reason ('' for none): such a person is listed, not
    /// erased.
    pub legal_hold: String,
}

/// One retention run, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRun {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub as_of: NaiveDate,
    pub dry_run: bool,
    pub started_by: Option<i64>,
    pub due: i64,
    pub erased: i64,
    pub held: i64,
    /// Asked whether they still want to hear from the organisation.
    pub asked: i64,
}

/// A request received through the privacy portal, with its verification
/// link (only its SHA-256) and the mail carrying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub draft: RequestDraft,
    pub language: Locale,
    pub link_hash: String,
    pub link_expires_at: DateTime<Utc>,
    pub mail: OutgoingMail,
    pub rate: RateCount,
}

/// What receiving a request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Registered (unverified), its mail in the outbox.
    Done(i64),
    /// Too many posts from the address: nothing registered.
    TooMany,
}

/// A request's verification link, looked up by its hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestLink {
    Valid {
        request_id: i64,
        kind: RequestKind,
        language: Locale,
    },
    Used,
    Expired,
    Unknown,
}

/// Someone whose retention clock runs out within the notice, to be asked
/// whether they still want to hear from the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approaching {
    pub id: i64,
    pub rule: DueRule,
    /// When their clock started.
    pub since: DateTime<Utc>,
    /// Their first address.
    pub email: String,
    /// Their name as the mail greets them.
    pub name: String,
    pub language: Option<Locale>,
}

/// One re-permission mail to send, with its "yes" link (only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepermissionAsk {
    pub person_id: i64,
    pub link_hash: String,
    pub expires_at: DateTime<Utc>,
    pub mail: OutgoingMail,
}

/// The state of a re-permission link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepermissionLink {
    Valid { person_id: i64, language: Locale },
    Used,
    Expired,
    Unknown,
}

/// An open request whose due date nears, claimed for a reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub request_id: i64,
    pub kind: RequestKind,
    pub email: String,
    pub due_at: DateTime<Utc>,
    /// 7 or 2: the reminder this is.
    pub days: u8,
}

/// Writes the reminder mail for the claimed requests: its subject and
/// body.
pub type ReminderMail = dyn Fn(&[Reminder]) -> (String, String) + Send + Sync;

#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Registers a request from the portal, unverified and due one month
    /// from now, and puts its verification mail in the outbox; one
    /// transaction, counted against the address's rate limit first.
    async fn receive(&self, new: &NewRequest) -> Result<Received, StorageError>;

    /// The state of a verification link (following it changes nothing).
    async fn request_link(&self, token_hash: &str) -> Result<RequestLink, StorageError>;

    /// Confirms a request through its link, once: the request is verified
    /// and linked to the person with the address (the oldest, not
    /// erased), if any. Withdrawing every consent and objecting to
    /// prospecting are done there and then (on the ledger for the
    /// consents) and the request closed. Returns the link's state before.
    async fn verify(
        &self,
        token_hash: &str,
        evidence: &Evidence,
    ) -> Result<RequestLink, StorageError>;

    /// The register: open requests soonest due first, then (with
    /// `closed`) the others, newest first; at most `limit`.
    async fn requests(&self, closed: bool, limit: u32) -> Result<Vec<RequestView>, StorageError>;

    async fn request(&self, id: i64) -> Result<Option<RequestView>, StorageError>;

    /// The open rectification request about `person_id` (soonest due),
    /// as its id and what the requester asked to correct. Saves of the
    /// person while one is open are written to it (see
    /// [`super::PersonEdit::rectifies`]).
    async fn open_rectification(
        &self,
        person_id: i64,
    ) -> Result<Option<(i64, String)>, StorageError>;

    /// Extends an open request to three months from receipt with a
    /// reason, and puts `answer` (telling the requester, art. 12.3) in the
    /// outbox, in one transaction; false if it changed since `version` or
    /// is not open.
    async fn extend_request(
        &self,
        id: i64,
        version: i64,
        reason: &str,
        by: i64,
        answer: Option<&OutgoingMail>,
    ) -> Result<bool, StorageError>;

    /// Closes an open request as done or refused with what was done or
    /// why, and puts `answer` in the outbox, in one transaction; false if
    /// it changed since `version` or is not open.
    async fn close_request(
        &self,
        id: i64,
        version: i64,
        status: RequestStatus,
        outcome: &str,
        by: i64,
        answer: Option<&OutgoingMail>,
    ) -> Result<bool, StorageError>;

    /// What the privacy notice says besides the purposes: who to write
    /// to about personal data, and where the data is kept.
    async fn notice_settings(&self) -> Result<(String, String), StorageError>;

    async fn set_notice_settings(&self, contact: &str, location: &str) -> Result<(), StorageError>;

    /// Unverified requests whose link ran out become expired; how many.
    async fn expire_requests(&self, now: DateTime<Utc>) -> Result<u64, StorageError>;

    /// Anonymises each of `people` in one transaction: names, contact
    /// details, employer, free text of their interactions, their leads'
    /// details and deal titles erased; amounts, stages and their history,
    /// counts kept; every live consent withdrawn in the ledger (which
    /// still verifies) and its evidence deleted; their links and mails
    /// deleted; a tombstone written. At most 200 at once.
    async fn erase(
        &self,
        people: &[i64],
        reason: ErasureReason,
        by: Option<i64>,
    ) -> Result<Vec<Erased>, StorageError>;

    /// The tombstone of a person: when, by whom (None: the retention
    /// job), why.
    async fn tombstone(
        &self,
        person_id: i64,
    ) -> Result<Option<(DateTime<Utc>, Option<i64>, String)>, StorageError>;

    /// Claims the open requests due within seven days not reminded of at
    /// seven, and those due within two not reminded of at two (each
    /// reminder is sent once, whichever instance claims it), and puts one
    /// mail per recipient in the outbox, written by `compose`; one
    /// transaction. Returns what was claimed.
    async fn remind(
        &self,
        now: DateTime<Utc>,
        recipients: &[String],
        compose: &ReminderMail,
    ) -> Result<Vec<Reminder>, StorageError>;

    /// The data health counts: due before the `*_due` instants (past), or
    /// between them and the `*_notice` ones (near); people without a
    /// basis; untouched and unheard from since `stale_before`; addresses
    /// whose mail failed three times or more and is still undelivered.
    async fn health(
        &self,
        prospects: (DateTime<Utc>, DateTime<Utc>),
        former: (DateTime<Utc>, DateTime<Utc>),
        stale_before: DateTime<Utc>,
    ) -> Result<crate::domain::retention::DataHealth, StorageError>;

    /// Whether any of these addresses (lookup keys) or numbers (E.164) is
    /// on the suppression list: someone who objected to prospecting.
    async fn suppressed(
        &self,
        email_keys: &[String],
        phones: &[String],
    ) -> Result<bool, StorageError>;

    /// Restricts the processing of a person (art. 18) or lifts it; false
    /// when there is no such person or they are erased.
    async fn set_restriction(&self, person_id: i64, restricted: bool)
    -> Result<bool, StorageError>;

    /// Records a legal obligation to keep a person ('' lifts it).
    async fn set_legal_hold(&self, person_id: i64, reason: &str) -> Result<bool, StorageError>;

    /// People due under the clock: prospects and leads whose clock started
    /// before `prospects_before`, former customers whose relationship
    /// ended before `former_before`; not erased; by id, after `after_id`,
    /// at most `limit`.
    async fn due(
        &self,
        prospects_before: DateTime<Utc>,
        former_before: DateTime<Utc>,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<DuePerson>, StorageError>;

    /// Logs the start of a run; returns its id.
    async fn start_run(
        &self,
        as_of: NaiveDate,
        dry_run: bool,
        started_by: Option<i64>,
    ) -> Result<i64, StorageError>;

    /// Logs a run's counts so far (`finished`: and its end).
    async fn record_run(
        &self,
        id: i64,
        due: i64,
        erased: i64,
        held: i64,
        asked: i64,
        finished: bool,
    ) -> Result<(), StorageError>;

    /// The latest runs, newest first.
    async fn runs(&self, limit: u32) -> Result<Vec<RetentionRun>, StorageError>;

    /// People whose clock runs out within the notice: started in
    /// `[prospects.0, prospects.1)` for prospects and leads, in
    /// `[former.0, former.1)` for former customers; not erased, held,
    /// objecting or restricted; with an address; not asked since
    /// `asked_before`. By id after `after_id`, at most `limit`.
    async fn approaching(
        &self,
        prospects: (DateTime<Utc>, DateTime<Utc>),
        former: (DateTime<Utc>, DateTime<Utc>),
        asked_before: DateTime<Utc>,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<Approaching>, StorageError>;

    /// Sends the asks (at most 200) in one transaction: each person not
    /// asked since `asked_before` (another instance may have been first)
    /// is stamped, gets their link and mail, and every live consent of
    /// theirs a `repermission_asked` row on the ledger. Returns the ids
    /// asked now.
    async fn ask_repermission(
        &self,
        asks: &[RepermissionAsk],
        asked_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, StorageError>;

    /// The state of a "yes" link (following it changes nothing).
    async fn repermission_link(&self, token_hash: &str) -> Result<RepermissionLink, StorageError>;

    /// The answer "yes", once: the person's clock starts again now (an
    /// inbound contact) and each consent they have given is confirmed
    /// anew on the ledger. Returns the link's state before.
    async fn keep_in_touch(
        &self,
        token_hash: &str,
        evidence: &Evidence,
    ) -> Result<RepermissionLink, StorageError>;
}
