//! `moveHierarchyItemsUsingPOST`: subscribers and groups under a new parent, one order each.

use sentral_domain::corporate::{OrderSubject, OrderType};
use sentral_domain::kpn::{KpnChange, Receiver, RequestKind};
use sentral_store::kpn::items as repo;

use crate::kpn::engine::NewOrder;
use crate::kpn::{
    KpnFailure, KpnResult, OrderSummary, SUBSCRIBER_ORDER_SECONDS, Tree, invalid, item_not_found,
    privileges, reference_number, rules, wish_date,
};
use crate::{Platform, Principal};

impl Platform {
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
            .filter(|group| customer.sees(&tree, group))
            .ok_or_else(|| item_not_found(destination_id))?;
        let mut items = Vec::new();
        for id in &moved {
            let item = repo::item(&mut tx, &customer.org_number, *id)
                .await?
                .filter(|item| customer.sees(&tree, item))
                .ok_or_else(|| item_not_found(*id))?;
            if let Some(failure) = rules::move_blocked(&tree, &item, destination) {
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
            let change = KpnChange::Move { destination_id };
            let new = match &item.subscriber {
                // The context is the item's list name, for subscribers as for groups.
                Some(data) => NewOrder {
                    context_name: item.name.clone(),
                    ..NewOrder::for_subscriber(
                        item.id,
                        data,
                        &customer,
                        OrderType::MoveUser,
                        change,
                        reference.clone(),
                        starts_at,
                    )
                },
                None => NewOrder {
                    subject: OrderSubject::KpnItem(item.id),
                    operation: OrderType::MoveGroup,
                    kind: RequestKind::Order,
                    receiver: Receiver {
                        id: Some(item.id),
                        company_name: Some(customer.name.clone()),
                        ..Receiver::default()
                    },
                    context_name: item.name.clone(),
                    change,
                    reference_number: reference.clone(),
                    msisdn: None,
                    sim: None,
                    starts_at,
                    seconds: SUBSCRIBER_ORDER_SECONDS,
                },
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
}
