//! MBN Queue API, the agents: `GET|POST /queue/queues/{queueId}/agents`,
//! `DELETE /queue/queues/{queueId}/agents/{memberId}`,
//! `PUT /queue/queues/{queueId}/agents/{memberId}/state` and `GET /queue/agents?search=`.

use crate::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use sentral_domain::ApiProduct;
use sentral_domain::directory::{Agent, AgentPerson};
use sentral_services::directory::queue_agents::{AgentView, FoundAgent, NewAgent};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::fields;
use crate::AppState;
use crate::body::update::refuse_unknown;
use crate::body::{Json as JsonBody, Path, Query};
use crate::telenor::{ErrorBody, TelenorCaller, TelenorError};

/// The state an agent set (CSTA agent states): `loggedOff`, `notReady` (logged on, not taking
/// calls; with an optional `reason`), `ready` (taking calls) or `workingAfterCall` (wrap-up).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum AgentStateName {
    LoggedOff,
    NotReady,
    Ready,
    WorkingAfterCall,
}

/// A requested agent state: one of the states, or `loggedOn`, which makes a logged-off agent
/// `ready` and leaves a logged-on agent as it is. `workingAfterCall` needs a logged-on agent.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum AgentStateRequestName {
    LoggedOn,
    LoggedOff,
    NotReady,
    Ready,
    WorkingAfterCall,
}

fn state_name(agent: &Agent) -> AgentStateName {
    match agent.state.as_str() {
        "notReady" => AgentStateName::NotReady,
        "ready" => AgentStateName::Ready,
        "workingAfterCall" => AgentStateName::WorkingAfterCall,
        _ => AgentStateName::LoggedOff,
    }
}

/// A member's place in a queue and the state the member set there. What the agent is doing on
/// a call (idle, offered, busy) is in the queue status and the CSTA events, not here.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentBody {
    #[schema(example = "mem_demo_001")]
    pub member_id: String,
    #[schema(example = "1")]
    pub queue_id: String,
    #[schema(example = "Sentralbord")]
    pub queue_name: String,
    /// From 1: the order the `linear` strategy tries agents in.
    #[schema(example = 1, minimum = 1)]
    pub position: u32,
    pub state: AgentStateName,
    /// Why the agent is not ready, when it said so.
    #[schema(example = "Lunsj")]
    pub reason: Option<String>,
    pub state_changed_at: String,
    pub added_at: String,
    pub first_name: String,
    pub last_name: String,
    /// The member's mobile number with country code.
    #[schema(example = "4791000001")]
    pub mobile_number: String,
    /// The member's short number in the enterprise's numbering plan.
    #[schema(example = "101")]
    pub short_number: Option<String>,
}

impl From<AgentView> for AgentBody {
    fn from(view: AgentView) -> Self {
        let AgentView {
            agent,
            person,
            queue_name,
        } = view;
        Self {
            state: state_name(&agent),
            reason: agent.state.reason().map(str::to_owned),
            member_id: agent.member_id.to_string(),
            queue_id: agent.queue_id,
            queue_name,
            position: agent.position,
            state_changed_at: agent.state_changed_at.to_rfc3339(),
            added_at: agent.added_at.to_rfc3339(),
            first_name: person.first_name,
            last_name: person.last_name,
            mobile_number: person.mobile.to_string(),
            short_number: person.short_number,
        }
    }
}

/// One queue a found agent belongs to.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentQueueBody {
    #[schema(example = "1")]
    pub queue_id: String,
    #[schema(example = "Sentralbord")]
    pub queue_name: String,
    #[schema(example = 1, minimum = 1)]
    pub position: u32,
    pub state: AgentStateName,
    pub reason: Option<String>,
    pub state_changed_at: String,
}

/// A member that is an agent, with every queue it is an agent of.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FoundAgentBody {
    #[schema(example = "mem_demo_001")]
    pub member_id: String,
    #[schema(example = "100001")]
    pub enterprise_id: String,
    pub first_name: String,
    pub last_name: String,
    #[schema(example = "4791000001")]
    pub mobile_number: String,
    #[schema(example = "101")]
    pub short_number: Option<String>,
    pub queues: Vec<AgentQueueBody>,
}

impl From<FoundAgent> for FoundAgentBody {
    fn from(found: FoundAgent) -> Self {
        let AgentPerson {
            enterprise_id,
            first_name,
            last_name,
            mobile,
            short_number,
        } = found.person;
        Self {
            member_id: found.member_id.to_string(),
            enterprise_id,
            first_name,
            last_name,
            mobile_number: mobile.to_string(),
            short_number,
            queues: found
                .queues
                .into_iter()
                .map(|(agent, queue_name)| AgentQueueBody {
                    state: state_name(&agent),
                    reason: agent.state.reason().map(str::to_owned),
                    queue_id: agent.queue_id,
                    queue_name,
                    position: agent.position,
                    state_changed_at: agent.state_changed_at.to_rfc3339(),
                })
                .collect(),
        }
    }
}

/// A member of the queue's enterprise to add as an agent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAgentBody {
    #[schema(example = "mem_dk_000010")]
    pub member_id: String,
    /// Where in the order (from 1; the agents from there move one down); last when left out.
    #[schema(example = 1, minimum = 1)]
    pub position: Option<i64>,
    /// The state it starts in; `loggedOff` when left out.
    pub state: Option<AgentStateRequestName>,
    /// With `notReady` only; at most 100 characters.
    pub reason: Option<String>,
}

/// An agent's new state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentStateBody {
    pub state: AgentStateRequestName,
    /// With `notReady` only; at most 100 characters.
    #[schema(example = "Lunsj")]
    pub reason: Option<String>,
}

fn state_text(body: &serde_json::Map<String, Value>) -> Result<Option<String>, TelenorError> {
    fields::text(body, "state")
}

/// List the queue's agents in position order.
#[utoipa::path(
    get,
    path = "/queue/queues/{queueId}/agents",
    operation_id = "listQueueAgents",
    tag = "mbn-queue",
    security(("bearer" = [])),
    params(("queueId" = String, Path, description = "The queue id")),
    responses(
        (status = 200, description = "The agents", body = Vec<AgentBody>),
        (status = 400, description = "40000 bad path parameter", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 404, description = "40402 unknown queue or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(queue_id, _): Path<String, TelenorError>,
) -> Result<Json<Vec<AgentBody>>, TelenorError> {
    caller.require(ApiProduct::MbnQueue)?;
    let agents = state.platform.queue_agents(&caller, &queue_id).await?;
    Ok(Json(agents.into_iter().map(AgentBody::from).collect()))
}

/// Add a member of the queue's enterprise as an agent.
#[utoipa::path(
    post,
    path = "/queue/queues/{queueId}/agents",
    operation_id = "addQueueAgent",
    tag = "mbn-queue",
    security(("bearer" = [])),
    params(("queueId" = String, Path, description = "The queue id")),
    request_body = NewAgentBody,
    responses(
        (status = 201, description = "The agent; `Location` names it", body = AgentBody),
        (status = 400, description = "40000: memberId is not a member of the queue's enterprise, position outside 1 to the agents + 1, an unknown state, a reason without notReady (named in the detail)", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown queue or not yours", body = ErrorBody),
        (status = 409, description = "40901: the member is an agent of the queue already, or the queue has 500 agents", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn add(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(queue_id, _): Path<String, TelenorError>,
    JsonBody(body, _): JsonBody<Value, TelenorError>,
) -> Result<Response, TelenorError> {
    caller.require(ApiProduct::MbnQueue)?;
    let body = super::absences::object(body)?;
    refuse_unknown::<TelenorError>(
        &body,
        &["memberId", "position", "state", "reason"],
        "",
        "an agent",
    )?;
    let new = NewAgent {
        member_id: fields::text(&body, "memberId")?
            .ok_or_else(|| TelenorError::BadRequest("memberId: is required".into()))?,
        position: fields::typed(&body, "position")?,
        state: state_text(&body)?,
        reason: fields::nullable_text(&body, "reason")?.flatten(),
    };
    let agent = state.platform.add_agent(&caller, &queue_id, new).await?;
    let location = format!(
        "/queue/queues/{}/agents/{}",
        agent.agent.queue_id, agent.agent.member_id
    );
    Ok((
        StatusCode::CREATED,
        [(LOCATION, location)],
        Json(AgentBody::from(agent)),
    )
        .into_response())
}

/// Remove an agent from the queue; the agents after it move one up.
#[utoipa::path(
    delete,
    path = "/queue/queues/{queueId}/agents/{memberId}",
    operation_id = "removeQueueAgent",
    tag = "mbn-queue",
    security(("bearer" = [])),
    params(
        ("queueId" = String, Path, description = "The queue id"),
        ("memberId" = String, Path, description = "The agent's member id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "40000 bad path parameter", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown queue, not yours, or the member is not its agent", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn remove(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path((queue_id, member_id), _): Path<(String, String), TelenorError>,
) -> Result<StatusCode, TelenorError> {
    caller.require(ApiProduct::MbnQueue)?;
    state
        .platform
        .remove_agent(&caller, &queue_id, &member_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Log an agent on or off, or set it ready, not ready (with a reason) or in wrap-up. A machine
/// user sets any agent of its enterprises; an end user only itself.
#[utoipa::path(
    put,
    path = "/queue/queues/{queueId}/agents/{memberId}/state",
    operation_id = "setQueueAgentState",
    tag = "mbn-queue",
    security(("bearer" = [])),
    params(
        ("queueId" = String, Path, description = "The queue id"),
        ("memberId" = String, Path, description = "The agent's member id"),
    ),
    request_body = AgentStateBody,
    responses(
        (status = 200, description = "The agent as it is now", body = AgentBody),
        (status = 400, description = "40000: an unknown state, or a reason without notReady or longer than 100 characters", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301; 40302 another member for an end-user token", body = ErrorBody),
        (status = 404, description = "40402 unknown queue, not yours, or the member is not its agent", body = ErrorBody),
        (status = 409, description = "40901: workingAfterCall for a logged-off agent", body = ErrorBody),
        (status = 413, description = "41300 body too large", body = ErrorBody),
        (status = 415, description = "41500 the body is not JSON (Content-Type)", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn set_state(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path((queue_id, member_id), _): Path<(String, String), TelenorError>,
    JsonBody(body, _): JsonBody<Value, TelenorError>,
) -> Result<Json<AgentBody>, TelenorError> {
    caller.require(ApiProduct::MbnQueue)?;
    let body = super::absences::object(body)?;
    refuse_unknown::<TelenorError>(&body, &["state", "reason"], "", "an agent state")?;
    let requested =
        state_text(&body)?.ok_or_else(|| TelenorError::BadRequest("state: is required".into()))?;
    let reason = fields::nullable_text(&body, "reason")?.flatten();
    let agent = state
        .platform
        .set_agent_state(&caller, &queue_id, &member_id, &requested, reason)
        .await?;
    Ok(Json(agent.into()))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AgentSearch {
    /// Name or mobile number containing this text (case-insensitive), or a short number.
    pub search: Option<String>,
    /// Only this enterprise's agents (one the token may act for).
    pub enterprise_id: Option<String>,
}

/// Find members that are agents in the enterprises the token may act for, by name or number,
/// each with the queues it is an agent of; by last name then first name.
#[utoipa::path(
    get,
    path = "/queue/agents",
    operation_id = "findAgents",
    tag = "mbn-queue",
    security(("bearer" = [])),
    params(AgentSearch),
    responses(
        (status = 200, description = "The agents found", body = Vec<FoundAgentBody>),
        (status = 400, description = "40000 bad query parameter", body = ErrorBody),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106, 40107", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 404, description = "40402 unknown enterprise or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        (status = 500, description = "50001", body = ErrorBody),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Query(search, _): Query<AgentSearch, TelenorError>,
) -> Result<Json<Vec<FoundAgentBody>>, TelenorError> {
    caller.require(ApiProduct::MbnQueue)?;
    let found = state
        .platform
        .search_agents(
            &caller,
            search.search.as_deref(),
            search.enterprise_id.as_deref(),
        )
        .await?;
    Ok(Json(found.into_iter().map(FoundAgentBody::from).collect()))
}
