//! The archive part of the storage contract: everything Accord holds about
//! one person, gathered for an access or portability request (art. 15 and
//! 20), and the archive's delivery through a download link.

use super::{OutgoingMail, StorageError};
use crate::domain::privacy::RequestView;
use crate::i18n::Locale;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The rows of one catalogued table about the person. `columns` are the
/// field catalogue's keys (`person.first_name`…) after the row's own
/// references (`id`, `deal_id`…); every value is text (`None`: empty in
/// the database), references to users, teams, tags, stages and companies
/// given by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveTable {
    pub table: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// One access-log entry about the person: who in the organisation read,
/// changed or exported their record, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    pub at: DateTime<Utc>,
    pub by: String,
    pub action: String,
    pub record_type: String,
    pub allowed: bool,
}

/// What the archive is built from, read in one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveData {
    /// One entry per catalogued table, in the catalogue's order.
    pub tables: Vec<ArchiveTable>,
    /// Oldest first.
    pub access: Vec<AccessEntry>,
    /// The person's privacy requests, oldest first.
    pub requests: Vec<RequestView>,
}

/// A built archive to deliver for request `request_id`.
#[derive(Debug, Clone)]
pub struct NewArchive {
    pub request_id: i64,
    /// The request's version the archive was built against.
    pub version: i64,
    pub person_id: i64,
    pub json: String,
    pub csv: String,
    /// SHA-256 of the download link's token (the token itself is only in
    /// the mail).
    pub link_hash: String,
    pub expires_at: DateTime<Utc>,
    pub mail: OutgoingMail,
    /// What the register records as done.
    pub outcome: String,
    pub by: i64,
}

/// The state of a download link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Download {
    Ready {
        json: String,
        csv: String,
        language: Locale,
        expires_at: DateTime<Utc>,
    },
    /// Past its seven days (the archive is deleted by then or soon).
    Expired,
    Unknown,
}

#[async_trait]
pub trait ArchiveStore: Send + Sync {
    /// Everything held about the person, or None when there is no such
    /// person.
    async fn collect(&self, person_id: i64) -> Result<Option<ArchiveData>, StorageError>;

    /// Stores the archive with its download link, puts the mail in the
    /// outbox and closes the request as done with `outcome`; one
    /// transaction. False (nothing written) when the request changed
    /// since `version` or is not open.
    async fn deliver(&self, archive: &NewArchive) -> Result<bool, StorageError>;

    /// The archive behind a download link.
    async fn download(&self, token_hash: &str) -> Result<Download, StorageError>;

    /// Deletes the archives whose link ran out; how many.
    async fn purge_archives(&self, now: DateTime<Utc>) -> Result<u64, StorageError>;
}
