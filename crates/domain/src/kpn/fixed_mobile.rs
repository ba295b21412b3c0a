//! Fixed-mobile integration (KPN part 3): a FIXED_MOBILE contract split into its fixed and
//! mobile contracts, and the numbers a contract may be merged with.

use serde::{Deserialize, Serialize};

/// What `POST /contracting/separate-fixed-mobile` does when its order finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fixedMobileChange", rename_all = "camelCase")]
pub enum FixedMobileChange {
    /// The order's contract is separated into a fixed and a mobile contract.
    Separate,
}
