//! What the engine is told about an enterprise: its devices, numbering plan, forwarding,
//! absences and queues. The services layer builds this from the directory; the engine never
//! reads storage.

use std::collections::HashMap;

use sentral_domain::directory::{Absence, CallForwarding};
pub use sentral_domain::directory::{AgentState, QueueStrategy as Strategy, StatusSource};

use serde::{Deserialize, Serialize};

use crate::model::DeviceId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum DeviceKind {
    /// A member's mobile subscription.
    Mobile { member_id: String },
    /// A PBX terminal of a member.
    Memberline {
        member_id: Option<String>,
        status_source: StatusSource,
    },
    /// An ACD group.
    Queue { queue_id: String },
    /// A number that only forwards, to digits (E.164 or a short number).
    Virtual { target: String },
    /// The enterprise's voice mail: answers every call at once.
    Voicemail,
}

impl DeviceKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DeviceKind::Mobile { .. } => "mobile",
            DeviceKind::Memberline { .. } => "memberline",
            DeviceKind::Queue { .. } => "queue",
            DeviceKind::Virtual { .. } => "virtual",
            DeviceKind::Voicemail => "voicemail",
        }
    }

    pub fn member_id(&self) -> Option<&str> {
        match self {
            DeviceKind::Mobile { member_id } => Some(member_id),
            DeviceKind::Memberline { member_id, .. } => member_id.as_deref(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceConfig {
    pub number: DeviceId,
    pub short_number: Option<String>,
    pub kind: DeviceKind,
    pub forwarding: CallForwarding,
    /// The member's absences (past, current and future); the engine follows their windows.
    pub absences: Vec<Absence>,
}

impl DeviceConfig {
    pub fn new(number: impl Into<String>, short_number: Option<&str>, kind: DeviceKind) -> Self {
        Self {
            number: number.into(),
            short_number: short_number.map(str::to_owned),
            kind,
            forwarding: CallForwarding::default(),
            absences: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentConfig {
    /// The agent's device (the member's mobile number).
    pub device: DeviceId,
    /// Order for `linear` and `roundRobin`, lowest first.
    pub position: u32,
    pub state: AgentState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueConfig {
    pub queue_id: String,
    /// The queue's device number (see [`DeviceKind::Queue`]).
    pub device: DeviceId,
    pub strategy: Strategy,
    /// Seconds an agent's phone rings before the offer is withdrawn.
    pub ring_timeout: u32,
    /// Most callers waiting at once; 0 = no limit.
    pub max_length: u32,
    /// Seconds a caller waits before overflowing; 0 = no limit.
    pub max_wait: u32,
    /// Seconds a caller waits while no agent is logged on before going to `no_agent_target`.
    pub max_wait_no_agent: u32,
    pub wrap_up_time: u32,
    /// Digits (E.164 or a short number).
    pub overflow_target: Option<String>,
    pub no_agent_target: Option<String>,
    /// Answered within this many seconds counts towards the service level.
    pub service_level_seconds: u32,
    /// Offers an agent may leave unanswered in a row before being set notReady.
    pub no_answer_limit: u32,
    pub agents: Vec<AgentConfig>,
}

impl QueueConfig {
    pub fn new(queue_id: impl Into<String>, device: impl Into<String>, strategy: Strategy) -> Self {
        Self {
            queue_id: queue_id.into(),
            device: device.into(),
            strategy,
            ring_timeout: 15,
            max_length: 0,
            max_wait: 0,
            max_wait_no_agent: 0,
            wrap_up_time: 0,
            overflow_target: None,
            no_agent_target: None,
            service_level_seconds: 20,
            no_answer_limit: 1,
            agents: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseConfig {
    pub enterprise_id: String,
    pub devices: Vec<DeviceConfig>,
    pub queues: Vec<QueueConfig>,
    /// Digits of the switchboard (absence action `switchboard`).
    pub switchboard: Option<String>,
    /// Seconds an outside phone rings before the network gives up.
    pub external_ring_seconds: u32,
    /// Seconds the controlling mobile rings on MakeCall before the call is given up.
    pub originator_ring_seconds: u32,
    /// Statuses applications last set for their memberlines.
    pub terminal_statuses: Vec<(DeviceId, sentral_domain::directory::TerminalStatus)>,
    /// Short numbers of the plan that name a number instead of a device of their own (the
    /// plan's virtual entries), `(short number, digits)`: dialling the short number dials that
    /// number, and events show it with this short number (unless it has one of its own).
    pub short_aliases: Vec<(String, String)>,
}

impl EnterpriseConfig {
    pub fn new(enterprise_id: impl Into<String>) -> Self {
        Self {
            enterprise_id: enterprise_id.into(),
            external_ring_seconds: 60,
            originator_ring_seconds: 30,
            ..Self::default()
        }
    }
}

/// Lookups built once from a config.
#[derive(Debug, Clone, Default)]
pub(crate) struct Directory {
    pub devices: HashMap<DeviceId, DeviceConfig>,
    pub short_numbers: HashMap<String, DeviceId>,
    /// The alias short number of numbers that have none of their own (see
    /// [`EnterpriseConfig::short_aliases`]), for showing them in events.
    pub alias_of: HashMap<DeviceId, String>,
}

impl Directory {
    pub fn build(config: &EnterpriseConfig) -> Self {
        let mut directory = Directory::default();
        for device in &config.devices {
            if let Some(short) = &device.short_number {
                directory
                    .short_numbers
                    .insert(short.clone(), device.number.clone());
            }
            directory
                .devices
                .insert(device.number.clone(), device.clone());
        }
        // An alias resolves through the devices' own short numbers or as E.164, never through
        // another alias (no loops); one whose digits are no number reaches nothing.
        let mut aliases = Vec::new();
        for (short, digits) in &config.short_aliases {
            if directory.short_numbers.contains_key(short) {
                continue;
            }
            if let Some(number) = directory.resolve(digits) {
                aliases.push((short.clone(), number));
            }
        }
        for (short, number) in aliases {
            let own = directory
                .devices
                .get(&number)
                .is_some_and(|d| d.short_number.is_some());
            if !own {
                directory
                    .alias_of
                    .entry(number.clone())
                    .or_insert_with(|| short.clone());
            }
            directory.short_numbers.insert(short, number);
        }
        directory
    }

    /// The short number events show for `device`: its own, else an alias naming it.
    pub fn short_number_of(&self, device: &str) -> Option<String> {
        self.devices
            .get(device)
            .and_then(|d| d.short_number.clone())
            .or_else(|| self.alias_of.get(device).cloned())
    }

    /// Dialled digits to a device number: a short number through the plan, else the digits as
    /// E.164 (8 digits taken as Norwegian). `None` when the digits are no number at all.
    pub fn resolve(&self, digits: &str) -> Option<DeviceId> {
        let digits = digits.trim().trim_start_matches('+');
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if let Some(device) = self.short_numbers.get(digits) {
            return Some(device.clone());
        }
        match digits.len() {
            8 => Some(format!("47{digits}")),
            10..=15 if !digits.starts_with('0') => Some(digits.to_owned()),
            _ => None,
        }
    }
}
