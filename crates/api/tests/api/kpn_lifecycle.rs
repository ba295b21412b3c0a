//! The provisioning connector's whole life cycle through the KPN dialect, on every backend.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::kpn_harness::{call, get, kpn_token, post};

async fn find_by_employee_number(server: &TestServer, token: &str, number: &str) -> Vec<Value> {
    let filter = format!("EMPLOYEE_NUMBER:%22{number}%22");
    let (status, first) = get(
        server,
        &format!("/hierarchy/subscribers?filters={filter}&from=0&to=1"),
        token,
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let total = first["total"].as_i64().unwrap();
    let (status, all) = get(
        server,
        &format!("/hierarchy/subscribers?filters={filter}&from=0&to={total}"),
        token,
    )
    .await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["total"], total);
    all["result"].as_array().unwrap().clone()
}

/// Polls track & trace until the order is CLOSED (the sandbox clock moves on meanwhile).
async fn until_closed(server: &TestServer, token: &str, kind: &str, id: i64) -> Value {
    for _ in 0..10 {
        let (status, order) = get(server, &format!("/track-and-trace/{kind}/{id}"), token).await;
        assert_eq!(status, 200, "{order}");
        if order["status"] == "CLOSED" {
            return order;
        }
        server.advance_clock(2).await;
    }
    panic!("{kind} {id} never closed");
}

#[tokio::test]
async fn a_connector_creates_finds_moves_replaces_blocks_and_deletes_a_subscriber() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        // The demo world's own orders and service requests, beside which ours appear.
        let (_, closed) = get(
            &server,
            "/track-and-trace/orders?status=CLOSED&to=0",
            &token,
        )
        .await;
        let closed_before = closed["total"].as_i64().unwrap();
        let (_, requests) = get(&server, "/track-and-trace/service-requests?to=0", &token).await;
        let requests_before = requests["total"].as_i64().unwrap();

        // Nobody has employee number 900001 yet: total 0, then to=0.
        assert!(
            find_by_employee_number(&server, &token, "900001")
                .await
                .is_empty()
        );

        // The roots (debtors), each path starting at the customer; then their cost centres.
        let (status, roots) = get(&server, "/hierarchy/children", &token).await;
        assert_eq!(status, 200, "{roots}");
        assert_eq!(roots["total"], 2, "{roots}");
        let root = &roots["result"][0];
        assert_eq!(root["type"], "DEBTOR");
        assert_eq!(root["path"][0]["type"], "CUSTOMER");
        assert_eq!(root["path"][0]["name"], "Demo Klant B.V.");
        let root_id = root["id"].as_i64().unwrap();
        let (_, first) = get(
            &server,
            &format!("/hierarchy/children?id={root_id}&from=0&to=1"),
            &token,
        )
        .await;
        let total = first["total"].as_i64().unwrap();
        assert_eq!(first["result"].as_array().unwrap().len(), 1);
        let (_, children) = get(
            &server,
            &format!("/hierarchy/children?id={root_id}&from=0&to={total}"),
            &token,
        )
        .await;
        let centres: Vec<&Value> = children["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| item["type"] == "COST_CENTER")
            .collect();
        assert_eq!(centres.len(), 2, "{children}");
        let (from_centre, to_centre) = (
            centres[0]["id"].as_i64().unwrap(),
            centres[1]["id"].as_i64().unwrap(),
        );

        // Create with nulls and without referenceNumber.
        let (status, created) = post(
            &server,
            "/hierarchy/subscribers",
            &token,
            json!({"groupId": from_centre.to_string(), "subscriber": {
                "surname": "Kuiper", "firstName": "Anna", "surnamePrefix": null,
                "employeeNumber": "900001", "email": "anna.kuiper@demoklant.nl",
                "mobileNumber": "0612345678", "vip": null}}),
        )
        .await;
        assert_eq!(status, 200, "{created}");
        assert_eq!(created["operation"], "createUser");
        assert_eq!(created["status"], "Initialized");
        assert_eq!(created["contextName"], "Kuiper, Anna");
        let create_order = created["id"].as_i64().unwrap();
        until_closed(&server, &token, "orders", create_order).await;

        // Found by employee number without from/to.
        let (_, found) = get(
            &server,
            "/hierarchy/subscribers?filters=EMPLOYEE_NUMBER:%20%22900001%22",
            &token,
        )
        .await;
        assert_eq!(found["total"], 1, "{found}");
        let id = found["result"][0]["id"].as_i64().unwrap();
        assert_eq!(found["result"][0]["path"][0]["type"], "CUSTOMER");

        let (status, details) = get(&server, &format!("/hierarchy/subscribers/{id}"), &token).await;
        assert_eq!(status, 200, "{details}");
        assert_eq!(details["mobileNumber"], "31612345678");
        assert_eq!(
            details["location"].as_array().unwrap().last().unwrap(),
            "Kuiper, Anna"
        );

        // Move to the other cost centre: a service request.
        let (status, moved) = post(
            &server,
            &format!("/hierarchy/subscribers/{id}/move"),
            &token,
            json!({"destinationGroupId": to_centre}),
        )
        .await;
        assert_eq!(status, 200, "{moved}");
        assert_eq!(moved["operation"], "moveUser");
        until_closed(
            &server,
            &token,
            "service-requests",
            moved["id"].as_i64().unwrap(),
        )
        .await;

        // PUT echoing the GET (unknown fields and "" included), with a change: full replace.
        let mut echoed = details.clone();
        echoed["firstName"] = json!("Annemarie");
        echoed["email"] = json!("");
        echoed["comments"] = json!("");
        let (status, replaced) = call(
            &server,
            Method::PUT,
            &format!("/hierarchy/subscribers/{id}"),
            &token,
            Some(json!({"referenceNumber": "HR-42", "subscriber": echoed})),
        )
        .await;
        assert_eq!(status, 200, "{replaced}");
        assert_eq!(replaced["referenceNumber"], "HR-42");
        until_closed(&server, &token, "orders", replaced["id"].as_i64().unwrap()).await;
        let (_, after) = get(&server, &format!("/hierarchy/subscribers/{id}"), &token).await;
        assert_eq!(after["firstName"], "Annemarie");
        assert!(after.get("email").is_none(), "reset: {after}");
        assert_eq!(
            after["path"].as_array().unwrap().last().unwrap()["id"],
            to_centre
        );

        // Block a SIM with a JSON body under a form content type.
        let (_, contracts) = get(
            &server,
            "/contract/all?filters=STATE:%22ACTIVE%22&to=1",
            &token,
        )
        .await;
        let contract_id = contracts["result"][0]["id"].as_i64().unwrap();
        let response = server
            .http
            .post(server.url("/mobile/kpn/mobileservices/order/block-sim"))
            .bearer_auth(&token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(json!({"contractId": contract_id, "referenceNumber": "lost phone"}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let blocked: Value = response.json().await.unwrap();
        assert_eq!(blocked["operation"], "blockSim");
        let (_, ops) = get(
            &server,
            &format!("/order/operations?contractId={contract_id}"),
            &token,
        )
        .await;
        assert_eq!(ops["blockSim"]["enabled"], false, "{ops}");
        assert_eq!(
            ops["blockSim"]["blockingOrders"][0]["id"], blocked["id"],
            "{ops}"
        );
        until_closed(
            &server,
            &token,
            "service-requests",
            blocked["id"].as_i64().unwrap(),
        )
        .await;
        let (_, contract) = get(&server, &format!("/contract/id/{contract_id}"), &token).await;
        assert_eq!(contract["status"], "S", "{contract}");
        let (_, ops) = get(
            &server,
            &format!("/order/operations?contractId={contract_id}"),
            &token,
        )
        .await;
        assert_eq!(ops["unblockSim"]["enabled"], true, "{ops}");
        assert_eq!(ops["blockSim"]["enabled"], false, "{ops}");

        // Delete; gone from the list and its GET is 404.
        let (status, deleted) = post(
            &server,
            &format!("/hierarchy/subscribers/{id}/delete"),
            &token,
            json!({}),
        )
        .await;
        assert_eq!(status, 200, "{deleted}");
        until_closed(&server, &token, "orders", deleted["id"].as_i64().unwrap()).await;
        assert!(
            find_by_employee_number(&server, &token, "900001")
                .await
                .is_empty()
        );
        let (status, gone) = get(&server, &format!("/hierarchy/subscribers/{id}"), &token).await;
        assert_eq!(status, 404);
        assert_eq!(gone["name"], "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND");

        // Every write is in track & trace.
        let (_, orders) = get(&server, "/track-and-trace/orders?status=CLOSED", &token).await;
        assert_eq!(
            orders["total"].as_i64().unwrap(),
            closed_before + 3,
            "{orders}"
        );
        let (_, requests) = get(&server, "/track-and-trace/service-requests", &token).await;
        assert_eq!(
            requests["total"].as_i64().unwrap(),
            requests_before + 2,
            "{requests}"
        );
        server.stop().await;
    }
}
