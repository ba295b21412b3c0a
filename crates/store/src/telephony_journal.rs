//! The telephony journal: what lets an enterprise's calls survive the death of the node that
//! runs its engine. The owner appends each accepted input (and each tick) in the transaction
//! fenced by [`crate::leases::assert_epoch`], before it publishes the input's events and answers;
//! now and then it saves the engine's whole state as a snapshot. A new owner restores the
//! latest snapshot and replays [`entries_after`] its `seq`.
//!
//! The store keeps inputs, outcomes and states as the JSON text the engine writes: it neither
//! reads nor checks them.

use sentral_domain::Timestamp;

use crate::db::{Row, query};
use crate::leases::Epoch;
use crate::rows::{at, int, opt_int, opt_text, text};
use crate::{Connection, StoreError};

/// What a journal entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JournalKind {
    /// An input handled by the engine (`input` holds its JSON, `outcome` the answer's).
    Input,
    /// A tick of the engine's clock.
    Tick,
    /// A monitor's lifecycle, numbered among the enterprise's events (`input` holds it).
    Monitor,
}

impl JournalKind {
    /// The stored name: `input`, `tick` or `monitor`.
    pub const fn as_str(self) -> &'static str {
        match self {
            JournalKind::Input => "input",
            JournalKind::Tick => "tick",
            JournalKind::Monitor => "monitor",
        }
    }

    fn parse(stored: &str) -> Option<Self> {
        match stored {
            "input" => Some(JournalKind::Input),
            "tick" => Some(JournalKind::Tick),
            "monitor" => Some(JournalKind::Monitor),
            _ => None,
        }
    }
}

/// One step of an enterprise's engine, as journaled by the owner at `epoch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub enterprise_id: String,
    /// 1, 2, … per enterprise, without gaps; the snapshot's `seq` counts the same way.
    pub seq: i64,
    /// The lease epoch of the owner that wrote it.
    pub epoch: Epoch,
    /// The node that wrote it.
    pub node_id: String,
    /// The engine's `now` for this step; also stored as the entry's `recorded_at`, which
    /// [`compact`] compares with its `keep_since`.
    pub at: Timestamp,
    pub kind: JournalKind,
    /// The JSON of the engine input (for [`JournalKind::Input`]).
    pub input: Option<String>,
    /// The caller's idempotency key: unique per enterprise while the entry is kept.
    pub idempotency_key: Option<String>,
    /// The JSON of the answer given to the caller.
    pub outcome: Option<String>,
    /// The last event ordering key once this entry's events are published.
    pub event_key: i64,
}

/// The latest saved state of an enterprise's engine, taken after journal entry `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSnapshotRecord {
    pub enterprise_id: String,
    /// The last journal entry the state includes: replay starts after it.
    pub seq: i64,
    pub epoch: Epoch,
    pub node_id: String,
    /// The JSON of the engine's state.
    pub state: String,
    /// The run of event numbering the enterprise's engines continue (chosen at the first start).
    pub event_origin: i64,
    /// The last event ordering key at `seq`.
    pub event_key: i64,
    pub taken_at: Timestamp,
}

fn entry_from(row: &Row) -> Result<JournalEntry, StoreError> {
    let kind = text(row, "kind")?;
    Ok(JournalEntry {
        enterprise_id: text(row, "enterprise_id")?,
        seq: int(row, "seq")?,
        epoch: Epoch::new(int(row, "epoch")?),
        node_id: text(row, "node_id")?,
        at: at(row, "at")?,
        kind: JournalKind::parse(&kind)
            .ok_or_else(|| crate::rows::corrupt("telephony journal kind", &kind))?,
        input: opt_text(row, "input")?,
        idempotency_key: opt_text(row, "idempotency_key")?,
        outcome: opt_text(row, "outcome")?,
        event_key: int(row, "event_key")?,
    })
}

fn snapshot_from(row: &Row) -> Result<EngineSnapshotRecord, StoreError> {
    Ok(EngineSnapshotRecord {
        enterprise_id: text(row, "enterprise_id")?,
        seq: int(row, "seq")?,
        epoch: Epoch::new(int(row, "epoch")?),
        node_id: text(row, "node_id")?,
        state: text(row, "state")?,
        event_origin: int(row, "event_origin")?,
        event_key: int(row, "event_key")?,
        taken_at: at(row, "taken_at")?,
    })
}

const ENTRY_COLUMNS: &str = "enterprise_id, seq, epoch, node_id, at, kind, input, \
     idempotency_key, outcome, event_key";

/// Appends `entry` in the caller's transaction (the one fenced by the owner's epoch).
///
/// [`StoreError::Conflict`] when the enterprise already has an entry with this `seq` (checked
/// first) or with this idempotency key. The statement itself does not fail (`ON CONFLICT DO
/// NOTHING`), so the transaction stays usable: a caller may then look the key up with
/// [`by_idempotency_key`] in the same transaction, or commit what it wrote before.
pub async fn append(conn: &mut Connection, entry: &JournalEntry) -> Result<(), StoreError> {
    let done = query(
        "INSERT INTO telephony_journal (enterprise_id, seq, epoch, node_id, at, kind, input, \
         idempotency_key, outcome, event_key, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $5) ON CONFLICT DO NOTHING",
    )
    .bind(&entry.enterprise_id)
    .bind(entry.seq)
    .bind(entry.epoch.get())
    .bind(&entry.node_id)
    .bind(entry.at.millis())
    .bind(entry.kind.as_str())
    .bind(entry.input.as_deref())
    .bind(entry.idempotency_key.as_deref())
    .bind(entry.outcome.as_deref())
    .bind(entry.event_key)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let seq_taken =
        query("SELECT 1 AS taken FROM telephony_journal WHERE enterprise_id = $1 AND seq = $2")
            .bind(&entry.enterprise_id)
            .bind(entry.seq)
            .fetch_optional(conn)
            .await?
            .is_some();
    let what = match (&entry.idempotency_key, seq_taken) {
        (Some(key), false) => format!(
            "idempotency key {key:?} in the telephony journal of enterprise {}",
            entry.enterprise_id
        ),
        _ => format!(
            "telephony journal entry {} of enterprise {}",
            entry.seq, entry.enterprise_id
        ),
    };
    Err(StoreError::Conflict { what })
}

/// The enterprise's entries with `seq > after_seq`, in `seq` order.
pub async fn entries_after(
    conn: &mut Connection,
    enterprise_id: &str,
    after_seq: i64,
) -> Result<Vec<JournalEntry>, StoreError> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM telephony_journal WHERE enterprise_id = $1 AND seq > $2 \
         ORDER BY seq"
    );
    query(crate::db::AssertSqlSafe(sql))
        .bind(enterprise_id)
        .bind(after_seq)
        .fetch_all(conn)
        .await?
        .iter()
        .map(entry_from)
        .collect()
}

/// The last `seq` the enterprise's engine reached: the greater of its last journal entry and its
/// snapshot (entries covered by the snapshot may have been compacted away); `None` when it has
/// neither. The next entry is `last_seq + 1`.
pub async fn last_seq(
    conn: &mut Connection,
    enterprise_id: &str,
) -> Result<Option<i64>, StoreError> {
    let row = query(
        "SELECT (SELECT MAX(seq) FROM telephony_journal WHERE enterprise_id = $1) AS journal, \
         (SELECT seq FROM telephony_snapshots WHERE enterprise_id = $1) AS snapshot",
    )
    .bind(enterprise_id)
    .fetch_one(conn)
    .await?;
    let journal = opt_int(&row, "journal")?;
    let snapshot = opt_int(&row, "snapshot")?;
    Ok(journal.max(snapshot))
}

/// The kept entry of the enterprise with this idempotency key.
pub async fn by_idempotency_key(
    conn: &mut Connection,
    enterprise_id: &str,
    key: &str,
) -> Result<Option<JournalEntry>, StoreError> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM telephony_journal \
         WHERE enterprise_id = $1 AND idempotency_key = $2"
    );
    query(crate::db::AssertSqlSafe(sql))
        .bind(enterprise_id)
        .bind(key)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(entry_from)
        .transpose()
}

/// Stores `snapshot` as the enterprise's latest unless the stored one has the same or a later
/// `seq` (a snapshot never goes backwards); answers whether it was stored.
pub async fn save_snapshot(
    conn: &mut Connection,
    snapshot: &EngineSnapshotRecord,
) -> Result<bool, StoreError> {
    let done = query(
        "INSERT INTO telephony_snapshots (enterprise_id, seq, epoch, node_id, state, \
         event_origin, event_key, taken_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (enterprise_id) DO UPDATE SET seq = excluded.seq, epoch = excluded.epoch, \
         node_id = excluded.node_id, state = excluded.state, \
         event_origin = excluded.event_origin, event_key = excluded.event_key, \
         taken_at = excluded.taken_at \
         WHERE telephony_snapshots.seq < excluded.seq",
    )
    .bind(&snapshot.enterprise_id)
    .bind(snapshot.seq)
    .bind(snapshot.epoch.get())
    .bind(&snapshot.node_id)
    .bind(&snapshot.state)
    .bind(snapshot.event_origin)
    .bind(snapshot.event_key)
    .bind(snapshot.taken_at.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The enterprise's latest snapshot.
pub async fn latest_snapshot(
    conn: &mut Connection,
    enterprise_id: &str,
) -> Result<Option<EngineSnapshotRecord>, StoreError> {
    query(
        "SELECT enterprise_id, seq, epoch, node_id, state, event_origin, event_key, taken_at \
         FROM telephony_snapshots WHERE enterprise_id = $1",
    )
    .bind(enterprise_id)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(snapshot_from)
    .transpose()
}

/// Deletes the enterprise's entries up to `through_seq` (those a snapshot covers) that were
/// recorded before `keep_since`: recent ones stay, so a retry still finds its idempotency key.
/// Answers how many were deleted.
pub async fn compact(
    conn: &mut Connection,
    enterprise_id: &str,
    through_seq: i64,
    keep_since: Timestamp,
) -> Result<u64, StoreError> {
    let done = query(
        "DELETE FROM telephony_journal \
         WHERE enterprise_id = $1 AND seq <= $2 AND recorded_at < $3",
    )
    .bind(enterprise_id)
    .bind(through_seq)
    .bind(keep_since.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Forgets every enterprise's journal and snapshot.
pub async fn clear(conn: &mut Connection) -> Result<(), StoreError> {
    query("DELETE FROM telephony_journal")
        .execute(&mut *conn)
        .await?;
    query("DELETE FROM telephony_snapshots")
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets one enterprise's journal and snapshot.
pub async fn clear_enterprise(
    conn: &mut Connection,
    enterprise_id: &str,
) -> Result<(), StoreError> {
    query("DELETE FROM telephony_journal WHERE enterprise_id = $1")
        .bind(enterprise_id)
        .execute(&mut *conn)
        .await?;
    query("DELETE FROM telephony_snapshots WHERE enterprise_id = $1")
        .bind(enterprise_id)
        .execute(conn)
        .await?;
    Ok(())
}
