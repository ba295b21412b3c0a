//! What may be done on or below an item (`getItemOperationsUsingGET`, the `operationType` of
//! the children list) and in the hierarchy at all (`getHierarchyOperationsUsingGET`).

use sentral_domain::kpn::{HierarchyItem, ItemKind};
use sentral_store::kpn::items as repo;

use crate::kpn::{KpnFailure, KpnResult, Tree, item_not_found, privileges, rules};
use crate::{Platform, Principal};

/// `getChildrenUsingGET`'s `operationType` values.
pub(super) const OPERATION_TYPES: &[&str] = &[
    "MOVE_CONTRACT",
    "MOVE_GROUP",
    "ASSIGN_TO_HIERARCHY",
    "CREATE_COST_CENTER",
    "CREATE_CUSTOM_GROUP",
    "REMOVE_GROUP",
];

/// The reason code of a failure, as `OperationState.reason` shows it.
fn reason(failure: &KpnFailure) -> String {
    match failure {
        KpnFailure::WrongGroupType(_) => "WRONG_GROUP_TYPE".into(),
        KpnFailure::RequireDebtorInPath(_) => "REQUIRE_DEBTOR_IN_PATH".into(),
        KpnFailure::OnlySingleTypeAllowedInPath(_) => "ONLY_SINGLE_TYPE_ALLOWED_IN_PATH".into(),
        KpnFailure::OperationNotPossible(message) => message
            .rsplit_once('(')
            .and_then(|(_, code)| code.strip_suffix(')'))
            .unwrap_or("OPERATION_NOT_POSSIBLE")
            .to_owned(),
        other => other.to_string(),
    }
}

impl Platform {
    /// `getItemOperationsUsingGET`: what may be done on or below an item.
    pub async fn kpn_item_operations(
        &self,
        principal: &Principal,
        id: i64,
    ) -> KpnResult<Vec<(&'static str, Result<(), String>)>> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_MANAGE)
            .await?;
        let tree = self.kpn_tree(&customer).await?;
        let mut conn = self.store.read().await?;
        let item = repo::item(&mut conn, &customer.org_number, id)
            .await?
            .filter(|item| customer.sees(&tree, item))
            .ok_or_else(|| item_not_found(id))?;
        let children = repo::child_count(&mut conn, id).await?;
        drop(conn);
        let check = |kind: ItemKind| match rules::placement(&tree, kind, &item, &[]) {
            Some(failure) => Err(reason(&failure)),
            None => Ok(()),
        };
        let editable = matches!(item.kind, ItemKind::CostCenter | ItemKind::CustomGroup);
        let wrong = || Err("WRONG_GROUP_TYPE".to_owned());
        Ok(vec![
            ("createCostCenter", check(ItemKind::CostCenter)),
            ("createSubscriber", check(ItemKind::Subscriber)),
            ("createVirtualGroup", check(ItemKind::CustomGroup)),
            (
                "move",
                if matches!(item.kind, ItemKind::Customer | ItemKind::Debtor) {
                    wrong()
                } else {
                    Ok(())
                },
            ),
            (
                "remove",
                if !editable {
                    wrong()
                } else if children > 0 {
                    Err("REMOVING_BLOCKED".to_owned())
                } else {
                    Ok(())
                },
            ),
            ("update", if editable { Ok(()) } else { wrong() }),
        ])
    }

    /// `getHierarchyOperationsUsingGET`: what the caller may do in the hierarchy at all.
    pub async fn kpn_hierarchy_operations(&self, principal: &Principal) -> KpnResult<bool> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_VIEW)
            .await?;
        let mut conn = self.store.read().await?;
        let held =
            sentral_store::kpn::customers::privileges(&mut conn, principal.app.id.as_str()).await?;
        let _ = customer;
        Ok(held.is_none_or(|held| {
            privileges::HIERARCHY_MANAGE
                .iter()
                .any(|p| held.iter().any(|h| h == p.as_str()))
        }))
    }
}

pub(super) fn operation_possible(
    tree: &Tree,
    operation: &str,
    item: &HierarchyItem,
    moved: &[HierarchyItem],
) -> Result<(), String> {
    let failure = match operation {
        "CREATE_COST_CENTER" => rules::placement(tree, ItemKind::CostCenter, item, &[]),
        "CREATE_CUSTOM_GROUP" => rules::placement(tree, ItemKind::CustomGroup, item, &[]),
        "REMOVE_GROUP" if !matches!(item.kind, ItemKind::CostCenter | ItemKind::CustomGroup) => {
            Some(KpnFailure::WrongGroupType(String::new()))
        }
        "MOVE_GROUP" if moved.is_empty() => {
            if matches!(item.kind, ItemKind::Customer | ItemKind::Debtor) {
                Some(KpnFailure::WrongGroupType(String::new()))
            } else {
                None
            }
        }
        "MOVE_GROUP" => moved
            .iter()
            .find_map(|moving| rules::move_blocked(tree, moving, item)),
        "MOVE_CONTRACT" if !matches!(item.kind, ItemKind::Subscriber | ItemKind::Debtor) => Some(
            KpnFailure::OperationNotPossible("(FORBIDDEN_PARENT_FOR_PRODUCT)".into()),
        ),
        "ASSIGN_TO_HIERARCHY" if item.kind == ItemKind::Subscriber => Some(
            KpnFailure::OperationNotPossible("(SUBSCRIBER_CANNOT_BE_ASSIGNED)".into()),
        ),
        _ => None,
    };
    match failure {
        Some(failure) => Err(reason(&failure)),
        None => Ok(()),
    }
}
