//! Subscribers (`rest-subscriber-controller`): find, read, and the writes a provisioning
//! connector makes — create, full replace, move, delete — each an order on the engine.

use sentral_domain::corporate::{OrderSubject, OrderType};
use sentral_domain::kpn::{
    Filters, Gender, HierarchyItem, ItemKind, KpnChange, Language, Page, Receiver, RequestKind,
    SUBSCRIBER_FILTERS, SUBSCRIBER_SORTS, SortOrder, SubscriberData, dutch_number,
};
use sentral_store::kpn::items::{self as repo, SubscriberQuery, SubscriberRow};

use super::engine::NewOrder;
use super::{
    Customer, KpnFailure, KpnResult, OrderSummary, SUBSCRIBER_ORDER_SECONDS, Tree, invalid,
    item_not_found, privileges, reference_number, wish_date,
};
use crate::{Platform, Principal};

/// `SubscriberDetailsRequestParams` as sent: every field optional and possibly `""`.
#[derive(Debug, Clone, Default)]
pub struct SubscriberInput {
    pub first_name: Option<String>,
    pub surname_prefix: Option<String>,
    pub surname: Option<String>,
    pub email: Option<String>,
    pub vip: Option<bool>,
    pub employee_number: Option<String>,
    pub gender: Option<String>,
    pub preferred_language: Option<String>,
    pub comments: Option<String>,
    pub mobile_number: Option<String>,
    pub fixed_number: Option<String>,
}

fn present(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

fn bounded(field: &str, value: Option<String>, max: usize) -> KpnResult<Option<String>> {
    match value {
        Some(text) if text.chars().count() > max => Err(invalid(
            &format!("subscriber.{field}"),
            format!("is at most {max} characters"),
        )),
        other => Ok(other),
    }
}

impl SubscriberInput {
    /// The subscriber's data: only the surname is required, every omitted field is reset.
    pub fn into_data(self) -> KpnResult<SubscriberData> {
        let surname =
            present(&self.surname).ok_or_else(|| invalid("subscriber.surname", "is required"))?;
        let email = bounded("email", present(&self.email), 100)?;
        if let Some(email) = &email
            && (!email.contains('@') || email.contains(' '))
        {
            {
                return Err(invalid(
                    "subscriber.email",
                    format!("{email:?} is not an e-mail address"),
                ));
            }
        }
        let gender = match present(&self.gender) {
            Some(text) => Some(
                Gender::parse(&text.to_ascii_uppercase())
                    .ok_or_else(|| {
                        invalid(
                            "subscriber.gender",
                            format!("must be one of {}, got {text:?}", Gender::values()),
                        )
                    })?
                    .as_str()
                    .to_owned(),
            ),
            None => None,
        };
        let preferred_language = match present(&self.preferred_language) {
            Some(text) => Some(
                Language::parse(&text.to_ascii_uppercase())
                    .ok_or_else(|| {
                        invalid(
                            "subscriber.preferredLanguage",
                            format!("must be one of {}, got {text:?}", Language::values()),
                        )
                    })?
                    .as_str()
                    .to_owned(),
            ),
            None => None,
        };
        let number = |field: &str, value: Option<String>, example: &str| match value {
            Some(text) => dutch_number(&text).map(Some).ok_or_else(|| {
                invalid(
                    &format!("subscriber.{field}"),
                    format!("{text:?} is not a phone number; write it as {example}"),
                )
            }),
            None => Ok(None),
        };
        Ok(SubscriberData {
            first_name: bounded("firstName", present(&self.first_name), 100)?,
            surname_prefix: bounded("surnamePrefix", present(&self.surname_prefix), 30)?,
            surname: bounded("surname", Some(surname), 100)?.unwrap_or_default(),
            email,
            vip: self.vip.unwrap_or(false),
            employee_number: bounded("employeeNumber", present(&self.employee_number), 50)?,
            gender,
            preferred_language,
            comments: bounded("comments", present(&self.comments), 1000)?,
            mobile_number: number(
                "mobileNumber",
                present(&self.mobile_number),
                "316XXXYYYZZ or 06XXXYYYZZ",
            )?,
            fixed_number: number(
                "fixedNumber",
                present(&self.fixed_number),
                "31XXXYYYZZZ or 0XXXYYYZZZ",
            )?,
        })
    }
}

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
}

impl SubscriberView {
    pub fn data(&self) -> SubscriberData {
        self.item.subscriber.clone().unwrap_or_default()
    }
}

pub(crate) fn parse_order(text: Option<&str>) -> KpnResult<SortOrder> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(SortOrder::Asc),
        Some(text) => SortOrder::parse(text)
            .ok_or_else(|| invalid("order", format!("must be ASC or DESC, got {text:?}"))),
    }
}

pub(crate) fn parse_sort(text: Option<&str>, valid: &[&str]) -> KpnResult<Option<String>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => {
            let upper = text.to_ascii_uppercase();
            if valid.contains(&upper.as_str()) {
                Ok(Some(upper))
            } else {
                Err(invalid(
                    "sortBy",
                    format!("must be one of {}, got {text:?}", valid.join(", ")),
                ))
            }
        }
    }
}

pub(crate) fn parse_filters(text: Option<&str>, valid: &[&'static str]) -> KpnResult<Filters> {
    Filters::parse(text.unwrap_or_default(), valid).map_err(|e| invalid("filters", e.to_string()))
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
        };
        // No subscriber is a portal user of its own (users come with part 3).
        if request.user_only == Some(true) {
            return Ok((Vec::new(), 0));
        }
        let mut conn = self.store.read().await?;
        let (rows, total) =
            repo::find_subscribers(&mut conn, &customer.org_number, &query, request.page).await?;
        if rows.is_empty() {
            return Ok((Vec::new(), total));
        }
        let tree = Tree::new(repo::groups(&mut conn, &customer.org_number).await?);
        Ok((
            rows.into_iter().map(|row| view(&tree, row)).collect(),
            total,
        ))
    }

    pub(crate) async fn kpn_subscriber_in(
        &self,
        customer: &Customer,
        id: i64,
    ) -> KpnResult<(HierarchyItem, Tree)> {
        let mut conn = self.store.read().await?;
        let item = repo::item(&mut conn, &customer.org_number, id)
            .await?
            .filter(|item| item.kind == ItemKind::Subscriber)
            .ok_or_else(|| {
                KpnFailure::ItemNotFound(format!(
                    "subscriber {id} does not exist or is not visible to you"
                ))
            })?;
        let tree = Tree::new(repo::groups(&mut conn, &customer.org_number).await?);
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
        Ok(SubscriberView {
            item,
            path,
            contracts: 0,
            first_phone_number: None,
        })
    }

    pub async fn kpn_create_subscriber(
        &self,
        principal: &Principal,
        group_id: Option<i64>,
        reference: Option<String>,
        input: SubscriberInput,
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
            .ok_or_else(|| item_not_found(group_id))?;
        if let Some(failure) = super::rules::placement(&tree, ItemKind::Subscriber, group, &[]) {
            return Err(failure.into());
        }
        let id = super::next_item_id(&mut tx).await?;
        let now = self.now();
        let new = NewOrder {
            subject: OrderSubject::KpnItem(id),
            operation: OrderType::CreateUser,
            kind: RequestKind::Order,
            receiver: receiver(id, &data, &customer),
            context_name: data.display_name(),
            change: KpnChange::CreateSubscriber { group_id, data },
            reference_number: reference,
            msisdn: None,
            sim: None,
            starts_at: now,
            seconds: SUBSCRIBER_ORDER_SECONDS,
        };
        let summary = self
            .place_kpn_order(&mut tx, principal, &customer, new)
            .await?;
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
        self.refuse_if_open(
            &mut tx,
            OrderSubject::KpnItem(id),
            &format!("subscriber {id}"),
        )
        .await?;
        let new = NewOrder {
            subject: OrderSubject::KpnItem(id),
            operation: OrderType::ChangeUserData,
            kind: RequestKind::Order,
            receiver: receiver(id, &data, &customer),
            context_name: data.display_name(),
            change: KpnChange::UpdateSubscriber { data },
            reference_number: reference,
            msisdn: None,
            sim: None,
            starts_at: self.now(),
            seconds: SUBSCRIBER_ORDER_SECONDS,
        };
        let summary = self
            .place_kpn_order(&mut tx, principal, &customer, new)
            .await?;
        tx.commit().await?;
        Ok(summary)
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
        self.refuse_if_open(
            &mut tx,
            OrderSubject::KpnItem(id),
            &format!("subscriber {id}"),
        )
        .await?;
        let active = sentral_store::kpn::contracts::active_of(&mut tx, id).await?;
        if !active.is_empty() {
            let ids: Vec<String> = active.iter().map(i64::to_string).collect();
            return Err(KpnFailure::OperationNotPossible(format!(
                "subscriber {id} still holds contracts {}; terminate or move them first",
                ids.join(", ")
            ))
            .into());
        }
        if let Some(member) = linked_member(&mut tx, id).await? {
            return Err(KpnFailure::OperationNotPossible(member).into());
        }
        let data = item.subscriber.clone().unwrap_or_default();
        let new = NewOrder {
            subject: OrderSubject::KpnItem(id),
            operation: OrderType::DeleteUser,
            kind: RequestKind::Order,
            receiver: receiver(id, &data, &customer),
            context_name: data.display_name(),
            change: KpnChange::DeleteSubscriber,
            reference_number: reference,
            msisdn: None,
            sim: None,
            starts_at: self.now(),
            seconds: SUBSCRIBER_ORDER_SECONDS,
        };
        let summary = self
            .place_kpn_order(&mut tx, principal, &customer, new)
            .await?;
        tx.commit().await?;
        Ok(summary)
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
        if let Some(failure) = super::rules::move_blocked(&tree, &item, destination) {
            return Err(failure.into());
        }
        let parent = item.parent_id.unwrap_or_default();
        let crosses = tree.debtor_of(parent) != tree.debtor_of(destination_id)
            || tree.cost_center_of(parent) != tree.cost_center_of(destination_id);
        let data = item.subscriber.clone().unwrap_or_default();
        let mut tx = self.store.write().await?;
        self.refuse_if_open(
            &mut tx,
            OrderSubject::KpnItem(id),
            &format!("subscriber {id}"),
        )
        .await?;
        let new = NewOrder {
            subject: OrderSubject::KpnItem(id),
            operation: OrderType::MoveUser,
            kind: if crosses {
                RequestKind::ServiceRequest
            } else {
                RequestKind::Order
            },
            receiver: receiver(id, &data, &customer),
            context_name: data.display_name(),
            change: KpnChange::Move { destination_id },
            reference_number: reference,
            msisdn: None,
            sim: None,
            starts_at,
            seconds: SUBSCRIBER_ORDER_SECONDS,
        };
        let summary = self
            .place_kpn_order(&mut tx, principal, &customer, new)
            .await?;
        tx.commit().await?;
        Ok(summary)
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
        Ok(SubscriberOperations {
            editable: free,
            movable: free,
            removable: free && active.is_empty(),
            roles_editable: false,
            blocking,
        })
    }
}

/// `SubscriberOperationsAvailability`.
#[derive(Debug, Clone)]
pub struct SubscriberOperations {
    pub editable: bool,
    pub movable: bool,
    pub removable: bool,
    pub roles_editable: bool,
    pub blocking: Vec<super::track::BlockingOrder>,
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
