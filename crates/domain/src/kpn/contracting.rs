//! KPN contracting: the product catalogue, basket sessions, templates, and the change a
//! committed basket makes when its order finishes.

use serde::{Deserialize, Serialize};

/// What a committed basket does when its order finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "contracting", rename_all = "camelCase")]
pub enum ContractingChange {
    /// Placeholder until the basket lands; never placed.
    Unbuilt,
}
