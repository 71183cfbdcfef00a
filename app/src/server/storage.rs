//! The storage contract. Object-safe traits, held as `Arc<dyn …>` because
//! server functions cannot be generic; one implementation per backend lives
//! in the `server` crate and both run the same contract tests.

use crate::domain::{Organisation, OrganisationName};
use async_trait::async_trait;
use std::sync::Arc;

/// A storage failure. The text is for logs only: server functions turn any
/// of these into an opaque `AppError::Internal` with a request id.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database cannot be reached or refused the connection.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A row that must exist is missing (for example an unmigrated database).
    #[error("missing row: {0}")]
    Missing(String),
    /// A stored value no longer passes the domain's validation.
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(String),
}

/// Which database engine is behind the storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The organisation using this instance (a single row).
#[async_trait]
pub trait OrganisationStore: Send + Sync {
    async fn get(&self) -> Result<Organisation, StorageError>;
    async fn rename(&self, name: &OrganisationName) -> Result<Organisation, StorageError>;
}

/// Liveness of the database, for `/readyz`.
#[async_trait]
pub trait HealthStore: Send + Sync {
    async fn ping(&self) -> Result<(), StorageError>;
}

/// Every store, for one backend. Cloning is cheap (reference counts).
#[derive(Clone)]
pub struct Storage {
    pub backend: Backend,
    pub organisation: Arc<dyn OrganisationStore>,
    pub health: Arc<dyn HealthStore>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("backend", &self.backend)
            .finish()
    }
}
