//! A small enterprise for scenario tests: five members, a queue, a virtual number, voice mail.

#![allow(dead_code)]

use sentral_domain::Timestamp;
use sentral_domain::directory::{CallForwarding, Destination, ForwardingKind};
use sentral_engine::{
    AgentConfig, AgentState, CallId, Command, DeviceConfig, DeviceKind, Engine, EnterpriseConfig,
    Event, EventKind, Input, Outcome, QueueConfig, Signal, Step, Strategy,
};

pub const A: &str = "4790000001";
pub const B: &str = "4790000002";
pub const C: &str = "4790000003";
pub const D: &str = "4790000004";
pub const E: &str = "4790000005";
pub const QUEUE: &str = "4722000100";
pub const VIRTUAL: &str = "4722000150";
pub const VOICEMAIL: &str = "4722000199";
pub const OUTSIDE: &str = "4799999999";

pub const START: i64 = 1_795_000_000_000;

pub fn member(number: &str, short: &str, id: &str) -> DeviceConfig {
    DeviceConfig::new(
        number,
        Some(short),
        DeviceKind::Mobile {
            member_id: id.into(),
        },
    )
}

pub fn config(strategy: Strategy) -> EnterpriseConfig {
    let mut config = EnterpriseConfig::new("100001");
    config.devices = vec![
        member(A, "201", "m1"),
        member(B, "202", "m2"),
        member(C, "203", "m3"),
        member(D, "204", "m4"),
        member(E, "205", "m5"),
        DeviceConfig::new(
            QUEUE,
            Some("100"),
            DeviceKind::Queue {
                queue_id: "q1".into(),
            },
        ),
        DeviceConfig::new(
            VIRTUAL,
            Some("150"),
            DeviceKind::Virtual {
                target: "202".into(),
            },
        ),
        DeviceConfig::new(VOICEMAIL, Some("199"), DeviceKind::Voicemail),
    ];
    let mut queue = QueueConfig::new("q1", QUEUE, strategy);
    queue.agents = [C, D, E]
        .iter()
        .enumerate()
        .map(|(i, device)| AgentConfig {
            device: (*device).into(),
            position: i as u32 + 1,
            state: AgentState::Ready,
        })
        .collect();
    config.queues = vec![queue];
    config.switchboard = Some("100".into());
    config
}

pub fn forward(kind: ForwardingKind, to: &str) -> CallForwarding {
    let mut forwarding = CallForwarding::default();
    let rule = forwarding.rule_mut(kind);
    rule.active = true;
    rule.destination = Some(Destination::from_stored(to.into()));
    forwarding
}

/// An engine with a clock the test moves.
pub struct World {
    pub engine: Engine,
    pub now: i64,
}

impl World {
    pub fn new() -> Self {
        Self::with(config(Strategy::Linear))
    }

    pub fn with(config: EnterpriseConfig) -> Self {
        World {
            engine: Engine::new(config, Timestamp::from_millis(START)),
            now: START,
        }
    }

    pub fn at(&self) -> Timestamp {
        Timestamp::from_millis(self.now)
    }

    pub fn step(&mut self, input: Input) -> Step {
        let at = self.at();
        let step = self.engine.handle(input, at);
        check(&self.engine);
        step
    }

    /// Runs an input that must succeed; answers its events without StatusChanged.
    pub fn ok(&mut self, input: Input) -> Vec<Event> {
        let step = self.step(input.clone());
        assert!(step.result.is_ok(), "{input:?} failed: {:?}", step.result);
        calls_only(step.events)
    }

    pub fn signal(&mut self, signal: Signal) -> Vec<Event> {
        self.ok(Input::Signal(signal))
    }

    pub fn command(&mut self, command: Command) -> Vec<Event> {
        self.ok(Input::Command(command))
    }

    pub fn advance(&mut self, seconds: i64) -> Vec<Event> {
        self.now += seconds * 1000;
        let events = self.engine.tick(self.at());
        check(&self.engine);
        calls_only(events)
    }

    /// A call from `from` to `to` placed on the handset; answers the new call id.
    pub fn place(&mut self, from: &str, to: &str) -> (CallId, Vec<Event>) {
        let step = self.step(Input::Signal(Signal::PlaceCall {
            from: from.into(),
            to: to.into(),
        }));
        match step.result {
            Ok(Outcome::Call { call, .. }) => (call, calls_only(step.events)),
            other => panic!("PlaceCall {from} → {to}: {other:?}"),
        }
    }

    pub fn answer(&mut self, device: &str) -> Vec<Event> {
        self.signal(Signal::Answer {
            device: device.into(),
        })
    }

    pub fn hang_up(&mut self, device: &str) -> Vec<Event> {
        self.signal(Signal::HangUp {
            device: device.into(),
        })
    }

    /// An established call between two members: `from` calls `to`, `to` answers.
    pub fn connected(&mut self, from: &str, to: &str) -> CallId {
        let (call, _) = self.place(from, to);
        self.answer(to);
        call
    }

    pub fn call_ref(&self, call: CallId) -> String {
        self.engine.call_ref(call)
    }
}

/// The engine's own consistency: every connection it lists is in a call, and back.
pub fn check(engine: &Engine) {
    if let Err(problem) = engine.check_invariants() {
        panic!("invariant broken: {problem}");
    }
}

pub fn calls_only(events: Vec<Event>) -> Vec<Event> {
    events
        .into_iter()
        .filter(|e| e.kind != EventKind::StatusChanged)
        .collect()
}

/// `(type, cause, subject, subject's connection state)` of each event, for compact asserts.
pub fn summary(events: &[Event]) -> Vec<(String, String, String, String)> {
    events
        .iter()
        .map(|e| {
            (
                e.kind.as_str().to_owned(),
                e.cause.as_str().to_owned(),
                e.subject.clone(),
                e.fields
                    .local_connection_info
                    .map_or("-", |s| s.as_str())
                    .to_owned(),
            )
        })
        .collect()
}

/// Builds the expected summary from `(type, cause, subject, state)` literals.
pub fn expect(rows: &[(&str, &str, &str, &str)]) -> Vec<(String, String, String, String)> {
    rows.iter()
        .map(|(k, c, s, st)| ((*k).into(), (*c).into(), (*s).into(), (*st).into()))
        .collect()
}
