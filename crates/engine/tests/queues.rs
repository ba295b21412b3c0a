//! ACD queues: each strategy, wrap-up, no-answer, overflow, position and wait time.

mod world;

use sentral_engine::{
    AgentState, Command, EnterpriseConfig, EventKind, Input, QueueConfig, Strategy,
};
use world::*;

fn queue_world(strategy: Strategy, change: impl FnOnce(&mut QueueConfig)) -> World {
    let mut config: EnterpriseConfig = config(strategy);
    change(&mut config.queues[0]);
    World::with(config)
}

/// The agent the call from `caller` rings at (placed to the queue's short number).
fn offered_to(world: &mut World, caller: &str) -> Vec<String> {
    let (_, events) = world.place(caller, "100");
    events
        .iter()
        .filter(|e| e.kind == EventKind::Delivered)
        .map(|e| e.subject.clone())
        .collect()
}

fn set_state(world: &mut World, device: &str, state: AgentState) -> Vec<sentral_engine::Event> {
    world.command(Command::SetAgentState {
        device: device.into(),
        queue: Some("q1".into()),
        state,
    })
}

fn not_ready() -> AgentState {
    AgentState::NotReady { reason: None }
}

#[test]
fn a_caller_queues_then_the_chosen_agent_rings() {
    let mut world = queue_world(Strategy::Linear, |_| {});
    let (_, events) = world.place(OUTSIDE, "100");
    assert_eq!(
        summary(&events),
        expect(&[
            ("Queued", "newCall", QUEUE, "queued"),
            ("Diverted", "distributed", QUEUE, "null"),
            ("Delivered", "distributed", C, "alerting"),
        ])
    );
    assert_eq!(events[0].fields.queue_position, Some(1));
    let events = world.answer(C);
    assert_eq!(
        summary(&events),
        expect(&[("Established", "distributed", C, "connected")])
    );
}

#[test]
fn linear_always_starts_from_the_first_agent() {
    let mut world = queue_world(Strategy::Linear, |_| {});
    assert_eq!(offered_to(&mut world, OUTSIDE), vec![C]);
    world.answer(C);
    world.hang_up(C);
    assert_eq!(offered_to(&mut world, OUTSIDE), vec![C]);
    world.answer(C);
    assert_eq!(offered_to(&mut world, "4799999998"), vec![D]);
}

#[test]
fn round_robin_goes_on_after_the_last_agent_offered() {
    let mut world = queue_world(Strategy::RoundRobin, |_| {});
    let mut order = Vec::new();
    for _ in 0..4 {
        let agents = offered_to(&mut world, OUTSIDE);
        world.answer(&agents[0]);
        world.hang_up(&agents[0]);
        order.push(agents[0].clone());
    }
    assert_eq!(order, vec![C, D, E, C]);
}

#[test]
fn longest_idle_prefers_the_agent_free_the_longest() {
    let mut world = queue_world(Strategy::LongestIdle, |_| {});
    assert_eq!(offered_to(&mut world, OUTSIDE), vec![C]);
    world.answer(C);
    assert_eq!(offered_to(&mut world, "4799999998"), vec![D]);
    world.answer(D);
    world.advance(5);
    world.hang_up(D);
    world.advance(5);
    world.hang_up(C);
    // E has been idle since the start, then D (since 5 s), then C (since 10 s).
    assert_eq!(offered_to(&mut world, OUTSIDE), vec![E]);
    world.answer(E);
    assert_eq!(offered_to(&mut world, "4799999998"), vec![D]);
}

#[test]
fn fewest_calls_prefers_the_agent_with_the_fewest_answered() {
    let mut world = queue_world(Strategy::FewestCalls, |_| {});
    // C answers two, D one.
    for agent in [C, D, C] {
        set_state(
            &mut world,
            C,
            if agent == C {
                AgentState::Ready
            } else {
                not_ready()
            },
        );
        set_state(
            &mut world,
            D,
            if agent == D {
                AgentState::Ready
            } else {
                not_ready()
            },
        );
        set_state(&mut world, E, not_ready());
        assert_eq!(offered_to(&mut world, OUTSIDE), vec![agent]);
        world.answer(agent);
        world.hang_up(agent);
    }
    for agent in [C, D, E] {
        set_state(&mut world, agent, AgentState::Ready);
    }
    assert_eq!(offered_to(&mut world, OUTSIDE), vec![E]);
    world.answer(E);
    world.hang_up(E);
    // D and E have one each: the lower position wins.
    assert_eq!(offered_to(&mut world, OUTSIDE), vec![D]);
}

#[test]
fn ring_all_rings_every_free_agent_and_the_first_answer_wins() {
    let mut world = queue_world(Strategy::RingAll, |_| {});
    assert_eq!(offered_to(&mut world, OUTSIDE), vec![C, D, E]);
    let events = world.answer(D);
    assert_eq!(
        summary(&events),
        expect(&[
            ("Established", "distributed", D, "connected"),
            ("ConnectionCleared", "distributed", C, "null"),
            ("ConnectionCleared", "distributed", E, "null"),
        ])
    );
}

#[test]
fn random_is_reproducible_and_reaches_every_agent() {
    let run = || {
        let mut world = queue_world(Strategy::Random, |_| {});
        let mut chosen = Vec::new();
        for _ in 0..30 {
            let agents = offered_to(&mut world, OUTSIDE);
            assert_eq!(agents.len(), 1);
            world.answer(&agents[0]);
            world.hang_up(&agents[0]);
            chosen.push(agents[0].clone());
        }
        chosen
    };
    let first = run();
    assert_eq!(first, run());
    for agent in [C, D, E] {
        assert!(
            first.iter().any(|a| a == agent),
            "{agent} never chosen: {first:?}"
        );
    }
}

#[test]
fn wrap_up_keeps_the_agent_from_the_next_call_until_it_ends() {
    let mut world = queue_world(Strategy::Linear, |q| q.wrap_up_time = 30);
    offered_to(&mut world, OUTSIDE);
    world.answer(C);
    let events = world.hang_up(C);
    assert_eq!(
        summary(&events),
        expect(&[
            ("ConnectionCleared", "normalClearing", C, "null"),
            ("CallCleared", "normalClearing", C, "null"),
            ("AgentWorkingAfterCall", "normalClearing", C, "-"),
        ])
    );
    assert_eq!(offered_to(&mut world, OUTSIDE), vec![D]);
    world.answer(D);
    let status = world.engine.queue_status("q1").unwrap();
    assert_eq!(status.agents[0].agent_state, "workingAfterCall");
    assert!(status.agents[0].ready_at.is_some());
    assert!(world.advance(29).is_empty());
    let events = world.advance(1);
    assert_eq!(
        summary(&events),
        expect(&[("AgentReady", "normal", C, "-")])
    );
}

#[test]
fn an_unanswered_offer_sets_the_agent_not_ready_and_goes_to_the_next() {
    let mut world = queue_world(Strategy::Linear, |q| q.ring_timeout = 15);
    assert_eq!(offered_to(&mut world, OUTSIDE), vec![C]);
    let events = world.advance(15);
    assert_eq!(
        summary(&events),
        expect(&[
            ("ConnectionCleared", "callNotAnswered", C, "null"),
            ("AgentNotReady", "callNotAnswered", C, "-"),
            ("Queued", "callNotAnswered", QUEUE, "queued"),
            ("Diverted", "distributed", QUEUE, "null"),
            ("Delivered", "distributed", D, "alerting"),
        ])
    );
    assert_eq!(events[1].fields.reason.as_deref(), Some("noAnswer"));
    assert_eq!(events[2].fields.queue_position, Some(1));
}

#[test]
fn a_caller_over_max_wait_overflows() {
    let mut world = queue_world(Strategy::Linear, |q| {
        q.max_wait = 60;
        q.overflow_target = Some("202".into());
    });
    for agent in [C, D, E] {
        set_state(&mut world, agent, not_ready());
    }
    let (_, events) = world.place(OUTSIDE, "100");
    assert_eq!(
        summary(&events),
        expect(&[("Queued", "newCall", QUEUE, "queued")])
    );
    assert!(world.advance(59).is_empty());
    let events = world.advance(1);
    assert_eq!(
        summary(&events),
        expect(&[
            ("Diverted", "queueTimeOverflow", QUEUE, "null"),
            ("Delivered", "queueTimeOverflow", B, "alerting"),
        ])
    );
    assert_eq!(
        world.engine.queue_status("q1").unwrap().counters.timed_out,
        1
    );
}

#[test]
fn position_and_wait_time_are_observable_and_move_up() {
    let mut world = queue_world(Strategy::Linear, |_| {});
    for agent in [C, D, E] {
        set_state(&mut world, agent, not_ready());
    }
    let callers = ["4799999991", "4799999992", "4799999993"];
    for caller in callers {
        let (_, events) = world.place(caller, "100");
        assert_eq!(events[0].kind, EventKind::Queued);
        world.advance(10);
    }
    let status = world.engine.queue_status("q1").unwrap();
    let waiting: Vec<(&str, u32, i64)> = status
        .waiting
        .iter()
        .map(|w| {
            (
                w.calling_device.device_id.as_str(),
                w.position,
                w.wait_seconds,
            )
        })
        .collect();
    assert_eq!(
        waiting,
        vec![
            (callers[0], 1, 30),
            (callers[1], 2, 20),
            (callers[2], 3, 10)
        ]
    );
    world.hang_up(callers[0]);
    let status = world.engine.queue_status("q1").unwrap();
    assert_eq!(status.waiting[0].position, 1);
    assert_eq!(status.waiting[0].calling_device.device_id, callers[1]);
    assert_eq!(status.counters.abandoned, 1);
    // An agent getting ready takes the first in line.
    let events = set_state(&mut world, D, AgentState::Ready);
    let delivered: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventKind::Delivered)
        .collect();
    assert_eq!(delivered[0].subject, D);
    assert_eq!(
        delivered[0]
            .fields
            .calling_device
            .as_ref()
            .unwrap()
            .device_id,
        callers[1]
    );
}

#[test]
fn without_logged_on_agents_callers_go_to_the_no_agent_target() {
    let mut world = queue_world(Strategy::Linear, |q| {
        q.no_agent_target = Some("202".into());
    });
    for agent in [C, D, E] {
        let events = set_state(&mut world, agent, AgentState::LoggedOff);
        assert_eq!(
            summary(&events),
            expect(&[("AgentLoggedOff", "normal", agent, "-")])
        );
    }
    let (_, events) = world.place(OUTSIDE, "100");
    assert_eq!(
        summary(&events),
        expect(&[
            ("Diverted", "noAvailableAgents", QUEUE, "null"),
            ("Delivered", "noAvailableAgents", B, "alerting"),
        ])
    );
    let events = set_state(&mut world, C, AgentState::Ready);
    assert_eq!(
        summary(&events),
        expect(&[
            ("AgentLoggedOn", "normal", C, "-"),
            ("AgentReady", "normal", C, "-")
        ])
    );
}

#[test]
fn callers_wait_max_wait_no_agent_before_the_no_agent_target() {
    let mut world = queue_world(Strategy::Linear, |q| {
        q.max_wait_no_agent = 20;
        q.no_agent_target = Some("202".into());
        for agent in &mut q.agents {
            agent.state = AgentState::LoggedOff;
        }
    });
    let (_, events) = world.place(OUTSIDE, "100");
    assert_eq!(
        summary(&events),
        expect(&[("Queued", "newCall", QUEUE, "queued")])
    );
    let events = world.advance(20);
    assert_eq!(
        summary(&events),
        expect(&[
            ("Diverted", "noAvailableAgents", QUEUE, "null"),
            ("Delivered", "noAvailableAgents", B, "alerting"),
        ])
    );
}

#[test]
fn a_full_queue_overflows_or_is_busy() {
    let mut world = queue_world(Strategy::Linear, |q| q.max_length = 1);
    for agent in [C, D, E] {
        set_state(&mut world, agent, not_ready());
    }
    world.place(OUTSIDE, "100");
    let (_, events) = world.place("4799999998", "100");
    assert_eq!(
        summary(&events),
        expect(&[("Failed", "busy", QUEUE, "fail")])
    );
}

#[test]
fn the_service_level_counts_answers_within_its_seconds() {
    let mut world = queue_world(Strategy::Linear, |q| q.service_level_seconds = 20);
    offered_to(&mut world, OUTSIDE);
    world.advance(5);
    world.answer(C);
    for agent in [D, E] {
        set_state(&mut world, agent, not_ready());
    }
    world.place("4799999998", "100");
    world.advance(30);
    world.hang_up(C);
    world.answer(C);
    let status = world.engine.queue_status("q1").unwrap();
    assert_eq!(status.counters.answered, 2);
    assert_eq!(status.counters.answered_within_service_level, 1);
    assert_eq!(status.service_level_percent, Some(50.0));
}

#[test]
fn set_agent_state_for_a_device_that_is_no_agent_is_refused() {
    let mut world = World::new();
    let step = world.step(Input::Command(Command::SetAgentState {
        device: A.into(),
        queue: None,
        state: AgentState::Ready,
    }));
    assert_eq!(step.result.unwrap_err().name(), "invalidDeviceIdentifier");
}

#[test]
fn a_stored_agent_state_change_reaches_the_running_queue_and_runtime_states_survive_reloads() {
    let mut world = queue_world(Strategy::Linear, |q| q.ring_timeout = 15);
    // C leaves an offer unanswered: notReady at runtime only.
    offered_to(&mut world, OUTSIDE);
    world.advance(15);
    world.hang_up(OUTSIDE);
    assert_eq!(
        world.engine.agent_state("q1", C).map(AgentState::as_str),
        Some("notReady")
    );
    // A reload with the same stored states keeps it.
    let config = world.engine.config().clone();
    let events = world.ok(Input::Reconfigure(sentral_engine::Reconfigure::Replace(
        Box::new(config.clone()),
    )));
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(
        world.engine.agent_state("q1", C).map(AgentState::as_str),
        Some("notReady")
    );
    // A stored change (the Queue API) wins.
    let mut changed = config;
    changed.queues[0].agents[1].state = AgentState::LoggedOff;
    let events = world.ok(Input::Reconfigure(sentral_engine::Reconfigure::Replace(
        Box::new(changed),
    )));
    assert_eq!(
        summary(&events),
        expect(&[("AgentLoggedOff", "normal", D, "-")])
    );
}

#[test]
fn a_queue_number_without_a_queue_fails_the_call() {
    let mut config = config(Strategy::Linear);
    config.devices.push(sentral_engine::DeviceConfig::new(
        "4722000109",
        Some("109"),
        sentral_engine::DeviceKind::Queue {
            queue_id: "q9".into(),
        },
    ));
    let mut world = World::with(config);
    let (_, events) = world.place(OUTSIDE, "109");
    assert_eq!(
        summary(&events),
        expect(&[("Failed", "destNotObtainable", "4722000109", "fail")])
    );
}
