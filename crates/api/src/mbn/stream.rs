//! The event stream of a monitor (`GET /csta/monitors/{crossRefId}/events`): a WebSocket when the
//! request asks for an upgrade, Server-Sent Events when it accepts `text/event-stream`.
//!
//! Each event is one JSON text frame (WebSocket) or one SSE event `id: <seq>`, `event: <type>`,
//! `data: <envelope>`. Idle streams get a heartbeat: a `{"type":"Heartbeat"}` text frame on a
//! WebSocket, a `:heartbeat` comment on SSE. Resumption: `after=<seq>`, and on SSE the
//! `Last-Event-ID` header, which wins because a reconnecting `EventSource` repeats the original URL.
//! The stream ends after `MonitorEnded`, `StreamReplaced` or `StreamDropped`; a WebSocket then gets
//! a normal close frame. An SSE client must close its `EventSource` on `StreamReplaced` (and on
//! `MonitorEnded`): left alone, the browser reconnects and takes the stream back from the newer one.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::http::header::ACCEPT;
use axum::http::request::Parts;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use sentral_events::{CrossRefId, HubError, MonitorHub, MonitorOwner, Subscription};

/// The heartbeat text frame on WebSocket streams.
pub const HEARTBEAT_FRAME: &str = r#"{"type":"Heartbeat"}"#;

#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// How long a stream may stay silent before a heartbeat.
    pub heartbeat: Duration,
    /// A WebSocket client that takes longer than this to accept one frame is disconnected.
    pub write_timeout: Duration,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_secs(15),
            write_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventStreamError {
    /// Unknown monitor, ended, or someone else's.
    #[error("no such monitor")]
    NotFound,
    #[error("the event stream is served as a WebSocket upgrade or as Accept: text/event-stream")]
    NotAcceptable,
    #[error("Last-Event-ID is not a seq")]
    InvalidLastEventId,
}

impl From<HubError> for EventStreamError {
    fn from(error: HubError) -> Self {
        match error {
            HubError::NotFound | HubError::InvalidWebhook(_) => Self::NotFound,
        }
    }
}

/// How the client asked for the stream; extract it in the handler next to path, query and caller.
pub struct EventStreamRequest {
    websocket: Option<WebSocketUpgrade>,
    accepts_event_stream: bool,
    last_event_id: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for EventStreamRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let websocket = WebSocketUpgrade::from_request_parts(parts, state)
            .await
            .ok();
        let accepts_event_stream = parts
            .headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .any(|value| value.contains("text/event-stream"));
        let last_event_id = parts
            .headers
            .get("last-event-id")
            .and_then(|value| value.to_str().ok())
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty());
        Ok(Self {
            websocket,
            accepts_event_stream,
            last_event_id,
        })
    }
}

impl EventStreamRequest {
    /// Opens the monitor's stream for `owner` (replacing any older one) and answers the WebSocket
    /// upgrade or the SSE response. Errors come before anything is sent, for the dialect to map.
    pub fn serve(
        self,
        hub: &MonitorHub,
        cross_ref_id: &CrossRefId,
        owner: &MonitorOwner,
        after: Option<u64>,
        settings: &StreamSettings,
    ) -> Result<Response, EventStreamError> {
        if let Some(upgrade) = self.websocket {
            let subscription = hub.subscribe(cross_ref_id, owner, after)?;
            let settings = settings.clone();
            return Ok(upgrade
                .on_upgrade(move |socket| pump_websocket(socket, subscription, settings))
                .into_response());
        }
        if !self.accepts_event_stream {
            return Err(EventStreamError::NotAcceptable);
        }
        let after = match self.last_event_id {
            Some(id) => Some(
                id.parse::<u64>()
                    .map_err(|_| EventStreamError::InvalidLastEventId)?,
            ),
            None => after,
        };
        let subscription = hub.subscribe(cross_ref_id, owner, after)?;
        Ok(server_sent_events(subscription, settings.heartbeat).into_response())
    }
}

fn server_sent_events(
    subscription: Subscription,
    heartbeat: Duration,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let events = futures_util::stream::unfold(subscription, |mut subscription| async move {
        let frame = subscription.next().await?;
        let event = Event::default()
            .id(frame.seq().to_string())
            .event(frame.event_type())
            .data(frame.json());
        Some((Ok(event), subscription))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(heartbeat).text("heartbeat"))
}

/// Sends the subscription's frames until it ends or the client goes away; heartbeats when idle.
async fn pump_websocket(
    socket: WebSocket,
    mut subscription: Subscription,
    settings: StreamSettings,
) {
    let (mut sink, mut incoming) = socket.split();
    let period = settings.heartbeat;
    let heartbeat = tokio::time::sleep(period);
    tokio::pin!(heartbeat);
    loop {
        let message = tokio::select! {
            frame = subscription.next() => match frame {
                Some(frame) => Message::Text(frame.json().into()),
                None => {
                    let close = CloseFrame {
                        code: close_code::NORMAL,
                        reason: "stream ended".into(),
                    };
                    let _ = tokio::time::timeout(
                        settings.write_timeout,
                        sink.send(Message::Close(Some(close))),
                    )
                    .await;
                    return;
                }
            },
            () = &mut heartbeat => Message::Text(HEARTBEAT_FRAME.into()),
            received = incoming.next() => match received {
                // Clients have nothing to say on this stream; pings are answered by the socket.
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => continue,
            },
        };
        match tokio::time::timeout(settings.write_timeout, sink.send(message)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => return,
        }
        heartbeat
            .as_mut()
            .reset(tokio::time::Instant::now() + period);
    }
}

#[cfg(test)]
mod tests {
    use sentral_events::event_types;

    use super::*;

    #[test]
    fn the_heartbeat_frame_names_its_type() {
        let frame: serde_json::Value = serde_json::from_str(HEARTBEAT_FRAME).expect("json");
        assert_eq!(frame["type"], event_types::HEARTBEAT);
    }
}
