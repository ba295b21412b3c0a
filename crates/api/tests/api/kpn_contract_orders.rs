//! KPN contract orders (terminate with its fee and first free date, replace SIM, move, port out)
//! and the authorisation of orders, from their real causes, on every backend.

use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::kpn_harness::{expect_error, get, kpn_client_for, kpn_token, kpn_token_for, post};

/// The demo contract seeded `index`-th (its SIM card number is `893116…4000000 + index`); the
/// demo's terms run from 1 January two years back for 24, 36 or 48 months by `index % 3`.
async fn demo_contract(server: &TestServer, token: &str, index: i64) -> Value {
    let (status, all) = get(server, "/contract/all?to=100", token).await;
    assert_eq!(status, 200, "{all}");
    let sim = format!("893116{:013}", 4_000_000 + index);
    all["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["simCardNumber"] == sim.as_str())
        .unwrap_or_else(|| panic!("no demo contract with SIM {sim}"))
        .clone()
}

async fn contract(server: &TestServer, token: &str, id: i64) -> Value {
    let (status, details) = get(server, &format!("/contract/id/{id}"), token).await;
    assert_eq!(status, 200, "{details}");
    details
}

async fn service_request(server: &TestServer, token: &str, id: i64) -> Value {
    let (status, request) = get(
        server,
        &format!("/track-and-trace/service-requests/{id}"),
        token,
    )
    .await;
    assert_eq!(status, 200, "{request}");
    request
}

/// The sandbox clock `days` ahead, as RFC 3339.
fn days_ahead(server: &TestServer, days: i64) -> String {
    server
        .platform
        .now()
        .plus_seconds(days * 86_400)
        .to_rfc3339()
}

/// The year the demo's 48-month terms end: they start on 1 January two years before the
/// server's now (`demo_terms_start`).
fn term_end_year(server: &TestServer) -> i64 {
    server.platform.now().to_rfc3339()[..4]
        .parse::<i64>()
        .unwrap()
        + 2
}

/// Whole months from the RFC 3339 date-time `from` to 1 January of `end_year`, counted by the
/// calendar: a month only counts when it is whole.
fn whole_months_to(end_year: i64, from: &str) -> i64 {
    let year: i64 = from[0..4].parse().unwrap();
    let month: i64 = from[5..7].parse().unwrap();
    let rest_of_month = &from[8..19];
    let started = rest_of_month != "01T00:00:00";
    (end_year * 12 + 1) - (year * 12 + month) - i64::from(started)
}

async fn employee(server: &TestServer, token: &str, number: &str) -> i64 {
    let (_, found) = get(
        server,
        &format!("/hierarchy/subscribers?filters=EMPLOYEE_NUMBER:%22{number}%22"),
        token,
    )
    .await;
    assert_eq!(found["total"], 1, "{found}");
    found["result"][0]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn terminate_costs_the_months_left_in_the_term_and_closes_the_contract_at_its_date() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let in_term = demo_contract(&server, &token, 2).await["id"]
            .as_i64()
            .unwrap();
        let out_of_term = demo_contract(&server, &token, 0).await["id"]
            .as_i64()
            .unwrap();

        // 48 months: the fee is € 25 for each whole month left until the term ends.
        let end_year = term_end_year(&server);
        let wish = days_ahead(&server, 30);
        let (status, fee) = get(
            &server,
            &format!(
                "/order/terminate/termination-fee?contractId={in_term}&wishDate={}",
                wish.replace('+', "%2B")
            ),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{fee}");
        let months = whole_months_to(end_year, &wish);
        assert!(months > 0, "the demo term ends after {wish}");
        assert_eq!(fee["terminationFeeInCents"], months * 2_500, "{wish}");
        let (_, later) = get(
            &server,
            &format!(
                "/order/terminate/termination-fee?contractId={in_term}&wishDate={end_year}-02-01"
            ),
            &token,
        )
        .await;
        assert_eq!(later["terminationFeeInCents"], 0, "after the term: {later}");
        let (status, min_date) = get(
            &server,
            &format!("/order/terminate/{in_term}/min-date"),
            &token,
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            min_date
                .as_str()
                .unwrap()
                .starts_with(&format!("{end_year}-01-01T00:00:00")),
            "{min_date}"
        );

        // 24 months ended: no fee, and the first free date is now.
        let (_, fee) = get(
            &server,
            &format!("/order/terminate/termination-fee?contractId={out_of_term}&wishDate={wish}"),
            &token,
        )
        .await;
        assert_eq!(fee["terminationFeeInCents"], 0, "{fee}");
        let before = server.platform.now();
        let (_, min_date) = get(
            &server,
            &format!("/order/terminate/{out_of_term}/min-date"),
            &token,
        )
        .await;
        let min_date = sentral_domain::Timestamp::parse_rfc3339(min_date.as_str().unwrap())
            .expect("a date-time");
        assert!(min_date >= before && min_date <= server.platform.now());
        let missing = get(
            &server,
            &format!("/order/terminate/termination-fee?contractId={in_term}"),
            &token,
        )
        .await;
        expect_error(&missing, 400, "bad_request");
        assert!(missing.1["message"].as_str().unwrap().contains("wishDate"));

        // The order: the contract stays ACTIVE until it finishes, then it is CLOSED.
        let (status, order) = post(
            &server,
            "/order/terminate",
            &token,
            json!({"contractId": in_term.to_string(), "referenceNumber": "Offboarding-42"}),
        )
        .await;
        assert_eq!(status, 200, "{order}");
        assert_eq!(order["operation"], "terminateContract");
        assert_eq!(order["referenceNumber"], "Offboarding-42");
        let order_id = order["id"].as_i64().unwrap();
        assert_eq!(contract(&server, &token, in_term).await["status"], "A");
        let tracked = service_request(&server, &token, order_id).await;
        assert_eq!(tracked["type"]["en"], "Terminate contract");
        let (_, operations) = get(
            &server,
            &format!("/order/operations?contractId={in_term}"),
            &token,
        )
        .await;
        assert_eq!(operations["terminate"]["enabled"], false, "{operations}");
        assert_eq!(operations["terminate"]["blockingOrders"][0]["id"], order_id);
        let second = post(
            &server,
            "/order/terminate",
            &token,
            json!({"contractId": in_term}),
        )
        .await;
        expect_error(&second, 400, "OPERATION_NOT_POSSIBLE");
        assert!(
            second.1["message"]
                .as_str()
                .unwrap()
                .contains(&order_id.to_string())
        );
        server.advance_clock(61).await;
        assert_eq!(
            service_request(&server, &token, order_id).await["status"],
            "CLOSED"
        );
        let closed = contract(&server, &token, in_term).await;
        assert_eq!(closed["status"], "C", "{closed}");
        let (_, listed) = get(
            &server,
            "/contract/all?filters=STATE:%22CLOSED%22&to=100",
            &token,
        )
        .await;
        assert!(
            listed["result"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == in_term && c["state"] == "CLOSED")
        );
        let again = post(
            &server,
            "/order/terminate",
            &token,
            json!({"contractId": in_term}),
        )
        .await;
        expect_error(&again, 400, "OPERATION_NOT_POSSIBLE");
        // Its subscriber holds no active contract any more, so it can be deleted.
        let holder = employee(&server, &token, "1003").await;
        let (status, deleted) = post(
            &server,
            &format!("/hierarchy/subscribers/{holder}/delete"),
            &token,
            json!({}),
        )
        .await;
        assert_eq!(status, 200, "{deleted}");

        // A wish date schedules the order: nothing happens before it.
        let (status, scheduled) = post(
            &server,
            "/order/terminate",
            &token,
            json!({"contractId": out_of_term, "wishDate": days_ahead(&server, 10)}),
        )
        .await;
        assert_eq!(status, 200, "{scheduled}");
        assert_eq!(scheduled["status"], "Scheduled");
        server.advance_clock(120).await;
        assert_eq!(contract(&server, &token, out_of_term).await["status"], "A");
        server.advance_clock(10 * 86_400).await;
        // Ten days on, the token has expired too.
        let token = kpn_token(&server).await;
        assert_eq!(contract(&server, &token, out_of_term).await["status"], "C");

        let far = post(
            &server,
            "/order/terminate",
            &token,
            json!({"contractId": demo_contract(&server, &token, 9).await["id"], "wishDate": days_ahead(&server, 91)}),
        )
        .await;
        expect_error(&far, 400, "bad_request");
        assert!(far.1["message"].as_str().unwrap().contains("wishDate"));
        let long_reference = post(
            &server,
            "/order/terminate",
            &token,
            json!({"contractId": demo_contract(&server, &token, 9).await["id"], "referenceNumber": "x".repeat(26)}),
        )
        .await;
        expect_error(&long_reference, 400, "bad_request");
        let unknown = post(
            &server,
            "/order/terminate",
            &token,
            json!({"contractId": 999_999}),
        )
        .await;
        expect_error(&unknown, 404, "CONTRACT_NOT_FOUND");
    }
}

#[tokio::test]
async fn replace_sim_puts_a_new_physical_sim_or_an_esim_in_the_contract() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let first = demo_contract(&server, &token, 1).await;
        let id = first["id"].as_i64().unwrap();
        let other_sim = demo_contract(&server, &token, 4).await["simCardNumber"].clone();
        let new_sim = "8931160000009000001";

        // The validator: an empty 200 for a usable number, a 400 naming the problem otherwise.
        let (status, valid) = post(
            &server,
            "/order/replace-sim/validator",
            &token,
            json!({"contractId": id, "newSimCardNumber": new_sim}),
        )
        .await;
        assert_eq!((status, valid), (200, Value::Null));
        for bad in ["12345", "8947160000009000001", "89311600000090000ab", ""] {
            let refused = post(
                &server,
                "/order/replace-sim/validator",
                &token,
                json!({"contractId": id, "newSimCardNumber": bad}),
            )
            .await;
            expect_error(&refused, 400, "bad_request");
            assert!(
                refused.1["message"]
                    .as_str()
                    .unwrap()
                    .contains("newSimCardNumber")
            );
        }
        let own = post(
            &server,
            "/order/replace-sim/validator",
            &token,
            json!({"contractId": id, "newSimCardNumber": first["simCardNumber"]}),
        )
        .await;
        expect_error(&own, 400, "bad_request");
        let taken = post(
            &server,
            "/order/replace-sim/validator",
            &token,
            json!({"contractId": id, "newSimCardNumber": other_sim}),
        )
        .await;
        expect_error(&taken, 400, "VALUE_NOT_UNIQUE");

        // A physical SIM: the contract's SIM card is the new one when the order finishes.
        let (status, order) = post(
            &server,
            "/order/replace-sim",
            &token,
            json!({"contractId": id, "newSimCardNumber": new_sim, "esim": "false"}),
        )
        .await;
        assert_eq!(status, 200, "{order}");
        assert_eq!(order["operation"], "replaceSim");
        let order_id = order["id"].as_i64().unwrap();
        assert_eq!(
            contract(&server, &token, id).await["simCardNumber"],
            first["simCardNumber"]
        );
        let tracked = service_request(&server, &token, order_id).await;
        assert_eq!(tracked["attributes"]["newUiccId"], new_sim, "{tracked}");
        assert_eq!(tracked["newSim"], new_sim);
        assert_eq!(tracked["sim"], first["simCardNumber"]);
        server.advance_clock(61).await;
        assert_eq!(
            contract(&server, &token, id).await["simCardNumber"],
            new_sim
        );
        // Now in use: another contract cannot take it.
        let second = demo_contract(&server, &token, 4).await["id"]
            .as_i64()
            .unwrap();
        let in_use = post(
            &server,
            "/order/replace-sim",
            &token,
            json!({"contractId": second, "newSimCardNumber": new_sim}),
        )
        .await;
        expect_error(&in_use, 400, "VALUE_NOT_UNIQUE");

        // An eSIM needs the address its activation goes to.
        let no_email = post(
            &server,
            "/order/replace-sim",
            &token,
            json!({"contractId": second, "esim": true, "email": ""}),
        )
        .await;
        expect_error(&no_email, 400, "bad_request");
        assert!(no_email.1["message"].as_str().unwrap().contains("email"));
        let bad_email = post(
            &server,
            "/order/replace-sim",
            &token,
            json!({"contractId": second, "esim": "true", "email": "jan at example"}),
        )
        .await;
        expect_error(&bad_email, 400, "bad_request");
        let (status, order) = post(
            &server,
            "/order/replace-sim",
            &token,
            json!({"contractId": second, "esim": "true", "email": "jan.devries@demoklant.nl",
                   "confirmationCode": "4711", "newSimCardNumber": null}),
        )
        .await;
        assert_eq!(status, 200, "{order}");
        let tracked = service_request(&server, &token, order["id"].as_i64().unwrap()).await;
        let iccid = tracked["attributes"]["newUiccId"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            iccid.starts_with("8931169") && iccid.len() == 19,
            "{tracked}"
        );
        assert_eq!(tracked["attributes"]["eid"].as_str().unwrap().len(), 32);
        assert_eq!(
            tracked["attributes"]["eSimEmail"],
            "jan.devries@demoklant.nl"
        );
        server.advance_clock(61).await;
        assert_eq!(
            contract(&server, &token, second).await["simCardNumber"],
            iccid
        );

        // A blocked SIM is what one replaces: the blocked demo contract takes the order.
        let blocked = demo_contract(&server, &token, 7).await;
        assert_eq!(blocked["state"], "BLOCKED");
        let (_, operations) = get(
            &server,
            &format!("/order/operations?contractId={}", blocked["id"]),
            &token,
        )
        .await;
        assert_eq!(operations["replaceSim"]["enabled"], true, "{operations}");
        assert_eq!(operations["modify"]["enabled"], false, "{operations}");
        let (status, _) = post(
            &server,
            "/order/replace-sim",
            &token,
            json!({"contractId": blocked["id"], "newSimCardNumber": "8931160000009000002"}),
        )
        .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn a_moved_contract_shows_under_its_new_subscriber() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let moved = demo_contract(&server, &token, 5).await["id"]
            .as_i64()
            .unwrap();
        let from = employee(&server, &token, "1006").await;
        let to = employee(&server, &token, "1036").await;
        let contracts_of = |id: i64| {
            let server = &server;
            let token = &token;
            async move {
                let (status, page) = get(
                    server,
                    &format!("/hierarchy/subscribers/{id}/contracts"),
                    token,
                )
                .await;
                assert_eq!(status, 200, "{page}");
                page["result"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_i64().unwrap())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(contracts_of(from).await, vec![moved]);
        assert!(contracts_of(to).await.is_empty());

        let unknown = post(
            &server,
            "/order/move",
            &token,
            json!({"contractId": moved, "destinationGroupId": 999_999_999}),
        )
        .await;
        expect_error(&unknown, 404, "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND");
        let (_, roots) = get(&server, "/hierarchy/children", &token).await;
        let debtor = roots["result"][0]["id"].as_i64().unwrap();
        let (_, below) = get(
            &server,
            &format!("/hierarchy/children?id={debtor}&includeGroups=true"),
            &token,
        )
        .await;
        let cost_center = below["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["type"] == "COST_CENTER")
            .expect("a cost centre below the debtor")["id"]
            .clone();
        let wrong = post(
            &server,
            "/order/move",
            &token,
            json!({"contractId": moved, "destinationGroupId": cost_center}),
        )
        .await;
        expect_error(&wrong, 400, "WRONG_GROUP_TYPE");
        let same = post(
            &server,
            "/order/move",
            &token,
            json!({"contractId": moved, "destinationGroupId": from}),
        )
        .await;
        expect_error(&same, 400, "OPERATION_NOT_POSSIBLE");
        let missing = post(&server, "/order/move", &token, json!({"contractId": moved})).await;
        expect_error(&missing, 400, "bad_request");
        assert!(
            missing.1["message"]
                .as_str()
                .unwrap()
                .contains("destinationGroupId")
        );

        let (status, order) = post(
            &server,
            "/order/move",
            &token,
            json!({"contractId": moved, "destinationGroupId": to.to_string(),
                   "moveAddonBundles": null, "wishDate": ""}),
        )
        .await;
        assert_eq!(status, 200, "{order}");
        assert_eq!(order["operation"], "moveContract");
        assert_eq!(contracts_of(from).await, vec![moved]);
        server.advance_clock(61).await;
        assert_eq!(
            service_request(&server, &token, order["id"].as_i64().unwrap()).await["status"],
            "CLOSED"
        );
        assert!(contracts_of(from).await.is_empty());
        assert_eq!(contracts_of(to).await, vec![moved]);
        let (_, details) = get(&server, &format!("/contract/id/{moved}"), &token).await;
        assert_eq!(
            details["hierarchyPath"].as_array().unwrap().last().unwrap()["id"],
            to,
            "{details}"
        );
    }
}

#[tokio::test]
async fn a_ported_out_number_leaves_its_closed_contract() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let ported = demo_contract(&server, &token, 6).await;
        let id = ported["id"].as_i64().unwrap();
        assert!(ported["mobileNumber"].is_string());
        let (_, operations) = get(
            &server,
            &format!("/order/operations?contractId={id}"),
            &token,
        )
        .await;
        assert_eq!(operations["portOut"]["enabled"], true, "{operations}");
        let (status, order) = post(
            &server,
            "/order/porting-out",
            &token,
            json!({"contractId": id, "referenceNumber": "Leaving KPN"}),
        )
        .await;
        assert_eq!(status, 200, "{order}");
        assert_eq!(order["operation"], "portingOut");
        let tracked = service_request(&server, &token, order["id"].as_i64().unwrap()).await;
        assert_eq!(tracked["msisdn"], ported["mobileNumber"]);
        server.advance_clock(61).await;
        let closed = contract(&server, &token, id).await;
        assert_eq!(closed["status"], "C", "{closed}");
        assert!(
            closed.get("phoneNumber").is_none_or(Value::is_null),
            "{closed}"
        );
        let again = post(
            &server,
            "/order/porting-out",
            &token,
            json!({"contractId": id}),
        )
        .await;
        expect_error(&again, 400, "OPERATION_NOT_POSSIBLE");
    }
}

#[tokio::test]
async fn an_order_of_a_token_that_may_not_authorise_waits_for_one_that_may() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let (client, secret, app) =
            kpn_client_for(&server, "NL69599084", "Orders unauthorised").await;
        server
            .platform
            .set_kpn_privileges(
                &app,
                &[sentral_domain::kpn::Privilege::UnauthorizedOrdersCreation],
            )
            .await
            .unwrap();
        let unauthorised = kpn_token_for(&server, &client, &secret).await;
        let id = demo_contract(&server, &token, 8).await["id"]
            .as_i64()
            .unwrap();

        let (status, order) = post(
            &server,
            "/order/terminate",
            &unauthorised,
            json!({"contractId": id}),
        )
        .await;
        assert_eq!(status, 200, "{order}");
        assert_eq!(order["status"], "WaitingForAuthorization");
        let order_id = order["id"].as_i64().unwrap();
        server.advance_clock(600).await;
        let waiting = service_request(&server, &token, order_id).await;
        assert_eq!(waiting["status"], "UNAUTHORIZED", "{waiting}");
        assert_eq!(waiting["requiredAction"], "AUTHORIZATION");
        assert_eq!(contract(&server, &token, id).await["status"], "A");
        // Every KPN order waits, a subscriber's too.
        let (_, roots) = get(&server, "/hierarchy/children", &token).await;
        let debtor = roots["result"][0]["id"].as_i64().unwrap();
        let (status, created) = post(
            &server,
            "/hierarchy/subscribers",
            &unauthorised,
            json!({"groupId": debtor, "subscriber": {"surname": "Wachter"}}),
        )
        .await;
        assert_eq!(status, 200, "{created}");
        assert_eq!(created["status"], "WaitingForAuthorization");

        let denied = post(
            &server,
            "/order/authorize",
            &unauthorised,
            json!({"orderId": order_id}),
        )
        .await;
        expect_error(&denied, 403, "FORBIDDEN_FOR_USER");
        let unknown = post(
            &server,
            "/order/authorize",
            &token,
            json!({"orderId": 12_345}),
        )
        .await;
        expect_error(&unknown, 404, "ORDER_NOT_FOUND");
        let (status, authorised) = post(
            &server,
            "/order/authorize",
            &token,
            json!({"orderId": order_id.to_string()}),
        )
        .await;
        assert_eq!(status, 200, "{authorised}");
        assert_eq!(authorised["id"], order_id);
        assert_eq!(authorised["status"], "Authorized");
        assert_eq!(authorised["operation"], "terminateContract");
        let again = post(
            &server,
            "/order/authorize",
            &token,
            json!({"orderId": order_id}),
        )
        .await;
        expect_error(&again, 400, "OPERATION_NOT_POSSIBLE");
        let moving = service_request(&server, &token, order_id).await;
        assert_eq!(moving["status"], "IN_PROGRESS", "{moving}");
        assert!(moving.get("requiredAction").is_none());
        let ordered_by = moving["personsInvolved"]["orderedBy"]["accountName"].clone();
        assert_eq!(ordered_by, "Orders unauthorised");
        assert!(
            moving["personsInvolved"]["approvedBy"]["accountName"]
                .as_str()
                .is_some_and(|name| !name.is_empty() && name != "Orders unauthorised"),
            "{moving}"
        );
        // Its normal delay runs from the authorisation.
        server.advance_clock(30).await;
        assert_eq!(contract(&server, &token, id).await["status"], "A");
        server.advance_clock(31).await;
        assert_eq!(contract(&server, &token, id).await["status"], "C");
        // An order placed with the authorising privilege goes on at once.
        let (_, direct) = post(
            &server,
            "/order/porting-out",
            &token,
            json!({"contractId": demo_contract(&server, &token, 10).await["id"]}),
        )
        .await;
        assert_eq!(direct["status"], "Initialized", "{direct}");
    }
}

#[tokio::test]
async fn another_customers_contracts_and_orders_are_not_found_and_a_frozen_one_may_not_order() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let id = demo_contract(&server, &token, 11).await["id"]
            .as_i64()
            .unwrap();
        let (_, order) = post(
            &server,
            "/order/terminate",
            &token,
            json!({"contractId": id, "wishDate": days_ahead(&server, 5)}),
        )
        .await;
        let order_id = order["id"].as_i64().unwrap();
        let (client, secret, _) = kpn_client_for(&server, "930000000", "Other fleet").await;
        let other = kpn_token_for(&server, &client, &secret).await;
        for (path, body) in [
            ("/order/terminate", json!({"contractId": id})),
            ("/order/porting-out", json!({"contractId": id})),
            (
                "/order/replace-sim",
                json!({"contractId": id, "newSimCardNumber": "8931160000009000003"}),
            ),
            (
                "/order/replace-sim/validator",
                json!({"contractId": id, "newSimCardNumber": "8931160000009000003"}),
            ),
            (
                "/order/move",
                json!({"contractId": id, "destinationGroupId": 1}),
            ),
        ] {
            let hidden = post(&server, path, &other, body).await;
            expect_error(&hidden, 404, "CONTRACT_NOT_FOUND");
        }
        let fee = get(
            &server,
            &format!("/order/terminate/termination-fee?contractId={id}&wishDate=2027-01-01"),
            &other,
        )
        .await;
        expect_error(&fee, 404, "CONTRACT_NOT_FOUND");
        let min_date = get(&server, &format!("/order/terminate/{id}/min-date"), &other).await;
        expect_error(&min_date, 404, "CONTRACT_NOT_FOUND");
        let authorize = post(
            &server,
            "/order/authorize",
            &other,
            json!({"orderId": order_id}),
        )
        .await;
        expect_error(&authorize, 404, "ORDER_NOT_FOUND");

        let (client, secret, _) = kpn_client_for(&server, "NL70427135", "Frozen fleet").await;
        let frozen = kpn_token_for(&server, &client, &secret).await;
        for path in ["/order/terminate", "/order/porting-out", "/order/move"] {
            let blocked = post(&server, path, &frozen, json!({"contractId": id})).await;
            expect_error(&blocked, 403, "ORDERING_IS_BLOCKED_FOR_CUSTOMER");
        }
        // The scheduled order was never touched.
        assert_eq!(
            service_request(&server, &token, order_id).await["status"],
            "IN_PROGRESS"
        );
    }
}
