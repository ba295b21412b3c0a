//! The telephony core of sentral: one pure, deterministic state machine per enterprise,
//! `(state, input, now) → (state, events)`, with the CSTA (ECMA-269) names for services,
//! connection states, events and causes. No I/O and no clock of its own: the caller passes
//! `now`, and timers (ring times, queue waits, wrap-up, absence windows) fire when a later
//! `now` reaches them.

mod agents;
mod config;
mod connections;
mod durable;
mod engine;
mod error;
mod event;
mod input;
mod joins;
mod model;
mod queue_status;
mod queues;
mod reconfigure;
mod routing;
mod services;
mod snapshot;

pub use config::{
    AgentConfig, AgentState, DeviceConfig, DeviceKind, EnterpriseConfig, QueueConfig, StatusSource,
    Strategy,
};
pub use durable::{ENGINE_STATE_VERSION, EngineState, RestoreError};
pub use engine::{Engine, Step};
pub use error::CstaError;
pub use event::{
    AbsenceInfo, Cause, ConnectionRef, DeviceRef, Event, EventFields, EventKind, ForwardingInfo,
    Presence, TransferredConnection,
};
pub use input::{Command, Input, Outcome, Reconfigure, Signal, TerminalStatus};
pub use model::{CallId, ConnectionState, DeviceId};
pub use queue_status::{AgentStatus, QueueStatus, WaitingCaller};
pub use queues::{QueueCounters, SystemAgentChange};
pub use snapshot::{
    AgentSnapshot, CallSnapshot, DeviceSnapshot, EnterpriseSnapshot, PartySnapshot, forwarding_info,
};
