//! ACD queues: callers wait in order, agents are chosen by the queue's strategy, offers that
//! are not answered go back, wrap-up keeps an agent from the next call for a while.

use sentral_domain::Timestamp;
use serde::Serialize;

use crate::config::{AgentConfig, AgentState, QueueConfig, Strategy};
use crate::engine::{Engine, Timer};
use crate::error::CstaError;
use crate::event::{Cause, DeviceRef, EventFields, EventKind};
use crate::model::{CallId, ConnectionState, DeviceId, QueueStage};

#[derive(Debug, Clone)]
pub(crate) struct AgentRuntime {
    pub device: DeviceId,
    pub position: u32,
    pub state: AgentState,
    /// Since when the agent has been free (for `longestIdle`).
    pub idle_since: Timestamp,
    /// Calls answered since logging on (for `fewestCalls`).
    pub answered: u32,
    /// Offers left unanswered in a row.
    pub no_answers: u32,
    /// End of the current wrap-up.
    pub ready_at: Option<Timestamp>,
}

/// Counters since the queue was configured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueCounters {
    pub entered: u64,
    pub answered: u64,
    pub answered_within_service_level: u64,
    pub abandoned: u64,
    pub overflowed: u64,
    pub timed_out: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct QueueRuntime {
    pub config: QueueConfig,
    pub agents: Vec<AgentRuntime>,
    /// Waiting calls, first come first.
    pub waiting: Vec<CallId>,
    pub last_offered: Option<DeviceId>,
    pub counters: QueueCounters,
}

impl QueueRuntime {
    pub fn new(config: QueueConfig, now: Timestamp) -> Self {
        let agents = config
            .agents
            .iter()
            .map(|a| agent_runtime(a, now))
            .collect();
        let mut queue = QueueRuntime {
            config,
            agents,
            waiting: Vec::new(),
            last_offered: None,
            counters: QueueCounters::default(),
        };
        queue.sort_agents();
        queue
    }

    /// New settings and agent list; agents that stay keep their runtime state. Answers the
    /// agents whose configured (stored) state changed since the last configuration: that change
    /// was made through the Queue API and wins over the runtime state.
    pub fn reconfigure(&mut self, config: QueueConfig) -> Vec<(DeviceId, AgentState)> {
        let now = self
            .agents
            .iter()
            .map(|a| a.idle_since)
            .max()
            .unwrap_or(Timestamp::from_millis(0));
        let mut agents = Vec::new();
        let mut changed = Vec::new();
        for agent in &config.agents {
            let previous = self.config.agents.iter().find(|a| a.device == agent.device);
            match self.agents.iter().find(|a| a.device == agent.device) {
                Some(existing) => {
                    let mut kept = existing.clone();
                    kept.position = agent.position;
                    if previous.is_some_and(|p| p.state != agent.state) && kept.state != agent.state
                    {
                        changed.push((agent.device.clone(), agent.state.clone()));
                    }
                    agents.push(kept);
                }
                None => agents.push(agent_runtime(agent, now)),
            }
        }
        self.agents = agents;
        self.config = config;
        self.sort_agents();
        changed
    }

    fn sort_agents(&mut self) {
        self.agents
            .sort_by(|a, b| (a.position, &a.device).cmp(&(b.position, &b.device)));
    }

    pub fn agent(&self, device: &str) -> Option<&AgentRuntime> {
        self.agents.iter().find(|a| a.device == device)
    }

    fn agent_mut(&mut self, device: &str) -> Option<&mut AgentRuntime> {
        self.agents.iter_mut().find(|a| a.device == device)
    }

    fn any_logged_on(&self) -> bool {
        self.agents.iter().any(|a| a.state.is_logged_on())
    }
}

fn agent_runtime(agent: &AgentConfig, now: Timestamp) -> AgentRuntime {
    AgentRuntime {
        device: agent.device.clone(),
        position: agent.position,
        state: agent.state.clone(),
        idle_since: now,
        answered: 0,
        no_answers: 0,
        ready_at: None,
    }
}

/// An agent state the engine set by itself (not asked for by an API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemAgentChange {
    pub queue_id: String,
    pub member_id: String,
    pub state: AgentState,
}

/// A waiting caller as the Queue API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitingCaller {
    pub call_id: String,
    pub calling_device: DeviceRef,
    /// 1 = next to be offered.
    pub position: u32,
    pub wait_seconds: i64,
    /// Agents the call rings at right now.
    pub offered_to: Vec<DeviceRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentStatus {
    pub agent_device: DeviceRef,
    pub position: u32,
    /// What the agent set: loggedOff, notReady, ready, workingAfterCall.
    pub agent_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the system sees: idle, reserved (an offer rings) or busy.
    pub system_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ready_at: Option<Timestamp>,
    pub answered_calls: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatus {
    pub queue_id: String,
    pub queue: DeviceRef,
    pub strategy: &'static str,
    pub waiting: Vec<WaitingCaller>,
    pub agents: Vec<AgentStatus>,
    pub counters: QueueCounters,
    pub service_level_seconds: u32,
    /// Share of answered calls answered within `serviceLevelSeconds`, in percent; `null` before
    /// the first answered call.
    pub service_level_percent: Option<f64>,
}

impl Engine {
    pub(crate) fn enqueue(&mut self, call: CallId, queue_id: &str, cause: Cause) {
        let Some(queue) = self.queues.get(queue_id) else {
            // A queue device without a configured queue: nothing can take the call.
            let device = self
                .config
                .devices
                .iter()
                .find(|d| matches!(&d.kind, crate::config::DeviceKind::Queue { queue_id: q } if q == queue_id))
                .map(|d| d.number.clone())
                .unwrap_or_else(|| queue_id.to_owned());
            self.fail(call, &device, Cause::DestNotObtainable);
            return;
        };
        let device = queue.config.device.clone();
        let config = queue.config.clone();
        let full = config.max_length > 0 && queue.waiting.len() >= config.max_length as usize;
        let nobody = !queue.any_logged_on();
        if full {
            self.count(queue_id, |c| c.overflowed += 1);
            match &config.overflow_target {
                Some(target) => self.divert(call, &device, target, Cause::Overflow),
                None => self.fail(call, &device, Cause::Busy),
            }
            return;
        }
        if nobody && config.max_wait_no_agent == 0 {
            self.count(queue_id, |c| c.overflowed += 1);
            match &config.no_agent_target {
                Some(target) => self.divert(call, &device, target, Cause::NoAvailableAgents),
                None => self.fail(call, &device, Cause::NoAvailableAgents),
            }
            return;
        }
        self.set_connection(call, &device, ConnectionState::Queued);
        if let Some(entry) = self.calls.get_mut(&call) {
            entry.queue = Some(QueueStage {
                queue: device.clone(),
                enqueued_at: self.now,
                offered: Vec::new(),
            });
        }
        if let Some(queue) = self.queues.get_mut(queue_id) {
            queue.waiting.push(call);
            queue.counters.entered += 1;
        }
        self.emit_queued(call, queue_id, cause);
        if config.max_wait > 0 {
            let at = self.now.plus_seconds(i64::from(config.max_wait));
            self.schedule(
                at,
                Timer::MaxWait {
                    call,
                    queue: queue_id.to_owned(),
                },
            );
        }
        if nobody {
            let at = self.now.plus_seconds(i64::from(config.max_wait_no_agent));
            self.schedule(
                at,
                Timer::NoAgentWait {
                    call,
                    queue: queue_id.to_owned(),
                },
            );
        }
        self.dirty_queues.insert(queue_id.to_owned());
    }

    fn emit_queued(&mut self, call: CallId, queue_id: &str, cause: Cause) {
        let Some(queue) = self.queues.get(queue_id) else {
            return;
        };
        let device = queue.config.device.clone();
        let position = queue
            .waiting
            .iter()
            .position(|c| *c == call)
            .map(|p| p as u32 + 1);
        let number_queued = queue.waiting.len() as u32;
        let calling = self.calls.get(&call).map(|c| self.device_ref(&c.calling));
        let fields = EventFields {
            queue: Some(self.device_ref(&device)),
            queue_id: Some(queue_id.to_owned()),
            queue_position: position,
            number_queued: Some(number_queued),
            calling_device: calling,
            ..EventFields::default()
        };
        self.emit(EventKind::Queued, cause, &device, Some(call), &[], fields);
    }

    fn count(&mut self, queue_id: &str, change: impl FnOnce(&mut QueueCounters)) {
        if let Some(queue) = self.queues.get_mut(queue_id) {
            change(&mut queue.counters);
        }
    }

    /// Runs after every step: wrap-ups of agents whose call ended, then distribution in queues
    /// where something became free.
    pub(crate) fn settle(&mut self) {
        for (queue_id, agent) in std::mem::take(&mut self.agents_done) {
            self.agent_call_ended(&queue_id, &agent);
        }
        while let Some(queue_id) = self.dirty_queues.pop_first() {
            self.distribute(&queue_id);
        }
    }

    pub(crate) fn mark_agent_queues(&mut self, device: &str) {
        for (id, queue) in &self.queues {
            if queue.agent(device).is_some() && !queue.waiting.is_empty() {
                self.dirty_queues.insert(id.clone());
            }
        }
    }

    fn available(&self, queue: &QueueRuntime, agent: &AgentRuntime) -> bool {
        agent.state == AgentState::Ready
            && agent.ready_at.is_none_or(|at| at <= self.now)
            && self
                .devices
                .get(&agent.device)
                .is_some_and(|r| !r.powered_off && r.calls.is_empty() && !r.do_not_disturb)
            && queue.waiting.iter().all(|call| {
                self.calls
                    .get(call)
                    .and_then(|c| c.queue.as_ref())
                    .is_none_or(|stage| !stage.offered.contains(&agent.device))
            })
    }

    fn distribute(&mut self, queue_id: &str) {
        loop {
            let Some(queue) = self.queues.get(queue_id) else {
                return;
            };
            let next = queue.waiting.iter().copied().find(|call| {
                self.calls
                    .get(call)
                    .and_then(|c| c.queue.as_ref())
                    .is_some_and(|stage| stage.offered.is_empty())
            });
            let Some(call) = next else { return };
            let free: Vec<usize> = (0..queue.agents.len())
                .filter(|i| self.available(queue, &queue.agents[*i]))
                .collect();
            if free.is_empty() {
                return;
            }
            let chosen = self.choose(queue_id, &free);
            self.offer(call, queue_id, chosen);
        }
    }

    /// The agents (indexes into the queue's agent list) the strategy picks among `free`.
    fn choose(&mut self, queue_id: &str, free: &[usize]) -> Vec<DeviceId> {
        let pick = match self.queues.get(queue_id).map(|q| q.config.strategy) {
            Some(Strategy::Random) => {
                let n = self.random() % free.len() as u64;
                free[n as usize]
            }
            _ => free[0],
        };
        let Some(queue) = self.queues.get(queue_id) else {
            return Vec::new();
        };
        let device = |i: usize| queue.agents[i].device.clone();
        match queue.config.strategy {
            Strategy::RingAll => free.iter().map(|i| device(*i)).collect(),
            Strategy::Linear | Strategy::Random => vec![device(pick)],
            Strategy::LongestIdle => free
                .iter()
                .min_by_key(|i| (queue.agents[**i].idle_since, **i))
                .map(|i| vec![device(*i)])
                .unwrap_or_default(),
            Strategy::FewestCalls => free
                .iter()
                .min_by_key(|i| (queue.agents[**i].answered, **i))
                .map(|i| vec![device(*i)])
                .unwrap_or_default(),
            Strategy::RoundRobin => {
                let last = queue
                    .last_offered
                    .as_ref()
                    .and_then(|d| queue.agents.iter().position(|a| &a.device == d));
                let after = free.iter().find(|i| last.is_none_or(|l| **i > l));
                vec![device(*after.unwrap_or(&free[0]))]
            }
        }
    }

    fn offer(&mut self, call: CallId, queue_id: &str, agents: Vec<DeviceId>) {
        let Some(queue) = self.queues.get_mut(queue_id) else {
            return;
        };
        queue.last_offered = agents.last().cloned();
        let device = queue.config.device.clone();
        let ring = queue.config.ring_timeout;
        if let Some(stage) = self.calls.get_mut(&call).and_then(|c| c.queue.as_mut()) {
            stage.offered = agents.clone();
        }
        self.set_connection(call, &device, ConnectionState::Null);
        if let Some(entry) = self.calls.get_mut(&call) {
            entry.last_redirection = Some(device.clone());
        }
        let fields = EventFields {
            diverting_device: Some(self.device_ref(&device)),
            new_destination: agents.first().map(|a| self.device_ref(a)),
            queue_id: Some(queue_id.to_owned()),
            ..EventFields::default()
        };
        self.emit(
            EventKind::Diverted,
            Cause::Distributed,
            &device,
            Some(call),
            &[&device],
            fields,
        );
        for agent in &agents {
            self.alert(call, agent, Cause::Distributed, 0);
            let generation = self.calls.get(&call).map_or(0, |c| c.generation_of(agent));
            let at = self.now.plus_seconds(i64::from(ring.max(1)));
            self.schedule(
                at,
                Timer::Offer {
                    call,
                    agent: agent.clone(),
                    generation,
                },
            );
        }
    }

    /// An agent took the call: the other offers end, the call leaves the queue.
    pub(crate) fn offer_answered(&mut self, call: CallId, agent: &str) {
        let Some(stage) = self.calls.get(&call).and_then(|c| c.queue.clone()) else {
            return;
        };
        if !stage.offered.iter().any(|a| a == agent) {
            return;
        }
        let Some(queue_id) = self.queue_by_device.get(&stage.queue).cloned() else {
            return;
        };
        for other in stage.offered.iter().filter(|a| *a != agent) {
            self.set_connection(call, other, ConnectionState::Null);
            let fields = EventFields {
                releasing_device: Some(self.device_ref(other)),
                ..EventFields::default()
            };
            self.emit(
                EventKind::ConnectionCleared,
                Cause::Distributed,
                other,
                Some(call),
                &[other],
                fields,
            );
        }
        let waited = stage.enqueued_at.seconds_until(self.now);
        let now = self.now;
        if let Some(queue) = self.queues.get_mut(&queue_id) {
            queue.waiting.retain(|c| *c != call);
            queue.counters.answered += 1;
            if waited <= i64::from(queue.config.service_level_seconds) {
                queue.counters.answered_within_service_level += 1;
            }
            if let Some(runtime) = queue.agent_mut(agent) {
                runtime.answered += 1;
                runtime.no_answers = 0;
                runtime.idle_since = now;
            }
        }
        if let Some(entry) = self.calls.get_mut(&call) {
            entry.queue = None;
            entry.answered_from_queue = Some((queue_id, agent.to_owned()));
        }
    }

    /// An offer rang out or was rejected: the agent may go notReady, and when nobody else is
    /// ringing the caller waits again at the same position.
    pub(crate) fn offer_unanswered(&mut self, call: CallId, agent: &str, cause: Cause) {
        let Some(stage) = self.calls.get(&call).and_then(|c| c.queue.clone()) else {
            return;
        };
        let Some(queue_id) = self.queue_by_device.get(&stage.queue).cloned() else {
            return;
        };
        self.set_connection(call, agent, ConnectionState::Null);
        let fields = EventFields {
            releasing_device: Some(self.device_ref(agent)),
            ..EventFields::default()
        };
        self.emit(
            EventKind::ConnectionCleared,
            cause,
            agent,
            Some(call),
            &[agent],
            fields,
        );
        let limit_reached = self.queues.get_mut(&queue_id).and_then(|q| {
            let limit = q.config.no_answer_limit;
            q.agent_mut(agent).map(|a| {
                a.no_answers += 1;
                limit > 0 && a.no_answers >= limit && a.state == AgentState::Ready
            })
        });
        if limit_reached == Some(true) {
            self.change_agent(
                &queue_id,
                agent,
                AgentState::NotReady {
                    reason: Some("noAnswer".into()),
                },
                Cause::CallNotAnswered,
            );
            self.note_system_agent_change(&queue_id, agent);
        }
        let back_to_queue = match self.calls.get_mut(&call).and_then(|c| c.queue.as_mut()) {
            Some(stage) => {
                stage.offered.retain(|a| a != agent);
                stage.offered.is_empty()
            }
            None => false,
        };
        if back_to_queue {
            self.set_connection(call, &stage.queue, ConnectionState::Queued);
            self.emit_queued(call, &queue_id, cause);
        }
        self.dirty_queues.insert(queue_id);
    }

    /// Takes a call out of its queue (caller left, deflected, overflowed): offers end silently
    /// with ConnectionCleared, the queue forgets it.
    pub(crate) fn leave_queue(&mut self, call: CallId, cause: Cause) {
        let Some(stage) = self.calls.get_mut(&call).and_then(|c| c.queue.take()) else {
            return;
        };
        let Some(queue_id) = self.queue_by_device.get(&stage.queue).cloned() else {
            return;
        };
        for agent in &stage.offered {
            self.set_connection(call, agent, ConnectionState::Null);
            let fields = EventFields {
                releasing_device: Some(self.device_ref(agent)),
                ..EventFields::default()
            };
            self.emit(
                EventKind::ConnectionCleared,
                cause,
                agent,
                Some(call),
                &[agent],
                fields,
            );
        }
        let caller_gone = self
            .calls
            .get(&call)
            .is_some_and(|c| c.state_of(&c.calling) == ConnectionState::Null);
        if let Some(queue) = self.queues.get_mut(&queue_id) {
            queue.waiting.retain(|c| *c != call);
            if caller_gone {
                queue.counters.abandoned += 1;
            }
        }
        self.dirty_queues.insert(queue_id);
    }

    /// `over` a queue's limit: the caller goes to `target` or the call fails there.
    fn queue_give_up(
        &mut self,
        call: CallId,
        queue_id: &str,
        target: Option<String>,
        cause: Cause,
    ) {
        let Some(device) = self.queues.get(queue_id).map(|q| q.config.device.clone()) else {
            return;
        };
        self.leave_queue(call, cause);
        match target {
            Some(target) => self.divert(call, &device, &target, cause),
            None => self.fail(call, &device, cause),
        }
    }

    fn still_waiting(&self, call: CallId, queue_id: &str) -> bool {
        self.queues
            .get(queue_id)
            .is_some_and(|q| q.waiting.contains(&call))
    }

    pub(crate) fn queue_max_wait(&mut self, call: CallId, queue_id: &str) {
        if !self.still_waiting(call, queue_id) {
            return;
        }
        let target = self
            .queues
            .get(queue_id)
            .and_then(|q| q.config.overflow_target.clone());
        self.count(queue_id, |c| c.timed_out += 1);
        self.queue_give_up(call, queue_id, target, Cause::QueueTimeOverflow);
    }

    pub(crate) fn queue_no_agent_wait(&mut self, call: CallId, queue_id: &str) {
        let nobody = self
            .queues
            .get(queue_id)
            .is_some_and(|q| !q.any_logged_on());
        if !nobody || !self.still_waiting(call, queue_id) {
            return;
        }
        let target = self
            .queues
            .get(queue_id)
            .and_then(|q| q.config.no_agent_target.clone());
        self.count(queue_id, |c| c.overflowed += 1);
        self.queue_give_up(call, queue_id, target, Cause::NoAvailableAgents);
    }

    fn agent_call_ended(&mut self, queue_id: &str, agent: &str) {
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
    fn note_system_agent_change(&mut self, queue_id: &str, agent: &str) {
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
    fn change_agent(&mut self, queue_id: &str, agent: &str, state: AgentState, cause: Cause) {
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

    /// Waiting callers, agents and counters of a queue.
    pub fn queue_status(&self, queue_id: &str) -> Option<QueueStatus> {
        let queue = self.queues.get(queue_id)?;
        let waiting = queue
            .waiting
            .iter()
            .enumerate()
            .filter_map(|(i, call)| {
                let entry = self.calls.get(call)?;
                let stage = entry.queue.as_ref()?;
                Some(WaitingCaller {
                    call_id: self.call_ref(*call),
                    calling_device: self.device_ref(&entry.calling),
                    position: i as u32 + 1,
                    wait_seconds: stage.enqueued_at.seconds_until(self.now),
                    offered_to: stage.offered.iter().map(|a| self.device_ref(a)).collect(),
                })
            })
            .collect();
        let agents = queue
            .agents
            .iter()
            .map(|agent| {
                let runtime = self.devices.get(&agent.device);
                let states: Vec<ConnectionState> = runtime
                    .map(|r| {
                        r.calls
                            .iter()
                            .filter_map(|c| self.calls.get(c).map(|c| c.state_of(&agent.device)))
                            .collect()
                    })
                    .unwrap_or_default();
                let system_state = if states.iter().any(|s| *s != ConnectionState::Alerting) {
                    "busy"
                } else if states.is_empty() {
                    "idle"
                } else {
                    "reserved"
                };
                AgentStatus {
                    agent_device: self.device_ref(&agent.device),
                    position: agent.position,
                    agent_state: agent.state.as_str(),
                    reason: match &agent.state {
                        AgentState::NotReady { reason } => reason.clone(),
                        _ => None,
                    },
                    system_state,
                    ready_at: agent.ready_at.filter(|at| *at > self.now),
                    answered_calls: agent.answered,
                }
            })
            .collect();
        let counters = queue.counters;
        Some(QueueStatus {
            queue_id: queue_id.to_owned(),
            queue: self.device_ref(&queue.config.device),
            strategy: queue.config.strategy.as_str(),
            waiting,
            agents,
            counters,
            service_level_seconds: queue.config.service_level_seconds,
            service_level_percent: (counters.answered > 0).then(|| {
                (counters.answered_within_service_level as f64 * 1000.0 / counters.answered as f64)
                    .round()
                    / 10.0
            }),
        })
    }
}
