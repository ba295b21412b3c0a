//! Corporate accounts and address cards: a real client's session, activation by the clock, and
//! every documented error code of account creation.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestServer, expect_telenor_error};

const ACCOUNTS: &str = "/corporate-accounts/v2/accounts";

/// What a real client does: Basic + password grant, the deprecated v1 account list, a partial
/// v1 user-reference update; then the same through v2, and a later read shows both changes.
#[tokio::test]
async fn a_real_clients_session_on_v1_and_v2() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let v1 = server.get("/corporate-accounts/v1", &token).await;
        assert_eq!(v1.status(), 200, "{}", server.name);
        assert_eq!(v1.headers()["deprecation"], "true");
        let accounts: Value = v1.json().await.unwrap();
        let accounts = accounts.as_array().unwrap();
        assert!(accounts.len() >= 12, "{}", accounts.len());
        assert!(accounts.iter().all(|a| a["id"].as_str().is_some()));

        let put = server
            .http
            .put(server.url("/corporate-mobile-subscriptions/v1/91000005/user-references"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(r#"{"userReference3":"x"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 200, "{}", server.name);
        let body = put.text().await.unwrap();
        assert!(!body.is_empty());
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["userReference3"], "x");
        let kept = body["userReference1"].as_str().unwrap().to_owned();
        assert!(!kept.is_empty(), "absent fields keep their value: {body}");

        let v2 = server
            .send(
                Method::PUT,
                "/corporate-mobile-subscriptions/v2/4791000005/user-references",
                &token,
                Some(json!({"userReference1": "Kari Ny", "userReference2": null})),
            )
            .await;
        assert_eq!(v2.status(), 200);
        let later: Value = server
            .get(
                "/corporate-mobile-subscriptions/v2/mobile-subscriptions/91000005",
                &token,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(later["userReference1"], "Kari Ny", "{later}");
        assert_eq!(later["userReference2"], Value::Null);
        assert_eq!(later["userReference3"], "x");
        server.stop().await;
    }
}

#[tokio::test]
async fn a_new_account_is_passive_then_open_and_listed_after_a_minute() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let before: Value = server.get(ACCOUNTS, &token).await.json().await.unwrap();
        let total = before["totalElements"].as_i64().unwrap();
        let created = server
            .send(
                Method::POST,
                ACCOUNTS,
                &token,
                Some(json!({
                    "accountReference1": "Blåbær/ IT-avd.",
                    "accountReference3": "Prosjekt 7,1",
                    "addressCardId": "664002",
                    "ownerOrganizationNumber": "930000000",
                    "payerOrganizationNumber": "930000000",
                })),
            )
            .await;
        assert_eq!(created.status(), 200, "{}", server.name);
        let account: Value = created.json().await.unwrap();
        assert_eq!(account["status"], "PASSIVE");
        assert_eq!(account["type"], "NORMAL");
        assert_eq!(account["invoice"]["address"]["postalPlace"], "Bergen");
        assert_eq!(account["invoice"]["format"], "EHF");
        let id = account["id"].as_str().unwrap().to_owned();
        assert!(
            id.len() <= 8 && id.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );

        let listed: Value = server.get(ACCOUNTS, &token).await.json().await.unwrap();
        assert_eq!(
            listed["totalElements"].as_i64().unwrap(),
            total,
            "not listed yet"
        );
        let single: Value = server
            .get(&format!("{ACCOUNTS}/{id}"), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(single["status"], "PASSIVE");

        server.advance_clock(60).await;
        let single: Value = server
            .get(&format!("{ACCOUNTS}/{id}"), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(single["status"], "OPEN");
        let listed: Value = server
            .get(&format!("{ACCOUNTS}?pageSize=1000"), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["totalElements"].as_i64().unwrap(), total + 1);
        assert!(
            listed["content"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == id.as_str())
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn account_lists_page_and_reject_bad_page_parameters() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let page: Value = server
        .get(&format!("{ACCOUNTS}?page=1&pageSize=5"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["page"], 1);
    assert_eq!(page["pageSize"], 5);
    assert_eq!(page["content"].as_array().unwrap().len(), 5);
    assert_eq!(page["totalPages"], 3);
    let all: Value = server.get(ACCOUNTS, &token).await.json().await.unwrap();
    let statuses: Vec<&str> = all["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|account| account["status"].as_str().unwrap())
        .collect();
    for status in ["OPEN", "PASSIVE", "CANCELLED"] {
        assert!(statuses.contains(&status), "{status} in the demo world");
    }
    for bad in ["page=-1", "pageSize=0", "pageSize=1001", "page=x"] {
        let body = expect_telenor_error(
            server.get(&format!("{ACCOUNTS}?{bad}"), &token).await,
            400,
            40000,
        )
        .await;
        assert!(body["detail"].as_str().unwrap().contains("page"), "{body}");
    }
    expect_telenor_error(
        server.get(&format!("{ACCOUNTS}/abc"), &token).await,
        400,
        40000,
    )
    .await;
    expect_telenor_error(
        server.get(&format!("{ACCOUNTS}/99999999"), &token).await,
        404,
        40402,
    )
    .await;
    server.stop().await;
}

/// Every documented error code of `POST /corporate-accounts/v2/accounts`.
#[tokio::test]
async fn account_creation_answers_every_documented_error_code() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let create = |body: Value| server.send(Method::POST, ACCOUNTS, &token, Some(body));
    let valid = || {
        json!({
            "accountReference1": "Avdeling Nord",
            "addressCardId": "664001",
            "ownerOrganizationNumber": "930000000",
        })
    };
    let with = |field: &str, value: Value| {
        let mut body = valid();
        body[field] = value;
        body
    };
    let empty = server
        .http
        .post(server.url(ACCOUNTS))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect_telenor_error(empty, 400, 400036).await;
    expect_telenor_error(create(json!({})).await, 400, 400036).await;

    for (field, value) in [
        ("accountReference1", json!("semi;colon")),
        ("accountReference1", json!("x".repeat(31))),
        ("accountReference1", json!("")),
        ("accountReference2", json!("under_score")),
        ("accountReference3", json!("quote'")),
    ] {
        let body = expect_telenor_error(create(with(field, value)).await, 400, 400033).await;
        assert!(body["detail"].as_str().unwrap().contains(field), "{body}");
    }
    let mut no_name = valid();
    no_name.as_object_mut().unwrap().remove("accountReference1");
    expect_telenor_error(create(no_name).await, 400, 400033).await;

    for bad in ["12345678", "930000001", "93000000a"] {
        expect_telenor_error(
            create(with("ownerOrganizationNumber", json!(bad))).await,
            400,
            400024,
        )
        .await;
    }
    expect_telenor_error(
        create(with("payerOrganizationNumber", json!("1234"))).await,
        400,
        400024,
    )
    .await;
    // A valid number that is not among the caller's organisations.
    expect_telenor_error(
        create(with("ownerOrganizationNumber", json!("914742315"))).await,
        400,
        400007,
    )
    .await;
    expect_telenor_error(
        create(with("addressCardId", json!("999999"))).await,
        400,
        400009,
    )
    .await;
    // The subsidiary's card for the parent as payer, a malformed id, and none where the payer
    // has several.
    let foreign = expect_telenor_error(
        create(with("addressCardId", json!("665001"))).await,
        400,
        400032,
    )
    .await;
    assert!(foreign["detail"].as_str().unwrap().contains("payer"));
    expect_telenor_error(
        create(with("addressCardId", json!("card-1"))).await,
        400,
        400032,
    )
    .await;
    let mut no_card = valid();
    no_card.as_object_mut().unwrap().remove("addressCardId");
    let several = expect_telenor_error(create(no_card).await, 400, 400032).await;
    assert!(
        several["detail"].as_str().unwrap().contains("664001"),
        "{several}"
    );
    // The subsidiary has one card: it is used without being named.
    let mut only_card = valid();
    only_card.as_object_mut().unwrap().remove("addressCardId");
    only_card["ownerOrganizationNumber"] = json!("930000019");
    let made = create(only_card).await;
    assert_eq!(made.status(), 200);
    let made: Value = made.json().await.unwrap();
    assert_eq!(made["addressCardId"], "665001");

    let malformed = server
        .http
        .post(server.url(ACCOUNTS))
        .bearer_auth(&token)
        .body("{\"accountReference1\": ")
        .send()
        .await
        .unwrap();
    expect_telenor_error(malformed, 400, 40000).await;
    server.stop().await;
}

#[tokio::test]
async fn address_cards_of_your_organisations_only() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let cards: Value = server
        .get("/organizations/930000000/address-cards", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cards.as_array().unwrap().len(), 3);
    assert_eq!(cards[0]["id"], "664001");
    expect_telenor_error(
        server
            .get("/organizations/930000001/address-cards", &token)
            .await,
        400,
        400024,
    )
    .await;
    expect_telenor_error(
        server
            .get("/organizations/914742315/address-cards", &token)
            .await,
        400,
        400007,
    )
    .await;
    server.stop().await;
}

/// Another partner's system user sees none of the demo customer's accounts, cards or numbers.
#[tokio::test]
async fn another_partner_sees_nothing_of_the_demo_customer() {
    for server in TestServer::every_backend().await {
        let other = server
            .other_partner(vec![
                sentral_domain::ApiProduct::MobileSubscriptionInfo,
                sentral_domain::ApiProduct::MobileSubscriptionOrder,
            ])
            .await;
        let token = other.token(&server).await;
        let accounts: Value = server.get(ACCOUNTS, &token).await.json().await.unwrap();
        assert_eq!(accounts["totalElements"], 0, "{}", server.name);
        let v1: Value = server
            .get("/corporate-accounts/v1", &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v1, json!([]));
        expect_telenor_error(
            server.get(&format!("{ACCOUNTS}/10000001"), &token).await,
            404,
            40402,
        )
        .await;
        expect_telenor_error(
            server
                .get("/organizations/930000000/address-cards", &token)
                .await,
            400,
            400007,
        )
        .await;
        expect_telenor_error(
            server
                .get(
                    "/corporate-mobile-subscriptions/v2/mobile-subscriptions/91000001",
                    &token,
                )
                .await,
            401,
            40104,
        )
        .await;
        expect_telenor_error(
            server
                .send(
                    Method::PUT,
                    "/corporate-mobile-subscriptions/v1/91000001/user-references",
                    &token,
                    Some(json!({"userReference1": "hijack"})),
                )
                .await,
            401,
            40104,
        )
        .await;
        let search: Value = server
            .get(
                "/corporate-mobile-subscriptions/v2/mobile-subscriptions?organizationNumber=930000000",
                &token,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(search["totalElements"], 0);
        let agreements: Value = server
            .get("/corporate-agreements/v2/agreements", &token)
            .await
            .json()
            .await
            .unwrap();
        assert!(
            agreements
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["id"] != "10000001"),
            "{agreements}"
        );
        expect_telenor_error(
            server
                .get(
                    "/corporate-agreements/v2/agreements/10000001/products",
                    &token,
                )
                .await,
            404,
            404001,
        )
        .await;
        server.stop().await;
    }
}

/// The corporate APIs act for a system user: a client-credentials token gets 40101.
#[tokio::test]
async fn a_token_without_a_system_user_is_an_invalid_resource() {
    let server = TestServer::demo().await;
    let token = server.demo_client_token().await;
    for path in [
        ACCOUNTS,
        "/corporate-accounts/v1",
        "/corporate-agreements/v2/agreements",
        "/corporate-mobile-subscriptions/v2/mobile-subscriptions/91000001",
    ] {
        let body = expect_telenor_error(server.get(path, &token).await, 401, 40101).await;
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("grant_type=password"),
            "{body}"
        );
    }
    server.stop().await;
}
