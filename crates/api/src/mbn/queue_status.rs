//! `GET /queue/queues/{queueId}/status`: the queue as the network sees it now.

use crate::json::Json;
use axum::extract::State;
use sentral_domain::ApiProduct;
use sentral_engine::QueueStatus;

use crate::AppState;
use crate::body::Path;
use crate::telenor::{ErrorBody, NotOwnerUnavailable, TelenorCaller, TelenorError};

/// Waiting callers (position 1 is offered next; wait time in seconds; agents it rings at),
/// every agent's user state (loggedOff, notReady, ready, workingAfterCall) and system state
/// (idle, reserved, busy), counters since the queue was configured, and the service level: the
/// share of answered calls answered within `serviceLevelSeconds`.
#[utoipa::path(
    get,
    path = "/queue/queues/{queueId}/status",
    tag = "mbn-queue",
    security(("bearer" = [])),
    params(("queueId" = String, Path, description = "The queue id")),
    responses(
        (status = 200, description = "The queue's status", body = QueueStatus),
        (status = 401, description = "40101, 40102, 40103, 40105, 40106", body = ErrorBody),
        (status = 403, description = "40301", body = ErrorBody),
        (status = 404, description = "40402 unknown queue or not yours", body = ErrorBody),
        (status = 429, description = "42901, 42902", body = ErrorBody),
        NotOwnerUnavailable,
    )
)]
pub async fn status(
    State(state): State<AppState>,
    TelenorCaller(caller): TelenorCaller,
    Path(queue_id, _): Path<String, TelenorError>,
) -> Result<Json<QueueStatus>, TelenorError> {
    caller.require(ApiProduct::MbnQueue)?;
    Ok(Json(state.platform.queue_status(&caller, &queue_id).await?))
}
