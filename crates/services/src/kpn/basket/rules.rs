//! The basket's rules on the catalogue: selecting and removing products (a SELECT_ONE group
//! keeps its newest choice, a product comes with its default options), the errors a selection
//! puts on its nodes, and its prices.

use std::collections::BTreeMap;

use sentral_domain::kpn::contracting::{
    BasketMode, BasketState, CatalogueNode, Prices, SelectionStrategy,
};

use super::catalogue::Catalogue;
use crate::kpn::{KpnFailure, KpnResult, invalid};

/// An error on a node of the tree (`Error {hint, message}`), in English and Dutch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeError {
    pub message_en: String,
    pub message_nl: String,
    pub hint_en: String,
    pub hint_nl: String,
}

/// Whether the basket is porting a number in (the `porting` characteristic).
pub fn porting(state: &BasketState) -> bool {
    state.characteristics.get("porting").map(String::as_str) == Some("true")
}

pub fn esim(state: &BasketState) -> bool {
    state.characteristics.get("eSim").map(String::as_str) == Some("true")
}

/// A node cannot be selected: disabled in the catalogue, or hardware while porting.
pub fn disabled(node: &CatalogueNode, state: &BasketState) -> bool {
    node.disabled || (node.hardware && porting(state))
}

/// The selected subscription, if any.
pub fn subscription<'a>(
    catalogue: &'a Catalogue,
    state: &BasketState,
) -> Option<&'a CatalogueNode> {
    state
        .selected
        .keys()
        .filter_map(|id| catalogue.node(id))
        .find(|node| node.subscription)
}

fn deselect_subtree(catalogue: &Catalogue, state: &mut BasketState, node: &CatalogueNode) {
    for below in catalogue.subtree(node) {
        state.selected.remove(&below.id);
    }
}

/// Selects the default options below `node` (through folders), recursively.
fn select_defaults(catalogue: &Catalogue, state: &mut BasketState, node: &CatalogueNode) {
    for child in catalogue.children(Some(&node.id)) {
        if child.is_folder() {
            select_defaults(catalogue, state, child);
        } else if child.default_selected && !child.disabled {
            state.selected.entry(child.id.clone()).or_insert(1);
            select_defaults(catalogue, state, child);
        }
    }
}

/// Deselects the siblings of `node` in a SELECT_ONE parent.
fn keep_only(catalogue: &Catalogue, state: &mut BasketState, node: &CatalogueNode) {
    let parent_strategy = match catalogue.parent(node) {
        Some(parent) => parent.strategy,
        None => return,
    };
    if parent_strategy != SelectionStrategy::SelectOne {
        return;
    }
    let siblings: Vec<&CatalogueNode> = catalogue
        .children(node.parent_id.as_deref())
        .filter(|sibling| sibling.id != node.id)
        .collect();
    for sibling in siblings {
        deselect_subtree(catalogue, state, sibling);
    }
}

/// `{productId, amount, type: PUT}`: selects the product (with the products above it and
/// their default options), replacing another choice of a SELECT_ONE group.
pub fn put(
    catalogue: &Catalogue,
    state: &mut BasketState,
    field: &str,
    id: &str,
    amount: Option<i64>,
) -> KpnResult<()> {
    let node = catalogue.node(id).ok_or_else(|| {
        invalid(
            &format!("{field}.productId"),
            format!("unknown product {id:?}; see GET /contracting/basket/products"),
        )
    })?;
    if node.is_folder() {
        return Err(invalid(
            &format!("{field}.productId"),
            format!(
                "{id} ({}) is a folder; select one of its products",
                node.name_en
            ),
        ));
    }
    let amount = amount.unwrap_or(1);
    if !(1..=100).contains(&amount) {
        return Err(invalid(
            &format!("{field}.amount"),
            format!("is 1 to 100, got {amount}"),
        ));
    }
    if amount > 1 && !node.can_order_more_than_one {
        return Err(invalid(
            &format!("{field}.amount"),
            format!(
                "{id} ({}) can be ordered once only, got {amount}",
                node.name_en
            ),
        ));
    }
    let mut chain: Vec<&CatalogueNode> = catalogue
        .ancestors(node)
        .into_iter()
        .filter(|n| !n.is_folder())
        .collect();
    chain.reverse();
    chain.push(node);
    for product in chain {
        // Also a product already selected keeps only itself in its SELECT_ONE group.
        keep_only(catalogue, state, product);
        if !state.selected.contains_key(&product.id) {
            state.selected.insert(product.id.clone(), 1);
            select_defaults(catalogue, state, product);
        }
        // Folders between products choose too: a SELECT_ONE folder keeps this branch.
        for folder in catalogue
            .ancestors(product)
            .into_iter()
            .take_while(|n| n.is_folder())
        {
            keep_only(catalogue, state, folder);
        }
        keep_only(catalogue, state, product);
    }
    state.selected.insert(node.id.clone(), amount);
    forget_characteristics_without_subscription(catalogue, state);
    Ok(())
}

/// `{productId, type: REMOVE}`: deselects the product and everything below it.
pub fn remove(
    catalogue: &Catalogue,
    state: &mut BasketState,
    field: &str,
    id: &str,
) -> KpnResult<()> {
    let node = catalogue.node(id).ok_or_else(|| {
        invalid(
            &format!("{field}.productId"),
            format!("unknown product {id:?}; see GET /contracting/basket/products"),
        )
    })?;
    if let BasketMode::Modify { contract_id, .. } = state.mode
        && node.subscription
        && state.contracted.contains_key(&node.id)
    {
        return Err(KpnFailure::OperationNotPossible(format!(
            "{id} ({}) is contract {contract_id} itself; end it with POST /order/terminate",
            node.name_en
        ))
        .into());
    }
    deselect_subtree(catalogue, state, node);
    forget_characteristics_without_subscription(catalogue, state);
    Ok(())
}

fn forget_characteristics_without_subscription(catalogue: &Catalogue, state: &mut BasketState) {
    if subscription(catalogue, state).is_none() {
        state.characteristics.clear();
    }
}

fn error(message_en: String, message_nl: String, hint_en: &str, hint_nl: &str) -> NodeError {
    NodeError {
        message_en,
        message_nl,
        hint_en: hint_en.into(),
        hint_nl: hint_nl.into(),
    }
}

/// Whether a group's choice matters: it is a root, or the product above it is selected.
fn active(catalogue: &Catalogue, state: &BasketState, node: &CatalogueNode) -> bool {
    match catalogue.parent_product(node) {
        Some(product) => state.selected.contains_key(&product.id),
        None => true,
    }
}

/// The errors of the selection, by node id (the tree shows each on its node).
pub fn node_errors(catalogue: &Catalogue, state: &BasketState) -> BTreeMap<String, NodeError> {
    let mut errors = BTreeMap::new();
    for id in state.selected.keys() {
        let Some(node) = catalogue.node(id) else {
            continue;
        };
        if disabled(node, state) {
            let (en, nl) = if node.disabled {
                ("is no longer available", "is niet meer beschikbaar")
            } else {
                (
                    "cannot be ordered while a number is ported in",
                    "kan niet besteld worden tijdens het overzetten van een nummer",
                )
            };
            errors.insert(
                id.clone(),
                error(
                    format!("{} {en}", node.name_en),
                    format!("{} {nl}", node.name_nl),
                    "Remove it from the basket",
                    "Verwijder het uit het winkelmandje",
                ),
            );
        } else if let Some(product) = catalogue.parent_product(node)
            && !state.selected.contains_key(&product.id)
        {
            errors.insert(
                id.clone(),
                error(
                    format!("{} needs {}", node.name_en, product.name_en),
                    format!("{} vereist {}", node.name_nl, product.name_nl),
                    "Select the product it belongs to, or remove it",
                    "Selecteer het bijbehorende product, of verwijder het",
                ),
            );
        }
    }
    for node in &catalogue.nodes {
        if node.strategy != SelectionStrategy::SelectOne || !active(catalogue, state, node) {
            continue;
        }
        if !node.is_folder() && !state.selected.contains_key(&node.id) {
            continue;
        }
        let chosen = catalogue
            .children(Some(&node.id))
            .filter(|child| state.selected.contains_key(&child.id))
            .count();
        if chosen > 1 {
            errors.insert(
                node.id.clone(),
                error(
                    format!("only one of {} can be selected, {chosen} are", node.name_en),
                    format!("slechts één van {} kan gekozen worden", node.name_nl),
                    "Remove all but one",
                    "Verwijder alle op één na",
                ),
            );
        } else if chosen == 0 && node.required {
            errors.insert(
                node.id.clone(),
                error(
                    format!("choose one of {}", node.name_en),
                    format!("kies één van {}", node.name_nl),
                    "Select one product of this group",
                    "Selecteer één product uit deze groep",
                ),
            );
        }
    }
    errors
}

/// `oldPrice` (what the modified contract costs now) and `totalPrice` (what the basket costs:
/// every selected product monthly, the one-time fees of what is new).
pub fn prices(catalogue: &Catalogue, state: &BasketState) -> (Prices, Prices) {
    let mut old = Prices::default();
    for (id, amount) in &state.contracted {
        if let Some(node) = catalogue.node(id) {
            old = old.plus(recurring(node.prices).times(*amount));
        }
    }
    let mut total = Prices::default();
    for (id, amount) in &state.selected {
        let Some(node) = catalogue.node(id) else {
            continue;
        };
        let contracted = state.contracted.get(id).copied().unwrap_or(0);
        total = total.plus(recurring(node.prices).times(*amount));
        let new = (*amount - contracted).max(0);
        total = total.plus(one_time(node.prices).times(new));
    }
    (old, total)
}

fn recurring(prices: Prices) -> Prices {
    Prices {
        monthly_fee_in_cents: prices.monthly_fee_in_cents,
        ..Prices::default()
    }
}

fn one_time(prices: Prices) -> Prices {
    Prices {
        monthly_fee_in_cents: 0,
        ..prices
    }
}

/// Why the basket cannot be ordered or saved yet (BASKET_INVALID names it), if it cannot.
pub fn incomplete(catalogue: &Catalogue, state: &BasketState) -> Option<String> {
    if state.selected.is_empty() {
        return Some(
            "the basket holds no product; add one with productActions or a templateId".into(),
        );
    }
    if let Some(id) = state
        .selected
        .keys()
        .find(|id| catalogue.node(id).is_none())
    {
        return Some(format!("product {id} is no longer offered; remove it"));
    }
    if let Some((id, error)) = node_errors(catalogue, state).into_iter().next() {
        let name = catalogue.node(&id).map_or("", |n| n.name_en.as_str());
        return Some(format!(
            "product tree node {id} ({name}) is in error: {}",
            error.message_en
        ));
    }
    let required: &[&str] = match (esim(state), porting(state)) {
        (true, true) => &[
            "eSimEmail",
            "eSimConfirmationCode",
            "phoneNumber",
            "customerNumber",
        ],
        (true, false) => &["eSimEmail", "eSimConfirmationCode"],
        (false, true) => &["phoneNumber", "customerNumber"],
        (false, false) => &[],
    };
    required
        .iter()
        .find(|name| !state.characteristics.contains_key(**name))
        .map(|name| format!("characteristic {name} is required; set it with characteristicActions"))
}
