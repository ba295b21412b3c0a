//! Track & trace (`rest-track-and-trace-controller`): every KPN write with its status in both
//! vocabularies, who ordered it for whom, its references, and cancellation while it is open.

use sentral_domain::Timestamp;
use sentral_domain::corporate::{Order, OrderId, OrderStatus, OrderSubject};
use sentral_domain::kpn::{KpnChange, KpnOrderRecord, KpnStatus, Page, RequestKind, TrackStatus};
use sentral_store::Connection;
use sentral_store::corporate::orders as engine_repo;
use sentral_store::kpn::orders as repo;
use sentral_store::kpn::{contracts, items};

use super::engine::status_of;
use super::query::{parse_order, parse_sort};
use super::{Customer, KpnFailure, KpnResult, Tree, invalid, privileges};
use crate::platform::audit;
use crate::{Platform, Principal};

/// An open order in the way of an operation (`BlockingOrder`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockingOrder {
    pub id: i64,
    pub kpn_reference: String,
    pub status: TrackStatus,
    pub kind: RequestKind,
}

/// An order or service request as track & trace shows it.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub order: Order,
    pub record: KpnOrderRecord,
    pub status: KpnStatus,
    /// Who authorised it, for an order that waited for authorisation (read with one order).
    pub approval: Option<super::contract_orders::Approval>,
}

impl Tracked {
    pub fn track_status(&self) -> TrackStatus {
        self.status.track()
    }

    pub fn cancellable(&self) -> bool {
        self.order.status == OrderStatus::InProgress
    }

    pub fn finished_at(&self) -> Option<Timestamp> {
        self.order.completed_at
    }
}

/// The track-and-trace list parameters (`TQ` of the spec).
#[derive(Debug, Clone, Default)]
pub struct TrackQuery {
    /// Empty: every status (KPN.md decision 3).
    pub statuses: Vec<String>,
    pub page: Page,
    pub order: Option<String>,
    pub patterns: Vec<String>,
    pub sort_by: Option<String>,
    pub current_user_only: bool,
    pub with_required_action_first: bool,
}

const ORDER_SORTS: &[&str] = &[
    "CREATION_DATE",
    "STATUS",
    "KPN_REFERENCE",
    "ORDERED_FOR",
    "CUSTOMER_REFERENCE",
];
const REQUEST_SORTS: &[&str] = &[
    "CREATION_DATE",
    "STATUS",
    "KPN_REFERENCE",
    "REQUEST_BY",
    "REQUEST_FOR",
    "TYPE",
    "CUSTOMER_REFERENCE",
];

fn parse_id(text: &str) -> KpnResult<OrderId> {
    OrderId::parse(text.trim()).map_err(|_| invalid("id", format!("{text:?} is not an order id")))
}

impl Platform {
    /// The orders the caller sees: all, unless it acts for a portal user, who sees the orders
    /// on what lies in its managed groups (a subscriber being created, by its group).
    async fn kpn_visible_orders(
        &self,
        conn: &mut Connection,
        customer: &Customer,
        orders: Vec<(Order, KpnOrderRecord)>,
    ) -> KpnResult<Vec<(Order, KpnOrderRecord)>> {
        if customer.scope.is_none() {
            return Ok(orders);
        }
        let org = &customer.org_number;
        let tree = Tree::new(items::groups(conn, org).await?);
        let mut visible = Vec::new();
        for (order, record) in orders {
            let holder = match order.subject {
                OrderSubject::KpnItem(id) => id,
                OrderSubject::KpnContract(id) => match contracts::contract(conn, org, id).await? {
                    Some(contract) => contract.owner_id,
                    None => continue,
                },
                _ => continue,
            };
            let sees = match items::item(conn, org, holder).await? {
                Some(item) => customer.sees(&tree, &item),
                None => match &record.change {
                    KpnChange::CreateSubscriber { group_id, .. } => tree
                        .group(*group_id)
                        .is_some_and(|group| customer.sees(&tree, group)),
                    _ => false,
                },
            };
            if sees {
                visible.push((order, record));
            }
        }
        Ok(visible)
    }

    pub(crate) async fn kpn_blocking(
        &self,
        conn: &mut Connection,
        subject: OrderSubject,
    ) -> KpnResult<Vec<BlockingOrder>> {
        let (kind, id) = match subject {
            OrderSubject::KpnItem(id) => ("kpn-item", id),
            OrderSubject::KpnContract(id) => ("kpn-contract", id),
            _ => return Ok(Vec::new()),
        };
        let now = self.now();
        Ok(repo::open_on(conn, kind, id)
            .await?
            .into_iter()
            .map(|(order, record)| BlockingOrder {
                id: order.id.as_str().parse().unwrap_or_default(),
                kpn_reference: record.kpn_reference.clone(),
                status: status_of(&order, &record, now).track(),
                kind: record.kind,
            })
            .collect())
    }

    pub async fn kpn_track_list(
        &self,
        principal: &Principal,
        kind: RequestKind,
        query: TrackQuery,
    ) -> KpnResult<(Vec<Tracked>, i64)> {
        let customer = self
            .kpn_customer(principal, privileges::TRACK_AND_TRACE)
            .await?;
        let mut wanted = Vec::new();
        for status in &query.statuses {
            for part in status.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                wanted.push(
                    TrackStatus::parse(&part.to_ascii_uppercase()).ok_or_else(|| {
                        invalid(
                            "status",
                            format!("must be among {}, got {part:?}", TrackStatus::values()),
                        )
                    })?,
                );
            }
        }
        let sorts = match kind {
            RequestKind::Order => ORDER_SORTS,
            RequestKind::ServiceRequest => REQUEST_SORTS,
        };
        let sort = parse_sort(query.sort_by.as_deref(), sorts)?;
        let direction = parse_order(query.order.as_deref())?;
        let now = self.now();
        let mut conn = self.store.read().await?;
        let all = repo::orders_of(&mut conn, &customer.org_number, Some(kind)).await?;
        let all = self.kpn_visible_orders(&mut conn, &customer, all).await?;
        drop(conn);
        let patterns: Vec<String> = query
            .patterns
            .iter()
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty())
            .collect();
        let actor = principal.actor().0;
        let mut tracked: Vec<Tracked> = all
            .into_iter()
            .map(|(order, record)| Tracked {
                status: status_of(&order, &record, now),
                order,
                record,
                approval: None,
            })
            .filter(|t| wanted.is_empty() || wanted.contains(&t.track_status()))
            .filter(|t| !query.current_user_only || t.order.created_by == actor)
            .filter(|t| {
                patterns.iter().all(|pattern| {
                    [
                        &t.record.context_name,
                        &t.record.reference_number,
                        &t.record.kpn_reference,
                        &t.order.id.as_str().to_owned(),
                    ]
                    .iter()
                    .any(|text| text.to_lowercase().contains(pattern))
                })
            })
            .collect();
        // Newest first unless sorted otherwise.
        match sort.as_deref() {
            Some("STATUS") => tracked.sort_by_key(|t| t.track_status().as_str()),
            Some("KPN_REFERENCE") => tracked.sort_by(|a, b| {
                a.order
                    .created_at
                    .cmp(&b.order.created_at)
                    .then(a.order.id.cmp(&b.order.id))
            }),
            Some("ORDERED_FOR") | Some("REQUEST_FOR") => {
                tracked.sort_by_key(|t| t.record.context_name.to_lowercase())
            }
            Some("CUSTOMER_REFERENCE") => {
                tracked.sort_by_key(|t| t.record.reference_number.to_lowercase())
            }
            Some("TYPE") => tracked.sort_by_key(|t| t.order.order_type.as_str()),
            Some("REQUEST_BY") => tracked.sort_by_key(|t| t.record.ordered_by.clone()),
            _ => tracked.sort_by(|a, b| {
                a.order
                    .created_at
                    .cmp(&b.order.created_at)
                    .then(a.order.id.cmp(&b.order.id))
            }),
        }
        let descending = direction == sentral_domain::kpn::SortOrder::Desc
            || (sort.is_none() && query.order.is_none());
        if descending {
            tracked.reverse();
        }
        let total = tracked.len() as i64;
        Ok((query.page.slice(&tracked), total))
    }

    pub async fn kpn_tracked(
        &self,
        principal: &Principal,
        kind: RequestKind,
        id: &str,
    ) -> KpnResult<Tracked> {
        let customer = self
            .kpn_customer(principal, privileges::TRACK_AND_TRACE)
            .await?;
        let id = parse_id(id)?;
        let mut conn = self.store.read().await?;
        let found = repo::order(&mut conn, &customer.org_number, id.as_str()).await?;
        let not_found = || {
            KpnFailure::OrderNotFound(format!(
                "{} {id} does not exist or is not visible to you",
                match kind {
                    RequestKind::Order => "order",
                    RequestKind::ServiceRequest => "service request",
                }
            ))
        };
        let (order, record) = found
            .filter(|(_, record)| record.kind == kind)
            .ok_or_else(not_found)?;
        let visible = self
            .kpn_visible_orders(&mut conn, &customer, vec![(order, record)])
            .await?;
        let (order, record) = visible.into_iter().next().ok_or_else(not_found)?;
        let status = status_of(&order, &record, self.now());
        let approval = self.kpn_approval(&mut conn, id.as_str()).await?;
        Ok(Tracked {
            order,
            record,
            status,
            approval,
        })
    }

    /// Cancels an open order: the conditional update that completes orders decides, so a
    /// cancelled order's change is never applied.
    pub async fn kpn_cancel(
        &self,
        principal: &Principal,
        kind: RequestKind,
        id: &str,
        note: Option<String>,
    ) -> KpnResult<()> {
        let tracked = self.kpn_tracked(principal, kind, id).await?;
        let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
            return Err(invalid("note", "is at most 500 characters"));
        }
        let not_open = || {
            KpnFailure::OperationNotPossible(format!(
                "{} {} is {} and can no longer be cancelled",
                kind.as_str().to_lowercase().replace('_', " "),
                tracked.order.id,
                tracked.track_status()
            ))
        };
        if !tracked.cancellable() {
            return Err(not_open().into());
        }
        let now = self.now();
        let mut tx = self.store.write().await?;
        let cancelled = engine_repo::finish_order(
            &mut tx,
            &tracked.order.id,
            OrderStatus::Canceled,
            note.as_deref().or(Some("canceled")),
            None,
            now,
        )
        .await?;
        if !cancelled {
            return Err(not_open().into());
        }
        repo::set_note(&mut tx, tracked.order.id.as_str(), note.as_deref()).await?;
        // A cancelled basket order leaves no ORDERED (or PENDING) contract behind.
        super::basket::cancelled(&mut tx, &tracked.record, now).await?;
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "kpn.order.cancel",
            tracked.order.id.as_str(),
            serde_json::json!({"note": note}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `getOverviewUsingGET`: the customer's orders and service requests counted by status.
    pub async fn kpn_track_overview(
        &self,
        principal: &Principal,
    ) -> KpnResult<Vec<(&'static str, i64)>> {
        let customer = self
            .kpn_customer(principal, privileges::TRACK_AND_TRACE)
            .await?;
        let now = self.now();
        let mut conn = self.store.read().await?;
        let all = repo::orders_of(&mut conn, &customer.org_number, None).await?;
        let all = self.kpn_visible_orders(&mut conn, &customer, all).await?;
        Ok(TrackStatus::ALL
            .iter()
            .map(|status| {
                let count = all
                    .iter()
                    .filter(|(order, record)| status_of(order, record, now).track() == *status)
                    .count();
                (status.as_str(), count as i64)
            })
            .collect())
    }
}
