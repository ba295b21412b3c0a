//! MBN User API absences: `GET|POST /user/users/{memberId}/absences` and
//! `GET|PUT|DELETE /user/users/{memberId}/absences/{absenceId}`.

use crate::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use sentral_domain::directory::{Absence, AbsenceAction, AbsenceKind};
use sentral_domain::{ApiProduct, Timestamp};
use sentral_services::directory::absences::{AbsenceRequest, ActionRequest};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::fields;
use crate::AppState;
use crate::body::update::{Unknown, UpdateFields, representation};
use crate::body::{Json as JsonBody, Path};
use crate::telenor::{ErrorBody, TelenorCaller, TelenorError};

/// What happens to calls while the member is away, by `type`: `none` (ring as usual; the
/// absence only shows in status), `forwardTo` a `destination` (a number with country code or a
/// short number of the enterprise's plan), `voicemail`, `switchboard` (the enterprise's), or
/// `queue` (a call queue of the enterprise, by `queueId`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum ActionBody {
    None,
    ForwardTo {
        #[schema(example = "899")]
        destination: String,
    },
    Voicemail,
    Switchboard,
    Queue {
        #[serde(rename = "queueId")]
        #[schema(example = "1")]
        queue_id: String,
    },
}

impl From<AbsenceAction> for ActionBody {
    fn from(action: AbsenceAction) -> Self {
        match action {
            AbsenceAction::None => ActionBody::None,
            AbsenceAction::ForwardTo(destination) => ActionBody::ForwardTo {
                destination: destination.as_str().to_owned(),
            },
            AbsenceAction::Voicemail => ActionBody::Voicemail,
            AbsenceAction::Switchboard => ActionBody::Switchboard,
            AbsenceAction::Queue(queue_id) => ActionBody::Queue { queue_id },
        }
    }
}

impl From<ActionBody> for ActionRequest {
    fn from(action: ActionBody) -> Self {
        match action {
            ActionBody::None => ActionRequest::None,
            ActionBody::ForwardTo { destination } => ActionRequest::ForwardTo(destination),
            ActionBody::Voicemail => ActionRequest::Voicemail,
            ActionBody::Switchboard => ActionRequest::Switchboard,
            ActionBody::Queue { queue_id } => ActionRequest::Queue(queue_id),
        }
    }
}

/// An absence of a member.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AbsenceBody {
    #[schema(example = "abs_3f9a0c1d2e4b5a69")]
    pub id: String,
    #[schema(example = "mem_demo_002")]
    pub member_id: String,
    /// `meeting`, `illness`, `holiday`, `lunch`, `trip` or `other`.
    #[schema(example = "meeting")]
    pub kind: String,
    /// When the absence starts (RFC 3339).
    #[schema(example = "2026-05-04T09:00:00.000Z")]
    pub from: String,
    /// When the member is back (RFC 3339); after `from`.
    #[schema(example = "2026-05-04T10:00:00.000Z")]
    pub until: String,
    pub note: Option<String>,
    pub action: ActionBody,
    /// Whether the member is away now (`from` ≤ now < `until`).
    pub current: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl AbsenceBody {
    fn of(absence: Absence, now: Timestamp) -> Self {
        Self {
            current: absence.is_current(now),
            id: absence.id.to_string(),
            member_id: absence.member_id.to_string(),
            kind: absence.kind.as_str().to_owned(),
            from: absence.from.to_rfc3339(),
            until: absence.until.to_rfc3339(),
            note: absence.note,
            action: absence.action.into(),
            created_at: absence.created_at.to_rfc3339(),
            updated_at: absence.updated_at.to_rfc3339(),
        }
    }
}

/// A new absence, or the whole of a replaced one. Absences of a member may not overlap; one
/// may start when another ends. An absence as GET answers it may be sent (a copy, or a
/// replacement with changes): on a replacement the read-only fields are ignored when they are
/// the absence's and a 400 naming the field when not (a new absence ignores them); `current`
/// is ignored; any other field is a 400 naming it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AbsenceInputBody {
    /// `meeting`, `illness`, `holiday`, `lunch`, `trip` or `other`.
    #[schema(example = "meeting")]
    pub kind: String,
    /// RFC 3339, e.g. `2026-05-04T09:00:00+02:00`.
    #[schema(example = "2026-05-04T09:00:00Z")]
    pub from: String,
    /// When the member is back: after `from`, and in the future.
    #[schema(example = "2026-05-04T10:00:00Z")]
    pub until: String,
    /// At most 500 characters.
    pub note: Option<String>,
    /// Left out: `{"type": "none"}`.
    pub action: Option<ActionBody>,
    #[schema(read_only, example = "abs_3f9a0c1d2e4b5a69")]
    pub id: Option<String>,
    #[schema(read_only, example = "mem_demo_002")]
    pub member_id: Option<String>,
    /// Derived from `from`, `until` and the clock: ignored whatever its value.
    #[schema(read_only)]
    pub current: Option<bool>,
    #[schema(read_only)]
    pub created_at: Option<String>,
    #[schema(read_only)]
    pub updated_at: Option<String>,
}

/// The fields of an absence (see [`AbsenceInputBody`]).
pub const ABSENCE_FIELDS: UpdateFields = UpdateFields {
    what: "an absence",
    writable: &["kind", "from", "until", "note", "action"],
    read_only: &["id", "memberId", "createdAt", "updatedAt"],
    derived: &["current"],
    unknown: Unknown::Refuse,
};

fn required(body: &Map<String, Value>, field: &str) -> Result<String, TelenorError> {
    fields::text(body, field)?
        .ok_or_else(|| TelenorError::BadRequest(format!("{field}: is required")))
}

fn time(body: &Map<String, Value>, field: &str) -> Result<Timestamp, TelenorError> {
    let text = required(body, field)?;
    Timestamp::parse_rfc3339(text.trim()).ok_or_else(|| {
        TelenorError::BadRequest(format!(
            "{field}: {text:?} is not an RFC 3339 time such as 2026-05-04T09:00:00Z"
        ))
    })
}

/// A JSON body that must be an object.
pub(super) fn object(body: Value) -> Result<Map<String, Value>, TelenorError> {
    match body {
        Value::Object(map) => Ok(map),
        other => Err(TelenorError::BadRequest(format!(
            "the body must be a JSON object, got {other}"
        ))),
    }
}

/// The absence a body's writable fields describe (checked by [`ABSENCE_FIELDS`] before).
fn absence_request(body: Map<String, Value>) -> Result<AbsenceRequest, TelenorError> {
    let kind = AbsenceKind::parse(required(&body, "kind")?.trim())
        .map_err(|e| TelenorError::BadRequest(format!("kind: {e}")))?;
    Ok(AbsenceRequest {
        kind,
        from: time(&body, "from")?,
        until: time(&body, "until")?,
        note: fields::nullable_text(&body, "note")?.flatten(),
        action: fields::typed::<ActionBody>(&body, "action")?
            .map_or(ActionRequest::None, Into::into),
    })
}

fn member_path(member_id: &str) -> String {
    format!("/user/users/{member_id}/absences")
}

/// List the member's absences by start, past ones included until they are purged (30 days
/// after they end).
#[utoipa::path(
    get,
    path = "/user/users/{memberId}/absences",
    tag = "mbn-user",
    security(("bearer" = [])),
    params(("memberId" = String, Path, description = "The member id")),
    responses(
        (status = 200, description = "The member's absences", body = Vec<AbsenceBody>),
        (status = 400, description = "40000 bad path parameter", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 another member for an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown member or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(member_id, _): Path<String, TelenorError>,
) -> Result<Json<Vec<AbsenceBody>>, TelenorError> {
    caller.require(ApiProduct::MbnUser)?;
    let absences = state.platform.absences(&caller, &member_id).await?;
    let now = state.platform.now();
    Ok(Json(
        absences
            .into_iter()
            .map(|absence| AbsenceBody::of(absence, now))
            .collect(),
    ))
}

/// Register an absence. It may not overlap another absence of the member.
#[utoipa::path(
    post,
    path = "/user/users/{memberId}/absences",
    tag = "mbn-user",
    security(("bearer" = [])),
    params(("memberId" = String, Path, description = "The member id")),
    request_body = AbsenceInputBody,
    responses(
        (status = 201, description = "The absence; `Location` names it", body = AbsenceBody),
        (status = 400, description = "40000: a field breaks its rule (named in the detail): kind, from, until (after from, in the future), note, action (destination, queueId, a switchboard)", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 another member for an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown member or not yours", body = ErrorBody),
        (status = 409, description = "40901: overlaps the absence named in the detail", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(member_id, _): Path<String, TelenorError>,
    JsonBody(body, _): JsonBody<Value, TelenorError>,
) -> Result<Response, TelenorError> {
    caller.require(ApiProduct::MbnUser)?;
    let request = absence_request(ABSENCE_FIELDS.new_resource::<TelenorError>(object(body)?)?)?;
    let absence = state
        .platform
        .create_absence(&caller, &member_id, request)
        .await?;
    let location = format!("{}/{}", member_path(&member_id), absence.id);
    let body = AbsenceBody::of(absence, state.platform.now());
    Ok((StatusCode::CREATED, [(LOCATION, location)], Json(body)).into_response())
}

/// Get one absence of the member.
#[utoipa::path(
    get,
    path = "/user/users/{memberId}/absences/{absenceId}",
    tag = "mbn-user",
    security(("bearer" = [])),
    params(
        ("memberId" = String, Path, description = "The member id"),
        ("absenceId" = String, Path, description = "The absence id"),
    ),
    responses(
        (status = 200, description = "The absence", body = AbsenceBody),
        (status = 400, description = "40000 bad path parameter", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 another member for an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown member or absence, or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path((member_id, absence_id), _): Path<(String, String), TelenorError>,
) -> Result<Json<AbsenceBody>, TelenorError> {
    caller.require(ApiProduct::MbnUser)?;
    let absence = state
        .platform
        .absence(&caller, &member_id, &absence_id)
        .await?;
    Ok(Json(AbsenceBody::of(absence, state.platform.now())))
}

/// Replace an absence: every field, with the same rules as a new one (it may overlap only its
/// own former window).
#[utoipa::path(
    put,
    path = "/user/users/{memberId}/absences/{absenceId}",
    tag = "mbn-user",
    security(("bearer" = [])),
    params(
        ("memberId" = String, Path, description = "The member id"),
        ("absenceId" = String, Path, description = "The absence id"),
    ),
    request_body = AbsenceInputBody,
    responses(
        (status = 200, description = "The absence as it is now", body = AbsenceBody),
        (status = 400, description = "40000: a field breaks its rule (named in the detail)", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 another member for an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown member or absence, or not yours", body = ErrorBody),
        (status = 409, description = "40901: overlaps the absence named in the detail", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn replace(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path((member_id, absence_id), _): Path<(String, String), TelenorError>,
    JsonBody(body, _): JsonBody<Value, TelenorError>,
) -> Result<Json<AbsenceBody>, TelenorError> {
    caller.require(ApiProduct::MbnUser)?;
    let (platform, caller_ref) = (&state.platform, &caller);
    let (member, id) = (member_id.as_str(), absence_id.as_str());
    let body = ABSENCE_FIELDS
        .apply(object(body)?, move || async move {
            let absence = platform.absence(caller_ref, member, id).await?;
            Ok::<_, TelenorError>(representation(AbsenceBody::of(absence, platform.now())))
        })
        .await?;
    let request = absence_request(body)?;
    let absence = state
        .platform
        .replace_absence(&caller, &member_id, &absence_id, request)
        .await?;
    Ok(Json(AbsenceBody::of(absence, state.platform.now())))
}

/// Delete an absence.
#[utoipa::path(
    delete,
    path = "/user/users/{memberId}/absences/{absenceId}",
    tag = "mbn-user",
    security(("bearer" = [])),
    params(
        ("memberId" = String, Path, description = "The member id"),
        ("absenceId" = String, Path, description = "The absence id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "40000 bad path parameter", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 another member for an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown member or absence, or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path((member_id, absence_id), _): Path<(String, String), TelenorError>,
) -> Result<StatusCode, TelenorError> {
    caller.require(ApiProduct::MbnUser)?;
    state
        .platform
        .delete_absence(&caller, &member_id, &absence_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
