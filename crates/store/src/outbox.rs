//! The webhook outbox: one row per (monitor, event) to POST, claimed for a while by one node,
//! then marked delivered, rescheduled or given up. Any node may claim any row; a monitor's rows
//! are claimed one at a time in `seq` order (only the oldest pending row of a monitor is
//! claimable), so a later event never overtakes an earlier one that is still being tried.
//!
//! Claims are leases (`claimed_by` until `claimed_until`): a node that dies mid-delivery leaves a
//! claim that expires, and another node claims the row again (at least once, never lost).
//! Finishing a row (reschedule, give up) is conditional on still holding its claim, so a node
//! that was paused past its claim cannot undo the work of the node that took it over.

use sentral_domain::Timestamp;

use crate::db::{Row, query};
use crate::rows::{at, int, opt_int, opt_text, text};
use crate::{Backend, Connection, StoreError};

/// Where one monitor's webhooks go and the secret they are signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTargetRecord {
    pub monitor_id: String,
    pub url: String,
    pub secret: String,
}

/// One event to deliver; `id` is its `eventId`, the `webhook-id` of every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub id: String,
    pub monitor_id: String,
    pub seq: i64,
    pub url: String,
    /// The exact JSON body POSTed on every attempt.
    pub body: String,
    /// The monitor's last event (`MonitorEnded`): its target may go once nothing is left.
    pub last: bool,
}

/// A delivery claimed by one node until `claimed_until`, with what is needed to sign it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    pub id: String,
    pub monitor_id: String,
    pub seq: i64,
    pub url: String,
    pub body: String,
    /// Attempts made before this claim.
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub claimed_until: Timestamp,
    /// `None` when the monitor's target row is missing (the delivery cannot be signed).
    pub secret: Option<String>,
}

/// A row as stored, for tests and operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: String,
    pub monitor_id: String,
    pub seq: i64,
    pub url: String,
    pub body: String,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub gave_up_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

/// Stores a monitor's target (or its new URL and secret); call it before the monitor's first
/// delivery. A target that ended stays ended: with replicated monitors every node registers the
/// same target, and a late registration must not revive one another node ended.
pub async fn register_target(
    conn: &mut Connection,
    target: &WebhookTargetRecord,
    now: Timestamp,
) -> Result<(), StoreError> {
    query(
        "INSERT INTO webhook_targets (monitor_id, url, secret, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (monitor_id) DO UPDATE SET url = excluded.url, secret = excluded.secret",
    )
    .bind(&target.monitor_id)
    .bind(&target.url)
    .bind(&target.secret)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds deliveries, due at `now`, inside the caller's transaction. An id already stored is left
/// as it is (enqueueing again is harmless). Answers how many rows were added.
pub async fn enqueue(
    conn: &mut Connection,
    deliveries: &[NewDelivery],
    now: Timestamp,
) -> Result<u64, StoreError> {
    let mut added = 0;
    for delivery in deliveries {
        added += query(
            "INSERT INTO webhook_outbox (id, monitor_id, seq, url, body, next_attempt_at, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING",
        )
        .bind(&delivery.id)
        .bind(&delivery.monitor_id)
        .bind(delivery.seq)
        .bind(&delivery.url)
        .bind(&delivery.body)
        .bind(now.millis())
        .execute(conn)
        .await?
        .rows_affected();
        if delivery.last {
            query("UPDATE webhook_targets SET ended_at = $1 WHERE monitor_id = $2")
                .bind(now.millis())
                .bind(&delivery.monitor_id)
                .execute(conn)
                .await?;
        }
    }
    Ok(added)
}

/// The rows a claim may take: pending, due, not claimed by anyone now, and the oldest pending
/// row of their monitor. `$1` is now.
const CLAIMABLE_WHERE: &str = "o.delivered_at IS NULL AND o.gave_up_at IS NULL \
     AND o.next_attempt_at <= $1 AND (o.claimed_until IS NULL OR o.claimed_until <= $1) \
     AND NOT EXISTS (SELECT 1 FROM webhook_outbox e WHERE e.monitor_id = o.monitor_id \
         AND e.seq < o.seq AND e.delivered_at IS NULL AND e.gave_up_at IS NULL)";

/// Whether a claim at `now` would find a row: a read that spares an idle node's poll the write
/// transaction of [`claim`].
pub async fn any_due(conn: &mut Connection, now: Timestamp) -> Result<bool, StoreError> {
    let sql = format!("SELECT 1 AS due FROM webhook_outbox o WHERE {CLAIMABLE_WHERE} LIMIT 1");
    let row = query(crate::db::AssertSqlSafe(sql))
        .bind(now.millis())
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// Claims up to `limit` due deliveries for `node` until `claimed_until`, at most one per monitor
/// (its oldest pending one). Run it in a write transaction and commit before delivering.
/// PostgreSQL skips rows other claimers have locked (`FOR UPDATE SKIP LOCKED`); SQLite has one
/// writer, so the update is the claim.
pub async fn claim(
    conn: &mut Connection,
    node: &str,
    now: Timestamp,
    claimed_until: Timestamp,
    limit: i64,
) -> Result<Vec<ClaimedDelivery>, StoreError> {
    let lock = match conn.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE webhook_outbox SET claimed_by = $2, claimed_until = $3 \
         WHERE id IN (SELECT o.id FROM webhook_outbox o WHERE {CLAIMABLE_WHERE} \
         ORDER BY o.next_attempt_at, o.seq LIMIT $4{lock}) \
         RETURNING id, monitor_id, seq, url, body, attempts, next_attempt_at, claimed_until"
    );
    let rows = query(crate::db::AssertSqlSafe(sql))
        .bind(now.millis())
        .bind(node)
        .bind(claimed_until.millis())
        .bind(limit.max(0))
        .fetch_all(conn)
        .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in &rows {
        let monitor_id = text(row, "monitor_id")?;
        let secret = query("SELECT secret FROM webhook_targets WHERE monitor_id = $1")
            .bind(&monitor_id)
            .fetch_optional(conn)
            .await?
            .map(|row| text(&row, "secret"))
            .transpose()?;
        claimed.push(ClaimedDelivery {
            id: text(row, "id")?,
            monitor_id,
            seq: int(row, "seq")?,
            url: text(row, "url")?,
            body: text(row, "body")?,
            attempts: int(row, "attempts")?,
            next_attempt_at: at(row, "next_attempt_at")?,
            claimed_until: at(row, "claimed_until")?,
            secret,
        });
    }
    // RETURNING gives no order; deliver the longest-waiting first.
    claimed.sort_by_key(|delivery| (delivery.next_attempt_at, delivery.seq));
    Ok(claimed)
}

/// Marks a delivery accepted by its receiver (whoever holds the claim now: it was delivered).
/// Answers false when it had already been finished.
pub async fn mark_delivered(
    conn: &mut Connection,
    id: &str,
    attempts: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = query(
        "UPDATE webhook_outbox SET delivered_at = $1, attempts = $2, claimed_by = NULL, \
         claimed_until = NULL, last_error = NULL \
         WHERE id = $3 AND delivered_at IS NULL AND gave_up_at IS NULL",
    )
    .bind(now.millis())
    .bind(attempts)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Releases `node`'s claim after a failed attempt: the next attempt is due at `next_attempt_at`.
/// Answers false when `node` no longer holds the claim (someone took the row over).
pub async fn reschedule(
    conn: &mut Connection,
    id: &str,
    node: &str,
    attempts: i64,
    next_attempt_at: Timestamp,
    error: &str,
) -> Result<bool, StoreError> {
    let done = query(
        "UPDATE webhook_outbox SET attempts = $1, next_attempt_at = $2, last_error = $3, \
         claimed_by = NULL, claimed_until = NULL \
         WHERE id = $4 AND claimed_by = $5 AND delivered_at IS NULL AND gave_up_at IS NULL",
    )
    .bind(attempts)
    .bind(next_attempt_at.millis())
    .bind(error)
    .bind(id)
    .bind(node)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a delivery up (refused, or out of attempts); the monitor's next row becomes claimable.
/// Answers false when `node` no longer holds the claim.
pub async fn give_up(
    conn: &mut Connection,
    id: &str,
    node: &str,
    attempts: i64,
    now: Timestamp,
    error: &str,
) -> Result<bool, StoreError> {
    let done = query(
        "UPDATE webhook_outbox SET gave_up_at = $1, attempts = $2, last_error = $3, \
         claimed_by = NULL, claimed_until = NULL \
         WHERE id = $4 AND claimed_by = $5 AND delivered_at IS NULL AND gave_up_at IS NULL",
    )
    .bind(now.millis())
    .bind(attempts)
    .bind(error)
    .bind(id)
    .bind(node)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Releases every claim `node` holds on pending rows (it is stopping): they are claimable again
/// at once. Answers how many.
pub async fn release_claims(conn: &mut Connection, node: &str) -> Result<u64, StoreError> {
    let done = query(
        "UPDATE webhook_outbox SET claimed_by = NULL, claimed_until = NULL \
         WHERE claimed_by = $1 AND delivered_at IS NULL AND gave_up_at IS NULL",
    )
    .bind(node)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes deliveries finished (delivered or given up) before `before`, then the targets of
/// ended monitors with no delivery left. Answers the deliveries deleted.
pub async fn purge_finished(conn: &mut Connection, before: Timestamp) -> Result<u64, StoreError> {
    let deleted = query(
        "DELETE FROM webhook_outbox WHERE (delivered_at IS NOT NULL AND delivered_at < $1) \
         OR (gave_up_at IS NOT NULL AND gave_up_at < $1)",
    )
    .bind(before.millis())
    .execute(conn)
    .await?
    .rows_affected();
    query(
        "DELETE FROM webhook_targets WHERE ended_at IS NOT NULL AND ended_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM webhook_outbox o \
             WHERE o.monitor_id = webhook_targets.monitor_id)",
    )
    .bind(before.millis())
    .execute(conn)
    .await?;
    Ok(deleted)
}

/// Pending deliveries (neither delivered nor given up), for metrics and readiness.
pub async fn pending_count(conn: &mut Connection) -> Result<i64, StoreError> {
    let row = query(
        "SELECT COUNT(*) AS n FROM webhook_outbox WHERE delivered_at IS NULL AND gave_up_at IS NULL",
    )
    .fetch_one(conn)
    .await?;
    int(&row, "n")
}

/// One monitor's deliveries in `seq` order.
pub async fn deliveries_of(
    conn: &mut Connection,
    monitor_id: &str,
) -> Result<Vec<DeliveryRecord>, StoreError> {
    query("SELECT * FROM webhook_outbox WHERE monitor_id = $1 ORDER BY seq")
        .bind(monitor_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(record_from)
        .collect()
}

/// A monitor's target, if stored.
pub async fn target(
    conn: &mut Connection,
    monitor_id: &str,
) -> Result<Option<WebhookTargetRecord>, StoreError> {
    query("SELECT monitor_id, url, secret FROM webhook_targets WHERE monitor_id = $1")
        .bind(monitor_id)
        .fetch_optional(conn)
        .await?
        .map(|row| {
            Ok(WebhookTargetRecord {
                monitor_id: text(&row, "monitor_id")?,
                url: text(&row, "url")?,
                secret: text(&row, "secret")?,
            })
        })
        .transpose()
}

fn record_from(row: &Row) -> Result<DeliveryRecord, StoreError> {
    Ok(DeliveryRecord {
        id: text(row, "id")?,
        monitor_id: text(row, "monitor_id")?,
        seq: int(row, "seq")?,
        url: text(row, "url")?,
        body: text(row, "body")?,
        attempts: int(row, "attempts")?,
        next_attempt_at: at(row, "next_attempt_at")?,
        claimed_by: opt_text(row, "claimed_by")?,
        claimed_until: opt_int(row, "claimed_until")?.map(Timestamp::from_millis),
        delivered_at: opt_int(row, "delivered_at")?.map(Timestamp::from_millis),
        gave_up_at: opt_int(row, "gave_up_at")?.map(Timestamp::from_millis),
        last_error: opt_text(row, "last_error")?,
    })
}
