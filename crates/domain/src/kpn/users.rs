//! The customer's own portal users (KPN part 3): a subscriber linked to a GRIP identity holds
//! roles, whose privileges are the spec's privilege names, and manages some groups.

use serde::{Deserialize, Serialize};

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
