//! ACD queues: callers wait in order, agents are chosen by the queue's strategy, offers that
//! are not answered go back, wrap-up keeps an agent from the next call for a while.

use sentral_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::{AgentConfig, AgentState, QueueConfig, Strategy};
use crate::engine::{Engine, Timer};
use crate::event::{Cause, EventFields, EventKind};
use crate::model::{CallId, ConnectionState, DeviceId, QueueStage};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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

    pub(crate) fn sort_agents(&mut self) {
        self.agents
            .sort_by(|a, b| (a.position, &a.device).cmp(&(b.position, &b.device)));
    }

    pub fn agent(&self, device: &str) -> Option<&AgentRuntime> {
        self.agents.iter().find(|a| a.device == device)
    }

    pub(crate) fn agent_mut(&mut self, device: &str) -> Option<&mut AgentRuntime> {
        self.agents.iter_mut().find(|a| a.device == device)
    }

    pub(crate) fn any_logged_on(&self) -> bool {
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemAgentChange {
    pub queue_id: String,
    pub member_id: String,
    pub state: AgentState,
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

    pub(crate) fn emit_queued(&mut self, call: CallId, queue_id: &str, cause: Cause) {
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
        let entry = self.calls.get(&call);
        // ECMA-269 Queued: the queue, the calling, called and last redirection device.
        let fields = EventFields {
            queue: Some(self.device_ref(&device)),
            queue_id: Some(queue_id.to_owned()),
            queue_position: position,
            number_queued: Some(number_queued),
            calling_device: entry.map(|c| self.device_ref(&c.calling)),
            called_device: entry
                .and_then(|c| c.called.as_deref())
                .map(|d| self.device_ref(d)),
            last_redirection_device: entry
                .and_then(|c| c.last_redirection.as_deref())
                .map(|d| self.device_ref(d)),
            ..EventFields::default()
        };
        self.emit(EventKind::Queued, cause, &device, Some(call), &[], fields);
    }

    pub(crate) fn count(&mut self, queue_id: &str, change: impl FnOnce(&mut QueueCounters)) {
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

    pub(crate) fn available(&self, queue: &QueueRuntime, agent: &AgentRuntime) -> bool {
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

    pub(crate) fn distribute(&mut self, queue_id: &str) {
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
    pub(crate) fn choose(&mut self, queue_id: &str, free: &[usize]) -> Vec<DeviceId> {
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

    pub(crate) fn offer(&mut self, call: CallId, queue_id: &str, agents: Vec<DeviceId>) {
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
        let entry = self.calls.get(&call);
        let fields = EventFields {
            diverting_device: Some(self.device_ref(&device)),
            new_destination: agents.first().map(|a| self.device_ref(a)),
            calling_device: entry.map(|c| self.device_ref(&c.calling)),
            called_device: entry
                .and_then(|c| c.called.as_deref())
                .map(|d| self.device_ref(d)),
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
        self.leave_queue_except(call, cause, None);
    }

    /// [`Self::leave_queue`], but the offer to `except` is left for the caller to end (a
    /// deflecting agent's connection ends with its Diverted).
    pub(crate) fn leave_queue_except(&mut self, call: CallId, cause: Cause, except: Option<&str>) {
        let Some(stage) = self.calls.get_mut(&call).and_then(|c| c.queue.take()) else {
            return;
        };
        let Some(queue_id) = self.queue_by_device.get(&stage.queue).cloned() else {
            return;
        };
        for agent in stage.offered.iter().filter(|a| Some(a.as_str()) != except) {
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
    pub(crate) fn queue_give_up(
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

    pub(crate) fn still_waiting(&self, call: CallId, queue_id: &str) -> bool {
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
}
