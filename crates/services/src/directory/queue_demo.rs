//! The demo enterprise's call queues: the switchboard queue on 800 (queue 1, which absences of
//! the demo world send calls to) and customer service on 801, with agents in a mix of states.

use sentral_domain::directory::{
    Agent, AgentState, Destination, Queue, QueueSettings, QueueStrategy, ShortNumber,
};
use sentral_domain::{EntityId, Timestamp};
use sentral_store::Connection;
use sentral_store::directory::queues;

use super::user_demo::DEMO_VOICEMAIL_NUMBER;
use crate::ServiceError;

/// The demo queues' short numbers.
pub const DEMO_SWITCHBOARD_QUEUE_NUMBER: &str = "800";
pub const DEMO_SERVICE_QUEUE_NUMBER: &str = "801";

fn not_ready(reason: &str) -> AgentState {
    AgentState::NotReady {
        reason: Some(reason.into()),
    }
}

/// Queues and agents of `enterprise_id` (the demo plan and members exist already).
pub(crate) async fn seed_demo_queues(
    conn: &mut Connection,
    enterprise_id: &str,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let short = |n: &str| ShortNumber::parse(n, 3).map_err(ServiceError::internal);
    let queues = [
        (
            "Sentralbord",
            DEMO_SWITCHBOARD_QUEUE_NUMBER,
            QueueSettings {
                strategy: QueueStrategy::Linear,
                no_agent_target: Some(Destination::External(DEMO_VOICEMAIL_NUMBER.into())),
                overflow_target: Some(Destination::External(DEMO_VOICEMAIL_NUMBER.into())),
                ..QueueSettings::default()
            },
            vec![
                ("mem_demo_001", AgentState::Ready),
                ("mem_demo_002", not_ready("Møte")),
                ("mem_dk_000004", AgentState::LoggedOff),
            ],
        ),
        (
            "Kundeservice",
            DEMO_SERVICE_QUEUE_NUMBER,
            QueueSettings {
                strategy: QueueStrategy::LongestIdle,
                max_length: 20,
                max_wait: 600,
                wrap_up_time: 30,
                // Callers who wait too long go to the switchboard queue.
                overflow_target: Some(Destination::Short(DEMO_SWITCHBOARD_QUEUE_NUMBER.into())),
                no_agent_target: Some(Destination::Short(DEMO_SWITCHBOARD_QUEUE_NUMBER.into())),
                service_level_seconds: 30,
                ..QueueSettings::default()
            },
            vec![
                ("mem_demo_003", AgentState::Ready),
                ("mem_dk_000005", AgentState::Ready),
                ("mem_dk_000006", AgentState::WorkingAfterCall),
                ("mem_dk_000007", not_ready("Lunsj")),
                ("mem_dk_000008", AgentState::LoggedOff),
            ],
        ),
    ];
    for (name, number, settings, agents) in queues {
        let queue = Queue {
            id: queues::next_queue_id(conn).await?,
            enterprise_id: enterprise_id.into(),
            name: name.into(),
            number: short(number)?,
            settings,
            created_at: now,
            updated_at: now,
        };
        queues::insert(conn, &queue).await?;
        for (index, (member_id, state)) in agents.into_iter().enumerate() {
            let agent = Agent {
                member_id: EntityId::new(member_id),
                queue_id: queue.id.clone(),
                position: u32::try_from(index + 1).map_err(ServiceError::internal)?,
                state,
                state_changed_at: now,
                added_at: now,
            };
            queues::insert_agent(conn, &agent).await?;
        }
    }
    Ok(())
}
