//! The engine's whole state as data, so that a new owner of an enterprise can go on where the
//! last one stopped: [`Engine::save`] between steps, [`Engine::restore`] on the new node, then
//! the journal's inputs after the snapshot, replayed in order.
//!
//! What is kept: the configuration (with the forwarding, absences and statuses changed since),
//! devices' runtime, calls, queues' runtime (agents, waiting callers, counters), timers with
//! their sequence numbers, the call and timer counters, the random state and `now`; also the
//! agent states the engine set itself that the services have not taken yet, and (normally
//! empty) distribution work left for the next step. What is rebuilt: the directory lookups and
//! queue devices (both made from the configuration, as `install` makes them). Events of a step
//! (`out`) and devices whose presence is to be published (`touched`) are always empty between
//! steps (`finish` takes them); `save` asserts so in debug builds.
//!
//! Maps become sequences in a fixed order (devices by number, calls by id, queues by id,
//! timers by time and sequence), so that one state always writes the same JSON.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sentral_domain::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};

use crate::config::{Directory, EnterpriseConfig};
use crate::engine::{DeviceRuntime, Engine, Timer};
use crate::error::CstaError;
use crate::event::{AbsenceInfo, Presence};
use crate::model::{Call, CallId, DeviceId};
use crate::queues::{AgentRuntime, QueueCounters, QueueRuntime, SystemAgentChange};

/// The layout of [`EngineState`] this build writes and reads.
pub const ENGINE_STATE_VERSION: u32 = 1;

/// Everything of an [`Engine`] that decides what it does next. Serialize it to keep it;
/// [`EngineState::from_json`] reads it back (checking the version first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineState {
    /// [`ENGINE_STATE_VERSION`] when written by this build.
    pub version: u32,
    pub(crate) config: EnterpriseConfig,
    pub(crate) now: Timestamp,
    pub(crate) rng: u64,
    pub(crate) next_call: u64,
    pub(crate) timer_seq: u64,
    pub(crate) devices: Vec<DeviceEntry>,
    pub(crate) calls: Vec<Call>,
    pub(crate) queues: Vec<QueueEntry>,
    pub(crate) timers: Vec<TimerEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) system_agent_changes: Vec<SystemAgentChange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) dirty_queues: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) agents_done: Vec<(String, DeviceId)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeviceEntry {
    number: DeviceId,
    #[serde(flatten)]
    runtime: DeviceRuntime,
}

/// A queue's runtime; its settings are the configuration's queue of the same id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueueEntry {
    queue_id: String,
    agents: Vec<AgentRuntime>,
    waiting: Vec<CallId>,
    last_offered: Option<DeviceId>,
    counters: QueueCounters,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TimerEntry {
    at: Timestamp,
    seq: u64,
    timer: Timer,
}

/// Why a saved state cannot become an engine again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreError {
    /// Written by a build with another layout.
    UnknownVersion { found: u32, supported: u32 },
    /// Not the JSON of an [`EngineState`].
    Malformed(String),
    /// Well-formed, but no engine could have been in this state.
    Inconsistent(String),
}

impl std::fmt::Display for RestoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestoreError::UnknownVersion { found, supported } => write!(
                f,
                "engine state version {found} is not the version {supported} this build reads"
            ),
            RestoreError::Malformed(problem) => write!(f, "engine state is malformed: {problem}"),
            RestoreError::Inconsistent(problem) => {
                write!(f, "engine state is inconsistent: {problem}")
            }
        }
    }
}

impl std::error::Error for RestoreError {}

impl EngineState {
    /// The enterprise the state is of.
    pub fn enterprise_id(&self) -> &str {
        &self.config.enterprise_id
    }

    /// The engine's time when it was saved.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|error| unreachable!("an engine state always serializes: {error}"))
    }

    /// Reads [`EngineState::to_json`]'s text: the version first, so that a state of another
    /// layout is told as such and not as malformed.
    pub fn from_json(text: &str) -> Result<Self, RestoreError> {
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        let Versioned { version } =
            serde_json::from_str(text).map_err(|e| RestoreError::Malformed(e.to_string()))?;
        check_version(version)?;
        serde_json::from_str(text).map_err(|e| RestoreError::Malformed(e.to_string()))
    }
}

fn check_version(found: u32) -> Result<(), RestoreError> {
    if found == ENGINE_STATE_VERSION {
        Ok(())
    } else {
        Err(RestoreError::UnknownVersion {
            found,
            supported: ENGINE_STATE_VERSION,
        })
    }
}

fn inconsistent(problem: String) -> RestoreError {
    RestoreError::Inconsistent(problem)
}

impl Engine {
    /// The whole state, between two steps (`handle` and `tick` leave the engine so).
    pub fn save(&self) -> EngineState {
        debug_assert!(
            self.out.is_empty() && self.touched.is_empty(),
            "an engine is saved between steps"
        );
        let mut devices: Vec<DeviceEntry> = self
            .devices
            .iter()
            .map(|(number, runtime)| DeviceEntry {
                number: number.clone(),
                runtime: runtime.clone(),
            })
            .collect();
        devices.sort_by(|a, b| a.number.cmp(&b.number));
        debug_assert!(self.calls.iter().all(|(id, call)| *id == call.id));
        EngineState {
            version: ENGINE_STATE_VERSION,
            config: self.config.clone(),
            now: self.now,
            rng: self.rng,
            next_call: self.next_call,
            timer_seq: self.timer_seq,
            devices,
            calls: self.calls.values().cloned().collect(),
            queues: self
                .queues
                .iter()
                .map(|(id, queue)| QueueEntry {
                    queue_id: id.clone(),
                    agents: queue.agents.clone(),
                    waiting: queue.waiting.clone(),
                    last_offered: queue.last_offered.clone(),
                    counters: queue.counters,
                })
                .collect(),
            timers: self
                .timers
                .iter()
                .map(|(&(at, seq), timer)| TimerEntry {
                    at,
                    seq,
                    timer: timer.clone(),
                })
                .collect(),
            system_agent_changes: self.system_agent_changes.clone(),
            dirty_queues: self.dirty_queues.iter().cloned().collect(),
            agents_done: self.agents_done.clone(),
        }
    }

    /// The engine `state` was saved from: the same steps and ticks follow from the same inputs.
    pub fn restore(state: EngineState) -> Result<Engine, RestoreError> {
        check_version(state.version)?;
        let EngineState {
            version: _,
            config,
            now,
            rng,
            next_call,
            timer_seq,
            devices: device_entries,
            calls: call_list,
            queues: queue_entries,
            timers: timer_entries,
            system_agent_changes,
            dirty_queues,
            agents_done,
        } = state;

        let directory = Directory::build(&config);

        let mut devices = HashMap::new();
        for DeviceEntry { number, runtime } in device_entries {
            if devices.insert(number.clone(), runtime).is_some() {
                return Err(inconsistent(format!("device {number} is listed twice")));
            }
        }
        let mut numbers: Vec<&DeviceId> = directory.devices.keys().collect();
        numbers.sort();
        if let Some(number) = numbers.into_iter().find(|n| !devices.contains_key(*n)) {
            return Err(inconsistent(format!(
                "device {number} of the configuration has no runtime"
            )));
        }

        let mut calls = BTreeMap::new();
        for call in call_list {
            if call.id.0 > next_call {
                return Err(inconsistent(format!(
                    "call {} is beyond the call counter {next_call}",
                    call.id.0
                )));
            }
            let id = call.id;
            if calls.insert(id, call).is_some() {
                return Err(inconsistent(format!("call {} is listed twice", id.0)));
            }
        }

        // Settings and queue devices as `install` makes them: the last queue of an id wins.
        let mut settings = BTreeMap::new();
        let mut queue_by_device = HashMap::new();
        for queue in &config.queues {
            queue_by_device.insert(queue.device.clone(), queue.queue_id.clone());
            settings.insert(queue.queue_id.clone(), queue.clone());
        }
        let mut queues = BTreeMap::new();
        for entry in queue_entries {
            let Some(queue_config) = settings.remove(&entry.queue_id) else {
                return Err(inconsistent(format!(
                    "queue {} is not configured (or listed twice)",
                    entry.queue_id
                )));
            };
            let mut configured: Vec<&str> = queue_config
                .agents
                .iter()
                .map(|a| a.device.as_str())
                .collect();
            let mut running: Vec<&str> = entry.agents.iter().map(|a| a.device.as_str()).collect();
            configured.sort_unstable();
            running.sort_unstable();
            if configured != running {
                return Err(inconsistent(format!(
                    "agents of queue {} are not the configured ones",
                    entry.queue_id
                )));
            }
            queues.insert(
                entry.queue_id,
                QueueRuntime {
                    config: queue_config,
                    agents: entry.agents,
                    waiting: entry.waiting,
                    last_offered: entry.last_offered,
                    counters: entry.counters,
                },
            );
        }
        if let Some(queue_id) = settings.keys().next() {
            return Err(inconsistent(format!(
                "configured queue {queue_id} has no runtime"
            )));
        }

        let mut timers = BTreeMap::new();
        for TimerEntry { at, seq, timer } in timer_entries {
            if seq > timer_seq {
                return Err(inconsistent(format!(
                    "timer {seq} is beyond the timer counter {timer_seq}"
                )));
            }
            if timers.insert((at, seq), timer).is_some() {
                return Err(inconsistent(format!("timer {seq} is listed twice")));
            }
        }

        let engine = Engine {
            config,
            directory,
            devices,
            calls,
            queues,
            queue_by_device,
            timers,
            timer_seq,
            next_call,
            rng,
            now,
            out: Vec::new(),
            touched: Vec::new(),
            dirty_queues: dirty_queues.into_iter().collect::<BTreeSet<_>>(),
            agents_done,
            system_agent_changes,
        };
        engine.check_invariants().map_err(inconsistent)?;
        Ok(engine)
    }
}

// Text fields the engine keeps as `&'static str` (in presences and errors) are read back as one
// of the texts it writes.

const DEVICE_STATES: &[&str] = &["available", "ringing", "busy", "offline"];
const AVAILABILITIES: &[&str] = &["available", "busy", "offline", "absent"];
const ABSENCE_KINDS: &[&str] = &["meeting", "illness", "holiday", "lunch", "trip", "other"];
const CONNECTION_STATES: &[&str] = &[
    "null",
    "initiated",
    "alerting",
    "connected",
    "hold",
    "queued",
    "fail",
];
/// What `expect_state` and `state_error` (services.rs) say a service needs.
const EXPECTED_STATES: &[&str] = &[
    "connected",
    "hold",
    "alerting",
    "alerting or initiated",
    "not null",
];

const AGENT_STATES: &[&str] = &["loggedOff", "notReady", "ready", "workingAfterCall"];
const DEVICE_KINDS: &[&str] = &["mobile", "memberline", "queue", "virtual", "voicemail"];
const SYSTEM_STATES: &[&str] = &["idle", "reserved", "busy"];
const STRATEGIES: &[&str] = &[
    "ringAll",
    "longestIdle",
    "roundRobin",
    "linear",
    "fewestCalls",
    "random",
];
const FORWARDING_TYPES: &[&str] = &[
    "forwardImmediate",
    "forwardBusy",
    "forwardNoAns",
    "forwardUnavailable",
    "forwardDND",
];

/// An engine-made name (`&'static str`) in a type that is also read back: spelled through this
/// alias so that serde does not take the field for a string borrowed from its input.
pub type Name = &'static str;

/// `deserialize_with` functions for the `&'static str` names of snapshots and queue status
/// (what another node's engine answered, read back as the texts this engine writes).
pub(crate) mod names {
    use serde::{Deserialize, Deserializer};

    macro_rules! name {
        ($function:ident, $names:expr) => {
            pub(crate) fn $function<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<&'static str, D::Error> {
                super::one_of(&String::deserialize(deserializer)?, $names)
            }
        };
    }

    name!(agent_state, super::AGENT_STATES);
    name!(device_kind, super::DEVICE_KINDS);
    name!(system_state, super::SYSTEM_STATES);
    name!(strategy, super::STRATEGIES);
    name!(forwarding_type, super::FORWARDING_TYPES);
}

fn one_of<E: serde::de::Error>(
    text: &str,
    names: &'static [&'static str],
) -> Result<&'static str, E> {
    names
        .iter()
        .copied()
        .find(|name| *name == text)
        .ok_or_else(|| E::unknown_variant(text, names))
}

impl<'de> Deserialize<'de> for Presence {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire {
            device_state: String,
            #[serde(default)]
            absence: Option<AbsenceInfo>,
            availability: String,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(Presence {
            device_state: one_of(&wire.device_state, DEVICE_STATES)?,
            absence: wire.absence,
            availability: one_of(&wire.availability, AVAILABILITIES)?,
        })
    }
}

impl<'de> Deserialize<'de> for AbsenceInfo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire {
            absence_id: String,
            kind: String,
            from: Timestamp,
            until: Timestamp,
            #[serde(default)]
            note: Option<String>,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(AbsenceInfo {
            absence_id: wire.absence_id,
            kind: one_of(&wire.kind, ABSENCE_KINDS)?,
            from: wire.from,
            until: wire.until,
            note: wire.note,
        })
    }
}

impl<'de> Deserialize<'de> for CstaError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
        enum Wire {
            InvalidCallIdentifier(String),
            InvalidDeviceIdentifier(String),
            InvalidConnectionIdentifier {
                call: String,
                device: String,
            },
            InvalidConnectionState {
                call: String,
                device: String,
                state: String,
                expected: String,
            },
            InvalidDestination(String),
            DeviceOutOfService(String),
            ValueOutOfRange(String),
            RequestIncompatibleWithObject(String),
        }
        Ok(match Wire::deserialize(deserializer)? {
            Wire::InvalidCallIdentifier(call) => CstaError::InvalidCallIdentifier(call),
            Wire::InvalidDeviceIdentifier(device) => CstaError::InvalidDeviceIdentifier(device),
            Wire::InvalidConnectionIdentifier { call, device } => {
                CstaError::InvalidConnectionIdentifier { call, device }
            }
            Wire::InvalidConnectionState {
                call,
                device,
                state,
                expected,
            } => CstaError::InvalidConnectionState {
                call,
                device,
                state: one_of(&state, CONNECTION_STATES)?,
                expected: one_of(&expected, EXPECTED_STATES)?,
            },
            Wire::InvalidDestination(digits) => CstaError::InvalidDestination(digits),
            Wire::DeviceOutOfService(device) => CstaError::DeviceOutOfService(device),
            Wire::ValueOutOfRange(what) => CstaError::ValueOutOfRange(what),
            Wire::RequestIncompatibleWithObject(what) => {
                CstaError::RequestIncompatibleWithObject(what)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use sentral_domain::directory::AbsenceKind;

    use super::*;
    use crate::model::ConnectionState;

    #[test]
    fn the_texts_read_back_are_the_ones_written() {
        let kinds: Vec<&str> = AbsenceKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, ABSENCE_KINDS);
        let states: Vec<&str> = [
            ConnectionState::Null,
            ConnectionState::Initiated,
            ConnectionState::Alerting,
            ConnectionState::Connected,
            ConnectionState::Hold,
            ConnectionState::Queued,
            ConnectionState::Fail,
        ]
        .iter()
        .map(|s| s.as_str())
        .collect();
        assert_eq!(states, CONNECTION_STATES);
    }
}
