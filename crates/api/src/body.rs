//! Request bodies, query strings and path parameters parsed with every failure turned into the
//! dialect's 4xx: malformed JSON, wrong types, unknown enum values, bad UTF-8, wrong content type
//! and oversized bodies never reach a handler, and never become a 500 or axum's plain text.

pub mod update;

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// What a dialect's error type needs to report a body problem.
pub trait BodyError: Sized + axum::response::IntoResponse {
    fn bad_body(detail: String) -> Self;
    fn too_large() -> Self;
    fn unsupported_media_type(detail: String) -> Self;
}

impl BodyError for crate::telenor::TelenorError {
    fn bad_body(detail: String) -> Self {
        Self::BadRequest(detail)
    }
    fn too_large() -> Self {
        Self::PayloadTooLarge
    }
    fn unsupported_media_type(detail: String) -> Self {
        Self::UnsupportedMediaType(detail)
    }
}

impl BodyError for crate::kpn::KpnError {
    fn bad_body(detail: String) -> Self {
        Self::BadRequest(detail)
    }
    fn too_large() -> Self {
        Self::PayloadTooLarge
    }
    fn unsupported_media_type(detail: String) -> Self {
        Self::BadRequest(detail)
    }
}

fn classify<E: BodyError>(status: StatusCode, detail: String) -> E {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => E::too_large(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => E::unsupported_media_type(detail),
        _ => E::bad_body(detail),
    }
}

/// A JSON body; the error says which field was wrong and why.
pub struct Json<T, E>(pub T, pub std::marker::PhantomData<E>);

impl<T, E, S> FromRequest<S> for Json<T, E>
where
    T: DeserializeOwned,
    E: BodyError,
    S: Send + Sync,
{
    type Rejection = E;

    async fn from_request(request: Request, state: &S) -> Result<Self, E> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Json(value, std::marker::PhantomData)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection<E: BodyError>(rejection: JsonRejection) -> E {
    let status = rejection.status();
    let detail = match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "send the body as JSON with 'Content-Type: application/json'".to_owned()
        }
        other => format!("invalid JSON body: {}", other.body_text()),
    };
    classify(status, detail)
}

/// An `application/x-www-form-urlencoded` body.
pub struct Form<T, E>(pub T, pub std::marker::PhantomData<E>);

impl<T, E, S> FromRequest<S> for Form<T, E>
where
    T: DeserializeOwned,
    E: BodyError,
    S: Send + Sync,
{
    type Rejection = E;

    async fn from_request(request: Request, state: &S) -> Result<Self, E> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(Form(value, std::marker::PhantomData)),
            Err(rejection) => Err(form_rejection(rejection)),
        }
    }
}

fn form_rejection<E: BodyError>(rejection: FormRejection) -> E {
    let status = rejection.status();
    let detail = match &rejection {
        FormRejection::InvalidFormContentType(_) => {
            "send the body as 'Content-Type: application/x-www-form-urlencoded'".to_owned()
        }
        other => format!("invalid form body: {}", other.body_text()),
    };
    classify(status, detail)
}

/// A query string; malformed encoding answers the dialect's 400 instead of axum's plain text.
pub struct Query<T, E>(pub T, pub std::marker::PhantomData<E>);

impl<T, E, S> axum::extract::FromRequestParts<S> for Query<T, E>
where
    T: DeserializeOwned,
    E: BodyError,
    S: Send + Sync,
{
    type Rejection = E;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, E> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value, std::marker::PhantomData)),
            Err(rejection) => Err(E::bad_body(format!(
                "invalid query string: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// Path parameters; one that is not valid UTF-8 once percent-decoded answers the dialect's 400
/// instead of axum's plain text.
pub struct Path<T, E>(pub T, pub std::marker::PhantomData<E>);

impl<T, E, S> axum::extract::FromRequestParts<S> for Path<T, E>
where
    T: DeserializeOwned + Send,
    E: BodyError,
    S: Send + Sync,
{
    type Rejection = E;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, E> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value, std::marker::PhantomData)),
            Err(rejection) => Err(E::bad_body(format!(
                "invalid path parameter: {}",
                rejection.body_text()
            ))),
        }
    }
}
