//! MBN Status interface: members' presence and the status of application-updated PBX
//! memberlines. (`POST /status/token` is with the CSTA login, in `csta.rs`.)

use crate::json::Json;
use axum::extract::State;
use sentral_domain::ApiProduct;
use sentral_domain::directory::TerminalStatus;
use sentral_engine::AbsenceInfo;
use sentral_services::telephony::status::MemberStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::body::{Json as JsonBody, Path};
use crate::telenor::{ErrorBody, NotOwnerUnavailable, TelenorCaller, TelenorError};

/// A member's presence: what the network sees of the phone, the current absence, and the
/// availability computed from both (an active absence wins).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserStatusBody {
    #[schema(example = "mem_demo_001")]
    pub member_id: String,
    #[schema(example = "4791000001")]
    pub device_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "101")]
    pub short_number: Option<String>,
    /// available, ringing, busy or offline.
    #[schema(example = "available")]
    pub device_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absence: Option<AbsenceInfo>,
    /// available, busy, offline or absent.
    #[schema(example = "available")]
    pub availability: &'static str,
}

impl From<MemberStatus> for UserStatusBody {
    fn from(status: MemberStatus) -> Self {
        Self {
            member_id: status.member_id,
            device_id: status.device,
            short_number: status.short_number,
            device_state: status.presence.device_state,
            absence: status.presence.absence,
            availability: status.presence.availability,
        }
    }
}

#[utoipa::path(
    get,
    path = "/status/users/{memberId}",
    tag = "mbn-status",
    security(("bearer" = [])),
    params(("memberId" = String, Path, description = "The member id")),
    responses(
        (status = 200, description = "The member's presence", body = UserStatusBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106", body = ErrorBody),
        (status = 403, description = "40301; 40302 another member for an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown member or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn user(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(member_id, _): Path<String, TelenorError>,
) -> Result<Json<UserStatusBody>, TelenorError> {
    caller.require(ApiProduct::MbnStatusPush)?;
    let status = state.platform.member_status(&caller, &member_id).await?;
    Ok(Json(status.into()))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseStatusBody {
    pub enterprise_id: String,
    /// Every member's presence, by member id.
    pub users: Vec<UserStatusBody>,
}

#[utoipa::path(
    get,
    path = "/status/enterprises/{enterpriseId}/users",
    tag = "mbn-status",
    security(("bearer" = [])),
    params(("enterpriseId" = String, Path, description = "The enterprise id")),
    responses(
        (status = 200, description = "Every member's presence", body = EnterpriseStatusBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 404, description = "40402 unknown enterprise or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn enterprise_users(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(enterprise_id, _): Path<String, TelenorError>,
) -> Result<Json<EnterpriseStatusBody>, TelenorError> {
    caller.require(ApiProduct::MbnStatusPush)?;
    let users = state
        .platform
        .enterprise_statuses(&caller, &enterprise_id)
        .await?;
    Ok(Json(EnterpriseStatusBody {
        enterprise_id,
        users: users.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TerminalStatusRequest {
    /// available, busy or offline.
    #[schema(example = "busy")]
    pub status: String,
}

/// A PBX memberline terminal and the status its application set.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TerminalBody {
    /// The terminal's id: its number, E.164 digits.
    #[schema(example = "4722990290")]
    pub terminal_id: String,
    pub enterprise_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// `application` (this API sets its status) or `network`.
    #[schema(example = "application")]
    pub status_source: &'static str,
    #[schema(example = "busy")]
    pub status: Option<&'static str>,
    pub updated_at: String,
}

/// Set a PBX memberline's status. Only terminals of type PBX configured (in MBN Admin) to be
/// updated by an application take it; others answer 409. Every change is a `StatusChanged`
/// event on the monitors.
#[utoipa::path(
    put,
    path = "/status/terminals/{terminalId}",
    tag = "mbn-status",
    security(("bearer" = [])),
    params(("terminalId" = String, Path, description = "The memberline's number, E.164 digits")),
    request_body = TerminalStatusRequest,
    responses(
        (status = 200, description = "The terminal with its new status", body = TerminalBody),
        (status = 400, description = "40000 unknown status", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106", body = ErrorBody),
        (status = 403, description = "40301; 40302 an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown terminal or not yours", body = ErrorBody),
        (status = 409, description = "40901 not a memberline, or one whose status comes from the network", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
    )
)]
pub async fn set_terminal(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(terminal_id, _): Path<String, TelenorError>,
    JsonBody(body, _): JsonBody<TerminalStatusRequest, TelenorError>,
) -> Result<Json<TerminalBody>, TelenorError> {
    caller.require(ApiProduct::MbnStatusPush)?;
    let status = TerminalStatus::parse(body.status.trim()).ok_or_else(|| {
        TelenorError::BadRequest(format!(
            "status: {:?} is not one of {}",
            body.status,
            TerminalStatus::NAMES.join(", ")
        ))
    })?;
    let terminal = state
        .platform
        .set_terminal_status(&caller, &terminal_id, status)
        .await?;
    Ok(Json(TerminalBody {
        terminal_id: terminal.number,
        enterprise_id: terminal.enterprise_id,
        member_id: terminal.member_id.map(|m| m.as_str().to_owned()),
        status_source: terminal.status_source.as_str(),
        status: terminal.status.map(TerminalStatus::as_str),
        updated_at: terminal.updated_at.to_rfc3339(),
    }))
}
