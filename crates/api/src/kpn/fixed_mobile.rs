//! Fixed-mobile (`/contract/id/{id}/vamo/…`, `/contracting/separate-fixed-mobile`): the numbers
//! a contract could be combined with, and the separation of a FIXED_MOBILE contract (rules in
//! `sentral_services::kpn::fixed_mobile`).

use crate::json::Json;
use axum::extract::State;
use axum::routing::{MethodRouter, get, post};
use sentral_services::kpn::fixed_mobile::MergeCandidate;
use serde::Serialize;
use utoipa::ToSchema;

use super::contracts::list_query;
use super::input::{KpnBody, KpnQuery};
use super::wire::{BlockingOrderBody, Paged};
use super::{KpnCaller, KpnError, path_id};
use crate::AppState;
use crate::body::Path;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    Some(match (method, path) {
        ("GET", "/contract/id/{id}/vamo/fixed-numbers") => get(fixed_numbers),
        ("GET", "/contract/id/{id}/vamo/mobile-numbers") => get(mobile_numbers),
        ("POST", "/contracting/separate-fixed-mobile") => post(separate),
        _ => return None,
    })
}

/// `OperationState` with its open orders.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CombineStateBody {
    pub blocked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub blocking_orders: Vec<BlockingOrderBody>,
}

/// `ContractForOperation`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContractForOperationBody {
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
    /// Whether combining is possible now, and why not.
    pub operation: CombineStateBody,
}

impl From<MergeCandidate> for ContractForOperationBody {
    fn from(candidate: MergeCandidate) -> Self {
        let row = candidate.row;
        Self {
            id: row.contract.id,
            first_name: row.first_name,
            name_prefix: row.name_prefix,
            last_name: row.last_name,
            mobile_number: row.contract.mobile_number,
            fixed_number: row.contract.fixed_number,
            operation: CombineStateBody {
                blocked: candidate.blocked.is_some(),
                reason: candidate.blocked,
                blocking_orders: candidate
                    .blocking
                    .iter()
                    .map(BlockingOrderBody::from)
                    .collect(),
            },
        }
    }
}

type CandidatesAnswer = Result<Json<Paged<ContractForOperationBody>>, KpnError>;

async fn candidates(
    state: &AppState,
    principal: &sentral_services::Principal,
    id: &str,
    query: &KpnQuery,
    fixed: bool,
) -> CandidatesAnswer {
    let mut request = list_query(query)?;
    // These lists have no category parameter: the other category is listed.
    request.category = None;
    let (rows, total) = state
        .platform
        .kpn_merge_candidates(principal, path_id("id", id)?, fixed, request)
        .await?;
    Ok(Json(Paged::of(rows, total)))
}

pub async fn fixed_numbers(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    query: KpnQuery,
) -> CandidatesAnswer {
    candidates(&state, &principal, &id, &query, true).await
}

pub async fn mobile_numbers(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    query: KpnQuery,
) -> CandidatesAnswer {
    candidates(&state, &principal, &id, &query, false).await
}

/// `OrderConfirmation`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderConfirmationBody {
    pub order_id: i64,
}

/// `separateFixedMobileUsingPOST` · `SeparateFixedMobileRequest {contractId, referenceNumber}`.
pub async fn separate(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> Result<Json<OrderConfirmationBody>, KpnError> {
    let summary = state
        .platform
        .kpn_separate_fixed_mobile(
            &principal,
            body.int("contractId")?,
            body.text("referenceNumber")?,
        )
        .await?;
    Ok(Json(OrderConfirmationBody {
        order_id: summary.id,
    }))
}
