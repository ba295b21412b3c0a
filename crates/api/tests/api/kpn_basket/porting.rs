//! Port-in characteristics and their error names; the session's 30 idle minutes.

use serde_json::json;

use super::*;
use crate::harness::TestServer;
use crate::kpn_harness::{expect_error, get, kpn_token, post};

#[tokio::test]
async fn port_in_characteristics_are_revealed_and_checked() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let employee = subscriber(&server, &token, "1037").await;
        let session = change(&server, &token, None, json!({"accountGroupId": employee})).await;
        // No characteristics before a mobile subscription is selected.
        let early = post(
            &server,
            &format!("/contracting/basket?sessionId={session}"),
            &token,
            json!({"characteristicActions": [{"name": "porting", "value": "true"}]}),
        )
        .await;
        expect_error(&early, 400, "bad_request");
        change(&server, &token, Some(&session), put("TreeNode_2001")).await;
        let snapshot = basket(&server, &token, &session).await;
        let porting = &snapshot["characteristics"]["porting"];
        assert_eq!(porting["value"], "false", "{porting}");
        assert_eq!(porting["possibleValues"][1]["value"], "true");
        assert_eq!(porting["possibleValues"][1]["caption"]["en"], "true");
        assert!(snapshot["characteristics"]["phoneNumber"].is_null());

        change(
            &server,
            &token,
            Some(&session),
            json!({"characteristicActions": [{"name": "porting", "value": "true"}]}),
        )
        .await;
        let (_, revealed) = get(
            &server,
            &format!("/contracting/basket/characteristics?sessionId={session}"),
            &token,
        )
        .await;
        for name in [
            "phoneNumber",
            "customerNumber",
            "customerName",
            "keepExistingSimCard",
            "note",
        ] {
            assert_eq!(revealed[name]["name"], name, "{revealed}");
        }
        assert_eq!(revealed["keepExistingSimCard"]["value"], "false");
        let set = |name: &str, value: String| json!({"characteristicActions": [{"name": name, "value": value}]});
        let path = format!("/contracting/basket?sessionId={session}");
        for (name, value, error) in [
            (
                "phoneNumber",
                "0612345678".to_owned(),
                "INVALID_MSISDN_FORMAT_NOT_VALID",
            ),
            (
                "phoneNumber",
                "3197012345678".to_owned(),
                "INVALID_MSISDN_LENGTH_FOR_THIS_PRODUCT",
            ),
            // Demo contracts' numbers: an active one, and the blocked one.
            (
                "phoneNumber",
                "31610001010".to_owned(),
                "INVALID_MSISDN_ALREADY_EXISTS_FOR_A_CUSTOMER",
            ),
            (
                "phoneNumber",
                "31610001007".to_owned(),
                "INVALID_MSISDN_IS_BLOCKED",
            ),
            ("customerNumber", String::new(), "INVALID_CUSTOMER_NUMBER"),
            ("customerNumber", "K".repeat(71), "INVALID_CUSTOMER_NUMBER"),
            ("customerName", "N".repeat(21), "INVALID_CUSTOMER_NAME"),
            ("note", "n".repeat(61), "INVALID_NOTE"),
            ("colour", "red".to_owned(), "bad_request"),
            ("keepExistingSimCard", "maybe".to_owned(), "bad_request"),
        ] {
            let refused = post(&server, &path, &token, set(name, value.clone())).await;
            expect_error(&refused, 400, error);
            assert!(
                refused.1["message"].as_str().unwrap().contains(name),
                "{name}: {}",
                refused.1
            );
        }
        // The limits themselves are taken.
        for (name, value) in [
            ("customerNumber", "K".repeat(70)),
            ("customerName", "N".repeat(20)),
            ("note", "n".repeat(60)),
        ] {
            change(&server, &token, Some(&session), set(name, value)).await;
        }

        // Porting disables the hardware: a handset put in is in error, and so is the order.
        change(&server, &token, Some(&session), put("TreeNode_3001")).await;
        let snapshot = basket(&server, &token, &session).await;
        let handset = node(&snapshot["productTree"], "TreeNode_3001").unwrap();
        assert_eq!(handset["disabled"], true, "{handset}");
        assert!(handset["error"]["message"]["en"].is_string(), "{handset}");
        let invalid = order(&server, &token, &session, json!({})).await;
        expect_error(&invalid, 400, "BASKET_INVALID");
        assert!(
            invalid.1["message"]
                .as_str()
                .unwrap()
                .contains("TreeNode_3001")
        );
        change(&server, &token, Some(&session), remove("TreeNode_3001")).await;
        let missing = order(&server, &token, &session, json!({})).await;
        expect_error(&missing, 400, "BASKET_INVALID");
        assert!(
            missing.1["message"]
                .as_str()
                .unwrap()
                .contains("phoneNumber")
        );
        change(
            &server,
            &token,
            Some(&session),
            json!({"characteristicActions": [
                {"name": "phoneNumber", "value": "31687654321"},
                {"name": "customerNumber", "value": "KL-778899"}
            ]}),
        )
        .await;
        let late = order(&server, &token, &session, json!({"wishDate": "2099-01-01"})).await;
        expect_error(&late, 400, "INVALID_WISH_DATE");
        // A NUL (which PostgreSQL cannot store) is a 400, and a made-up session id a 404.
        let nul = order(
            &server,
            &token,
            &session,
            json!({"referenceNumber": "Ref\u{0}"}),
        )
        .await;
        expect_error(&nul, 400, "bad_request");
        let odd = get(&server, "/contracting/basket?sessionId=ab%00cd", &token).await;
        expect_error(&odd, 404, "CONTEXT_OBJECT_NOT_FOUND");
        let long = order(
            &server,
            &token,
            &session,
            json!({"referenceNumber": "R".repeat(26)}),
        )
        .await;
        expect_error(&long, 400, "bad_request");
        let (status, confirmation) =
            order(&server, &token, &session, json!({"wishDate": null})).await;
        assert_eq!(status, 200, "{confirmation}");
        let order_id = confirmation["orderId"].as_i64().unwrap();
        let (_, details) = get(
            &server,
            &format!("/track-and-trace/orders/{order_id}"),
            &token,
        )
        .await;
        assert_eq!(details["portingCustomerNumber"], "KL-778899", "{details}");
        assert_eq!(details["msisdn"], "31687654321");
        // changePortingData: the spec's table; a new customer number and a later wish date.
        let porting_data = format!("/track-and-trace/orders/{order_id}/porting-data");
        let both = post(
            &server,
            &porting_data,
            &token,
            json!({"newWishDate": "2026-12-20", "asap": true}),
        )
        .await;
        expect_error(&both, 400, "bad_request");
        let neither = post(&server, &porting_data, &token, json!({"asap": false})).await;
        expect_error(&neither, 400, "bad_request");
        let long = post(
            &server,
            &porting_data,
            &token,
            json!({"customerNumber": "9".repeat(71)}),
        )
        .await;
        expect_error(&long, 400, "INVALID_CUSTOMER_NUMBER");
        let (status, body) = post(
            &server,
            &porting_data,
            &token,
            json!({"newWishDate": null, "asap": "true", "customerNumber": "KL-112233"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let (_, details) = get(
            &server,
            &format!("/track-and-trace/orders/{order_id}"),
            &token,
        )
        .await;
        assert_eq!(details["portingCustomerNumber"], "KL-112233", "{details}");
        // A port-in delivers no hardware; another order is not a port-in.
        let (status, hardware) = get(
            &server,
            &format!("/track-and-trace/orders/{order_id}/hardware"),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{hardware}");
        assert_eq!(hardware, json!([]));
        let unknown = post(
            &server,
            "/track-and-trace/orders/99999999/porting-data",
            &token,
            json!({"asap": true}),
        )
        .await;
        expect_error(&unknown, 404, "ORDER_NOT_FOUND");
        until_closed(&server, &token, order_id).await;
        let closed = post(&server, &porting_data, &token, json!({"asap": true})).await;
        expect_error(&closed, 400, "OPERATION_NOT_POSSIBLE");
        let contracts = contracts_of(&server, &token, employee).await;
        assert_eq!(contracts[0]["mobileNumber"], "31687654321", "{contracts:?}");
        assert_eq!(contracts[0]["state"], "ACTIVE");
        server.stop().await;
    }
}

#[tokio::test]
async fn a_session_expires_after_thirty_idle_minutes_on_the_sandbox_clock() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let employee = subscriber(&server, &token, "1036").await;
        let session = change(&server, &token, None, json!({"accountGroupId": employee})).await;
        // Without sessionId the caller's latest open session is meant.
        assert_eq!(
            change(&server, &token, None, put("TreeNode_2002")).await,
            session
        );
        let (status, _) = get(&server, "/contracting/basket", &token).await;
        assert_eq!(status, 200);
        // A change after 20 minutes keeps it for another 30.
        server.advance_clock(20 * 60).await;
        change(&server, &token, Some(&session), put("TreeNode_2204")).await;
        server.advance_clock(20 * 60).await;
        basket(&server, &token, &session).await;
        server.advance_clock(11 * 60).await;
        let expired = get(
            &server,
            &format!("/contracting/basket?sessionId={session}"),
            &token,
        )
        .await;
        expect_error(&expired, 404, "CONTEXT_OBJECT_NOT_FOUND");
        let message = expired.1["message"].as_str().unwrap();
        assert!(
            message.contains("expired") && message.contains("POST /contracting/basket"),
            "{message}"
        );
        let changed = post(
            &server,
            &format!("/contracting/basket?sessionId={session}"),
            &token,
            put("TreeNode_2001"),
        )
        .await;
        expect_error(&changed, 404, "CONTEXT_OBJECT_NOT_FOUND");
        expect_error(
            &get(&server, "/contracting/basket", &token).await,
            404,
            "CONTEXT_OBJECT_NOT_FOUND",
        );
        // A POST without sessionId then opens a new one.
        let fresh = change(&server, &token, None, json!({"accountGroupId": employee})).await;
        assert_ne!(fresh, session);
        server.stop().await;
    }
}
