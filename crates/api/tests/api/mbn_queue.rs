//! MBN Queue API over HTTP: queues, agents and agent states, the rules of each field, the
//! numbering plan and what points at a queue, end users and other partners.

use reqwest::Method;
use sentral_domain::ApiProduct;
use serde_json::{Value, json};

use crate::harness::TestServer;

const QUEUES: &str = "/queue/queues";
const PLAN: &str = "/catalog/enterprises/100001/numbering-plan";

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    response.json().await.unwrap()
}

/// Asserts status and Telenor code (the body in the message when they differ); returns the
/// detail.
async fn expect_error(response: reqwest::Response, status: u16, code: u64) -> String {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(
        (actual, body["code"].as_u64()),
        (status, Some(code)),
        "{body}"
    );
    body["detail"].as_str().unwrap_or_default().to_owned()
}

/// Asserts a 400 (40000) whose detail contains every one of `words`.
async fn expect_invalid(response: reqwest::Response, words: &[&str]) {
    let text = expect_error(response, 400, 40000).await;
    for word in words {
        assert!(text.contains(word), "{word:?} not in {text}");
    }
}

/// Asserts a 409 (40901) whose detail contains every one of `words`.
async fn expect_conflict(response: reqwest::Response, words: &[&str]) {
    let text = expect_error(response, 409, 40901).await;
    for word in words {
        assert!(text.contains(word), "{word:?} not in {text}");
    }
}

fn ids(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap().to_owned())
        .collect()
}

/// The plan's entry for `number`, as `kind:target`.
async fn plan_entry(server: &TestServer, token: &str, number: &str) -> Option<String> {
    let plan = json_of(server.get(PLAN, token).await, 200).await;
    plan["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["shortNumber"] == number)
        .map(|entry| {
            format!(
                "{}:{}",
                entry["kind"].as_str().unwrap(),
                entry["target"].as_str().unwrap()
            )
        })
}

#[tokio::test]
async fn queues_are_listed_created_changed_and_deleted_on_every_backend() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;

        // The demo world: Kundeservice (801) and Sentralbord (800, queue 1), by name.
        let listed = json_of(server.get(QUEUES, &token).await, 200).await;
        assert_eq!(
            ids(&listed, "name"),
            ["Kundeservice", "Sentralbord"],
            "{}",
            server.name
        );
        assert_eq!(ids(&listed, "number"), ["801", "800"]);
        let switchboard = json_of(server.get("/queue/queues/1", &token).await, 200).await;
        assert_eq!(switchboard, listed[1]);
        assert_eq!(switchboard["strategy"], "linear");
        assert_eq!(switchboard["noAgentTarget"], "4791500000");
        assert_eq!(
            json_of(
                server
                    .get("/queue/queues?enterpriseId=100001", &token)
                    .await,
                200
            )
            .await,
            listed
        );

        let created = server
            .send(
                Method::POST,
                QUEUES,
                &token,
                Some(json!({
                    "name": "  Support ",
                    "number": "802",
                    "strategy": "roundRobin",
                    "overflowTarget": "800",
                    "noAgentTarget": "+47 22 99 00 00",
                })),
            )
            .await;
        assert_eq!(created.status(), 201, "{}", server.name);
        let location = created.headers()["location"].to_str().unwrap().to_owned();
        let created: Value = created.json().await.unwrap();
        let id = created["queueId"].as_str().unwrap().to_owned();
        assert_eq!(location, format!("{QUEUES}/{id}"));
        assert_eq!(created["enterpriseId"], "100001");
        assert_eq!(created["name"], "Support");
        assert_eq!(created["strategy"], "roundRobin");
        assert_eq!(created["overflowTarget"], "800");
        assert_eq!(created["noAgentTarget"], "4722990000");
        // Defaults for what was left out.
        assert_eq!(created["ringTimeout"], 20);
        assert_eq!(created["maxLength"], 10);
        assert_eq!(created["maxWait"], 300);
        assert_eq!(created["maxWaitNoAgent"], 30);
        assert_eq!(created["wrapUpTime"], 10);
        assert_eq!(created["serviceLevelSeconds"], 20);
        assert_eq!(
            json_of(server.get(&location, &token).await, 200).await,
            created
        );
        assert_eq!(
            plan_entry(&server, &token, "802").await.as_deref(),
            Some(format!("queue:{id}").as_str())
        );

        // A change moves the plan entry; left-out fields keep their value, null clears.
        let changed = json_of(
            server
                .send(
                    Method::PUT,
                    &location,
                    &token,
                    Some(json!({"number": "803", "maxWait": 120, "overflowTarget": null})),
                )
                .await,
            200,
        )
        .await;
        assert_eq!(changed["number"], "803");
        assert_eq!(changed["maxWait"], 120);
        assert_eq!(changed["overflowTarget"], Value::Null);
        assert_eq!(changed["noAgentTarget"], "4722990000");
        assert_eq!(changed["createdAt"], created["createdAt"]);
        assert_eq!(plan_entry(&server, &token, "802").await, None);
        assert_eq!(
            plan_entry(&server, &token, "803").await.as_deref(),
            Some(format!("queue:{id}").as_str())
        );
        // What GET answers may be sent back as it is.
        let resent = json_of(
            server
                .send(Method::PUT, &location, &token, Some(changed.clone()))
                .await,
            200,
        )
        .await;
        assert_eq!(resent["number"], "803");
        assert_eq!(resent["strategy"], "roundRobin");

        // Agents: added last or at a position, listed in order.
        let agents = format!("{location}/agents");
        let first = json_of(
            server
                .send(
                    Method::POST,
                    &agents,
                    &token,
                    Some(json!({"memberId": "mem_dk_000010"})),
                )
                .await,
            201,
        )
        .await;
        assert_eq!(first["position"], 1);
        assert_eq!(first["state"], "loggedOff");
        assert_eq!(first["queueName"], "Support");
        assert_eq!(first["shortNumber"], "110");
        assert_eq!(first["mobileNumber"], "4791000010");
        let added = server
            .send(
                Method::POST,
                &agents,
                &token,
                Some(json!({"memberId": "mem_dk_000011", "position": 1, "state": "loggedOn"})),
            )
            .await;
        assert_eq!(added.status(), 201);
        assert_eq!(
            added.headers()["location"].to_str().unwrap(),
            format!("{agents}/mem_dk_000011")
        );
        let added: Value = added.json().await.unwrap();
        assert_eq!(added["position"], 1);
        assert_eq!(added["state"], "ready");
        let listed = json_of(server.get(&agents, &token).await, 200).await;
        assert_eq!(ids(&listed, "memberId"), ["mem_dk_000011", "mem_dk_000010"]);
        assert_eq!(listed[1]["position"], 2);
        expect_conflict(
            server
                .send(
                    Method::POST,
                    &agents,
                    &token,
                    Some(json!({"memberId": "mem_dk_000010"})),
                )
                .await,
            &["mem_dk_000010", "already"],
        )
        .await;

        // States: not ready with a reason, log on keeps it, wrap-up needs a logged-on agent.
        let state_of = format!("{agents}/mem_dk_000010/state");
        let set = |body: Value| server.send(Method::PUT, &state_of, &token, Some(body));
        let not_ready = json_of(
            set(json!({"state": "notReady", "reason": "Lunsj"})).await,
            200,
        )
        .await;
        assert_eq!(not_ready["state"], "notReady");
        assert_eq!(not_ready["reason"], "Lunsj");
        let kept = json_of(set(json!({"state": "loggedOn"})).await, 200).await;
        assert_eq!(kept["state"], "notReady");
        assert_eq!(kept["stateChangedAt"], not_ready["stateChangedAt"]);
        let off = json_of(set(json!({"state": "loggedOff"})).await, 200).await;
        assert_eq!(off["reason"], Value::Null);
        expect_conflict(
            set(json!({"state": "workingAfterCall"})).await,
            &["logged off"],
        )
        .await;
        let ready = json_of(set(json!({"state": "loggedOn"})).await, 200).await;
        assert_eq!(ready["state"], "ready");
        let wrap_up = json_of(set(json!({"state": "workingAfterCall"})).await, 200).await;
        assert_eq!(wrap_up["state"], "workingAfterCall");

        // The agent search: by short number, by name, and every agent.
        let found = json_of(server.get("/queue/agents?search=110", &token).await, 200).await;
        assert_eq!(ids(&found, "memberId"), ["mem_dk_000010"]);
        assert_eq!(found[0]["queues"][0]["queueName"], "Support");
        assert_eq!(found[0]["queues"][0]["state"], "workingAfterCall");
        let member = json_of(
            server.get("/catalog/members/mem_dk_000010", &token).await,
            200,
        )
        .await;
        let last_name = member["lastName"].as_str().unwrap().to_lowercase();
        let by_name = json_of(
            server
                .get(&format!("/queue/agents?search={last_name}"), &token)
                .await,
            200,
        )
        .await;
        assert!(ids(&by_name, "memberId").contains(&"mem_dk_000010".to_owned()));
        let everyone = json_of(server.get("/queue/agents", &token).await, 200).await;
        // 3 + 5 demo agents and the two added, each member once.
        assert_eq!(everyone.as_array().unwrap().len(), 10, "{everyone}");
        let demo_001 = everyone
            .as_array()
            .unwrap()
            .iter()
            .find(|agent| agent["memberId"] == "mem_demo_001")
            .unwrap();
        assert_eq!(demo_001["queues"][0]["queueId"], "1");
        assert_eq!(demo_001["queues"][0]["state"], "ready");

        // What the engine reads.
        let loaded = server
            .platform
            .load_enterprise_queues("100001")
            .await
            .unwrap();
        let support = loaded.iter().find(|(queue, _)| queue.id == id).unwrap();
        let members: Vec<&str> = support.1.iter().map(|a| a.member_id.as_str()).collect();
        assert_eq!(members, ["mem_dk_000011", "mem_dk_000010"]);
        assert_eq!(loaded.len(), 3);

        // Removing an agent closes the gap.
        let removed = server
            .send(
                Method::DELETE,
                &format!("{agents}/mem_dk_000011"),
                &token,
                None,
            )
            .await;
        assert_eq!(removed.status(), 204);
        let listed = json_of(server.get(&agents, &token).await, 200).await;
        assert_eq!(ids(&listed, "memberId"), ["mem_dk_000010"]);
        assert_eq!(listed[0]["position"], 1);
        expect_error(
            server
                .send(
                    Method::DELETE,
                    &format!("{agents}/mem_dk_000011"),
                    &token,
                    None,
                )
                .await,
            404,
            40402,
        )
        .await;

        // Deleting takes the agents and the plan entry with it.
        let deleted = server.send(Method::DELETE, &location, &token, None).await;
        assert_eq!(deleted.status(), 204, "{}", server.name);
        expect_error(server.get(&location, &token).await, 404, 40402).await;
        expect_error(server.get(&agents, &token).await, 404, 40402).await;
        assert_eq!(plan_entry(&server, &token, "803").await, None);
        let found = json_of(server.get("/queue/agents?search=110", &token).await, 200).await;
        assert_eq!(found, json!([]));

        // Every change is in the audit log.
        let mut conn = server.platform.store().read().await.unwrap();
        let audit = sentral_store::records::audit_log(&mut conn, 50)
            .await
            .unwrap();
        drop(conn);
        for action in [
            "queue.create",
            "queue.update",
            "queue.agent.add",
            "queue.agent.state",
            "queue.agent.remove",
            "queue.delete",
        ] {
            assert!(
                audit
                    .iter()
                    .any(|entry| entry.action == action && entry.target == id),
                "{action} in {audit:?}"
            );
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn a_queue_that_something_points_at_is_kept_on_every_backend() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;

        // Queue 1: an absence sends calls to it, queue 2 overflows into its number.
        expect_conflict(
            server
                .send(Method::DELETE, "/queue/queues/1", &token, None)
                .await,
            &[
                "absence abs_demo_trip (queue 1)",
                "overflowTarget of queue 2 (short number 800)",
                "noAgentTarget of queue 2 (short number 800)",
            ],
        )
        .await;
        // Nor may its number move away from under queue 2's targets.
        expect_conflict(
            server
                .send(
                    Method::PUT,
                    "/queue/queues/1",
                    &token,
                    Some(json!({"number": "805"})),
                )
                .await,
            &["overflowTarget of queue 2 (short number 800)"],
        )
        .await;
        // Nor may the numbering plan take its entry away.
        let plan = json_of(server.get(PLAN, &token).await, 200).await;
        let mut without_queues = plan.clone();
        without_queues["entries"]
            .as_array_mut()
            .unwrap()
            .retain(|entry| entry["kind"] != "queue");
        expect_conflict(
            server
                .send(Method::PUT, PLAN, &token, Some(without_queues))
                .await,
            &[
                "queue \"Sentralbord\" (queue 1)",
                "queue \"Kundeservice\" (queue 2)",
            ],
        )
        .await;

        // Call forwarding to queue 2's number keeps it too, until it is switched off.
        let forwarding = "/user/users/mem_dk_000010/call-forwarding";
        let forwarded = server
            .send(
                Method::PUT,
                forwarding,
                &token,
                Some(json!({"busy": {"active": true, "destination": "801"}})),
            )
            .await;
        assert_eq!(forwarded.status(), 200, "{}", server.name);
        expect_conflict(
            server
                .send(Method::DELETE, "/queue/queues/2", &token, None)
                .await,
            &["call forwarding busy of mem_dk_000010 (short number 801)"],
        )
        .await;
        let cleared = server
            .send(
                Method::PUT,
                forwarding,
                &token,
                Some(json!({"busy": {"active": false, "destination": null}})),
            )
            .await;
        assert_eq!(cleared.status(), 200);
        let deleted = server
            .send(Method::DELETE, "/queue/queues/2", &token, None)
            .await;
        assert_eq!(deleted.status(), 204, "{}", server.name);
        assert_eq!(plan_entry(&server, &token, "801").await, None);

        // With queue 2 gone, queue 1's number may move; the plan entry follows.
        let moved = json_of(
            server
                .send(
                    Method::PUT,
                    "/queue/queues/1",
                    &token,
                    Some(json!({"number": "805"})),
                )
                .await,
            200,
        )
        .await;
        assert_eq!(moved["number"], "805");
        assert_eq!(
            plan_entry(&server, &token, "805").await.as_deref(),
            Some("queue:1")
        );
        assert_eq!(plan_entry(&server, &token, "800").await, None);
        let unchanged = json_of(server.get("/queue/queues/1/agents", &token).await, 200).await;
        assert_eq!(unchanged.as_array().unwrap().len(), 3);

        // A sandbox reset brings the demo queues back as they were.
        let reset = server
            .http
            .post(server.url("/sandbox/v1/reset"))
            .send()
            .await
            .unwrap();
        assert_eq!(reset.status().as_u16() / 100, 2, "{}", server.name);
        let token = server.demo_token().await;
        let listed = json_of(server.get(QUEUES, &token).await, 200).await;
        assert_eq!(ids(&listed, "queueId"), ["2", "1"]);
        assert_eq!(ids(&listed, "number"), ["801", "800"]);
        server.stop().await;
    }
}

#[tokio::test]
async fn every_queue_rule_answers_a_clear_error() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let post = |body: Value| server.send(Method::POST, QUEUES, &token, Some(body));
    let valid = || json!({"name": "Support", "number": "802"});
    let with = |field: &str, value: Value| {
        let mut body = valid();
        body[field] = value;
        body
    };

    expect_invalid(post(json!({"number": "802"})).await, &["name", "required"]).await;
    expect_invalid(
        post(json!({"name": "Support"})).await,
        &["number", "required"],
    )
    .await;
    expect_invalid(post(with("name", json!("   "))).await, &["name"]).await;
    expect_invalid(
        post(with("name", json!("x".repeat(101)))).await,
        &["name", "100"],
    )
    .await;
    expect_invalid(
        post(with("number", json!("80"))).await,
        &["number", "3 digits"],
    )
    .await;
    expect_invalid(
        post(with("number", json!("500"))).await,
        &["number", "outside", "100-299, 800-899"],
    )
    .await;
    expect_conflict(
        post(with("number", json!("101"))).await,
        &["101", "member mem_demo_001"],
    )
    .await;
    expect_conflict(
        post(with("number", json!("800"))).await,
        &["800", "queue 1"],
    )
    .await;
    expect_conflict(
        post(with("name", json!("Sentralbord"))).await,
        &["Sentralbord"],
    )
    .await;
    expect_invalid(
        post(with("strategy", json!("fastest"))).await,
        &["strategy", "fastest"],
    )
    .await;
    for (field, value, range) in [
        ("ringTimeout", json!(4), "5 to 300"),
        ("ringTimeout", json!(301), "5 to 300"),
        ("maxLength", json!(0), "1 to 1000"),
        ("maxWait", json!(5), "10 to 7200"),
        ("maxWaitNoAgent", json!(-1), "0 to 3600"),
        ("wrapUpTime", json!(3601), "0 to 3600"),
        ("serviceLevelSeconds", json!(0), "1 to 600"),
        (
            "serviceLevelSeconds",
            json!(1_000_000_000_000_i64),
            "1 to 600",
        ),
    ] {
        expect_invalid(post(with(field, value)).await, &[field, range]).await;
    }
    expect_invalid(
        post(with("ringTimeout", json!("abc"))).await,
        &["ringTimeout"],
    )
    .await;
    expect_invalid(post(with("maxWait", json!(1.5))).await, &["maxWait"]).await;
    expect_invalid(
        post(with("overflowTarget", json!("555"))).await,
        &["overflowTarget", "555", "numbering plan"],
    )
    .await;
    expect_invalid(
        post(with("noAgentTarget", json!("12ab"))).await,
        &["noAgentTarget", "12ab"],
    )
    .await;
    expect_invalid(
        post(with("overflowTarget", json!("802"))).await,
        &["overflowTarget", "own number"],
    )
    .await;
    expect_invalid(
        post(with("colour", json!("red"))).await,
        &["colour", "unknown field"],
    )
    .await;
    expect_invalid(post(json!([1])).await, &["JSON object"]).await;
    expect_invalid(post(with("name", Value::Null)).await, &["name", "cleared"]).await;
    // Nothing was made by the refused requests.
    let listed = json_of(server.get(QUEUES, &token).await, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // Changes follow the same rules; a queue stays in its enterprise.
    let put = |body: Value| server.send(Method::PUT, "/queue/queues/2", &token, Some(body));
    expect_invalid(
        put(json!({"enterpriseId": "100002"})).await,
        &["enterpriseId"],
    )
    .await;
    expect_invalid(
        put(json!({"maxLength": 1001})).await,
        &["maxLength", "1 to 1000"],
    )
    .await;
    expect_invalid(
        put(json!({"number": "801", "overflowTarget": "801"})).await,
        &["own number"],
    )
    .await;
    expect_conflict(put(json!({"number": "899"})).await, &["899", "virtual"]).await;
    expect_invalid(put(json!({"name": ""})).await, &["name"]).await;
    expect_error(
        server
            .send(
                Method::PUT,
                "/queue/queues/999",
                &token,
                Some(json!({"maxWait": 60})),
            )
            .await,
        404,
        40402,
    )
    .await;

    // Agents.
    let agents = "/queue/queues/2/agents";
    let add = |body: Value| server.send(Method::POST, agents, &token, Some(body));
    expect_invalid(add(json!({})).await, &["memberId", "required"]).await;
    expect_invalid(
        add(json!({"memberId": "mem_nobody"})).await,
        &[
            "memberId",
            "mem_nobody",
            "not a member of enterprise 100001",
        ],
    )
    .await;
    expect_invalid(
        add(json!({"memberId": "mem_dk_000010", "position": 0})).await,
        &["position", "1 to 6"],
    )
    .await;
    expect_invalid(
        add(json!({"memberId": "mem_dk_000010", "position": 7})).await,
        &["position", "1 to 6"],
    )
    .await;
    expect_invalid(
        add(json!({"memberId": "mem_dk_000010", "state": "away"})).await,
        &["state", "away"],
    )
    .await;
    expect_invalid(
        add(json!({"memberId": "mem_dk_000010", "state": "ready", "reason": "x"})).await,
        &["state", "notReady"],
    )
    .await;
    expect_invalid(
        add(json!({"memberId": "mem_dk_000010", "state": "workingAfterCall"})).await,
        &["state", "logged off"],
    )
    .await;
    expect_invalid(
        add(json!({"memberId": "mem_dk_000010", "rank": 1})).await,
        &["rank"],
    )
    .await;
    expect_conflict(
        add(json!({"memberId": "mem_demo_003"})).await,
        &["mem_demo_003"],
    )
    .await;

    let state_of = format!("{agents}/mem_demo_003/state");
    let set = |body: Value| server.send(Method::PUT, &state_of, &token, Some(body));
    expect_invalid(set(json!({})).await, &["state", "required"]).await;
    expect_invalid(set(json!({"state": "away"})).await, &["state", "away"]).await;
    expect_invalid(
        set(json!({"state": "notReady", "reason": "x".repeat(101)})).await,
        &["reason", "100"],
    )
    .await;
    expect_invalid(
        set(json!({"state": "ready", "mood": "happy"})).await,
        &["mood"],
    )
    .await;
    expect_error(
        server
            .send(
                Method::PUT,
                &format!("{agents}/mem_dk_000010/state"),
                &token,
                Some(json!({"state": "ready"})),
            )
            .await,
        404,
        40402,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn an_end_user_reads_queues_and_sets_only_its_own_agent_state() {
    let server = TestServer::demo().await;
    let token = server.end_user_token("91000001").await;
    let listed = json_of(server.get(QUEUES, &token).await, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let own = json_of(
        server
            .send(
                Method::PUT,
                "/queue/queues/1/agents/mem_demo_001/state",
                &token,
                Some(json!({"state": "notReady", "reason": "Møte"})),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(own["state"], "notReady");
    expect_error(
        server
            .send(
                Method::PUT,
                "/queue/queues/1/agents/mem_demo_002/state",
                &token,
                Some(json!({"state": "ready"})),
            )
            .await,
        403,
        40302,
    )
    .await;
    for (method, path, body) in [
        (
            Method::POST,
            QUEUES,
            Some(json!({"name": "Mine", "number": "802"})),
        ),
        (Method::PUT, "/queue/queues/1", Some(json!({"maxWait": 60}))),
        (Method::DELETE, "/queue/queues/1", None),
        (
            Method::POST,
            "/queue/queues/1/agents",
            Some(json!({"memberId": "mem_demo_003"})),
        ),
        (Method::DELETE, "/queue/queues/1/agents/mem_demo_002", None),
    ] {
        expect_error(server.send(method, path, &token, body).await, 403, 40302).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn queues_of_another_partner_are_not_found() {
    let server = TestServer::demo().await;
    let other = server
        .other_partner(vec![ApiProduct::MbnQueue])
        .await
        .token(&server)
        .await;
    // Its own customer has no enterprise and no queues; the demo's are not seen.
    assert_eq!(
        json_of(server.get(QUEUES, &other).await, 200).await,
        json!([])
    );
    assert_eq!(
        json_of(server.get("/queue/agents", &other).await, 200).await,
        json!([])
    );
    let unknown = expect_error(server.get("/queue/queues/999", &other).await, 404, 40402).await;
    let foreign = expect_error(server.get("/queue/queues/1", &other).await, 404, 40402).await;
    assert_eq!(
        foreign.replace('1', "999"),
        unknown,
        "a foreign queue answers as an unknown one"
    );
    for (method, path, body) in [
        (Method::PUT, "/queue/queues/1", Some(json!({"maxWait": 60}))),
        (Method::DELETE, "/queue/queues/1", None),
        (Method::GET, "/queue/queues/1/agents", None),
        (
            Method::POST,
            "/queue/queues/1/agents",
            Some(json!({"memberId": "mem_demo_003"})),
        ),
        (Method::DELETE, "/queue/queues/1/agents/mem_demo_001", None),
        (
            Method::PUT,
            "/queue/queues/1/agents/mem_demo_001/state",
            Some(json!({"state": "ready"})),
        ),
        (Method::GET, "/queue/queues?enterpriseId=100001", None),
        (Method::GET, "/queue/agents?enterpriseId=100001", None),
        (
            Method::POST,
            QUEUES,
            Some(json!({"enterpriseId": "100001", "name": "X", "number": "802"})),
        ),
        (
            Method::POST,
            QUEUES,
            Some(json!({"name": "X", "number": "802"})),
        ),
    ] {
        let label = format!("{method} {path}");
        let response = server.send(method, path, &other, body).await;
        let detail = expect_error(response, 404, 40402).await;
        assert!(detail.contains("not found"), "{label}: {detail}");
    }
    // Nothing changed for the demo partner.
    let token = server.demo_token().await;
    let agents = json_of(server.get("/queue/queues/1/agents", &token).await, 200).await;
    assert_eq!(agents[0]["state"], "ready");
    assert_eq!(
        json_of(server.get(QUEUES, &token).await, 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A token without a user; the queue status of another partner's queue.
    let client = server.demo_client_token().await;
    expect_error(server.get(QUEUES, &client).await, 401, 40101).await;
    expect_error(
        server.get("/queue/queues/1/status", &other).await,
        404,
        40402,
    )
    .await;
    assert_eq!(
        server.get("/queue/queues/1/status", &token).await.status(),
        200
    );
    server.stop().await;
}
