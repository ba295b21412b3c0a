//! Invoices and the billing retention period (KPN part 3).

use serde::{Deserialize, Serialize};

/// What `POST /finances/billing-period` does when its order finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingPeriodChange {
    /// `"6"` or `"25"` (months the invoices are kept).
    pub period: String,
}
