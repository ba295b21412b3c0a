//! Webhooks against a real receiver on a loopback port: retries with the same id, a signature
//! that verifies, order per monitor, give-up rules and the counters.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use sentral_domain::Timestamp;
use sentral_domain::secret::Secret;
use sentral_events::webhook::verify;
use sentral_events::{
    Envelope, HubConfig, MonitorHub, MonitorObject, MonitorOwner, MonitorSpec, Published,
    RetryPolicy, WebhookTarget, event_types,
};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const T0: Timestamp = Timestamp::from_millis(1_795_000_000_000);

#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: i64,
    signature: String,
    body: String,
}

/// A receiver that answers the scripted statuses in turn, then 200, and records every request.
#[derive(Clone)]
struct Receiver {
    script: Arc<Mutex<Vec<StatusCode>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    receiver.received.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or_default(),
        signature: header("webhook-signature"),
        body,
    });
    let mut script = receiver.script.lock().unwrap();
    if script.is_empty() {
        StatusCode::OK
    } else {
        script.remove(0)
    }
}

async fn start_receiver(script: Vec<StatusCode>) -> (String, Receiver) {
    let receiver = Receiver {
        script: Arc::new(Mutex::new(script)),
        received: Arc::default(),
    };
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver)
}

fn hub(max_attempts: u32) -> MonitorHub {
    MonitorHub::new(HubConfig {
        retry: RetryPolicy {
            max_attempts,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            request_timeout: Duration::from_secs(2),
        },
        ..HubConfig::default()
    })
}

fn webhook_monitor(hub: &MonitorHub, url: &str) -> sentral_events::MonitorInfo {
    hub.create(
        MonitorSpec {
            owner: MonitorOwner::new("owner"),
            object: MonitorObject::Enterprise("100001".to_owned()),
            filter: None,
            webhook: Some(WebhookTarget {
                url: url.to_owned(),
                secret: Secret::new(SECRET),
            }),
        },
        T0,
    )
    .expect("monitor")
}

fn call_event(event_type: &str) -> Published {
    Published {
        enterprise_id: "100001".to_owned(),
        devices: vec!["+4791000001".to_owned()],
        event_type: event_type.to_owned(),
        cause: Some("newCall".to_owned()),
        subject: Some("+4791000001".to_owned()),
        occurred_at: T0,
        payload: serde_json::json!({"callId": "c1"}),
    }
}

/// Waits until `done` holds, or fails after five seconds.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_same_signed_event_three_times() {
    let (url, receiver) = start_receiver(vec![
        StatusCode::INTERNAL_SERVER_ERROR,
        StatusCode::BAD_GATEWAY,
    ])
    .await;
    let hub = hub(5);
    let monitor = webhook_monitor(&hub, &url);
    hub.publish(&call_event("Delivered"));

    eventually("the delivery", || hub.metrics().delivered == 1).await;
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    let expected_id = format!("{}-1", monitor.cross_ref_id);
    for attempt in &received {
        assert_eq!(attempt.id, expected_id);
        assert!(
            verify(
                SECRET,
                &attempt.id,
                attempt.timestamp,
                &attempt.body,
                &attempt.signature
            ),
            "signature of {attempt:?}"
        );
        assert!(!verify(
            "whsec_AAAA",
            &attempt.id,
            attempt.timestamp,
            &attempt.body,
            &attempt.signature
        ));
        let envelope: Envelope = serde_json::from_str(&attempt.body).expect("an envelope");
        assert_eq!(envelope.seq, 1);
        assert_eq!(envelope.event_id, expected_id);
    }
    let metrics = hub.metrics();
    assert_eq!((metrics.retried, metrics.gave_up), (2, 0));
}

#[tokio::test]
async fn events_arrive_in_order_and_monitor_ended_comes_last() {
    let (url, receiver) = start_receiver(vec![StatusCode::SERVICE_UNAVAILABLE]).await;
    let hub = hub(5);
    let monitor = webhook_monitor(&hub, &url);
    for event_type in ["Delivered", "Established", "ConnectionCleared"] {
        hub.publish(&call_event(event_type));
    }
    hub.stop(&monitor.cross_ref_id, &MonitorOwner::new("owner"), T0)
        .expect("stopped");

    eventually("four deliveries", || hub.metrics().delivered == 4).await;
    let accepted: Vec<(u64, String)> = receiver
        .received
        .lock()
        .unwrap()
        .iter()
        .skip(1) // the first attempt was answered 503
        .map(|attempt| {
            let envelope: Envelope = serde_json::from_str(&attempt.body).unwrap();
            (envelope.seq, envelope.event_type)
        })
        .collect();
    assert_eq!(
        accepted,
        [
            (1, "Delivered".to_owned()),
            (2, "Established".to_owned()),
            (3, "ConnectionCleared".to_owned()),
            (4, event_types::MONITOR_ENDED.to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_4xx_gives_up_at_once_and_exhausted_retries_give_up_too() {
    let (url, receiver) = start_receiver(vec![
        StatusCode::GONE,
        StatusCode::TOO_MANY_REQUESTS,
        StatusCode::TOO_MANY_REQUESTS,
    ])
    .await;
    let hub = hub(2);
    webhook_monitor(&hub, &url);
    hub.publish(&call_event("Delivered")); // 410: given up after one attempt
    hub.publish(&call_event("Established")); // 429, 429: given up after two attempts
    hub.publish(&call_event("ConnectionCleared")); // 200

    eventually("the third event", || hub.metrics().delivered == 1).await;
    let metrics = hub.metrics();
    assert_eq!((metrics.gave_up, metrics.retried), (2, 1));
    assert_eq!(receiver.received.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried_then_given_up() {
    // Bind and drop a listener: nothing listens on that port any more.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    let hub = hub(3);
    webhook_monitor(&hub, &url);
    hub.publish(&call_event("Delivered"));
    eventually("giving up", || hub.metrics().gave_up == 1).await;
    assert_eq!(hub.metrics().retried, 2);
}

/// With TLS built in, an https URL is really spoken TLS to: a plain-HTTP receiver fails the
/// handshake, which counts as a connection error (retried, then given up).
#[cfg(feature = "webhook-tls")]
#[tokio::test]
async fn an_https_webhook_speaks_tls() {
    let (url, receiver) = start_receiver(Vec::new()).await;
    let hub = hub(2);
    webhook_monitor(&hub, &url.replacen("http://", "https://", 1));
    hub.publish(&call_event("Delivered"));
    eventually("giving up", || hub.metrics().gave_up == 1).await;
    assert_eq!(hub.metrics().delivered, 0);
    assert!(receiver.received.lock().unwrap().is_empty());
}
