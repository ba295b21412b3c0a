//! KPN contract orders (`/order/terminate`, `/order/replace-sim`, `/order/move`,
//! `/order/porting-out`): the change each makes when its order finishes.

use serde::{Deserialize, Serialize};

/// What a contract order does when it finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "contractOrder", rename_all = "camelCase")]
pub enum ContractOrderChange {
    /// Placeholder until the contract orders land; never placed.
    Unbuilt,
}
