//! MBN Queue API, the agents: a queue's agents in order, adding and removing them, the state
//! each agent sets, and the search for members that are agents.

use std::collections::BTreeMap;

use sentral_domain::EntityId;
use sentral_domain::directory::{Agent, AgentPerson, AgentState, AgentStateRequest};
use sentral_store::directory::{members, queues};
use serde_json::json;

use super::catalog::text_field;
use super::queues::{invalid, machine_user_only, queue_not_found};
use super::{Acting, acting};
use crate::platform::audit;
use crate::{Platform, Principal, ServiceError};

/// A member to add to a queue, where in the order (from 1; last when left out), and the state
/// it starts in (loggedOff when left out).
#[derive(Debug, Clone, Default)]
pub struct NewAgent {
    pub member_id: String,
    pub position: Option<i64>,
    pub state: Option<String>,
    pub reason: Option<String>,
}

/// An agent as the API shows it: the agent, who the member is and the queue's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentView {
    pub agent: Agent,
    pub person: AgentPerson,
    pub queue_name: String,
}

/// A member found by the agent search, with every queue the member is an agent of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundAgent {
    pub member_id: EntityId,
    pub person: AgentPerson,
    pub queues: Vec<(Agent, String)>,
}

/// At most this many agents per queue.
pub const MAX_AGENTS_PER_QUEUE: i64 = 500;

impl Platform {
    /// The queue's agents in position order.
    pub async fn queue_agents(
        &self,
        principal: &Principal,
        queue_id: &str,
    ) -> Result<Vec<AgentView>, ServiceError> {
        let queue = self.visible_queue(principal, queue_id).await?;
        let mut conn = self.store.read().await?;
        Ok(queues::agents(&mut conn, &queue.id)
            .await?
            .into_iter()
            .map(|(agent, person)| AgentView {
                agent,
                person,
                queue_name: queue.name.clone(),
            })
            .collect())
    }

    /// Adds a member of the queue's enterprise as an agent.
    pub async fn add_agent(
        &self,
        principal: &Principal,
        queue_id: &str,
        new: NewAgent,
    ) -> Result<AgentView, ServiceError> {
        machine_user_only(principal)?;
        let visible = self.visible_queue(principal, queue_id).await?;
        let member_id = new.member_id.trim().to_owned();
        if member_id.is_empty() {
            return Err(invalid("memberId", "is required"));
        }
        let state = match new.state.as_deref().map(str::trim) {
            None => AgentState::LoggedOff,
            Some(name) => {
                let reason = text_field("reason", new.reason, AgentState::REASON_MAX_CHARS)?;
                AgentStateRequest::parse(name, reason)
                    .and_then(|request| request.apply(&AgentState::LoggedOff))
                    .map_err(|e| invalid("state", e.to_string()))?
            }
        };
        let now = self.now();
        let mut tx = self.store.write().await?;
        queues::lock(&mut tx, &visible.id).await?;
        let queue = queues::queue(&mut tx, &visible.id)
            .await?
            .ok_or_else(|| queue_not_found(queue_id))?;
        let member = members::member(&mut tx, &member_id).await?;
        if member.is_none_or(|m| m.enterprise_id.as_deref() != Some(&queue.enterprise_id)) {
            return Err(invalid(
                "memberId",
                format!(
                    "{member_id} is not a member of enterprise {}, the queue's enterprise",
                    queue.enterprise_id
                ),
            ));
        }
        if queues::agent(&mut tx, &queue.id, &member_id)
            .await?
            .is_some()
        {
            return Err(ServiceError::Conflict {
                what: format!("member {member_id} as an agent of queue {}", queue.id),
            });
        }
        let count = queues::agent_count(&mut tx, &queue.id).await?;
        if count >= MAX_AGENTS_PER_QUEUE {
            return Err(ServiceError::Conflicting(format!(
                "queue {} already has {count} agents, the most a queue may have",
                queue.id
            )));
        }
        let last = count + 1;
        let position = match new.position {
            None => last,
            Some(position) if (1..=last).contains(&position) => position,
            Some(position) => {
                return Err(invalid(
                    "position",
                    format!("must be from 1 to {last}, got {position}"),
                ));
            }
        };
        let agent = Agent {
            member_id: EntityId::new(member_id.clone()),
            queue_id: queue.id.clone(),
            position: u32::try_from(position).map_err(ServiceError::internal)?,
            state,
            state_changed_at: now,
            added_at: now,
        };
        queues::insert_agent(&mut tx, &agent).await?;
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "queue.agent.add",
            &queue.id,
            json!({
                "memberId": member_id,
                "position": agent.position,
                "state": agent.state.as_str(),
            }),
        )
        .await?;
        let (agent, person) = queues::agent(&mut tx, &queue.id, &member_id)
            .await?
            .ok_or_else(|| ServiceError::internal("the new agent vanished"))?;
        tx.commit().await?;
        self.telephony_reload(&queue.enterprise_id).await;
        Ok(AgentView {
            agent,
            person,
            queue_name: queue.name,
        })
    }

    pub async fn remove_agent(
        &self,
        principal: &Principal,
        queue_id: &str,
        member_id: &str,
    ) -> Result<(), ServiceError> {
        machine_user_only(principal)?;
        let queue = self.visible_queue(principal, queue_id).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        queues::lock(&mut tx, &queue.id).await?;
        if !queues::delete_agent(&mut tx, &queue.id, member_id).await? {
            return Err(ServiceError::not_found(format!(
                "agent {member_id} of queue {queue_id}"
            )));
        }
        audit(
            &mut tx,
            now,
            &principal.actor(),
            "queue.agent.remove",
            &queue.id,
            json!({ "memberId": member_id }),
        )
        .await?;
        tx.commit().await?;
        self.telephony_reload(&queue.enterprise_id).await;
        Ok(())
    }

    /// Sets the state an agent chose: a machine user for any agent of its enterprises, an end
    /// user for itself.
    pub async fn set_agent_state(
        &self,
        principal: &Principal,
        queue_id: &str,
        member_id: &str,
        state: &str,
        reason: Option<String>,
    ) -> Result<AgentView, ServiceError> {
        let queue = self.visible_queue(principal, queue_id).await?;
        if let Acting::EndUser { member_id: own } = acting(principal)?
            && own != member_id
        {
            return Err(ServiceError::NotAllowed(format!(
                "an end-user token sets only its own agent state, not {member_id}'s"
            )));
        }
        let reason = text_field("reason", reason, AgentState::REASON_MAX_CHARS)?;
        let request = AgentStateRequest::parse(state.trim(), reason)
            .map_err(|e| invalid("state", e.to_string()))?;
        let not_found =
            || ServiceError::not_found(format!("agent {member_id} of queue {queue_id}"));
        let now = self.now();
        let mut tx = self.store.write().await?;
        queues::lock(&mut tx, &queue.id).await?;
        let (current, _) = queues::agent(&mut tx, &queue.id, member_id)
            .await?
            .ok_or_else(not_found)?;
        let state = request.apply(&current.state).map_err(|e| {
            ServiceError::Conflicting(format!("agent {member_id} of queue {queue_id}: {e}"))
        })?;
        if state != current.state {
            queues::set_agent_state(&mut tx, &queue.id, member_id, &state, now).await?;
            audit(
                &mut tx,
                now,
                &principal.actor(),
                "queue.agent.state",
                &queue.id,
                json!({
                    "memberId": member_id,
                    "state": state.as_str(),
                    "reason": state.reason(),
                }),
            )
            .await?;
        }
        let (agent, person) = queues::agent(&mut tx, &queue.id, member_id)
            .await?
            .ok_or_else(not_found)?;
        tx.commit().await?;
        if agent.state != current.state {
            self.telephony_reload(&queue.enterprise_id).await;
        }
        Ok(AgentView {
            agent,
            person,
            queue_name: queue.name,
        })
    }

    /// Members of the caller's enterprises (or of `enterprise_id`) that are agents, by name or
    /// number, each with the queues it is an agent of.
    pub async fn search_agents(
        &self,
        principal: &Principal,
        query: Option<&str>,
        enterprise_id: Option<&str>,
    ) -> Result<Vec<FoundAgent>, ServiceError> {
        let enterprises = self.queue_enterprises(principal, enterprise_id).await?;
        let mut conn = self.store.read().await?;
        let names: BTreeMap<String, String> = queues::of_enterprises(&mut conn, &enterprises)
            .await?
            .into_iter()
            .map(|queue| (queue.id, queue.name))
            .collect();
        let mut found: Vec<FoundAgent> = Vec::new();
        for (agent, person) in queues::search_agents(&mut conn, &enterprises, query).await? {
            let name = names.get(&agent.queue_id).cloned().unwrap_or_default();
            match found.last_mut() {
                Some(last) if last.member_id == agent.member_id => {
                    last.queues.push((agent, name));
                }
                _ => found.push(FoundAgent {
                    member_id: agent.member_id.clone(),
                    person,
                    queues: vec![(agent, name)],
                }),
            }
        }
        Ok(found)
    }
}
