//! KPN hardware of a delivered basket order: Apple DEP and Samsung Knox enrolment, returns as
//! service requests with a return label (a real PDF, parsed back), on every backend.

use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::kpn_finances::pdf_text;
use crate::kpn_harness::{BASE, expect_error, get, kpn_client_for, kpn_token, kpn_token_for, post};

/// The Norwegian demo customer (a KPN customer too, not frozen).
const OTHER_CUSTOMER: &str = "930000000";

async fn other_token(server: &TestServer) -> String {
    let (client, secret, _) = kpn_client_for(server, OTHER_CUSTOMER, "Other fleet").await;
    kpn_token_for(server, &client, &secret).await
}

/// The demo debtors with their details: (id, name, details).
async fn debtors(server: &TestServer, token: &str) -> Vec<(i64, String, Value)> {
    let (status, roots) = get(server, "/hierarchy/children", token).await;
    assert_eq!(status, 200, "{roots}");
    let mut found = Vec::new();
    for item in roots["result"].as_array().unwrap() {
        if item["type"] != "DEBTOR" {
            continue;
        }
        let id = item["id"].as_i64().unwrap();
        let (status, details) = get(server, &format!("/hierarchy/children/{id}"), token).await;
        assert_eq!(status, 200, "{details}");
        found.push((id, item["name"].as_str().unwrap().to_owned(), details));
    }
    found
}

/// A subscriber billed to debtor `name`.
async fn subscriber_of(server: &TestServer, token: &str, name: &str) -> i64 {
    let (status, found) = get(
        server,
        &format!(
            "/hierarchy/subscribers?filters=DEBTORNAME:%22{}%22&to=1",
            name.replace(' ', "%20")
        ),
        token,
    )
    .await;
    assert_eq!(status, 200, "{found}");
    found["result"][0]["id"].as_i64().expect("a subscriber")
}

/// A basket order for `subscriber` of a smartphone subscription, a handset and an accessory,
/// delivered to the first general address and advanced until CLOSED: its id.
async fn delivered_order(server: &TestServer, token: &str, subscriber: i64) -> i64 {
    let (status, opened) = post(
        server,
        "/contracting/basket",
        token,
        json!({"accountGroupId": subscriber}),
    )
    .await;
    assert_eq!(status, 200, "{opened}");
    let session = opened["sessionId"].as_str().unwrap().to_owned();
    let (status, changed) = post(
        server,
        &format!("/contracting/basket?sessionId={session}"),
        token,
        json!({"productActions": [
            {"productId": "TreeNode_2001", "type": "PUT"},
            {"productId": "TreeNode_3001", "type": "PUT"},
            {"productId": "TreeNode_3701", "type": "PUT"}
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    let (_, addresses) = get(server, "/address/customer", token).await;
    let address = addresses[0]["id"].as_i64().unwrap();
    let (status, confirmation) = post(
        server,
        &format!("/contracting/basket/order?sessionId={session}"),
        token,
        json!({"addressId": address}),
    )
    .await;
    assert_eq!(status, 200, "{confirmation}");
    let id = confirmation["orderId"].as_i64().unwrap();
    until_closed(server, token, &format!("/track-and-trace/orders/{id}")).await;
    id
}

/// Polls a track-and-trace entry until CLOSED, the sandbox clock moving on meanwhile.
async fn until_closed(server: &TestServer, token: &str, path: &str) -> Value {
    for _ in 0..10 {
        let (status, entry) = get(server, path, token).await;
        assert_eq!(status, 200, "{entry}");
        if entry["status"] == "CLOSED" {
            return entry;
        }
        server.advance_clock(20).await;
    }
    panic!("{path} never closed");
}

async fn hardware(server: &TestServer, token: &str, order: i64) -> Vec<Value> {
    let path = format!("/track-and-trace/orders/{order}/hardware");
    let (status, list) = get(server, &path, token).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

async fn order_details(server: &TestServer, token: &str, order: i64) -> Value {
    let (status, details) = get(server, &format!("/track-and-trace/orders/{order}"), token).await;
    assert_eq!(status, 200, "{details}");
    details
}

#[tokio::test]
async fn devices_of_a_delivered_order_enrol_in_apple_dep_and_samsung_knox() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let debtors = debtors(&server, &token).await;
        let with = debtors
            .iter()
            .find(|(_, _, d)| d["debtor"]["appleDepId"].is_string())
            .expect("a demo debtor with a DEP id");
        assert!(with.2["debtor"]["samsungKnoxId"].is_string(), "{}", with.2);
        let without = debtors
            .iter()
            .find(|(_, _, d)| d["debtor"]["appleDepId"].is_null())
            .expect("a demo debtor without ids");
        assert!(without.2["debtor"]["samsungKnoxId"].is_null());
        let dep_id = with.2["debtor"]["appleDepId"].as_str().unwrap().to_owned();
        let knox_id = with.2["debtor"]["samsungKnoxId"]
            .as_str()
            .unwrap()
            .to_owned();

        let subscriber = subscriber_of(&server, &token, &with.1).await;
        let order = delivered_order(&server, &token, subscriber).await;
        let before = hardware(&server, &token, order).await;
        assert_eq!(before.len(), 2, "{before:?}");
        assert!(
            before
                .iter()
                .all(|h| h["apple"] == false && h["samsung"] == false && h["returned"] == false)
        );
        let details = order_details(&server, &token, order).await;
        assert_eq!(
            details["appleDepEnrollment"],
            json!({"enabled": true, "visible": true})
        );
        assert_eq!(details["samsungKnoxEnrollment"]["enabled"], true);
        assert_eq!(details["returnHardware"]["enabled"], true);
        assert!(details["appleDepId"].is_null(), "{details}");

        // Apple DEP: a service request; a second one while it is open is refused.
        let (status, summary) = post(
            &server,
            "/order/apple-dep",
            &token,
            json!({"orderId": order.to_string(), "referenceNumber": "DEP-1"}),
        )
        .await;
        assert_eq!(status, 200, "{summary}");
        assert_eq!(summary["operation"], "appleDep");
        assert_eq!(summary["referenceNumber"], "DEP-1");
        let dep = summary["id"].as_i64().unwrap();
        expect_error(
            &post(
                &server,
                "/order/apple-dep",
                &token,
                json!({"orderId": order}),
            )
            .await,
            400,
            "OPERATION_NOT_POSSIBLE",
        );
        assert_eq!(
            order_details(&server, &token, order).await["appleDepEnrollment"]["enabled"],
            false
        );
        let (status, knox) = post(
            &server,
            "/order/samsung-knox",
            &token,
            json!({"orderId": order}),
        )
        .await;
        assert_eq!(status, 200, "{knox}");
        assert_eq!(knox["operation"], "samsungKnox");
        let knox_request = knox["id"].as_i64().unwrap();
        until_closed(
            &server,
            &token,
            &format!("/track-and-trace/service-requests/{dep}"),
        )
        .await;
        until_closed(
            &server,
            &token,
            &format!("/track-and-trace/service-requests/{knox_request}"),
        )
        .await;
        let after = hardware(&server, &token, order).await;
        assert!(
            after
                .iter()
                .all(|h| h["apple"] == true && h["samsung"] == true),
            "{after:?}"
        );
        let details = order_details(&server, &token, order).await;
        assert_eq!(details["appleDepId"], dep_id.as_str(), "{details}");
        assert_eq!(details["samsungKnoxId"], knox_id.as_str(), "{details}");
        assert_eq!(details["appleDepEnrollment"]["enabled"], false);
        // Enrolled already: refused.
        expect_error(
            &post(
                &server,
                "/order/samsung-knox",
                &token,
                json!({"orderId": order}),
            )
            .await,
            400,
            "OPERATION_NOT_POSSIBLE",
        );

        // The debtor without ids: refused, naming the missing id.
        let subscriber = subscriber_of(&server, &token, &without.1).await;
        let bare = delivered_order(&server, &token, subscriber).await;
        let details = order_details(&server, &token, bare).await;
        assert_eq!(details["appleDepEnrollment"]["enabled"], false, "{details}");
        for (path, field) in [
            ("/order/apple-dep", "appleDepId"),
            ("/order/samsung-knox", "samsungKnoxId"),
        ] {
            let refused = post(&server, path, &token, json!({"orderId": bare})).await;
            expect_error(&refused, 400, "OPERATION_NOT_POSSIBLE");
            assert!(
                refused.1["message"].as_str().unwrap().contains(field),
                "{}",
                refused.1
            );
        }

        // Unknown, not a basket order, missing, another customer's.
        expect_error(
            &post(
                &server,
                "/order/apple-dep",
                &token,
                json!({"orderId": 424242}),
            )
            .await,
            404,
            "ORDER_NOT_FOUND",
        );
        expect_error(
            &post(&server, "/order/apple-dep", &token, json!({"orderId": dep})).await,
            404,
            "ORDER_NOT_FOUND",
        );
        expect_error(
            &post(&server, "/order/apple-dep", &token, json!({})).await,
            400,
            "bad_request",
        );
        let other = other_token(&server).await;
        expect_error(
            &post(
                &server,
                "/order/apple-dep",
                &other,
                json!({"orderId": order}),
            )
            .await,
            404,
            "ORDER_NOT_FOUND",
        );
    }
}

#[tokio::test]
async fn an_order_not_delivered_yet_is_not_enrolled_or_returned() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let debtors = debtors(&server, &token).await;
        let with = debtors
            .iter()
            .find(|(_, _, d)| d["debtor"]["appleDepId"].is_string())
            .unwrap();
        let subscriber = subscriber_of(&server, &token, &with.1).await;
        let (_, opened) = post(
            &server,
            "/contracting/basket",
            &token,
            json!({"accountGroupId": subscriber}),
        )
        .await;
        let session = opened["sessionId"].as_str().unwrap().to_owned();
        post(
            &server,
            &format!("/contracting/basket?sessionId={session}"),
            &token,
            json!({"productActions": [
                {"productId": "TreeNode_2001", "type": "PUT"},
                {"productId": "TreeNode_3001", "type": "PUT"}
            ]}),
        )
        .await;
        let (_, addresses) = get(&server, "/address/customer", &token).await;
        let (status, confirmation) = post(
            &server,
            &format!("/contracting/basket/order?sessionId={session}"),
            &token,
            json!({"addressId": addresses[0]["id"]}),
        )
        .await;
        assert_eq!(status, 200, "{confirmation}");
        let order = confirmation["orderId"].as_i64().unwrap();
        let refused = post(
            &server,
            "/order/apple-dep",
            &token,
            json!({"orderId": order}),
        )
        .await;
        expect_error(&refused, 400, "OPERATION_NOT_POSSIBLE");
        assert!(
            refused.1["message"]
                .as_str()
                .unwrap()
                .contains("not delivered")
        );
        let item = hardware(&server, &token, order).await[0]["contractItem"]["id"].clone();
        expect_error(
            &post(
                &server,
                "/order/return-hardware",
                &token,
                json!({"orderId": order, "hardwareToReturn": [item], "reason": "OTHER"}),
            )
            .await,
            400,
            "OPERATION_NOT_POSSIBLE",
        );
        assert_eq!(
            order_details(&server, &token, order).await["returnHardware"]["enabled"],
            false
        );
    }
}

async fn attachment(server: &TestServer, token: &str, request: i64, id: i64) -> reqwest::Response {
    server
        .send(
            reqwest::Method::GET,
            &format!("{BASE}/track-and-trace/service-requests/{request}/attachments/{id}"),
            token,
            None,
        )
        .await
}

#[tokio::test]
async fn returned_hardware_is_a_service_request_with_a_return_label() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let debtors = debtors(&server, &token).await;
        let subscriber = subscriber_of(&server, &token, &debtors[0].1).await;
        let order = delivered_order(&server, &token, subscriber).await;
        let pieces = hardware(&server, &token, order).await;
        let items: Vec<i64> = pieces
            .iter()
            .map(|h| h["contractItem"]["id"].as_i64().unwrap())
            .collect();
        assert_eq!(items.len(), 2);
        let names: Vec<String> = pieces
            .iter()
            .map(|h| h["product"]["name"].as_str().unwrap_or_default().to_owned())
            .collect();

        // Refused: items not of the order, no items, no or a bad reason, a bad e-mail.
        let body = |items: Value, reason: Value| {
            json!({"orderId": order, "hardwareToReturn": items, "reason": reason,
                   "email": "jan.devries@demoklant.nl", "remarks": "Scherm gebarsten"})
        };
        for bad in [
            body(json!([items[0], 424242]), json!("DEFECTIVE_ON_ARRIVAL")),
            body(json!([]), json!("OTHER")),
            body(json!([items[0], items[0]]), json!("OTHER")),
            body(json!(items), json!(null)),
            body(json!(items), json!("BROKEN")),
            json!({"orderId": order, "hardwareToReturn": items, "reason": "OTHER", "email": "jan at home"}),
        ] {
            let refused = post(&server, "/order/return-hardware", &token, bad.clone()).await;
            expect_error(&refused, 400, "bad_request");
        }
        let stranger = post(
            &server,
            "/order/return-hardware",
            &token,
            body(json!([items[0], 424242]), json!("OTHER")),
        )
        .await;
        assert!(
            stranger.1["message"]
                .as_str()
                .unwrap()
                .contains("hardwareToReturn")
        );
        assert!(stranger.1["message"].as_str().unwrap().contains("424242"));
        let other = other_token(&server).await;
        expect_error(
            &post(
                &server,
                "/order/return-hardware",
                &other,
                body(json!(items), json!("OTHER")),
            )
            .await,
            404,
            "ORDER_NOT_FOUND",
        );

        let (status, summary) = post(
            &server,
            "/order/return-hardware",
            &token,
            json!({"orderId": order, "hardwareToReturn": items.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
                   "reason": "DEFECTIVE_ON_ARRIVAL", "remarks": "Scherm gebarsten",
                   "email": "jan.devries@demoklant.nl", "referenceNumber": "RMA-7"}),
        )
        .await;
        assert_eq!(status, 200, "{summary}");
        assert_eq!(summary["operation"], "returnHardware");
        let request = summary["id"].as_i64().unwrap();
        // The items are returned at once; a second return of them is refused.
        assert!(
            hardware(&server, &token, order)
                .await
                .iter()
                .all(|h| h["returned"] == true)
        );
        assert_eq!(
            order_details(&server, &token, order).await["returnHardware"]["enabled"],
            false
        );
        expect_error(
            &post(
                &server,
                "/order/return-hardware",
                &token,
                body(json!([items[1]]), json!("OTHER")),
            )
            .await,
            400,
            "OPERATION_NOT_POSSIBLE",
        );

        // Listed among the service requests and the returns.
        let (_, requests) = get(&server, "/track-and-trace/service-requests?to=100", &token).await;
        assert!(
            requests["result"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == request),
            "{requests}"
        );
        let (status, returns) = get(
            &server,
            "/track-and-trace/returned-hardware-service-requests",
            &token,
        )
        .await;
        assert_eq!(status, 200, "{returns}");
        let listed = returns["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == request)
            .unwrap_or_else(|| panic!("{returns}"))
            .clone();
        assert_eq!(listed["parentOrderSymbol"], order.to_string());
        assert_eq!(listed["kpnReference"], format!("KPN-{request}"));
        let mut products: Vec<String> = listed["returnedHardware"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                assert_eq!(h["multiplicity"], 1);
                h["product"].as_str().unwrap().to_owned()
            })
            .collect();
        products.sort();
        let mut expected = names.clone();
        expected.sort();
        assert_eq!(products, expected);
        assert!(listed["requestBy"]["accountName"].is_string());
        let in_progress = returns["total"].as_i64().unwrap();
        let (_, closed) = get(
            &server,
            "/track-and-trace/returned-hardware-service-requests?status=CLOSED&to=0",
            &token,
        )
        .await;
        let (_, open) = get(
            &server,
            "/track-and-trace/returned-hardware-service-requests?status=IN_PROGRESS&status=NEW",
            &token,
        )
        .await;
        assert!(
            open["result"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == request),
            "{open}"
        );
        assert!(closed["total"].as_i64().unwrap() < in_progress + 1);
        let (_, none) = get(
            &server,
            "/track-and-trace/returned-hardware-service-requests?patterns=zzzz-none",
            &token,
        )
        .await;
        assert_eq!(none["total"], 0);
        expect_error(
            &get(
                &server,
                "/track-and-trace/returned-hardware-service-requests?status=LOST",
                &token,
            )
            .await,
            400,
            "bad_request",
        );
        let (_, theirs) = get(
            &server,
            "/track-and-trace/returned-hardware-service-requests",
            &other,
        )
        .await;
        assert!(
            !theirs["result"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == request)
        );

        // Its return label: listed in the details, downloaded as a PDF.
        let (_, details) = get(
            &server,
            &format!("/track-and-trace/service-requests/{request}"),
            &token,
        )
        .await;
        let attachments = details["attachments"].as_array().unwrap().clone();
        assert_eq!(attachments.len(), 1, "{details}");
        let label = attachments[0]["id"].as_i64().unwrap();
        let file_name = attachments[0]["fileName"].as_str().unwrap().to_owned();
        assert!(file_name.ends_with(".pdf"), "{file_name}");
        // As the spec says, a JSON object (the file in base64) …
        let response = attachment(&server, &token, request, label).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        let file: Value = response.json().await.unwrap();
        assert_eq!(file["fileName"], file_name.as_str(), "{file}");
        assert_eq!(file["contentType"], "application/pdf");
        use base64::Engine;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(file["content"].as_str().unwrap())
            .unwrap();
        // … and the file itself when the client asks for a PDF.
        let response = server
            .http
            .get(server.url(&format!(
                "{BASE}/track-and-trace/service-requests/{request}/attachments/{label}"
            )))
            .bearer_auth(&token)
            .header("accept", "application/pdf")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains(&file_name)
        );
        let raw = response.bytes().await.unwrap();
        assert_eq!(raw.as_ref(), decoded.as_slice());
        let text = pdf_text(&raw);
        assert!(text.contains(&request.to_string()), "{text}");
        assert!(text.contains("DEFECTIVE_ON_ARRIVAL"), "{text}");
        for item in &items {
            assert!(text.contains(&format!("Item {item}")), "{text}");
        }
        for name in &names {
            assert!(text.contains(name.as_str()), "{name} in {text}");
        }
        // An unknown attachment, another request's, another customer's.
        let unknown = get(
            &server,
            &format!("/track-and-trace/service-requests/{request}/attachments/424242"),
            &token,
        )
        .await;
        assert_eq!(unknown.0, 404, "{}", unknown.1);
        let (_, others) = get(&server, "/track-and-trace/service-requests?to=100", &token).await;
        let elsewhere = others["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] != request)
            .map(|r| r["id"].as_i64().unwrap())
            .unwrap();
        assert_eq!(
            attachment(&server, &token, elsewhere, label).await.status(),
            404
        );
        assert_eq!(
            attachment(&server, &other, request, label).await.status(),
            404
        );

        // It closes on the clock, the items stay returned.
        until_closed(
            &server,
            &token,
            &format!("/track-and-trace/service-requests/{request}"),
        )
        .await;
        assert!(
            hardware(&server, &token, order)
                .await
                .iter()
                .all(|h| h["returned"] == true)
        );
    }
}
