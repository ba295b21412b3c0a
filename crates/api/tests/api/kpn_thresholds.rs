//! KPN usage thresholds (`/contract/thresholds…`): created, listed, updated and removed with
//! their rules (VALUE_NOT_UNIQUE, TYPE_CHANGE_NOT_ALLOWED, REMOVING_BLOCKED, all or none);
//! contracts assigned and unassigned (CONTRACT_NOT_FOUND, NOT_VALID_PRODUCT_FOR_GIVEN_THRESHOLD,
//! CONTRACTS_ALREADY_ASSIGNED_TO_GIVEN_TYPE) and listed with the contract list query; another
//! customer's thresholds and contracts not found; privileges; on every backend.

use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::kpn_harness::{expect_error, get, kpn_client_for, kpn_token, kpn_token_for, post};

async fn thresholds(server: &TestServer, token: &str) -> Vec<Value> {
    let (status, list) = get(server, "/contract/thresholds", token).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

async fn threshold_named(server: &TestServer, token: &str, name: &str) -> Value {
    thresholds(server, token)
        .await
        .into_iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no threshold {name}"))
}

async fn page(server: &TestServer, path: &str, token: &str) -> Value {
    let (status, page) = get(server, path, token).await;
    assert_eq!(status, 200, "{path}: {page}");
    page
}

fn ids(page: &Value) -> Vec<i64> {
    page["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// The contracts assigned to threshold `id`.
async fn assigned(server: &TestServer, token: &str, id: i64) -> Vec<i64> {
    ids(&page(
        server,
        &format!("/contract/thresholds/{id}/contracts?to=100"),
        token,
    )
    .await)
}

/// The ids of the demo's contracts of `category`.
async fn contracts_of_category(server: &TestServer, token: &str, category: &str) -> Vec<i64> {
    ids(&page(
        server,
        &format!("/contract/all?category={category}&to=100"),
        token,
    )
    .await)
}

#[tokio::test]
async fn thresholds_are_created_listed_updated_and_removed() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let demo = thresholds(&server, &token).await;
        assert_eq!(demo.len(), 4, "{demo:?}");
        assert_eq!(demo[0]["type"], "DATA_NATIONAL_MB");
        assert_eq!(demo[0]["dailyValue"], 2048.0);
        let (status, availability) =
            get(&server, "/contract/thresholds/availability", &token).await;
        assert_eq!(status, 200);
        assert_eq!(availability["enabled"], true, "{availability}");
        assert_eq!(availability["visible"], true, "{availability}");

        // Created: an empty 200, listed at once; dailyValue given as text.
        let created = post(
            &server,
            "/contract/thresholds",
            &token,
            json!({"name": "Test data", "type": "DATA_NATIONAL_MB", "dailyValue": "100.5"}),
        )
        .await;
        assert_eq!(created, (200, Value::Null));
        let mine = threshold_named(&server, &token, "Test data").await;
        assert_eq!(mine["dailyValue"], 100.5, "{mine}");
        let id = mine["id"].as_i64().unwrap();
        // A name is unique per customer, whatever its case.
        let again = post(
            &server,
            "/contract/thresholds",
            &token,
            json!({"name": "test DATA", "type": "VOICE_NATIONAL_MIN", "dailyValue": 5}),
        )
        .await;
        expect_error(&again, 400, "VALUE_NOT_UNIQUE");
        for (body, field) in [
            (json!({"type": "DATA_NATIONAL_MB", "dailyValue": 1}), "name"),
            (json!({"name": "x", "type": "SMS", "dailyValue": 1}), "type"),
            (
                json!({"name": "x", "type": "DATA_ROAMING_MB", "dailyValue": -1}),
                "dailyValue",
            ),
            (
                json!({"name": "x", "type": "DATA_ROAMING_MB", "dailyValue": "many"}),
                "dailyValue",
            ),
            (
                json!({"name": "x", "type": "DATA_ROAMING_MB"}),
                "dailyValue",
            ),
        ] {
            let refused = post(&server, "/contract/thresholds", &token, body).await;
            expect_error(&refused, 400, "bad_request");
            assert!(
                refused.1["message"].as_str().unwrap().contains(field),
                "{field}: {}",
                refused.1
            );
        }

        // Without contracts its type may change and it may be removed.
        let (status, details) = get(&server, &format!("/contract/thresholds/{id}"), &token).await;
        assert_eq!(status, 200, "{details}");
        assert_eq!(details["threshold"]["name"], "Test data");
        assert_eq!(details["changeType"]["enabled"], true, "{details}");
        assert_eq!(details["delete"]["enabled"], true, "{details}");
        let updated = post(
            &server,
            &format!("/contract/thresholds/{id}"),
            &token,
            json!({"name": "Test data", "type": "VOICE_ROAMING_EUR", "dailyValue": 12}),
        )
        .await;
        assert_eq!(updated.0, 200, "{}", updated.1);
        let mine = threshold_named(&server, &token, "Test data").await;
        assert_eq!(mine["type"], "VOICE_ROAMING_EUR");
        assert_eq!(mine["dailyValue"], 12.0);
        let taken = post(
            &server,
            &format!("/contract/thresholds/{id}"),
            &token,
            json!({"name": "Bellen NL 3 uur", "type": "VOICE_ROAMING_EUR", "dailyValue": 12}),
        )
        .await;
        expect_error(&taken, 400, "VALUE_NOT_UNIQUE");

        // The demo's first threshold has contracts: its type stays, it is not removed.
        let busy = demo[0]["id"].as_i64().unwrap();
        let (_, details) = get(&server, &format!("/contract/thresholds/{busy}"), &token).await;
        assert_eq!(details["changeType"]["enabled"], false, "{details}");
        assert_eq!(details["delete"]["enabled"], false, "{details}");
        let retyped = post(
            &server,
            &format!("/contract/thresholds/{busy}"),
            &token,
            json!({"name": demo[0]["name"], "type": "DATA_ROAMING_MB", "dailyValue": 1}),
        )
        .await;
        expect_error(&retyped, 400, "TYPE_CHANGE_NOT_ALLOWED");
        // Its value and name may change (the name the same as before, in another case).
        let revalued = post(
            &server,
            &format!("/contract/thresholds/{busy}"),
            &token,
            json!({"name": "DATA NL 2 GB PER DAG", "type": "DATA_NATIONAL_MB", "dailyValue": 3000}),
        )
        .await;
        assert_eq!(revalued.0, 200, "{}", revalued.1);

        // Removing: all or none.
        let blocked = post(
            &server,
            "/contract/thresholds/remove",
            &token,
            json!({"thresholdIds": [id, busy]}),
        )
        .await;
        expect_error(&blocked, 404, "REMOVING_BLOCKED");
        assert!(
            blocked.1["message"]
                .as_str()
                .unwrap()
                .contains(&busy.to_string())
        );
        let unknown = post(
            &server,
            "/contract/thresholds/remove",
            &token,
            json!({"thresholdIds": [id, 999]}),
        )
        .await;
        expect_error(&unknown, 404, "THRESHOLD_NOT_FOUND");
        assert_eq!(thresholds(&server, &token).await.len(), 5);
        let removed = post(
            &server,
            "/contract/thresholds/remove",
            &token,
            json!({"thresholdIds": [id.to_string()]}),
        )
        .await;
        assert_eq!(removed.0, 200, "{}", removed.1);
        assert_eq!(thresholds(&server, &token).await.len(), 4);
        let gone = get(&server, &format!("/contract/thresholds/{id}"), &token).await;
        expect_error(&gone, 404, "THRESHOLD_NOT_FOUND");
        let update_gone = post(
            &server,
            &format!("/contract/thresholds/{id}"),
            &token,
            json!({"name": "x", "type": "VOICE_ROAMING_EUR", "dailyValue": 1}),
        )
        .await;
        expect_error(&update_gone, 404, "THRESHOLD_NOT_FOUND");
        let empty = post(&server, "/contract/thresholds/remove", &token, json!({})).await;
        expect_error(&empty, 400, "bad_request");
        server.stop().await;
    }
}

#[tokio::test]
async fn contracts_are_assigned_unassigned_and_listed() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let mobile = contracts_of_category(&server, &token, "MOBILE").await;
        let fixed = contracts_of_category(&server, &token, "FIXED").await;
        let fixed_mobile = contracts_of_category(&server, &token, "FIXED_MOBILE").await;
        assert_eq!(mobile.len(), 35);
        assert!(!fixed.is_empty() && !fixed_mobile.is_empty());

        // The demo's thresholds hold contracts.
        let data = threshold_named(&server, &token, "Data NL 2 GB per dag").await;
        let data_id = data["id"].as_i64().unwrap();
        let held = page(
            &server,
            &format!("/contract/thresholds/{data_id}/contracts"),
            &token,
        )
        .await;
        assert_eq!(held["total"], 6, "{held}");
        assert_eq!(
            held["result"][0]["product"]["en"],
            "Smartphone Subscription"
        );

        let roaming = threshold_named(&server, &token, "Bellen buitenland EUR 25").await;
        let id = roaming["id"].as_i64().unwrap();
        assert!(assigned(&server, &token, id).await.is_empty());
        // Every mobile subscription may take it, fixed lines not.
        let to_assign = format!("/contract/thresholds/{id}/contracts-to-assign");
        let open = page(&server, &format!("{to_assign}?to=0"), &token).await;
        assert_eq!(
            open["total"].as_u64().unwrap() as usize,
            mobile.len() + fixed_mobile.len(),
            "{open}"
        );
        let open_fixed = page(&server, &format!("{to_assign}?category=FIXED"), &token).await;
        assert_eq!(open_fixed["total"], 0, "{open_fixed}");

        let assign = format!("/contract/thresholds/{id}/assign");
        let done = post(
            &server,
            &assign,
            &token,
            json!({"contractsIds": [mobile[0], mobile[1].to_string(), fixed_mobile[0]]}),
        )
        .await;
        assert_eq!(done, (200, Value::Null));
        let mut expected = vec![mobile[0], mobile[1], fixed_mobile[0]];
        expected.sort_unstable();
        assert_eq!(assigned(&server, &token, id).await, expected);
        let open = page(&server, &format!("{to_assign}?to=100"), &token).await;
        assert!(!ids(&open).contains(&mobile[0]), "{open}");
        assert_eq!(
            open["total"].as_u64().unwrap() as usize,
            mobile.len() + fixed_mobile.len() - 3
        );
        // The contract list query over the threshold's contracts.
        let number = get(&server, &format!("/contract/id/{}", mobile[1]), &token)
            .await
            .1["phoneNumber"]
            .as_str()
            .unwrap()
            .to_owned();
        let filtered = page(
            &server,
            &format!("/contract/thresholds/{id}/contracts?filters=MOBILE_NUMBER:%22{number}%22"),
            &token,
        )
        .await;
        assert_eq!(ids(&filtered), vec![mobile[1]], "{filtered}");
        let sorted = page(
            &server,
            &format!("/contract/thresholds/{id}/contracts?sortBy=CATEGORY&order=DESC&to=1"),
            &token,
        )
        .await;
        assert_eq!(sorted["result"][0]["category"], "MOBILE", "{sorted}");
        assert_eq!(sorted["total"], 3);
        let bad_sort = get(
            &server,
            &format!("/contract/thresholds/{id}/contracts?sortBy=PRICE"),
            &token,
        )
        .await;
        expect_error(&bad_sort, 400, "bad_request");

        // One threshold of a type per contract.
        post(
            &server,
            "/contract/thresholds",
            &token,
            json!({"name": "Roaming twee", "type": "VOICE_ROAMING_EUR", "dailyValue": 50}),
        )
        .await;
        let second = threshold_named(&server, &token, "Roaming twee").await["id"]
            .as_i64()
            .unwrap();
        let twice = post(
            &server,
            &format!("/contract/thresholds/{second}/assign"),
            &token,
            json!({"contractsIds": [mobile[2], mobile[0]]}),
        )
        .await;
        expect_error(&twice, 400, "CONTRACTS_ALREADY_ASSIGNED_TO_GIVEN_TYPE");
        let again = post(
            &server,
            &assign,
            &token,
            json!({"contractsIds": [mobile[0]]}),
        )
        .await;
        expect_error(&again, 400, "CONTRACTS_ALREADY_ASSIGNED_TO_GIVEN_TYPE");
        // A fixed line counts no mobile usage; nothing of the call is assigned.
        let wrong = post(
            &server,
            &assign,
            &token,
            json!({"contractsIds": [mobile[3], fixed[0]]}),
        )
        .await;
        expect_error(&wrong, 400, "NOT_VALID_PRODUCT_FOR_GIVEN_THRESHOLD");
        assert!(
            wrong.1["message"]
                .as_str()
                .unwrap()
                .contains(&fixed[0].to_string())
        );
        let unknown = post(
            &server,
            &assign,
            &token,
            json!({"contractsIds": [mobile[3], 99_999_999]}),
        )
        .await;
        expect_error(&unknown, 404, "CONTRACT_NOT_FOUND");
        assert_eq!(assigned(&server, &token, id).await, expected);
        let empty = post(&server, &assign, &token, json!({"contractsIds": []})).await;
        expect_error(&empty, 400, "bad_request");
        assert!(
            empty.1["message"]
                .as_str()
                .unwrap()
                .contains("contractsIds")
        );
        let no_threshold = post(
            &server,
            "/contract/thresholds/999/assign",
            &token,
            json!({"contractsIds": [mobile[3]]}),
        )
        .await;
        expect_error(&no_threshold, 404, "THRESHOLD_NOT_FOUND");
        let no_list = get(&server, "/contract/thresholds/999/contracts", &token).await;
        expect_error(&no_list, 404, "THRESHOLD_NOT_FOUND");
        let no_open = get(
            &server,
            "/contract/thresholds/999/contracts-to-assign",
            &token,
        )
        .await;
        expect_error(&no_open, 404, "THRESHOLD_NOT_FOUND");

        // Unassigned: only contracts it has; then the other threshold may take it.
        let unassign = format!("/contract/thresholds/{id}/unassign");
        let done = post(
            &server,
            &unassign,
            &token,
            json!({"contractsIds": [mobile[0]]}),
        )
        .await;
        assert_eq!(done, (200, Value::Null));
        let not_there = post(
            &server,
            &unassign,
            &token,
            json!({"contractsIds": [mobile[0]]}),
        )
        .await;
        expect_error(&not_there, 404, "CONTRACT_NOT_FOUND");
        let moved = post(
            &server,
            &format!("/contract/thresholds/{second}/assign"),
            &token,
            json!({"contractsIds": [mobile[0]]}),
        )
        .await;
        assert_eq!(moved.0, 200, "{}", moved.1);
        assert_eq!(assigned(&server, &token, id).await.len(), 2);
        server.stop().await;
    }
}

#[tokio::test]
async fn another_customer_neither_sees_nor_assigns_them_and_privileges_hold() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let demo = thresholds(&server, &token).await;
        let id = demo[3]["id"].as_i64().unwrap();
        let contract = contracts_of_category(&server, &token, "MOBILE").await[0];

        let (client, secret, _) = kpn_client_for(&server, "NL70427135", "Frozen fleet").await;
        let other = kpn_token_for(&server, &client, &secret).await;
        assert!(thresholds(&server, &other).await.is_empty());
        let seen = get(&server, &format!("/contract/thresholds/{id}"), &other).await;
        expect_error(&seen, 404, "THRESHOLD_NOT_FOUND");
        let listed = get(
            &server,
            &format!("/contract/thresholds/{id}/contracts"),
            &other,
        )
        .await;
        expect_error(&listed, 404, "THRESHOLD_NOT_FOUND");
        let assigned = post(
            &server,
            &format!("/contract/thresholds/{id}/assign"),
            &other,
            json!({"contractsIds": [contract]}),
        )
        .await;
        expect_error(&assigned, 404, "THRESHOLD_NOT_FOUND");
        let renamed = post(
            &server,
            &format!("/contract/thresholds/{id}"),
            &other,
            json!({"name": "Overgenomen", "type": "VOICE_ROAMING_EUR", "dailyValue": 1}),
        )
        .await;
        expect_error(&renamed, 404, "THRESHOLD_NOT_FOUND");
        let removed = post(
            &server,
            "/contract/thresholds/remove",
            &other,
            json!({"thresholdIds": [id]}),
        )
        .await;
        expect_error(&removed, 404, "THRESHOLD_NOT_FOUND");
        // Its own threshold (the same name: names are per customer) takes none of our contracts.
        let own = post(
            &server,
            "/contract/thresholds",
            &other,
            json!({"name": demo[3]["name"], "type": "VOICE_ROAMING_EUR", "dailyValue": 1}),
        )
        .await;
        assert_eq!(own.0, 200, "{}", own.1);
        let own_id = thresholds(&server, &other).await[0]["id"].as_i64().unwrap();
        let foreign = post(
            &server,
            &format!("/contract/thresholds/{own_id}/assign"),
            &other,
            json!({"contractsIds": [contract]}),
        )
        .await;
        expect_error(&foreign, 404, "CONTRACT_NOT_FOUND");
        let open = page(
            &server,
            &format!("/contract/thresholds/{own_id}/contracts-to-assign"),
            &other,
        )
        .await;
        assert_eq!(open["total"], 0, "{open}");
        assert_eq!(thresholds(&server, &token).await.len(), 4);

        // An authoriser uses thresholds but does not manage them.
        let (client, secret, app) = kpn_client_for(&server, "NL69599084", "Authoriser").await;
        server
            .platform
            .set_kpn_privileges(&app, &[sentral_domain::kpn::Privilege::OrdersAuthorization])
            .await
            .unwrap();
        let authoriser = kpn_token_for(&server, &client, &secret).await;
        assert_eq!(thresholds(&server, &authoriser).await.len(), 4);
        let (_, availability) =
            get(&server, "/contract/thresholds/availability", &authoriser).await;
        assert_eq!(availability["enabled"], false, "{availability}");
        let created = post(
            &server,
            "/contract/thresholds",
            &authoriser,
            json!({"name": "Nee", "type": "VOICE_ROAMING_EUR", "dailyValue": 1}),
        )
        .await;
        expect_error(&created, 403, "FORBIDDEN_FOR_USER");
        let details = get(&server, &format!("/contract/thresholds/{id}"), &authoriser).await;
        expect_error(&details, 403, "FORBIDDEN_FOR_USER");
        let assigned = post(
            &server,
            &format!("/contract/thresholds/{id}/assign"),
            &authoriser,
            json!({"contractsIds": [contract]}),
        )
        .await;
        assert_eq!(assigned.0, 200, "{}", assigned.1);
        // A viewer of the hierarchy has none of the thresholds' privileges.
        let (client, secret, app) = kpn_client_for(&server, "NL69599084", "Viewer").await;
        server
            .platform
            .set_kpn_privileges(
                &app,
                &[sentral_domain::kpn::Privilege::VirtualHierarchyView],
            )
            .await
            .unwrap();
        let viewer = kpn_token_for(&server, &client, &secret).await;
        let refused = get(&server, "/contract/thresholds", &viewer).await;
        expect_error(&refused, 403, "FORBIDDEN_FOR_USER");
        server.stop().await;
    }
}
