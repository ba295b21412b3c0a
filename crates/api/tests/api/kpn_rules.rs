//! The KPN dialect's lists, rules and error names from their real causes.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::kpn_harness::{call, expect_error, get, kpn_client_for, kpn_token, kpn_token_for, post};

async fn roots(server: &TestServer, token: &str) -> (i64, Vec<Value>) {
    let (_, roots) = get(server, "/hierarchy/children", token).await;
    let customer = roots["result"][0]["path"][0]["id"].as_i64().unwrap();
    (customer, roots["result"].as_array().unwrap().clone())
}

#[tokio::test]
async fn lists_page_from_inclusive_to_exclusive_and_filter_with_or_and_and() {
    let server = TestServer::demo().await;
    let token = kpn_token(&server).await;
    let (_, all) = get(&server, "/hierarchy/subscribers?to=0", &token).await;
    assert_eq!(all["total"], 40);
    assert_eq!(all["result"].as_array().unwrap().len(), 0);
    let (_, beyond) = get(&server, "/hierarchy/subscribers?from=35&to=100", &token).await;
    assert_eq!(beyond["result"].as_array().unwrap().len(), 5);
    assert_eq!(beyond["total"], 40);
    let (_, default) = get(&server, "/hierarchy/subscribers", &token).await;
    assert_eq!(default["result"].as_array().unwrap().len(), 20);
    let (_, or) = get(
        &server,
        "/hierarchy/subscribers?filters=EMPLOYEE_NUMBER:%221001%22,%221002%22",
        &token,
    )
    .await;
    assert_eq!(or["total"], 2, "{or}");
    let (_, and) = get(
        &server,
        "/hierarchy/subscribers?filters=EMPLOYEE_NUMBER:%221001%22,%221002%22;FIRSTNAME:%22sanne%22",
        &token,
    )
    .await;
    assert_eq!(and["total"], 1, "{and}");
    assert_eq!(and["result"][0]["firstName"], "Sanne");
    let unknown = get(
        &server,
        "/hierarchy/subscribers?filters=SHOE_SIZE:%2242%22",
        &token,
    )
    .await;
    expect_error(&unknown, 400, "bad_request");
    assert!(
        unknown.1["message"]
            .as_str()
            .unwrap()
            .contains("EMPLOYEE_NUMBER")
    );
    let bad_to = get(&server, "/hierarchy/subscribers?to=ten", &token).await;
    expect_error(&bad_to, 400, "bad_request");
    let (_, sorted) = get(
        &server,
        "/hierarchy/subscribers?sortBy=EMPLOYEE_NUMBER&order=DESC&to=1",
        &token,
    )
    .await;
    assert_eq!(sorted["result"][0]["employeeNumber"], "1040");
    let (_, mobile) = get(&server, "/contract/all?category=MOBILE&to=100", &token).await;
    assert_eq!(mobile["total"], 35);
    assert_eq!(
        mobile["result"][0]["product"]["en"],
        "Smartphone Subscription"
    );
    let (_, overview) = get(&server, "/contract/overview", &token).await;
    assert_eq!(overview["mobile"], 35, "{overview}");
    server.stop().await;
}

#[tokio::test]
async fn the_tree_rules_answer_their_error_names() {
    let server = TestServer::demo().await;
    let token = kpn_token(&server).await;
    let (customer, roots) = roots(&server, &token).await;
    let debtor = roots[0]["id"].as_i64().unwrap();
    let under_customer = post(
        &server,
        "/hierarchy/children/cost-center",
        &token,
        json!({"groupId": customer, "name": "X", "costCenterNumber": "CC-900"}),
    )
    .await;
    expect_error(&under_customer, 400, "WRONG_GROUP_TYPE");
    let (status, custom) = post(
        &server,
        "/hierarchy/children/virtual-group",
        &token,
        json!({"groupId": customer, "name": "Top group"}),
    )
    .await;
    assert_eq!(status, 200, "{custom}");
    let custom = custom["groupId"].as_i64().unwrap();
    let no_debtor = post(
        &server,
        "/hierarchy/children/cost-center",
        &token,
        json!({"groupId": custom, "name": "X", "costCenterNumber": "CC-901"}),
    )
    .await;
    expect_error(&no_debtor, 400, "REQUIRE_DEBTOR_IN_PATH");
    let nested = post(
        &server,
        "/hierarchy/children/virtual-group",
        &token,
        json!({"groupId": custom, "name": "Nested"}),
    )
    .await;
    expect_error(&nested, 400, "WRONG_GROUP_TYPE");
    let duplicate = post(
        &server,
        "/hierarchy/children/cost-center",
        &token,
        json!({"groupId": debtor, "name": "Dup", "costCenterNumber": "CC-100"}),
    )
    .await;
    expect_error(&duplicate, 400, "VALUE_NOT_UNIQUE");
    let (_, children) = get(&server, &format!("/hierarchy/children?id={debtor}"), &token).await;
    let centre = children["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["type"] == "COST_CENTER")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let twice = post(
        &server,
        "/hierarchy/children/cost-center",
        &token,
        json!({"groupId": centre, "name": "Sub", "costCenterNumber": "CC-902"}),
    )
    .await;
    expect_error(&twice, 400, "ONLY_SINGLE_TYPE_ALLOWED_IN_PATH");
    let occupied = post(
        &server,
        &format!("/hierarchy/children/{centre}/remove"),
        &token,
        json!({}),
    )
    .await;
    expect_error(&occupied, 404, "REMOVING_BLOCKED");
    let debtor_update = post(
        &server,
        &format!("/hierarchy/children/{debtor}"),
        &token,
        json!({"name": "Renamed"}),
    )
    .await;
    expect_error(&debtor_update, 400, "WRONG_GROUP_TYPE");
    let (status, _) = post(
        &server,
        &format!("/hierarchy/children/{custom}/remove"),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let missing = get(&server, "/hierarchy/children/999999999", &token).await;
    expect_error(&missing, 404, "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND");

    // A subscriber with contracts cannot be deleted; one without a surname cannot be created.
    let (_, first) = get(&server, "/hierarchy/subscribers?to=1", &token).await;
    let holder = first["result"][0]["id"].as_i64().unwrap();
    let holds = post(
        &server,
        &format!("/hierarchy/subscribers/{holder}/delete"),
        &token,
        json!({}),
    )
    .await;
    expect_error(&holds, 400, "OPERATION_NOT_POSSIBLE");
    let nameless = post(
        &server,
        "/hierarchy/subscribers",
        &token,
        json!({"groupId": centre, "subscriber": {"firstName": "No"}}),
    )
    .await;
    expect_error(&nameless, 400, "bad_request");
    assert!(nameless.1["message"].as_str().unwrap().contains("surname"));
    let long = post(
        &server,
        "/hierarchy/subscribers",
        &token,
        json!({"groupId": centre, "referenceNumber": "x".repeat(26), "subscriber": {"surname": "A"}}),
    )
    .await;
    expect_error(&long, 400, "bad_request");
    server.stop().await;
}

#[tokio::test]
async fn a_cancelled_order_is_never_applied() {
    let server = TestServer::demo().await;
    let token = kpn_token(&server).await;
    let (_, roots) = roots(&server, &token).await;
    let debtor = roots[0]["id"].as_i64().unwrap();
    let (_, before) = get(&server, "/track-and-trace/overview", &token).await;
    let (_, created) = post(
        &server,
        "/hierarchy/subscribers",
        &token,
        json!({"groupId": debtor, "subscriber": {"surname": "Nooit", "employeeNumber": "777777"}}),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let (status, _) = call(
        &server,
        Method::POST,
        &format!("/track-and-trace/orders/{id}/cancel?note=mistake"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    server.advance_clock(10).await;
    let (_, order) = get(&server, &format!("/track-and-trace/orders/{id}"), &token).await;
    assert_eq!(order["status"], "CANCELED", "{order}");
    assert_eq!(order["cancelOrder"]["enabled"], false);
    let (_, found) = get(
        &server,
        "/hierarchy/subscribers?filters=EMPLOYEE_NUMBER:%22777777%22",
        &token,
    )
    .await;
    assert_eq!(found["total"], 0, "{found}");
    let again = post(
        &server,
        &format!("/track-and-trace/orders/{id}/cancel"),
        &token,
        json!({}),
    )
    .await;
    expect_error(&again, 400, "OPERATION_NOT_POSSIBLE");
    let (_, overview) = get(&server, "/track-and-trace/overview", &token).await;
    assert_eq!(
        overview["CANCELED"].as_i64().unwrap(),
        before["CANCELED"].as_i64().unwrap() + 1,
        "{overview}"
    );
    server.stop().await;
}

#[tokio::test]
async fn frozen_customers_privileges_and_other_customers_ids() {
    let server = TestServer::demo().await;
    let token = kpn_token(&server).await;
    let (_, demo) = get(&server, "/hierarchy/subscribers?to=1", &token).await;
    let demo_subscriber = demo["result"][0]["id"].as_i64().unwrap();
    let (_, contracts) = get(&server, "/contract/all?to=1", &token).await;
    let demo_contract = contracts["result"][0]["id"].as_i64().unwrap();

    let (client, secret, _) = kpn_client_for(&server, "NL70427135", "Frozen fleet").await;
    let frozen = kpn_token_for(&server, &client, &secret).await;
    let (_, roots) = get(&server, "/hierarchy/children?includeCustomer=true", &frozen).await;
    let frozen_root = roots["result"][0]["id"].as_i64().unwrap();
    assert_eq!(roots["result"][0]["type"], "CUSTOMER");
    let (_, details) = get(
        &server,
        &format!("/hierarchy/children/{frozen_root}"),
        &frozen,
    )
    .await;
    assert_eq!(details["customer"]["orderFrozen"], true, "{details}");
    let ordering = post(
        &server,
        "/hierarchy/subscribers",
        &frozen,
        json!({"groupId": frozen_root, "subscriber": {"surname": "X"}}),
    )
    .await;
    expect_error(&ordering, 403, "ORDERING_IS_BLOCKED_FOR_CUSTOMER");
    // Another customer's ids are not found, never shown.
    let probe = get(
        &server,
        &format!("/hierarchy/subscribers/{demo_subscriber}"),
        &frozen,
    )
    .await;
    expect_error(&probe, 404, "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND");
    let probe = get(&server, &format!("/contract/id/{demo_contract}"), &frozen).await;
    expect_error(&probe, 404, "CONTRACT_NOT_FOUND");
    let probe = get(
        &server,
        &format!("/order/operations?contractId={demo_contract}"),
        &frozen,
    )
    .await;
    expect_error(&probe, 404, "CONTRACT_NOT_FOUND");

    // A token without the hierarchy privileges.
    let (client, secret, app) = kpn_client_for(&server, "NL69599084", "Tracker only").await;
    server
        .platform
        .set_kpn_privileges(&app, &[sentral_domain::kpn::Privilege::OrdersTrackAndTrace])
        .await
        .unwrap();
    let tracker = kpn_token_for(&server, &client, &secret).await;
    let denied = get(&server, "/hierarchy/subscribers", &tracker).await;
    expect_error(&denied, 403, "FORBIDDEN_FOR_USER");
    let (status, _) = get(&server, "/track-and-trace/orders", &tracker).await;
    assert_eq!(status, 200);
    server.stop().await;
}

/// The id of the one demo subscriber with `employee_number`.
async fn subscriber_by_employee_number(server: &TestServer, token: &str, number: &str) -> i64 {
    let (status, found) = get(
        server,
        &format!("/hierarchy/subscribers?filters=EMPLOYEE_NUMBER:%22{number}%22"),
        token,
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["total"], 1, "{found}");
    found["result"][0]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_second_order_on_a_subscriber_is_refused_while_one_is_open() {
    let server = TestServer::demo().await;
    let token = kpn_token(&server).await;
    let (_, roots) = roots(&server, &token).await;
    let debtor = roots[0]["id"].as_i64().unwrap();
    // 1040 holds no contract, so nothing but the open order stands in the way.
    let id = subscriber_by_employee_number(&server, &token, "1040").await;
    let (_, free) = get(
        &server,
        &format!("/hierarchy/subscribers/{id}/operations"),
        &token,
    )
    .await;
    assert_eq!(free["removable"]["enabled"], true, "{free}");

    // A move scheduled for tomorrow stays open (Scheduled, IN_PROGRESS) until then.
    let tomorrow = sentral_domain::Timestamp::from_millis(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
            + 2 * 24 * 3600 * 1000,
    )
    .to_rfc3339();
    let (status, moved) = post(
        &server,
        &format!("/hierarchy/subscribers/{id}/move"),
        &token,
        json!({"destinationGroupId": debtor, "wishDate": tomorrow}),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["status"], "Scheduled", "{moved}");
    let open = moved["id"].as_i64().unwrap();

    let (_, ops) = get(
        &server,
        &format!("/hierarchy/subscribers/{id}/operations"),
        &token,
    )
    .await;
    for operation in ["editable", "movable", "removable"] {
        assert_eq!(ops[operation]["enabled"], false, "{operation}: {ops}");
        assert_eq!(ops[operation]["blockingOrders"][0]["id"], open, "{ops}");
        assert_eq!(
            ops[operation]["blockingOrders"][0]["status"], "IN_PROGRESS",
            "{ops}"
        );
    }

    let refused = [
        post(
            &server,
            &format!("/hierarchy/subscribers/{id}/delete"),
            &token,
            json!({"referenceNumber": "second"}),
        )
        .await,
        call(
            &server,
            Method::PUT,
            &format!("/hierarchy/subscribers/{id}"),
            &token,
            Some(json!({"subscriber": {"surname": "Tweede"}})),
        )
        .await,
        post(
            &server,
            &format!("/hierarchy/subscribers/{id}/move"),
            &token,
            json!({"destinationGroupId": roots[1]["id"]}),
        )
        .await,
        post(
            &server,
            "/hierarchy/children/move",
            &token,
            json!({"destinationGroupId": roots[1]["id"], "movedGroupIds": [id]}),
        )
        .await,
    ];
    for outcome in &refused {
        expect_error(outcome, 400, "OPERATION_NOT_POSSIBLE");
        let message = outcome.1["message"].as_str().unwrap();
        assert!(message.contains(&open.to_string()), "{message}");
    }
    // None of the refused orders exists.
    let (_, listed) = get(&server, "/track-and-trace/orders?patterns=second", &token).await;
    assert_eq!(listed["total"], 0, "{listed}");

    // Once the open order is cancelled, the subscriber may be changed again.
    let (status, _) = call(
        &server,
        Method::POST,
        &format!("/track-and-trace/service-requests/{open}/cancel"),
        &token,
        None,
    )
    .await;
    let (status, _) = if status == 404 {
        call(
            &server,
            Method::POST,
            &format!("/track-and-trace/orders/{open}/cancel"),
            &token,
            None,
        )
        .await
    } else {
        (status, Value::Null)
    };
    assert_eq!(status, 200);
    let (status, deleted) = post(
        &server,
        &format!("/hierarchy/subscribers/{id}/delete"),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{deleted}");
    server.stop().await;
}

const TRACK_STATUSES: [&str; 10] = [
    "NEW",
    "IN_PROGRESS",
    "CLOSED",
    "CANCELED",
    "REJECTED",
    "UNAUTHORIZED",
    "DRAFT",
    "THIRD_PARTY",
    "HOLD_CUSTOMER",
    "WAITING",
];

/// Asserts the demo world's orders in every status and service requests in several.
async fn demo_orders_in_every_status(server: &TestServer, token: &str) {
    for status in TRACK_STATUSES {
        let (code, orders) = get(
            server,
            &format!("/track-and-trace/orders?status={status}"),
            token,
        )
        .await;
        assert_eq!(code, 200, "{orders}");
        assert!(orders["total"].as_i64().unwrap() >= 1, "{status}: {orders}");
        for order in orders["result"].as_array().unwrap() {
            assert_eq!(order["status"], status, "{order}");
            assert!(order["orderedBy"]["accountName"].is_string(), "{order}");
            assert!(order["orderedFor"]["lastName"].is_string(), "{order}");
            assert!(order["kpnReference"].is_string(), "{order}");
            assert!(order["customerReference"].is_string(), "{order}");
        }
    }
    for status in [
        "NEW",
        "IN_PROGRESS",
        "CLOSED",
        "CANCELED",
        "REJECTED",
        "WAITING",
        "HOLD_CUSTOMER",
    ] {
        let (_, requests) = get(
            server,
            &format!("/track-and-trace/service-requests?status={status}"),
            token,
        )
        .await;
        assert!(
            requests["total"].as_i64().unwrap() >= 1,
            "{status}: {requests}"
        );
    }
}

#[tokio::test]
async fn the_demo_world_has_orders_in_every_status_and_reset_brings_them_back() {
    let server = TestServer::demo().await;
    let token = kpn_token(&server).await;
    demo_orders_in_every_status(&server, &token).await;

    let (_, unauthorized) = get(
        &server,
        "/track-and-trace/orders?status=UNAUTHORIZED",
        &token,
    )
    .await;
    let waiting = &unauthorized["result"][0];
    assert_eq!(waiting["requiredAction"], "AUTHORIZATION", "{waiting}");
    assert_eq!(waiting["orderedBy"]["accountName"], "Mijn KPN Zakelijk");
    let (_, rejected) = get(&server, "/track-and-trace/orders?status=REJECTED", &token).await;
    let id = rejected["result"][0]["id"].as_i64().unwrap();
    let (status, details) = get(&server, &format!("/track-and-trace/orders/{id}"), &token).await;
    assert_eq!(status, 200, "{details}");
    assert!(
        details["attributes"]["rejectionReason"].is_string(),
        "{details}"
    );
    assert_eq!(details["cancelOrder"]["enabled"], false);
    let (_, overview) = get(&server, "/track-and-trace/overview", &token).await;
    for status in TRACK_STATUSES {
        assert!(overview[status].as_i64().unwrap() >= 1, "{overview}");
    }

    // The held orders rest where they are while the clock runs; they block their subscriber.
    let (_, held) = get(
        &server,
        "/track-and-trace/orders?status=HOLD_CUSTOMER",
        &token,
    )
    .await;
    let subscriber = held["result"][0]["orderedFor"]["id"].as_i64().unwrap();
    let held_id = held["result"][0]["id"].as_i64().unwrap();
    server.advance_clock(600).await;
    let (_, still) = get(
        &server,
        &format!("/track-and-trace/orders/{held_id}"),
        &token,
    )
    .await;
    assert_eq!(still["status"], "HOLD_CUSTOMER", "{still}");
    assert_eq!(still["cancelOrder"]["enabled"], true, "{still}");
    let blocked = call(
        &server,
        Method::PUT,
        &format!("/hierarchy/subscribers/{subscriber}"),
        &token,
        Some(json!({"subscriber": {"surname": "Anders"}})),
    )
    .await;
    expect_error(&blocked, 400, "OPERATION_NOT_POSSIBLE");
    assert!(
        blocked.1["message"]
            .as_str()
            .unwrap()
            .contains(&held_id.to_string())
    );
    let (status, _) = call(
        &server,
        Method::POST,
        &format!("/track-and-trace/orders/{held_id}/cancel"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);

    // A reset brings them all back.
    let reset = server
        .http
        .post(server.url("/sandbox/v1/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let token = kpn_token(&server).await;
    demo_orders_in_every_status(&server, &token).await;
    let (_, again) = get(
        &server,
        &format!("/track-and-trace/orders/{held_id}"),
        &token,
    )
    .await;
    assert_eq!(again["status"], "HOLD_CUSTOMER", "{again}");

    // Two days on, the open ones have finished (their change made), the held ones still rest.
    server.advance_clock(2 * 24 * 3600).await;
    let token = kpn_token(&server).await;
    let (_, moved) = get(
        &server,
        "/track-and-trace/orders?patterns=reorg-ict",
        &token,
    )
    .await;
    assert_eq!(moved["result"][0]["status"], "CLOSED", "{moved}");
    let (_, blocked) = get(
        &server,
        "/track-and-trace/service-requests?patterns=left%20on%20the%20train",
        &token,
    )
    .await;
    assert_eq!(blocked["result"][0]["status"], "CLOSED", "{blocked}");
    let (_, in_progress) = get(
        &server,
        "/track-and-trace/orders?status=IN_PROGRESS&to=0",
        &token,
    )
    .await;
    assert_eq!(in_progress["total"], 0, "{in_progress}");
    let (_, still) = get(
        &server,
        &format!("/track-and-trace/orders/{held_id}"),
        &token,
    )
    .await;
    assert_eq!(still["status"], "HOLD_CUSTOMER", "{still}");
    server.stop().await;
}
