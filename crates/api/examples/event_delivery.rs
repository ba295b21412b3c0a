//! Benchmark of event delivery: `publish` → a WebSocket client of an enterprise monitor (latency
//! percentiles at a sustained call rate, with 10 000 device monitors alive), then raw publish
//! throughput over the same monitors, and the memory they take.
//!
//! ```sh
//! cargo run --release -p sentral-api --example event_delivery -- [devices] [calls/s] [seconds]
//! ```
//! Defaults: 10 000 devices, 100 calls/s (6 events each, each naming two devices), 10 s.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use futures_util::StreamExt;
use sentral_api::mbn::stream::{EventStreamRequest, StreamSettings};
use sentral_domain::Timestamp;
use sentral_events::{
    CrossRefId, HubConfig, MonitorHub, MonitorObject, MonitorOwner, MonitorSpec, Published,
};
use tokio_tungstenite::tungstenite::Message;

const ENTERPRISE: &str = "100001";
const CALL_EVENTS: [&str; 6] = [
    "ServiceInitiated",
    "Originated",
    "Delivered",
    "Established",
    "ConnectionCleared",
    "CallCleared",
];

async fn events(
    State(hub): State<MonitorHub>,
    Path(id): Path<String>,
    stream: EventStreamRequest,
) -> Response {
    stream
        .serve(
            &hub,
            &CrossRefId::new(id),
            &owner(),
            None,
            &StreamSettings::default(),
        )
        .expect("monitor")
}

fn owner() -> MonitorOwner {
    MonitorOwner::new("bench")
}

fn device(index: usize) -> String {
    format!("+479{index:07}")
}

/// Event `number` of the run: call `number / 6` between two pseudo-random devices.
fn call_event(number: usize, devices: usize) -> Published {
    let call = number / CALL_EVENTS.len();
    let (a, b) = (call * 7919 % devices, (call * 104_729 + 1) % devices);
    let (a, b) = (device(a), device(b));
    let event_type = CALL_EVENTS[number % CALL_EVENTS.len()];
    Published {
        enterprise_id: ENTERPRISE.to_owned(),
        devices: vec![a.clone(), b.clone()],
        event_type: event_type.to_owned(),
        cause: Some("newCall".to_owned()),
        subject: Some(a.clone()),
        occurred_at: Timestamp::from_millis(1_795_000_000_000),
        payload: serde_json::json!({
            "callId": format!("call-{call}"),
            "callingDevice": {"deviceId": a},
            "calledDevice": {"deviceId": b},
            "localConnectionInfo": "connected",
        }),
    }
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|value| {
                    value
                        .trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<f64>()
                        .ok()
                })
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|arg| arg.parse().expect("numbers: devices calls/s seconds"))
        .collect();
    let devices = args.first().copied().unwrap_or(10_000);
    let calls_per_second = args.get(1).copied().unwrap_or(100);
    let seconds = args.get(2).copied().unwrap_or(10);

    let rss_start = rss_mib();
    let hub = MonitorHub::new(HubConfig::default());
    for index in 0..devices {
        let object = MonitorObject::Device {
            enterprise_id: ENTERPRISE.to_owned(),
            device: device(index),
        };
        let spec = MonitorSpec {
            owner: owner(),
            object,
            filter: None,
            webhook: None,
        };
        hub.create(spec, Timestamp::from_millis(0))
            .expect("monitor");
    }
    let enterprise = hub
        .create(
            MonitorSpec {
                owner: owner(),
                object: MonitorObject::Enterprise(ENTERPRISE.to_owned()),
                filter: None,
                webhook: None,
            },
            Timestamp::from_millis(0),
        )
        .expect("monitor")
        .cross_ref_id;
    let rss_monitors = rss_mib();

    let app = Router::new()
        .route("/events/{id}", get(events))
        .with_state(hub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let url = format!(
        "ws://{}/events/{enterprise}",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket");

    // Latency: publish at the call rate from a thread of its own, as the engine's actor would.
    let total = calls_per_second * CALL_EVENTS.len() * seconds;
    let base = Instant::now();
    let sent_at: Arc<Vec<AtomicU64>> = Arc::new((0..total).map(|_| AtomicU64::new(0)).collect());
    let publisher = {
        let (hub, sent_at) = (hub.clone(), sent_at.clone());
        std::thread::spawn(move || {
            let mut publish_nanos = Vec::with_capacity(total);
            let interval = Duration::from_secs(1) / (calls_per_second * CALL_EVENTS.len()) as u32;
            let started = Instant::now();
            for number in 0..total {
                let due = started + interval * number as u32;
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let event = call_event(number, devices);
                let before = base.elapsed().as_nanos() as u64;
                sent_at[number].store(before, Ordering::Relaxed);
                hub.publish(&event);
                publish_nanos.push(base.elapsed().as_nanos() as u64 - before);
            }
            publish_nanos
        })
    };
    let mut latencies = Vec::with_capacity(total);
    while latencies.len() < total {
        let Some(Ok(Message::Text(text))) = socket.next().await else {
            panic!("stream ended after {} events", latencies.len());
        };
        let received = base.elapsed().as_nanos() as u64;
        if !text.contains("\"seq\":") || text.contains("Heartbeat") {
            continue;
        }
        let seq: usize = text
            .split("\"seq\":")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .and_then(|seq| seq.parse().ok())
            .expect("seq");
        latencies.push(received - sent_at[seq - 1].load(Ordering::Relaxed));
    }
    let mut publish_nanos = publisher.join().expect("publisher");
    let rss_after_run = rss_mib();
    latencies.sort_unstable();
    publish_nanos.sort_unstable();

    // Throughput: publish as fast as one thread can, the WebSocket client still reading.
    // 10 000 prepared events published 20 times over: the events' own memory stays small.
    let prepared: Vec<Published> = (0..10_000)
        .map(|number| call_event(total + number, devices))
        .collect();
    let throughput_events = prepared.len() * 20;
    let metrics_before = hub.metrics();
    let started = Instant::now();
    for event in prepared.iter().cycle().take(throughput_events) {
        hub.publish(event);
    }
    let elapsed = started.elapsed();
    let metrics_after = hub.metrics();
    let rss_end = rss_mib();

    println!(
        "monitors: {devices} device + 1 enterprise; {calls_per_second} calls/s x {} events for {seconds} s = {total} events",
        CALL_EVENTS.len()
    );
    println!(
        "publish -> WebSocket client (enterprise monitor), us: p50 {:.1}  p90 {:.1}  p99 {:.1}  p99.9 {:.1}  max {:.1}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        percentile(&latencies, 0.999),
        percentile(&latencies, 1.0),
    );
    println!(
        "the publish call alone (same run), us: p50 {:.1}  p99 {:.1}  max {:.1}",
        percentile(&publish_nanos, 0.50),
        percentile(&publish_nanos, 0.99),
        percentile(&publish_nanos, 1.0),
    );
    println!(
        "publish throughput (one thread, {throughput_events} events, each to 1 enterprise + 2 device monitors): {:.0} events/s, {:.2} us/event; envelopes addressed: {}",
        throughput_events as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / throughput_events as f64,
        metrics_after.published - metrics_before.published,
    );
    println!(
        "streams dropped as too slow during the throughput burst: {}",
        metrics_after.dropped_streams
    );
    println!(
        "RSS MiB: start {rss_start:.1}, with monitors {rss_monitors:.1}, after the timed run {rss_after_run:.1}, after the burst (replay buffers full) {rss_end:.1}"
    );
}
