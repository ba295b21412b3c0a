//! A node that does not own an enterprise's telephony answers call control with a clear 503 and
//! `Retry-After` (never applies it), in the dialect's envelope. PostgreSQL only: a SQLite store
//! is one node and takes no leases.

use std::time::Duration;

use reqwest::StatusCode;
use sentral_domain::{Clock, SystemClock};
use serde_json::{Value, json};

use crate::harness::TestServer;

#[tokio::test]
async fn cluster_a_non_owner_answers_503_with_retry_after() {
    for server in TestServer::every_backend().await {
        if server.platform.ownership().is_none() {
            continue;
        }
        // Another node holds the demo enterprise's engine.
        let mut tx = server.platform.store().write().await.unwrap();
        sentral_store::leases::try_acquire(
            &mut tx,
            "telephony:100001",
            "node-elsewhere",
            Duration::from_secs(30),
            SystemClock.now(),
        )
        .await
        .unwrap()
        .expect("the lease is free");
        tx.commit().await.unwrap();

        let response = server
            .http
            .post(server.url("/sandbox/v1/calls"))
            .json(&json!({"from": "4799112233", "to": "4722990000", "enterpriseId": "100001"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let retry_after: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=5).contains(&retry_after), "{retry_after}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], 50301, "{body}");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("node node-elsewhere") && detail.contains("retry after"),
            "{detail}"
        );
        assert_eq!(
            server.platform.ownership().unwrap().snapshot().owned,
            0,
            "{}",
            server.name
        );
        server.stop().await;
    }
}
