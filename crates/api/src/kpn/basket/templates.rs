//! Templates: the basket's list, saving and modifying one from a basket
//! (`rest-contracting-controller`), and `rest-template-controller`'s overview, details, delete.

use crate::json::Json;
use axum::extract::State;

use super::super::input::{KpnBody, KpnQuery};
use super::super::wire::{HierarchyItemBody, Paged, path_body};
use super::super::{KpnCaller, KpnError, path_id};
use super::wire::{SaveAsTemplateBody, TemplateBody, TemplateItemBody, TemplateOverviewBody};
use crate::AppState;
use crate::body::Path;

pub async fn basket_templates(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Paged<TemplateBody>>, KpnError> {
    let (templates, total) = state
        .platform
        .kpn_basket_templates(
            &principal,
            query.text("sessionId").as_deref(),
            query.text("mainProductCategory").as_deref(),
            query.text("pattern").as_deref(),
            query.page()?,
        )
        .await?;
    Ok(Json(Paged::of(templates, total)))
}

pub async fn save_as_template(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
    KpnBody(body): KpnBody,
) -> Result<Json<SaveAsTemplateBody>, KpnError> {
    let id = state
        .platform
        .kpn_save_as_template(
            &principal,
            query.text("sessionId").as_deref(),
            body.int("groupId")?,
            body.text("name")?,
        )
        .await?;
    Ok(Json(SaveAsTemplateBody { id }))
}

pub async fn modify_template(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<(), KpnError> {
    state
        .platform
        .kpn_modify_template(&principal, query.text("sessionId").as_deref())
        .await?;
    Ok(())
}

pub async fn overview(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Vec<TemplateOverviewBody>>, KpnError> {
    let templates = state
        .platform
        .kpn_templates_at(&principal, query.int("groupId")?)
        .await?;
    Ok(Json(templates.into_iter().map(Into::into).collect()))
}

/// `TemplateDetailsWithLocations`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateDetailsBody {
    pub id: i64,
    pub name: String,
    pub customer_level: bool,
    pub valid: bool,
    pub items: Vec<TemplateItemBody>,
    /// Each location's path, the customer first and the location last.
    pub locations: Vec<Vec<HierarchyItemBody>>,
}

pub async fn details(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<TemplateDetailsBody>, KpnError> {
    let details = state
        .platform
        .kpn_template_details(&principal, path_id("id", &id)?)
        .await?;
    Ok(Json(TemplateDetailsBody {
        id: details.view.template.id,
        name: details.view.template.name.clone(),
        customer_level: details.view.template.customer_level,
        valid: details.view.reason.is_none(),
        items: details.items.into_iter().map(Into::into).collect(),
        locations: details
            .locations
            .iter()
            .map(|path| path_body(path))
            .collect(),
    }))
}

pub async fn delete(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<(), KpnError> {
    state
        .platform
        .kpn_delete_template(&principal, path_id("id", &id)?)
        .await?;
    Ok(())
}
