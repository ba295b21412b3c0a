//! MBN Catalog: who a token acts as, enterprises, groups, the numbering plan and members.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestServer, expect_telenor_error};

const PLAN: &str = "/catalog/enterprises/100001/numbering-plan";

async fn ok_json(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn user_info_tells_a_machine_user_from_an_end_user() {
    let server = TestServer::demo().await;
    let machine = ok_json(
        server
            .get("/catalog/userInfo", &server.demo_token().await)
            .await,
    )
    .await;
    assert_eq!(machine["userType"], "MACHINE_USER");
    assert_eq!(machine["username"], "api0000000001");
    assert_eq!(machine["enterprises"][0]["enterpriseId"], "100001");
    let end_user = server.end_user_token("91000002").await;
    let person = ok_json(server.get("/catalog/userInfo", &end_user).await).await;
    assert_eq!(person["userType"], "END_USER");
    assert_eq!(person["memberId"], "mem_demo_002");
    assert_eq!(person["shortNumber"], "102");
    assert_eq!(person["enterprises"][0]["enterpriseId"], "100001");
    let bare = server.demo_client_token().await;
    expect_telenor_error(server.get("/catalog/userInfo", &bare).await, 401, 40101).await;
    server.stop().await;
}

#[tokio::test]
async fn enterprises_and_groups_of_the_token_only() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let enterprise = ok_json(server.get("/catalog/enterprises/100001", &token).await).await;
        assert_eq!(
            enterprise["organizationNumber"], "930000000",
            "{}",
            server.name
        );
        assert_eq!(enterprise["internalNumberLength"], 3);
        assert_eq!(enterprise["groups"].as_array().unwrap().len(), 5);
        let group = enterprise["groups"][1]["groupId"]
            .as_str()
            .unwrap()
            .to_owned();
        let by_group = ok_json(
            server
                .get(&format!("/catalog/groups/{group}/enterprise"), &token)
                .await,
        )
        .await;
        assert_eq!(by_group["enterpriseId"], "100001");
        expect_telenor_error(
            server.get("/catalog/enterprises/999", &token).await,
            404,
            40402,
        )
        .await;
        expect_telenor_error(
            server.get("/catalog/groups/1/enterprise", &token).await,
            404,
            40402,
        )
        .await;

        let other = server
            .other_partner(vec![sentral_domain::ApiProduct::MbnCatalog])
            .await
            .token(&server)
            .await;
        expect_telenor_error(
            server.get("/catalog/enterprises/100001", &other).await,
            404,
            40402,
        )
        .await;
        expect_telenor_error(
            server
                .get(&format!("/catalog/groups/{group}/enterprise"), &other)
                .await,
            404,
            40402,
        )
        .await;
        expect_telenor_error(server.get(PLAN, &other).await, 404, 40402).await;
        expect_telenor_error(
            server.get("/catalog/members/mem_demo_001", &other).await,
            404,
            40402,
        )
        .await;
        server.stop().await;
    }
}

#[tokio::test]
async fn a_plan_change_never_leaves_a_short_number_outside_it() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let plan = ok_json(server.get(PLAN, &token).await).await;
        assert_eq!(plan["internalNumberLength"], 3, "{}", server.name);
        let entries = plan["entries"].as_array().unwrap().len();
        assert!(entries >= 60, "{entries}");

        // Shrinking the member range would strand 201–212 and the queue/virtual numbers.
        let narrowed = server
            .send(
                Method::PUT,
                PLAN,
                &token,
                Some(json!({"ranges": [{"from": "100", "to": "199"}]})),
            )
            .await;
        let conflict = expect_telenor_error(narrowed, 409, 40901).await;
        let detail = conflict["detail"].as_str().unwrap();
        for stranded in ["201", "212", "800", "899"] {
            assert!(detail.contains(stranded), "{stranded} in {detail}");
        }
        assert!(!detail.contains("101 "), "{detail}");
        // A longer number length strands every entry.
        let longer = server
            .send(
                Method::PUT,
                PLAN,
                &token,
                Some(
                    json!({"internalNumberLength": 4, "ranges": [{"from": "1000", "to": "2999"}]}),
                ),
            )
            .await;
        expect_telenor_error(longer, 409, 40901).await;
        let unchanged = ok_json(server.get(PLAN, &token).await).await;
        assert_eq!(unchanged, plan, "a refused change writes nothing");

        // Widening is fine, and entries can be replaced with the plan.
        let widened = ok_json(
            server
                .send(
                    Method::PUT,
                    PLAN,
                    &token,
                    Some(json!({"ranges": [{"from": "100", "to": "499"}, {"from": "800", "to": "899"}]})),
                )
                .await,
        )
        .await;
        assert_eq!(widened["ranges"][0]["to"], "499");
        assert_eq!(widened["entries"].as_array().unwrap().len(), entries);
        // Moving every number away strands what forwarding and absences point at.
        let move_all = json!({
            "internalNumberLength": 4,
            "ranges": [{"from": "1000", "to": "1999"}],
            "entries": [
                {"shortNumber": "1001", "kind": "member", "target": "mem_demo_001"},
                {"shortNumber": "1900", "kind": "virtual", "target": "4722990000"}
            ]
        });
        let stranded = expect_telenor_error(
            server
                .send(Method::PUT, PLAN, &token, Some(move_all.clone()))
                .await,
            409,
            40901,
        )
        .await;
        let detail = stranded["detail"].as_str().unwrap();
        for named in [
            "call forwarding noAnswer of mem_demo_001 (short number 102)",
            "absence abs_demo_meeting (short number 899)",
            "(queue 1)",
        ] {
            assert!(detail.contains(named), "{named} in {detail}");
        }
        // With the forwarding and absences cleared, the move goes through.
        for member in ["mem_demo_001", "mem_dk_000004"] {
            let cleared = server
                .send(
                    Method::PUT,
                    &format!("/user/users/{member}/call-forwarding"),
                    &token,
                    Some(json!({
                        "immediate": {"active": false, "destination": null},
                        "busy": {"active": false, "destination": null},
                        "noAnswer": {"active": false, "destination": null},
                        "unavailable": {"active": false, "destination": null}
                    })),
                )
                .await;
            assert_eq!(cleared.status(), 200, "{member}");
        }
        for member in ["mem_demo_002", "mem_demo_003", "mem_dk_000004"] {
            let absences = ok_json(
                server
                    .get(&format!("/user/users/{member}/absences"), &token)
                    .await,
            )
            .await;
            for absence in absences.as_array().unwrap() {
                let id = absence["id"].as_str().unwrap();
                let deleted = server
                    .send(
                        Method::DELETE,
                        &format!("/user/users/{member}/absences/{id}"),
                        &token,
                        None,
                    )
                    .await;
                assert_eq!(deleted.status(), 204, "{id}");
            }
        }
        // … and the queues, Kundeservice first (it overflows into Sentralbord's number).
        for queue in ["2", "1"] {
            let path = format!("/queue/queues/{queue}");
            let deleted = server.send(Method::DELETE, &path, &token, None).await;
            assert_eq!(deleted.status(), 204, "{path}");
        }
        let moved = ok_json(server.send(Method::PUT, PLAN, &token, Some(move_all)).await).await;
        assert_eq!(moved["entries"].as_array().unwrap().len(), 2);
        let member = ok_json(server.get("/catalog/members/mem_demo_001", &token).await).await;
        assert_eq!(member["shortNumber"], "1001");
        server.stop().await;
    }
}

#[tokio::test]
async fn malformed_plans_are_bad_requests_and_end_users_cannot_change_them() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    for (body, reason) in [
        (json!({"ranges": []}), "at least one range"),
        (json!({"ranges": [{"from": "10", "to": "99"}]}), "3 digits"),
        (
            json!({"ranges": [{"from": "300", "to": "200"}]}),
            "ends before",
        ),
        (
            json!({"ranges": [{"from": "100", "to": "299"}, {"from": "250", "to": "899"}]}),
            "overlap",
        ),
        (
            json!({"internalNumberLength": 9, "ranges": [{"from": "100", "to": "299"}]}),
            "2 to 6",
        ),
        (
            json!({"ranges": [{"from": "100", "to": "899"}],
                   "entries": [{"shortNumber": "101", "kind": "fax", "target": "x"}]}),
            "kind",
        ),
        (
            json!({"ranges": [{"from": "100", "to": "899"}],
                   "entries": [{"shortNumber": "101", "kind": "member", "target": "mem_nobody"}]}),
            "not a member",
        ),
        (json!({"ranges": "all"}), "ranges"),
    ] {
        let error = expect_telenor_error(
            server.send(Method::PUT, PLAN, &token, Some(body)).await,
            400,
            40000,
        )
        .await;
        assert!(
            error["detail"].as_str().unwrap().contains(reason),
            "{reason}: {error}"
        );
    }
    let end_user = server.end_user_token("91000001").await;
    assert_eq!(server.get(PLAN, &end_user).await.status(), 200);
    expect_telenor_error(
        server
            .send(
                Method::PUT,
                PLAN,
                &end_user,
                Some(json!({"ranges": [{"from": "100", "to": "899"}]})),
            )
            .await,
        403,
        40302,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn members_are_searched_read_and_updated() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let all = ok_json(
            server
                .get("/catalog/enterprises/100001/members?pageSize=1000", &token)
                .await,
        )
        .await;
        assert_eq!(all["totalElements"], 60, "{}", server.name);
        let by_short = ok_json(
            server
                .get("/catalog/enterprises/100001/members?search=102", &token)
                .await,
        )
        .await;
        assert!(
            by_short["content"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["memberId"] == "mem_demo_002" && m["shortNumber"] == "102"),
            "{by_short}"
        );
        let by_name = ok_json(
            server
                .get(
                    "/catalog/enterprises/100001/members?search=NORDMANN",
                    &token,
                )
                .await,
        )
        .await;
        assert!(
            by_name["content"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["memberId"] == "mem_demo_001")
        );
        let by_number = ok_json(
            server
                .get(
                    "/catalog/enterprises/100001/members?search=91000005",
                    &token,
                )
                .await,
        )
        .await;
        assert_eq!(by_number["totalElements"], 1);
        let in_group = ok_json(
            server
                .get(
                    "/catalog/enterprises/100001/members?groupId=200001&pageSize=1000",
                    &token,
                )
                .await,
        )
        .await;
        assert_eq!(in_group["totalElements"], 13);

        let updated = ok_json(
            server
                .send(
                    Method::PUT,
                    "/catalog/members/mem_demo_003",
                    &token,
                    Some(json!({
                        "title": "Daglig leder",
                        "department": null,
                        "email": "ingrid@demokunde.no",
                        "externalId": "ad-ingrid",
                        "otherNumbers": [{"kind": "work", "number": "+47 22 99 00 03"}]
                    })),
                )
                .await,
        )
        .await;
        assert_eq!(updated["title"], "Daglig leder");
        assert_eq!(updated["department"], Value::Null);
        assert_eq!(
            updated["firstName"], "Ingrid",
            "absent fields keep their value"
        );
        assert_eq!(updated["otherNumbers"][0]["number"], "4722990003");
        let again = ok_json(server.get("/catalog/members/mem_demo_003", &token).await).await;
        assert_eq!(again, updated);
        let taken = server
            .send(
                Method::PUT,
                "/catalog/members/mem_demo_002",
                &token,
                Some(json!({"externalId": "ad-ingrid"})),
            )
            .await;
        expect_telenor_error(taken, 409, 40901).await;
        server.stop().await;
    }
}

#[tokio::test]
async fn member_updates_are_checked_and_end_users_act_for_themselves() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let update = |body: Value| {
        server.send(
            Method::PUT,
            "/catalog/members/mem_demo_001",
            &token,
            Some(body),
        )
    };
    for (body, field) in [
        (json!({"firstName": ""}), "firstName"),
        (json!({"lastName": null}), "lastName"),
        (json!({"email": "not-an-address"}), "email"),
        (json!({"title": "x".repeat(101)}), "title"),
        (json!({"title": 7}), "title"),
        (json!({"groupId": "999"}), "groupId"),
        (
            json!({"otherNumbers": [{"kind": "pager", "number": "123"}]}),
            "otherNumbers.kind",
        ),
        (
            json!({"otherNumbers": [{"kind": "work", "number": "abc"}]}),
            "otherNumbers.number",
        ),
        (json!([1, 2]), "object"),
    ] {
        let error = expect_telenor_error(update(body).await, 400, 40000).await;
        assert!(
            error["detail"].as_str().unwrap().contains(field),
            "{field}: {error}"
        );
    }
    expect_telenor_error(
        server.get("/catalog/members/mem_nobody", &token).await,
        404,
        40402,
    )
    .await;

    let end_user = server.end_user_token("91000001").await;
    let own = ok_json(server.get("/catalog/members/mem_demo_001", &end_user).await).await;
    assert_eq!(own["mobileNumber"], "4791000001");
    expect_telenor_error(
        server.get("/catalog/members/mem_demo_002", &end_user).await,
        403,
        40302,
    )
    .await;
    let own_update = server
        .send(
            Method::PUT,
            "/catalog/members/mem_demo_001",
            &end_user,
            Some(json!({"title": "Selger"})),
        )
        .await;
    assert_eq!(own_update.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn the_end_user_api_is_gone() {
    let server = TestServer::demo().await;
    for (method, path) in [
        (Method::GET, "/enduser"),
        (Method::POST, "/enduser/services/EndUserService"),
    ] {
        let response = server
            .http
            .request(method, server.url(path))
            .send()
            .await
            .unwrap();
        let body = expect_telenor_error(response, 410, 41001).await;
        assert!(
            body["detail"].as_str().unwrap().contains("September 2022"),
            "{body}"
        );
    }
    server.stop().await;
}
