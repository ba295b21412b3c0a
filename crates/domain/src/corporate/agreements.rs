//! Products ordered on an agreement (e.g. a queue with its main number).

use crate::clock::Timestamp;
use crate::corporate::orders::ConfigurationValue;
use crate::corporate::wire_enum;

wire_enum!(
    AgreementProductStatus {
        Ordered = "ORDERED",
        Active = "ACTIVE",
        Cancelled = "CANCELLED",
    }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementProduct {
    pub id: i64,
    pub agreement_id: String,
    pub offer_id: i64,
    /// The instance's name, e.g. "Kø hoved nr" for a queue.
    pub name: String,
    pub status: AgreementProductStatus,
    pub billing_account_id: Option<String>,
    pub parent_id: Option<i64>,
    pub configurations: Vec<ConfigurationValue>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
