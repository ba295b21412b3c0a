//! Orders on subscriptions and agreements. An order is accepted at once and completes later by
//! the clock; its effect is applied when it completes.

use std::fmt;

use crate::clock::Timestamp;
use crate::corporate::wire_enum;
use crate::error::DomainError;
use crate::ids::{Msisdn, OrgNumber};

wire_enum!(
    /// The Telenor order types, then the KPN operations (named as KPN names them in
    /// `OrderSummary.operation`), which the same engine carries out.
    OrderType {
        AddProduct = "ADD_PRODUCT",
        RemoveProduct = "REMOVE_PRODUCT",
        UpdateProduct = "UPDATE_PRODUCT",
        CreateUser = "createUser",
        ChangeUserData = "changeUserData",
        DeleteUser = "deleteUser",
        MoveUser = "moveUser",
        MoveGroup = "moveGroup",
        BlockSim = "blockSim",
        UnblockSim = "unblockSim",
        /// A basket committed as an order: new contracts, or changes to one (KPN contracting).
        Contracting = "contracting",
        ReplaceSim = "replaceSim",
        TerminateContract = "terminateContract",
        MoveContract = "moveContract",
        PortingOut = "portingOut",
        LinkUser = "linkUser",
        ReturnHardware = "returnHardware",
        AppleDep = "appleDep",
        SamsungKnox = "samsungKnox",
        ChangeBillingPeriod = "changeBillingPeriod",
        BusinessVoiceMail = "businessVoiceMail",
        SeparateFixedMobile = "separateFixedMobile",
    }
);

wire_enum!(
    /// IN_PROGRESS from acceptance until it is due; then COMPLETED, or FAILED when the change
    /// could no longer be made (the reason is on the order).
    OrderStatus {
        InProgress = "IN_PROGRESS",
        Completed = "COMPLETED",
        Failed = "FAILED",
        /// Cancelled before it completed (KPN track & trace); its effect is never applied.
        Canceled = "CANCELED",
    }
);

/// An order number, digits only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct OrderId(String);

impl OrderId {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        if (1..=12).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::InvalidOrderId(text.to_owned()))
        }
    }

    pub fn from_number(number: i64) -> Self {
        Self(number.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an order changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderSubject {
    Subscription(Msisdn),
    Agreement(String),
    /// A KPN hierarchy item (group or subscriber) by its id.
    KpnItem(i64),
    /// A KPN contract by its id.
    KpnContract(i64),
}

/// A configuration's value on an order or an ordered product.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ConfigurationValue {
    pub id: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: OrderId,
    pub subject: OrderSubject,
    pub org_number: OrgNumber,
    pub order_type: OrderType,
    /// The product offer (ADD/REMOVE on subscriptions, ADD on agreements).
    pub product_offer_id: Option<i64>,
    /// The ordered product an UPDATE_PRODUCT changes, or the one an agreement ADD created.
    pub product_id: Option<i64>,
    pub billing_account_id: Option<String>,
    pub configurations: Vec<ConfigurationValue>,
    pub status: OrderStatus,
    pub failure: Option<String>,
    pub created_at: Timestamp,
    pub due_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub created_by: String,
}
