//! The live side of the Queue API: waiting callers with position and wait time, agents' user
//! and system states, counters and the service level — as the engine sees them now.

use sentral_engine::QueueStatus;

use super::forwarding::EngineRead;
use crate::{Platform, Principal, ServiceError};

impl Platform {
    /// `GET /queue/queues/{queueId}/status`.
    pub async fn queue_status(
        &self,
        principal: &Principal,
        queue_id: &str,
    ) -> Result<QueueStatus, ServiceError> {
        let queue = self.queue(principal, queue_id).await?;
        let id = queue.id.clone();
        let read = EngineRead::QueueStatus {
            queue_id: queue.id.clone(),
        };
        self.engine_read(&queue.enterprise_id, read, move |engine| {
            engine.queue_status(&id)
        })
        .await?
        .ok_or_else(|| ServiceError::not_found(format!("queue {queue_id}")))
    }
}
