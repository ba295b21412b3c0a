use sentral_store::StoreError;
use thiserror::Error;

/// Why a caller could not be authenticated or authorised. Each dialect maps these to its own
/// wire codes (Telenor 401xx/403xx, KPN error names).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthFailure {
    #[error("missing authorization header")]
    MissingAuthorization,
    #[error("invalid access token")]
    InvalidToken,
    #[error("access token expired")]
    ExpiredToken,
    #[error("basic authentication is not allowed here or not allowed for this client")]
    BasicNotAllowed,
    #[error("invalid client id or secret")]
    InvalidClient,
    #[error("the application holds no API product {product}")]
    NoApiProduct { product: &'static str },
    #[error("the token's scope does not include {product}")]
    InvalidScope { product: &'static str },
    #[error("not authorized to use the given MSISDN")]
    MsisdnNotGranted,
    #[error(
        "these APIs act for a system user; get the token with grant_type=password and the system \
         user's name and password"
    )]
    SystemUserRequired,
    #[error("the grant is invalid: {0}")]
    InvalidGrant(String),
    #[error(
        "unsupported grant_type {0:?}; use password, client_credentials, refresh_token or authorization_code"
    )]
    UnsupportedGrantType(String),
    #[error("scope {0:?} names a product the application does not hold")]
    ScopeNotHeld(String),
    #[error(
        "the CSTA interface takes a CSTA session token as its bearer token: POST /status/token, \
         then POST /csta/authentication/token with {{\"statusToken\": …}}, and send the token it answers"
    )]
    CstaSessionRequired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitKind {
    /// The per-minute quota, counted across every node.
    Quota,
    /// The per-second spike arrest, counted per node.
    SpikeArrest,
}

/// A rule of the corporate Info/Order APIs that has its own documented error code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CorporateError {
    #[error("the request body is empty")]
    EmptyInput,
    #[error("{0}")]
    InvalidOrgNumber(String),
    #[error("organisation {0} is not found among the organisations you may act for")]
    OrganizationNotFound(String),
    #[error("{0}")]
    AddressCardNotFound(String),
    #[error("{0}")]
    InvalidAddressCard(String),
    #[error("{0}")]
    InvalidReference(String),
    #[error("agreement id must be a number, got {0:?}")]
    InvalidAgreementId(String),
    #[error("agreement {0} is not found among the agreements you may see")]
    AgreementNotFound(String),
}

#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("{0}")]
    Corporate(#[from] CorporateError),
    #[error("{0}")]
    Auth(#[from] AuthFailure),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{what} already exists")]
    Conflict { what: String },
    /// The change conflicts with the data as it is (the message says how).
    #[error("{0}")]
    Conflicting(String),
    #[error("{0}")]
    NotAllowed(String),
    /// A sync position older than the data kept for it; the client must sync in full.
    #[error("{0}")]
    SyncExpired(String),
    #[error("rate limit exceeded; retry after {retry_after_seconds} s")]
    RateLimited {
        kind: RateLimitKind,
        retry_after_seconds: u64,
    },
    /// A CSTA service the engine refused (the connection's state, an unknown call …).
    #[error("{0}")]
    Csta(sentral_engine::CstaError),
    /// Another node owns the enterprise's telephony engine (or ownership is changing): answered
    /// 503 with `Retry-After`, never applied here, so a retry cannot apply it twice.
    #[error(
        "the telephony of enterprise {enterprise} is owned by {}; not applied, retry after {retry_after_secs} s",
        owner.as_deref().map_or_else(|| "no node right now (its owner is changing)".to_owned(), |node| format!("node {node}"))
    )]
    NotOwner {
        enterprise: String,
        /// The node holding the lease, when one does.
        owner: Option<String>,
        retry_after_secs: u64,
    },
    /// The onboarding portal refused a person (login, rights, a fresh login needed).
    #[error("{0}")]
    Portal(crate::portal::PortalFailure),
    #[error("storage failed: {0}")]
    Store(StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ServiceError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A broken invariant of our own (e.g. fixed demo data that does not parse): 50001, the
    /// cause logged.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ServiceError::Internal(cause.to_string())
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        ServiceError::NotFound { what: what.into() }
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { what } => ServiceError::Conflict { what },
            other => ServiceError::Store(other),
        }
    }
}
