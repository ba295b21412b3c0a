//! A contract modified through a basket: prices, errors on nodes, the order and its items.

use serde_json::{Value, json};

use super::*;
use crate::harness::TestServer;
use crate::kpn_harness::{expect_error, get, kpn_token, post};

#[tokio::test]
async fn a_product_is_added_to_and_removed_from_an_existing_contract() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let holder = subscriber(&server, &token, "1011").await;
        let contract = contracts_of(&server, &token, holder).await[0].clone();
        let contract_id = contract["id"].as_i64().unwrap();
        assert_eq!(contract["state"], "ACTIVE");
        let (_, before) = get(
            &server,
            &format!("/contract/id/{contract_id}/items"),
            &token,
        )
        .await;

        let session = change(&server, &token, None, json!({"contractId": contract_id})).await;
        let snapshot = basket(&server, &token, &session).await;
        // The contract's 2001, 2101, 2102, 2103: 10.00 + 15.00 + 15.00 a month.
        assert_eq!(price(&snapshot, "oldPrice"), (0, 4000));
        assert_eq!(price(&snapshot, "totalPrice"), (0, 4000));
        let smartphone = node(&snapshot["productTree"], "TreeNode_2001")
            .unwrap()
            .clone();
        assert_eq!(smartphone["contracted"], true);
        assert_eq!(
            node(&snapshot["productTree"], "TreeNode_2122").unwrap()["contracted"],
            false
        );
        let unchanged = order(&server, &token, &session, json!({})).await;
        expect_error(&unchanged, 400, "BASKET_INVALID");

        // World Zone 1 5 GB: 25.00 a month more, then gone again.
        change(&server, &token, Some(&session), put("TreeNode_2122")).await;
        let snapshot = basket(&server, &token, &session).await;
        assert_eq!(price(&snapshot, "totalPrice"), (0, 6500));
        assert_eq!(price(&snapshot, "oldPrice"), (0, 4000));
        change(&server, &token, Some(&session), remove("TreeNode_2122")).await;
        assert_eq!(
            price(&basket(&server, &token, &session).await, "totalPrice"),
            (0, 4000)
        );

        // Without a calling bundle the required group is in error, and the order names it.
        change(
            &server,
            &token,
            Some(&session),
            json!({"productActions": [
                {"productId": "TreeNode_2122", "type": "PUT"},
                {"productId": "TreeNode_2101", "type": "REMOVE"}
            ]}),
        )
        .await;
        let calling = child_named(&smartphone, "Calling");
        let snapshot = basket(&server, &token, &session).await;
        let group = node(&snapshot["productTree"], &calling).unwrap();
        assert_eq!(group["childrenSelectionStrategy"], "SELECT_ONE");
        assert!(
            group["error"]["message"]["en"]
                .as_str()
                .unwrap()
                .contains("Calling"),
            "{group}"
        );
        assert!(group["error"]["hint"]["nl"].is_string());
        let invalid = order(&server, &token, &session, json!({})).await;
        expect_error(&invalid, 400, "BASKET_INVALID");
        assert!(
            invalid.1["message"].as_str().unwrap().contains(&calling),
            "{}",
            invalid.1
        );
        // The subscription itself is not removed in a basket.
        let terminate = post(
            &server,
            &format!("/contracting/basket?sessionId={session}"),
            &token,
            remove("TreeNode_2001"),
        )
        .await;
        expect_error(&terminate, 400, "OPERATION_NOT_POSSIBLE");

        // Calling 250 minutes (9.00): 10.00 + 9.00 + 15.00 + 25.00.
        change(&server, &token, Some(&session), put("TreeNode_2111")).await;
        let snapshot = basket(&server, &token, &session).await;
        assert_eq!(price(&snapshot, "totalPrice"), (0, 5900));
        assert!(node(&snapshot["productTree"], &calling).unwrap()["error"].is_null());
        let (status, confirmation) = order(
            &server,
            &token,
            &session,
            json!({"referenceNumber": "Modify-1011"}),
        )
        .await;
        assert_eq!(status, 200, "{confirmation}");
        let order_id = confirmation["orderId"].as_i64().unwrap();
        let (_, pending) = get(&server, &format!("/contract/id/{contract_id}"), &token).await;
        assert_eq!(pending["status"], "P", "{pending}");
        let (_, details) = get(
            &server,
            &format!("/track-and-trace/orders/{order_id}"),
            &token,
        )
        .await;
        assert_eq!(details["recurringCostInCents"], 1900, "{details}");
        let removed: Vec<&Value> = details["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["status"] == "REMOVE")
            .collect();
        assert_eq!(removed.len(), 1, "{details}");
        assert_eq!(removed[0]["id"], "TreeNode_2101");
        // A second basket on the contract waits until this one is done.
        let again = post(
            &server,
            "/contracting/basket",
            &token,
            json!({"contractId": contract_id}),
        )
        .await;
        expect_error(&again, 400, "OPERATION_NOT_POSSIBLE");

        until_closed(&server, &token, order_id).await;
        let (_, active) = get(&server, &format!("/contract/id/{contract_id}"), &token).await;
        assert_eq!(active["status"], "A", "{active}");
        let (_, after) = get(
            &server,
            &format!("/contract/id/{contract_id}/items"),
            &token,
        )
        .await;
        let subscription = &after["children"][0];
        // The kept items keep their ids.
        assert_eq!(subscription["id"], before["children"][0]["id"], "{after}");
        let bs: Vec<i64> = subscription["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["productBsId"].as_i64().unwrap())
            .collect();
        assert!(
            bs.contains(&2111) && bs.contains(&2122) && bs.contains(&2102),
            "{bs:?}"
        );
        assert!(!bs.contains(&2101), "{bs:?}");
        server.stop().await;
    }
}

#[tokio::test]
async fn a_terminated_contract_is_reactivated_with_its_previous_number() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let holder = subscriber(&server, &token, "1005").await;
        let contract = contracts_of(&server, &token, holder).await[0].clone();
        let number = contract["mobileNumber"].as_str().unwrap().to_owned();
        let (status, terminate) = post(
            &server,
            "/order/terminate",
            &token,
            json!({"contractId": contract["id"], "referenceNumber": "Offboarding-1005"}),
        )
        .await;
        assert_eq!(status, 200, "{terminate}");
        let termination = terminate["id"].as_i64().unwrap();
        let reactivate = json!({"accountGroupId": holder, "orderId": termination.to_string()});
        // Not before the contract is terminated.
        let early = post(&server, "/contracting/basket", &token, reactivate.clone()).await;
        expect_error(&early, 400, "OPERATION_NOT_POSSIBLE");
        for _ in 0..10 {
            let (_, request) = get(
                &server,
                &format!("/track-and-trace/service-requests/{termination}"),
                &token,
            )
            .await;
            if request["status"] == "CLOSED" {
                break;
            }
            server.advance_clock(20).await;
        }
        assert_eq!(
            contracts_of(&server, &token, holder).await[0]["state"],
            "CLOSED"
        );
        let unknown = post(
            &server,
            "/contracting/basket",
            &token,
            json!({"accountGroupId": holder, "orderId": 1}),
        )
        .await;
        expect_error(&unknown, 404, "ORDER_NOT_FOUND");
        let alone = post(
            &server,
            "/contracting/basket",
            &token,
            json!({"orderId": termination}),
        )
        .await;
        expect_error(&alone, 400, "bad_request");

        let session = change(&server, &token, None, reactivate).await;
        change(&server, &token, Some(&session), put("TreeNode_2001")).await;
        let snapshot = basket(&server, &token, &session).await;
        let previous = &snapshot["characteristics"]["previousPhoneNumber"];
        assert_eq!(previous["value"], number.as_str(), "{snapshot}");
        assert_eq!(previous["possibleValues"][0]["value"], number.as_str());
        let changed = post(
            &server,
            &format!("/contracting/basket?sessionId={session}"),
            &token,
            json!({"characteristicActions": [{"name": "previousPhoneNumber", "value": "31699999999"}]}),
        )
        .await;
        expect_error(&changed, 400, "bad_request");
        let (status, confirmation) = order(&server, &token, &session, json!({})).await;
        assert_eq!(status, 200, "{confirmation}");
        let contracts = contracts_of(&server, &token, holder).await;
        let new = contracts
            .iter()
            .find(|c| c["state"] == "ORDERED")
            .expect("ordered");
        assert_eq!(new["mobileNumber"], number.as_str(), "{contracts:?}");
        until_closed(&server, &token, confirmation["orderId"].as_i64().unwrap()).await;
        server.stop().await;
    }
}
