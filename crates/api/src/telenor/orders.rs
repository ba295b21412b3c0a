//! Orders: `POST /corporate-mobile-subscriptions/v2/orders`, `POST /corporate-agreements/v2/orders`
//! and their status endpoints. Orders are accepted at once and complete by the clock.

use crate::json::Json;
use axum::extract::State;
use sentral_domain::ApiProduct;
use sentral_domain::corporate::{ConfigurationValue, Order, OrderSubject};
use sentral_services::corporate::orders::{
    AgreementOrderRequest, OrderKind, SubscriptionOrderRequest,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{TelenorCaller, TelenorError};
use crate::AppState;
use crate::body::Path;

/// A number sent either as a JSON number or as a string of digits.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum NumberOrText {
    Number(i64),
    Text(String),
}

impl NumberOrText {
    fn number(&self, field: &str) -> Result<i64, TelenorError> {
        match self {
            NumberOrText::Number(number) => Ok(*number),
            NumberOrText::Text(text) => text.trim().parse().map_err(|_| {
                TelenorError::BadRequest(format!("{field}: must be an integer, got {text:?}"))
            }),
        }
    }

    fn text(&self) -> String {
        match self {
            NumberOrText::Number(number) => number.to_string(),
            NumberOrText::Text(text) => text.clone(),
        }
    }
}

/// An order and where it stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderBody {
    #[schema(example = "70000001")]
    pub order_id: String,
    /// `ADD_PRODUCT`, `REMOVE_PRODUCT` or `UPDATE_PRODUCT`.
    pub r#type: String,
    /// `IN_PROGRESS`, then `COMPLETED` or `FAILED` (with `failureReason`).
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msisdn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement_id: Option<String>,
    /// The product offer ordered (subscription add-on or agreement product offer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_offer_id: Option<i64>,
    /// The ordered product on the agreement that the order creates or changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_account_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configurations: Vec<ConfigurationValue>,
    pub created_at: String,
    /// When the order is expected to complete.
    pub expected_completion: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

impl From<Order> for OrderBody {
    fn from(order: Order) -> Self {
        let (msisdn, agreement_id) = match order.subject {
            OrderSubject::Subscription(msisdn) => (Some(msisdn.to_string()), None),
            OrderSubject::Agreement(id) => (None, Some(id)),
            // KPN orders are never found through the Telenor order endpoints.
            OrderSubject::KpnItem(_) | OrderSubject::KpnContract(_) => (None, None),
        };
        Self {
            order_id: order.id.to_string(),
            r#type: order.order_type.to_string(),
            status: order.status.to_string(),
            msisdn,
            agreement_id,
            product_offer_id: order.product_offer_id,
            product_id: order.product_id,
            billing_account_id: order.billing_account_id,
            configurations: order.configurations,
            created_at: order.created_at.to_rfc3339(),
            expected_completion: order.due_at.to_rfc3339(),
            completed_at: order.completed_at.map(|at| at.to_rfc3339()),
            failure_reason: order.failure,
        }
    }
}

/// The body of `POST /corporate-mobile-subscriptions/v2/orders`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionOrderBody {
    /// `ADD_PRODUCT` or `REMOVE_PRODUCT`.
    #[serde(alias = "orderType")]
    #[schema(example = "ADD_PRODUCT")]
    pub r#type: Option<String>,
    #[schema(example = "4791000001")]
    pub msisdn: Option<NumberOrText>,
    /// The add-on's product id (see a subscription's `products`).
    #[schema(example = 300102)]
    pub product_id: Option<NumberOrText>,
}

/// The body of `POST /corporate-agreements/v2/orders`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgreementOrderBody {
    /// `ADD_PRODUCT` (with `productOfferId`) or `UPDATE_PRODUCT` (with `productId`).
    #[serde(alias = "orderType")]
    #[schema(example = "ADD_PRODUCT")]
    pub r#type: Option<String>,
    #[schema(example = "10000001")]
    pub agreement_id: Option<NumberOrText>,
    /// An offer from the agreement's `available` products.
    #[schema(example = 404333)]
    pub product_offer_id: Option<NumberOrText>,
    /// An ordered product of the agreement (UPDATE_PRODUCT).
    pub product_id: Option<NumberOrText>,
    /// An account of yours that pays for the product.
    pub billing_account_id: Option<NumberOrText>,
    /// Values for the offer's configurations: all required ones for ADD_PRODUCT, those to
    /// change for UPDATE_PRODUCT.
    #[serde(default)]
    pub configurations: Vec<ConfigurationValue>,
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, TelenorError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(TelenorError::EmptyInput);
    }
    let invalid =
        |e: serde_json::Error| TelenorError::BadRequest(format!("invalid JSON body: {e}"));
    let value: serde_json::Value = serde_json::from_slice(body).map_err(invalid)?;
    if value.as_object().is_some_and(serde_json::Map::is_empty) {
        return Err(TelenorError::EmptyInput);
    }
    serde_json::from_value(value).map_err(invalid)
}

/// Order an add-on onto a subscription, or remove one. Removal completes within seconds,
/// additions later; follow the order with `GET …/orders/{orderId}`.
#[utoipa::path(
    post,
    path = "/corporate-mobile-subscriptions/v2/orders",
    tag = "corporate-mobile-subscriptions",
    security(("bearer" = [])),
    request_body = SubscriptionOrderBody,
    responses(
        (status = 200, description = "The accepted order (IN_PROGRESS)", body = OrderBody),
        (status = 400, description = "40000: unknown type or product, the add-on cannot be removed \
            or is not on the subscription; 400036 empty input", body = super::ErrorBody),
        (status = 401, description = "40104 not authorized to use the MSISDN, 40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 409, description = "40901: the add-on is there already, or an order for it is in progress", body = super::ErrorBody),
        (status = 413, description = "41300 body over 1 MiB", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn order_subscription_product(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    body: axum::body::Bytes,
) -> Result<Json<OrderBody>, TelenorError> {
    caller.require(ApiProduct::MobileSubscriptionOrder)?;
    let body: SubscriptionOrderBody = parse_body(&body)?;
    let request = SubscriptionOrderRequest {
        order_type: body.r#type,
        msisdn: body.msisdn.as_ref().map(NumberOrText::text),
        product_id: body
            .product_id
            .map(|id| id.number("productId"))
            .transpose()?,
    };
    let order = state
        .platform
        .order_subscription_product(&caller, request)
        .await?;
    Ok(Json(order.into()))
}

/// Order a product on an agreement (`ADD_PRODUCT`) or change an ordered product's
/// configurations (`UPDATE_PRODUCT`).
#[utoipa::path(
    post,
    path = "/corporate-agreements/v2/orders",
    tag = "corporate-agreements",
    security(("bearer" = [])),
    request_body = AgreementOrderBody,
    responses(
        (status = 200, description = "The accepted order (IN_PROGRESS)", body = OrderBody),
        (status = 400, description = "400001 invalid agreement id; 40000 unknown type, offer, \
            product, account or configuration (named in detail); 400036 empty input", body = super::ErrorBody),
        (status = 401, description = "40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 404, description = "404001 agreement not found", body = super::ErrorBody),
        (status = 413, description = "41300 body over 1 MiB", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn order_agreement_product(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    body: axum::body::Bytes,
) -> Result<Json<OrderBody>, TelenorError> {
    caller.require(ApiProduct::MobileSubscriptionOrder)?;
    let body: AgreementOrderBody = parse_body(&body)?;
    let request = AgreementOrderRequest {
        order_type: body.r#type,
        agreement_id: body.agreement_id.as_ref().map(NumberOrText::text),
        product_offer_id: body
            .product_offer_id
            .map(|id| id.number("productOfferId"))
            .transpose()?,
        product_id: body
            .product_id
            .map(|id| id.number("productId"))
            .transpose()?,
        billing_account_id: body.billing_account_id.as_ref().map(NumberOrText::text),
        configurations: body.configurations,
    };
    let order = state
        .platform
        .order_agreement_product(&caller, request)
        .await?;
    Ok(Json(order.into()))
}

async fn order_status(
    state: &AppState,
    caller: &sentral_services::Principal,
    order_id: &str,
    kind: OrderKind,
) -> Result<Json<OrderBody>, TelenorError> {
    caller.require_any(&[
        ApiProduct::MobileSubscriptionInfo,
        ApiProduct::MobileSubscriptionOrder,
    ])?;
    Ok(Json(
        state.platform.order(caller, order_id, kind).await?.into(),
    ))
}

/// Where a subscription order stands.
#[utoipa::path(
    get,
    path = "/corporate-mobile-subscriptions/v2/orders/{orderId}",
    tag = "corporate-mobile-subscriptions",
    security(("bearer" = [])),
    params(("orderId" = String, Path, description = "The order id from the order's answer",
        pattern = "^[0-9]{1,12}$", example = "70000001")),
    responses(
        (status = 200, description = "The order", body = OrderBody),
        (status = 400, description = "40000 malformed id", body = super::ErrorBody),
        (status = 401, description = "40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 404, description = "40402 unknown or not yours", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn subscription_order(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(order_id, _): Path<String, TelenorError>,
) -> Result<Json<OrderBody>, TelenorError> {
    order_status(&state, &caller, &order_id, OrderKind::Subscription).await
}

/// Where an agreement order stands.
#[utoipa::path(
    get,
    path = "/corporate-agreements/v2/orders/{orderId}",
    tag = "corporate-agreements",
    security(("bearer" = [])),
    params(("orderId" = String, Path, description = "The order id from the order's answer",
        pattern = "^[0-9]{1,12}$", example = "70000002")),
    responses(
        (status = 200, description = "The order", body = OrderBody),
        (status = 400, description = "40000 malformed id", body = super::ErrorBody),
        (status = 401, description = "40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 404, description = "40402 unknown or not yours", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn agreement_order(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(order_id, _): Path<String, TelenorError>,
) -> Result<Json<OrderBody>, TelenorError> {
    order_status(&state, &caller, &order_id, OrderKind::Agreement).await
}
