//! KPN fixed-mobile: the numbers a mobile or fixed contract could be combined with
//! (`/contract/id/{id}/vamo/…`, each with whether it can be now), the separation of a
//! FIXED_MOBILE contract into a mobile and a fixed contract (an order), its operation flags,
//! its errors, another customer's contracts not found; on every backend.

use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::kpn_harness::{expect_error, get, kpn_client_for, kpn_token, kpn_token_for, post};

async fn page(server: &TestServer, path: &str, token: &str) -> Value {
    let (status, page) = get(server, path, token).await;
    assert_eq!(status, 200, "{path}: {page}");
    page
}

async fn of_category(server: &TestServer, token: &str, category: &str) -> Vec<Value> {
    page(
        server,
        &format!("/contract/all?category={category}&to=100"),
        token,
    )
    .await["result"]
        .as_array()
        .unwrap()
        .clone()
}

fn id(contract: &Value) -> i64 {
    contract["id"].as_i64().unwrap()
}

#[tokio::test]
async fn the_numbers_to_combine_with_are_listed_with_whether_they_can_be() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let mobile = of_category(&server, &token, "MOBILE").await;
        let fixed = of_category(&server, &token, "FIXED").await;
        assert_eq!(
            mobile.len(),
            35,
            "the demo's mobile contracts are unchanged"
        );
        assert_eq!(fixed.len(), 4);
        assert!(
            fixed[0]["fixedNumber"]
                .as_str()
                .unwrap()
                .starts_with("3120")
        );

        // A mobile contract: the fixed lines, each combinable now.
        let path = format!("/contract/id/{}/vamo/fixed-numbers", id(&mobile[0]));
        let lines = page(&server, &path, &token).await;
        assert_eq!(lines["total"], 4, "{lines}");
        let first = &lines["result"][0];
        assert_eq!(first["id"], fixed[0]["id"]);
        assert_eq!(first["fixedNumber"], fixed[0]["fixedNumber"]);
        assert!(first["lastName"].is_string(), "{first}");
        assert_eq!(first["operation"]["blocked"], false, "{first}");
        let number = fixed[1]["fixedNumber"].as_str().unwrap();
        let filtered = page(
            &server,
            &format!("{path}?filters=FIXED_NUMBER:%22{number}%22"),
            &token,
        )
        .await;
        assert_eq!(filtered["total"], 1, "{filtered}");
        assert_eq!(filtered["result"][0]["fixedNumber"], number);
        let paged = page(
            &server,
            &format!("{path}?from=1&to=2&sortBy=FIXED_NUMBER&order=DESC"),
            &token,
        )
        .await;
        assert_eq!(paged["total"], 4);
        assert_eq!(paged["result"].as_array().unwrap().len(), 1);
        let imei = get(&server, &format!("{path}?filters=IMEI:%221%22"), &token).await;
        expect_error(&imei, 400, "bad_request");

        // A fixed line: the mobile contracts.
        let path = format!("/contract/id/{}/vamo/mobile-numbers", id(&fixed[0]));
        let numbers = page(&server, &format!("{path}?to=100"), &token).await;
        assert_eq!(numbers["total"], 35, "{numbers}");
        // The blocked one cannot be combined now, nor one with an open order (the demo's).
        for candidate in numbers["result"].as_array().unwrap() {
            let open = !candidate["operation"]["blockingOrders"]
                .as_array()
                .unwrap()
                .is_empty();
            let reason = candidate["operation"]["reason"]
                .as_str()
                .unwrap_or_default();
            let is_blocked = reason.contains("is BLOCKED");
            assert_eq!(
                candidate["operation"]["blocked"],
                open || is_blocked,
                "{candidate}"
            );
            if open {
                assert!(reason.contains("open order"), "{candidate}");
            }
        }
        let blocked_sim = numbers["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| {
                c["operation"]["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("is BLOCKED"))
            })
            .count();
        assert_eq!(blocked_sim, 1, "{numbers}");

        // Asked of the wrong category, or of no contract.
        let wrong = get(
            &server,
            &format!("/contract/id/{}/vamo/fixed-numbers", id(&fixed[0])),
            &token,
        )
        .await;
        expect_error(&wrong, 400, "OPERATION_NOT_POSSIBLE");
        let none = get(&server, "/contract/id/99999999/vamo/mobile-numbers", &token).await;
        expect_error(&none, 404, "CONTRACT_NOT_FOUND");
        let bad = get(&server, "/contract/id/one/vamo/mobile-numbers", &token).await;
        expect_error(&bad, 400, "bad_request");
        server.stop().await;
    }
}

async fn operations(server: &TestServer, token: &str, contract: i64) -> Value {
    page(
        server,
        &format!("/order/operations?contractId={contract}"),
        token,
    )
    .await
}

#[tokio::test]
async fn a_fixed_mobile_contract_is_separated_into_a_mobile_and_a_fixed_contract() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let integrations = of_category(&server, &token, "FIXED_MOBILE").await;
        assert_eq!(integrations.len(), 2);
        let contract = id(&integrations[0]);
        let fixed_number = integrations[0]["fixedNumber"].as_str().unwrap().to_owned();
        let mobile_number = integrations[0]["mobileNumber"].as_str().unwrap().to_owned();
        let (_, overview) = get(&server, "/contract/overview", &token).await;
        assert_eq!(overview["fixed_mobile"], 2, "{overview}");
        assert_eq!(overview["fixed"], 4, "{overview}");

        let ops = operations(&server, &token, contract).await;
        assert_eq!(ops["separateFixedMobile"]["enabled"], true, "{ops}");
        assert_eq!(ops["separateFixedMobile"]["visible"], true, "{ops}");
        let mobile = id(&of_category(&server, &token, "MOBILE").await[0]);
        let ops = operations(&server, &token, mobile).await;
        assert_eq!(ops["separateFixedMobile"]["visible"], false, "{ops}");
        assert_eq!(ops["combineFixedMobile"]["visible"], true, "{ops}");
        assert_eq!(ops["combineFixedMobile"]["enabled"], false, "{ops}");

        // Only a FIXED_MOBILE contract is separated.
        let not_combined = post(
            &server,
            "/contracting/separate-fixed-mobile",
            &token,
            json!({"contractId": mobile}),
        )
        .await;
        expect_error(&not_combined, 400, "OPERATION_NOT_POSSIBLE");
        let missing = post(
            &server,
            "/contracting/separate-fixed-mobile",
            &token,
            json!({}),
        )
        .await;
        expect_error(&missing, 400, "bad_request");
        assert!(
            missing.1["message"]
                .as_str()
                .unwrap()
                .contains("contractId")
        );
        let unknown = post(
            &server,
            "/contracting/separate-fixed-mobile",
            &token,
            json!({"contractId": 99_999_999}),
        )
        .await;
        expect_error(&unknown, 404, "CONTRACT_NOT_FOUND");
        let long = post(
            &server,
            "/contracting/separate-fixed-mobile",
            &token,
            json!({"contractId": contract, "referenceNumber": "R".repeat(26)}),
        )
        .await;
        expect_error(&long, 400, "bad_request");

        // The order: OrderConfirmation, tracked, one at a time.
        let (status, confirmation) = post(
            &server,
            "/contracting/separate-fixed-mobile",
            &token,
            json!({"contractId": contract.to_string(), "referenceNumber": "SPLIT-1"}),
        )
        .await;
        assert_eq!(status, 200, "{confirmation}");
        let order = confirmation["orderId"].as_i64().expect("orderId");
        assert_eq!(confirmation.as_object().unwrap().len(), 1, "{confirmation}");
        let (status, tracked) =
            get(&server, &format!("/track-and-trace/orders/{order}"), &token).await;
        assert_eq!(status, 200, "{tracked}");
        assert_eq!(tracked["customerReference"], "SPLIT-1", "{tracked}");
        let twice = post(
            &server,
            "/contracting/separate-fixed-mobile",
            &token,
            json!({"contractId": contract}),
        )
        .await;
        expect_error(&twice, 400, "OPERATION_NOT_POSSIBLE");
        let ops = operations(&server, &token, contract).await;
        assert_eq!(ops["separateFixedMobile"]["enabled"], false, "{ops}");
        assert_eq!(ops["separateFixedMobile"]["blockingOrders"][0]["id"], order);

        // Finished: the contract is the mobile part, its fixed number a new FIXED contract.
        server.advance_clock(61).await;
        let (_, tracked) = get(&server, &format!("/track-and-trace/orders/{order}"), &token).await;
        assert_eq!(tracked["status"], "CLOSED", "{tracked}");
        let (_, overview) = get(&server, "/contract/overview", &token).await;
        assert_eq!(overview["fixed_mobile"], 1, "{overview}");
        assert_eq!(overview["fixed"], 5, "{overview}");
        assert_eq!(overview["mobile"], 36, "{overview}");
        let mobile_part = of_category(&server, &token, "MOBILE").await;
        let part = mobile_part
            .iter()
            .find(|c| id(c) == contract)
            .expect("the contract is a mobile one");
        assert_eq!(part["mobileNumber"], mobile_number.as_str());
        assert!(part.get("fixedNumber").is_none(), "{part}");
        let fixed_part = of_category(&server, &token, "FIXED").await;
        let line = fixed_part
            .iter()
            .find(|c| c["fixedNumber"] == fixed_number.as_str())
            .expect("a fixed contract with the fixed number");
        assert_eq!(line["lastName"], part["lastName"], "the same holder");
        assert_eq!(line["state"], "ACTIVE");
        let again = post(
            &server,
            "/contracting/separate-fixed-mobile",
            &token,
            json!({"contractId": contract}),
        )
        .await;
        expect_error(&again, 400, "OPERATION_NOT_POSSIBLE");
        server.stop().await;
    }
}

#[tokio::test]
async fn another_customer_cannot_separate_or_list_them_and_a_frozen_one_orders_nothing() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let contract = id(&of_category(&server, &token, "FIXED_MOBILE").await[0]);
        let mobile = id(&of_category(&server, &token, "MOBILE").await[0]);
        let (client, secret, _) = kpn_client_for(&server, "930000000", "Other fleet").await;
        let other = kpn_token_for(&server, &client, &secret).await;
        let separated = post(
            &server,
            "/contracting/separate-fixed-mobile",
            &other,
            json!({"contractId": contract}),
        )
        .await;
        expect_error(&separated, 404, "CONTRACT_NOT_FOUND");
        let listed = get(
            &server,
            &format!("/contract/id/{mobile}/vamo/fixed-numbers"),
            &other,
        )
        .await;
        expect_error(&listed, 404, "CONTRACT_NOT_FOUND");

        let (client, secret, _) = kpn_client_for(&server, "NL70427135", "Frozen fleet").await;
        let frozen = kpn_token_for(&server, &client, &secret).await;
        let refused = post(
            &server,
            "/contracting/separate-fixed-mobile",
            &frozen,
            json!({"contractId": contract}),
        )
        .await;
        expect_error(&refused, 403, "ORDERING_IS_BLOCKED_FOR_CUSTOMER");
        // Nothing happened to ours.
        let ops = operations(&server, &token, contract).await;
        assert_eq!(ops["separateFixedMobile"]["enabled"], true, "{ops}");
        server.stop().await;
    }
}
