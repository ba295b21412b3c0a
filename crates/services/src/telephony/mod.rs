//! The telephony of every enterprise: one engine per enterprise, owned by one task (an actor)
//! that applies inputs in order and hands each event to the monitor hub. Directory changes
//! (forwarding, absences, plan, queues, terminals) reach a running engine as they commit.

pub mod config;
pub mod csta;
pub mod demo;
pub mod monitors;
pub mod network;
mod publisher;
pub mod queues;
pub mod sessions;
pub mod status;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sentral_domain::Timestamp;
use sentral_engine::{CstaError, Engine, Event, Input, Outcome, Reconfigure};
use sentral_events::{MonitorHub, Published};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::cluster::{LeaseState, OwnedLease, Ownership, Resource};
use crate::{Platform, ServiceError};

/// Work on the engine; what it returns answers the caller, after the engine's own agent-state
/// changes are stored (so the caller reads its writes).
type Job = Box<dyn FnOnce(&mut Engine, &MonitorHub) -> Reply + Send>;
type Reply = Box<dyn FnOnce() + Send>;

/// The way to one enterprise's engine task.
#[derive(Clone)]
pub(crate) struct EngineHandle {
    jobs: mpsc::UnboundedSender<Job>,
    enterprise_id: Arc<str>,
    /// The lease the engine runs under (PostgreSQL); `None` on a single node.
    lease: Option<OwnedLease>,
}

impl EngineHandle {
    /// Runs `work` on the engine, in order with every other job, and answers its result.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Engine, &MonitorHub) -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |engine, hub| {
            let answer = work(engine, hub);
            Box::new(move || {
                let _ = reply.send(answer);
            })
        });
        self.jobs.send(job).map_err(|_| self.stopped())?;
        answer.await.map_err(|_| self.stopped())
    }

    /// Whether the engine may still run here: on a single node always, else while its lease holds.
    fn is_owned(&self) -> bool {
        self.lease.as_ref().is_none_or(OwnedLease::is_held)
    }

    /// Why a job got no answer: the lease went (another node takes over: retry), or a bug.
    fn stopped(&self) -> ServiceError {
        match &self.lease {
            Some(lease) if !lease.is_held() => ServiceError::NotOwner {
                enterprise: self.enterprise_id.to_string(),
                owner: None,
                retry_after_secs: lease.ttl().as_secs().max(1),
            },
            _ => ServiceError::internal("the enterprise's telephony engine has stopped"),
        }
    }
}

/// Running engines by enterprise id, and the hub their events go to.
pub struct Telephony {
    /// Shared with the engine tasks: one that loses its lease removes itself.
    engines: Arc<Mutex<HashMap<String, EngineHandle>>>,
    hub: MonitorHub,
}

impl Telephony {
    pub fn new(hub: MonitorHub) -> Self {
        Self {
            engines: Arc::new(Mutex::new(HashMap::new())),
            hub,
        }
    }

    pub fn hub(&self) -> &MonitorHub {
        &self.hub
    }
}

/// The owner lost its lease while writing: the write was not made and the engine stops.
struct LeaseLost;

/// Stores the agent states the engine set itself (no answer, wrap-up), in the engine's order:
/// the Queue API shows them and a restart starts from them. Under a lease the write is fenced:
/// an ex-owner's change is dropped ([`LeaseLost`]).
async fn store_agent_changes(
    store: &sentral_store::Store,
    lease: Option<&OwnedLease>,
    now: Timestamp,
    changes: Vec<sentral_engine::SystemAgentChange>,
) -> Result<(), LeaseLost> {
    let stored = async {
        let mut tx = store.write().await?;
        if let Some(lease) = lease {
            lease.fence(&mut tx).await?;
        }
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
    match stored.await {
        Ok(()) => Ok(()),
        Err(sentral_store::StoreError::LeaseLost { resource, epoch }) => {
            tracing::warn!(
                resource,
                epoch,
                "agent states not stored: this node lost the lease"
            );
            Err(LeaseLost)
        }
        Err(error) => {
            tracing::warn!(%error, "storing agent states set by the engine failed");
            Ok(())
        }
    }
}

/// The engine's task: applies jobs in order until its queue closes or, under a lease, the lease
/// is lost or released; then it leaves the engines map (the next use starts it where the lease is).
async fn run_engine(
    mut engine: Engine,
    mut queue: mpsc::UnboundedReceiver<Job>,
    hub: MonitorHub,
    store: Arc<sentral_store::Store>,
    clock: crate::platform::PlatformClock,
    lease: Option<OwnedLease>,
    engines: Arc<Mutex<HashMap<String, EngineHandle>>>,
) {
    let ended = loop {
        let job = match &lease {
            None => queue.recv().await,
            Some(lease) => tokio::select! {
                biased;
                state = lease.lost() => break Some(state),
                job = queue.recv() => job,
            },
        };
        let Some(job) = job else { break None };
        // A process resumed after a pause knows here that its lease ran out: it applies nothing.
        if let Some(lease) = lease.as_ref().filter(|lease| !lease.is_held()) {
            break Some(lease.state());
        }
        let reply = job(&mut engine, &hub);
        let changes = engine.take_system_agent_changes();
        if !changes.is_empty()
            && store_agent_changes(&store, lease.as_ref(), clock.now(), changes)
                .await
                .is_err()
        {
            // The caller is answered NotOwner (its reply is dropped): retried on the new owner.
            break lease.as_ref().map(OwnedLease::state);
        }
        reply();
    };
    let (Some(state), Some(lease)) = (ended, lease) else {
        return;
    };
    let enterprise_id = engine.enterprise_id().to_owned();
    {
        let mut engines = engines.lock().await;
        let same = engines
            .get(&enterprise_id)
            .and_then(|handle| handle.lease.as_ref())
            .is_some_and(|running| running.epoch() == lease.epoch());
        if same {
            engines.remove(&enterprise_id);
        }
    }
    match state {
        LeaseState::Released(epoch) => {
            tracing::info!(enterprise_id, %epoch, "telephony engine stopped: lease released");
        }
        LeaseState::Lost(epoch) | LeaseState::Held(epoch) => {
            tracing::warn!(enterprise_id, %epoch, "telephony engine stopped: this node lost the lease");
        }
    }
}

/// Applies one input and publishes its events; the service's answer is returned.
pub(crate) fn apply(
    engine: &mut Engine,
    hub: &MonitorHub,
    input: Input,
    now: Timestamp,
) -> Result<Outcome, CstaError> {
    let step = engine.handle(input, now);
    publish(engine, hub, step.events);
    step.result
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
    /// is [`ServiceError::NotOwner`] (nothing applied here).
    pub(crate) async fn engine(&self, enterprise_id: &str) -> Result<EngineHandle, ServiceError> {
        let mut engines = self.telephony.engines.lock().await;
        if let Some(handle) = engines.get(enterprise_id) {
            if handle.is_owned() {
                return Ok(handle.clone());
            }
            engines.remove(enterprise_id);
        }
        let lease = match &self.ownership {
            None => None,
            Some(ownership) => {
                let resource = Resource::telephony(enterprise_id);
                match ownership.acquire(&resource).await? {
                    Some(lease) => Some(lease),
                    None => {
                        // Other enterprises' engines need not wait for this answer's read.
                        drop(engines);
                        return Err(not_owner(ownership, enterprise_id).await);
                    }
                }
            }
        };
        let now = self.now();
        let config = match self.engine_config(enterprise_id, now).await {
            Ok(config) => config,
            Err(error) => {
                if let (Some(ownership), Some(lease)) = (&self.ownership, &lease) {
                    let _ = ownership.release(lease.resource()).await;
                }
                return Err(error);
            }
        };
        let engine = Engine::new(config, now);
        let (jobs, queue) = mpsc::unbounded_channel::<Job>();
        tokio::spawn(run_engine(
            engine,
            queue,
            self.telephony.hub.clone(),
            self.store.clone(),
            self.clock.clone(),
            lease.clone(),
            self.telephony.engines.clone(),
        ));
        let handle = EngineHandle {
            jobs,
            enterprise_id: Arc::from(enterprise_id),
            lease,
        };
        engines.insert(enterprise_id.to_owned(), handle.clone());
        tracing::debug!(enterprise_id, "telephony engine started");
        Ok(handle)
    }

    /// Graceful shutdown: stops this node's engines and releases their leases, so other nodes
    /// take them over at once instead of after the ttl. Answers how many leases were released.
    pub async fn hand_over_engines(&self) -> usize {
        self.telephony.engines.lock().await.clear();
        match &self.ownership {
            Some(ownership) => ownership.release_all().await,
            None => 0,
        }
    }

    /// The enterprises whose engines run on this node.
    pub async fn running_engines(&self) -> Vec<String> {
        let mut running: Vec<String> = self
            .telephony
            .engines
            .lock()
            .await
            .keys()
            .cloned()
            .collect();
        running.sort();
        running
    }

    /// Runs a service or network signal on the enterprise's engine.
    pub(crate) async fn telephony_input(
        &self,
        enterprise_id: &str,
        input: Input,
    ) -> Result<Outcome, ServiceError> {
        let now = self.now();
        let handle = self.engine(enterprise_id).await?;
        handle
            .run(move |engine, hub| apply(engine, hub, input, now))
            .await?
            .map_err(ServiceError::Csta)
    }

    /// Lets every running engine's timers fire up to now (ring times, queue waits, wrap-up,
    /// absence windows) and ends monitors whose lease ran out. The server calls it every second
    /// and after the sandbox clock moves.
    pub async fn tick_telephony(&self) {
        let handles: Vec<EngineHandle> = self
            .telephony
            .engines
            .lock()
            .await
            .values()
            .cloned()
            .collect();
        let now = self.now();
        for handle in handles {
            let _ = handle
                .run(move |engine, hub| {
                    let events = engine.tick(now);
                    publish(engine, hub, events);
                })
                .await;
        }
        self.telephony.hub.expire(now);
    }

    /// Stops every engine (sandbox reset): the next use starts them from the directory again.
    pub(crate) async fn stop_telephony(&self) {
        self.telephony.engines.lock().await.clear();
    }

    /// Reloads a running engine after the plan, queues or members changed.
    pub(crate) async fn telephony_reload(&self, enterprise_id: &str) {
        self.telephony_changed(enterprise_id, DirectoryChange::Configuration)
            .await;
    }

    /// Tells a running engine that the directory changed. Forwarding and absences of one member
    /// go in as such (their events say what changed); anything else reloads the configuration.
    pub(crate) async fn telephony_changed(&self, enterprise_id: &str, change: DirectoryChange) {
        let running = self
            .telephony
            .engines
            .lock()
            .await
            .get(enterprise_id)
            .cloned();
        let Some(handle) = running else {
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
            .run(move |engine, hub| apply(engine, hub, Input::Reconfigure(reconfigure), now))
            .await
            .and_then(|result| result.map_err(ServiceError::Csta));
        if let Err(error) = applied {
            tracing::warn!(enterprise_id, %error, "directory change not applied to the engine");
        }
    }
}

/// A committed directory change a running engine must learn of.
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

/// The answer while another node holds the lease of the enterprise's engine: who, and when to
/// retry (once that lease would expire unless renewed, 1 to ttl seconds).
async fn not_owner(ownership: &Ownership, enterprise_id: &str) -> ServiceError {
    let ttl = ownership.config().ttl;
    let (owner, left) = match ownership.holder(&Resource::telephony(enterprise_id)).await {
        Ok(Some((node, left))) => (Some(node), left),
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
