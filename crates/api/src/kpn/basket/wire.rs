//! The contracting wire shapes: `BasketSnapshot`, `ProductTreeItem`, `Characteristic`,
//! `Product1`, the template shapes, built from the services' views.

use std::collections::BTreeMap;

use sentral_domain::kpn::contracting::Prices;
use sentral_services::kpn::basket::characteristics::CharacteristicView;
use sentral_services::kpn::basket::products::ProductView;
use sentral_services::kpn::basket::templates::{TemplateItemView, TemplateView};
use sentral_services::kpn::basket::view::{BasketView, TreeItemView};
use serde::Serialize;
use utoipa::ToSchema;

use super::super::wire::Localized;

fn localized(en: &str, nl: &str) -> Localized {
    Localized {
        en: en.to_owned(),
        nl: nl.to_owned(),
    }
}

/// `OneTimePrice`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OneTimePriceBody {
    pub activation_fee_in_cents: i64,
    pub hardware_fee_in_cents: i64,
    pub private_copying_levy_in_cents: i64,
}

/// `RecurringPrice`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecurringPriceBody {
    pub monthly_fee_in_cents: i64,
}

/// `Price`, in cents.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriceBody {
    pub one_time: OneTimePriceBody,
    pub recurring: RecurringPriceBody,
}

impl From<Prices> for PriceBody {
    fn from(prices: Prices) -> Self {
        Self {
            one_time: OneTimePriceBody {
                activation_fee_in_cents: prices.activation_fee_in_cents,
                hardware_fee_in_cents: prices.hardware_fee_in_cents,
                private_copying_levy_in_cents: prices.private_copying_levy_in_cents,
            },
            recurring: RecurringPriceBody {
                monthly_fee_in_cents: prices.monthly_fee_in_cents,
            },
        }
    }
}

/// `Error` of a tree node.
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeErrorBody {
    pub hint: Localized,
    pub message: Localized,
}

/// `ProductTreeItem`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductTreeItemBody {
    #[schema(example = "TreeNode_2001")]
    pub id: String,
    pub name: Localized,
    pub selected: bool,
    pub disabled: bool,
    pub visible: bool,
    pub contracted: bool,
    pub amount: i64,
    pub can_order_more_than_one: bool,
    /// SELECT_ONE, SELECT_MANY or NONE.
    pub children_selection_strategy: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<NodeErrorBody>,
    pub price: PriceBody,
    #[schema(no_recursion)]
    pub children: Vec<ProductTreeItemBody>,
}

impl From<TreeItemView> for ProductTreeItemBody {
    fn from(item: TreeItemView) -> Self {
        Self {
            name: localized(&item.name_en, &item.name_nl),
            id: item.id,
            selected: item.selected,
            disabled: item.disabled,
            visible: item.visible,
            contracted: item.contracted,
            amount: item.amount,
            can_order_more_than_one: item.can_order_more_than_one,
            children_selection_strategy: item.strategy.as_str(),
            error: item.error.map(|e| NodeErrorBody {
                hint: localized(&e.hint_en, &e.hint_nl),
                message: localized(&e.message_en, &e.message_nl),
            }),
            price: item.price.into(),
            children: item.children.into_iter().map(Into::into).collect(),
        }
    }
}

/// `CharacteristicRestriction`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestrictionBody {
    pub value: String,
    pub caption: Localized,
}

/// `Characteristic`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CharacteristicBody {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_values: Option<Vec<RestrictionBody>>,
}

pub fn characteristics(views: Vec<CharacteristicView>) -> BTreeMap<String, CharacteristicBody> {
    views
        .into_iter()
        .map(|view| {
            let possible_values = (!view.possible_values.is_empty()).then(|| {
                view.possible_values
                    .into_iter()
                    .map(|(value, en, nl)| RestrictionBody {
                        value,
                        caption: Localized { en, nl },
                    })
                    .collect()
            });
            (
                view.name.to_owned(),
                CharacteristicBody {
                    name: view.name.to_owned(),
                    value: view.value,
                    possible_values,
                },
            )
        })
        .collect()
}

/// `BasketSnapshot`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BasketSnapshotBody {
    pub product_tree: Vec<ProductTreeItemBody>,
    pub characteristics: BTreeMap<String, CharacteristicBody>,
    pub old_price: PriceBody,
    pub total_price: PriceBody,
}

impl From<BasketView> for BasketSnapshotBody {
    fn from(view: BasketView) -> Self {
        Self {
            product_tree: view.tree.into_iter().map(Into::into).collect(),
            characteristics: characteristics(view.characteristics),
            old_price: view.old_price.into(),
            total_price: view.total_price.into(),
        }
    }
}

/// `Product1` (a main product).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MainProductBody {
    pub id: String,
    pub name: Localized,
    /// MOBILE or HARDWARE.
    pub category: String,
    pub subcategory: String,
    pub price_in_cents: i64,
    pub private_copying_levy_in_cents: i64,
}

impl From<ProductView> for MainProductBody {
    fn from(p: ProductView) -> Self {
        Self {
            name: localized(&p.name_en, &p.name_nl),
            id: p.id,
            category: p.category,
            subcategory: p.subcategory,
            price_in_cents: p.price_in_cents,
            private_copying_levy_in_cents: p.private_copying_levy_in_cents,
        }
    }
}

/// `Product` (a template's main product).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateProductBody {
    pub bs_id: i64,
    pub name: String,
    pub one_time_price_in_cents: i64,
    pub private_copying_levy_in_cents: i64,
}

/// `Template` (in a basket's list).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateBody {
    pub id: String,
    pub name: String,
    pub customer_level: bool,
    pub valid: bool,
    /// INVALID_PRODUCT_CONFIGURATION, HARDWARE_IN_TEMPLATE or NOT_SUPPORTED_PRODUCT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<TemplateProductBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_definition_id: Option<i64>,
}

impl From<TemplateView> for TemplateBody {
    fn from(view: TemplateView) -> Self {
        Self {
            id: view.template.id.to_string(),
            name: view.template.name,
            customer_level: view.template.customer_level,
            valid: view.reason.is_none(),
            reason: view.reason,
            template_definition_id: view.product.as_ref().map(|p| p.0),
            product: view
                .product
                .map(|(bs_id, name, one_time, levy)| TemplateProductBody {
                    bs_id,
                    name,
                    one_time_price_in_cents: one_time,
                    private_copying_levy_in_cents: levy,
                }),
        }
    }
}

/// `TemplateOverview`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateOverviewBody {
    pub id: i64,
    pub name: String,
    pub customer_level: bool,
    pub valid: bool,
}

impl From<TemplateView> for TemplateOverviewBody {
    fn from(view: TemplateView) -> Self {
        Self {
            id: view.template.id,
            name: view.template.name,
            customer_level: view.template.customer_level,
            valid: view.reason.is_none(),
        }
    }
}

/// `TemplateItem`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateItemBody {
    pub product_name: Localized,
    /// NOT_AVAILABLE, AVAILABLE, DEFAULT_DESELECTED, DEFAULT_SELECTED or REQUIRED.
    pub option: &'static str,
    #[schema(no_recursion)]
    pub items: Vec<TemplateItemBody>,
}

impl From<TemplateItemView> for TemplateItemBody {
    fn from(view: TemplateItemView) -> Self {
        Self {
            product_name: localized(&view.name_en, &view.name_nl),
            option: view.option,
            items: view.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// `Resource`: a free number.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceBody {
    pub id: i64,
    #[schema(example = "31620000001")]
    pub address: String,
}

/// `OrderConfirmation`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderConfirmationBody {
    pub order_id: i64,
}

/// `SaveAsTemplateResponse`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SaveAsTemplateBody {
    pub id: i64,
}

/// `ContractingSuborder`: one line of a basket order, its options below it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContractingSuborderBody {
    #[schema(example = "TreeNode_2001")]
    pub id: String,
    pub name: Localized,
    pub product_name: String,
    pub multiplicity: i64,
    pub one_time_price_in_cents: i64,
    pub private_copying_levy_in_cents: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mobile_numbers: Vec<String>,
    /// ADD, or REMOVE for what a modify takes away.
    pub status: &'static str,
    #[schema(no_recursion)]
    pub children: Vec<ContractingSuborderBody>,
}

/// What track & trace shows of a basket order: its lines, costs and eSIM.
pub struct ContractingDetails {
    pub items: Vec<ContractingSuborderBody>,
    pub one_time_cost_in_cents: i64,
    pub recurring_cost_in_cents: i64,
    pub esim_email: Option<String>,
    pub esim_confirmation_code: Option<String>,
    pub porting_customer_number: Option<String>,
}

fn suborders(
    lines: &[sentral_domain::kpn::contracting::ContractingLine],
    parent: Option<&str>,
    msisdn: Option<&String>,
    status: &'static str,
) -> Vec<ContractingSuborderBody> {
    lines
        .iter()
        .filter(|line| line.parent_node_id.as_deref() == parent)
        .map(|line| ContractingSuborderBody {
            id: line.node_id.clone(),
            name: localized(&line.name_en, &line.name_nl),
            product_name: line.name_en.clone(),
            multiplicity: line.amount,
            one_time_price_in_cents: line.prices.one_time() * line.amount,
            private_copying_levy_in_cents: line.prices.private_copying_levy_in_cents * line.amount,
            mobile_numbers: if parent.is_none() {
                msisdn.cloned().into_iter().collect()
            } else {
                Vec::new()
            },
            status,
            children: suborders(lines, Some(&line.node_id), None, status),
        })
        .collect()
}

/// The details of a CONTRACTING order (None for any other change).
pub fn contracting_details(change: &sentral_domain::kpn::KpnChange) -> Option<ContractingDetails> {
    let sentral_domain::kpn::KpnChange::Contracting(change) = change else {
        return None;
    };
    let order = change.order();
    let mut items = suborders(&order.lines, None, order.msisdn.as_ref(), "ADD");
    items.extend(suborders(
        &order
            .removed
            .iter()
            .cloned()
            .map(|mut line| {
                line.parent_node_id = None;
                line
            })
            .collect::<Vec<_>>(),
        None,
        None,
        "REMOVE",
    ));
    Some(ContractingDetails {
        items,
        one_time_cost_in_cents: order.one_time_cost_in_cents,
        recurring_cost_in_cents: order.recurring_cost_in_cents,
        esim_email: order.esim.as_ref().map(|e| e.email.clone()),
        esim_confirmation_code: order.esim.as_ref().map(|e| e.confirmation_code.clone()),
        porting_customer_number: order.porting.as_ref().map(|p| p.customer_number.clone()),
    })
}

/// `PrettyContractingSuborder`: a line of a basket order without its children.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrettySuborderBody {
    pub name: Localized,
    pub multiplicity: i64,
    pub one_time_price_in_cents: i64,
    pub private_copying_levy_in_cents: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mobile_numbers: Vec<String>,
    pub status: &'static str,
}

/// `PrettyOrderDetails.items`: a basket order's lines by the product they belong to (each
/// top line's English name), removed lines under "Removed".
pub fn pretty_items(
    change: &sentral_domain::kpn::KpnChange,
) -> BTreeMap<String, Vec<PrettySuborderBody>> {
    let mut grouped: BTreeMap<String, Vec<PrettySuborderBody>> = BTreeMap::new();
    let sentral_domain::kpn::KpnChange::Contracting(change) = change else {
        return grouped;
    };
    let order = change.order();
    let pretty =
        |line: &sentral_domain::kpn::contracting::ContractingLine, status| PrettySuborderBody {
            name: localized(&line.name_en, &line.name_nl),
            multiplicity: line.amount,
            one_time_price_in_cents: line.prices.one_time() * line.amount,
            private_copying_levy_in_cents: line.prices.private_copying_levy_in_cents * line.amount,
            mobile_numbers: if line.parent_node_id.is_none() {
                order.msisdn.clone().into_iter().collect()
            } else {
                Vec::new()
            },
            status,
        };
    for line in &order.lines {
        // The top line this one is below (itself for a top line).
        let mut top = line;
        while let Some(parent) = top
            .parent_node_id
            .as_deref()
            .and_then(|id| order.lines.iter().find(|l| l.node_id == id))
        {
            top = parent;
        }
        grouped
            .entry(top.name_en.clone())
            .or_default()
            .push(pretty(line, "ADD"));
    }
    for line in &order.removed {
        grouped
            .entry("Removed".into())
            .or_default()
            .push(pretty(line, "REMOVE"));
    }
    grouped
}
