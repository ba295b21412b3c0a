//! An engine saved, written as JSON, read back and restored goes on exactly as the original:
//! the same answers, events and ticks from the same inputs. And every input reads back as
//! itself from its JSON (the journal keeps inputs as JSON).

mod world;

use sentral_domain::Timestamp;
use sentral_domain::directory::{
    Absence, AbsenceAction, AbsenceKind, CallForwarding, Destination, ForwardingKind,
    TerminalStatus,
};
use sentral_domain::ids::EntityId;
use sentral_engine::{
    AgentState, CallId, Command, CstaError, DeviceConfig, DeviceKind, ENGINE_STATE_VERSION, Engine,
    EngineState, EnterpriseConfig, Event, EventKind, Input, Outcome, Reconfigure, RestoreError,
    Signal, StatusSource, Step, Strategy,
};
use world::{A, B, C, D, E, OUTSIDE, START, config, forward};

const LINE: &str = "4722000160";

/// One thing that happens to the engine, at seconds after [`START`].
#[derive(Debug, Clone)]
enum Action {
    Handle(i64, Box<Input>),
    Tick(i64),
}

/// What an action gave: a step, or a tick's events.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Output {
    Step(Step),
    Tick(Vec<Event>),
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_millis(START + seconds * 1000)
}

fn run(engine: &mut Engine, action: &Action) -> Output {
    let output = match action {
        Action::Handle(seconds, input) => {
            Output::Step(engine.handle((**input).clone(), at(*seconds)))
        }
        Action::Tick(seconds) => Output::Tick(engine.tick(at(*seconds))),
    };
    world::check(engine);
    output
}

fn enterprise() -> EnterpriseConfig {
    let mut config = config(Strategy::Random);
    config.devices.push(DeviceConfig::new(
        LINE,
        Some("160"),
        DeviceKind::Memberline {
            member_id: Some("m1".into()),
            status_source: StatusSource::Application,
        },
    ));
    let queue = &mut config.queues[0];
    queue.ring_timeout = 10;
    queue.wrap_up_time = 5;
    queue.max_wait = 60;
    queue.overflow_target = Some("199".into());
    config
}

fn absence(from: i64, until: i64) -> Absence {
    Absence {
        id: EntityId::new("abs_1"),
        member_id: EntityId::new("m2"),
        kind: AbsenceKind::Meeting,
        from: at(from),
        until: at(until),
        note: Some("Styremøte".into()),
        action: AbsenceAction::ForwardTo(Destination::Short("205".into())),
        created_at: at(0),
        updated_at: at(0),
    }
}

fn command(seconds: i64, command: Command) -> Action {
    Action::Handle(seconds, Box::new(Input::Command(command)))
}

fn signal(seconds: i64, signal: Signal) -> Action {
    Action::Handle(seconds, Box::new(Input::Signal(signal)))
}

fn change(seconds: i64, change: Reconfigure) -> Action {
    Action::Handle(seconds, Box::new(Input::Reconfigure(change)))
}

fn place(seconds: i64, from: &str, to: &str) -> Action {
    signal(
        seconds,
        Signal::PlaceCall {
            from: from.into(),
            to: to.into(),
        },
    )
}

fn answer(seconds: i64, device: &str) -> Action {
    signal(
        seconds,
        Signal::Answer {
            device: device.into(),
        },
    )
}

fn hang_up(seconds: i64, device: &str) -> Action {
    signal(
        seconds,
        Signal::HangUp {
            device: device.into(),
        },
    )
}

fn agent(seconds: i64, device: &str, state: AgentState) -> Action {
    command(
        seconds,
        Command::SetAgentState {
            device: device.into(),
            queue: None,
            state,
        },
    )
}

/// Calls, holds, a consultation and transfer, a conference, deflection, single-step transfer,
/// forwarding on no answer, do-not-disturb, an absence window, power, a rejected call, an
/// application-set status, a queue with random distribution, unanswered offers, wrap-up,
/// overflow on max wait, a MakeCall the caller never answers, and a whole new configuration
/// while a caller waits.
fn script() -> Vec<Action> {
    let call = CallId;
    let mut slow_ring = forward(ForwardingKind::NoAnswer, "199");
    slow_ring.ring_seconds = 5;
    let mut replaced = enterprise();
    replaced.queues[0].max_wait = 40;
    replaced.devices[0].forwarding = slow_ring.clone();
    replaced.devices[1].absences = vec![absence(100, 200)];
    vec![
        change(
            0,
            Reconfigure::Forwarding {
                device: A.into(),
                forwarding: slow_ring,
            },
        ),
        change(
            0,
            Reconfigure::Absences {
                device: B.into(),
                absences: vec![absence(100, 200)],
            },
        ),
        // 1: B calls A, who does not answer: voice mail takes it after 5 s.
        place(1, B, "201"),
        Action::Tick(4),
        Action::Tick(7),
        hang_up(8, B),
        // 2: A calls B, consults D (3; B is held), transfers B to D.
        place(10, A, "202"),
        answer(11, B),
        command(
            13,
            Command::ConsultationCall {
                call: call(2),
                device: A.into(),
                to: "204".into(),
            },
        ),
        answer(14, D),
        command(
            15,
            Command::TransferCall {
                device: A.into(),
                held_call: call(2),
                active_call: call(3),
            },
        ),
        command(
            16,
            Command::SetDoNotDisturb {
                device: C.into(),
                on: true,
            },
        ),
        // 4: an outside caller in the queue (D is busy, C does not want calls): the offer to E
        // goes unanswered, E is ready again and takes it, wraps up after it.
        place(17, OUTSIDE, "100"),
        Action::Tick(28),
        agent(29, E, AgentState::Ready),
        answer(30, C),
        answer(30, E),
        hang_up(32, OUTSIDE),
        Action::Tick(38),
        hang_up(39, B),
        agent(
            41,
            D,
            AgentState::NotReady {
                reason: Some("lunch".into()),
            },
        ),
        change(
            42,
            Reconfigure::TerminalStatus {
                device: LINE.into(),
                status: TerminalStatus::Busy,
            },
        ),
        command(
            43,
            Command::SetDoNotDisturb {
                device: C.into(),
                on: false,
            },
        ),
        // 5: A holds and retrieves a call with C, who hangs up.
        place(44, A, "203"),
        answer(45, C),
        command(
            46,
            Command::HoldCall {
                call: call(5),
                device: A.into(),
            },
        ),
        command(
            47,
            Command::RetrieveCall {
                call: call(5),
                device: A.into(),
            },
        ),
        command(
            48,
            Command::ClearConnection {
                call: call(5),
                device: C.into(),
            },
        ),
        // 6: MakeCall from D that D never answers.
        command(
            50,
            Command::MakeCall {
                calling: D.into(),
                called: OUTSIDE.into(),
            },
        ),
        // 7: rejected; B switched off and on.
        place(52, A, "202"),
        signal(53, Signal::Reject { device: B.into() }),
        signal(
            54,
            Signal::Power {
                device: B.into(),
                on: false,
            },
        ),
        // 8: to a switched-off phone.
        place(55, A, "202"),
        signal(
            56,
            Signal::Power {
                device: B.into(),
                on: true,
            },
        ),
        // 9: deflected from C to E, then cleared.
        place(57, OUTSIDE, "203"),
        command(
            58,
            Command::DeflectCall {
                call: call(9),
                device: C.into(),
                to: "205".into(),
            },
        ),
        answer(59, E),
        command(60, Command::ClearCall { call: call(9) }),
        Action::Tick(85),
        // 10: every agent not ready: the caller waits; a new configuration meanwhile; it
        // overflows to voice mail at its new max wait.
        agent(86, C, AgentState::NotReady { reason: None }),
        agent(86, E, AgentState::LoggedOff),
        place(87, OUTSIDE, "100"),
        change(90, Reconfigure::Replace(Box::new(replaced))),
        Action::Tick(100),
        Action::Tick(130),
        Action::Tick(150),
        hang_up(151, OUTSIDE),
        // 11: B is away: the call goes to E (the absence's destination); E consults C (12)
        // and makes a conference.
        agent(152, E, AgentState::Ready),
        place(153, A, "202"),
        answer(154, E),
        command(
            155,
            Command::ConsultationCall {
                call: call(11),
                device: E.into(),
                to: "203".into(),
            },
        ),
        command(
            156,
            Command::AnswerCall {
                call: call(12),
                device: C.into(),
            },
        ),
        command(
            157,
            Command::ConferenceCall {
                device: E.into(),
                held_call: call(11),
                active_call: call(12),
            },
        ),
        hang_up(158, C),
        // 11 goes on between A and E: E hands it to D in a single step.
        command(
            159,
            Command::SingleStepTransferCall {
                call: call(11),
                device: E.into(),
                to: "204".into(),
            },
        ),
        answer(160, D),
        Action::Tick(170),
        // Refused: no such call.
        command(171, Command::ClearCall { call: call(99) }),
        hang_up(172, A),
        Action::Tick(250),
    ]
}

fn reference() -> (Engine, Vec<Output>) {
    let mut engine = Engine::new(enterprise(), at(0));
    let outputs = script().iter().map(|a| run(&mut engine, a)).collect();
    (engine, outputs)
}

fn through_json(engine: &Engine) -> Engine {
    let json = serde_json::to_string(&engine.save()).expect("state to JSON");
    let state: EngineState = serde_json::from_str(&json).expect("state from JSON");
    assert_eq!(state, engine.save(), "the state reads back as itself");
    Engine::restore(state).expect("restore")
}

#[test]
fn the_script_exercises_what_it_says() {
    let (_, outputs) = reference();
    let mut kinds = Vec::new();
    let mut refused = Vec::new();
    let mut ticks_with_events = 0;
    for (index, output) in outputs.iter().enumerate() {
        let events = match output {
            Output::Step(step) => {
                if step.result.is_err() {
                    refused.push(index);
                }
                &step.events
            }
            Output::Tick(events) => {
                ticks_with_events += usize::from(!events.is_empty());
                events
            }
        };
        kinds.extend(events.iter().map(|e| e.kind));
    }
    for kind in [
        EventKind::Held,
        EventKind::Retrieved,
        EventKind::Transferred,
        EventKind::Conferenced,
        EventKind::Diverted,
        EventKind::Queued,
        EventKind::Failed,
        EventKind::AgentWorkingAfterCall,
        EventKind::AgentReady,
        EventKind::AgentNotReady,
        EventKind::AgentLoggedOff,
        EventKind::DoNotDisturb,
        EventKind::Forwarding,
        EventKind::StatusChanged,
        EventKind::ConnectionCleared,
        EventKind::CallCleared,
    ] {
        assert!(
            kinds.contains(&kind),
            "no {kind:?} in the script: {kinds:?}"
        );
    }
    assert!(
        ticks_with_events >= 5,
        "only {ticks_with_events} ticks did something"
    );
    // Refused on purpose: C's answer at 30 s (the queue offered E), and the ClearCall of
    // call 99.
    let script = script();
    let names: Vec<String> = refused
        .iter()
        .map(|i| format!("{i}: {:?}", script[*i]))
        .collect();
    assert_eq!(refused.len(), 2, "refused: {names:#?}");
}

#[test]
fn every_prefix_saved_as_json_and_restored_goes_on_exactly_as_the_original() {
    let script = script();
    let (_, expected) = reference();
    for k in 0..=script.len() {
        let mut original = Engine::new(enterprise(), at(0));
        for action in &script[..k] {
            run(&mut original, action);
        }
        let mut restored = through_json(&original);
        assert_eq!(restored.save(), original.save(), "prefix {k}");
        assert_eq!(restored.now(), original.now());
        assert_eq!(restored.next_due(), original.next_due(), "prefix {k}");
        for (index, action) in script.iter().enumerate().skip(k) {
            let want = run(&mut original, action);
            let got = run(&mut restored, action);
            assert_eq!(want, expected[index], "the original after prefix {k}");
            assert_eq!(
                got, want,
                "restored after prefix {k}, action {index}: {action:?}"
            );
        }
        // Time passing after the script fires nothing else in either.
        let later = at(10_000);
        assert_eq!(restored.tick(later), original.tick(later), "prefix {k}");
        assert_eq!(
            serde_json::to_string(&restored.save()).unwrap(),
            serde_json::to_string(&original.save()).unwrap(),
            "prefix {k}: the states end the same"
        );
    }
}

#[test]
fn a_state_restored_twice_writes_the_same_json() {
    let script = script();
    let mut engine = Engine::new(enterprise(), at(0));
    for action in &script[..script.len() / 2] {
        run(&mut engine, action);
    }
    let once = through_json(&engine);
    let twice = through_json(&once);
    let json = engine.save().to_json();
    assert_eq!(once.save().to_json(), json);
    assert_eq!(twice.save().to_json(), json);
    assert_eq!(EngineState::from_json(&json).unwrap(), engine.save());
}

/// The comparison above can fail: a state that differs in what matters gives other steps.
#[test]
fn a_state_that_lost_its_random_state_or_its_timers_goes_on_differently() {
    // Three ready agents: the random queue offers the caller to one of them.
    let calls = [
        place(1, OUTSIDE, "100"),
        place(2, A, "100"),
        Action::Tick(5),
    ];
    let original = Engine::new(enterprise(), at(0));
    let json = original.save().to_json();
    let outputs =
        |mut engine: Engine| -> Vec<Output> { calls.iter().map(|a| run(&mut engine, a)).collect() };
    let want = outputs(Engine::restore(EngineState::from_json(&json).unwrap()).unwrap());
    assert_eq!(want, outputs(original));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let differs = (1..=8u64).any(|n| {
        let mut other = value.clone();
        other["rng"] = serde_json::json!(n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let state: EngineState = serde_json::from_value(other).unwrap();
        outputs(Engine::restore(state).unwrap()) != want
    });
    assert!(differs, "the random state changed nothing");

    // Without its timers, A's no-answer forwarding of call 1 never happens.
    let script = script();
    let mut original = Engine::new(enterprise(), at(0));
    for action in &script[..3] {
        run(&mut original, action);
    }
    let mut value: serde_json::Value = serde_json::from_str(&original.save().to_json()).unwrap();
    for key in [
        "config", "now", "rng", "nextCall", "timerSeq", "devices", "calls", "queues",
    ] {
        assert!(value.get(key).is_some(), "no {key} in {value}");
    }
    assert!(!value["timers"].as_array().unwrap().is_empty());
    value["timers"] = serde_json::json!([]);
    let mut forgetful = Engine::restore(serde_json::from_value(value).unwrap()).unwrap();
    let tick = Action::Tick(7);
    assert_ne!(run(&mut forgetful, &tick), run(&mut original, &tick));
}

#[test]
fn a_state_of_another_version_or_shape_is_refused_with_its_reason() {
    let mut engine = Engine::new(enterprise(), at(0));
    for action in &script()[..12] {
        run(&mut engine, action);
    }
    let json = engine.save().to_json();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();

    let mut newer = value.clone();
    newer["version"] = serde_json::json!(ENGINE_STATE_VERSION + 1);
    newer["calls"] = serde_json::json!("another layout");
    assert_eq!(
        EngineState::from_json(&newer.to_string()).unwrap_err(),
        RestoreError::UnknownVersion {
            found: ENGINE_STATE_VERSION + 1,
            supported: ENGINE_STATE_VERSION,
        }
    );
    let mut newer = value.clone();
    newer["version"] = serde_json::json!(ENGINE_STATE_VERSION + 1);
    let state: EngineState = serde_json::from_value(newer).unwrap();
    assert!(matches!(
        Engine::restore(state),
        Err(RestoreError::UnknownVersion { found, .. }) if found == ENGINE_STATE_VERSION + 1
    ));

    assert!(matches!(
        EngineState::from_json("{\"version\":1,\"rng\":3}"),
        Err(RestoreError::Malformed(_))
    ));
    assert!(matches!(
        EngineState::from_json("not json"),
        Err(RestoreError::Malformed(_))
    ));

    let inconsistent = |value: serde_json::Value| {
        let state: EngineState = serde_json::from_value(value).unwrap();
        match Engine::restore(state) {
            Err(RestoreError::Inconsistent(problem)) => problem,
            other => panic!("restored: {:?}", other.map(|e| e.save())),
        }
    };
    // A call the devices still list, gone.
    let calls = value["calls"].as_array().unwrap().clone();
    assert!(!calls.is_empty());
    let mut lost = value.clone();
    lost["calls"] = serde_json::json!([]);
    assert!(inconsistent(lost).contains("lists call"));
    // A call twice.
    let mut twice = value.clone();
    twice["calls"] = serde_json::json!([calls[0].clone(), calls[0].clone()]);
    assert!(inconsistent(twice).contains("twice"));
    // A call the counter has not reached.
    let mut ahead = value.clone();
    ahead["nextCall"] = serde_json::json!(0);
    assert!(inconsistent(ahead).contains("counter"));
    // A queue that is not configured.
    let mut queue = value.clone();
    queue["queues"][0]["queueId"] = serde_json::json!("q9");
    assert!(inconsistent(queue).contains("q9"));
    // A device of the configuration without runtime.
    value["devices"].as_array_mut().unwrap().remove(0);
    assert!(inconsistent(value).contains("no runtime"));
}

fn every_command() -> Vec<Command> {
    let call = CallId(7);
    let all = vec![
        Command::MakeCall {
            calling: A.into(),
            called: "202".into(),
        },
        Command::AnswerCall {
            call,
            device: B.into(),
        },
        Command::ClearConnection {
            call,
            device: B.into(),
        },
        Command::ClearCall { call },
        Command::HoldCall {
            call,
            device: A.into(),
        },
        Command::RetrieveCall {
            call,
            device: A.into(),
        },
        Command::DeflectCall {
            call,
            device: B.into(),
            to: "+47 22 99 00 00".into(),
        },
        Command::SingleStepTransferCall {
            call,
            device: A.into(),
            to: "203".into(),
        },
        Command::ConsultationCall {
            call,
            device: A.into(),
            to: "204".into(),
        },
        Command::TransferCall {
            device: A.into(),
            held_call: call,
            active_call: CallId(8),
        },
        Command::ConferenceCall {
            device: A.into(),
            held_call: call,
            active_call: CallId(8),
        },
        Command::SetDoNotDisturb {
            device: A.into(),
            on: true,
        },
        Command::SetAgentState {
            device: C.into(),
            queue: Some("q1".into()),
            state: AgentState::NotReady {
                reason: Some("lunsj".into()),
            },
        },
        Command::SetAgentState {
            device: C.into(),
            queue: None,
            state: AgentState::WorkingAfterCall,
        },
    ];
    // Every variant is here: a new one breaks this match until it is added above.
    for command in &all {
        match command {
            Command::MakeCall { .. }
            | Command::AnswerCall { .. }
            | Command::ClearConnection { .. }
            | Command::ClearCall { .. }
            | Command::HoldCall { .. }
            | Command::RetrieveCall { .. }
            | Command::DeflectCall { .. }
            | Command::SingleStepTransferCall { .. }
            | Command::ConsultationCall { .. }
            | Command::TransferCall { .. }
            | Command::ConferenceCall { .. }
            | Command::SetDoNotDisturb { .. }
            | Command::SetAgentState { .. } => {}
        }
    }
    all
}

fn every_signal() -> Vec<Signal> {
    let all = vec![
        Signal::PlaceCall {
            from: OUTSIDE.into(),
            to: "100".into(),
        },
        Signal::Answer { device: B.into() },
        Signal::Reject { device: B.into() },
        Signal::HangUp { device: B.into() },
        Signal::Power {
            device: B.into(),
            on: false,
        },
    ];
    for signal in &all {
        match signal {
            Signal::PlaceCall { .. }
            | Signal::Answer { .. }
            | Signal::Reject { .. }
            | Signal::HangUp { .. }
            | Signal::Power { .. } => {}
        }
    }
    all
}

fn every_change() -> Vec<Reconfigure> {
    let mut forwarding = CallForwarding {
        updated_at: Some(at(5)),
        ..forward(ForwardingKind::Busy, "4722990000")
    };
    forwarding.immediate.destination = Some(Destination::Short("199".into()));
    let mut whole = enterprise();
    whole.devices[0].forwarding = forwarding.clone();
    whole.devices[1].absences = vec![absence(-10, 10)];
    whole.terminal_statuses = vec![(LINE.into(), TerminalStatus::Offline)];
    whole.short_aliases = vec![("150".into(), "4722990000".into())];
    whole.queues[0].no_agent_target = Some("100".into());
    let mut actions = absence(1, 2);
    let all = vec![
        Reconfigure::Forwarding {
            device: A.into(),
            forwarding,
        },
        Reconfigure::Absences {
            device: B.into(),
            absences: [
                AbsenceAction::None,
                AbsenceAction::ForwardTo(Destination::External("4722990000".into())),
                AbsenceAction::Voicemail,
                AbsenceAction::Switchboard,
                AbsenceAction::Queue("q1".into()),
            ]
            .into_iter()
            .map(|action| {
                actions.action = action;
                actions.note = None;
                actions.clone()
            })
            .collect(),
        },
        Reconfigure::TerminalStatus {
            device: LINE.into(),
            status: TerminalStatus::Available,
        },
        Reconfigure::Replace(Box::new(whole)),
    ];
    for change in &all {
        match change {
            Reconfigure::Forwarding { .. }
            | Reconfigure::Absences { .. }
            | Reconfigure::TerminalStatus { .. }
            | Reconfigure::Replace(_) => {}
        }
    }
    all
}

fn every_input() -> Vec<Input> {
    every_command()
        .into_iter()
        .map(Input::Command)
        .chain(every_signal().into_iter().map(Input::Signal))
        .chain(every_change().into_iter().map(Input::Reconfigure))
        .collect()
}

#[test]
fn every_input_reads_back_from_its_json_as_itself() {
    for input in every_input() {
        let json = serde_json::to_string(&input).unwrap();
        let back: Input = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(back, input, "{json}");
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }
    for input in script().into_iter().filter_map(|a| match a {
        Action::Handle(_, input) => Some(*input),
        Action::Tick(_) => None,
    }) {
        let json = serde_json::to_string(&input).unwrap();
        assert_eq!(
            serde_json::from_str::<Input>(&json).unwrap(),
            input,
            "{json}"
        );
    }
}

#[test]
fn inputs_have_a_stable_json_shape() {
    let json = |input: Input| serde_json::to_value(input).unwrap();
    assert_eq!(
        json(Input::Command(Command::MakeCall {
            calling: A.into(),
            called: "202".into(),
        })),
        serde_json::json!({"command": {"makeCall": {"calling": A, "called": "202"}}})
    );
    assert_eq!(
        json(Input::Command(Command::TransferCall {
            device: A.into(),
            held_call: CallId(7),
            active_call: CallId(8),
        })),
        serde_json::json!({"command": {"transferCall": {"device": A, "heldCall": 7, "activeCall": 8}}})
    );
    assert_eq!(
        json(Input::Command(Command::SetAgentState {
            device: C.into(),
            queue: None,
            state: AgentState::NotReady {
                reason: Some("lunsj".into()),
            },
        })),
        serde_json::json!({"command": {"setAgentState": {
            "device": C, "queue": null, "state": {"notReady": {"reason": "lunsj"}}
        }}})
    );
    assert_eq!(
        json(Input::Signal(Signal::Power {
            device: B.into(),
            on: false,
        })),
        serde_json::json!({"signal": {"power": {"device": B, "on": false}}})
    );
    assert_eq!(
        json(Input::Reconfigure(Reconfigure::Forwarding {
            device: A.into(),
            forwarding: CallForwarding {
                updated_at: Some(at(0)),
                ..forward(ForwardingKind::NoAnswer, "199")
            },
        })),
        serde_json::json!({"reconfigure": {"forwarding": {"device": A, "forwarding": {
            "immediate": {"active": false, "destination": null},
            "busy": {"active": false, "destination": null},
            "noAnswer": {"active": true, "destination": {"short": "199"}},
            "ringSeconds": 20,
            "unavailable": {"active": false, "destination": null},
            "updatedAt": "2026-11-18T11:06:40.000Z",
        }}}})
    );
    let mut away = absence(0, 60);
    away.action = AbsenceAction::Queue("q1".into());
    assert_eq!(
        json(Input::Reconfigure(Reconfigure::Absences {
            device: B.into(),
            absences: vec![away],
        })),
        serde_json::json!({"reconfigure": {"absences": {"device": B, "absences": [{
            "id": "abs_1",
            "memberId": "m2",
            "kind": "meeting",
            "from": "2026-11-18T11:06:40.000Z",
            "until": "2026-11-18T11:07:40.000Z",
            "note": "Styremøte",
            "action": {"queue": "q1"},
            "createdAt": "2026-11-18T11:06:40.000Z",
            "updatedAt": "2026-11-18T11:06:40.000Z",
        }]}}})
    );
    assert_eq!(
        json(Input::Reconfigure(Reconfigure::TerminalStatus {
            device: LINE.into(),
            status: TerminalStatus::Busy,
        })),
        serde_json::json!({"reconfigure": {"terminalStatus": {"device": LINE, "status": "busy"}}})
    );
    let mut small = EnterpriseConfig::new("100001");
    small.devices = vec![
        world::member(A, "201", "m1"),
        DeviceConfig::new(E, None, DeviceKind::Voicemail),
    ];
    small.terminal_statuses = vec![(LINE.into(), TerminalStatus::Offline)];
    let replace = json(Input::Reconfigure(Reconfigure::Replace(Box::new(small))));
    let config = &replace["reconfigure"]["replace"];
    assert_eq!(config["enterpriseId"], "100001");
    assert_eq!(
        config["devices"][0]["kind"],
        serde_json::json!({"mobile": {"memberId": "m1"}})
    );
    assert_eq!(config["devices"][1]["kind"], "voicemail");
    assert_eq!(config["devices"][1]["shortNumber"], serde_json::Value::Null);
    assert_eq!(config["externalRingSeconds"], 60);
    assert_eq!(
        config["terminalStatuses"],
        serde_json::json!([[LINE, "offline"]])
    );
}

#[test]
fn the_names_on_the_wire_are_the_names_the_domain_gives() {
    for strategy in Strategy::ALL {
        assert_eq!(serde_json::to_value(strategy).unwrap(), strategy.as_str());
    }
    for kind in AbsenceKind::ALL {
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
    }
    for status in [
        TerminalStatus::Available,
        TerminalStatus::Busy,
        TerminalStatus::Offline,
    ] {
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
    }
    for source in [StatusSource::Network, StatusSource::Application] {
        assert_eq!(serde_json::to_value(source).unwrap(), source.as_str());
    }
    for state in [
        AgentState::LoggedOff,
        AgentState::Ready,
        AgentState::WorkingAfterCall,
    ] {
        assert_eq!(serde_json::to_value(&state).unwrap(), state.as_str());
    }
    assert_eq!(
        serde_json::to_value(AgentState::NotReady { reason: None }).unwrap(),
        serde_json::json!({"notReady": {"reason": null}})
    );
    for action in [
        AbsenceAction::None,
        AbsenceAction::Voicemail,
        AbsenceAction::Switchboard,
    ] {
        assert_eq!(serde_json::to_value(&action).unwrap(), action.type_name());
    }
    assert_eq!(
        serde_json::to_value(AbsenceAction::ForwardTo(Destination::Short("899".into()))).unwrap(),
        serde_json::json!({"forwardTo": {"short": "899"}})
    );
}

#[test]
fn answers_and_refusals_read_back_from_their_json() {
    let answers = [
        Ok(Outcome::Done),
        Ok(Outcome::Call {
            call: CallId(3),
            device: A.into(),
        }),
        Err(CstaError::InvalidCallIdentifier("100001-9".into())),
        Err(CstaError::InvalidDeviceIdentifier(A.into())),
        Err(CstaError::InvalidConnectionIdentifier {
            call: "100001-9".into(),
            device: A.into(),
        }),
        Err(CstaError::InvalidConnectionState {
            call: "100001-9".into(),
            device: A.into(),
            state: "hold",
            expected: "alerting or initiated",
        }),
        Err(CstaError::InvalidDestination("12".into())),
        Err(CstaError::DeviceOutOfService(B.into())),
        Err(CstaError::ValueOutOfRange("too long".into())),
        Err(CstaError::RequestIncompatibleWithObject("a queue".into())),
    ];
    for answer in answers {
        let json = serde_json::to_string(&answer).unwrap();
        let back: Result<Outcome, CstaError> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, answer, "{json}");
        if let Err(error) = &answer {
            let value = serde_json::to_value(error).unwrap();
            let tag = value.as_object().unwrap().keys().next().unwrap().clone();
            assert_eq!(tag, error.name());
        }
    }
    assert_eq!(serde_json::to_value(Outcome::Done).unwrap(), "done");
    assert_eq!(
        serde_json::to_value(Outcome::Call {
            call: CallId(3),
            device: A.into(),
        })
        .unwrap(),
        serde_json::json!({"call": {"call": 3, "device": A}})
    );
    // A state text the engine never writes is refused, not invented.
    let odd = r#"{"invalidConnectionState":{"call":"x","device":"y","state":"ringing","expected":"hold"}}"#;
    assert!(serde_json::from_str::<CstaError>(odd).is_err());
    // Every refusal the script meets reads back too.
    let (_, outputs) = reference();
    for output in outputs {
        if let Output::Step(Step {
            result: Err(error), ..
        }) = output
        {
            let json = serde_json::to_string(&error).unwrap();
            assert_eq!(serde_json::from_str::<CstaError>(&json).unwrap(), error);
        }
    }
}

#[test]
fn timestamps_read_back_from_rfc_3339_and_from_milliseconds() {
    let moment = Timestamp::from_millis(1_795_000_000_123);
    let json = serde_json::to_string(&moment).unwrap();
    assert_eq!(json, "\"2026-11-18T11:06:40.123Z\"");
    assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), moment);
    assert_eq!(
        serde_json::from_str::<Timestamp>("1795000000123").unwrap(),
        moment
    );
    assert_eq!(
        serde_json::from_str::<Timestamp>("-5").unwrap(),
        Timestamp::from_millis(-5)
    );
    assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    assert!(serde_json::from_str::<Timestamp>("\"\"").is_err());
}

/// What another node's engine answers (snapshots, queue status) reads back as itself at every
/// point of the script, so a read forwarded to the owner answers what a local one would.
#[test]
fn snapshots_and_queue_status_read_back_from_their_json_as_themselves() {
    let mut engine = Engine::new(enterprise(), at(0));
    let queue_id = enterprise().queues[0].queue_id.clone();
    for action in script() {
        run(&mut engine, &action);
        let snapshot = engine.snapshot_enterprise();
        let json = serde_json::to_string(&snapshot).expect("snapshot to JSON");
        let back: sentral_engine::EnterpriseSnapshot =
            serde_json::from_str(&json).expect("snapshot from JSON");
        assert_eq!(back, snapshot);
        let status = engine.queue_status(&queue_id);
        let json = serde_json::to_string(&status).expect("status to JSON");
        let back: Option<sentral_engine::QueueStatus> =
            serde_json::from_str(&json).expect("status from JSON");
        assert_eq!(back, status);
    }
}
