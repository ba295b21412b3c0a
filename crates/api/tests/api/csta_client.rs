//! A CSTA client for the API tests: the login sequence, monitors and their WebSocket, demo
//! members' numbers, and the sandbox network.

use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::harness::TestServer;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Member {
    pub mobile: String,
    pub short: String,
}

pub async fn member(server: &TestServer, token: &str, id: &str) -> Member {
    let response = server
        .send(Method::GET, &format!("/catalog/members/{id}"), token, None)
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    Member {
        mobile: body["mobileNumber"]
            .as_str()
            .expect("mobileNumber")
            .trim_start_matches('+')
            .to_owned(),
        short: body["shortNumber"]
            .as_str()
            .expect("shortNumber")
            .to_owned(),
    }
}

/// userInfo → status token → CSTA token: answers the CSTA session token.
pub async fn csta_login(server: &TestServer, access: &str) -> String {
    let response = server
        .send(Method::GET, "/catalog/userInfo", access, None)
        .await;
    assert_eq!(response.status(), 200);
    let response = server
        .send(Method::POST, "/status/token", access, None)
        .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    let status_token = body["statusToken"]
        .as_str()
        .expect("statusToken")
        .to_owned();
    let response = server
        .send(
            Method::POST,
            "/csta/authentication/token",
            access,
            Some(json!({ "statusToken": status_token })),
        )
        .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["tokenType"], "Bearer");
    body["cstaToken"].as_str().expect("cstaToken").to_owned()
}

pub async fn monitor(server: &TestServer, csta: &str, target: Value) -> Value {
    let response = server
        .send(Method::POST, "/csta/monitors", csta, Some(target))
        .await;
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, 201, "{body}");
    body
}

pub async fn websocket(
    server: &TestServer,
    csta: &str,
    cross_ref_id: &str,
    after: Option<u64>,
) -> Socket {
    let query = after.map_or(String::new(), |after| format!("?after={after}"));
    let url = server
        .url(&format!("/csta/monitors/{cross_ref_id}/events{query}"))
        .replacen("http", "ws", 1);
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {csta}").parse().expect("header"),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket upgrade");
    socket
}

/// A sandbox request (no token: the sandbox network is open in sandbox mode).
pub async fn sandbox(
    server: &TestServer,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = server.http.request(method, server.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("sandbox request")
}
