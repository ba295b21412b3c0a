//! KPN contract orders: terminate (with its fee and first free date), replace SIM, move, port
//! out, and the authorisation of orders waiting for it. Each is a service request on the shared
//! engine on the contract, finished after `CONTRACT_ORDER_SECONDS` or at its wish date.

mod authorize;
mod movement;
mod sim;
mod terminate;

use sentral_domain::Timestamp;
use sentral_domain::corporate::{Order, OrderSubject, OrderType};
use sentral_domain::kpn::contract_orders::ContractOrderChange;
use sentral_domain::kpn::{
    Contract, ContractState, ItemKind, KpnChange, KpnOrderRecord, Receiver, RequestKind,
};
use sentral_store::Connection;
use sentral_store::kpn::contract_orders as repo;
use sentral_store::kpn::{contracts, items};

use super::engine::NewOrder;
use super::{Customer, KpnFailure, KpnResult, OrderSummary, invalid, privileges};
use crate::{Platform, Principal, ServiceError};

pub use authorize::Approval;
pub use movement::MoveContractRequest;
pub use sim::ReplaceSimRequest;
pub use terminate::{plus_months, term_end, termination_fee, whole_months_between};

/// Seconds a contract order takes on the sandbox clock (KPN.md decision 1).
pub const CONTRACT_ORDER_SECONDS: i64 = 60;

/// A contract order as asked: the contract, the caller's reference and wish date.
#[derive(Debug, Clone, Default)]
pub struct ContractOrderRequest {
    pub contract_id: Option<i64>,
    pub reference_number: Option<String>,
    pub wish_date: Option<String>,
}

impl Platform {
    /// The caller's customer (ordering privileges) and its contract `id` (404
    /// CONTRACT_NOT_FOUND when it is another customer's or none); `ordering` refuses a frozen
    /// customer first, whatever the contract (KPN.md decision 6).
    async fn contract_for_order(
        &self,
        principal: &Principal,
        contract_id: Option<i64>,
        ordering: bool,
    ) -> KpnResult<(Customer, Contract)> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        if ordering {
            Self::check_not_frozen(&customer)?;
        }
        let id = contract_id.ok_or_else(|| invalid("contractId", "is required"))?;
        let mut conn = self.store.read().await?;
        let contract = contracts::contract(&mut conn, &customer.org_number, id)
            .await?
            .ok_or_else(|| contract_not_found(id))?;
        if !self
            .kpn_sees_holder(&mut conn, &customer, contract.owner_id)
            .await?
        {
            return Err(contract_not_found(id).into());
        }
        Ok((customer, contract))
    }

    /// Places contract order `change` on `contract` in one transaction: refused while another
    /// order on the contract is open; `starts_at` is the wish date.
    #[allow(clippy::too_many_arguments)]
    async fn place_contract_order(
        &self,
        principal: &Principal,
        customer: &Customer,
        contract: &Contract,
        operation: OrderType,
        mut change: ContractOrderChange,
        reference_number: Option<String>,
        starts_at: Timestamp,
    ) -> KpnResult<OrderSummary> {
        let mut tx = self.store.write().await?;
        self.refuse_if_open(
            &mut tx,
            OrderSubject::KpnContract(contract.id),
            &format!("contract {}", contract.id),
        )
        .await?;
        // An eSIM's numbers come from its counter in the order's own transaction.
        if let ContractOrderChange::ReplaceSim {
            sim_card_number,
            esim: Some(esim),
        } = &mut change
            && sim_card_number.is_empty()
        {
            let (iccid, eid) = sim::new_esim(&mut tx).await?;
            *sim_card_number = iccid;
            esim.eid = eid;
        }
        let (receiver, context_name) = receiver_of(&mut tx, customer, contract).await?;
        let new = NewOrder {
            subject: OrderSubject::KpnContract(contract.id),
            operation,
            kind: RequestKind::ServiceRequest,
            change: KpnChange::ContractOrder(change),
            reference_number,
            context_name,
            receiver,
            msisdn: contract.mobile_number.clone(),
            sim: contract.sim_card_number.clone(),
            starts_at,
            seconds: CONTRACT_ORDER_SECONDS,
        };
        self.commit_kpn_order(tx, principal, customer, new).await
    }
}

pub(crate) fn contract_not_found(id: i64) -> KpnFailure {
    KpnFailure::ContractNotFound(format!(
        "contract {id} does not exist or is not visible to you"
    ))
}

/// Whether a contract in `state` takes contract orders: an ACTIVE or BLOCKED one (a blocked
/// SIM is what one replaces, and a lost phone's contract is terminated or ported out blocked).
pub(crate) fn takes_orders(state: ContractState) -> bool {
    matches!(state, ContractState::Active | ContractState::Blocked)
}

/// Refuses `operation` on a contract that is not ACTIVE or BLOCKED.
fn check_state(contract: &Contract, operation: &str) -> KpnResult<()> {
    if takes_orders(contract.state) {
        return Ok(());
    }
    Err(KpnFailure::OperationNotPossible(format!(
        "{operation} needs an ACTIVE or BLOCKED contract; contract {} is {}",
        contract.id,
        contract.state.as_str()
    ))
    .into())
}

/// Who a contract order is for: the subscriber holding the contract, or the customer for a
/// debtor's contract (then named by its product).
pub(crate) async fn receiver_of(
    conn: &mut Connection,
    customer: &Customer,
    contract: &Contract,
) -> KpnResult<(Receiver, String)> {
    let owner = items::item(conn, &customer.org_number, contract.owner_id).await?;
    Ok(match owner.as_ref().and_then(|o| o.subscriber.as_ref()) {
        Some(data) => (
            super::subscribers::receiver(contract.owner_id, data, customer),
            data.display_name(),
        ),
        None => (
            Receiver {
                id: Some(contract.owner_id),
                company_name: Some(customer.name.clone()),
                ..Receiver::default()
            },
            contract.product_en.clone(),
        ),
    })
}

/// What track & trace shows of a contract order's change, by the spec's attribute names.
pub fn attributes(change: &KpnChange) -> Vec<(&'static str, String)> {
    let KpnChange::ContractOrder(change) = change else {
        return Vec::new();
    };
    match change {
        ContractOrderChange::ReplaceSim {
            sim_card_number,
            esim,
        } => {
            let mut shown = vec![("newUiccId", sim_card_number.clone())];
            if let Some(esim) = esim {
                shown.push(("eid", esim.eid.clone()));
                shown.push(("eSimEmail", esim.email.clone()));
            }
            shown
        }
        ContractOrderChange::Move {
            destination_id,
            move_addon_bundles,
        } => vec![
            ("vGroupMovingToID", destination_id.to_string()),
            ("moveAddonBundles", move_addon_bundles.to_string()),
        ],
        ContractOrderChange::Terminate | ContractOrderChange::PortOut => Vec::new(),
    }
}

/// The SIM card a replace SIM order puts in.
pub fn new_sim(change: &KpnChange) -> Option<String> {
    match change {
        KpnChange::ContractOrder(ContractOrderChange::ReplaceSim {
            sim_card_number, ..
        }) => Some(sim_card_number.clone()),
        _ => None,
    }
}

/// Makes the change a contract order asks for, in the completing transaction; `Err(reason)`
/// when it can no longer be made.
pub(crate) async fn apply(
    conn: &mut Connection,
    order: &Order,
    _record: &KpnOrderRecord,
    change: &ContractOrderChange,
    at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    let OrderSubject::KpnContract(id) = order.subject else {
        return Ok(Err("a contract order's subject is a contract".into()));
    };
    let gone = || Err(format!("contract {id} no longer exists or is closed"));
    let done = match change {
        ContractOrderChange::Terminate => repo::close(conn, id, false, at).await?,
        ContractOrderChange::PortOut => repo::close(conn, id, true, at).await?,
        ContractOrderChange::ReplaceSim {
            sim_card_number, ..
        } => {
            if let Some(other) = repo::contract_with_sim(conn, sim_card_number, id).await? {
                return Ok(Err(format!(
                    "SIM card {sim_card_number} is in use on contract {other}"
                )));
            }
            repo::set_sim(conn, id, sim_card_number, at).await?
        }
        ContractOrderChange::Move { destination_id, .. } => {
            match items::item(conn, &order.org_number, *destination_id).await? {
                Some(item) if can_hold_contracts(item.kind) => {
                    repo::set_owner(conn, id, *destination_id, at).await?
                }
                _ => {
                    return Ok(Err(format!(
                        "subscriber or debtor {destination_id} no longer exists"
                    )));
                }
            }
        }
    };
    Ok(if done { Ok(None) } else { gone() })
}

/// A contract is held by a subscriber or a debtor.
pub(crate) fn can_hold_contracts(kind: ItemKind) -> bool {
    matches!(kind, ItemKind::Subscriber | ItemKind::Debtor)
}
