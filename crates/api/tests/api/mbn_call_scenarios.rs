//! Routing steps and call services as partners see them: for each scenario the exact event
//! sequence (type, cause, subject, the subject's connection state) on an enterprise monitor
//! and on device monitors, over real WebSockets, with the sandbox network playing the people.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::csta_client::{self, Socket, csta_login, member};
use crate::harness::TestServer;

const OUTSIDE: &str = "4799112233";

struct World {
    server: TestServer,
    access: String,
    csta: String,
    /// `(mobile, short number)` of three demo members without settings of their own.
    alice: (String, String),
    bob: (String, String),
    carol: (String, String),
}

type Row = (String, String, String, String);

fn rows(expected: &[(&str, &str, &str, &str)]) -> Vec<Row> {
    expected
        .iter()
        .map(|(a, b, c, d)| ((*a).into(), (*b).into(), (*c).into(), (*d).into()))
        .collect()
}

impl World {
    async fn new() -> Self {
        let server = TestServer::demo().await;
        let access = server.demo_token().await;
        let mut numbers = Vec::new();
        for id in ["mem_dk_000010", "mem_dk_000011", "mem_dk_000012"] {
            let member = member(&server, &access, id).await;
            numbers.push((member.mobile, member.short));
        }
        let csta = csta_login(&server, &access).await;
        let carol = numbers.pop().expect("carol");
        let bob = numbers.pop().expect("bob");
        let alice = numbers.pop().expect("alice");
        World {
            server,
            access,
            csta,
            alice,
            bob,
            carol,
        }
    }

    async fn monitor(&self, target: Value) -> Socket {
        let started = csta_client::monitor(&self.server, &self.csta, target).await;
        let cross_ref_id = started["crossRefId"].as_str().expect("crossRefId");
        csta_client::websocket(&self.server, &self.csta, cross_ref_id, None).await
    }

    async fn enterprise_monitor(&self) -> Socket {
        self.monitor(json!({"enterprise": "100001"})).await
    }

    async fn device_monitor(&self, device: &str) -> Socket {
        self.monitor(json!({"device": device})).await
    }

    async fn sandbox(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let response = csta_client::sandbox(&self.server, method, path, body).await;
        let status = response.status();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    async fn call(&self, from: &str, to: &str) -> Value {
        self.sandbox(
            Method::POST,
            "/sandbox/v1/calls",
            Some(json!({"from": from, "to": to})),
        )
        .await
    }

    async fn handset(&self, number: &str, action: &str) {
        self.sandbox(
            Method::POST,
            &format!("/sandbox/v1/devices/{number}/{action}"),
            None,
        )
        .await;
    }

    async fn forwarding(&self, member: &str, change: Value) {
        let response = self
            .server
            .send(
                Method::PUT,
                &format!("/user/users/{member}/call-forwarding"),
                &self.access,
                Some(change),
            )
            .await;
        assert_eq!(response.status(), 200);
    }

    async fn csta(&self, path: &str, body: Value) -> Value {
        let response = self
            .server
            .send(Method::POST, path, &self.csta, Some(body))
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }
}

/// The next `count` events but StatusChanged, as rows.
async fn take(socket: &mut Socket, count: usize) -> Vec<Row> {
    let mut taken = Vec::new();
    while taken.len() < count {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .unwrap_or_else(|_| panic!("only {} of {count} events came: {taken:?}", taken.len()))
            .expect("open")
            .expect("frame");
        let Message::Text(text) = frame else { continue };
        let event: Value = serde_json::from_str(&text).expect("json");
        let kind = event["type"].as_str().unwrap_or_default();
        if kind == "StatusChanged" || kind == "Heartbeat" {
            continue;
        }
        taken.push((
            kind.to_owned(),
            event["cause"].as_str().unwrap_or_default().to_owned(),
            event["subject"].as_str().unwrap_or_default().to_owned(),
            event["payload"]["localConnectionInfo"]
                .as_str()
                .unwrap_or("-")
                .to_owned(),
        ));
    }
    taken
}

#[tokio::test]
async fn forward_immediate_as_the_enterprise_and_each_device_see_it() {
    let world = World::new().await;
    let (bob, carol) = (&world.bob.0, &world.carol.0);
    world
        .forwarding(
            "mem_dk_000011",
            json!({"immediate": {"active": true, "destination": world.carol.1}}),
        )
        .await;
    let mut enterprise = world.enterprise_monitor().await;
    let mut bob_monitor = world.device_monitor(bob).await;
    let mut carol_monitor = world.device_monitor(carol).await;
    world.call(OUTSIDE, bob).await;
    assert_eq!(
        take(&mut enterprise, 2).await,
        rows(&[
            ("Diverted", "callForwardImmediate", bob, "null"),
            ("Delivered", "callForwardImmediate", carol, "alerting"),
        ])
    );
    assert_eq!(
        take(&mut bob_monitor, 1).await,
        rows(&[("Diverted", "callForwardImmediate", bob, "null")])
    );
    assert_eq!(
        take(&mut carol_monitor, 1).await,
        rows(&[("Delivered", "callForwardImmediate", carol, "alerting")])
    );
    world.handset(carol, "answer").await;
    world.handset(OUTSIDE, "hangup").await;
    assert_eq!(
        take(&mut carol_monitor, 3).await,
        rows(&[
            ("Established", "callForwardImmediate", carol, "connected"),
            ("ConnectionCleared", "normalClearing", OUTSIDE, "null"),
            ("CallCleared", "normalClearing", OUTSIDE, "null"),
        ])
    );
}

#[tokio::test]
async fn no_answer_forwarding_follows_the_sandbox_clock_and_busy_without_forwarding_fails() {
    let world = World::new().await;
    let (alice, bob, carol) = (&world.alice.0, &world.bob.0, &world.carol.0);
    world
        .forwarding(
            "mem_dk_000011",
            json!({"noAnswer": {"active": true, "destination": world.carol.1, "ringSeconds": 5}}),
        )
        .await;
    let mut enterprise = world.enterprise_monitor().await;
    world.call(OUTSIDE, bob).await;
    assert_eq!(
        take(&mut enterprise, 1).await,
        rows(&[("Delivered", "newCall", bob, "alerting")])
    );
    world.server.advance_clock(5).await;
    assert_eq!(
        take(&mut enterprise, 2).await,
        rows(&[
            ("Diverted", "callForwardNoAnswer", bob, "null"),
            ("Delivered", "callForwardNoAnswer", carol, "alerting"),
        ])
    );
    world.handset(carol, "answer").await;
    assert_eq!(
        take(&mut enterprise, 1).await,
        rows(&[("Established", "callForwardNoAnswer", carol, "connected")])
    );
    // Carol is busy now and has no busy forwarding: Alice's call fails busy.
    world.call(alice, carol).await;
    assert_eq!(
        take(&mut enterprise, 3).await,
        rows(&[
            ("ServiceInitiated", "newCall", alice, "initiated"),
            ("Originated", "newCall", alice, "connected"),
            ("Failed", "busy", carol, "fail"),
        ])
    );
}

#[tokio::test]
async fn a_phone_that_is_off_and_an_absence_that_diverts() {
    let world = World::new().await;
    let (bob, carol) = (&world.bob.0, &world.carol.0);
    let mut enterprise = world.enterprise_monitor().await;
    world
        .sandbox(
            Method::PUT,
            &format!("/sandbox/v1/devices/{bob}/power"),
            Some(json!({"on": false})),
        )
        .await;
    world.call(OUTSIDE, bob).await;
    assert_eq!(
        take(&mut enterprise, 1).await,
        rows(&[("Failed", "destNotObtainable", bob, "fail")])
    );
    world.handset(OUTSIDE, "hangup").await;
    assert_eq!(
        take(&mut enterprise, 2).await,
        rows(&[
            ("ConnectionCleared", "normalClearing", OUTSIDE, "null"),
            ("CallCleared", "normalClearing", OUTSIDE, "null"),
        ])
    );
    // Carol is in a meeting until later today; her calls go to Bob's short number… who is off.
    let now = world.server.platform.now();
    let absence = json!({
        "kind": "meeting",
        "from": now.plus_seconds(-60).to_rfc3339(),
        "until": now.plus_seconds(3600).to_rfc3339(),
        "action": {"type": "forwardTo", "destination": world.alice.1},
    });
    let response = world
        .server
        .send(
            Method::POST,
            "/user/users/mem_dk_000012/absences",
            &world.access,
            Some(absence),
        )
        .await;
    assert_eq!(
        response.status(),
        201,
        "{}",
        response.text().await.unwrap_or_default()
    );
    world.call(OUTSIDE, carol).await;
    assert_eq!(
        take(&mut enterprise, 2).await,
        rows(&[
            ("Diverted", "absence", carol, "null"),
            ("Delivered", "absence", &world.alice.0, "alerting"),
        ])
    );
}

#[tokio::test]
async fn consultation_then_transfer_by_csta() {
    let world = World::new().await;
    let (alice, bob, carol) = (&world.alice.0, &world.bob.0, &world.carol.0);
    let placed = world.call(OUTSIDE, alice).await;
    world.handset(alice, "answer").await;
    let mut enterprise = world.enterprise_monitor().await;
    let mut bob_monitor = world.device_monitor(bob).await;
    let first = placed["callId"].as_str().expect("callId").to_owned();
    let consult = world
        .csta(
            &format!("/csta/calls/{first}/consultation"),
            json!({"device": alice, "consultedDevice": world.bob.1}),
        )
        .await;
    let second = consult["callId"].as_str().expect("callId").to_owned();
    assert_ne!(first, second);
    assert_eq!(
        take(&mut enterprise, 4).await,
        rows(&[
            ("Held", "consultation", alice, "hold"),
            ("ServiceInitiated", "consultation", alice, "initiated"),
            ("Originated", "consultation", alice, "connected"),
            ("Delivered", "consultation", bob, "alerting"),
        ])
    );
    world.handset(bob, "answer").await;
    world
        .csta(
            "/csta/calls/transfer",
            json!({"device": alice, "heldCall": first, "activeCall": second}),
        )
        .await;
    assert_eq!(
        take(&mut enterprise, 2).await,
        rows(&[
            ("Established", "consultation", bob, "connected"),
            ("Transferred", "transfer", alice, "null"),
        ])
    );
    assert_eq!(
        take(&mut bob_monitor, 3).await,
        rows(&[
            ("Delivered", "consultation", bob, "alerting"),
            ("Established", "consultation", bob, "connected"),
            ("Transferred", "transfer", alice, "null"),
        ])
    );
    // Bob and the outside caller are in the resulting call; Carol is not involved.
    let snapshot = world
        .server
        .send(
            Method::GET,
            &format!("/csta/devices/{bob}/snapshot"),
            &world.csta,
            None,
        )
        .await;
    let snapshot: Value = snapshot.json().await.expect("json");
    let mut parties: Vec<&str> = snapshot["calls"][0]["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .filter_map(|c| c["device"]["deviceId"].as_str())
        .collect();
    parties.sort();
    let mut expected = vec![bob.as_str(), OUTSIDE];
    expected.sort();
    assert_eq!(parties, expected);
    assert_ne!(carol, bob);
}

#[tokio::test]
async fn a_call_to_a_queue_is_queued_and_distributed() {
    let world = World::new().await;
    let mut enterprise = world.enterprise_monitor().await;
    // The switchboard queue (800, linear): Kari (mem_demo_001, 4791000001) is its ready agent.
    let placed = world
        .sandbox(
            Method::POST,
            "/sandbox/v1/calls",
            Some(json!({"from": OUTSIDE, "to": "800", "enterpriseId": "100001"})),
        )
        .await;
    let events = take(&mut enterprise, 3).await;
    assert_eq!(events[0].0, "Queued");
    assert_eq!(events[0].1, "newCall");
    assert_eq!(events[0].3, "queued");
    assert_eq!(
        &events[1..],
        rows(&[
            ("Diverted", "distributed", events[0].2.as_str(), "null"),
            ("Delivered", "distributed", "4791000001", "alerting"),
        ])
    );
    world.handset("4791000001", "answer").await;
    assert_eq!(
        take(&mut enterprise, 1).await,
        rows(&[("Established", "distributed", "4791000001", "connected")])
    );
    assert!(placed["callId"].as_str().is_some());
}

/// What the test's webhook receiver saw: every attempt's headers and body.
#[derive(Clone, Default)]
struct Receiver {
    attempts: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>,
}

async fn receive(
    axum::extract::State(receiver): axum::extract::State<Receiver>,
    headers: axum::http::HeaderMap,
    body: String,
) -> axum::http::StatusCode {
    let mut attempts = receiver.attempts.lock().expect("lock");
    attempts.push((headers, body));
    // Fails twice, then takes it.
    if attempts.len() <= 2 {
        axum::http::StatusCode::INTERNAL_SERVER_ERROR
    } else {
        axum::http::StatusCode::NO_CONTENT
    }
}

#[tokio::test]
async fn a_monitor_webhook_is_retried_with_the_same_id_and_a_valid_signature() {
    use base64::Engine as _;
    use hmac::{Hmac, Mac};

    let world = World::new().await;
    let receiver = Receiver::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let key = b"partner-webhook-key";
    let secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    );
    let response = world
        .server
        .send(
            Method::POST,
            "/csta/monitors",
            &world.csta,
            Some(json!({
                "device": world.bob.0,
                "filter": ["Delivered"],
                "webhook": {"url": format!("http://{address}/hook"), "secret": secret},
            })),
        )
        .await;
    assert_eq!(response.status(), 201);
    world.call(OUTSIDE, &world.bob.0).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while receiver.attempts.lock().expect("lock").len() < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "three attempts within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let attempts = receiver.attempts.lock().expect("lock").clone();
    let ids: Vec<&str> = attempts
        .iter()
        .map(|(headers, _)| headers["webhook-id"].to_str().expect("id"))
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "same id on retries: {ids:?}"
    );
    for (headers, body) in &attempts {
        let timestamp = headers["webhook-timestamp"].to_str().expect("timestamp");
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("key");
        mac.update(format!("{}.{timestamp}.{body}", ids[0]).as_bytes());
        let expected = format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        );
        let signatures = headers["webhook-signature"].to_str().expect("signature");
        assert!(
            signatures.split(' ').any(|s| s == expected),
            "{signatures} vs {expected}"
        );
        let envelope: Value = serde_json::from_str(body).expect("json");
        assert_eq!(envelope["type"], "Delivered");
        assert_eq!(envelope["subject"], world.bob.0.as_str());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.attempts.lock().expect("lock").len(),
        3,
        "delivered once the receiver took it"
    );
    let metrics = world
        .server
        .http
        .get(world.server.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("sentral_webhook_retries_total 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sentral_webhook_delivered_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn hold_retrieve_deflect_single_step_transfer_and_conference_over_the_stream() {
    let world = World::new().await;
    let (alice, bob, carol) = (&world.alice.0, &world.bob.0, &world.carol.0);
    let mut enterprise = world.enterprise_monitor().await;
    let mut carol_monitor = world.device_monitor(carol).await;

    // Deflect: Bob's ringing call goes to Carol.
    let placed = world.call(OUTSIDE, bob).await;
    let call = placed["callId"].as_str().expect("callId").to_owned();
    world
        .csta(
            &format!("/csta/calls/{call}/deflect"),
            json!({"device": bob, "newDestination": world.carol.1}),
        )
        .await;
    world.handset(carol, "answer").await;
    assert_eq!(
        take(&mut enterprise, 4).await,
        rows(&[
            ("Delivered", "newCall", bob, "alerting"),
            ("Diverted", "redirected", bob, "null"),
            ("Delivered", "redirected", carol, "alerting"),
            ("Established", "redirected", carol, "connected"),
        ])
    );
    // Hold and retrieve.
    world
        .csta(
            &format!("/csta/calls/{call}/hold"),
            json!({"device": carol}),
        )
        .await;
    world
        .csta(
            &format!("/csta/calls/{call}/retrieve"),
            json!({"device": carol}),
        )
        .await;
    assert_eq!(
        take(&mut enterprise, 2).await,
        rows(&[
            ("Held", "normal", carol, "hold"),
            ("Retrieved", "normal", carol, "connected")
        ])
    );
    // Single-step transfer: Carol hands the caller to Alice and leaves.
    world
        .csta(
            &format!("/csta/calls/{call}/single-step-transfer"),
            json!({"device": carol, "transferredTo": world.alice.1}),
        )
        .await;
    world.handset(alice, "answer").await;
    assert_eq!(
        take(&mut enterprise, 3).await,
        rows(&[
            ("Transferred", "singleStepTransfer", carol, "null"),
            ("Delivered", "singleStepTransfer", alice, "alerting"),
            ("Established", "singleStepTransfer", alice, "connected"),
        ])
    );
    // Carol's device monitor saw her part only (from the moment the call reached her).
    assert_eq!(
        take(&mut carol_monitor, 5).await,
        rows(&[
            ("Delivered", "redirected", carol, "alerting"),
            ("Established", "redirected", carol, "connected"),
            ("Held", "normal", carol, "hold"),
            ("Retrieved", "normal", carol, "connected"),
            ("Transferred", "singleStepTransfer", carol, "null"),
        ])
    );
    // Conference: Alice consults Bob and joins all three.
    let consult = world
        .csta(
            &format!("/csta/calls/{call}/consultation"),
            json!({"device": alice, "consultedDevice": world.bob.1}),
        )
        .await;
    let second = consult["callId"].as_str().expect("callId").to_owned();
    world.handset(bob, "answer").await;
    world
        .csta(
            "/csta/calls/conference",
            json!({"device": alice, "heldCall": call, "activeCall": second}),
        )
        .await;
    assert_eq!(
        take(&mut enterprise, 6).await,
        rows(&[
            ("Held", "consultation", alice, "hold"),
            ("ServiceInitiated", "consultation", alice, "initiated"),
            ("Originated", "consultation", alice, "connected"),
            ("Delivered", "consultation", bob, "alerting"),
            ("Established", "consultation", bob, "connected"),
            ("Conferenced", "conference", alice, "connected"),
        ])
    );
    // The outside caller leaves; the two members stay in the conference.
    world.handset(OUTSIDE, "hangup").await;
    assert_eq!(
        take(&mut enterprise, 1).await,
        rows(&[("ConnectionCleared", "normalClearing", OUTSIDE, "null")])
    );
    let snapshot = world
        .server
        .send(
            Method::GET,
            &format!("/csta/devices/{alice}/snapshot"),
            &world.csta,
            None,
        )
        .await;
    let snapshot: Value = snapshot.json().await.expect("json");
    assert_eq!(
        snapshot["calls"][0]["connections"].as_array().map(Vec::len),
        Some(2),
        "{snapshot}"
    );
}

/// The next `count` call events (StatusChanged, agent events and heartbeats skipped), whole.
async fn take_events(socket: &mut Socket, count: usize) -> Vec<Value> {
    let mut taken = Vec::new();
    while taken.len() < count {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .unwrap_or_else(|_| panic!("only {} of {count} events came: {taken:?}", taken.len()))
            .expect("open")
            .expect("frame");
        let Message::Text(text) = frame else { continue };
        let event: Value = serde_json::from_str(&text).expect("json");
        let kind = event["type"].as_str().unwrap_or_default();
        if kind == "StatusChanged" || kind == "Heartbeat" || kind.starts_with("Agent") {
            continue;
        }
        taken.push(event);
    }
    taken
}

fn as_rows(events: &[Value]) -> Vec<Row> {
    events
        .iter()
        .map(|event| {
            (
                event["type"].as_str().unwrap_or_default().to_owned(),
                event["cause"].as_str().unwrap_or_default().to_owned(),
                event["subject"].as_str().unwrap_or_default().to_owned(),
                event["payload"]["localConnectionInfo"]
                    .as_str()
                    .unwrap_or("-")
                    .to_owned(),
            )
        })
        .collect()
}

/// Ola (102) is in a meeting whose calls go to 899: the plan resolves 899 to the switchboard
/// 4722990000, which forwards to the Sentralbord queue (800, 4722990800), where Kari
/// (4791000001) is the ready agent. ClearCall then ends the call for both parties.
#[tokio::test]
async fn the_demo_absence_reaches_the_switchboard_the_plan_names_and_clear_call_clears_each_connection()
 {
    let world = World::new().await;
    let ola = member(&world.server, &world.access, "mem_demo_002").await;
    assert_eq!(ola.short, "102");
    let (switchboard, queue, kari) = ("4722990000", "4722990800", "4791000001");
    let mut enterprise = world.enterprise_monitor().await;
    let placed = world
        .sandbox(
            Method::POST,
            "/sandbox/v1/calls",
            Some(json!({"from": OUTSIDE, "to": "102", "enterpriseId": "100001"})),
        )
        .await;
    let call_id = placed["callId"].as_str().expect("callId").to_owned();
    let events = take_events(&mut enterprise, 5).await;
    assert_eq!(
        as_rows(&events),
        rows(&[
            ("Diverted", "absence", &ola.mobile, "null"),
            ("Diverted", "callForwardImmediate", switchboard, "null"),
            ("Queued", "callForwardImmediate", queue, "queued"),
            ("Diverted", "distributed", queue, "null"),
            ("Delivered", "distributed", kari, "alerting"),
        ])
    );
    let device = |event: &Value, field: &str| event["payload"][field].clone();
    assert_eq!(
        device(&events[0], "newDestination"),
        json!({"deviceId": switchboard, "shortNumber": "899"})
    );
    assert_eq!(
        device(&events[1], "divertingDevice"),
        json!({"deviceId": switchboard, "shortNumber": "899"})
    );
    assert_eq!(
        device(&events[1], "newDestination"),
        json!({"deviceId": queue, "shortNumber": "800"})
    );
    assert_eq!(
        device(&events[2], "lastRedirectionDevice"),
        json!({"deviceId": switchboard, "shortNumber": "899"})
    );
    let seen = serde_json::to_string(&events).expect("json");
    assert!(
        !seen.contains("4722990899"),
        "a device the plan has not: {seen}"
    );

    world.handset(kari, "answer").await;
    assert_eq!(
        as_rows(&take_events(&mut enterprise, 1).await),
        rows(&[("Established", "distributed", kari, "connected")])
    );
    // ClearCall acts for no device: it answers the call only (ECMA-269), and every connection
    // ends with its ConnectionCleared, the calling device first, before CallCleared.
    let answer = world
        .csta(&format!("/csta/calls/{call_id}/clear"), json!({}))
        .await;
    assert_eq!(answer, json!({"callId": call_id}));
    let events = take_events(&mut enterprise, 3).await;
    assert_eq!(
        as_rows(&events),
        rows(&[
            ("ConnectionCleared", "normalClearing", OUTSIDE, "null"),
            ("ConnectionCleared", "normalClearing", kari, "null"),
            ("CallCleared", "normalClearing", OUTSIDE, "null"),
        ])
    );
    assert_eq!(
        device(&events[0], "releasingDevice"),
        json!({"deviceId": OUTSIDE})
    );
    assert_eq!(
        device(&events[1], "releasingDevice"),
        json!({"deviceId": kari, "shortNumber": "101"})
    );
    assert!(
        events
            .iter()
            .all(|e| e["payload"]["callId"] == call_id.as_str()),
        "{events:?}"
    );
}
