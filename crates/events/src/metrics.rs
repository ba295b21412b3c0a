//! Counters of the delivery layer, read by the `/metrics` endpoint.

use std::sync::atomic::{AtomicU64, Ordering};

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HubMetrics {
    /// Monitors currently alive.
    pub monitors: u64,
    /// Envelopes addressed to monitors (one per monitor and event, notices excluded).
    pub published: u64,
    /// Webhook deliveries the receiver accepted (2xx).
    pub delivered: u64,
    /// Webhook attempts repeated after a retryable failure.
    pub retried: u64,
    /// Webhook events given up: attempts exhausted, a permanent 4xx, or the queue full.
    pub gave_up: u64,
    /// Streams disconnected because the client fell too far behind.
    pub dropped_streams: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) published: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) retried: AtomicU64,
    pub(crate) gave_up: AtomicU64,
    pub(crate) dropped_streams: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, monitors: u64) -> HubMetrics {
        HubMetrics {
            monitors,
            published: self.published.load(Ordering::Relaxed),
            delivered: self.delivered.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            gave_up: self.gave_up.load(Ordering::Relaxed),
            dropped_streams: self.dropped_streams.load(Ordering::Relaxed),
        }
    }
}
