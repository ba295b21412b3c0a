//! Calls, connections and devices: the objects of ECMA-269 the engine keeps.

use serde::{Deserialize, Serialize};

/// A device's directory number: E.164 digits with country code, without `+`.
pub type DeviceId = String;

/// A call of one enterprise; the public form is `{enterpriseId}-{n}` (see [`crate::Engine::call_ref`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallId(pub u64);

/// The seven connection states of CSTA. A call's state is derived from these, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionState {
    Null,
    Initiated,
    Alerting,
    Connected,
    Hold,
    Queued,
    Fail,
}

impl ConnectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Null => "null",
            ConnectionState::Initiated => "initiated",
            ConnectionState::Alerting => "alerting",
            ConnectionState::Connected => "connected",
            ConnectionState::Hold => "hold",
            ConnectionState::Queued => "queued",
            ConnectionState::Fail => "fail",
        }
    }
}

/// One device's part in a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub device: DeviceId,
    pub state: ConnectionState,
    /// Bumped on every change, so that a timer set for an earlier state does nothing.
    pub generation: u64,
}

/// Where a call is in a queue of the enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueStage {
    pub queue: DeviceId,
    pub enqueued_at: sentral_domain::Timestamp,
    /// Agents the call is being offered to right now (alerting).
    pub offered: Vec<DeviceId>,
}

/// What the engine still has to do when the controlling device of a MakeCall answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingDial {
    pub digits: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    pub id: CallId,
    /// The calling device first; every device that has had a part stays until the call ends.
    pub connections: Vec<Connection>,
    pub calling: DeviceId,
    /// The device first dialled (after resolving a short number).
    pub called: Option<DeviceId>,
    pub last_redirection: Option<DeviceId>,
    pub diversions: u8,
    pub pending_dial: Option<PendingDial>,
    pub queue: Option<QueueStage>,
    /// The queue and agent that answered the call from a queue: the agent wraps up after it.
    pub answered_from_queue: Option<(String, DeviceId)>,
    /// Why the call last rang somewhere: Established repeats it.
    pub delivered_cause: Option<crate::event::Cause>,
}

impl Call {
    pub fn connection(&self, device: &str) -> Option<&Connection> {
        self.connections.iter().find(|c| c.device == device)
    }

    pub fn connection_mut(&mut self, device: &str) -> Option<&mut Connection> {
        self.connections.iter_mut().find(|c| c.device == device)
    }

    pub fn state_of(&self, device: &str) -> ConnectionState {
        self.connection(device)
            .map_or(ConnectionState::Null, |c| c.state)
    }

    /// Devices whose connection is not null.
    pub fn live_parties(&self) -> impl Iterator<Item = &Connection> {
        self.connections
            .iter()
            .filter(|c| c.state != ConnectionState::Null)
    }

    pub fn live_count(&self) -> usize {
        self.live_parties().count()
    }

    /// Sets a device's connection state, adding the connection if it is new.
    pub fn set_state(&mut self, device: &str, state: ConnectionState) {
        match self.connection_mut(device) {
            Some(connection) => {
                connection.state = state;
                connection.generation += 1;
            }
            None => self.connections.push(Connection {
                device: device.to_owned(),
                state,
                generation: 0,
            }),
        }
    }

    pub fn generation_of(&self, device: &str) -> u64 {
        self.connection(device).map_or(0, |c| c.generation)
    }
}
