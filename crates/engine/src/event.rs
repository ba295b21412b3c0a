//! CSTA events as the engine emits them, with their ECMA-269 names, causes and fields.

use sentral_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::model::{ConnectionState, DeviceId};

/// Event types (ECMA-269 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub enum EventKind {
    ServiceInitiated,
    Originated,
    Delivered,
    Established,
    Held,
    Retrieved,
    ConnectionCleared,
    CallCleared,
    Transferred,
    Conferenced,
    Diverted,
    Queued,
    Failed,
    AgentLoggedOn,
    AgentLoggedOff,
    AgentReady,
    AgentNotReady,
    AgentWorkingAfterCall,
    DoNotDisturb,
    Forwarding,
    StatusChanged,
}

impl EventKind {
    pub const ALL: [EventKind; 21] = [
        EventKind::ServiceInitiated,
        EventKind::Originated,
        EventKind::Delivered,
        EventKind::Established,
        EventKind::Held,
        EventKind::Retrieved,
        EventKind::ConnectionCleared,
        EventKind::CallCleared,
        EventKind::Transferred,
        EventKind::Conferenced,
        EventKind::Diverted,
        EventKind::Queued,
        EventKind::Failed,
        EventKind::AgentLoggedOn,
        EventKind::AgentLoggedOff,
        EventKind::AgentReady,
        EventKind::AgentNotReady,
        EventKind::AgentWorkingAfterCall,
        EventKind::DoNotDisturb,
        EventKind::Forwarding,
        EventKind::StatusChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ServiceInitiated => "ServiceInitiated",
            EventKind::Originated => "Originated",
            EventKind::Delivered => "Delivered",
            EventKind::Established => "Established",
            EventKind::Held => "Held",
            EventKind::Retrieved => "Retrieved",
            EventKind::ConnectionCleared => "ConnectionCleared",
            EventKind::CallCleared => "CallCleared",
            EventKind::Transferred => "Transferred",
            EventKind::Conferenced => "Conferenced",
            EventKind::Diverted => "Diverted",
            EventKind::Queued => "Queued",
            EventKind::Failed => "Failed",
            EventKind::AgentLoggedOn => "AgentLoggedOn",
            EventKind::AgentLoggedOff => "AgentLoggedOff",
            EventKind::AgentReady => "AgentReady",
            EventKind::AgentNotReady => "AgentNotReady",
            EventKind::AgentWorkingAfterCall => "AgentWorkingAfterCall",
            EventKind::DoNotDisturb => "DoNotDisturb",
            EventKind::Forwarding => "Forwarding",
            EventKind::StatusChanged => "StatusChanged",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// Event causes (ECMA-269 `EventCause`, plus `absence` and `callForwardUnavailable` for the
/// network's own diversions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Cause {
    Normal,
    NewCall,
    MakeCall,
    Consultation,
    Transfer,
    SingleStepTransfer,
    Conference,
    Redirected,
    NormalClearing,
    CallForwardImmediate,
    CallForwardBusy,
    CallForwardNoAnswer,
    CallForwardUnavailable,
    Absence,
    Busy,
    DestNotObtainable,
    CallNotAnswered,
    EnteringDistribution,
    Distributed,
    NoAvailableAgents,
    Overflow,
    QueueTimeOverflow,
    DoNotDisturb,
    NetworkSignal,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Normal => "normal",
            Cause::NewCall => "newCall",
            Cause::MakeCall => "makeCall",
            Cause::Consultation => "consultation",
            Cause::Transfer => "transfer",
            Cause::SingleStepTransfer => "singleStepTransfer",
            Cause::Conference => "conference",
            Cause::Redirected => "redirected",
            Cause::NormalClearing => "normalClearing",
            Cause::CallForwardImmediate => "callForwardImmediate",
            Cause::CallForwardBusy => "callForwardBusy",
            Cause::CallForwardNoAnswer => "callForwardNoAnswer",
            Cause::CallForwardUnavailable => "callForwardUnavailable",
            Cause::Absence => "absence",
            Cause::Busy => "busy",
            Cause::DestNotObtainable => "destNotObtainable",
            Cause::CallNotAnswered => "callNotAnswered",
            Cause::EnteringDistribution => "enteringDistribution",
            Cause::Distributed => "distributed",
            Cause::NoAvailableAgents => "noAvailableAgents",
            Cause::Overflow => "overflow",
            Cause::QueueTimeOverflow => "queueTimeOverflow",
            Cause::DoNotDisturb => "doNotDisturb",
            Cause::NetworkSignal => "networkSignal",
        }
    }
}

/// A device as events show it: the E.164 number and, where the plan gives one, the short number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRef {
    pub device_id: DeviceId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_number: Option<String>,
}

/// A connection: a call and a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionRef {
    pub call_id: String,
    pub device_id: DeviceId,
}

/// One party's move in a transfer: its connection before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferredConnection {
    pub old_connection: ConnectionRef,
    pub new_connection: ConnectionRef,
}

/// A forwarding rule as events and snapshots show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForwardingInfo {
    /// forwardImmediate, forwardBusy, forwardNoAns, forwardUnavailable or forwardDND.
    #[serde(deserialize_with = "crate::durable::names::forwarding_type")]
    #[schema(value_type = String)]
    pub forwarding_type: crate::durable::Name,
    pub forward_status: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forward_dn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ring_duration: Option<u32>,
}

/// A device's presence: what the network sees, the absence, and the availability computed
/// from both.
// `Deserialize` is in durable.rs (it reads back the texts this writes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    /// available, ringing, busy or offline.
    pub device_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absence: Option<AbsenceInfo>,
    /// available, busy, offline or absent (an active absence wins).
    pub availability: &'static str,
}

// `Deserialize` is in durable.rs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AbsenceInfo {
    pub absence_id: String,
    pub kind: &'static str,
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub until: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The CSTA fields of an event; each kind fills the ones ECMA-269 gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// The subject device's connection state after the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_connection_info: Option<ConnectionState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calling_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub called_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerting_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answering_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_redirection_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diverting_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_destination: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub releasing_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holding_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrieving_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transferring_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transferred_to_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transferred_connections: Vec<TransferredConnection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conferencing_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conference_connections: Vec<ConnectionRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_queued: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_device: Option<DeviceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarding: Option<ForwardingInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub do_not_disturb: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Presence>,
}

/// One event: when, what, why, about which device, which devices it concerns (for device
/// monitors), and its CSTA fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: Timestamp,
    pub kind: EventKind,
    pub cause: Cause,
    pub subject: DeviceId,
    /// Enterprise devices taking part (a device monitor of any of them sees the event).
    pub devices: Vec<DeviceId>,
    pub fields: EventFields,
}

impl Event {
    /// The CSTA fields as JSON, for the event envelope's payload.
    pub fn payload(&self) -> serde_json::Value {
        serde_json::to_value(&self.fields).unwrap_or(serde_json::Value::Null)
    }
}
