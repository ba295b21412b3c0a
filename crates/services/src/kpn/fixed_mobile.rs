//! Fixed-mobile integration (`rest-separate-fixed-mobile-controller`, `/contract/id/{id}/vamo/…`).
//!
//! Decisions on what the spec leaves open:
//! - `…/vamo/fixed-numbers` of a MOBILE contract lists the customer's FIXED contracts, and
//!   `…/vamo/mobile-numbers` of a FIXED contract its MOBILE contracts (asked of another category:
//!   400 OPERATION_NOT_POSSIBLE). Every one is listed; `operation.blocked` (with its reason and
//!   open orders) says whether it can be combined now: only an ACTIVE contract without an open
//!   order can. Their `filters` take the spec's columns of both lists (the contract columns
//!   without IMEI).
//! - Separating is an order (`separateFixedMobile`, 60 s like other contract orders) on an
//!   ACTIVE FIXED_MOBILE contract: when it finishes the contract keeps its id, number and SIM as
//!   the MOBILE part, and its fixed number moves to a new FIXED contract of the same holder.
//! - Combining goes through the basket (`{fixedContractId, mobileContractId}`), which does not
//!   offer it: `combineFixedMobile` is visible on MOBILE and FIXED contracts, never enabled.

use sentral_domain::Timestamp;
use sentral_domain::corporate::{Order, OrderSubject, OrderType};
use sentral_domain::kpn::fixed_mobile::FixedMobileChange;
use sentral_domain::kpn::{
    Contract, ContractCategory, ContractItemNode, ContractState, KpnChange, KpnOrderRecord,
    RequestKind,
};
use sentral_store::Connection;
use sentral_store::kpn::contracts::{self as repo, ContractRow};

use super::contract_orders::{CONTRACT_ORDER_SECONDS, contract_not_found};
use super::contracts::{ContractListQuery, contract_query};
use super::engine::NewOrder;
use super::query::parse_filters;
use super::track::BlockingOrder;
use super::{KpnFailure, KpnResult, OrderSummary, invalid, privileges, reference_number};
use crate::{Platform, Principal, ServiceError};

/// The `filters` columns of the merge lists.
pub const MERGE_FILTERS: &[&str] = &[
    "FIRSTNAME",
    "LASTNAME",
    "SURNAME_PREFIX",
    "PRODUCT_NAME",
    "PRODUCT_CATEGORY",
    "MOBILE_NUMBER",
    "FIXED_NUMBER",
    "STATE",
    "EXTENSION",
    "SIM_CARD_NUMBER",
];

/// The product of a fixed line.
pub const FIXED_PRODUCT: (&str, &str, &str) = (
    "Business Fixed Line",
    "Zakelijk Vast Bellen",
    "Fixed telephony",
);
/// The product of a fixed-mobile integration.
pub const FIXED_MOBILE_PRODUCT: (&str, &str, &str) = (
    "Fixed-Mobile Integration",
    "Vast-Mobiel Integratie",
    "Fixed-mobile subscriptions",
);

/// A contract a contract could be combined with, and why not now.
#[derive(Debug, Clone)]
pub struct MergeCandidate {
    pub row: ContractRow,
    pub blocked: Option<String>,
    pub blocking: Vec<BlockingOrder>,
}

/// A fixed line's item tree.
fn fixed_items(contract_id: i64) -> Vec<ContractItemNode> {
    let base = contract_id * 10;
    vec![ContractItemNode {
        id: base + 1,
        citem_bs_id: 880_000 + base + 1,
        product_bs_id: 3001,
        tariff_plan_variant_bs_id: Some(43_001),
        name_en: FIXED_PRODUCT.0.into(),
        name_nl: FIXED_PRODUCT.1.into(),
        children: Vec::new(),
    }]
}

/// A contract of `category` held by `owner_id`, as the demo and a separation make them.
#[allow(clippy::too_many_arguments)]
fn contract(
    id: i64,
    owner_id: i64,
    category: ContractCategory,
    mobile: Option<String>,
    fixed: Option<String>,
    sim: Option<String>,
    start_at: Timestamp,
) -> Contract {
    let (en, nl, product_category) = match category {
        ContractCategory::FixedMobile => FIXED_MOBILE_PRODUCT,
        _ => FIXED_PRODUCT,
    };
    let mut items = fixed_items(id);
    if category == ContractCategory::FixedMobile {
        items = super::demo::mobile_items(id);
        items[0].name_en = en.into();
        items[0].name_nl = nl.into();
    }
    Contract {
        id,
        owner_id,
        category,
        product_category: product_category.into(),
        product_en: en.into(),
        product_nl: nl.into(),
        state: ContractState::Active,
        mobile_number: mobile,
        fixed_number: fixed,
        sim_card_number: sim,
        imei: None,
        extension: None,
        sip_account: None,
        tariff_plan: None,
        pin: None,
        puk: None,
        start_at,
        status_changed_at: start_at,
        items,
    }
}

/// The demo's fixed lines (the fixed numbers of four subscribers that have one) and two
/// fixed-mobile integrations; answers their ids (fixed ones first).
pub(crate) async fn seed_demo_fixed_mobile(
    tx: &mut Connection,
    org_number: &sentral_domain::OrgNumber,
    subscribers: &[super::demo_orders::DemoSubscriber],
) -> KpnResult<(Vec<i64>, Vec<i64>)> {
    let start = Timestamp::from_millis(1_704_067_200_000);
    let mut fixed = Vec::new();
    for subscriber in subscribers
        .iter()
        .enumerate()
        .filter(|(index, _)| [15, 20, 25, 30].contains(index))
        .map(|(_, s)| s)
    {
        let Some(number) = subscriber.data.fixed_number.clone() else {
            continue;
        };
        let id = super::next_contract_id(tx).await?;
        let line = contract(
            id,
            subscriber.id,
            ContractCategory::Fixed,
            None,
            Some(number),
            None,
            start,
        );
        repo::insert_contract(tx, org_number, &line).await?;
        fixed.push(id);
    }
    let mut fixed_mobile = Vec::new();
    for (i, index) in [12usize, 13].into_iter().enumerate() {
        let Some(subscriber) = subscribers.get(index) else {
            continue;
        };
        let id = super::next_contract_id(tx).await?;
        let integration = contract(
            id,
            subscriber.id,
            ContractCategory::FixedMobile,
            Some(format!("3164000{:04}", i + 1)),
            Some(format!("3120600{:04}", i + 1)),
            Some(format!("893116{:013}", 4_100_000 + i)),
            start,
        );
        repo::insert_contract(tx, org_number, &integration).await?;
        fixed_mobile.push(id);
    }
    Ok((fixed, fixed_mobile))
}

impl Platform {
    /// `getFixedNumbersForMergingUsingGET` (`fixed`) and `getMobileNumbersForMergingUsingGET`:
    /// the contracts of the other category contract `id` could be combined with.
    pub async fn kpn_merge_candidates(
        &self,
        principal: &Principal,
        id: i64,
        fixed: bool,
        request: ContractListQuery,
    ) -> KpnResult<(Vec<MergeCandidate>, i64)> {
        let customer = self
            .kpn_customer(principal, privileges::CONTRACT_VIEW)
            .await?;
        let source = self.kpn_contract_in(&customer, id).await?;
        let (wanted, listed) = if fixed {
            (ContractCategory::Mobile, ContractCategory::Fixed)
        } else {
            (ContractCategory::Fixed, ContractCategory::Mobile)
        };
        if source.category != wanted {
            return Err(KpnFailure::OperationNotPossible(format!(
                "contract {id} is a {} contract; {} numbers to combine with are listed for a {} \
                 contract",
                source.category,
                listed.as_str().to_lowercase(),
                wanted
            ))
            .into());
        }
        parse_filters(request.filters.as_deref(), MERGE_FILTERS)?;
        let mut query = contract_query(
            None,
            &ContractListQuery {
                category: None,
                ..request.clone()
            },
        )?;
        query.category = Some(listed);
        let (rows, total) = self
            .kpn_contract_page(&customer, &query, request.page)
            .await?;
        let mut conn = self.store.read().await?;
        let mut candidates = Vec::with_capacity(rows.len());
        for row in rows {
            let blocking = self
                .kpn_blocking(&mut conn, OrderSubject::KpnContract(row.contract.id))
                .await?;
            let blocked = if row.contract.state != ContractState::Active {
                Some(format!(
                    "contract {} is {}",
                    row.contract.id,
                    row.contract.state.as_str()
                ))
            } else if let Some(open) = blocking.first() {
                Some(format!(
                    "contract {} has an open order {}",
                    row.contract.id, open.id
                ))
            } else {
                None
            };
            candidates.push(MergeCandidate {
                row,
                blocked,
                blocking,
            });
        }
        Ok((candidates, total))
    }

    /// `separateFixedMobileUsingPOST`: an order that splits an ACTIVE FIXED_MOBILE contract.
    pub async fn kpn_separate_fixed_mobile(
        &self,
        principal: &Principal,
        contract_id: Option<i64>,
        reference: Option<String>,
    ) -> KpnResult<OrderSummary> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        Self::check_not_frozen(&customer)?;
        let id = contract_id.ok_or_else(|| invalid("contractId", "is required"))?;
        let reference = reference_number(reference.as_deref())?;
        let mut tx = self.store.write().await?;
        let contract = repo::contract(&mut tx, &customer.org_number, id)
            .await?
            .ok_or_else(|| contract_not_found(id))?;
        if contract.category != ContractCategory::FixedMobile {
            return Err(KpnFailure::OperationNotPossible(format!(
                "contractId: contract {id} is a {} contract; only a FIXED_MOBILE contract is \
                 separated",
                contract.category
            ))
            .into());
        }
        if contract.state != ContractState::Active {
            return Err(KpnFailure::OperationNotPossible(format!(
                "contractId: separating needs an ACTIVE contract; contract {id} is {}",
                contract.state.as_str()
            ))
            .into());
        }
        self.refuse_if_open(
            &mut tx,
            OrderSubject::KpnContract(id),
            &format!("contract {id}"),
        )
        .await?;
        let (receiver, context_name) =
            super::contract_orders::receiver_of(&mut tx, &customer, &contract).await?;
        let new = NewOrder {
            subject: OrderSubject::KpnContract(id),
            operation: OrderType::SeparateFixedMobile,
            kind: RequestKind::Order,
            change: KpnChange::FixedMobile(FixedMobileChange::Separate),
            reference_number: reference,
            context_name,
            receiver,
            msisdn: contract.mobile_number.clone(),
            sim: contract.sim_card_number.clone(),
            starts_at: self.now(),
            seconds: CONTRACT_ORDER_SECONDS,
        };
        self.commit_kpn_order(tx, principal, &customer, new).await
    }
}

/// Makes the change of a finished separate-fixed-mobile order: the contract becomes its mobile
/// part and a new FIXED contract takes its fixed number.
pub(crate) async fn apply(
    conn: &mut Connection,
    order: &Order,
    _record: &KpnOrderRecord,
    change: &FixedMobileChange,
    at: Timestamp,
) -> Result<Result<Option<i64>, String>, ServiceError> {
    let FixedMobileChange::Separate = change;
    let OrderSubject::KpnContract(id) = order.subject else {
        return Ok(Err(
            "a separate-fixed-mobile order's subject is a contract".into()
        ));
    };
    let Some(mut integration) = repo::contract(conn, &order.org_number, id).await? else {
        return Ok(Err(format!("contract {id} no longer exists")));
    };
    if integration.category != ContractCategory::FixedMobile
        || integration.state != ContractState::Active
    {
        return Ok(Err(format!(
            "contract {id} is no longer an ACTIVE FIXED_MOBILE contract"
        )));
    }
    let fixed_id =
        sentral_store::corporate::next_number(conn, "kpn-contract", super::FIRST_CONTRACT_ID)
            .await?;
    let line = contract(
        fixed_id,
        integration.owner_id,
        ContractCategory::Fixed,
        None,
        integration.fixed_number.take(),
        None,
        at,
    );
    repo::insert_contract(conn, &order.org_number, &line).await?;
    integration.category = ContractCategory::Mobile;
    integration.product_category = "Mobile subscriptions".into();
    integration.product_en = super::demo::PRODUCT_EN.into();
    integration.product_nl = super::demo::PRODUCT_NL.into();
    integration.items = super::demo::mobile_items(id);
    if !repo::set_product(conn, &integration, at).await? {
        return Ok(Err(format!("contract {id} no longer exists")));
    }
    Ok(Ok(None))
}
