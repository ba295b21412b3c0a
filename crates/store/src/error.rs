use std::path::PathBuf;

use thiserror::Error;

use crate::db::DbError;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(
        "data dir {0} is in use by another sentral process (lock file sentral.lock); stop that \
         process or choose another --data-dir"
    )]
    DataDirInUse(PathBuf),
    #[error("cannot use data dir {dir}: {source}")]
    DataDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("{what} already exists")]
    Conflict { what: String },
    #[error("stored row is not valid: {0}")]
    Corrupt(String),
    #[error("migration {version} failed: {source}")]
    Migration { version: i64, source: DbError },
    #[error("database error: {0}")]
    Database(#[source] DbError),
    /// The lease was taken over, released or let expire: its ex-holder must stop writing for it.
    #[error("lease for {resource} lost at epoch {epoch}")]
    LeaseLost { resource: String, epoch: i64 },
}

impl StoreError {
    /// The database cannot be reached now: a retry may succeed (see [`DbError::is_unavailable`]).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Database(error) if error.is_unavailable())
    }

    /// A unique-constraint violation turned into a conflict naming `what`, other errors unchanged.
    pub fn conflict_as(self, what: impl Into<String>) -> Self {
        match self {
            StoreError::Database(error) if error.is_unique_violation() => {
                StoreError::Conflict { what: what.into() }
            }
            other => other,
        }
    }
}

impl From<DbError> for StoreError {
    fn from(error: DbError) -> Self {
        StoreError::Database(error)
    }
}

impl From<sentral_domain::DomainError> for StoreError {
    fn from(error: sentral_domain::DomainError) -> Self {
        StoreError::Corrupt(error.to_string())
    }
}
