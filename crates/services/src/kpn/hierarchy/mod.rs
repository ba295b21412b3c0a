//! The hierarchy (`rest-hierarchy-controller`): children with their paths and an item's
//! details here; the group writes (cost centres, custom groups, rename, remove) in `groups`, the
//! moves in `moves`, and the operations possible in `operations`.

mod groups;
mod moves;
mod operations;

use sentral_domain::kpn::{HierarchyItem, ItemKind, Page};
use sentral_store::kpn::items as repo;

use super::{Customer, KpnFailure, KpnResult, Tree, invalid, item_not_found, privileges};
use crate::{Platform, Principal};
use operations::{OPERATION_TYPES, operation_possible};

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
    /// For the asked `operationType`: `Some(Err(reason))` when blocked on this item,
    /// `Some(Ok(()))` when possible, `None` when none was asked.
    pub operation: Option<Result<(), String>>,
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
                    .filter(|item| customer.sees(&tree, item))
                    .ok_or_else(|| item_not_found(id))?;
                item.id
            }
            None => root,
        };
        let mut conn = self.store.read().await?;
        let (mut items, mut total) = if let (None, Some(scope)) = (query.id, &customer.scope) {
            // A portal user's roots are the groups it manages.
            let pattern = query.pattern.as_deref().map(|p| p.trim().to_lowercase());
            let roots: Vec<HierarchyItem> = scope
                .managed_groups
                .iter()
                .filter_map(|id| tree.group(*id))
                .filter(|group| query.include_groups || !group.kind.is_group())
                .filter(|group| {
                    pattern
                        .as_deref()
                        .is_none_or(|p| group.name.to_lowercase().contains(p))
                })
                .cloned()
                .collect();
            let total = roots.len() as i64;
            (query.page.slice(&roots), total)
        } else if query.id.is_none() && query.include_customer {
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
        if query.id.is_none() && query.include_customer && customer.scope.is_none() {
            items = query.page.slice(&items);
            total = 1;
        }
        let mut moved = Vec::new();
        for id in &query.context_ids {
            let item = repo::item(&mut conn, &customer.org_number, *id)
                .await?
                .filter(|item| customer.sees(&tree, item))
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
        let tree = self.kpn_tree(&customer).await?;
        let mut conn = self.store.read().await?;
        let item = repo::item(&mut conn, &customer.org_number, id)
            .await?
            .filter(|item| customer.sees(&tree, item))
            .ok_or_else(|| item_not_found(id))?;
        drop(conn);
        if item.kind == ItemKind::Subscriber {
            return Err(KpnFailure::WrongGroupType(format!(
                "item {id} is a SUBSCRIBER; read it at /hierarchy/subscribers/{id}"
            ))
            .into());
        }
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
}
