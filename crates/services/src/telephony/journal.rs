//! The journal of an engine that runs under a lease (PostgreSQL). The engine is deterministic,
//! so its state is its inputs: each accepted input (command, network signal, directory change,
//! a tick that fires timers) is stored with the enterprise's next sequence, in the transaction
//! fenced by the lease's epoch, before its events go out and before its caller is answered. Every
//! [`SNAPSHOT_EVERY`] entries the whole engine is stored beside it. A new owner restores the last
//! snapshot and replays what follows it — calls in progress survive their owner's death — and
//! continues the numbering of the events, so monitors on other nodes see no gap.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use sentral_domain::Timestamp;
use sentral_engine::{CstaError, Engine, EngineState, Input, Outcome, SystemAgentChange};
use sentral_events::EventOrder;
use sentral_store::telephony_journal::{
    self as stored, EngineSnapshotRecord, JournalEntry, JournalKind,
};
use sentral_store::{Store, StoreError};

use crate::ServiceError;
use crate::cluster::OwnedLease;

/// Entries between two snapshots: bounds what a new owner replays.
const SNAPSHOT_EVERY: i64 = 64;
/// How long an applied command stays in the journal after a snapshot covers it, so that a retry
/// with its idempotency key (forwarded from another node) is answered, not applied again.
const KEEP_ANSWERS_MILLIS: i64 = 10 * 60 * 1000;

/// A service's answer, as the engine gave it.
pub(crate) type Answer = Result<Outcome, CstaError>;

/// One journalled step as stored in the entry's `input` column.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JournalledStep {
    /// The engine's time before the step: ticks that fire no timer are not journalled, yet
    /// they move the engine's clock, which the replay restores first.
    engine_now: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input: Option<Input>,
}

/// What a step changed, to be journalled.
pub(crate) enum Entry<'a> {
    Input {
        input: &'a Input,
        key: Option<&'a str>,
        answer: &'a Answer,
    },
    Tick,
}

/// Why a journal write failed: either way the step is not acknowledged and the engine stops
/// (its memory is ahead of the record), to be restored from the journal by whoever owns it next.
#[derive(Debug)]
pub(crate) enum JournalError {
    LeaseLost,
    Store(StoreError),
}

impl From<StoreError> for JournalError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::LeaseLost { .. } => JournalError::LeaseLost,
            other => JournalError::Store(other),
        }
    }
}

/// What lets a journal write: its engine's lease, and no sandbox reset on this node since the
/// journal was opened. A reset empties the leases, so their epochs start over: the store alone
/// cannot tell an engine from before the reset from this node's next one of the enterprise.
pub(crate) struct Fence {
    pub lease: OwnedLease,
    /// This node's count of sandbox resets, and its value when the journal was opened.
    pub resets: Arc<AtomicU64>,
    pub opened_at: u64,
}

impl Fence {
    /// The lease's fence in the write transaction, then both checked again now that the lease's
    /// row is locked: a lease released in memory meanwhile (a reset, a hand-over) writes nothing.
    async fn check(&self, tx: &mut sentral_store::Connection) -> Result<(), JournalError> {
        self.lease.fence(tx).await?;
        if !self.lease.is_held() || self.resets.load(Ordering::Acquire) != self.opened_at {
            return Err(JournalError::LeaseLost);
        }
        Ok(())
    }
}

/// The running engine's end of its journal.
pub(crate) struct Journal {
    enterprise_id: String,
    node: String,
    fence: Fence,
    /// The sequence of the last entry stored (0 before the first).
    seq: i64,
    /// The ordering key of the last event of this enterprise: continued across owners.
    events: EventOrder,
    since_snapshot: i64,
    /// Idempotency keys applied by this run, with their answers.
    answered: HashMap<String, Answer>,
    /// The node's count of entries not yet covered by a snapshot (`/metrics`).
    lag: Arc<AtomicU64>,
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.set_since_snapshot(0);
    }
}

/// An engine restored, or started afresh, under a lease.
pub(crate) struct Recovered {
    pub engine: Engine,
    pub journal: Journal,
    /// False for the first start of the enterprise's journal.
    pub restored: bool,
    /// Entries replayed after the snapshot.
    pub replayed: usize,
}

impl Journal {
    fn set_since_snapshot(&mut self, entries: i64) {
        let (before, after) = (self.since_snapshot.max(0) as u64, entries.max(0) as u64);
        if after >= before {
            self.lag.fetch_add(after - before, Ordering::Relaxed);
        } else {
            self.lag.fetch_sub(before - after, Ordering::Relaxed);
        }
        self.since_snapshot = entries;
    }

    /// The ordering key of the last event published for the enterprise.
    pub(crate) fn last_event(&self) -> EventOrder {
        self.events
    }

    /// The answer given to a command with `key` before, by this run or an earlier owner's.
    pub(crate) async fn answered(
        &self,
        store: &Store,
        key: &str,
    ) -> Result<Option<Answer>, JournalError> {
        if let Some(answer) = self.answered.get(key) {
            return Ok(Some(answer.clone()));
        }
        let mut conn = store.read().await?;
        let Some(entry) = stored::by_idempotency_key(&mut conn, &self.enterprise_id, key).await?
        else {
            return Ok(None);
        };
        Ok(entry
            .outcome
            .as_deref()
            .and_then(|text| serde_json::from_str::<Answer>(text).ok()))
    }

    /// Stores one step, with the agent states the engine set itself, fenced by the lease: only
    /// once this returns may its events go out and its caller be answered.
    pub(crate) async fn record(
        &mut self,
        store: &Store,
        engine: &Engine,
        (at, engine_now): (Timestamp, Timestamp),
        entry: Entry<'_>,
        events: usize,
        agent_changes: &[SystemAgentChange],
    ) -> Result<(), JournalError> {
        let seq = self.seq + 1;
        let event_seq = self.events.seq + events as u64;
        let (kind, input, key, outcome) = match &entry {
            Entry::Input { input, key, answer } => (
                JournalKind::Input,
                Some((*input).clone()),
                key.map(str::to_owned),
                Some(encode(answer)),
            ),
            Entry::Tick => (JournalKind::Tick, None, None, None),
        };
        let step = encode(&JournalledStep { engine_now, input });
        let mut tx = store.write().await?;
        self.fence.check(&mut tx).await?;
        for change in agent_changes {
            sentral_store::directory::queues::set_agent_state(
                &mut tx,
                &change.queue_id,
                &change.member_id,
                &change.state,
                at,
            )
            .await?;
        }
        stored::append(
            &mut tx,
            &JournalEntry {
                enterprise_id: self.enterprise_id.clone(),
                seq,
                epoch: self.fence.lease.epoch(),
                node_id: self.node.clone(),
                at,
                kind,
                input: Some(step),
                idempotency_key: key.clone(),
                outcome,
                event_key: to_stored(event_seq),
            },
        )
        .await?;
        let snapshot = self.since_snapshot + 1 >= SNAPSHOT_EVERY;
        if snapshot {
            self.write_snapshot(&mut tx, engine, seq, event_seq, at)
                .await?;
        }
        tx.commit().await?;
        self.seq = seq;
        self.events.seq = event_seq;
        self.set_since_snapshot(if snapshot { 0 } else { self.since_snapshot + 1 });
        if let (Some(key), Entry::Input { answer, .. }) = (key, entry) {
            self.answered.insert(key, answer.clone());
        }
        Ok(())
    }

    /// Stores a monitor control the engine dispatches: it takes one ordering key of the
    /// enterprise's events, which a new owner must not use again.
    pub(crate) async fn record_monitor(
        &mut self,
        store: &Store,
        engine: &Engine,
        control: &sentral_events::MonitorControl,
        at: Timestamp,
    ) -> Result<(), JournalError> {
        let seq = self.seq + 1;
        let event_seq = self.events.seq + 1;
        let mut tx = store.write().await?;
        self.fence.check(&mut tx).await?;
        stored::append(
            &mut tx,
            &JournalEntry {
                enterprise_id: self.enterprise_id.clone(),
                seq,
                epoch: self.fence.lease.epoch(),
                node_id: self.node.clone(),
                at,
                kind: JournalKind::Monitor,
                input: Some(encode(control)),
                idempotency_key: None,
                outcome: None,
                event_key: to_stored(event_seq),
            },
        )
        .await?;
        let snapshot = self.since_snapshot + 1 >= SNAPSHOT_EVERY;
        if snapshot {
            self.write_snapshot(&mut tx, engine, seq, event_seq, at)
                .await?;
        }
        tx.commit().await?;
        self.seq = seq;
        self.events.seq = event_seq;
        self.set_since_snapshot(if snapshot { 0 } else { self.since_snapshot + 1 });
        Ok(())
    }

    /// Stores the engine as it is now (a takeover's starting point), fenced by the lease.
    pub(crate) async fn checkpoint(
        &mut self,
        store: &Store,
        engine: &Engine,
        now: Timestamp,
    ) -> Result<(), JournalError> {
        let mut tx = store.write().await?;
        self.fence.check(&mut tx).await?;
        self.write_snapshot(&mut tx, engine, self.seq, self.events.seq, now)
            .await?;
        tx.commit().await?;
        self.set_since_snapshot(0);
        Ok(())
    }

    async fn write_snapshot(
        &self,
        tx: &mut sentral_store::Connection,
        engine: &Engine,
        seq: i64,
        event_seq: u64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        stored::save_snapshot(
            tx,
            &EngineSnapshotRecord {
                enterprise_id: self.enterprise_id.clone(),
                seq,
                epoch: self.fence.lease.epoch(),
                node_id: self.node.clone(),
                state: encode(&engine.save()),
                event_origin: to_stored(self.events.origin),
                event_key: to_stored(event_seq),
                taken_at: now,
            },
        )
        .await?;
        stored::compact(
            tx,
            &self.enterprise_id,
            seq,
            Timestamp::from_millis(now.millis() - KEEP_ANSWERS_MILLIS),
        )
        .await?;
        Ok(())
    }
}

/// The engine of `enterprise_id` as its journal leaves it: the last snapshot with every later
/// entry replayed (their events discarded: the previous owner published them), or, when the
/// enterprise has no journal yet, a new engine of `config`, checkpointed at once.
pub(crate) async fn recover(
    store: &Store,
    fence: Fence,
    node: &str,
    enterprise_id: &str,
    fresh: impl FnOnce() -> Engine,
    now: Timestamp,
    lag: Arc<AtomicU64>,
) -> Result<Recovered, ServiceError> {
    let mut conn = store.read().await?;
    let snapshot = stored::latest_snapshot(&mut conn, enterprise_id).await?;
    let Some(snapshot) = snapshot else {
        let last = stored::last_seq(&mut conn, enterprise_id).await?;
        drop(conn);
        let engine = fresh();
        let mut journal = Journal {
            enterprise_id: enterprise_id.to_owned(),
            node: node.to_owned(),
            fence,
            seq: last.unwrap_or(0),
            events: EventOrder {
                origin: random_origin(),
                seq: 0,
            },
            since_snapshot: 0,
            answered: HashMap::new(),
            lag,
        };
        if let Err(error) = journal.checkpoint(store, &engine, now).await {
            return Err(start_failed(error, enterprise_id, &journal.fence.lease));
        }
        return Ok(Recovered {
            engine,
            journal,
            restored: false,
            replayed: 0,
        });
    };
    let entries = stored::entries_after(&mut conn, enterprise_id, snapshot.seq).await?;
    drop(conn);
    let state: EngineState = serde_json::from_str(&snapshot.state).map_err(|error| {
        ServiceError::internal(format!(
            "the stored snapshot of enterprise {enterprise_id}'s engine cannot be read: {error}"
        ))
    })?;
    let mut engine = Engine::restore(state).map_err(|error| {
        ServiceError::internal(format!(
            "the stored snapshot of enterprise {enterprise_id}'s engine cannot be restored: {error}"
        ))
    })?;
    let mut seq = snapshot.seq;
    let mut event_seq = from_stored(snapshot.event_key);
    for entry in &entries {
        replay(&mut engine, entry, &mut event_seq)?;
        seq = entry.seq;
    }
    let mut journal = Journal {
        enterprise_id: enterprise_id.to_owned(),
        node: node.to_owned(),
        fence,
        seq,
        events: EventOrder {
            origin: from_stored(snapshot.event_origin),
            seq: event_seq,
        },
        since_snapshot: 0,
        answered: HashMap::new(),
        lag,
    };
    journal.set_since_snapshot(i64::try_from(entries.len()).unwrap_or(SNAPSHOT_EVERY));
    Ok(Recovered {
        engine,
        journal,
        restored: true,
        replayed: entries.len(),
    })
}

/// Applies one stored entry again, as the owner applied it.
fn replay(
    engine: &mut Engine,
    entry: &JournalEntry,
    event_seq: &mut u64,
) -> Result<(), ServiceError> {
    let unreadable = |error: serde_json::Error| {
        ServiceError::internal(format!(
            "journal entry {} of enterprise {} cannot be read: {error}",
            entry.seq, entry.enterprise_id
        ))
    };
    if entry.kind == JournalKind::Monitor {
        // A monitor's control took one ordering key; the engine itself did not change.
        *event_seq = from_stored(entry.event_key);
        return Ok(());
    }
    let step: JournalledStep =
        serde_json::from_str(entry.input.as_deref().unwrap_or("{}")).map_err(unreadable)?;
    if engine.now() < step.engine_now {
        // Ticks that fired nothing moved the clock; they fire nothing now either.
        let _ = engine.tick(step.engine_now);
    }
    let events = match (entry.kind, step.input) {
        (JournalKind::Input, Some(input)) => {
            let replayed = engine.handle(input, entry.at);
            let recorded = entry
                .outcome
                .as_deref()
                .and_then(|text| serde_json::from_str::<Answer>(text).ok());
            if recorded.as_ref() != Some(&replayed.result) {
                tracing::error!(
                    enterprise_id = entry.enterprise_id,
                    seq = entry.seq,
                    "journal replay answered differently than the owner did"
                );
            }
            replayed.events.len()
        }
        _ => engine.tick(entry.at).len(),
    };
    // The previous owner stored these with the entry.
    let _ = engine.take_system_agent_changes();
    *event_seq += events as u64;
    if *event_seq != from_stored(entry.event_key) {
        tracing::error!(
            enterprise_id = entry.enterprise_id,
            seq = entry.seq,
            "journal replay produced another number of events than the owner did"
        );
        *event_seq = from_stored(entry.event_key);
    }
    Ok(())
}

/// A start whose first write failed: lost at once (another node owns it now), or the store.
fn start_failed(error: JournalError, enterprise_id: &str, lease: &OwnedLease) -> ServiceError {
    match error {
        JournalError::LeaseLost => ServiceError::NotOwner {
            enterprise: enterprise_id.to_owned(),
            owner: None,
            retry_after_secs: lease.ttl().as_secs().max(1),
        },
        JournalError::Store(error) => error.into(),
    }
}

fn encode(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// Event keys are u64 on the wire and BIGINT in the store: the same 64 bits.
fn to_stored(value: u64) -> i64 {
    i64::from_ne_bytes(value.to_ne_bytes())
}

fn from_stored(value: i64) -> u64 {
    u64::from_ne_bytes(value.to_ne_bytes())
}

fn random_origin() -> u64 {
    getrandom::u64().unwrap_or_else(|_| std::process::id().into())
}
