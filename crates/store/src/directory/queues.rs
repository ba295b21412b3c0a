//! Call queues and their agents. A queue's number is its plan entry (kind `queue`), read through
//! a join as a member's short number is, so a numbering-plan change that moves it moves it here.

use crate::db::Row;
use sentral_domain::directory::{
    Agent, AgentPerson, AgentState, Destination, PlanDevice, PlanEntry, Queue, QueueSettings,
    QueueStrategy, ShortNumber,
};
use sentral_domain::{EntityId, Msisdn, Timestamp};

use crate::corporate::{Bind, Filter, next_number};
use crate::rows::{at, corrupt, escape_like, int, opt_text, text};
use crate::{Connection, StoreError};

/// Queues with their number (one row per queue even if a plan lists the queue twice).
const SELECT_QUEUES: &str = "SELECT q.*, (SELECT MIN(s.short_number) FROM short_numbers s \
     WHERE s.kind = 'queue' AND s.target = q.id AND s.enterprise_id = q.enterprise_id) AS number \
     FROM queues q";

/// Agents with who they are.
const SELECT_AGENTS: &str = "SELECT a.*, m.enterprise_id AS enterprise_id, \
     m.first_name AS first_name, m.last_name AS last_name, m.mobile AS mobile, \
     s.short_number AS short_number FROM queue_agents a JOIN members m ON m.id = a.member_id \
     LEFT JOIN short_numbers s ON s.kind = 'member' AND s.target = m.id \
     AND s.enterprise_id = m.enterprise_id";

fn seconds(row: &Row, column: &str) -> Result<u32, StoreError> {
    let value = int(row, column)?;
    u32::try_from(value).map_err(|_| corrupt(column, &value.to_string()))
}

fn queue_from(row: &Row) -> Result<Queue, StoreError> {
    let id = text(row, "id")?;
    let number = opt_text(row, "number")?
        .ok_or_else(|| StoreError::Corrupt(format!("queue {id} has no plan entry")))?;
    let strategy = text(row, "strategy")?;
    Ok(Queue {
        enterprise_id: text(row, "enterprise_id")?,
        name: text(row, "name")?,
        number: ShortNumber::parse(&number, u8::try_from(number.len()).unwrap_or(0))?,
        settings: QueueSettings {
            strategy: QueueStrategy::parse(&strategy)?,
            ring_timeout: seconds(row, "ring_timeout")?,
            max_length: seconds(row, "max_length")?,
            max_wait: seconds(row, "max_wait")?,
            max_wait_no_agent: seconds(row, "max_wait_no_agent")?,
            wrap_up_time: seconds(row, "wrap_up_time")?,
            overflow_target: opt_text(row, "overflow_target")?.map(Destination::from_stored),
            no_agent_target: opt_text(row, "no_agent_target")?.map(Destination::from_stored),
            service_level_seconds: seconds(row, "service_level_seconds")?,
        },
        created_at: at(row, "created_at")?,
        updated_at: at(row, "updated_at")?,
        id,
    })
}

fn agent_from(row: &Row) -> Result<Agent, StoreError> {
    let state = text(row, "state")?;
    Ok(Agent {
        member_id: EntityId::new(text(row, "member_id")?),
        queue_id: text(row, "queue_id")?,
        position: seconds(row, "position")?,
        state: AgentState::from_parts(&state, opt_text(row, "reason")?)?,
        state_changed_at: at(row, "state_changed_at")?,
        added_at: at(row, "added_at")?,
    })
}

fn agent_with_person(row: &Row) -> Result<(Agent, AgentPerson), StoreError> {
    let person = AgentPerson {
        enterprise_id: text(row, "enterprise_id")?,
        first_name: text(row, "first_name")?,
        last_name: text(row, "last_name")?,
        mobile: Msisdn::parse(&text(row, "mobile")?)?,
        short_number: opt_text(row, "short_number")?,
    };
    Ok((agent_from(row)?, person))
}

/// A queue id no queue and no plan entry uses yet: the next of a counter, in the caller's
/// transaction (plans made before queues were stored may hold queue ids of their own).
pub async fn next_queue_id(conn: &mut Connection) -> Result<String, StoreError> {
    loop {
        let id = next_number(conn, "queue_id", 1).await?.to_string();
        let taken = crate::db::query(
            "SELECT 1 AS taken FROM queues WHERE id = $1 UNION ALL \
             SELECT 1 AS taken FROM short_numbers WHERE kind = 'queue' AND target = $1",
        )
        .bind(&id)
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?;
        if taken.is_none() {
            return Ok(id);
        }
    }
}

/// Inserts the queue and its plan entry.
pub async fn insert(conn: &mut Connection, queue: &Queue) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO queues (id, enterprise_id, name, strategy, ring_timeout, max_length, \
         max_wait, max_wait_no_agent, wrap_up_time, overflow_target, no_agent_target, \
         service_level_seconds, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&queue.id)
    .bind(&queue.enterprise_id)
    .bind(&queue.name)
    .bind(queue.settings.strategy.as_str())
    .bind(i64::from(queue.settings.ring_timeout))
    .bind(i64::from(queue.settings.max_length))
    .bind(i64::from(queue.settings.max_wait))
    .bind(i64::from(queue.settings.max_wait_no_agent))
    .bind(i64::from(queue.settings.wrap_up_time))
    .bind(
        queue
            .settings
            .overflow_target
            .as_ref()
            .map(Destination::as_str),
    )
    .bind(
        queue
            .settings
            .no_agent_target
            .as_ref()
            .map(Destination::as_str),
    )
    .bind(i64::from(queue.settings.service_level_seconds))
    .bind(queue.created_at.millis())
    .bind(queue.updated_at.millis())
    .execute(&mut *conn)
    .await
    .map_err(|e| e.conflict_as(format!("a queue named {:?}", queue.name)))?;
    let entry = PlanEntry {
        short_number: queue.number.clone(),
        device: PlanDevice::Queue(queue.id.clone()),
    };
    super::insert_entry(conn, &queue.enterprise_id, &entry).await
}

/// Writes the queue's name and settings, and moves its plan entry to its number.
pub async fn update(conn: &mut Connection, queue: &Queue) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE queues SET name = $2, strategy = $3, ring_timeout = $4, max_length = $5, \
         max_wait = $6, max_wait_no_agent = $7, wrap_up_time = $8, overflow_target = $9, \
         no_agent_target = $10, service_level_seconds = $11, updated_at = $12 WHERE id = $1",
    )
    .bind(&queue.id)
    .bind(&queue.name)
    .bind(queue.settings.strategy.as_str())
    .bind(i64::from(queue.settings.ring_timeout))
    .bind(i64::from(queue.settings.max_length))
    .bind(i64::from(queue.settings.max_wait))
    .bind(i64::from(queue.settings.max_wait_no_agent))
    .bind(i64::from(queue.settings.wrap_up_time))
    .bind(
        queue
            .settings
            .overflow_target
            .as_ref()
            .map(Destination::as_str),
    )
    .bind(
        queue
            .settings
            .no_agent_target
            .as_ref()
            .map(Destination::as_str),
    )
    .bind(i64::from(queue.settings.service_level_seconds))
    .bind(queue.updated_at.millis())
    .execute(&mut *conn)
    .await
    .map_err(|e| e.conflict_as(format!("a queue named {:?}", queue.name)))?;
    crate::db::query(
        "UPDATE short_numbers SET short_number = $3 \
         WHERE enterprise_id = $1 AND kind = 'queue' AND target = $2",
    )
    .bind(&queue.enterprise_id)
    .bind(&queue.id)
    .bind(queue.number.as_str())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("short number {}", queue.number.as_str())))?;
    Ok(())
}

/// Deletes the queue, its agents and its plan entry.
pub async fn delete(conn: &mut Connection, queue: &Queue) -> Result<(), StoreError> {
    crate::db::query("DELETE FROM queue_agents WHERE queue_id = $1")
        .bind(&queue.id)
        .execute(&mut *conn)
        .await?;
    crate::db::query(
        "DELETE FROM short_numbers WHERE enterprise_id = $1 AND kind = 'queue' AND target = $2",
    )
    .bind(&queue.enterprise_id)
    .bind(&queue.id)
    .execute(&mut *conn)
    .await?;
    crate::db::query("DELETE FROM queues WHERE id = $1")
        .bind(&queue.id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn queue(conn: &mut Connection, id: &str) -> Result<Option<Queue>, StoreError> {
    let sql = format!("{SELECT_QUEUES} WHERE q.id = $1");
    // A constant query text; the value is bound.
    crate::db::query(crate::db::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(queue_from)
        .transpose()
}

/// The queues of any of `enterprise_ids`, by enterprise then name.
pub async fn of_enterprises(
    conn: &mut Connection,
    enterprise_ids: &[String],
) -> Result<Vec<Queue>, StoreError> {
    let mut filter = Filter::default();
    let clause = filter.any_of("q.enterprise_id", enterprise_ids.iter().cloned());
    filter.push(clause);
    let sql = format!(
        "{SELECT_QUEUES}{} ORDER BY q.enterprise_id, q.name, q.id",
        filter.where_sql()
    );
    // Only clauses built by the filter are interpolated; every value is bound.
    filter
        .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
        .fetch_all(conn)
        .await?
        .iter()
        .map(queue_from)
        .collect()
}

/// The queue's agents in position order, with who they are.
pub async fn agents(
    conn: &mut Connection,
    queue_id: &str,
) -> Result<Vec<(Agent, AgentPerson)>, StoreError> {
    let sql = format!("{SELECT_AGENTS} WHERE a.queue_id = $1 ORDER BY a.position, a.member_id");
    // A constant query text; the value is bound.
    crate::db::query(crate::db::AssertSqlSafe(sql))
        .bind(queue_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(agent_with_person)
        .collect()
}

pub async fn agent(
    conn: &mut Connection,
    queue_id: &str,
    member_id: &str,
) -> Result<Option<(Agent, AgentPerson)>, StoreError> {
    let sql = format!("{SELECT_AGENTS} WHERE a.queue_id = $1 AND a.member_id = $2");
    // A constant query text; the values are bound.
    crate::db::query(crate::db::AssertSqlSafe(sql))
        .bind(queue_id)
        .bind(member_id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(agent_with_person)
        .transpose()
}

/// Adds the agent at its position; those at or after it move one down. A member that is an
/// agent of the queue already is a conflict, and then nothing moves.
pub async fn insert_agent(conn: &mut Connection, agent: &Agent) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO queue_agents (queue_id, member_id, position, state, reason, \
         state_changed_at, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&agent.queue_id)
    .bind(agent.member_id.as_str())
    .bind(i64::from(agent.position))
    .bind(agent.state.as_str())
    .bind(agent.state.reason())
    .bind(agent.state_changed_at.millis())
    .bind(agent.added_at.millis())
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        e.conflict_as(format!(
            "member {} as an agent of queue {}",
            agent.member_id, agent.queue_id
        ))
    })?;
    crate::db::query(
        "UPDATE queue_agents SET position = position + 1 \
         WHERE queue_id = $1 AND position >= $2 AND member_id <> $3",
    )
    .bind(&agent.queue_id)
    .bind(i64::from(agent.position))
    .bind(agent.member_id.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the queue's row lock for the rest of the transaction, so that two writers changing
/// the same queue or its agents' order run one after the other (PostgreSQL; SQLite has a
/// single writer anyway).
pub async fn lock(conn: &mut Connection, queue_id: &str) -> Result<(), StoreError> {
    crate::db::query("UPDATE queues SET updated_at = updated_at WHERE id = $1")
        .bind(queue_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes the agent; those after it move one up. False when it was not an agent there.
pub async fn delete_agent(
    conn: &mut Connection,
    queue_id: &str,
    member_id: &str,
) -> Result<bool, StoreError> {
    let Some((agent, _)) = agent(conn, queue_id, member_id).await? else {
        return Ok(false);
    };
    crate::db::query("DELETE FROM queue_agents WHERE queue_id = $1 AND member_id = $2")
        .bind(queue_id)
        .bind(member_id)
        .execute(&mut *conn)
        .await?;
    crate::db::query(
        "UPDATE queue_agents SET position = position - 1 WHERE queue_id = $1 AND position > $2",
    )
    .bind(queue_id)
    .bind(i64::from(agent.position))
    .execute(conn)
    .await?;
    Ok(true)
}

pub async fn set_agent_state(
    conn: &mut Connection,
    queue_id: &str,
    member_id: &str,
    state: &AgentState,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "UPDATE queue_agents SET state = $3, reason = $4, state_changed_at = $5 \
         WHERE queue_id = $1 AND member_id = $2",
    )
    .bind(queue_id)
    .bind(member_id)
    .bind(state.as_str())
    .bind(state.reason())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn agent_count(conn: &mut Connection, queue_id: &str) -> Result<i64, StoreError> {
    let row = crate::db::query("SELECT COUNT(*) AS n FROM queue_agents WHERE queue_id = $1")
        .bind(queue_id)
        .fetch_one(conn)
        .await?;
    int(&row, "n")
}

/// Agents of queues of `enterprise_ids` whose name contains `query` (case-insensitive), whose
/// mobile number contains it, or whose short number is it; by name, member and queue.
pub async fn search_agents(
    conn: &mut Connection,
    enterprise_ids: &[String],
    query: Option<&str>,
) -> Result<Vec<(Agent, AgentPerson)>, StoreError> {
    let mut filter = Filter::default();
    let clause = filter.any_of("m.enterprise_id", enterprise_ids.iter().cloned());
    filter.push(clause);
    if let Some(query) = query.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = filter.bind(Bind::Text(format!(
            "%{}%",
            escape_like(&query.to_lowercase())
        )));
        let exact = filter.bind(Bind::Text(query.to_owned()));
        filter.push(format!(
            "(LOWER(m.first_name || ' ' || m.last_name) LIKE {pattern} ESCAPE '\\' \
             OR m.mobile LIKE {pattern} ESCAPE '\\' OR s.short_number = {exact})"
        ));
    }
    let sql = format!(
        "{SELECT_AGENTS}{} ORDER BY m.last_name, m.first_name, a.member_id, a.queue_id",
        filter.where_sql()
    );
    // Only clauses built by the filter are interpolated; every value is bound.
    filter
        .apply(crate::db::query(crate::db::AssertSqlSafe(sql)))
        .fetch_all(conn)
        .await?
        .iter()
        .map(agent_with_person)
        .collect()
}

/// Every queue of the enterprise with its agents in position order: what the telephony engine
/// distributes calls by.
pub async fn load_enterprise_queues(
    conn: &mut Connection,
    enterprise_id: &str,
) -> Result<Vec<(Queue, Vec<Agent>)>, StoreError> {
    let queues = of_enterprises(conn, &[enterprise_id.to_owned()]).await?;
    let rows = crate::db::query(
        "SELECT a.* FROM queue_agents a JOIN queues q ON q.id = a.queue_id \
         WHERE q.enterprise_id = $1 ORDER BY a.queue_id, a.position, a.member_id",
    )
    .bind(enterprise_id)
    .fetch_all(conn)
    .await?;
    let mut agents = rows.iter().map(agent_from).collect::<Result<Vec<_>, _>>()?;
    Ok(queues
        .into_iter()
        .map(|queue| {
            let (own, rest): (Vec<Agent>, Vec<Agent>) = agents
                .drain(..)
                .partition(|agent| agent.queue_id == queue.id);
            agents = rest;
            (queue, own)
        })
        .collect())
}
