//! The MBN Status Push and CSTA interfaces from the outside: the documented login sequence, an
//! enterprise monitor over a real WebSocket while the sandbox network places calls, call control
//! with CSTA errors, resumption with `after`, device monitors for end users, tenant isolation.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::csta_client::{Socket, csta_login, member, monitor, sandbox, websocket};
use crate::harness::TestServer;

/// Demo members without forwarding, absences or queue duties (see the demo world).
const ALICE: &str = "mem_dk_000010";
const BOB: &str = "mem_dk_000011";
const OUTSIDE: &str = "4799887766";

/// The next event envelope (heartbeats skipped).
async fn next_event(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("an event within 5 s")
            .expect("stream open")
            .expect("frame");
        if let Message::Text(text) = frame {
            let value: Value = serde_json::from_str(&text).expect("json frame");
            if value["type"] != "Heartbeat" {
                return value;
            }
        }
    }
}

/// Events until one of type `last` (inclusive), StatusChanged left out.
async fn events_until(socket: &mut Socket, last: &str) -> Vec<Value> {
    let mut events = Vec::new();
    loop {
        let event = next_event(socket).await;
        let done = event["type"] == last;
        if event["type"] != "StatusChanged" {
            events.push(event);
        }
        if done {
            return events;
        }
    }
}

fn kinds(events: &[Value]) -> Vec<(String, String, String)> {
    events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_owned(),
                e["cause"].as_str().unwrap_or_default().to_owned(),
                e["payload"]["localConnectionInfo"]
                    .as_str()
                    .unwrap_or("-")
                    .to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_documented_login_sequence_then_a_call_between_two_members() {
    let server = TestServer::demo().await;
    let access = server.demo_token().await;
    let alice = member(&server, &access, ALICE).await;
    let bob = member(&server, &access, BOB).await;
    let csta = csta_login(&server, &access).await;
    let started = monitor(&server, &csta, json!({ "enterprise": "100001" })).await;
    let cross_ref_id = started["crossRefId"]
        .as_str()
        .expect("crossRefId")
        .to_owned();
    assert!(
        started["snapshot"]["devices"]
            .as_array()
            .is_some_and(|d| d.len() >= 60)
    );
    let mut socket = websocket(&server, &csta, &cross_ref_id, None).await;

    let response = sandbox(
        &server,
        Method::POST,
        "/sandbox/v1/calls",
        Some(json!({ "from": alice.mobile, "to": bob.short })),
    )
    .await;
    assert_eq!(response.status(), 201);
    let call: Value = response.json().await.expect("json");
    let events = events_until(&mut socket, "Delivered").await;
    assert_eq!(
        kinds(&events),
        vec![
            (
                "ServiceInitiated".into(),
                "newCall".into(),
                "initiated".into()
            ),
            ("Originated".into(), "newCall".into(), "connected".into()),
            ("Delivered".into(), "newCall".into(), "alerting".into()),
        ]
    );
    let delivered = &events[2];
    assert_eq!(delivered["subject"], bob.mobile.as_str());
    assert_eq!(delivered["monitorCrossRefId"], cross_ref_id.as_str());
    assert_eq!(delivered["payload"]["callId"], call["callId"]);
    assert_eq!(
        delivered["payload"]["calledDevice"]["shortNumber"],
        bob.short.as_str()
    );
    assert_eq!(
        delivered["payload"]["callingDevice"]["deviceId"],
        alice.mobile.as_str()
    );

    let response = sandbox(
        &server,
        Method::POST,
        &format!("/sandbox/v1/devices/{}/answer", bob.mobile),
        None,
    )
    .await;
    assert_eq!(response.status(), 204);
    let events = events_until(&mut socket, "Established").await;
    assert_eq!(
        kinds(&events),
        vec![("Established".into(), "newCall".into(), "connected".into())]
    );
    assert_eq!(
        events[0]["payload"]["answeringDevice"]["deviceId"],
        bob.mobile.as_str()
    );
    let seqs: Vec<u64> = [delivered, &events[0]]
        .iter()
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect();
    assert!(seqs[0] < seqs[1]);

    // Presence follows: both busy.
    let response = server
        .send(Method::GET, &format!("/status/users/{BOB}"), &access, None)
        .await;
    let status: Value = response.json().await.expect("json");
    assert_eq!(
        (
            status["deviceState"].as_str(),
            status["availability"].as_str()
        ),
        (Some("busy"), Some("busy"))
    );
}

#[tokio::test]
async fn call_control_answers_csta_errors_and_moves_calls() {
    let server = TestServer::demo().await;
    let access = server.demo_token().await;
    let alice = member(&server, &access, ALICE).await;
    let bob = member(&server, &access, BOB).await;
    let csta = csta_login(&server, &access).await;

    // The CSTA interface does not take the access token itself.
    let response = server
        .send(
            Method::POST,
            "/csta/calls",
            &access,
            Some(json!({"callingDevice": alice.mobile, "calledDirectoryNumber": bob.short})),
        )
        .await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], 40101);
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("/csta/authentication/token")
    );

    let response = server
        .send(
            Method::POST,
            "/csta/calls",
            &csta,
            Some(json!({"callingDevice": alice.mobile, "calledDirectoryNumber": bob.short})),
        )
        .await;
    assert_eq!(response.status(), 201);
    let call: Value = response.json().await.expect("json");
    let call_id = call["callId"].as_str().expect("callId").to_owned();
    assert_eq!(call["deviceId"], alice.mobile.as_str());

    // Holding a call that is still ringing at the caller is refused with the CSTA name.
    let response = server
        .send(
            Method::POST,
            &format!("/csta/calls/{call_id}/hold"),
            &csta,
            Some(json!({"device": alice.mobile})),
        )
        .await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        (body["code"].as_u64(), body["error"].as_str()),
        (Some(40902), Some("invalidConnectionState"))
    );

    // Alice answers her phone, Bob's rings; Bob answers by CSTA; Alice holds and retrieves.
    let answered = sandbox(
        &server,
        Method::POST,
        &format!("/sandbox/v1/devices/{}/answer", alice.mobile),
        None,
    )
    .await;
    assert_eq!(answered.status(), 204);
    let response = server
        .send(
            Method::POST,
            &format!("/csta/calls/{call_id}/answer"),
            &csta,
            Some(json!({"device": bob.mobile})),
        )
        .await;
    assert_eq!(response.status(), 200);
    for service in ["hold", "retrieve"] {
        let response = server
            .send(
                Method::POST,
                &format!("/csta/calls/{call_id}/{service}"),
                &csta,
                Some(json!({"device": alice.mobile})),
            )
            .await;
        assert_eq!(response.status(), 200, "{service}");
    }
    let response = server
        .send(
            Method::GET,
            &format!("/csta/devices/{}/snapshot", bob.mobile),
            &csta,
            None,
        )
        .await;
    let snapshot: Value = response.json().await.expect("json");
    let parties = &snapshot["calls"][0]["connections"];
    assert_eq!(parties.as_array().map(Vec::len), Some(2), "{snapshot}");
    assert!(
        parties
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["state"] == "connected")
    );

    // Unknown calls and foreign devices.
    let response = server
        .send(
            Method::POST,
            "/csta/calls/100001-999/clear",
            &csta,
            Some(json!({})),
        )
        .await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalidCallIdentifier");
    let response = server
        .send(
            Method::POST,
            &format!("/csta/calls/{call_id}/consultation"),
            &csta,
            Some(json!({"device": bob.mobile, "consultedDevice": "12"})),
        )
        .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalidDestination");
    let response = server
        .send(
            Method::POST,
            &format!("/csta/calls/{call_id}/deflect"),
            &csta,
            Some(json!({"device": bob.mobile, "newDestination": "103"})),
        )
        .await;
    assert_eq!(
        response.status(),
        409,
        "only an alerting call can be deflected"
    );

    // ClearCall ends it for both; it acts for no device, so it answers the call only.
    let response = server
        .send(
            Method::POST,
            &format!("/csta/calls/{call_id}/clear"),
            &csta,
            Some(json!({})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body, json!({"callId": call_id}));
    let response = server
        .send(
            Method::GET,
            &format!("/csta/devices/{}/snapshot", alice.mobile),
            &csta,
            None,
        )
        .await;
    let snapshot: Value = response.json().await.expect("json");
    assert_eq!(snapshot["calls"], json!([]));
}

#[tokio::test]
async fn a_client_that_reconnects_with_after_gets_every_missed_event_once() {
    let server = TestServer::demo().await;
    let access = server.demo_token().await;
    let alice = member(&server, &access, ALICE).await;
    let csta = csta_login(&server, &access).await;
    let started = monitor(&server, &csta, json!({ "device": alice.mobile })).await;
    let cross_ref_id = started["crossRefId"].as_str().expect("id").to_owned();
    let last_seen = started["seq"].as_u64().expect("seq");
    // Disconnected: three calls from outside to Alice, each rejected.
    for _ in 0..3 {
        let placed = sandbox(
            &server,
            Method::POST,
            "/sandbox/v1/calls",
            Some(json!({"from": OUTSIDE, "to": alice.mobile})),
        )
        .await;
        assert_eq!(placed.status(), 201);
        let hung_up = sandbox(
            &server,
            Method::POST,
            &format!("/sandbox/v1/devices/{OUTSIDE}/hangup"),
            None,
        )
        .await;
        assert_eq!(hung_up.status(), 204);
    }
    let mut socket = websocket(&server, &csta, &cross_ref_id, Some(last_seen)).await;
    let mut seen = Vec::new();
    while seen
        .iter()
        .filter(|e: &&Value| e["type"] == "CallCleared")
        .count()
        < 3
    {
        seen.push(next_event(&mut socket).await);
    }
    let seqs: Vec<u64> = seen
        .iter()
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect();
    let expected: Vec<u64> = (last_seen + 1..=last_seen + seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "every missed event once, in order");
    let calls: std::collections::BTreeSet<&str> = seen
        .iter()
        .filter_map(|e| e["payload"]["callId"].as_str())
        .collect();
    assert_eq!(calls.len(), 3);
}

#[tokio::test]
async fn end_users_monitor_only_their_own_phone_and_partners_see_only_their_own() {
    let server = TestServer::demo().await;
    let access = server.demo_token().await;
    let csta = csta_login(&server, &access).await;
    let bob = member(&server, &access, BOB).await;
    // A device monitor for an end user's own phone; an enterprise monitor is refused.
    let end_user = server.end_user_token("91000001").await;
    let end_user_csta = csta_login(&server, &end_user).await;
    let refused = server
        .send(
            Method::POST,
            "/csta/monitors",
            &end_user_csta,
            Some(json!({"enterprise": "100001"})),
        )
        .await;
    assert_eq!(refused.status(), 403);
    let refused = server
        .send(
            Method::POST,
            "/csta/monitors",
            &end_user_csta,
            Some(json!({"device": bob.mobile})),
        )
        .await;
    assert_eq!(refused.status(), 403);
    let own = monitor(&server, &end_user_csta, json!({"device": "4791000001"})).await;
    let own_id = own["crossRefId"].as_str().expect("id").to_owned();
    // The machine user cannot see the end user's monitor.
    let response = server
        .send(
            Method::GET,
            &format!("/csta/monitors/{own_id}/snapshot"),
            &csta,
            None,
        )
        .await;
    assert_eq!(response.status(), 404);

    // Another partner: the demo enterprise, its devices and its calls are not found.
    let other = server
        .other_partner(vec![
            sentral_domain::ApiProduct::MbnStatusPush,
            sentral_domain::ApiProduct::MbnCatalog,
        ])
        .await;
    let other_access = other.token(&server).await;
    let other_csta = csta_login(&server, &other_access).await;
    for target in [
        json!({"enterprise": "100001"}),
        json!({"device": bob.mobile}),
    ] {
        let response = server
            .send(Method::POST, "/csta/monitors", &other_csta, Some(target))
            .await;
        assert_eq!(response.status(), 404);
    }
    let response = server
        .send(
            Method::GET,
            &format!("/csta/monitors/{own_id}/snapshot"),
            &other_csta,
            None,
        )
        .await;
    assert_eq!(response.status(), 404);
    let response = server
        .send(
            Method::GET,
            "/status/enterprises/100001/users",
            &other_access,
            None,
        )
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn memberline_status_is_set_only_where_an_application_may() {
    let server = TestServer::demo().await;
    let access = server.demo_token().await;
    let response = server
        .send(
            Method::PUT,
            "/status/terminals/4722990290",
            &access,
            Some(json!({"status": "busy"})),
        )
        .await;
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "busy", "{body}");
    assert_eq!(body["statusSource"], "application");
    let response = server
        .send(
            Method::PUT,
            "/status/terminals/4722990291",
            &access,
            Some(json!({"status": "busy"})),
        )
        .await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("network"),
        "{body}"
    );
    let response = server
        .send(
            Method::PUT,
            "/status/terminals/4791000001",
            &access,
            Some(json!({"status": "busy"})),
        )
        .await;
    assert_eq!(response.status(), 409);
    let response = server
        .send(
            Method::PUT,
            "/status/terminals/4722990290",
            &access,
            Some(json!({"status": "away"})),
        )
        .await;
    assert_eq!(response.status(), 400);
}

/// The queue `name` of the demo enterprise: its id.
async fn queue_id(server: &TestServer, access: &str, name: &str) -> String {
    let response = server
        .send(Method::GET, "/queue/queues", access, None)
        .await;
    let queues: Value = response.json().await.expect("json");
    queues
        .as_array()
        .and_then(|all| all.iter().find(|q| q["name"] == name))
        .and_then(|q| q["queueId"].as_str())
        .expect("demo queue")
        .to_owned()
}

#[tokio::test]
async fn queue_status_shows_waiting_callers_and_agents_follow_the_queue_api() {
    let server = TestServer::demo().await;
    let access = server.demo_token().await;
    let csta = csta_login(&server, &access).await;
    let queue = queue_id(&server, &access, "Kundeservice").await;
    // Nobody ready: the Queue API sets the two ready agents notReady.
    for agent in ["mem_demo_003", "mem_dk_000005"] {
        let response = server
            .send(
                Method::PUT,
                &format!("/queue/queues/{queue}/agents/{agent}/state"),
                &access,
                Some(json!({"state": "notReady", "reason": "Møte"})),
            )
            .await;
        assert_eq!(response.status(), 200, "{agent}");
    }
    for caller in ["4799000001", "4799000002"] {
        let placed = sandbox(
            &server,
            Method::POST,
            "/sandbox/v1/calls",
            Some(json!({"from": caller, "to": "801", "enterpriseId": "100001"})),
        )
        .await;
        assert_eq!(placed.status(), 201);
        server.advance_clock(10).await;
    }
    let response = server
        .send(
            Method::GET,
            &format!("/queue/queues/{queue}/status"),
            &access,
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    let status: Value = response.json().await.expect("json");
    let waiting: Vec<(String, u64, u64)> = status["waiting"]
        .as_array()
        .expect("waiting")
        .iter()
        .map(|w| {
            (
                w["callingDevice"]["deviceId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                w["position"].as_u64().unwrap_or_default(),
                w["waitSeconds"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        waiting,
        vec![
            ("4799000001".to_owned(), 1, 20),
            ("4799000002".to_owned(), 2, 10)
        ]
    );
    // Ready again through the CSTA interface: the first caller rings at that agent.
    let response = server
        .send(
            Method::PUT,
            "/csta/devices/4791000003/agent-state",
            &csta,
            Some(json!({"agentState": "ready", "queueId": queue})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let response = server
        .send(
            Method::GET,
            &format!("/queue/queues/{queue}/status"),
            &access,
            None,
        )
        .await;
    let status: Value = response.json().await.expect("json");
    assert_eq!(
        status["waiting"][0]["offeredTo"][0]["deviceId"], "4791000003",
        "{status}"
    );
    let agents = server
        .send(
            Method::GET,
            &format!("/queue/queues/{queue}/agents"),
            &access,
            None,
        )
        .await;
    let agents: Value = agents.json().await.expect("json");
    let state = agents
        .as_array()
        .and_then(|all| all.iter().find(|a| a["memberId"] == "mem_demo_003"))
        .map(|a| a["state"].clone());
    assert_eq!(state, Some(json!("ready")), "{agents}");
    // The offer rings out: the engine sets the agent notReady, and the Queue API shows it.
    let settings = server
        .send(
            Method::GET,
            &format!("/queue/queues/{queue}"),
            &access,
            None,
        )
        .await;
    let settings: Value = settings.json().await.expect("json");
    let ring = settings["ringTimeout"].as_u64().expect("ringTimeout") as u32;
    server.advance_clock(ring).await;
    let agents = server
        .send(
            Method::GET,
            &format!("/queue/queues/{queue}/agents"),
            &access,
            None,
        )
        .await;
    let agents: Value = agents.json().await.expect("json");
    let agent = agents
        .as_array()
        .and_then(|all| all.iter().find(|a| a["memberId"] == "mem_demo_003"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (agent["state"].as_str(), agent["reason"].as_str()),
        (Some("notReady"), Some("noAnswer")),
        "{agent}"
    );
    // Another partner does not see the queue.
    let other = server
        .other_partner(vec![sentral_domain::ApiProduct::MbnQueue])
        .await;
    let other_access = other.token(&server).await;
    let response = server
        .send(
            Method::GET,
            &format!("/queue/queues/{queue}/status"),
            &other_access,
            None,
        )
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn csta_sessions_end_with_their_hour_and_status_tokens_belong_to_their_user() {
    let server = TestServer::demo().await;
    let access = server.demo_token().await;
    let csta = csta_login(&server, &access).await;
    let snapshot = "/csta/devices/4791000010/snapshot";
    assert_eq!(
        server
            .send(Method::GET, snapshot, &csta, None)
            .await
            .status(),
        200
    );
    // A status token made for another user does not log this one in.
    let end_user = server.end_user_token("91000001").await;
    let response = server
        .send(Method::POST, "/status/token", &end_user, None)
        .await;
    let body: Value = response.json().await.expect("json");
    let foreign = body["statusToken"]
        .as_str()
        .expect("statusToken")
        .to_owned();
    let response = server
        .send(
            Method::POST,
            "/csta/authentication/token",
            &access,
            Some(json!({ "statusToken": foreign })),
        )
        .await;
    assert_eq!(response.status(), 400);
    // An hour later the session (and its access token) have ended.
    server.advance_clock(3601).await;
    let response = server.send(Method::GET, snapshot, &csta, None).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], 40101);
}
