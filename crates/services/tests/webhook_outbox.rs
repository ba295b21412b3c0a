//! Webhooks from the persistent outbox across a node's death and a restart, on SQLite and (with
//! `SENTRAL_TEST_DATABASE_URL`) PostgreSQL: node 1 enqueues while the receiver answers 503 and
//! dies holding a claim (its runtime is dropped, as a killed process's tasks are); node 2 opens
//! the same store, takes the claim over once it expires, and the receiver gets every event at
//! least once, one `webhook-id` per event, in `seq` order per monitor.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
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
    Envelope, HubConfig, MonitorHub, MonitorObject, MonitorOwner, MonitorSpec, OutboxConfig,
    Published, RetryPolicy, WebhookTarget,
};
use sentral_services::webhook_outbox::StoreOutbox;
use sentral_store::testing::{PgTestSchema, postgres_test_url};
use sentral_store::{Store, StoreLocation};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const T0: Timestamp = Timestamp::from_millis(1_795_000_000_000);

#[derive(Debug, Clone)]
struct Attempt {
    id: String,
    timestamp: i64,
    signature: String,
    body: String,
    accepted: bool,
}

/// Answers 503 until `up`, and holds the very first request for a while (so its sender dies
/// holding the claim); records every attempt.
#[derive(Clone, Default)]
struct Receiver {
    up: Arc<AtomicBool>,
    held_first: Arc<AtomicBool>,
    attempts: Arc<Mutex<Vec<Attempt>>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let accepted = receiver.up.load(Ordering::SeqCst);
    receiver.attempts.lock().unwrap().push(Attempt {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or_default(),
        signature: header("webhook-signature"),
        body,
        accepted,
    });
    if !receiver.held_first.swap(true, Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    if accepted {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

fn hub(store: Arc<Store>, node: &str) -> MonitorHub {
    let mut outbox = OutboxConfig::new(Arc::new(StoreOutbox::new(store)));
    outbox.node = node.to_owned();
    outbox.poll_interval = Duration::from_millis(20);
    outbox.claim_for = Duration::from_secs(1);
    MonitorHub::new(HubConfig {
        retry: RetryPolicy {
            max_attempts: 1_000,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(100),
            request_timeout: Duration::from_secs(10),
        },
        outbox: Some(outbox),
        ..HubConfig::default()
    })
}

fn event(event_type: &str, call: usize) -> Published {
    Published {
        enterprise_id: "100001".to_owned(),
        devices: vec!["+4791000001".to_owned()],
        event_type: event_type.to_owned(),
        cause: Some("newCall".to_owned()),
        subject: Some("+4791000001".to_owned()),
        occurred_at: T0,
        payload: serde_json::json!({"callId": format!("c{call}")}),
    }
}

async fn pending(store: &Store) -> i64 {
    let mut conn = store.read().await.unwrap();
    sentral_store::outbox::pending_count(&mut conn)
        .await
        .unwrap()
}

fn wait_until(what: &str, rt: &tokio::runtime::Runtime, done: impl AsyncFnMut() -> bool) {
    let mut done = done;
    rt.block_on(async {
        for _ in 0..1_500 {
            if done().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("timed out waiting for {what}");
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn every_event_survives_a_node_death_and_a_restart(location: StoreLocation, name: &str) {
    let receiving = runtime();
    let receiver = Receiver::default();
    let url = receiving.block_on(async {
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    });

    // Node 1: two monitors, 4 + 3 events and the second one stopped (MonitorEnded): 8 rows.
    let node1 = runtime();
    let store = Arc::new(node1.block_on(Store::open(&location)).unwrap());
    let hub1 = node1.block_on(async {
        let hub = hub(store.clone(), "node-1");
        let owner = MonitorOwner::new("owner");
        let monitors: Vec<_> = (0..2)
            .map(|_| {
                hub.create(
                    MonitorSpec {
                        owner: owner.clone(),
                        object: MonitorObject::Enterprise("100001".to_owned()),
                        filter: None,
                        webhook: Some(WebhookTarget {
                            url: url.clone(),
                            secret: Secret::new(SECRET),
                        }),
                    },
                    T0,
                )
                .unwrap()
            })
            .collect();
        for call in 0..3 {
            hub.publish(&event("Delivered", call));
        }
        hub.stop(&monitors[1].cross_ref_id, &owner, T0).unwrap();
        hub.publish(&event("ConnectionCleared", 9));
        hub
    });
    wait_until("eight rows and a held attempt", &node1, async || {
        let attempts = receiver.attempts.lock().unwrap().len();
        let mut conn = store.read().await.unwrap();
        let rows = sentral_store::outbox::pending_count(&mut conn)
            .await
            .unwrap();
        rows == 8 && attempts >= 3
    });
    // Node 1 dies: its tasks go with its runtime, one claim held on the request kept waiting.
    drop(store);
    node1.shutdown_timeout(Duration::from_secs(5));
    drop(hub1); // after its runtime: a dropped hub would stop delivery gracefully
    receiver.up.store(true, Ordering::SeqCst);

    // Node 2 opens the same store (a restart) and delivers everything, the held row included.
    let node2 = runtime();
    let store = Arc::new(node2.block_on(Store::open(&location)).unwrap());
    let hub2 = node2.block_on(async {
        let hub = hub(store.clone(), "node-2");
        assert!(hub.start_webhook_delivery());
        hub
    });
    wait_until("every delivery", &node2, async || {
        pending(&store).await == 0
    });

    let attempts = receiver.attempts.lock().unwrap().clone();
    let mut accepted: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    let mut seqs_tried: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for attempt in &attempts {
        assert!(
            verify(
                SECRET,
                &attempt.id,
                attempt.timestamp,
                &attempt.body,
                &attempt.signature
            ),
            "{name}: signature of {attempt:?}"
        );
        let envelope: Envelope = serde_json::from_str(&attempt.body).unwrap();
        assert_eq!(envelope.event_id, attempt.id, "{name}: one id per event");
        let monitor = envelope.monitor_cross_ref_id.to_string();
        seqs_tried
            .entry(monitor.clone())
            .or_default()
            .push(envelope.seq);
        if attempt.accepted && ids.insert(attempt.id.clone()) {
            accepted
                .entry(monitor)
                .or_default()
                .push((envelope.seq, envelope.event_type));
        }
    }
    assert_eq!(ids.len(), 8, "{name}: every event at least once");
    // The row node 1 died delivering (held, never answered to it) was delivered by node 2.
    let held = &attempts[0];
    assert!(!held.accepted, "{name}");
    assert!(ids.contains(&held.id), "{name}: {} taken over", held.id);
    let mut shapes: Vec<Vec<u64>> = accepted
        .values()
        .map(|events| events.iter().map(|(seq, _)| *seq).collect())
        .collect();
    shapes.sort();
    assert_eq!(shapes, [vec![1, 2, 3, 4], vec![1, 2, 3, 4]], "{name}");
    assert!(
        accepted
            .values()
            .any(|events| events.last().unwrap().1 == "MonitorEnded"),
        "{name}"
    );
    // Attempts of one monitor never go back in seq: a later event waits for the earlier one.
    for (monitor, seqs) in &seqs_tried {
        assert!(
            seqs.windows(2).all(|pair| pair[0] <= pair[1]),
            "{name}: {monitor} tried out of order: {seqs:?}"
        );
    }
    let metrics = hub2.metrics();
    assert_eq!(metrics.delivered, 8, "{name}: node 2 delivered all");
    drop(hub2);
    node2.block_on(store.close());
    node2.shutdown_background();
    receiving.shutdown_background();
}

#[test]
fn webhooks_survive_a_node_death_and_a_restart_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    every_event_survives_a_node_death_and_a_restart(
        StoreLocation::SqliteDir(dir.path().to_owned()),
        "sqlite",
    );
}

#[test]
fn webhooks_survive_a_node_death_and_a_restart_on_postgres() {
    let Some(base) = postgres_test_url() else {
        return;
    };
    let setup = runtime();
    let schema = setup.block_on(PgTestSchema::create(&base)).unwrap();
    every_event_survives_a_node_death_and_a_restart(
        StoreLocation::Postgres(schema.url.clone()),
        "postgres",
    );
    setup.block_on(schema.drop_schema()).unwrap();
}

/// A replicated monitor's webhook secret stays on the node it was asked of: another node enqueues
/// the same deliveries before that node stored the target, its claims are retried (not given up),
/// and once the target is there every event is delivered signed with the secret.
#[test]
fn deliveries_enqueued_before_the_asked_node_stores_the_target_wait_for_it() {
    use sentral_events::EventOrder;

    let rt = runtime();
    let receiver = Receiver {
        up: Arc::new(AtomicBool::new(true)),
        // Nothing held: every attempt is answered at once.
        held_first: Arc::new(AtomicBool::new(true)),
        ..Receiver::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let location = StoreLocation::SqliteDir(dir.path().to_owned());
    let store = Arc::new(rt.block_on(Store::open(&location)).unwrap());
    // Both nodes live to the end: a dropped hub stops its delivery.
    let _nodes = rt.block_on(async {
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });

        let (other, asked) = (hub(store.clone(), "node-a"), hub(store.clone(), "node-b"));
        let (_, created) = asked
            .prepare_create(
                MonitorSpec {
                    owner: MonitorOwner::new("owner"),
                    object: MonitorObject::Enterprise("100001".to_owned()),
                    filter: None,
                    webhook: Some(WebhookTarget {
                        url,
                        secret: Secret::new(SECRET),
                    }),
                },
                T0,
            )
            .unwrap();
        // The other node reads the stream first: the monitor and three events, no secret.
        let mut order = EventOrder::first(7);
        other.receive_control("100001", &created, Some(order));
        for call in 0..3 {
            order = order.next();
            other.receive(&event("Delivered", call), Some(order));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            receiver.attempts.lock().unwrap().is_empty(),
            "nothing can be signed yet"
        );
        assert_eq!(other.metrics().gave_up, 0, "waiting, not given up");
        // The node asked applies the same `Created` and stores the target with its secret.
        asked.receive_control("100001", &created, Some(EventOrder::first(7)));
        (other, asked)
    });
    wait_until("three deliveries", &rt, async || pending(&store).await == 0);
    let attempts = receiver.attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    for attempt in &attempts {
        assert!(
            verify(
                SECRET,
                &attempt.id,
                attempt.timestamp,
                &attempt.body,
                &attempt.signature
            ),
            "signed with the asked node's secret: {attempt:?}"
        );
    }
    rt.block_on(store.close());
    rt.shutdown_background();
}
