//! Leases of cluster-wide resources (an enterprise's telephony engine, `telephony:<id>`): one
//! holder at a time, taken over once expired or released, with an epoch (fencing token) that
//! grows on every change of owner. An owner's writes call [`assert_epoch`] in their transaction,
//! so a paused or partitioned ex-owner cannot write after a takeover.
//!
//! Acquisition is one conditional `INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING`: on
//! PostgreSQL concurrent attempts on one row queue on its row lock and each re-checks the
//! condition against the committed winner, so exactly one wins per epoch; SQLite has one writer.
//! No advisory locks: they fence nothing once a paused process resumes, and break behind poolers.

use std::time::Duration;

use sentral_domain::Timestamp;

use crate::db::Row;
use crate::rows::{at, flag, int, opt_int, opt_text, text};
use crate::{Connection, StoreError};

/// The fencing token of a lease: grows by one on every change of owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Epoch(i64);

impl Epoch {
    pub const fn new(epoch: i64) -> Self {
        Self(epoch)
    }

    pub const fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for Epoch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A lease row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub resource: String,
    /// The node that holds (or, once released or expired, last held) the lease.
    pub holder: String,
    pub epoch: Epoch,
    pub expires_at: Timestamp,
    /// When this epoch began.
    pub acquired_at: Timestamp,
    pub renewed_at: Timestamp,
    /// Renewals within this epoch.
    pub renewals: i64,
    pub released_at: Option<Timestamp>,
    /// The holder of the epoch before this one.
    pub previous_holder: Option<String>,
    /// This epoch began by taking over an expired lease (its holder did not release it).
    pub taken_over: bool,
}

impl Lease {
    /// Held at `now`: not released and not expired.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.released_at.is_none() && self.expires_at > now
    }
}

/// How [`try_acquire`] came to hold a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseChange {
    /// No row before: the first epoch.
    New,
    /// This node held it already: renewed, the epoch unchanged.
    Kept,
    /// Its holder had released it.
    AfterRelease,
    /// Its holder let it expire (died, paused or cut off): a takeover.
    TakenOver { from: String },
}

/// A lease this node now holds, and how it got it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acquired {
    pub lease: Lease,
    pub change: LeaseChange,
}

fn lease_from(row: &Row) -> Result<Lease, StoreError> {
    Ok(Lease {
        resource: text(row, "resource")?,
        holder: text(row, "holder")?,
        epoch: Epoch(int(row, "epoch")?),
        expires_at: at(row, "expires_at")?,
        acquired_at: at(row, "acquired_at")?,
        renewed_at: at(row, "renewed_at")?,
        renewals: int(row, "renewals")?,
        released_at: opt_int(row, "released_at")?.map(Timestamp::from_millis),
        previous_holder: opt_text(row, "previous_holder")?,
        taken_over: flag(row, "taken_over")?,
    })
}

fn expiry(now: Timestamp, ttl: Duration) -> Timestamp {
    let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
    Timestamp::from_millis(now.millis().saturating_add(ttl))
}

fn lost(resource: &str, epoch: Epoch) -> StoreError {
    StoreError::LeaseLost {
        resource: resource.to_owned(),
        epoch: epoch.get(),
    }
}

/// Takes `resource` for `node` until `now + ttl` if it is free (no row, expired or released:
/// a new epoch) or already held by `node` (renewed, the same epoch); `None` while another node
/// holds it. `now` is the wall clock all nodes share.
pub async fn try_acquire(
    conn: &mut Connection,
    resource: &str,
    node: &str,
    ttl: Duration,
    now: Timestamp,
) -> Result<Option<Acquired>, StoreError> {
    // "Kept" = live and held by this node already: `excluded.renewed_at` is `now`. SET sees the
    // row as it was before this statement on both backends.
    let row = crate::db::query(
        "INSERT INTO cluster_leases (resource, holder, epoch, expires_at, acquired_at, \
         renewed_at, renewals, released_at, previous_holder, taken_over) \
         VALUES ($1, $2, 1, $3, $4, $4, 0, NULL, NULL, 0) \
         ON CONFLICT (resource) DO UPDATE SET \
         epoch = CASE WHEN cluster_leases.holder = excluded.holder \
           AND cluster_leases.released_at IS NULL \
           AND cluster_leases.expires_at > excluded.renewed_at \
           THEN cluster_leases.epoch ELSE cluster_leases.epoch + 1 END, \
         acquired_at = CASE WHEN cluster_leases.holder = excluded.holder \
           AND cluster_leases.released_at IS NULL \
           AND cluster_leases.expires_at > excluded.renewed_at \
           THEN cluster_leases.acquired_at ELSE excluded.acquired_at END, \
         renewals = CASE WHEN cluster_leases.holder = excluded.holder \
           AND cluster_leases.released_at IS NULL \
           AND cluster_leases.expires_at > excluded.renewed_at \
           THEN cluster_leases.renewals + 1 ELSE 0 END, \
         previous_holder = CASE WHEN cluster_leases.holder = excluded.holder \
           AND cluster_leases.released_at IS NULL \
           AND cluster_leases.expires_at > excluded.renewed_at \
           THEN cluster_leases.previous_holder ELSE cluster_leases.holder END, \
         taken_over = CASE WHEN cluster_leases.holder = excluded.holder \
           AND cluster_leases.released_at IS NULL \
           AND cluster_leases.expires_at > excluded.renewed_at \
           THEN cluster_leases.taken_over \
           WHEN cluster_leases.released_at IS NULL THEN 1 ELSE 0 END, \
         holder = excluded.holder, \
         expires_at = excluded.expires_at, \
         renewed_at = excluded.renewed_at, \
         released_at = NULL \
         WHERE cluster_leases.holder = excluded.holder \
           OR cluster_leases.released_at IS NOT NULL \
           OR cluster_leases.expires_at <= excluded.renewed_at \
         RETURNING *",
    )
    .bind(resource)
    .bind(node)
    .bind(expiry(now, ttl).millis())
    .bind(now.millis())
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let lease = lease_from(&row)?;
    let change = if lease.renewals > 0 {
        LeaseChange::Kept
    } else {
        match (&lease.previous_holder, lease.taken_over) {
            (None, _) => LeaseChange::New,
            (Some(from), true) => LeaseChange::TakenOver { from: from.clone() },
            (Some(_), false) => LeaseChange::AfterRelease,
        }
    };
    Ok(Some(Acquired { lease, change }))
}

/// Extends the lease `node` holds at `epoch` to `now + ttl`. [`StoreError::LeaseLost`] when the
/// epoch moved, the lease was released, or it expired before this renewal (then it is lost even
/// if nobody took it yet: the holder acquires it again, under a new epoch).
pub async fn renew(
    conn: &mut Connection,
    resource: &str,
    node: &str,
    epoch: Epoch,
    ttl: Duration,
    now: Timestamp,
) -> Result<Lease, StoreError> {
    let row = crate::db::query(
        "UPDATE cluster_leases SET expires_at = $4, renewed_at = $5, renewals = renewals + 1 \
         WHERE resource = $1 AND holder = $2 AND epoch = $3 AND released_at IS NULL \
         AND expires_at > $5 RETURNING *",
    )
    .bind(resource)
    .bind(node)
    .bind(epoch.get())
    .bind(expiry(now, ttl).millis())
    .bind(now.millis())
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) => lease_from(&row),
        None => Err(lost(resource, epoch)),
    }
}

/// Gives the lease up at once (graceful shutdown) so another node need not wait for its
/// expiry; returns whether `node` still held it at `epoch`.
pub async fn release(
    conn: &mut Connection,
    resource: &str,
    node: &str,
    epoch: Epoch,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE cluster_leases SET released_at = $4, expires_at = $4 \
         WHERE resource = $1 AND holder = $2 AND epoch = $3 AND released_at IS NULL",
    )
    .bind(resource)
    .bind(node)
    .bind(epoch.get())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The lease row of `resource`, live or not.
pub async fn current(conn: &mut Connection, resource: &str) -> Result<Option<Lease>, StoreError> {
    crate::db::query("SELECT * FROM cluster_leases WHERE resource = $1")
        .bind(resource)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(lease_from)
        .transpose()
}

/// The leases `node` holds and has not released, by resource (some may have expired: see
/// [`Lease::is_live`]).
pub async fn held_by(conn: &mut Connection, node: &str) -> Result<Vec<Lease>, StoreError> {
    crate::db::query(
        "SELECT * FROM cluster_leases WHERE holder = $1 AND released_at IS NULL \
         ORDER BY resource",
    )
    .bind(node)
    .fetch_all(conn)
    .await?
    .iter()
    .map(lease_from)
    .collect()
}

/// The fence: call it inside the owner's write transaction, before its writes. It fails with
/// [`StoreError::LeaseLost`] unless `node` holds `resource` at `epoch`, and on PostgreSQL it
/// locks the lease row until the transaction ends, so no takeover commits in between (a
/// takeover that committed first moves the epoch and this fails). SQLite's single writer
/// serialises the same way. Expiry is not checked: a write under an expired lease that nobody
/// took yet is still the only owner's, and a later takeover sees it and moves the epoch.
pub async fn assert_epoch(
    conn: &mut Connection,
    resource: &str,
    node: &str,
    epoch: Epoch,
) -> Result<(), StoreError> {
    // An UPDATE that changes nothing but must match one row: it row-locks on PostgreSQL and
    // re-checks the condition against a concurrently committed takeover.
    let done = crate::db::query(
        "UPDATE cluster_leases SET epoch = epoch \
         WHERE resource = $1 AND holder = $2 AND epoch = $3 AND released_at IS NULL",
    )
    .bind(resource)
    .bind(node)
    .bind(epoch.get())
    .execute(conn)
    .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(lost(resource, epoch))
    }
}
