//! MBN User API: absences and call forwarding over HTTP, as a machine user and as an end user.

use reqwest::Method;
use sentral_domain::ApiProduct;
use sentral_domain::directory::AbsenceAction;
use serde_json::{Value, json};

use crate::harness::{TestServer, expect_telenor_error};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// An end user's token through the authorization-code flow (demo users 91000001..3).
async fn end_user_token(server: &TestServer, mobile: &str) -> String {
    let redirect = "http://localhost:9999/callback";
    let login = server
        .http
        .post(server.url("/oauth/v2/authorize"))
        .form(&[
            ("client_id", "demo-client"),
            ("redirect_uri", redirect),
            ("state", "s"),
            ("username", mobile),
            ("password", "demo-user-password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 302, "end-user login");
    let location = login.headers()["location"].to_str().unwrap().to_owned();
    let code = location
        .split("code=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .unwrap()
        .to_owned();
    let tokens: Value = server
        .http
        .post(server.url("/oauth/v2/token"))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// RFC 3339 of the server's now plus `seconds`.
fn at(server: &TestServer, seconds: i64) -> String {
    server.platform.now().plus_seconds(seconds).to_rfc3339()
}

fn absences_of(member: &str) -> String {
    format!("/user/users/{member}/absences")
}

fn forwarding_of(member: &str) -> String {
    format!("/user/users/{member}/call-forwarding")
}

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    response.json().await.unwrap()
}

/// Asserts a 400 (40000) whose detail contains every one of `words`.
async fn expect_invalid(response: reqwest::Response, words: &[&str]) {
    let body = expect_telenor_error(response, 400, 40000).await;
    let text = body.to_string();
    for word in words {
        assert!(text.contains(word), "{word:?} not in {text}");
    }
}

#[tokio::test]
async fn absences_are_created_read_replaced_and_deleted_on_every_backend() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;

        // The demo world: mem_demo_002 is in a meeting now, forwarded to the switchboard.
        let seeded = json_of(server.get(&absences_of("mem_demo_002"), &token).await, 200).await;
        let seeded = seeded.as_array().unwrap();
        assert_eq!(seeded.len(), 2, "{}: {seeded:?}", server.name);
        assert_eq!(seeded[0]["kind"], "meeting");
        assert_eq!(seeded[0]["current"], true);
        assert_eq!(
            seeded[0]["action"],
            json!({"type": "forwardTo", "destination": "899"})
        );
        assert_eq!(seeded[1]["kind"], "lunch");
        assert_eq!(seeded[1]["current"], false);
        let current = server
            .platform
            .current_absence("mem_demo_002", server.platform.now())
            .await
            .unwrap()
            .expect("a current absence");
        assert!(current.action.diverts());
        assert!(matches!(current.action, AbsenceAction::ForwardTo(_)));
        assert!(
            server
                .platform
                .current_absence("mem_dk_000010", server.platform.now())
                .await
                .unwrap()
                .is_none()
        );

        let path = absences_of("mem_dk_000010");
        let created = server
            .send(
                Method::POST,
                &path,
                &token,
                Some(json!({
                    "kind": "holiday",
                    "from": at(&server, 2 * DAY),
                    "until": at(&server, 9 * DAY),
                    "note": "  Syden  ",
                    "action": {"type": "forwardTo", "destination": "+47 912 34 567"},
                })),
            )
            .await;
        assert_eq!(created.status(), 201, "{}", server.name);
        let location = created.headers()["location"].to_str().unwrap().to_owned();
        let created: Value = created.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(location, format!("{path}/{id}"));
        assert_eq!(created["memberId"], "mem_dk_000010");
        assert_eq!(created["note"], "Syden");
        assert_eq!(created["current"], false);
        assert_eq!(
            created["action"],
            json!({"type": "forwardTo", "destination": "4791234567"})
        );
        let fetched = json_of(server.get(&location, &token).await, 200).await;
        assert_eq!(fetched, created);

        // Replace it: everything changes, and it may overlap its own former window.
        let mut replacement = json!({
            "kind": "trip",
            "from": at(&server, 3 * DAY),
            "until": at(&server, 10 * DAY),
            "action": {"type": "queue", "queueId": "1"},
        });
        let replaced = json_of(
            server
                .send(Method::PUT, &location, &token, Some(replacement.clone()))
                .await,
            200,
        )
        .await;
        assert_eq!(replaced["id"], id.as_str());
        assert_eq!(replaced["kind"], "trip");
        assert_eq!(replaced["note"], Value::Null);
        assert_eq!(replaced["action"], json!({"type": "queue", "queueId": "1"}));
        assert_eq!(replaced["createdAt"], created["createdAt"]);

        // What GET answers may be sent back as it is.
        replacement = replaced.clone();
        replacement["action"] = json!({"type": "switchboard"});
        let resent = json_of(
            server
                .send(Method::PUT, &location, &token, Some(replacement))
                .await,
            200,
        )
        .await;
        assert_eq!(resent["action"], json!({"type": "switchboard"}));

        // A second one right after the first (back to back) is no overlap.
        let next = json_of(
            server
                .send(
                    Method::POST,
                    &path,
                    &token,
                    Some(json!({
                        "kind": "other",
                        "from": resent["until"],
                        "until": at(&server, 11 * DAY),
                    })),
                )
                .await,
            201,
        )
        .await;
        assert_eq!(next["action"], json!({"type": "none"}));
        let listed = json_of(server.get(&path, &token).await, 200).await;
        let ids: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [id.as_str(), next["id"].as_str().unwrap()]);

        let deleted = server.send(Method::DELETE, &location, &token, None).await;
        assert_eq!(deleted.status(), 204, "{}", server.name);
        expect_telenor_error(server.get(&location, &token).await, 404, 40402).await;
        expect_telenor_error(
            server.send(Method::DELETE, &location, &token, None).await,
            404,
            40402,
        )
        .await;
        server.stop().await;
    }
}

#[tokio::test]
async fn call_forwarding_is_read_and_changed_on_every_backend() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let seeded = json_of(
            server.get(&forwarding_of("mem_demo_001"), &token).await,
            200,
        )
        .await;
        assert_eq!(
            seeded["busy"],
            json!({"active": true, "destination": "4791500000"}),
            "{}",
            server.name
        );
        assert_eq!(
            seeded["noAnswer"],
            json!({"active": true, "destination": "102", "ringSeconds": 15})
        );
        let immediate = json_of(
            server.get(&forwarding_of("mem_dk_000004"), &token).await,
            200,
        )
        .await;
        assert_eq!(
            immediate["immediate"],
            json!({"active": true, "destination": "101"})
        );

        // Never set: everything inactive, 20 s ring time.
        let path = forwarding_of("mem_dk_000010");
        let defaults = json_of(server.get(&path, &token).await, 200).await;
        assert_eq!(
            defaults,
            json!({
                "memberId": "mem_dk_000010",
                "immediate": {"active": false, "destination": null},
                "busy": {"active": false, "destination": null},
                "noAnswer": {"active": false, "destination": null, "ringSeconds": 20},
                "unavailable": {"active": false, "destination": null},
                "updatedAt": null,
            })
        );

        let changed = json_of(
            server
                .send(
                    Method::PUT,
                    &path,
                    &token,
                    Some(json!({
                        "busy": {"active": true, "destination": "+47 912 34 567"},
                        "noAnswer": {"active": true, "destination": "101", "ringSeconds": 30},
                    })),
                )
                .await,
            200,
        )
        .await;
        assert_eq!(
            changed["busy"],
            json!({"active": true, "destination": "4791234567"})
        );
        assert_eq!(
            changed["noAnswer"],
            json!({"active": true, "destination": "101", "ringSeconds": 30})
        );
        assert_eq!(changed["immediate"], defaults["immediate"]);
        assert!(changed["updatedAt"].is_string());
        assert_eq!(json_of(server.get(&path, &token).await, 200).await, changed);

        // Switched off, a rule keeps its destination; null clears it.
        let off = json_of(
            server
                .send(
                    Method::PUT,
                    &path,
                    &token,
                    Some(json!({"busy": {"active": false}})),
                )
                .await,
            200,
        )
        .await;
        assert_eq!(
            off["busy"],
            json!({"active": false, "destination": "4791234567"})
        );
        assert_eq!(off["noAnswer"], changed["noAnswer"], "left out, kept");
        let cleared = json_of(
            server
                .send(
                    Method::PUT,
                    &path,
                    &token,
                    Some(json!({"busy": {"destination": null}})),
                )
                .await,
            200,
        )
        .await;
        assert_eq!(
            cleared["busy"],
            json!({"active": false, "destination": null})
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn every_absence_rule_answers_a_clear_error() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let path = absences_of("mem_dk_000010");
    let post = |body: Value| server.send(Method::POST, &path, &token, Some(body));
    let valid = || {
        json!({
            "kind": "meeting",
            "from": at(&server, HOUR),
            "until": at(&server, 2 * HOUR),
        })
    };
    let with = |field: &str, value: Value| {
        let mut body = valid();
        body[field] = value;
        body
    };

    expect_invalid(
        post(with("until", json!(at(&server, 0)))).await,
        &["until", "after from"],
    )
    .await;
    expect_invalid(
        post(with("until", json!(at(&server, HOUR)))).await,
        &["until", "after from"],
    )
    .await;
    expect_invalid(
        post(
            json!({"kind": "meeting", "from": at(&server, -3 * HOUR), "until": at(&server, -HOUR)}),
        )
        .await,
        &["until", "future"],
    )
    .await;
    expect_invalid(
        post(with("kind", json!("vacation"))).await,
        &["kind", "vacation"],
    )
    .await;
    expect_invalid(
        post(with("from", json!("tomorrow"))).await,
        &["from", "RFC 3339"],
    )
    .await;
    let mut missing = valid();
    missing.as_object_mut().unwrap().remove("until");
    expect_invalid(post(missing).await, &["until", "required"]).await;
    expect_invalid(
        post(with("colour", json!("red"))).await,
        &["colour", "unknown field"],
    )
    .await;
    expect_invalid(
        post(with("note", json!("x".repeat(501)))).await,
        &["note", "500"],
    )
    .await;
    expect_invalid(
        post(with(
            "action",
            json!({"type": "forwardTo", "destination": "12ab"}),
        ))
        .await,
        &["action.destination", "12ab"],
    )
    .await;
    expect_invalid(
        post(with(
            "action",
            json!({"type": "forwardTo", "destination": "555"}),
        ))
        .await,
        &["action.destination", "555", "numbering plan"],
    )
    .await;
    // mem_dk_000010's own short number (101 + 9) and mobile.
    expect_invalid(
        post(with(
            "action",
            json!({"type": "forwardTo", "destination": "110"}),
        ))
        .await,
        &["action.destination", "own number"],
    )
    .await;
    expect_invalid(
        post(with(
            "action",
            json!({"type": "forwardTo", "destination": "91000010"}),
        ))
        .await,
        &["action.destination", "own number"],
    )
    .await;
    expect_invalid(
        post(with("action", json!({"type": "queue", "queueId": "7"}))).await,
        &["action.queueId", "7"],
    )
    .await;
    expect_invalid(
        post(with("action", json!({"type": "teleport"}))).await,
        &["action", "teleport"],
    )
    .await;
    expect_invalid(
        post(with("action", json!({"type": "forwardTo"}))).await,
        &["action", "destination"],
    )
    .await;
    expect_invalid(post(json!([1, 2])).await, &["JSON object"]).await;

    // Overlap: with the seeded meeting of mem_demo_002, named in the answer.
    let meeting = json!({
        "kind": "illness",
        "from": at(&server, 0),
        "until": at(&server, 2 * HOUR),
    });
    let clash = expect_telenor_error(
        server
            .send(
                Method::POST,
                &absences_of("mem_demo_002"),
                &token,
                Some(meeting),
            )
            .await,
        409,
        40901,
    )
    .await;
    assert!(clash.to_string().contains("abs_demo_meeting"), "{clash}");

    // Replacing one so that it runs into another is an overlap too.
    let lunch = server
        .send(
            Method::PUT,
            &format!("{}/abs_demo_lunch", absences_of("mem_demo_002")),
            &token,
            Some(json!({
                "kind": "lunch",
                "from": at(&server, 0),
                "until": at(&server, 4 * HOUR),
            })),
        )
        .await;
    let clash = expect_telenor_error(lunch, 409, 40901).await;
    assert!(clash.to_string().contains("abs_demo_meeting"), "{clash}");

    // An absence of another member is not found through this one.
    expect_telenor_error(
        server.get(&format!("{path}/abs_demo_lunch"), &token).await,
        404,
        40402,
    )
    .await;
    expect_telenor_error(
        server
            .send(
                Method::PUT,
                &format!("{path}/abs_nope"),
                &token,
                Some(valid()),
            )
            .await,
        404,
        40402,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn every_forwarding_rule_answers_a_clear_error() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let path = forwarding_of("mem_dk_000010");
    let put = |body: Value| server.send(Method::PUT, &path, &token, Some(body));

    expect_invalid(
        put(json!({"busy": {"active": true, "destination": "12ab"}})).await,
        &["busy.destination", "12ab"],
    )
    .await;
    expect_invalid(
        put(json!({"immediate": {"active": true, "destination": "555"}})).await,
        &["immediate.destination", "555"],
    )
    .await;
    expect_invalid(
        put(json!({"unavailable": {"active": true, "destination": "4791000010"}})).await,
        &["unavailable.destination", "own number"],
    )
    .await;
    expect_invalid(
        put(json!({"busy": {"active": true}})).await,
        &["busy.destination", "needs a destination"],
    )
    .await;
    for ring in [4, 61] {
        expect_invalid(
            put(json!({"noAnswer": {"ringSeconds": ring}})).await,
            &["noAnswer.ringSeconds", "5 to 60"],
        )
        .await;
    }
    expect_invalid(
        put(json!({"noAnswer": {"ringSeconds": "long"}})).await,
        &["noAnswer.ringSeconds"],
    )
    .await;
    expect_invalid(
        put(json!({"busy": {"active": "yes"}})).await,
        &["busy.active"],
    )
    .await;
    expect_invalid(
        put(json!({"busy": {"ringSeconds": 10}})).await,
        &["busy.ringSeconds"],
    )
    .await;
    expect_invalid(
        put(json!({"noanswer": {}})).await,
        &["noanswer", "unknown field"],
    )
    .await;
    expect_invalid(put(json!({"busy": true})).await, &["busy", "object"]).await;

    // Nothing of the refused changes was stored.
    let now = json_of(server.get(&path, &token).await, 200).await;
    assert_eq!(now["updatedAt"], Value::Null, "{now}");
    server.stop().await;
}

#[tokio::test]
async fn unknown_members_and_other_enterprises_are_not_found() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    for path in [absences_of("mem_nobody"), forwarding_of("mem_nobody")] {
        expect_telenor_error(server.get(&path, &token).await, 404, 40402).await;
    }
    expect_telenor_error(
        server
            .send(
                Method::POST,
                &absences_of("mem_nobody"),
                &token,
                Some(json!({"kind": "meeting", "from": at(&server, HOUR), "until": at(&server, 2 * HOUR)})),
            )
            .await,
        404,
        40402,
    )
    .await;

    // Another partner's machine user does not see the demo enterprise's members.
    let other = server.other_partner(vec![ApiProduct::MbnUser]).await;
    let other_token = other.token(&server).await;
    for path in [
        absences_of("mem_demo_002"),
        format!("{}/abs_demo_meeting", absences_of("mem_demo_002")),
        forwarding_of("mem_demo_001"),
    ] {
        expect_telenor_error(server.get(&path, &other_token).await, 404, 40402).await;
    }
    expect_telenor_error(
        server
            .send(
                Method::PUT,
                &forwarding_of("mem_demo_001"),
                &other_token,
                Some(json!({"busy": {"active": false}})),
            )
            .await,
        404,
        40402,
    )
    .await;
    expect_telenor_error(
        server
            .send(
                Method::DELETE,
                &format!("{}/abs_demo_meeting", absences_of("mem_demo_002")),
                &other_token,
                None,
            )
            .await,
        404,
        40402,
    )
    .await;
    // The meeting is still there.
    let listed = json_of(server.get(&absences_of("mem_demo_002"), &token).await, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn an_end_user_acts_only_for_itself() {
    let server = TestServer::demo().await;
    let token = end_user_token(&server, "91000001").await;

    let own = json_of(
        server.get(&forwarding_of("mem_demo_001"), &token).await,
        200,
    )
    .await;
    assert_eq!(own["memberId"], "mem_demo_001");
    let changed = json_of(
        server
            .send(
                Method::PUT,
                &forwarding_of("mem_demo_001"),
                &token,
                Some(json!({"immediate": {"active": true, "destination": "899"}})),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(
        changed["immediate"],
        json!({"active": true, "destination": "899"})
    );
    let created = server
        .send(
            Method::POST,
            &absences_of("mem_demo_001"),
            &token,
            Some(json!({
                "kind": "lunch",
                "from": at(&server, 0),
                "until": at(&server, HOUR),
                "action": {"type": "voicemail"},
            })),
        )
        .await;
    let created = json_of(created, 201).await;
    assert_eq!(created["current"], true);
    let current = server
        .platform
        .current_absence("mem_demo_001", server.platform.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.id.as_str(), created["id"].as_str().unwrap());

    // Another member of the same enterprise: forbidden; an unknown one: not found.
    for path in [absences_of("mem_demo_002"), forwarding_of("mem_demo_002")] {
        expect_telenor_error(server.get(&path, &token).await, 403, 40302).await;
    }
    expect_telenor_error(
        server
            .send(
                Method::PUT,
                &forwarding_of("mem_demo_002"),
                &token,
                Some(json!({"busy": {"active": false}})),
            )
            .await,
        403,
        40302,
    )
    .await;
    expect_telenor_error(
        server
            .send(
                Method::DELETE,
                &format!("{}/abs_demo_meeting", absences_of("mem_demo_002")),
                &token,
                None,
            )
            .await,
        403,
        40302,
    )
    .await;
    expect_telenor_error(
        server.get(&absences_of("mem_nobody"), &token).await,
        404,
        40402,
    )
    .await;

    // The audit log names the end user.
    let mut conn = server.platform.store().read().await.unwrap();
    let audit = sentral_store::records::audit_log(&mut conn, 20)
        .await
        .unwrap();
    drop(conn);
    assert!(
        audit
            .iter()
            .any(|entry| entry.action == "absence.create" && entry.actor.contains("mem_demo_001")),
        "{audit:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn finished_absences_are_purged_thirty_days_after_they_end() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let path = absences_of("mem_dk_000010");
    let created = json_of(
        server
            .send(
                Method::POST,
                &path,
                &token,
                Some(json!({"kind": "meeting", "from": at(&server, 0), "until": at(&server, 2 * HOUR)})),
            )
            .await,
        201,
    )
    .await;
    let location = format!("{path}/{}", created["id"].as_str().unwrap());
    assert_eq!(created["current"], true);

    // Over, but kept.
    server.advance_clock(3 * 3600).await;
    server.platform.purge_expired().await.unwrap();
    // Tokens live an hour: a fresh one after each jump.
    let token = server.demo_token().await;
    let over = json_of(server.get(&location, &token).await, 200).await;
    assert_eq!(over["current"], false);
    assert!(
        server
            .platform
            .current_absence("mem_dk_000010", server.platform.now())
            .await
            .unwrap()
            .is_none()
    );

    // 30 days after they ended it and the demo meeting and lunch are purged; later ones stay.
    server.advance_clock(31 * 86_400).await;
    server.platform.purge_expired().await.unwrap();
    let token = server.demo_token().await;
    expect_telenor_error(server.get(&location, &token).await, 404, 40402).await;
    let demo = json_of(server.get(&absences_of("mem_demo_002"), &token).await, 200).await;
    assert!(demo.as_array().unwrap().is_empty(), "{demo}");
    let holiday = json_of(server.get(&absences_of("mem_demo_003"), &token).await, 200).await;
    assert_eq!(
        holiday.as_array().unwrap().len(),
        1,
        "ends in 14 days: kept"
    );
    server.stop().await;
}

#[tokio::test]
async fn odd_path_parameters_answer_4xx_in_the_telenor_envelope() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    for path in [
        "/user/users/%FF/absences",
        "/user/users/%C0%AF/call-forwarding",
        "/user/users/mem_demo_002/absences/%FF",
        "/user/users/%00/absences/abs_demo_meeting",
    ] {
        let response = server.get(path, &token).await;
        let status = response.status();
        assert!(status.is_client_error(), "{path}: {status}");
        let body: Value = response.json().await.unwrap();
        assert!(body["code"].as_u64().is_some(), "{path}: {body}");
    }
    // A body that is not JSON, or not sent as JSON.
    let response = server
        .http
        .post(server.url(&absences_of("mem_demo_002")))
        .bearer_auth(&token)
        .body("kind=meeting")
        .send()
        .await
        .unwrap();
    expect_telenor_error(response, 415, 41500).await;
    server.stop().await;
}
