//! Corporate mobile subscriptions: search, get, user references (v1 and v2).

use crate::json::Json;
use axum::extract::State;
use axum::response::Response;
use sentral_domain::ApiProduct;
use sentral_domain::corporate::{MobileSubscription, ProductOffer, SubscriptionSummary};
use sentral_services::corporate::subscriptions::{
    ReferencePatch, SubscriptionQuery, UserReferencesPatch,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::paging::{PageBody, PageParams, integer, json_page};
use super::{TelenorCaller, TelenorError};
use crate::AppState;
use crate::body::update::{Unknown, UpdateFields, representation};
use crate::body::{Path, Query};

/// A subscription in search results.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionSummaryBody {
    /// The number with country code, e.g. `4791000001`.
    #[schema(example = "4791000001")]
    pub msisdn: String,
    #[schema(example = "10000001")]
    pub account_id: String,
    #[schema(example = "930000000")]
    pub organization_number: String,
    /// `ACTIVE`, `SUSPENDED` or `TERMINATED`.
    pub status: String,
    /// The price plan's name.
    #[schema(example = "Bedrift Fri+ 10 GB")]
    pub subscription_type: String,
    /// Printed on the invoice instead of the user's name.
    pub user_reference1: Option<String>,
    pub user_reference2: Option<String>,
    pub user_reference3: Option<String>,
    /// When the subscription last changed (RFC 3339).
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionUserBody {
    pub first_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    pub last_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimCardBody {
    #[schema(example = "8947000091000001")]
    pub iccid: String,
}

/// An add-on on the subscription.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionProductBody {
    #[schema(example = 300102)]
    pub product_id: i64,
    #[schema(example = "Data Ekstra 5 GB")]
    pub name: String,
    /// Whether a REMOVE_PRODUCT order may remove it.
    pub removable: bool,
    pub added_at: String,
}

/// A subscription with everything about it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionBody {
    #[serde(flatten)]
    pub summary: SubscriptionSummaryBody,
    /// The price plan's product offer id.
    pub subscription_type_id: i64,
    pub user: Option<SubscriptionUserBody>,
    pub sim_card: SimCardBody,
    pub products: Vec<SubscriptionProductBody>,
    pub activated_at: String,
}

/// A [`SubscriptionBody`] written as one flat object, the same bytes as its derived `Serialize`
/// (whose `flatten` goes through serde's map serializer, field by field, at twice the cost).
pub struct FlatSubscription(pub SubscriptionBody);

impl Serialize for FlatSubscription {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (body, summary) = (&self.0, &self.0.summary);
        let mut object = serializer.serialize_struct("SubscriptionBody", 14)?;
        object.serialize_field("msisdn", &summary.msisdn)?;
        object.serialize_field("accountId", &summary.account_id)?;
        object.serialize_field("organizationNumber", &summary.organization_number)?;
        object.serialize_field("status", &summary.status)?;
        object.serialize_field("subscriptionType", &summary.subscription_type)?;
        object.serialize_field("userReference1", &summary.user_reference1)?;
        object.serialize_field("userReference2", &summary.user_reference2)?;
        object.serialize_field("userReference3", &summary.user_reference3)?;
        object.serialize_field("updatedAt", &summary.updated_at)?;
        object.serialize_field("subscriptionTypeId", &body.subscription_type_id)?;
        object.serialize_field("user", &body.user)?;
        object.serialize_field("simCard", &body.sim_card)?;
        object.serialize_field("products", &body.products)?;
        object.serialize_field("activatedAt", &body.activated_at)?;
        object.end()
    }
}

/// The list's object of a subscription. The list itself is written by the store in SQL
/// (`search_json`): a test holds the two to the same bytes.
pub fn summary(subscription: &SubscriptionSummary) -> SubscriptionSummaryBody {
    let reference = |r: &Option<sentral_domain::corporate::UserReference>| {
        r.as_ref().map(|r| r.as_str().to_owned())
    };
    SubscriptionSummaryBody {
        msisdn: subscription.msisdn.to_string(),
        account_id: subscription.account_id.to_string(),
        organization_number: subscription.org_number.to_string(),
        status: subscription.status.to_string(),
        subscription_type: ProductOffer::find(subscription.plan_id)
            .map_or_else(String::new, |offer| offer.name.to_owned()),
        user_reference1: reference(&subscription.references.reference1),
        user_reference2: reference(&subscription.references.reference2),
        user_reference3: reference(&subscription.references.reference3),
        updated_at: subscription.updated_at.to_rfc3339(),
    }
}

impl From<MobileSubscription> for SubscriptionBody {
    fn from(subscription: MobileSubscription) -> Self {
        // The values move into the answer; only the names of the catalogue are copied.
        let references = subscription.references;
        Self {
            summary: SubscriptionSummaryBody {
                msisdn: subscription.msisdn.into(),
                account_id: subscription.account_id.into(),
                organization_number: subscription.org_number.into(),
                status: subscription.status.to_string(),
                subscription_type: ProductOffer::find(subscription.plan_id)
                    .map_or_else(String::new, |offer| offer.name.to_owned()),
                user_reference1: references.reference1.map(Into::into),
                user_reference2: references.reference2.map(Into::into),
                user_reference3: references.reference3.map(Into::into),
                updated_at: subscription.updated_at.to_rfc3339(),
            },
            subscription_type_id: subscription.plan_id,
            user: subscription.user.map(|user| SubscriptionUserBody {
                first_name: user.first_name,
                middle_name: user.middle_name,
                last_name: user.last_name,
            }),
            sim_card: SimCardBody {
                iccid: subscription.iccid,
            },
            products: subscription
                .products
                .iter()
                .map(|product| {
                    let offer = ProductOffer::find(product.product_id);
                    SubscriptionProductBody {
                        product_id: product.product_id,
                        name: offer.map_or_else(String::new, |o| o.name.to_owned()),
                        removable: offer.is_some_and(|o| o.removable),
                        added_at: product.added_at.to_rfc3339(),
                    }
                })
                .collect(),
            activated_at: subscription.activated_at.to_rfc3339(),
        }
    }
}

/// Search criteria: give at least one; `productId` and `since` cannot be combined.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Subscriptions on this account.
    pub account_id: Option<String>,
    /// Subscriptions of this organisation (9 digits).
    pub organization_number: Option<String>,
    /// Numbers containing these digits.
    pub msisdn: Option<String>,
    /// Any user reference containing this text (case-insensitive).
    pub user_reference: Option<String>,
    /// Subscriptions with this add-on.
    #[param(value_type = Option<i64>)]
    pub product_id: Option<String>,
    /// Changed after this date (`2026-01-31`) or time (RFC 3339); the page is then ordered by
    /// change time.
    pub since: Option<String>,
    /// `ACTIVE`, `SUSPENDED` or `TERMINATED`.
    pub status: Option<String>,
    /// Sort order (by number, or by change time with `since`); true when not given.
    #[param(value_type = Option<bool>)]
    pub ascending: Option<String>,
}

/// Search mobile subscriptions of your organisations.
#[utoipa::path(
    get,
    path = "/corporate-mobile-subscriptions/v2/mobile-subscriptions",
    tag = "corporate-mobile-subscriptions",
    security(("bearer" = [])),
    params(SearchParams, PageParams),
    responses(
        (status = 200, description = "One page of subscriptions", body = PageBody<SubscriptionSummaryBody>),
        (status = 400, description = "40000: no criterion, productId with since, or a malformed \
            parameter (named in detail)", body = super::ErrorBody),
        (status = 401, description = "40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Query(params, _): Query<SearchParams, TelenorError>,
    Query(paging, _): Query<PageParams, TelenorError>,
) -> Result<Response, TelenorError> {
    caller.require(ApiProduct::MobileSubscriptionInfo)?;
    let ascending = match params.ascending.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(TelenorError::BadRequest(format!(
                "ascending: must be true or false, got {other:?}"
            )));
        }
    };
    let query = SubscriptionQuery {
        account_id: params.account_id,
        organization_number: params.organization_number,
        msisdn: params.msisdn,
        user_reference: params.user_reference,
        product_id: integer("productId", params.product_id.as_deref())?,
        since: params.since,
        status: params.status,
        ascending,
    };
    let page = paging.request()?;
    let found = state
        .platform
        .search_subscriptions(&caller, query, page)
        .await?;
    Ok(json_page(&found))
}

/// Get a mobile subscription, with its user, SIM card and add-ons.
#[utoipa::path(
    get,
    path = "/corporate-mobile-subscriptions/v2/mobile-subscriptions/{msisdn}",
    tag = "corporate-mobile-subscriptions",
    security(("bearer" = [])),
    params(("msisdn" = String, Path, description = "8 digits, or with country code 47",
        pattern = "^[0-9]{8,15}$", example = "4791000001")),
    responses(
        (status = 200, description = "The subscription", body = SubscriptionBody),
        (status = 400, description = "40000 malformed number", body = super::ErrorBody),
        (status = 401, description = "40104 not authorized to use the MSISDN (unknown or outside \
            your grants), 40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(msisdn, _): Path<String, TelenorError>,
) -> Result<Response, TelenorError> {
    caller.require(ApiProduct::MobileSubscriptionInfo)?;
    // The store wrote the subscription's JSON (the bytes of `FlatSubscription`, which a test
    // holds it to); it is the body as it is.
    let json = state.platform.subscription_json(&caller, &msisdn).await?;
    Ok(crate::json::written(json))
}

/// The user references of a subscription after an update.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserReferencesBody {
    pub msisdn: String,
    pub user_reference1: Option<String>,
    pub user_reference2: Option<String>,
    pub user_reference3: Option<String>,
}

/// A partial update: fields left out keep their value, `null` or `""` clears one. At most 50
/// characters each, no control characters. The subscription as GET answers it (or the answer
/// of this update) may be sent back with its changes: the read-only fields are ignored when
/// they are the subscription's, a 400 naming the field when not; any other field is a 400
/// naming it.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserReferencesUpdate {
    #[schema(example = "Kari Nordmann")]
    pub user_reference1: Option<String>,
    pub user_reference2: Option<String>,
    pub user_reference3: Option<String>,
    #[schema(read_only, example = "4791000001")]
    pub msisdn: Option<String>,
    #[schema(read_only)]
    pub account_id: Option<String>,
    #[schema(read_only)]
    pub organization_number: Option<String>,
    #[schema(read_only)]
    pub status: Option<String>,
    #[schema(read_only)]
    pub subscription_type: Option<String>,
    #[schema(read_only)]
    pub updated_at: Option<String>,
    #[schema(read_only)]
    pub subscription_type_id: Option<i64>,
    #[schema(read_only)]
    pub user: Option<SubscriptionUserBody>,
    #[schema(read_only)]
    pub sim_card: Option<SimCardBody>,
    #[schema(schema_with = read_only_products)]
    pub products: Option<Vec<SubscriptionProductBody>>,
    #[schema(read_only)]
    pub activated_at: Option<String>,
}

fn read_only_products() -> utoipa::openapi::Schema {
    crate::openapi::read_only_list(
        utoipa::openapi::Ref::from_schema_name("SubscriptionProductBody"),
        None,
    )
}

/// The fields of a user-reference update (see [`UserReferencesUpdate`]).
pub const REFERENCES_UPDATE: UpdateFields = UpdateFields {
    what: "a user-reference update",
    writable: &["userReference1", "userReference2", "userReference3"],
    read_only: &[
        "msisdn",
        "accountId",
        "organizationNumber",
        "status",
        "subscriptionType",
        "updatedAt",
        "subscriptionTypeId",
        "user",
        "simCard",
        "products",
        "activatedAt",
    ],
    derived: &[],
    unknown: Unknown::Refuse,
};

fn reference_patch(
    body: &serde_json::Map<String, serde_json::Value>,
    field: &str,
) -> Result<ReferencePatch, TelenorError> {
    match body.get(field) {
        None => Ok(ReferencePatch::Keep),
        Some(serde_json::Value::Null) => Ok(ReferencePatch::Clear),
        Some(serde_json::Value::String(text)) => Ok(ReferencePatch::Set(text.clone())),
        Some(other) => Err(TelenorError::BadRequest(format!(
            "{field}: must be a string or null, got {other}"
        ))),
    }
}

async fn update_references(
    state: AppState,
    caller: sentral_services::Principal,
    msisdn: String,
    body: axum::body::Bytes,
) -> Result<Json<UserReferencesBody>, TelenorError> {
    caller.require(ApiProduct::MobileSubscriptionOrder)?;
    let body: serde_json::Value = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Object(Default::default())
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| TelenorError::BadRequest(format!("invalid JSON body: {e}")))?
    };
    let serde_json::Value::Object(fields) = body else {
        return Err(TelenorError::BadRequest(
            "the body must be a JSON object such as {\"userReference3\": \"x\"}".into(),
        ));
    };
    let (platform, caller_ref, number) = (&state.platform, &caller, msisdn.as_str());
    let fields = REFERENCES_UPDATE
        .apply(fields, move || async move {
            let subscription = platform.subscription(caller_ref, number).await?;
            Ok::<_, TelenorError>(representation(SubscriptionBody::from(subscription)))
        })
        .await?;
    let patch = UserReferencesPatch {
        reference1: reference_patch(&fields, "userReference1")?,
        reference2: reference_patch(&fields, "userReference2")?,
        reference3: reference_patch(&fields, "userReference3")?,
    };
    let updated = state
        .platform
        .update_user_references(&caller, &msisdn, patch)
        .await?;
    let text = |r: &Option<sentral_domain::corporate::UserReference>| {
        r.as_ref().map(|r| r.as_str().to_owned())
    };
    Ok(Json(UserReferencesBody {
        msisdn: updated.msisdn.to_string(),
        user_reference1: text(&updated.references.reference1),
        user_reference2: text(&updated.references.reference2),
        user_reference3: text(&updated.references.reference3),
    }))
}

/// Update user references (partial). userReference1 is printed on the invoice instead of the
/// user's name.
#[utoipa::path(
    put,
    path = "/corporate-mobile-subscriptions/v2/{msisdn}/user-references",
    tag = "corporate-mobile-subscriptions",
    security(("bearer" = [])),
    params(("msisdn" = String, Path, description = "8 digits, or with country code 47",
        pattern = "^[0-9]{8,15}$", example = "4791000001")),
    request_body = UserReferencesUpdate,
    responses(
        (status = 200, description = "The references after the update", body = UserReferencesBody),
        (status = 400, description = "400033 invalid reference, 40000 malformed body or number", body = super::ErrorBody),
        (status = 401, description = "40104 not authorized to use the MSISDN, 40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 413, description = "41300 body over 1 MiB", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn put_references_v2(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(msisdn, _): Path<String, TelenorError>,
    body: axum::body::Bytes,
) -> Result<Json<UserReferencesBody>, TelenorError> {
    update_references(state, caller, msisdn, body).await
}

/// Deprecated v1 of the user-reference update, kept for the clients that use it; same as v2.
#[utoipa::path(
    put,
    path = "/corporate-mobile-subscriptions/v1/{msisdn}/user-references",
    tag = "corporate-mobile-subscriptions",
    security(("bearer" = [])),
    params(("msisdn" = String, Path, description = "8 digits, or with country code 47",
        pattern = "^[0-9]{8,15}$", example = "4791000001")),
    request_body = UserReferencesUpdate,
    responses(
        (status = 200, description = "The references after the update", body = UserReferencesBody),
        (status = 400, description = "400033 invalid reference, 40000 malformed body or number", body = super::ErrorBody),
        (status = 401, description = "40104 not authorized to use the MSISDN, 40101 no system user behind the token, 40102 no Authorization, 40103 no \
            API product, 40105 invalid token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 413, description = "41300 body over 1 MiB", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn put_references_v1(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(msisdn, _): Path<String, TelenorError>,
    body: axum::body::Bytes,
) -> Result<Json<UserReferencesBody>, TelenorError> {
    update_references(state, caller, msisdn, body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(user: bool, references: bool) -> SubscriptionBody {
        let reference = |text: &str| references.then(|| text.to_owned());
        SubscriptionBody {
            summary: SubscriptionSummaryBody {
                msisdn: "4791000001".into(),
                account_id: "10000001".into(),
                organization_number: "930000000".into(),
                status: "ACTIVE".into(),
                subscription_type: "Bedrift \"Fri\"+ 10 GB".into(),
                user_reference1: reference("a\\b"),
                user_reference2: reference("ø"),
                user_reference3: None,
                updated_at: "2026-11-22T10:00:00.000Z".into(),
            },
            subscription_type_id: 300_001,
            user: user.then(|| SubscriptionUserBody {
                first_name: "Kari".into(),
                middle_name: None,
                last_name: "Nordmann".into(),
            }),
            sim_card: SimCardBody {
                iccid: "8947000091000001".into(),
            },
            products: vec![SubscriptionProductBody {
                product_id: 300_102,
                name: "Data Ekstra 5 GB".into(),
                removable: true,
                added_at: "2026-11-22T10:00:00.000Z".into(),
            }],
            activated_at: "2026-01-01T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn the_flat_object_is_the_derived_one_byte_for_byte() {
        for (user, references) in [(true, true), (false, false), (true, false)] {
            assert_eq!(
                serde_json::to_string(&FlatSubscription(body(user, references))).unwrap(),
                serde_json::to_string(&body(user, references)).unwrap()
            );
        }
    }
}
