//! A request id for every request: taken from `x-request-id` when the client sends a sane one,
//! generated otherwise, echoed in the response, put on the log span and in error envelopes.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use sentral_domain::Secret;

tokio::task_local! {
    static REQUEST_ID: String;
}

pub const HEADER: &str = "x-request-id";

/// The id of the request being served, or a fresh one outside a request.
pub fn current() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| Secret::random_hex(8).expose().to_owned())
}

fn sane(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

pub async fn middleware(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| sane(value))
        .map(str::to_owned)
        .unwrap_or_else(|| Secret::random_hex(8).expose().to_owned());
    let span = tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path());
    let header = HeaderValue::from_str(&id).ok();
    let mut response = REQUEST_ID
        .scope(id, tracing::Instrument::instrument(next.run(request), span))
        .await;
    if let Some(header) = header {
        response.headers_mut().insert(HEADER, header);
    }
    response
}
