use std::path::PathBuf;

use thiserror::Error;

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
    Migration { version: i64, source: sqlx::Error },
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl StoreError {
    /// A unique-constraint violation turned into a conflict naming `what`, other errors unchanged.
    pub fn conflict_as(self, what: impl Into<String>) -> Self {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                StoreError::Conflict { what: what.into() }
            }
            other => other,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::Database(error)
    }
}

impl From<sentral_domain::DomainError> for StoreError {
    fn from(error: sentral_domain::DomainError) -> Self {
        StoreError::Corrupt(error.to_string())
    }
}
