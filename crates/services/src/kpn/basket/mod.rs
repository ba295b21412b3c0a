//! KPN contracting: the stored product catalogue, basket sessions (KPN.md decision 5),
//! templates, and the order a committed basket becomes.

pub mod catalogue;
pub mod characteristics;
mod init;
pub mod order;
pub mod products;
mod reads;
pub mod rules;
pub mod seed;
mod seed_data;
pub mod sessions;
mod template_ops;
pub mod templates;
pub mod view;

use sentral_domain::Timestamp;
use sentral_domain::corporate::Order;
use sentral_domain::kpn::contracting::{ContractingChange, ContractingLine};
use sentral_domain::kpn::{ContractItemNode, ContractState, KpnChange, KpnOrderRecord};
use sentral_store::Connection;
use sentral_store::kpn::contracting::{lifecycle, numbers};

use crate::ServiceError;

/// A contract's item tree from basket lines: each line under its parent line, the ids of items
/// the contract already had (by bsId, from `existing`) kept.
pub(crate) fn contract_items(
    contract_id: i64,
    lines: &[ContractingLine],
    existing: &[ContractItemNode],
) -> Vec<ContractItemNode> {
    let mut known = std::collections::HashMap::new();
    let mut stack: Vec<&ContractItemNode> = existing.iter().collect();
    while let Some(item) = stack.pop() {
        known.insert(item.product_bs_id, (item.id, item.citem_bs_id));
        stack.extend(item.children.iter());
    }
    fn below(
        contract_id: i64,
        lines: &[ContractingLine],
        parent: Option<&str>,
        known: &std::collections::HashMap<i64, (i64, i64)>,
    ) -> Vec<ContractItemNode> {
        lines
            .iter()
            .enumerate()
            .filter(|(_, line)| line.parent_node_id.as_deref() == parent)
            .map(|(index, line)| {
                let (id, citem) = known.get(&line.bs_id).copied().unwrap_or_else(|| {
                    let id = contract_id * 1000 + index as i64 + 1;
                    (id, 880_000 + id)
                });
                ContractItemNode {
                    id,
                    citem_bs_id: citem,
                    product_bs_id: line.bs_id,
                    tariff_plan_variant_bs_id: Some(41_000 + line.bs_id % 100),
                    name_en: line.name_en.clone(),
                    name_nl: line.name_nl.clone(),
                    children: below(contract_id, lines, Some(&line.node_id), known),
                }
            })
            .collect()
    }
    below(contract_id, lines, None, &known)
}

/// Undoes what ordering did to the contract: a new one goes (its number back to the pool), a
/// modified one gets its state back. For an order that is cancelled or fails.
pub(crate) async fn undo(
    conn: &mut Connection,
    change: &ContractingChange,
    at: Timestamp,
) -> Result<(), ServiceError> {
    match change {
        ContractingChange::NewContract(order) => {
            lifecycle::delete_ordered(conn, order.contract_id).await?;
            numbers::release_numbers_of(conn, order.contract_id).await?;
        }
        ContractingChange::ModifyContract(order) => {
            let state = order
                .previous_state
                .as_deref()
                .and_then(ContractState::parse)
                .unwrap_or(ContractState::Active);
            lifecycle::restore_state(conn, order.contract_id, state, at).await?;
        }
    }
    Ok(())
}

/// The track & trace cancel hook: a cancelled basket order leaves no ORDERED contract behind.
pub(crate) async fn cancelled(
    conn: &mut Connection,
    record: &KpnOrderRecord,
    at: Timestamp,
) -> Result<(), ServiceError> {
    if let KpnChange::Contracting(change) = &record.change {
        undo(conn, change, at).await?;
    }
    Ok(())
}

/// Makes the change a committed basket asks for, in the completing transaction; `Err(reason)`
/// when it can no longer be made (then the contract is undone as for a cancel).
pub(crate) async fn apply(
    conn: &mut Connection,
    order: &Order,
    _record: &KpnOrderRecord,
    change: &ContractingChange,
    at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    let contracting = change.order();
    let id = contracting.contract_id;
    let Some(contract) =
        sentral_store::kpn::contracts::contract(conn, &order.org_number, id).await?
    else {
        return Ok(Err(format!("contract {id} no longer exists")));
    };
    let wanted = match change {
        ContractingChange::NewContract(_) => ContractState::Ordered,
        ContractingChange::ModifyContract(_) => ContractState::Pending,
    };
    if contract.state != wanted {
        undo(conn, change, at).await?;
        return Ok(Err(format!(
            "contract {id} is {} instead of {wanted}",
            contract.state
        )));
    }
    let items = contract_items(id, &contracting.lines, &contract.items);
    lifecycle::complete_contract(
        conn,
        id,
        ContractState::Active,
        &items,
        contracting.msisdn.as_deref(),
        contracting.sim_card_number.as_deref(),
        at,
    )
    .await?;
    if let ContractingChange::ModifyContract(_) = change {
        let monthly: i64 = contracting
            .lines
            .iter()
            .map(|line| line.prices.monthly_fee_in_cents * line.amount)
            .sum();
        let terms = sentral_store::kpn::contract_orders::contract_terms(conn, id)
            .await?
            .unwrap_or_default();
        sentral_store::kpn::contract_orders::set_contract_terms(
            conn,
            id,
            terms.term_months,
            monthly,
        )
        .await?;
    }
    Ok(Ok(None))
}
