//! A KPN client for the tests: token, base path, JSON calls.

use reqwest::Method;
use serde_json::Value;

use crate::harness::TestServer;

pub const BASE: &str = "/mobile/kpn/mobileservices";

pub async fn kpn_token_for(server: &TestServer, client: &str, secret: &str) -> String {
    let response = server
        .http
        .post(server.url("/oauth/grip/msm/accesstoken?grant_type=client_credentials"))
        .form(&[("client_id", client), ("client_secret", secret)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "KPN token");
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

pub async fn kpn_token(server: &TestServer) -> String {
    kpn_token_for(server, "demo-kpn-client", "demo-kpn-secret").await
}

/// A call and its status and JSON body (`Null` when empty).
pub async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let response = server
        .send(method, &format!("{BASE}{path}"), token, body)
        .await;
    let status = response.status().as_u16();
    if status != 501 {
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        if text.is_empty() {
            return (status, Value::Null);
        }
        assert!(
            content_type.starts_with("application/json"),
            "{path}: {content_type}"
        );
        return (status, serde_json::from_str(&text).unwrap());
    }
    (status, response.json().await.unwrap())
}

pub async fn get(server: &TestServer, path: &str, token: &str) -> (u16, Value) {
    call(server, Method::GET, path, token, None).await
}

pub async fn post(server: &TestServer, path: &str, token: &str, body: Value) -> (u16, Value) {
    call(server, Method::POST, path, token, Some(body)).await
}

/// Asserts a KPN error: status and `name`, and that the message is there.
pub fn expect_error(outcome: &(u16, Value), status: u16, name: &str) {
    assert_eq!(outcome.0, status, "{}", outcome.1);
    assert_eq!(outcome.1["name"], name, "{}", outcome.1);
    assert!(
        outcome.1["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        outcome.1
    );
    assert_eq!(
        outcome.1["status"].as_str().unwrap_or_default()[..3],
        status.to_string(),
        "{}",
        outcome.1
    );
}

/// A KPN application bound to `customer` (KvK with `NL`), with its client id, secret and app id.
pub async fn kpn_client_for(
    server: &TestServer,
    customer: &str,
    name: &str,
) -> (String, String, String) {
    use sentral_domain::{ApiProduct, OrgNumber};
    use sentral_services::admin::NewApplication;
    use sentral_services::platform::Actor;
    let issued = server
        .platform
        .create_application(
            &Actor::cli(),
            NewApplication {
                partner: OrgNumber::parse("920000002").unwrap(),
                name: name.into(),
                products: vec![ApiProduct::KpnMsm],
                billing_account: None,
                owner: "Test".into(),
                created_by: "test@example.com".into(),
                kpn_customer: Some(OrgNumber::parse(customer).unwrap()),
                client_id: None,
                client_secret: None,
                redirect_uris: Vec::new(),
            },
        )
        .await
        .expect("KPN application");
    (
        issued.client_id.to_string(),
        issued.client_secret.expose().to_owned(),
        issued.app.id.to_string(),
    )
}
