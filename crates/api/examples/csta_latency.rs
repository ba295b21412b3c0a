//! End to end: a command over HTTP → the enterprise's engine → the monitor hub → a WebSocket
//! client of an enterprise monitor. The real server (sandbox, demo world, SQLite in a temporary
//! directory) on a loopback port; the client logs in as partners do (status token, CSTA token).
//!
//! ```sh
//! cargo run --release -p sentral-api --example csta_latency -- [calls]
//! ```
//! Each call: `POST /sandbox/v1/calls` (outside → a member) and the time until its `Delivered`
//! reaches the WebSocket, then `POST …/hangup` and the time until `CallCleared` arrives. The
//! baseline, measured first in the same run, is a `GET /healthz` round trip.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sentral_api::{AppState, router};
use sentral_services::{Platform, PlatformConfig};
use sentral_store::{Store, StoreLocation};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn until(socket: &mut Socket, kind: &str) {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("event within 5 s")
            .expect("open")
            .expect("frame");
        if let Message::Text(text) = frame
            && serde_json::from_str::<Value>(&text).is_ok_and(|event| event["type"] == kind)
        {
            return;
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e3
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name}: n={} p50={:.3} ms p90={:.3} ms p99={:.3} ms max={:.3} ms",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.9),
        percentile(&samples, 0.99),
        percentile(&samples, 1.0)
    );
}

#[tokio::main]
async fn main() {
    let calls: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000);
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Store::open(&StoreLocation::SqliteDir(dir.path().to_path_buf()))
        .await
        .expect("store");
    let mut config = PlatformConfig {
        sandbox: true,
        ..PlatformConfig::default()
    };
    config.rate_limits.quota_per_minute = 0;
    config.rate_limits.spike_arrest_per_second = 0;
    let platform = Platform::new(Arc::new(store), config)
        .await
        .expect("platform");
    platform.ensure_demo_world().await.expect("demo world");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(
        axum::serve(
            listener,
            axum::ServiceExt::into_make_service(router(AppState::new(platform))),
        )
        .into_future(),
    );

    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/oauth/v2/token"))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[
            ("grant_type", "password"),
            ("username", "api0000000001"),
            ("password", "demo-password"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let access = token["access_token"].as_str().expect("access_token");
    let status: Value = http
        .post(format!("{base}/status/token"))
        .bearer_auth(access)
        .send()
        .await
        .expect("status token")
        .json()
        .await
        .expect("json");
    let login: Value = http
        .post(format!("{base}/csta/authentication/token"))
        .bearer_auth(access)
        .json(&json!({"statusToken": status["statusToken"]}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let csta = login["cstaToken"].as_str().expect("cstaToken").to_owned();
    let monitor: Value = http
        .post(format!("{base}/csta/monitors"))
        .bearer_auth(&csta)
        .json(&json!({"enterprise": "100001"}))
        .send()
        .await
        .expect("monitor")
        .json()
        .await
        .expect("json");
    let url = format!(
        "{}/csta/monitors/{}/events",
        base.replacen("http", "ws", 1),
        monitor["crossRefId"].as_str().expect("crossRefId")
    );
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {csta}").parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket");

    // Baseline in the same run: one HTTP round trip to a handler that does nothing.
    let mut baseline = Vec::with_capacity(calls);
    for _ in 0..calls {
        let sent = Instant::now();
        let health = http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .expect("healthz");
        assert_eq!(health.status(), 200);
        baseline.push(sent.elapsed());
    }
    let (mut delivered, mut cleared) = (Vec::with_capacity(calls), Vec::with_capacity(calls));
    let started = Instant::now();
    for _ in 0..calls {
        let sent = Instant::now();
        let placed = http
            .post(format!("{base}/sandbox/v1/calls"))
            .json(&json!({"from": "4799999999", "to": "4791000010"}))
            .send()
            .await
            .expect("call");
        assert_eq!(placed.status(), 201);
        until(&mut socket, "Delivered").await;
        delivered.push(sent.elapsed());
        let sent = Instant::now();
        let hung_up = http
            .post(format!("{base}/sandbox/v1/devices/4799999999/hangup"))
            .send()
            .await
            .expect("hangup");
        assert_eq!(hung_up.status(), 204);
        until(&mut socket, "CallCleared").await;
        cleared.push(sent.elapsed());
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{calls} calls in {elapsed:.2} s ({:.0} calls/s, one client, one at a time)",
        calls as f64 / elapsed
    );
    report("baseline: GET /healthz round trip", baseline);
    report("PlaceCall request → Delivered on the WebSocket", delivered);
    report("HangUp request → CallCleared on the WebSocket", cleared);
}
