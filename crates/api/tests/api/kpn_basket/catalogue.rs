//! Tenant isolation of baskets and templates; the catalogue's reads, free numbers, hardware
//! delivery and a cancelled basket order.

use serde_json::json;

use super::*;
use crate::harness::TestServer;
use crate::kpn_harness::{expect_error, get, kpn_client_for, kpn_token, kpn_token_for, post};

#[tokio::test]
async fn another_customers_or_callers_baskets_and_templates_are_invisible() {
    // On SQLite and, with SENTRAL_TEST_DATABASE_URL, PostgreSQL: isolation is in the SQL.
    for server in TestServer::every_backend().await {
        baskets_and_templates_are_isolated(&server).await;
        server.stop().await;
    }
}

async fn baskets_and_templates_are_isolated(server: &TestServer) {
    let token = kpn_token(server).await;
    let employee = subscriber(server, &token, "1036").await;
    let session = change(server, &token, None, json!({"accountGroupId": employee})).await;
    let (_, templates) = get(server, "/contracting/templates?groupId=0", &token).await;
    expect_error(&(404, templates), 404, "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND");
    let (customer, _, _) = places(server, &token).await;
    let (_, listed) = get(
        server,
        &format!("/contracting/templates?groupId={customer}"),
        &token,
    )
    .await;
    let template = listed[0]["id"].as_i64().unwrap();

    let (client, secret, _) = kpn_client_for(server, "NL70427135", "Frozen fleet").await;
    let frozen = kpn_token_for(server, &client, &secret).await;
    let probe = get(
        server,
        &format!("/contracting/basket?sessionId={session}"),
        &frozen,
    )
    .await;
    expect_error(&probe, 404, "CONTEXT_OBJECT_NOT_FOUND");
    let probe = get(
        server,
        &format!("/contracting/templates/{template}"),
        &frozen,
    )
    .await;
    expect_error(&probe, 404, "CONTEXT_OBJECT_NOT_FOUND");
    let (_, offered) = get(server, "/contracting/basket/templates", &frozen).await;
    assert_eq!(offered["total"], 0, "{offered}");
    let blocked = post(server, "/contracting/basket", &frozen, json!({})).await;
    expect_error(&blocked, 403, "ORDERING_IS_BLOCKED_FOR_CUSTOMER");
    // The frozen customer's own numbers, not the demo customer's.
    let (_, free) = get(server, "/contracting/basket/resources?prefix=3163", &frozen).await;
    assert_eq!(free.as_array().unwrap().len(), 10, "{free}");
    let (_, none) = get(server, "/contracting/basket/resources?prefix=3162", &frozen).await;
    assert!(none.as_array().unwrap().is_empty(), "{none}");
    // The demo caller cannot open a basket on the frozen customer's items.
    let (_, roots) = get(server, "/hierarchy/children?includeCustomer=true", &frozen).await;
    let frozen_root = roots["result"][0]["id"].as_i64().unwrap();
    let probe = post(
        server,
        "/contracting/basket",
        &token,
        json!({"accountGroupId": frozen_root}),
    )
    .await;
    expect_error(&probe, 404, "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND");
    let probe = post(
        server,
        "/contracting/basket",
        &token,
        json!({"accountGroupId": customer}),
    )
    .await;
    expect_error(&probe, 400, "WRONG_GROUP_TYPE");

    // Another application of the same customer has its own sessions.
    let (client, secret, app) = kpn_client_for(server, "NL69599084", "Second connector").await;
    let second = kpn_token_for(server, &client, &secret).await;
    let probe = get(
        server,
        &format!("/contracting/basket?sessionId={session}"),
        &second,
    )
    .await;
    expect_error(&probe, 404, "CONTEXT_OBJECT_NOT_FOUND");
    expect_error(
        &get(server, "/contracting/basket", &second).await,
        404,
        "CONTEXT_OBJECT_NOT_FOUND",
    );
    // Ordering without portfolio management: no templates to manage or save.
    server
        .platform
        .set_kpn_privileges(
            &app,
            &[sentral_domain::kpn::Privilege::UnauthorizedOrdersCreation],
        )
        .await
        .unwrap();
    let second = kpn_token_for(server, &client, &secret).await;
    let denied = get(
        server,
        &format!("/contracting/templates?groupId={customer}"),
        &second,
    )
    .await;
    expect_error(&denied, 403, "FORBIDDEN_FOR_USER");
    let own = change(server, &second, None, json!({"accountGroupId": employee})).await;
    change(server, &second, Some(&own), put("TreeNode_2001")).await;
    let denied = post(
        server,
        &format!("/contracting/basket/save-as-template?sessionId={own}"),
        &second,
        json!({"name": "Mine"}),
    )
    .await;
    expect_error(&denied, 403, "FORBIDDEN_FOR_USER");
}

#[tokio::test]
async fn the_catalogue_resources_hardware_delivery_and_a_cancelled_order() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let (status, found) = get(
            &server,
            "/contracting/basket/main-products?category=HARDWARE&filters=PRODUCT_NAME:%22iphone%2015%20pro%22&sortBy=PRICE_IN_CENTS&to=100",
            &token,
        )
        .await;
        assert_eq!(status, 200, "{found}");
        // iPhone 15 Pro: 4 capacities × 3 colours; Pro Max: 3 × 3; and the Pro's case.
        assert_eq!(found["total"], 22, "{found}");
        let prices: Vec<i64> = found["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["priceInCents"].as_i64().unwrap())
            .collect();
        assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
        assert_eq!(
            found["result"][0]["subcategory"],
            "additional mobile hardware"
        );
        assert_eq!(found["result"][1]["subcategory"], "handsets");
        assert!(
            found["result"][1]["privateCopyingLevyInCents"]
                .as_i64()
                .unwrap()
                > 0
        );
        let (_, mobile) = get(
            &server,
            "/contracting/basket/main-products?category=MOBILE",
            &token,
        )
        .await;
        assert_eq!(mobile["total"], 3, "{mobile}");
        let (_, sims) = get(
            &server,
            "/contracting/basket/main-products?category=SIM%20CARDS&to=0",
            &token,
        )
        .await;
        assert_eq!(sims["total"], 3);
        assert!(sims["result"].as_array().unwrap().is_empty());
        for bad in [
            "category=PHONES",
            "sortBy=COLOUR",
            "filters=COLOUR:%22red%22",
            "order=UP",
        ] {
            let refused = get(
                &server,
                &format!("/contracting/basket/main-products?{bad}"),
                &token,
            )
            .await;
            expect_error(&refused, 400, "bad_request");
        }
        let (_, categories) = get(&server, "/contracting/categories", &token).await;
        assert_eq!(categories, json!(["mobile", "hardware"]));
        let (_, hardware) = get(&server, "/contracting/hardware/categories", &token).await;
        assert_eq!(
            hardware,
            json!(["handsets", "additional mobile hardware", "sim cards"])
        );
        let (_, free) = get(
            &server,
            "/contracting/basket/resources?prefix=06200&limit=5",
            &token,
        )
        .await;
        let free: Vec<String> = free
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["address"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(free.len(), 5);
        assert!(free.iter().all(|n| n.starts_with("316200")), "{free:?}");
        expect_error(
            &get(&server, "/contracting/basket/resources", &token).await,
            400,
            "bad_request",
        );

        // A phone with a handset is delivered: an address is needed.
        let employee = subscriber(&server, &token, "1039").await;
        let session = change(&server, &token, None, json!({"accountGroupId": employee})).await;
        change(
            &server,
            &token,
            Some(&session),
            json!({"productActions": [
                {"productId": "TreeNode_2001", "type": "PUT"},
                {"productId": "TreeNode_3001", "type": "PUT", "amount": "2"}
            ]}),
        )
        .await;
        let snapshot = basket(&server, &token, &session).await;
        let handset = node(&snapshot["productTree"], "TreeNode_3001").unwrap();
        assert_eq!(handset["amount"], 2);
        let fee = handset["price"]["oneTime"]["hardwareFeeInCents"]
            .as_i64()
            .unwrap();
        let levy = handset["price"]["oneTime"]["privateCopyingLevyInCents"]
            .as_i64()
            .unwrap();
        assert_eq!(price(&snapshot, "totalPrice").0, 2500 + 2 * (fee + levy));
        let too_many = post(
            &server,
            &format!("/contracting/basket?sessionId={session}"),
            &token,
            json!({"productActions": [{"productId": "TreeNode_2101", "type": "PUT", "amount": 2}]}),
        )
        .await;
        expect_error(&too_many, 400, "bad_request");
        assert!(
            too_many.1["message"]
                .as_str()
                .unwrap()
                .contains("productActions[0].amount")
        );
        let unknown = post(
            &server,
            &format!("/contracting/basket?sessionId={session}"),
            &token,
            put("TreeNode_999999"),
        )
        .await;
        expect_error(&unknown, 400, "bad_request");
        assert!(
            unknown.1["message"]
                .as_str()
                .unwrap()
                .contains("productActions[0].productId")
        );
        let undelivered = order(&server, &token, &session, json!({})).await;
        expect_error(&undelivered, 400, "bad_request");
        assert!(
            undelivered.1["message"]
                .as_str()
                .unwrap()
                .contains("address")
        );
        let (_, addresses) = get(&server, "/address/customer", &token).await;
        let address = addresses[0]["id"].as_i64().unwrap();
        let (status, confirmation) =
            order(&server, &token, &session, json!({"addressId": address})).await;
        assert_eq!(status, 200, "{confirmation}");
        let order_id = confirmation["orderId"].as_i64().unwrap();
        let ordered = contracts_of(&server, &token, employee).await;
        assert_eq!(ordered.len(), 1);
        let msisdn = ordered[0]["mobileNumber"].as_str().unwrap().to_owned();

        // Cancelled: no ORDERED contract is left, and its number is free again.
        let (status, _) = post(
            &server,
            &format!("/track-and-trace/orders/{order_id}/cancel?note=wrong%20phone"),
            &token,
            json!({}),
        )
        .await;
        assert_eq!(status, 200);
        assert!(contracts_of(&server, &token, employee).await.is_empty());
        let (_, free) = get(
            &server,
            "/contracting/basket/resources?prefix=3162000&limit=100",
            &token,
        )
        .await;
        assert!(
            free.as_array()
                .unwrap()
                .iter()
                .any(|r| r["address"] == msisdn.as_str())
        );
        server.advance_clock(120).await;
        let (_, cancelled) = get(
            &server,
            &format!("/track-and-trace/orders/{order_id}"),
            &token,
        )
        .await;
        assert_eq!(cancelled["status"], "CANCELED", "{cancelled}");
        assert!(contracts_of(&server, &token, employee).await.is_empty());
        server.stop().await;
    }
}
