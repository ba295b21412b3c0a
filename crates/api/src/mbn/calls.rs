//! MBN CSTA interface, part 2: call control (MakeCall, AnswerCall, ClearConnection/ClearCall,
//! HoldCall, RetrieveCall, DeflectCall, SingleStepTransferCall, ConsultationCall, TransferCall,
//! ConferenceCall) and devices (forwarding, agent state, snapshot). CSTA names, JSON bodies.

use crate::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sentral_domain::directory::ForwardingKind;
use sentral_engine::{DeviceSnapshot, ForwardingInfo};
use sentral_services::directory::forwarding::{ForwardingChange, RuleChange};
use sentral_services::telephony::csta::{CallAnswer, CallService};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::csta::CstaCaller;
use crate::AppState;
use crate::body::{Json as JsonBody, Path};
use crate::telenor::{ErrorBody, NotOwnerUnavailable, TelenorError};

/// A connection: a call and a device in it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionBody {
    #[schema(example = "100001-17")]
    pub call_id: String,
    #[schema(example = "4791000001")]
    pub device_id: String,
}

impl From<CallAnswer> for ConnectionBody {
    fn from(answer: CallAnswer) -> Self {
        Self {
            call_id: answer.call_id,
            device_id: answer.device,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MakeCallRequest {
    /// The controlling device (a member's phone): it rings first; when answered, the network
    /// dials `calledDirectoryNumber`.
    #[schema(example = "4791000001")]
    pub calling_device: String,
    /// E.164 digits or a short number of the enterprise's plan.
    #[schema(example = "102")]
    pub called_directory_number: String,
}

/// MakeCall.
#[utoipa::path(
    post,
    path = "/csta/calls",
    tag = "mbn-csta",
    security(("bearer" = [])),
    request_body = MakeCallRequest,
    responses(
        (status = 201, description = "The calling device's connection in the new call", body = ConnectionBody),
        (status = 400, description = "40000 bad body; 40003 invalidDestination", body = ErrorBody),
        (status = 401, description = "40101 (no CSTA session), 40102, 40105", body = ErrorBody),
        (status = 403, description = "40302: an end user's call from another phone", body = ErrorBody),
        (status = 404, description = "40402 unknown device", body = ErrorBody),
        (status = 409, description = "40902 deviceOutOfService, requestIncompatibleWithObject", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn make_call(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    JsonBody(body, _): JsonBody<MakeCallRequest, TelenorError>,
) -> Result<Response, TelenorError> {
    let answer = state
        .platform
        .make_call(&caller, &body.calling_device, &body.called_directory_number)
        .await?;
    Ok((StatusCode::CREATED, Json(ConnectionBody::from(answer))).into_response())
}

/// The device a service acts for; for `clear` without it, the whole call is cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceRequest {
    #[schema(example = "4791000002")]
    pub device: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeflectRequest {
    /// The alerting device.
    pub device: String,
    /// E.164 digits or a short number.
    pub new_destination: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SingleStepTransferRequest {
    /// The connected device that hands the call on and leaves it.
    pub device: String,
    pub transferred_to: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsultationRequest {
    /// The connected device: its call is held and a new one made to `consultedDevice`.
    pub device: String,
    pub consulted_device: String,
}

fn required(device: Option<String>) -> Result<String, TelenorError> {
    device.ok_or_else(|| TelenorError::BadRequest("device: required".into()))
}

async fn on_call(
    state: &AppState,
    caller: &sentral_services::Principal,
    call_id: &str,
    service: CallService,
) -> Result<Json<ConnectionBody>, TelenorError> {
    let answer = state
        .platform
        .call_service(caller, call_id, service)
        .await?;
    Ok(Json(answer.into()))
}

/// A service on one call: its OpenAPI description and handler, from the body type and how the
/// body becomes the service.
macro_rules! call_service {
    ($name:ident, $path:literal, $summary:literal, $body:ty, |$request:ident| $service:expr) => {
        #[doc = $summary]
        #[utoipa::path(
            post,
            path = $path,
            tag = "mbn-csta",
            security(("bearer" = [])),
            params(("callId" = String, Path, description = "The call, e.g. 100001-17")),
            request_body = $body,
            responses(
                (status = 200, description = "The device's connection after the service (ConsultationCall: in the new call)", body = ConnectionBody),
                (status = 400, description = "40000 bad body; 40003 invalidDestination", body = ErrorBody),
                (status = 401, description = "40101 (no CSTA session), 40102, 40105", body = ErrorBody),
                (status = 403, description = "40302: an end user acting for another phone", body = ErrorBody),
                (status = 404, description = "40402 unknown call; 40403 invalidCallIdentifier, invalidConnectionIdentifier", body = ErrorBody),
                (status = 409, description = "40902 invalidConnectionState: the connection is not in a state the service works from", body = ErrorBody),
                (status = 413, description = "41300 body too large", body = ErrorBody),
                (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
                NotOwnerUnavailable,
            )
        )]
        pub async fn $name(
            State(state): State<AppState>,
            CstaCaller(caller): CstaCaller,
            Path(call_id, _): Path<String, TelenorError>,
            JsonBody($request, _): JsonBody<$body, TelenorError>,
        ) -> Result<Json<ConnectionBody>, TelenorError> {
            let service = $service;
            on_call(&state, &caller, &call_id, service).await
        }
    };
}

call_service!(
    answer,
    "/csta/calls/{callId}/answer",
    "AnswerCall: an alerting device answers.",
    DeviceRequest,
    |body| {
        CallService::Answer {
            device: required(body.device)?,
        }
    }
);

/// What ClearConnection and ClearCall answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClearAnswerBody {
    #[schema(example = "100001-17")]
    pub call_id: String,
    /// ClearConnection: the device whose connection was cleared. Absent for ClearCall, which
    /// acts for no device: its acknowledgement names no connection (ECMA-269).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "4791000001")]
    pub device_id: Option<String>,
}

/// ClearConnection (with `device`: that device leaves; a two-party call ends) or ClearCall
/// (without: every party leaves, each with ConnectionCleared, then CallCleared).
#[utoipa::path(
    post,
    path = "/csta/calls/{callId}/clear",
    tag = "mbn-csta",
    security(("bearer" = [])),
    params(("callId" = String, Path, description = "The call, e.g. 100001-17")),
    request_body = DeviceRequest,
    responses(
        (status = 200, description = "The call, and for ClearConnection the device that left it", body = ClearAnswerBody),
        (status = 400, description = "40000 bad body; an end user without `device`", body = ErrorBody),
        (status = 401, description = "40101 (no CSTA session), 40102, 40105", body = ErrorBody),
        (status = 403, description = "40302: an end user acting for another phone", body = ErrorBody),
        (status = 404, description = "40402 unknown call; 40403 invalidCallIdentifier, invalidConnectionIdentifier", body = ErrorBody),
        (status = 409, description = "40902 invalidConnectionState: the connection is already null", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn clear(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    Path(call_id, _): Path<String, TelenorError>,
    JsonBody(body, _): JsonBody<DeviceRequest, TelenorError>,
) -> Result<Json<ClearAnswerBody>, TelenorError> {
    let answer = match body.device {
        Some(device) => {
            let answer = state
                .platform
                .call_service(&caller, &call_id, CallService::Clear { device })
                .await?;
            ClearAnswerBody {
                call_id: answer.call_id,
                device_id: Some(answer.device),
            }
        }
        None => ClearAnswerBody {
            call_id: state.platform.clear_call(&caller, &call_id).await?,
            device_id: None,
        },
    };
    Ok(Json(answer))
}
call_service!(
    hold,
    "/csta/calls/{callId}/hold",
    "HoldCall: a connected device puts the call on hold.",
    DeviceRequest,
    |body| {
        CallService::Hold {
            device: required(body.device)?,
        }
    }
);
call_service!(
    retrieve,
    "/csta/calls/{callId}/retrieve",
    "RetrieveCall: a device takes its held call back.",
    DeviceRequest,
    |body| {
        CallService::Retrieve {
            device: required(body.device)?,
        }
    }
);
call_service!(
    deflect,
    "/csta/calls/{callId}/deflect",
    "DeflectCall: an alerting device sends the call on.",
    DeflectRequest,
    |body| {
        CallService::Deflect {
            device: body.device,
            to: body.new_destination,
        }
    }
);
call_service!(
    single_step_transfer,
    "/csta/calls/{callId}/single-step-transfer",
    "SingleStepTransferCall: a connected device hands the call to another and leaves.",
    SingleStepTransferRequest,
    |body| CallService::SingleStepTransfer {
        device: body.device,
        to: body.transferred_to
    }
);
call_service!(
    consultation,
    "/csta/calls/{callId}/consultation",
    "ConsultationCall: the device's call is held and a new one made to the consulted device.",
    ConsultationRequest,
    |body| CallService::Consultation {
        device: body.device,
        to: body.consulted_device
    }
);

/// TransferCall and ConferenceCall: the device holds `heldCall` and is connected in
/// `activeCall`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JoinRequest {
    pub device: String,
    #[schema(example = "100001-17")]
    pub held_call: String,
    #[schema(example = "100001-18")]
    pub active_call: String,
}

/// TransferCall: the device leaves; the other parties of both calls meet in `activeCall`.
#[utoipa::path(
    post,
    path = "/csta/calls/transfer",
    tag = "mbn-csta",
    security(("bearer" = [])),
    request_body = JoinRequest,
    responses(
        (status = 200, description = "The resulting call (the device has left it)", body = ConnectionBody),
        (status = 400, description = "40000 a malformed path, query or body value (named in the detail)", body = ErrorBody),
        (status = 401, description = "40101 (no CSTA session), 40102, 40105", body = ErrorBody),
        (status = 404, description = "40402 unknown call", body = ErrorBody),
        (status = 409, description = "40902 invalidConnectionState", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn transfer(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    JsonBody(body, _): JsonBody<JoinRequest, TelenorError>,
) -> Result<Json<ConnectionBody>, TelenorError> {
    let answer = state
        .platform
        .join_calls(
            &caller,
            &body.device,
            &body.held_call,
            &body.active_call,
            false,
        )
        .await?;
    Ok(Json(answer.into()))
}

/// ConferenceCall: every party of both calls in `heldCall`, the device connected again.
#[utoipa::path(
    post,
    path = "/csta/calls/conference",
    tag = "mbn-csta",
    security(("bearer" = [])),
    request_body = JoinRequest,
    responses(
        (status = 200, description = "The device's connection in the conference", body = ConnectionBody),
        (status = 400, description = "40000 a malformed path, query or body value (named in the detail)", body = ErrorBody),
        (status = 401, description = "40101 (no CSTA session), 40102, 40105", body = ErrorBody),
        (status = 404, description = "40402 unknown call", body = ErrorBody),
        (status = 409, description = "40902 invalidConnectionState", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn conference(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    JsonBody(body, _): JsonBody<JoinRequest, TelenorError>,
) -> Result<Json<ConnectionBody>, TelenorError> {
    let answer = state
        .platform
        .join_calls(
            &caller,
            &body.device,
            &body.held_call,
            &body.active_call,
            true,
        )
        .await?;
    Ok(Json(answer.into()))
}

/// GetForwarding: the member's forwarding rules (the same as the User API's) and
/// do-not-disturb.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceForwardingBody {
    pub device: String,
    pub forwarding: Vec<ForwardingInfo>,
    pub do_not_disturb: bool,
}

#[utoipa::path(
    get,
    path = "/csta/devices/{device}/forwarding",
    tag = "mbn-csta",
    security(("bearer" = [])),
    params(("device" = String, Path, description = "The device's number, E.164 digits")),
    responses(
        (status = 200, description = "The forwarding", body = DeviceForwardingBody),
        (status = 400, description = "40000 not a device number", body = ErrorBody),
        (status = 401, description = "40101 (no CSTA session), 40102, 40105", body = ErrorBody),
        (status = 404, description = "40402 unknown device or not yours", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn get_forwarding(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    Path(device, _): Path<String, TelenorError>,
) -> Result<Json<DeviceForwardingBody>, TelenorError> {
    let snapshot = state.platform.device_snapshot(&caller, &device).await?;
    Ok(Json(DeviceForwardingBody {
        device: snapshot.device.device_id,
        forwarding: snapshot.forwarding,
        do_not_disturb: snapshot.do_not_disturb,
    }))
}

/// SetForwarding: one rule. `forwardDND` switches do-not-disturb; the others are the member's
/// forwarding rules (`forwardNoAns` also takes `ringDuration`, 5–60 s).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetForwardingRequest {
    /// forwardImmediate, forwardBusy, forwardNoAns, forwardUnavailable or forwardDND.
    #[schema(example = "forwardBusy")]
    pub forwarding_type: String,
    pub forward_status: bool,
    /// E.164 digits or a short number (not for forwardDND).
    #[serde(rename = "forwardDN")]
    pub forward_dn: Option<String>,
    pub ring_duration: Option<i64>,
}

#[utoipa::path(
    put,
    path = "/csta/devices/{device}/forwarding",
    tag = "mbn-csta",
    security(("bearer" = [])),
    params(("device" = String, Path, description = "The device's number, E.164 digits")),
    request_body = SetForwardingRequest,
    responses(
        (status = 200, description = "The forwarding as it is now", body = DeviceForwardingBody),
        (status = 400, description = "40000 unknown forwardingType, bad forwardDN or ringDuration", body = ErrorBody),
        (status = 401, description = "40101 (no CSTA session), 40102, 40105", body = ErrorBody),
        (status = 404, description = "40402 unknown device or not yours", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn set_forwarding(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    Path(device, _): Path<String, TelenorError>,
    JsonBody(body, _): JsonBody<SetForwardingRequest, TelenorError>,
) -> Result<Json<DeviceForwardingBody>, TelenorError> {
    let kind = match body.forwarding_type.as_str() {
        "forwardDND" => None,
        "forwardImmediate" => Some(ForwardingKind::Immediate),
        "forwardBusy" => Some(ForwardingKind::Busy),
        "forwardNoAns" => Some(ForwardingKind::NoAnswer),
        "forwardUnavailable" => Some(ForwardingKind::Unavailable),
        other => {
            return Err(TelenorError::BadRequest(format!(
                "forwardingType: {other:?} is not one of forwardImmediate, forwardBusy, forwardNoAns, forwardUnavailable, forwardDND"
            )));
        }
    };
    match kind {
        None => {
            state
                .platform
                .set_do_not_disturb(&caller, &device, body.forward_status)
                .await?;
        }
        Some(kind) => {
            let member_id = state.platform.member_of_device(&caller, &device).await?;
            let rule = Some(RuleChange {
                active: Some(body.forward_status),
                destination: body.forward_dn.map(Some),
            });
            let mut change = ForwardingChange {
                immediate: None,
                busy: None,
                no_answer: None,
                ring_seconds: body.ring_duration,
                unavailable: None,
            };
            match kind {
                ForwardingKind::Immediate => change.immediate = rule,
                ForwardingKind::Busy => change.busy = rule,
                ForwardingKind::NoAnswer => change.no_answer = rule,
                ForwardingKind::Unavailable => change.unavailable = rule,
            }
            state
                .platform
                .update_call_forwarding(&caller, &member_id, change)
                .await?;
        }
    }
    get_forwarding(
        State(state),
        CstaCaller(caller),
        Path(device, Default::default()),
    )
    .await
}

/// SetAgentState: loggedOn, loggedOff, ready, notReady (with `reason`) or workingAfterCall,
/// in one queue or (without `queueId`) every queue the device is an agent of.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentStateRequest {
    #[schema(example = "ready")]
    pub agent_state: String,
    pub queue_id: Option<String>,
    pub reason: Option<String>,
}

#[utoipa::path(
    put,
    path = "/csta/devices/{device}/agent-state",
    tag = "mbn-csta",
    security(("bearer" = [])),
    params(("device" = String, Path, description = "The agent's phone, E.164 digits")),
    request_body = AgentStateRequest,
    responses(
        (status = 200, description = "The device's snapshot with its agent states", body = DeviceSnapshot),
        (status = 400, description = "40000 unknown agentState, a reason without notReady", body = ErrorBody),
        (status = 409, description = "40901 a change the agent's state does not allow", body = ErrorBody),
        (status = 401, description = "40101 (no CSTA session), 40102, 40105", body = ErrorBody),
        (status = 404, description = "40402 unknown device; 40403 invalidDeviceIdentifier: not an agent (of that queue)", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn set_agent_state(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    Path(device, _): Path<String, TelenorError>,
    JsonBody(body, _): JsonBody<AgentStateRequest, TelenorError>,
) -> Result<Json<DeviceSnapshot>, TelenorError> {
    state
        .platform
        .set_device_agent_state(
            &caller,
            &device,
            body.queue_id.as_deref(),
            body.agent_state.trim(),
            body.reason,
        )
        .await?;
    Ok(Json(
        state.platform.device_snapshot(&caller, &device).await?,
    ))
}

/// SnapshotDevice: the device's calls with every party's connection state, its presence,
/// forwarding and agent states.
#[utoipa::path(
    get,
    path = "/csta/devices/{device}/snapshot",
    tag = "mbn-csta",
    security(("bearer" = [])),
    params(("device" = String, Path, description = "The device's number, E.164 digits")),
    responses(
        (status = 200, description = "The snapshot", body = DeviceSnapshot),
        (status = 400, description = "40000 a malformed path, query or body value (named in the detail)", body = ErrorBody),
        (status = 401, description = "40101 (no CSTA session), 40102, 40105", body = ErrorBody),
        (status = 404, description = "40402 unknown device or not yours", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn device_snapshot(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    Path(device, _): Path<String, TelenorError>,
) -> Result<Json<DeviceSnapshot>, TelenorError> {
    Ok(Json(
        state.platform.device_snapshot(&caller, &device).await?,
    ))
}
