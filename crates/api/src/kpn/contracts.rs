//! `rest-contract-controller` reads, SIM block/unblock and the operations on a contract.

use crate::json::Json;
use axum::extract::State;
use sentral_domain::kpn::ContractItemNode;
use sentral_services::kpn::contracts::ContractListQuery;
use sentral_store::kpn::contracts::ContractRow;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

use super::input::{Fields, KpnBody, KpnQuery};
use super::wire::{
    AvailabilityBody, BlockingOrderBody, HierarchyItemBody, Localized, OrderAnswer, Paged, date,
    ordered, path_body,
};
use super::{KpnCaller, KpnError, path_id};
use crate::AppState;
use crate::body::Path;

/// `Contract` (list item).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContractBody {
    pub id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_number: Option<String>,
    pub product: Localized,
    pub product_category: String,
    pub category: String,
    /// ACTIVE, CLOSED, ORDERED, PENDING or BLOCKED.
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sim_card_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
}

impl From<ContractRow> for ContractBody {
    fn from(row: ContractRow) -> Self {
        let c = row.contract;
        Self {
            id: c.id,
            first_name: row.first_name,
            name_prefix: row.name_prefix,
            last_name: row.last_name,
            mobile_number: c.mobile_number,
            fixed_number: c.fixed_number,
            product: Localized {
                en: c.product_en,
                nl: c.product_nl,
            },
            product_category: c.product_category,
            category: c.category.as_str().to_owned(),
            state: c.state.as_str(),
            sim_card_number: c.sim_card_number,
            extension: c.extension,
            sip_account: c.sip_account,
            imei: c.imei,
        }
    }
}

pub(super) fn list_query(query: &KpnQuery) -> Result<ContractListQuery, KpnError> {
    Ok(ContractListQuery {
        category: query.text("category"),
        filters: query.text("filters"),
        patterns: query.all("patterns"),
        sort_by: query.text("sortBy"),
        order: query.text("order"),
        page: query.page()?,
    })
}

pub async fn all(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Paged<ContractBody>>, KpnError> {
    let (rows, total) = state
        .platform
        .kpn_contracts(&principal, None, list_query(&query)?)
        .await?;
    Ok(Json(Paged::of(rows, total)))
}

pub async fn of_subscriber(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    query: KpnQuery,
) -> Result<Json<Paged<ContractBody>>, KpnError> {
    let request = ContractListQuery {
        order: query.text("order"),
        page: query.page()?,
        ..ContractListQuery::default()
    };
    let (rows, total) = state
        .platform
        .kpn_contracts(&principal, Some(path_id("subscriberId", &id)?), request)
        .await?;
    Ok(Json(Paged::of(rows, total)))
}

/// `getContractOverviewForVGroupUsingGET`: the subscriber's contracts by category.
pub async fn overview_of_subscriber(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<BTreeMap<String, Paged<ContractBody>>>, KpnError> {
    let request = ContractListQuery {
        page: sentral_domain::kpn::Page {
            from: 0,
            to: sentral_domain::kpn::Page::MAX_SIZE,
        },
        ..ContractListQuery::default()
    };
    let (rows, _) = state
        .platform
        .kpn_contracts(&principal, Some(path_id("subscriberId", &id)?), request)
        .await?;
    let mut by_category: BTreeMap<String, Paged<ContractBody>> = BTreeMap::new();
    for row in rows {
        let key = row.contract.category.as_str().to_lowercase();
        let page = by_category.entry(key).or_insert_with(|| Paged {
            result: Vec::new(),
            total: 0,
        });
        page.result.push(row.into());
        page.total += 1;
    }
    Ok(Json(by_category))
}

/// `ContractDetails` (the fields sentral keeps).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContractDetailsBody {
    pub id: i64,
    pub name: Localized,
    /// A active, C closed, O ordered, P pending, S blocked.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sim_card_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uiccid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub puk: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tariff_plan: Option<String>,
    pub individual_bundle: bool,
    pub start_date: String,
    pub activation_date: String,
    pub last_status_change_date: String,
    pub hierarchy_path: Vec<HierarchyItemBody>,
}

pub async fn details(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<ContractDetailsBody>, KpnError> {
    let view = state
        .platform
        .kpn_contract(&principal, path_id("id", &id)?)
        .await?;
    let c = view.contract;
    Ok(Json(ContractDetailsBody {
        id: c.id,
        name: Localized {
            en: c.product_en,
            nl: c.product_nl,
        },
        status: c.state.letter(),
        phone_number: c.mobile_number,
        fixed_number: c.fixed_number,
        uiccid: c.sim_card_number.clone(),
        sim_card_number: c.sim_card_number,
        imei: c.imei,
        pin: c.pin,
        puk: c.puk,
        tariff_plan: c.tariff_plan,
        individual_bundle: false,
        start_date: date(c.start_at),
        activation_date: date(c.start_at),
        last_status_change_date: date(c.status_changed_at),
        hierarchy_path: path_body(&view.path),
    }))
}

/// `ContractItem`: the item tree.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContractItemBody {
    pub id: i64,
    pub citem_bs_id: i64,
    pub contract_id: i64,
    pub product_bs_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tariff_plan_variant_bs_id: Option<i64>,
    pub name: Localized,
    #[schema(no_recursion)]
    pub children: Vec<ContractItemBody>,
}

pub(crate) fn item_body(contract_id: i64, node: &ContractItemNode) -> ContractItemBody {
    ContractItemBody {
        id: node.id,
        citem_bs_id: node.citem_bs_id,
        contract_id,
        product_bs_id: node.product_bs_id,
        tariff_plan_variant_bs_id: node.tariff_plan_variant_bs_id,
        name: Localized {
            en: node.name_en.clone(),
            nl: node.name_nl.clone(),
        },
        children: node
            .children
            .iter()
            .map(|child| item_body(contract_id, child))
            .collect(),
    }
}

pub async fn items(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<ContractItemBody>, KpnError> {
    let view = state
        .platform
        .kpn_contract(&principal, path_id("id", &id)?)
        .await?;
    let c = view.contract;
    // The root is the contract itself; its children are the item trees.
    Ok(Json(ContractItemBody {
        id: c.id,
        citem_bs_id: c.id,
        contract_id: c.id,
        product_bs_id: c.items.first().map_or(0, |node| node.product_bs_id),
        tariff_plan_variant_bs_id: None,
        name: Localized {
            en: c.product_en,
            nl: c.product_nl,
        },
        children: c.items.iter().map(|node| item_body(c.id, node)).collect(),
    }))
}

pub async fn overview(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> Result<Json<BTreeMap<String, i64>>, KpnError> {
    let counts = state.platform.kpn_contract_overview(&principal).await?;
    Ok(Json(counts.into_iter().collect()))
}

pub async fn block_sim(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    sim(&state, &principal, &body, true).await
}

pub async fn unblock_sim(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    sim(&state, &principal, &body, false).await
}

/// `BlockSimRequest` and `UnblockSimRequest`: the same body, the one order or the other.
async fn sim(
    state: &AppState,
    principal: &sentral_services::Principal,
    body: &Fields,
    block: bool,
) -> OrderAnswer {
    let summary = state
        .platform
        .kpn_sim(
            principal,
            block,
            body.int("contractId")?,
            body.text("referenceNumber")?,
        )
        .await?;
    ordered(summary)
}

pub async fn available_operations(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<serde_json::Map<String, serde_json::Value>>, KpnError> {
    let ops = state
        .platform
        .kpn_contract_operations(&principal, query.int("contractId")?)
        .await?;
    let mut body = serde_json::Map::new();
    body.insert("contractId".into(), ops.contract_id.into());
    for (name, enabled, visible) in ops.operations {
        let availability = AvailabilityBody {
            enabled,
            visible: Some(visible),
            reason: None,
            blocking_orders: Some(ops.blocking.iter().map(BlockingOrderBody::from).collect()),
        };
        body.insert(
            name.into(),
            serde_json::to_value(availability).unwrap_or_default(),
        );
    }
    Ok(Json(body))
}
