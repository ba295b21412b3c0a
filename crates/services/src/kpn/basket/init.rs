//! How a basket starts (the initialising keys of `BasketChange`): a new contract for a
//! subscriber or debtor, a reactivation, a modify of a contract (its products contracted), a
//! combination of a fixed and a mobile contract (not offered), or a template to edit.

use sentral_domain::kpn::contracting::{BasketMode, BasketState};
use sentral_domain::kpn::{ContractCategory, ContractItemNode, ContractState, ItemKind, Privilege};
use sentral_store::Connection;
use sentral_store::kpn::contracting::templates as template_repo;
use sentral_store::kpn::{contracts, items, orders as order_repo};

use super::catalogue::Catalogue;
use super::sessions::BasketChangeInput;
use super::templates;
use crate::kpn::{Customer, KpnFailure, KpnResult, invalid, item_not_found};
use crate::{Platform, Principal};

/// The catalogue nodes a contract's items are (by bsId), with their amounts.
pub(crate) fn contracted_nodes(
    catalogue: &Catalogue,
    items: &[ContractItemNode],
) -> std::collections::BTreeMap<String, i64> {
    let mut found = std::collections::BTreeMap::new();
    let mut stack: Vec<&ContractItemNode> = items.iter().collect();
    while let Some(item) = stack.pop() {
        if let Some(node) = catalogue.by_bs_id(item.product_bs_id) {
            *found.entry(node.id.clone()).or_insert(0) += 1;
        }
        stack.extend(item.children.iter());
    }
    found
}

impl Platform {
    /// The state a basket starts in for an initialising change.
    pub(super) async fn initial_state(
        &self,
        conn: &mut Connection,
        customer: &Customer,
        principal: &Principal,
        catalogue: &Catalogue,
        change: &BasketChangeInput,
    ) -> KpnResult<BasketState> {
        let ways = [
            change.account_group_id.is_some(),
            change.contract_id.is_some(),
            change.fixed_contract_id.is_some() || change.mobile_contract_id.is_some(),
            change.template_id_to_modify.is_some(),
        ];
        if ways.iter().filter(|w| **w).count() > 1 {
            return Err(invalid(
                "contractId",
                "give one of accountGroupId (with orderId to reactivate), contractId, \
                 fixedContractId with mobileContractId, templateIdToModify",
            ));
        }
        if change.order_id.is_some() && change.account_group_id.is_none() {
            return Err(invalid("orderId", "reactivating needs accountGroupId too"));
        }
        let org = &customer.org_number;
        if let Some(id) = change.contract_id {
            let contract = contracts::contract(conn, org, id).await?.ok_or_else(|| {
                KpnFailure::ContractNotFound(format!(
                    "contract {id} does not exist or is not visible to you"
                ))
            })?;
            if contract.category != ContractCategory::Mobile
                || contract.state != ContractState::Active
            {
                return Err(KpnFailure::OperationNotPossible(format!(
                    "contract {id} ({} {}) cannot be modified; only an ACTIVE mobile contract can",
                    contract.category, contract.state
                ))
                .into());
            }
            let mut state = BasketState::new(BasketMode::Modify {
                contract_id: id,
                owner_id: contract.owner_id,
            });
            state.contracted = contracted_nodes(catalogue, &contract.items);
            state.selected = state.contracted.clone();
            return Ok(state);
        }
        if change.fixed_contract_id.is_some() || change.mobile_contract_id.is_some() {
            let (Some(fixed), Some(mobile)) = (change.fixed_contract_id, change.mobile_contract_id)
            else {
                let missing = if change.fixed_contract_id.is_none() {
                    "fixedContractId"
                } else {
                    "mobileContractId"
                };
                return Err(invalid(
                    missing,
                    "combining needs both fixedContractId and mobileContractId",
                ));
            };
            for (id, category) in [
                (fixed, ContractCategory::Fixed),
                (mobile, ContractCategory::Mobile),
            ] {
                let contract = contracts::contract(conn, org, id).await?.ok_or_else(|| {
                    KpnFailure::ContractNotFound(format!(
                        "contract {id} does not exist or is not visible to you"
                    ))
                })?;
                if contract.category != category {
                    return Err(KpnFailure::OperationNotPossible(format!(
                        "contract {id} is a {} contract, not a {category} one; combining needs a fixed and a mobile contract",
                        contract.category
                    ))
                    .into());
                }
            }
            return Err(KpnFailure::OperationNotPossible(
                "combining fixed and mobile contracts is not offered to this customer".into(),
            )
            .into());
        }
        if let Some(id) = change.template_id_to_modify {
            self.kpn_require(principal, &[Privilege::PortfolioAndProfilesManagement])
                .await?;
            let template = template_repo::template(conn, org, id)
                .await?
                .ok_or_else(|| templates::not_found(id))?;
            let mut state = BasketState::new(BasketMode::Template { template_id: id });
            state.selected = template.content.selected.clone();
            state.characteristics = template.content.characteristics.clone();
            state.template_id = Some(id);
            return Ok(state);
        }
        let Some(account) = change.account_group_id else {
            return Ok(BasketState::new(BasketMode::Empty));
        };
        let item = items::item(conn, org, account)
            .await?
            .ok_or_else(|| item_not_found(account))?;
        if !matches!(item.kind, ItemKind::Subscriber | ItemKind::Debtor) {
            return Err(KpnFailure::WrongGroupType(format!(
                "accountGroupId {account} is a {}; a contract is made for a SUBSCRIBER or a DEBTOR",
                item.kind
            ))
            .into());
        }
        let Some(order_id) = change.order_id else {
            return Ok(BasketState::new(BasketMode::New {
                account_id: account,
            }));
        };
        let (order, record) = order_repo::order(conn, org, &order_id.to_string())
            .await?
            .ok_or_else(|| {
                KpnFailure::OrderNotFound(format!(
                    "order {order_id} does not exist or is not visible to you"
                ))
            })?;
        if order.order_type != sentral_domain::corporate::OrderType::TerminateContract {
            return Err(KpnFailure::OperationNotPossible(format!(
                "order {order_id} is a {} order; reactivating needs the order that terminated the contract",
                order.order_type
            ))
            .into());
        }
        if order.status != sentral_domain::corporate::OrderStatus::Completed {
            return Err(KpnFailure::OperationNotPossible(format!(
                "termination order {order_id} has not finished; a contract is reactivated once it is terminated"
            ))
            .into());
        }
        Ok(BasketState::new(BasketMode::Reactivate {
            account_id: account,
            order_id,
            previous_number: record.msisdn,
        }))
    }
}
