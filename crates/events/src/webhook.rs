//! Webhook delivery as Standard Webhooks define it: each envelope POSTed with `webhook-id` (the
//! event's `eventId`, the same on every retry), `webhook-timestamp` (Unix seconds of the attempt)
//! and `webhook-signature: v1,<base64 HMAC-SHA256 over "{id}.{timestamp}.{body}">`.
//!
//! One worker per monitor sends its events one at a time, so they arrive in `seq` order; retryable
//! failures (5xx, 429, timeouts, connection errors) are retried with jittered exponential backoff,
//! other answers outside 2xx give up at once. The outbox's delivery loop ([`crate::outbox`]) makes
//! the same attempts with the same policy, one claimed row at a time per monitor.
//!
//! `webhook-timestamp` is the wall clock even in the sandbox: receivers compare it with their own
//! clock to reject replays, so an advanced sandbox clock would make every delivery look stale.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sentral_domain::{Clock, SystemClock};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::envelope::Frame;
use crate::metrics::Counters;
use crate::monitor::WebhookTarget;

/// The prefix of a Standard Webhooks secret whose remainder is the base64 of the key.
pub const SECRET_PREFIX: &str = "whsec_";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook URL is not an absolute http URL")]
    InvalidUrl,
    #[error("https webhooks need a build with the webhook-tls feature; use http")]
    HttpsNotSupported,
    #[error("the webhook secret is empty, or whsec_ followed by something that is not base64")]
    InvalidSecret,
}

/// When to try again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per event, the first included.
    pub max_attempts: u32,
    /// The wait before the second attempt; doubles each time up to `max_backoff`. Each wait is
    /// drawn uniformly from its upper half (jitter), or is the receiver's `Retry-After` if longer.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// One attempt's limit, connecting included.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            request_timeout: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doubling = 2u32.saturating_pow(attempt.saturating_sub(1));
        let ceiling = self
            .initial_backoff
            .saturating_mul(doubling)
            .min(self.max_backoff);
        let half = ceiling / 2;
        let spread = u64::try_from(half.as_micros()).unwrap_or(u64::MAX);
        let jitter = if spread == 0 {
            0
        } else {
            getrandom::u64().unwrap_or(0) % (spread + 1)
        };
        half + Duration::from_micros(jitter)
    }

    /// The wait after failed attempt number `attempt`: the backoff, or the receiver's
    /// `Retry-After` when longer (capped at `max_backoff`).
    pub(crate) fn retry_wait(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        self.backoff(attempt)
            .max(retry_after.unwrap_or_default().min(self.max_backoff))
    }
}

/// Signs bodies with one monitor's key.
#[derive(Clone)]
pub struct Signer {
    url: String,
    key: Arc<[u8]>,
}

impl Signer {
    pub fn new(target: &WebhookTarget) -> Result<Self, WebhookError> {
        let url = reqwest::Url::parse(&target.url).map_err(|_| WebhookError::InvalidUrl)?;
        match url.scheme() {
            "http" => {}
            "https" if cfg!(feature = "webhook-tls") => {}
            "https" => return Err(WebhookError::HttpsNotSupported),
            _ => return Err(WebhookError::InvalidUrl),
        }
        Ok(Self {
            url: target.url.clone(),
            key: decode_secret(target.secret.expose())?.into(),
        })
    }

    /// The URL deliveries are POSTed to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `webhook-signature` value for one attempt.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        sign_with_key(&self.key, id, timestamp, body)
    }
}

/// The key a secret stands for: the decoded remainder of `whsec_<base64>`, else the string's bytes.
pub fn decode_secret(secret: &str) -> Result<Vec<u8>, WebhookError> {
    let key = match secret.strip_prefix(SECRET_PREFIX) {
        Some(encoded) => BASE64
            .decode(encoded)
            .map_err(|_| WebhookError::InvalidSecret)?,
        None => secret.as_bytes().to_vec(),
    };
    if key.is_empty() {
        return Err(WebhookError::InvalidSecret);
    }
    Ok(key)
}

fn sign_with_key(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let signature = hmac_of(key, id, timestamp, body).finalize().into_bytes();
    format!("v1,{}", BASE64.encode(signature))
}

/// HMAC-SHA256 over `{id}.{timestamp}.{body}`.
fn hmac_of(key: &[u8], id: &str, timestamp: i64, body: &str) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac
}

/// Checks a `webhook-signature` header (space-separated `v1,<sig>` entries) as a receiver would.
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &str, header: &str) -> bool {
    let Ok(key) = decode_secret(secret) else {
        return false;
    };
    header.split(' ').any(|entry| {
        let Some(Ok(given)) = entry.strip_prefix("v1,").map(|given| BASE64.decode(given)) else {
            return false;
        };
        // `verify_slice` compares in constant time.
        hmac_of(&key, id, timestamp, body)
            .verify_slice(&given)
            .is_ok()
    })
}

pub(crate) fn client(policy: &RetryPolicy) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(policy.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("sentral-webhooks/1")
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// What one attempt came to; `detail` says why it failed, for logs and the outbox's last error.
pub(crate) enum Outcome {
    Accepted,
    Retry {
        after: Option<Duration>,
        detail: String,
    },
    GiveUp {
        detail: String,
    },
}

/// Delivers one monitor's events in order until its queue is closed and drained.
pub(crate) async fn run_worker(
    http: reqwest::Client,
    signer: Signer,
    mut queue: mpsc::Receiver<Frame>,
    policy: RetryPolicy,
    counters: Arc<Counters>,
) {
    while let Some(frame) = queue.recv().await {
        deliver(&http, &signer, &frame, &policy, &counters).await;
    }
}

async fn deliver(
    http: &reqwest::Client,
    signer: &Signer,
    frame: &Frame,
    policy: &RetryPolicy,
    counters: &Counters,
) {
    let attempts = policy.max_attempts.max(1);
    for attempt in 1..=attempts {
        match attempt_once(http, signer, frame.event_id(), frame.json()).await {
            Outcome::Accepted => {
                Counters::add(&counters.delivered, 1);
                return;
            }
            Outcome::GiveUp { .. } => break,
            Outcome::Retry { after, .. } if attempt < attempts => {
                Counters::add(&counters.retried, 1);
                let wait = policy.retry_wait(attempt, after);
                tokio::time::sleep(wait).await;
            }
            Outcome::Retry { .. } => {}
        }
    }
    tracing::warn!(event = frame.event_id(), url = %signer.url, "webhook given up");
    Counters::add(&counters.gave_up, 1);
}

/// One POST of `body` as event `id`, signed for this attempt's timestamp.
pub(crate) async fn attempt_once(
    http: &reqwest::Client,
    signer: &Signer,
    id: &str,
    body: String,
) -> Outcome {
    let timestamp = SystemClock.now().millis() / 1000;
    let signature = signer.sign(id, timestamp, &body);
    let response = http
        .post(&signer.url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    let response = match response {
        Ok(response) => response,
        // Timeouts and connection failures: the receiver may be back soon.
        Err(error) => {
            tracing::debug!(event = id, %error, "webhook attempt failed");
            return Outcome::Retry {
                after: None,
                detail: error.to_string(),
            };
        }
    };
    let status = response.status();
    if status.is_success() {
        Outcome::Accepted
    } else if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        let after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Outcome::Retry {
            after,
            detail: format!("status {status}"),
        }
    } else {
        tracing::info!(event = id, %status, "webhook refused; not retried");
        Outcome::GiveUp {
            detail: format!("status {status}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sentral_domain::secret::Secret;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let timestamp = 1614265330;
        let body = r#"{"test": 2432232314}"#;
        let signer = Signer::new(&WebhookTarget {
            url: "http://127.0.0.1/hook".to_owned(),
            secret: Secret::new(secret),
        })
        .expect("valid target");
        let signature = signer.sign(id, timestamp, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(verify(secret, id, timestamp, body, &signature));
        assert!(!verify(secret, id, timestamp + 1, body, &signature));
    }

    #[test]
    fn a_secret_without_the_prefix_is_its_bytes() {
        assert_eq!(decode_secret("plain").expect("valid"), b"plain");
        assert_eq!(decode_secret("whsec_!!"), Err(WebhookError::InvalidSecret));
        assert_eq!(decode_secret(""), Err(WebhookError::InvalidSecret));
    }

    #[test]
    fn only_http_urls_are_accepted_and_https_with_tls() {
        let target = |url: &str| WebhookTarget {
            url: url.to_owned(),
            secret: Secret::new("s"),
        };
        assert!(Signer::new(&target("http://127.0.0.1:9/x")).is_ok());
        let https = Signer::new(&target("https://example.com/x")).err();
        if cfg!(feature = "webhook-tls") {
            assert_eq!(https, None);
        } else {
            assert_eq!(https, Some(WebhookError::HttpsNotSupported));
        }
        assert_eq!(
            Signer::new(&target("/relative")).err(),
            Some(WebhookError::InvalidUrl)
        );
    }

    #[test]
    fn backoff_doubles_within_jitter_and_stops_at_the_ceiling() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for (attempt, ceiling) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (30, 1000),
        ] {
            let wait = policy.backoff(attempt);
            let ceiling = Duration::from_millis(ceiling);
            assert!(
                wait >= ceiling / 2 && wait <= ceiling,
                "{attempt}: {wait:?}"
            );
        }
    }
}
