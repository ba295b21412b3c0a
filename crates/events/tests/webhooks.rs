//! Webhooks against a real receiver on a loopback port: retries with the same id, a signature
//! that verifies, order per monitor, give-up rules and the counters; in memory and through an
//! outbox shared by two nodes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use sentral_domain::Timestamp;
use sentral_domain::secret::Secret;
use sentral_events::outbox::{ClaimedEntry, OutboxEntry, OutboxFuture, OutboxTarget};
use sentral_events::webhook::verify;
use sentral_events::{
    Envelope, HubConfig, MonitorHub, MonitorObject, MonitorOwner, MonitorSpec, OutboxConfig,
    Published, RetryPolicy, WebhookOutbox, WebhookTarget, event_types,
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

/// An outbox in memory with the store's rules: one pending row per monitor claimable at a time
/// (its lowest seq), claims that expire, finishes only by the claim's holder.
#[derive(Default)]
struct MemoryOutbox {
    targets: Mutex<std::collections::HashMap<String, Secret>>,
    rows: Mutex<Vec<MemoryRow>>,
}

#[derive(Clone)]
struct MemoryRow {
    entry: OutboxEntry,
    attempts: u32,
    due: i64,
    claim: Option<(String, i64)>,
    finished: bool,
}

fn ready<'a, T: Send + 'a>(value: T) -> OutboxFuture<'a, T> {
    Box::pin(async move { Ok(value) })
}

impl WebhookOutbox for MemoryOutbox {
    fn enqueue<'a>(
        &'a self,
        targets: &'a [OutboxTarget],
        entries: &'a [OutboxEntry],
        now: Timestamp,
    ) -> OutboxFuture<'a, ()> {
        let mut known = self.targets.lock().unwrap();
        for target in targets {
            known.insert(target.monitor_id.clone(), target.secret.clone());
        }
        let mut rows = self.rows.lock().unwrap();
        for entry in entries {
            if rows.iter().all(|row| row.entry.id != entry.id) {
                rows.push(MemoryRow {
                    entry: entry.clone(),
                    attempts: 0,
                    due: now.millis(),
                    claim: None,
                    finished: false,
                });
            }
        }
        ready(())
    }

    fn claim<'a>(
        &'a self,
        node: &'a str,
        now: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> OutboxFuture<'a, Vec<ClaimedEntry>> {
        let targets = self.targets.lock().unwrap();
        let mut rows = self.rows.lock().unwrap();
        let heads: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                let row = &rows[i];
                !row.finished
                    && rows.iter().all(|other| {
                        other.finished
                            || other.entry.monitor_id != row.entry.monitor_id
                            || other.entry.seq >= row.entry.seq
                    })
            })
            .collect();
        let mut claimed = Vec::new();
        for i in heads {
            let row = &mut rows[i];
            let free = row
                .claim
                .as_ref()
                .is_none_or(|(_, until)| *until <= now.millis());
            if claimed.len() < limit && row.due <= now.millis() && free {
                row.claim = Some((node.to_owned(), until.millis()));
                claimed.push(ClaimedEntry {
                    id: row.entry.id.clone(),
                    monitor_id: row.entry.monitor_id.clone(),
                    seq: row.entry.seq,
                    url: row.entry.url.clone(),
                    body: row.entry.body.clone(),
                    attempts: row.attempts,
                    secret: targets.get(&row.entry.monitor_id).cloned(),
                });
            }
        }
        ready(claimed)
    }

    fn delivered<'a>(&'a self, id: &'a str, attempts: u32, _: Timestamp) -> OutboxFuture<'a, ()> {
        for row in self.rows.lock().unwrap().iter_mut() {
            if row.entry.id == id {
                (row.finished, row.attempts, row.claim) = (true, attempts, None);
            }
        }
        ready(())
    }

    fn reschedule<'a>(
        &'a self,
        id: &'a str,
        node: &'a str,
        attempts: u32,
        next_attempt_at: Timestamp,
        _: &'a str,
    ) -> OutboxFuture<'a, bool> {
        let mut done = false;
        for row in self.rows.lock().unwrap().iter_mut() {
            if row.entry.id == id && row.claim.as_ref().is_some_and(|(by, _)| by == node) {
                (row.attempts, row.due, row.claim) = (attempts, next_attempt_at.millis(), None);
                done = true;
            }
        }
        ready(done)
    }

    fn give_up<'a>(
        &'a self,
        id: &'a str,
        node: &'a str,
        attempts: u32,
        _: Timestamp,
        _: &'a str,
    ) -> OutboxFuture<'a, bool> {
        let mut done = false;
        for row in self.rows.lock().unwrap().iter_mut() {
            if row.entry.id == id && row.claim.as_ref().is_some_and(|(by, _)| by == node) {
                (row.finished, row.attempts, row.claim) = (true, attempts, None);
                done = true;
            }
        }
        ready(done)
    }

    fn release<'a>(&'a self, node: &'a str) -> OutboxFuture<'a, u64> {
        let mut released = 0;
        for row in self.rows.lock().unwrap().iter_mut() {
            if !row.finished && row.claim.as_ref().is_some_and(|(by, _)| by == node) {
                row.claim = None;
                released += 1;
            }
        }
        ready(released)
    }
}

fn outbox_hub(outbox: Arc<MemoryOutbox>, node: &str, max_attempts: u32) -> MonitorHub {
    let mut config = OutboxConfig::new(outbox);
    config.node = node.to_owned();
    config.poll_interval = Duration::from_millis(10);
    MonitorHub::new(HubConfig {
        outbox: Some(config),
        ..hub(max_attempts).config().clone()
    })
}

#[tokio::test]
async fn through_an_outbox_a_receiver_failing_twice_gets_the_same_signed_event_three_times() {
    let (url, receiver) = start_receiver(vec![
        StatusCode::INTERNAL_SERVER_ERROR,
        StatusCode::BAD_GATEWAY,
    ])
    .await;
    let outbox = Arc::new(MemoryOutbox::default());
    let hub = outbox_hub(outbox.clone(), "node-a", 5);
    let monitor = webhook_monitor(&hub, &url);
    hub.publish(&call_event("Delivered"));

    eventually("the delivery", || hub.metrics().delivered == 1).await;
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    let expected_id = format!("{}-1", monitor.cross_ref_id);
    for attempt in &received {
        assert_eq!(attempt.id, expected_id);
        assert!(verify(
            SECRET,
            &attempt.id,
            attempt.timestamp,
            &attempt.body,
            &attempt.signature
        ));
    }
    let metrics = hub.metrics();
    assert_eq!((metrics.retried, metrics.gave_up), (2, 0));
    let rows = outbox.rows.lock().unwrap().clone();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].finished);
    assert_eq!(rows[0].attempts, 3);
}

#[tokio::test]
async fn through_an_outbox_a_4xx_gives_up_at_once_and_the_next_event_follows() {
    let (url, receiver) = start_receiver(vec![StatusCode::GONE]).await;
    let hub = outbox_hub(Arc::new(MemoryOutbox::default()), "node-a", 5);
    webhook_monitor(&hub, &url);
    hub.publish(&call_event("Delivered"));
    hub.publish(&call_event("Established"));
    eventually("the second event", || hub.metrics().delivered == 1).await;
    assert_eq!(hub.metrics().gave_up, 1);
    let seqs: Vec<u64> = receiver
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|attempt| serde_json::from_str::<Envelope>(&attempt.body).unwrap().seq)
        .collect();
    assert_eq!(seqs, [1, 2]);
}

#[tokio::test]
async fn two_nodes_on_one_outbox_deliver_each_event_once_in_order() {
    let (url, receiver) = start_receiver(Vec::new()).await;
    let outbox = Arc::new(MemoryOutbox::default());
    let node_a = outbox_hub(outbox.clone(), "node-a", 5);
    let node_b = outbox_hub(outbox.clone(), "node-b", 5);
    assert!(node_b.start_webhook_delivery());
    let monitors: Vec<_> = (0..3).map(|_| webhook_monitor(&node_a, &url)).collect();
    for _ in 0..20 {
        node_a.publish(&call_event("Delivered"));
    }
    eventually("sixty deliveries", || {
        node_a.metrics().delivered + node_b.metrics().delivered == 60
    })
    .await;
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 60, "each event once");
    for monitor in &monitors {
        let seqs: Vec<u64> = received
            .iter()
            .map(|attempt| serde_json::from_str::<Envelope>(&attempt.body).unwrap())
            .filter(|envelope| envelope.monitor_cross_ref_id == monitor.cross_ref_id.to_string())
            .map(|envelope| envelope.seq)
            .collect();
        assert_eq!(seqs, (1..=20).collect::<Vec<u64>>());
    }
}

#[tokio::test]
async fn a_node_stopping_finishes_its_attempts_and_another_node_delivers_the_rest() {
    let (url, receiver) = start_receiver(vec![StatusCode::SERVICE_UNAVAILABLE; 3]).await;
    let outbox = Arc::new(MemoryOutbox::default());
    let node_a = outbox_hub(outbox.clone(), "node-a", 10);
    let monitor = webhook_monitor(&node_a, &url);
    for _ in 0..3 {
        node_a.publish(&call_event("Delivered"));
    }
    node_a.stop_webhook_delivery(Duration::from_secs(5)).await;
    {
        let rows = outbox.rows.lock().unwrap();
        assert_eq!(rows.len(), 3, "every event written before stopping");
        assert!(rows.iter().all(|row| row.claim.is_none()), "no claim left");
    }
    let tried = receiver.received.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        receiver.received.lock().unwrap().len(),
        tried,
        "node A stopped"
    );

    let node_b = outbox_hub(outbox.clone(), "node-b", 10);
    assert!(node_b.start_webhook_delivery());
    eventually("node B's deliveries", || node_b.metrics().delivered == 3).await;
    let ids: Vec<String> = receiver
        .received
        .lock()
        .unwrap()
        .iter()
        .skip(3) // the 503s
        .map(|attempt| attempt.id.clone())
        .collect();
    let expected: Vec<String> = (1..=3)
        .map(|seq| format!("{}-{seq}", monitor.cross_ref_id))
        .collect();
    assert_eq!(ids, expected);
}
