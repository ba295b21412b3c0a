//! What the schema fuzzer (`scripts/fuzz-openapi.sh`) found, kept as tests: every operation of
//! /openapi/telenor.json documents the errors any caller can get, odd path parameters answer a 4xx
//! in the Telenor envelope, and the login pages answer HTML.

use reqwest::Method;

use crate::harness::TestServer;

/// The fuzzer fails on any status an operation does not document: these every bearer-authenticated
/// operation can give, whatever it does.
#[tokio::test]
async fn every_operation_documents_the_errors_every_caller_can_get() {
    let server = TestServer::demo().await;
    let response = server
        .http
        .get(server.url("/openapi/telenor.json"))
        .send()
        .await
        .unwrap();
    let doc: serde_json::Value = response.json().await.unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let lacks = |status: &str| !responses.contains_key(status);
            let name = format!("{method} {path}");
            if operation.get("security").is_some() {
                for status in ["401", "403", "429", "500"] {
                    assert!(!lacks(status), "{name} does not document {status}");
                }
            }
            if operation.get("requestBody").is_some() {
                assert!(!lacks("413"), "{name} does not document 413");
            }
            if path.contains('{') {
                assert!(
                    !lacks("400"),
                    "{name} does not document 400 (bad path parameter)"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} operations");
    server.stop().await;
}

/// In a cluster, an operation that reaches the enterprise's telephony engine answers 503 (50301)
/// with `Retry-After` when the engine's owner cannot be reached: each documents that answer.
#[tokio::test]
async fn telephony_operations_document_the_503_with_retry_after() {
    let server = TestServer::demo().await;
    let telephony = [
        ("mbn", "post", "/csta/calls"),
        ("mbn", "post", "/csta/calls/{callId}/answer"),
        ("mbn", "post", "/csta/calls/{callId}/clear"),
        ("mbn", "post", "/csta/calls/{callId}/hold"),
        ("mbn", "post", "/csta/calls/{callId}/retrieve"),
        ("mbn", "post", "/csta/calls/{callId}/deflect"),
        ("mbn", "post", "/csta/calls/{callId}/single-step-transfer"),
        ("mbn", "post", "/csta/calls/{callId}/consultation"),
        ("mbn", "post", "/csta/calls/transfer"),
        ("mbn", "post", "/csta/calls/conference"),
        ("mbn", "get", "/csta/devices/{device}/forwarding"),
        ("mbn", "put", "/csta/devices/{device}/forwarding"),
        ("mbn", "put", "/csta/devices/{device}/agent-state"),
        ("mbn", "get", "/csta/devices/{device}/snapshot"),
        ("mbn", "post", "/csta/monitors"),
        ("mbn", "put", "/csta/monitors/{crossRefId}"),
        ("mbn", "delete", "/csta/monitors/{crossRefId}"),
        ("mbn", "get", "/csta/monitors/{crossRefId}/snapshot"),
        ("mbn", "get", "/queue/queues/{queueId}/status"),
        ("mbn", "get", "/status/users/{memberId}"),
        ("mbn", "get", "/status/enterprises/{enterpriseId}/users"),
        ("sandbox", "post", "/sandbox/v1/calls"),
        ("sandbox", "post", "/sandbox/v1/devices/{number}/answer"),
        ("sandbox", "post", "/sandbox/v1/devices/{number}/reject"),
        ("sandbox", "post", "/sandbox/v1/devices/{number}/hangup"),
        ("sandbox", "put", "/sandbox/v1/devices/{number}/power"),
    ];
    let mut documents = std::collections::HashMap::new();
    for name in ["mbn", "sandbox"] {
        let doc: serde_json::Value = server
            .http
            .get(server.url(&format!("/openapi/{name}.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        documents.insert(name, doc);
    }
    for (document, method, path) in telephony {
        let name = format!("{method} {path}");
        let answer = &documents[document]["paths"][path][method]["responses"]["503"];
        assert!(answer.is_object(), "{name} does not document 503");
        assert!(
            answer["description"]
                .as_str()
                .is_some_and(|d| d.contains("50301") && d.contains("Retry-After")),
            "{name}: {answer}"
        );
        assert!(
            answer["headers"]["Retry-After"].is_object(),
            "{name} does not declare Retry-After: {answer}"
        );
        assert_eq!(
            answer["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "{name}"
        );
    }
    server.stop().await;
}

/// While the store cannot be reached every operation that needs it answers 503 with
/// `Retry-After` in its dialect's envelope: each operation of each document lists it, except
/// the operations' own endpoints, which answer without the store.
#[tokio::test]
async fn every_operation_that_needs_the_store_documents_its_503() {
    let server = TestServer::demo().await;
    let mut checked = 0;
    for (name, envelope) in [
        ("telenor", "ErrorBody"),
        ("mbn", "ErrorBody"),
        ("sandbox", "ErrorBody"),
        ("kpn", "KpnErrorBody"),
    ] {
        let doc: serde_json::Value = server
            .http
            .get(server.url(&format!("/openapi/{name}.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("methods") {
                let Some(responses) = operation.get("responses") else {
                    continue;
                };
                let answer = &responses["503"];
                if ["/healthz", "/metrics"].contains(&path.as_str()) {
                    assert!(answer.is_null(), "{name} {method} {path} needs no store");
                    continue;
                }
                if path == "/readyz" {
                    continue;
                }
                assert!(
                    answer["headers"]["Retry-After"].is_object(),
                    "{name} {method} {path}: {answer}"
                );
                assert_eq!(
                    answer["content"]["application/json"]["schema"]["$ref"],
                    format!("#/components/schemas/{envelope}"),
                    "{name} {method} {path}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "only {checked} operations");
    server.stop().await;
}

#[tokio::test]
async fn odd_path_parameters_answer_4xx_in_the_telenor_envelope() {
    let server = TestServer::demo().await;
    let token = server.demo_token().await;
    let templates = [
        (Method::GET, "/corporate-accounts/v2/accounts/{}"),
        (Method::GET, "/organizations/{}/address-cards"),
        (
            Method::GET,
            "/corporate-agreements/v2/agreements/{}/products",
        ),
        (Method::GET, "/corporate-agreements/v2/orders/{}"),
        (Method::GET, "/corporate-mobile-subscriptions/v2/orders/{}"),
        (
            Method::GET,
            "/corporate-mobile-subscriptions/v2/mobile-subscriptions/{}",
        ),
        (
            Method::PUT,
            "/corporate-mobile-subscriptions/v1/{}/user-references",
        ),
        (
            Method::PUT,
            "/corporate-mobile-subscriptions/v2/{}/user-references",
        ),
    ];
    let long = "9".repeat(400);
    let values = [
        "%FF",          // not UTF-8 once decoded
        "%C0%AF",       // overlong UTF-8
        "%00",          // NUL
        "a%2Fb",        // an encoded slash stays in the parameter
        "%2E%2E",       // ..
        "%F0%9F%98%80", // an emoji
        "-1",
        "1e3",
        " 1",
        long.as_str(),
    ];
    for (method, template) in &templates {
        for value in values {
            let path = template.replace("{}", value);
            let response = server
                .http
                .request(method.clone(), server.url(&path))
                .bearer_auth(&token)
                .json(&serde_json::json!({}))
                .send()
                .await
                .expect("request");
            let status = response.status();
            assert!(status.is_client_error(), "{method} {path}: {status}");
            let body: serde_json::Value = response
                .json()
                .await
                .unwrap_or_else(|e| panic!("{method} {path}: not JSON: {e}"));
            assert!(body["code"].as_u64().is_some(), "{method} {path}: {body}");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn login_pages_answer_html_to_malformed_requests() {
    let server = TestServer::demo().await;
    let page = server
        .http
        .get(server.url("/oauth/v2/authorize?response_type=code&state=a&state=b"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    let login = server
        .http
        .post(server.url("/oauth/v2/authorize"))
        .body("username=91000001")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 415);
    assert!(
        login.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    server.stop().await;
}
