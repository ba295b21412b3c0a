//! Corporate accounts: `GET|POST /corporate-accounts/v2/accounts`, `GET …/{id}`, and the
//! deprecated `GET /corporate-accounts/v1` kept for old clients.

use crate::json::Json;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use sentral_domain::ApiProduct;
use sentral_domain::corporate::{AddressCard, Payer, PostalAddress};
use sentral_services::corporate::PageRequest;
use sentral_services::corporate::accounts::{AccountView, NewAccountRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::paging::{PageBody, PageParams, json_page};
use super::{TelenorCaller, TelenorError};
use crate::AppState;
use crate::body::{Path, Query};

/// An organisation as it appears on an account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationRef {
    #[schema(example = "930000000")]
    pub org_number: String,
    #[schema(example = "Demo Kunde AS")]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonBody {
    pub first_name: String,
    pub last_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressBody {
    #[schema(example = "Innherredsveien")]
    pub street_name: String,
    #[schema(example = "1A")]
    pub street_address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "H0101")]
    pub entrance_code: Option<String>,
    #[schema(example = "7018")]
    pub postal_code: String,
    #[schema(example = "Trondheim")]
    pub postal_place: String,
}

impl From<&PostalAddress> for AddressBody {
    fn from(address: &PostalAddress) -> Self {
        Self {
            street_name: address.street_name.clone(),
            street_address: address.street_address.clone(),
            entrance_code: address.entrance_code.clone(),
            postal_code: address.postal_code.clone(),
            postal_place: address.postal_place.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceBody {
    /// The address the invoice is sent to.
    pub address: AddressBody,
    /// `EHF` (Elektronisk handelsformat, as a rule for organisations), `PAPER` or `EMAIL`.
    #[schema(example = "EHF")]
    pub format: String,
}

/// An invoice account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountBody {
    /// Up to 8 digits; the invoice shows it with the prefix 55.
    #[schema(example = "10000001")]
    pub id: String,
    /// The account's name: the 2nd line of the invoice address, "deres referanse" in EHF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_reference1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_reference2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_reference3: Option<String>,
    /// The juridical owner: always an organisation.
    pub owner: OrganizationRef,
    /// Set when the payer is a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal_payer: Option<PersonBody>,
    /// Set when the payer is an organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_payer: Option<OrganizationRef>,
    pub invoice: InvoiceBody,
    /// The address card the invoice address comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_card_id: Option<String>,
    /// `PASSIVE` (created, not activated), `OPEN` (created and activated) or `CANCELLED`.
    #[schema(example = "OPEN")]
    pub status: String,
    /// `NORMAL` (many subscriptions), `RESERVED` (one subscription) or `RING_KONTANT` (pre-paid).
    #[schema(example = "NORMAL")]
    pub r#type: String,
}

impl From<AccountView> for AccountBody {
    fn from(view: AccountView) -> Self {
        let account = &view.account;
        let reference = |n| account.reference(n).map(str::to_owned);
        let org_ref = |organization: sentral_domain::platform::Organization| OrganizationRef {
            org_number: organization.org_number.to_string(),
            name: organization.name,
        };
        Self {
            id: account.id.to_string(),
            account_reference1: reference(1),
            account_reference2: reference(2),
            account_reference3: reference(3),
            personal_payer: match &account.payer {
                Payer::Person(person) => Some(PersonBody {
                    first_name: person.first_name.clone(),
                    last_name: person.last_name.clone(),
                    middle_name: person.middle_name.clone(),
                }),
                Payer::Company(_) => None,
            },
            company_payer: view.company_payer.map(org_ref),
            owner: org_ref(view.owner),
            invoice: InvoiceBody {
                address: AddressBody::from(&account.invoice_address),
                format: account.invoice_format.to_string(),
            },
            address_card_id: account
                .address_card
                .as_ref()
                .map(|id| id.as_str().to_owned()),
            status: view.status.to_string(),
            r#type: account.account_type.to_string(),
        }
    }
}

/// The body of `POST /corporate-accounts/v2/accounts`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewAccountBody {
    /// Required: the account's name. At most 30 letters, digits, spaces and `/.,-`.
    #[schema(example = "Telenor ASA/ IT department")]
    pub account_reference1: Option<String>,
    /// Free for the customer. Same rules.
    pub account_reference2: Option<String>,
    /// Free for the customer. Same rules.
    pub account_reference3: Option<String>,
    /// Required when the payer has several address cards (`GET
    /// /organizations/{orgNumber}/address-cards`); the only card is used otherwise.
    #[schema(example = "664001")]
    pub address_card_id: Option<String>,
    /// Required: 9 digits, one of your organisations (`GET /organizations/v1/organizations`).
    #[schema(example = "930000000")]
    pub owner_organization_number: Option<String>,
    /// 9 digits, one of your organisations; the owner when not given.
    #[schema(example = "930000000")]
    pub payer_organization_number: Option<String>,
}

/// List accounts: those of your organisations (and single accounts granted to the system user),
/// once activated, by account number.
#[utoipa::path(
    get,
    path = "/corporate-accounts/v2/accounts",
    tag = "corporate-accounts",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "One page of accounts", body = PageBody<AccountBody>),
        (status = 400, description = "40000 bad page or pageSize", body = super::ErrorBody),
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
    Query(params, _): Query<PageParams, TelenorError>,
) -> Result<Response, TelenorError> {
    caller.require(ApiProduct::MobileSubscriptionInfo)?;
    let page = params.request()?;
    // The store writes the page's JSON (the same bytes as `PageBody<AccountBody>`).
    let accounts = state.platform.accounts_json(&caller, page).await?;
    Ok(json_page(&accounts))
}

/// Get an account. A new account is found here at once, `PASSIVE` until activated.
#[utoipa::path(
    get,
    path = "/corporate-accounts/v2/accounts/{id}",
    tag = "corporate-accounts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The account number, up to 8 digits",
        pattern = "^[0-9]{1,8}$", example = "10000001")),
    responses(
        (status = 200, description = "The account", body = AccountBody),
        (status = 400, description = "40000 malformed id", body = super::ErrorBody),
        (status = 401, description = "40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 404, description = "40402 unknown or not yours", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(id, _): Path<String, TelenorError>,
) -> Result<Json<AccountBody>, TelenorError> {
    caller.require(ApiProduct::MobileSubscriptionInfo)?;
    Ok(Json(state.platform.account(&caller, &id).await?.into()))
}

/// Create a new account. It is `PASSIVE` at first; expect a minute before it is `OPEN` and
/// retrievable from the list endpoints.
#[utoipa::path(
    post,
    path = "/corporate-accounts/v2/accounts",
    tag = "corporate-accounts",
    security(("bearer" = [])),
    request_body = NewAccountBody,
    responses(
        (status = 200, description = "The new account (PASSIVE)", body = AccountBody),
        (status = 400, description = "400007 organization not found, 400009 address card not \
            found, 400024 invalid organization number, 400032 invalid address card id (malformed, \
            another organization's, or missing when the payer has several), 400033 invalid \
            reference, 400036 empty input, 40000 malformed JSON", body = super::ErrorBody),
        (status = 401, description = "40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 413, description = "41300 body over 1 MiB", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    body: axum::body::Bytes,
) -> Result<Json<AccountBody>, TelenorError> {
    caller.require(ApiProduct::MobileSubscriptionOrder)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(TelenorError::EmptyInput);
    }
    let body: NewAccountBody = serde_json::from_slice(&body)
        .map_err(|e| TelenorError::BadRequest(format!("invalid JSON body: {e}")))?;
    let request = NewAccountRequest {
        account_reference1: body.account_reference1,
        account_reference2: body.account_reference2,
        account_reference3: body.account_reference3,
        address_card_id: body.address_card_id,
        owner_organization_number: body.owner_organization_number,
        payer_organization_number: body.payer_organization_number,
    };
    Ok(Json(
        state
            .platform
            .create_account(&caller, request)
            .await?
            .into(),
    ))
}

/// Deprecated: every account at once, as a plain list. Use `GET /corporate-accounts/v2/accounts`.
#[utoipa::path(
    get,
    path = "/corporate-accounts/v1",
    tag = "corporate-accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every account (headers `Deprecation: true` and a `Link` to \
            the successor)", body = [AccountBody]),
        (status = 401, description = "40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn list_v1(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
) -> Result<Response, TelenorError> {
    caller.require(ApiProduct::MobileSubscriptionInfo)?;
    let mut all = Vec::new();
    for page in 0.. {
        let request = PageRequest {
            page,
            page_size: PageRequest::MAX_PAGE_SIZE,
        };
        let found = state.platform.accounts(&caller, request).await?;
        let done = found.items.len() < request.page_size as usize;
        all.extend(found.items.into_iter().map(AccountBody::from));
        if done {
            break;
        }
    }
    let mut response = Json(all).into_response();
    let headers = response.headers_mut();
    headers.insert(
        HeaderName::from_static("deprecation"),
        HeaderValue::from_static("true"),
    );
    headers.insert(
        axum::http::header::LINK,
        HeaderValue::from_static("</corporate-accounts/v2/accounts>; rel=\"successor-version\""),
    );
    Ok(response)
}

/// One of an organisation's invoice addresses.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressCardBody {
    #[schema(example = "664001")]
    pub id: String,
    pub organization_number: String,
    pub address: AddressBody,
    /// The invoice format used with this address: `EHF`, `PAPER` or `EMAIL`.
    pub invoice_format: String,
}

impl From<AddressCard> for AddressCardBody {
    fn from(card: AddressCard) -> Self {
        Self {
            id: card.id.as_str().to_owned(),
            organization_number: card.org_number.to_string(),
            address: AddressBody::from(&card.address),
            invoice_format: card.invoice_format.to_string(),
        }
    }
}

/// The address cards of one of your organisations, to choose `addressCardId` when creating an
/// account.
#[utoipa::path(
    get,
    path = "/organizations/{orgNumber}/address-cards",
    tag = "organizations",
    security(("bearer" = [])),
    params(("orgNumber" = String, Path, description = "Organization number, 9 digits",
        pattern = "^[0-9]{9}$", example = "930000000")),
    responses(
        (status = 200, description = "The address cards", body = [AddressCardBody]),
        (status = 400, description = "400024 invalid organization number, 400007 organization not found (or not yours), 40000 malformed path parameter", body = super::ErrorBody),
        (status = 401, description = "40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn address_cards(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(org_number, _): Path<String, TelenorError>,
) -> Result<Json<Vec<AddressCardBody>>, TelenorError> {
    caller.require_any(&[
        ApiProduct::MobileSubscriptionOrder,
        ApiProduct::MobileSubscriptionInfo,
    ])?;
    let cards = state.platform.address_cards(&caller, &org_number).await?;
    Ok(Json(cards.into_iter().map(AddressCardBody::from).collect()))
}
