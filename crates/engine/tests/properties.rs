//! Properties over arbitrary sequences of services, network signals, configuration changes and
//! time: no panic, bookkeeping consistent, calls end clean, transfers map every party,
//! refused services change nothing, and the same inputs always give the same events.

mod world;

use proptest::prelude::*;
use sentral_domain::Timestamp;
use sentral_domain::directory::ForwardingKind;
use sentral_engine::{
    AgentState, CallId, Command, Engine, EngineState, Event, EventKind, Input, Reconfigure, Signal,
    Step, Strategy as QueueStrategy,
};
use world::*;

const DEVICES: [&str; 9] = [A, B, C, D, E, QUEUE, VIRTUAL, OUTSIDE, "4799999998"];
const DIGITS: [&str; 10] = [
    "201",
    "202",
    "203",
    "100",
    "150",
    "199",
    "12",
    OUTSIDE,
    "90000005",
    "4799999998",
];

#[derive(Debug, Clone)]
enum Action {
    Input(Input),
    Advance(i64),
    /// A service on the device's own calls, resolved when it runs (random call ids rarely
    /// meet the right states).
    OnOwnCall(OwnCall, String, String),
}

#[derive(Debug, Clone, Copy)]
enum OwnCall {
    Hold,
    Retrieve,
    Consult,
    /// ConsultationCall, and the consulted party answers.
    ConsultAnswered,
    Transfer,
    Conference,
    SingleStep,
}

/// Builds the command for `device`'s calls in the states the service needs, if it has them.
fn own_call(engine: &Engine, service: OwnCall, device: &str, to: &str) -> Option<Command> {
    let snapshot = engine.snapshot_device(device).ok()?;
    let in_state = |state: &str| {
        snapshot.calls.iter().find_map(|call| {
            let own = call
                .connections
                .iter()
                .find(|c| c.device.device_id == device)?;
            (own.state.as_str() == state).then(|| engine.parse_call_ref(&call.call_id))?
        })
    };
    let device = device.to_owned();
    let to = to.to_owned();
    Some(match service {
        OwnCall::Hold => Command::HoldCall {
            call: in_state("connected")?,
            device,
        },
        OwnCall::Retrieve => Command::RetrieveCall {
            call: in_state("hold")?,
            device,
        },
        OwnCall::Consult | OwnCall::ConsultAnswered => Command::ConsultationCall {
            call: in_state("connected")?,
            device,
            to,
        },
        OwnCall::SingleStep => Command::SingleStepTransferCall {
            call: in_state("connected")?,
            device,
            to,
        },
        OwnCall::Transfer => Command::TransferCall {
            held_call: in_state("hold")?,
            active_call: in_state("connected")?,
            device,
        },
        OwnCall::Conference => Command::ConferenceCall {
            held_call: in_state("hold")?,
            active_call: in_state("connected")?,
            device,
        },
    })
}

fn device() -> impl Strategy<Value = String> {
    prop::sample::select(&DEVICES[..]).prop_map(str::to_owned)
}

fn digits() -> impl Strategy<Value = String> {
    prop::sample::select(&DIGITS[..]).prop_map(str::to_owned)
}

fn call() -> impl Strategy<Value = CallId> {
    (1u64..10).prop_map(CallId)
}

fn agent_state() -> impl Strategy<Value = AgentState> {
    prop_oneof![
        Just(AgentState::LoggedOff),
        Just(AgentState::Ready),
        Just(AgentState::NotReady { reason: None }),
        Just(AgentState::WorkingAfterCall),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let command = prop_oneof![
        (device(), digits()).prop_map(|(calling, called)| Command::MakeCall { calling, called }),
        (call(), device()).prop_map(|(call, device)| Command::AnswerCall { call, device }),
        (call(), device()).prop_map(|(call, device)| Command::ClearConnection { call, device }),
        call().prop_map(|call| Command::ClearCall { call }),
        (call(), device()).prop_map(|(call, device)| Command::HoldCall { call, device }),
        (call(), device()).prop_map(|(call, device)| Command::RetrieveCall { call, device }),
        (call(), device(), digits()).prop_map(|(call, device, to)| Command::DeflectCall {
            call,
            device,
            to
        }),
        (call(), device(), digits())
            .prop_map(|(call, device, to)| Command::SingleStepTransferCall { call, device, to }),
        (call(), device(), digits()).prop_map(|(call, device, to)| Command::ConsultationCall {
            call,
            device,
            to
        }),
        (device(), call(), call()).prop_map(|(device, held_call, active_call)| {
            Command::TransferCall {
                device,
                held_call,
                active_call,
            }
        }),
        (device(), call(), call()).prop_map(|(device, held_call, active_call)| {
            Command::ConferenceCall {
                device,
                held_call,
                active_call,
            }
        }),
        (device(), any::<bool>()).prop_map(|(device, on)| Command::SetDoNotDisturb { device, on }),
        (device(), agent_state()).prop_map(|(device, state)| Command::SetAgentState {
            device,
            queue: None,
            state
        }),
    ];
    let signal = prop_oneof![
        (device(), digits()).prop_map(|(from, to)| Signal::PlaceCall { from, to }),
        device().prop_map(|device| Signal::Answer { device }),
        device().prop_map(|device| Signal::Reject { device }),
        device().prop_map(|device| Signal::HangUp { device }),
        (device(), any::<bool>()).prop_map(|(device, on)| Signal::Power { device, on }),
    ];
    let kinds = prop::sample::select(&ForwardingKind::ALL[..]);
    let reconfigure =
        (device(), kinds, digits()).prop_map(|(device, kind, to)| Reconfigure::Forwarding {
            device,
            forwarding: forward(kind, &to),
        });
    prop_oneof![
        4 => command.prop_map(|c| Action::Input(Input::Command(c))),
        4 => signal.prop_map(|s| Action::Input(Input::Signal(s))),
        1 => reconfigure.prop_map(|r| Action::Input(Input::Reconfigure(r))),
        2 => (0i64..40).prop_map(Action::Advance),
        4 => (
            prop::sample::select(&[
                OwnCall::Hold,
                OwnCall::Retrieve,
                OwnCall::Consult,
                OwnCall::ConsultAnswered,
                OwnCall::Transfer,
                OwnCall::Conference,
                OwnCall::SingleStep,
            ][..]),
            device(),
            digits()
        )
            .prop_map(|(service, device, to)| Action::OnOwnCall(service, device, to)),
    ]
}

fn strategy() -> impl Strategy<Value = QueueStrategy> {
    prop::sample::select(&QueueStrategy::ALL[..])
}

/// The device short digits of the test world dial.
fn world_number(digits: &str) -> Option<String> {
    Some(
        match digits {
            "201" => A,
            "202" => B,
            "203" => C,
            "90000005" => E,
            _ => return None,
        }
        .to_owned(),
    )
}

/// Runs the actions, checking the properties after each; answers every event.
fn run(strategy: QueueStrategy, actions: &[Action]) -> Vec<Event> {
    let mut config = config(strategy);
    config.queues[0].wrap_up_time = 10;
    config.queues[0].max_wait = 90;
    config.queues[0].overflow_target = Some("202".into());
    let mut engine = Engine::new(config, Timestamp::from_millis(START));
    let mut now = START;
    let mut all = Vec::new();
    let mut cleared: Vec<String> = Vec::new();
    for action in actions {
        let events = match action {
            Action::Advance(seconds) => {
                now += seconds * 1000;
                engine.tick(Timestamp::from_millis(now))
            }
            Action::OnOwnCall(service, device, to) => {
                let Some(command) = own_call(&engine, *service, device, to) else {
                    continue;
                };
                let at = Timestamp::from_millis(now);
                let mut events = engine.handle(Input::Command(command), at).events;
                if let (OwnCall::ConsultAnswered, Some(consulted)) = (service, world_number(to)) {
                    let answer = Input::Signal(Signal::Answer { device: consulted });
                    events.extend(engine.handle(answer, at).events);
                }
                events
            }
            Action::Input(input) => {
                let before = engine.snapshot_enterprise();
                let step = engine.handle(input.clone(), Timestamp::from_millis(now));
                if step.result.is_err() {
                    assert!(
                        step.events.is_empty(),
                        "refused {input:?} emitted {:?}",
                        step.events
                    );
                    assert_eq!(
                        engine.snapshot_enterprise(),
                        before,
                        "refused {input:?} changed state"
                    );
                }
                step.events
            }
        };
        if let Err(problem) = engine.check_invariants() {
            panic!("after {action:?}: {problem}");
        }
        for event in &events {
            let call = event.fields.call_id.clone();
            if let Some(call) = &call {
                assert!(
                    !cleared.contains(call),
                    "{:?} after CallCleared of {call}",
                    event.kind
                );
            }
            match event.kind {
                EventKind::CallCleared => {
                    let call = call.expect("CallCleared names its call");
                    let id = engine.parse_call_ref(&call).expect("own call id");
                    assert!(
                        engine.snapshot_call(id).is_err(),
                        "{call} still has connections"
                    );
                    cleared.push(call);
                }
                EventKind::Transferred if event.cause.as_str() == "transfer" => {
                    let call = call.expect("Transferred names its call");
                    let id = engine.parse_call_ref(&call).expect("own call id");
                    let mut parties: Vec<String> = engine
                        .snapshot_call(id)
                        .map(|s| {
                            s.connections
                                .into_iter()
                                .map(|c| c.device.device_id)
                                .collect()
                        })
                        .unwrap_or_default();
                    let mut moved: Vec<String> = event
                        .fields
                        .transferred_connections
                        .iter()
                        .map(|m| m.new_connection.device_id.clone())
                        .collect();
                    parties.sort();
                    moved.sort();
                    assert_eq!(parties, moved, "every remaining party is mapped old → new");
                    assert!(
                        event
                            .fields
                            .transferred_connections
                            .iter()
                            .all(|m| m.new_connection.call_id == call)
                    );
                }
                _ => {}
            }
        }
        all.extend(events);
    }
    all
}

/// One action on `engine` at `now` (moved by `Advance`): every step's answer (`None` for a tick)
/// and events, without checks.
fn act(engine: &mut Engine, now: &mut i64, action: &Action) -> Vec<(Option<Step>, Vec<Event>)> {
    let at = |now: i64| Timestamp::from_millis(now);
    match action {
        Action::Advance(seconds) => {
            *now += seconds * 1000;
            vec![(None, engine.tick(at(*now)))]
        }
        Action::OnOwnCall(service, device, to) => {
            let Some(command) = own_call(engine, *service, device, to) else {
                return Vec::new();
            };
            let mut steps = vec![engine.handle(Input::Command(command), at(*now))];
            if let (OwnCall::ConsultAnswered, Some(consulted)) = (service, world_number(to)) {
                let answer = Input::Signal(Signal::Answer { device: consulted });
                steps.push(engine.handle(answer, at(*now)));
            }
            steps.into_iter().map(|s| (Some(s), Vec::new())).collect()
        }
        Action::Input(input) => vec![(Some(engine.handle(input.clone(), at(*now))), Vec::new())],
    }
}

fn durable_config(strategy: QueueStrategy) -> sentral_engine::EnterpriseConfig {
    let mut config = config(strategy);
    config.queues[0].wrap_up_time = 10;
    config.queues[0].max_wait = 90;
    config.queues[0].overflow_target = Some("202".into());
    config
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_keeps_the_engine_consistent(
        strategy in strategy(),
        actions in prop::collection::vec(action(), 1..80),
    ) {
        run(strategy, &actions);
    }

    #[test]
    fn the_same_inputs_give_the_same_events(
        strategy in strategy(),
        actions in prop::collection::vec(action(), 1..60),
    ) {
        prop_assert_eq!(run(strategy, &actions), run(strategy, &actions));
    }

    /// Saved at any point, written as JSON, read back and restored, an engine goes on exactly
    /// as the original.
    #[test]
    fn a_restored_engine_goes_on_as_the_original(
        strategy in strategy(),
        actions in prop::collection::vec(action(), 1..60),
        split in any::<prop::sample::Index>(),
    ) {
        let split = split.index(actions.len() + 1);
        let mut original = Engine::new(durable_config(strategy), Timestamp::from_millis(START));
        let mut now = START;
        for action in &actions[..split] {
            act(&mut original, &mut now, action);
        }
        let json = serde_json::to_string(&original.save()).unwrap();
        let state: EngineState = serde_json::from_str(&json).unwrap();
        let mut restored = Engine::restore(state).unwrap();
        prop_assert_eq!(restored.save(), original.save());
        let mut restored_now = now;
        for action in &actions[split..] {
            let want = act(&mut original, &mut now, action);
            let got = act(&mut restored, &mut restored_now, action);
            prop_assert_eq!(got, want, "{:?}", action);
        }
        prop_assert_eq!(restored.save(), original.save());
    }
}

#[test]
fn the_own_call_actions_reach_a_conference() {
    let place = Action::Input(Input::Signal(Signal::PlaceCall {
        from: A.into(),
        to: "202".into(),
    }));
    let answer = Action::Input(Input::Signal(Signal::Answer { device: B.into() }));
    let consult = Action::OnOwnCall(OwnCall::ConsultAnswered, A.into(), "203".into());
    let conference = Action::OnOwnCall(OwnCall::Conference, A.into(), String::new());
    let events = run(QueueStrategy::Linear, &[place, answer, consult, conference]);
    let kinds: Vec<&str> = events
        .iter()
        .filter(|e| e.kind != EventKind::StatusChanged)
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds.last(), Some(&"Conferenced"), "{kinds:?}");
}
