//! The shared domain under the KPN tree (KPN.md): an organisation that becomes a KPN customer
//! with MBN members and mobile subscriptions — the Norwegian demo customer, say — sees its
//! billing accounts as debtors, its directory groups as cost centres below them, its members as
//! subscribers and its subscriptions as contracts. The links are stored
//! (`sentral_store::kpn::shared`), so a change through one dialect reads back through the other;
//! members and subscriptions the organisation gets later are linked when the KPN side next
//! reads the customer.

use std::collections::HashMap;

use sentral_domain::kpn::{
    Contract, ContractCategory, ContractState, HierarchyItem, ItemKind, SubscriberData,
};
use sentral_domain::{OrgNumber, Timestamp};
use sentral_store::Connection;
use sentral_store::kpn::{contracts, items, shared};

use super::demo::mobile_items;
use super::{KpnResult, next_contract_id, next_item_id};

/// What the contracts made from subscriptions are called.
pub const SUBSCRIPTION_PRODUCT_EN: &str = "Mobile subscription";
pub const SUBSCRIPTION_PRODUCT_NL: &str = "Mobiel abonnement";

fn contract_state(status: &str) -> ContractState {
    match status {
        "ACTIVE" => ContractState::Active,
        "SUSPENDED" => ContractState::Blocked,
        "TERMINATED" => ContractState::Closed,
        _ => ContractState::Pending,
    }
}

/// Gives the customer's tree (below its CUSTOMER item `root`) the organisation's accounts,
/// groups, members and subscriptions not linked yet, below the debtors and cost centres linked
/// before: when the customer opens, and again when the organisation got members or
/// subscriptions since (`Platform::kpn_customer`). An organisation without members or
/// subscriptions gets nothing.
pub(crate) async fn link_shared_domain(
    conn: &mut Connection,
    org_number: &OrgNumber,
    organization_name: &str,
    root: i64,
    now: Timestamp,
) -> KpnResult<()> {
    let members = shared::unlinked_members(conn, org_number).await?;
    let subscriptions = shared::unlinked_subscriptions(conn, org_number).await?;
    if members.is_empty() && subscriptions.is_empty() {
        return Ok(());
    }
    let mut places = Places {
        org_number,
        organization_name,
        root,
        now,
    };
    for account in shared::accounts_of(conn, org_number).await? {
        places.debtor(conn, Some(&account)).await?;
    }
    let mut subscriber_of_mobile = HashMap::new();
    for member in members {
        let debtor = places.debtor(conn, member.account_id.as_deref()).await?;
        let parent = match (&member.group_id, &member.group_name) {
            (Some(group_id), Some(group_name)) => {
                places
                    .cost_center(conn, debtor, group_id, group_name)
                    .await?
            }
            _ => debtor,
        };
        let data = SubscriberData {
            first_name: Some(member.first_name.clone()).filter(|name| !name.is_empty()),
            surname: member.last_name.clone(),
            email: Some(member.email.clone()).filter(|email| !email.is_empty()),
            employee_number: member.external_id.clone(),
            mobile_number: Some(member.mobile.clone()),
            preferred_language: Some("EN".into()),
            ..SubscriberData::default()
        };
        let id = next_item_id(conn).await?;
        let item = HierarchyItem {
            id,
            kind: ItemKind::Subscriber,
            parent_id: Some(parent),
            name: data.display_name(),
            cost_center_number: None,
            subscriber: Some(data),
        };
        items::insert_item(conn, org_number, &item, Some(debtor), now).await?;
        shared::link_member(conn, id, &member.id).await?;
        subscriber_of_mobile.insert(member.mobile, id);
    }
    for subscription in subscriptions {
        let owner = match subscriber_of_mobile.get(&subscription.msisdn) {
            Some(id) => *id,
            None => {
                match shared::subscriber_of_mobile(conn, org_number, &subscription.msisdn).await? {
                    Some(id) => id,
                    None => places.debtor(conn, Some(&subscription.account_id)).await?,
                }
            }
        };
        let id = next_contract_id(conn).await?;
        let started = Timestamp::from_millis(subscription.activated_at);
        let contract = Contract {
            id,
            owner_id: owner,
            category: ContractCategory::Mobile,
            product_category: "Mobile subscriptions".into(),
            product_en: SUBSCRIPTION_PRODUCT_EN.into(),
            product_nl: SUBSCRIPTION_PRODUCT_NL.into(),
            state: contract_state(&subscription.status),
            mobile_number: Some(subscription.msisdn.clone()),
            fixed_number: None,
            sim_card_number: Some(subscription.iccid.clone()),
            imei: None,
            extension: None,
            sip_account: None,
            tariff_plan: None,
            pin: None,
            puk: None,
            start_at: started,
            status_changed_at: started,
            items: mobile_items(id),
        };
        contracts::insert_contract(conn, org_number, &contract).await?;
        shared::link_subscription(conn, id, &subscription.msisdn).await?;
    }
    Ok(())
}

/// Where the organisation's people go: the debtors and cost centres of its accounts and
/// directory groups, found in the tree (linked before) or made now.
struct Places<'a> {
    org_number: &'a OrgNumber,
    organization_name: &'a str,
    root: i64,
    now: Timestamp,
}

impl Places<'_> {
    /// The debtor of `account` (a member without a subscription goes to the first one).
    async fn debtor(&mut self, conn: &mut Connection, account: Option<&str>) -> KpnResult<i64> {
        let found = match account {
            Some(account) => shared::debtor_of_account(conn, self.org_number, account).await?,
            None => shared::first_debtor(conn, self.org_number).await?,
        };
        if let Some(id) = found {
            return Ok(id);
        }
        let id = next_item_id(conn).await?;
        let name = match account {
            Some(account) => format!("{} {account}", self.organization_name),
            None => self.organization_name.to_owned(),
        };
        let item = HierarchyItem {
            id,
            kind: ItemKind::Debtor,
            parent_id: Some(self.root),
            name,
            cost_center_number: None,
            subscriber: None,
        };
        items::insert_item(conn, self.org_number, &item, Some(id), self.now).await?;
        if let Some(account) = account {
            shared::link_account(conn, id, account).await?;
        }
        Ok(id)
    }

    /// The cost centre of directory group `group_id` below `debtor`.
    async fn cost_center(
        &mut self,
        conn: &mut Connection,
        debtor: i64,
        group_id: &str,
        group_name: &str,
    ) -> KpnResult<i64> {
        if let Some(id) = shared::cost_center_of_group(conn, debtor, group_id).await? {
            return Ok(id);
        }
        let id = next_item_id(conn).await?;
        let item = HierarchyItem {
            id,
            kind: ItemKind::CostCenter,
            parent_id: Some(debtor),
            name: group_name.to_owned(),
            cost_center_number: Some(format!("{debtor}-{group_id}")),
            subscriber: None,
        };
        items::insert_item(conn, self.org_number, &item, Some(debtor), self.now).await?;
        shared::link_group(conn, id, group_id).await?;
        Ok(id)
    }
}
