//! A JSON answer: [`axum::Json`]'s bytes and headers, written by [`sentral_json`] (serde_json's
//! bytes, faster) into a `Vec` that starts large enough for most answers (axum's starts at 128
//! bytes in a `BytesMut` and grows through its writer on every fragment).

use sentral_json as writer;

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The first buffer of an answer: a point read fits, a page grows it a few times.
const FIRST_CAPACITY: usize = 1024;

/// `T` serialized as the answer's JSON body (`Content-Type: application/json`), as
/// [`axum::Json`] does.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(FIRST_CAPACITY);
        let written = writer::write(&mut body, &self.0);
        #[cfg(debug_assertions)]
        held_to_serde_json(&self.0, &body, written.is_ok());
        answer(body, written)
    }
}

/// Every answer of a debug build (every API test) checks the writer against serde_json.
#[cfg(debug_assertions)]
fn held_to_serde_json<T: Serialize>(value: &T, ours: &[u8], written: bool) {
    match serde_json::to_vec(value) {
        Ok(theirs) => assert!(
            written && ours == theirs.as_slice(),
            "the JSON writer differs from serde_json:\n ours: {}\nserde: {}",
            String::from_utf8_lossy(ours),
            String::from_utf8_lossy(&theirs)
        ),
        Err(error) => assert!(
            !written,
            "serde_json refuses what the writer wrote: {error}"
        ),
    }
}

/// Kept apart from the generic part so it is compiled once.
fn answer(body: Vec<u8>, written: Result<(), writer::Error>) -> Response {
    match written {
        Ok(()) => (
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response(),
        // As axum::Json answers a value that does not serialize.
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            error.to_string(),
        )
            .into_response(),
    }
}

/// JSON written elsewhere (the store), as the body of an answer with [`Json`]'s headers.
pub fn written(json: String) -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        json,
    )
        .into_response()
}

impl<T> From<T> for Json<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn same_answer_as_axum_json() {
        let value = serde_json::json!({"a": "x\"y\n", "b": [1, 2.5, null], "c": {"d": true}});
        let ours = Json(&value).into_response();
        let axums = axum::Json(&value).into_response();
        assert_eq!(ours.status(), axums.status());
        assert_eq!(ours.headers(), axums.headers());
        let ours = axum::body::to_bytes(ours.into_body(), usize::MAX)
            .await
            .unwrap();
        let axums = axum::body::to_bytes(axums.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(ours, axums);
    }
}
