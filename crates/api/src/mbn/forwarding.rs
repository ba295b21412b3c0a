//! MBN User API call forwarding: `GET|PUT /user/users/{memberId}/call-forwarding`.

use crate::json::Json;
use axum::extract::State;
use sentral_domain::ApiProduct;
use sentral_domain::directory::{CallForwarding, ForwardingKind, ForwardingRule};
use sentral_services::directory::forwarding::{ForwardingChange, RuleChange};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::fields;
use crate::AppState;
use crate::body::update::{Unknown, UpdateFields, refuse_unknown, representation};
use crate::body::{Json as JsonBody, Path};
use crate::telenor::{ErrorBody, TelenorCaller, TelenorError};

/// One forwarding rule. An active rule needs a destination: a number with country code (E.164
/// digits) or a short number of the enterprise's numbering plan. An inactive rule may keep its
/// destination.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RuleBody {
    pub active: bool,
    #[schema(example = "4791500000")]
    pub destination: Option<String>,
}

impl From<&ForwardingRule> for RuleBody {
    fn from(rule: &ForwardingRule) -> Self {
        Self {
            active: rule.active,
            destination: rule.destination.as_ref().map(|d| d.as_str().to_owned()),
        }
    }
}

/// Forwarding when the member does not answer within `ringSeconds` (5–60, default 20).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoAnswerBody {
    pub active: bool,
    #[schema(example = "102")]
    pub destination: Option<String>,
    #[schema(example = 20, minimum = 5, maximum = 60)]
    pub ring_seconds: u8,
}

/// A member's call forwarding: `immediate` (every call), `busy`, `noAnswer` and `unavailable`
/// (phone off or out of coverage). A member who never set it has every rule inactive.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallForwardingBody {
    #[schema(example = "mem_demo_001")]
    pub member_id: String,
    pub immediate: RuleBody,
    pub busy: RuleBody,
    pub no_answer: NoAnswerBody,
    pub unavailable: RuleBody,
    /// When last changed; null while the settings are the defaults.
    pub updated_at: Option<String>,
}

impl CallForwardingBody {
    fn of(member_id: String, forwarding: &CallForwarding) -> Self {
        Self {
            member_id,
            immediate: (&forwarding.immediate).into(),
            busy: (&forwarding.busy).into(),
            no_answer: NoAnswerBody {
                active: forwarding.no_answer.active,
                destination: forwarding
                    .no_answer
                    .destination
                    .as_ref()
                    .map(|d| d.as_str().to_owned()),
                ring_seconds: forwarding.ring_seconds,
            },
            unavailable: (&forwarding.unavailable).into(),
            updated_at: forwarding.updated_at.map(|at| at.to_rfc3339()),
        }
    }
}

/// A rule's change: `active` or `destination` left out keeps its value, a null destination
/// clears it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleChangeBody {
    pub active: Option<bool>,
    #[schema(example = "4791500000")]
    pub destination: Option<String>,
}

/// The no-answer rule's change, with `ringSeconds` (5–60).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NoAnswerChangeBody {
    pub active: Option<bool>,
    #[schema(example = "102")]
    pub destination: Option<String>,
    #[schema(example = 20, minimum = 5, maximum = 60)]
    pub ring_seconds: Option<i64>,
}

/// A change: rules left out keep their settings. The call forwarding as GET answers it may be
/// sent back with its changes: the read-only fields are ignored when they are the member's, a
/// 400 naming the field when not; any other field is a 400 naming it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallForwardingChangeBody {
    pub immediate: Option<RuleChangeBody>,
    pub busy: Option<RuleChangeBody>,
    pub no_answer: Option<NoAnswerChangeBody>,
    pub unavailable: Option<RuleChangeBody>,
    #[schema(read_only, example = "mem_demo_001")]
    pub member_id: Option<String>,
    #[schema(read_only)]
    pub updated_at: Option<String>,
}

/// The fields of a call-forwarding change (see [`CallForwardingChangeBody`]).
pub const FORWARDING_CHANGE: UpdateFields = UpdateFields {
    what: "call forwarding",
    writable: &["immediate", "busy", "noAnswer", "unavailable"],
    read_only: &["memberId", "updatedAt"],
    derived: &[],
    unknown: Unknown::Refuse,
};

/// Errors of a rule's fields named by the rule, e.g. `busy.destination: …`.
fn within(rule: &str, error: TelenorError) -> TelenorError {
    match error {
        TelenorError::BadRequest(detail) => TelenorError::BadRequest(format!("{rule}.{detail}")),
        other => other,
    }
}

fn rule_change(
    body: &Map<String, Value>,
    kind: ForwardingKind,
) -> Result<(Option<RuleChange>, Option<i64>), TelenorError> {
    let name = kind.as_str();
    let rule = match body.get(name) {
        None | Some(Value::Null) => return Ok((None, None)),
        Some(Value::Object(rule)) => rule,
        Some(other) => {
            return Err(TelenorError::BadRequest(format!(
                "{name}: must be an object like {{\"active\": true, \"destination\": \"4791234567\"}}, got {other}"
            )));
        }
    };
    let allowed: &[&str] = if kind == ForwardingKind::NoAnswer {
        &["active", "destination", "ringSeconds"]
    } else {
        &["active", "destination"]
    };
    refuse_unknown::<TelenorError>(rule, allowed, &format!("{name}."), name)?;
    let change = RuleChange {
        active: fields::typed::<bool>(rule, "active").map_err(|e| within(name, e))?,
        destination: fields::nullable_text(rule, "destination").map_err(|e| within(name, e))?,
    };
    let ring = fields::typed::<i64>(rule, "ringSeconds").map_err(|e| within(name, e))?;
    Ok((Some(change), ring))
}

/// The change a body's writable fields make (checked by [`FORWARDING_CHANGE`] before).
fn forwarding_change(body: Map<String, Value>) -> Result<ForwardingChange, TelenorError> {
    let (immediate, _) = rule_change(&body, ForwardingKind::Immediate)?;
    let (busy, _) = rule_change(&body, ForwardingKind::Busy)?;
    let (no_answer, ring_seconds) = rule_change(&body, ForwardingKind::NoAnswer)?;
    let (unavailable, _) = rule_change(&body, ForwardingKind::Unavailable)?;
    Ok(ForwardingChange {
        immediate,
        busy,
        no_answer,
        ring_seconds,
        unavailable,
    })
}

/// Get the member's call forwarding.
#[utoipa::path(
    get,
    path = "/user/users/{memberId}/call-forwarding",
    tag = "mbn-user",
    security(("bearer" = [])),
    params(("memberId" = String, Path, description = "The member id")),
    responses(
        (status = 200, description = "The member's call forwarding", body = CallForwardingBody),
        (status = 400, description = "40000 bad path parameter", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 another member for an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown member or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(member_id, _): Path<String, TelenorError>,
) -> Result<Json<CallForwardingBody>, TelenorError> {
    caller.require(ApiProduct::MbnUser)?;
    let forwarding = state.platform.call_forwarding(&caller, &member_id).await?;
    Ok(Json(CallForwardingBody::of(member_id, &forwarding)))
}

/// Change the member's call forwarding.
#[utoipa::path(
    put,
    path = "/user/users/{memberId}/call-forwarding",
    tag = "mbn-user",
    security(("bearer" = [])),
    params(("memberId" = String, Path, description = "The member id")),
    request_body = CallForwardingChangeBody,
    responses(
        (status = 200, description = "The call forwarding as it is now", body = CallForwardingBody),
        (status = 400, description = "40000: a field breaks its rule (named in the detail): a destination that is not a number with country code or a short number of the plan, the member's own number, an active rule without destination, ringSeconds outside 5–60", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 another member for an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown member or not yours", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(member_id, _): Path<String, TelenorError>,
    JsonBody(body, _): JsonBody<Value, TelenorError>,
) -> Result<Json<CallForwardingBody>, TelenorError> {
    caller.require(ApiProduct::MbnUser)?;
    let (platform, caller_ref, member) = (&state.platform, &caller, member_id.as_str());
    let body = FORWARDING_CHANGE
        .apply(super::absences::object(body)?, move || async move {
            let forwarding = platform.call_forwarding(caller_ref, member).await?;
            Ok::<_, TelenorError>(representation(CallForwardingBody::of(
                member.to_owned(),
                &forwarding,
            )))
        })
        .await?;
    let change = forwarding_change(body)?;
    let forwarding = state
        .platform
        .update_call_forwarding(&caller, &member_id, change)
        .await?;
    Ok(Json(CallForwardingBody::of(member_id, &forwarding)))
}
