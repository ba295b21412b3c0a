//! The sandbox network (sandbox mode only): calls placed from handsets — an outside number or
//! a member's phone — and what people do with their phones. Together with the clock, this lets
//! a test play every party of a call.

use crate::json::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use sentral_services::telephony::network::HandsetAction;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::body::{Json as JsonBody, Path};
use crate::telenor::{ErrorBody, NotOwnerUnavailable, TelenorError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sandbox/v1/calls", post(place_call))
        .route("/sandbox/v1/devices/{number}/answer", post(answer))
        .route("/sandbox/v1/devices/{number}/reject", post(reject))
        .route("/sandbox/v1/devices/{number}/hangup", post(hang_up))
        .route("/sandbox/v1/devices/{number}/power", put(power))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlaceCallRequest {
    /// The calling handset: an outside number or a member's phone, E.164 digits.
    #[schema(example = "4799999999")]
    pub from: String,
    /// What is dialled: E.164 digits, or a short number of the enterprise's plan.
    #[schema(example = "4791000001")]
    pub to: String,
    /// The enterprise whose network carries the call; needed only when an outside number dials
    /// a short number.
    pub enterprise_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlacedCallBody {
    #[schema(example = "100001-1")]
    pub call_id: String,
    /// The calling handset's connection.
    pub device_id: String,
}

/// Place a call from a handset.
#[utoipa::path(
    post,
    path = "/sandbox/v1/calls",
    tag = "sandbox",
    request_body = PlaceCallRequest,
    responses(
        (status = 201, description = "The call", body = PlacedCallBody),
        (status = 400, description = "40000 no enterprise for these numbers; 40003 invalidDestination", body = ErrorBody),
        (status = 409, description = "40902 deviceOutOfService (the calling phone is off)", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn place_call(
    State(state): State<AppState>,
    JsonBody(body, _): JsonBody<PlaceCallRequest, TelenorError>,
) -> Result<Response, TelenorError> {
    let answer = state
        .platform
        .sandbox_call(&body.from, &body.to, body.enterprise_id.as_deref())
        .await?;
    let body = PlacedCallBody {
        call_id: answer.call_id,
        device_id: answer.device,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn act(
    state: &AppState,
    number: &str,
    action: HandsetAction,
) -> Result<StatusCode, TelenorError> {
    state.platform.sandbox_handset(number, action).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The person answers the ringing phone (also the controlling phone of a MakeCall).
#[utoipa::path(
    post,
    path = "/sandbox/v1/devices/{number}/answer",
    tag = "sandbox",
    params(("number" = String, Path, description = "The handset, E.164 digits")),
    responses(
        (status = 204, description = "Answered"),
        (status = 404, description = "40402 unknown handset", body = ErrorBody),
        (status = 409, description = "40902: nothing is ringing there", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn answer(
    State(state): State<AppState>,
    Path(number, _): Path<String, TelenorError>,
) -> Result<StatusCode, TelenorError> {
    act(&state, &number, HandsetAction::Answer).await
}

/// The person rejects the ringing call (busy forwarding applies, else the call fails busy).
#[utoipa::path(
    post,
    path = "/sandbox/v1/devices/{number}/reject",
    tag = "sandbox",
    params(("number" = String, Path, description = "The handset, E.164 digits")),
    responses(
        (status = 204, description = "Rejected"),
        (status = 404, description = "40402 unknown handset", body = ErrorBody),
        (status = 409, description = "40902: nothing is ringing there", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn reject(
    State(state): State<AppState>,
    Path(number, _): Path<String, TelenorError>,
) -> Result<StatusCode, TelenorError> {
    act(&state, &number, HandsetAction::Reject).await
}

/// The person hangs up (the active call first, then a held one).
#[utoipa::path(
    post,
    path = "/sandbox/v1/devices/{number}/hangup",
    tag = "sandbox",
    params(("number" = String, Path, description = "The handset, E.164 digits")),
    responses(
        (status = 204, description = "Hung up"),
        (status = 404, description = "40402 unknown handset", body = ErrorBody),
        (status = 409, description = "40902: not in a call", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn hang_up(
    State(state): State<AppState>,
    Path(number, _): Path<String, TelenorError>,
) -> Result<StatusCode, TelenorError> {
    act(&state, &number, HandsetAction::HangUp).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PowerRequest {
    /// false: the phone is off (calls to it fail or go to unavailable forwarding).
    pub on: bool,
}

/// Switch a member's phone on or off.
#[utoipa::path(
    put,
    path = "/sandbox/v1/devices/{number}/power",
    tag = "sandbox",
    params(("number" = String, Path, description = "A member's phone, E.164 digits")),
    request_body = PowerRequest,
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "40402 not a member's phone", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn power(
    State(state): State<AppState>,
    Path(number, _): Path<String, TelenorError>,
    JsonBody(body, _): JsonBody<PowerRequest, TelenorError>,
) -> Result<StatusCode, TelenorError> {
    act(&state, &number, HandsetAction::Power { on: body.on }).await
}
