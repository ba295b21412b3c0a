//! Call queues (ACD groups) of an enterprise and their agents: the settings a partner manages
//! through the Queue API. How calls are distributed is the telephony engine's business.

use std::ops::RangeInclusive;

use crate::clock::Timestamp;
use crate::directory::forwarding::Destination;
use crate::directory::plan::ShortNumber;
use crate::error::DomainError;
use crate::ids::{EntityId, Msisdn};

/// How a queue picks the agent for the next caller.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum QueueStrategy {
    /// Every ready agent rings at once; the first to answer takes the call.
    #[default]
    RingAll,
    /// The agent who has been ready the longest.
    LongestIdle,
    /// Agents in turn, starting after the one who took the last call.
    RoundRobin,
    /// Agents in their `position` order, always from the first.
    Linear,
    /// The agent who has answered the fewest calls.
    FewestCalls,
    Random,
}

impl QueueStrategy {
    pub const ALL: [QueueStrategy; 6] = [
        QueueStrategy::RingAll,
        QueueStrategy::LongestIdle,
        QueueStrategy::RoundRobin,
        QueueStrategy::Linear,
        QueueStrategy::FewestCalls,
        QueueStrategy::Random,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueStrategy::RingAll => "ringAll",
            QueueStrategy::LongestIdle => "longestIdle",
            QueueStrategy::RoundRobin => "roundRobin",
            QueueStrategy::Linear => "linear",
            QueueStrategy::FewestCalls => "fewestCalls",
            QueueStrategy::Random => "random",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|strategy| strategy.as_str() == text)
            .ok_or_else(|| DomainError::UnknownQueueStrategy(text.to_owned()))
    }
}

/// A bounded whole-number setting of a queue: its wire name, allowed range and default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub field: &'static str,
    pub range: RangeInclusive<u32>,
    pub default: u32,
}

impl Bound {
    /// `value` if it lies in the range, else an error naming the field and the range.
    pub fn check(&self, value: i64) -> Result<u32, DomainError> {
        u32::try_from(value)
            .ok()
            .filter(|v| self.range.contains(v))
            .ok_or(DomainError::OutOfRange {
                field: self.field,
                min: *self.range.start(),
                max: *self.range.end(),
                value,
            })
    }
}

/// What a queue does with its callers. Durations are whole seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSettings {
    pub strategy: QueueStrategy,
    /// How long an offered agent rings before the next one is tried.
    pub ring_timeout: u32,
    /// Callers waiting at most; the next caller overflows.
    pub max_length: u32,
    /// How long a caller waits at most before overflowing.
    pub max_wait: u32,
    /// How long a caller waits while no agent is logged on before going to `no_agent_target`.
    pub max_wait_no_agent: u32,
    /// After a call, how long the agent stays in wrap-up before being offered the next one.
    pub wrap_up_time: u32,
    /// Where overflowing callers go (queue full or `max_wait` passed); none: they are cleared.
    pub overflow_target: Option<Destination>,
    /// Where callers go when no agent is logged on; none: they are cleared.
    pub no_agent_target: Option<Destination>,
    /// The service level target: a call answered within this many seconds counts as in time.
    pub service_level_seconds: u32,
}

impl QueueSettings {
    pub const RING_TIMEOUT: Bound = Bound {
        field: "ringTimeout",
        range: 5..=300,
        default: 20,
    };
    pub const MAX_LENGTH: Bound = Bound {
        field: "maxLength",
        range: 1..=1000,
        default: 10,
    };
    pub const MAX_WAIT: Bound = Bound {
        field: "maxWait",
        range: 10..=7200,
        default: 300,
    };
    pub const MAX_WAIT_NO_AGENT: Bound = Bound {
        field: "maxWaitNoAgent",
        range: 0..=3600,
        default: 30,
    };
    pub const WRAP_UP_TIME: Bound = Bound {
        field: "wrapUpTime",
        range: 0..=3600,
        default: 10,
    };
    pub const SERVICE_LEVEL_SECONDS: Bound = Bound {
        field: "serviceLevelSeconds",
        range: 1..=600,
        default: 20,
    };
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            strategy: QueueStrategy::default(),
            ring_timeout: Self::RING_TIMEOUT.default,
            max_length: Self::MAX_LENGTH.default,
            max_wait: Self::MAX_WAIT.default,
            max_wait_no_agent: Self::MAX_WAIT_NO_AGENT.default,
            wrap_up_time: Self::WRAP_UP_TIME.default,
            overflow_target: None,
            no_agent_target: None,
            service_level_seconds: Self::SERVICE_LEVEL_SECONDS.default,
        }
    }
}

/// A call queue: a short number of the enterprise's plan whose callers are distributed to its
/// agents. A queueId is unique across enterprises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub id: String,
    pub enterprise_id: String,
    pub name: String,
    /// The queue's entry in the enterprise's numbering plan.
    pub number: ShortNumber,
    pub settings: QueueSettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Queue {
    pub const NAME_MAX_CHARS: usize = 100;

    /// A target that is the queue's own number would send callers straight back into it.
    pub fn check_target(&self, target: &Destination) -> Result<(), DomainError> {
        match target {
            Destination::Short(number) if number == self.number.as_str() => {
                Err(DomainError::QueueTargetIsItself(number.clone()))
            }
            _ => Ok(()),
        }
    }
}

/// The state an agent sets (CSTA agent states). The system state (idle, reserved, busy) is the
/// engine's and is not stored.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AgentState {
    #[default]
    LoggedOff,
    /// Logged on but not taking calls, with the agent's reason when given.
    NotReady { reason: Option<String> },
    /// Logged on and taking calls.
    Ready,
    /// Logged on, finishing the last call's work; not offered calls.
    WorkingAfterCall,
}

impl AgentState {
    pub const NAMES: [&'static str; 4] = ["loggedOff", "notReady", "ready", "workingAfterCall"];
    pub const REASON_MAX_CHARS: usize = 100;

    pub fn as_str(&self) -> &'static str {
        match self {
            AgentState::LoggedOff => "loggedOff",
            AgentState::NotReady { .. } => "notReady",
            AgentState::Ready => "ready",
            AgentState::WorkingAfterCall => "workingAfterCall",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            AgentState::NotReady { reason } => reason.as_deref(),
            _ => None,
        }
    }

    pub fn is_logged_on(&self) -> bool {
        !matches!(self, AgentState::LoggedOff)
    }

    /// A stored or requested state by name; only `notReady` carries a reason.
    pub fn from_parts(name: &str, reason: Option<String>) -> Result<Self, DomainError> {
        let state = match name {
            "loggedOff" => AgentState::LoggedOff,
            "notReady" => return Ok(AgentState::NotReady { reason }),
            "ready" => AgentState::Ready,
            "workingAfterCall" => AgentState::WorkingAfterCall,
            other => return Err(DomainError::UnknownAgentState(other.to_owned())),
        };
        match reason {
            Some(_) => Err(DomainError::ReasonWithoutNotReady),
            None => Ok(state),
        }
    }
}

/// What an agent asks for: a state, or `loggedOn` (CSTA log-on), which makes a logged-off agent
/// `ready` and leaves a logged-on one as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentStateRequest {
    LogOn,
    Set(AgentState),
}

impl AgentStateRequest {
    pub fn parse(name: &str, reason: Option<String>) -> Result<Self, DomainError> {
        match (name, reason) {
            ("loggedOn", None) => Ok(AgentStateRequest::LogOn),
            ("loggedOn", Some(_)) => Err(DomainError::ReasonWithoutNotReady),
            (name, reason) => AgentState::from_parts(name, reason).map(AgentStateRequest::Set),
        }
    }

    /// The state the agent ends up in from `current`. Wrap-up belongs to a logged-on agent.
    pub fn apply(self, current: &AgentState) -> Result<AgentState, DomainError> {
        match self {
            AgentStateRequest::LogOn if current.is_logged_on() => Ok(current.clone()),
            AgentStateRequest::LogOn => Ok(AgentState::Ready),
            AgentStateRequest::Set(AgentState::WorkingAfterCall) if !current.is_logged_on() => {
                Err(DomainError::AgentLoggedOff)
            }
            AgentStateRequest::Set(state) => Ok(state),
        }
    }
}

/// A member's place in a queue and the state the member set there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub member_id: EntityId,
    pub queue_id: String,
    /// From 1; the order `linear` tries agents in.
    pub position: u32,
    pub state: AgentState,
    pub state_changed_at: Timestamp,
    pub added_at: Timestamp,
}

/// Who an agent is, as listings show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentPerson {
    pub enterprise_id: String,
    pub first_name: String,
    pub last_name: String,
    pub mobile: Msisdn,
    pub short_number: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_have_their_wire_names() {
        for strategy in QueueStrategy::ALL {
            assert_eq!(QueueStrategy::parse(strategy.as_str()), Ok(strategy));
        }
        assert_eq!(
            QueueStrategy::parse("leastRecent"),
            Err(DomainError::UnknownQueueStrategy("leastRecent".into()))
        );
    }

    #[test]
    fn bounds_name_the_field_and_range() {
        let bound = QueueSettings::RING_TIMEOUT;
        assert_eq!(bound.check(5), Ok(5));
        assert_eq!(bound.check(300), Ok(300));
        for bad in [4, 301, -1, i64::MAX] {
            let error = bound.check(bad).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("ringTimeout must be from 5 to 300, got {bad}")
            );
        }
        let defaults = QueueSettings::default();
        for (bound, value) in [
            (QueueSettings::RING_TIMEOUT, defaults.ring_timeout),
            (QueueSettings::MAX_LENGTH, defaults.max_length),
            (QueueSettings::MAX_WAIT, defaults.max_wait),
            (QueueSettings::MAX_WAIT_NO_AGENT, defaults.max_wait_no_agent),
            (QueueSettings::WRAP_UP_TIME, defaults.wrap_up_time),
            (
                QueueSettings::SERVICE_LEVEL_SECONDS,
                defaults.service_level_seconds,
            ),
        ] {
            assert!(bound.range.contains(&value), "{} default", bound.field);
        }
    }

    #[test]
    fn a_queue_may_not_overflow_into_itself() {
        let queue = Queue {
            id: "1".into(),
            enterprise_id: "100001".into(),
            name: "Sentralbord".into(),
            number: ShortNumber::parse("800", 3).unwrap(),
            settings: QueueSettings::default(),
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        };
        assert!(
            queue
                .check_target(&Destination::Short("800".into()))
                .is_err()
        );
        assert!(
            queue
                .check_target(&Destination::Short("899".into()))
                .is_ok()
        );
        assert!(
            queue
                .check_target(&Destination::External("4722990000".into()))
                .is_ok()
        );
    }

    #[test]
    fn agent_states_and_log_on() {
        assert_eq!(
            AgentState::from_parts("notReady", Some("lunsj".into())),
            Ok(AgentState::NotReady {
                reason: Some("lunsj".into())
            })
        );
        assert_eq!(
            AgentState::from_parts("ready", Some("x".into())),
            Err(DomainError::ReasonWithoutNotReady)
        );
        assert_eq!(
            AgentState::from_parts("away", None),
            Err(DomainError::UnknownAgentState("away".into()))
        );
        for name in AgentState::NAMES {
            assert_eq!(AgentState::from_parts(name, None).unwrap().as_str(), name);
        }
        let log_on = AgentStateRequest::parse("loggedOn", None).unwrap();
        assert_eq!(
            log_on.clone().apply(&AgentState::LoggedOff),
            Ok(AgentState::Ready)
        );
        let not_ready = AgentState::NotReady { reason: None };
        assert_eq!(log_on.apply(&not_ready), Ok(not_ready.clone()));
        let wrap_up = AgentStateRequest::Set(AgentState::WorkingAfterCall);
        assert_eq!(
            wrap_up.clone().apply(&AgentState::LoggedOff),
            Err(DomainError::AgentLoggedOff)
        );
        assert_eq!(
            wrap_up.apply(&AgentState::Ready),
            Ok(AgentState::WorkingAfterCall)
        );
    }
}
