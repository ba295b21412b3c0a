//! Subscribers (`rest-subscriber-controller`): find and read here; the connector's writes
//! (create, full replace, move, delete) in `writes`, the request body in `input`.

mod input;
mod writes;

use sentral_domain::kpn::{
    HierarchyItem, ItemKind, Page, Receiver, SUBSCRIBER_FILTERS, SUBSCRIBER_SORTS, SubscriberData,
};
use sentral_store::kpn::items::{self as repo, SubscriberQuery, SubscriberRow};

use super::query::{parse_filters, parse_order, parse_sort};
use super::{Customer, KpnFailure, KpnResult, Tree, privileges};
use crate::{Platform, Principal};
pub use input::SubscriberInput;
pub use writes::SubscriberOperations;

/// `findSubscribersUsingGET`'s parameters as sent.
#[derive(Debug, Clone, Default)]
pub struct FindSubscribers {
    pub filters: Option<String>,
    pub patterns: Vec<String>,
    pub sort_by: Option<String>,
    pub order: Option<String>,
    pub user_only: Option<bool>,
    pub page: Page,
}

/// A subscriber with the path above it, the customer first.
#[derive(Debug, Clone)]
pub struct SubscriberView {
    pub item: HierarchyItem,
    pub path: Vec<HierarchyItem>,
    pub contracts: i64,
    pub first_phone_number: Option<String>,
    /// A portal user (linked to a GRIP identity): its `user` and `gripUser`.
    pub user: bool,
}

impl SubscriberView {
    pub fn data(&self) -> SubscriberData {
        self.item.subscriber.clone().unwrap_or_default()
    }
}

fn view(tree: &Tree, row: SubscriberRow) -> SubscriberView {
    let path = tree
        .path_of(row.item.parent_id)
        .into_iter()
        .cloned()
        .collect();
    SubscriberView {
        item: row.item,
        path,
        contracts: row.contracts,
        first_phone_number: row.first_phone_number,
        user: false,
    }
}

impl Platform {
    pub async fn kpn_find_subscribers(
        &self,
        principal: &Principal,
        request: FindSubscribers,
    ) -> KpnResult<(Vec<SubscriberView>, i64)> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_VIEW)
            .await?;
        let query = SubscriberQuery {
            filters: parse_filters(request.filters.as_deref(), SUBSCRIBER_FILTERS)?,
            patterns: request.patterns,
            sort_by: parse_sort(request.sort_by.as_deref(), SUBSCRIBER_SORTS)?,
            order: parse_order(request.order.as_deref())?,
            within: None,
            users_only: request.user_only == Some(true),
        };
        let mut conn = self.store.read().await?;
        let mut query = query;
        if customer.scope.is_some() {
            let tree = Tree::new(repo::groups(&mut conn, &customer.org_number).await?);
            query.within = customer.visible_groups(&tree);
        }
        let (rows, total) =
            repo::find_subscribers(&mut conn, &customer.org_number, &query, request.page).await?;
        if rows.is_empty() {
            return Ok((Vec::new(), total));
        }
        let tree = Tree::new(repo::groups(&mut conn, &customer.org_number).await?);
        drop(conn);
        let ids: Vec<i64> = rows.iter().map(|row| row.item.id).collect();
        let users = self.kpn_users_among(&ids).await?;
        Ok((
            rows.into_iter()
                .map(|row| view(&tree, row))
                .map(|view| SubscriberView {
                    user: users.contains(&view.item.id),
                    ..view
                })
                .collect(),
            total,
        ))
    }

    pub(crate) async fn kpn_subscriber_in(
        &self,
        customer: &Customer,
        id: i64,
    ) -> KpnResult<(HierarchyItem, Tree)> {
        let mut conn = self.store.read().await?;
        let item = repo::item(&mut conn, &customer.org_number, id).await?;
        let tree = Tree::new(repo::groups(&mut conn, &customer.org_number).await?);
        let item = item
            .filter(|item| item.kind == ItemKind::Subscriber && customer.sees(&tree, item))
            .ok_or_else(|| {
                KpnFailure::ItemNotFound(format!(
                    "subscriber {id} does not exist or is not visible to you"
                ))
            })?;
        Ok((item, tree))
    }

    pub async fn kpn_subscriber(
        &self,
        principal: &Principal,
        id: i64,
    ) -> KpnResult<SubscriberView> {
        let customer = self
            .kpn_customer(principal, privileges::HIERARCHY_VIEW)
            .await?;
        let (item, tree) = self.kpn_subscriber_in(&customer, id).await?;
        let path = tree.path_of(item.parent_id).into_iter().cloned().collect();
        let user = !self.kpn_users_among(&[id]).await?.is_empty();
        Ok(SubscriberView {
            item,
            path,
            contracts: 0,
            first_phone_number: None,
            user,
        })
    }
}

/// Why subscriber `id` cannot be deleted as an MBN member of the shared domain (`None`: it is
/// no member): the MBN directory removes no members, and deleting only the KPN side would part
/// the two dialects' views of one person.
pub(crate) async fn linked_member(
    conn: &mut sentral_store::Connection,
    id: i64,
) -> KpnResult<Option<String>> {
    Ok(sentral_store::kpn::shared::member_of_subscriber(conn, id)
        .await?
        .map(|member| {
            format!(
                "subscriber {id} is MBN member {member} of the shared domain, which the MBN \
                 directory keeps (it removes no members), so it cannot be deleted through KPN"
            )
        }))
}

pub(crate) fn receiver(id: i64, data: &SubscriberData, customer: &Customer) -> Receiver {
    Receiver {
        id: Some(id),
        first_name: data.first_name.clone(),
        prefix: data.surname_prefix.clone(),
        last_name: Some(data.surname.clone()),
        employee_number: data.employee_number.clone(),
        company_name: Some(customer.name.clone()),
    }
}
