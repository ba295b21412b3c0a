//! `GET /organizations/v1/organizations`: the organisations the caller may act for.

use crate::json::Json;
use axum::extract::State;
use sentral_domain::ApiProduct;
use serde::Serialize;
use utoipa::ToSchema;

use super::{TelenorCaller, TelenorError};
use crate::AppState;

/// An organisation the system user may act for.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationBody {
    /// Norwegian organisation number, 9 digits.
    #[schema(example = "930000000")]
    pub organization_number: String,
    #[schema(example = "Demo Kunde AS")]
    pub name: String,
    /// The parent company's number, for subsidiaries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_organization_number: Option<String>,
}

/// List your organisations: those the system user is granted and the application reaches.
#[utoipa::path(
    get,
    path = "/organizations/v1/organizations",
    tag = "organizations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The organisations, ordered by number", body = [OrganizationBody]),
        (status = 401, description = "40102 no Authorization, 40103 no API product, 40105 invalid \
            token, 40106 expired token, 40107 Basic not allowed", body = super::ErrorBody),
        (status = 403, description = "40301 the token does not cover the API product", body = super::ErrorBody),
        (status = 429, description = "42901 quota, 42902 spike arrest (both with Retry-After)", body = super::ErrorBody),
        (status = 500, description = "50001 internal error", body = super::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
) -> Result<Json<Vec<OrganizationBody>>, TelenorError> {
    caller.require_any(&[
        ApiProduct::MobileSubscriptionOrder,
        ApiProduct::MobileSubscriptionInfo,
    ])?;
    let organizations = state.platform.visible_organizations(&caller).await?;
    Ok(Json(
        organizations
            .into_iter()
            .map(|organization| OrganizationBody {
                organization_number: organization.org_number.to_string(),
                name: organization.name,
                parent_organization_number: organization.parent.map(|parent| parent.to_string()),
            })
            .collect(),
    ))
}
