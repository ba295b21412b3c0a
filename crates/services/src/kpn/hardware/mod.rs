//! Hardware of delivered orders (`rest-hardware-enrollment-controller`, return hardware): Apple
//! DEP and Samsung Knox enrolment, returns as service requests with their attachments.

mod label;
mod returns;

use sentral_domain::Timestamp;
use sentral_domain::corporate::{Order, OrderStatus, OrderSubject, OrderType};
use sentral_domain::kpn::contracting::ContractingOrder;
use sentral_domain::kpn::hardware::HardwareChange;
use sentral_domain::kpn::{ItemKind, KpnChange, KpnOrderRecord, RequestKind};
use sentral_store::Connection;
use sentral_store::kpn::hardware::{self as repo, DebtorEnrolmentIds};
use sentral_store::kpn::{items, orders as order_repo};

use super::contracting_orders::{OrderedHardware, hardware_of};
use super::engine::NewOrder;
use super::track::Tracked;
use super::{Customer, KpnFailure, KpnResult, OrderSummary, Tree, invalid, privileges};
use crate::{Platform, Principal, ServiceError};

pub use returns::{RETURN_REASONS, ReturnRequest, ReturnedRequest};

/// Seconds an enrolment or a return takes on the sandbox clock.
pub const HARDWARE_ORDER_SECONDS: i64 = 60;

/// The enrolment programmes of `registerAppleDepUsingPOST` and `registerSamsungKnoxUsingPOST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Programme {
    AppleDep,
    SamsungKnox,
}

impl Programme {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Programme::AppleDep => "APPLE_DEP",
            Programme::SamsungKnox => "SAMSUNG_KNOX",
        }
    }

    fn operation(self) -> OrderType {
        match self {
            Programme::AppleDep => OrderType::AppleDep,
            Programme::SamsungKnox => OrderType::SamsungKnox,
        }
    }

    /// The `DebtorDetails` field the debtor needs.
    fn id_field(self) -> &'static str {
        match self {
            Programme::AppleDep => "appleDepId",
            Programme::SamsungKnox => "samsungKnoxId",
        }
    }

    fn id_of(self, ids: &DebtorEnrolmentIds) -> Option<&str> {
        match self {
            Programme::AppleDep => ids.apple_dep_id.as_deref(),
            Programme::SamsungKnox => ids.samsung_knox_id.as_deref(),
        }
    }
}

/// A delivered basket order of the customer and its hardware.
pub(crate) struct Delivered {
    pub order: Order,
    pub record: KpnOrderRecord,
    pub contracting: ContractingOrder,
    pub hardware: Vec<OrderedHardware>,
}

fn order_not_found(id: i64) -> KpnFailure {
    KpnFailure::OrderNotFound(format!(
        "order {id} does not exist or is not visible to you"
    ))
}

/// The customer's basket order `order_id` (404 ORDER_NOT_FOUND otherwise) with its hardware.
pub(crate) async fn basket_order(
    conn: &mut Connection,
    customer: &Customer,
    order_id: i64,
) -> KpnResult<Delivered> {
    let (order, record) = order_repo::order(conn, &customer.org_number, &order_id.to_string())
        .await?
        .filter(|(_, record)| record.kind == RequestKind::Order)
        .ok_or_else(|| order_not_found(order_id))?;
    let KpnChange::Contracting(change) = &record.change else {
        return Err(KpnFailure::OperationNotPossible(format!(
            "order {order_id} is a {} order, not a basket order that delivers hardware",
            order.order_type.as_str()
        ))
        .into());
    };
    let contracting = change.order().clone();
    let hardware = hardware_of(conn, &customer.org_number, &order, &record).await?;
    Ok(Delivered {
        order,
        record,
        contracting,
        hardware,
    })
}

/// As `basket_order`, refused unless it is delivered (finished) with hardware.
pub(crate) async fn delivered_order(
    conn: &mut Connection,
    customer: &Customer,
    order_id: Option<i64>,
) -> KpnResult<Delivered> {
    let id = order_id.ok_or_else(|| invalid("orderId", "is required"))?;
    let delivered = basket_order(conn, customer, id).await?;
    if delivered.hardware.is_empty() {
        return Err(
            KpnFailure::OperationNotPossible(format!("order {id} delivers no hardware")).into(),
        );
    }
    if delivered.order.status != OrderStatus::Completed {
        return Err(KpnFailure::OperationNotPossible(format!(
            "order {id} is not delivered yet; its hardware can be enrolled or returned once it is CLOSED"
        ))
        .into());
    }
    Ok(delivered)
}

/// The debtor billed for a contract owned by `owner_id`, with its enrolment ids.
async fn debtor_of_owner(
    conn: &mut Connection,
    org_number: &sentral_domain::OrgNumber,
    owner_id: i64,
) -> KpnResult<Option<(sentral_domain::kpn::HierarchyItem, DebtorEnrolmentIds)>> {
    let tree = Tree::new(items::groups(conn, org_number).await?);
    let start = match items::item(conn, org_number, owner_id).await? {
        Some(item) if item.kind == ItemKind::Subscriber => item.parent_id,
        Some(item) => Some(item.id),
        None => None,
    };
    let Some(debtor) = start.and_then(|id| tree.debtor_of(id)) else {
        return Ok(None);
    };
    let Some(item) = tree.group(debtor).cloned() else {
        return Ok(None);
    };
    let ids = repo::debtor_enrolment_ids(conn, debtor).await?;
    Ok(Some((item, ids)))
}

/// The open orders of `operation` on contract `contract_id` for delivered order `delivered`.
async fn open_hardware_orders(
    conn: &mut Connection,
    contract_id: i64,
    operation: OrderType,
    delivered: i64,
) -> KpnResult<Vec<Order>> {
    Ok(order_repo::open_on(conn, "kpn-contract", contract_id)
        .await?
        .into_iter()
        .filter(|(order, record)| {
            order.order_type == operation
                && matches!(&record.change, KpnChange::Hardware(change) if delivered_id(change) == delivered)
        })
        .map(|(order, _)| order)
        .collect())
}

fn delivered_id(change: &HardwareChange) -> i64 {
    match change {
        HardwareChange::AppleDep { order_id }
        | HardwareChange::SamsungKnox { order_id }
        | HardwareChange::Return { order_id, .. } => *order_id,
    }
}

/// What track & trace shows of a basket order's hardware (`OrderDetails1`'s flags and ids).
#[derive(Debug, Clone, Default)]
pub struct HardwareState {
    /// (enabled, visible)
    pub return_hardware: (bool, bool),
    pub apple_dep_enrollment: (bool, bool),
    pub samsung_knox_enrollment: (bool, bool),
    /// The debtor's ids once the order's devices are enrolled.
    pub apple_dep_id: Option<String>,
    pub samsung_knox_id: Option<String>,
}

impl Platform {
    /// `registerAppleDepUsingPOST` / `registerSamsungKnoxUsingPOST`: a service request that
    /// enrols the devices of delivered order `orderId` under the debtor's DEP / Knox id.
    pub async fn kpn_enrol_hardware(
        &self,
        principal: &Principal,
        programme: Programme,
        order_id: Option<i64>,
        reference: Option<String>,
    ) -> KpnResult<OrderSummary> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        Self::check_not_frozen(&customer)?;
        let reference = super::reference_number(reference.as_deref())?;
        let mut tx = self.store.write().await?;
        let delivered = delivered_order(&mut tx, &customer, order_id).await?;
        let id = delivered
            .order
            .id
            .as_str()
            .parse::<i64>()
            .unwrap_or_default();
        let (debtor, ids) = debtor_of_owner(
            &mut tx,
            &customer.org_number,
            delivered.contracting.owner_id,
        )
        .await?
        .ok_or_else(|| {
            KpnFailure::OperationNotPossible(format!(
                "order {id} is billed to no debtor, so it has no {}",
                programme.id_field()
            ))
        })?;
        if programme.id_of(&ids).is_none() {
            return Err(KpnFailure::OperationNotPossible(format!(
                "debtor {} ({}) has no {}: ask KPN to register it before enrolling devices",
                debtor.name,
                debtor.id,
                programme.id_field()
            ))
            .into());
        }
        let enrolled = repo::enrolments(&mut tx, delivered.order.id.as_str()).await?;
        if enrolled.iter().any(|p| p == programme.as_str()) {
            return Err(KpnFailure::OperationNotPossible(format!(
                "the devices of order {id} are already enrolled ({})",
                programme.as_str()
            ))
            .into());
        }
        let contract_id = delivered.contracting.contract_id;
        let open = open_hardware_orders(&mut tx, contract_id, programme.operation(), id).await?;
        if let Some(open) = open.first() {
            return Err(KpnFailure::OperationNotPossible(format!(
                "order {} already enrols the devices of order {id}",
                open.id
            ))
            .into());
        }
        let change = match programme {
            Programme::AppleDep => HardwareChange::AppleDep { order_id: id },
            Programme::SamsungKnox => HardwareChange::SamsungKnox { order_id: id },
        };
        let new = NewOrder {
            subject: OrderSubject::KpnContract(contract_id),
            operation: programme.operation(),
            kind: RequestKind::ServiceRequest,
            change: KpnChange::Hardware(change),
            reference_number: reference,
            context_name: delivered.record.context_name.clone(),
            receiver: delivered.record.receiver.clone(),
            msisdn: delivered.record.msisdn.clone(),
            sim: None,
            starts_at: self.now(),
            seconds: HARDWARE_ORDER_SECONDS,
        };
        self.commit_kpn_order(tx, principal, &customer, new).await
    }

    /// The hardware flags and ids of a tracked basket order (none for other orders).
    pub async fn kpn_hardware_state(&self, tracked: &Tracked) -> KpnResult<Option<HardwareState>> {
        let KpnChange::Contracting(change) = &tracked.record.change else {
            return Ok(None);
        };
        if !change.order().lines.iter().any(|line| line.hardware) {
            return Ok(None);
        }
        let mut conn = self.store.read().await?;
        let org = &tracked.order.org_number;
        let Some(settings) = sentral_store::kpn::customers::customer(&mut conn, org).await? else {
            return Ok(None);
        };
        let hardware = hardware_of(&mut conn, org, &tracked.order, &tracked.record).await?;
        let contracting = change.order();
        let debtor = debtor_of_owner(&mut conn, org, contracting.owner_id).await?;
        let ids = debtor.map(|(_, ids)| ids).unwrap_or_default();
        let enrolled = repo::enrolments(&mut conn, tracked.order.id.as_str()).await?;
        let id: i64 = tracked.order.id.as_str().parse().unwrap_or_default();
        let delivered = tracked.order.status == OrderStatus::Completed && !settings.order_frozen;
        let devices = hardware
            .iter()
            .any(|h| h.imei.is_some() || !h.line.name_en.to_lowercase().contains("sim"));
        let mut state = HardwareState {
            return_hardware: (
                delivered && hardware.iter().any(|h| h.item.is_some() && !h.returned),
                !hardware.is_empty(),
            ),
            ..HardwareState::default()
        };
        for programme in [Programme::AppleDep, Programme::SamsungKnox] {
            let done = enrolled.iter().any(|p| p == programme.as_str());
            let open = !open_hardware_orders(
                &mut conn,
                contracting.contract_id,
                programme.operation(),
                id,
            )
            .await?
            .is_empty();
            let has_id = programme.id_of(&ids).is_some();
            let flags = (delivered && has_id && !done && !open, devices);
            let shown = done.then(|| programme.id_of(&ids).unwrap_or_default().to_owned());
            match programme {
                Programme::AppleDep => {
                    state.apple_dep_enrollment = flags;
                    state.apple_dep_id = shown;
                }
                Programme::SamsungKnox => {
                    state.samsung_knox_enrollment = flags;
                    state.samsung_knox_id = shown;
                }
            }
        }
        Ok(Some(state))
    }

    /// A debtor's Apple DEP and Samsung Knox ids (`DebtorDetails`).
    pub async fn kpn_debtor_enrolment_ids(&self, debtor_id: i64) -> KpnResult<DebtorEnrolmentIds> {
        let mut conn = self.store.read().await?;
        Ok(repo::debtor_enrolment_ids(&mut conn, debtor_id).await?)
    }
}

/// Makes the change of a finished hardware order.
pub(crate) async fn apply(
    conn: &mut Connection,
    order: &Order,
    _record: &KpnOrderRecord,
    change: &HardwareChange,
    at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    let programme = match change {
        HardwareChange::AppleDep { .. } => Programme::AppleDep,
        HardwareChange::SamsungKnox { .. } => Programme::SamsungKnox,
        // The items were taken back when the return was accepted; it closes as it is.
        HardwareChange::Return { .. } => return Ok(Ok(None)),
    };
    let delivered = delivered_id(change).to_string();
    Ok(
        if repo::insert_enrolment(conn, &delivered, programme.as_str(), order.id.as_str(), at)
            .await?
        {
            Ok(None)
        } else {
            Err(format!(
                "the devices of order {delivered} are already enrolled ({})",
                programme.as_str()
            ))
        },
    )
}

/// The demo debtors' enrolment ids: the first debtor has both, the others none.
pub(crate) async fn seed_demo_enrolment_ids(
    tx: &mut Connection,
    org_number: &sentral_domain::OrgNumber,
) -> KpnResult<()> {
    let debtors: Vec<_> = items::groups(tx, org_number)
        .await?
        .into_iter()
        .filter(|item| item.kind == ItemKind::Debtor)
        .collect();
    if let Some(first) = debtors.first() {
        let ids = DebtorEnrolmentIds {
            apple_dep_id: Some(format!("DEP{:07}", first.id % 10_000_000)),
            samsung_knox_id: Some(format!("KNOX-{:06}", first.id % 1_000_000)),
        };
        repo::set_debtor_enrolment_ids(tx, first.id, &ids).await?;
    }
    Ok(())
}
