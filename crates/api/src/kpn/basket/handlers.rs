//! `rest-contracting-controller`: the basket session, its tree and characteristics, the
//! catalogue's main products and categories, free numbers, and the order.

use std::collections::BTreeMap;

use crate::json::Json;
use axum::extract::State;
use sentral_services::kpn::basket::order::BasketOrderInput;
use sentral_services::kpn::basket::products::MainProductQuery;
use sentral_services::kpn::basket::sessions::{
    BasketChangeInput, CharacteristicActionInput, ProductActionInput,
};

use super::super::input::{KpnBody, KpnQuery};
use super::super::wire::Paged;
use super::super::{KpnCaller, KpnError};
use super::wire::{
    BasketSnapshotBody, CharacteristicBody, MainProductBody, OrderConfirmationBody,
    ProductTreeItemBody, ResourceBody, characteristics as characteristics_body,
};
use crate::AppState;

fn session(query: &KpnQuery) -> Option<String> {
    query.text("sessionId")
}

pub async fn basket(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<BasketSnapshotBody>, KpnError> {
    let view = state
        .platform
        .kpn_basket(&principal, session(&query).as_deref())
        .await?;
    Ok(Json(view.into()))
}

/// `modifyBasketUsingPOST`: `BasketChange` → `{"sessionId": …}`.
pub async fn modify(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
    KpnBody(body): KpnBody,
) -> Result<Json<BTreeMap<String, String>>, KpnError> {
    let mut product_actions = Vec::new();
    for action in body.objects("productActions")? {
        product_actions.push(ProductActionInput {
            product_id: action.text("productId")?,
            amount: action.int("amount")?,
            kind: action.text("type")?,
        });
    }
    let mut characteristic_actions = Vec::new();
    for action in body.objects("characteristicActions")? {
        characteristic_actions.push(CharacteristicActionInput {
            name: action.text("name")?,
            value: action.text("value")?,
        });
    }
    let change = BasketChangeInput {
        account_group_id: body.int("accountGroupId")?,
        contract_id: body.int("contractId")?,
        fixed_contract_id: body.int("fixedContractId")?,
        mobile_contract_id: body.int("mobileContractId")?,
        order_id: body.int("orderId")?,
        template_id: body.text("templateId")?,
        template_id_to_modify: body.int("templateIdToModify")?,
        sim_card_number: body.text("simCardNumber")?,
        product_actions,
        characteristic_actions,
    };
    let id = state
        .platform
        .kpn_modify_basket(&principal, session(&query).as_deref(), change)
        .await?;
    Ok(Json(BTreeMap::from([("sessionId".to_owned(), id)])))
}

pub async fn characteristics(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<BTreeMap<String, CharacteristicBody>>, KpnError> {
    let views = state
        .platform
        .kpn_basket_characteristics(&principal, session(&query).as_deref())
        .await?;
    Ok(Json(characteristics_body(views)))
}

pub async fn products(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Vec<ProductTreeItemBody>>, KpnError> {
    let tree = state
        .platform
        .kpn_basket_tree(&principal, session(&query).as_deref())
        .await?;
    Ok(Json(tree.into_iter().map(Into::into).collect()))
}

pub async fn main_products(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Paged<MainProductBody>>, KpnError> {
    let request = MainProductQuery {
        category: query.text("category"),
        filters: query.text("filters"),
        patterns: query.all("patterns"),
        sort_by: query.text("sortBy"),
        order: query.text("order"),
        page: query.page()?,
    };
    let (products, total) = state
        .platform
        .kpn_main_products(&principal, request)
        .await?;
    Ok(Json(Paged::of(products, total)))
}

pub async fn resources(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Vec<ResourceBody>>, KpnError> {
    let free = state
        .platform
        .kpn_resources(
            &principal,
            session(&query).as_deref(),
            query.text("prefix").as_deref(),
            query.int("limit")?,
        )
        .await?;
    Ok(Json(
        free.into_iter()
            .map(|(id, address)| ResourceBody { id, address })
            .collect(),
    ))
}

/// `orderUsingPOST_1`: `OrderRequest` → `OrderConfirmation`.
pub async fn order(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
    KpnBody(body): KpnBody,
) -> Result<Json<OrderConfirmationBody>, KpnError> {
    let input = BasketOrderInput {
        reference_number: body.text("referenceNumber")?,
        wish_date: body.text("wishDate")?,
        address_id: body.int("addressId")?,
        address: Some(super::super::addresses::address_input(
            &body.object("address")?,
        )?),
    };
    let order_id = state
        .platform
        .kpn_order_basket(&principal, session(&query).as_deref(), input)
        .await?;
    Ok(Json(OrderConfirmationBody { order_id }))
}

pub async fn reset(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<(), KpnError> {
    state
        .platform
        .kpn_reset_basket(&principal, session(&query).as_deref())
        .await?;
    Ok(())
}

pub async fn categories(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> Result<Json<Vec<String>>, KpnError> {
    Ok(Json(
        state
            .platform
            .kpn_contracting_categories(&principal)
            .await?,
    ))
}

pub async fn hardware_categories(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> Result<Json<Vec<String>>, KpnError> {
    Ok(Json(
        state.platform.kpn_hardware_categories(&principal).await?,
    ))
}
