//! The engine of one enterprise: state, the step function, timers and presence.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sentral_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::{AgentState, DeviceKind, Directory, EnterpriseConfig, StatusSource};
use crate::error::CstaError;
use crate::event::{AbsenceInfo, Cause, DeviceRef, Event, EventFields, EventKind, Presence};
use crate::input::{Input, Outcome, TerminalStatus};
use crate::model::{Call, CallId, ConnectionState, DeviceId};
use crate::queues::QueueRuntime;

/// What a step did: the service's answer and every event, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub result: Result<Outcome, CstaError>,
    pub events: Vec<Event>,
}

/// Runtime state of a device of the enterprise (outside numbers have none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeviceRuntime {
    pub powered_off: bool,
    pub do_not_disturb: bool,
    /// Memberlines set by an application.
    pub terminal_status: Option<TerminalStatus>,
    /// Calls the device has a connection in (any state but null).
    pub calls: Vec<CallId>,
    pub last_presence: Option<Presence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub(crate) enum Timer {
    /// The controlling device of a MakeCall did not answer.
    OriginatorRing {
        call: CallId,
        device: DeviceId,
        generation: u64,
    },
    /// A called device did not answer within its ring time.
    Ring {
        call: CallId,
        device: DeviceId,
        generation: u64,
    },
    /// An agent did not answer a queue offer.
    Offer {
        call: CallId,
        agent: DeviceId,
        generation: u64,
    },
    MaxWait {
        call: CallId,
        queue: String,
    },
    NoAgentWait {
        call: CallId,
        queue: String,
    },
    WrapUp {
        queue: String,
        agent: DeviceId,
        until: Timestamp,
    },
    /// An absence starts or ends: presence may change.
    AbsenceBoundary {
        device: DeviceId,
    },
}

/// A pure, deterministic state machine: `(state, input, now) → (state, events)`.
pub struct Engine {
    pub(crate) config: EnterpriseConfig,
    pub(crate) directory: Directory,
    pub(crate) devices: HashMap<DeviceId, DeviceRuntime>,
    pub(crate) calls: BTreeMap<CallId, Call>,
    pub(crate) queues: BTreeMap<String, QueueRuntime>,
    pub(crate) queue_by_device: HashMap<DeviceId, String>,
    pub(crate) timers: BTreeMap<(Timestamp, u64), Timer>,
    pub(crate) timer_seq: u64,
    pub(crate) next_call: u64,
    pub(crate) rng: u64,
    pub(crate) now: Timestamp,
    pub(crate) out: Vec<Event>,
    pub(crate) touched: Vec<DeviceId>,
    /// Queues where an agent or a caller may have become free: distribution runs at the end of
    /// the step.
    pub(crate) dirty_queues: BTreeSet<String>,
    /// Agents whose queue call just ended (wrap-up starts).
    pub(crate) agents_done: Vec<(String, DeviceId)>,
    pub(crate) system_agent_changes: Vec<crate::queues::SystemAgentChange>,
}

/// Most diversions one call may take before the network gives up (forwarding loops).
pub(crate) const MAX_DIVERSIONS: u8 = 8;

impl Engine {
    pub fn new(config: EnterpriseConfig, now: Timestamp) -> Self {
        let mut engine = Engine {
            directory: Directory::default(),
            config: EnterpriseConfig::default(),
            devices: HashMap::new(),
            calls: BTreeMap::new(),
            queues: BTreeMap::new(),
            queue_by_device: HashMap::new(),
            timers: BTreeMap::new(),
            timer_seq: 0,
            next_call: 0,
            rng: seed(&config.enterprise_id),
            now,
            out: Vec::new(),
            touched: Vec::new(),
            dirty_queues: BTreeSet::new(),
            agents_done: Vec::new(),
            system_agent_changes: Vec::new(),
        };
        engine.install(config);
        // The presence at start is the baseline, not a change.
        let mut numbers: Vec<DeviceId> = engine.devices.keys().cloned().collect();
        numbers.sort();
        for number in numbers {
            let presence = engine.presence(&number);
            if let Some(runtime) = engine.devices.get_mut(&number) {
                runtime.last_presence = presence;
            }
        }
        engine
    }

    pub fn enterprise_id(&self) -> &str {
        &self.config.enterprise_id
    }

    pub fn config(&self) -> &EnterpriseConfig {
        &self.config
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The public id of a call: `{enterpriseId}-{n}`.
    pub fn call_ref(&self, call: CallId) -> String {
        format!("{}-{}", self.config.enterprise_id, call.0)
    }

    /// Reads a public call id of this enterprise.
    pub fn parse_call_ref(&self, text: &str) -> Option<CallId> {
        let (enterprise, n) = text.rsplit_once('-')?;
        (enterprise == self.config.enterprise_id)
            .then(|| n.parse().ok().map(CallId))
            .flatten()
    }

    /// When the next timer is due, if any: the actor sleeps until then (or the clock moves).
    pub fn next_due(&self) -> Option<Timestamp> {
        self.timers.keys().next().map(|(at, _)| *at)
    }

    /// Lets time pass to `now`: every timer due by then fires, in order, at its own time.
    pub fn tick(&mut self, now: Timestamp) -> Vec<Event> {
        self.advance(now);
        self.finish()
    }

    /// Applies one input at `now` (after the timers due by then).
    pub fn handle(&mut self, input: Input, now: Timestamp) -> Step {
        self.advance(now);
        let result = match input {
            Input::Command(command) => self.command(command),
            Input::Signal(signal) => self.signal(signal),
            Input::Reconfigure(change) => self.reconfigure(change).map(|()| Outcome::Done),
        };
        Step {
            result,
            events: self.finish(),
        }
    }

    fn advance(&mut self, now: Timestamp) {
        while let Some(entry) = self.timers.first_entry() {
            let (at, _) = *entry.key();
            if at > now {
                break;
            }
            let timer = entry.remove();
            self.now = at.max(self.now);
            self.fire(timer);
            self.settle();
        }
        self.now = now.max(self.now);
    }

    fn finish(&mut self) -> Vec<Event> {
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort();
        touched.dedup();
        for device in touched {
            self.publish_presence(&device);
        }
        std::mem::take(&mut self.out)
    }

    pub(crate) fn schedule(&mut self, at: Timestamp, timer: Timer) {
        self.timer_seq += 1;
        self.timers.insert((at, self.timer_seq), timer);
    }

    pub(crate) fn new_call(&mut self, calling: &str) -> CallId {
        self.next_call += 1;
        let id = CallId(self.next_call);
        self.calls.insert(
            id,
            Call {
                id,
                connections: Vec::new(),
                calling: calling.to_owned(),
                called: None,
                last_redirection: None,
                diversions: 0,
                pending_dial: None,
                queue: None,
                answered_from_queue: None,
                delivered_cause: None,
            },
        );
        id
    }

    /// A deterministic pseudo-random number (xorshift64*).
    pub(crate) fn random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn is_enterprise_device(&self, device: &str) -> bool {
        self.directory.devices.contains_key(device)
    }

    pub(crate) fn kind_of(&self, device: &str) -> Option<&DeviceKind> {
        self.directory.devices.get(device).map(|d| &d.kind)
    }

    pub(crate) fn device_ref(&self, device: &str) -> DeviceRef {
        DeviceRef {
            device_id: device.to_owned(),
            short_number: self.directory.short_number_of(device),
        }
    }

    pub(crate) fn call(&self, call: CallId) -> Result<&Call, CstaError> {
        self.calls
            .get(&call)
            .ok_or_else(|| CstaError::InvalidCallIdentifier(self.call_ref(call)))
    }

    /// Sets a connection's state and keeps the device's list of calls in step.
    pub(crate) fn set_connection(&mut self, call: CallId, device: &str, state: ConnectionState) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        entry.set_state(device, state);
        if state == ConnectionState::Null
            && entry
                .answered_from_queue
                .as_ref()
                .is_some_and(|(_, agent)| agent == device)
            && let Some(done) = entry.answered_from_queue.take()
        {
            self.agents_done.push(done);
        }
        if let Some(runtime) = self.devices.get_mut(device) {
            let listed = runtime.calls.contains(&call);
            if state == ConnectionState::Null {
                runtime.calls.retain(|c| *c != call);
            } else if !listed {
                runtime.calls.push(call);
            }
            let idle = runtime.calls.is_empty();
            self.touched.push(device.to_owned());
            if idle {
                self.mark_agent_queues(device);
            }
        }
    }

    /// Emits an event about `subject` in `call`; every live party of the call and `extra`
    /// devices see it.
    pub(crate) fn emit(
        &mut self,
        kind: EventKind,
        cause: Cause,
        subject: &str,
        call: Option<CallId>,
        extra: &[&str],
        mut fields: EventFields,
    ) {
        let mut devices: Vec<DeviceId> = Vec::new();
        let mut add = |engine: &Engine, device: &str| {
            if engine.is_enterprise_device(device) && !devices.iter().any(|d| d == device) {
                devices.push(device.to_owned());
            }
        };
        add(self, subject);
        for device in extra {
            add(self, device);
        }
        if let Some(entry) = call.and_then(|id| self.calls.get(&id)) {
            for connection in entry.live_parties() {
                add(self, &connection.device);
            }
            fields.call_id = Some(self.call_ref(entry.id));
            fields.local_connection_info = Some(entry.state_of(subject));
        }
        self.out.push(Event {
            at: self.now,
            kind,
            cause,
            subject: subject.to_owned(),
            devices,
            fields,
        });
    }

    fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::OriginatorRing {
                call,
                device,
                generation,
            } => {
                if self.current(call, &device, generation, ConnectionState::Initiated) {
                    self.clear_connection_with(call, &device, Cause::CallNotAnswered);
                }
            }
            Timer::Ring {
                call,
                device,
                generation,
            } => {
                if self.current(call, &device, generation, ConnectionState::Alerting) {
                    self.ring_timeout(call, &device);
                }
            }
            Timer::Offer {
                call,
                agent,
                generation,
            } => {
                if self.current(call, &agent, generation, ConnectionState::Alerting) {
                    self.offer_unanswered(call, &agent, Cause::CallNotAnswered);
                }
            }
            Timer::MaxWait { call, queue } => self.queue_max_wait(call, &queue),
            Timer::NoAgentWait { call, queue } => self.queue_no_agent_wait(call, &queue),
            Timer::WrapUp {
                queue,
                agent,
                until,
            } => self.wrap_up_over(&queue, &agent, until),
            Timer::AbsenceBoundary { device } => self.touched.push(device),
        }
    }

    /// Whether a timer set for `device` in `call` at `generation` still applies.
    fn current(&self, call: CallId, device: &str, generation: u64, state: ConnectionState) -> bool {
        self.calls.get(&call).is_some_and(|entry| {
            entry
                .connection(device)
                .is_some_and(|c| c.generation == generation && c.state == state)
        })
    }

    /// The device state as the network sees it.
    pub(crate) fn device_state(&self, device: &str) -> &'static str {
        let Some(runtime) = self.devices.get(device) else {
            return "available";
        };
        if let Some(DeviceKind::Memberline {
            status_source: StatusSource::Application,
            ..
        }) = self.kind_of(device)
        {
            return runtime
                .terminal_status
                .unwrap_or(TerminalStatus::Available)
                .as_str();
        }
        if runtime.powered_off {
            return "offline";
        }
        let mut ringing = false;
        for call in &runtime.calls {
            match self.calls.get(call).map(|c| c.state_of(device)) {
                Some(
                    ConnectionState::Connected | ConnectionState::Hold | ConnectionState::Initiated,
                ) => {
                    return "busy";
                }
                Some(ConnectionState::Alerting) => ringing = true,
                _ => {}
            }
        }
        if ringing { "ringing" } else { "available" }
    }

    pub(crate) fn current_absence(
        &self,
        device: &str,
    ) -> Option<&sentral_domain::directory::Absence> {
        self.directory
            .devices
            .get(device)?
            .absences
            .iter()
            .find(|absence| absence.is_current(self.now))
    }

    /// Presence of a member's device (queues, virtual numbers and voice mail have none).
    pub(crate) fn presence(&self, device: &str) -> Option<Presence> {
        match self.kind_of(device)? {
            DeviceKind::Mobile { .. } | DeviceKind::Memberline { .. } => {}
            _ => return None,
        }
        let device_state = self.device_state(device);
        let absence = self.current_absence(device).map(|absence| AbsenceInfo {
            absence_id: absence.id.as_str().to_owned(),
            kind: absence.kind.as_str(),
            from: absence.from,
            until: absence.until,
            note: absence.note.clone(),
        });
        let availability = match (&absence, device_state) {
            (Some(_), _) => "absent",
            (None, "ringing") => "busy",
            (None, state) => state,
        };
        Some(Presence {
            device_state,
            absence,
            availability,
        })
    }

    fn publish_presence(&mut self, device: &str) {
        let presence = self.presence(device);
        let Some(runtime) = self.devices.get_mut(device) else {
            return;
        };
        if runtime.last_presence == presence {
            return;
        }
        runtime.last_presence.clone_from(&presence);
        let fields = EventFields {
            status: presence,
            ..EventFields::default()
        };
        self.emit(
            EventKind::StatusChanged,
            Cause::NetworkSignal,
            device,
            None,
            &[],
            fields,
        );
    }

    pub(crate) fn touch(&mut self, device: &str) {
        self.touched.push(device.to_owned());
    }

    /// Installs a configuration: directory, queues, absence timers. Runtime state of devices
    /// and agents that remain is kept.
    pub(crate) fn install(&mut self, config: EnterpriseConfig) {
        self.directory = Directory::build(&config);
        let mut numbers: Vec<&DeviceId> = self.directory.devices.keys().collect();
        numbers.sort();
        let numbers: Vec<DeviceId> = numbers.into_iter().cloned().collect();
        for number in &numbers {
            self.devices.entry(number.clone()).or_default();
            self.schedule_absence_boundaries(number);
        }
        let directory = &self.directory.devices;
        self.devices
            .retain(|number, runtime| directory.contains_key(number) || !runtime.calls.is_empty());
        self.queue_by_device.clear();
        let mut queues = BTreeMap::new();
        let mut stored_changes = Vec::new();
        let mut wrap_ups = Vec::new();
        for queue in &config.queues {
            self.queue_by_device
                .insert(queue.device.clone(), queue.queue_id.clone());
            let runtime = match self.queues.remove(&queue.queue_id) {
                Some(mut existing) => {
                    for (device, state) in existing.reconfigure(queue.clone()) {
                        stored_changes.push((queue.queue_id.clone(), device, state));
                    }
                    existing
                }
                None => {
                    let mut fresh = QueueRuntime::new(queue.clone(), self.now);
                    // An agent stored in wrap-up finishes it from now.
                    let until = self.now.plus_seconds(i64::from(queue.wrap_up_time.max(1)));
                    for agent in &mut fresh.agents {
                        if agent.state == AgentState::WorkingAfterCall {
                            agent.ready_at = Some(until);
                            wrap_ups.push((queue.queue_id.clone(), agent.device.clone(), until));
                        }
                    }
                    fresh
                }
            };
            queues.insert(queue.queue_id.clone(), runtime);
        }
        self.queues = queues;
        for (queue, agent, until) in wrap_ups {
            self.schedule(
                until,
                Timer::WrapUp {
                    queue,
                    agent,
                    until,
                },
            );
        }
        for (queue, device, state) in stored_changes {
            self.set_stored_agent_state(&queue, &device, state);
        }
        for (device, status) in &config.terminal_statuses {
            if let Some(runtime) = self.devices.get_mut(device) {
                runtime.terminal_status = Some(*status);
            }
        }
        self.config = config;
    }

    pub(crate) fn schedule_absence_boundaries(&mut self, device: &str) {
        let now = self.now;
        let boundaries: Vec<Timestamp> = self
            .directory
            .devices
            .get(device)
            .map(|d| {
                d.absences
                    .iter()
                    .flat_map(|a| [a.from, a.until])
                    .filter(|at| *at > now)
                    .collect()
            })
            .unwrap_or_default();
        for at in boundaries {
            self.schedule(
                at,
                Timer::AbsenceBoundary {
                    device: device.to_owned(),
                },
            );
        }
    }

    /// Agent state of `device` in `queue`, if it is an agent there.
    pub fn agent_state(&self, queue: &str, device: &str) -> Option<&AgentState> {
        self.queues.get(queue)?.agent(device).map(|a| &a.state)
    }
}

fn seed(enterprise_id: &str) -> u64 {
    // FNV-1a: a fixed seed per enterprise keeps `random` distribution reproducible.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in enterprise_id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash | 1
}
