//! KPN contracting: the product catalogue, basket sessions, templates, and the change a
//! committed basket makes when its order finishes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

crate::corporate::wire_enum!(
    /// `ProductTreeItem.childrenSelectionStrategy`: how many children may be selected.
    SelectionStrategy {
        SelectOne = "SELECT_ONE",
        SelectMany = "SELECT_MANY",
        NoChildren = "NONE",
    }
);

/// A node's prices in cents: one-time (`OneTimePrice`) and recurring (`RecurringPrice`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Prices {
    pub activation_fee_in_cents: i64,
    pub hardware_fee_in_cents: i64,
    pub private_copying_levy_in_cents: i64,
    pub monthly_fee_in_cents: i64,
}

impl Prices {
    pub fn times(self, amount: i64) -> Self {
        Self {
            activation_fee_in_cents: self.activation_fee_in_cents * amount,
            hardware_fee_in_cents: self.hardware_fee_in_cents * amount,
            private_copying_levy_in_cents: self.private_copying_levy_in_cents * amount,
            monthly_fee_in_cents: self.monthly_fee_in_cents * amount,
        }
    }

    pub fn plus(self, other: Self) -> Self {
        Self {
            activation_fee_in_cents: self.activation_fee_in_cents + other.activation_fee_in_cents,
            hardware_fee_in_cents: self.hardware_fee_in_cents + other.hardware_fee_in_cents,
            private_copying_levy_in_cents: self.private_copying_levy_in_cents
                + other.private_copying_levy_in_cents,
            monthly_fee_in_cents: self.monthly_fee_in_cents + other.monthly_fee_in_cents,
        }
    }

    /// What is paid once: activation, hardware and the private copying levy.
    pub fn one_time(self) -> i64 {
        self.activation_fee_in_cents
            + self.hardware_fee_in_cents
            + self.private_copying_levy_in_cents
    }
}

/// A node of the product catalogue: a folder (no `bs_id`) or a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueNode {
    /// `TreeNode_…`.
    pub id: String,
    pub parent_id: Option<String>,
    pub position: i64,
    /// The product's business id (kept on the contract's items); 0 for a folder.
    pub bs_id: i64,
    pub name_en: String,
    pub name_nl: String,
    /// `Product1.category`: MOBILE, HARDWARE …
    pub category: String,
    /// `Product1.subcategory`: "mobile subscriptions", "handsets", "sim cards" …
    pub subcategory: String,
    /// How many of its children may be selected.
    pub strategy: SelectionStrategy,
    /// A SELECT_ONE group that must hold one selection when its parent is selected.
    pub required: bool,
    /// Selected with its parent unless the caller removes it.
    pub default_selected: bool,
    pub disabled: bool,
    pub visible: bool,
    pub can_order_more_than_one: bool,
    /// Delivered goods (needs an address; not possible while porting).
    pub hardware: bool,
    /// A main product (`getMainProductsUsingGET`).
    pub main: bool,
    /// A mobile subscription: it has the mobile characteristics and becomes a contract.
    pub subscription: bool,
    pub prices: Prices,
}

impl CatalogueNode {
    pub fn is_folder(&self) -> bool {
        self.bs_id == 0
    }
}

/// What a basket session is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "camelCase")]
pub enum BasketMode {
    /// Opened without an account yet: products can be browsed, nothing ordered.
    Empty,
    /// A new contract for a subscriber or debtor.
    #[serde(rename_all = "camelCase")]
    New { account_id: i64 },
    /// A new contract reactivating the one a termination order ended.
    #[serde(rename_all = "camelCase")]
    Reactivate {
        account_id: i64,
        order_id: i64,
        previous_number: Option<String>,
    },
    /// Changes to an existing contract.
    #[serde(rename_all = "camelCase")]
    Modify { contract_id: i64, owner_id: i64 },
    /// Edits a template's selections (`modify-template` saves them).
    #[serde(rename_all = "camelCase")]
    Template { template_id: i64 },
}

/// The state of a basket session, kept as one small JSON row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BasketState {
    pub mode: BasketMode,
    /// Selected nodes and their amounts.
    #[serde(default)]
    pub selected: BTreeMap<String, i64>,
    /// Nodes the modified contract already has (with amounts).
    #[serde(default)]
    pub contracted: BTreeMap<String, i64>,
    /// Characteristic values set so far.
    #[serde(default)]
    pub characteristics: BTreeMap<String, String>,
    #[serde(default)]
    pub sim_card_number: Option<String>,
    /// The template applied, if any.
    #[serde(default)]
    pub template_id: Option<i64>,
}

impl BasketState {
    pub fn new(mode: BasketMode) -> Self {
        Self {
            mode,
            selected: BTreeMap::new(),
            contracted: BTreeMap::new(),
            characteristics: BTreeMap::new(),
            sim_card_number: None,
            template_id: None,
        }
    }
}

/// A stored basket session (KPN.md decision 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasketSession {
    pub id: String,
    pub org_number: crate::OrgNumber,
    /// Who opened it (the caller's actor).
    pub owner: String,
    pub state: BasketState,
    pub touched_at: crate::Timestamp,
    /// The order it became; a closed session is no longer usable.
    pub ordered_as: Option<String>,
}

/// What a template holds: the selections (node ids and amounts) and characteristic defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateContent {
    pub selected: BTreeMap<String, i64>,
    #[serde(default)]
    pub characteristics: BTreeMap<String, String>,
}

/// A stored template, saved at a hierarchy group (or the customer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub id: i64,
    pub name: String,
    /// MOBILE, HARDWARE … (of its main product).
    pub main_category: String,
    /// The group it was saved at; the customer item when `customer_level`.
    pub group_id: i64,
    pub customer_level: bool,
    pub content: TemplateContent,
}

/// One line of a committed basket: a selected catalogue node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractingLine {
    pub node_id: String,
    /// The line it belongs under (the selected ancestor product), if any.
    pub parent_node_id: Option<String>,
    pub bs_id: i64,
    pub name_en: String,
    pub name_nl: String,
    pub amount: i64,
    pub prices: Prices,
    pub hardware: bool,
}

/// The port-in data of a basket: changePortingData edits the customer number (and the wish
/// date, which is the order's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortingData {
    pub phone_number: String,
    pub customer_number: String,
    pub customer_name: Option<String>,
    pub keep_existing_sim_card: bool,
    pub note: Option<String>,
}

/// The eSIM of a basket: where its activation is mailed, with its confirmation code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EsimData {
    pub email: String,
    pub confirmation_code: String,
}

/// A committed basket: the contract it makes or changes and everything track & trace shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractingOrder {
    pub contract_id: i64,
    /// The subscriber or debtor holding the contract.
    pub owner_id: i64,
    /// The lines the contract has once the order is done.
    pub lines: Vec<ContractingLine>,
    /// The lines a modify removes.
    #[serde(default)]
    pub removed: Vec<ContractingLine>,
    pub msisdn: Option<String>,
    pub sim_card_number: Option<String>,
    pub esim: Option<EsimData>,
    pub porting: Option<PortingData>,
    /// The delivery address (`DeliveryAddress` fields by their wire names), for hardware.
    pub delivery_address: Option<BTreeMap<String, String>>,
    pub one_time_cost_in_cents: i64,
    pub recurring_cost_in_cents: i64,
    /// The state the contract had before a modify (it shows PENDING meanwhile).
    #[serde(default)]
    pub previous_state: Option<String>,
}

/// What a committed basket does when its order finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "contracting", rename_all = "camelCase")]
pub enum ContractingChange {
    /// A new contract (also a reactivation), ORDERED until the order is done.
    NewContract(ContractingOrder),
    /// A contract's items changed, PENDING until the order is done.
    ModifyContract(ContractingOrder),
}

impl ContractingChange {
    pub fn order(&self) -> &ContractingOrder {
        match self {
            ContractingChange::NewContract(order) | ContractingChange::ModifyContract(order) => {
                order
            }
        }
    }

    pub fn order_mut(&mut self) -> &mut ContractingOrder {
        match self {
            ContractingChange::NewContract(order) | ContractingChange::ModifyContract(order) => {
                order
            }
        }
    }
}
