//! The events' stream in JetStream: every enterprise's events and monitor controls are kept in
//! one stream (`<root>-events`, subjects `<root>.events.>`, file storage) for the retention, so
//! that a node reads them at least once and in order whatever happens to its connection:
//!
//! - **Publishing** waits for the stream's acknowledgement and retries what is not acknowledged
//!   (a NATS restart, a stream not there yet) under the same `Nats-Msg-Id`
//!   (`<enterpriseId>.<origin>.<seq>`), which the stream's duplicate window keeps from being
//!   stored twice. A message that cannot be stored within [`PUBLISH_PATIENCE`] is given up: every
//!   node sees that gap alike and resyncs.
//! - **Following**: each node reads the stream through an ordered push consumer from its first
//!   retained message, so a node that starts or restarts rebuilds every replicated monitor
//!   created within the retention with the same numbering as the others, and a node that was
//!   disconnected resumes after the last message it read instead of missing what came meanwhile
//!   (the client recreates the consumer from that stream sequence; so does this module when the
//!   consumer's stream ends). What a node reads twice the hub drops by its ordering key.
//! - **Copying**: a node that starts first asks the nodes that are caught up
//!   (`<root>.hub-state`, a queue group only they join) for their replicated monitors as they
//!   are after a stream position ([`crate::hub::HubState`], sent in parts to an inbox of the
//!   asker's) and reads the stream from the message after it; only when no node answers does it
//!   read the stream from its first retained message. So a monitor older than the retention
//!   survives a rolling restart of every node.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::push::{Ordered, OrderedConfig, OrderedErrorKind};
use async_nats::jetstream::consumer::{DeliverPolicy, push};
use async_nats::jetstream::context::{Publish, PublishErrorKind};
use async_nats::jetstream::{self, stream};
use futures_util::StreamExt;
use tokio::sync::{mpsc, oneshot, watch};

use crate::bus::BusError;
use crate::hub::{HubState, MonitorHub};

/// How long the stream keeps a message by default: also how far back a node that starts rebuilds
/// the replicated monitors.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(86_400);

/// The longest retention allowed: the webhook outbox keeps a finished delivery a day, so a node
/// replaying the stream never enqueues again a delivery the outbox has forgotten.
pub const MAX_RETENTION: Duration = Duration::from_secs(86_400);

/// How long one message is retried before it is given up.
pub const PUBLISH_PATIENCE: Duration = Duration::from_secs(30);

/// The stream's window for dropping a message published twice under one id.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// The longest wait between two attempts to publish or to follow.
const MAX_PAUSE: Duration = Duration::from_secs(1);

/// How often a follower checks that the stream it reads was not made again.
const RECREATED_CHECK: Duration = Duration::from_secs(5);

/// How long a starting node waits for a caught-up node's monitors.
const STATE_WAIT: Duration = Duration::from_secs(5);

/// The largest part of a copied state (NATS refuses messages over its max payload, 1 MiB by
/// default).
const STATE_PART_BYTES: usize = 256 * 1024;

/// The queue group of the nodes that answer for their monitors: only caught-up ones join it.
const CAUGHT_UP: &str = "caught-up";

/// The header that numbers a part of a copied state.
const PART_HEADER: &str = "Sentral-Part";

/// What a caught-up node answers a request for its monitors with, before the parts.
#[derive(serde::Serialize, serde::Deserialize)]
struct StateOffer {
    parts: usize,
    position: u64,
}

/// What a starting node asks with: where the parts go.
#[derive(serde::Serialize, serde::Deserialize)]
struct StateRequest {
    inbox: String,
}

/// One cluster's stream of events.
#[derive(Clone)]
pub(super) struct EventStream {
    jetstream: jetstream::Context,
    client: async_nats::Client,
    name: String,
    subjects: String,
    /// `<root>.hub-state`, where starting nodes ask for the caught-up nodes' monitors.
    state_subject: String,
    retention: Duration,
}

impl EventStream {
    /// The stream of subject root `root` (its `.`s, which a stream name may not hold, as `_`).
    pub(super) fn new(client: async_nats::Client, root: &str, retention: Duration) -> Self {
        Self {
            jetstream: jetstream::new(client.clone()),
            client,
            name: format!("{}-events", root.replace('.', "_")),
            subjects: format!("{root}.events.>"),
            state_subject: format!("{root}.hub-state"),
            retention,
        }
    }

    pub(super) fn name(&self) -> &str {
        &self.name
    }

    fn config(&self) -> stream::Config {
        stream::Config {
            name: self.name.clone(),
            subjects: vec![self.subjects.clone()],
            max_age: self.retention,
            max_bytes: -1,
            max_messages: -1,
            max_messages_per_subject: -1,
            max_consumers: -1,
            discard: stream::DiscardPolicy::Old,
            retention: stream::RetentionPolicy::Limits,
            storage: stream::StorageType::File,
            num_replicas: 1,
            duplicate_window: DUPLICATE_WINDOW,
            description: Some(
                "sentral: every enterprise's telephony events and monitor controls, in order"
                    .to_owned(),
            ),
            ..Default::default()
        }
    }

    /// The stream, created when it is not there, its retention set to this node's when it differs.
    pub(super) async fn ensure(&self) -> Result<stream::Stream, BusError> {
        let mut stream = self
            .jetstream
            .get_or_create_stream(self.config())
            .await
            .map_err(|error| {
                BusError::Unavailable(format!(
                    "the events stream {}: {error} (the NATS server needs JetStream: nats-server -js)",
                    self.name
                ))
            })?;
        let info = stream.info().await.map_err(unavailable)?;
        if info.config.max_age != self.retention {
            let mut config = info.config.clone();
            config.max_age = self.retention;
            self.jetstream
                .update_stream(config)
                .await
                .map_err(unavailable)?;
            tracing::info!(stream = %self.name, retention_seconds = self.retention.as_secs(), "events stream: retention changed");
        }
        Ok(stream)
    }

    /// Stores one message in the stream, retrying until the stream acknowledges it or
    /// [`PUBLISH_PATIENCE`] has passed.
    pub(super) async fn publish(
        &self,
        subject: String,
        header: Option<(&'static str, &'static str)>,
        body: Vec<u8>,
        id: String,
    ) -> Result<(), BusError> {
        // Built once: a retry sends the same bytes (the payload is shared, not copied).
        let mut publish = Publish::build().payload(body.into()).message_id(&id);
        if let Some((name, value)) = header {
            publish = publish.header(name, value);
        }
        let started = Instant::now();
        let mut pause = Duration::from_millis(20);
        let mut attempts = 0_u32;
        loop {
            let sent = self
                .jetstream
                .send_publish(subject.clone(), publish.clone())
                .await;
            let stored = match sent {
                Ok(acknowledgement) => acknowledgement.await.map(|_| ()).map_err(|error| {
                    let missing = error.kind() == PublishErrorKind::StreamNotFound;
                    (missing, error.to_string())
                }),
                Err(error) => Err((
                    error.kind() == PublishErrorKind::StreamNotFound,
                    error.to_string(),
                )),
            };
            let (stream_missing, error) = match stored {
                Ok(()) => {
                    if attempts > 0 {
                        tracing::info!(%subject, %id, attempts, "event stored in the stream after retrying");
                    }
                    return Ok(());
                }
                Err(failure) => failure,
            };
            attempts += 1;
            if started.elapsed() >= PUBLISH_PATIENCE {
                return Err(BusError::Unavailable(format!(
                    "the events stream did not store {id} in {}s: {error}",
                    PUBLISH_PATIENCE.as_secs()
                )));
            }
            if attempts == 1 {
                tracing::warn!(%subject, %id, %error, "the events stream did not store an event: retrying");
            }
            if stream_missing && let Err(error) = self.ensure().await {
                tracing::debug!(%error, "events stream not there yet");
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }

    /// Starts reading the stream from its first retained message into `hub` (each message handed
    /// to `deliver`), for as long as the process runs; calls `reading` once the consumer exists,
    /// and answers once this node has read what the stream held when it started (or after
    /// `catch_up_within`, saying how far it got).
    pub(super) async fn follow(
        &self,
        hub: MonitorHub,
        deliver: fn(&MonitorHub, &async_nats::Message),
        catch_up_within: Duration,
        reading: impl FnOnce(),
    ) -> Result<(), BusError> {
        let mut stream = self.ensure().await?;
        let info = stream.info().await.map_err(unavailable)?;
        let (held, held_created) = (info.state.clone(), info.created.unix_timestamp_nanos());
        let backlog = held.last_sequence;
        // Copied from a caught-up node when one answers and the stream still has every message
        // after its position; else read from the stream's first retained message.
        let mut start = 0;
        if let Some(copied) = self.ask_for_state().await
            && copied.position.saturating_add(1) >= held.first_sequence
        {
            start = copied.position;
            let monitors = copied.monitors();
            let added = hub.install_state(copied);
            tracing::info!(stream = %self.name, position = start, monitors, added, "events stream: monitors copied from a caught-up node");
        }
        let messages = self.consumer(&stream, start).await?;
        reading();
        let (read, mut watch_read) = watch::channel(start);
        let (requests, asked) = mpsc::channel(4);
        let follower = Follower {
            stream: self.clone(),
            hub,
            deliver,
            read: Arc::new(read),
            asked,
            created: Some(held_created),
        };
        tokio::spawn(follower.run(messages));
        // Once caught up, this node answers for its monitors.
        let (answering, mut caught_up) = (self.clone(), watch_read.clone());
        tokio::spawn(async move {
            if caught_up.wait_for(|read| *read >= backlog).await.is_ok() {
                answering.answer_for_state(requests).await;
            }
        });
        if backlog <= start {
            return Ok(());
        }
        tracing::info!(stream = %self.name, messages = backlog, "events stream: reading what it holds before serving monitors");
        let caught_up = tokio::time::timeout(
            catch_up_within,
            watch_read.wait_for(|read| *read >= backlog),
        )
        .await
        .map(|_| ());
        match caught_up {
            Ok(()) => {
                tracing::info!(stream = %self.name, messages = backlog, "events stream: caught up")
            }
            Err(_) => {
                tracing::warn!(stream = %self.name, read = *watch_read.borrow(), of = backlog, "events stream: still catching up; serving meanwhile")
            }
        }
        Ok(())
    }

    /// A caught-up node's monitors, or `None` when no node answers in time (this is the first, or
    /// every node is starting).
    async fn ask_for_state(&self) -> Option<HubState> {
        let inbox = self.client.new_inbox();
        let mut parts = self.client.subscribe(inbox.clone()).await.ok()?;
        let request = serde_json::to_vec(&StateRequest { inbox }).ok()?;
        let asked = async_nats::Request::new()
            .payload(request.into())
            .timeout(Some(STATE_WAIT));
        let offer = match self
            .client
            .send_request(self.state_subject.clone(), asked)
            .await
        {
            Ok(offer) => offer,
            Err(error) => {
                tracing::debug!(%error, "events stream: no caught-up node to copy monitors from");
                return None;
            }
        };
        let offer: StateOffer = serde_json::from_slice(&offer.payload).ok()?;
        let deadline = tokio::time::Instant::now() + STATE_WAIT;
        let mut received: Vec<Option<Vec<u8>>> = vec![None; offer.parts];
        while received.iter().any(Option::is_none) {
            let part = tokio::time::timeout_at(deadline, parts.next())
                .await
                .ok()??;
            let index = part
                .headers
                .as_ref()
                .and_then(|headers| headers.get(PART_HEADER))
                .and_then(|value| value.as_str().parse::<usize>().ok())?;
            *received.get_mut(index)? = Some(part.payload.to_vec());
        }
        let whole: Vec<u8> = received.into_iter().flatten().flatten().collect();
        match serde_json::from_slice::<HubState>(&whole) {
            Ok(state) if state.position == offer.position => Some(state),
            Ok(_) | Err(_) => {
                tracing::warn!(
                    "events stream: a copied state could not be read; reading the stream instead"
                );
                None
            }
        }
    }

    /// Answers starting nodes' requests for this node's monitors, each with its state taken by
    /// the follower between two messages, for as long as the process runs.
    async fn answer_for_state(&self, requests: mpsc::Sender<oneshot::Sender<HubState>>) {
        let mut asking = match self
            .client
            .queue_subscribe(self.state_subject.clone(), CAUGHT_UP.to_owned())
            .await
        {
            Ok(asking) => asking,
            Err(error) => {
                tracing::warn!(%error, "events stream: cannot answer for this node's monitors");
                return;
            }
        };
        while let Some(message) = asking.next().await {
            let (Some(reply), Ok(request)) = (
                message.reply.clone(),
                serde_json::from_slice::<StateRequest>(&message.payload),
            ) else {
                continue;
            };
            let (taken, state) = oneshot::channel();
            if requests.send(taken).await.is_err() {
                return;
            }
            let Ok(state) = state.await else { continue };
            let (position, monitors) = (state.position, state.monitors());
            let Ok(whole) = serde_json::to_vec(&state) else {
                continue;
            };
            let chunks: Vec<&[u8]> = whole.chunks(STATE_PART_BYTES).collect();
            let offer = StateOffer {
                parts: chunks.len(),
                position,
            };
            let Ok(offer) = serde_json::to_vec(&offer) else {
                continue;
            };
            // The parts first: they wait in the asker's inbox until the offer says how many.
            for (index, chunk) in chunks.into_iter().enumerate() {
                let mut headers = async_nats::HeaderMap::new();
                headers.insert(PART_HEADER, index.to_string().as_str());
                let sent = self
                    .client
                    .publish_with_headers(request.inbox.clone(), headers, chunk.to_vec().into())
                    .await;
                if sent.is_err() {
                    break;
                }
            }
            if self.client.publish(reply, offer.into()).await.is_ok() {
                tracing::info!(
                    monitors,
                    position,
                    "events stream: monitors copied to a starting node"
                );
            }
        }
    }

    /// An ordered push consumer of the whole stream, from the stream sequence after `read`.
    async fn consumer(&self, stream: &stream::Stream, read: u64) -> Result<Ordered, BusError> {
        let deliver_policy = match read {
            0 => DeliverPolicy::All,
            read => DeliverPolicy::ByStartSequence {
                start_sequence: read + 1,
            },
        };
        let consumer: jetstream::consumer::Consumer<OrderedConfig> = stream
            .create_consumer(push::OrderedConfig {
                deliver_subject: self.client.new_inbox(),
                deliver_policy,
                description: Some("a sentral node's monitor hub".to_owned()),
                ..Default::default()
            })
            .await
            .map_err(unavailable)?;
        consumer.messages().await.map_err(unavailable)
    }
}

/// A node's reader of the stream.
struct Follower {
    stream: EventStream,
    hub: MonitorHub,
    deliver: fn(&MonitorHub, &async_nats::Message),
    /// The stream sequence of the last message read.
    read: Arc<watch::Sender<u64>>,
    /// Requests for this node's monitors, answered between two messages.
    asked: mpsc::Receiver<oneshot::Sender<HubState>>,
    /// When the stream read was made (nanoseconds since the epoch), once known.
    created: Option<i128>,
}

impl Follower {
    async fn run(mut self, mut messages: Ordered) {
        let mut check = tokio::time::interval(RECREATED_CHECK);
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            loop {
                let item = tokio::select! {
                    item = messages.next() => item,
                    Some(taken) = self.asked.recv() => {
                        let _ = taken.send(self.hub.replicated_state(*self.read.borrow()));
                        continue;
                    }
                    _ = check.tick() => {
                        if self.stream_recreated().await {
                            break;
                        }
                        continue;
                    }
                };
                let Some(item) = item else { break };
                match item {
                    Ok(message) => {
                        if let Ok(info) = message.info() {
                            let sequence = info.stream_sequence;
                            self.read.send_modify(|read| *read = (*read).max(sequence));
                        }
                        (self.deliver)(&self.hub, &message.message);
                    }
                    // While NATS is away heartbeats stop; the client recreates the consumer.
                    Err(error) if error.kind() == OrderedErrorKind::MissingHeartbeat => {
                        tracing::debug!(%error, "events stream: no heartbeat");
                    }
                    Err(error) => {
                        tracing::warn!(%error, "events stream: reading failed; the consumer is recreated");
                    }
                }
            }
            messages = self.reopen().await;
        }
    }

    /// Whether the stream was made again since the last check (NATS lost its storage): numbered
    /// from 1 again, so reading on after the old position would wait for messages that will not
    /// come for long. The position goes back to the start (the hub
    /// drops what it had by the ordering keys; a new owner's numbering resyncs as any gap).
    async fn stream_recreated(&mut self) -> bool {
        let read = *self.read.borrow();
        let Ok(mut stream) = self.stream.ensure().await else {
            return false;
        };
        let Ok(info) = stream.info().await else {
            return false;
        };
        let created = info.created.unix_timestamp_nanos();
        let recreated = self.created.is_some_and(|known| known != created);
        self.created = Some(created);
        if recreated {
            tracing::warn!(stream = %self.stream.name(), read, "events stream: made again (NATS lost its storage); reading it from its start");
            self.read.send_replace(0);
        }
        recreated
    }

    /// A new consumer from the message after the last one read, retried until there is one.
    async fn reopen(&self) -> Ordered {
        let mut pause = Duration::from_millis(50);
        loop {
            let read = *self.read.borrow();
            let reopened = async {
                let stream = self.stream.ensure().await?;
                self.stream.consumer(&stream, read).await
            };
            match reopened.await {
                Ok(messages) => {
                    tracing::info!(stream = %self.stream.name(), after = read, "events stream: reading again");
                    return messages;
                }
                Err(error) => {
                    tracing::warn!(%error, "events stream: cannot read yet; retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_PAUSE);
                }
            }
        }
    }
}

fn unavailable(error: impl std::fmt::Display) -> BusError {
    BusError::Unavailable(error.to_string())
}
