//! Three `sentral serve --demo` processes on one PostgreSQL schema and the local NATS are one
//! system to a client that sends each request to another node: a token from A works on B and C,
//! a CSTA session opened on B works on C, an enterprise monitor started through C streams from C,
//! a call placed and answered through the sandbox on A is transferred through B. Then the owner
//! of the enterprise's engine is killed (SIGKILL) mid-call: within 10 s another node owns it, the
//! call is still there — answered and cleared through the survivors — and the monitor, resumed on
//! another node with `after`, has every event once and in order; a webhook receiver got every
//! event at least once, one id per event. The killed node restarts and rejoins.
//!
//! Needs `SENTRAL_TEST_DATABASE_URL` (skipped without it) and NATS (`SENTRAL_TEST_NATS_URL`,
//! default `nats://127.0.0.1:4222`; required under `CI=true`).

use std::thread;
use std::time::{Duration, Instant};

use sentral_store::testing::postgres_test_url;

use crate::cluster_support::{
    HENRIK, Node, Scratch, Seen, TestDatabase, WebhookReceiver, check_journal, reachable_nats,
    success,
};

const OUTSIDE: &str = "4799999999";
/// Henrik's colleague: the transfer's target.
const COLLEAGUE: &str = "4791000011";
/// The issue's bound for another node to own an engine whose owner died.
const TAKEOVER: Duration = Duration::from_secs(10);

#[test]
fn three_nodes_are_one_system_and_a_call_survives_its_owner_killed() {
    let Some(base_url) = postgres_test_url() else {
        eprintln!("SENTRAL_TEST_DATABASE_URL is not set: the three-node test is skipped");
        return;
    };
    let Some(nats_url) = reachable_nats() else {
        return;
    };
    let database = TestDatabase::create(&base_url);
    let (runtime, schema) = (&database.runtime, &database.schema);
    let dirs = [
        Scratch::new("three-a"),
        Scratch::new("three-b"),
        Scratch::new("three-c"),
    ];
    let name = crate::cluster_support::cluster_name("three");
    let cluster = [
        "--database-url",
        &schema.url,
        "--nats-url",
        &nats_url,
        "--cluster-name",
        &name,
    ];
    let mut a = Node::start(&dirs[0].0, &cluster);
    let b = Node::start(&dirs[1].0, &cluster);
    let c = Node::start(&dirs[2].0, &cluster);
    for node in [&a, &b, &c] {
        node.wait_ready();
    }

    // A token issued on A is good on B and C.
    let bearer = format!("Bearer {}", a.token());
    for node in [&b, &c] {
        let (status, body) = node.get("/queue/queues", &bearer);
        assert_eq!(status, 200, "A's token on {}: {body}", node.addr);
    }
    // A touches the enterprise's telephony first: it owns the engine.
    let power = format!("/sandbox/v1/devices/{COLLEAGUE}/power");
    let (status, body) = a.request(
        "PUT",
        &power,
        &[("Content-Type", "application/json")],
        r#"{"on":true}"#,
    );
    assert!(success(status), "power on A: {status} {body}\n{}", a.log());

    // A CSTA session opened on B; the monitor started and streamed through C.
    let csta = format!("Bearer {}", b.csta_token());
    let receiver = WebhookReceiver::start();
    let webhook = format!(
        r#","webhook":{{"url":"{}","secret":"a-test-secret"}}"#,
        receiver.url
    );
    let monitor = c.start_monitor_with(&csta, Duration::from_secs(5), &webhook);
    let mut on_c = c.open_stream(&csta, &monitor);

    // A call placed and answered through A, transferred through B (CSTA, forwarded to A).
    let call = format!(r#"{{"from":"{OUTSIDE}","to":"{HENRIK}"}}"#);
    let (status, body) = a.post_json("/sandbox/v1/calls", "", &call);
    assert!(success(status), "the call on A: {body}\n{}", a.log());
    let call_id = serde_json::from_str::<serde_json::Value>(&body).expect("JSON")["callId"]
        .as_str()
        .expect("callId")
        .to_owned();
    let answer = format!("/sandbox/v1/devices/{HENRIK}/answer");
    let (status, body) = a.post_json(&answer, "", "{}");
    assert!(success(status), "answered on A: {body}\n{}", a.log());
    let transfer = format!(r#"{{"device":"{HENRIK}","transferredTo":"{COLLEAGUE}"}}"#);
    let (status, body) = b.post_json(
        &format!("/csta/calls/{call_id}/single-step-transfer"),
        &csta,
        &transfer,
    );
    assert!(
        success(status),
        "transferred through B: {status} {body}\n{}",
        b.log()
    );
    let mut seen = on_c.events_until("Transferred", Duration::from_secs(10), &c);
    // The colleague's phone rings (Delivered) after the transfer.
    seen.extend(on_c.events_until("Delivered", Duration::from_secs(10), &c));

    // A read of the engine on a node that does not own it is answered by the owner.
    let (status, body) = c.get(&format!("/csta/devices/{COLLEAGUE}/snapshot"), &csta);
    assert_eq!(
        status,
        200,
        "the colleague's snapshot through C: {body}\n{}",
        c.log()
    );
    let snapshot: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        snapshot["calls"].as_array().map(Vec::len),
        Some(1),
        "the transferred call rings the colleague: {snapshot}"
    );

    // The owner dies mid-call.
    a.kill();
    let killed = Instant::now();
    // Another node owns the engine within the bound: the colleague answers through C.
    let answer = format!("/sandbox/v1/devices/{COLLEAGUE}/answer");
    loop {
        let (status, body) = c.post_json(&answer, "", "{}");
        if success(status) {
            break;
        }
        assert!(
            status == 503 && killed.elapsed() < TAKEOVER,
            "the colleague's answer through C after A died: {status} {body}\n{}\n{}",
            c.log(),
            b.log()
        );
        thread::sleep(Duration::from_millis(200));
    }
    eprintln!(
        "another node took the call over {:?} after A died",
        killed.elapsed()
    );
    // The client leaves C with what it has read; the call is cleared through B meanwhile.
    seen.extend(on_c.ready_events());
    drop(on_c);
    let hang_up = format!("/sandbox/v1/devices/{COLLEAGUE}/hangup");
    let (status, body) = b.post_json(&hang_up, "", "{}");
    assert!(
        success(status),
        "cleared through B: {status} {body}\n{}",
        b.log()
    );

    // The monitor, resumed on B after the last event the client read: every event once, in order.
    let last = seen.last().map_or(0, |event| event.seq);
    let mut on_b = b.open_stream_after(&csta, &monitor, last);
    seen.extend(on_b.events_until("CallCleared", Duration::from_secs(10), &b));
    let numbered: Vec<u64> = seen.iter().map(|event| event.seq).collect();
    let expected: Vec<u64> = (1..=seen.len() as u64).collect();
    assert_eq!(numbered, expected, "gap or duplicate: {seen:#?}");
    let types: Vec<&str> = seen.iter().map(|event| event.event_type.as_str()).collect();
    for wanted in [
        "Delivered",
        "Established",
        "Transferred",
        "ConnectionCleared",
        "CallCleared",
    ] {
        assert!(types.contains(&wanted), "no {wanted} in {types:?}");
    }

    // The webhook receiver got every event at least once (deliveries claimed by the dead node
    // are taken over when its claims run out, 30 s), one id per event.
    let last = seen.last().map_or(0, |event| event.seq);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let received = receiver.received();
        let mut ids = std::collections::BTreeMap::new();
        for (id, seq) in &received {
            assert_eq!(
                id,
                &format!("{monitor}-{seq}"),
                "one id per event: {received:?}"
            );
            ids.insert(*seq, id.clone());
        }
        if (1..=last).all(|seq| ids.contains_key(&seq)) {
            eprintln!(
                "webhooks: {} deliveries of {last} events after {:?}",
                received.len(),
                killed.elapsed()
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "webhooks missing: got {:?} of 1..={last}\n{}",
            ids.keys().collect::<Vec<_>>(),
            b.log()
        );
        thread::sleep(Duration::from_millis(200));
    }

    // Per enterprise, one gap-free journal; the dead owner's entries all come before the next's.
    let epochs = check_journal(runtime, schema, "100001");
    assert!(
        epochs.first() < epochs.last(),
        "the journal shows the takeover: {epochs:?}"
    );

    // The killed node restarts and rejoins: ready, and serving the same system.
    let a = Node::start(&dirs[0].0, &cluster);
    a.wait_ready();
    let (status, body) = a.get("/queue/queues", &bearer);
    assert_eq!(
        status,
        200,
        "the first token on the restarted A: {body}\n{}",
        a.log()
    );
    // It read the events stream when it started: the monitor, created while A ran the first
    // time, is served there too, resumed after its second event, numbered as the others did.
    let mut on_a = a.open_stream_after(&csta, &monitor, 2);
    let mut again = Vec::new();
    while again.last().is_none_or(|event: &Seen| event.seq < last) {
        again.extend(on_a.events_until("CallCleared", Duration::from_secs(10), &a));
    }
    let replayed = |events: &[Seen]| -> Vec<(u64, String)> {
        events
            .iter()
            .map(|event| (event.seq, event.event_type.clone()))
            .collect()
    };
    assert_eq!(
        replayed(&again),
        replayed(&seen[2..]),
        "the restarted node numbers the monitor alike"
    );
}
