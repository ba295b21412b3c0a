//! The telephony of every enterprise: one engine per enterprise, owned by one task (an actor)
//! that applies inputs in order and hands each event to the monitor hub. Directory changes
//! (forwarding, absences, plan, queues, terminals) reach a running engine as they commit.

pub mod config;
pub mod csta;
pub mod demo;
pub mod forwarding;
mod journal;
pub mod monitors;
pub mod network;
mod publisher;
pub mod queues;
pub mod sessions;
pub mod status;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use sentral_domain::Timestamp;
use sentral_engine::{Engine, Event, Input, Outcome, Reconfigure};
use sentral_events::{MonitorHub, Published};
use tokio::sync::{OnceCell, mpsc, oneshot};

use crate::cluster::{LeaseState, OwnedLease, Ownership, Resource};
use crate::{Platform, ServiceError};

/// Work for the engine's task, applied in order. Inputs and ticks change the engine (under a
/// lease they are journalled before their events go out); a read only looks.
enum Job {
    Input {
        input: Box<Input>,
        now: Timestamp,
        /// A forwarded command's key: a retry is answered, never applied twice.
        key: Option<String>,
        reply: oneshot::Sender<journal::Answer>,
    },
    Tick {
        now: Timestamp,
        done: oneshot::Sender<()>,
    },
    /// A replicated monitor's lifecycle, numbered among the engine's events (journalled as one),
    /// with the snapshot a start or a resync needs, taken at the same place.
    Monitor {
        control: Box<sentral_events::MonitorControl>,
        snapshot: Option<monitors::SnapshotOf>,
        reply: oneshot::Sender<Result<Option<serde_json::Value>, ServiceError>>,
    },
    Read(Read),
}

/// A look at the engine; what it returns answers the caller.
type Read = Box<dyn FnOnce(&Engine, &MonitorHub) -> Reply + Send>;
type Reply = Box<dyn FnOnce() + Send>;

/// The way to one enterprise's engine task.
#[derive(Clone)]
pub(crate) struct EngineHandle {
    jobs: mpsc::UnboundedSender<Job>,
    enterprise_id: Arc<str>,
    /// The lease the engine runs under (PostgreSQL); `None` on a single node.
    lease: Option<OwnedLease>,
    /// Which start of this node made it: its task leaves the map only while it is the one there.
    run: u64,
}

/// One enterprise's place among the engines: empty while its engine starts — callers for the
/// same enterprise wait on it, no other caller does — then the way to the engine. A start that
/// fails leaves it empty: the next caller starts again.
type Slot = Arc<OnceCell<EngineHandle>>;

/// The engines by enterprise id. Its lock is held only to look up, insert or remove a slot:
/// never across a lease's acquisition or an engine's restore.
type Engines = Arc<std::sync::Mutex<HashMap<String, Slot>>>;

impl EngineHandle {
    /// Runs `work` on the engine, in order with every other job, and answers its result.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine, &MonitorHub) -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let (reply, answer) = oneshot::channel();
        let read: Read = Box::new(move |engine, hub| {
            let answer = work(engine, hub);
            Box::new(move || {
                let _ = reply.send(answer);
            })
        });
        self.jobs
            .send(Job::Read(read))
            .map_err(|_| self.stopped())?;
        answer.await.map_err(|_| self.stopped())
    }

    /// Applies an input, after every job before it; answered once it is journalled (under a
    /// lease) and its events are out.
    pub(crate) async fn input(
        &self,
        input: Input,
        now: Timestamp,
        key: Option<String>,
    ) -> Result<journal::Answer, ServiceError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Input {
                input: Box::new(input),
                now,
                key,
                reply,
            })
            .map_err(|_| self.stopped())?;
        answer.await.map_err(|_| self.stopped())
    }

    /// Dispatches a monitor control in the engine's order, with the snapshot it asks for.
    pub(crate) async fn monitor_control(
        &self,
        control: sentral_events::MonitorControl,
        snapshot: Option<monitors::SnapshotOf>,
    ) -> Result<Option<serde_json::Value>, ServiceError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Monitor {
                control: Box::new(control),
                snapshot,
                reply,
            })
            .map_err(|_| self.stopped())?;
        answer.await.map_err(|_| self.stopped())?
    }

    /// Lets the engine's timers due by `now` fire.
    async fn tick(&self, now: Timestamp) {
        let (done, ticked) = oneshot::channel();
        if self.jobs.send(Job::Tick { now, done }).is_ok() {
            let _ = ticked.await;
        }
    }

    /// Whether the engine may still run here: on a single node always, else while its lease holds.
    fn is_owned(&self) -> bool {
        self.lease.as_ref().is_none_or(OwnedLease::is_held)
    }

    /// Why a job got no answer: the lease went or the journal could not be written (another
    /// node, or this one again, restores the engine: retry), or a bug.
    fn stopped(&self) -> ServiceError {
        match &self.lease {
            Some(lease) => ServiceError::NotOwner {
                enterprise: self.enterprise_id.to_string(),
                owner: None,
                retry_after_secs: if lease.is_held() {
                    1
                } else {
                    lease.ttl().as_secs().max(1)
                },
            },
            None => ServiceError::internal("the enterprise's telephony engine has stopped"),
        }
    }
}

/// Running engines by enterprise id, and the hub their events go to.
pub struct Telephony {
    /// Shared with the engine tasks: one that loses its lease removes itself.
    engines: Engines,
    hub: MonitorHub,
    /// Call control for engines other nodes own goes through it (a cluster on NATS).
    forwarding: std::sync::OnceLock<Arc<dyn forwarding::CommandTransport>>,
    /// Commands this node forwarded to another (`/metrics`).
    forwarded: AtomicU64,
    /// Journal entries replayed at this node's takeovers.
    replayed: AtomicU64,
    /// Journal entries of running engines since their last snapshot.
    unsnapshotted: Arc<AtomicU64>,
    /// Engines other nodes own, until their lease would run out: a non-owner forwards without
    /// asking the store each time; forgotten when the owner does not answer as one.
    known_owners: std::sync::Mutex<HashMap<String, (String, std::time::Instant)>>,
    /// Set when the node hands its engines over: it starts none again.
    stopping: AtomicBool,
    /// Engine starts on this node so far (each engine's `run`).
    runs: AtomicU64,
    /// Sandbox resets this node took part in: a start that began before the latest, or a
    /// journal opened before it, uses nothing it took or read (shared with the journals).
    resets: Arc<AtomicU64>,
}

/// The telephony's cluster counters, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClusterCounters {
    pub forwarded: u64,
    pub replayed: u64,
    pub unsnapshotted: u64,
}

impl Telephony {
    pub fn new(hub: MonitorHub) -> Self {
        Self {
            engines: Arc::new(std::sync::Mutex::new(HashMap::new())),
            hub,
            forwarding: std::sync::OnceLock::new(),
            forwarded: AtomicU64::new(0),
            replayed: AtomicU64::new(0),
            unsnapshotted: Arc::new(AtomicU64::new(0)),
            known_owners: std::sync::Mutex::new(HashMap::new()),
            stopping: AtomicBool::new(false),
            runs: AtomicU64::new(0),
            resets: Arc::new(AtomicU64::new(0)),
        }
    }

    fn lock_engines(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.engines.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The engines started on this node, by enterprise id.
    pub(crate) fn started(&self) -> Vec<(String, EngineHandle)> {
        self.lock_engines()
            .iter()
            .filter_map(|(id, slot)| Some((id.clone(), slot.get()?.clone())))
            .collect()
    }

    /// The slot to find or start the enterprise's engine in: the one there unless its engine
    /// stopped, else a new one (unless `refused` says why this node starts none).
    fn slot(
        &self,
        enterprise_id: &str,
        refused: impl FnOnce() -> Option<ServiceError>,
    ) -> Result<Slot, ServiceError> {
        let mut engines = self.lock_engines();
        if let Some(slot) = engines.get(enterprise_id)
            && slot.get().is_none_or(EngineHandle::is_owned)
        {
            return Ok(slot.clone());
        }
        if let Some(refusal) = refused() {
            return Err(refusal);
        }
        let slot = Slot::default();
        engines.insert(enterprise_id.to_owned(), slot.clone());
        Ok(slot)
    }

    /// The enterprise's running engine on this node, after its start if one is under way: a
    /// directory change committed meanwhile may be missing from what the start read.
    async fn settled(&self, enterprise_id: &str) -> Option<EngineHandle> {
        let slot = self.lock_engines().get(enterprise_id)?.clone();
        // Waits for a start under way; starts nothing itself.
        let started = slot
            .get_or_try_init(|| async { Err::<EngineHandle, ()>(()) })
            .await;
        started.ok().filter(|handle| handle.is_owned()).cloned()
    }

    /// Drops a slot whose start failed unless a caller still waits on it (it starts again).
    fn discard_failed(&self, enterprise_id: &str, slot: &Slot) {
        let mut engines = self.lock_engines();
        // Every other holder took its clone under this lock: the count is exact here.
        let unused = engines.get(enterprise_id).is_some_and(|there| {
            Arc::ptr_eq(there, slot) && there.get().is_none() && Arc::strong_count(slot) == 2
        });
        if unused {
            engines.remove(enterprise_id);
        }
    }

    /// Forgets every engine of this node (a sandbox reset: their journals and leases are gone
    /// from the store); the next use starts them from the directory. Their tasks end as their
    /// leases are released; a journal opened before this writes nothing more.
    fn forget_engines(&self) {
        self.resets.fetch_add(1, Ordering::AcqRel);
        self.lock_engines().clear();
        self.known_owners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    pub fn hub(&self) -> &MonitorHub {
        &self.hub
    }

    /// The answer for an engine another node owns, while its lease still runs.
    fn known_owner(&self, enterprise_id: &str) -> Option<ServiceError> {
        let known = self
            .known_owners
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (owner, until) = known.get(enterprise_id)?;
        let left = until.checked_duration_since(std::time::Instant::now())?;
        Some(ServiceError::NotOwner {
            enterprise: enterprise_id.to_owned(),
            owner: Some(owner.clone()),
            retry_after_secs: left.as_millis().div_ceil(1000).clamp(1, 60) as u64,
        })
    }

    /// Keeps the owner of an engine for as long as its lease has `left`.
    fn remember_owner(&self, enterprise_id: &str, owner: &str, left: Duration) {
        self.known_owners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                enterprise_id.to_owned(),
                (owner.to_owned(), std::time::Instant::now() + left),
            );
    }

    /// The owner did not answer as one: ask the store again next time.
    pub(crate) fn forget_owner(&self, enterprise_id: &str) {
        self.known_owners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(enterprise_id);
    }

    /// Forwarded commands, replayed journal entries, entries not yet in a snapshot.
    pub fn cluster_counters(&self) -> ClusterCounters {
        use Ordering::Relaxed;
        ClusterCounters {
            forwarded: self.forwarded.load(Relaxed),
            replayed: self.replayed.load(Relaxed),
            unsnapshotted: self.unsnapshotted.load(Relaxed),
        }
    }
}

/// Stores the agent states the engine set itself (no answer, wrap-up), in the engine's order:
/// the Queue API shows them and a restart starts from them. (Under a lease they go with the
/// step's journal entry instead.)
async fn store_agent_changes(
    store: &sentral_store::Store,
    now: Timestamp,
    changes: Vec<sentral_engine::SystemAgentChange>,
) {
    let stored = async {
        let mut tx = store.write().await?;
        for change in &changes {
            sentral_store::directory::queues::set_agent_state(
                &mut tx,
                &change.queue_id,
                &change.member_id,
                &change.state,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok::<_, sentral_store::StoreError>(())
    };
    if let Err(error) = stored.await {
        tracing::warn!(%error, "storing agent states set by the engine failed");
    }
}

/// The engine's task with what it needs besides the engine.
struct EngineTask {
    hub: MonitorHub,
    store: Arc<sentral_store::Store>,
    clock: crate::platform::PlatformClock,
    lease: Option<OwnedLease>,
    /// Under a lease: every change is journalled before it is acknowledged.
    journal: Option<journal::Journal>,
    engines: Engines,
    /// The start that made this engine (see [`EngineHandle::run`]).
    run: u64,
}

/// Why the engine's task ended.
enum Ended {
    /// Its queue closed (the engine was dropped from the map).
    Closed,
    Lease(LeaseState),
    /// The journal could not be written: the engine is ahead of its record.
    JournalFailed(sentral_store::StoreError),
}

/// The engine's task: applies jobs in order until its queue closes or, under a lease, the lease
/// is lost or released or its journal cannot be written; then it leaves the engines map (the
/// next use starts it where the lease is, from the journal).
async fn run_engine(
    mut engine: Engine,
    mut queue: mpsc::UnboundedReceiver<Job>,
    mut task: EngineTask,
) {
    let ended = loop {
        let job = match &task.lease {
            None => queue.recv().await,
            Some(lease) => tokio::select! {
                biased;
                state = lease.lost() => break Ended::Lease(state),
                job = queue.recv() => job,
            },
        };
        let Some(job) = job else { break Ended::Closed };
        // A process resumed after a pause knows here that its lease ran out: it applies nothing.
        if let Some(lease) = task.lease.as_ref().filter(|lease| !lease.is_held()) {
            break Ended::Lease(lease.state());
        }
        let done = match job {
            Job::Read(read) => {
                read(&engine, &task.hub)();
                Ok(())
            }
            Job::Input {
                input,
                now,
                key,
                reply,
            } => task.input(&mut engine, *input, now, key, reply).await,
            Job::Tick { now, done } => {
                let ticked = task.tick(&mut engine, now).await;
                let _ = done.send(());
                ticked
            }
            Job::Monitor {
                control,
                snapshot,
                reply,
            } => task.monitor(&engine, *control, snapshot, reply).await,
        };
        if let Err(error) = done {
            break error;
        }
    };
    if task.lease.is_none() {
        return;
    }
    let enterprise_id = engine.enterprise_id().to_owned();
    {
        let mut engines = task.engines.lock().unwrap_or_else(PoisonError::into_inner);
        let same = engines
            .get(&enterprise_id)
            .and_then(|slot| slot.get())
            .is_some_and(|running| running.run == task.run);
        if same {
            engines.remove(&enterprise_id);
        }
    }
    match ended {
        Ended::Closed => {}
        Ended::Lease(LeaseState::Released(epoch)) => {
            tracing::info!(enterprise_id, %epoch, "telephony engine stopped: lease released");
        }
        Ended::Lease(LeaseState::Lost(epoch) | LeaseState::Held(epoch)) => {
            tracing::warn!(enterprise_id, %epoch, "telephony engine stopped: this node lost the lease");
        }
        Ended::JournalFailed(error) => {
            tracing::warn!(enterprise_id, %error, "telephony engine stopped: its journal cannot be written; it restarts from the journal on next use");
        }
    }
}

impl EngineTask {
    /// One input: applied, journalled (under a lease), published, answered — in that order.
    async fn input(
        &mut self,
        engine: &mut Engine,
        input: Input,
        now: Timestamp,
        key: Option<String>,
        reply: oneshot::Sender<journal::Answer>,
    ) -> Result<(), Ended> {
        if let (Some(journal), Some(key)) = (&self.journal, key.as_deref()) {
            match journal.answered(&self.store, key).await {
                Ok(Some(answer)) => {
                    let _ = reply.send(answer);
                    return Ok(());
                }
                Ok(None) => {}
                Err(error) => return Err(self.failed(error)),
            }
        }
        let engine_now = engine.now();
        let journalled = self.journal.is_some().then(|| input.clone());
        let step = engine.handle(input, now);
        let changes = engine.take_system_agent_changes();
        match (&mut self.journal, journalled) {
            (Some(journal), Some(input)) => {
                let entry = journal::Entry::Input {
                    input: &input,
                    key: key.as_deref(),
                    answer: &step.result,
                };
                let recorded = journal
                    .record(
                        &self.store,
                        engine,
                        (now, engine_now),
                        entry,
                        step.events.len(),
                        &changes,
                    )
                    .await;
                if let Err(error) = recorded {
                    // The caller is answered NotOwner (its reply is dropped): a retry is safe.
                    return Err(self.failed(error));
                }
            }
            _ => {
                if !changes.is_empty() {
                    store_agent_changes(&self.store, self.clock.now(), changes).await;
                }
            }
        }
        publish(engine, &self.hub, step.events);
        let _ = reply.send(step.result);
        Ok(())
    }

    /// Time passes: journalled only when a timer fires (the rest only moves the clock, which
    /// the next entry records).
    async fn tick(&mut self, engine: &mut Engine, now: Timestamp) -> Result<(), Ended> {
        let fires = engine.next_due().is_some_and(|due| due <= now);
        let engine_now = engine.now();
        let events = engine.tick(now);
        let changes = engine.take_system_agent_changes();
        match &mut self.journal {
            Some(journal) if fires => {
                let recorded = journal
                    .record(
                        &self.store,
                        engine,
                        (now, engine_now),
                        journal::Entry::Tick,
                        events.len(),
                        &changes,
                    )
                    .await;
                if let Err(error) = recorded {
                    return Err(self.failed(error));
                }
            }
            _ => {
                if !changes.is_empty() {
                    store_agent_changes(&self.store, self.clock.now(), changes).await;
                }
            }
        }
        publish(engine, &self.hub, events);
        Ok(())
    }

    /// A monitor control: the snapshot taken, the control journalled (under a lease), then
    /// dispatched, so the snapshot and the control sit at the same place among the events.
    async fn monitor(
        &mut self,
        engine: &Engine,
        control: sentral_events::MonitorControl,
        snapshot: Option<monitors::SnapshotOf>,
        reply: oneshot::Sender<Result<Option<serde_json::Value>, ServiceError>>,
    ) -> Result<(), Ended> {
        let taken = match &snapshot {
            None => None,
            Some(of) => match of.take(engine) {
                Ok(value) => Some(value),
                Err(error) => {
                    let _ = reply.send(Err(error));
                    return Ok(());
                }
            },
        };
        if let Some(journal) = &mut self.journal
            && let Err(error) = journal
                .record_monitor(&self.store, engine, &control, self.clock.now())
                .await
        {
            return Err(self.failed(error));
        }
        self.hub.dispatch_control(engine.enterprise_id(), control);
        let _ = reply.send(Ok(taken));
        Ok(())
    }

    fn failed(&self, error: journal::JournalError) -> Ended {
        match error {
            journal::JournalError::LeaseLost => Ended::Lease(self.lease.as_ref().map_or(
                LeaseState::Lost(sentral_store::leases::Epoch::new(0)),
                OwnedLease::state,
            )),
            journal::JournalError::Store(error) => Ended::JournalFailed(error),
        }
    }
}

pub(crate) fn publish(engine: &Engine, hub: &MonitorHub, events: Vec<Event>) {
    for event in events {
        let published = Published {
            enterprise_id: engine.enterprise_id().to_owned(),
            payload: event.payload(),
            devices: event.devices,
            event_type: event.kind.as_str().to_owned(),
            cause: Some(event.cause.as_str().to_owned()),
            subject: Some(event.subject),
            occurred_at: event.at,
        };
        publisher::dispatch(hub, published);
    }
}

impl Platform {
    pub fn telephony(&self) -> &Telephony {
        &self.telephony
    }

    pub fn monitor_hub(&self) -> &MonitorHub {
        self.telephony.hub()
    }

    /// The engine of `enterprise_id`, started from the directory on first use. On PostgreSQL it
    /// starts only under this node's lease of it; while another node holds the lease the answer
    /// is [`ServiceError::NotOwner`] (nothing applied here). Only callers for the same
    /// enterprise wait for its start.
    pub(crate) async fn engine(&self, enterprise_id: &str) -> Result<EngineHandle, ServiceError> {
        let slot = self
            .telephony
            .slot(enterprise_id, || self.refused_start(enterprise_id))?;
        if let Some(handle) = slot.get() {
            return Ok(handle.clone());
        }
        let started = slot
            .get_or_try_init(|| self.start(enterprise_id))
            .await
            .cloned();
        if started.is_err() {
            self.telephony.discard_failed(enterprise_id, &slot);
        }
        started
    }

    /// Why this node starts no engine of the enterprise now, if it does not: it hands over, or
    /// (while forwarding) another node's lease of it still runs.
    fn refused_start(&self, enterprise_id: &str) -> Option<ServiceError> {
        self.ownership.as_ref()?;
        if self.telephony.stopping.load(Ordering::Acquire) {
            // Handing over: no engine starts here again (a forwarded request included).
            return Some(changing_owner(enterprise_id));
        }
        // Only while forwarding: the owner's answer is what tells its end (a hand-over
        // included); without it every request asks the store.
        if self.telephony.forwarding.get().is_some() {
            return self.telephony.known_owner(enterprise_id);
        }
        None
    }

    /// Starts the enterprise's engine in its slot: the lease taken and the journal read (the
    /// map of engines is not locked meanwhile), then its task spawned.
    async fn start(&self, enterprise_id: &str) -> Result<EngineHandle, ServiceError> {
        if let Some(refusal) = self.refused_start(enterprise_id) {
            return Err(refusal);
        }
        let resets = self.telephony.resets.load(Ordering::Acquire);
        let lease = match &self.ownership {
            None => None,
            Some(ownership) => match ownership
                .acquire(&Resource::telephony(enterprise_id))
                .await?
            {
                Some(lease) => Some(lease),
                None => return Err(not_owner(ownership, &self.telephony, enterprise_id).await),
            },
        };
        let now = self.now();
        let started = match self
            .start_engine(enterprise_id, lease.as_ref(), resets, now)
            .await
        {
            // A hand-over began meanwhile: it may have missed this lease, so it goes here.
            Ok(_) if lease.is_some() && self.telephony.stopping.load(Ordering::Acquire) => {
                Err(changing_owner(enterprise_id))
            }
            // A sandbox reset came meanwhile: what was read went with the store, and the reset
            // released this lease or its row is gone (the next start takes a new one).
            Ok(_) if self.telephony.resets.load(Ordering::Acquire) != resets => {
                return Err(changing_owner(enterprise_id));
            }
            other => other,
        };
        let (engine, journal, restored) = match started {
            Ok(started) => started,
            Err(error) => {
                if let (Some(ownership), Some(lease)) = (&self.ownership, &lease) {
                    let _ = ownership.release(lease.resource()).await;
                }
                return Err(error);
            }
        };
        let (jobs, queue) = mpsc::unbounded_channel::<Job>();
        if let Some(journal) = &journal {
            // Events continue the numbering of the enterprise's previous engine.
            self.telephony
                .hub
                .resume_sequence(enterprise_id, journal.last_event());
        }
        if restored {
            // What the directory says now (changes made while no node ran the engine), as the
            // journal's first input of this run.
            match self.engine_config(enterprise_id, now).await {
                Ok(config) => {
                    let (reply, _) = oneshot::channel();
                    let _ = jobs.send(Job::Input {
                        input: Box::new(Input::Reconfigure(Reconfigure::Replace(Box::new(config)))),
                        now,
                        key: None,
                        reply,
                    });
                }
                Err(error) => {
                    tracing::warn!(enterprise_id, %error, "restored engine keeps its configuration: the directory cannot be read");
                }
            }
        }
        let run = self.telephony.runs.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(run_engine(
            engine,
            queue,
            EngineTask {
                hub: self.telephony.hub.clone(),
                store: self.store.clone(),
                clock: self.clock.clone(),
                lease: lease.clone(),
                journal,
                engines: self.telephony.engines.clone(),
                run,
            },
        ));
        tracing::debug!(enterprise_id, "telephony engine started");
        Ok(EngineHandle {
            jobs,
            enterprise_id: Arc::from(enterprise_id),
            lease,
            run,
        })
    }

    /// A new engine of the directory's configuration on a single node; under a lease, the
    /// engine its journal leaves (restored), or a new one journalled from now on.
    async fn start_engine(
        &self,
        enterprise_id: &str,
        lease: Option<&OwnedLease>,
        resets: u64,
        now: Timestamp,
    ) -> Result<(Engine, Option<journal::Journal>, bool), ServiceError> {
        let (Some(lease), Some(ownership)) = (lease, &self.ownership) else {
            let config = self.engine_config(enterprise_id, now).await?;
            return Ok((Engine::new(config, now), None, false));
        };
        // Read before the journal: a first start needs it, a restore checks it can be read.
        let config = self.engine_config(enterprise_id, now).await?;
        let fence = journal::Fence {
            lease: lease.clone(),
            resets: self.telephony.resets.clone(),
            opened_at: resets,
        };
        let recovered = journal::recover(
            &self.store,
            fence,
            ownership.node().as_str(),
            enterprise_id,
            move || Engine::new(config, now),
            now,
            self.telephony.unsnapshotted.clone(),
        )
        .await?;
        self.telephony
            .replayed
            .fetch_add(recovered.replayed as u64, Ordering::Relaxed);
        if recovered.restored {
            tracing::info!(
                enterprise_id,
                epoch = %lease.epoch(),
                replayed = recovered.replayed,
                "telephony engine restored from its journal"
            );
        }
        Ok((
            recovered.engine,
            Some(recovered.journal),
            recovered.restored,
        ))
    }

    /// Graceful shutdown: stops this node's engines and releases their leases, so other nodes
    /// take them over at once instead of after the ttl. Answers how many leases were released.
    pub async fn hand_over_engines(&self) -> usize {
        self.telephony.stopping.store(true, Ordering::Release);
        self.telephony.lock_engines().clear();
        match &self.ownership {
            Some(ownership) => ownership.release_all().await,
            None => 0,
        }
    }

    /// The enterprises whose engines run on this node.
    pub async fn running_engines(&self) -> Vec<String> {
        let mut running: Vec<String> = self
            .telephony
            .started()
            .into_iter()
            .map(|(enterprise_id, _)| enterprise_id)
            .collect();
        running.sort();
        running
    }

    /// Runs a service or network signal on the enterprise's engine, on whichever node owns it.
    pub(crate) async fn telephony_input(
        &self,
        enterprise_id: &str,
        input: Input,
    ) -> Result<Outcome, ServiceError> {
        self.telephony_input_anywhere(enterprise_id, input)
            .await?
            .map_err(ServiceError::Csta)
    }

    /// Lets every running engine's timers fire up to now (ring times, queue waits, wrap-up,
    /// absence windows) and ends monitors whose lease ran out. The server calls it every second
    /// and after the sandbox clock moves.
    pub async fn tick_telephony(&self) {
        let handles = self.telephony.started();
        let now = self.now();
        let replicated = self.telephony.hub.has_uplink();
        for (enterprise_id, handle) in handles {
            handle.tick(now).await;
            if replicated {
                self.end_lapsed_monitors(&enterprise_id, &handle).await;
            }
        }
        self.telephony.hub.expire(now);
    }

    /// Forgets this node's engines after a sandbox reset emptied the store (their journals and
    /// leases with it): here now, their leases released in the background (on a node the reset
    /// reached by message; [`Platform::reset_telephony`] waits for them).
    pub(crate) fn forget_telephony(&self) {
        self.telephony.forget_engines();
        if let Some(ownership) = self.ownership.clone() {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => drop(runtime.spawn(async move { ownership.release_all().await })),
                // Their renewals fail on the emptied store: they end within a third of the ttl.
                Err(_) => tracing::warn!("no runtime to release the leases of the reset engines"),
            }
        }
    }

    /// The sandbox reset's end of the telephony on the resetting node: every engine forgotten
    /// and every lease released before the demo world is seeded again. An engine mid-step
    /// writes nothing more: its lease is released, and the reset emptied the leases' rows.
    pub(crate) async fn reset_telephony(&self) {
        self.telephony.forget_engines();
        if let Some(ownership) = &self.ownership {
            ownership.release_all().await;
        }
    }

    /// Reloads a running engine after the plan, queues or members changed.
    pub(crate) async fn telephony_reload(&self, enterprise_id: &str) {
        self.telephony_changed(enterprise_id, DirectoryChange::Configuration)
            .await;
    }

    /// Tells the enterprise's running engine that the directory changed: here, or on the node
    /// that owns it. Forwarding and absences of one member go in as such (their events say what
    /// changed); anything else reloads the configuration.
    pub(crate) async fn telephony_changed(&self, enterprise_id: &str, change: DirectoryChange) {
        if self.telephony.settled(enterprise_id).await.is_some() {
            self.telephony_changed_here(enterprise_id, change).await;
        } else {
            self.forward_directory_change(enterprise_id, change).await;
        }
    }

    /// The directory change, to this node's engine of the enterprise if it runs one.
    pub(crate) async fn telephony_changed_here(
        &self,
        enterprise_id: &str,
        change: DirectoryChange,
    ) {
        let Some(handle) = self.telephony.settled(enterprise_id).await else {
            return;
        };
        let now = self.now();
        let reconfigure = match change {
            DirectoryChange::Forwarding { device, forwarding } => {
                Reconfigure::Forwarding { device, forwarding }
            }
            DirectoryChange::Absences { device, absences } => {
                Reconfigure::Absences { device, absences }
            }
            DirectoryChange::TerminalStatus { device, status } => {
                Reconfigure::TerminalStatus { device, status }
            }
            DirectoryChange::Configuration => match self.engine_config(enterprise_id, now).await {
                Ok(config) => Reconfigure::Replace(Box::new(config)),
                Err(error) => {
                    tracing::error!(enterprise_id, %error, "could not reload the telephony configuration");
                    return;
                }
            },
        };
        let applied = handle
            .input(Input::Reconfigure(reconfigure), now, None)
            .await
            .and_then(|result| result.map_err(ServiceError::Csta));
        if let Err(error) = applied {
            tracing::warn!(enterprise_id, %error, "directory change not applied to the engine");
        }
    }
}

/// A committed directory change a running engine must learn of.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub(crate) enum DirectoryChange {
    Forwarding {
        device: String,
        forwarding: sentral_domain::directory::CallForwarding,
    },
    Absences {
        device: String,
        absences: Vec<sentral_domain::directory::Absence>,
    },
    TerminalStatus {
        device: String,
        status: sentral_domain::directory::TerminalStatus,
    },
    /// Plan, queues, agents, members: the whole configuration is read again.
    Configuration,
}

/// The answer while this node's ownership of the enterprise's engine changes (it hands over, or
/// a sandbox reset came while the engine started): retry in a second.
fn changing_owner(enterprise_id: &str) -> ServiceError {
    ServiceError::NotOwner {
        enterprise: enterprise_id.to_owned(),
        owner: None,
        retry_after_secs: 1,
    }
}

/// The answer while another node holds the lease of the enterprise's engine: who, and when to
/// retry (once that lease would expire unless renewed, 1 to ttl seconds).
async fn not_owner(
    ownership: &Ownership,
    telephony: &Telephony,
    enterprise_id: &str,
) -> ServiceError {
    let ttl = ownership.config().ttl;
    let (owner, left) = match ownership.holder(&Resource::telephony(enterprise_id)).await {
        Ok(Some((node, left))) => {
            telephony.remember_owner(enterprise_id, &node, left.min(ttl));
            (Some(node), left)
        }
        // Released or expired since: a retry may take it.
        Ok(None) => (None, Duration::from_secs(1)),
        Err(error) => return error,
    };
    let retry_after_secs = left.min(ttl).as_millis().div_ceil(1000).max(1);
    ServiceError::NotOwner {
        enterprise: enterprise_id.to_owned(),
        owner,
        retry_after_secs: u64::try_from(retry_after_secs).unwrap_or(1),
    }
}
