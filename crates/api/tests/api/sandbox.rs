use sentral_services::PlatformConfig;
use serde_json::Value;

use crate::harness::{TestServer, expect_telenor_error};

#[tokio::test]
async fn the_clock_moves_forward_and_reset_brings_the_demo_world_back() {
    let server = TestServer::demo().await;
    let before: Value = server
        .http
        .get(server.url("/sandbox/v1/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(before["offsetSeconds"], 0);
    let after: Value = server
        .http
        .post(server.url("/sandbox/v1/clock/advance"))
        .json(&serde_json::json!({"seconds": 90}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["offsetSeconds"], 90);
    let token = server.demo_token().await;
    let reset = server
        .http
        .post(server.url("/sandbox/v1/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let clock: Value = server
        .http
        .get(server.url("/sandbox/v1/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["offsetSeconds"], 0);
    expect_telenor_error(
        server.get("/organizations/v1/organizations", &token).await,
        401,
        40105,
    )
    .await;
    assert_eq!(
        server
            .get(
                "/organizations/v1/organizations",
                &server.demo_token().await
            )
            .await
            .status(),
        200
    );
    server.stop().await;
}

#[tokio::test]
async fn sandbox_endpoints_are_404_outside_sandbox_mode() {
    let server = TestServer::demo_with(PlatformConfig {
        sandbox: false,
        ..PlatformConfig::default()
    })
    .await;
    for path in ["/sandbox/v1/clock", "/sandbox/v1/sms"] {
        expect_telenor_error(
            server.http.get(server.url(path)).send().await.unwrap(),
            404,
            40401,
        )
        .await;
    }
    server.stop().await;
}

#[tokio::test]
async fn operations_endpoints_answer() {
    let server = TestServer::demo().await;
    assert_eq!(
        server
            .http
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    assert_eq!(
        server
            .http
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    server.demo_token().await;
    let metrics = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("sentral_tokens_issued_total{grant_type=\"password\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("route=\"/oauth/v2/token\",status=\"200\""),
        "{metrics}"
    );
    let request_id = server
        .http
        .get(server.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(request_id.headers()["x-request-id"], "abc-123");
    let document: Value = server
        .http
        .get(server.url("/openapi/telenor.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(document["paths"]["/oauth/v2/token"].is_object());
    assert_eq!(
        server
            .http
            .get(server.url("/docs/"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    server.platform.store().close().await;
    assert_eq!(
        server
            .http
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        503
    );
    server.stop().await;
}
