//! The telephony of every enterprise: one engine per enterprise, owned by one task (an actor)
//! that applies inputs in order and hands each event to the monitor hub. Directory changes
//! (forwarding, absences, plan, queues, terminals) reach a running engine as they commit.

pub mod config;
pub mod csta;
pub mod demo;
pub mod monitors;
pub mod network;
pub mod queues;
pub mod sessions;
pub mod status;

use std::collections::HashMap;

use sentral_domain::Timestamp;
use sentral_engine::{CstaError, Engine, Event, Input, Outcome, Reconfigure};
use sentral_events::{MonitorHub, Published};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::{Platform, ServiceError};

/// Work on the engine; what it returns answers the caller, after the engine's own agent-state
/// changes are stored (so the caller reads its writes).
type Job = Box<dyn FnOnce(&mut Engine, &MonitorHub) -> Reply + Send>;
type Reply = Box<dyn FnOnce() + Send>;

/// The way to one enterprise's engine task.
#[derive(Clone)]
pub(crate) struct EngineHandle {
    jobs: mpsc::UnboundedSender<Job>,
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
        self.jobs
            .send(job)
            .map_err(|_| ServiceError::internal("the enterprise's telephony engine has stopped"))?;
        answer
            .await
            .map_err(|_| ServiceError::internal("the enterprise's telephony engine has stopped"))
    }
}

/// Running engines by enterprise id, and the hub their events go to.
pub struct Telephony {
    engines: Mutex<HashMap<String, EngineHandle>>,
    hub: MonitorHub,
}

impl Telephony {
    pub fn new(hub: MonitorHub) -> Self {
        Self {
            engines: Mutex::new(HashMap::new()),
            hub,
        }
    }

    pub fn hub(&self) -> &MonitorHub {
        &self.hub
    }
}

/// Stores the agent states the engine set itself (no answer, wrap-up), in the engine's order:
/// the Queue API shows them and a restart starts from them.
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
        hub.publish(&published);
    }
}

impl Platform {
    pub fn telephony(&self) -> &Telephony {
        &self.telephony
    }

    pub fn monitor_hub(&self) -> &MonitorHub {
        self.telephony.hub()
    }

    /// The engine of `enterprise_id`, started from the directory on first use.
    pub(crate) async fn engine(&self, enterprise_id: &str) -> Result<EngineHandle, ServiceError> {
        let mut engines = self.telephony.engines.lock().await;
        if let Some(handle) = engines.get(enterprise_id) {
            return Ok(handle.clone());
        }
        let now = self.now();
        let config = self.engine_config(enterprise_id, now).await?;
        let mut engine = Engine::new(config, now);
        let hub = self.telephony.hub.clone();
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        let store = self.store.clone();
        let clock = self.clock.clone();
        tokio::spawn(async move {
            while let Some(job) = queue.recv().await {
                let reply = job(&mut engine, &hub);
                let changes = engine.take_system_agent_changes();
                if !changes.is_empty() {
                    store_agent_changes(&store, clock.now(), changes).await;
                }
                reply();
            }
        });
        let handle = EngineHandle { jobs };
        engines.insert(enterprise_id.to_owned(), handle.clone());
        tracing::debug!(enterprise_id, "telephony engine started");
        Ok(handle)
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
