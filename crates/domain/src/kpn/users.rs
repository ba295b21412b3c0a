//! The customer's own portal users (KPN part 3): a subscriber linked to a GRIP identity holds
//! roles, whose privileges are the spec's privilege names, and manages some groups.

use serde::{Deserialize, Serialize};

use super::Privilege;

/// What a user order (`POST /hierarchy/subscribers/link`) does when it finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "userChange", rename_all = "camelCase")]
pub enum UserChange {
    /// Subscriber (the order's subject) becomes the user of GRIP identity `grip_entity_id`.
    Link {
        grip_entity_id: i64,
        roles: Vec<i64>,
        managed_groups: Vec<i64>,
    },
}

/// A role of the customer's portal (`Role`), with the privileges it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub id: i64,
    pub name: String,
    pub privileges: Vec<Privilege>,
}

/// A GRIP identity of the customer (`GripEntity`): a login that may become a subscriber's user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GripEntity {
    pub id: i64,
    pub user_name: String,
    pub first_name: Option<String>,
    pub surname: String,
    pub email: Option<String>,
    pub employee_number: Option<String>,
    pub gender: Option<String>,
    pub preferred_language: Option<String>,
    pub mobile_number: Option<String>,
    pub fixed_number: Option<String>,
}

/// A subscriber that is a portal user: its GRIP identity, roles and the groups it manages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalUser {
    pub subscriber_id: i64,
    pub grip_entity_id: i64,
    pub roles: Vec<i64>,
    pub managed_groups: Vec<i64>,
}
