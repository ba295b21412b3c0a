//! The hub's promises, one test each: numbering, replay, resync, replacement, filters, tenant
//! isolation, leases, slow clients, the in-process bus.

use std::time::Duration;

use sentral_domain::Timestamp;
use sentral_domain::secret::Secret;

use crate::{
    Bus, CrossRefId, Envelope, Frame, HubConfig, HubError, InProcessBus, MonitorHub, MonitorObject,
    MonitorOwner, MonitorSpec, Published, Subscription, WebhookError, WebhookTarget, causes,
    event_types,
};

const ENTERPRISE: &str = "100001";
const ALICE: &str = "+4791000001";
const BOB: &str = "+4791000002";
const T0: Timestamp = Timestamp::from_millis(1_795_000_000_000);

fn hub_with(replay_capacity: usize, stream_capacity: usize) -> MonitorHub {
    MonitorHub::new(HubConfig {
        replay_capacity,
        enterprise_replay_capacity: replay_capacity,
        stream_capacity,
        lease: Duration::from_secs(60),
        ..HubConfig::default()
    })
}

fn hub() -> MonitorHub {
    hub_with(100, 100)
}

fn owner() -> MonitorOwner {
    MonitorOwner::new("app:demo-client/user:api0000000001")
}

fn enterprise_monitor(hub: &MonitorHub) -> CrossRefId {
    create(hub, MonitorObject::Enterprise(ENTERPRISE.to_owned()), None)
}

fn device_monitor(hub: &MonitorHub, device: &str) -> CrossRefId {
    let object = MonitorObject::Device {
        enterprise_id: ENTERPRISE.to_owned(),
        device: device.to_owned(),
    };
    create(hub, object, None)
}

fn create(hub: &MonitorHub, object: MonitorObject, filter: Option<Vec<&str>>) -> CrossRefId {
    let spec = MonitorSpec {
        owner: owner(),
        object,
        filter: filter.map(|types| types.into_iter().map(str::to_owned).collect()),
        webhook: None,
    };
    let info = hub.create(spec, T0).expect("monitor created");
    assert_eq!(info.seq, 0);
    let lease = i64::try_from(hub.config().lease.as_secs()).expect("lease");
    assert_eq!(info.expires_at, T0.plus_seconds(lease));
    info.cross_ref_id
}

fn event(event_type: &str, devices: &[&str]) -> Published {
    Published {
        enterprise_id: ENTERPRISE.to_owned(),
        devices: devices.iter().map(|d| (*d).to_owned()).collect(),
        event_type: event_type.to_owned(),
        cause: Some("newCall".to_owned()),
        subject: devices.first().map(|d| (*d).to_owned()),
        occurred_at: T0,
        payload: serde_json::json!({"callId": "c1"}),
    }
}

/// Everything the subscription has ready now, as (seq, type).
fn drain(subscription: &mut Subscription) -> Vec<(u64, String)> {
    std::iter::from_fn(|| subscription.try_next())
        .map(|frame| (frame.seq(), frame.event_type().to_owned()))
        .collect()
}

fn envelope(frame: &Frame) -> Envelope {
    serde_json::from_str(&frame.json()).expect("an envelope")
}

fn seqs(frames: &[(u64, String)]) -> Vec<u64> {
    frames.iter().map(|(seq, _)| *seq).collect()
}

#[test]
fn each_monitor_numbers_its_events_from_one() {
    let hub = hub();
    let whole = enterprise_monitor(&hub);
    let alice = device_monitor(&hub, ALICE);
    let mut whole_stream = hub.subscribe(&whole, &owner(), None).expect("stream");
    let mut alice_stream = hub.subscribe(&alice, &owner(), None).expect("stream");

    assert_eq!(hub.publish(&event("Delivered", &[ALICE, BOB])), 2);
    assert_eq!(hub.publish(&event("Delivered", &[BOB])), 1);
    assert_eq!(hub.publish(&event("Established", &[ALICE, ALICE])), 2);

    assert_eq!(seqs(&drain(&mut whole_stream)), [1, 2, 3]);
    let alice_frames: Vec<Frame> = std::iter::from_fn(|| alice_stream.try_next()).collect();
    let alice_seen: Vec<(u64, String)> = alice_frames
        .iter()
        .map(|frame| (envelope(frame).seq, envelope(frame).event_type))
        .collect();
    assert_eq!(
        alice_seen,
        [(1, "Delivered".to_owned()), (2, "Established".to_owned())]
    );
    let first = envelope(&alice_frames[0]);
    assert_eq!(first.monitor_cross_ref_id, alice.as_str());
    assert_eq!(first.event_id, format!("{alice}-1"));
    assert_eq!(first.subject.as_deref(), Some(ALICE));
    assert_eq!(first.cause.as_deref(), Some("newCall"));
    assert_eq!(first.payload, serde_json::json!({"callId": "c1"}));
    assert_eq!(hub.get(&alice, &owner()).expect("visible").seq, 2);
    assert_eq!(hub.metrics().published, 5);
}

#[test]
fn events_of_other_enterprises_and_devices_reach_no_one() {
    let hub = hub();
    device_monitor(&hub, ALICE);
    let mut other = event("Delivered", &[ALICE]);
    other.enterprise_id = "200002".to_owned();
    assert_eq!(hub.publish(&other), 0);
    assert_eq!(hub.publish(&event("Delivered", &[BOB])), 0);
}

#[test]
fn resuming_after_a_seq_replays_each_missed_event_once_in_order() {
    let hub = hub();
    let monitor = enterprise_monitor(&hub);
    let mut first = hub.subscribe(&monitor, &owner(), None).expect("stream");
    hub.publish(&event("Delivered", &[ALICE]));
    assert_eq!(seqs(&drain(&mut first)), [1]);
    drop(first);

    for _ in 0..3 {
        hub.publish(&event("Delivered", &[ALICE]));
    }
    let mut resumed = hub.subscribe(&monitor, &owner(), Some(1)).expect("stream");
    hub.publish(&event("Established", &[ALICE]));
    assert_eq!(seqs(&drain(&mut resumed)), [2, 3, 4, 5]);

    let mut up_to_date = hub.subscribe(&monitor, &owner(), Some(5)).expect("stream");
    assert!(drain(&mut up_to_date).is_empty());
}

#[test]
fn an_after_older_than_the_buffer_asks_for_a_resync_then_goes_live() {
    let hub = hub_with(3, 100);
    let monitor = enterprise_monitor(&hub);
    for _ in 0..6 {
        hub.publish(&event("Delivered", &[ALICE]));
    }
    // The buffer keeps 4..=6: after=3 still resumes, after=2 cannot.
    let mut resumed = hub.subscribe(&monitor, &owner(), Some(3)).expect("stream");
    assert_eq!(seqs(&drain(&mut resumed)), [4, 5, 6]);

    let mut stale = hub.subscribe(&monitor, &owner(), Some(2)).expect("stream");
    let resync = stale.try_next().expect("a notice");
    let notice = envelope(&resync);
    assert_eq!(notice.event_type, event_types::RESYNC_REQUIRED);
    assert_eq!(notice.cause.as_deref(), Some(causes::AFTER_TOO_OLD));
    assert_eq!(notice.seq, 6);
    assert_eq!(notice.payload["oldestAvailable"], 4);
    assert!(stale.try_next().is_none());
    hub.publish(&event("Established", &[ALICE]));
    assert_eq!(seqs(&drain(&mut stale)), [7]);

    // A seq this monitor never issued cannot be resumed either.
    let mut future = hub.subscribe(&monitor, &owner(), Some(99)).expect("stream");
    assert_eq!(
        drain(&mut future),
        [(7, event_types::RESYNC_REQUIRED.to_owned())]
    );
}

#[test]
fn enterprise_monitors_keep_more_events_than_device_monitors() {
    let hub = MonitorHub::new(HubConfig {
        replay_capacity: 2,
        enterprise_replay_capacity: 4,
        ..HubConfig::default()
    });
    let whole = enterprise_monitor(&hub);
    let alice = device_monitor(&hub, ALICE);
    for _ in 0..5 {
        hub.publish(&event("Delivered", &[ALICE]));
    }
    let mut stream = hub.subscribe(&whole, &owner(), Some(1)).expect("stream");
    assert_eq!(seqs(&drain(&mut stream)), [2, 3, 4, 5]);
    let mut stream = hub.subscribe(&alice, &owner(), Some(3)).expect("stream");
    assert_eq!(seqs(&drain(&mut stream)), [4, 5]);
    let mut stream = hub.subscribe(&alice, &owner(), Some(2)).expect("stream");
    assert_eq!(
        drain(&mut stream),
        [(5, event_types::RESYNC_REQUIRED.to_owned())]
    );
}

#[test]
fn events_older_than_the_replay_age_are_not_replayed() {
    let hub = MonitorHub::new(HubConfig {
        replay_max_age: Some(Duration::from_secs(300)),
        ..HubConfig::default()
    });
    let busy = enterprise_monitor(&hub);
    let quiet = device_monitor(&hub, BOB);
    hub.publish(&event("Delivered", &[ALICE, BOB]));
    let mut later = event("Established", &[ALICE]);
    later.occurred_at = T0.plus_seconds(301);
    hub.publish(&later);

    // The busy monitor dropped seq 1 when seq 2 arrived five minutes later.
    let mut stream = hub.subscribe(&busy, &owner(), Some(0)).expect("stream");
    assert_eq!(
        drain(&mut stream),
        [(2, event_types::RESYNC_REQUIRED.to_owned())]
    );
    let mut stream = hub.subscribe(&busy, &owner(), Some(1)).expect("stream");
    assert_eq!(seqs(&drain(&mut stream)), [2]);

    // The quiet one keeps its event until the periodic sweep.
    let mut stream = hub.subscribe(&quiet, &owner(), Some(0)).expect("stream");
    assert_eq!(seqs(&drain(&mut stream)), [1]);
    hub.expire(T0.plus_seconds(301));
    let mut stream = hub.subscribe(&quiet, &owner(), Some(0)).expect("stream");
    assert_eq!(
        drain(&mut stream),
        [(1, event_types::RESYNC_REQUIRED.to_owned())]
    );
}

#[tokio::test]
async fn a_newer_stream_replaces_the_older_which_is_told() {
    let hub = hub();
    let monitor = enterprise_monitor(&hub);
    let mut older = hub.subscribe(&monitor, &owner(), None).expect("stream");
    hub.publish(&event("Delivered", &[ALICE]));
    let mut newer = hub.subscribe(&monitor, &owner(), Some(1)).expect("stream");
    hub.publish(&event("Established", &[ALICE]));

    let first = older.next().await.expect("queued event");
    assert_eq!(first.seq(), 1);
    let notice = older.next().await.expect("final notice");
    assert_eq!(notice.event_type(), event_types::STREAM_REPLACED);
    assert_eq!(
        envelope(&notice).cause.as_deref(),
        Some(causes::NEWER_STREAM)
    );
    assert!(older.next().await.is_none());
    assert_eq!(seqs(&drain(&mut newer)), [2]);
}

#[test]
fn a_filter_keeps_the_wanted_types_and_monitor_ended() {
    let hub = hub();
    let object = MonitorObject::Enterprise(ENTERPRISE.to_owned());
    let monitor = create(&hub, object, Some(vec!["Established"]));
    let mut stream = hub.subscribe(&monitor, &owner(), None).expect("stream");
    assert_eq!(hub.publish(&event("Delivered", &[ALICE])), 0);
    assert_eq!(hub.publish(&event("Established", &[ALICE])), 1);
    hub.stop(&monitor, &owner(), T0).expect("stopped");
    assert_eq!(
        drain(&mut stream),
        [
            (1, "Established".to_owned()),
            (2, event_types::MONITOR_ENDED.to_owned())
        ]
    );
}

#[test]
fn another_owner_sees_nothing_not_even_that_the_monitor_exists() {
    let hub = hub();
    let monitor = enterprise_monitor(&hub);
    let stranger = MonitorOwner::new("app:other-client/user:api0000000009");
    let unknown = CrossRefId::new("mon_unknown");
    for id in [&monitor, &unknown] {
        assert_eq!(hub.get(id, &stranger).err(), Some(HubError::NotFound));
        assert_eq!(
            hub.subscribe(id, &stranger, None).err(),
            Some(HubError::NotFound)
        );
        assert_eq!(hub.renew(id, &stranger, T0).err(), Some(HubError::NotFound));
        assert_eq!(hub.stop(id, &stranger, T0).err(), Some(HubError::NotFound));
    }
    assert!(hub.get(&monitor, &owner()).is_ok());
}

#[test]
fn stop_ends_the_stream_with_monitor_ended_and_forgets_the_monitor() {
    let hub = hub();
    let monitor = device_monitor(&hub, ALICE);
    let mut stream = hub.subscribe(&monitor, &owner(), None).expect("stream");
    hub.publish(&event("Delivered", &[ALICE]));
    hub.stop(&monitor, &owner(), T0.plus_seconds(5))
        .expect("stopped");
    let frames: Vec<Frame> = std::iter::from_fn(|| stream.try_next()).collect();
    assert_eq!(frames.len(), 2);
    let ended = envelope(&frames[1]);
    assert_eq!(ended.event_type, event_types::MONITOR_ENDED);
    assert_eq!(ended.seq, 2);
    assert_eq!(ended.cause.as_deref(), Some(causes::MONITOR_STOPPED));
    assert_eq!(ended.occurred_at, T0.plus_seconds(5).to_rfc3339());
    assert!(stream.try_next().is_none());
    assert_eq!(hub.get(&monitor, &owner()).err(), Some(HubError::NotFound));
    assert_eq!(
        hub.stop(&monitor, &owner(), T0).err(),
        Some(HubError::NotFound)
    );
    assert_eq!(hub.publish(&event("Delivered", &[ALICE])), 0);
    assert_eq!(hub.metrics().monitors, 0);
}

#[test]
fn leases_run_out_unless_renewed() {
    let hub = hub();
    let renewed = enterprise_monitor(&hub);
    let lapsed = enterprise_monitor(&hub);
    let mut lapsed_stream = hub.subscribe(&lapsed, &owner(), None).expect("stream");

    let info = hub
        .renew(&renewed, &owner(), T0.plus_seconds(50))
        .expect("renewed");
    assert_eq!(info.expires_at, T0.plus_seconds(110));
    assert!(hub.expire(T0.plus_seconds(59)).is_empty());
    assert_eq!(
        hub.expire(T0.plus_seconds(60)),
        std::slice::from_ref(&lapsed)
    );

    let ended = envelope(&lapsed_stream.try_next().expect("MonitorEnded"));
    assert_eq!(ended.event_type, event_types::MONITOR_ENDED);
    assert_eq!(ended.cause.as_deref(), Some(causes::LEASE_EXPIRED));
    assert!(lapsed_stream.try_next().is_none());
    assert_eq!(hub.get(&lapsed, &owner()).err(), Some(HubError::NotFound));

    // Renewing too late ends the monitor rather than reviving it.
    assert_eq!(
        hub.renew(&renewed, &owner(), T0.plus_seconds(110)).err(),
        Some(HubError::NotFound)
    );
    assert!(hub.expire(T0.plus_seconds(1_000)).is_empty());
}

#[tokio::test]
async fn a_client_too_far_behind_is_dropped_and_resumes_with_after() {
    let hub = hub_with(100, 2);
    let monitor = enterprise_monitor(&hub);
    let mut slow = hub.subscribe(&monitor, &owner(), None).expect("stream");
    for _ in 0..5 {
        hub.publish(&event("Delivered", &[ALICE]));
    }
    assert_eq!(hub.metrics().dropped_streams, 1);
    assert_eq!(slow.next().await.map(|f| f.seq()), Some(1));
    assert_eq!(slow.next().await.map(|f| f.seq()), Some(2));
    let notice = slow.next().await.expect("final notice");
    assert_eq!(notice.event_type(), event_types::STREAM_DROPPED);
    assert_eq!(notice.seq(), 2);
    assert!(slow.next().await.is_none());

    let mut resumed = hub.subscribe(&monitor, &owner(), Some(2)).expect("stream");
    assert_eq!(seqs(&drain(&mut resumed)), [3, 4, 5]);
}

#[test]
fn a_webhook_that_cannot_work_is_refused_at_creation() {
    let hub = hub();
    let spec = |url: &str, secret: &str| MonitorSpec {
        owner: owner(),
        object: MonitorObject::Enterprise(ENTERPRISE.to_owned()),
        filter: None,
        webhook: Some(WebhookTarget {
            url: url.to_owned(),
            secret: Secret::new(secret),
        }),
    };
    #[cfg(not(feature = "webhook-tls"))]
    assert_eq!(
        hub.create(spec("https://example.com/hook", "s"), T0).err(),
        Some(HubError::InvalidWebhook(WebhookError::HttpsNotSupported))
    );
    for (url, secret, error) in [
        ("ftp://example.com/hook", "s", WebhookError::InvalidUrl),
        ("http://127.0.0.1/hook", "", WebhookError::InvalidSecret),
        (
            "http://127.0.0.1/hook",
            "whsec_not base64!",
            WebhookError::InvalidSecret,
        ),
    ] {
        assert_eq!(
            hub.create(spec(url, secret), T0).err(),
            Some(HubError::InvalidWebhook(error))
        );
    }
    assert_eq!(hub.metrics().monitors, 0);
}

#[tokio::test]
async fn the_in_process_bus_reaches_every_attached_hub() {
    let bus = InProcessBus::new();
    let (one, two) = (hub(), hub());
    bus.attach(one.clone()).await.expect("attached");
    bus.attach(two.clone()).await.expect("attached");
    let on_one = enterprise_monitor(&one);
    let on_two = device_monitor(&two, BOB);
    bus.publish(&event("Delivered", &[ALICE, BOB]))
        .await
        .expect("published");
    assert_eq!(one.get(&on_one, &owner()).expect("visible").seq, 1);
    assert_eq!(two.get(&on_two, &owner()).expect("visible").seq, 1);
}
