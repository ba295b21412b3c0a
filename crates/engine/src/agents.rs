//! Agents' states: set by the agent (SetAgentState, the Queue API's stored changes) or by the
//! engine itself (no answer, wrap-up), with the events that say so.

use sentral_domain::Timestamp;

use crate::config::AgentState;
use crate::engine::{Engine, Timer};
use crate::error::CstaError;
use crate::event::{Cause, EventFields, EventKind};
use crate::queues::SystemAgentChange;

impl Engine {
    pub(crate) fn agent_call_ended(&mut self, queue_id: &str, agent: &str) {
        let now = self.now;
        let Some(queue) = self.queues.get_mut(queue_id) else {
            return;
        };
        let wrap_up = queue.config.wrap_up_time;
        let Some(runtime) = queue.agent_mut(agent) else {
            return;
        };
        runtime.idle_since = now;
        if wrap_up > 0 && runtime.state == AgentState::Ready {
            let until = now.plus_seconds(i64::from(wrap_up));
            runtime.ready_at = Some(until);
            self.change_agent(
                queue_id,
                agent,
                AgentState::WorkingAfterCall,
                Cause::NormalClearing,
            );
            self.note_system_agent_change(queue_id, agent);
            self.schedule(
                until,
                Timer::WrapUp {
                    queue: queue_id.to_owned(),
                    agent: agent.to_owned(),
                    until,
                },
            );
        }
        self.dirty_queues.insert(queue_id.to_owned());
    }

    pub(crate) fn wrap_up_over(&mut self, queue_id: &str, agent: &str, until: Timestamp) {
        let due = self
            .queues
            .get(queue_id)
            .and_then(|q| q.agent(agent))
            .is_some_and(|a| a.state == AgentState::WorkingAfterCall && a.ready_at == Some(until));
        if due {
            self.change_agent(queue_id, agent, AgentState::Ready, Cause::Normal);
            self.note_system_agent_change(queue_id, agent);
            self.dirty_queues.insert(queue_id.to_owned());
        }
    }

    /// Remembers a state the engine gave an agent itself (no answer, wrap-up), for the services
    /// to store: the Queue API shows it, and a restart starts from it.
    pub(crate) fn note_system_agent_change(&mut self, queue_id: &str, agent: &str) {
        let Some(state) = self.agent_state(queue_id, agent).cloned() else {
            return;
        };
        let Some(member) = self
            .kind_of(agent)
            .and_then(|k| k.member_id())
            .map(str::to_owned)
        else {
            return;
        };
        self.system_agent_changes.push(SystemAgentChange {
            queue_id: queue_id.to_owned(),
            member_id: member,
            state,
        });
    }

    /// The agent states the engine set itself since the last call (see
    /// [`SystemAgentChange`]); the caller stores them.
    pub fn take_system_agent_changes(&mut self) -> Vec<SystemAgentChange> {
        std::mem::take(&mut self.system_agent_changes)
    }

    /// An agent state changed in the store (the Queue API): applied as SetAgentState would.
    pub(crate) fn set_stored_agent_state(
        &mut self,
        queue_id: &str,
        device: &str,
        state: AgentState,
    ) {
        let ready = state == AgentState::Ready;
        self.change_agent(queue_id, device, state, Cause::Normal);
        if let Some(agent) = self
            .queues
            .get_mut(queue_id)
            .and_then(|q| q.agent_mut(device))
            && ready
        {
            agent.no_answers = 0;
            agent.ready_at = None;
        }
        self.dirty_queues.insert(queue_id.to_owned());
    }

    /// SetAgentState for one queue or every queue of the device.
    pub(crate) fn set_agent_state(
        &mut self,
        device: &str,
        queue: Option<&str>,
        state: AgentState,
    ) -> Result<(), CstaError> {
        let queues: Vec<String> = match queue {
            Some(queue_id) => {
                let known = self
                    .queues
                    .get(queue_id)
                    .is_some_and(|q| q.agent(device).is_some());
                if !known {
                    return Err(CstaError::InvalidDeviceIdentifier(format!(
                        "{device} (not an agent of queue {queue_id})"
                    )));
                }
                vec![queue_id.to_owned()]
            }
            None => self
                .queues
                .iter()
                .filter(|(_, q)| q.agent(device).is_some())
                .map(|(id, _)| id.clone())
                .collect(),
        };
        if queues.is_empty() {
            return Err(CstaError::InvalidDeviceIdentifier(format!(
                "{device} (not an agent of any queue)"
            )));
        }
        for queue_id in queues {
            self.change_agent(&queue_id, device, state.clone(), Cause::Normal);
            if let Some(agent) = self
                .queues
                .get_mut(&queue_id)
                .and_then(|q| q.agent_mut(device))
            {
                if state == AgentState::Ready {
                    agent.no_answers = 0;
                    agent.ready_at = None;
                }
                if !state.is_logged_on() {
                    agent.answered = 0;
                }
            }
            self.dirty_queues.insert(queue_id);
        }
        Ok(())
    }

    /// Sets an agent's state and tells the monitors; logging on from loggedOff says so first.
    pub(crate) fn change_agent(
        &mut self,
        queue_id: &str,
        agent: &str,
        state: AgentState,
        cause: Cause,
    ) {
        let now = self.now;
        let Some(queue) = self.queues.get_mut(queue_id) else {
            return;
        };
        let queue_device = queue.config.device.clone();
        let Some(runtime) = queue.agent_mut(agent) else {
            return;
        };
        if runtime.state == state {
            return;
        }
        let was_logged_on = runtime.state.is_logged_on();
        runtime.state = state.clone();
        if state == AgentState::Ready {
            runtime.idle_since = runtime.idle_since.max(now);
        }
        let mut kinds = Vec::new();
        if !was_logged_on && state.is_logged_on() {
            kinds.push(EventKind::AgentLoggedOn);
        }
        kinds.push(match state {
            AgentState::LoggedOff => EventKind::AgentLoggedOff,
            AgentState::NotReady { .. } => EventKind::AgentNotReady,
            AgentState::Ready => EventKind::AgentReady,
            AgentState::WorkingAfterCall => EventKind::AgentWorkingAfterCall,
        });
        let reason = match &state {
            AgentState::NotReady { reason } => reason.clone(),
            _ => None,
        };
        for kind in kinds {
            let fields = EventFields {
                agent_device: Some(self.device_ref(agent)),
                queue: Some(self.device_ref(&queue_device)),
                queue_id: Some(queue_id.to_owned()),
                agent_state: Some(state.as_str()),
                reason: reason.clone(),
                ..EventFields::default()
            };
            self.emit(kind, cause, agent, None, &[&queue_device], fields);
        }
    }
}
