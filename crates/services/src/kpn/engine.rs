//! KPN writes on the shared order engine (`corporate::orders`): an order is accepted with its
//! KPN side in one transaction, and completed by the same ticker and conditional update as the
//! Telenor orders; the change is applied here, in the completing transaction.

use sentral_domain::Timestamp;
use sentral_domain::corporate::{Order, OrderId, OrderStatus, OrderSubject, OrderType};
use sentral_domain::kpn::{
    ContractState, HELD_DUE_AT, HierarchyItem, ItemKind, KpnChange, KpnOrderRecord, KpnStatus,
    Privilege, Receiver, RequestKind, SubscriberData,
};
use sentral_store::Connection;
use sentral_store::corporate::orders as engine_repo;
use sentral_store::kpn::contract_orders as authorizations;
use sentral_store::kpn::{contracts, items, orders as kpn_repo};
use serde_json::json;

use super::{Customer, KpnFailure, KpnResult, OrderSummary, SUBSCRIBER_ORDER_SECONDS, Tree};
use crate::platform::audit;
use crate::{Platform, Principal, ServiceError};

/// An order to place.
pub(crate) struct NewOrder {
    pub subject: OrderSubject,
    pub operation: OrderType,
    pub kind: RequestKind,
    pub change: KpnChange,
    pub reference_number: Option<String>,
    pub context_name: String,
    pub receiver: Receiver,
    pub msisdn: Option<String>,
    pub sim: Option<String>,
    pub starts_at: Timestamp,
    pub seconds: i64,
}

impl NewOrder {
    /// An order on subscriber `id` for `customer`: its receiver and context name from `data`,
    /// done in the subscriber delay after `starts_at` (KPN.md decision 1).
    pub fn for_subscriber(
        id: i64,
        data: &SubscriberData,
        customer: &Customer,
        operation: OrderType,
        change: KpnChange,
        reference_number: Option<String>,
        starts_at: Timestamp,
    ) -> Self {
        Self {
            subject: OrderSubject::KpnItem(id),
            operation,
            kind: RequestKind::Order,
            change,
            reference_number,
            context_name: data.display_name(),
            receiver: super::subscribers::receiver(id, data, customer),
            msisdn: None,
            sim: None,
            starts_at,
            seconds: SUBSCRIBER_ORDER_SECONDS,
        }
    }
}

impl Platform {
    /// Refuses ordering for a frozen customer (KPN.md decision 6).
    pub(crate) fn check_not_frozen(customer: &Customer) -> KpnResult<()> {
        if customer.settings.order_frozen {
            return Err(KpnFailure::OrderingBlocked(format!(
                "ordering is blocked for customer {}",
                customer.name
            ))
            .into());
        }
        Ok(())
    }

    /// Refuses a second order on `subject` (`what` names it, e.g. "subscriber 1000042") while
    /// one is still open: 400 OPERATION_NOT_POSSIBLE naming the open order.
    pub(crate) async fn refuse_if_open(
        &self,
        tx: &mut Connection,
        subject: OrderSubject,
        what: &str,
    ) -> KpnResult<()> {
        let open = self.kpn_blocking(tx, subject).await?;
        match open.first() {
            Some(order) => Err(KpnFailure::OperationNotPossible(format!(
                "{what} has an open order {} ({}); wait for it or cancel it",
                order.id,
                order.status.as_str()
            ))
            .into()),
            None => Ok(()),
        }
    }

    /// Accepts `new` in `tx` and commits it: the end of every single-order write.
    pub(crate) async fn commit_kpn_order(
        &self,
        mut tx: sentral_store::WriteTx<'_>,
        principal: &Principal,
        customer: &Customer,
        new: NewOrder,
    ) -> KpnResult<OrderSummary> {
        let summary = self
            .place_kpn_order(&mut tx, principal, customer, new)
            .await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Accepts `new` in `tx` (the caller commits) and answers its `OrderSummary`.
    pub(crate) async fn place_kpn_order(
        &self,
        tx: &mut Connection,
        principal: &Principal,
        customer: &Customer,
        new: NewOrder,
    ) -> KpnResult<OrderSummary> {
        let now = self.now();
        let number = sentral_store::corporate::next_number(tx, "order", 70_000_001).await?;
        let id = OrderId::from_number(number);
        // KPN.md decision 7: a token that may order but not authorise leaves it waiting.
        let waits = needs_authorization(customer);
        let order = Order {
            id: id.clone(),
            subject: new.subject,
            org_number: customer.org_number.clone(),
            order_type: new.operation,
            product_offer_id: None,
            product_id: None,
            billing_account_id: None,
            configurations: Vec::new(),
            status: OrderStatus::InProgress,
            failure: None,
            created_at: now,
            due_at: if waits {
                HELD_DUE_AT
            } else {
                new.starts_at.plus_seconds(new.seconds)
            },
            completed_at: None,
            created_by: principal.actor().0,
        };
        engine_repo::insert_order(tx, &order).await?;
        let record = KpnOrderRecord {
            order_id: id.as_str().to_owned(),
            kind: new.kind,
            reference_number: new
                .reference_number
                .unwrap_or_else(|| format!("MSM-{number}")),
            kpn_reference: format!("KPN-{number}"),
            context_name: new.context_name,
            ordered_by: customer.ordered_by.clone(),
            receiver: new.receiver,
            msisdn: new.msisdn,
            sim: new.sim,
            starts_at: new.starts_at,
            change: new.change,
            note: None,
            held: waits.then_some(KpnStatus::WaitingForAuthorization),
        };
        kpn_repo::insert_record(tx, &customer.org_number, &record).await?;
        if waits {
            authorizations::insert_authorization(tx, id.as_str(), new.seconds).await?;
        }
        audit(
            tx,
            now,
            &principal.actor(),
            "kpn.order.create",
            id.as_str(),
            json!({"operation": order.order_type.as_str(), "kind": record.kind.as_str()}),
        )
        .await?;
        if !waits {
            self.due_orders.note_due(order.due_at.millis());
        }
        Ok(summary(&order, &record, now))
    }
}

/// Whether the caller's token may create orders only unauthorised: it holds
/// `privileges_un-authorized_orders_creation` but not `privileges_orders_authorization` (the
/// application's privileges, or those of the portal user it acts for).
fn needs_authorization(customer: &Customer) -> bool {
    customer.privileges.as_ref().is_some_and(|held| {
        let holds = |p: Privilege| held.iter().any(|h| h == p.as_str());
        holds(Privilege::UnauthorizedOrdersCreation) && !holds(Privilege::OrdersAuthorization)
    })
}

/// The order's `OrderSummary.status` at `now`: an open order resting in a held status shows it.
pub(crate) fn status_of(order: &Order, record: &KpnOrderRecord, now: Timestamp) -> KpnStatus {
    match record.held {
        Some(held) if order.status == OrderStatus::InProgress => held,
        _ => KpnStatus::of(order.status, order.created_at, record.starts_at, now),
    }
}

pub(crate) fn summary(order: &Order, record: &KpnOrderRecord, now: Timestamp) -> OrderSummary {
    OrderSummary {
        id: order.id.as_str().parse().unwrap_or_default(),
        operation: order.order_type.as_str().to_owned(),
        status: status_of(order, record, now).as_str().to_owned(),
        reference_number: record.reference_number.clone(),
        context_name: record.context_name.clone(),
        creation_date: order.created_at,
    }
}

/// Makes the change a KPN order asks for; `Err(reason)` when it can no longer be made.
pub(crate) async fn apply(
    conn: &mut Connection,
    order: &Order,
    at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    let Some(record) = kpn_repo::record(conn, order.id.as_str()).await? else {
        return Ok(Err("the order has no KPN details".into()));
    };
    let org = &order.org_number;
    let outcome = match (&order.subject, &record.change) {
        (OrderSubject::KpnItem(id), KpnChange::CreateSubscriber { group_id, data }) => {
            let tree = Tree::new(items::groups(conn, org).await?);
            match tree.group(*group_id) {
                Some(group) if group.kind != ItemKind::Customer => {
                    let item = HierarchyItem {
                        id: *id,
                        kind: ItemKind::Subscriber,
                        parent_id: Some(*group_id),
                        name: data.display_name(),
                        cost_center_number: None,
                        subscriber: Some(data.clone()),
                    };
                    items::insert_item(conn, org, &item, tree.debtor_of(*group_id), at).await?;
                    Ok(None)
                }
                _ => Err(format!("group {group_id} no longer exists")),
            }
        }
        (OrderSubject::KpnItem(id), KpnChange::UpdateSubscriber { data }) => {
            if items::update_subscriber(conn, *id, data, at).await? {
                Ok(None)
            } else {
                Err(format!("subscriber {id} no longer exists"))
            }
        }
        (OrderSubject::KpnItem(id), KpnChange::DeleteSubscriber) => {
            let active = contracts::active_of(conn, *id).await?;
            if !active.is_empty() {
                Err(format!("subscriber {id} holds contracts {active:?}"))
            } else if let Some(reason) = super::subscribers::linked_member(conn, *id)
                .await
                .map_err(|e| match e {
                    super::KpnError::Service(e) => e,
                    super::KpnError::Rule(rule) => ServiceError::internal(rule),
                })?
            {
                Err(reason)
            } else if items::delete_item(conn, *id).await? {
                Ok(None)
            } else {
                Err(format!("subscriber {id} no longer exists"))
            }
        }
        (OrderSubject::KpnItem(id), KpnChange::Move { destination_id }) => {
            let tree = Tree::new(items::groups(conn, org).await?);
            match (
                items::item(conn, org, *id).await?,
                tree.group(*destination_id),
            ) {
                (Some(item), Some(destination)) => {
                    match super::rules::move_blocked(&tree, &item, destination) {
                        Some(reason) => Err(reason.to_string()),
                        None => {
                            let below = items::descendants(conn, *id).await?;
                            let debtor = tree.debtor_of(*destination_id);
                            items::set_parent(conn, *id, *destination_id, debtor, &below, at)
                                .await?;
                            Ok(None)
                        }
                    }
                }
                _ => Err(format!(
                    "item {id} or group {destination_id} no longer exists"
                )),
            }
        }
        (OrderSubject::KpnContract(id), KpnChange::BlockSim | KpnChange::UnblockSim) => {
            let state = if record.change == KpnChange::BlockSim {
                ContractState::Blocked
            } else {
                ContractState::Active
            };
            if contracts::set_state(conn, *id, state, at).await? {
                Ok(None)
            } else {
                Err(format!("contract {id} no longer exists"))
            }
        }
        (_, KpnChange::Contracting(change)) => {
            super::basket::apply(conn, order, &record, change, at).await?
        }
        (_, KpnChange::ContractOrder(change)) => {
            super::contract_orders::apply(conn, order, &record, change, at).await?
        }
        (_, KpnChange::User(change)) => {
            super::users::apply(conn, order, &record, change, at).await?
        }
        (_, KpnChange::BillingPeriod(change)) => {
            super::finances::apply(conn, order, &record, change, at).await?
        }
        (_, KpnChange::Hardware(change)) => {
            super::hardware::apply(conn, order, &record, change, at).await?
        }
        (_, KpnChange::Voicemail(change)) => {
            super::voicemail::apply(conn, order, &record, change, at).await?
        }
        (_, KpnChange::FixedMobile(change)) => {
            super::fixed_mobile::apply(conn, order, &record, change, at).await?
        }
        _ => Err("the order's change does not fit its subject".into()),
    };
    // The Telenor side of a contract that stands for a subscription reads the same change.
    if let (OrderSubject::KpnContract(id), Ok(_)) = (&order.subject, &outcome) {
        sentral_store::kpn::shared::mirror_contract(conn, *id, at).await?;
    }
    Ok(outcome)
}
