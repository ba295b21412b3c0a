//! The monitor event stream helper (`mbn::stream`) served by a real axum server on port 0 and
//! read like a client does: WebSocket frames with tokio-tungstenite, SSE with a streaming reqwest.

use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use sentral_api::mbn::stream::{EventStreamError, EventStreamRequest, StreamSettings};
use sentral_domain::Timestamp;
use sentral_events::{
    CrossRefId, Envelope, HubConfig, MonitorHub, MonitorObject, MonitorOwner, MonitorSpec,
    Published, event_types,
};
use tokio_tungstenite::tungstenite::Message;

const OWNER: &str = "app:demo-client/user:api0000000001";
const ALICE: &str = "+4791000001";
const T0: Timestamp = Timestamp::from_millis(1_795_000_000_000);

#[derive(Clone)]
struct Fixture {
    hub: MonitorHub,
    settings: StreamSettings,
}

#[derive(serde::Deserialize)]
struct AfterQuery {
    after: Option<u64>,
}

/// The handler the MBN router will mount; the owner comes from a header here instead of a token.
async fn events(
    State(fixture): State<Fixture>,
    Path(cross_ref_id): Path<String>,
    Query(query): Query<AfterQuery>,
    headers: HeaderMap,
    stream: EventStreamRequest,
) -> Response {
    let owner = headers
        .get("x-owner")
        .and_then(|value| value.to_str().ok())
        .unwrap_or(OWNER);
    let served = stream.serve(
        &fixture.hub,
        &CrossRefId::new(cross_ref_id),
        &MonitorOwner::new(owner),
        query.after,
        &fixture.settings,
    );
    served.unwrap_or_else(|error| {
        let status = match error {
            EventStreamError::NotFound => StatusCode::NOT_FOUND,
            EventStreamError::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            EventStreamError::InvalidLastEventId => StatusCode::BAD_REQUEST,
        };
        (status, error.to_string()).into_response()
    })
}

struct Server {
    hub: MonitorHub,
    address: String,
}

async fn start(replay_capacity: usize, heartbeat: Duration) -> Server {
    let hub = MonitorHub::new(HubConfig {
        replay_capacity,
        enterprise_replay_capacity: replay_capacity,
        ..HubConfig::default()
    });
    let fixture = Fixture {
        hub: hub.clone(),
        settings: StreamSettings {
            heartbeat,
            ..StreamSettings::default()
        },
    };
    let app = Router::new()
        .route("/csta/monitors/{crossRefId}/events", get(events))
        .with_state(fixture);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let address = listener.local_addr().expect("address").to_string();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server { hub, address }
}

impl Server {
    fn monitor(&self) -> CrossRefId {
        let spec = MonitorSpec {
            owner: MonitorOwner::new(OWNER),
            object: MonitorObject::Enterprise("100001".to_owned()),
            filter: None,
            webhook: None,
        };
        self.hub.create(spec, T0).expect("monitor").cross_ref_id
    }

    fn publish(&self, event_type: &str) {
        self.hub.publish(&Published {
            enterprise_id: "100001".to_owned(),
            devices: vec![ALICE.to_owned()],
            event_type: event_type.to_owned(),
            cause: Some("newCall".to_owned()),
            subject: Some(ALICE.to_owned()),
            occurred_at: T0,
            payload: serde_json::json!({"callId": "c1"}),
        });
    }

    fn url(&self, scheme: &str, monitor: &CrossRefId, after: Option<u64>) -> String {
        let query = after.map_or(String::new(), |after| format!("?after={after}"));
        format!(
            "{scheme}://{}/csta/monitors/{monitor}/events{query}",
            self.address
        )
    }

    async fn websocket(&self, monitor: &CrossRefId, after: Option<u64>) -> WebSocketClient {
        let (socket, _) = tokio_tungstenite::connect_async(self.url("ws", monitor, after))
            .await
            .expect("websocket upgrade");
        WebSocketClient { socket }
    }

    async fn sse(
        &self,
        monitor: &CrossRefId,
        after: Option<u64>,
        last_id: Option<u64>,
    ) -> SseClient {
        let mut request = reqwest::Client::new()
            .get(self.url("http", monitor, after))
            .header("accept", "text/event-stream");
        if let Some(last_id) = last_id {
            request = request.header("last-event-id", last_id.to_string());
        }
        let response = request.send().await.expect("sse response");
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        SseClient {
            response,
            buffer: String::new(),
        }
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct WebSocketClient {
    socket: Socket,
}

/// What a client reads from the stream.
#[derive(Debug, PartialEq)]
enum Read {
    Event(Envelope),
    Heartbeat,
    Closed,
}

impl WebSocketClient {
    /// The next frame within two seconds; `None` when nothing arrived.
    async fn read(&mut self) -> Option<Read> {
        self.read_within(Duration::from_secs(2)).await
    }

    async fn read_within(&mut self, wait: Duration) -> Option<Read> {
        loop {
            let message = tokio::time::timeout(wait, self.socket.next()).await.ok()?;
            return Some(match message {
                Some(Ok(Message::Text(text))) => {
                    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
                    if value["type"] == event_types::HEARTBEAT {
                        Read::Heartbeat
                    } else {
                        Read::Event(serde_json::from_value(value).expect("an envelope"))
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => Read::Closed,
                Some(Ok(_)) => continue,
            });
        }
    }

    async fn event(&mut self) -> Envelope {
        match self.read().await {
            Some(Read::Event(envelope)) => envelope,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    /// Events until the stream is quiet for 200 ms, heartbeats left out.
    async fn events_until_quiet(&mut self) -> Vec<(u64, String)> {
        let mut seen = Vec::new();
        while let Some(read) = self.read_within(Duration::from_millis(200)).await {
            match read {
                Read::Event(envelope) => seen.push((envelope.seq, envelope.event_type)),
                Read::Heartbeat => {}
                Read::Closed => break,
            }
        }
        seen
    }
}

struct SseClient {
    response: reqwest::Response,
    buffer: String,
}

/// One SSE event as written on the wire.
#[derive(Debug, Default, PartialEq)]
struct SseEvent {
    id: Option<String>,
    event: Option<String>,
    data: String,
    comment: Option<String>,
}

impl SseClient {
    /// The next SSE block (event or comment) within two seconds.
    async fn read(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Some(parse_sse(&block));
            }
            let chunk = tokio::time::timeout(Duration::from_secs(2), self.response.chunk()).await;
            let chunk = chunk.ok()?.ok()??;
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        }
    }

    async fn event(&mut self) -> (SseEvent, Envelope) {
        loop {
            let block = self.read().await.expect("an SSE event");
            if block.comment.is_some() {
                continue;
            }
            let envelope = serde_json::from_str(&block.data).expect("an envelope");
            return (block, envelope);
        }
    }
}

fn parse_sse(block: &str) -> SseEvent {
    let mut event = SseEvent::default();
    for line in block.lines() {
        if line.is_empty() {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
        match field {
            "" => event.comment = Some(value),
            "id" => event.id = Some(value),
            "event" => event.event = Some(value),
            "data" => event.data.push_str(&value),
            _ => {}
        }
    }
    event
}

fn seq_types(seqs: &[u64], event_type: &str) -> Vec<(u64, String)> {
    seqs.iter()
        .map(|seq| (*seq, event_type.to_owned()))
        .collect()
}

#[tokio::test]
async fn websocket_gets_live_events_and_every_missed_one_after_a_reconnect() {
    let server = start(100, Duration::from_secs(15)).await;
    let monitor = server.monitor();
    let mut client = server.websocket(&monitor, None).await;
    server.publish("Delivered");
    let first = client.event().await;
    assert_eq!((first.seq, first.event_type.as_str()), (1, "Delivered"));
    assert_eq!(first.monitor_cross_ref_id, monitor.as_str());
    client.socket.close(None).await.expect("close");
    drop(client);

    for _ in 0..3 {
        server.publish("Established");
    }
    let mut resumed = server.websocket(&monitor, Some(first.seq)).await;
    server.publish("ConnectionCleared");
    let mut expected = seq_types(&[2, 3, 4], "Established");
    expected.push((5, "ConnectionCleared".to_owned()));
    assert_eq!(resumed.events_until_quiet().await, expected);
}

#[tokio::test]
async fn websocket_with_a_too_old_after_is_told_to_resync_then_gets_live_events() {
    let server = start(2, Duration::from_secs(15)).await;
    let monitor = server.monitor();
    for _ in 0..5 {
        server.publish("Delivered");
    }
    let mut client = server.websocket(&monitor, Some(1)).await;
    let resync = client.event().await;
    assert_eq!(resync.event_type, event_types::RESYNC_REQUIRED);
    assert_eq!(resync.seq, 5);
    server.publish("Established");
    assert_eq!(
        client.events_until_quiet().await,
        seq_types(&[6], "Established")
    );
}

#[tokio::test]
async fn a_second_websocket_replaces_the_first_which_is_told_and_closed() {
    let server = start(100, Duration::from_secs(15)).await;
    let monitor = server.monitor();
    let mut first = server.websocket(&monitor, None).await;
    let mut second = server.websocket(&monitor, None).await;
    let notice = first.event().await;
    assert_eq!(notice.event_type, event_types::STREAM_REPLACED);
    assert_eq!(first.read().await, Some(Read::Closed));
    server.publish("Delivered");
    assert_eq!(
        second.events_until_quiet().await,
        seq_types(&[1], "Delivered")
    );
}

#[tokio::test]
async fn websocket_ends_with_monitor_ended_when_the_monitor_stops() {
    let server = start(100, Duration::from_secs(15)).await;
    let monitor = server.monitor();
    let mut client = server.websocket(&monitor, None).await;
    server
        .hub
        .stop(&monitor, &MonitorOwner::new(OWNER), T0)
        .expect("stopped");
    let ended = client.event().await;
    assert_eq!(
        (ended.seq, ended.event_type.as_str()),
        (1, event_types::MONITOR_ENDED)
    );
    assert_eq!(client.read().await, Some(Read::Closed));
}

#[tokio::test]
async fn idle_streams_get_heartbeats() {
    let server = start(100, Duration::from_millis(50)).await;
    let monitor = server.monitor();
    let mut client = server.websocket(&monitor, None).await;
    assert_eq!(client.read().await, Some(Read::Heartbeat));
    client
        .socket
        .send(Message::Ping(vec![1].into()))
        .await
        .expect("ping");

    let mut sse = server.sse(&monitor, None, None).await;
    let block = sse.read().await.expect("a heartbeat comment");
    assert_eq!(block.comment.as_deref(), Some("heartbeat"));
}

#[tokio::test]
async fn sse_gets_events_with_their_seq_as_id_and_resumes_from_last_event_id() {
    let server = start(100, Duration::from_secs(15)).await;
    let monitor = server.monitor();
    let mut client = server.sse(&monitor, None, None).await;
    server.publish("Delivered");
    let (block, envelope) = client.event().await;
    assert_eq!(block.id.as_deref(), Some("1"));
    assert_eq!(block.event.as_deref(), Some("Delivered"));
    assert_eq!(
        (envelope.seq, envelope.event_id),
        (1, format!("{monitor}-1"))
    );
    drop(client);

    for _ in 0..3 {
        server.publish("Established");
    }
    // A reconnecting EventSource repeats its URL (here after=0) and adds Last-Event-ID.
    let mut resumed = server.sse(&monitor, Some(0), Some(1)).await;
    for seq in 2..=4 {
        let (block, envelope) = resumed.event().await;
        assert_eq!(block.id, Some(seq.to_string()));
        assert_eq!(
            (envelope.seq, envelope.event_type.as_str()),
            (seq, "Established")
        );
    }

    let too_old = start(2, Duration::from_secs(15)).await;
    let old_monitor = too_old.monitor();
    for _ in 0..4 {
        too_old.publish("Delivered");
    }
    let mut stale = too_old.sse(&old_monitor, Some(1), None).await;
    let (block, _) = stale.event().await;
    assert_eq!(block.event.as_deref(), Some(event_types::RESYNC_REQUIRED));
}

#[tokio::test]
async fn unknown_foreign_and_plain_requests_are_refused() {
    let server = start(100, Duration::from_secs(15)).await;
    let monitor = server.monitor();
    let http = reqwest::Client::new();
    let status = |request: reqwest::RequestBuilder| async move {
        request.send().await.expect("response").status().as_u16()
    };
    let sse = |url: String| http.get(url).header("accept", "text/event-stream");
    let unknown = CrossRefId::new("mon_unknown");
    assert_eq!(status(sse(server.url("http", &unknown, None))).await, 404);
    assert_eq!(
        status(sse(server.url("http", &monitor, None)).header("x-owner", "someone else")).await,
        404
    );
    assert_eq!(
        status(http.get(server.url("http", &monitor, None))).await,
        406
    );
    assert_eq!(
        status(sse(server.url("http", &monitor, None)).header("last-event-id", "x")).await,
        400
    );
    assert!(
        tokio_tungstenite::connect_async(server.url("ws", &unknown, None))
            .await
            .is_err()
    );
}
