//! The writes a provisioning connector makes on subscribers — create, full replace, move,
//! delete — each an order on the engine, and the operations possible on a subscriber now.

use sentral_domain::corporate::{OrderSubject, OrderType};
use sentral_domain::kpn::{ItemKind, KpnChange, RequestKind};
use sentral_store::kpn::items as repo;

use super::SubscriberInput;
use crate::kpn::engine::NewOrder;
use crate::kpn::track::BlockingOrder;
use crate::kpn::{
    KpnFailure, KpnResult, OrderSummary, Tree, invalid, item_not_found, privileges,
    reference_number, rules, wish_date,
};
use crate::{Platform, Principal};

/// `SubscriberOperationsAvailability`.
#[derive(Debug, Clone)]
pub struct SubscriberOperations {
    pub editable: bool,
    pub movable: bool,
    pub removable: bool,
    pub roles_editable: bool,
    pub blocking: Vec<BlockingOrder>,
}

impl Platform {
    /// Refuses a second order on subscriber `id` while one is still open.
    async fn refuse_if_subscriber_busy(
        &self,
        tx: &mut sentral_store::Connection,
        id: i64,
    ) -> KpnResult<()> {
        self.refuse_if_open(tx, OrderSubject::KpnItem(id), &format!("subscriber {id}"))
            .await
    }

    pub async fn kpn_create_subscriber(
        &self,
        principal: &Principal,
        group_id: Option<i64>,
        reference: Option<String>,
        input: SubscriberInput,
        user: crate::kpn::users::UserInfo,
    ) -> KpnResult<OrderSummary> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_MANAGE)
            .await?;
        Self::check_not_frozen(&customer)?;
        let group_id = group_id.ok_or_else(|| invalid("groupId", "is required"))?;
        let reference = reference_number(reference.as_deref())?;
        let data = input.into_data()?;
        let mut tx = self.store.write().await?;
        let tree = Tree::new(repo::groups(&mut tx, &customer.org_number).await?);
        let group = tree
            .group(group_id)
            .filter(|group| customer.sees(&tree, group))
            .ok_or_else(|| item_not_found(group_id))?;
        if let Some(failure) = rules::placement(&tree, ItemKind::Subscriber, group, &[]) {
            return Err(failure.into());
        }
        // `userAdditionalInfo`: the new subscriber is linked to a GRIP identity right after.
        let link = if user.is_empty() {
            None
        } else {
            if data.mobile_number.is_none() && data.fixed_number.is_none() {
                return Err(KpnFailure::MobileOrFixedNumberIsRequired(
                    "a subscriber made a user needs subscriber.mobileNumber or \
                     subscriber.fixedNumber"
                        .into(),
                )
                .into());
            }
            let prefix = "userAdditionalInfo.";
            Some(crate::kpn::users::link_change(&mut tx, &customer, &tree, &user, prefix).await?)
        };
        let id = crate::kpn::next_item_id(&mut tx).await?;
        let now = self.now();
        let new = NewOrder::for_subscriber(
            id,
            &data,
            &customer,
            OrderType::CreateUser,
            KpnChange::CreateSubscriber {
                group_id,
                data: data.clone(),
            },
            reference.clone(),
            now,
        );
        let summary = self
            .place_kpn_order(&mut tx, principal, &customer, new)
            .await?;
        if let Some(change) = link {
            // Due after the create (orders complete by due time), so the subscriber is there.
            let starts_at = now.plus_seconds(crate::kpn::SUBSCRIBER_ORDER_SECONDS);
            let new = NewOrder::for_subscriber(
                id,
                &data,
                &customer,
                OrderType::LinkUser,
                KpnChange::User(change),
                reference,
                starts_at,
            );
            self.place_kpn_order(&mut tx, principal, &customer, new)
                .await?;
        }
        tx.commit().await?;
        Ok(summary)
    }

    /// PUT: a full replace of the subscriber's data.
    pub async fn kpn_replace_subscriber(
        &self,
        principal: &Principal,
        id: i64,
        reference: Option<String>,
        input: SubscriberInput,
    ) -> KpnResult<OrderSummary> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_MANAGE)
            .await?;
        self.kpn_subscriber_in(&customer, id).await?;
        Self::check_not_frozen(&customer)?;
        let reference = reference_number(reference.as_deref())?;
        let data = input.into_data()?;
        let mut tx = self.store.write().await?;
        self.refuse_if_subscriber_busy(&mut tx, id).await?;
        let new = NewOrder::for_subscriber(
            id,
            &data,
            &customer,
            OrderType::ChangeUserData,
            KpnChange::UpdateSubscriber { data: data.clone() },
            reference,
            self.now(),
        );
        self.commit_kpn_order(tx, principal, &customer, new).await
    }

    pub async fn kpn_delete_subscriber(
        &self,
        principal: &Principal,
        id: i64,
        reference: Option<String>,
    ) -> KpnResult<OrderSummary> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_MANAGE)
            .await?;
        let (item, _) = self.kpn_subscriber_in(&customer, id).await?;
        Self::check_not_frozen(&customer)?;
        let reference = reference_number(reference.as_deref())?;
        let mut tx = self.store.write().await?;
        self.refuse_if_subscriber_busy(&mut tx, id).await?;
        let active = sentral_store::kpn::contracts::active_of(&mut tx, id).await?;
        if !active.is_empty() {
            let ids: Vec<String> = active.iter().map(i64::to_string).collect();
            return Err(KpnFailure::OperationNotPossible(format!(
                "subscriber {id} still holds contracts {}; terminate or move them first",
                ids.join(", ")
            ))
            .into());
        }
        if let Some(member) = super::linked_member(&mut tx, id).await? {
            return Err(KpnFailure::OperationNotPossible(member).into());
        }
        let data = item.subscriber.clone().unwrap_or_default();
        let new = NewOrder::for_subscriber(
            id,
            &data,
            &customer,
            OrderType::DeleteUser,
            KpnChange::DeleteSubscriber,
            reference,
            self.now(),
        );
        self.commit_kpn_order(tx, principal, &customer, new).await
    }

    /// Moves a subscriber; across debtors or cost centres it is a service request.
    pub async fn kpn_move_subscriber(
        &self,
        principal: &Principal,
        id: i64,
        destination_id: Option<i64>,
        reference: Option<String>,
        wish: Option<String>,
    ) -> KpnResult<OrderSummary> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_MANAGE)
            .await?;
        let (item, tree) = self.kpn_subscriber_in(&customer, id).await?;
        Self::check_not_frozen(&customer)?;
        let destination_id =
            destination_id.ok_or_else(|| invalid("destinationGroupId", "is required"))?;
        let reference = reference_number(reference.as_deref())?;
        let starts_at = wish_date(wish.as_deref(), self.now())?;
        let destination = tree
            .group(destination_id)
            .ok_or_else(|| item_not_found(destination_id))?;
        if let Some(failure) = rules::move_blocked(&tree, &item, destination) {
            return Err(failure.into());
        }
        let parent = item.parent_id.unwrap_or_default();
        let crosses = tree.debtor_of(parent) != tree.debtor_of(destination_id)
            || tree.cost_center_of(parent) != tree.cost_center_of(destination_id);
        let data = item.subscriber.clone().unwrap_or_default();
        let mut tx = self.store.write().await?;
        self.refuse_if_subscriber_busy(&mut tx, id).await?;
        let new = NewOrder {
            kind: if crosses {
                RequestKind::ServiceRequest
            } else {
                RequestKind::Order
            },
            ..NewOrder::for_subscriber(
                id,
                &data,
                &customer,
                OrderType::MoveUser,
                KpnChange::Move { destination_id },
                reference,
                starts_at,
            )
        };
        self.commit_kpn_order(tx, principal, &customer, new).await
    }

    /// `getSubscriberOperationsUsingGET`: what may be done now, and the open orders in the way.
    pub async fn kpn_subscriber_operations(
        &self,
        principal: &Principal,
        id: i64,
    ) -> KpnResult<SubscriberOperations> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_MANAGE)
            .await?;
        self.kpn_subscriber_in(&customer, id).await?;
        let mut conn = self.store.read().await?;
        let blocking = self
            .kpn_blocking(&mut conn, OrderSubject::KpnItem(id))
            .await?;
        let active = sentral_store::kpn::contracts::active_of(&mut conn, id).await?;
        let free = blocking.is_empty() && !customer.settings.order_frozen;
        let user = sentral_store::kpn::users::user(&mut conn, &customer.org_number, id)
            .await?
            .is_some();
        Ok(SubscriberOperations {
            editable: free,
            movable: free,
            removable: free && active.is_empty(),
            roles_editable: user,
            blocking,
        })
    }
}
