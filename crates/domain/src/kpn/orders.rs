//! What a KPN order asks for and who asked: kept beside the engine's order (one order life
//! cycle shared with the Telenor orders), read back by track & trace.

use serde::{Deserialize, Serialize};

use super::SubscriberData;

/// The change a KPN order makes when the engine completes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "camelCase")]
pub enum KpnChange {
    /// A new subscriber with the order's subject id in `group_id`.
    CreateSubscriber {
        group_id: i64,
        data: SubscriberData,
    },
    /// Full replace of a subscriber's data.
    UpdateSubscriber {
        data: SubscriberData,
    },
    DeleteSubscriber,
    /// A subscriber or group under a new parent.
    Move {
        destination_id: i64,
    },
    BlockSim,
    UnblockSim,
    /// A committed basket (`POST /contracting/basket/order`).
    Contracting(super::contracting::ContractingChange),
    /// Terminate, replace SIM, move, port out (`/order/…`).
    ContractOrder(super::contract_orders::ContractOrderChange),
    /// A subscriber linked to a GRIP identity (`/hierarchy/subscribers/link`).
    User(super::users::UserChange),
    /// The customer's billing retention period (`/finances/billing-period`).
    BillingPeriod(super::finances::BillingPeriodChange),
    /// Apple DEP, Samsung Knox, hardware returns (`/order/…`).
    Hardware(super::hardware::HardwareChange),
    /// Business voicemail for a file of subscriptions (`/contracting/bvm/order`).
    Voicemail(super::voicemail::VoicemailChange),
    /// Separate fixed-mobile (`/contracting/separate-fixed-mobile`).
    FixedMobile(super::fixed_mobile::FixedMobileChange),
}

/// Track & trace lists orders (contracting) and service requests apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Order,
    ServiceRequest,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Order => "ORDER",
            RequestKind::ServiceRequest => "SERVICE_REQUEST",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ORDER" => Some(RequestKind::Order),
            "SERVICE_REQUEST" => Some(RequestKind::ServiceRequest),
            _ => None,
        }
    }

    /// `BlockingOrder.type`.
    pub fn blocking_type(self) -> &'static str {
        match self {
            RequestKind::Order => "CONTRACTING",
            RequestKind::ServiceRequest => "SERVICE_REQUEST",
        }
    }
}

/// The person an order is for, as it was when ordered (`OrderReceiver`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receiver {
    pub id: Option<i64>,
    pub first_name: Option<String>,
    pub prefix: Option<String>,
    pub last_name: Option<String>,
    pub employee_number: Option<String>,
    pub company_name: Option<String>,
}

/// The KPN side of an engine order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpnOrderRecord {
    pub order_id: String,
    pub kind: RequestKind,
    /// The caller's reference (≤ 25 characters) or one made by the server.
    pub reference_number: String,
    /// KPN's own reference, e.g. `KPN-70000001`.
    pub kpn_reference: String,
    /// "surname, firstName" or the group's or contract's name.
    pub context_name: String,
    /// The application that ordered it.
    pub ordered_by: String,
    pub receiver: Receiver,
    pub msisdn: Option<String>,
    pub sim: Option<String>,
    /// When the work starts (the wish date, or acceptance).
    pub starts_at: crate::Timestamp,
    pub change: KpnChange,
    /// The note given with a cancellation.
    pub note: Option<String>,
    /// The open status the order rests in until someone acts (Draft, WaitingForAuthorization,
    /// ExternalScheduled, Suspended, Waiting, or Initialized): the engine's ticker leaves such
    /// an order alone (its due time is `HELD_DUE_AT`), cancelling it still works.
    pub held: Option<super::KpnStatus>,
}

/// The due time of a held order: never reached, so the ticker does not complete it.
pub const HELD_DUE_AT: crate::Timestamp = crate::Timestamp::from_millis(253_402_300_799_000);
