//! The NATS bus against a real server: two nodes, each with its own hub and connection; an event
//! published on one reaches the monitors of both. Needs NATS at `SENTRAL_TEST_NATS_URL` (default
//! `nats://127.0.0.1:4222`) and `--features nats`; without a server the tests say so and pass,
//! except under `CI=true`, where they fail.
#![cfg(feature = "nats")]

use std::time::Duration;

use sentral_domain::Timestamp;
use sentral_domain::secret::Secret;
use sentral_events::nats::NatsBus;
use sentral_events::{
    Bus, HubConfig, MonitorHub, MonitorObject, MonitorOwner, MonitorSpec, Published,
};

fn nats_url() -> String {
    std::env::var("SENTRAL_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
}

/// No server: a failure in CI, a skip (with a message) on a developer's machine.
fn no_server() {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "no NATS at {}: CI must run the NATS tests",
        nats_url()
    );
    eprintln!("no NATS at {}: skipped", nats_url());
}

fn monitor(hub: &MonitorHub, object: MonitorObject) -> sentral_events::CrossRefId {
    let spec = MonitorSpec {
        owner: MonitorOwner::new("owner"),
        object,
        filter: None,
        webhook: None,
    };
    hub.create(spec, Timestamp::from_millis(0))
        .expect("monitor")
        .cross_ref_id
}

/// Call `call`'s `Delivered` in the demo enterprise.
fn delivered(call: u32) -> Published {
    Published {
        enterprise_id: "100001".to_owned(),
        devices: vec!["+4791000001".to_owned()],
        event_type: "Delivered".to_owned(),
        cause: Some("newCall".to_owned()),
        subject: Some("+4791000001".to_owned()),
        occurred_at: Timestamp::from_millis(1_795_000_000_000 + i64::from(call)),
        payload: serde_json::json!({"callId": format!("c{call}")}),
    }
}

/// A replicated monitor of the whole demo enterprise prepared on `hub`: its info and the
/// `Created` for the owner to dispatch.
fn prepare_enterprise_monitor(
    hub: &MonitorHub,
    owner: &MonitorOwner,
) -> (sentral_events::MonitorInfo, sentral_events::MonitorControl) {
    hub.prepare_create(
        MonitorSpec {
            owner: owner.clone(),
            object: MonitorObject::Enterprise("100001".to_owned()),
            filter: None,
            webhook: None,
        },
        Timestamp::from_millis(1_795_000_000_000),
    )
    .expect("valid")
}

/// The `Ended` that stops monitor `id`.
fn stopped(id: &sentral_events::CrossRefId) -> sentral_events::MonitorControl {
    sentral_events::MonitorControl::Ended {
        cross_ref_id: id.clone(),
        cause: sentral_events::causes::MONITOR_STOPPED.to_owned(),
        at: Timestamp::from_millis(1_795_000_001_000),
    }
}

/// Every envelope `stream` gives until it is quiet for 5 s (or ends).
async fn frames_until_quiet(stream: &mut sentral_events::Subscription) -> Vec<String> {
    let mut frames = Vec::new();
    while let Ok(Some(frame)) = tokio::time::timeout(Duration::from_secs(5), stream.next()).await {
        frames.push(frame.json());
    }
    frames
}

#[tokio::test]
async fn an_event_published_on_one_node_reaches_the_monitors_of_every_node() {
    // A prefix of its own, so concurrent runs on the same server do not see each other.
    let prefix = format!("sentral-test.{}", Secret::random_hex(6).expose());
    let Ok(node_a) = NatsBus::connect_with_prefix(&nats_url(), &prefix).await else {
        no_server();
        return;
    };
    let node_b = NatsBus::connect_with_prefix(&nats_url(), &prefix)
        .await
        .expect("second connection");
    let (hub_a, hub_b) = (
        MonitorHub::new(HubConfig::default()),
        MonitorHub::new(HubConfig::default()),
    );
    node_a.attach(hub_a.clone()).await.expect("attached");
    node_b.attach(hub_b.clone()).await.expect("attached");
    let on_a = monitor(&hub_a, MonitorObject::Enterprise("100001".to_owned()));
    let on_b = monitor(
        &hub_b,
        MonitorObject::Device {
            enterprise_id: "100001".to_owned(),
            device: "+4791000002".to_owned(),
        },
    );
    let mut stream_b = hub_b
        .subscribe(&on_b, &MonitorOwner::new("owner"), None)
        .expect("stream");

    let event = Published {
        enterprise_id: "100001".to_owned(),
        devices: vec!["+4791000001".to_owned(), "+4791000002".to_owned()],
        event_type: "Delivered".to_owned(),
        cause: Some("newCall".to_owned()),
        subject: Some("+4791000002".to_owned()),
        occurred_at: Timestamp::from_millis(1_795_000_000_123),
        payload: serde_json::json!({"callId": "c1"}),
    };
    node_a.publish(&event).await.expect("published");

    let frame = tokio::time::timeout(Duration::from_secs(5), stream_b.next())
        .await
        .expect("in time")
        .expect("a frame");
    let envelope: sentral_events::Envelope =
        serde_json::from_str(&frame.json()).expect("an envelope");
    assert_eq!(
        (envelope.seq, envelope.event_type.as_str()),
        (1, "Delivered")
    );
    assert_eq!(envelope.occurred_at, "2026-11-18T11:06:40.123Z");
    assert_eq!(envelope.payload, event.payload);
    for _ in 0..100 {
        if hub_a.metrics().published == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(hub_a.metrics().published, 1, "node A's own monitor {on_a}");

    assert!(node_a.subject("100.001").is_err());
}

#[tokio::test]
async fn an_invalidation_published_by_one_node_reaches_every_node() {
    let root = format!("sentral-test.{}", Secret::random_hex(6).expose());
    let Ok(node_a) = NatsBus::connect_with_prefix(&nats_url(), &root).await else {
        no_server();
        return;
    };
    let node_b = NatsBus::connect_in_background(&nats_url(), &root, "test node b")
        .await
        .expect("a usable URL");
    let (sent, mut received) = tokio::sync::mpsc::unbounded_channel();
    node_b
        .subscribe_invalidations(move |bytes| {
            let _ = sent.send(bytes.to_vec());
        })
        .await
        .expect("subscribed");
    assert!(node_a.is_connected() && node_b.is_connected());
    // Events of the same root do not arrive as invalidations (and the other way round).
    let hub_b = MonitorHub::new(HubConfig::default());
    node_b.attach(hub_b.clone()).await.expect("attached");
    node_a
        .publish_invalidation(br#"{"origin":"a","drop":"organizations"}"#.to_vec())
        .await
        .expect("published");
    let message = tokio::time::timeout(Duration::from_secs(5), received.recv())
        .await
        .expect("in time")
        .expect("a message");
    assert_eq!(message, br#"{"origin":"a","drop":"organizations"}"#);
    node_a.flush().await.expect("flushed");
    assert_eq!(hub_b.metrics().published, 0);
}

#[tokio::test]
async fn a_node_started_before_its_nats_is_not_connected_and_an_unusable_url_is_refused() {
    // Nothing listens on port 1: the answer comes at once, not connected, retrying behind.
    let bus = NatsBus::connect_in_background("nats://127.0.0.1:1", "sentral-test", "test")
        .await
        .expect("a usable URL");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!bus.is_connected());
    assert!(
        NatsBus::connect_in_background("not a url at all ::", "sentral-test", "test")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn over_nats_a_monitor_prepared_on_one_node_is_created_by_the_owner_and_numbered_alike() {
    use sentral_events::CrossRefId;

    let prefix = format!("sentral-test.{}", Secret::random_hex(6).expose());
    let Ok(bus_a) = NatsBus::connect_with_prefix(&nats_url(), &prefix).await else {
        no_server();
        return;
    };
    let bus_b = NatsBus::connect_with_prefix(&nats_url(), &prefix)
        .await
        .expect("second connection");
    let (owner_node, client_node) = (
        MonitorHub::new(HubConfig::default()),
        MonitorHub::new(HubConfig::default()),
    );
    bus_a.attach(owner_node.clone()).await.expect("attached");
    bus_b.attach(client_node.clone()).await.expect("attached");
    let owner = MonitorOwner::new("owner");

    let (info, created) = prepare_enterprise_monitor(&client_node, &owner);
    let id: CrossRefId = info.cross_ref_id;
    owner_node.dispatch(delivered(1));
    owner_node.dispatch_control("100001", created);
    for call in 2..=10 {
        owner_node.dispatch(delivered(call));
    }
    assert!(client_node.registered(&id, Duration::from_secs(5)).await);
    assert!(owner_node.registered(&id, Duration::from_secs(5)).await);
    let mut streams = Vec::new();
    for hub in [&owner_node, &client_node] {
        streams.push(hub.subscribe(&id, &owner, Some(0)).expect("stream"));
    }
    for call in 11..=20 {
        owner_node.dispatch(delivered(call));
    }
    owner_node.dispatch_control("100001", stopped(&id));
    let mut seen = Vec::new();
    for stream in &mut streams {
        seen.push(frames_until_quiet(stream).await);
    }
    assert_eq!(seen[0].len(), 20, "19 events and MonitorEnded");
    assert_eq!(seen[0], seen[1]);
    assert!(seen[0][19].contains("\"type\":\"MonitorEnded\""));
    assert_eq!(client_node.bus_metrics(), Default::default());
}

#[tokio::test]
async fn a_node_started_with_no_caught_up_node_reads_the_stream_and_numbers_a_monitor_alike() {
    let prefix = format!("sentral-test.{}", Secret::random_hex(6).expose());
    let Ok(bus_a) = NatsBus::connect_with_prefix(&nats_url(), &prefix).await else {
        no_server();
        return;
    };
    let owner_node = MonitorHub::new(HubConfig::default());
    bus_a.attach(owner_node.clone()).await.expect("attached");
    let owner = MonitorOwner::new("owner");
    let (info, created) = prepare_enterprise_monitor(&owner_node, &owner);
    let id = info.cross_ref_id;
    owner_node.dispatch(delivered(1));
    owner_node.dispatch_control("100001", created);
    for call in 2..=10 {
        owner_node.dispatch(delivered(call));
    }
    assert!(owner_node.registered(&id, Duration::from_secs(5)).await);
    let frames = |hub: &MonitorHub| {
        let mut stream = hub.subscribe(&id, &owner, Some(0)).expect("a stream");
        let mut frames = Vec::new();
        while let Some(frame) = stream.try_next() {
            frames.push(frame.json());
        }
        frames
    };
    let mut on_a = Vec::new();
    for _ in 0..50 {
        on_a = frames(&owner_node);
        if on_a.len() == 9 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        on_a.len(),
        9,
        "the nine events after the monitor's creation"
    );
    // Every node that could copy its monitors leaves: the next one has only the stream.
    bus_a.close().await.expect("closed");

    let bus_c = NatsBus::connect_with_prefix(&nats_url(), &prefix)
        .await
        .expect("a later connection");
    let late_node = MonitorHub::new(HubConfig::default());
    bus_c
        .attach(late_node.clone())
        .await
        .expect("attached late");
    assert!(
        late_node.registered(&id, Duration::from_secs(5)).await,
        "the late node rebuilt the monitor from the stream"
    );
    assert_eq!(frames(&late_node), on_a, "numbered alike, byte for byte");
    assert_eq!(
        late_node.bus_metrics(),
        Default::default(),
        "no gap, no resync"
    );
}

#[tokio::test]
async fn the_events_retention_must_be_between_a_minute_and_a_day() {
    let bus = NatsBus::connect_in_background("nats://127.0.0.1:1", "sentral-test", "test")
        .await
        .expect("a usable URL");
    assert!(bus.clone().with_retention(Duration::from_secs(59)).is_err());
    assert!(
        bus.clone()
            .with_retention(Duration::from_secs(86_401))
            .is_err()
    );
    let kept = bus
        .with_retention(Duration::from_secs(3_600))
        .expect("an hour");
    assert_eq!(kept.stream_name(), "sentral-test-events");
}

#[tokio::test]
async fn a_starting_node_copies_a_monitor_the_stream_no_longer_holds_from_a_caught_up_node() {
    use sentral_events::CrossRefId;

    let prefix = format!("sentral-test.{}", Secret::random_hex(6).expose());
    let Ok(bus_a) = NatsBus::connect_with_prefix(&nats_url(), &prefix).await else {
        no_server();
        return;
    };
    let node_a = MonitorHub::new(HubConfig::default());
    bus_a.attach(node_a.clone()).await.expect("attached");
    let owner = MonitorOwner::new("owner");
    let (info, created) = prepare_enterprise_monitor(&node_a, &owner);
    let id: CrossRefId = info.cross_ref_id;
    node_a.dispatch_control("100001", created);
    for call in 1..=8 {
        node_a.dispatch(delivered(call));
    }
    assert!(node_a.registered(&id, Duration::from_secs(5)).await);
    let mut on_a = node_a.subscribe(&id, &owner, Some(0)).expect("stream");
    let mut before = Vec::new();
    while before.len() < 8 {
        let frame = tokio::time::timeout(Duration::from_secs(5), on_a.next())
            .await
            .expect("in time")
            .expect("a frame");
        before.push(frame.json());
    }
    drop(on_a);

    // The retention ran out: the stream no longer has the monitor's Created nor its events.
    let client = async_nats::connect(nats_url()).await.expect("a client");
    async_nats::jetstream::new(client)
        .get_stream(bus_a.stream_name())
        .await
        .expect("the events stream")
        .purge()
        .await
        .expect("purged");

    let bus_b = NatsBus::connect_with_prefix(&nats_url(), &prefix)
        .await
        .expect("a later connection");
    let node_b = MonitorHub::new(HubConfig::default());
    bus_b.attach(node_b.clone()).await.expect("attached late");
    assert!(
        node_b.registered(&id, Duration::from_secs(1)).await,
        "copied from the caught-up node"
    );
    let mut streams = Vec::new();
    for hub in [&node_a, &node_b] {
        streams.push(
            hub.subscribe(&id, &owner, Some(2))
                .expect("resumed after 2"),
        );
    }
    for call in 9..=12 {
        node_a.dispatch(delivered(call));
    }
    node_a.dispatch_control("100001", stopped(&id));
    let mut seen = Vec::new();
    for stream in &mut streams {
        seen.push(frames_until_quiet(stream).await);
    }
    // Events 3..=8 replayed (from B's copied buffer), 9..=12 live, and MonitorEnded.
    assert_eq!(seen[0].len(), 11, "{:?}", seen[0]);
    assert_eq!(
        seen[0][..6],
        before[2..],
        "the replay is the same envelopes"
    );
    assert_eq!(seen[0], seen[1], "both nodes serve the monitor alike");
    assert_eq!(
        node_b.bus_metrics(),
        Default::default(),
        "no gap, no resync"
    );
}

#[tokio::test]
async fn when_nats_loses_the_stream_it_is_made_again_and_read_from_its_start() {
    let prefix = format!("sentral-test.{}", Secret::random_hex(6).expose());
    let Ok(bus) = NatsBus::connect_with_prefix(&nats_url(), &prefix).await else {
        no_server();
        return;
    };
    let node = MonitorHub::new(HubConfig::default());
    bus.attach(node.clone()).await.expect("attached");
    let on_node = monitor(&node, MonitorObject::Enterprise("100001".to_owned()));
    let mut stream = node
        .subscribe(&on_node, &MonitorOwner::new("owner"), None)
        .expect("a stream");
    let mut seqs = Vec::new();
    for call in 1..=3 {
        node.dispatch(delivered(call));
    }
    while seqs.len() < 3 {
        let frame = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("in time")
            .expect("a frame");
        seqs.push(frame.seq());
    }
    // NATS loses its storage: the stream is gone, and made again numbered from 1.
    let client = async_nats::connect(nats_url()).await.expect("a client");
    async_nats::jetstream::new(client)
        .delete_stream(bus.stream_name())
        .await
        .expect("deleted");
    for call in 4..=6 {
        node.dispatch(delivered(call));
    }
    while seqs.len() < 6 {
        let frame = tokio::time::timeout(Duration::from_secs(15), stream.next())
            .await
            .expect("the events after the loss, in time")
            .expect("a frame");
        assert_eq!(
            frame.event_type(),
            "Delivered",
            "no resync: nothing was missed"
        );
        seqs.push(frame.seq());
    }
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
}
