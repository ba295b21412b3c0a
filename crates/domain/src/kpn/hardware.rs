//! Hardware of a delivered order (KPN part 3): Apple DEP and Samsung Knox enrolment, returns.

use serde::{Deserialize, Serialize};

/// What a hardware order does when it finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "hardwareChange", rename_all = "camelCase")]
pub enum HardwareChange {
    /// The devices of order `order_id` enrolled in Apple's Device Enrolment Program.
    AppleDep { order_id: i64 },
    /// The devices of order `order_id` enrolled in Samsung Knox.
    SamsungKnox { order_id: i64 },
    /// Items (contract item ids) of delivered order `order_id` go back.
    Return {
        order_id: i64,
        items: Vec<i64>,
        reason: String,
        remarks: Option<String>,
        email: Option<String>,
    },
}
