//! KPN contract orders (`/order/terminate`, `/order/replace-sim`, `/order/move`,
//! `/order/porting-out`) and the authorisation of waiting orders (`/order/authorize`).

use crate::json::Json;
use axum::extract::State;
use axum::routing::{MethodRouter, get, post};
use sentral_services::kpn::contract_orders::{
    ContractOrderRequest, MoveContractRequest, ReplaceSimRequest,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::input::{Fields, KpnBody, KpnQuery};
use super::wire::{OrderAnswer, date, ordered};
use super::{KpnCaller, KpnError, path_id};
use crate::AppState;
use crate::body::Path;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    Some(match (method, path) {
        ("POST", "/order/terminate") => post(terminate),
        ("GET", "/order/terminate/termination-fee") => get(termination_fee),
        ("GET", "/order/terminate/{contractId}/min-date") => get(min_termination_date),
        ("POST", "/order/replace-sim") => post(replace_sim),
        ("POST", "/order/replace-sim/validator") => post(validate_uiccid),
        ("POST", "/order/move") => post(move_contract),
        ("POST", "/order/porting-out") => post(porting_out),
        ("POST", "/order/authorize") => post(authorize),
        _ => return None,
    })
}

/// `contractId`, `referenceNumber` and `wishDate`: what every contract order body has.
fn order_request(body: &Fields) -> Result<ContractOrderRequest, KpnError> {
    Ok(ContractOrderRequest {
        contract_id: body.int("contractId")?,
        reference_number: body.text("referenceNumber")?,
        wish_date: body.text("wishDate")?,
    })
}

/// `TerminateContractRequest`.
async fn terminate(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    let request = order_request(&body)?;
    ordered(state.platform.kpn_terminate(&principal, request).await?)
}

/// `TerminationFee`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TerminationFeeBody {
    pub termination_fee_in_cents: i64,
}

async fn termination_fee(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<TerminationFeeBody>, KpnError> {
    let fee = state
        .platform
        .kpn_termination_fee(&principal, query.int("contractId")?, query.text("wishDate"))
        .await?;
    Ok(Json(TerminationFeeBody {
        termination_fee_in_cents: fee,
    }))
}

/// A bare JSON string: the first date-time the contract ends without a fee.
async fn min_termination_date(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<String>, KpnError> {
    let at = state
        .platform
        .kpn_min_termination_date(&principal, Some(path_id("contractId", &id)?))
        .await?;
    Ok(Json(date(at)))
}

/// `ReplaceSimRequest`: a physical SIM (`newSimCardNumber`) or an eSIM (`esim`, `email`,
/// `confirmationCode`).
async fn replace_sim(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    let request = ReplaceSimRequest {
        order: order_request(&body)?,
        new_sim_card_number: body.text("newSimCardNumber")?,
        esim: body.flag("esim")?,
        email: body.text("email")?,
        confirmation_code: body.text("confirmationCode")?,
    };
    ordered(state.platform.kpn_replace_sim(&principal, request).await?)
}

/// `UiccidValidationData`: an empty 200 when the SIM card number can be used.
async fn validate_uiccid(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> Result<(), KpnError> {
    state
        .platform
        .kpn_validate_uiccid(
            &principal,
            body.int("contractId")?,
            body.text("newSimCardNumber")?,
        )
        .await?;
    Ok(())
}

/// `MoveContractRequest`.
async fn move_contract(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    let request = MoveContractRequest {
        order: order_request(&body)?,
        destination_group_id: body.int("destinationGroupId")?,
        move_addon_bundles: body.flag("moveAddonBundles")?,
    };
    ordered(
        state
            .platform
            .kpn_move_contract(&principal, request)
            .await?,
    )
}

/// `PortingOutRequest`.
async fn porting_out(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    let request = order_request(&body)?;
    ordered(state.platform.kpn_port_out(&principal, request).await?)
}

/// `AuthorizeRequest`: the OrderSummary of the authorised order.
async fn authorize(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    let order_id = body.int("orderId")?;
    ordered(state.platform.kpn_authorize(&principal, order_id).await?)
}
