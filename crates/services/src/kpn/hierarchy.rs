//! The hierarchy (`rest-hierarchy-controller`): children with their paths, details, the
//! operations possible, and the group writes (cost centres, custom groups, rename, remove,
//! move).

use sentral_domain::corporate::{OrderSubject, OrderType};
use sentral_domain::kpn::{HierarchyItem, ItemKind, KpnChange, Page, Receiver, RequestKind};
use sentral_store::kpn::items as repo;

use super::engine::NewOrder;
use super::{
    Customer, KpnFailure, KpnResult, OrderSummary, SUBSCRIBER_ORDER_SECONDS, Tree, invalid,
    item_not_found, privileges, reference_number, wish_date,
};
use crate::{Platform, Principal};

/// `getChildrenUsingGET`'s parameters as sent.
#[derive(Debug, Clone, Default)]
pub struct ChildrenQuery {
    pub id: Option<i64>,
    pub page: Page,
    pub pattern: Option<String>,
    pub include_customer: bool,
    pub include_groups: bool,
    pub operation_type: Option<String>,
    pub context_ids: Vec<i64>,
}

/// An item with its path (ancestors, the customer first) and, when asked, whether an
/// operation is possible on it.
#[derive(Debug, Clone)]
pub struct ItemView {
    pub item: HierarchyItem,
    pub path: Vec<HierarchyItem>,
    /// `Some(reason)` when blocked, `Some("")`… see `operation`.
    pub operation: Option<Result<(), String>>,
}

const OPERATION_TYPES: &[&str] = &[
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
    pub(crate) async fn kpn_tree(&self, customer: &Customer) -> KpnResult<Tree> {
        let mut conn = self.store.read().await?;
        Ok(Tree::new(
            repo::groups(&mut conn, &customer.org_number).await?,
        ))
    }

    pub async fn kpn_children(
        &self,
        principal: &Principal,
        query: ChildrenQuery,
    ) -> KpnResult<(Vec<ItemView>, i64)> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_VIEW)
            .await?;
        let operation = match query.operation_type.as_deref() {
            Some(text) if OPERATION_TYPES.contains(&text) => Some(text.to_owned()),
            Some(text) => {
                return Err(invalid(
                    "operationType",
                    format!(
                        "must be one of {}, got {text:?}",
                        OPERATION_TYPES.join(", ")
                    ),
                ));
            }
            None => None,
        };
        if query.context_ids.len() > 10 {
            return Err(invalid("contextIds", "holds at most 10 ids"));
        }
        let tree = self.kpn_tree(&customer).await?;
        let root = customer.settings.item_id;
        let parent = match query.id {
            Some(id) => {
                let mut conn = self.store.read().await?;
                let item = repo::item(&mut conn, &customer.org_number, id)
                    .await?
                    .ok_or_else(|| item_not_found(id))?;
                item.id
            }
            None => root,
        };
        let mut conn = self.store.read().await?;
        let (mut items, mut total) = if query.id.is_none() && query.include_customer {
            let customer_item = tree
                .group(root)
                .cloned()
                .ok_or_else(|| item_not_found(root))?;
            (vec![customer_item], 1)
        } else {
            repo::children(
                &mut conn,
                &customer.org_number,
                parent,
                query.include_groups,
                query.pattern.as_deref().filter(|p| !p.trim().is_empty()),
                query.page,
            )
            .await?
        };
        if query.id.is_none() && query.include_customer {
            items = query.page.slice(&items);
            total = 1;
        }
        let mut moved = Vec::new();
        for id in &query.context_ids {
            let item = repo::item(&mut conn, &customer.org_number, *id)
                .await?
                .ok_or_else(|| {
                    invalid(
                        "contextIds",
                        format!("CONTEXT_OBJECT_NOT_FOUND: item {id} is not visible to you"),
                    )
                })?;
            moved.push(item);
        }
        drop(conn);
        let views = items
            .into_iter()
            .map(|item| {
                let path = tree.path_of(item.parent_id).into_iter().cloned().collect();
                let operation = operation
                    .as_deref()
                    .map(|op| operation_possible(&tree, op, &item, &moved));
                ItemView {
                    item,
                    path,
                    operation,
                }
            })
            .collect();
        Ok((views, total))
    }

    /// `getDetailsUsingGET`: an item's details by its type.
    pub async fn kpn_item_details(
        &self,
        principal: &Principal,
        id: i64,
    ) -> KpnResult<(ItemView, Customer)> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_VIEW)
            .await?;
        let mut conn = self.store.read().await?;
        let item = repo::item(&mut conn, &customer.org_number, id)
            .await?
            .ok_or_else(|| item_not_found(id))?;
        drop(conn);
        if item.kind == ItemKind::Subscriber {
            return Err(KpnFailure::WrongGroupType(format!(
                "item {id} is a SUBSCRIBER; read it at /hierarchy/subscribers/{id}"
            ))
            .into());
        }
        let tree = self.kpn_tree(&customer).await?;
        let path = tree.path_of(item.parent_id).into_iter().cloned().collect();
        Ok((
            ItemView {
                item,
                path,
                operation: None,
            },
            customer,
        ))
    }

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
            .ok_or_else(|| item_not_found(group_id))?;
        if let Some(failure) = super::rules::placement(&tree, kind, parent, &[]) {
            return Err(failure.into());
        }
        let id = super::next_item_id(&mut tx).await?;
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
        let item = repo::item(&mut tx, &customer.org_number, id)
            .await?
            .ok_or_else(|| item_not_found(id))?;
        if !matches!(item.kind, ItemKind::CostCenter | ItemKind::CustomGroup) {
            return Err(KpnFailure::WrongGroupType(format!(
                "item {id} is a {}; only custom groups and cost centres can be changed",
                item.kind.as_str()
            ))
            .into());
        }
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
        let item = repo::item(&mut tx, &customer.org_number, id)
            .await?
            .ok_or_else(|| item_not_found(id))?;
        if !matches!(item.kind, ItemKind::CostCenter | ItemKind::CustomGroup) {
            return Err(KpnFailure::WrongGroupType(format!(
                "item {id} is a {}; only custom groups and cost centres can be removed",
                item.kind.as_str()
            ))
            .into());
        }
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

    /// `moveHierarchyItemsUsingPOST`: one order per moved item (at most 10).
    pub async fn kpn_move_items(
        &self,
        principal: &Principal,
        destination_id: Option<i64>,
        moved: Vec<i64>,
        reference: Option<String>,
        wish: Option<String>,
    ) -> KpnResult<(Vec<OrderSummary>, String)> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_MANAGE)
            .await?;
        Self::check_not_frozen(&customer)?;
        let destination_id =
            destination_id.ok_or_else(|| invalid("destinationGroupId", "is required"))?;
        if moved.is_empty() || moved.len() > 10 {
            return Err(invalid("movedGroupIds", "give 1 to 10 ids"));
        }
        if let Some(twice) = moved
            .iter()
            .find(|id| moved.iter().filter(|m| m == id).count() > 1)
        {
            return Err(invalid("movedGroupIds", format!("names {twice} twice")));
        }
        let reference = reference_number(reference.as_deref())?;
        let starts_at = wish_date(wish.as_deref(), self.now())?;
        let mut tx = self.store.write().await?;
        let tree = Tree::new(repo::groups(&mut tx, &customer.org_number).await?);
        let destination = tree
            .group(destination_id)
            .ok_or_else(|| item_not_found(destination_id))?;
        let mut items = Vec::new();
        for id in &moved {
            let item = repo::item(&mut tx, &customer.org_number, *id)
                .await?
                .ok_or_else(|| item_not_found(*id))?;
            if let Some(failure) = super::rules::move_blocked(&tree, &item, destination) {
                return Err(KpnFailure::OperationNotPossible(format!(
                    "item {id} cannot be moved to group {destination_id}: {failure}"
                ))
                .into());
            }
            self.refuse_if_open(&mut tx, OrderSubject::KpnItem(*id), &format!("item {id}"))
                .await?;
            items.push(item);
        }
        let mut summaries = Vec::new();
        for item in items {
            let data = item.subscriber.clone();
            let new = NewOrder {
                subject: OrderSubject::KpnItem(item.id),
                operation: if data.is_some() {
                    OrderType::MoveUser
                } else {
                    OrderType::MoveGroup
                },
                kind: RequestKind::Order,
                receiver: match &data {
                    Some(data) => super::subscribers::receiver(item.id, data, &customer),
                    None => Receiver {
                        id: Some(item.id),
                        company_name: Some(customer.name.clone()),
                        ..Receiver::default()
                    },
                },
                context_name: item.name.clone(),
                change: KpnChange::Move { destination_id },
                reference_number: reference.clone(),
                msisdn: None,
                sim: None,
                starts_at,
                seconds: SUBSCRIBER_ORDER_SECONDS,
            };
            summaries.push(
                self.place_kpn_order(&mut tx, principal, &customer, new)
                    .await?,
            );
        }
        tx.commit().await?;
        let reference = reference.unwrap_or_else(|| {
            summaries
                .first()
                .map(|s| s.reference_number.clone())
                .unwrap_or_default()
        });
        Ok((summaries, reference))
    }

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
            .ok_or_else(|| item_not_found(id))?;
        let children = repo::child_count(&mut conn, id).await?;
        drop(conn);
        let check = |kind: ItemKind| match super::rules::placement(&tree, kind, &item, &[]) {
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

fn operation_possible(
    tree: &Tree,
    operation: &str,
    item: &HierarchyItem,
    moved: &[HierarchyItem],
) -> Result<(), String> {
    let failure = match operation {
        "CREATE_COST_CENTER" => super::rules::placement(tree, ItemKind::CostCenter, item, &[]),
        "CREATE_CUSTOM_GROUP" => super::rules::placement(tree, ItemKind::CustomGroup, item, &[]),
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
            .find_map(|moving| super::rules::move_blocked(tree, moving, item)),
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

fn not_unique(error: sentral_store::StoreError, number: Option<&str>) -> super::KpnError {
    match error {
        sentral_store::StoreError::Conflict { .. } => KpnFailure::ValueNotUnique(format!(
            "costCenterNumber {:?} is used by another cost centre of the customer",
            number.unwrap_or_default()
        ))
        .into(),
        other => other.into(),
    }
}
