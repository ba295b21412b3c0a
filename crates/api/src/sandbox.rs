//! Sandbox controls (mounted only in sandbox mode; elsewhere these paths answer 40401):
//! the clock, the reset back to the demo world, the SMS outbox and the audit log.

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
#[into_params(parameter_in = Query)]
pub struct SmsQuery {
    /// How many messages, newest first (1–1000, default 100).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryBody {
    #[schema(example = "2026-11-22T10:00:00.000Z")]
    pub at: String,
    /// Who: `portal:<e-mail>`, `client:<client id>`, `cli`, `sandbox`, `demo-seed` …
    #[schema(example = "portal:per@demopartner.no")]
    pub actor: String,
    #[schema(example = "application.create")]
    pub action: String,
    /// The changed object's id.
    pub target: String,
    /// The change's details as a JSON object (never a secret).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPageBody {
    pub entries: Vec<AuditEntryBody>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditLogQuery {
    /// Entries by this actor (exact), e.g. `portal:per@demopartner.no`.
    pub actor: Option<String>,
    /// Entries whose action starts with this, e.g. `application.`.
    pub action: Option<String>,
    /// Entries about this object id (exact).
    pub target: Option<String>,
    /// From this time on (RFC 3339).
    pub from: Option<String>,
    /// Before this time (RFC 3339).
    pub to: Option<String>,
    /// Page of 50, from 1 (default 1).
    pub page: Option<u32>,
}

fn parse_time(
    field: &str,
    text: Option<&str>,
) -> Result<Option<sentral_domain::Timestamp>, TelenorError> {
    text.filter(|text| !text.trim().is_empty())
        .map(|text| {
            sentral_domain::Timestamp::parse_rfc3339(text.trim()).ok_or_else(|| {
                TelenorError::BadRequest(format!("{field}: must be an RFC 3339 time, got {text:?}"))
            })
        })
        .transpose()
}

/// The audit log, newest first: every change made through the APIs, the portal and the admin
/// command line, as it is committed.
#[utoipa::path(get, path = "/sandbox/v1/audit", tag = "sandbox", params(AuditLogQuery),
    responses((status = 200, body = AuditPageBody), (status = 400, description = "40000", body = crate::telenor::ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    Query(query): Query<AuditLogQuery>,
) -> Result<Json<AuditPageBody>, TelenorError> {
    let filter = sentral_services::portal::back_office::AuditQuery {
        actor: query.actor,
        action_prefix: query.action,
        target: query.target,
        from: parse_time("from", query.from.as_deref())?,
        to: parse_time("to", query.to.as_deref())?,
        page: query.page.unwrap_or(1).max(1),
    };
    let page = state.platform.audit_log(&filter).await?;
    Ok(Json(AuditPageBody {
        entries: page
            .entries
            .into_iter()
            .map(|entry| AuditEntryBody {
                at: entry.at.to_rfc3339(),
                actor: entry.actor,
                action: entry.action,
                target: entry.target,
                detail: serde_json::from_str(&entry.detail)
                    .unwrap_or(serde_json::Value::String(entry.detail)),
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages,
    }))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sandbox/v1/clock", get(clock))
        .route("/sandbox/v1/clock/advance", post(advance))
        .route("/sandbox/v1/reset", post(reset))
        .route("/sandbox/v1/sms", get(sms))
        .route("/sandbox/v1/audit", get(audit))
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
