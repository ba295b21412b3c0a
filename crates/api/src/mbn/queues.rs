//! MBN Queue API, the queues themselves: `GET|POST /queue/queues` and
//! `GET|PUT|DELETE /queue/queues/{queueId}`.

use crate::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use sentral_domain::ApiProduct;
use sentral_domain::directory::{Destination, Queue, QueueStrategy};
use sentral_services::directory::queues::QueueChange;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::fields;
use crate::AppState;
use crate::body::update::{Unknown, UpdateFields, representation};
use crate::body::{Json as JsonBody, Path, Query};
use crate::telenor::{ErrorBody, TelenorCaller, TelenorError};

/// How the queue picks the agent for the next caller: `ringAll` (every ready agent rings at
/// once), `longestIdle` (the agent ready the longest), `roundRobin` (in turn, after the last
/// one who answered), `linear` (in `position` order, always from the first), `fewestCalls`
/// (the agent who answered the fewest calls) or `random`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum StrategyName {
    RingAll,
    LongestIdle,
    RoundRobin,
    Linear,
    FewestCalls,
    Random,
}

impl From<QueueStrategy> for StrategyName {
    fn from(strategy: QueueStrategy) -> Self {
        match strategy {
            QueueStrategy::RingAll => StrategyName::RingAll,
            QueueStrategy::LongestIdle => StrategyName::LongestIdle,
            QueueStrategy::RoundRobin => StrategyName::RoundRobin,
            QueueStrategy::Linear => StrategyName::Linear,
            QueueStrategy::FewestCalls => StrategyName::FewestCalls,
            QueueStrategy::Random => StrategyName::Random,
        }
    }
}

/// A call queue of an enterprise. Announcements (welcome, queue position, music on hold),
/// opening hours and menus are not managed by this API: the customer's administrator sets them
/// in MBN Admin or Min Bedrift.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueBody {
    /// Unique across enterprises.
    #[schema(example = "1")]
    pub queue_id: String,
    #[schema(example = "100001")]
    pub enterprise_id: String,
    #[schema(example = "Sentralbord")]
    pub name: String,
    /// The queue's short number: its entry (kind `queue`) in the enterprise's numbering plan.
    #[schema(example = "800")]
    pub number: String,
    pub strategy: StrategyName,
    /// Seconds an offered agent rings before the next is tried (5–300).
    #[schema(example = 20, minimum = 5, maximum = 300)]
    pub ring_timeout: u32,
    /// Callers waiting at most (1–1000); the next caller overflows.
    #[schema(example = 10, minimum = 1, maximum = 1000)]
    pub max_length: u32,
    /// Seconds a caller waits at most before overflowing (10–7200).
    #[schema(example = 300, minimum = 10, maximum = 7200)]
    pub max_wait: u32,
    /// Seconds a caller waits while no agent is logged on before going to `noAgentTarget`
    /// (0–3600).
    #[schema(example = 30, minimum = 0, maximum = 3600)]
    pub max_wait_no_agent: u32,
    /// Seconds an agent stays in wrap-up after a call before the next is offered (0–3600).
    #[schema(example = 10, minimum = 0, maximum = 3600)]
    pub wrap_up_time: u32,
    /// Where overflowing callers go (queue full or `maxWait` passed): a number with country
    /// code or a short number of the plan; null: they are cleared.
    #[schema(example = "4791500000")]
    pub overflow_target: Option<String>,
    /// Where callers go when no agent is logged on; null: they are cleared.
    #[schema(example = "899")]
    pub no_agent_target: Option<String>,
    /// The service level target: calls answered within this many seconds count as in time
    /// (1–600).
    #[schema(example = 20, minimum = 1, maximum = 600)]
    pub service_level_seconds: u32,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Queue> for QueueBody {
    fn from(queue: Queue) -> Self {
        let target = |d: Option<Destination>| d.map(|d| d.as_str().to_owned());
        let s = queue.settings;
        Self {
            queue_id: queue.id,
            enterprise_id: queue.enterprise_id,
            name: queue.name,
            number: queue.number.as_str().to_owned(),
            strategy: s.strategy.into(),
            ring_timeout: s.ring_timeout,
            max_length: s.max_length,
            max_wait: s.max_wait,
            max_wait_no_agent: s.max_wait_no_agent,
            wrap_up_time: s.wrap_up_time,
            overflow_target: target(s.overflow_target),
            no_agent_target: target(s.no_agent_target),
            service_level_seconds: s.service_level_seconds,
            created_at: queue.created_at.to_rfc3339(),
            updated_at: queue.updated_at.to_rfc3339(),
        }
    }
}

/// A new queue: `name` and `number` required; other settings take their defaults. A queue as
/// GET answers it may be sent (a copy): its read-only fields are ignored; any other field is a
/// 400 naming it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueInputBody {
    /// The enterprise, when the token reaches several.
    #[schema(example = "100001")]
    pub enterprise_id: Option<String>,
    /// 1–100 characters, unique in the enterprise.
    #[schema(example = "Kundeservice")]
    pub name: Option<String>,
    /// A free short number inside the numbering plan's ranges.
    #[schema(example = "802")]
    pub number: Option<String>,
    /// Default `ringAll`.
    pub strategy: Option<StrategyName>,
    /// Default 20.
    #[schema(minimum = 5, maximum = 300)]
    pub ring_timeout: Option<i64>,
    /// Default 10.
    #[schema(minimum = 1, maximum = 1000)]
    pub max_length: Option<i64>,
    /// Default 300.
    #[schema(minimum = 10, maximum = 7200)]
    pub max_wait: Option<i64>,
    /// Default 30.
    #[schema(minimum = 0, maximum = 3600)]
    pub max_wait_no_agent: Option<i64>,
    /// Default 10.
    #[schema(minimum = 0, maximum = 3600)]
    pub wrap_up_time: Option<i64>,
    /// A number with country code or a short number of the plan, not the queue's own.
    #[schema(example = "4791500000")]
    pub overflow_target: Option<String>,
    /// A number with country code or a short number of the plan, not the queue's own.
    #[schema(example = "800")]
    pub no_agent_target: Option<String>,
    /// Default 20.
    #[schema(minimum = 1, maximum = 600)]
    pub service_level_seconds: Option<i64>,
    #[schema(read_only, example = "2")]
    pub queue_id: Option<String>,
    #[schema(read_only)]
    pub created_at: Option<String>,
    #[schema(read_only)]
    pub updated_at: Option<String>,
}

/// A change to a queue: fields left out keep their value; `null` clears a target. The queue as
/// GET answers it may be sent back with its changes: the read-only fields are ignored when
/// they are the queue's, a 400 naming the field when not (a queue stays in its enterprise);
/// any other field is a 400 naming it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueUpdateBody {
    #[schema(read_only, example = "100001")]
    pub enterprise_id: Option<String>,
    /// 1–100 characters, unique in the enterprise.
    #[schema(example = "Kundeservice")]
    pub name: Option<String>,
    /// A free short number inside the numbering plan's ranges.
    #[schema(example = "802")]
    pub number: Option<String>,
    /// Default `ringAll`.
    pub strategy: Option<StrategyName>,
    /// Default 20.
    #[schema(minimum = 5, maximum = 300)]
    pub ring_timeout: Option<i64>,
    /// Default 10.
    #[schema(minimum = 1, maximum = 1000)]
    pub max_length: Option<i64>,
    /// Default 300.
    #[schema(minimum = 10, maximum = 7200)]
    pub max_wait: Option<i64>,
    /// Default 30.
    #[schema(minimum = 0, maximum = 3600)]
    pub max_wait_no_agent: Option<i64>,
    /// Default 10.
    #[schema(minimum = 0, maximum = 3600)]
    pub wrap_up_time: Option<i64>,
    /// A number with country code or a short number of the plan, not the queue's own.
    #[schema(example = "4791500000")]
    pub overflow_target: Option<String>,
    /// A number with country code or a short number of the plan, not the queue's own.
    #[schema(example = "800")]
    pub no_agent_target: Option<String>,
    /// Default 20.
    #[schema(minimum = 1, maximum = 600)]
    pub service_level_seconds: Option<i64>,
    #[schema(read_only, example = "2")]
    pub queue_id: Option<String>,
    #[schema(read_only)]
    pub created_at: Option<String>,
    #[schema(read_only)]
    pub updated_at: Option<String>,
}

const SETTINGS: [&str; 11] = [
    "name",
    "number",
    "strategy",
    "ringTimeout",
    "maxLength",
    "maxWait",
    "maxWaitNoAgent",
    "wrapUpTime",
    "overflowTarget",
    "noAgentTarget",
    "serviceLevelSeconds",
];

/// The fields of a new queue (see [`QueueInputBody`]).
pub const QUEUE_NEW: UpdateFields = UpdateFields {
    what: "a queue",
    writable: &[
        "enterpriseId",
        "name",
        "number",
        "strategy",
        "ringTimeout",
        "maxLength",
        "maxWait",
        "maxWaitNoAgent",
        "wrapUpTime",
        "overflowTarget",
        "noAgentTarget",
        "serviceLevelSeconds",
    ],
    read_only: &["queueId", "createdAt", "updatedAt"],
    derived: &[],
    unknown: Unknown::Refuse,
};

/// The fields of a queue change (see [`QueueUpdateBody`]).
pub const QUEUE_UPDATE: UpdateFields = UpdateFields {
    what: "a queue",
    writable: &SETTINGS,
    read_only: &["queueId", "enterpriseId", "createdAt", "updatedAt"],
    derived: &[],
    unknown: Unknown::Refuse,
};

/// The settings a body's writable fields give.
fn queue_change(body: &Map<String, Value>) -> Result<QueueChange, TelenorError> {
    Ok(QueueChange {
        name: fields::text(body, "name")?,
        number: fields::text(body, "number")?,
        strategy: fields::text(body, "strategy")?,
        ring_timeout: fields::typed(body, "ringTimeout")?,
        max_length: fields::typed(body, "maxLength")?,
        max_wait: fields::typed(body, "maxWait")?,
        max_wait_no_agent: fields::typed(body, "maxWaitNoAgent")?,
        wrap_up_time: fields::typed(body, "wrapUpTime")?,
        overflow_target: fields::nullable_text(body, "overflowTarget")?,
        no_agent_target: fields::nullable_text(body, "noAgentTarget")?,
        service_level_seconds: fields::typed(body, "serviceLevelSeconds")?,
    })
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct EnterpriseFilter {
    /// Only this enterprise's (one the token may act for).
    pub enterprise_id: Option<String>,
}

/// List the queues of the enterprises the token may act for, by enterprise and name.
#[utoipa::path(
    get,
    path = "/queue/queues",
    operation_id = "listQueues",
    tag = "mbn-queue",
    security(("bearer" = [])),
    params(EnterpriseFilter),
    responses(
        (status = 200, description = "The queues", body = Vec<QueueBody>),
        (status = 400, description = "40000 bad query parameter", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 404, description = "40402 unknown enterprise or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Query(filter, _): Query<EnterpriseFilter, TelenorError>,
) -> Result<Json<Vec<QueueBody>>, TelenorError> {
    caller.require(ApiProduct::MbnQueue)?;
    let queues = state
        .platform
        .queues(&caller, filter.enterprise_id.as_deref())
        .await?;
    Ok(Json(queues.into_iter().map(QueueBody::from).collect()))
}

/// Create a queue: its number becomes an entry of the enterprise's numbering plan.
#[utoipa::path(
    post,
    path = "/queue/queues",
    operation_id = "createQueue",
    tag = "mbn-queue",
    security(("bearer" = [])),
    request_body = QueueInputBody,
    responses(
        (status = 201, description = "The queue; `Location` names it", body = QueueBody),
        (status = 400, description = "40000: a field breaks its rule (named in the detail): name, number (plan length, inside the ranges), strategy, a setting outside its range, a target that is not a number with country code or a short number of the plan or is the queue's own number, enterpriseId when the token reaches several", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown enterprise or not yours", body = ErrorBody),
        (status = 409, description = "40901: the number is taken in the plan (by what, in the detail), or the name is another queue's", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    JsonBody(body, _): JsonBody<Value, TelenorError>,
) -> Result<Response, TelenorError> {
    caller.require(ApiProduct::MbnQueue)?;
    let body = QUEUE_NEW.new_resource::<TelenorError>(super::absences::object(body)?)?;
    let enterprise_id = fields::text(&body, "enterpriseId")?;
    let queue = state
        .platform
        .create_queue(&caller, enterprise_id.as_deref(), queue_change(&body)?)
        .await?;
    let location = format!("/queue/queues/{}", queue.id);
    Ok((
        StatusCode::CREATED,
        [(LOCATION, location)],
        Json(QueueBody::from(queue)),
    )
        .into_response())
}

/// Get a queue's settings.
#[utoipa::path(
    get,
    path = "/queue/queues/{queueId}",
    operation_id = "getQueue",
    tag = "mbn-queue",
    security(("bearer" = [])),
    params(("queueId" = String, Path, description = "The queue id")),
    responses(
        (status = 200, description = "The queue", body = QueueBody),
        (status = 400, description = "40000 bad path parameter", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 404, description = "40402 unknown queue or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(queue_id, _): Path<String, TelenorError>,
) -> Result<Json<QueueBody>, TelenorError> {
    caller.require(ApiProduct::MbnQueue)?;
    Ok(Json(state.platform.queue(&caller, &queue_id).await?.into()))
}

/// Change a queue's name, number or settings; fields left out keep their value. A new number
/// moves the queue's plan entry.
#[utoipa::path(
    put,
    path = "/queue/queues/{queueId}",
    operation_id = "updateQueue",
    tag = "mbn-queue",
    security(("bearer" = [])),
    params(("queueId" = String, Path, description = "The queue id")),
    request_body = QueueUpdateBody,
    responses(
        (status = 200, description = "The queue as it is now", body = QueueBody),
        (status = 400, description = "40000: a field breaks its rule (named in the detail), or enterpriseId differs", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown queue or not yours", body = ErrorBody),
        (status = 409, description = "40901: the new number is taken, the name is another queue's, or call forwarding, absences or another queue point at the old number (all named)", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(queue_id, _): Path<String, TelenorError>,
    JsonBody(body, _): JsonBody<Value, TelenorError>,
) -> Result<Json<QueueBody>, TelenorError> {
    caller.require(ApiProduct::MbnQueue)?;
    let (platform, caller_ref, id) = (&state.platform, &caller, queue_id.as_str());
    let body = QUEUE_UPDATE
        .apply(super::absences::object(body)?, move || async move {
            let queue = platform.queue(caller_ref, id).await?;
            Ok::<_, TelenorError>(representation(QueueBody::from(queue)))
        })
        .await?;
    let change = queue_change(&body)?;
    let queue = state
        .platform
        .update_queue(&caller, &queue_id, change)
        .await?;
    Ok(Json(queue.into()))
}

/// Delete a queue with its agents and its numbering-plan entry. Refused while absences, call
/// forwarding or another queue's targets point at it.
#[utoipa::path(
    delete,
    path = "/queue/queues/{queueId}",
    operation_id = "deleteQueue",
    tag = "mbn-queue",
    security(("bearer" = [])),
    params(("queueId" = String, Path, description = "The queue id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "40000 bad path parameter", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown queue or not yours", body = ErrorBody),
        (status = 409, description = "40901: absences, call forwarding or other queues point at the queue (each named in the detail)", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(queue_id, _): Path<String, TelenorError>,
) -> Result<StatusCode, TelenorError> {
    caller.require(ApiProduct::MbnQueue)?;
    state.platform.delete_queue(&caller, &queue_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
