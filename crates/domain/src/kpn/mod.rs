//! The KPN Mobile Service Management view of the shared domain: the customer's hierarchy
//! (debtors, cost centres, custom groups, subscribers), contracts, the dialect's privileges and
//! the two vocabularies of an order's status. See `shared/design/KPN.md`.

pub mod addresses;
pub mod contract_orders;
pub mod contracting;
pub mod filters;
pub mod finances;
pub mod fixed_mobile;
pub mod hardware;
pub mod orders;
pub mod status;
pub mod thresholds;
pub mod users;
pub mod voicemail;

use crate::corporate::wire_enum;

pub use filters::{FilterError, Filters, Page, SortOrder};
pub use orders::{HELD_DUE_AT, KpnChange, KpnOrderRecord, Receiver, RequestKind};
pub use status::{KpnStatus, TrackStatus};

wire_enum!(
    /// What a hierarchy item is (`VirtualHierarchyItem.type`).
    ItemKind {
        Customer = "CUSTOMER",
        Debtor = "DEBTOR",
        Subscriber = "SUBSCRIBER",
        CostCenter = "COST_CENTER",
        CustomGroup = "CUSTOM_GROUP",
        BusinessLocation = "BUSINESS_LOCATION",
    }
);

impl ItemKind {
    /// Groups hold other items; subscribers and the customer are not groups.
    pub fn is_group(self) -> bool {
        !matches!(self, ItemKind::Subscriber | ItemKind::Customer)
    }
}

wire_enum!(
    /// `privileges_…` of a KPN application's token; an operation needs one of its list.
    Privilege {
        UnauthorizedOrdersCreation = "privileges_un-authorized_orders_creation",
        OrdersAuthorization = "privileges_orders_authorization",
        VirtualHierarchyView = "privileges_virtual_hierarchy_view",
        VirtualHierarchyManagement = "privileges_virtual_hierarchy_management",
        BulkUploadDataOfEndUser = "privileges_bulk_upload_data_of_end_user",
        OrdersTrackAndTrace = "privileges_orders_track_and_trace",
        ThresholdManagement = "privileges_threshold_management",
        FinancialDocumentsView = "privileges_financial_documents_view",
        BillingRetentionPortlet = "privileges_billing_retention_portlet",
        PortfolioAndProfilesManagement = "privileges_portfolio_and_profiles_management",
    }
);

wire_enum!(
    Gender {
        Male = "MALE",
        Female = "FEMALE",
        Other = "OTHER",
    }
);

wire_enum!(
    Language {
        En = "EN",
        Nl = "NL",
    }
);

wire_enum!(
    /// `Contract.state`; `ContractDetails.status` is its one-letter code.
    ContractState {
        Active = "ACTIVE",
        Closed = "CLOSED",
        Ordered = "ORDERED",
        Pending = "PENDING",
        Blocked = "BLOCKED",
    }
);

impl ContractState {
    /// `ContractDetails.status`: A active, C closed, O ordered, P pending, S blocked.
    pub fn letter(self) -> &'static str {
        match self {
            ContractState::Active => "A",
            ContractState::Closed => "C",
            ContractState::Ordered => "O",
            ContractState::Pending => "P",
            ContractState::Blocked => "S",
        }
    }
}

wire_enum!(
    /// `Contract.category` and the `category` filter of `/contract/all`.
    ContractCategory {
        Mobile = "MOBILE",
        Fixed = "FIXED",
        FixedMobile = "FIXED_MOBILE",
        Hardware = "HARDWARE",
        SkypeForBusiness = "SKYPE_FOR_BUSINESS",
        Software = "SOFTWARE",
        Other = "OTHER",
    }
);

/// A subscriber's own fields (`SubscriberDetailsRequestParams`): only the surname is required;
/// a full replace sets every other field to its default.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SubscriberData {
    pub first_name: Option<String>,
    pub surname_prefix: Option<String>,
    pub surname: String,
    pub email: Option<String>,
    pub vip: bool,
    pub employee_number: Option<String>,
    pub gender: Option<String>,
    pub preferred_language: Option<String>,
    pub comments: Option<String>,
    /// E.164 digits (`316…`).
    pub mobile_number: Option<String>,
    /// E.164 digits (`31…`).
    pub fixed_number: Option<String>,
}

impl SubscriberData {
    /// "surname, firstName" as KPN shows a person (`contextName`, `location`).
    pub fn display_name(&self) -> String {
        let surname = match &self.surname_prefix {
            Some(prefix) => format!("{prefix} {}", self.surname),
            None => self.surname.clone(),
        };
        match &self.first_name {
            Some(first) => format!("{surname}, {first}"),
            None => surname,
        }
    }
}

/// One item of a customer's hierarchy; subscribers carry their data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HierarchyItem {
    pub id: i64,
    pub kind: ItemKind,
    pub parent_id: Option<i64>,
    pub name: String,
    pub cost_center_number: Option<String>,
    pub subscriber: Option<SubscriberData>,
}

/// A node of a contract's item tree (`ContractItem`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ContractItemNode {
    pub id: i64,
    pub citem_bs_id: i64,
    pub product_bs_id: i64,
    pub tariff_plan_variant_bs_id: Option<i64>,
    pub name_en: String,
    pub name_nl: String,
    #[serde(default)]
    pub children: Vec<ContractItemNode>,
}

/// A contracted product: a mobile subscription (number, SIM, products) or another product,
/// owned by a subscriber or by a debtor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub id: i64,
    /// The subscriber or debtor that holds it.
    pub owner_id: i64,
    pub category: ContractCategory,
    pub product_category: String,
    pub product_en: String,
    pub product_nl: String,
    pub state: ContractState,
    pub mobile_number: Option<String>,
    pub fixed_number: Option<String>,
    pub sim_card_number: Option<String>,
    pub imei: Option<String>,
    pub extension: Option<String>,
    pub sip_account: Option<String>,
    pub tariff_plan: Option<String>,
    pub pin: Option<String>,
    pub puk: Option<String>,
    pub start_at: crate::Timestamp,
    pub status_changed_at: crate::Timestamp,
    pub items: Vec<ContractItemNode>,
}

/// Normalises a Dutch number to E.164 digits: `06…` → `316…`, `0…` → `31…`, `+31…`/`0031…` →
/// `31…`; other digits stay as they are. `None` when it holds anything but digits.
pub fn dutch_number(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = compact
        .strip_prefix('+')
        .or_else(|| compact.strip_prefix("00"))
        .map(str::to_owned)
        .unwrap_or_else(|| match compact.strip_prefix('0') {
            Some(rest) => format!("31{rest}"),
            None => compact.clone(),
        });
    (digits.len() >= 8 && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}

/// The `filters` columns of `findSubscribersUsingGET`.
pub const SUBSCRIBER_FILTERS: &[&str] = &[
    "FIRSTNAME",
    "LASTNAME",
    "SURNAME_PREFIX",
    "CONTRACTS",
    "DEBTORNAME",
    "FIXED_NUMBER",
    "EMPLOYEE_NUMBER",
];
/// Its `sortBy` values.
pub const SUBSCRIBER_SORTS: &[&str] = &[
    "FIRSTNAME",
    "LASTNAME",
    "DEBTORNAME",
    "FIXED_NUMBER",
    "EMPLOYEE_NUMBER",
    "IS_USER",
];
/// The `filters` columns of the contract lists (`CQ` of the spec).
pub const CONTRACT_FILTERS: &[&str] = &[
    "FIRSTNAME",
    "LASTNAME",
    "SURNAME_PREFIX",
    "PRODUCT_NAME",
    "PRODUCT_CATEGORY",
    "MOBILE_NUMBER",
    "FIXED_NUMBER",
    "STATE",
    "EXTENSION",
    "SIM_CARD_NUMBER",
    "IMEI",
];
/// Their `sortBy` values (`CSORT`).
pub const CONTRACT_SORTS: &[&str] = &[
    "FIRSTNAME",
    "LASTNAME",
    "SURNAME_PREFIX",
    "PRODUCT_NAME",
    "PRODUCT_CATEGORY",
    "MOBILE_NUMBER",
    "FIXED_NUMBER",
    "STATE",
    "SIM_CARD_NUMBER",
    "EXTENSION",
    "SIP_ACCOUNT_NAME",
    "CATEGORY",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_numbers_become_e164_digits() {
        assert_eq!(dutch_number("0612345678").as_deref(), Some("31612345678"));
        assert_eq!(dutch_number("31612345678").as_deref(), Some("31612345678"));
        assert_eq!(
            dutch_number("+31 20 123 4567").as_deref(),
            Some("31201234567")
        );
        assert_eq!(dutch_number("0201234567").as_deref(), Some("31201234567"));
        assert_eq!(dutch_number("06-abc"), None);
        assert_eq!(dutch_number("123"), None);
    }

    #[test]
    fn a_person_is_shown_surname_first() {
        let data = SubscriberData {
            first_name: Some("Jan".into()),
            surname_prefix: Some("de".into()),
            surname: "Vries".into(),
            ..SubscriberData::default()
        };
        assert_eq!(data.display_name(), "de Vries, Jan");
    }
}
