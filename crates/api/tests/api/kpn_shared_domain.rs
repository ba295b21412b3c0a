//! One domain under both dialects (KPN.md): a KPN client bound to the Norwegian demo customer
//! sees its MBN members as subscribers and its subscriptions as contracts, and a change made
//! through one dialect is read back through the other, on every backend.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::kpn_harness::{call, get, kpn_token, kpn_token_for};

const MEMBER: &str = "/catalog/members/mem_demo_003";

async fn mbn_member(server: &TestServer, token: &str) -> Value {
    let response = server.get(MEMBER, token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The one subscriber `filters` finds.
async fn only_subscriber(server: &TestServer, token: &str, filters: &str) -> Value {
    let (status, found) = get(
        server,
        &format!("/hierarchy/subscribers?filters={filters}"),
        token,
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["total"], 1, "{filters}: {found}");
    found["result"][0].clone()
}

async fn until_closed(server: &TestServer, token: &str, id: i64) {
    for _ in 0..10 {
        let (status, order) = get(server, &format!("/track-and-trace/orders/{id}"), token).await;
        assert_eq!(status, 200, "{order}");
        if order["status"] == "CLOSED" {
            return;
        }
        server.advance_clock(2).await;
    }
    panic!("order {id} never closed");
}

#[tokio::test]
async fn the_norwegian_customer_s_members_are_kpn_subscribers_in_both_directions() {
    for server in TestServer::every_backend().await {
        let kpn = kpn_token_for(&server, "demo-kpn-no-client", "demo-kpn-no-secret").await;
        let mbn = server.demo_token().await;
        let before = mbn_member(&server, &mbn).await;
        assert_eq!(before["firstName"], "Ingrid", "{before}");

        // The tree: the customer's billing accounts are the debtors below Demo Kunde AS.
        let (status, roots) = get(&server, "/hierarchy/children", &kpn).await;
        assert_eq!(status, 200, "{roots}");
        assert!(roots["total"].as_i64().unwrap() >= 1, "{roots}");
        assert_eq!(roots["result"][0]["type"], "DEBTOR");
        assert_eq!(roots["result"][0]["path"][0]["type"], "CUSTOMER");
        assert_eq!(roots["result"][0]["path"][0]["name"], "Demo Kunde AS");

        // The member is a subscriber; its subscription (its mobile number) is its contract.
        let listed = only_subscriber(&server, &kpn, "CONTRACTS:%224791000003%22").await;
        assert_eq!(listed["lastName"], before["lastName"], "{listed}");
        assert_eq!(listed["firstName"], "Ingrid");
        assert_eq!(listed["contracts"]["amount"], 1, "{listed}");
        assert_eq!(listed["contracts"]["firstPhoneNumber"], "4791000003");
        let id = listed["id"].as_i64().unwrap();
        let (status, details) = get(&server, &format!("/hierarchy/subscribers/{id}"), &kpn).await;
        assert_eq!(status, 200, "{details}");
        assert_eq!(details["email"], before["email"], "{details}");
        assert_eq!(details["mobileNumber"], "4791000003");
        let (status, contracts) = get(
            &server,
            &format!("/hierarchy/subscribers/{id}/contracts"),
            &kpn,
        )
        .await;
        assert_eq!(status, 200, "{contracts}");
        assert_eq!(contracts["total"], 1, "{contracts}");
        let contract = &contracts["result"][0];
        assert_eq!(contract["mobileNumber"], "4791000003");
        assert_eq!(contract["category"], "MOBILE");
        let (status, all) = get(&server, "/contract/all?to=0", &kpn).await;
        assert_eq!(status, 200, "{all}");
        assert_eq!(
            all["total"], 48,
            "every subscription of 930000000 is a contract"
        );

        // KPN → MBN: a full replace of the subscriber changes the member once the order closes.
        let (status, order) = call(
            &server,
            Method::PUT,
            &format!("/hierarchy/subscribers/{id}"),
            &kpn,
            Some(json!({"referenceNumber": "shared-1", "subscriber": {
                "surname": "Berg-Larsen", "firstName": "Ingrid", "surnamePrefix": "van",
                "email": "ingrid@berg-larsen.no", "employeeNumber": "E-0003"}})),
        )
        .await;
        assert_eq!(status, 200, "{order}");
        until_closed(&server, &kpn, order["id"].as_i64().unwrap()).await;
        let after = mbn_member(&server, &mbn).await;
        assert_eq!(after["lastName"], "Berg-Larsen", "{after}");
        assert_eq!(after["firstName"], "Ingrid");
        assert_eq!(after["email"], "ingrid@berg-larsen.no");
        assert_eq!(
            after["mobile"], before["mobile"],
            "the number is the subscription's"
        );

        // MBN → KPN: a member update is read back as the subscriber; KPN-only fields stay.
        let response = server
            .send(
                Method::PUT,
                MEMBER,
                &mbn,
                Some(json!({"firstName": "Inga", "email": "inga@demokunde.no"})),
            )
            .await;
        assert_eq!(response.status(), 200);
        let (status, details) = get(&server, &format!("/hierarchy/subscribers/{id}"), &kpn).await;
        assert_eq!(status, 200, "{details}");
        assert_eq!(details["firstName"], "Inga", "{details}");
        assert_eq!(details["surname"], "Berg-Larsen");
        assert_eq!(details["surnamePrefix"], "van");
        assert_eq!(details["email"], "inga@demokunde.no");
        assert_eq!(details["employeeNumber"], "E-0003");
        let location = details["location"].as_array().unwrap();
        assert_eq!(
            location.last().unwrap(),
            "van Berg-Larsen, Inga",
            "{details}"
        );
        let found =
            only_subscriber(&server, &kpn, "FIRSTNAME:%22inga%22;LASTNAME:%22larsen%22").await;
        assert_eq!(found["id"], id);

        // Demo Klant B.V.'s client does not see the Norwegian customer's subscriber.
        let dutch = kpn_token(&server).await;
        let (status, _) = get(&server, &format!("/hierarchy/subscribers/{id}"), &dutch).await;
        assert_eq!(status, 404);
        server.stop().await;
    }
}

/// A member of Demo Kunde AS made on the MBN side after the KPN tree was linked, like
/// `mem_demo_003` but with its own id, number and external id.
async fn later_member(server: &TestServer, id: &str, mobile: &str, external_id: &str) {
    use sentral_domain::{EntityId, Msisdn};
    use sentral_store::directory::members;
    let mut tx = server.platform.store().write().await.expect("write");
    let mut member = members::member(&mut tx, "mem_demo_003")
        .await
        .expect("read")
        .expect("the demo member");
    member.id = EntityId::new(id.to_owned());
    member.first_name = "Later".into();
    member.last_name = format!("Member {id}");
    member.email = format!("{id}@demokunde.no");
    member.mobile = Msisdn::parse(mobile).unwrap();
    member.external_id = Some(external_id.into());
    member.short_number = None;
    members::insert_member(&mut tx, &member, None)
        .await
        .expect("insert member");
    tx.commit().await.expect("commit");
}

/// A subscription of Demo Kunde AS made on the Telenor side later, on the account of
/// 4791000003's subscription.
async fn later_subscription(server: &TestServer, msisdn: &str) {
    use sentral_domain::Msisdn;
    use sentral_store::corporate::subscriptions;
    let mut tx = server.platform.store().write().await.expect("write");
    let mut row = subscriptions::subscription(&mut tx, &Msisdn::parse("91000003").unwrap())
        .await
        .expect("read")
        .expect("the demo subscription");
    row.msisdn = Msisdn::parse(msisdn).unwrap();
    row.iccid = format!("8947990{msisdn}");
    subscriptions::insert_subscription(&mut tx, &row)
        .await
        .expect("insert subscription");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn members_and_subscriptions_made_later_on_the_norwegian_side_are_kpn_subscribers_and_contracts()
 {
    for server in TestServer::every_backend().await {
        let kpn = kpn_token_for(&server, "demo-kpn-no-client", "demo-kpn-no-secret").await;
        let mbn = server.demo_token().await;
        let (_, roots) = get(&server, "/hierarchy/children", &kpn).await;
        let (_, all) = get(&server, "/contract/all?to=0", &kpn).await;
        let contracts_before = all["total"].as_i64().unwrap();
        let (_, people) = get(&server, "/hierarchy/subscribers?to=0", &kpn).await;
        let subscribers_before = people["total"].as_i64().unwrap();
        let (_, holder) = get(
            &server,
            "/hierarchy/subscribers?filters=CONTRACTS:%224791000003%22",
            &kpn,
        )
        .await;
        let debtor_of_3 = holder["result"][0]["path"][1]["id"].clone();
        let centre_of_3 = holder["result"][0]["path"][2]["id"].clone();

        // Made on the MBN and Telenor sides: a member with a new subscription, and a member
        // without one; both dialects of the other side show them.
        later_member(&server, "mem_later_1", "91000901", "L-0901").await;
        later_subscription(&server, "91000901").await;
        later_member(&server, "mem_later_2", "91000902", "L-0902").await;
        let response = server.get("/catalog/members/mem_later_1", &mbn).await;
        assert_eq!(response.status(), 200);
        let response = server
            .get(
                "/corporate-mobile-subscriptions/v2/mobile-subscriptions/91000901",
                &mbn,
            )
            .await;
        assert_eq!(response.status(), 200);

        // KPN: a subscriber each, and a contract below the debtor of the existing account.
        let (_, people) = get(&server, "/hierarchy/subscribers?to=0", &kpn).await;
        assert_eq!(
            people["total"].as_i64().unwrap(),
            subscribers_before + 2,
            "{people}"
        );
        let (_, all) = get(&server, "/contract/all?to=0", &kpn).await;
        assert_eq!(all["total"].as_i64().unwrap(), contracts_before + 1);
        let (_, again) = get(&server, "/hierarchy/children", &kpn).await;
        assert_eq!(again["total"], roots["total"], "no new debtor: {again}");
        let with_contract = only_subscriber(&server, &kpn, "EMPLOYEE_NUMBER:%22L-0901%22").await;
        assert_eq!(with_contract["firstName"], "Later");
        assert_eq!(with_contract["contracts"]["amount"], 1, "{with_contract}");
        assert_eq!(with_contract["contracts"]["firstPhoneNumber"], "4791000901");
        assert_eq!(
            with_contract["path"][1]["id"], debtor_of_3,
            "{with_contract}"
        );
        assert_eq!(
            with_contract["path"][2]["id"], centre_of_3,
            "{with_contract}"
        );
        let without = only_subscriber(&server, &kpn, "EMPLOYEE_NUMBER:%22L-0902%22").await;
        assert_eq!(without["contracts"]["amount"], 0, "{without}");

        // Linked once: a second read finds the same subscribers, no copies.
        let (_, people) = get(&server, "/hierarchy/subscribers?to=0", &kpn).await;
        assert_eq!(people["total"].as_i64().unwrap(), subscribers_before + 2);

        // A KPN delete of an MBN member is refused (the MBN directory removes no members),
        // so the two views of the person stay one.
        let id = without["id"].as_i64().unwrap();
        let refused = crate::kpn_harness::post(
            &server,
            &format!("/hierarchy/subscribers/{id}/delete"),
            &kpn,
            json!({}),
        )
        .await;
        crate::kpn_harness::expect_error(&refused, 400, "OPERATION_NOT_POSSIBLE");
        assert!(
            refused.1["message"]
                .as_str()
                .unwrap()
                .contains("mem_later_2"),
            "{}",
            refused.1
        );
        let response = server.get("/catalog/members/mem_later_2", &mbn).await;
        assert_eq!(response.status(), 200);
        server.stop().await;
    }
}

#[tokio::test]
async fn a_kpn_contract_order_on_a_norwegian_subscription_is_read_back_by_the_telenor_api() {
    for server in TestServer::every_backend().await {
        let kpn = kpn_token_for(&server, "demo-kpn-no-client", "demo-kpn-no-secret").await;
        let telenor = server.demo_token().await;
        let subscription = "/corporate-mobile-subscriptions/v2/mobile-subscriptions/91000003";
        let status_of = |body: Value| body["status"].as_str().unwrap_or_default().to_owned();
        let response = server.get(subscription, &telenor).await;
        assert_eq!(response.status(), 200);
        assert_eq!(status_of(response.json().await.unwrap()), "ACTIVE");

        let holder = only_subscriber(&server, &kpn, "CONTRACTS:%224791000003%22").await;
        let (_, contracts) = get(
            &server,
            &format!("/hierarchy/subscribers/{}/contracts", holder["id"]),
            &kpn,
        )
        .await;
        let contract_id = contracts["result"][0]["id"].as_i64().unwrap();
        for (path, kpn_status, telenor_status) in [
            ("/order/block-sim", "S", "SUSPENDED"),
            ("/order/unblock-sim", "A", "ACTIVE"),
        ] {
            let (status, order) = crate::kpn_harness::post(
                &server,
                path,
                &kpn,
                json!({"contractId": contract_id, "referenceNumber": "shared-sim"}),
            )
            .await;
            assert_eq!(status, 200, "{order}");
            // Not before the order finishes: the Telenor side still reads the old status.
            let response = server.get(subscription, &telenor).await;
            let before = status_of(response.json().await.unwrap());
            assert_ne!(
                before, telenor_status,
                "{path}: changed before the order finished"
            );
            until_service_request_closed(&server, &kpn, order["id"].as_i64().unwrap()).await;
            let (_, details) = get(&server, &format!("/contract/id/{contract_id}"), &kpn).await;
            assert_eq!(details["status"], kpn_status, "{path}: {details}");
            let response = server.get(subscription, &telenor).await;
            assert_eq!(response.status(), 200);
            assert_eq!(
                status_of(response.json().await.unwrap()),
                telenor_status,
                "{path}"
            );
        }
        server.stop().await;
    }
}

async fn until_service_request_closed(server: &TestServer, token: &str, id: i64) {
    for _ in 0..10 {
        let (status, request) = get(
            server,
            &format!("/track-and-trace/service-requests/{id}"),
            token,
        )
        .await;
        assert_eq!(status, 200, "{request}");
        if request["status"] == "CLOSED" {
            return;
        }
        server.advance_clock(5).await;
    }
    panic!("service request {id} never closed");
}
