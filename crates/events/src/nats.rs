//! The bus across nodes (cargo feature `nats`): each event is published as JSON on
//! `<root>.events.<enterpriseId>` (default root `sentral`) into the cluster's JetStream stream
//! ([`stream`]), and every node's hub reads the whole stream, so each node addresses every event
//! to the monitors connected to it. Cache invalidations travel on `<root>.invalidate` (see
//! `sentral_services::invalidation`), forwarded call control on `<root>.commands.<node>`; both on
//! core NATS.
//!
//! Once attached, a node's engines publish here too ([`MonitorHub::connect_uplink`]), and every
//! node, the publishing one included, addresses each event from what it reads, so it is
//! delivered once per node. Each event carries its enterprise's ordering key (`order`): a
//! receiver drops duplicates and, after a gap, tells the enterprise's monitors to resync.
//!
//! The same subject carries the enterprise's monitor controls ([`MonitorControl`], replicated
//! monitors), in the same numbering as its events, so every node applies them at the same place:
//! a message with the header `Sentral-Message: monitor-control` is a [`WireControl`], JSON
//! `{"enterpriseId":"100001","order":{"origin":…,"seq":…},"control":{"created":{…}}}`; a
//! message without it is an event ([`WireEvent`]) as before.
//!
//! The stream delivers at least once and in order to every node, also to one that was
//! disconnected or started late (it copies the monitors from a caught-up node, or reads from the
//! first retained message): a gap that one node sees, all see.

mod stream;

use std::time::Duration;

use futures_util::StreamExt;
use sentral_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::bus::{BoxFuture, Bus, BusError};
use std::sync::Arc;

use crate::envelope::Published;
use crate::hub::{EventOrder, MonitorControl, MonitorHub};

pub use stream::{DEFAULT_RETENTION, MAX_RETENTION, PUBLISH_PATIENCE};

/// How long `attach` waits for a node to read what the stream held before it serves.
const CATCH_UP_WITHIN: Duration = Duration::from_secs(60);

/// The header that marks a message of an enterprise's subject as a monitor control.
const MESSAGE_HEADER: &str = "Sentral-Message";
const MONITOR_CONTROL: &str = "monitor-control";

/// The first token of every subject sentral uses.
pub const DEFAULT_SUBJECT_ROOT: &str = "sentral";

/// A NATS connection used as the bus.
#[derive(Clone)]
pub struct NatsBus {
    client: async_nats::Client,
    /// `<root>.events`: the prefix of the per-enterprise event subjects.
    prefix: String,
    /// `<root>.invalidate`.
    invalidation_subject: String,
    /// `<root>.commands`: the prefix of the per-node subjects of forwarded call control.
    commands_prefix: String,
    /// The JetStream stream that keeps `<root>.events.>`.
    events: stream::EventStream,
}

/// Why a forwarded command got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// Nobody serves that node's subject: the node is gone (or not yet subscribed).
    NoResponder,
    /// No answer within the time given: it may or may not have been applied.
    TimedOut,
    Unavailable(String),
}

/// `Published` as it travels between nodes.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEvent {
    enterprise_id: String,
    devices: Vec<String>,
    #[serde(rename = "type")]
    event_type: String,
    cause: Option<String>,
    subject: Option<String>,
    occurred_at_millis: i64,
    payload: serde_json::Value,
    /// Absent from nodes that did not number their events yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    order: Option<EventOrder>,
}

impl WireEvent {
    fn of(event: &Published, order: Option<EventOrder>) -> Self {
        Self {
            enterprise_id: event.enterprise_id.clone(),
            devices: event.devices.clone(),
            event_type: event.event_type.clone(),
            cause: event.cause.clone(),
            subject: event.subject.clone(),
            occurred_at_millis: event.occurred_at.millis(),
            payload: event.payload.clone(),
            order,
        }
    }

    fn into_parts(self) -> (Published, Option<EventOrder>) {
        let published = Published {
            enterprise_id: self.enterprise_id,
            devices: self.devices,
            event_type: self.event_type,
            cause: self.cause,
            subject: self.subject,
            occurred_at: Timestamp::from_millis(self.occurred_at_millis),
            payload: self.payload,
        };
        (published, self.order)
    }
}

/// A [`MonitorControl`] as it travels between nodes, in its enterprise's stream.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireControl {
    enterprise_id: String,
    order: EventOrder,
    control: MonitorControl,
}

impl NatsBus {
    /// Connects to NATS at `url` (e.g. `nats://127.0.0.1:4222`) under the default subject root;
    /// fails when the server cannot be reached now.
    pub async fn connect(url: &str) -> Result<Self, BusError> {
        Self::connect_with_prefix(url, DEFAULT_SUBJECT_ROOT).await
    }

    /// As `connect`, under another subject root (tests use one each so runs do not see each other).
    pub async fn connect_with_prefix(url: &str, root: &str) -> Result<Self, BusError> {
        let client = async_nats::connect(url)
            .await
            .map_err(|error| BusError::Unavailable(error.to_string()))?;
        Ok(Self::over(client, root))
    }

    /// Connects in the background and keeps reconnecting for ever, as a server node needs: the
    /// answer comes at once, and fails only for a URL that cannot be used at all. Until the server
    /// answers, [`NatsBus::is_connected`] is false and what is published waits in the client.
    pub async fn connect_in_background(
        url: &str,
        root: &str,
        name: &str,
    ) -> Result<Self, BusError> {
        let shown = redacted(url);
        let logged = shown.clone();
        let client = async_nats::ConnectOptions::new()
            .name(name)
            .retry_on_initial_connect()
            .event_callback(move |event| {
                let logged = logged.clone();
                async move {
                    match event {
                        async_nats::Event::Connected => {
                            tracing::info!(url = %logged, "NATS connected")
                        }
                        async_nats::Event::Disconnected => {
                            tracing::warn!(url = %logged, "NATS disconnected: reconnecting");
                        }
                        other => tracing::warn!(url = %logged, event = %other, "NATS"),
                    }
                }
            })
            .connect(url)
            .await
            .map_err(|error| BusError::Unavailable(format!("{shown}: {error}")))?;
        Ok(Self::over(client, root))
    }

    fn over(client: async_nats::Client, root: &str) -> Self {
        Self {
            events: stream::EventStream::new(client.clone(), root, DEFAULT_RETENTION),
            client,
            prefix: format!("{root}.events"),
            invalidation_subject: format!("{root}.invalidate"),
            commands_prefix: format!("{root}.commands"),
        }
    }

    /// How long the events stream keeps a message (from `DEFAULT_RETENTION`): also how far back a
    /// node that starts with no caught-up node to copy from rebuilds the replicated monitors. At
    /// most [`MAX_RETENTION`], at least a minute; set before [`Bus::attach`].
    pub fn with_retention(mut self, retention: Duration) -> Result<Self, String> {
        if retention < Duration::from_secs(60) || retention > MAX_RETENTION {
            return Err(format!(
                "{}s: the events stream keeps events between 60 and {} seconds",
                retention.as_secs(),
                MAX_RETENTION.as_secs()
            ));
        }
        let root = self
            .prefix
            .strip_suffix(".events")
            .unwrap_or(&self.prefix)
            .to_owned();
        self.events = stream::EventStream::new(self.client.clone(), &root, retention);
        Ok(self)
    }

    /// The JetStream stream this node's events go through.
    pub fn stream_name(&self) -> &str {
        self.events.name()
    }

    /// Whether the connection to the server is up now.
    pub fn is_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// Waits until what was published so far is with the server (a node stopping).
    pub async fn flush(&self) -> Result<(), BusError> {
        self.client
            .flush()
            .await
            .map_err(|error| BusError::Unavailable(error.to_string()))
    }

    /// Unsubscribes, sends what waits and closes the connection: this node leaves the cluster
    /// (it answers no starting node any more).
    pub async fn close(&self) -> Result<(), BusError> {
        self.client
            .drain()
            .await
            .map_err(|error| BusError::Unavailable(error.to_string()))
    }

    /// Returns once the server has processed every earlier command of this connection (a
    /// subscription included): a request nobody answers, whose "no responders" the server sends
    /// in order. A flush would only empty the client's buffer.
    async fn round_trip(&self) -> Result<(), BusError> {
        match self
            .client
            .request(self.client.new_inbox(), Default::default())
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if error.kind() == async_nats::RequestErrorKind::NoResponders => Ok(()),
            Err(error) => Err(BusError::Unavailable(error.to_string())),
        }
    }

    /// Publishes one encoded cache invalidation to every node (this one included).
    pub async fn publish_invalidation(&self, message: Vec<u8>) -> Result<(), BusError> {
        self.client
            .publish(self.invalidation_subject.clone(), message.into())
            .await
            .map_err(|error| BusError::Unavailable(error.to_string()))
    }

    /// Hands every invalidation published from now on (by any node) to `deliver`; answers once
    /// the server has the subscription, so waits while the server cannot be reached.
    pub async fn subscribe_invalidations(
        &self,
        deliver: impl Fn(&[u8]) + Send + 'static,
    ) -> Result<(), BusError> {
        let mut subscriber = self
            .client
            .subscribe(self.invalidation_subject.clone())
            .await
            .map_err(|error| BusError::Unavailable(error.to_string()))?;
        self.round_trip().await?;
        tokio::spawn(async move {
            while let Some(message) = subscriber.next().await {
                deliver(&message.payload);
            }
        });
        Ok(())
    }

    /// The subject a node serves forwarded commands on: its id hex-encoded, since a node id may
    /// hold a `.`, which would split a subject token.
    fn commands_subject(&self, node: &str) -> String {
        let hex: String = node.bytes().map(|byte| format!("{byte:02x}")).collect();
        format!("{}.{hex}", self.commands_prefix)
    }

    /// Serves the commands other nodes forward to `node` (this one): each request's payload is
    /// handed to `handle` on its own task, and what it answers is the reply. Answers once the
    /// server has the subscription.
    pub async fn serve_commands(
        &self,
        node: &str,
        handle: impl Fn(Vec<u8>) -> BoxFuture<'static, Vec<u8>> + Send + Sync + 'static,
    ) -> Result<(), BusError> {
        let mut subscriber = self
            .client
            .subscribe(self.commands_subject(node))
            .await
            .map_err(|error| BusError::Unavailable(error.to_string()))?;
        self.round_trip().await?;
        let client = self.client.clone();
        let handle = Arc::new(handle);
        tokio::spawn(async move {
            while let Some(message) = subscriber.next().await {
                let Some(reply) = message.reply.clone() else {
                    continue;
                };
                let (client, handle) = (client.clone(), handle.clone());
                tokio::spawn(async move {
                    let answer = handle(message.payload.to_vec()).await;
                    if let Err(error) = client.publish(reply, answer.into()).await {
                        tracing::warn!(%error, "answering a forwarded command failed");
                    }
                });
            }
        });
        Ok(())
    }

    /// Sends a command to `node` and waits up to `timeout` for its answer.
    pub async fn request_command(
        &self,
        node: &str,
        message: Vec<u8>,
        timeout: std::time::Duration,
    ) -> Result<Vec<u8>, RequestError> {
        let request = async_nats::Request::new()
            .payload(message.into())
            .timeout(Some(timeout));
        match self
            .client
            .send_request(self.commands_subject(node), request)
            .await
        {
            Ok(answer) => Ok(answer.payload.to_vec()),
            Err(error) => Err(match error.kind() {
                async_nats::RequestErrorKind::NoResponders => RequestError::NoResponder,
                async_nats::RequestErrorKind::TimedOut => RequestError::TimedOut,
                _ => RequestError::Unavailable(error.to_string()),
            }),
        }
    }

    /// The subject of one enterprise's events.
    pub fn subject(&self, enterprise_id: &str) -> Result<String, BusError> {
        // A subject token may not be empty nor contain separators or wildcards.
        let valid = !enterprise_id.is_empty()
            && !enterprise_id
                .chars()
                .any(|c| c == '.' || c == '*' || c == '>' || c.is_whitespace());
        if valid {
            Ok(format!("{}.{enterprise_id}", self.prefix))
        } else {
            Err(BusError::Unavailable(format!(
                "enterprise id {enterprise_id:?} cannot be a NATS subject token"
            )))
        }
    }
}

impl NatsBus {
    async fn send(&self, event: &Published, order: Option<EventOrder>) -> Result<(), BusError> {
        let subject = self.subject(&event.enterprise_id)?;
        let body = serde_json::to_vec(&WireEvent::of(event, order))
            .map_err(|error| BusError::Unavailable(error.to_string()))?;
        let id = match order {
            Some(order) => message_id(&event.enterprise_id, order),
            // An unnumbered event cannot be told from a repeat: an id of its own.
            None => sentral_domain::secret::random_id("event"),
        };
        self.events.publish(subject, None, body, id).await
    }
}

impl NatsBus {
    async fn send_control(
        &self,
        enterprise_id: &str,
        control: &MonitorControl,
        order: EventOrder,
    ) -> Result<(), BusError> {
        let subject = self.subject(enterprise_id)?;
        let body = encode_control(enterprise_id, control, order)?;
        let id = message_id(enterprise_id, order);
        self.events
            .publish(subject, Some((MESSAGE_HEADER, MONITOR_CONTROL)), body, id)
            .await
    }
}

/// The stream's id of one message of an enterprise's ordered stream: a retried publish of it is
/// stored once.
fn message_id(enterprise_id: &str, order: EventOrder) -> String {
    format!("{enterprise_id}.{}.{}", order.origin, order.seq)
}

fn encode_control(
    enterprise_id: &str,
    control: &MonitorControl,
    order: EventOrder,
) -> Result<Vec<u8>, BusError> {
    let wire = WireControl {
        enterprise_id: enterprise_id.to_owned(),
        order,
        control: control.clone(),
    };
    serde_json::to_vec(&wire).map_err(|error| BusError::Unavailable(error.to_string()))
}

/// Hands one message of an enterprise's subject to `hub`: a control (marked by its header) or an
/// event.
fn deliver(hub: &MonitorHub, message: &async_nats::Message) {
    let is_control = message
        .headers
        .as_ref()
        .and_then(|headers| headers.get(MESSAGE_HEADER))
        .is_some_and(|kind| kind.as_str() == MONITOR_CONTROL);
    if is_control {
        match serde_json::from_slice::<WireControl>(&message.payload) {
            Ok(wire) => {
                hub.receive_control(&wire.enterprise_id, &wire.control, Some(wire.order));
            }
            Err(error) => {
                tracing::warn!(subject = %message.subject, %error, "undecodable monitor control on the bus");
            }
        }
        return;
    }
    match serde_json::from_slice::<WireEvent>(&message.payload) {
        Ok(event) => {
            let (event, order) = event.into_parts();
            hub.receive(&event, order);
        }
        Err(error) => {
            tracing::warn!(subject = %message.subject, %error, "undecodable event on the bus");
        }
    }
}

impl Bus for NatsBus {
    fn publish<'a>(&'a self, event: &'a Published) -> BoxFuture<'a, Result<(), BusError>> {
        Box::pin(self.send(event, None))
    }

    fn publish_ordered<'a>(
        &'a self,
        event: &'a Published,
        order: EventOrder,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        Box::pin(self.send(event, Some(order)))
    }

    fn publish_control<'a>(
        &'a self,
        enterprise_id: &'a str,
        control: &'a MonitorControl,
        order: EventOrder,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        Box::pin(self.send_control(enterprise_id, control, order))
    }

    /// Reads the stream from its first retained message (every node rebuilds the same replicated
    /// monitors), connects this node's engines to it, and answers once this node has read what
    /// the stream held (or after a minute, still reading).
    fn attach(&self, hub: MonitorHub) -> BoxFuture<'_, Result<(), BusError>> {
        Box::pin(async move {
            let uplink = hub.clone();
            let bus = Arc::new(self.clone());
            self.events
                .follow(hub, deliver, CATCH_UP_WITHIN, move || {
                    // Reading first, so this node's own events come back to it from the start.
                    uplink.connect_uplink(bus);
                })
                .await
        })
    }
}

/// `url` without a password or token, for logs and errors.
pub fn redacted(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://[redacted]@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use sentral_domain::Timestamp;

    use super::{WireControl, encode_control};
    use crate::hub::{EventOrder, MonitorControl};
    use crate::monitor::CrossRefId;

    #[test]
    fn a_control_travels_with_its_enterprise_and_key() {
        let control = MonitorControl::Ended {
            cross_ref_id: CrossRefId::new("mon_1"),
            cause: "monitorStopped".to_owned(),
            at: Timestamp::from_millis(1_795_000_000_000),
        };
        let order = EventOrder { origin: 7, seq: 3 };
        let body = encode_control("100001", &control, order).expect("encoded");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "enterpriseId": "100001",
                "order": {"origin": 7, "seq": 3},
                "control": {"ended": {
                    "crossRefId": "mon_1",
                    "cause": "monitorStopped",
                    "at": "2026-11-18T11:06:40.000Z",
                }},
            })
        );
        let back: WireControl = serde_json::from_slice(&body).expect("decoded");
        assert_eq!(
            (back.enterprise_id.as_str(), back.order, back.control),
            ("100001", order, control)
        );
    }

    #[test]
    fn credentials_are_redacted_from_urls() {
        assert_eq!(
            super::redacted("nats://user:pw@10.0.0.1:4222"),
            "nats://[redacted]@10.0.0.1:4222"
        );
        assert_eq!(
            super::redacted("nats://127.0.0.1:4222"),
            "nats://127.0.0.1:4222"
        );
    }
}
