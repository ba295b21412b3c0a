//! MBN Catalog contacts: CRUD, validation, isolation, end users read-only, batches, and the
//! change feed followed by a sync client (also while others write).

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestServer, expect_telenor_error};

const CONTACTS: &str = "/catalog/contacts";
const DEMO_CONTACTS: i64 = 200;

async fn json_with(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

fn ad_entry(index: usize, title: &str) -> Value {
    json!({
        "action": "upsert",
        "externalId": format!("ad-{index:05}"),
        "firstName": format!("Person{index}"),
        "lastName": "Fjellheim",
        "company": "Demokunde AS",
        "title": title,
        "email": format!("person{index}@demokunde.no"),
        "numbers": [{"kind": "work", "number": format!("4722{:06}", index)}],
        "address": {"streetAddress": "Karl Johans gate 1", "postalCode": "0154", "postalPlace": "Oslo"},
    })
}

async fn batch(server: &TestServer, token: &str, entries: Vec<Value>) -> Value {
    json_with(
        server
            .send(
                Method::POST,
                "/catalog/contacts/batch",
                token,
                Some(json!({ "entries": entries })),
            )
            .await,
        200,
    )
    .await
}

/// Every live contact, by id, from the listing.
async fn listing(server: &TestServer, token: &str) -> BTreeMap<String, Value> {
    let mut all = BTreeMap::new();
    for page in 0.. {
        let body = json_with(
            server
                .get(&format!("{CONTACTS}?pageSize=1000&page={page}"), token)
                .await,
            200,
        )
        .await;
        let content = body["content"].as_array().unwrap();
        for contact in content {
            all.insert(
                contact["contactId"].as_str().unwrap().to_owned(),
                contact.clone(),
            );
        }
        if content.len() < 1000 {
            break;
        }
    }
    all
}

/// Follows the change feed from `cursor` to its end, applying each change to `copy`; returns
/// the last cursor and how many changes came.
async fn follow(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    mut cursor: String,
    page_size: u32,
    copy: &mut BTreeMap<String, Value>,
) -> (String, usize) {
    let mut received = 0;
    loop {
        let response = http
            .get(format!(
                "{base}{CONTACTS}?cursor={cursor}&pageSize={page_size}"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let body = json_with(response, 200).await;
        let content = body["content"].as_array().unwrap();
        let mut ids = std::collections::HashSet::new();
        for change in content {
            let id = change["contactId"].as_str().unwrap().to_owned();
            assert!(ids.insert(id.clone()), "{id} twice in one page");
            if change["deleted"] == true {
                assert!(
                    change.get("firstName").is_none(),
                    "a tombstone keeps no data"
                );
                copy.remove(&id);
            } else {
                copy.insert(id, change.clone());
            }
        }
        received += content.len();
        let next = body["cursor"].as_str().unwrap().to_owned();
        assert!(
            next.parse::<i64>().unwrap() >= cursor.parse::<i64>().unwrap(),
            "the cursor went back"
        );
        cursor = next;
        if body["hasMore"] == false {
            return (cursor, received);
        }
    }
}

#[tokio::test]
async fn a_machine_user_creates_reads_updates_and_deletes_contacts() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let list = json_with(server.get(CONTACTS, &token).await, 200).await;
        assert_eq!(list["totalElements"], DEMO_CONTACTS, "{}", server.name);
        assert_eq!(list["content"].as_array().unwrap().len(), 100);
        assert!(list.get("cursor").is_none());

        let response = server
            .send(
                Method::POST,
                CONTACTS,
                &token,
                Some(json!({
                    "firstName": " Åse ",
                    "lastName": "Ødegård",
                    "company": "Fjordline Regnskap AS",
                    "email": "ase@fjordline.no",
                    "numbers": [{"kind": "mobile", "number": "+47 92345678"}],
                    "address": {"postalPlace": "Bergen"},
                    "externalId": "crm-new-1",
                })),
            )
            .await;
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let created = json_with(response, 201).await;
        let id = created["contactId"].as_str().unwrap().to_owned();
        assert_eq!(location, format!("{CONTACTS}/{id}"));
        assert_eq!(created["firstName"], "Åse");
        assert_eq!(created["enterpriseId"], "100001");
        assert_eq!(created["numbers"][0]["number"], "4792345678");
        assert_eq!(created["address"]["postalPlace"], "Bergen");
        assert_eq!(created["deleted"], false);
        let fetched = json_with(server.get(&location, &token).await, 200).await;
        assert_eq!(fetched, created);

        // The same externalId again is a conflict.
        expect_telenor_error(
            server
                .send(
                    Method::POST,
                    CONTACTS,
                    &token,
                    Some(json!({"lastName": "X", "externalId": "crm-new-1"})),
                )
                .await,
            409,
            40901,
        )
        .await;

        let feed = json_with(
            server
                .get(&format!("{CONTACTS}?cursor=0&pageSize=1"), &token)
                .await,
            200,
        )
        .await;
        assert_eq!(feed["hasMore"], true);
        let before = json_with(
            server
                .get(
                    &format!("{CONTACTS}?changedSince=2000-01-01T00:00:00Z&pageSize=1000"),
                    &token,
                )
                .await,
            200,
        )
        .await;
        assert_eq!(before["content"].as_array().unwrap().len(), 201);
        let cursor = before["cursor"].as_str().unwrap().to_owned();

        let updated = json_with(
            server
                .send(
                    Method::PUT,
                    &location,
                    &token,
                    Some(json!({"title": "Revisor", "company": null, "address": null})),
                )
                .await,
            200,
        )
        .await;
        assert_eq!(updated["title"], "Revisor");
        assert!(updated.get("company").is_none());
        assert!(updated.get("address").is_none());
        assert_eq!(updated["firstName"], "Åse");
        // A change to the same values is no change: the feed does not show it.
        json_with(
            server
                .send(
                    Method::PUT,
                    &location,
                    &token,
                    Some(json!({"title": "Revisor"})),
                )
                .await,
            200,
        )
        .await;
        let mut copy = BTreeMap::new();
        let (after_update, received) = follow(
            &server.http,
            &server.base,
            &token,
            cursor.clone(),
            100,
            &mut copy,
        )
        .await;
        assert_eq!(received, 1, "one update, one no-op");
        assert_eq!(copy[&id], updated);

        let deleted = server.send(Method::DELETE, &location, &token, None).await;
        assert_eq!(deleted.status(), 204);
        expect_telenor_error(server.get(&location, &token).await, 404, 40402).await;
        expect_telenor_error(
            server.send(Method::DELETE, &location, &token, None).await,
            404,
            40402,
        )
        .await;
        let (_, received) = follow(
            &server.http,
            &server.base,
            &token,
            after_update,
            100,
            &mut copy,
        )
        .await;
        assert_eq!(received, 1);
        assert!(!copy.contains_key(&id), "the tombstone removed it");
        let feed = json_with(
            server
                .get(&format!("{CONTACTS}?cursor={cursor}"), &token)
                .await,
            200,
        )
        .await;
        let tombstone = &feed["content"][0];
        assert_eq!(tombstone["deleted"], true);
        assert_eq!(tombstone["externalId"], "crm-new-1");
        assert!(tombstone["deletedAt"].is_string());

        // Its externalId is free again: a new contact under the old id.
        let revived = json_with(
            server
                .send(
                    Method::POST,
                    CONTACTS,
                    &token,
                    Some(json!({"lastName": "Ødegård", "externalId": "crm-new-1"})),
                )
                .await,
            201,
        )
        .await;
        assert_eq!(revived["contactId"], id.as_str());

        let search = json_with(
            server
                .get(&format!("{CONTACTS}?search=degård"), &token)
                .await,
            200,
        )
        .await;
        assert!(search["totalElements"].as_i64().unwrap() >= 1, "{search}");
        server.stop().await;
    }
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let create = |body: Value| {
        let server = &server;
        let token = token.clone();
        async move {
            server
                .send(Method::POST, CONTACTS, &token, Some(body))
                .await
        }
    };
    for (body, field) in [
        (json!({"lastName": "A", "email": "not-an-address"}), "email"),
        (json!({"title": "Sjef"}), "lastName"),
        (
            json!({"lastName": "A", "numbers": [{"kind": "pager", "number": "12345"}]}),
            "numbers.kind",
        ),
        (
            json!({"lastName": "A", "numbers": [{"kind": "work", "number": "12x"}]}),
            "numbers.number",
        ),
        (json!({"lastName": "A", "note": "x".repeat(1001)}), "note"),
        (
            json!({"lastName": "A", "address": {"postalCode": "12345678901"}}),
            "address.postalCode",
        ),
        (json!({"lastName": "A", "nickname": "B"}), "nickname"),
    ] {
        let error = expect_telenor_error(create(body.clone()).await, 400, 40000).await;
        let detail = error["detail"].as_str().unwrap();
        assert!(detail.contains(field), "{body}: {detail}");
    }
    let some = json_with(
        server.get(&format!("{CONTACTS}?pageSize=1"), &token).await,
        200,
    )
    .await;
    let location = format!(
        "{CONTACTS}/{}",
        some["content"][0]["contactId"].as_str().unwrap()
    );
    for (body, field) in [
        (json!({"email": "@"}), "email"),
        (
            json!({"firstName": null, "lastName": null, "company": null}),
            "lastName",
        ),
        (json!({"numbers": "4722"}), "numbers"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let error = expect_telenor_error(
            server
                .send(Method::PUT, &location, &token, Some(body.clone()))
                .await,
            400,
            40000,
        )
        .await;
        assert!(
            error["detail"].as_str().unwrap().contains(field),
            "{body}: {error}"
        );
    }

    // A batch with one bad entry writes nothing and names the entry.
    let mut entries: Vec<Value> = (0..5).map(|i| ad_entry(i, "Rådgiver")).collect();
    entries[3]["email"] = json!("broken");
    let error = expect_telenor_error(
        server
            .send(
                Method::POST,
                "/catalog/contacts/batch",
                &token,
                Some(json!({"entries": entries})),
            )
            .await,
        400,
        40000,
    )
    .await;
    assert!(
        error["detail"]
            .as_str()
            .unwrap()
            .starts_with("entries[3].email"),
        "{error}"
    );
    let total = json_with(server.get(CONTACTS, &token).await, 200).await["totalElements"].clone();
    assert_eq!(total, DEMO_CONTACTS, "nothing was written");
    for (entries, field) in [
        (
            vec![json!({"action": "upsert", "lastName": "No key"})],
            "entries[0].externalId",
        ),
        (
            vec![
                ad_entry(1, "A"),
                json!({"action": "delete", "externalId": "ad-00001"}),
            ],
            "entries[1].externalId",
        ),
        (
            vec![json!({"action": "merge", "externalId": "x"})],
            "entries[0].action",
        ),
        (
            (0..1001)
                .map(|i| json!({"action": "delete", "externalId": format!("x{i}")}))
                .collect(),
            "entries",
        ),
        (vec![], "entries"),
    ] {
        let error = expect_telenor_error(
            server
                .send(
                    Method::POST,
                    "/catalog/contacts/batch",
                    &token,
                    Some(json!({"entries": entries})),
                )
                .await,
            400,
            40000,
        )
        .await;
        assert!(
            error["detail"].as_str().unwrap().starts_with(field),
            "{field}: {error}"
        );
    }
    for (query, field) in [
        ("changedSince=yesterday", "changedSince"),
        ("cursor=abc", "cursor"),
        ("cursor=99999999", "cursor"),
        (
            "cursor=1&changedSince=2026-01-01T00:00:00Z",
            "changedSince, cursor",
        ),
        ("cursor=1&page=2", "page"),
        ("cursor=1&pageSize=1001", "pageSize"),
        ("pageSize=0", "pageSize"),
    ] {
        let error = expect_telenor_error(
            server.get(&format!("{CONTACTS}?{query}"), &token).await,
            400,
            40000,
        )
        .await;
        assert!(
            error["detail"].as_str().unwrap().starts_with(field),
            "{query}: {error}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn another_partner_sees_no_contacts() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let some = json_with(
        server.get(&format!("{CONTACTS}?pageSize=1"), &token).await,
        200,
    )
    .await;
    let location = format!(
        "{CONTACTS}/{}",
        some["content"][0]["contactId"].as_str().unwrap()
    );
    let other = server
        .other_partner(vec![sentral_domain::ApiProduct::MbnCatalog])
        .await
        .token(&server)
        .await;
    for path in [
        CONTACTS.to_owned(),
        format!("{CONTACTS}?enterpriseId=100001"),
        format!("{CONTACTS}?enterpriseId=100001&cursor=0"),
        location.clone(),
    ] {
        expect_telenor_error(server.get(&path, &other).await, 404, 40402).await;
    }
    for (method, path, body) in [
        (Method::PUT, location.as_str(), json!({"title": "Hacked"})),
        (
            Method::POST,
            "/catalog/contacts?enterpriseId=100001",
            json!({"lastName": "Intruder"}),
        ),
        (
            Method::POST,
            "/catalog/contacts/batch?enterpriseId=100001",
            json!({"entries": [ad_entry(1, "x")]}),
        ),
    ] {
        expect_telenor_error(
            server.send(method, path, &other, Some(body)).await,
            404,
            40402,
        )
        .await;
    }
    expect_telenor_error(
        server.send(Method::DELETE, &location, &other, None).await,
        404,
        40402,
    )
    .await;
    assert_eq!(
        json_with(server.get(&location, &token).await, 200).await,
        some["content"][0]
    );
    server.stop().await;
}

#[tokio::test]
async fn an_end_user_reads_the_enterprise_contacts_but_cannot_write() {
    let server = TestServer::demo().await;
    let end_user = server.end_user_token("91000002").await;
    let list = json_with(server.get(CONTACTS, &end_user).await, 200).await;
    assert_eq!(list["totalElements"], DEMO_CONTACTS);
    let feed = json_with(
        server.get(&format!("{CONTACTS}?cursor=0"), &end_user).await,
        200,
    )
    .await;
    assert_eq!(feed["content"].as_array().unwrap().len(), 200);
    assert_eq!(feed["hasMore"], false);
    let location = format!(
        "{CONTACTS}/{}",
        list["content"][0]["contactId"].as_str().unwrap()
    );
    json_with(server.get(&location, &end_user).await, 200).await;
    for (method, path, body) in [
        (Method::POST, CONTACTS, Some(json!({"lastName": "Ny"}))),
        (
            Method::PUT,
            location.as_str(),
            Some(json!({"title": "Sjef"})),
        ),
        (Method::DELETE, location.as_str(), None),
        (
            Method::POST,
            "/catalog/contacts/batch",
            Some(json!({"entries": [ad_entry(1, "x")]})),
        ),
    ] {
        expect_telenor_error(server.send(method, path, &end_user, body).await, 403, 40302).await;
    }
    server.stop().await;
}

/// An "AD" of 1 000 people pushed in batches; 50 change and 20 leave; a sync client following
/// cursors ends with exactly the server's set.
#[tokio::test]
async fn a_sync_client_following_cursors_ends_with_the_same_contacts() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let mut copy = BTreeMap::new();
        let (cursor, received) = follow(
            &server.http,
            &server.base,
            &token,
            "0".into(),
            1000,
            &mut copy,
        )
        .await;
        assert_eq!(received, 200, "{}: the demo contacts", server.name);

        let ad: Vec<Value> = (0..1000).map(|i| ad_entry(i, "Rådgiver")).collect();
        for chunk in ad.chunks(250) {
            let result = batch(&server, &token, chunk.to_vec()).await;
            assert_eq!(result["created"], 250, "{}", server.name);
            assert_eq!(result["results"][0]["outcome"], "created");
        }
        let (cursor, received) =
            follow(&server.http, &server.base, &token, cursor, 300, &mut copy).await;
        assert_eq!(received, 1000);

        // The next AD export: 50 changed, 20 gone, the rest as before.
        let mut next: Vec<Value> = (0..1000)
            .filter(|i| !(100..120).contains(i))
            .map(|i| {
                ad_entry(
                    i,
                    if (500..550).contains(&i) {
                        "Leder"
                    } else {
                        "Rådgiver"
                    },
                )
            })
            .collect();
        next.extend(
            (100..120).map(|i| json!({"action": "delete", "externalId": format!("ad-{i:05}")})),
        );
        next.push(json!({"action": "delete", "externalId": "ad-never-was"}));
        let mut totals = [0; 4];
        for chunk in next.chunks(1000) {
            let result = batch(&server, &token, chunk.to_vec()).await;
            for (total, key) in
                totals
                    .iter_mut()
                    .zip(["created", "updated", "deleted", "unchanged"])
            {
                *total += result[key].as_i64().unwrap();
            }
        }
        assert_eq!(totals, [0, 50, 20, 931], "{}", server.name);
        let (_, received) = follow(&server.http, &server.base, &token, cursor, 7, &mut copy).await;
        assert_eq!(received, 70, "no-op upserts are not changes");
        assert_eq!(copy, listing(&server, &token).await, "{}", server.name);
        assert_eq!(copy.len(), 200 + 980);
        server.stop().await;
    }
}

/// Writers change contacts while a client follows the feed: no change is skipped.
#[tokio::test]
async fn the_change_feed_is_exact_under_concurrent_writes() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let ad: Vec<Value> = (0..300).map(|i| ad_entry(i, "Rådgiver")).collect();
        batch(&server, &token, ad).await;
        let mut copy = BTreeMap::new();
        let (mut cursor, _) = follow(
            &server.http,
            &server.base,
            &token,
            "0".into(),
            1000,
            &mut copy,
        )
        .await;

        let mut writers = Vec::new();
        for writer in 0..4usize {
            let http = server.http.clone();
            let base = server.base.clone();
            let token = token.clone();
            writers.push(tokio::spawn(async move {
                for round in 0..15usize {
                    let send = |method: Method, path: String, body: Option<Value>| {
                        let mut request = http.request(method, format!("{base}{path}")).bearer_auth(&token);
                        if let Some(body) = body {
                            request = request.json(&body);
                        }
                        request.send()
                    };
                    let entries: Vec<Value> = (0..10)
                        .map(|k| ad_entry((writer * 15 + round) * 10 % 150 + k, &format!("w{writer}r{round}")))
                        .chain(std::iter::once(json!({
                            "action": "delete",
                            "externalId": format!("ad-{:05}", 150 + (writer * 61 + round * 7) % 150),
                        })))
                        .collect();
                    let response = send(
                        Method::POST,
                        "/catalog/contacts/batch".into(),
                        Some(json!({ "entries": entries })),
                    )
                    .await
                    .unwrap();
                    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
                    let created = send(
                        Method::POST,
                        CONTACTS.into(),
                        Some(json!({"lastName": format!("Writer{writer}"), "firstName": format!("Round{round}")})),
                    )
                    .await
                    .unwrap();
                    assert_eq!(created.status(), 201);
                    let created: Value = created.json().await.unwrap();
                    let path = format!("{CONTACTS}/{}", created["contactId"].as_str().unwrap());
                    let updated = send(Method::PUT, path.clone(), Some(json!({"title": "Oppdatert"})))
                        .await
                        .unwrap();
                    assert_eq!(updated.status(), 200);
                    if round % 3 == 0 {
                        let deleted = send(Method::DELETE, path, None).await.unwrap();
                        assert_eq!(deleted.status(), 204);
                    }
                }
            }));
        }
        let mut rounds = 0;
        while writers.iter().any(|w| !w.is_finished()) {
            (cursor, _) = follow(&server.http, &server.base, &token, cursor, 13, &mut copy).await;
            rounds += 1;
        }
        for writer in writers {
            writer.await.unwrap();
        }
        let (_, _) = follow(&server.http, &server.base, &token, cursor, 13, &mut copy).await;
        assert!(
            rounds > 1,
            "{}: the client followed while they wrote",
            server.name
        );
        assert_eq!(copy, listing(&server, &token).await, "{}", server.name);
        server.stop().await;
    }
}

#[tokio::test]
async fn a_cursor_older_than_purged_tombstones_must_sync_in_full() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let start = json_with(
            server
                .get(&format!("{CONTACTS}?cursor=0&pageSize=1000"), &token)
                .await,
            200,
        )
        .await;
        let old_cursor = start["cursor"].as_str().unwrap().to_owned();
        let some = start["content"][0]["contactId"]
            .as_str()
            .unwrap()
            .to_owned();
        let gone = server
            .send(Method::DELETE, &format!("{CONTACTS}/{some}"), &token, None)
            .await;
        assert_eq!(gone.status(), 204);
        let before_purge = server.platform.now();

        // Within the retention the tombstone is kept and the old cursor works.
        server.advance_clock(29 * 86_400).await;
        assert_eq!(server.platform.purge_contact_tombstones().await.unwrap(), 0);
        let token = server.demo_token().await;
        let feed = json_with(
            server
                .get(&format!("{CONTACTS}?cursor={old_cursor}"), &token)
                .await,
            200,
        )
        .await;
        assert_eq!(feed["content"][0]["deleted"], true);
        let recent_cursor = feed["cursor"].as_str().unwrap().to_owned();

        server.advance_clock(2 * 86_400).await;
        server.platform.purge_expired().await.unwrap();
        let token = server.demo_token().await;
        let error = expect_telenor_error(
            server
                .get(&format!("{CONTACTS}?cursor={old_cursor}"), &token)
                .await,
            410,
            41002,
        )
        .await;
        assert!(
            error["detail"].as_str().unwrap().contains("cursor=0"),
            "{error}"
        );
        let since = before_purge.plus_seconds(-60).to_rfc3339();
        expect_telenor_error(
            server
                .get(&format!("{CONTACTS}?changedSince={since}"), &token)
                .await,
            410,
            41002,
        )
        .await;
        // A client that had seen the deletion, and a full sync, go on.
        json_with(
            server
                .get(&format!("{CONTACTS}?cursor={recent_cursor}"), &token)
                .await,
            200,
        )
        .await;
        let mut copy = BTreeMap::new();
        follow(
            &server.http,
            &server.base,
            &token,
            "0".into(),
            1000,
            &mut copy,
        )
        .await;
        assert_eq!(copy.len(), 199, "{}", server.name);
        assert_eq!(copy, listing(&server, &token).await);
        server.stop().await;
    }
}
