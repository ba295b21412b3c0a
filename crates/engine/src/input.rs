//! What drives the engine: call-control services from applications, signals from the network
//! (the sandbox plays the handsets), configuration changes, and the passing of time.

pub use sentral_domain::directory::TerminalStatus;
use sentral_domain::directory::{Absence, CallForwarding};

use serde::{Deserialize, Serialize};

use crate::config::{AgentState, EnterpriseConfig};
use crate::model::{CallId, DeviceId};

/// A CSTA service request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Command {
    /// Rings `calling` first; when it answers, dials `called`.
    MakeCall {
        calling: DeviceId,
        called: String,
    },
    AnswerCall {
        call: CallId,
        device: DeviceId,
    },
    ClearConnection {
        call: CallId,
        device: DeviceId,
    },
    ClearCall {
        call: CallId,
    },
    HoldCall {
        call: CallId,
        device: DeviceId,
    },
    RetrieveCall {
        call: CallId,
        device: DeviceId,
    },
    DeflectCall {
        call: CallId,
        device: DeviceId,
        to: String,
    },
    SingleStepTransferCall {
        call: CallId,
        device: DeviceId,
        to: String,
    },
    ConsultationCall {
        call: CallId,
        device: DeviceId,
        to: String,
    },
    TransferCall {
        device: DeviceId,
        held_call: CallId,
        active_call: CallId,
    },
    ConferenceCall {
        device: DeviceId,
        held_call: CallId,
        active_call: CallId,
    },
    /// Do-not-disturb on a device (CSTA forwardDND).
    SetDoNotDisturb {
        device: DeviceId,
        on: bool,
    },
    /// `queue` `None`: every queue the device is an agent of.
    SetAgentState {
        device: DeviceId,
        queue: Option<String>,
        state: AgentState,
    },
}

/// Something the network or a person did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Signal {
    /// A call placed from a handset: an outside number or a device of the enterprise.
    PlaceCall {
        from: DeviceId,
        to: String,
    },
    Answer {
        device: DeviceId,
    },
    Reject {
        device: DeviceId,
    },
    HangUp {
        device: DeviceId,
    },
    Power {
        device: DeviceId,
        on: bool,
    },
}

/// A change of what the directory says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Reconfigure {
    Forwarding {
        device: DeviceId,
        forwarding: CallForwarding,
    },
    Absences {
        device: DeviceId,
        absences: Vec<Absence>,
    },
    /// A memberline whose status an application sets: available, busy or offline.
    TerminalStatus {
        device: DeviceId,
        status: TerminalStatus,
    },
    /// Everything else (numbering plan, devices, queues): replaces the configuration and keeps
    /// calls, power and agent states of what remains.
    Replace(Box<EnterpriseConfig>),
}

/// One input of the step function. As JSON (the journal keeps inputs), externally tagged with
/// camelCase names, e.g. `{"command":{"makeCall":{"calling":"4790000001","called":"202"}}}`;
/// calls are their number within the enterprise (`{"call":7,…}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Input {
    Command(Command),
    Signal(Signal),
    Reconfigure(Reconfigure),
}

/// What a service answers besides its events: `"done"` or `{"call":{"call":7,"device":"…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Outcome {
    Done,
    /// MakeCall and ConsultationCall: the new call and the controlling device's connection.
    Call {
        call: CallId,
        device: DeviceId,
    },
}
