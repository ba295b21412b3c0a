//! Contracts (`rest-contract-controller`) and SIM block/unblock with the operations available
//! on a contract (`rest-block-sim-controller`, `rest-order-controller`).

use sentral_domain::corporate::{OrderSubject, OrderType};
use sentral_domain::kpn::{
    CONTRACT_FILTERS, CONTRACT_SORTS, Contract, ContractCategory, ContractState, HierarchyItem,
    KpnChange, Page, Receiver, RequestKind,
};
use sentral_store::kpn::contracts::{self as repo, ContractQuery, ContractRow};
use sentral_store::kpn::items;

use super::engine::NewOrder;
use super::query::{parse_filters, parse_order, parse_sort};
use super::track::BlockingOrder;
use super::{
    Customer, KpnFailure, KpnResult, OrderSummary, SIM_ORDER_SECONDS, Tree, invalid, privileges,
    reference_number,
};
use crate::{Platform, Principal};

/// The contract lists' parameters as sent (`CQ`).
#[derive(Debug, Clone, Default)]
pub struct ContractListQuery {
    pub category: Option<String>,
    pub filters: Option<String>,
    pub patterns: Vec<String>,
    pub sort_by: Option<String>,
    pub order: Option<String>,
    pub page: Page,
}

/// A contract with the hierarchy path of its holder (the holder last).
#[derive(Debug, Clone)]
pub struct ContractView {
    pub contract: Contract,
    pub path: Vec<HierarchyItem>,
}

/// `OperationsAvailability` of one contract: (name, enabled, visible) and the open orders.
#[derive(Debug, Clone)]
pub struct ContractOperations {
    pub contract_id: i64,
    pub operations: Vec<(&'static str, bool, bool)>,
    pub blocking: Vec<BlockingOrder>,
}

/// The contract lists' query `request` checked (a bad value is a 400 naming its parameter).
pub(crate) fn contract_query(
    owner_id: Option<i64>,
    request: &ContractListQuery,
) -> KpnResult<ContractQuery> {
    let category = match request.category.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            ContractCategory::parse(&text.to_ascii_uppercase()).ok_or_else(|| {
                invalid(
                    "category",
                    format!(
                        "must be one of {}, got {text:?}",
                        ContractCategory::values()
                    ),
                )
            })?,
        ),
    };
    Ok(ContractQuery {
        owner_id,
        category,
        filters: parse_filters(request.filters.as_deref(), CONTRACT_FILTERS)?,
        patterns: request.patterns.clone(),
        sort_by: parse_sort(request.sort_by.as_deref(), CONTRACT_SORTS)?,
        order: parse_order(request.order.as_deref())?,
        threshold: None,
        within: None,
    })
}

impl Platform {
    pub(crate) async fn kpn_contract_in(
        &self,
        customer: &Customer,
        id: i64,
    ) -> KpnResult<Contract> {
        let mut conn = self.store.read().await?;
        let contract = repo::contract(&mut conn, &customer.org_number, id).await?;
        let not_found = || {
            KpnFailure::ContractNotFound(format!(
                "contract {id} does not exist or is not visible to you"
            ))
        };
        let contract = contract.ok_or_else(not_found)?;
        if customer.scope.is_some()
            && !self
                .kpn_sees_holder(&mut conn, customer, contract.owner_id)
                .await?
        {
            return Err(not_found().into());
        }
        Ok(contract)
    }

    /// Whether the caller sees the holder of a contract (a subscriber or a debtor).
    pub(crate) async fn kpn_sees_holder(
        &self,
        conn: &mut sentral_store::Connection,
        customer: &Customer,
        owner_id: i64,
    ) -> KpnResult<bool> {
        if customer.scope.is_none() {
            return Ok(true);
        }
        let tree = Tree::new(items::groups(conn, &customer.org_number).await?);
        Ok(items::item(conn, &customer.org_number, owner_id)
            .await?
            .is_some_and(|owner| customer.sees(&tree, &owner)))
    }

    /// The groups whose contracts the caller sees (None: all of them).
    async fn kpn_contract_scope(&self, customer: &Customer) -> KpnResult<Option<Vec<i64>>> {
        if customer.scope.is_none() {
            return Ok(None);
        }
        let mut conn = self.store.read().await?;
        let tree = Tree::new(items::groups(&mut conn, &customer.org_number).await?);
        Ok(customer.visible_groups(&tree))
    }

    pub async fn kpn_contracts(
        &self,
        principal: &Principal,
        owner_id: Option<i64>,
        request: ContractListQuery,
    ) -> KpnResult<(Vec<ContractRow>, i64)> {
        let needs = if owner_id.is_some() {
            privileges::HIERARCHY_VIEW
        } else {
            privileges::CONTRACT_VIEW
        };
        let customer = self.kpn_customer(principal, needs).await?;
        if let Some(owner) = owner_id {
            self.kpn_subscriber_in(&customer, owner).await?;
        }
        let mut query = contract_query(owner_id, &request)?;
        query.within = self.kpn_contract_scope(&customer).await?;
        let mut conn = self.store.read().await?;
        Ok(repo::find_contracts(&mut conn, &customer.org_number, &query, request.page).await?)
    }

    /// `find_contracts` of `customer` under `query` (the threshold lists' entry).
    pub(crate) async fn kpn_contract_page(
        &self,
        customer: &Customer,
        query: &ContractQuery,
        page: Page,
    ) -> KpnResult<(Vec<ContractRow>, i64)> {
        let mut query = query.clone();
        query.within = self.kpn_contract_scope(customer).await?;
        let mut conn = self.store.read().await?;
        Ok(repo::find_contracts(&mut conn, &customer.org_number, &query, page).await?)
    }

    pub async fn kpn_contract(&self, principal: &Principal, id: i64) -> KpnResult<ContractView> {
        let customer = self
            .kpn_customer(principal, privileges::CONTRACT_VIEW)
            .await?;
        let contract = self.kpn_contract_in(&customer, id).await?;
        let mut conn = self.store.read().await?;
        let tree = Tree::new(items::groups(&mut conn, &customer.org_number).await?);
        let owner = items::item(&mut conn, &customer.org_number, contract.owner_id).await?;
        let mut path: Vec<HierarchyItem> = match &owner {
            Some(owner) => tree.path_of(owner.parent_id).into_iter().cloned().collect(),
            None => Vec::new(),
        };
        path.extend(owner);
        Ok(ContractView { contract, path })
    }

    /// `/contract/overview`: the customer's contracts counted by category, every category
    /// listed.
    pub async fn kpn_contract_overview(
        &self,
        principal: &Principal,
    ) -> KpnResult<Vec<(String, i64)>> {
        let customer = self
            .kpn_customer(principal, privileges::CONTRACT_VIEW)
            .await?;
        let mut conn = self.store.read().await?;
        let counts = match self.kpn_contract_scope(&customer).await? {
            None => repo::count_by_category(&mut conn, &customer.org_number).await?,
            // A portal user counts only the contracts it sees.
            Some(groups) => {
                let mut counts = Vec::new();
                for category in ContractCategory::ALL {
                    let query = ContractQuery {
                        category: Some(*category),
                        within: Some(groups.clone()),
                        ..ContractQuery::default()
                    };
                    let page = Page { from: 0, to: 0 };
                    let (_, n) =
                        repo::find_contracts(&mut conn, &customer.org_number, &query, page).await?;
                    counts.push((category.as_str().to_owned(), n));
                }
                counts
            }
        };
        Ok(["MOBILE", "FIXED", "FIXED_MOBILE", "HARDWARE", "OTHER"]
            .iter()
            .map(|category| {
                let n = counts
                    .iter()
                    .filter(|(c, _)| c == category)
                    .map(|(_, n)| *n)
                    .sum();
                (category.to_lowercase(), n)
            })
            .collect())
    }

    pub async fn kpn_contract_operations(
        &self,
        principal: &Principal,
        contract_id: Option<i64>,
    ) -> KpnResult<ContractOperations> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        let id = contract_id.ok_or_else(|| invalid("contractId", "is required"))?;
        let contract = self.kpn_contract_in(&customer, id).await?;
        let mut conn = self.store.read().await?;
        let blocking = self
            .kpn_blocking(&mut conn, OrderSubject::KpnContract(id))
            .await?;
        let free = blocking.is_empty() && !customer.settings.order_frozen;
        let mobile = contract.category == ContractCategory::Mobile;
        let fixed = contract.category == ContractCategory::Fixed;
        let fixed_mobile = contract.category == ContractCategory::FixedMobile;
        let active = contract.state == ContractState::Active;
        let blocked = contract.state == ContractState::Blocked;
        // Contract orders take an ACTIVE or BLOCKED contract; the basket modifies an active one.
        let orderable = free && super::contract_orders::takes_orders(contract.state);
        let numbered = mobile && contract.mobile_number.is_some();
        Ok(ContractOperations {
            contract_id: id,
            operations: vec![
                ("blockSim", free && mobile && active, mobile),
                ("unblockSim", free && mobile && blocked, mobile),
                ("replaceSim", orderable && mobile, mobile),
                ("modify", free && mobile && active, true),
                ("move", orderable, true),
                ("portOut", orderable && numbered, mobile),
                ("terminate", orderable, true),
                // Combining goes through the basket, which does not offer it (fixed_mobile.rs).
                ("combineFixedMobile", false, mobile || fixed),
                (
                    "separateFixedMobile",
                    free && fixed_mobile && active,
                    fixed_mobile,
                ),
            ],
            blocking,
        })
    }

    /// Blocks (`block`) or unblocks a contract's SIM: an order that sets the state on completion.
    pub async fn kpn_sim(
        &self,
        principal: &Principal,
        block: bool,
        contract_id: Option<i64>,
        reference: Option<String>,
    ) -> KpnResult<OrderSummary> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        let id = contract_id.ok_or_else(|| invalid("contractId", "is required"))?;
        let contract = self.kpn_contract_in(&customer, id).await?;
        Self::check_not_frozen(&customer)?;
        let reference = reference_number(reference.as_deref())?;
        let (wanted, operation) = if block {
            (ContractState::Active, "blockSim")
        } else {
            (ContractState::Blocked, "unblockSim")
        };
        if contract.category != ContractCategory::Mobile || contract.sim_card_number.is_none() {
            return Err(
                KpnFailure::OperationNotPossible(format!("contract {id} has no SIM card")).into(),
            );
        }
        if contract.state != wanted {
            return Err(KpnFailure::OperationNotPossible(format!(
                "{operation} needs a contract in state {}; contract {id} is {}",
                wanted.as_str(),
                contract.state.as_str()
            ))
            .into());
        }
        let mut tx = self.store.write().await?;
        self.refuse_if_open(
            &mut tx,
            OrderSubject::KpnContract(id),
            &format!("contract {id}"),
        )
        .await?;
        let owner = items::item(&mut tx, &customer.org_number, contract.owner_id).await?;
        let (receiver, context_name) = match owner.as_ref().and_then(|o| o.subscriber.as_ref()) {
            Some(data) => (
                super::subscribers::receiver(contract.owner_id, data, &customer),
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
        };
        let new = NewOrder {
            subject: OrderSubject::KpnContract(id),
            operation: if block {
                OrderType::BlockSim
            } else {
                OrderType::UnblockSim
            },
            kind: RequestKind::ServiceRequest,
            change: if block {
                KpnChange::BlockSim
            } else {
                KpnChange::UnblockSim
            },
            reference_number: reference,
            context_name,
            receiver,
            msisdn: contract.mobile_number.clone(),
            sim: contract.sim_card_number.clone(),
            starts_at: self.now(),
            seconds: SIM_ORDER_SECONDS,
        };
        self.commit_kpn_order(tx, principal, &customer, new).await
    }
}
