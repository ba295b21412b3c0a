//! KPN delivery addresses (`/address/…`), `rest-address-controller`: the customer's general
//! addresses and the caller's personal ones (rules in `sentral_services::kpn::addresses`).

use crate::json::Json;
use axum::extract::State;
use axum::routing::{MethodRouter, get, post};
use sentral_services::kpn::addresses::{
    AddressKind, AddressList, DeliveryAddress, DeliveryAddressInput,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::input::{Fields, KpnBody};
use super::{KpnCaller, KpnError, path_id};
use crate::AppState;
use crate::body::Path;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    Some(match (method, path) {
        ("GET", "/address/all") => get(all),
        ("GET", "/address/customer") => get(general),
        ("GET", "/address/user") => get(personal),
        ("POST", "/address/customer") => post(new_general),
        ("POST", "/address/user") => post(new_personal),
        ("POST", "/address/{id}/delete") => post(delete),
        ("POST", "/address/{id}/edit") => post(edit),
        _ => return None,
    })
}

/// `DeliveryAddress`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAddressBody {
    pub id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
    pub city: String,
    pub company_name: String,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<String>,
    pub house_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub postal_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    pub street: String,
}

impl From<DeliveryAddress> for DeliveryAddressBody {
    fn from(address: DeliveryAddress) -> Self {
        Self {
            id: address.id.unwrap_or_default(),
            address_name: address.address_name,
            attention: address.attention,
            city: address.city,
            company_name: address.company_name,
            country: address.country,
            floor: address.floor,
            house_number: address.house_number,
            location: address.location,
            postal_code: address.postal_code,
            room: address.room,
            street: address.street,
        }
    }
}

/// `DeliveryAddressRequest` (and its twin `DeliveryAddressRequest1`): the body of the address
/// writes. Text fields given as numbers are taken as their digits; `null` and `""` are absent;
/// unknown fields are ignored, and so is the `id` of a listed address sent back to its edit
/// (another id than the path's is a 400).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // only the OpenAPI document reads it
pub struct DeliveryAddressRequest {
    pub address_name: Option<String>,
    #[schema(max_length = 35)]
    pub attention: Option<String>,
    #[schema(min_length = 1, max_length = 30)]
    pub city: String,
    #[schema(min_length = 1, max_length = 35)]
    pub company_name: String,
    /// Only "NL" (any case).
    #[schema(example = "NL")]
    pub country: String,
    #[schema(max_length = 21)]
    pub floor: Option<String>,
    #[schema(min_length = 1, max_length = 5)]
    pub house_number: String,
    #[schema(max_length = 21)]
    pub location: Option<String>,
    /// Four digits, then two letters (a space between is taken): answered as `1234AB`.
    #[schema(example = "3072AP", pattern = "^ *[0-9]{4} *[A-Za-z]{2} *$")]
    pub postal_code: String,
    #[schema(max_length = 20)]
    pub room: Option<String>,
    #[schema(min_length = 1, max_length = 24)]
    pub street: String,
}

/// A `DeliveryAddressRequest` as sent (an address body, or `OrderRequest.address`): every
/// field as text (a number is its digits), unknown fields ignored.
pub(crate) fn address_input(body: &Fields) -> Result<DeliveryAddressInput, KpnError> {
    Ok(DeliveryAddressInput {
        address_name: body.text("addressName")?,
        attention: body.text("attention")?,
        city: body.text("city")?,
        company_name: body.text("companyName")?,
        country: body.text("country")?,
        floor: body.text("floor")?,
        house_number: body.text("houseNumber")?,
        location: body.text("location")?,
        postal_code: body.text("postalCode")?,
        room: body.text("room")?,
        street: body.text("street")?,
    })
}

type AddressesAnswer = Result<Json<Vec<DeliveryAddressBody>>, KpnError>;

async fn list(
    state: &AppState,
    caller: &sentral_services::Principal,
    which: AddressList,
) -> AddressesAnswer {
    let addresses = state.platform.kpn_addresses(caller, which).await?;
    Ok(Json(addresses.into_iter().map(Into::into).collect()))
}

pub async fn all(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> AddressesAnswer {
    list(&state, &principal, AddressList::All).await
}

pub async fn general(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> AddressesAnswer {
    list(&state, &principal, AddressList::General).await
}

pub async fn personal(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> AddressesAnswer {
    list(&state, &principal, AddressList::Personal).await
}

async fn create(
    state: &AppState,
    caller: &sentral_services::Principal,
    kind: AddressKind,
    body: &Fields,
) -> Result<Json<DeliveryAddressBody>, KpnError> {
    let input = address_input(body)?;
    let address = state.platform.kpn_new_address(caller, kind, &input).await?;
    Ok(Json(address.into()))
}

pub async fn new_general(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> Result<Json<DeliveryAddressBody>, KpnError> {
    create(&state, &principal, AddressKind::General, &body).await
}

pub async fn new_personal(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> Result<Json<DeliveryAddressBody>, KpnError> {
    create(&state, &principal, AddressKind::Personal, &body).await
}

/// `updateAddressUsingPOST`: a full replace. The address as a list answers it may be sent
/// back: its `id` must then be the path's.
pub async fn edit(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    KpnBody(body): KpnBody,
) -> Result<(), KpnError> {
    let id = path_id("id", &id)?;
    body.refuse_other_id(id, "the address edited")?;
    let input = address_input(&body)?;
    state
        .platform
        .kpn_edit_address(&principal, id, &input)
        .await?;
    Ok(())
}

pub async fn delete(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<(), KpnError> {
    state
        .platform
        .kpn_delete_address(&principal, path_id("id", &id)?)
        .await?;
    Ok(())
}
