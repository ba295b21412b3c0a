//! A queue as the Queue API's status shows it: waiting callers with position and wait time,
//! agents' user and system states, counters and the service level.

use sentral_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::AgentState;
use crate::engine::Engine;
use crate::event::DeviceRef;
use crate::model::ConnectionState;
use crate::queues::QueueCounters;

/// A waiting caller as the Queue API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitingCaller {
    pub call_id: String,
    pub calling_device: DeviceRef,
    /// 1 = next to be offered.
    pub position: u32,
    pub wait_seconds: i64,
    /// Agents the call rings at right now.
    pub offered_to: Vec<DeviceRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentStatus {
    pub agent_device: DeviceRef,
    pub position: u32,
    /// What the agent set: loggedOff, notReady, ready, workingAfterCall.
    #[serde(deserialize_with = "crate::durable::names::agent_state")]
    #[schema(value_type = String)]
    pub agent_state: crate::durable::Name,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the system sees: idle, reserved (an offer rings) or busy.
    #[serde(deserialize_with = "crate::durable::names::system_state")]
    #[schema(value_type = String)]
    pub system_state: crate::durable::Name,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ready_at: Option<Timestamp>,
    pub answered_calls: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatus {
    pub queue_id: String,
    pub queue: DeviceRef,
    #[serde(deserialize_with = "crate::durable::names::strategy")]
    #[schema(value_type = String)]
    pub strategy: crate::durable::Name,
    pub waiting: Vec<WaitingCaller>,
    pub agents: Vec<AgentStatus>,
    pub counters: QueueCounters,
    pub service_level_seconds: u32,
    /// Share of answered calls answered within `serviceLevelSeconds`, in percent; `null` before
    /// the first answered call.
    pub service_level_percent: Option<f64>,
}

impl Engine {
    /// Waiting callers, agents and counters of a queue.
    pub fn queue_status(&self, queue_id: &str) -> Option<QueueStatus> {
        let queue = self.queues.get(queue_id)?;
        let waiting = queue
            .waiting
            .iter()
            .enumerate()
            .filter_map(|(i, call)| {
                let entry = self.calls.get(call)?;
                let stage = entry.queue.as_ref()?;
                Some(WaitingCaller {
                    call_id: self.call_ref(*call),
                    calling_device: self.device_ref(&entry.calling),
                    position: i as u32 + 1,
                    wait_seconds: stage.enqueued_at.seconds_until(self.now),
                    offered_to: stage.offered.iter().map(|a| self.device_ref(a)).collect(),
                })
            })
            .collect();
        let agents = queue
            .agents
            .iter()
            .map(|agent| {
                let runtime = self.devices.get(&agent.device);
                let states: Vec<ConnectionState> = runtime
                    .map(|r| {
                        r.calls
                            .iter()
                            .filter_map(|c| self.calls.get(c).map(|c| c.state_of(&agent.device)))
                            .collect()
                    })
                    .unwrap_or_default();
                let system_state = if states.iter().any(|s| *s != ConnectionState::Alerting) {
                    "busy"
                } else if states.is_empty() {
                    "idle"
                } else {
                    "reserved"
                };
                AgentStatus {
                    agent_device: self.device_ref(&agent.device),
                    position: agent.position,
                    agent_state: agent.state.as_str(),
                    reason: match &agent.state {
                        AgentState::NotReady { reason } => reason.clone(),
                        _ => None,
                    },
                    system_state,
                    ready_at: agent.ready_at.filter(|at| *at > self.now),
                    answered_calls: agent.answered,
                }
            })
            .collect();
        let counters = queue.counters;
        Some(QueueStatus {
            queue_id: queue_id.to_owned(),
            queue: self.device_ref(&queue.config.device),
            strategy: queue.config.strategy.as_str(),
            waiting,
            agents,
            counters,
            service_level_seconds: queue.config.service_level_seconds,
            service_level_percent: (counters.answered > 0).then(|| {
                (counters.answered_within_service_level as f64 * 1000.0 / counters.answered as f64)
                    .round()
                    / 10.0
            }),
        })
    }
}
