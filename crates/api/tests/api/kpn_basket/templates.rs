//! Templates saved from a basket, listed at their locations, detailed, modified, deleted.

use serde_json::{Value, json};

use super::*;
use crate::harness::TestServer;
use crate::kpn_harness::{expect_error, get, kpn_token, post};

#[tokio::test]
async fn templates_are_saved_listed_at_their_locations_detailed_modified_and_deleted() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let (customer, verkoop, marketing) = places(&server, &token).await;
        let (status, at_verkoop) = get(
            &server,
            &format!("/contracting/templates?groupId={verkoop}"),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{at_verkoop}");
        assert!(names(&at_verkoop).contains(&"Verkoop SIM only".to_owned()));
        let (_, at_marketing) = get(
            &server,
            &format!("/contracting/templates?groupId={marketing}"),
            &token,
        )
        .await;
        assert!(!names(&at_marketing).contains(&"Verkoop SIM only".to_owned()));
        assert_eq!(at_marketing.as_array().unwrap().len(), 3, "{at_marketing}");
        let old = at_marketing
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "Smartphone 5G Max (old)")
            .unwrap();
        assert_eq!(old["valid"], false);
        assert_eq!(old["customerLevel"], true);
        // An invalid template is not put in a basket.
        let employee = subscriber(&server, &token, "1037").await; // at Verkoop
        let session = change(&server, &token, None, json!({"accountGroupId": employee})).await;
        let refused = post(
            &server,
            &format!("/contracting/basket?sessionId={session}"),
            &token,
            json!({"templateId": old["id"].to_string()}),
        )
        .await;
        expect_error(&refused, 400, "INVALID_PRODUCT_CONFIGURATION");

        // SIM only with 30 GB saved at Verkoop.
        change(
            &server,
            &token,
            Some(&session),
            json!({"productActions": [
                {"productId": "TreeNode_2002", "type": "PUT"},
                {"productId": "TreeNode_2204", "type": "PUT"}
            ]}),
        )
        .await;
        let save = |session: String, body: Value| {
            let server = &server;
            let token = &token;
            async move {
                post(
                    server,
                    &format!("/contracting/basket/save-as-template?sessionId={session}"),
                    token,
                    body,
                )
                .await
            }
        };
        expect_error(
            &save(session.clone(), json!({"groupId": verkoop})).await,
            400,
            "bad_request",
        );
        expect_error(
            &save(session.clone(), json!({"name": "Sales\u{0}"})).await,
            400,
            "bad_request",
        );
        let (status, saved) = save(
            session.clone(),
            json!({"groupId": verkoop.to_string(), "name": "Sales SIM only 30 GB"}),
        )
        .await;
        assert_eq!(status, 200, "{saved}");
        let id = saved["id"].as_i64().unwrap();
        let (_, at_verkoop) = get(
            &server,
            &format!("/contracting/templates?groupId={verkoop}"),
            &token,
        )
        .await;
        assert!(names(&at_verkoop).contains(&"Sales SIM only 30 GB".to_owned()));
        let (_, at_marketing) = get(
            &server,
            &format!("/contracting/templates?groupId={marketing}"),
            &token,
        )
        .await;
        assert!(!names(&at_marketing).contains(&"Sales SIM only 30 GB".to_owned()));
        // A Marketing employee's basket does not offer it; a Verkoop one's does.
        let other = subscriber(&server, &token, "1038").await;
        let elsewhere = change(&server, &token, None, json!({"accountGroupId": other})).await;
        let (_, offered) = get(
            &server,
            &format!("/contracting/basket/templates?sessionId={elsewhere}"),
            &token,
        )
        .await;
        assert!(!names(&offered["result"]).contains(&"Sales SIM only 30 GB".to_owned()));
        let (_, offered) = get(
            &server,
            &format!("/contracting/basket/templates?sessionId={session}&pattern=sales"),
            &token,
        )
        .await;
        assert_eq!(
            names(&offered["result"]),
            ["Sales SIM only 30 GB"],
            "{offered}"
        );

        let (status, details) = get(&server, &format!("/contracting/templates/{id}"), &token).await;
        assert_eq!(status, 200, "{details}");
        assert_eq!(details["name"], "Sales SIM only 30 GB");
        assert_eq!(details["valid"], true);
        assert_eq!(details["customerLevel"], false);
        let location = details["locations"][0].as_array().unwrap();
        assert_eq!(location[0]["id"], customer, "{details}");
        assert_eq!(location[0]["type"], "CUSTOMER");
        assert_eq!(location.last().unwrap()["id"], verkoop);
        let product = &details["items"][0];
        assert_eq!(
            product["productName"]["en"], "SIM only voice and data",
            "{details}"
        );
        assert_eq!(product["option"], "REQUIRED");
        let data = product["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["productName"]["en"] == "Data")
            .unwrap();
        let option = |en: &str| {
            data["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["productName"]["en"] == en)
                .unwrap()["option"]
                .clone()
        };
        assert_eq!(option("Data EU 30 GB"), "REQUIRED", "{data}");
        assert_eq!(option("Data EU 10 GB"), "DEFAULT_DESELECTED");
        assert_eq!(option("Data EU Unlimited"), "AVAILABLE");

        // Modified through a basket opened with templateIdToModify.
        let editing = change(&server, &token, None, json!({"templateIdToModify": id})).await;
        change(&server, &token, Some(&editing), put("TreeNode_2205")).await;
        expect_error(
            &order(&server, &token, &editing, json!({})).await,
            400,
            "OPERATION_NOT_POSSIBLE",
        );
        let (status, _) = post(
            &server,
            &format!("/contracting/basket/modify-template?sessionId={editing}"),
            &token,
            json!({}),
        )
        .await;
        assert_eq!(status, 200);
        let (_, details) = get(&server, &format!("/contracting/templates/{id}"), &token).await;
        let data = details["items"][0]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["productName"]["en"] == "Data")
            .unwrap()
            .clone();
        let unlimited = data["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["productName"]["en"] == "Data EU Unlimited")
            .unwrap();
        assert_eq!(unlimited["option"], "REQUIRED", "{data}");
        // Not a template-editing basket.
        let (_, plain) = (0, session.clone());
        expect_error(
            &post(
                &server,
                &format!("/contracting/basket/modify-template?sessionId={plain}"),
                &token,
                json!({}),
            )
            .await,
            400,
            "OPERATION_NOT_POSSIBLE",
        );
        // Hardware and an incomplete basket are not saved.
        change(&server, &token, Some(&session), put("TreeNode_3001")).await;
        expect_error(
            &save(session.clone(), json!({"name": "With a phone"})).await,
            400,
            "INVALID_PRODUCT_CONFIGURATION",
        );
        change(&server, &token, Some(&session), remove("TreeNode_3001")).await;
        change(&server, &token, Some(&session), remove("TreeNode_2204")).await;
        expect_error(
            &save(session.clone(), json!({"name": "No data"})).await,
            400,
            "BASKET_INVALID",
        );

        let (status, _) = post(
            &server,
            &format!("/contracting/templates/{id}/delete"),
            &token,
            json!({}),
        )
        .await;
        assert_eq!(status, 200);
        expect_error(
            &get(&server, &format!("/contracting/templates/{id}"), &token).await,
            404,
            "CONTEXT_OBJECT_NOT_FOUND",
        );
        expect_error(
            &post(
                &server,
                &format!("/contracting/templates/{id}/delete"),
                &token,
                json!({}),
            )
            .await,
            404,
            "CONTEXT_OBJECT_NOT_FOUND",
        );
        server.stop().await;
    }
}
