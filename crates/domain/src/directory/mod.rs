//! The Mobilt Bedriftsnett directory: enterprises with groups and a private numbering plan, and
//! their members' directory entries.

pub mod absences;
pub mod contacts;
pub mod forwarding;
pub mod plan;
pub mod queues;
pub mod terminals;

pub use absences::{Absence, AbsenceAction, AbsenceKind};
pub use contacts::{Contact, ContactDetails, PurgeMark, SyncCursor};
pub use forwarding::{CallForwarding, Destination, ForwardingKind, ForwardingRule};
pub use plan::{NumberRange, NumberingPlan, PlanDevice, PlanEntry, ShortNumber};
pub use queues::{
    Agent, AgentPerson, AgentState, AgentStateRequest, Queue, QueueSettings, QueueStrategy,
};
pub use terminals::{StatusSource, Terminal, TerminalStatus};

use crate::clock::Timestamp;
use crate::ids::{EntityId, Msisdn, OrgNumber};

/// An enterprise: the company of an MBN agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enterprise {
    pub id: String,
    pub agreement_id: String,
    pub org_number: OrgNumber,
    pub name: String,
    pub internal_number_length: u8,
    /// The number callers dial to reach the switchboard, E.164 without `+`.
    pub switchboard_number: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A department of an enterprise. A groupId is unique across enterprises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub enterprise_id: String,
    pub name: String,
}

/// A further number of a person: `{kind: work | home | mobile | fax | other, number}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ContactNumber {
    pub kind: String,
    pub number: String,
}

/// A member's directory entry: a user of the enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: EntityId,
    pub org_number: OrgNumber,
    pub enterprise_id: Option<String>,
    pub group_id: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub mobile: Msisdn,
    pub other_numbers: Vec<ContactNumber>,
    pub email: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub company: Option<String>,
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub postal_place: Option<String>,
    /// The member's id in the customer's own directory, e.g. the AD object id.
    pub external_id: Option<String>,
    /// The member's short number in the enterprise's plan, when it has one.
    pub short_number: Option<String>,
    pub updated_at: Timestamp,
}
