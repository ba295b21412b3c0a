//! Bearer-token authentication of resource calls, shared by every dialect: the header is read
//! here, the decision is made by the services.

use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sentral_services::{AuthFailure, Principal, ServiceError};

use crate::AppState;

/// The principal behind the request's bearer token, counted against its rate limits.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, ServiceError> {
    let token = bearer_token(parts)?;
    let principal = state.platform.authenticate_bearer(token).await?;
    state.platform.admit(principal.app.id.as_str()).await?;
    Ok(principal)
}

/// The token of `Authorization: Bearer <token>`. HTTP Basic is refused on resource calls.
pub fn bearer_token(parts: &Parts) -> Result<&str, AuthFailure> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or(AuthFailure::MissingAuthorization)?;
    let value = header
        .to_str()
        .map_err(|_| AuthFailure::InvalidToken)?
        .trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Err(AuthFailure::BasicNotAllowed);
    }
    if !scheme.eq_ignore_ascii_case("bearer") || rest.trim().is_empty() {
        return Err(AuthFailure::InvalidToken);
    }
    Ok(rest.trim())
}
