//! A request id for every request: taken from `x-request-id` when the client sends a sane one,
//! generated otherwise, echoed in the response, put in error envelopes and error logs (and on the
//! request span when debug logging is on).
//!
//! A generated id is a random per-process prefix and a counter (`3f9c2a7e05d1-1b`): unique across
//! nodes and restarts without asking the operating system for randomness on every request.

use std::cell::RefCell;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use sentral_domain::Secret;

thread_local! {
    /// The id of the request whose future this thread is polling (set by [`RequestId::during`]).
    static CURRENT: RefCell<Option<String>> = const { RefCell::new(None) };
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
    CURRENT
        .with(|current| current.borrow().clone())
        .unwrap_or_else(generate)
}

fn sane(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// One request's id, lent to the thread while its future is polled, as a task-local would be.
pub struct RequestId(Option<String>);

impl RequestId {
    /// The client's `x-request-id` when it is sane, a generated one otherwise.
    pub fn of(request: &Request) -> Self {
        let id = request
            .headers()
            .get(HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|value| sane(value))
            .map(str::to_owned)
            .unwrap_or_else(generate);
        Self(Some(id))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or_default()
    }

    /// Runs `work` with this id as [`current`], and takes the id back afterwards (also when
    /// `work` panics inside a `catch_unwind` of the caller's: the swap back runs on return).
    pub fn during<T>(&mut self, work: impl FnOnce() -> T) -> T {
        struct Lend<'a>(&'a mut Option<String>);
        impl Drop for Lend<'_> {
            fn drop(&mut self) {
                CURRENT.with(|current| std::mem::swap(&mut *current.borrow_mut(), self.0));
            }
        }
        CURRENT.with(|current| std::mem::swap(&mut *current.borrow_mut(), &mut self.0));
        let _lend = Lend(&mut self.0);
        work()
    }
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

    #[test]
    fn an_id_is_current_only_while_lent_and_comes_back_after_a_panic() {
        let request = Request::builder()
            .header(HEADER, "client-id-1")
            .body(axum::body::Body::empty())
            .expect("request");
        let mut id = RequestId::of(&request);
        assert_ne!(current(), "client-id-1");
        assert_eq!(id.during(current), "client-id-1");
        let mut inner = RequestId(Some("inner".to_owned()));
        assert_eq!(
            id.during(|| (current(), inner.during(current), current())),
            (
                "client-id-1".to_owned(),
                "inner".to_owned(),
                "client-id-1".to_owned()
            )
        );
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            id.during(|| panic!("in the handler"))
        }));
        assert!(panicked.is_err());
        assert_eq!(id.as_str(), "client-id-1");
        assert_ne!(current(), "client-id-1");
        let bad = Request::builder()
            .header(HEADER, "not sane!")
            .body(axum::body::Body::empty())
            .expect("request");
        assert!(sane(RequestId::of(&bad).as_str()));
    }
}
