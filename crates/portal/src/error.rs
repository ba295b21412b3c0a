//! What a page answers when it cannot show itself. A handler returns a [`PageError`]; the
//! portal's frame ([`crate::frame`]) turns it into a page in the visitor's language, or into a
//! redirect to the login page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sentral_services::ServiceError;
use sentral_services::portal::PortalFailure;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    /// Not logged in (or the session ended): to the login page, and back here afterwards.
    LoginRequired,
    /// A sensitive action with an old login: give the password again, then come back.
    FreshLoginRequired,
    /// The role or rights do not cover this.
    Forbidden(String),
    NotFound,
    /// The form's token is missing or wrong, or it came from another site.
    BadForm,
    /// A field or parameter that cannot be used; the message names it.
    BadRequest(String),
    /// The store is out of reach for a moment.
    Unavailable,
    /// Our fault; the cause is logged, not shown.
    Internal(String),
}

impl PageError {
    pub fn status(&self) -> StatusCode {
        match self {
            PageError::LoginRequired | PageError::FreshLoginRequired => StatusCode::SEE_OTHER,
            PageError::Forbidden(_) | PageError::BadForm => StatusCode::FORBIDDEN,
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<ServiceError> for PageError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Portal(failure) => match failure {
                PortalFailure::LoginRequired => PageError::LoginRequired,
                PortalFailure::FreshLoginRequired { .. } => PageError::FreshLoginRequired,
                PortalFailure::Forbidden(reason) => PageError::Forbidden(reason),
                failure @ (PortalFailure::BadCredentials | PortalFailure::Locked { .. }) => {
                    PageError::BadRequest(failure.to_string())
                }
            },
            ServiceError::Auth(failure) => PageError::Forbidden(failure.to_string()),
            ServiceError::NotAllowed(reason) => PageError::Forbidden(reason),
            ServiceError::NotFound { .. } => PageError::NotFound,
            ServiceError::Invalid { field, message } => {
                PageError::BadRequest(format!("{field}: {message}"))
            }
            error @ ServiceError::Conflict { .. } => PageError::BadRequest(error.to_string()),
            ServiceError::Conflicting(reason) | ServiceError::SyncExpired(reason) => {
                PageError::BadRequest(reason)
            }
            ServiceError::Corporate(error) => PageError::BadRequest(error.to_string()),
            ServiceError::Csta(error) => PageError::BadRequest(error.to_string()),
            ServiceError::RateLimited { .. } | ServiceError::NotOwner { .. } => {
                PageError::Unavailable
            }
            ServiceError::Store(error) if error.is_unavailable() => PageError::Unavailable,
            error @ (ServiceError::Store(_) | ServiceError::Internal(_)) => {
                PageError::Internal(error.to_string())
            }
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(error: askama::Error) -> Self {
        PageError::Internal(format!("rendering failed: {error}"))
    }
}

/// The error travels to the frame as an extension of an empty response.
impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(self);
        response
    }
}
