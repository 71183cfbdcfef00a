//! Sending a person their archive (access and portability, art. 15 and
//! 20). The server functions decide who may and when; building the
//! document needs the consent ledger's proof, which the `server` crate
//! computes, so the work itself is behind this trait.

use super::storage::StorageError;
use crate::domain::privacy::RequestView;
use crate::i18n::Locale;
use async_trait::async_trait;

#[async_trait]
pub trait ArchiveSender: Send + Sync + std::fmt::Debug {
    /// Builds the archive of everything held about `person_id` for the open
    /// request `request`, keeps it for seven days behind a link mailed to
    /// the request's (verified) address, and closes the request as done,
    /// its outcome written in `locale`. False, with nothing written, when
    /// the request changed meanwhile; None when the person is gone.
    async fn send(
        &self,
        request: &RequestView,
        person_id: i64,
        by: i64,
        locale: Locale,
    ) -> Result<Option<bool>, StorageError>;
}
