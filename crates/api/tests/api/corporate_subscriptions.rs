//! Mobile subscriptions, agreements and orders that complete by the clock.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestServer, expect_telenor_error};

const SEARCH: &str = "/corporate-mobile-subscriptions/v2/mobile-subscriptions";
const SUBSCRIPTION_ORDERS: &str = "/corporate-mobile-subscriptions/v2/orders";
const AGREEMENT_ORDERS: &str = "/corporate-agreements/v2/orders";

async fn json_of(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 200, "status");
    response.json().await.unwrap()
}

#[tokio::test]
async fn search_needs_a_criterion_and_pages_the_results() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let none = expect_telenor_error(server.get(SEARCH, &token).await, 400, 40000).await;
    assert!(none["detail"].as_str().unwrap().contains("at least one"));
    let both = expect_telenor_error(
        server
            .get(
                &format!("{SEARCH}?productId=300102&since=2020-01-01"),
                &token,
            )
            .await,
        400,
        40000,
    )
    .await;
    assert!(
        both["detail"]
            .as_str()
            .unwrap()
            .contains("productId and since")
    );
    for bad in [
        "productId=abc",
        "since=yesterday",
        "status=GONE",
        "ascending=maybe",
    ] {
        expect_telenor_error(
            server
                .get(
                    &format!("{SEARCH}?organizationNumber=930000000&{bad}"),
                    &token,
                )
                .await,
            400,
            40000,
        )
        .await;
    }

    let page = json_of(
        server
            .get(
                &format!("{SEARCH}?organizationNumber=930000000&pageSize=10"),
                &token,
            )
            .await,
    )
    .await;
    assert_eq!(page["totalElements"], 48);
    assert_eq!(page["totalPages"], 5);
    assert_eq!(page["content"][0]["msisdn"], "4791000001");
    // A listed subscription is the subscription's own body without what only it shows.
    for listed in page["content"].as_array().unwrap() {
        let msisdn = listed["msisdn"].as_str().unwrap();
        let mut one = json_of(server.get(&format!("{SEARCH}/{msisdn}"), &token).await).await;
        let fields = one.as_object_mut().unwrap();
        for only_one in [
            "subscriptionTypeId",
            "user",
            "simCard",
            "products",
            "activatedAt",
        ] {
            assert!(fields.remove(only_one).is_some(), "{only_one}");
        }
        assert_eq!(listed, &one);
        assert!(!listed["subscriptionType"].as_str().unwrap().is_empty());
    }
    let descending = json_of(
        server
            .get(
                &format!("{SEARCH}?organizationNumber=930000000&ascending=false&pageSize=1"),
                &token,
            )
            .await,
    )
    .await;
    assert_eq!(descending["content"][0]["msisdn"], "4791000048");

    let with_product = json_of(
        server
            .get(&format!("{SEARCH}?productId=300102"), &token)
            .await,
    )
    .await;
    let total = with_product["totalElements"].as_i64().unwrap();
    assert!(total > 0 && total < 60, "{total}");
    let by_reference = json_of(
        server
            .get(&format!("{SEARCH}?userReference=kari"), &token)
            .await,
    )
    .await;
    assert!(by_reference["content"].as_array().unwrap().iter().all(|s| {
        s["userReference1"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("kari")
    }));
    let account = json_of(
        server
            .get(&format!("{SEARCH}?accountId=10000001"), &token)
            .await,
    )
    .await;
    assert!(account["totalElements"].as_i64().unwrap() > 0);
    server.stop().await;
}

#[tokio::test]
async fn a_subscription_shows_more_than_the_list_and_unknown_numbers_are_not_granted() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let one = json_of(server.get(&format!("{SEARCH}/91000001"), &token).await).await;
    assert_eq!(one["msisdn"], "4791000001");
    assert_eq!(one["user"]["firstName"], "Kari");
    assert!(
        one["simCard"]["iccid"]
            .as_str()
            .unwrap()
            .starts_with("8947")
    );
    let products = one["products"].as_array().unwrap();
    assert!(
        products
            .iter()
            .any(|p| p["productId"] == 300101 && p["removable"] == false)
    );
    expect_telenor_error(
        server.get(&format!("{SEARCH}/99999999"), &token).await,
        401,
        40104,
    )
    .await;
    expect_telenor_error(
        server.get(&format!("{SEARCH}/12"), &token).await,
        400,
        40000,
    )
    .await;
    let too_long = json!({"userReference1": "x".repeat(51)});
    expect_telenor_error(
        server
            .send(
                Method::PUT,
                "/corporate-mobile-subscriptions/v2/91000001/user-references",
                &token,
                Some(too_long),
            )
            .await,
        400,
        400033,
    )
    .await;
    expect_telenor_error(
        server
            .send(
                Method::PUT,
                "/corporate-mobile-subscriptions/v2/91000001/user-references",
                &token,
                Some(json!({"userReference1": 5})),
            )
            .await,
        400,
        40000,
    )
    .await;
    server.stop().await;
}

/// ADD_PRODUCT completes after a minute, REMOVE_PRODUCT within seconds; the effect shows when
/// the order does.
#[tokio::test]
async fn subscription_orders_complete_by_the_clock() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let path = format!("{SEARCH}/91000002");
        let before = json_of(server.get(&path, &token).await).await;
        let has = |subscription: &Value, id: i64| {
            subscription["products"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["productId"] == id)
        };
        let add_on = [300102, 300103, 300104, 300106, 300107]
            .into_iter()
            .find(|id| !has(&before, *id))
            .expect("an add-on the subscription lacks");
        let order = json_of(
            server
                .send(
                    Method::POST,
                    SUBSCRIPTION_ORDERS,
                    &token,
                    Some(json!({"type": "ADD_PRODUCT", "msisdn": "91000002", "productId": add_on})),
                )
                .await,
        )
        .await;
        assert_eq!(order["status"], "IN_PROGRESS", "{}", server.name);
        let id = order["orderId"].as_str().unwrap().to_owned();
        let again = server
            .send(
                Method::POST,
                SUBSCRIPTION_ORDERS,
                &token,
                Some(json!({"type": "ADD_PRODUCT", "msisdn": "91000002", "productId": add_on})),
            )
            .await;
        expect_telenor_error(again, 409, 40901).await;
        assert!(!has(
            &json_of(server.get(&path, &token).await).await,
            add_on
        ));

        server.advance_clock(60).await;
        let done = json_of(
            server
                .get(&format!("{SUBSCRIPTION_ORDERS}/{id}"), &token)
                .await,
        )
        .await;
        assert_eq!(done["status"], "COMPLETED");
        assert!(done["completedAt"].is_string());
        assert!(has(&json_of(server.get(&path, &token).await).await, add_on));

        let removal = json_of(
            server
                .send(
                    Method::POST,
                    SUBSCRIPTION_ORDERS,
                    &token,
                    Some(json!({"type": "REMOVE_PRODUCT", "msisdn": "4791000002", "productId": add_on.to_string()})),
                )
                .await,
        )
        .await;
        server.advance_clock(5).await;
        let removed = json_of(
            server
                .get(
                    &format!(
                        "{SUBSCRIPTION_ORDERS}/{}",
                        removal["orderId"].as_str().unwrap()
                    ),
                    &token,
                )
                .await,
        )
        .await;
        assert_eq!(removed["status"], "COMPLETED");
        assert!(!has(
            &json_of(server.get(&path, &token).await).await,
            add_on
        ));
        server.stop().await;
    }
}

#[tokio::test]
async fn subscription_orders_are_checked() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let order = |body: Value| server.send(Method::POST, SUBSCRIPTION_ORDERS, &token, Some(body));
    let cannot = expect_telenor_error(
        order(json!({"type": "REMOVE_PRODUCT", "msisdn": "91000003", "productId": 300101})).await,
        400,
        40000,
    )
    .await;
    assert!(
        cannot["detail"]
            .as_str()
            .unwrap()
            .contains("cannot be removed"),
        "{cannot}"
    );
    for (body, field) in [
        (
            json!({"type": "UPGRADE", "msisdn": "91000003", "productId": 300102}),
            "type",
        ),
        (
            json!({"type": "ADD_PRODUCT", "msisdn": "91000003", "productId": 100101}),
            "productId",
        ),
        (
            json!({"type": "ADD_PRODUCT", "productId": 300102}),
            "msisdn",
        ),
        (
            json!({"type": "ADD_PRODUCT", "msisdn": "91000003"}),
            "productId",
        ),
    ] {
        let error = expect_telenor_error(order(body).await, 400, 40000).await;
        assert!(error["detail"].as_str().unwrap().contains(field), "{error}");
    }
    expect_telenor_error(
        order(json!({"type": "ADD_PRODUCT", "msisdn": "99999999", "productId": 300102})).await,
        401,
        40104,
    )
    .await;
    expect_telenor_error(order(json!({})).await, 400, 400036).await;
    expect_telenor_error(
        server
            .get(&format!("{SUBSCRIPTION_ORDERS}/123"), &token)
            .await,
        404,
        40402,
    )
    .await;
    expect_telenor_error(
        server
            .get(&format!("{SUBSCRIPTION_ORDERS}/x1"), &token)
            .await,
        400,
        40000,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn agreement_products_and_orders() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let agreements = json_of(
            server
                .get("/corporate-agreements/v2/agreements", &token)
                .await,
        )
        .await;
        assert_eq!(agreements[0]["id"], "10000001", "{}", server.name);
        assert_eq!(agreements[0]["category"], "Mobilt Bedriftsnett avtale");
        assert_eq!(agreements[0]["owner"]["organizationNumber"], "930000000");
        let products_path = "/corporate-agreements/v2/agreements/10000001/products";
        let products = json_of(server.get(products_path, &token).await).await;
        let ordered = products[0]["ordered"].as_array().unwrap().len();
        assert!(ordered >= 1);
        assert!(
            products[0]["available"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["id"] == 404333)
        );

        let order = json_of(
            server
                .send(
                    Method::POST,
                    AGREEMENT_ORDERS,
                    &token,
                    Some(json!({
                        "type": "ADD_PRODUCT",
                        "agreementId": "10000001",
                        "productOfferId": 404333,
                        "billingAccountId": "10000001",
                        "configurations": [
                            {"id": "queueName", "value": "Support"},
                            {"id": "queueNumber", "value": "22990100"}
                        ]
                    })),
                )
                .await,
        )
        .await;
        let product_id = order["productId"].as_i64().unwrap();
        let products = json_of(server.get(products_path, &token).await).await;
        let new = products[0]["ordered"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == product_id)
            .cloned()
            .unwrap();
        assert_eq!(new["status"], "ORDERED");
        assert_eq!(new["name"], "Support");
        server.advance_clock(120).await;
        let products = json_of(server.get(products_path, &token).await).await;
        assert!(
            products[0]["ordered"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["id"] == product_id && p["status"] == "ACTIVE")
        );
        let update = json_of(
            server
                .send(
                    Method::POST,
                    AGREEMENT_ORDERS,
                    &token,
                    Some(json!({
                        "type": "UPDATE_PRODUCT",
                        "agreementId": 10000001,
                        "productId": product_id,
                        "configurations": [{"id": "strategy", "value": "RING_ALL"}]
                    })),
                )
                .await,
        )
        .await;
        server.advance_clock(120).await;
        let done = json_of(
            server
                .get(
                    &format!("{AGREEMENT_ORDERS}/{}", update["orderId"].as_str().unwrap()),
                    &token,
                )
                .await,
        )
        .await;
        assert_eq!(done["status"], "COMPLETED");
        let products = json_of(server.get(products_path, &token).await).await;
        let changed = products[0]["ordered"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == product_id)
            .cloned()
            .unwrap();
        assert!(
            changed["productConfigurations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == "strategy" && c["value"] == "RING_ALL"),
            "{changed}"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn agreement_errors_have_their_documented_codes() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    expect_telenor_error(
        server
            .get("/corporate-agreements/v2/agreements/abc/products", &token)
            .await,
        400,
        400001,
    )
    .await;
    expect_telenor_error(
        server
            .get(
                "/corporate-agreements/v2/agreements/99999999/products",
                &token,
            )
            .await,
        404,
        404001,
    )
    .await;
    let order = |body: Value| server.send(Method::POST, AGREEMENT_ORDERS, &token, Some(body));
    expect_telenor_error(
        order(json!({"type": "ADD_PRODUCT", "agreementId": "x", "productOfferId": 404})).await,
        400,
        400001,
    )
    .await;
    for (body, field) in [
        (
            json!({"type": "ADD_PRODUCT", "agreementId": "10000001", "productOfferId": 300102}),
            "productOfferId",
        ),
        (
            json!({"type": "ADD_PRODUCT", "agreementId": "10000001", "productOfferId": 404}),
            "licences",
        ),
        (
            json!({"type": "ADD_PRODUCT", "agreementId": "10000001", "productOfferId": 405,
                "configurations": [{"id": "licences", "value": "many"}]}),
            "licences",
        ),
        (
            json!({"type": "ADD_PRODUCT", "agreementId": "10000001", "productOfferId": 405,
                "billingAccountId": "99999999", "configurations": [{"id": "licences", "value": "3"}]}),
            "billingAccountId",
        ),
        (
            json!({"type": "UPDATE_PRODUCT", "agreementId": "10000001", "productId": 1,
                "configurations": [{"id": "licences", "value": "3"}]}),
            "productId",
        ),
        (
            json!({"type": "REMOVE_PRODUCT", "agreementId": "10000001", "productId": 1}),
            "type",
        ),
    ] {
        let error = expect_telenor_error(order(body).await, 400, 40000).await;
        assert!(
            error["detail"].as_str().unwrap().contains(field),
            "{field}: {error}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn unknown_operations_under_a_known_api_are_back_end_not_found() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    expect_telenor_error(
        server.get("/corporate-accounts/v3/accounts", &token).await,
        404,
        4042000,
    )
    .await;
    expect_telenor_error(server.get("/no-such-api/v1", &token).await, 404, 40401).await;
    server.stop().await;
}

/// The scale customer is reachable with the demo credentials and pages like the others.
#[tokio::test]
async fn the_scale_customer_is_seeded_for_the_demo_system_user() {
    let server = TestServer::demo().await;
    let seeded = server.platform.seed_scale(130, |_, _, _| {}).await.unwrap();
    let org = seeded.org_number.to_string();
    let token = server.demo_token().await;
    let page = json_of(
        server
            .get(
                &format!("{SEARCH}?organizationNumber={org}&pageSize=100&page=1"),
                &token,
            )
            .await,
    )
    .await;
    assert_eq!(page["totalElements"], 130);
    assert_eq!(page["content"].as_array().unwrap().len(), 30);
    let accounts = json_of(
        server
            .get("/corporate-accounts/v2/accounts?pageSize=1000", &token)
            .await,
    )
    .await;
    let of_scale = accounts["content"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["owner"]["orgNumber"] == org.as_str())
        .count();
    assert_eq!(of_scale, 2);
    assert!(server.platform.seed_scale(10, |_, _, _| {}).await.is_err());
    server.stop().await;
}
