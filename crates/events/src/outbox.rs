//! Webhooks from a persistent outbox, for a cluster: the hub hands each webhook event to an
//! [`WebhookOutbox`] (implemented over the store by the services crate, so this crate stays
//! free of the store), and a delivery loop on every node claims due rows, POSTs them with the
//! same Standard Webhooks signature as [`crate::webhook`] (the same `webhook-id` on every
//! attempt) and marks them delivered, rescheduled with the same backoff, or given up.
//!
//! Order per monitor holds across nodes because the outbox lets one row of a monitor be claimed
//! at a time, its oldest pending one. A node that dies holding a claim leaves it to expire, and
//! another node delivers the row again: at least once, never lost once enqueued.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sentral_domain::secret::Secret;
use sentral_domain::{Clock, SystemClock, Timestamp};
use tokio::sync::{Notify, mpsc, watch};

use crate::metrics::Counters;
use crate::monitor::WebhookTarget;
use crate::webhook::{self, Outcome, RetryPolicy, Signer};

/// What an outbox operation answers.
pub type OutboxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, OutboxError>> + Send + 'a>>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboxError {
    /// Not reachable or not writable now (the store is down, …): try again later.
    #[error("webhook outbox unavailable: {0}")]
    Unavailable(String),
    /// Closed for good (the node is stopping): the loops end.
    #[error("the webhook outbox is closed")]
    Closed,
}

/// A monitor's webhook as the outbox keeps it: any node signs its deliveries with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxTarget {
    pub monitor_id: String,
    pub url: String,
    pub secret: Secret,
}

/// One event to deliver: `id` is its `eventId`, `body` the exact JSON POSTed on every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: String,
    pub monitor_id: String,
    pub seq: u64,
    pub url: String,
    pub body: String,
    /// The monitor's last event (`MonitorEnded`).
    pub last: bool,
}

/// A delivery this node holds the claim of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedEntry {
    pub id: String,
    pub monitor_id: String,
    pub seq: u64,
    pub url: String,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: u32,
    /// `None` when the monitor's target is gone: the delivery cannot be signed.
    pub secret: Option<Secret>,
}

/// The persistent outbox. Times are wall-clock (as `webhook-timestamp` is).
pub trait WebhookOutbox: Send + Sync {
    /// Stores `targets`, then `entries` due at `now`, in one transaction; an entry already
    /// stored is left as it is.
    fn enqueue<'a>(
        &'a self,
        targets: &'a [OutboxTarget],
        entries: &'a [OutboxEntry],
        now: Timestamp,
    ) -> OutboxFuture<'a, ()>;

    /// Claims up to `limit` due entries for `node` until `until`, at most one per monitor.
    fn claim<'a>(
        &'a self,
        node: &'a str,
        now: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> OutboxFuture<'a, Vec<ClaimedEntry>>;

    /// The receiver accepted the entry after `attempts` attempts in all.
    fn delivered<'a>(&'a self, id: &'a str, attempts: u32, now: Timestamp) -> OutboxFuture<'a, ()>;

    /// A failed attempt: try again at `next_attempt_at`; answers false when `node` no longer
    /// held the claim.
    fn reschedule<'a>(
        &'a self,
        id: &'a str,
        node: &'a str,
        attempts: u32,
        next_attempt_at: Timestamp,
        error: &'a str,
    ) -> OutboxFuture<'a, bool>;

    /// Refused or out of attempts: no more attempts; answers false when `node` no longer held
    /// the claim.
    fn give_up<'a>(
        &'a self,
        id: &'a str,
        node: &'a str,
        attempts: u32,
        now: Timestamp,
        error: &'a str,
    ) -> OutboxFuture<'a, bool>;

    /// Gives up every claim `node` still holds (it is stopping), so other nodes need not wait
    /// for them to run out; answers how many.
    fn release<'a>(&'a self, node: &'a str) -> OutboxFuture<'a, u64>;
}

/// How a hub delivers webhooks through an outbox.
#[derive(Clone)]
pub struct OutboxConfig {
    pub outbox: Arc<dyn WebhookOutbox>,
    /// This node's name in claims (`claimed_by`): unique per running process.
    pub node: String,
    /// How often the delivery loop looks for due rows when it has not been woken.
    pub poll_interval: Duration,
    /// How long a claim lasts: longer than one attempt (`request_timeout`) by a margin, or the
    /// row may be claimed again while its attempt is still running.
    pub claim_for: Duration,
    /// Rows claimed at once (one per monitor), delivered concurrently.
    pub batch: usize,
}

impl OutboxConfig {
    /// The documented defaults over `outbox`, with a node name unique to this process.
    pub fn new(outbox: Arc<dyn WebhookOutbox>) -> Self {
        Self {
            outbox,
            node: format!(
                "node-{}-{}",
                std::process::id(),
                Secret::random_hex(4).expose()
            ),
            poll_interval: Duration::from_millis(250),
            claim_for: Duration::from_secs(30),
            batch: 64,
        }
    }
}

impl std::fmt::Debug for OutboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxConfig")
            .field("node", &self.node)
            .field("poll_interval", &self.poll_interval)
            .field("claim_for", &self.claim_for)
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

/// What the hub hands to the enqueuer, in publish order.
pub(crate) enum OutboxCommand {
    Register(OutboxTarget),
    Enqueue(OutboxEntry),
}

/// Most commands written in one transaction.
const ENQUEUE_BATCH: usize = 512;

/// Writes the hub's webhook events to the outbox in order, batching what has queued up, and
/// wakes the local delivery loop. A failed write is retried (the store may be restarting) with
/// the batch kept, so nothing handed to it is dropped while the process lives.
pub(crate) async fn run_enqueuer(
    outbox: Arc<dyn WebhookOutbox>,
    mut commands: mpsc::UnboundedReceiver<OutboxCommand>,
    backlog: Arc<AtomicUsize>,
    wake: Arc<Notify>,
) {
    let mut buffer = Vec::with_capacity(ENQUEUE_BATCH);
    while commands.recv_many(&mut buffer, ENQUEUE_BATCH).await > 0 {
        let mut targets = Vec::new();
        let mut entries = Vec::new();
        for command in buffer.drain(..) {
            match command {
                OutboxCommand::Register(target) => targets.push(target),
                OutboxCommand::Enqueue(entry) => entries.push(entry),
            }
        }
        let mut wait = Duration::from_millis(50);
        loop {
            match outbox.enqueue(&targets, &entries, SystemClock.now()).await {
                Ok(()) => break,
                Err(OutboxError::Closed) => {
                    tracing::warn!(
                        events = entries.len(),
                        "webhook outbox closed; events not written"
                    );
                    return;
                }
                Err(error @ OutboxError::Unavailable(_)) => {
                    tracing::warn!(%error, events = entries.len(), "webhook outbox write failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
        backlog.fetch_sub(entries.len(), Ordering::AcqRel);
        wake.notify_one();
    }
}

/// The delivery loop of one node: keeps up to `batch` deliveries in flight (one per monitor, so
/// a slow receiver holds up only its own monitor), claims again whenever one finishes or the
/// enqueuer wakes it, and otherwise every `poll_interval`. Told to stop (or when the hub is
/// gone), it claims nothing more, lets the attempts in flight finish and releases its claims.
pub(crate) async fn run_delivery(
    config: OutboxConfig,
    http: reqwest::Client,
    policy: RetryPolicy,
    counters: Arc<Counters>,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let claim_for = i64::try_from(config.claim_for.as_millis()).unwrap_or(i64::MAX);
    let batch = config.batch.max(1);
    let mut running = tokio::task::JoinSet::new();
    while !*stop.borrow() {
        // Finished attempts make room for their monitors' next rows.
        while running.try_join_next().is_some() {}
        let room = batch.saturating_sub(running.len());
        let mut claimed = 0;
        if room > 0 {
            let now = SystemClock.now();
            let until = Timestamp::from_millis(now.millis().saturating_add(claim_for));
            match config.outbox.claim(&config.node, now, until, room).await {
                Ok(entries) => {
                    claimed = entries.len();
                    for entry in entries {
                        running.spawn(deliver_claimed(
                            config.clone(),
                            http.clone(),
                            policy.clone(),
                            counters.clone(),
                            entry,
                        ));
                    }
                }
                Err(OutboxError::Closed) => {
                    // The node is stopping: claims held run out and other nodes take them.
                    tracing::debug!("webhook outbox closed; delivery stops");
                    return;
                }
                Err(error @ OutboxError::Unavailable(_)) => {
                    tracing::warn!(%error, "webhook outbox claim failed");
                }
            }
        }
        if claimed > 0 && claimed == room {
            // A full claim: there may be more due at once.
            continue;
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(config.poll_interval) => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
            changed = stop.changed() => if changed.is_err() { break },
        }
    }
    while running.join_next().await.is_some() {}
    match config.outbox.release(&config.node).await {
        Ok(0) => {}
        Ok(released) => tracing::info!(released, "webhook claims released"),
        Err(error) => tracing::warn!(%error, "webhook claims not released; they run out"),
    }
    tracing::debug!(node = config.node, "webhook delivery stopped");
}

/// One attempt at a claimed row, then its finish: delivered, rescheduled or given up.
async fn deliver_claimed(
    config: OutboxConfig,
    http: reqwest::Client,
    policy: RetryPolicy,
    counters: Arc<Counters>,
    entry: ClaimedEntry,
) {
    let attempt = entry.attempts.saturating_add(1);
    let outbox = &config.outbox;
    let signer = match &entry.secret {
        Some(secret) => Signer::new(&WebhookTarget {
            url: entry.url.clone(),
            secret: secret.clone(),
        })
        .map_err(|error| error.to_string()),
        None => Err("the monitor's webhook target is not stored".to_owned()),
    };
    let outcome = match signer {
        Ok(signer) => webhook::attempt_once(&http, &signer, &entry.id, entry.body.clone()).await,
        // The node that knows the secret stores the target when it applies the monitor's
        // `Created`, which may come after another node's first deliveries: retried.
        Err(detail) if entry.secret.is_none() => Outcome::Retry {
            after: None,
            detail,
        },
        Err(detail) => Outcome::GiveUp { detail },
    };
    let now = SystemClock.now();
    let finished = match outcome {
        Outcome::Accepted => {
            Counters::add(&counters.delivered, 1);
            outbox
                .delivered(&entry.id, attempt, now)
                .await
                .map(|_| true)
        }
        Outcome::Retry { after, detail } if attempt < policy.max_attempts.max(1) => {
            Counters::add(&counters.retried, 1);
            let wait = policy.retry_wait(attempt, after);
            let wait = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
            let next = Timestamp::from_millis(now.millis().saturating_add(wait));
            outbox
                .reschedule(&entry.id, &config.node, attempt, next, &detail)
                .await
        }
        Outcome::Retry { detail, .. } | Outcome::GiveUp { detail } => {
            tracing::warn!(event = entry.id, url = %entry.url, %detail, "webhook given up");
            Counters::add(&counters.gave_up, 1);
            outbox
                .give_up(&entry.id, &config.node, attempt, now, &detail)
                .await
        }
    };
    match finished {
        Ok(true) => {}
        // Another node took the row over after our claim ran out; its attempt counts.
        Ok(false) => tracing::info!(event = entry.id, "webhook claim was taken over"),
        // The claim expires and the row is tried again (at least once).
        Err(error) => tracing::warn!(event = entry.id, %error, "webhook outcome not recorded"),
    }
}
