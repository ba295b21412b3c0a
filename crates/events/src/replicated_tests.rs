//! Replicated monitors: two hubs on one enterprise's ordered stream (a relay stands in for NATS:
//! it records what the owner's uplink sends, and the test hands each message to the hubs, so it
//! can also drop or repeat one). Node A owns the enterprise (its engine dispatches), node B is
//! where the clients are.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sentral_domain::Timestamp;
use sentral_domain::secret::Secret;

use crate::bus::BoxFuture;
use crate::outbox::{ClaimedEntry, OutboxEntry, OutboxFuture, OutboxTarget};
use crate::{
    Bus, BusError, CrossRefId, EventOrder, HubConfig, HubError, MonitorControl, MonitorHub,
    MonitorObject, MonitorOwner, MonitorSpec, OutboxConfig, Published, Received, Subscription,
    WebhookOutbox, WebhookTarget, causes, event_types,
};

const ENTERPRISE: &str = "100001";
const ALICE: &str = "+4791000001";
const BOB: &str = "+4791000002";
const T0: Timestamp = Timestamp::from_millis(1_795_000_000_000);
const LEASE_SECONDS: i64 = 60;

#[derive(Debug, Clone)]
enum Message {
    Event(Published, EventOrder),
    Control(String, MonitorControl, EventOrder),
}

/// Records what the uplink publishes, in order.
#[derive(Default)]
struct Relay {
    sent: Mutex<Vec<Message>>,
    arrived: tokio::sync::Notify,
}

impl Relay {
    fn record(&self, message: Message) {
        self.sent.lock().expect("sent").push(message);
        self.arrived.notify_waiters();
    }

    /// Waits until the uplink has sent `count` messages in all, and answers them all.
    async fn sent(&self, count: usize) -> Vec<Message> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            {
                let sent = self.sent.lock().expect("sent");
                if sent.len() >= count {
                    return sent.clone();
                }
            }
            assert!(
                tokio::time::timeout_at(deadline, arrived).await.is_ok(),
                "the uplink sent fewer than {count} messages"
            );
        }
    }
}

impl Bus for Relay {
    fn publish<'a>(&'a self, _: &'a Published) -> BoxFuture<'a, Result<(), BusError>> {
        Box::pin(std::future::ready(Err(BusError::Unavailable(
            "ordered only".to_owned(),
        ))))
    }

    fn publish_ordered<'a>(
        &'a self,
        event: &'a Published,
        order: EventOrder,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        self.record(Message::Event(event.clone(), order));
        Box::pin(std::future::ready(Ok(())))
    }

    fn publish_control<'a>(
        &'a self,
        enterprise_id: &'a str,
        control: &'a MonitorControl,
        order: EventOrder,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        self.record(Message::Control(
            enterprise_id.to_owned(),
            control.clone(),
            order,
        ));
        Box::pin(std::future::ready(Ok(())))
    }

    fn attach(&self, _: MonitorHub) -> BoxFuture<'_, Result<(), BusError>> {
        Box::pin(std::future::ready(Ok(())))
    }
}

fn deliver(hub: &MonitorHub, message: &Message) -> Received {
    match message {
        Message::Event(event, order) => hub.receive(event, Some(*order)),
        Message::Control(enterprise_id, control, order) => {
            hub.receive_control(enterprise_id, control, Some(*order))
        }
    }
}

fn config() -> HubConfig {
    HubConfig {
        lease: Duration::from_secs(60),
        replay_capacity: 100,
        enterprise_replay_capacity: 100,
        ..HubConfig::default()
    }
}

/// Node A (owning the enterprise, its uplink on the relay) and node B.
fn cluster(config: HubConfig) -> (Arc<Relay>, MonitorHub, MonitorHub) {
    let relay = Arc::new(Relay::default());
    let node_a = MonitorHub::new(config.clone());
    let node_b = MonitorHub::new(config);
    assert!(node_a.connect_uplink(relay.clone()));
    (relay, node_a, node_b)
}

/// Hands the relay's messages `from..` (up to `count` sent in all) to both nodes, in order.
async fn relay_to_both(relay: &Relay, nodes: [&MonitorHub; 2], from: usize, count: usize) {
    for message in &relay.sent(count).await[from..count] {
        for node in nodes {
            assert_ne!(deliver(node, message), Received::Duplicate);
        }
    }
}

fn owner() -> MonitorOwner {
    MonitorOwner::new("app:demo-client/user:api0000000001")
}

fn spec(object: MonitorObject, webhook: Option<WebhookTarget>) -> MonitorSpec {
    MonitorSpec {
        owner: owner(),
        object,
        filter: None,
        webhook,
    }
}

fn whole() -> MonitorObject {
    MonitorObject::Enterprise(ENTERPRISE.to_owned())
}

fn event(event_type: &str, devices: &[&str], call: u32) -> Published {
    Published {
        enterprise_id: ENTERPRISE.to_owned(),
        devices: devices.iter().map(|d| (*d).to_owned()).collect(),
        event_type: event_type.to_owned(),
        cause: Some("newCall".to_owned()),
        subject: devices.first().map(|d| (*d).to_owned()),
        occurred_at: T0.plus_seconds(i64::from(call)),
        payload: serde_json::json!({"callId": format!("c{call}")}),
    }
}

/// Every envelope ready on the stream now, as JSON text: equal text is equal seq, eventId and
/// content.
fn drain(stream: &mut Subscription) -> Vec<String> {
    std::iter::from_fn(|| stream.try_next())
        .map(|frame| frame.json())
        .collect()
}

fn field(json: &str, name: &str) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_str(json).expect("an envelope");
    value[name].clone()
}

/// Prepares an enterprise monitor on B and has A dispatch its `Created` after `before` events
/// (the relay has then sent `before + 1`); both nodes have applied everything.
async fn replicated_monitor(
    relay: &Relay,
    node_a: &MonitorHub,
    node_b: &MonitorHub,
    sent: usize,
) -> CrossRefId {
    let (info, created) = node_b
        .prepare_create(spec(whole(), None), T0)
        .expect("valid");
    assert_eq!(info.seq, 0);
    assert_eq!(info.expires_at, T0.plus_seconds(LEASE_SECONDS));
    // Nothing is registered until the control comes back from the bus.
    assert_eq!(
        node_b.get(&info.cross_ref_id, &owner()).err(),
        Some(HubError::NotFound)
    );
    node_a.dispatch_control(ENTERPRISE, created);
    relay_to_both(relay, [node_a, node_b], sent, sent + 1).await;
    assert!(
        node_b
            .registered(&info.cross_ref_id, Duration::from_secs(1))
            .await
    );
    info.cross_ref_id
}

#[tokio::test]
async fn a_monitor_prepared_on_one_node_numbers_the_same_events_alike_on_both() {
    let (relay, node_a, node_b) = cluster(config());
    // An event before the monitor exists reaches it on neither node.
    node_a.dispatch(event("Delivered", &[ALICE], 1));
    relay_to_both(&relay, [&node_a, &node_b], 0, 1).await;

    let (info, created) = node_b
        .prepare_create(spec(whole(), None), T0)
        .expect("valid");
    let id = info.cross_ref_id.clone();
    let waiting = {
        let node_b = node_b.clone();
        let id = id.clone();
        tokio::spawn(async move { node_b.registered(&id, Duration::from_secs(5)).await })
    };
    node_a.dispatch_control(ENTERPRISE, created);
    node_a.dispatch(event("Established", &[ALICE], 2));
    node_a.dispatch(event("Delivered", &[BOB], 3));
    let sent = relay.sent(4).await;
    assert!(matches!(
        sent[1],
        Message::Control(_, MonitorControl::Created { .. }, _)
    ));
    // The control took its place in the enterprise's numbering, between the events.
    let keys: Vec<u64> = sent
        .iter()
        .map(|message| match message {
            Message::Event(_, order) | Message::Control(_, _, order) => order.seq,
        })
        .collect();
    assert_eq!(keys, [1, 2, 3, 4]);
    relay_to_both(&relay, [&node_a, &node_b], 1, 4).await;
    assert!(
        waiting.await.expect("joined"),
        "B answers its client once it has it"
    );

    let on_a = node_a.get(&id, &owner()).expect("on A");
    let on_b = node_b.get(&id, &owner()).expect("on B");
    assert_eq!(on_a, on_b);
    assert_eq!(on_a.seq, 2);
    let from_a = drain(&mut node_a.subscribe(&id, &owner(), Some(0)).expect("stream"));
    let from_b = drain(&mut node_b.subscribe(&id, &owner(), Some(0)).expect("stream"));
    assert_eq!(from_a, from_b);
    assert_eq!(from_a.len(), 2);
    assert_eq!(field(&from_a[0], "seq"), 1);
    assert_eq!(field(&from_a[0], "eventId"), format!("{id}-1"));
    assert_eq!(field(&from_a[0], "type"), "Established");
    assert_eq!(field(&from_a[1], "eventId"), format!("{id}-2"));
    // Someone else's monitor stays unknown on either node.
    let stranger = MonitorOwner::new("app:other/user:x");
    assert_eq!(node_b.get(&id, &stranger).err(), Some(HubError::NotFound));
}

#[tokio::test]
async fn resuming_after_a_seq_on_the_other_node_replays_exactly_what_the_first_would() {
    let (relay, node_a, node_b) = cluster(config());
    let id = replicated_monitor(&relay, &node_a, &node_b, 0).await;
    // A client streams from A and sees up to seq 3 …
    let mut on_a = node_a.subscribe(&id, &owner(), None).expect("stream");
    for call in 1..=3 {
        node_a.dispatch(event("Delivered", &[ALICE], call));
    }
    relay_to_both(&relay, [&node_a, &node_b], 1, 4).await;
    let seen = drain(&mut on_a);
    assert_eq!(seen.len(), 3);
    drop(on_a);
    // … its node is gone while two more happen; it resumes on B with after=3.
    for call in 4..=5 {
        node_a.dispatch(event("Established", &[ALICE], call));
    }
    relay_to_both(&relay, [&node_a, &node_b], 4, 6).await;
    let resumed_b = drain(&mut node_b.subscribe(&id, &owner(), Some(3)).expect("stream"));
    let resumed_a = drain(&mut node_a.subscribe(&id, &owner(), Some(3)).expect("stream"));
    assert_eq!(resumed_b, resumed_a);
    let seqs: Vec<serde_json::Value> = resumed_b.iter().map(|json| field(json, "seq")).collect();
    assert_eq!(seqs, [4, 5]);
    // And from the beginning, B has what A delivered live: no gap, no duplicate, same order.
    let replayed_b = drain(&mut node_b.subscribe(&id, &owner(), Some(0)).expect("stream"));
    assert_eq!(replayed_b[..3], seen[..]);
}

#[tokio::test]
async fn renew_and_stop_through_controls_act_on_both_nodes_alike() {
    let (relay, node_a, node_b) = cluster(config());
    let id = replicated_monitor(&relay, &node_a, &node_b, 0).await;
    let mut on_b = node_b.subscribe(&id, &owner(), None).expect("stream");
    node_a.dispatch(event("Delivered", &[ALICE], 1));

    let (renewed, control) = node_b
        .prepare_renew(&id, &owner(), T0.plus_seconds(30))
        .expect("renewable");
    assert_eq!(renewed.expires_at, T0.plus_seconds(90));
    node_a.dispatch_control(ENTERPRISE, control);
    relay_to_both(&relay, [&node_a, &node_b], 1, 3).await;
    for node in [&node_a, &node_b] {
        assert_eq!(
            node.get(&id, &owner()).expect("alive").expires_at,
            T0.plus_seconds(90)
        );
    }

    let stop = node_b
        .prepare_stop(&id, &owner(), T0.plus_seconds(40))
        .expect("stoppable");
    node_a.dispatch_control(ENTERPRISE, stop);
    // After the stop nothing more is numbered for it.
    node_a.dispatch(event("Established", &[ALICE], 2));
    relay_to_both(&relay, [&node_a, &node_b], 3, 5).await;

    let live_b = drain(&mut on_b);
    assert_eq!(live_b.len(), 2);
    let ended = &live_b[1];
    assert_eq!(field(ended, "type"), event_types::MONITOR_ENDED);
    assert_eq!(field(ended, "seq"), 2);
    assert_eq!(field(ended, "cause"), causes::MONITOR_STOPPED);
    assert_eq!(field(ended, "occurredAt"), T0.plus_seconds(40).to_rfc3339());
    for node in [&node_a, &node_b] {
        assert_eq!(node.get(&id, &owner()).err(), Some(HubError::NotFound));
        assert_eq!(node.metrics().monitors, 0);
    }
    // The node that asked for it knows it was created (its client is answered even when the
    // monitor ended meanwhile); elsewhere an ended monitor is simply unknown.
    assert!(node_b.registered(&id, Duration::ZERO).await);
    assert!(!node_a.registered(&id, Duration::from_millis(10)).await);
    // A Created repeated without a key (no duplicate check possible) revives nothing where it
    // was prepared.
    let created = relay.sent(1).await;
    let Message::Control(_, created, _) = &created[0] else {
        panic!("the Created first");
    };
    assert!(!node_b.apply_control(created, T0));
    assert_eq!(node_b.get(&id, &owner()).err(), Some(HubError::NotFound));
    assert_eq!(
        node_b.prepare_stop(&id, &owner(), T0).err(),
        Some(HubError::NotFound)
    );
}

#[tokio::test]
async fn a_lapsed_lease_is_ended_by_the_owner_at_one_place_for_every_node() {
    let (relay, node_a, node_b) = cluster(config());
    let id = replicated_monitor(&relay, &node_a, &node_b, 0).await;
    node_a.dispatch(event("Delivered", &[ALICE], 1));
    relay_to_both(&relay, [&node_a, &node_b], 1, 2).await;

    let after_lease = T0.plus_seconds(LEASE_SECONDS);
    // Each node's own sweep leaves it alone …
    for node in [&node_a, &node_b] {
        assert!(node.expire(after_lease).is_empty());
        assert!(node.get(&id, &owner()).is_ok());
    }
    assert_eq!(
        node_b.prepare_renew(&id, &owner(), after_lease).err(),
        Some(HubError::NotFound),
        "too late to renew"
    );
    assert!(
        node_a
            .lapsed(ENTERPRISE, after_lease.plus_seconds(-1))
            .is_empty()
    );
    assert!(node_a.lapsed("100002", after_lease).is_empty());
    // … the owner ends it through the stream.
    let lapsed = node_a.lapsed(ENTERPRISE, after_lease);
    assert_eq!(lapsed, std::slice::from_ref(&id));
    for id in lapsed {
        node_a.dispatch_control(
            ENTERPRISE,
            MonitorControl::Ended {
                cross_ref_id: id,
                cause: causes::LEASE_EXPIRED.to_owned(),
                at: after_lease,
            },
        );
    }
    relay_to_both(&relay, [&node_a, &node_b], 2, 3).await;
    let mut last = Vec::new();
    for node in [&node_a, &node_b] {
        assert!(node.lapsed(ENTERPRISE, after_lease).is_empty());
        assert_eq!(node.get(&id, &owner()).err(), Some(HubError::NotFound));
        last.push(node.metrics().published);
    }
    assert_eq!(last, [1, 1]);
}

#[tokio::test]
async fn a_replicated_monitor_whose_end_never_came_is_ended_after_the_grace() {
    let (relay, node_a, node_b) = cluster(config());
    let id = replicated_monitor(&relay, &node_a, &node_b, 0).await;
    let grace = i64::try_from(config().replicated_expiry_grace.as_secs()).expect("grace");
    let after_lease = T0.plus_seconds(LEASE_SECONDS);
    assert!(
        node_b
            .expire(after_lease.plus_seconds(grace - 1))
            .is_empty()
    );
    assert_eq!(
        node_b.expire(after_lease.plus_seconds(grace)),
        std::slice::from_ref(&id)
    );
}

#[tokio::test]
async fn duplicate_and_missed_controls_are_handled_like_events() {
    let (relay, node_a, node_b) = cluster(config());
    let id = replicated_monitor(&relay, &node_a, &node_b, 0).await;
    let sent = relay.sent(1).await;
    // The bus redelivering a Created changes nothing.
    assert_eq!(deliver(&node_b, &sent[0]), Received::Duplicate);
    assert_eq!(node_b.bus_metrics().duplicates, 1);

    node_a.dispatch(event("Delivered", &[ALICE], 1));
    let (_, renew) = node_b
        .prepare_renew(&id, &owner(), T0.plus_seconds(10))
        .expect("renewable");
    node_a.dispatch_control(ENTERPRISE, renew);
    node_a.dispatch(event("Established", &[ALICE], 2));
    let sent = relay.sent(4).await;
    for message in &sent[1..4] {
        assert!(matches!(deliver(&node_a, message), Received::Delivered(1)));
    }
    // B misses the event at key 2: the control after it comes after a gap …
    assert_eq!(deliver(&node_b, &sent[2]), Received::AfterGap(1));
    assert_eq!(deliver(&node_b, &sent[2]), Received::Duplicate);
    assert_eq!(deliver(&node_b, &sent[3]), Received::Delivered(1));
    // … and is still applied: the lease is renewed on B too.
    assert_eq!(
        node_b.get(&id, &owner()).expect("alive").expires_at,
        T0.plus_seconds(70)
    );
    assert_eq!(node_b.bus_metrics().gaps, 1);
    // The resync was numbered on B alone (documented: replicas number apart after such a gap).
    let on_b = drain(&mut node_b.subscribe(&id, &owner(), Some(0)).expect("stream"));
    let types: Vec<serde_json::Value> = on_b.iter().map(|json| field(json, "type")).collect();
    assert_eq!(types, [event_types::RESYNC_REQUIRED, "Established"]);
    assert_eq!(field(&on_b[0], "cause"), causes::EVENTS_MISSED);

    // A missed Created: the monitor is not on that node.
    let (info, created) = node_a
        .prepare_create(spec(whole(), None), T0)
        .expect("valid");
    node_a.dispatch_control(ENTERPRISE, created);
    node_a.dispatch(event("Delivered", &[ALICE], 3));
    let sent = relay.sent(6).await;
    deliver(&node_a, &sent[4]);
    deliver(&node_a, &sent[5]);
    assert_eq!(deliver(&node_b, &sent[5]), Received::AfterGap(1));
    assert!(node_a.get(&info.cross_ref_id, &owner()).is_ok());
    assert!(
        !node_b
            .registered(&info.cross_ref_id, Duration::from_millis(20))
            .await
    );
}

#[tokio::test]
async fn a_control_in_another_enterprises_stream_changes_nothing() {
    let hub = MonitorHub::new(config());
    let (info, created) = hub.prepare_create(spec(whole(), None), T0).expect("valid");
    let order = Some(EventOrder { origin: 1, seq: 1 });
    assert_eq!(
        hub.receive_control("100002", &created, order),
        Received::Delivered(0)
    );
    assert!(!hub.registered(&info.cross_ref_id, Duration::ZERO).await);
    assert_eq!(
        hub.receive_control(ENTERPRISE, &created, order),
        Received::Delivered(1)
    );
    let stop = hub
        .prepare_stop(&info.cross_ref_id, &owner(), T0)
        .expect("stoppable");
    assert!(!hub.apply_control(
        &MonitorControl::Renewed {
            cross_ref_id: CrossRefId::new("mon_unknown"),
            expires_at: T0,
        },
        T0
    ));
    assert_eq!(
        hub.receive_control("100002", &stop, Some(EventOrder { origin: 1, seq: 2 })),
        Received::Delivered(0)
    );
    assert!(hub.get(&info.cross_ref_id, &owner()).is_ok());
}

#[tokio::test]
async fn without_an_uplink_a_dispatched_create_is_an_ordinary_monitor_of_this_node() {
    let hub = MonitorHub::new(config());
    let (info, created) = hub.prepare_create(spec(whole(), None), T0).expect("valid");
    hub.dispatch_control(ENTERPRISE, created);
    assert!(hub.registered(&info.cross_ref_id, Duration::ZERO).await);
    assert_eq!(hub.get(&info.cross_ref_id, &owner()).expect("here"), info);
    hub.dispatch(event("Delivered", &[ALICE], 1));
    assert_eq!(hub.get(&info.cross_ref_id, &owner()).expect("here").seq, 1);
    // Its lease is this node's business, as with `create`.
    let after_lease = T0.plus_seconds(LEASE_SECONDS);
    assert!(hub.lapsed(ENTERPRISE, after_lease).is_empty());
    assert_eq!(
        hub.expire(after_lease),
        std::slice::from_ref(&info.cross_ref_id)
    );
}

#[test]
fn a_webhook_that_cannot_work_is_refused_when_prepared() {
    let hub = MonitorHub::new(config());
    let target = WebhookTarget {
        url: "ftp://example.com/hook".to_owned(),
        secret: Secret::new("s"),
    };
    assert!(matches!(
        hub.prepare_create(spec(whole(), Some(target)), T0),
        Err(HubError::InvalidWebhook(_))
    ));
}

#[test]
fn controls_have_a_stable_json_form() {
    let created = MonitorControl::Created {
        cross_ref_id: CrossRefId::new("mon_1"),
        owner: owner(),
        object: MonitorObject::Device {
            enterprise_id: ENTERPRISE.to_owned(),
            device: ALICE.to_owned(),
        },
        filter: Some(vec!["Delivered".to_owned()]),
        webhook_url: Some("http://127.0.0.1/hook".to_owned()),
        webhook: None,
        expires_at: T0,
    };
    let json = serde_json::to_value(&created).expect("json");
    assert_eq!(
        json,
        serde_json::json!({"created": {
            "crossRefId": "mon_1",
            "owner": "app:demo-client/user:api0000000001",
            "object": {"device": {"enterpriseId": ENTERPRISE, "device": ALICE}},
            "filter": ["Delivered"],
            "webhookUrl": "http://127.0.0.1/hook",
            "expiresAt": "2026-11-18T11:06:40.000Z",
        }})
    );
    assert_eq!(
        serde_json::from_value::<MonitorControl>(json).expect("back"),
        created
    );
    // An earlier version's `Created`, with the webhook's secret, is still read.
    let earlier = serde_json::json!({"created": {
        "crossRefId": "mon_1",
        "owner": "app:demo-client/user:api0000000001",
        "object": {"device": {"enterpriseId": ENTERPRISE, "device": ALICE}},
        "filter": null,
        "webhook": {"url": "http://127.0.0.1/hook", "secret": "whsec_abc"},
        "expiresAt": "2026-11-18T11:06:40.000Z",
    }});
    let MonitorControl::Created {
        webhook,
        webhook_url,
        ..
    } = serde_json::from_value::<MonitorControl>(earlier).expect("read")
    else {
        panic!("a Created");
    };
    assert_eq!(
        (webhook.map(|target| target.url), webhook_url),
        (Some("http://127.0.0.1/hook".to_owned()), None)
    );
    let renewed = MonitorControl::Renewed {
        cross_ref_id: CrossRefId::new("mon_1"),
        expires_at: T0,
    };
    assert_eq!(
        serde_json::to_value(&renewed).expect("json"),
        serde_json::json!({"renewed": {"crossRefId": "mon_1", "expiresAt": "2026-11-18T11:06:40.000Z"}})
    );
    assert_eq!(
        serde_json::to_value(whole()).expect("json"),
        serde_json::json!({"enterprise": ENTERPRISE})
    );
}

/// An outbox that records what each node enqueues and delivers nothing.
#[derive(Default)]
struct RecordingOutbox {
    targets: Mutex<Vec<OutboxTarget>>,
    entries: Mutex<Vec<OutboxEntry>>,
}

impl WebhookOutbox for RecordingOutbox {
    fn enqueue<'a>(
        &'a self,
        targets: &'a [OutboxTarget],
        entries: &'a [OutboxEntry],
        _: Timestamp,
    ) -> OutboxFuture<'a, ()> {
        self.targets
            .lock()
            .expect("targets")
            .extend_from_slice(targets);
        self.entries
            .lock()
            .expect("entries")
            .extend_from_slice(entries);
        Box::pin(std::future::ready(Ok(())))
    }

    fn claim<'a>(
        &'a self,
        _: &'a str,
        _: Timestamp,
        _: Timestamp,
        _: usize,
    ) -> OutboxFuture<'a, Vec<ClaimedEntry>> {
        Box::pin(std::future::ready(Ok(Vec::new())))
    }

    fn delivered<'a>(&'a self, _: &'a str, _: u32, _: Timestamp) -> OutboxFuture<'a, ()> {
        Box::pin(std::future::ready(Ok(())))
    }

    fn reschedule<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: u32,
        _: Timestamp,
        _: &'a str,
    ) -> OutboxFuture<'a, bool> {
        Box::pin(std::future::ready(Ok(false)))
    }

    fn give_up<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: u32,
        _: Timestamp,
        _: &'a str,
    ) -> OutboxFuture<'a, bool> {
        Box::pin(std::future::ready(Ok(false)))
    }

    fn release<'a>(&'a self, _: &'a str) -> OutboxFuture<'a, u64> {
        Box::pin(std::future::ready(Ok(0)))
    }
}

/// Waits (test only) until `done` holds, or fails after five seconds.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

fn hook() -> WebhookTarget {
    WebhookTarget {
        url: "http://127.0.0.1:9/hook".to_owned(),
        secret: Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    }
}

#[tokio::test]
async fn with_an_outbox_both_nodes_enqueue_the_same_deliveries_under_the_same_ids_and_only_the_asking_node_stores_the_secret()
 {
    let outboxes = [
        Arc::new(RecordingOutbox::default()),
        Arc::new(RecordingOutbox::default()),
    ];
    let node = |outbox: &Arc<RecordingOutbox>| {
        MonitorHub::new(HubConfig {
            outbox: Some(OutboxConfig::new(outbox.clone())),
            ..config()
        })
    };
    let relay = Arc::new(Relay::default());
    let (node_a, node_b) = (node(&outboxes[0]), node(&outboxes[1]));
    node_a.connect_uplink(relay.clone());
    let (info, created) = node_b
        .prepare_create(spec(whole(), Some(hook())), T0)
        .expect("valid");
    let travelling = serde_json::to_string(&created).expect("json");
    assert!(
        !travelling.contains(hook().secret.expose()),
        "the secret stays on the node asked: {travelling}"
    );
    assert!(travelling.contains(&hook().url), "{travelling}");
    node_a.dispatch_control(ENTERPRISE, created);
    node_a.dispatch(event("Delivered", &[ALICE], 1));
    node_a.dispatch(event("Established", &[ALICE], 2));
    let stop = MonitorControl::Ended {
        cross_ref_id: info.cross_ref_id.clone(),
        cause: causes::MONITOR_STOPPED.to_owned(),
        at: T0.plus_seconds(9),
    };
    node_a.dispatch_control(ENTERPRISE, stop);
    relay_to_both(&relay, [&node_a, &node_b], 0, 4).await;
    for outbox in &outboxes {
        eventually("three deliveries enqueued", || {
            outbox.entries.lock().expect("entries").len() == 3
        })
        .await;
    }
    // The node asked (B) stores the target with its secret; A signs from the outbox too.
    assert!(outboxes[0].targets.lock().expect("targets").is_empty());
    let stored = outboxes[1].targets.lock().expect("targets").clone();
    assert_eq!(
        stored,
        [OutboxTarget {
            monitor_id: info.cross_ref_id.as_str().to_owned(),
            url: hook().url,
            secret: hook().secret,
        }]
    );
    let entries = |outbox: &RecordingOutbox| -> Vec<(String, u64, String, bool)> {
        outbox
            .entries
            .lock()
            .expect("entries")
            .iter()
            .map(|entry| (entry.id.clone(), entry.seq, entry.body.clone(), entry.last))
            .collect()
    };
    let (on_a, on_b) = (entries(&outboxes[0]), entries(&outboxes[1]));
    // Same id, same body: the store keeps the first (ON CONFLICT DO NOTHING), the other is a no-op.
    assert_eq!(on_a, on_b);
    let ids: Vec<&str> = on_a.iter().map(|(id, ..)| id.as_str()).collect();
    let id = &info.cross_ref_id;
    assert_eq!(
        ids,
        [format!("{id}-1"), format!("{id}-2"), format!("{id}-3")]
    );
    assert!(on_a[2].3, "MonitorEnded is the last");
}

/// A webhook receiver on a loopback port that records the `webhook-id` of every request.
async fn start_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};

    async fn receive(State(ids): State<Arc<Mutex<Vec<String>>>>, headers: HeaderMap) -> StatusCode {
        let id = headers
            .get("webhook-id")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        ids.lock().expect("ids").push(id);
        StatusCode::OK
    }

    let ids: Arc<Mutex<Vec<String>>> = Arc::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(ids.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, ids)
}

#[tokio::test]
async fn without_an_outbox_only_the_node_that_prepared_it_delivers_the_webhook() {
    let (url, received) = start_receiver().await;
    let (relay, node_a, node_b) = cluster(config());
    let target = WebhookTarget {
        url: url.clone(),
        ..hook()
    };
    let (info, created) = node_b
        .prepare_create(spec(whole(), Some(target)), T0)
        .expect("valid");
    node_a.dispatch_control(ENTERPRISE, created);
    node_a.dispatch(event("Delivered", &[ALICE], 1));
    node_a.dispatch(event("Established", &[ALICE], 2));
    relay_to_both(&relay, [&node_a, &node_b], 0, 3).await;
    for node in [&node_a, &node_b] {
        let here = node.get(&info.cross_ref_id, &owner()).expect("here");
        assert_eq!(here.webhook_url.as_deref(), Some(url.as_str()));
    }
    eventually("two deliveries", || {
        received.lock().expect("ids").len() >= 2
    })
    .await;
    // Time for a second node's deliveries, had it any.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let id = &info.cross_ref_id;
    assert_eq!(
        *received.lock().expect("ids"),
        [format!("{id}-1"), format!("{id}-2")]
    );
    assert_eq!(node_b.metrics().delivered, 2);
    assert_eq!(node_a.metrics().delivered, 0);
}
