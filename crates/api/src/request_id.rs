//! A request id for every request: taken from `x-request-id` when the client sends a sane one,
//! generated otherwise, echoed in the response, put in error envelopes and error logs (and on the
//! request span when debug logging is on).
//!
//! A generated id is a random per-process prefix and a counter (`3f9c2a7e05d1-1b`): unique across
//! nodes and restarts without asking the operating system for randomness on every request.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use sentral_domain::Secret;

tokio::task_local! {
    static REQUEST_ID: String;
}

pub const HEADER: &str = "x-request-id";

/// Random per process, so ids of different processes never collide.
static PREFIX: LazyLock<Secret> = LazyLock::new(|| Secret::random_hex(6));
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new id, unique across processes.
pub fn generate() -> String {
    let sequence = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{sequence:x}", PREFIX.expose())
}

/// The id of the request being served, or a fresh one outside a request.
pub fn current() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| generate())
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
        .unwrap_or_else(generate);
    // A debug span: at the default level it is never built (building it formats its fields, ~10 %
    // of a cached read's CPU); the error logs of a request name its id themselves.
    let span = tracing::debug_span!("request", id = %id, method = %request.method(), path = %request.uri().path());
    let header = HeaderValue::from_str(&id).ok();
    let mut response = REQUEST_ID
        .scope(id, tracing::Instrument::instrument(next.run(request), span))
        .await;
    if let Some(header) = header {
        response.headers_mut().insert(HEADER, header);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_sane_distinct_and_share_the_process_prefix() {
        let first = generate();
        let second = generate();
        assert!(sane(&first) && sane(&second), "{first} {second}");
        assert_ne!(first, second);
        let prefix = |id: &str| id.split_once('-').map(|(prefix, _)| prefix.to_owned());
        assert_eq!(prefix(&first), prefix(&second));
        assert_eq!(prefix(&first).map(|p| p.len()), Some(12));
    }
}
