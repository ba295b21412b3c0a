//! Sandbox controls (mounted only in sandbox mode; elsewhere these paths answer 40401):
//! the clock, the reset back to the demo world and the SMS outbox.

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::body;
use crate::telenor::TelenorError;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClockBody {
    /// The sandbox's current time, RFC 3339 UTC.
    #[schema(example = "2026-11-22T10:00:00.000Z")]
    pub now: String,
    /// How far the sandbox is ahead of real time, in seconds.
    pub offset_seconds: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceRequest {
    /// Seconds to move forward: 1 to 31 536 000 (a year) per call. Time never moves back.
    #[schema(example = 3600, minimum = 1, maximum = 31536000)]
    pub seconds: u32,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SmsBody {
    /// Recipient, international digits.
    #[schema(example = "4799000001")]
    pub to: String,
    pub text: String,
    pub sent_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetBody {
    #[schema(example = "reset")]
    pub status: &'static str,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SmsQuery {
    /// How many messages, newest first (1–1000, default 100).
    pub limit: Option<u32>,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sandbox/v1/clock", get(clock))
        .route("/sandbox/v1/clock/advance", post(advance))
        .route("/sandbox/v1/reset", post(reset))
        .route("/sandbox/v1/sms", get(sms))
        .merge(crate::sandbox_network::routes())
}

fn clock_body(state: sentral_services::sandbox::ClockState) -> ClockBody {
    ClockBody {
        now: state.now.to_rfc3339(),
        offset_seconds: state.offset_seconds,
    }
}

/// The sandbox clock.
#[utoipa::path(get, path = "/sandbox/v1/clock", tag = "sandbox",
    responses((status = 200, body = ClockBody)))]
pub async fn clock(State(state): State<AppState>) -> Result<Json<ClockBody>, TelenorError> {
    Ok(Json(clock_body(state.platform.clock_state()?)))
}

/// Move sandbox time forward: tokens expire, accounts open, orders progress.
#[utoipa::path(post, path = "/sandbox/v1/clock/advance", tag = "sandbox", request_body = AdvanceRequest,
    responses((status = 200, body = ClockBody), (status = 400, description = "40000", body = crate::telenor::ErrorBody)))]
pub async fn advance(
    State(state): State<AppState>,
    body::Json(request, _): body::Json<AdvanceRequest, TelenorError>,
) -> Result<Json<ClockBody>, TelenorError> {
    if !(1..=31_536_000).contains(&request.seconds) {
        return Err(TelenorError::BadRequest(
            "seconds: must be between 1 and 31536000".into(),
        ));
    }
    Ok(Json(clock_body(
        state.platform.advance_clock(request.seconds).await?,
    )))
}

/// Back to the demo world: all data replaced, the clock back to real time, tokens gone.
#[utoipa::path(post, path = "/sandbox/v1/reset", tag = "sandbox", responses((status = 200, body = ResetBody)))]
pub async fn reset(State(state): State<AppState>) -> Result<Json<ResetBody>, TelenorError> {
    state.platform.reset_sandbox().await?;
    Ok(Json(ResetBody { status: "reset" }))
}

/// The SMS outbox (e.g. system-user passwords), newest first.
#[utoipa::path(get, path = "/sandbox/v1/sms", tag = "sandbox", params(SmsQuery),
    responses((status = 200, body = [SmsBody])))]
pub async fn sms(
    State(state): State<AppState>,
    Query(query): Query<SmsQuery>,
) -> Result<Json<Vec<SmsBody>>, TelenorError> {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let messages = state.platform.sms_outbox(limit).await?;
    Ok(Json(
        messages
            .into_iter()
            .map(|message| SmsBody {
                to: message.to.to_string(),
                text: message.text,
                sent_at: message.sent_at.to_rfc3339(),
            })
            .collect(),
    ))
}
