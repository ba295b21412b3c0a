//! Corporate agreements and their products: `GET /corporate-agreements/v2/agreements`,
//! `GET …/{agreementId}/products`.

use crate::json::Json;
use axum::extract::State;
use sentral_domain::ApiProduct;
use sentral_domain::corporate::{AgreementProduct, ProductOffer};
use serde::Serialize;
use utoipa::ToSchema;

use super::{TelenorCaller, TelenorError};
use crate::AppState;
use crate::body::Path;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgreementOwnerBody {
    #[schema(example = "930000000")]
    pub organization_number: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgreementBody {
    /// The agreement id, to get its products.
    #[schema(example = "10000001")]
    pub id: String,
    #[schema(example = "Mobilt Bedriftsnett avtale")]
    pub category: String,
    /// Always set.
    #[schema(example = "2024-01-01")]
    pub valid_from: String,
    /// May be missing.
    pub valid_to: Option<String>,
    pub owner: AgreementOwnerBody,
    #[schema(example = "ACTIVE")]
    pub status: String,
    /// Digits in the agreement's internal (short) numbers.
    pub internal_number_length: u8,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationValueBody {
    #[schema(example = "queueNumber")]
    pub id: String,
    #[schema(example = "Kø hoved nr")]
    pub name: String,
    #[schema(example = "22990000")]
    pub value: String,
}

/// A product ordered on the agreement.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderedProductBody {
    #[schema(example = 1302567)]
    pub id: i64,
    #[schema(example = "Kø hoved nr")]
    pub name: String,
    /// `ORDERED` (order in progress), `ACTIVE` or `CANCELLED`.
    #[schema(example = "ACTIVE")]
    pub status: String,
    pub billing_account_id: Option<String>,
    #[schema(example = 404333)]
    pub product_offer_id: i64,
    #[schema(example = "Kø")]
    pub product_offer_name: String,
    /// Products ordered under this one.
    #[schema(no_recursion)]
    pub sub_products: Vec<OrderedProductBody>,
    pub product_configurations: Vec<ConfigurationValueBody>,
}

/// A setting a product is ordered with.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationSpecBody {
    #[schema(example = "queueNumber")]
    pub id: String,
    pub name: String,
    /// `TEXT`, `NUMBER` or `CHOICE`.
    pub r#type: String,
    pub required: bool,
    /// The allowed values of a `CHOICE`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<String>,
}

/// A product offer that can be ordered on the agreement.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AvailableProductBody {
    #[schema(example = 404)]
    pub id: i64,
    #[schema(example = "Office 365 Business Premium")]
    pub name: String,
    pub configurations: Vec<ConfigurationSpecBody>,
}

/// Ordered and available products. The response is a list with this one entry, as documented.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementProductsBody {
    pub ordered: Vec<OrderedProductBody>,
    pub available: Vec<AvailableProductBody>,
}

fn ordered_body(product: &AgreementProduct, all: &[AgreementProduct]) -> OrderedProductBody {
    let offer = ProductOffer::find(product.offer_id);
    let spec_name = |id: &str| {
        offer
            .and_then(|offer| offer.configurations.iter().find(|spec| spec.id == id))
            .map_or_else(|| id.to_owned(), |spec| spec.name.to_owned())
    };
    OrderedProductBody {
        id: product.id,
        name: product.name.clone(),
        status: product.status.to_string(),
        billing_account_id: product.billing_account_id.clone(),
        product_offer_id: product.offer_id,
        product_offer_name: offer.map_or_else(String::new, |offer| offer.name.to_owned()),
        sub_products: all
            .iter()
            .filter(|child| child.parent_id == Some(product.id))
            .map(|child| ordered_body(child, all))
            .collect(),
        product_configurations: product
            .configurations
            .iter()
            .map(|value| ConfigurationValueBody {
                name: spec_name(&value.id),
                id: value.id.clone(),
                value: value.value.clone(),
            })
            .collect(),
    }
}

/// Get all agreements of your organisations.
#[utoipa::path(
    get,
    path = "/corporate-agreements/v2/agreements",
    tag = "corporate-agreements",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The agreements", body = [AgreementBody]),
        (status = 401, description = "40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
) -> Result<Json<Vec<AgreementBody>>, TelenorError> {
    caller.require(ApiProduct::MobileSubscriptionInfo)?;
    let agreements = state.platform.agreements(&caller).await?;
    Ok(Json(
        agreements
            .into_iter()
            .map(|view| AgreementBody {
                id: view.agreement.id,
                category: view.agreement.category,
                valid_from: view.agreement.valid_from,
                valid_to: view.agreement.valid_to,
                owner: AgreementOwnerBody {
                    organization_number: view.owner.org_number.to_string(),
                    name: view.owner.name,
                },
                status: view.agreement.status,
                internal_number_length: view.agreement.internal_number_length,
            })
            .collect(),
    ))
}

/// Get the products ordered on an agreement and those available to order.
#[utoipa::path(
    get,
    path = "/corporate-agreements/v2/agreements/{agreementId}/products",
    tag = "corporate-agreements",
    security(("bearer" = [])),
    params(("agreementId" = String, Path, description = "The agreement id (an integer)",
        pattern = "^[0-9]{1,18}$", example = "10000001")),
    responses(
        (status = 200, description = "A list with one entry: ordered and available products", body = [AgreementProductsBody]),
        (status = 400, description = "400001 invalid agreement id, 40000 malformed path parameter", body = super::ErrorBody),
        (status = 401, description = "40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 404, description = "404001 agreement not found (or not yours)", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn products(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(agreement_id, _): Path<String, TelenorError>,
) -> Result<Json<Vec<AgreementProductsBody>>, TelenorError> {
    caller.require(ApiProduct::MobileSubscriptionInfo)?;
    let products = state
        .platform
        .agreement_products(&caller, &agreement_id)
        .await?;
    let ordered = products
        .ordered
        .iter()
        .filter(|product| product.parent_id.is_none())
        .map(|product| ordered_body(product, &products.ordered))
        .collect();
    let available = products
        .available
        .iter()
        .map(|offer| AvailableProductBody {
            id: offer.id,
            name: offer.name.to_owned(),
            configurations: offer
                .configurations
                .iter()
                .map(|spec| ConfigurationSpecBody {
                    id: spec.id.to_owned(),
                    name: spec.name.to_owned(),
                    r#type: spec.kind.to_string(),
                    required: spec.required,
                    allowed_values: spec.choices.iter().map(|c| (*c).to_owned()).collect(),
                })
                .collect(),
        })
        .collect();
    Ok(Json(vec![AgreementProductsBody { ordered, available }]))
}
