//! The customer's portal users (`rest-user-controller`): GRIP identities linked to subscribers,
//! their roles and privileges, the groups they manage — and the scope a token acting for such a
//! user is held to. The writes (link, roles, managed groups) are in `writes`, the demo in `demo`.

mod demo;
mod writes;

use sentral_domain::corporate::{Order, OrderSubject};
use sentral_domain::kpn::users::{GripEntity, PortalUser, Role, UserChange};
use sentral_domain::kpn::{HierarchyItem, KpnOrderRecord, Page, Privilege, SortOrder};
use sentral_domain::{OrgNumber, Timestamp};
use sentral_store::Connection;
use sentral_store::kpn::{items, users as repo};

use super::query::{parse_order, parse_sort};
use super::{KpnFailure, KpnResult, Scope, Tree, privileges};
use crate::{Platform, Principal, ServiceError};
pub(crate) use demo::seed_demo_users;
pub(crate) use writes::link_change;
pub use writes::{LinkRequest, UserInfo};

/// The roles lists' parameters as sent.
#[derive(Debug, Clone, Default)]
pub struct RoleQuery {
    pub page: Page,
    pub order: Option<String>,
    pub pattern: Option<String>,
    pub sort_by: Option<String>,
}

const ROLE_SORTS: &[&str] = &["NAME", "SELECTED"];

/// A role as the lists show it: `selected` when the subscriber holds it.
#[derive(Debug, Clone)]
pub struct RoleView {
    pub role: Role,
    pub selected: bool,
}

/// The privileges a token acting for a portal user holds (its roles' privileges, within the
/// application's own set when it has one) and its scope; as given when it acts for nobody.
pub(crate) async fn acting_for(
    conn: &mut Connection,
    app_id: &str,
    org_number: &OrgNumber,
    held: Option<Vec<String>>,
) -> KpnResult<(Option<Vec<String>>, Option<Scope>)> {
    let Some(user_id) = repo::acting_user(conn, app_id).await? else {
        return Ok((held, None));
    };
    let user = repo::user(conn, org_number, user_id).await?;
    let roles = repo::roles(conn, org_number).await?;
    let (mut privileges, managed_groups) = match user {
        Some(user) => (user_privileges(&roles, &user), user.managed_groups),
        // No user (any more): no privilege, no group.
        None => (Vec::new(), Vec::new()),
    };
    if let Some(held) = &held {
        privileges.retain(|p| held.iter().any(|h| h == p));
    }
    Ok((
        Some(privileges),
        Some(Scope {
            user_id,
            managed_groups,
        }),
    ))
}

fn user_privileges(roles: &[Role], user: &PortalUser) -> Vec<String> {
    let mut names: Vec<String> = Privilege::ALL
        .iter()
        .filter(|privilege| {
            roles
                .iter()
                .filter(|role| user.roles.contains(&role.id))
                .any(|role| role.privileges.contains(privilege))
        })
        .map(|privilege| privilege.as_str().to_owned())
        .collect();
    names.dedup();
    names
}

pub(crate) fn role_not_found(id: i64) -> KpnFailure {
    KpnFailure::RoleNotFound(format!("role {id} does not exist or is not visible to you"))
}

impl Platform {
    /// `getGripEntitiesUsingGET`: the customer's GRIP identities not linked to a subscriber.
    pub async fn kpn_grip_entities(&self, principal: &Principal) -> KpnResult<Vec<GripEntity>> {
        let customer = self.kpn_customer(principal, privileges::USERS).await?;
        let mut conn = self.store.read().await?;
        Ok(repo::free_grip_entities(&mut conn, &customer.org_number).await?)
    }

    /// `getAllRolesUsingGET` (no subscriber: none selected) and `getSubscriberUserRolesUsingGET`.
    pub async fn kpn_roles(
        &self,
        principal: &Principal,
        subscriber_id: Option<i64>,
        query: RoleQuery,
    ) -> KpnResult<(Vec<RoleView>, i64)> {
        let needs = if subscriber_id.is_some() {
            privileges::USERS
        } else {
            privileges::NONE
        };
        let customer = self.kpn_customer(principal, needs).await?;
        let sort = parse_sort(query.sort_by.as_deref(), ROLE_SORTS)?;
        let direction = parse_order(query.order.as_deref())?;
        let held = match subscriber_id {
            Some(id) => {
                self.kpn_subscriber_in(&customer, id).await?;
                let mut conn = self.store.read().await?;
                repo::user(&mut conn, &customer.org_number, id)
                    .await?
                    .map(|user| user.roles)
                    .unwrap_or_default()
            }
            None => Vec::new(),
        };
        let mut conn = self.store.read().await?;
        let pattern = query
            .pattern
            .as_deref()
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty());
        let mut roles: Vec<RoleView> = repo::roles(&mut conn, &customer.org_number)
            .await?
            .into_iter()
            .filter(|role| {
                pattern
                    .as_ref()
                    .is_none_or(|p| role.name.to_lowercase().contains(p))
            })
            .map(|role| RoleView {
                selected: held.contains(&role.id),
                role,
            })
            .collect();
        let by_name = |a: &RoleView, b: &RoleView| {
            a.role
                .name
                .to_lowercase()
                .cmp(&b.role.name.to_lowercase())
                .then(a.role.id.cmp(&b.role.id))
        };
        // The key in the asked direction, then the name ascending.
        let selected_first = sort.as_deref() == Some("SELECTED");
        roles.sort_by(|a, b| {
            let key = if selected_first {
                a.selected.cmp(&b.selected)
            } else {
                by_name(a, b)
            };
            let key = if direction == SortOrder::Desc {
                key.reverse()
            } else {
                key
            };
            key.then(by_name(a, b))
        });
        let total = roles.len() as i64;
        Ok((query.page.slice(&roles), total))
    }

    /// `getRolePrivilegesUsingGET`: the spec's names of the privileges a role grants.
    pub async fn kpn_role_privileges(
        &self,
        principal: &Principal,
        role_id: i64,
    ) -> KpnResult<Vec<Privilege>> {
        let customer = self.kpn_customer(principal, privileges::NONE).await?;
        let mut conn = self.store.read().await?;
        let role = repo::roles(&mut conn, &customer.org_number)
            .await?
            .into_iter()
            .find(|role| role.id == role_id)
            .ok_or_else(|| role_not_found(role_id))?;
        Ok(role.privileges)
    }

    /// `getManagedGroupsUsingGET`: the groups subscriber `id` manages with their paths (none
    /// when it is no user).
    pub async fn kpn_managed_groups(
        &self,
        principal: &Principal,
        id: i64,
    ) -> KpnResult<Vec<(HierarchyItem, Vec<HierarchyItem>)>> {
        let customer = self.kpn_customer(principal, privileges::USERS).await?;
        let (_, tree) = self.kpn_subscriber_in(&customer, id).await?;
        let mut conn = self.store.read().await?;
        let managed = repo::user(&mut conn, &customer.org_number, id)
            .await?
            .map(|user| user.managed_groups)
            .unwrap_or_default();
        Ok(managed
            .iter()
            .filter_map(|group| tree.group(*group))
            .map(|group| {
                let path = tree.path_of(group.parent_id).into_iter().cloned().collect();
                (group.clone(), path)
            })
            .collect())
    }

    /// Which of `ids` (subscribers) are portal users: their `user`/`gripUser`.
    pub(crate) async fn kpn_users_among(&self, ids: &[i64]) -> KpnResult<Vec<i64>> {
        let mut conn = self.store.read().await?;
        Ok(repo::users_among(&mut conn, ids).await?)
    }
}

/// Makes the change of a finished user order: the subscriber becomes the GRIP identity's
/// user with its roles and managed groups (those that still exist).
pub(crate) async fn apply(
    conn: &mut Connection,
    order: &Order,
    _record: &KpnOrderRecord,
    change: &UserChange,
    _at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    let UserChange::Link {
        grip_entity_id,
        roles,
        managed_groups,
    } = change;
    let OrderSubject::KpnItem(subscriber_id) = order.subject else {
        return Ok(Err("a user order is on a subscriber".into()));
    };
    let org = &order.org_number;
    if items::item(conn, org, subscriber_id).await?.is_none() {
        return Ok(Err(format!("subscriber {subscriber_id} no longer exists")));
    }
    if repo::user(conn, org, subscriber_id).await?.is_some() {
        return Ok(Err(format!("subscriber {subscriber_id} is already a user")));
    }
    match repo::grip_entity(conn, org, *grip_entity_id).await? {
        None => {
            return Ok(Err(format!(
                "GRIP identity {grip_entity_id} no longer exists"
            )));
        }
        Some((_, true)) => {
            return Ok(Err(format!(
                "GRIP identity {grip_entity_id} is already another subscriber's user"
            )));
        }
        Some(_) => {}
    }
    repo::insert_user(conn, org, subscriber_id, *grip_entity_id).await?;
    let known: Vec<i64> = repo::roles(conn, org).await?.iter().map(|r| r.id).collect();
    let roles: Vec<i64> = roles
        .iter()
        .copied()
        .filter(|r| known.contains(r))
        .collect();
    repo::edit_links(conn, subscriber_id, false, &roles, &[]).await?;
    let tree = Tree::new(items::groups(conn, org).await?);
    let groups: Vec<i64> = managed_groups
        .iter()
        .copied()
        .filter(|g| tree.group(*g).is_some())
        .collect();
    repo::edit_links(conn, subscriber_id, true, &groups, &[]).await?;
    Ok(Ok(None))
}
