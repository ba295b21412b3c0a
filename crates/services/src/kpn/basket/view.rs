//! What the basket shows (`BasketSnapshot`): the product tree with each node's state, error and
//! price, the characteristics, and the old and total price.

use sentral_domain::kpn::contracting::{BasketState, CatalogueNode, Prices, SelectionStrategy};

use super::catalogue::Catalogue;
use super::characteristics::{CharacteristicView, available};
use super::rules::{NodeError, disabled, node_errors, prices};

/// A node of the basket's product tree (`ProductTreeItem`).
#[derive(Debug, Clone)]
pub struct TreeItemView {
    pub id: String,
    pub name_en: String,
    pub name_nl: String,
    pub selected: bool,
    pub disabled: bool,
    pub visible: bool,
    pub contracted: bool,
    pub amount: i64,
    pub can_order_more_than_one: bool,
    pub strategy: SelectionStrategy,
    pub error: Option<NodeError>,
    pub price: Prices,
    pub children: Vec<TreeItemView>,
}

/// `BasketSnapshot`.
#[derive(Debug, Clone)]
pub struct BasketView {
    pub tree: Vec<TreeItemView>,
    pub characteristics: Vec<CharacteristicView>,
    pub old_price: Prices,
    pub total_price: Prices,
}

fn item(
    catalogue: &Catalogue,
    state: &BasketState,
    errors: &std::collections::BTreeMap<String, NodeError>,
    node: &CatalogueNode,
) -> TreeItemView {
    let children: Vec<TreeItemView> = catalogue
        .children(Some(&node.id))
        .map(|child| item(catalogue, state, errors, child))
        .collect();
    let selected = if node.is_folder() {
        children.iter().any(|child| child.selected)
    } else {
        state.selected.contains_key(&node.id)
    };
    TreeItemView {
        id: node.id.clone(),
        name_en: node.name_en.clone(),
        name_nl: node.name_nl.clone(),
        selected,
        disabled: disabled(node, state),
        visible: node.visible,
        contracted: state.contracted.contains_key(&node.id),
        amount: state.selected.get(&node.id).copied().unwrap_or(0),
        can_order_more_than_one: node.can_order_more_than_one,
        strategy: node.strategy,
        error: errors.get(&node.id).cloned(),
        price: node.prices,
        children,
    }
}

pub fn tree(catalogue: &Catalogue, state: &BasketState) -> Vec<TreeItemView> {
    let errors = node_errors(catalogue, state);
    catalogue
        .children(None)
        .map(|root| item(catalogue, state, &errors, root))
        .collect()
}

pub fn snapshot(catalogue: &Catalogue, state: &BasketState) -> BasketView {
    let (old_price, total_price) = prices(catalogue, state);
    BasketView {
        tree: tree(catalogue, state),
        characteristics: available(catalogue, state),
        old_price,
        total_price,
    }
}
