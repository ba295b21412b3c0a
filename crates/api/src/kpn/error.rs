//! The KPN dialect's error envelope, as the official description defines `ErrorResponse`:
//! `{transactionId, status, name, message, info}`. Built here and nowhere else.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sentral_services::{AuthFailure, CorporateError, ServiceError, error::RateLimitKind};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KpnError {
    /// At the token endpoint, KPN answers a bad client with HTTP 500 and a wrapped body.
    InvalidClient,
    /// At the token endpoint: an unsupported or missing grant type.
    InvalidTokenRequest(String),
    MissingAuthorization,
    InvalidToken,
    ExpiredToken,
    NoApiProduct(&'static str),
    InvalidScope(&'static str),
    BadRequest(String),
    Forbidden(String),
    NotFound(String),
    Conflict(String),
    PayloadTooLarge,
    TooManyRequests {
        retry_after_seconds: u64,
    },
    NotImplemented(&'static str),
    /// A rule of the API with its own error name (`VIRTUAL_HIERARCHY_ITEM_NOT_FOUND` …).
    Named {
        status: StatusCode,
        name: &'static str,
        message: String,
    },
    Internal,
    /// Another node owns the enterprise's telephony: nothing applied, retry after `Retry-After`.
    Unavailable {
        message: String,
        retry_after_seconds: u64,
    },
}

/// KPN's `ErrorResponse`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KpnErrorBody {
    /// Transaction id of the request (also the `x-request-id` header).
    pub transaction_id: String,
    /// HTTP status with its reason, e.g. `401 - Unauthorized`.
    pub status: String,
    /// Error name, e.g. `invalid_token`.
    pub name: &'static str,
    pub message: String,
    /// Additional information about the error.
    pub info: String,
}

/// The token endpoint's wrapped form: `{"error": {…}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct KpnWrappedError {
    pub error: KpnErrorBody,
}

impl KpnError {
    /// Status, error name and message.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        use KpnError::*;
        match self {
            InvalidClient => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "invalid_client",
                "invalid_client-invalid_client_id".into(),
            ),
            InvalidTokenRequest(detail) => {
                (StatusCode::BAD_REQUEST, "invalid_request", detail.clone())
            }
            MissingAuthorization => (
                StatusCode::UNAUTHORIZED,
                "missing_token",
                "Authorization header with a Bearer token is required".into(),
            ),
            InvalidToken => (
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "Invalid access token".into(),
            ),
            ExpiredToken => (
                StatusCode::UNAUTHORIZED,
                "expired_token",
                "Access token expired".into(),
            ),
            NoApiProduct(product) => (
                StatusCode::FORBIDDEN,
                "no_api_product",
                format!("The client holds no API product {product}"),
            ),
            InvalidScope(product) => (
                StatusCode::FORBIDDEN,
                "invalid_scope",
                format!("The token was not issued for {product}"),
            ),
            BadRequest(detail) => (StatusCode::BAD_REQUEST, "bad_request", detail.clone()),
            Forbidden(detail) => (StatusCode::FORBIDDEN, "forbidden", detail.clone()),
            NotFound(detail) => (StatusCode::NOT_FOUND, "not_found", detail.clone()),
            Conflict(detail) => (StatusCode::CONFLICT, "conflict", detail.clone()),
            PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!(
                    "Request bodies are limited to {} bytes",
                    crate::BODY_LIMIT_BYTES
                ),
            ),
            TooManyRequests {
                retry_after_seconds,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!("Rate limit exceeded; retry after {retry_after_seconds} s"),
            ),
            NotImplemented(operation) => (
                StatusCode::NOT_IMPLEMENTED,
                "not_implemented",
                format!("{operation} is not implemented by sentral yet"),
            ),
            Named {
                status,
                name,
                message,
            } => (*status, name, message.clone()),
            Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Internal server error".into(),
            ),
            Unavailable { message, .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                message.clone(),
            ),
        }
    }

    fn body(&self) -> KpnErrorBody {
        let (status, name, message) = self.parts();
        KpnErrorBody {
            transaction_id: crate::request_id::current(),
            status: format!(
                "{} - {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("Error")
            ),
            name,
            info: match self {
                KpnError::NotImplemented(_) => {
                    "See docs/coverage.md for what sentral implements".into()
                }
                KpnError::InvalidClient => {
                    "Check client_id and client_secret in the form body".into()
                }
                _ => String::new(),
            },
            message,
        }
    }
}

impl IntoResponse for KpnError {
    fn into_response(self) -> Response {
        let (status, _, _) = self.parts();
        let body = self.body();
        let mut response = match self {
            KpnError::InvalidClient | KpnError::InvalidTokenRequest(_) => {
                (status, crate::json::Json(KpnWrappedError { error: body })).into_response()
            }
            _ => (status, crate::json::Json(body)).into_response(),
        };
        if let KpnError::TooManyRequests {
            retry_after_seconds,
        }
        | KpnError::Unavailable {
            retry_after_seconds,
            ..
        } = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        }
        response
    }
}

impl From<sentral_services::kpn::KpnFailure> for KpnError {
    fn from(failure: sentral_services::kpn::KpnFailure) -> Self {
        use sentral_services::kpn::KpnFailure::*;
        let (status, name) = match &failure {
            ItemNotFound(_) => (StatusCode::NOT_FOUND, "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND"),
            ContractNotFound(_) => (StatusCode::NOT_FOUND, "CONTRACT_NOT_FOUND"),
            OrderNotFound(_) => (StatusCode::NOT_FOUND, "ORDER_NOT_FOUND"),
            OperationNotPossible(_) => (StatusCode::BAD_REQUEST, "OPERATION_NOT_POSSIBLE"),
            WrongGroupType(_) => (StatusCode::BAD_REQUEST, "WRONG_GROUP_TYPE"),
            RequireDebtorInPath(_) => (StatusCode::BAD_REQUEST, "REQUIRE_DEBTOR_IN_PATH"),
            OnlySingleTypeAllowedInPath(_) => {
                (StatusCode::BAD_REQUEST, "ONLY_SINGLE_TYPE_ALLOWED_IN_PATH")
            }
            ValueNotUnique(_) => (StatusCode::BAD_REQUEST, "VALUE_NOT_UNIQUE"),
            // 404 as KPN documents it for thresholds; a blocked group removal answers alike.
            RemovingBlocked(_) => (StatusCode::NOT_FOUND, "REMOVING_BLOCKED"),
            OrderingBlocked(_) => (StatusCode::FORBIDDEN, "ORDERING_IS_BLOCKED_FOR_CUSTOMER"),
            ForbiddenForUser(_) => (StatusCode::FORBIDDEN, "FORBIDDEN_FOR_USER"),
            BasketInvalid(_) => (StatusCode::BAD_REQUEST, "BASKET_INVALID"),
            ContextObjectNotFound(_) => (StatusCode::NOT_FOUND, "CONTEXT_OBJECT_NOT_FOUND"),
            InvalidWishDate(_) => (StatusCode::BAD_REQUEST, "INVALID_WISH_DATE"),
            InvalidCustomerName(_) => (StatusCode::BAD_REQUEST, "INVALID_CUSTOMER_NAME"),
            InvalidCustomerNumber(_) => (StatusCode::BAD_REQUEST, "INVALID_CUSTOMER_NUMBER"),
            InvalidNote(_) => (StatusCode::BAD_REQUEST, "INVALID_NOTE"),
            InvalidMsisdnAlreadyExistsForACustomer(_) => (
                StatusCode::BAD_REQUEST,
                "INVALID_MSISDN_ALREADY_EXISTS_FOR_A_CUSTOMER",
            ),
            InvalidMsisdnIsBlocked(_) => (StatusCode::BAD_REQUEST, "INVALID_MSISDN_IS_BLOCKED"),
            InvalidMsisdnFormatNotValid(_) => {
                (StatusCode::BAD_REQUEST, "INVALID_MSISDN_FORMAT_NOT_VALID")
            }
            InvalidMsisdnLengthForThisProduct(_) => (
                StatusCode::BAD_REQUEST,
                "INVALID_MSISDN_LENGTH_FOR_THIS_PRODUCT",
            ),
            InvalidMsisdnForCustomerOffer(_) => {
                (StatusCode::BAD_REQUEST, "INVALID_MSISDN_FOR_CUSTOMER_OFFER")
            }
            InvalidProductConfiguration(_) => {
                (StatusCode::BAD_REQUEST, "INVALID_PRODUCT_CONFIGURATION")
            }
            DebtorNotFound(_) => (StatusCode::NOT_FOUND, "DEBTOR_NOT_FOUND"),
            GripEntityNotFound(_) => (StatusCode::NOT_FOUND, "GRIP_ENTITY_NOT_FOUND"),
            MobileOrFixedNumberIsRequired(_) => (
                StatusCode::BAD_REQUEST,
                "MOBILE_OR_FIXED_NUMBER_IS_REQUIRED",
            ),
            RoleNotFound(_) => (StatusCode::NOT_FOUND, "ROLE_NOT_FOUND"),
            SubscriberIsAlreadyUser(_) => (StatusCode::BAD_REQUEST, "SUBSCRIBER_IS_ALREADY_USER"),
            // The spec: 404 OPERATION_BLOCKED (changeBillingPeriodUsingPOST).
            OperationBlocked(_) => (StatusCode::NOT_FOUND, "OPERATION_BLOCKED"),
            InvoiceNotFound(_) => (StatusCode::NOT_FOUND, "INVOICE_NOT_FOUND"),
            ThresholdNotFound(_) => (StatusCode::NOT_FOUND, "THRESHOLD_NOT_FOUND"),
            TypeChangeNotAllowed(_) => (StatusCode::BAD_REQUEST, "TYPE_CHANGE_NOT_ALLOWED"),
            ContractsAlreadyAssignedToGivenType(_) => (
                StatusCode::BAD_REQUEST,
                "CONTRACTS_ALREADY_ASSIGNED_TO_GIVEN_TYPE",
            ),
            NotValidProductForGivenThreshold(_) => (
                StatusCode::BAD_REQUEST,
                "NOT_VALID_PRODUCT_FOR_GIVEN_THRESHOLD",
            ),
            InvalidBvmFile(_) => (StatusCode::BAD_REQUEST, "INVALID_BVM_FILE"),
            KggNumbersNotEqual(_) => (StatusCode::BAD_REQUEST, "KGG_NUMBERS_NOT_EQUAL"),
            MaximumAmountOfRowsExceeded(_) => {
                (StatusCode::BAD_REQUEST, "MAXIMUM_AMOUNT_OF_ROWS_EXCEEDED")
            }
            MissingHeaderInFile(_) => (StatusCode::BAD_REQUEST, "MISSING_HEADER_IN_FILE"),
            PhoneNumbersNotUnique(_) => (StatusCode::BAD_REQUEST, "PHONE_NUMBERS_NOT_UNIQUE"),
            RecordsNotValidInFile(_) => (StatusCode::BAD_REQUEST, "RECORDS_NOT_VALID_IN_FILE"),
            SubscriptionsNotFound(_) => (StatusCode::BAD_REQUEST, "SUBSCRIPTIONS_NOT_FOUND"),
            WrongColumnSeparator(_) => (StatusCode::BAD_REQUEST, "WRONG_COLUMN_SEPARATOR"),
            FileTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        };
        KpnError::Named {
            status,
            name,
            message: failure.to_string(),
        }
    }
}

impl From<sentral_services::kpn::KpnError> for KpnError {
    fn from(error: sentral_services::kpn::KpnError) -> Self {
        match error {
            sentral_services::kpn::KpnError::Rule(failure) => failure.into(),
            sentral_services::kpn::KpnError::Service(error) => error.into(),
        }
    }
}

impl From<ServiceError> for KpnError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Auth(failure) => match failure {
                AuthFailure::MissingAuthorization => KpnError::MissingAuthorization,
                AuthFailure::InvalidToken | AuthFailure::BasicNotAllowed => KpnError::InvalidToken,
                AuthFailure::ExpiredToken => KpnError::ExpiredToken,
                AuthFailure::InvalidClient => KpnError::InvalidClient,
                AuthFailure::NoApiProduct { product } => KpnError::NoApiProduct(product),
                AuthFailure::InvalidScope { product } => KpnError::InvalidScope(product),
                AuthFailure::SystemUserRequired => {
                    KpnError::Forbidden(AuthFailure::SystemUserRequired.to_string())
                }
                AuthFailure::MsisdnNotGranted => {
                    KpnError::Forbidden("Not authorized for this number".into())
                }
                AuthFailure::InvalidGrant(reason) => KpnError::InvalidTokenRequest(reason),
                AuthFailure::UnsupportedGrantType(grant) => KpnError::InvalidTokenRequest(format!(
                    "grant_type {grant:?} is not supported; use client_credentials"
                )),
                AuthFailure::ScopeNotHeld(scope) => {
                    KpnError::InvalidTokenRequest(format!("scope {scope:?} is not held"))
                }
                AuthFailure::CstaSessionRequired => {
                    KpnError::Forbidden(AuthFailure::CstaSessionRequired.to_string())
                }
            },
            ServiceError::Csta(error) => KpnError::Conflict(error.to_string()),
            ServiceError::Corporate(error) => match &error {
                CorporateError::OrganizationNotFound(_) | CorporateError::AgreementNotFound(_) => {
                    KpnError::NotFound(error.to_string())
                }
                CorporateError::EmptyInput
                | CorporateError::InvalidOrgNumber(_)
                | CorporateError::AddressCardNotFound(_)
                | CorporateError::InvalidAddressCard(_)
                | CorporateError::InvalidReference(_)
                | CorporateError::InvalidAgreementId(_) => KpnError::BadRequest(error.to_string()),
            },
            ServiceError::Invalid { field, message } => {
                KpnError::BadRequest(format!("{field}: {message}"))
            }
            ServiceError::NotFound { what } => KpnError::NotFound(format!("{what} not found")),
            ServiceError::Conflict { what } => KpnError::Conflict(format!("{what} already exists")),
            ServiceError::Conflicting(reason) => KpnError::Conflict(reason),
            ServiceError::NotAllowed(reason) => KpnError::Forbidden(reason),
            ServiceError::Portal(failure) => KpnError::Forbidden(failure.to_string()),
            ServiceError::SyncExpired(reason) => KpnError::BadRequest(reason),
            ServiceError::RateLimited {
                kind: RateLimitKind::Quota | RateLimitKind::SpikeArrest,
                retry_after_seconds,
            } => KpnError::TooManyRequests {
                retry_after_seconds,
            },
            error @ ServiceError::NotOwner {
                retry_after_secs, ..
            } => KpnError::Unavailable {
                message: error.to_string(),
                retry_after_seconds: retry_after_secs,
            },
            ServiceError::Store(cause) if cause.is_unavailable() => {
                tracing::warn!(request_id = %crate::request_id::current(), error = %cause, "store unreachable");
                KpnError::Unavailable {
                    message: "the store cannot be reached now; retry shortly".to_owned(),
                    retry_after_seconds: STORE_RETRY_AFTER_SECS,
                }
            }
            ServiceError::Store(cause) => {
                tracing::error!(request_id = %crate::request_id::current(), error = %cause, "store failed");
                KpnError::Internal
            }
            ServiceError::Internal(cause) => {
                tracing::error!(request_id = %crate::request_id::current(), error = %cause, "internal error");
                KpnError::Internal
            }
        }
    }
}

/// When to retry after the store could not be reached (a database restarting).
const STORE_RETRY_AFTER_SECS: u64 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_client_is_the_documented_500() {
        let (status, name, message) = KpnError::InvalidClient.parts();
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(name, "invalid_client");
        assert_eq!(message, "invalid_client-invalid_client_id");
        assert_eq!(
            KpnError::InvalidClient.body().status,
            "500 - Internal Server Error"
        );
    }

    /// Another node owning the enterprise's telephony: 503, `Retry-After`, a message naming it.
    #[test]
    fn not_owner_is_a_503_with_retry_after() {
        let error = KpnError::from(ServiceError::NotOwner {
            enterprise: "100001".into(),
            owner: None,
            retry_after_secs: 2,
        });
        let (status, name, message) = error.parts();
        assert_eq!(
            (status, name),
            (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable")
        );
        assert!(
            message.contains("owner is changing") && message.contains("retry after 2 s"),
            "{message}"
        );
        let response = error.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
