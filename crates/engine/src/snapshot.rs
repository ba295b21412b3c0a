//! Snapshots: the full current state of a device, a call or the whole enterprise, for a
//! monitor's start and for resynchronising after a gap.

use sentral_domain::directory::{CallForwarding, ForwardingKind};
use serde::{Deserialize, Serialize};

use crate::config::{AgentState, DeviceKind};
use crate::engine::Engine;
use crate::error::CstaError;
use crate::event::{DeviceRef, ForwardingInfo, Presence};
use crate::model::{CallId, ConnectionState, DeviceId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartySnapshot {
    pub device: DeviceRef,
    pub state: ConnectionState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallSnapshot {
    pub call_id: String,
    pub calling_device: DeviceRef,
    pub connections: Vec<PartySnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentSnapshot {
    pub queue_id: String,
    #[serde(deserialize_with = "crate::durable::names::agent_state")]
    #[schema(value_type = String)]
    pub agent_state: crate::durable::Name,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceSnapshot {
    pub device: DeviceRef,
    /// mobile, memberline, queue, virtual or voicemail.
    #[serde(deserialize_with = "crate::durable::names::device_kind")]
    #[schema(value_type = String)]
    pub kind: crate::durable::Name,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    pub powered_on: bool,
    pub do_not_disturb: bool,
    /// The device's connections: the call, its own state and every party's.
    pub calls: Vec<CallSnapshot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Presence>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forwarding: Vec<ForwardingInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agent_states: Vec<AgentSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseSnapshot {
    pub enterprise_id: String,
    pub devices: Vec<DeviceSnapshot>,
    pub calls: Vec<CallSnapshot>,
}

/// A forwarding rule as CSTA GetForwarding answers it.
pub fn forwarding_info(forwarding: &CallForwarding, kind: ForwardingKind) -> ForwardingInfo {
    let rule = forwarding.rule(kind);
    ForwardingInfo {
        forwarding_type: match kind {
            ForwardingKind::Immediate => "forwardImmediate",
            ForwardingKind::Busy => "forwardBusy",
            ForwardingKind::NoAnswer => "forwardNoAns",
            ForwardingKind::Unavailable => "forwardUnavailable",
        },
        forward_status: rule.active,
        forward_dn: rule.destination.as_ref().map(|d| d.as_str().to_owned()),
        ring_duration: (kind == ForwardingKind::NoAnswer)
            .then_some(u32::from(forwarding.ring_seconds)),
    }
}

impl Engine {
    pub fn snapshot_call(&self, call: CallId) -> Result<CallSnapshot, CstaError> {
        let entry = self.call(call)?;
        Ok(CallSnapshot {
            call_id: self.call_ref(call),
            calling_device: self.device_ref(&entry.calling),
            connections: entry
                .live_parties()
                .map(|c| PartySnapshot {
                    device: self.device_ref(&c.device),
                    state: c.state,
                })
                .collect(),
        })
    }

    pub fn snapshot_device(&self, device: &str) -> Result<DeviceSnapshot, CstaError> {
        let config = self
            .directory
            .devices
            .get(device)
            .ok_or_else(|| CstaError::InvalidDeviceIdentifier(device.to_owned()))?;
        let runtime = self.devices.get(device).cloned().unwrap_or_default();
        let mut calls = runtime.calls.clone();
        calls.sort();
        let person = matches!(
            config.kind,
            DeviceKind::Mobile { .. } | DeviceKind::Memberline { .. }
        );
        Ok(DeviceSnapshot {
            device: self.device_ref(device),
            kind: config.kind.as_str(),
            member_id: config.kind.member_id().map(str::to_owned),
            powered_on: !runtime.powered_off,
            do_not_disturb: runtime.do_not_disturb,
            calls: calls
                .into_iter()
                .filter_map(|call| self.snapshot_call(call).ok())
                .collect(),
            status: self.presence(device),
            forwarding: if person {
                ForwardingKind::ALL
                    .into_iter()
                    .map(|kind| forwarding_info(&config.forwarding, kind))
                    .collect()
            } else {
                Vec::new()
            },
            agent_states: self
                .queues
                .iter()
                .filter_map(|(id, queue)| {
                    let agent = queue.agent(device)?;
                    Some(AgentSnapshot {
                        queue_id: id.clone(),
                        agent_state: agent.state.as_str(),
                        reason: match &agent.state {
                            AgentState::NotReady { reason } => reason.clone(),
                            _ => None,
                        },
                    })
                })
                .collect(),
        })
    }

    pub fn snapshot_enterprise(&self) -> EnterpriseSnapshot {
        let mut numbers: Vec<&String> = self.directory.devices.keys().collect();
        numbers.sort();
        EnterpriseSnapshot {
            enterprise_id: self.config.enterprise_id.clone(),
            devices: numbers
                .into_iter()
                .filter_map(|number| self.snapshot_device(number).ok())
                .collect(),
            calls: self
                .calls
                .keys()
                .filter_map(|call| self.snapshot_call(*call).ok())
                .collect(),
        }
    }

    /// Presence of one device, if it is a member's.
    pub fn device_presence(&self, device: &str) -> Option<Presence> {
        self.presence(device)
    }

    /// Number of calls in progress (for metrics and benchmarks).
    pub fn active_calls(&self) -> usize {
        self.calls.len()
    }
}

impl Engine {
    /// The engine's own bookkeeping agrees with itself: every live connection of a device is
    /// in that device's list of calls and back, every call has a live party, every waiting
    /// caller is in a queue stage. Tests run it after every step.
    pub fn check_invariants(&self) -> Result<(), String> {
        for (id, call) in &self.calls {
            if call.live_count() == 0 {
                return Err(format!("call {} has no live connection", id.0));
            }
            for connection in call.live_parties() {
                if let Some(runtime) = self.devices.get(&connection.device)
                    && !runtime.calls.contains(id)
                {
                    return Err(format!(
                        "{} in call {} but not listed",
                        connection.device, id.0
                    ));
                }
            }
        }
        for (device, runtime) in &self.devices {
            for call in &runtime.calls {
                let state = self.calls.get(call).map(|c| c.state_of(device));
                if matches!(state, None | Some(ConnectionState::Null)) {
                    return Err(format!(
                        "{device} lists call {} where it has no connection",
                        call.0
                    ));
                }
            }
        }
        for (queue_id, queue) in &self.queues {
            for call in &queue.waiting {
                let staged = self
                    .calls
                    .get(call)
                    .and_then(|c| c.queue.as_ref())
                    .is_some_and(|stage| stage.queue == queue.config.device);
                if !staged {
                    return Err(format!(
                        "queue {queue_id} lists call {} not waiting there",
                        call.0
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Engine {
    /// `(member id, device, presence)` of every member's device, by device number.
    pub fn member_presences(&self) -> Vec<(String, DeviceId, Presence)> {
        let mut devices: Vec<&crate::config::DeviceConfig> =
            self.directory.devices.values().collect();
        devices.sort_by(|a, b| a.number.cmp(&b.number));
        devices
            .into_iter()
            .filter_map(|device| {
                let member = device.kind.member_id()?.to_owned();
                Some((
                    member,
                    device.number.clone(),
                    self.presence(&device.number)?,
                ))
            })
            .collect()
    }

    /// A device as events show it (number and short number).
    pub fn device_ref_of(&self, device: &str) -> DeviceRef {
        self.device_ref(device)
    }

    /// Whether `device` (of this enterprise or not) has a connection in a call here.
    pub fn involves(&self, device: &str) -> bool {
        self.calls
            .values()
            .any(|call| call.state_of(device) != ConnectionState::Null)
    }
}

impl Engine {
    /// The queues `device` is an agent of, by queue id.
    pub fn agent_queues(&self, device: &str) -> Vec<String> {
        self.queues
            .iter()
            .filter(|(_, queue)| queue.agent(device).is_some())
            .map(|(id, _)| id.clone())
            .collect()
    }
}
