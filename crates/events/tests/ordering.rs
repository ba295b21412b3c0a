//! Events between nodes: the uplink publishes a node's engine events on the bus in order, each
//! with its enterprise's ordering key, and a receiving hub addresses each once, drops duplicates
//! and tells the enterprise's monitors to resync after a gap. A loopback bus stands in for NATS
//! here; the last test runs two hubs over a real NATS (`--features nats`, skipped without one).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sentral_domain::Timestamp;
use sentral_events::bus::BoxFuture;
use sentral_events::{
    Bus, BusError, CrossRefId, Envelope, EventOrder, HubConfig, MonitorHub, MonitorObject,
    MonitorOwner, MonitorSpec, Published, Received, Subscription, causes, event_types,
};

const ENTERPRISE: &str = "100001";
const OTHER: &str = "100002";
const T0: Timestamp = Timestamp::from_millis(1_795_000_000_000);

fn owner() -> MonitorOwner {
    MonitorOwner::new("owner")
}

fn monitor(hub: &MonitorHub, enterprise_id: &str) -> CrossRefId {
    let spec = MonitorSpec {
        owner: owner(),
        object: MonitorObject::Enterprise(enterprise_id.to_owned()),
        filter: None,
        webhook: None,
    };
    hub.create(spec, T0).expect("monitor").cross_ref_id
}

fn stream(hub: &MonitorHub, monitor: &CrossRefId, after: Option<u64>) -> Subscription {
    hub.subscribe(monitor, &owner(), after).expect("stream")
}

fn event(enterprise_id: &str, call: u64) -> Published {
    Published {
        enterprise_id: enterprise_id.to_owned(),
        devices: vec!["+4791000001".to_owned()],
        event_type: "Delivered".to_owned(),
        cause: Some("newCall".to_owned()),
        subject: Some("+4791000001".to_owned()),
        occurred_at: T0,
        payload: serde_json::json!({ "callId": format!("c{call}") }),
    }
}

fn order(origin: u64, seq: u64) -> Option<EventOrder> {
    Some(EventOrder { origin, seq })
}

/// Everything ready on the stream now: (seq, type, cause, callId).
fn drain(stream: &mut Subscription) -> Vec<(u64, String, Option<String>, String)> {
    std::iter::from_fn(|| stream.try_next())
        .map(|frame| {
            let envelope: Envelope = serde_json::from_str(&frame.json()).expect("an envelope");
            let call = envelope.payload["callId"].as_str().unwrap_or("").to_owned();
            (envelope.seq, envelope.event_type, envelope.cause, call)
        })
        .collect()
}

fn delivered(seq: u64, call: u64) -> (u64, String, Option<String>, String) {
    (
        seq,
        "Delivered".to_owned(),
        Some("newCall".to_owned()),
        format!("c{call}"),
    )
}

fn resync(seq: u64) -> (u64, String, Option<String>, String) {
    (
        seq,
        event_types::RESYNC_REQUIRED.to_owned(),
        Some(causes::EVENTS_MISSED.to_owned()),
        String::new(),
    )
}

#[test]
fn without_an_uplink_an_engine_event_is_addressed_here_at_once() {
    let hub = MonitorHub::new(HubConfig::default());
    let on = monitor(&hub, ENTERPRISE);
    let mut live = stream(&hub, &on, None);
    assert!(!hub.has_uplink());
    hub.dispatch(event(ENTERPRISE, 1));
    assert_eq!(drain(&mut live), [delivered(1, 1)]);
}

#[test]
fn received_events_are_addressed_once_in_order_and_a_gap_asks_for_a_resync() {
    let hub = MonitorHub::new(HubConfig::default());
    let on = monitor(&hub, ENTERPRISE);
    let mut live = stream(&hub, &on, None);

    // The first key seen of an enterprise needs no history (this node just joined).
    assert_eq!(
        hub.receive(&event(ENTERPRISE, 1), order(7, 41)),
        Received::Delivered(1)
    );
    assert_eq!(
        hub.receive(&event(ENTERPRISE, 2), order(7, 42)),
        Received::Delivered(1)
    );
    // Redelivered and late ones are dropped.
    assert_eq!(
        hub.receive(&event(ENTERPRISE, 2), order(7, 42)),
        Received::Duplicate
    );
    assert_eq!(
        hub.receive(&event(ENTERPRISE, 1), order(7, 41)),
        Received::Duplicate
    );
    // 43 and 44 never came: resync, then the event.
    assert_eq!(
        hub.receive(&event(ENTERPRISE, 5), order(7, 45)),
        Received::AfterGap(1)
    );
    assert_eq!(
        hub.receive(&event(ENTERPRISE, 6), order(7, 46)),
        Received::Delivered(1)
    );
    assert_eq!(
        drain(&mut live),
        [
            delivered(1, 1),
            delivered(2, 2),
            resync(3),
            delivered(4, 5),
            delivered(5, 6)
        ]
    );

    // The resync is a numbered event of the monitor: resuming from before it replays it.
    let mut resumed = stream(&hub, &on, Some(2));
    assert_eq!(
        drain(&mut resumed),
        [resync(3), delivered(4, 5), delivered(5, 6)]
    );
    // From the snapshot taken after it (seq 3 or later): the replay as always, no loop.
    let mut resumed = stream(&hub, &on, Some(3));
    assert_eq!(drain(&mut resumed), [delivered(4, 5), delivered(5, 6)]);

    let metrics = hub.bus_metrics();
    assert_eq!((metrics.duplicates, metrics.gaps), (2, 1));
}

#[test]
fn another_numbering_is_a_restarted_engine_and_enterprises_are_numbered_apart() {
    let hub = MonitorHub::new(HubConfig::default());
    let (on, elsewhere) = (monitor(&hub, ENTERPRISE), monitor(&hub, OTHER));
    let (mut live, mut other) = (stream(&hub, &on, None), stream(&hub, &elsewhere, None));

    assert_eq!(
        hub.receive(&event(ENTERPRISE, 1), order(7, 1)),
        Received::Delivered(1)
    );
    assert_eq!(
        hub.receive(&event(OTHER, 2), order(9, 1)),
        Received::Delivered(1)
    );
    // The engine restarted (maybe on another node): its numbering starts again, nothing dropped.
    assert_eq!(
        hub.receive(&event(ENTERPRISE, 3), order(8, 1)),
        Received::AfterGap(1)
    );
    assert_eq!(
        hub.receive(&event(OTHER, 4), order(9, 2)),
        Received::Delivered(1)
    );
    // Events without a key (an older node) are addressed as they are.
    assert_eq!(hub.receive(&event(OTHER, 5), None), Received::Delivered(1));

    assert_eq!(
        drain(&mut live),
        [delivered(1, 1), resync(2), delivered(3, 3)]
    );
    assert_eq!(
        drain(&mut other),
        [delivered(1, 2), delivered(2, 4), delivered(3, 5)]
    );
}

#[test]
fn a_filtered_monitor_is_told_to_resync_too() {
    let hub = MonitorHub::new(HubConfig::default());
    let spec = MonitorSpec {
        owner: owner(),
        object: MonitorObject::Device {
            enterprise_id: ENTERPRISE.to_owned(),
            device: "+4791000001".to_owned(),
        },
        filter: Some(vec!["Established".to_owned()]),
        webhook: None,
    };
    let on = hub.create(spec, T0).expect("monitor").cross_ref_id;
    let mut live = stream(&hub, &on, None);
    assert_eq!(
        hub.receive(&event(ENTERPRISE, 1), order(7, 1)),
        Received::Delivered(0)
    );
    assert_eq!(
        hub.receive(&event(ENTERPRISE, 3), order(7, 3)),
        Received::AfterGap(0)
    );
    assert_eq!(drain(&mut live), [resync(1)]);
}

/// A bus that records what it is given and hands it back to the attached hubs, like NATS with
/// its own subscription; `hold` keeps publishes waiting (a slow or stuck connection).
struct Loopback {
    hubs: Mutex<Vec<MonitorHub>>,
    sent: Mutex<Vec<(String, EventOrder)>>,
    hold: tokio::sync::Semaphore,
    holding: std::sync::atomic::AtomicBool,
}

impl Default for Loopback {
    fn default() -> Self {
        Self {
            hubs: Mutex::default(),
            sent: Mutex::default(),
            hold: tokio::sync::Semaphore::new(0),
            holding: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl Loopback {
    fn deliver(&self, event: &Published, order: Option<EventOrder>) {
        for hub in self.hubs.lock().expect("hubs").iter() {
            hub.receive(event, order);
        }
    }
}

impl Bus for Loopback {
    fn publish<'a>(&'a self, event: &'a Published) -> BoxFuture<'a, Result<(), BusError>> {
        self.deliver(event, None);
        Box::pin(std::future::ready(Ok(())))
    }

    fn publish_ordered<'a>(
        &'a self,
        event: &'a Published,
        order: EventOrder,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        Box::pin(async move {
            if self.holding.load(std::sync::atomic::Ordering::Acquire) {
                let _ = self
                    .hold
                    .acquire()
                    .await
                    .map_err(|e| BusError::Unavailable(e.to_string()))?;
            }
            self.sent
                .lock()
                .expect("sent")
                .push((event.enterprise_id.clone(), order));
            self.deliver(event, Some(order));
            Ok(())
        })
    }

    fn attach(&self, hub: MonitorHub) -> BoxFuture<'_, Result<(), BusError>> {
        self.hubs.lock().expect("hubs").push(hub);
        Box::pin(std::future::ready(Ok(())))
    }
}

async fn settle(hub: &MonitorHub, published: u64) {
    for _ in 0..200 {
        if hub.metrics().published >= published {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn with_an_uplink_every_node_addresses_the_events_it_gets_back_from_the_bus_once() {
    let bus = Arc::new(Loopback::default());
    let (node_a, node_b) = (
        MonitorHub::new(HubConfig::default()),
        MonitorHub::new(HubConfig::default()),
    );
    bus.attach(node_a.clone()).await.expect("attached");
    bus.attach(node_b.clone()).await.expect("attached");
    assert!(node_a.connect_uplink(bus.clone()));
    assert!(!node_a.connect_uplink(bus.clone()), "once");
    let (on_a, on_b) = (monitor(&node_a, ENTERPRISE), monitor(&node_b, ENTERPRISE));
    let (mut live_a, mut live_b) = (stream(&node_a, &on_a, None), stream(&node_b, &on_b, None));

    for call in 1..=3 {
        node_a.dispatch(event(ENTERPRISE, call));
        node_a.dispatch(event(OTHER, call));
    }
    // Not addressed on the spot: only when it comes back from the bus.
    assert_eq!(node_a.metrics().published, 0);
    settle(&node_a, 3).await;
    settle(&node_b, 3).await;

    let expected = [delivered(1, 1), delivered(2, 2), delivered(3, 3)];
    assert_eq!(drain(&mut live_a), expected);
    assert_eq!(drain(&mut live_b), expected);
    let sent = bus.sent.lock().expect("sent").clone();
    let seqs = |enterprise: &str| -> Vec<u64> {
        sent.iter()
            .filter(|(id, _)| id == enterprise)
            .map(|(_, order)| order.seq)
            .collect()
    };
    assert_eq!(seqs(ENTERPRISE), [1, 2, 3]);
    assert_eq!(seqs(OTHER), [1, 2, 3]);
    // The bus redelivering an event changes nothing.
    let (_, first) = sent[0].clone();
    bus.deliver(&event(ENTERPRISE, 1), Some(first));
    assert_eq!(drain(&mut live_b), []);
    assert_eq!(node_b.bus_metrics().duplicates, 1);

    // The seam for a durable sequence: a taking-over engine goes on from its predecessor's key.
    node_a.resume_sequence(
        ENTERPRISE,
        EventOrder {
            origin: first.origin,
            seq: 10,
        },
    );
    node_a.dispatch(event(ENTERPRISE, 11));
    settle(&node_b, 4).await;
    assert_eq!(drain(&mut live_b), [resync(4), delivered(5, 11)]);
}

#[tokio::test]
async fn a_full_queue_to_the_bus_drops_events_and_the_receivers_resync() {
    let bus = Arc::new(Loopback::default());
    bus.holding
        .store(true, std::sync::atomic::Ordering::Release);
    let node_a = MonitorHub::new(HubConfig {
        uplink_capacity: 2,
        ..HubConfig::default()
    });
    let node_b = MonitorHub::new(HubConfig::default());
    bus.attach(node_b.clone()).await.expect("attached");
    node_a.connect_uplink(bus.clone());
    let on_b = monitor(&node_b, ENTERPRISE);
    let mut live_b = stream(&node_b, &on_b, None);

    node_a.dispatch(event(ENTERPRISE, 1));
    // Let the uplink take the first one and wait on the bus with it.
    tokio::time::sleep(Duration::from_millis(50)).await;
    for call in 2..=5 {
        node_a.dispatch(event(ENTERPRISE, call));
    }
    // Queue of two: 2 and 3 wait, 4 and 5 are dropped. The dispatcher never waited.
    assert_eq!(node_a.bus_metrics().dropped, 2);
    bus.holding
        .store(false, std::sync::atomic::Ordering::Release);
    bus.hold.add_permits(10);
    settle(&node_b, 3).await;
    node_a.dispatch(event(ENTERPRISE, 6));
    settle(&node_b, 4).await;
    assert_eq!(
        drain(&mut live_b),
        [
            delivered(1, 1),
            delivered(2, 2),
            delivered(3, 3),
            resync(4),
            delivered(5, 6)
        ]
    );
    assert_eq!(node_b.bus_metrics().gaps, 1);
}

#[cfg(feature = "nats")]
#[tokio::test]
async fn over_nats_each_node_addresses_the_events_of_the_owner_once_in_order() {
    use sentral_domain::secret::Secret;
    use sentral_events::nats::NatsBus;

    let url =
        std::env::var("SENTRAL_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let root = format!("sentral-test.{}", Secret::random_hex(6).expose());
    let Ok(bus_a) = NatsBus::connect_with_prefix(&url, &root).await else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no NATS at {url}: CI must run the NATS tests"
        );
        eprintln!("no NATS at {url}: skipped");
        return;
    };
    let bus_b = NatsBus::connect_with_prefix(&url, &root)
        .await
        .expect("second connection");
    let (node_a, node_b) = (
        MonitorHub::new(HubConfig::default()),
        MonitorHub::new(HubConfig::default()),
    );
    bus_a.attach(node_a.clone()).await.expect("attached");
    bus_b.attach(node_b.clone()).await.expect("attached");
    assert!(node_a.has_uplink() && node_b.has_uplink());
    let (on_a, on_b) = (monitor(&node_a, ENTERPRISE), monitor(&node_b, ENTERPRISE));
    let (mut live_a, mut live_b) = (stream(&node_a, &on_a, None), stream(&node_b, &on_b, None));

    for call in 1..=50 {
        node_a.dispatch(event(ENTERPRISE, call));
    }
    settle(&node_a, 50).await;
    settle(&node_b, 50).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let expected: Vec<_> = (1..=50).map(|n| delivered(n, n)).collect();
    assert_eq!(
        drain(&mut live_a),
        expected,
        "the publishing node, once each"
    );
    assert_eq!(drain(&mut live_b), expected);
    assert_eq!(node_b.bus_metrics(), Default::default());
}
