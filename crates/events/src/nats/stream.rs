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

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::push::{Ordered, OrderedConfig, OrderedErrorKind};
use async_nats::jetstream::consumer::{DeliverPolicy, push};
use async_nats::jetstream::context::{Publish, PublishErrorKind};
use async_nats::jetstream::{self, stream};
use futures_util::StreamExt;
use tokio::sync::watch;

use crate::bus::BusError;
use crate::hub::MonitorHub;

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

/// One cluster's stream of events.
#[derive(Clone)]
pub(super) struct EventStream {
    jetstream: jetstream::Context,
    client: async_nats::Client,
    name: String,
    subjects: String,
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
        let started = Instant::now();
        let mut pause = Duration::from_millis(20);
        let mut attempts = 0_u32;
        loop {
            let mut publish = Publish::build()
                .payload(body.clone().into())
                .message_id(&id);
            if let Some((name, value)) = header {
                publish = publish.header(name, value);
            }
            let stored = match self.jetstream.send_publish(subject.clone(), publish).await {
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
        let backlog = stream
            .info()
            .await
            .map_err(unavailable)?
            .state
            .last_sequence;
        let messages = self.consumer(&stream, 0).await?;
        reading();
        let (read, mut watch_read) = watch::channel(0_u64);
        let follower = Follower {
            stream: self.clone(),
            hub,
            deliver,
            read: Arc::new(read),
        };
        tokio::spawn(follower.run(messages));
        if backlog == 0 {
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
}

impl Follower {
    async fn run(self, mut messages: Ordered) {
        loop {
            while let Some(item) = messages.next().await {
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
