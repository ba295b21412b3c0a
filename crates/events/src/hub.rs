//! The monitor hub: addresses each published event to the monitors it matches, numbers it per
//! monitor, keeps a bounded replay buffer, feeds the connected stream and the webhook queue (one
//! in-memory worker per monitor, or with [`HubConfig::outbox`] the persistent outbox that any
//! node of a cluster delivers from, see [`crate::outbox`]).
//!
//! In a cluster a monitor can be replicated: its creation, renewals and end travel in its
//! enterprise's ordered stream as [`MonitorControl`]s, so every node has it and numbers its
//! events alike (see `hub/replicated.rs`: what holds, and where replicas may number apart).
//!
//! Locks are plain mutexes held for microseconds and never across an `.await`: the index behind an
//! `RwLock` (read on every publish, written when monitors come and go), each monitor's state behind
//! its own `Mutex`, taken once per event. Publishing never waits for a client: the stream and
//! webhook queues are bounded and a full one is dealt with (stream dropped, webhook event counted as
//! given up) instead of waited on.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use sentral_domain::{Clock, SystemClock, Timestamp};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc, watch};

use crate::bus::Bus;
use crate::envelope::{Frame, Published, SharedEvent, causes, event_types};
use crate::index::Index;
use crate::metrics::{Counters, HubMetrics};
use crate::monitor::{CrossRefId, MonitorInfo, MonitorObject, MonitorOwner, MonitorSpec};
use crate::outbox::{self, OutboxCommand, OutboxConfig, OutboxEntry, OutboxTarget};
use crate::subscription::{StreamSlot, Subscription};
use crate::webhook::{self, RetryPolicy, WebhookError};

mod replicated;
#[cfg(feature = "nats")]
mod transfer;

pub use replicated::MonitorControl;
#[cfg(feature = "nats")]
pub(crate) use transfer::HubState;

/// How the hub behaves; `Default` gives the documented values.
#[derive(Clone)]
pub struct HubConfig {
    /// Events kept per device monitor for `after=<seq>` resumption.
    pub replay_capacity: usize,
    /// Events kept per enterprise monitor, which sees every event of the enterprise: at 100
    /// calls/s (≈ 600 events/s) the default covers about half a minute of disconnection.
    pub enterprise_replay_capacity: usize,
    /// Events older than this (by `occurredAt`) leave the replay buffer too, so memory follows the
    /// event rate rather than the number of monitors times `replay_capacity`.
    pub replay_max_age: Option<Duration>,
    /// Live events queued for one stream before its client counts as too slow and is dropped.
    pub stream_capacity: usize,
    /// How long a monitor lives without renewal.
    pub lease: Duration,
    /// Events queued for one monitor's webhook (or, with an outbox, not yet written to it, all
    /// monitors together) before new ones are given up.
    pub webhook_queue_capacity: usize,
    pub retry: RetryPolicy,
    /// Deliver webhooks from this persistent outbox (any node of a cluster may deliver them)
    /// instead of one in-memory queue per monitor.
    pub outbox: Option<OutboxConfig>,
    /// Source of `occurredAt` for notices the hub makes itself (`StreamReplaced`).
    pub clock: Arc<dyn Clock>,
    /// In a cluster, events waiting for the bus (all enterprises together) before new ones are
    /// dropped; the receivers see the gap and resync.
    pub uplink_capacity: usize,
    /// A replicated monitor (see [`MonitorControl`]) is ended by its enterprise's owner, not by
    /// [`MonitorHub::expire`]; only when it is still here this long after its lease ran out (its
    /// `Ended` was missed, or no node owns the enterprise) does `expire` end it on this node.
    pub replicated_expiry_grace: Duration,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            replay_capacity: 1_000,
            enterprise_replay_capacity: 20_000,
            replay_max_age: Some(Duration::from_secs(300)),
            stream_capacity: 1_024,
            lease: Duration::from_secs(3_600),
            webhook_queue_capacity: 10_000,
            retry: RetryPolicy::default(),
            outbox: None,
            clock: Arc::new(SystemClock),
            uplink_capacity: 10_000,
            replicated_expiry_grace: Duration::from_secs(60),
        }
    }
}

impl std::fmt::Debug for HubConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubConfig")
            .field("replay_capacity", &self.replay_capacity)
            .field(
                "enterprise_replay_capacity",
                &self.enterprise_replay_capacity,
            )
            .field("replay_max_age", &self.replay_max_age)
            .field("stream_capacity", &self.stream_capacity)
            .field("lease", &self.lease)
            .field("webhook_queue_capacity", &self.webhook_queue_capacity)
            .field("retry", &self.retry)
            .field("outbox", &self.outbox)
            .field("uplink_capacity", &self.uplink_capacity)
            .field("replicated_expiry_grace", &self.replicated_expiry_grace)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HubError {
    /// Unknown, ended, or owned by someone else: the three are indistinguishable on purpose.
    #[error("no such monitor")]
    NotFound,
    #[error("invalid webhook: {0}")]
    InvalidWebhook(#[from] WebhookError),
}

/// The monitors of this node. Cheap to clone; every clone is the same hub.
#[derive(Clone)]
pub struct MonitorHub {
    inner: Arc<HubInner>,
}

struct HubInner {
    config: HubConfig,
    index: RwLock<Index>,
    counters: Arc<Counters>,
    http: reqwest::Client,
    /// With an outbox: the enqueuer's queue, started with the first webhook monitor or by
    /// [`MonitorHub::start_webhook_delivery`].
    outbox_queue: OnceLock<mpsc::UnboundedSender<OutboxCommand>>,
    /// Events handed to the enqueuer and not yet written: bounded by `webhook_queue_capacity`.
    outbox_backlog: Arc<AtomicUsize>,
    /// Wakes the delivery loop when the enqueuer has written rows.
    outbox_wake: Arc<Notify>,
    /// Tells the delivery loop to stop ([`MonitorHub::stop_webhook_delivery`]).
    outbox_stop: watch::Sender<bool>,
    outbox_delivery: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// In a cluster: where this node's engines send their events (see [`MonitorHub::dispatch`]).
    uplink: OnceLock<Uplink>,
    /// The last ordering key received from the bus, per enterprise.
    received: Mutex<HashMap<String, EventOrder>>,
    bus_counters: BusCounters,
    /// Monitors prepared here ([`MonitorHub::prepare_create`]) in the last minutes, with when and
    /// whether their `Created` was applied: without an outbox, their webhook is delivered from
    /// this node only.
    prepared: Mutex<HashMap<CrossRefId, replicated::Prepared>>,
    /// Woken whenever a monitor is registered ([`MonitorHub::registered`]).
    registrations: Notify,
}

/// Where a monitor's webhook events go.
enum WebhookSink {
    /// The monitor's own in-memory worker.
    Memory(mpsc::Sender<Frame>),
    /// The persistent outbox, to this URL.
    Outbox(Arc<str>),
}

pub(crate) struct Monitor {
    pub(crate) cross_ref_id: CrossRefId,
    owner: MonitorOwner,
    pub(crate) object: MonitorObject,
    filter: Option<Vec<String>>,
    webhook_url: Option<String>,
    /// Its lifecycle travels in its enterprise's ordered stream ([`MonitorControl`]): every node
    /// has it, and its enterprise's owner ends it when its lease runs out.
    replicated: bool,
    state: Mutex<MonitorState>,
}

struct MonitorState {
    last_seq: u64,
    expires_at: Timestamp,
    replay: VecDeque<Frame>,
    replay_capacity: usize,
    stream: Option<StreamSlot>,
    webhook: Option<WebhookSink>,
    ended: bool,
}

impl Monitor {
    fn lock(&self) -> MutexGuard<'_, MonitorState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wants(&self, event_type: &str) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|types| types.iter().any(|wanted| wanted == event_type))
    }

    fn info(&self, state: &MonitorState) -> MonitorInfo {
        MonitorInfo {
            cross_ref_id: self.cross_ref_id.clone(),
            seq: state.last_seq,
            expires_at: state.expires_at,
            object: self.object.clone(),
            filter: self.filter.clone(),
            webhook_url: self.webhook_url.clone(),
        }
    }
}

impl MonitorHub {
    pub fn new(config: HubConfig) -> Self {
        let http = webhook::client(&config.retry);
        Self {
            inner: Arc::new(HubInner {
                config,
                index: RwLock::new(Index::default()),
                counters: Arc::new(Counters::default()),
                http,
                outbox_queue: OnceLock::new(),
                outbox_backlog: Arc::new(AtomicUsize::new(0)),
                outbox_wake: Arc::new(Notify::new()),
                outbox_stop: watch::Sender::new(false),
                outbox_delivery: Mutex::new(None),
                uplink: OnceLock::new(),
                received: Mutex::new(HashMap::new()),
                bus_counters: BusCounters::default(),
                prepared: Mutex::new(HashMap::new()),
                registrations: Notify::new(),
            }),
        }
    }

    pub fn config(&self) -> &HubConfig {
        &self.inner.config
    }

    /// With an outbox configured, starts this node's webhook enqueuer and delivery loop (once;
    /// later calls do nothing) on the current tokio runtime, so this node also delivers what other
    /// nodes enqueued. Answers whether webhooks go through an outbox.
    pub fn start_webhook_delivery(&self) -> bool {
        self.outbox_queue().is_some()
    }

    /// Stops this node's webhook delivery before the node stops: waits (up to `within`) until the
    /// events handed to the outbox are written, then lets the attempts in flight finish and
    /// releases the claims left, so other nodes take over at once. Later events are still
    /// written; nothing more is delivered from this node.
    pub async fn stop_webhook_delivery(&self, within: Duration) {
        if self.inner.outbox_queue.get().is_none() {
            return;
        }
        let deadline = tokio::time::Instant::now() + within;
        while self.inner.outbox_backlog.load(Ordering::Acquire) > 0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.inner.outbox_stop.send_replace(true);
        let delivery = self
            .inner
            .outbox_delivery
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(delivery) = delivery
            && tokio::time::timeout_at(deadline, delivery).await.is_err()
        {
            tracing::warn!("webhook delivery did not stop in time; its claims run out");
        }
    }

    /// The enqueuer's queue, starting it and the delivery loop on first use; `None` without an
    /// outbox.
    fn outbox_queue(&self) -> Option<&mpsc::UnboundedSender<OutboxCommand>> {
        let config = self.inner.config.outbox.as_ref()?;
        Some(self.inner.outbox_queue.get_or_init(|| {
            let (sender, receiver) = mpsc::unbounded_channel();
            tokio::spawn(outbox::run_enqueuer(
                config.outbox.clone(),
                receiver,
                self.inner.outbox_backlog.clone(),
                self.inner.outbox_wake.clone(),
            ));
            let delivery = tokio::spawn(outbox::run_delivery(
                config.clone(),
                self.inner.http.clone(),
                self.inner.config.retry.clone(),
                self.inner.counters.clone(),
                self.inner.outbox_wake.clone(),
                self.inner.outbox_stop.subscribe(),
            ));
            *self
                .inner
                .outbox_delivery
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(delivery);
            sender
        }))
    }

    /// Hands an event to the outbox's enqueuer; false when its backlog is full (given up).
    fn to_outbox(&self, entry: OutboxEntry) -> bool {
        let Some(queue) = self.outbox_queue() else {
            return false;
        };
        let capacity = self.inner.config.webhook_queue_capacity.max(1);
        if self.inner.outbox_backlog.fetch_add(1, Ordering::AcqRel) >= capacity {
            self.inner.outbox_backlog.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        if queue.send(OutboxCommand::Enqueue(entry)).is_err() {
            self.inner.outbox_backlog.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        true
    }

    /// Starts a monitor whose lease runs from `now`. With a webhook, its delivery worker is spawned
    /// on the current tokio runtime (so call this from within one).
    pub fn create(&self, spec: MonitorSpec, now: Timestamp) -> Result<MonitorInfo, HubError> {
        let signer = match &spec.webhook {
            Some(target) => Some(webhook::Signer::new(target)?),
            None => None,
        };
        let registration = Registration {
            cross_ref_id: CrossRefId::generate(),
            owner: spec.owner,
            object: spec.object,
            filter: spec.filter,
            webhook_url: spec.webhook.as_ref().map(|target| target.url.clone()),
            webhook: spec.webhook,
            expires_at: now.plus_seconds(lease_seconds(self.inner.config.lease)),
            replicated: false,
            local_webhook: true,
        };
        // A fresh id (80 random bits) is never known: the registration always happens.
        self.register(registration, signer)
            .ok_or(HubError::NotFound)
    }

    /// Registers a monitor (its `seq` 0) unless one with its id is known here; answers its info,
    /// `None` when it was already known (and nothing was changed).
    fn register(
        &self,
        registration: Registration,
        signer: Option<webhook::Signer>,
    ) -> Option<MonitorInfo> {
        if self.read_index().get(&registration.cross_ref_id).is_some() {
            return None;
        }
        let Registration {
            cross_ref_id,
            owner,
            object,
            filter,
            webhook: target,
            webhook_url,
            expires_at,
            replicated,
            local_webhook,
        } = registration;
        let replay_capacity = match &object {
            MonitorObject::Enterprise(_) => self.inner.config.enterprise_replay_capacity,
            MonitorObject::Device { .. } => self.inner.config.replay_capacity,
        };
        // The outbox (and this node's delivery loop) starts with the first webhook monitor.
        let queue = webhook_url.as_ref().and_then(|_| self.outbox_queue());
        let webhook_sink = match (signer, &target, queue) {
            (Some(signer), Some(target), Some(queue)) => {
                // The target is written before any of the monitor's events: the queue keeps order.
                let registered = queue.send(OutboxCommand::Register(OutboxTarget {
                    monitor_id: cross_ref_id.as_str().to_owned(),
                    url: target.url.clone(),
                    secret: target.secret.clone(),
                }));
                registered
                    .is_ok()
                    .then(|| WebhookSink::Outbox(signer.url().into()))
            }
            // Another node knows the secret and stores the target; this one enqueues alike.
            (None, None, Some(_)) if replicated => webhook_url
                .as_deref()
                .map(|url| WebhookSink::Outbox(url.into())),
            // In memory, one node delivers: the one the monitor was asked of.
            (Some(signer), _, _) if local_webhook => {
                let (sender, receiver) =
                    mpsc::channel(self.inner.config.webhook_queue_capacity.max(1));
                tokio::spawn(webhook::run_worker(
                    self.inner.http.clone(),
                    signer,
                    receiver,
                    self.inner.config.retry.clone(),
                    self.inner.counters.clone(),
                ));
                Some(WebhookSink::Memory(sender))
            }
            (Some(_), _, _) | (None, _, _) => None,
        };
        let monitor = Arc::new(Monitor {
            cross_ref_id,
            owner,
            object,
            filter,
            webhook_url,
            replicated,
            state: Mutex::new(MonitorState {
                last_seq: 0,
                expires_at,
                replay: VecDeque::new(),
                replay_capacity,
                stream: None,
                webhook: webhook_sink,
                ended: false,
            }),
        });
        let info = monitor.info(&monitor.lock());
        {
            let mut index = self.write_index();
            if index.get(&monitor.cross_ref_id).is_some() {
                return None;
            }
            index.insert(monitor);
        }
        self.inner.registrations.notify_waiters();
        Some(info)
    }

    pub fn get(
        &self,
        cross_ref_id: &CrossRefId,
        owner: &MonitorOwner,
    ) -> Result<MonitorInfo, HubError> {
        let monitor = self.find(cross_ref_id, owner)?;
        let state = monitor.lock();
        if state.ended {
            return Err(HubError::NotFound);
        }
        Ok(monitor.info(&state))
    }

    /// Extends the lease to `now` + the configured lease. A lease that has already run out ends
    /// the monitor instead (as `expire` would have) and answers `NotFound`. On this node only: a
    /// replicated monitor is renewed through its stream ([`MonitorHub::prepare_renew`]).
    pub fn renew(
        &self,
        cross_ref_id: &CrossRefId,
        owner: &MonitorOwner,
        now: Timestamp,
    ) -> Result<MonitorInfo, HubError> {
        let monitor = self.find(cross_ref_id, owner)?;
        {
            let mut state = monitor.lock();
            if state.ended {
                return Err(HubError::NotFound);
            }
            if state.expires_at > now {
                state.expires_at = now.plus_seconds(lease_seconds(self.inner.config.lease));
                return Ok(monitor.info(&state));
            }
        }
        self.end(&monitor, causes::LEASE_EXPIRED, now);
        Err(HubError::NotFound)
    }

    /// Stops a monitor; `MonitorEnded` is its last event on the stream and the webhook. On this
    /// node only: a replicated monitor is stopped through its stream
    /// ([`MonitorHub::prepare_stop`]), or the nodes would number its end apart.
    pub fn stop(
        &self,
        cross_ref_id: &CrossRefId,
        owner: &MonitorOwner,
        now: Timestamp,
    ) -> Result<(), HubError> {
        let monitor = self.find(cross_ref_id, owner)?;
        if self.end(&monitor, causes::MONITOR_STOPPED, now) {
            Ok(())
        } else {
            Err(HubError::NotFound)
        }
    }

    /// Ends every monitor whose lease ran out by `now` (`MonitorEnded`, cause `leaseExpired`);
    /// answers their ids. Also drops replay events older than `replay_max_age` from monitors that
    /// have been quiet since. Call it periodically (e.g. every few seconds, with the clock's now).
    ///
    /// A replicated monitor is left to its enterprise's owner ([`MonitorHub::lapsed`]), so that
    /// every node ends it at the same place among the events; only one still here
    /// [`HubConfig::replicated_expiry_grace`] after its lease ran out is ended here.
    pub fn expire(&self, now: Timestamp) -> Vec<CrossRefId> {
        let grace = i64::try_from(self.inner.config.replicated_expiry_grace.as_millis())
            .unwrap_or(i64::MAX);
        let expired: Vec<Arc<Monitor>> = self
            .read_index()
            .monitors()
            .filter(|monitor| {
                let mut state = monitor.lock();
                self.prune(&mut state, now);
                if monitor.replicated {
                    state.expires_at.millis().saturating_add(grace) <= now.millis()
                } else {
                    state.expires_at <= now
                }
            })
            .cloned()
            .collect();
        expired
            .into_iter()
            .filter(|monitor| self.end(monitor, causes::LEASE_EXPIRED, now))
            .map(|monitor| monitor.cross_ref_id.clone())
            .collect()
    }

    /// Addresses `event` to every monitor it matches; answers how many received it.
    pub fn publish(&self, event: &Published) -> usize {
        let targets = self.read_index().targets(event);
        if targets.is_empty() {
            return 0;
        }
        let shared = SharedEvent::of(event);
        let mut delivered = 0;
        for monitor in targets {
            if !monitor.wants(&event.event_type) {
                continue;
            }
            let mut state = monitor.lock();
            if state.ended {
                continue;
            }
            state.last_seq += 1;
            let frame = Frame::event(&monitor.cross_ref_id, state.last_seq, shared.clone());
            self.append(&mut state, frame, &monitor.cross_ref_id);
            delivered += 1;
        }
        Counters::add(&self.inner.counters.published, delivered as u64);
        delivered
    }

    /// Sends this node's engine events out through `bus` from now on, instead of addressing them
    /// here: every node, this one included, addresses them when they come back from the bus
    /// ([`MonitorHub::receive`]), so each is delivered once per node. One task publishes them in
    /// the order they were dispatched (on the current tokio runtime). Once only: answers false
    /// when an uplink was already connected.
    pub fn connect_uplink(&self, bus: Arc<dyn Bus>) -> bool {
        let mut connected = false;
        self.inner.uplink.get_or_init(|| {
            connected = true;
            let (queue, receiver) = mpsc::channel(self.inner.config.uplink_capacity.max(1));
            let counters = self.clone();
            tokio::spawn(run_uplink(bus, receiver, counters));
            Uplink {
                queue,
                assigned: Mutex::new(HashMap::new()),
            }
        });
        connected
    }

    /// Whether engine events go out through a bus ([`MonitorHub::connect_uplink`]).
    pub fn has_uplink(&self) -> bool {
        self.inner.uplink.get().is_some()
    }

    /// Where an engine hands each of its events, in order: without an uplink it is addressed to
    /// this node's monitors at once (one process); with one it gets the next ordering key of its
    /// enterprise and joins the bus's queue, never waiting. A full queue drops the event, its key
    /// still used, so every receiver sees the gap and tells the monitors to resync.
    pub fn dispatch(&self, event: Published) {
        let Some(uplink) = self.inner.uplink.get() else {
            self.publish(&event);
            return;
        };
        self.send_up(uplink, Outgoing::Event(event));
    }

    /// Gives `message` the next ordering key of its enterprise and queues it for the bus, never
    /// waiting; a full queue drops it, its key still used.
    fn send_up(&self, uplink: &Uplink, message: Outgoing) {
        // Held while queueing, so the queue's order is the keys' order even for two callers.
        let mut assigned = uplink
            .assigned
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let order = match assigned.get(message.enterprise_id()) {
            Some(last) => last.next(),
            None => EventOrder::first(random_origin()),
        };
        assigned.insert(message.enterprise_id().to_owned(), order);
        if let Err(error) = uplink.queue.try_send((message, order)) {
            let (message, _) = error.into_inner();
            tracing::warn!(enterprise_id = %message.enterprise_id(), seq = order.seq, "event queue to the bus full; event dropped, receivers resync");
            Counters::add(&self.inner.bus_counters.dropped, 1);
        }
    }

    /// The seam for a durable sequence: the next event of `enterprise_id` this node dispatches
    /// gets `last.next()` (an engine taking over resumes its predecessor's numbering).
    pub fn resume_sequence(&self, enterprise_id: &str, last: EventOrder) {
        if let Some(uplink) = self.inner.uplink.get() {
            uplink
                .assigned
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(enterprise_id.to_owned(), last);
        }
    }

    /// Addresses an event that came from the bus. With an ordering key, a duplicate (not after
    /// the last key seen of its enterprise) is dropped, and after a gap (or when another run of
    /// the engine numbers them) the enterprise's monitors are told to resync first, as a
    /// stream whose `after` is too old is. Without a key (an older node) it is addressed as is.
    pub fn receive(&self, event: &Published, order: Option<EventOrder>) -> Received {
        let Some(order) = order else {
            return Received::Delivered(self.publish(event));
        };
        match self.arrive(&event.enterprise_id, order) {
            Arrival::Duplicate => Received::Duplicate,
            Arrival::InOrder => Received::Delivered(self.publish(event)),
            Arrival::Gap => Received::AfterGap(self.publish(event)),
        }
    }

    /// Where a message of the bus with key `order` falls in its enterprise's stream; a duplicate
    /// is counted, a gap counted and the enterprise's monitors told to resync.
    fn arrive(&self, enterprise_id: &str, order: EventOrder) -> Arrival {
        let arrival = {
            let mut received = self
                .inner
                .received
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let arrival = Arrival::of(received.get(enterprise_id).copied(), order);
            if arrival != Arrival::Duplicate {
                received.insert(enterprise_id.to_owned(), order);
            }
            arrival
        };
        match arrival {
            Arrival::Duplicate => Counters::add(&self.inner.bus_counters.duplicates, 1),
            Arrival::InOrder => {}
            Arrival::Gap => {
                Counters::add(&self.inner.bus_counters.gaps, 1);
                tracing::warn!(%enterprise_id, seq = order.seq, "events of the bus missed; monitors resync");
                self.resync_enterprise(enterprise_id);
            }
        }
        arrival
    }

    /// What crossed the bus: dropped before it, duplicates and gaps after it.
    pub fn bus_metrics(&self) -> BusMetrics {
        let counters = &self.inner.bus_counters;
        BusMetrics {
            dropped: counters.dropped.load(Ordering::Relaxed),
            failed: counters.failed.load(Ordering::Relaxed),
            duplicates: counters.duplicates.load(Ordering::Relaxed),
            gaps: counters.gaps.load(Ordering::Relaxed),
        }
    }

    /// Tells every monitor of `enterprise_id` that events were missed: `ResyncRequired` (cause
    /// `eventsMissed`) as a numbered event of its own, whatever its filter, so the live stream,
    /// the webhook and a later resumption from before it all see it. After a snapshot (whose
    /// `seq` is at or after it) the monitor goes on as usual.
    fn resync_enterprise(&self, enterprise_id: &str) {
        let monitors: Vec<Arc<Monitor>> = self
            .read_index()
            .of_enterprise(enterprise_id)
            .cloned()
            .collect();
        let missed = Published {
            enterprise_id: enterprise_id.to_owned(),
            devices: Vec::new(),
            event_type: event_types::RESYNC_REQUIRED.to_owned(),
            cause: Some(causes::EVENTS_MISSED.to_owned()),
            subject: None,
            occurred_at: self.inner.config.clock.now(),
            payload: serde_json::json!({}),
        };
        let shared = SharedEvent::of(&missed);
        for monitor in monitors {
            let mut state = monitor.lock();
            if state.ended {
                continue;
            }
            state.last_seq += 1;
            let frame = Frame::event(&monitor.cross_ref_id, state.last_seq, shared.clone());
            self.append(&mut state, frame, &monitor.cross_ref_id);
        }
    }

    /// Opens the stream of a monitor: the events after `after` from the replay buffer (each once,
    /// in order), then live ones. When `after` is older than the buffer keeps, the stream starts
    /// with `ResyncRequired` and goes on live. A stream already open for the monitor is ended with
    /// `StreamReplaced`.
    pub fn subscribe(
        &self,
        cross_ref_id: &CrossRefId,
        owner: &MonitorOwner,
        after: Option<u64>,
    ) -> Result<Subscription, HubError> {
        let monitor = self.find(cross_ref_id, owner)?;
        let now = self.inner.config.clock.now();
        let mut state = monitor.lock();
        if state.ended {
            return Err(HubError::NotFound);
        }
        let backlog = match after {
            None => VecDeque::new(),
            Some(after) if after == state.last_seq => VecDeque::new(),
            Some(after) => {
                let oldest_kept = state.replay.front().map_or(state.last_seq + 1, Frame::seq);
                // `after` beyond the last seq was never issued by this monitor: resync too.
                if after > state.last_seq || after + 1 < oldest_kept {
                    VecDeque::from([Frame::notice(
                        cross_ref_id,
                        state.last_seq,
                        event_types::RESYNC_REQUIRED,
                        causes::AFTER_TOO_OLD,
                        now,
                        serde_json::json!({
                            "after": after,
                            "oldestAvailable": oldest_kept,
                            "lastSeq": state.last_seq,
                        }),
                    )])
                } else {
                    state
                        .replay
                        .iter()
                        .filter(|frame| frame.seq() > after)
                        .cloned()
                        .collect()
                }
            }
        };
        let (subscription, slot) = Subscription::open(
            cross_ref_id.clone(),
            backlog,
            self.inner.config.stream_capacity,
        );
        if let Some(older) = state.stream.replace(slot) {
            older.end_with(Some(Frame::notice(
                cross_ref_id,
                state.last_seq,
                event_types::STREAM_REPLACED,
                causes::NEWER_STREAM,
                now,
                serde_json::json!({}),
            )));
        }
        Ok(subscription)
    }

    pub fn metrics(&self) -> HubMetrics {
        let monitors = self.read_index().len() as u64;
        self.inner.counters.snapshot(monitors)
    }

    /// Keeps `frame` for replay and hands it to the stream and the webhook, never waiting.
    fn append(&self, state: &mut MonitorState, frame: Frame, cross_ref_id: &CrossRefId) {
        let occurred_at = frame.occurred_at();
        if state.replay_capacity > 0 {
            if state.replay.len() >= state.replay_capacity {
                state.replay.pop_front();
            }
            self.prune(state, occurred_at);
            state.replay.push_back(frame.clone());
        }
        match &state.webhook {
            Some(WebhookSink::Memory(webhook)) => {
                if let Err(error) = webhook.try_send(frame.clone()) {
                    if let mpsc::error::TrySendError::Full(frame) = error {
                        tracing::warn!(monitor = %cross_ref_id, seq = frame.seq(), "webhook queue full; event given up");
                        Counters::add(&self.inner.counters.gave_up, 1);
                    } else {
                        state.webhook = None;
                    }
                }
            }
            Some(WebhookSink::Outbox(url)) => {
                let entry = OutboxEntry {
                    id: frame.event_id().to_owned(),
                    monitor_id: cross_ref_id.as_str().to_owned(),
                    seq: frame.seq(),
                    url: url.to_string(),
                    body: frame.json(),
                    last: frame.event_type() == event_types::MONITOR_ENDED,
                };
                if !self.to_outbox(entry) {
                    tracing::warn!(monitor = %cross_ref_id, seq = frame.seq(), "webhook outbox backlog full; event given up");
                    Counters::add(&self.inner.counters.gave_up, 1);
                }
            }
            None => {}
        }
        if let Some(stream) = &state.stream {
            match stream.sender.try_send(frame) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    let notice = Frame::notice(
                        cross_ref_id,
                        state.last_seq - 1,
                        event_types::STREAM_DROPPED,
                        causes::CLIENT_TOO_SLOW,
                        occurred_at,
                        serde_json::json!({}),
                    );
                    if let Some(stream) = state.stream.take() {
                        stream.end_with(Some(notice));
                    }
                    Counters::add(&self.inner.counters.dropped_streams, 1);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => state.stream = None,
            }
        }
    }

    /// Drops replay events that occurred more than `replay_max_age` before `now`.
    fn prune(&self, state: &mut MonitorState, now: Timestamp) {
        let Some(max_age) = self.inner.config.replay_max_age else {
            return;
        };
        let max_age_millis = i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX);
        let oldest_kept = now.millis().saturating_sub(max_age_millis);
        while state
            .replay
            .front()
            .is_some_and(|frame| frame.occurred_at().millis() < oldest_kept)
        {
            state.replay.pop_front();
        }
    }

    /// Ends `monitor` with `MonitorEnded`; false when it had already ended.
    fn end(&self, monitor: &Arc<Monitor>, cause: &str, now: Timestamp) -> bool {
        {
            let mut state = monitor.lock();
            if state.ended {
                return false;
            }
            state.ended = true;
            state.last_seq += 1;
            let ended = Published {
                enterprise_id: monitor.object.enterprise_id().to_owned(),
                devices: Vec::new(),
                event_type: event_types::MONITOR_ENDED.to_owned(),
                cause: Some(cause.to_owned()),
                subject: None,
                occurred_at: now,
                payload: serde_json::json!({}),
            };
            let frame = Frame::event(
                &monitor.cross_ref_id,
                state.last_seq,
                SharedEvent::of(&ended),
            );
            // The last event goes to the stream as its final notice: it arrives even when the
            // stream's queue is full, after everything queued before it.
            if let Some(stream) = state.stream.take() {
                stream.end_with(Some(frame.clone()));
            }
            self.append(&mut state, frame, &monitor.cross_ref_id);
            // Dropping the queue lets the worker finish the backlog and stop.
            state.webhook = None;
        }
        self.write_index().remove(monitor);
        true
    }

    /// The monitor, if `owner` owns it; someone else's monitor is as unknown as a missing one.
    fn find(
        &self,
        cross_ref_id: &CrossRefId,
        owner: &MonitorOwner,
    ) -> Result<Arc<Monitor>, HubError> {
        self.read_index()
            .get(cross_ref_id)
            .filter(|monitor| monitor.owner == *owner)
            .cloned()
            .ok_or(HubError::NotFound)
    }

    fn read_index(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.inner
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write_index(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.inner
            .index
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn lease_seconds(lease: Duration) -> i64 {
    i64::try_from(lease.as_secs()).unwrap_or(i64::MAX)
}

/// The ordering key of an event between nodes: the engine owning an enterprise numbers its
/// events 1, 2, 3… per `origin`, one run of that numbering (random today; the lease epoch once
/// the sequence is durable, see [`MonitorHub::resume_sequence`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventOrder {
    pub origin: u64,
    pub seq: u64,
}

impl EventOrder {
    pub fn first(origin: u64) -> Self {
        Self { origin, seq: 1 }
    }

    pub fn next(self) -> Self {
        Self {
            origin: self.origin,
            seq: self.seq + 1,
        }
    }
}

/// What [`MonitorHub::receive`] did with an event from the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Addressed to this many monitors.
    Delivered(usize),
    /// Seen before: dropped.
    Duplicate,
    /// Events before it were missed: the enterprise's monitors were told to resync, then it
    /// was addressed to this many.
    AfterGap(usize),
}

/// How an ordering key follows the last one seen of its enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// The first seen of the enterprise, or the next of its numbering.
    InOrder,
    /// Not after the last seen of its numbering.
    Duplicate,
    /// After a missing one, or another numbering (the engine restarted, maybe elsewhere).
    Gap,
}

impl Arrival {
    pub(crate) fn of(last: Option<EventOrder>, order: EventOrder) -> Self {
        match last {
            None => Self::InOrder,
            Some(last) if last.origin != order.origin => Self::Gap,
            Some(last) if order.seq <= last.seq => Self::Duplicate,
            Some(last) if order.seq == last.seq + 1 => Self::InOrder,
            Some(_) => Self::Gap,
        }
    }
}

/// Counters of the bus, from [`MonitorHub::bus_metrics`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BusMetrics {
    /// Engine events dropped because the queue to the bus was full.
    pub dropped: u64,
    /// Engine events the bus refused.
    pub failed: u64,
    /// Events received twice, dropped.
    pub duplicates: u64,
    /// Times events of an enterprise were missed (its monitors resynced).
    pub gaps: u64,
}

#[derive(Debug, Default)]
struct BusCounters {
    dropped: AtomicU64,
    failed: AtomicU64,
    duplicates: AtomicU64,
    gaps: AtomicU64,
}

/// What this node's engines send through the bus, in one ordered stream per enterprise.
enum Outgoing {
    Event(Published),
    Control {
        enterprise_id: String,
        control: MonitorControl,
    },
}

impl Outgoing {
    fn enterprise_id(&self) -> &str {
        match self {
            Self::Event(event) => &event.enterprise_id,
            Self::Control { enterprise_id, .. } => enterprise_id,
        }
    }
}

/// A monitor to register, from [`MonitorHub::create`] or a [`MonitorControl::Created`].
struct Registration {
    cross_ref_id: CrossRefId,
    owner: MonitorOwner,
    object: MonitorObject,
    filter: Option<Vec<String>>,
    /// The webhook with its secret, where this node knows it.
    webhook: Option<crate::monitor::WebhookTarget>,
    /// Where the webhook goes (also on a node that does not know its secret).
    webhook_url: Option<String>,
    expires_at: Timestamp,
    replicated: bool,
    /// Without an outbox, whether this node delivers the webhook (from memory).
    local_webhook: bool,
}

/// This node's way out to the bus.
struct Uplink {
    queue: mpsc::Sender<(Outgoing, EventOrder)>,
    /// The last key handed out per enterprise.
    assigned: Mutex<HashMap<String, EventOrder>>,
}

/// Publishes the queued events one after the other, so the bus sees them in dispatch order.
async fn run_uplink(
    bus: Arc<dyn Bus>,
    mut queue: mpsc::Receiver<(Outgoing, EventOrder)>,
    hub: MonitorHub,
) {
    while let Some((message, order)) = queue.recv().await {
        let published = match &message {
            Outgoing::Event(event) => bus.publish_ordered(event, order).await,
            Outgoing::Control {
                enterprise_id,
                control,
            } => bus.publish_control(enterprise_id, control, order).await,
        };
        if let Err(error) = published {
            // Lost for every node: they see the gap at the next event and resync.
            tracing::warn!(enterprise_id = %message.enterprise_id(), seq = order.seq, %error, "publishing an event on the bus failed");
            Counters::add(&hub.inner.bus_counters.failed, 1);
        }
    }
}

/// A numbering of its own for each run, so a restarted engine is not taken for a duplicate.
fn random_origin() -> u64 {
    getrandom::u64().unwrap_or_else(|_| SystemClock.now().millis().unsigned_abs())
}
