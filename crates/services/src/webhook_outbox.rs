//! The webhook outbox of the events crate over the store (`sentral_store::outbox`): the events
//! crate defines what it needs ([`WebhookOutbox`]) and stays free of the store; this is the one
//! place that joins them.

use std::sync::Arc;

use sentral_domain::Timestamp;
use sentral_domain::secret::Secret;
use sentral_events::outbox::{ClaimedEntry, OutboxEntry, OutboxFuture, OutboxTarget};
use sentral_events::{OutboxError, WebhookOutbox};
use sentral_store::outbox::{self, NewDelivery, WebhookTargetRecord};
use sentral_store::{DbError, Store, StoreError};

/// The outbox in the platform's store (PostgreSQL in a cluster, so every node sees every row).
pub struct StoreOutbox {
    store: Arc<Store>,
}

impl StoreOutbox {
    pub fn new(store: Arc<Store>) -> Self {
        Self { store }
    }
}

fn outbox_error(error: StoreError) -> OutboxError {
    match error {
        StoreError::Database(DbError::Closed) => OutboxError::Closed,
        StoreError::Database(_)
        | StoreError::DataDirInUse(_)
        | StoreError::DataDir { .. }
        | StoreError::Conflict { .. }
        | StoreError::Corrupt(_)
        | StoreError::Migration { .. }
        | StoreError::LeaseLost { .. } => OutboxError::Unavailable(error.to_string()),
    }
}

fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Attempts as counted by the worker (a count small enough for `u32`).
fn attempts_of(value: i64) -> u32 {
    u32::try_from(value.max(0)).unwrap_or(u32::MAX)
}

impl WebhookOutbox for StoreOutbox {
    fn enqueue<'a>(
        &'a self,
        targets: &'a [OutboxTarget],
        entries: &'a [OutboxEntry],
        now: Timestamp,
    ) -> OutboxFuture<'a, ()> {
        Box::pin(async move {
            let deliveries: Vec<NewDelivery> = entries
                .iter()
                .map(|entry| NewDelivery {
                    id: entry.id.clone(),
                    monitor_id: entry.monitor_id.clone(),
                    seq: int(entry.seq),
                    url: entry.url.clone(),
                    body: entry.body.clone(),
                    last: entry.last,
                })
                .collect();
            let mut tx = self.store.write().await.map_err(outbox_error)?;
            for target in targets {
                let record = WebhookTargetRecord {
                    monitor_id: target.monitor_id.clone(),
                    url: target.url.clone(),
                    secret: target.secret.expose().to_owned(),
                };
                outbox::register_target(&mut tx, &record, now)
                    .await
                    .map_err(outbox_error)?;
            }
            outbox::enqueue(&mut tx, &deliveries, now)
                .await
                .map_err(outbox_error)?;
            tx.commit().await.map_err(outbox_error)
        })
    }

    fn claim<'a>(
        &'a self,
        node: &'a str,
        now: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> OutboxFuture<'a, Vec<ClaimedEntry>> {
        Box::pin(async move {
            let mut conn = self.store.read().await.map_err(outbox_error)?;
            if !outbox::any_due(&mut conn, now)
                .await
                .map_err(outbox_error)?
            {
                return Ok(Vec::new());
            }
            drop(conn);
            let mut tx = self.store.write().await.map_err(outbox_error)?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let claimed = outbox::claim(&mut tx, node, now, until, limit)
                .await
                .map_err(outbox_error)?;
            tx.commit().await.map_err(outbox_error)?;
            Ok(claimed
                .into_iter()
                .map(|delivery| ClaimedEntry {
                    id: delivery.id,
                    monitor_id: delivery.monitor_id,
                    seq: u64::try_from(delivery.seq).unwrap_or_default(),
                    url: delivery.url,
                    body: delivery.body,
                    attempts: attempts_of(delivery.attempts),
                    secret: delivery.secret.map(Secret::new),
                })
                .collect())
        })
    }

    fn delivered<'a>(&'a self, id: &'a str, attempts: u32, now: Timestamp) -> OutboxFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.store.read().await.map_err(outbox_error)?;
            outbox::mark_delivered(&mut conn, id, i64::from(attempts), now)
                .await
                .map_err(outbox_error)?;
            Ok(())
        })
    }

    fn reschedule<'a>(
        &'a self,
        id: &'a str,
        node: &'a str,
        attempts: u32,
        next_attempt_at: Timestamp,
        error: &'a str,
    ) -> OutboxFuture<'a, bool> {
        Box::pin(async move {
            let mut conn = self.store.read().await.map_err(outbox_error)?;
            outbox::reschedule(
                &mut conn,
                id,
                node,
                i64::from(attempts),
                next_attempt_at,
                error,
            )
            .await
            .map_err(outbox_error)
        })
    }

    fn give_up<'a>(
        &'a self,
        id: &'a str,
        node: &'a str,
        attempts: u32,
        now: Timestamp,
        error: &'a str,
    ) -> OutboxFuture<'a, bool> {
        Box::pin(async move {
            let mut conn = self.store.read().await.map_err(outbox_error)?;
            outbox::give_up(&mut conn, id, node, i64::from(attempts), now, error)
                .await
                .map_err(outbox_error)
        })
    }

    fn release<'a>(&'a self, node: &'a str) -> OutboxFuture<'a, u64> {
        Box::pin(async move {
            let mut conn = self.store.read().await.map_err(outbox_error)?;
            outbox::release_claims(&mut conn, node)
                .await
                .map_err(outbox_error)
        })
    }
}

impl crate::Platform {
    /// Starts this node's webhook delivery from the outbox (once; later calls do nothing), so it
    /// also delivers what other nodes enqueued. `sentral serve` calls it at start-up; a monitor
    /// with a webhook starts it too. Answers whether webhooks go through the outbox.
    pub fn start_webhook_delivery(&self) -> bool {
        self.monitor_hub().start_webhook_delivery()
    }

    /// Before the node stops (and before the store closes): writes the webhook events still
    /// queued, lets attempts in flight finish and releases this node's claims, within `within`.
    pub async fn stop_webhook_delivery(&self, within: std::time::Duration) {
        self.monitor_hub().stop_webhook_delivery(within).await;
    }
}
