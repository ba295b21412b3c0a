//! MBN CSTA interface, part 1: the login (`POST /csta/authentication/token`), the CSTA caller
//! (a CSTA session token as bearer token), and monitors with their event stream.

use crate::json::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use sentral_domain::Secret;
use sentral_events::{CrossRefId, MonitorInfo, MonitorObject, WebhookTarget};
use sentral_services::Principal;
use sentral_services::telephony::monitors::{MonitorTarget, monitor_owner};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::stream::{EventStreamError, EventStreamRequest, StreamSettings};
use crate::AppState;
use crate::body::{Json as JsonBody, Path, Query};
use crate::telenor::{ErrorBody, NotOwnerUnavailable, TelenorError};

/// A caller of the CSTA interface: the bearer token is a CSTA session token from
/// `POST /csta/authentication/token`.
pub struct CstaCaller(pub Principal);

impl FromRequestParts<AppState> for CstaCaller {
    type Rejection = TelenorError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, TelenorError> {
        let token = crate::caller::bearer_token(parts)?;
        Ok(Self(state.platform.csta_caller(token).await?))
    }
}

/// A caller with the access token it presented (the login sequence binds sessions to it).
pub struct TokenCaller(pub Principal, pub String);

impl FromRequestParts<AppState> for TokenCaller {
    type Rejection = TelenorError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, TelenorError> {
        let token = crate::caller::bearer_token(parts)?.to_owned();
        let principal = crate::caller::authenticate(parts, state).await?;
        Ok(Self(principal, token))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CstaLoginRequest {
    /// The token from `POST /status/token`, made with the same access token's client and user.
    pub status_token: String,
}

/// A CSTA session: send `cstaToken` as `Authorization: Bearer …` to every other `/csta/` path.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CstaSessionBody {
    pub csta_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the session ends (never after the access token it was made with).
    #[schema(example = 3600)]
    pub expires_in: i64,
}

/// Log in to the CSTA interface with a status token.
#[utoipa::path(
    post,
    path = "/csta/authentication/token",
    tag = "mbn-csta",
    security(("bearer" = [])),
    request_body = CstaLoginRequest,
    responses(
        (status = 201, description = "The CSTA session token", body = CstaSessionBody),
        (status = 400, description = "40000: unknown, expired or foreign status token", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    TokenCaller(caller, access_token): TokenCaller,
    JsonBody(body, _): JsonBody<CstaLoginRequest, TelenorError>,
) -> Result<Response, TelenorError> {
    let session = state
        .platform
        .csta_login(&caller, &access_token, body.status_token.trim())
        .await?;
    let body = CstaSessionBody {
        csta_token: session.token.expose().to_owned(),
        token_type: "Bearer",
        expires_in: session.expires_in,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Where a monitor's events are also POSTed (Standard Webhooks: `webhook-id`,
/// `webhook-timestamp`, `webhook-signature` = `v1,` base64 HMAC-SHA256 over
/// `{id}.{timestamp}.{body}`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    #[schema(example = "https://partner.example/hooks/mbn")]
    pub url: String,
    /// `whsec_<base64>` (the key is the decoded bytes) or any other string (its UTF-8 bytes).
    pub secret: String,
}

/// What to monitor: `enterprise` (a machine user: every device of the enterprise) or `device`
/// (an end user: its own phone; a machine user: any device of its enterprises). Exactly one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorRequest {
    #[schema(example = "100001")]
    pub enterprise: Option<String>,
    #[schema(example = "4791000001")]
    pub device: Option<String>,
    /// Event types to deliver (e.g. `["Delivered", "Established"]`); all when left out.
    /// `MonitorEnded` is always delivered.
    pub filter: Option<Vec<String>>,
    pub webhook: Option<WebhookBody>,
}

/// A monitor: its cross-reference id, the last `seq` issued, and when its lease ends.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonitorBody {
    #[schema(example = "mon_3f1c9a0b7d2e4f6a8c1b")]
    pub cross_ref_id: String,
    /// The last event sequence number issued; a snapshot in the same answer is current as of it.
    pub seq: u64,
    /// The lease ends then unless renewed with `PUT /csta/monitors/{crossRefId}`.
    pub expires_at: String,
    /// `enterprise` or `device`.
    #[schema(example = "enterprise")]
    pub object: &'static str,
    pub enterprise_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// `GET` this path with a WebSocket upgrade or `Accept: text/event-stream`.
    pub events: String,
}

impl From<MonitorInfo> for MonitorBody {
    fn from(info: MonitorInfo) -> Self {
        let (object, enterprise_id, device) = match info.object {
            MonitorObject::Enterprise(id) => ("enterprise", id, None),
            MonitorObject::Device {
                enterprise_id,
                device,
            } => ("device", enterprise_id, Some(device)),
        };
        Self {
            events: format!("/csta/monitors/{}/events", info.cross_ref_id),
            cross_ref_id: info.cross_ref_id.as_str().to_owned(),
            seq: info.seq,
            expires_at: info.expires_at.to_rfc3339(),
            object,
            enterprise_id,
            device,
            filter: info.filter,
            webhook_url: info.webhook_url,
        }
    }
}

/// A monitor's start: the monitor and the snapshot of what it watches, current as of `seq`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StartedMonitorBody {
    #[serde(flatten)]
    pub monitor: MonitorBody,
    /// `EnterpriseSnapshot` for an enterprise monitor, `DeviceSnapshot` for a device monitor.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
}

/// Start a monitor.
#[utoipa::path(
    post,
    path = "/csta/monitors",
    tag = "mbn-csta",
    security(("bearer" = [])),
    request_body = MonitorRequest,
    responses(
        (status = 201, description = "The monitor with its snapshot", body = StartedMonitorBody),
        (status = 400, description = "40000: neither or both of enterprise and device, unknown event type in filter, bad webhook", body = ErrorBody),
        (status = 401, description = "40101 (no CSTA session: log in first), 40102, 40105", body = ErrorBody),
        (status = 403, description = "40302: an end user asked for an enterprise monitor or another's device", body = ErrorBody),
        (status = 404, description = "40402: unknown enterprise or device, or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn start(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    JsonBody(body, _): JsonBody<MonitorRequest, TelenorError>,
) -> Result<Response, TelenorError> {
    let target = match (body.enterprise, body.device) {
        (Some(enterprise), None) => MonitorTarget::Enterprise(enterprise.trim().to_owned()),
        (None, Some(device)) => MonitorTarget::Device(device),
        _ => {
            return Err(TelenorError::BadRequest(
                "give exactly one of enterprise (an enterprise monitor) and device (a device monitor)".into(),
            ));
        }
    };
    let webhook = body.webhook.map(|w| WebhookTarget {
        url: w.url,
        secret: Secret::new(w.secret),
    });
    let started = state
        .platform
        .start_monitor(&caller, target, body.filter, webhook)
        .await?;
    let body = StartedMonitorBody {
        monitor: started.info.into(),
        snapshot: started.snapshot,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Renew a monitor's lease (another hour from now).
#[utoipa::path(
    put,
    path = "/csta/monitors/{crossRefId}",
    tag = "mbn-csta",
    security(("bearer" = [])),
    params(("crossRefId" = String, Path, description = "The monitor")),
    responses(
        (status = 200, description = "The renewed monitor", body = MonitorBody),
        (status = 400, description = "40000 a malformed path, query or body value (named in the detail)", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40105", body = ErrorBody),
        (status = 404, description = "40402: unknown, ended or not yours", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn renew(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    Path(id, _): Path<String, TelenorError>,
) -> Result<Json<MonitorBody>, TelenorError> {
    Ok(Json(
        state.platform.renew_monitor(&caller, &id).await?.into(),
    ))
}

/// Stop a monitor: its stream gets `MonitorEnded` and closes.
#[utoipa::path(
    delete,
    path = "/csta/monitors/{crossRefId}",
    tag = "mbn-csta",
    security(("bearer" = [])),
    params(("crossRefId" = String, Path, description = "The monitor")),
    responses(
        (status = 204, description = "Stopped"),
        (status = 400, description = "40000 a malformed path, query or body value (named in the detail)", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40105", body = ErrorBody),
        (status = 404, description = "40402: unknown, ended or not yours", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn stop(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    Path(id, _): Path<String, TelenorError>,
) -> Result<StatusCode, TelenorError> {
    state.platform.stop_monitor(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A monitor's snapshot, current as of `seq`: after `ResyncRequired`, take this and go on
/// with `after=<seq>`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotBody {
    pub cross_ref_id: String,
    pub seq: u64,
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
}

#[utoipa::path(
    get,
    path = "/csta/monitors/{crossRefId}/snapshot",
    tag = "mbn-csta",
    security(("bearer" = [])),
    params(("crossRefId" = String, Path, description = "The monitor")),
    responses(
        (status = 200, description = "The snapshot", body = SnapshotBody),
        (status = 400, description = "40000 a malformed path, query or body value (named in the detail)", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40105", body = ErrorBody),
        (status = 404, description = "40402: unknown, ended or not yours", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn snapshot(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    Path(id, _): Path<String, TelenorError>,
) -> Result<Json<SnapshotBody>, TelenorError> {
    let (seq, snapshot) = state.platform.monitor_snapshot(&caller, &id).await?;
    Ok(Json(SnapshotBody {
        cross_ref_id: id,
        seq,
        snapshot,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Resume after this `seq`: every later event still in the replay buffer comes first, once
    /// and in order; an older `seq` gets `ResyncRequired`.
    pub after: Option<u64>,
}

/// The monitor's events: a WebSocket (one JSON envelope per text frame) or, with `Accept:
/// text/event-stream`, Server-Sent Events (`id` = seq, `event` = type; `Last-Event-ID`
/// resumes). Heartbeats every 15 s. A newer stream for the monitor replaces this one, which is
/// told so (`StreamReplaced`) and closed.
#[utoipa::path(
    get,
    path = "/csta/monitors/{crossRefId}/events",
    tag = "mbn-csta",
    security(("bearer" = [])),
    params(("crossRefId" = String, Path, description = "The monitor"), EventsQuery),
    responses(
        (status = 101, description = "WebSocket upgrade"),
        (status = 200, description = "Server-Sent Events (text/event-stream)"),
        (status = 400, description = "40000 a malformed path, query or body value (named in the detail)", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40105", body = ErrorBody),
        (status = 404, description = "40402: unknown, ended or not yours", body = ErrorBody),
        (status = 406, description = "40600: neither a WebSocket upgrade nor Accept: text/event-stream", body = ErrorBody),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    CstaCaller(caller): CstaCaller,
    Path(id, _): Path<String, TelenorError>,
    Query(query, _): Query<EventsQuery, TelenorError>,
    request: EventStreamRequest,
) -> Result<Response, TelenorError> {
    let hub = state.platform.monitor_hub();
    request
        .serve(
            hub,
            &CrossRefId::new(id.clone()),
            &monitor_owner(&caller),
            query.after,
            &StreamSettings::default(),
        )
        .map_err(|error| match error {
            EventStreamError::NotFound => TelenorError::NotFound(format!("monitor {id} not found")),
            EventStreamError::NotAcceptable => TelenorError::NotAcceptable(error.to_string()),
            EventStreamError::InvalidLastEventId => TelenorError::BadRequest(error.to_string()),
        })
}

/// `POST /status/token` answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusTokenBody {
    pub status_token: String,
    #[schema(example = 3600)]
    pub expires_in: i64,
}

/// Get a status token: the second step of the login sequence (after `GET /catalog/userInfo`),
/// to be traded at `POST /csta/authentication/token`.
#[utoipa::path(
    post,
    path = "/status/token",
    tag = "mbn-status",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The status token", body = StatusTokenBody),
        (status = 400, description = "40000 a malformed path, query or body value (named in the detail)", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
    )
)]
pub async fn status_token(
    State(state): State<AppState>,
    TokenCaller(caller, access_token): TokenCaller,
) -> Result<Response, TelenorError> {
    let session = state.platform.status_token(&caller, &access_token).await?;
    let body = StatusTokenBody {
        status_token: session.token.expose().to_owned(),
        expires_in: session.expires_in,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
