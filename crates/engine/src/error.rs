//! Why a service request was refused, with the ECMA-269 error names.

use serde::Serialize;

/// A refused service. The engine's state is unchanged when a service answers one of these.
///
/// As JSON (the journal keeps answers): `{"invalidCallIdentifier":"100001-7"}`, the tag being
/// [`CstaError::name`]. `Deserialize` is in durable.rs (it reads back the texts this writes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum CstaError {
    /// No such call in this enterprise.
    InvalidCallIdentifier(String),
    /// The device is no device of this enterprise, or not one the service can act on.
    InvalidDeviceIdentifier(String),
    /// The device has no connection in the call.
    InvalidConnectionIdentifier { call: String, device: String },
    /// The connection is not in a state the service works from.
    InvalidConnectionState {
        call: String,
        device: String,
        state: &'static str,
        expected: &'static str,
    },
    /// The dialled digits are no number.
    InvalidDestination(String),
    /// The device is switched off or out of coverage.
    DeviceOutOfService(String),
    /// A value outside what the service accepts.
    ValueOutOfRange(String),
    /// The object cannot do this at all (e.g. answering on a queue device).
    RequestIncompatibleWithObject(String),
}

impl CstaError {
    /// The ECMA-269 name clients match on.
    pub fn name(&self) -> &'static str {
        match self {
            CstaError::InvalidCallIdentifier(_) => "invalidCallIdentifier",
            CstaError::InvalidDeviceIdentifier(_) => "invalidDeviceIdentifier",
            CstaError::InvalidConnectionIdentifier { .. } => "invalidConnectionIdentifier",
            CstaError::InvalidConnectionState { .. } => "invalidConnectionState",
            CstaError::InvalidDestination(_) => "invalidDestination",
            CstaError::DeviceOutOfService(_) => "deviceOutOfService",
            CstaError::ValueOutOfRange(_) => "valueOutOfRange",
            CstaError::RequestIncompatibleWithObject(_) => "requestIncompatibleWithObject",
        }
    }
}

impl std::fmt::Display for CstaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CstaError::InvalidCallIdentifier(call) => {
                write!(f, "no call {call} in this enterprise")
            }
            CstaError::InvalidDeviceIdentifier(device) => {
                write!(f, "{device} is not a device this service can act on")
            }
            CstaError::InvalidConnectionIdentifier { call, device } => {
                write!(f, "device {device} has no connection in call {call}")
            }
            CstaError::InvalidConnectionState {
                call,
                device,
                state,
                expected,
            } => write!(
                f,
                "the connection of {device} in call {call} is {state}; this service needs it {expected}"
            ),
            CstaError::InvalidDestination(digits) => {
                write!(
                    f,
                    "{digits:?} is no number: use E.164 digits or a short number of the plan"
                )
            }
            CstaError::DeviceOutOfService(device) => {
                write!(f, "device {device} is switched off or out of coverage")
            }
            CstaError::ValueOutOfRange(what) => f.write_str(what),
            CstaError::RequestIncompatibleWithObject(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for CstaError {}
