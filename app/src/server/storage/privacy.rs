//! The privacy part of the storage contract: erasure by anonymisation
//! (art. 17) and the retention clock's bookkeeping.

use super::StorageError;
use crate::domain::retention::DueRule;
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
}

#[async_trait]
pub trait PrivacyStore: Send + Sync {
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
        finished: bool,
    ) -> Result<(), StorageError>;

    /// The latest runs, newest first.
    async fn runs(&self, limit: u32) -> Result<Vec<RetentionRun>, StorageError>;
}
