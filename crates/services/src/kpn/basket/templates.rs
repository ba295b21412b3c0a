//! Templates: a basket's selections saved at a hierarchy group (or the customer) and offered to
//! every basket at or below it; invalid once a product in it is no longer offered, holds
//! hardware, or no longer makes a valid basket.

use sentral_domain::kpn::HierarchyItem;
use sentral_domain::kpn::contracting::{
    BasketMode, BasketState, CatalogueNode, Template, TemplateContent,
};
use sentral_store::Connection;
use sentral_store::kpn::items;

use super::catalogue::Catalogue;
use super::rules;
use crate::kpn::{Customer, KpnError, KpnFailure, KpnResult, Tree, item_not_found};

pub(crate) fn not_found(id: i64) -> KpnError {
    KpnFailure::ContextObjectNotFound(format!(
        "template {id} does not exist or is not visible to you"
    ))
    .into()
}

/// The characteristics a template keeps (not a person's own data).
const KEPT_CHARACTERISTICS: &[&str] = &["eSim"];

/// A template with what the catalogue says of it.
#[derive(Debug, Clone)]
pub struct TemplateView {
    pub template: Template,
    /// None: valid; else INVALID_PRODUCT_CONFIGURATION, HARDWARE_IN_TEMPLATE or NOT_SUPPORTED_PRODUCT.
    pub reason: Option<&'static str>,
    /// Its main product: (bsId, name, one-time price, private copying levy).
    pub product: Option<(i64, String, i64, i64)>,
}

/// `TemplateItem`: a product or group of the template's main product with its option.
#[derive(Debug, Clone)]
pub struct TemplateItemView {
    pub name_en: String,
    pub name_nl: String,
    /// NOT_AVAILABLE, AVAILABLE, DEFAULT_DESELECTED, DEFAULT_SELECTED or REQUIRED.
    pub option: &'static str,
    pub items: Vec<TemplateItemView>,
}

/// `TemplateDetailsWithLocations`.
#[derive(Debug, Clone)]
pub struct TemplateDetails {
    pub view: TemplateView,
    pub items: Vec<TemplateItemView>,
    /// The path of each location it is saved at, the customer first.
    pub locations: Vec<Vec<HierarchyItem>>,
}

pub(super) fn state_of(content: &TemplateContent) -> BasketState {
    let mut state = BasketState::new(BasketMode::Empty);
    state.selected = content.selected.clone();
    state.characteristics = content.characteristics.clone();
    state
}

/// Why a template (or a basket about to become one) is not valid, if it is not.
fn reason(catalogue: &Catalogue, state: &BasketState) -> Option<&'static str> {
    if state.selected.keys().any(|id| catalogue.node(id).is_none()) {
        return Some("NOT_SUPPORTED_PRODUCT");
    }
    if state
        .selected
        .keys()
        .filter_map(|id| catalogue.node(id))
        .any(|node| node.hardware)
    {
        return Some("HARDWARE_IN_TEMPLATE");
    }
    if rules::subscription(catalogue, state).is_none()
        || !rules::node_errors(catalogue, state).is_empty()
    {
        return Some("INVALID_PRODUCT_CONFIGURATION");
    }
    None
}

pub(super) fn view(catalogue: &Catalogue, template: Template) -> TemplateView {
    let state = state_of(&template.content);
    let product = rules::subscription(catalogue, &state).map(|node| {
        (
            node.bs_id,
            node.name_en.clone(),
            node.prices.one_time(),
            node.prices.private_copying_levy_in_cents,
        )
    });
    TemplateView {
        reason: reason(catalogue, &state),
        product,
        template,
    }
}

pub(super) fn item_view(
    catalogue: &Catalogue,
    state: &BasketState,
    node: &CatalogueNode,
    in_required: bool,
) -> TemplateItemView {
    let items = catalogue
        .children(Some(&node.id))
        .map(|child| item_view(catalogue, state, child, node.required))
        .collect();
    let option = if node.is_folder() {
        if node.required {
            "REQUIRED"
        } else {
            "AVAILABLE"
        }
    } else if state.selected.contains_key(&node.id) {
        if in_required || node.subscription {
            "REQUIRED"
        } else {
            "DEFAULT_SELECTED"
        }
    } else if node.disabled {
        "NOT_AVAILABLE"
    } else if node.default_selected {
        "DEFAULT_DESELECTED"
    } else {
        "AVAILABLE"
    };
    TemplateItemView {
        name_en: node.name_en.clone(),
        name_nl: node.name_nl.clone(),
        option,
        items,
    }
}

/// The group ids a basket for `account` (a subscriber or a debtor) may use templates of.
pub(super) async fn locations_of(
    conn: &mut Connection,
    customer: &Customer,
    account: i64,
) -> KpnResult<Vec<i64>> {
    let tree = Tree::new(items::groups(conn, &customer.org_number).await?);
    if tree.group(account).is_some() {
        return Ok(tree.chain(account).iter().map(|g| g.id).collect());
    }
    let item = items::item(conn, &customer.org_number, account)
        .await?
        .ok_or_else(|| item_not_found(account))?;
    Ok(tree.path_of(item.parent_id).iter().map(|g| g.id).collect())
}

pub(super) fn usable_at(template: &Template, locations: &[i64]) -> bool {
    template.customer_level || locations.contains(&template.group_id)
}

/// Puts a template's selections in the basket (templateId): it must be usable at the basket's
/// account and valid.
pub(crate) async fn apply(
    conn: &mut Connection,
    customer: &Customer,
    catalogue: &Catalogue,
    state: &mut BasketState,
    template: &Template,
) -> KpnResult<()> {
    if let Some(account) = account_of(&state.mode) {
        let locations = locations_of(conn, customer, account).await?;
        if !usable_at(template, &locations) {
            return Err(not_found(template.id));
        }
    }
    let checked = state_of(&template.content);
    if let Some(reason) = reason(catalogue, &checked) {
        return Err(KpnFailure::InvalidProductConfiguration(format!(
            "template {} ({}) is not valid: {reason}",
            template.id, template.name
        ))
        .into());
    }
    state.selected = template.content.selected.clone();
    for (name, value) in &template.content.characteristics {
        state
            .characteristics
            .entry(name.clone())
            .or_insert_with(|| value.clone());
    }
    state.template_id = Some(template.id);
    Ok(())
}

pub(super) fn account_of(mode: &BasketMode) -> Option<i64> {
    match mode {
        BasketMode::New { account_id } | BasketMode::Reactivate { account_id, .. } => {
            Some(*account_id)
        }
        BasketMode::Modify { owner_id, .. } => Some(*owner_id),
        BasketMode::Empty | BasketMode::Template { .. } => None,
    }
}

/// What a basket saves as a template: refused unless it is valid and holds no hardware.
pub(super) fn content_of(
    catalogue: &Catalogue,
    state: &BasketState,
) -> KpnResult<(String, TemplateContent)> {
    if let Some(why) = rules::incomplete(catalogue, state) {
        return Err(KpnFailure::BasketInvalid(why).into());
    }
    if let Some(node) = state
        .selected
        .keys()
        .filter_map(|id| catalogue.node(id))
        .find(|n| n.hardware)
    {
        return Err(KpnFailure::InvalidProductConfiguration(format!(
            "a template holds no hardware; remove {} ({}) first",
            node.id, node.name_en
        ))
        .into());
    }
    let main = rules::subscription(catalogue, state).ok_or_else(|| {
        KpnFailure::InvalidProductConfiguration("a template needs a mobile subscription".into())
    })?;
    let content = TemplateContent {
        selected: state.selected.clone(),
        characteristics: state
            .characteristics
            .iter()
            .filter(|(name, _)| KEPT_CHARACTERISTICS.contains(&name.as_str()))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect(),
    };
    Ok((main.category.clone(), content))
}
