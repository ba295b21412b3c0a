//! KPN contracting (issue 12): the basket session flow on the stored catalogue, the order it
//! becomes and the contract that order makes or changes, templates, on every backend.

mod catalogue;
mod modify;
mod porting;
mod templates;

use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::kpn_harness::{expect_error, get, kpn_token, post};

/// The one demo subscriber with `number`.
pub(super) async fn subscriber(server: &TestServer, token: &str, number: &str) -> i64 {
    let (status, found) = get(
        server,
        &format!("/hierarchy/subscribers?filters=EMPLOYEE_NUMBER:%22{number}%22"),
        token,
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["total"], 1, "{found}");
    found["result"][0]["id"].as_i64().unwrap()
}

/// A basket POST that must succeed; answers the session id.
pub(super) async fn change(
    server: &TestServer,
    token: &str,
    session: Option<&str>,
    body: Value,
) -> String {
    let path = match session {
        Some(id) => format!("/contracting/basket?sessionId={id}"),
        None => "/contracting/basket".to_owned(),
    };
    let (status, answer) = post(server, &path, token, body.clone()).await;
    assert_eq!(status, 200, "{body} → {answer}");
    let id = answer["sessionId"].as_str().expect("sessionId").to_owned();
    if let Some(session) = session {
        assert_eq!(id, session, "{answer}");
    }
    id
}

pub(super) async fn basket(server: &TestServer, token: &str, session: &str) -> Value {
    let (status, body) = get(
        server,
        &format!("/contracting/basket?sessionId={session}"),
        token,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The node `id` anywhere in a product tree.
pub(super) fn node<'a>(tree: &'a Value, id: &str) -> Option<&'a Value> {
    tree.as_array()?.iter().find_map(|item| {
        if item["id"] == id {
            Some(item)
        } else {
            node(&item["children"], id)
        }
    })
}

pub(super) fn price(snapshot: &Value, which: &str) -> (i64, i64) {
    let price = &snapshot[which];
    let one_time = [
        "activationFeeInCents",
        "hardwareFeeInCents",
        "privateCopyingLevyInCents",
    ]
    .iter()
    .map(|f| price["oneTime"][f].as_i64().unwrap())
    .sum();
    (
        one_time,
        price["recurring"]["monthlyFeeInCents"].as_i64().unwrap(),
    )
}

/// Polls the order until CLOSED, the sandbox clock moving on meanwhile.
pub(super) async fn until_closed(server: &TestServer, token: &str, id: i64) -> Value {
    for _ in 0..10 {
        let (status, order) = get(server, &format!("/track-and-trace/orders/{id}"), token).await;
        assert_eq!(status, 200, "{order}");
        if order["status"] == "CLOSED" {
            return order;
        }
        server.advance_clock(20).await;
    }
    panic!("order {id} never closed");
}

pub(super) async fn contracts_of(server: &TestServer, token: &str, subscriber: i64) -> Vec<Value> {
    let (status, page) = get(
        server,
        &format!("/hierarchy/subscribers/{subscriber}/contracts"),
        token,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page["result"].as_array().unwrap().clone()
}

/// The id of the node named `en` below `parent` in a product tree.
pub(super) fn child_named(parent: &Value, en: &str) -> String {
    parent["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|child| child["name"]["en"] == en)
        .unwrap_or_else(|| panic!("{en} below {}", parent["id"]))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(super) async fn order(
    server: &TestServer,
    token: &str,
    session: &str,
    body: Value,
) -> (u16, Value) {
    post(
        server,
        &format!("/contracting/basket/order?sessionId={session}"),
        token,
        body,
    )
    .await
}

pub(super) fn put(id: &str) -> Value {
    json!({"productActions": [{"productId": id, "type": "PUT"}]})
}

pub(super) fn remove(id: &str) -> Value {
    json!({"productActions": [{"productId": id, "type": "REMOVE"}]})
}

/// The demo groups by name: (customer item, Verkoop, Marketing).
pub(super) async fn places(server: &TestServer, token: &str) -> (i64, i64, i64) {
    let (_, roots) = get(server, "/hierarchy/children?includeCustomer=true", token).await;
    let customer = roots["result"][0]["id"].as_i64().unwrap();
    let (_, debtors) = get(server, "/hierarchy/children", token).await;
    let debtor = debtors["result"][0]["id"].as_i64().unwrap();
    let (_, below) = get(
        server,
        &format!("/hierarchy/children?id={debtor}&to=100"),
        token,
    )
    .await;
    let named = |name: &str| {
        below["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {below}"))["id"]
            .as_i64()
            .unwrap()
    };
    (customer, named("Verkoop"), named("Marketing"))
}

pub(super) fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_new_employee_gets_a_phone_from_a_template_with_an_esim() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        // 1038 holds no contract yet.
        let employee = subscriber(&server, &token, "1038").await;
        assert!(contracts_of(&server, &token, employee).await.is_empty());

        // The id as a numeric string, as scripting clients send it.
        let session = change(
            &server,
            &token,
            None,
            json!({"accountGroupId": employee.to_string()}),
        )
        .await;
        let (status, templates) = get(
            &server,
            &format!(
                "/contracting/basket/templates?sessionId={session}&mainProductCategory=MOBILE"
            ),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{templates}");
        let names: Vec<&str> = templates["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        // The Verkoop template is not at this employee's location (Marketing).
        assert_eq!(
            names,
            [
                "Smartphone EU - Unlimited abonnement",
                "Data only 10 GB",
                "Smartphone 5G Max (old)"
            ],
            "{templates}"
        );
        assert_eq!(templates["total"], 3);
        let old = &templates["result"][2];
        assert_eq!(old["valid"], false, "{old}");
        assert_eq!(old["reason"], "NOT_SUPPORTED_PRODUCT", "{old}");
        let template = &templates["result"][0];
        assert_eq!(template["valid"], true, "{template}");
        assert_eq!(template["product"]["bsId"], 2001, "{template}");
        let template_id = template["id"].as_str().expect("Template.id is a string");

        change(
            &server,
            &token,
            Some(&session),
            json!({"templateId": template_id}),
        )
        .await;
        // eSim (as the string "true") reveals the e-mail and the confirmation code.
        change(
            &server,
            &token,
            Some(&session),
            json!({"characteristicActions": [{"name": "eSim", "value": "true"}]}),
        )
        .await;
        let (_, characteristics) = get(
            &server,
            &format!("/contracting/basket/characteristics?sessionId={session}"),
            &token,
        )
        .await;
        assert_eq!(
            characteristics["eSim"]["value"], "true",
            "{characteristics}"
        );
        assert!(
            characteristics["eSimEmail"].is_object(),
            "{characteristics}"
        );
        assert!(characteristics["eSimConfirmationCode"].is_object());
        let early = post(
            &server,
            &format!("/contracting/basket/order?sessionId={session}"),
            &token,
            json!({"referenceNumber": "Connector-01122026"}),
        )
        .await;
        expect_error(&early, 400, "BASKET_INVALID");
        assert!(
            early.1["message"].as_str().unwrap().contains("eSimEmail"),
            "{}",
            early.1
        );
        change(
            &server,
            &token,
            Some(&session),
            json!({"characteristicActions": [
                {"name": "eSimEmail", "value": "sanne.devries@demoklant.nl"},
                {"name": "eSimConfirmationCode", "value": "4711-ESIM"}
            ]}),
        )
        .await;

        // Read back with its price: the subscription and the template's add-ons.
        let snapshot = basket(&server, &token, &session).await;
        let smartphone = node(&snapshot["productTree"], "TreeNode_2001").expect("2001");
        assert_eq!(smartphone["name"]["en"], "Smartphone Subscription");
        assert_eq!(smartphone["selected"], true);
        assert_eq!(smartphone["childrenSelectionStrategy"], "SELECT_MANY");
        for id in [
            "TreeNode_2101",
            "TreeNode_2102",
            "TreeNode_2103",
            "TreeNode_2121",
        ] {
            assert_eq!(
                node(&snapshot["productTree"], id).unwrap()["selected"],
                true,
                "{id}"
            );
        }
        assert_eq!(
            node(&snapshot["productTree"], "TreeNode_2113").unwrap()["selected"],
            false
        );
        // 2001: 25.00 once and 10.00 a month; calling 15.00, data 15.00, World Zone 1 7.50.
        assert_eq!(
            price(&snapshot, "totalPrice"),
            (2500, 4750),
            "{}",
            snapshot["totalPrice"]
        );
        assert_eq!(price(&snapshot, "oldPrice"), (0, 0));
        assert_eq!(
            snapshot["characteristics"]["eSimEmail"]["value"],
            "sanne.devries@demoklant.nl"
        );

        let (status, confirmation) = post(
            &server,
            &format!("/contracting/basket/order?sessionId={session}"),
            &token,
            json!({"referenceNumber": "Connector-01122026", "wishDate": null}),
        )
        .await;
        assert_eq!(status, 200, "{confirmation}");
        let order_id = confirmation["orderId"].as_i64().unwrap();

        // Listed at once, ORDERED, with a number from the pool.
        let ordered = contracts_of(&server, &token, employee).await;
        assert_eq!(ordered.len(), 1, "{ordered:?}");
        assert_eq!(ordered[0]["state"], "ORDERED");
        assert_eq!(ordered[0]["product"]["en"], "Smartphone Subscription");
        let msisdn = ordered[0]["mobileNumber"].as_str().unwrap().to_owned();
        assert!(msisdn.starts_with("3162000"), "{msisdn}");
        let (_, orders) = get(
            &server,
            "/track-and-trace/orders?patterns=Connector-01122026",
            &token,
        )
        .await;
        assert_eq!(orders["total"], 1, "{orders}");
        assert_eq!(orders["result"][0]["id"], order_id);
        let (_, details) = get(
            &server,
            &format!("/track-and-trace/orders/{order_id}"),
            &token,
        )
        .await;
        assert_eq!(
            details["customerReference"], "Connector-01122026",
            "{details}"
        );
        assert_eq!(details["type"]["en"], "Contracting", "{details}");
        assert_eq!(
            details["eSimEmail"], "sanne.devries@demoklant.nl",
            "{details}"
        );
        assert_eq!(details["eSimConfirmationCode"], "4711-ESIM");
        assert_eq!(details["oneTimeCostInCents"], 2500);
        assert_eq!(details["recurringCostInCents"], 4750);
        assert_eq!(details["items"][0]["id"], "TreeNode_2001", "{details}");
        assert_eq!(details["items"][0]["mobileNumbers"][0], msisdn.as_str());
        assert!(details["items"][0]["children"].as_array().unwrap().len() >= 4);
        let (_, pretty) = get(
            &server,
            &format!("/track-and-trace/orders/{order_id}/pretty"),
            &token,
        )
        .await;
        let lines = pretty["items"]["Smartphone Subscription"]
            .as_array()
            .unwrap();
        assert_eq!(lines.len(), 8, "{pretty}");
        assert_eq!(lines[0]["mobileNumbers"][0], msisdn.as_str());
        // The session is closed by the order.
        let closed = get(
            &server,
            &format!("/contracting/basket?sessionId={session}"),
            &token,
        )
        .await;
        expect_error(&closed, 404, "CONTEXT_OBJECT_NOT_FOUND");

        let finished = until_closed(&server, &token, order_id).await;
        assert!(finished["finishDate"].is_string(), "{finished}");
        let active = contracts_of(&server, &token, employee).await;
        assert_eq!(active.len(), 1);
        assert_eq!(active[0]["state"], "ACTIVE", "{active:?}");
        assert_eq!(active[0]["product"]["en"], "Smartphone Subscription");
        assert_eq!(active[0]["mobileNumber"], msisdn.as_str());
        assert!(
            active[0]["simCardNumber"]
                .as_str()
                .unwrap()
                .starts_with("893119")
        );
        let contract_id = active[0]["id"].as_i64().unwrap();
        let (_, items) = get(
            &server,
            &format!("/contract/id/{contract_id}/items"),
            &token,
        )
        .await;
        let subscription = &items["children"][0];
        assert_eq!(subscription["productBsId"], 2001, "{items}");
        let bs: Vec<i64> = subscription["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["productBsId"].as_i64().unwrap())
            .collect();
        for wanted in [2101, 2102, 2103, 2121, 2131, 2133, 2141] {
            assert!(bs.contains(&wanted), "{wanted} in {bs:?}");
        }
        // The number is taken: the pool no longer offers it.
        let (_, free) = get(
            &server,
            "/contracting/basket/resources?prefix=06200&limit=100",
            &token,
        )
        .await;
        assert!(
            free.as_array()
                .unwrap()
                .iter()
                .all(|r| r["address"] != msisdn.as_str())
        );
        server.stop().await;
    }
}
