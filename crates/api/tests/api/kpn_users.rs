//! KPN portal users (`rest-user-controller`): GRIP identities, roles and their privileges, a
//! subscriber linked to an identity by an order, its roles and managed groups edited — and a
//! token acting for such a user held to its privileges and its managed groups; another
//! customer sees none of it; on every backend.

use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::kpn_harness::{expect_error, get, kpn_client_for, kpn_token, kpn_token_for, post};

const DEMO: &str = "NL69599084";
const FROZEN: &str = "NL70427135";

async fn ok(server: &TestServer, path: &str, token: &str) -> Value {
    let (status, body) = get(server, path, token).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect()
}

/// The demo roles by name.
async fn role(server: &TestServer, token: &str, name: &str) -> i64 {
    let roles = ok(server, "/hierarchy/subscribers/roles?to=100", token).await;
    roles["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|role| role["name"] == name)
        .unwrap_or_else(|| panic!("role {name}: {roles}"))["id"]
        .as_i64()
        .unwrap()
}

/// The demo users (subscribers linked to a GRIP identity), by id.
async fn users(server: &TestServer, token: &str) -> Vec<i64> {
    let list = ok(server, "/hierarchy/subscribers?userOnly=true&to=100", token).await;
    let mut users = ids(&list["result"]);
    users.sort_unstable();
    users
}

/// A token of a new application of the demo customer acting for portal user `user`.
async fn acting_for(server: &TestServer, name: &str, user: Option<i64>) -> String {
    let (client, secret, app) = kpn_client_for(server, DEMO, name).await;
    server
        .platform
        .set_kpn_acting_user(&app, user)
        .await
        .unwrap();
    kpn_token_for(server, &client, &secret).await
}

async fn frozen_token(server: &TestServer) -> String {
    let (client, secret, _) = kpn_client_for(server, FROZEN, "Frozen fleet").await;
    kpn_token_for(server, &client, &secret).await
}

#[tokio::test]
async fn grip_identities_roles_and_their_privileges_are_listed() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let free = ok(&server, "/hierarchy/grip-entities", &token).await;
        assert_eq!(free.as_array().unwrap().len(), 5, "{free}");
        assert!(
            free[0]["userName"].as_str().is_some_and(|u| !u.is_empty()),
            "{free}"
        );
        assert!(free[0]["surname"].is_string(), "{free}");

        let roles = ok(&server, "/hierarchy/subscribers/roles", &token).await;
        assert_eq!(roles["total"], 9, "{roles}");
        assert_eq!(roles["result"][0]["name"], "Administrator", "{roles}");
        assert_eq!(roles["result"][0]["selected"], false, "{roles}");
        let page = ok(
            &server,
            "/hierarchy/subscribers/roles?from=2&to=4&order=DESC",
            &token,
        )
        .await;
        assert_eq!(page["total"], 9);
        assert_eq!(page["result"].as_array().unwrap().len(), 2, "{page}");
        assert_eq!(page["result"][0]["name"], "Portfolio", "{page}");
        let empty = ok(&server, "/hierarchy/subscribers/roles?to=0", &token).await;
        assert_eq!(
            (empty["total"].clone(), empty["result"].clone()),
            (json!(9), json!([]))
        );
        let found = ok(
            &server,
            "/hierarchy/subscribers/roles?pattern=HIERARCHY",
            &token,
        )
        .await;
        assert_eq!(found["total"], 2, "{found}");
        expect_error(
            &get(&server, "/hierarchy/subscribers/roles?sortBy=AGE", &token).await,
            400,
            "bad_request",
        );

        let admin = role(&server, &token, "Administrator").await;
        let all = ok(
            &server,
            &format!("/hierarchy/subscribers/roles/{admin}/privileges"),
            &token,
        )
        .await;
        assert_eq!(all.as_array().unwrap().len(), 10, "{all}");
        assert!(
            all.as_array()
                .unwrap()
                .contains(&json!("privileges_orders_track_and_trace"))
        );
        let tracker = role(&server, &token, "Track and trace").await;
        assert_eq!(
            ok(
                &server,
                &format!("/hierarchy/subscribers/roles/{tracker}/privileges"),
                &token
            )
            .await,
            json!(["privileges_orders_track_and_trace"])
        );
        expect_error(
            &get(
                &server,
                "/hierarchy/subscribers/roles/999999/privileges",
                &token,
            )
            .await,
            404,
            "ROLE_NOT_FOUND",
        );

        // Another customer sees none of the demo customer's identities, roles or users.
        let frozen = frozen_token(&server).await;
        assert_eq!(
            ok(&server, "/hierarchy/grip-entities", &frozen).await,
            json!([])
        );
        assert_eq!(
            ok(&server, "/hierarchy/subscribers/roles", &frozen).await["total"],
            0
        );
        expect_error(
            &get(
                &server,
                &format!("/hierarchy/subscribers/roles/{admin}/privileges"),
                &frozen,
            )
            .await,
            404,
            "ROLE_NOT_FOUND",
        );
        let user = users(&server, &token).await[0];
        for path in [
            format!("/hierarchy/subscribers/{user}/roles"),
            format!("/hierarchy/subscribers/{user}/managed-entities"),
        ] {
            expect_error(
                &get(&server, &path, &frozen).await,
                404,
                "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND",
            );
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn a_linked_subscriber_becomes_a_user_with_its_roles_and_groups() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let before = users(&server, &token).await;
        assert_eq!(before.len(), 3, "{before:?}");
        let all = ok(&server, "/hierarchy/subscribers?to=100", &token).await;
        let subscriber = all["result"][10]["id"].as_i64().unwrap();
        assert_eq!(all["result"][10]["user"], false);
        let grip = ids(&ok(&server, "/hierarchy/grip-entities", &token).await)[0];
        let tracker = role(&server, &token, "Track and trace").await;
        let managed = ok(
            &server,
            &format!("/hierarchy/subscribers/{}/managed-entities", before[1]),
            &token,
        )
        .await;
        let group = managed[0]["id"].as_i64().unwrap();
        let operations = ok(
            &server,
            &format!("/hierarchy/subscribers/{subscriber}/operations"),
            &token,
        )
        .await;
        assert_eq!(
            operations["rolesEditable"]["enabled"], false,
            "{operations}"
        );

        // The request's errors, each from its cause.
        let link = |body: Value| {
            let server = &server;
            let token = &token;
            async move { post(server, "/hierarchy/subscribers/link", token, body).await }
        };
        let body = |subscriber: i64, grip: i64, roles: Value| {
            json!({"subscriberId": subscriber, "gripEntityId": grip, "roles": roles,
                   "managedEntities": [group], "referenceNumber": "GRIP-1"})
        };
        expect_error(
            &link(json!({"gripEntityId": grip})).await,
            400,
            "bad_request",
        );
        expect_error(
            &link(body(999_999, grip, json!([tracker]))).await,
            404,
            "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND",
        );
        expect_error(
            &link(body(subscriber, 999_999, json!([tracker]))).await,
            404,
            "GRIP_ENTITY_NOT_FOUND",
        );
        expect_error(
            &link(body(subscriber, grip, json!([999_999]))).await,
            404,
            "ROLE_NOT_FOUND",
        );
        expect_error(
            &link(body(before[0], grip, json!([tracker]))).await,
            400,
            "SUBSCRIBER_IS_ALREADY_USER",
        );
        let mut bad_group = body(subscriber, grip, json!([tracker]));
        bad_group["managedEntities"] = json!([subscriber]);
        expect_error(
            &link(bad_group).await,
            404,
            "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND",
        );
        let mut bad_number = body(subscriber, grip, json!([tracker]));
        bad_number["mobileNumber"] = json!("12");
        expect_error(&link(bad_number).await, 400, "bad_request");
        let frozen = frozen_token(&server).await;
        expect_error(
            &post(
                &server,
                "/hierarchy/subscribers/link",
                &frozen,
                body(subscriber, grip, json!([])),
            )
            .await,
            403,
            "ORDERING_IS_BLOCKED_FOR_CUSTOMER",
        );

        // A subscriber without a phone number needs one in the request.
        let (status, created) = post(
            &server,
            "/hierarchy/subscribers",
            &token,
            json!({"groupId": group, "subscriber": {"surname": "Zonder Nummer"}}),
        )
        .await;
        assert_eq!(status, 200, "{created}");
        server.advance_clock(3).await;
        let found = ok(&server, "/hierarchy/subscribers?patterns=zonder", &token).await;
        let numberless = found["result"][0]["id"].as_i64().unwrap();
        expect_error(
            &link(body(numberless, grip, json!([]))).await,
            400,
            "MOBILE_OR_FIXED_NUMBER_IS_REQUIRED",
        );

        // The link: an order that closes on the sandbox clock.
        let (status, summary) = link(body(subscriber, grip, json!([tracker, tracker]))).await;
        assert_eq!(status, 200, "{summary}");
        assert_eq!(summary["operation"], "linkUser", "{summary}");
        assert_eq!(summary["referenceNumber"], "GRIP-1");
        let order = summary["id"].as_i64().unwrap();
        expect_error(
            &link(body(subscriber, grip, json!([]))).await,
            400,
            "OPERATION_NOT_POSSIBLE",
        );
        server.advance_clock(3).await;
        let tracked = ok(&server, &format!("/track-and-trace/orders/{order}"), &token).await;
        assert_eq!(tracked["status"], "CLOSED", "{tracked}");

        let details = ok(
            &server,
            &format!("/hierarchy/subscribers/{subscriber}"),
            &token,
        )
        .await;
        assert_eq!(
            (details["user"].clone(), details["gripUser"].clone()),
            (json!(true), json!(true))
        );
        let listed = ok(&server, "/hierarchy/subscribers?to=100", &token).await;
        let row = listed["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == subscriber)
            .unwrap()
            .clone();
        assert_eq!(
            (row["user"].clone(), row["gripUser"].clone()),
            (json!(true), json!(true))
        );
        assert_eq!(users(&server, &token).await.len(), 4);
        let roles = ok(
            &server,
            &format!("/hierarchy/subscribers/{subscriber}/roles?sortBy=SELECTED&order=DESC"),
            &token,
        )
        .await;
        assert_eq!(roles["result"][0]["id"], tracker, "{roles}");
        assert_eq!(roles["result"][0]["selected"], true, "{roles}");
        assert_eq!(roles["result"][1]["selected"], false, "{roles}");
        let managed = ok(
            &server,
            &format!("/hierarchy/subscribers/{subscriber}/managed-entities"),
            &token,
        )
        .await;
        assert_eq!(ids(&managed), vec![group], "{managed}");
        assert_eq!(managed[0]["path"][0]["type"], "CUSTOMER", "{managed}");
        assert!(!ids(&ok(&server, "/hierarchy/grip-entities", &token).await).contains(&grip));
        let operations = ok(
            &server,
            &format!("/hierarchy/subscribers/{subscriber}/operations"),
            &token,
        )
        .await;
        assert_eq!(operations["rolesEditable"]["enabled"], true, "{operations}");
        expect_error(
            &link(body(subscriber, grip, json!([]))).await,
            400,
            "SUBSCRIBER_IS_ALREADY_USER",
        );
        // The identity now taken.
        expect_error(
            &link(body(numberless, grip, json!([]))).await,
            404,
            "GRIP_ENTITY_NOT_FOUND",
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_created_subscriber_with_user_info_is_linked() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let grip = ids(&ok(&server, "/hierarchy/grip-entities", &token).await)[1];
        let finance = role(&server, &token, "Finance").await;
        let group = ids(&ok(
            &server,
            &format!(
                "/hierarchy/subscribers/{}/managed-entities",
                users(&server, &token).await[1]
            ),
            &token,
        )
        .await)[0];
        let create = |info: Value| {
            json!({"groupId": group, "subscriber": {"surname": "Bakker", "firstName": "Noor",
                   "mobileNumber": "0612345678"}, "userAdditionalInfo": info})
        };
        expect_error(
            &post(
                &server,
                "/hierarchy/subscribers",
                &token,
                create(json!({"gripEntityId": 1, "roles": [finance]})),
            )
            .await,
            404,
            "GRIP_ENTITY_NOT_FOUND",
        );
        expect_error(
            &post(
                &server,
                "/hierarchy/subscribers",
                &token,
                create(json!({"roles": [finance]})),
            )
            .await,
            400,
            "bad_request",
        );
        let info = json!({"gripEntityId": grip, "roles": [finance], "managedEntities": [group]});
        let (status, summary) = post(&server, "/hierarchy/subscribers", &token, create(info)).await;
        assert_eq!(status, 200, "{summary}");
        assert_eq!(summary["operation"], "createUser");
        server.advance_clock(10).await;
        let found = ok(
            &server,
            "/hierarchy/subscribers?patterns=bakker&userOnly=true",
            &token,
        )
        .await;
        assert_eq!(found["total"], 1, "{found}");
        let id = found["result"][0]["id"].as_i64().unwrap();
        let roles = ok(
            &server,
            &format!("/hierarchy/subscribers/{id}/roles?sortBy=SELECTED&order=DESC"),
            &token,
        )
        .await;
        assert_eq!(roles["result"][0]["id"], finance, "{roles}");
        assert_eq!(roles["result"][0]["selected"], true, "{roles}");
        server.stop().await;
    }
}

#[tokio::test]
async fn roles_and_managed_groups_are_edited() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let user = users(&server, &token).await[1];
        let tracker = role(&server, &token, "Track and trace").await;
        let finance = role(&server, &token, "Finance").await;
        let path = format!("/hierarchy/subscribers/{user}/roles");
        let edit = |body: Value| {
            let (server, token, path) = (&server, &token, path.clone());
            async move { post(server, &path, token, body).await }
        };
        let (status, body) =
            edit(json!({"rolesToAdd": [finance], "rolesToRemove": [tracker]})).await;
        assert_eq!((status, body), (200, Value::Null));
        let roles = ok(
            &server,
            &format!("{path}?sortBy=SELECTED&order=DESC&to=100"),
            &token,
        )
        .await;
        let selected: Vec<&str> = roles["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["selected"] == true)
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(selected, vec!["Finance", "Orders"], "{roles}");
        expect_error(
            &edit(json!({"rolesToAdd": [finance], "rolesToRemove": [finance]})).await,
            400,
            "bad_request",
        );
        expect_error(
            &edit(json!({"rolesToAdd": [999_999]})).await,
            404,
            "ROLE_NOT_FOUND",
        );
        expect_error(&edit(json!({"rolesToAdd": "x"})).await, 400, "bad_request");
        let all = ok(&server, "/hierarchy/subscribers?to=100", &token).await;
        let plain = all["result"][20]["id"].as_i64().unwrap();
        expect_error(
            &post(
                &server,
                &format!("/hierarchy/subscribers/{plain}/roles"),
                &token,
                json!({"rolesToAdd": [finance]}),
            )
            .await,
            400,
            "OPERATION_NOT_POSSIBLE",
        );
        // A subscriber that is no user has no roles selected and manages nothing.
        let roles = ok(
            &server,
            &format!("/hierarchy/subscribers/{plain}/roles"),
            &token,
        )
        .await;
        assert!(
            roles["result"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["selected"] == false)
        );
        assert_eq!(
            ok(
                &server,
                &format!("/hierarchy/subscribers/{plain}/managed-entities"),
                &token
            )
            .await,
            json!([])
        );

        // Managed groups: assigned, listed, unassigned.
        let managed_path = format!("/hierarchy/subscribers/{user}/managed-entities");
        let managed = ids(&ok(&server, &managed_path, &token).await);
        assert_eq!(managed.len(), 1);
        let debtor = ok(&server, &managed_path, &token).await[0]["path"][1]["id"]
            .as_i64()
            .unwrap();
        let assign = format!("/hierarchy/subscribers/{user}/assign-entities");
        let unassign = format!("/hierarchy/subscribers/{user}/unassign-entities");
        let (status, _) = post(&server, &assign, &token, json!({"groupIds": [debtor]})).await;
        assert_eq!(status, 200);
        let mut expected = vec![managed[0], debtor];
        expected.sort_unstable();
        assert_eq!(ids(&ok(&server, &managed_path, &token).await), expected);
        let (status, _) = post(
            &server,
            &unassign,
            &token,
            json!({"groupIds": [managed[0]]}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(ids(&ok(&server, &managed_path, &token).await), vec![debtor]);
        expect_error(
            &post(&server, &assign, &token, json!({"groupIds": []})).await,
            400,
            "bad_request",
        );
        expect_error(
            &post(&server, &assign, &token, json!({"groupIds": [plain]})).await,
            404,
            "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND",
        );
        expect_error(
            &post(
                &server,
                &format!("/hierarchy/subscribers/{plain}/assign-entities"),
                &token,
                json!({"groupIds": [debtor]}),
            )
            .await,
            400,
            "OPERATION_NOT_POSSIBLE",
        );
        // Another customer changes nothing of the demo customer's users.
        let frozen = frozen_token(&server).await;
        expect_error(
            &post(&server, &assign, &frozen, json!({"groupIds": [debtor]})).await,
            404,
            "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND",
        );
        expect_error(
            &post(&server, &path, &frozen, json!({"rolesToAdd": [finance]})).await,
            404,
            "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND",
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_token_acting_for_a_user_has_its_privileges_and_sees_its_groups_only() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let demo_users = users(&server, &token).await;
        // The finance user lacks privileges_orders_track_and_trace.
        let finance = acting_for(&server, "Finance user", Some(demo_users[2])).await;
        expect_error(
            &get(&server, "/track-and-trace/orders", &finance).await,
            403,
            "FORBIDDEN_FOR_USER",
        );

        // The orderer manages one cost centre: it sees its subscribers and contracts only.
        let centre = ok(
            &server,
            &format!("/hierarchy/subscribers/{}/managed-entities", demo_users[1]),
            &token,
        )
        .await;
        assert_eq!(centre[0]["type"], "COST_CENTER", "{centre}");
        let centre = centre[0]["id"].as_i64().unwrap();
        let orderer = acting_for(&server, "Orderer", Some(demo_users[1])).await;
        let everyone = ok(&server, "/hierarchy/subscribers?to=100", &token).await;
        let seen = ok(&server, "/hierarchy/subscribers?to=100", &orderer).await;
        let inside = |s: &Value| {
            s["path"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["id"] == centre)
        };
        let expected: Vec<i64> = everyone["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| inside(s))
            .map(|s| s["id"].as_i64().unwrap())
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(seen["total"], expected.len(), "{seen}");
        assert_eq!(ids(&seen["result"]), expected);
        let elsewhere = everyone["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| !inside(s) && s["contracts"]["amount"] == 1)
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        expect_error(
            &get(
                &server,
                &format!("/hierarchy/subscribers/{elsewhere}"),
                &orderer,
            )
            .await,
            404,
            "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND",
        );
        expect_error(
            &get(
                &server,
                &format!("/hierarchy/subscribers/{elsewhere}/contracts"),
                &orderer,
            )
            .await,
            404,
            "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND",
        );
        let mine = expected[0];
        ok(&server, &format!("/hierarchy/subscribers/{mine}"), &orderer).await;

        let contracts = ok(&server, "/contract/all?to=100", &orderer).await;
        let in_centre: i64 = everyone["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| inside(s))
            .map(|s| s["contracts"]["amount"].as_i64().unwrap())
            .sum();
        assert_eq!(contracts["total"], in_centre, "{contracts}");
        let overview = ok(&server, "/contract/overview", &orderer).await;
        let counted: i64 = overview
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_i64().unwrap())
            .sum();
        assert_eq!(counted, in_centre, "{overview}");
        let theirs = ok(
            &server,
            &format!("/hierarchy/subscribers/{elsewhere}/contracts"),
            &token,
        )
        .await["result"][0]["id"]
            .as_i64()
            .unwrap();
        expect_error(
            &get(&server, &format!("/contract/id/{theirs}"), &orderer).await,
            404,
            "CONTRACT_NOT_FOUND",
        );
        expect_error(
            &post(
                &server,
                "/order/block-sim",
                &orderer,
                json!({"contractId": theirs}),
            )
            .await,
            404,
            "CONTRACT_NOT_FOUND",
        );
        let own = contracts["result"][0]["id"].as_i64().unwrap();
        ok(&server, &format!("/contract/id/{own}"), &orderer).await;

        // The hierarchy starts at its cost centre.
        let roots = ok(&server, "/hierarchy/children", &orderer).await;
        assert_eq!(ids(&roots["result"]), vec![centre], "{roots}");
        let debtor = roots["result"][0]["path"][1]["id"].as_i64().unwrap();
        expect_error(
            &get(&server, &format!("/hierarchy/children/{debtor}"), &orderer).await,
            404,
            "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND",
        );
        expect_error(
            &get(
                &server,
                &format!("/hierarchy/children?id={debtor}"),
                &orderer,
            )
            .await,
            404,
            "VIRTUAL_HIERARCHY_ITEM_NOT_FOUND",
        );
        ok(
            &server,
            &format!("/hierarchy/children?id={centre}"),
            &orderer,
        )
        .await;

        // Track & trace: an order on a contract elsewhere is not shown.
        let (status, placed) = post(
            &server,
            "/order/block-sim",
            &token,
            json!({"contractId": theirs}),
        )
        .await;
        assert_eq!(status, 200, "{placed}");
        let order = placed["id"].as_i64().unwrap();
        let all_requests = ok(&server, "/track-and-trace/service-requests?to=100", &token).await;
        let my_requests = ok(
            &server,
            "/track-and-trace/service-requests?to=100",
            &orderer,
        )
        .await;
        assert!(ids(&all_requests["result"]).contains(&order));
        assert!(
            !ids(&my_requests["result"]).contains(&order),
            "{my_requests}"
        );
        expect_error(
            &get(
                &server,
                &format!("/track-and-trace/service-requests/{order}"),
                &orderer,
            )
            .await,
            404,
            "ORDER_NOT_FOUND",
        );
        for id in ids(&my_requests["result"]) {
            ok(
                &server,
                &format!("/track-and-trace/service-requests/{id}"),
                &orderer,
            )
            .await;
        }

        // A user without managed groups sees no group; acting for nobody sees everything.
        for group in ids(&ok(
            &server,
            &format!("/hierarchy/subscribers/{}/managed-entities", demo_users[2]),
            &token,
        )
        .await)
        {
            post(
                &server,
                &format!("/hierarchy/subscribers/{}/unassign-entities", demo_users[2]),
                &token,
                json!({"groupIds": [group]}),
            )
            .await;
        }
        let manager = role(&server, &token, "Hierarchy viewer").await;
        post(
            &server,
            &format!("/hierarchy/subscribers/{}/roles", demo_users[2]),
            &token,
            json!({"rolesToAdd": [manager]}),
        )
        .await;
        assert_eq!(
            ok(&server, "/hierarchy/subscribers", &finance).await["total"],
            0
        );
        assert_eq!(
            ok(&server, "/hierarchy/children", &finance).await["total"],
            0
        );
        let nobody = acting_for(&server, "Whole customer", None).await;
        assert_eq!(
            ok(&server, "/hierarchy/subscribers", &nobody).await["total"],
            everyone["total"]
        );
        server.stop().await;
    }
}
