//! PBX memberline terminals and the status an application may set for them.

use crate::clock::Timestamp;
use crate::ids::EntityId;

/// Who decides a memberline's status: the network (from its calls) or an application through
/// the Status API. Only PBX terminals configured for it take an application's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StatusSource {
    Network,
    Application,
}

impl StatusSource {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusSource::Network => "network",
            StatusSource::Application => "application",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Network, Self::Application]
            .into_iter()
            .find(|source| source.as_str() == text)
    }
}

/// The status an application sets for its PBX line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TerminalStatus {
    Available,
    Busy,
    Offline,
}

impl TerminalStatus {
    pub const NAMES: [&'static str; 3] = ["available", "busy", "offline"];

    pub fn as_str(self) -> &'static str {
        match self {
            TerminalStatus::Available => "available",
            TerminalStatus::Busy => "busy",
            TerminalStatus::Offline => "offline",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Available, Self::Busy, Self::Offline]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// A memberline terminal: its number (E.164 digits, also its terminal id), owner and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terminal {
    pub number: String,
    pub enterprise_id: String,
    pub member_id: Option<EntityId>,
    pub status_source: StatusSource,
    /// What the application last set (application-updated terminals only).
    pub status: Option<TerminalStatus>,
    pub updated_at: Timestamp,
}
