//! Round trips on every update the served OpenAPI documents list (PUT, PATCH, and POST updates):
//! read a resource of the demo world, change one writable field, write the whole body back and
//! read the change, on every backend. Telenor and MBN also answer a read-only field sent back
//! changed, and an unknown field, with a 400 naming it, as their documents say
//! (`readOnly`, `additionalProperties: false`); KPN ignores unknown fields.
//!
//! A new update endpoint fails here until [`plan`] gives it a sample (or says why it is a
//! command with nothing to write back).

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestServer, expect_telenor_error};
use crate::kpn_harness::{BASE, kpn_token};

/// Where a path parameter's sample value comes from.
enum Source {
    Fixed(&'static str),
    /// The value at `pointer` in the answer of the GET `list`.
    Listed {
        list: &'static str,
        pointer: &'static str,
    },
    /// A cost centre below the KPN demo customer's first debtor.
    KpnCostCentre,
}

struct Sample {
    params: Params,
    /// The GET that reads the resource, when it is not at the update's own path.
    read_at: Option<&'static str>,
    /// KPN: the body carries the resource under this field, beside `referenceNumber`.
    wrap: Option<&'static str>,
    /// The writable field changed (a JSON pointer) and its new value from the one read.
    change: Change,
}

enum Plan {
    RoundTrip(Sample),
    /// A command: its body is no representation of a resource to write back (why).
    Command(&'static str),
}

type Params = &'static [(&'static str, Source)];
type Change = (&'static str, fn(&Value) -> Value);

/// How each update of the documents is exercised, by method and path as documented.
fn plan(method: &str, path: &str) -> Option<Plan> {
    use Source::{Fixed, KpnCostCentre, Listed};
    let kpn_path = path.strip_prefix(BASE);
    let sample = |params: Params, change: Change| {
        Some(Plan::RoundTrip(Sample {
            params,
            read_at: None,
            wrap: None,
            change,
        }))
    };
    let references = |reference: &'static str| {
        Some(Plan::RoundTrip(Sample {
            params: &[("msisdn", Fixed("4791000001"))],
            read_at: Some("/corporate-mobile-subscriptions/v2/mobile-subscriptions/{msisdn}"),
            wrap: None,
            change: (reference, |_| json!("Round-trip reference")),
        }))
    };
    match (method, kpn_path.unwrap_or(path)) {
        // MBN.
        ("put", "/catalog/contacts/{contactId}") => sample(
            &[(
                "contactId",
                Listed {
                    list: "/catalog/contacts?pageSize=1",
                    pointer: "/content/0/contactId",
                },
            )],
            ("/note", |_| json!("Written back by the round-trip test")),
        ),
        ("put", "/catalog/enterprises/{enterpriseId}/numbering-plan") => sample(
            &[("enterpriseId", Fixed("100001"))],
            ("/ranges", |ranges| {
                let mut ranges = ranges.as_array().cloned().unwrap_or_default();
                ranges.push(json!({"from": "700", "to": "709"}));
                // The plan keeps its ranges in order.
                ranges.sort_by(|a, b| a["from"].as_str().cmp(&b["from"].as_str()));
                Value::Array(ranges)
            }),
        ),
        ("put", "/catalog/members/{memberId}") => sample(
            &[("memberId", Fixed("mem_demo_001"))],
            ("/title", |_| json!("Round-trip title")),
        ),
        ("put", "/user/users/{memberId}/absences/{absenceId}") => sample(
            &[
                ("memberId", Fixed("mem_demo_002")),
                ("absenceId", Fixed("abs_demo_lunch")),
            ],
            ("/note", |_| json!("Written back by the round-trip test")),
        ),
        ("put", "/user/users/{memberId}/call-forwarding") => sample(
            &[("memberId", Fixed("mem_demo_001"))],
            ("/noAnswer/ringSeconds", |_| json!(25)),
        ),
        ("put", "/queue/queues/{queueId}") => sample(
            &[("queueId", Fixed("1"))],
            ("/maxWait", |wait| json!(wait.as_i64().unwrap_or(300) + 30)),
        ),
        ("put", "/csta/devices/{device}/forwarding") => Some(Plan::Command(
            "CSTA SetForwarding: one rule per request, not the GetForwarding answer",
        )),
        ("put", "/csta/devices/{device}/agent-state") => {
            Some(Plan::Command("CSTA SetAgentState; no GET at the path"))
        }
        ("put", "/csta/monitors/{crossRefId}") => {
            Some(Plan::Command("renews a monitor; no GET at the path"))
        }
        ("put", "/queue/queues/{queueId}/agents/{memberId}/state") => {
            Some(Plan::Command("sets an agent's state; no GET at the path"))
        }
        ("put", "/status/terminals/{terminalId}") => Some(Plan::Command(
            "sets a PBX terminal's status; no GET at the path",
        )),
        // Telenor: the user references of the subscription GET answers.
        ("put", "/corporate-mobile-subscriptions/v1/{msisdn}/user-references") => {
            references("/userReference2")
        }
        ("put", "/corporate-mobile-subscriptions/v2/{msisdn}/user-references") => {
            references("/userReference3")
        }
        // KPN.
        ("put", "/hierarchy/subscribers/{id}") if kpn_path.is_some() => {
            Some(Plan::RoundTrip(Sample {
                params: &[(
                    "id",
                    Listed {
                        list: "/mobile/kpn/mobileservices/hierarchy/subscribers?to=1",
                        pointer: "/result/0/id",
                    },
                )],
                read_at: None,
                wrap: Some("subscriber"),
                change: ("/firstName", |_| json!("Roundtrip")),
            }))
        }
        ("post", "/hierarchy/children/{id}") if kpn_path.is_some() => sample(
            &[("id", KpnCostCentre)],
            ("/name", |_| json!("Round-trip centre")),
        ),
        // The GET answers ThresholdDetails; the threshold inside it is what is sent back.
        ("post", "/contract/thresholds/{id}") if kpn_path.is_some() => sample(
            &[(
                "id",
                Listed {
                    list: "/mobile/kpn/mobileservices/contract/thresholds",
                    pointer: "/0/id",
                },
            )],
            ("/threshold/name", |_| json!("Round-trip threshold")),
        ),
        ("post", "/hierarchy/subscribers/{subscriberId}/roles") if kpn_path.is_some() => {
            Some(Plan::Command(
                "editSubscriberUserRoles takes changes (rolesToAdd, rolesToRemove), not the \
                 PagedResult_Role_ its GET answers",
            ))
        }
        ("post", "/address/{id}/edit") if kpn_path.is_some() => Some(Plan::Command(
            "no GET of one address (lists only); kpn_addresses.rs sends a listed one back",
        )),
        ("post", "/contracting/basket") if kpn_path.is_some() => Some(Plan::Command(
            "modifyBasket takes changes (BasketChange), not the BasketSnapshot its GET answers",
        )),
        ("post", "/contracting/basket/modify-template") if kpn_path.is_some() => Some(
            Plan::Command("saves the basket's state into its template; takes no body"),
        ),
        _ => None,
    }
}

/// The updates of a document: every PUT and PATCH, and the POSTs that update (an `update…`,
/// `edit…` or `modify…` operation, or a POST to a resource's own path beside its
/// GET); operations sentral has not built (they answer only 501) are left out.
fn updates(document: &Value) -> Vec<(String, &'static str, bool, Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        let has_get = item.get("get").is_some();
        let own_path = path.ends_with('}');
        for method in ["put", "patch", "post"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let id = operation["operationId"].as_str().unwrap_or_default();
            let updating = method != "post"
                || ["update", "edit", "modify"]
                    .iter()
                    .any(|verb| id.starts_with(verb))
                || (has_get && own_path);
            let built = operation["responses"].get("501").is_none();
            if updating && built {
                found.push((path.clone(), method, has_get, operation.clone()));
            }
        }
    }
    found
}

struct Dialect<'a> {
    name: &'static str,
    token: &'a str,
    document: &'a Value,
}

async fn json_answer(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert!(status.is_success(), "{what}: {status} {text}");
    if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"))
    }
}

async fn read(server: &TestServer, path: &str, token: &str) -> Value {
    json_answer(server.get(path, token).await, &format!("GET {path}")).await
}

async fn resolve(server: &TestServer, source: &Source, token: &str) -> String {
    let as_text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        other => panic!("not an id: {other}"),
    };
    match source {
        Source::Fixed(value) => (*value).to_owned(),
        Source::Listed { list, pointer } => {
            let listed = read(server, list, token).await;
            as_text(listed.pointer(pointer).unwrap_or(&Value::Null))
        }
        Source::KpnCostCentre => {
            let roots = read(server, &format!("{BASE}/hierarchy/children"), token).await;
            let debtor = as_text(&roots["result"][0]["id"]);
            let children = read(
                server,
                &format!("{BASE}/hierarchy/children?id={debtor}&to=100"),
                token,
            )
            .await;
            let centre = children["result"]
                .as_array()
                .and_then(|items| items.iter().find(|item| item["type"] == "COST_CENTER"))
                .unwrap_or_else(|| panic!("no cost centre below {debtor}: {children}"));
            as_text(&centre["id"])
        }
    }
}

/// KPN writes take effect when their order closes (on the sandbox clock).
async fn until_done(server: &TestServer, token: &str, answer: &Value) {
    let Some(id) = answer["id"].as_i64() else {
        return;
    };
    for _ in 0..10 {
        for kind in ["orders", "service-requests"] {
            let response = server
                .get(&format!("{BASE}/track-and-trace/{kind}/{id}"), token)
                .await;
            if response.status() == 200 {
                let order: Value = response.json().await.expect("order");
                if order["status"] == "CLOSED" {
                    return;
                }
            }
        }
        server.advance_clock(2).await;
    }
    panic!("order {id} never closed");
}

async fn write(
    server: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Value,
) -> reqwest::Response {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
    server.send(method, path, token, Some(body)).await
}

/// A value unlike `value`, of the same kind where there is one.
fn different(value: &Value) -> Value {
    match value {
        Value::Null => json!("round-trip-other"),
        Value::Bool(flag) => json!(!flag),
        Value::Number(number) => json!(number.as_f64().unwrap_or_default() + 1.0),
        Value::String(text) => json!(format!("{text}-other")),
        Value::Array(items) if items.is_empty() => json!(["round-trip-other"]),
        Value::Array(_) => json!([]),
        Value::Object(_) => json!({"roundTripOther": "value"}),
    }
}

/// The update body's schema in the document, its `$ref` followed.
fn body_schema<'a>(document: &'a Value, operation: &'a Value) -> Option<&'a Value> {
    let schema = operation.pointer("/requestBody/content/application~1json/schema")?;
    match schema["$ref"].as_str() {
        Some(reference) => document.pointer(reference.trim_start_matches('#')),
        None => Some(schema),
    }
}

/// A 400 whose detail starts with `{field}: {reason}`.
async fn expect_bad_field(response: reqwest::Response, field: &str, reason: &str, what: &str) {
    let body = expect_telenor_error(response, 400, 40000).await;
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with(&format!("{field}: {reason}")),
        "{what}: the detail names {field} ({reason}): {body}"
    );
}

/// Reads, changes, writes back and reads again one resource; then, where the dialect refuses
/// them, a read-only field changed and an unknown field.
async fn round_trip(
    server: &TestServer,
    dialect: &Dialect<'_>,
    (path, method, has_get, operation): &(String, &'static str, bool, Value),
    sample: &Sample,
) {
    let what = format!("{} {method} {path}", server.name);
    let token = dialect.token;
    let mut target = path.clone();
    let mut read_at = sample.read_at.unwrap_or(path).to_owned();
    assert!(
        *has_get || sample.read_at.is_some(),
        "{what}: no GET at the path; give the sample the GET that reads it"
    );
    for (name, source) in sample.params {
        let value = resolve(server, source, token).await;
        target = target.replace(&format!("{{{name}}}"), &value);
        read_at = read_at.replace(&format!("{{{name}}}"), &value);
    }
    assert!(!target.contains('{'), "{what}: a parameter without sample");

    let before = read(server, &read_at, token).await;
    let (pointer, change) = sample.change;
    let mut body = before.clone();
    let field = body
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{what}: {pointer} not in {before}"));
    let changed = change(field);
    assert_ne!(*field, changed, "{what}: the sample changes nothing");
    *field = changed.clone();
    let wrapped = |body: Value| match sample.wrap {
        Some(key) => json!({ key: body, "referenceNumber": "round-trip" }),
        None => body,
    };
    let answer = json_answer(
        write(server, method, &target, token, wrapped(body.clone())).await,
        &format!("{what} with the GET's body"),
    )
    .await;
    until_done(server, token, &answer).await;
    let after = read(server, &read_at, token).await;
    assert_eq!(after.pointer(pointer), Some(&changed), "{what}: {after}");

    if dialect.name == "kpn" {
        // Unknown fields are ignored, as KPN clients need, and the document says so.
        let schema = body_schema(dialect.document, operation)
            .unwrap_or_else(|| panic!("{what}: no JSON request body in the document"));
        assert_ne!(schema["additionalProperties"], json!(false), "{what}");
        let mut echoed = after.clone();
        echoed["roundTripSurplus"] = json!(1);
        let answer = json_answer(
            write(server, method, &target, token, wrapped(echoed)).await,
            &format!("{what} with an unknown field"),
        )
        .await;
        until_done(server, token, &answer).await;
        return;
    }

    // The document says what the body tolerates: every field GET answers is a property,
    // writable or read-only, and no other field.
    let schema = body_schema(dialect.document, operation)
        .unwrap_or_else(|| panic!("{what}: no JSON request body in the document"));
    assert_eq!(
        schema["additionalProperties"],
        json!(false),
        "{what}: unknown fields are refused: {schema}"
    );
    let properties = schema["properties"].as_object().expect("properties");
    for field in after.as_object().expect("an object").keys() {
        assert!(
            properties.contains_key(field),
            "{what}: {field} of the GET answer is not a property of the body"
        );
    }

    let mut unknown = after.clone();
    unknown["roundTripSurplus"] = json!(1);
    expect_bad_field(
        write(server, method, &target, token, unknown).await,
        "roundTripSurplus",
        "unknown field",
        &what,
    )
    .await;

    for (field, property) in properties {
        if property["readOnly"] != json!(true) {
            continue;
        }
        // Read again: an ignored field's write may have changed the timestamps.
        let mut edited = read(server, &read_at, token).await;
        edited[field] = different(edited.get(field).unwrap_or(&Value::Null));
        let response = write(server, method, &target, token, edited).await;
        let ignored = property["description"]
            .as_str()
            .is_some_and(|d| d.contains("ignored whatever its value"));
        if ignored {
            json_answer(response, &format!("{what}: derived {field} changed")).await;
        } else {
            let what = format!("{what}: read-only {field}");
            expect_bad_field(response, field, "read-only", &what).await;
        }
    }
    // Nothing of the refused bodies was taken.
    let last = read(server, &read_at, token).await;
    assert_eq!(last.pointer(pointer), Some(&changed), "{what}: {last}");
}

#[tokio::test]
async fn every_update_takes_back_the_body_its_get_answered() {
    for server in TestServer::every_backend().await {
        let telenor = server.demo_token().await;
        let kpn = kpn_token(&server).await;
        let mut covered = Vec::new();
        let mut commands = Vec::new();
        let mut missing = Vec::new();
        for (name, token) in [("telenor", &telenor), ("mbn", &telenor), ("kpn", &kpn)] {
            let document = json_answer(
                server
                    .http
                    .get(server.url(&format!("/openapi/{name}.json")))
                    .send()
                    .await
                    .expect("document"),
                name,
            )
            .await;
            let dialect = Dialect {
                name,
                token,
                document: &document,
            };
            for update in updates(&document) {
                let (path, method, ..) = &update;
                match plan(method, path) {
                    None => missing.push(format!("{method} {path}")),
                    Some(Plan::Command(why)) => commands.push(format!("{method} {path}: {why}")),
                    Some(Plan::RoundTrip(sample)) => {
                        round_trip(&server, &dialect, &update, &sample).await;
                        covered.push(format!("{method} {path}"));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "updates without a sample in round_trip::plan: {missing:?}"
        );
        assert!(covered.len() >= 10, "{covered:?}");
        eprintln!(
            "{}: round trips {covered:#?}; commands {commands:#?}",
            server.name
        );
        server.stop().await;
    }
}
