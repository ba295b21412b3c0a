//! The portal users' writes: linking a subscriber to a GRIP identity (an order, also made by a
//! subscriber's create with `userAdditionalInfo`), editing its roles and its managed groups
//! (direct writes, answered with an empty 200).

use sentral_domain::corporate::{OrderSubject, OrderType};
use sentral_domain::kpn::users::UserChange;
use sentral_domain::kpn::{KpnChange, dutch_number};
use sentral_store::Connection;
use sentral_store::kpn::users as repo;

use super::role_not_found;
use crate::kpn::engine::NewOrder;
use crate::kpn::{
    Customer, KpnFailure, KpnResult, OrderSummary, Tree, invalid, item_not_found, privileges,
    reference_number,
};
use crate::platform::audit;
use crate::{Platform, Principal};

/// `LinkSubscriberToGripRequestParams` as sent.
#[derive(Debug, Clone, Default)]
pub struct LinkRequest {
    pub subscriber_id: Option<i64>,
    pub reference_number: Option<String>,
    pub mobile_number: Option<String>,
    pub fixed_number: Option<String>,
    pub email: Option<String>,
    pub user: UserInfo,
}

/// `UserAdditionalInfo`: the GRIP identity, roles and managed groups of a new user.
#[derive(Debug, Clone, Default)]
pub struct UserInfo {
    pub grip_entity_id: Option<i64>,
    pub roles: Vec<i64>,
    pub managed_entities: Vec<i64>,
}

impl UserInfo {
    pub fn is_empty(&self) -> bool {
        self.grip_entity_id.is_none() && self.roles.is_empty() && self.managed_entities.is_empty()
    }
}

/// Checks a link's GRIP identity (the customer's, free), roles (the customer's) and managed
/// groups (groups the caller sees); `prefix` names the fields (`userAdditionalInfo.` on a create).
pub(crate) async fn link_change(
    conn: &mut Connection,
    customer: &Customer,
    tree: &Tree,
    info: &UserInfo,
    prefix: &str,
) -> KpnResult<UserChange> {
    let grip_entity_id = info
        .grip_entity_id
        .ok_or_else(|| invalid(&format!("{prefix}gripEntityId"), "is required"))?;
    match repo::grip_entity(conn, &customer.org_number, grip_entity_id).await? {
        None => {
            return Err(KpnFailure::GripEntityNotFound(format!(
                "GRIP identity {grip_entity_id} does not exist or is not visible to you"
            ))
            .into());
        }
        Some((_, true)) => {
            return Err(KpnFailure::GripEntityNotFound(format!(
                "GRIP identity {grip_entity_id} is already linked to another subscriber"
            ))
            .into());
        }
        Some(_) => {}
    }
    check_roles(conn, customer, &info.roles).await?;
    check_groups(customer, tree, &info.managed_entities)?;
    Ok(UserChange::Link {
        grip_entity_id,
        roles: dedup(&info.roles),
        managed_groups: dedup(&info.managed_entities),
    })
}

fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

async fn check_roles(conn: &mut Connection, customer: &Customer, roles: &[i64]) -> KpnResult<()> {
    let known = repo::roles(conn, &customer.org_number).await?;
    match roles
        .iter()
        .find(|id| !known.iter().any(|role| role.id == **id))
    {
        Some(id) => Err(role_not_found(*id).into()),
        None => Ok(()),
    }
}

/// Every id is a group (or the customer) the caller sees.
fn check_groups(customer: &Customer, tree: &Tree, groups: &[i64]) -> KpnResult<()> {
    for id in groups {
        match tree.group(*id) {
            Some(group) if customer.sees(tree, group) => {}
            _ => return Err(item_not_found(*id)),
        }
    }
    Ok(())
}

impl Platform {
    /// `linkSubscriberToGripIdentityUsingPOST`: an order that makes the subscriber the GRIP
    /// identity's user.
    pub async fn kpn_link_user(
        &self,
        principal: &Principal,
        request: LinkRequest,
    ) -> KpnResult<OrderSummary> {
        let customer = self.kpn_customer(principal, privileges::USERS).await?;
        Self::check_not_frozen(&customer)?;
        let id = request
            .subscriber_id
            .ok_or_else(|| invalid("subscriberId", "is required"))?;
        let reference = reference_number(request.reference_number.as_deref())?;
        let (item, tree) = self.kpn_subscriber_in(&customer, id).await?;
        let data = item.subscriber.clone().unwrap_or_default();
        let mut tx = self.store.write().await?;
        if repo::user(&mut tx, &customer.org_number, id)
            .await?
            .is_some()
        {
            return Err(KpnFailure::SubscriberIsAlreadyUser(format!(
                "subscriber {id} is already a user"
            ))
            .into());
        }
        let change = link_change(&mut tx, &customer, &tree, &request.user, "").await?;
        let number = |field: &str, value: &Option<String>, example: &str| match value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            Some(text) => dutch_number(text).map(Some).ok_or_else(|| {
                invalid(
                    field,
                    format!("{text:?} is not a phone number; write it as {example}"),
                )
            }),
            None => Ok(None),
        };
        let mobile = number(
            "mobileNumber",
            &request.mobile_number,
            "316XXXYYYZZ or 06XXXYYYZZ",
        )?;
        let fixed = number(
            "fixedNumber",
            &request.fixed_number,
            "31XXXYYYZZZ or 0XXXYYYZZZ",
        )?;
        // The GRIP login needs a number to reach the person: the request's or the subscriber's.
        if mobile.is_none()
            && fixed.is_none()
            && data.mobile_number.is_none()
            && data.fixed_number.is_none()
        {
            return Err(KpnFailure::MobileOrFixedNumberIsRequired(format!(
                "subscriber {id} has no phone number: give mobileNumber or fixedNumber"
            ))
            .into());
        }
        self.refuse_if_open(
            &mut tx,
            OrderSubject::KpnItem(id),
            &format!("subscriber {id}"),
        )
        .await?;
        let new = NewOrder::for_subscriber(
            id,
            &data,
            &customer,
            OrderType::LinkUser,
            KpnChange::User(change),
            reference,
            self.now(),
        );
        self.commit_kpn_order(tx, principal, &customer, new).await
    }

    /// Subscriber `id` as a portal user the caller sees: 404 when not visible, 400 when it is
    /// no user.
    async fn kpn_user_in(&self, customer: &Customer, id: i64) -> KpnResult<Tree> {
        let (_, tree) = self.kpn_subscriber_in(customer, id).await?;
        let mut conn = self.store.read().await?;
        if repo::user(&mut conn, &customer.org_number, id)
            .await?
            .is_none()
        {
            return Err(KpnFailure::OperationNotPossible(format!(
                "subscriber {id} is no user; link it to a GRIP identity first"
            ))
            .into());
        }
        Ok(tree)
    }

    /// `editSubscriberUserRolesUsingPOST`: gives and takes roles at once.
    pub async fn kpn_edit_user_roles(
        &self,
        principal: &Principal,
        id: i64,
        add: Vec<i64>,
        remove: Vec<i64>,
    ) -> KpnResult<()> {
        let customer = self.kpn_customer(principal, privileges::USERS).await?;
        if let Some(both) = add.iter().find(|role| remove.contains(role)) {
            return Err(invalid(
                "rolesToAdd",
                format!("role {both} is also in rolesToRemove"),
            ));
        }
        self.kpn_user_in(&customer, id).await?;
        let mut tx = self.store.write().await?;
        check_roles(&mut tx, &customer, &add).await?;
        check_roles(&mut tx, &customer, &remove).await?;
        repo::edit_links(&mut tx, id, false, &dedup(&add), &dedup(&remove)).await?;
        let now = self.now();
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "kpn.user.roles",
            &id.to_string(),
            serde_json::json!({"rolesToAdd": add, "rolesToRemove": remove}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `assignEntitiesUsingPOST` (`assign`) and `unassignEntitiesUsingPOST`.
    pub async fn kpn_assign_groups(
        &self,
        principal: &Principal,
        id: i64,
        group_ids: Vec<i64>,
        assign: bool,
    ) -> KpnResult<()> {
        let customer = self.kpn_customer(principal, privileges::USERS).await?;
        if group_ids.is_empty() {
            return Err(invalid("groupIds", "names at least one group"));
        }
        let tree = self.kpn_user_in(&customer, id).await?;
        check_groups(&customer, &tree, &group_ids)?;
        let groups = dedup(&group_ids);
        let mut tx = self.store.write().await?;
        if assign {
            repo::edit_links(&mut tx, id, true, &groups, &[]).await?;
        } else {
            repo::edit_links(&mut tx, id, true, &[], &groups).await?;
        }
        let now = self.now();
        audit(
            &mut tx,
            now,
            &principal.actor(),
            if assign {
                "kpn.user.assign"
            } else {
                "kpn.user.unassign"
            },
            &id.to_string(),
            serde_json::json!({"groupIds": groups}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
