//! The group writes, made at once: create a cost centre or custom group, rename or renumber
//! one, remove an empty one.

use sentral_domain::corporate::OrderSubject;
use sentral_domain::kpn::{HierarchyItem, ItemKind, KpnChange};
use sentral_store::kpn::items as repo;

use crate::kpn::{
    KpnError, KpnFailure, KpnResult, Tree, invalid, item_not_found, privileges, rules,
};
use crate::{Platform, Principal};

impl Platform {
    /// Creates a cost centre or custom group below `group_id` at once; answers its id.
    pub async fn kpn_create_group(
        &self,
        principal: &Principal,
        kind: ItemKind,
        group_id: Option<i64>,
        name: Option<String>,
        cost_center_number: Option<String>,
    ) -> KpnResult<i64> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_MANAGE)
            .await?;
        let group_id = group_id.ok_or_else(|| invalid("groupId", "is required"))?;
        let name = group_name(name)?;
        let number = match kind {
            ItemKind::CostCenter => Some(cost_center(cost_center_number)?),
            _ => None,
        };
        let mut tx = self.store.write().await?;
        let tree = Tree::new(repo::groups(&mut tx, &customer.org_number).await?);
        let parent = tree
            .group(group_id)
            .filter(|group| customer.sees(&tree, group))
            .ok_or_else(|| item_not_found(group_id))?;
        if let Some(failure) = rules::placement(&tree, kind, parent, &[]) {
            return Err(failure.into());
        }
        let id = crate::kpn::next_item_id(&mut tx).await?;
        let item = HierarchyItem {
            id,
            kind,
            parent_id: Some(group_id),
            name,
            cost_center_number: number.clone(),
            subscriber: None,
        };
        repo::insert_item(
            &mut tx,
            &customer.org_number,
            &item,
            tree.debtor_of(group_id),
            self.now(),
        )
        .await
        .map_err(|e| not_unique(e, number.as_deref()))?;
        tx.commit().await?;
        Ok(id)
    }

    /// `updateChildUsingPOST`: renames a custom group or cost centre (and renumbers a cost
    /// centre).
    pub async fn kpn_update_group(
        &self,
        principal: &Principal,
        id: i64,
        name: Option<String>,
        cost_center_number: Option<String>,
    ) -> KpnResult<()> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_MANAGE)
            .await?;
        let mut tx = self.store.write().await?;
        let item = own_group(&mut tx, &customer, id, "changed").await?;
        let name = match name.filter(|n| !n.trim().is_empty()) {
            Some(name) => group_name(Some(name))?,
            None => item.name.clone(),
        };
        let number = match (
            item.kind,
            cost_center_number.filter(|n| !n.trim().is_empty()),
        ) {
            (ItemKind::CostCenter, Some(number)) => Some(cost_center(Some(number))?),
            (ItemKind::CostCenter, None) => item.cost_center_number.clone(),
            (_, Some(_)) => {
                return Err(invalid(
                    "costCenterNumber",
                    format!("item {id} is a custom group, which has no cost-centre number"),
                ));
            }
            (_, None) => None,
        };
        repo::update_group(&mut tx, id, &name, number.as_deref(), self.now())
            .await
            .map_err(|e| not_unique(e, number.as_deref()))?;
        tx.commit().await?;
        Ok(())
    }

    /// `removeGroupUsingPOST`: removes an empty custom group or cost centre without open orders.
    pub async fn kpn_remove_group(&self, principal: &Principal, id: i64) -> KpnResult<()> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_MANAGE)
            .await?;
        let mut tx = self.store.write().await?;
        own_group(&mut tx, &customer, id, "removed").await?;
        let children = repo::child_count(&mut tx, id).await?;
        if children > 0 {
            return Err(KpnFailure::RemovingBlocked(format!(
                "group {id} still holds {children} items; move or remove them first"
            ))
            .into());
        }
        let open = self
            .kpn_blocking(&mut tx, OrderSubject::KpnItem(id))
            .await?;
        let pending = sentral_store::kpn::orders::orders_of(&mut tx, &customer.org_number, None)
            .await?
            .into_iter()
            .any(|(order, record)| {
                order.status == sentral_domain::corporate::OrderStatus::InProgress
                    && match record.change {
                        KpnChange::Move { destination_id } => destination_id == id,
                        KpnChange::CreateSubscriber { group_id, .. } => group_id == id,
                        _ => false,
                    }
            });
        if !open.is_empty() || pending {
            return Err(KpnFailure::RemovingBlocked(format!(
                "group {id} has open orders; wait for them or cancel them"
            ))
            .into());
        }
        repo::delete_item(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn group_name(name: Option<String>) -> KpnResult<String> {
    let name = name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("name", "is required"))?;
    if name.chars().count() > 100 {
        return Err(invalid("name", "is at most 100 characters"));
    }
    Ok(name)
}

fn cost_center(number: Option<String>) -> KpnResult<String> {
    let number = number
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("costCenterNumber", "is required for a cost centre"))?;
    if number.chars().count() > 30 {
        return Err(invalid("costCenterNumber", "is at most 30 characters"));
    }
    Ok(number)
}

fn not_unique(error: sentral_store::StoreError, number: Option<&str>) -> KpnError {
    match error {
        sentral_store::StoreError::Conflict { .. } => KpnFailure::ValueNotUnique(format!(
            "costCenterNumber {:?} is used by another cost centre of the customer",
            number.unwrap_or_default()
        ))
        .into(),
        other => other.into(),
    }
}

/// The customer's custom group or cost centre `id`, the only groups that can be `done` (changed,
/// removed): another customer's id is not found, another kind is WRONG_GROUP_TYPE.
async fn own_group(
    tx: &mut sentral_store::Connection,
    customer: &crate::kpn::Customer,
    id: i64,
    done: &str,
) -> KpnResult<HierarchyItem> {
    let item = repo::item(tx, &customer.org_number, id)
        .await?
        .ok_or_else(|| item_not_found(id))?;
    if customer.scope.is_some()
        && !customer.sees(
            &crate::kpn::Tree::new(repo::groups(tx, &customer.org_number).await?),
            &item,
        )
    {
        return Err(item_not_found(id));
    }
    if !matches!(item.kind, ItemKind::CostCenter | ItemKind::CustomGroup) {
        return Err(KpnFailure::WrongGroupType(format!(
            "item {id} is a {}; only custom groups and cost centres can be {done}",
            item.kind.as_str()
        ))
        .into());
    }
    Ok(item)
}
