//! Portal users, roles and GRIP identities (`rest-user-controller`, `/hierarchy/grip-entities`, `/hierarchy/subscribers/link`, `…/roles`, `…/managed-entities`, `…/assign-entities`, `…/unassign-entities`).

use crate::json::Json;
use axum::extract::State;
use axum::routing::{MethodRouter, get, post};
use sentral_domain::kpn::users::GripEntity;
use sentral_services::kpn::users::{LinkRequest, RoleQuery, RoleView, UserInfo};
use serde::Serialize;
use utoipa::ToSchema;

use super::input::{Fields, KpnBody, KpnQuery};
use super::wire::{HierarchyItemBody, OrderAnswer, Paged, ordered};
use super::{KpnCaller, KpnError, path_id};
use crate::AppState;
use crate::body::Path;

/// The handler of an operation of this group, by method and spec path.
pub(super) fn handler(method: &str, path: &str) -> Option<MethodRouter<AppState>> {
    Some(match (method, path) {
        ("GET", "/hierarchy/grip-entities") => get(grip_entities),
        ("POST", "/hierarchy/subscribers/link") => post(link),
        ("GET", "/hierarchy/subscribers/roles") => get(all_roles),
        ("GET", "/hierarchy/subscribers/roles/{roleId}/privileges") => get(role_privileges),
        ("GET", "/hierarchy/subscribers/{subscriberId}/roles") => get(subscriber_roles),
        ("POST", "/hierarchy/subscribers/{subscriberId}/roles") => post(edit_roles),
        ("GET", "/hierarchy/subscribers/{id}/managed-entities") => get(managed_entities),
        ("POST", "/hierarchy/subscribers/{id}/assign-entities") => post(assign),
        ("POST", "/hierarchy/subscribers/{id}/unassign-entities") => post(unassign),
        _ => return None,
    })
}

/// `GripEntity`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GripEntityBody {
    pub id: i64,
    pub user_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    pub surname: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    /// MALE, FEMALE or OTHER.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// EN or NL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_number: Option<String>,
}

impl From<GripEntity> for GripEntityBody {
    fn from(entity: GripEntity) -> Self {
        Self {
            id: entity.id,
            user_name: entity.user_name,
            first_name: entity.first_name,
            surname: entity.surname,
            email: entity.email,
            employee_number: entity.employee_number,
            gender: entity.gender,
            preferred_language: entity.preferred_language,
            mobile_number: entity.mobile_number,
            fixed_number: entity.fixed_number,
        }
    }
}

/// `Role`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleBody {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

impl From<RoleView> for RoleBody {
    fn from(view: RoleView) -> Self {
        Self {
            id: view.role.id,
            name: view.role.name,
            selected: view.selected,
        }
    }
}

async fn grip_entities(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
) -> Result<Json<Vec<GripEntityBody>>, KpnError> {
    let entities = state.platform.kpn_grip_entities(&principal).await?;
    Ok(Json(entities.into_iter().map(Into::into).collect()))
}

/// `UserAdditionalInfo` (and the same fields of `LinkSubscriberToGripRequestParams`).
pub(crate) fn user_info(body: &Fields) -> Result<UserInfo, KpnError> {
    Ok(UserInfo {
        grip_entity_id: body.int("gripEntityId")?,
        roles: body.ints("roles")?,
        managed_entities: body.ints("managedEntities")?,
    })
}

/// `LinkSubscriberToGripRequestParams`.
async fn link(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    KpnBody(body): KpnBody,
) -> OrderAnswer {
    let request = LinkRequest {
        subscriber_id: body.int("subscriberId")?,
        reference_number: body.text("referenceNumber")?,
        mobile_number: body.text("mobileNumber")?,
        fixed_number: body.text("fixedNumber")?,
        email: body.text("email")?,
        user: user_info(&body)?,
    };
    ordered(state.platform.kpn_link_user(&principal, request).await?)
}

fn role_query(query: &KpnQuery) -> Result<RoleQuery, KpnError> {
    Ok(RoleQuery {
        page: query.page()?,
        order: query.text("order"),
        pattern: query.text("pattern"),
        sort_by: query.text("sortBy"),
    })
}

async fn all_roles(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    query: KpnQuery,
) -> Result<Json<Paged<RoleBody>>, KpnError> {
    let (roles, total) = state
        .platform
        .kpn_roles(&principal, None, role_query(&query)?)
        .await?;
    Ok(Json(Paged::of(roles, total)))
}

async fn subscriber_roles(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    query: KpnQuery,
) -> Result<Json<Paged<RoleBody>>, KpnError> {
    let id = path_id("subscriberId", &id)?;
    let (roles, total) = state
        .platform
        .kpn_roles(&principal, Some(id), role_query(&query)?)
        .await?;
    Ok(Json(Paged::of(roles, total)))
}

async fn role_privileges(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<Vec<&'static str>>, KpnError> {
    let id = path_id("roleId", &id)?;
    let privileges = state.platform.kpn_role_privileges(&principal, id).await?;
    Ok(Json(privileges.iter().map(|p| p.as_str()).collect()))
}

/// `EditRolesRequest`.
async fn edit_roles(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    KpnBody(body): KpnBody,
) -> Result<(), KpnError> {
    let id = path_id("subscriberId", &id)?;
    state
        .platform
        .kpn_edit_user_roles(
            &principal,
            id,
            body.ints("rolesToAdd")?,
            body.ints("rolesToRemove")?,
        )
        .await?;
    Ok(())
}

async fn managed_entities(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
) -> Result<Json<Vec<HierarchyItemBody>>, KpnError> {
    let id = path_id("id", &id)?;
    let groups = state.platform.kpn_managed_groups(&principal, id).await?;
    Ok(Json(
        groups
            .iter()
            .map(|(group, path)| HierarchyItemBody::with_path(group, path))
            .collect(),
    ))
}

/// `ManagedGroupAssignmentParams`.
async fn assign_groups(
    state: &AppState,
    principal: &sentral_services::Principal,
    id: &str,
    body: &Fields,
    assign: bool,
) -> Result<(), KpnError> {
    let id = path_id("id", id)?;
    state
        .platform
        .kpn_assign_groups(principal, id, body.ints("groupIds")?, assign)
        .await?;
    Ok(())
}

async fn assign(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    KpnBody(body): KpnBody,
) -> Result<(), KpnError> {
    assign_groups(&state, &principal, &id, &body, true).await
}

async fn unassign(
    State(state): State<AppState>,
    KpnCaller(principal): KpnCaller,
    Path(id, _): Path<String, KpnError>,
    KpnBody(body): KpnBody,
) -> Result<(), KpnError> {
    assign_groups(&state, &principal, &id, &body, false).await
}
