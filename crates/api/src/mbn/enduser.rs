//! The MBN End User API (SOAP) was discontinued at the end of September 2022: every request
//! under `/enduser` answers 410 Gone saying so and what replaces it.

use axum::extract::Request;

use crate::telenor::TelenorError;

/// Anything under `/enduser`.
#[utoipa::path(
    get,
    path = "/enduser/{rest}",
    tag = "mbn-enduser",
    params(("rest" = String, Path, description = "Any path of the former End User API")),
    responses((status = 410, description = "41001: discontinued", body = crate::telenor::ErrorBody))
)]
pub async fn discontinued(request: Request) -> TelenorError {
    TelenorError::Gone(format!(
        "{} {}: the MBN End User API (SOAP) was discontinued at the end of September 2022; use \
         the MBN User API (/user/users/{{memberId}}/absences, /call-forwarding) with an end-user \
         token from the authorization-code grant, and the Catalog API (/catalog/…)",
        request.method(),
        request.uri().path()
    ))
}
