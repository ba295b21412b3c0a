//! The Telenor dialect's error envelope: `{"code": 40105, "message": "…", "detail": "…"}` with
//! the documented numeric codes. Built here and nowhere else.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sentral_services::{AuthFailure, CorporateError, ServiceError, error::RateLimitKind};
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

/// Every error the Telenor and MBN APIs answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TelenorError {
    /// 40000: the request is malformed (body, parameters); `detail` names the field.
    BadRequest(String),
    /// 40010: OAuth `invalid_request` at the token endpoint.
    InvalidTokenRequest(String),
    /// 40011: OAuth `invalid_grant`.
    InvalidGrant(String),
    /// 40012: OAuth `unsupported_grant_type`.
    UnsupportedGrantType(String),
    /// 40013: OAuth `invalid_scope` at the token endpoint.
    ScopeNotHeld(String),
    MissingAuthorization,
    NoApiProduct(&'static str),
    MsisdnNotGranted,
    InvalidToken,
    ExpiredToken,
    BasicNotAllowed,
    InvalidClient,
    InvalidScope(&'static str),
    /// 40302: the caller may not do this (e.g. the application does not reach the company).
    Forbidden(String),
    PathNotFound,
    /// 40402: the addressed resource does not exist or is not visible to the caller.
    NotFound(String),
    /// 40901: the change conflicts with existing data.
    Conflict(String),
    PayloadTooLarge,
    UnsupportedMediaType(String),
    /// 40600: the response can be had only in another form (e.g. an event stream without a
    /// WebSocket upgrade or `Accept: text/event-stream`).
    NotAcceptable(String),
    Quota {
        retry_after_seconds: u64,
    },
    SpikeArrest {
        retry_after_seconds: u64,
    },
    Internal,
    /// 50301: not served by this node now (another node owns the enterprise's telephony);
    /// nothing was applied, the request can be retried after `Retry-After`.
    Unavailable {
        detail: String,
        retry_after_seconds: u64,
    },
    /// 50101: an upstream operation sentral lists but has not built yet.
    NotImplemented(&'static str),
    /// 400001: the agreement id is not a number.
    InvalidAgreementId(String),
    /// 400007: the organisation is unknown or not among the caller's.
    OrganizationNotFound(String),
    /// 400009: the address card does not exist (or none can be chosen).
    AddressCardNotFound(String),
    /// 400024: an organisation number that is not 9 digits with a valid check digit.
    InvalidOrgNumber(String),
    /// 400032: an address card id that is malformed, foreign or missing where required.
    InvalidAddressCardId(String),
    /// 400033: an account or user reference that breaks the rules.
    InvalidReference(String),
    /// 400036: the request body is empty.
    EmptyInput,
    /// 404001: the agreement is unknown or not visible to the caller.
    AgreementNotFound(String),
    /// 4042000: the API exists, the operation under it does not.
    BackendPathNotFound,
    /// 40101: the resource is not for this kind of token (e.g. no system user behind it).
    InvalidResource(String),
    /// 41001: the API was discontinued; the detail says what replaces it.
    Gone(String),
    /// 41002: a sync cursor older than the data kept for it; the detail says how to sync in full.
    SyncExpired(String),
    /// A CSTA service refused: 40902 (409) when the connection's state does not allow it,
    /// 40403 (404) for an unknown call, device or connection, 40003 (400) for a bad destination
    /// or value. The ECMA-269 error name is in `error`.
    Csta(sentral_engine::CstaError),
}

/// The body of every Telenor-dialect error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The documented numeric error code, e.g. 40105.
    #[schema(example = 40105)]
    pub code: u32,
    /// What the code means, as documented.
    #[schema(example = "Invalid access token")]
    pub message: &'static str,
    /// What exactly was wrong with this request, when there is more to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The RFC 6749 error code on token endpoint errors; the ECMA-269 error name (e.g.
    /// `invalidConnectionState`) on CSTA service errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "invalid_grant")]
    pub error: Option<&'static str>,
    /// The request id (also in the `x-request-id` header), to quote when asking for help.
    pub request_id: String,
}

/// The 503 a telephony operation (call control, monitors, device snapshots, queue status,
/// presence, the sandbox network) answers in a cluster when the node owning the enterprise's
/// engine cannot be reached: [`TelenorError::Unavailable`], code 50301, with `Retry-After`.
/// Listed in the `responses(...)` of every operation that reaches an engine.
#[derive(IntoResponses)]
#[response(
    status = 503,
    description = "50301 Service temporarily unavailable: the node owning the enterprise's telephony, or the store, cannot be reached now; nothing was applied, retry after the seconds in Retry-After",
    headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))
)]
pub struct NotOwnerUnavailable(pub ErrorBody);

impl TelenorError {
    /// Status, numeric code, documented message and the OAuth error code where one applies.
    pub fn parts(&self) -> (StatusCode, u32, &'static str, Option<&'static str>) {
        use TelenorError::*;
        match self {
            BadRequest(_) => (StatusCode::BAD_REQUEST, 40000, "Bad request", None),
            InvalidTokenRequest(_) => (
                StatusCode::BAD_REQUEST,
                40010,
                "Invalid token request",
                Some("invalid_request"),
            ),
            InvalidGrant(_) => (
                StatusCode::BAD_REQUEST,
                40011,
                "Invalid grant",
                Some("invalid_grant"),
            ),
            UnsupportedGrantType(_) => (
                StatusCode::BAD_REQUEST,
                40012,
                "Unsupported grant type",
                Some("unsupported_grant_type"),
            ),
            ScopeNotHeld(_) => (
                StatusCode::BAD_REQUEST,
                40013,
                "Invalid scope requested",
                Some("invalid_scope"),
            ),
            MissingAuthorization => (
                StatusCode::UNAUTHORIZED,
                40102,
                "Missing authorization header",
                None,
            ),
            NoApiProduct(_) => (
                StatusCode::UNAUTHORIZED,
                40103,
                "No API product found",
                None,
            ),
            MsisdnNotGranted => (
                StatusCode::UNAUTHORIZED,
                40104,
                "Not authorized to use given MSISDN",
                None,
            ),
            InvalidToken => (
                StatusCode::UNAUTHORIZED,
                40105,
                "Invalid access token",
                None,
            ),
            ExpiredToken => (
                StatusCode::UNAUTHORIZED,
                40106,
                "Access token expired",
                None,
            ),
            BasicNotAllowed => (
                StatusCode::UNAUTHORIZED,
                40107,
                "Basic authentication not allowed for external access or not allowed for client",
                Some("unauthorized_client"),
            ),
            InvalidClient => (
                StatusCode::UNAUTHORIZED,
                40108,
                "Invalid client id or secret for basic authentication",
                Some("invalid_client"),
            ),
            InvalidScope(_) => (StatusCode::FORBIDDEN, 40301, "Invalid scope", None),
            Forbidden(_) => (StatusCode::FORBIDDEN, 40302, "Forbidden", None),
            PathNotFound => (
                StatusCode::NOT_FOUND,
                40401,
                "Path or method not found",
                None,
            ),
            NotFound(_) => (StatusCode::NOT_FOUND, 40402, "Resource not found", None),
            Conflict(_) => (StatusCode::CONFLICT, 40901, "Conflict", None),
            PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                41300,
                "Request body too large",
                None,
            ),
            NotAcceptable(_) => (StatusCode::NOT_ACCEPTABLE, 40600, "Not acceptable", None),
            UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                41500,
                "Unsupported media type",
                None,
            ),
            Quota { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                42901,
                "Rate limit quota violation",
                None,
            ),
            SpikeArrest { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                42902,
                "Spike arrest violation",
                None,
            ),
            Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                50001,
                "Internal Server Error",
                None,
            ),
            NotImplemented(_) => (StatusCode::NOT_IMPLEMENTED, 50101, "Not implemented", None),
            Unavailable { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                50301,
                "Service temporarily unavailable",
                None,
            ),
            InvalidAgreementId(_) => (
                StatusCode::BAD_REQUEST,
                400001,
                "Invalid agreement id",
                None,
            ),
            OrganizationNotFound(_) => (
                StatusCode::BAD_REQUEST,
                400007,
                "Organization not found",
                None,
            ),
            AddressCardNotFound(_) => (
                StatusCode::BAD_REQUEST,
                400009,
                "Address card not found",
                None,
            ),
            InvalidOrgNumber(_) => (
                StatusCode::BAD_REQUEST,
                400024,
                "Invalid organization number provided",
                None,
            ),
            InvalidAddressCardId(_) => (
                StatusCode::BAD_REQUEST,
                400032,
                "Invalid address card id",
                None,
            ),
            InvalidReference(_) => (StatusCode::BAD_REQUEST, 400033, "Invalid reference", None),
            EmptyInput => (StatusCode::BAD_REQUEST, 400036, "Empty input", None),
            InvalidResource(_) => (StatusCode::UNAUTHORIZED, 40101, "Invalid resource", None),
            Gone(_) => (StatusCode::GONE, 41001, "API discontinued", None),
            SyncExpired(_) => (StatusCode::GONE, 41002, "Sync cursor expired", None),
            Csta(error) => {
                use sentral_engine::CstaError as E;
                let name = Some(error.name());
                match error {
                    E::InvalidConnectionState { .. }
                    | E::RequestIncompatibleWithObject(_)
                    | E::DeviceOutOfService(_) => (
                        StatusCode::CONFLICT,
                        40902,
                        "CSTA service not possible in this state",
                        name,
                    ),
                    E::InvalidCallIdentifier(_)
                    | E::InvalidDeviceIdentifier(_)
                    | E::InvalidConnectionIdentifier { .. } => {
                        (StatusCode::NOT_FOUND, 40403, "CSTA object not found", name)
                    }
                    E::InvalidDestination(_) | E::ValueOutOfRange(_) => {
                        (StatusCode::BAD_REQUEST, 40003, "Invalid CSTA request", name)
                    }
                }
            }
            AgreementNotFound(_) => (StatusCode::NOT_FOUND, 404001, "Agreement not found", None),
            BackendPathNotFound => (
                StatusCode::NOT_FOUND,
                4042000,
                "Path or method not found on back-end server",
                None,
            ),
        }
    }

    fn detail(&self) -> Option<String> {
        use TelenorError::*;
        match self {
            BadRequest(detail)
            | InvalidTokenRequest(detail)
            | InvalidGrant(detail)
            | UnsupportedGrantType(detail)
            | Forbidden(detail)
            | NotFound(detail)
            | Conflict(detail)
            | UnsupportedMediaType(detail)
            | NotAcceptable(detail)
            | OrganizationNotFound(detail)
            | AddressCardNotFound(detail)
            | InvalidOrgNumber(detail)
            | InvalidAddressCardId(detail)
            | InvalidReference(detail)
            | InvalidResource(detail)
            | Gone(detail)
            | SyncExpired(detail)
            | Unavailable { detail, .. } => Some(detail.clone()),
            InvalidAgreementId(id) => Some(format!("agreement id must be a number, got {id:?}")),
            AgreementNotFound(id) => Some(format!(
                "agreement {id} is not found among the agreements you may see"
            )),
            EmptyInput => Some("send a JSON object with the fields of the request".into()),
            Csta(error) => Some(error.to_string()),
            BackendPathNotFound => Some(
                "the API has no such operation; see /openapi/telenor.json for its paths".into(),
            ),
            ScopeNotHeld(scope) => Some(format!(
                "the application does not hold every product in scope {scope:?}"
            )),
            NoApiProduct(product) => Some(format!(
                "the application does not hold the API product {product}"
            )),
            InvalidScope(product) => Some(format!(
                "the token was not issued for the API product {product}"
            )),
            NotImplemented(operation) => {
                Some(format!("{operation} is not implemented by sentral yet"))
            }
            Quota {
                retry_after_seconds,
            }
            | SpikeArrest {
                retry_after_seconds,
            } => Some(format!("retry after {retry_after_seconds} s")),
            PayloadTooLarge => Some(format!(
                "request bodies are limited to {} bytes",
                crate::BODY_LIMIT_BYTES
            )),
            MissingAuthorization => Some("send 'Authorization: Bearer <access token>'".into()),
            ExpiredToken => Some("get a new token from POST /oauth/v2/token".into()),
            MsisdnNotGranted | InvalidToken | BasicNotAllowed | InvalidClient | PathNotFound
            | Internal => None,
        }
    }
}

impl IntoResponse for TelenorError {
    fn into_response(self) -> Response {
        let (status, code, message, error) = self.parts();
        let body = ErrorBody {
            code,
            message,
            detail: self.detail(),
            error,
            request_id: crate::request_id::current(),
        };
        let mut response = (status, crate::json::Json(body)).into_response();
        if let TelenorError::Quota {
            retry_after_seconds,
        }
        | TelenorError::SpikeArrest {
            retry_after_seconds,
        }
        | TelenorError::Unavailable {
            retry_after_seconds,
            ..
        } = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<AuthFailure> for TelenorError {
    fn from(failure: AuthFailure) -> Self {
        match failure {
            AuthFailure::MissingAuthorization => TelenorError::MissingAuthorization,
            AuthFailure::InvalidToken => TelenorError::InvalidToken,
            AuthFailure::ExpiredToken => TelenorError::ExpiredToken,
            AuthFailure::BasicNotAllowed => TelenorError::BasicNotAllowed,
            AuthFailure::InvalidClient => TelenorError::InvalidClient,
            AuthFailure::NoApiProduct { product } => TelenorError::NoApiProduct(product),
            AuthFailure::InvalidScope { product } => TelenorError::InvalidScope(product),
            AuthFailure::MsisdnNotGranted => TelenorError::MsisdnNotGranted,
            AuthFailure::SystemUserRequired => {
                TelenorError::InvalidResource(AuthFailure::SystemUserRequired.to_string())
            }
            AuthFailure::InvalidGrant(reason) => TelenorError::InvalidGrant(reason),
            AuthFailure::UnsupportedGrantType(grant) => {
                TelenorError::UnsupportedGrantType(format!(
                    "grant_type {grant:?} is not supported; use password, client_credentials, refresh_token or authorization_code"
                ))
            }
            AuthFailure::ScopeNotHeld(scope) => TelenorError::ScopeNotHeld(scope),
            AuthFailure::CstaSessionRequired => {
                TelenorError::InvalidResource(AuthFailure::CstaSessionRequired.to_string())
            }
        }
    }
}

impl From<ServiceError> for TelenorError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Auth(failure) => failure.into(),
            ServiceError::Corporate(error) => match error {
                CorporateError::EmptyInput => TelenorError::EmptyInput,
                CorporateError::InvalidOrgNumber(detail) => TelenorError::InvalidOrgNumber(detail),
                CorporateError::OrganizationNotFound(org) => TelenorError::OrganizationNotFound(
                    format!("organisation {org} is not among the organisations you may act for"),
                ),
                CorporateError::AddressCardNotFound(detail) => {
                    TelenorError::AddressCardNotFound(detail)
                }
                CorporateError::InvalidAddressCard(detail) => {
                    TelenorError::InvalidAddressCardId(detail)
                }
                CorporateError::InvalidReference(detail) => TelenorError::InvalidReference(detail),
                CorporateError::InvalidAgreementId(id) => TelenorError::InvalidAgreementId(id),
                CorporateError::AgreementNotFound(id) => TelenorError::AgreementNotFound(id),
            },
            ServiceError::Invalid { field, message } => {
                TelenorError::BadRequest(format!("{field}: {message}"))
            }
            ServiceError::NotFound { what } => TelenorError::NotFound(format!("{what} not found")),
            ServiceError::Conflict { what } => {
                TelenorError::Conflict(format!("{what} already exists"))
            }
            ServiceError::Conflicting(reason) => TelenorError::Conflict(reason),
            ServiceError::NotAllowed(reason) => TelenorError::Forbidden(reason),
            ServiceError::Portal(failure) => TelenorError::Forbidden(failure.to_string()),
            ServiceError::SyncExpired(reason) => TelenorError::SyncExpired(reason),
            ServiceError::Csta(error) => TelenorError::Csta(error),
            ServiceError::RateLimited {
                kind: RateLimitKind::Quota,
                retry_after_seconds,
            } => TelenorError::Quota {
                retry_after_seconds,
            },
            ServiceError::RateLimited {
                kind: RateLimitKind::SpikeArrest,
                retry_after_seconds,
            } => TelenorError::SpikeArrest {
                retry_after_seconds,
            },
            error @ ServiceError::NotOwner {
                retry_after_secs, ..
            } => TelenorError::Unavailable {
                detail: error.to_string(),
                retry_after_seconds: retry_after_secs,
            },
            ServiceError::Store(cause) if cause.is_unavailable() => {
                tracing::warn!(request_id = %crate::request_id::current(), error = %cause, "store unreachable");
                TelenorError::Unavailable {
                    detail: "the store cannot be reached now; retry shortly".to_owned(),
                    retry_after_seconds: STORE_RETRY_AFTER_SECS,
                }
            }
            ServiceError::Store(cause) => {
                tracing::error!(request_id = %crate::request_id::current(), error = %cause, "store failed");
                TelenorError::Internal
            }
            ServiceError::Internal(cause) => {
                tracing::error!(request_id = %crate::request_id::current(), error = %cause, "internal error");
                TelenorError::Internal
            }
        }
    }
}

/// When to retry after the store could not be reached (a database restarting).
const STORE_RETRY_AFTER_SECS: u64 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks the whole table: every variant has the documented status and a unique code.
    #[test]
    fn every_error_has_a_distinct_documented_code() {
        use TelenorError::*;
        let all = [
            BadRequest(String::new()),
            InvalidTokenRequest(String::new()),
            InvalidGrant(String::new()),
            UnsupportedGrantType(String::new()),
            ScopeNotHeld(String::new()),
            MissingAuthorization,
            NoApiProduct("x"),
            MsisdnNotGranted,
            InvalidToken,
            ExpiredToken,
            BasicNotAllowed,
            InvalidClient,
            InvalidScope("x"),
            Forbidden(String::new()),
            PathNotFound,
            NotFound(String::new()),
            Conflict(String::new()),
            PayloadTooLarge,
            UnsupportedMediaType(String::new()),
            Quota {
                retry_after_seconds: 1,
            },
            SpikeArrest {
                retry_after_seconds: 1,
            },
            Internal,
            Unavailable {
                detail: String::new(),
                retry_after_seconds: 1,
            },
            NotImplemented("x"),
            InvalidAgreementId(String::new()),
            OrganizationNotFound(String::new()),
            AddressCardNotFound(String::new()),
            InvalidOrgNumber(String::new()),
            InvalidAddressCardId(String::new()),
            InvalidReference(String::new()),
            EmptyInput,
            AgreementNotFound(String::new()),
            BackendPathNotFound,
            InvalidResource(String::new()),
            Gone(String::new()),
            SyncExpired(String::new()),
        ];
        let mut codes = std::collections::BTreeSet::new();
        for error in &all {
            let (status, code, message, _) = error.parts();
            assert!(codes.insert(code), "duplicate code {code}");
            assert!(!message.is_empty());
            // The documented codes start with the HTTP status.
            assert!(
                code.to_string().starts_with(&status.as_u16().to_string()),
                "{code} vs {status}"
            );
        }
        let documented = [
            40102, 40103, 40104, 40105, 40106, 40107, 40108, 40301, 40401, 42901, 42902, 50001,
            40101, 400001, 400007, 400009, 400024, 400032, 400033, 400036, 404001, 4042000,
        ];
        for code in documented {
            assert!(codes.contains(&code), "documented code {code} missing");
        }
    }

    /// Another node owning the enterprise's telephony: 503, `Retry-After`, a message naming it.
    #[test]
    fn not_owner_is_a_503_with_retry_after() {
        let error = TelenorError::from(ServiceError::NotOwner {
            enterprise: "100001".into(),
            owner: Some("node-a".into()),
            retry_after_secs: 4,
        });
        let detail = error.detail().unwrap_or_default();
        assert!(
            detail.contains("node node-a") && detail.contains("retry after 4 s"),
            "{detail}"
        );
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "4");
    }
}
