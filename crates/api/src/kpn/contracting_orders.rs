//! Track & trace of a basket's order beyond reading it: its port-in data
//! (`POST /track-and-trace/orders/{id}/porting-data`) and its hardware
//! (`GET /track-and-trace/orders/{id}/hardware`).

use crate::json::Json;
use axum::extract::State;
use axum::routing::{MethodRouter, get, post};
use sentral_services::kpn::contracting_orders::{OrderedHardware, PortingDataChange};
use serde::Serialize;
use utoipa::ToSchema;

use super::basket::wire::TemplateProductBody;
use super::contracts::{ContractItemBody, item_body};
use super::input::KpnBody;
use super::{KpnCaller, KpnError};
use crate::AppState;
use crate::body::Path;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    Some(match (method, path) {
        ("POST", "/track-and-trace/orders/{id}/porting-data") => post(change_porting_data),
        ("GET", "/track-and-trace/orders/{id}/hardware") => get(hardware),
        _ => return None,
    })
}

/// `ChangePortingData` → empty 200.
async fn change_porting_data(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    KpnBody(body): KpnBody,
) -> Result<(), KpnError> {
    let change = PortingDataChange {
        new_wish_date: body.text("newWishDate")?,
        asap: body.flag("asap")?,
        customer_number: body.text("customerNumber")?,
    };
    state
        .platform
        .kpn_change_porting_data(&principal, &id, change)
        .await?;
    Ok(())
}

/// `Hardware`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HardwareBody {
    pub apple: bool,
    pub samsung: bool,
    pub returned: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_item: Option<ContractItemBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    pub product: TemplateProductBody,
}

impl From<OrderedHardware> for HardwareBody {
    fn from(hardware: OrderedHardware) -> Self {
        let prices = hardware.line.prices;
        Self {
            apple: hardware.apple,
            samsung: hardware.samsung,
            returned: hardware.returned,
            contract_item: hardware
                .item
                .as_ref()
                .map(|item| item_body(hardware.contract_id, item)),
            imei: hardware.imei,
            serial_number: hardware.serial_number,
            product: TemplateProductBody {
                bs_id: hardware.line.bs_id,
                name: hardware.line.name_en,
                one_time_price_in_cents: prices.one_time(),
                private_copying_levy_in_cents: prices.private_copying_levy_in_cents,
            },
        }
    }
}

/// `[Hardware]`: empty for an order that delivers none.
async fn hardware(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<Vec<HardwareBody>>, KpnError> {
    let hardware = state.platform.kpn_order_hardware(&principal, &id).await?;
    Ok(Json(hardware.into_iter().map(HardwareBody::from).collect()))
}
