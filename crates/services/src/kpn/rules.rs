//! The hierarchy's rules (KPN.md): a cost centre needs a debtor above it and at most one cost
//! centre is on a path; a custom group is never under a custom group; only subscribers move
//! between debtors; debtors and the customer do not move.

use sentral_domain::kpn::{HierarchyItem, ItemKind};

use super::{KpnFailure, Tree};

/// Why an item of `kind` may not be placed below `parent` (`None`: it may). `subtree_kinds`
/// are the kinds of the groups below the item when an existing item moves.
pub(crate) fn placement(
    tree: &Tree,
    kind: ItemKind,
    parent: &HierarchyItem,
    subtree_kinds: &[ItemKind],
) -> Option<KpnFailure> {
    let chain = tree.chain(parent.id);
    match kind {
        ItemKind::Customer | ItemKind::Debtor => Some(KpnFailure::WrongGroupType(format!(
            "a {} cannot be placed in the hierarchy",
            kind.as_str()
        ))),
        ItemKind::Subscriber => match parent.kind {
            ItemKind::Subscriber | ItemKind::Customer => Some(KpnFailure::WrongGroupType(format!(
                "group {} is a {}; subscribers belong to a debtor, cost centre, custom group or \
                 business location",
                parent.id,
                parent.kind.as_str()
            ))),
            _ => None,
        },
        ItemKind::CostCenter => {
            if matches!(parent.kind, ItemKind::Subscriber | ItemKind::Customer) {
                return Some(KpnFailure::WrongGroupType(format!(
                    "a cost centre cannot be created under group {} of type {}",
                    parent.id,
                    parent.kind.as_str()
                )));
            }
            if !chain.iter().any(|item| item.kind == ItemKind::Debtor) {
                return Some(KpnFailure::RequireDebtorInPath(format!(
                    "a cost centre needs a debtor above it; group {} has none",
                    parent.id
                )));
            }
            let below = subtree_kinds.contains(&ItemKind::CostCenter);
            if below || chain.iter().any(|item| item.kind == ItemKind::CostCenter) {
                return Some(KpnFailure::OnlySingleTypeAllowedInPath(format!(
                    "only one cost centre may be on a path; group {} already has one on its path",
                    parent.id
                )));
            }
            None
        }
        ItemKind::CustomGroup | ItemKind::BusinessLocation => {
            if matches!(parent.kind, ItemKind::Subscriber | ItemKind::CustomGroup) {
                return Some(KpnFailure::WrongGroupType(format!(
                    "a {} cannot be created under group {} of type {}",
                    kind.as_str(),
                    parent.id,
                    parent.kind.as_str()
                )));
            }
            if subtree_kinds.contains(&ItemKind::CostCenter)
                && !chain.iter().any(|item| item.kind == ItemKind::Debtor)
            {
                return Some(KpnFailure::RequireDebtorInPath(format!(
                    "the cost centre below needs a debtor above it; group {} has none",
                    parent.id
                )));
            }
            if subtree_kinds.contains(&ItemKind::CostCenter)
                && chain.iter().any(|item| item.kind == ItemKind::CostCenter)
            {
                return Some(KpnFailure::OnlySingleTypeAllowedInPath(
                    "only one cost centre may be on a path".into(),
                ));
            }
            None
        }
    }
}

/// Why `item` (parent `from`) may not move below `destination`.
pub(crate) fn move_blocked(
    tree: &Tree,
    item: &HierarchyItem,
    destination: &HierarchyItem,
) -> Option<KpnFailure> {
    if matches!(item.kind, ItemKind::Customer | ItemKind::Debtor) {
        return Some(KpnFailure::WrongGroupType(format!(
            "item {} is a {} and cannot be moved",
            item.id,
            item.kind.as_str()
        )));
    }
    if item.parent_id == Some(destination.id) {
        return Some(KpnFailure::OperationNotPossible(format!(
            "item {} is in group {} already (CANNOT_MOVE_TO_OLD_PARENT)",
            item.id, destination.id
        )));
    }
    if item.kind.is_group() && tree.is_within(destination.id, item.id) {
        return Some(KpnFailure::OperationNotPossible(format!(
            "group {} cannot move into itself or below itself (CANNOT_MOVE_TO_MOVED_GROUP)",
            item.id
        )));
    }
    let from_debtor = item.parent_id.and_then(|parent| tree.debtor_of(parent));
    if item.kind != ItemKind::Subscriber && from_debtor != tree.debtor_of(destination.id) {
        return Some(KpnFailure::OperationNotPossible(format!(
            "only subscribers move between debtors; item {} is a {} \
             (CANNOT_MOVE_NON_SUBSCRIBER_BETWEEN_TWO_DEBTORS)",
            item.id,
            item.kind.as_str()
        )));
    }
    let below = if item.kind.is_group() {
        tree.kinds_below(item.id)
    } else {
        Vec::new()
    };
    // A moving cost centre leaves its own chain; check the destination's.
    placement(tree, item.kind, destination, &below).map(|failure| match failure {
        KpnFailure::WrongGroupType(message)
        | KpnFailure::RequireDebtorInPath(message)
        | KpnFailure::OnlySingleTypeAllowedInPath(message) => {
            KpnFailure::OperationNotPossible(message)
        }
        other => other,
    })
}
