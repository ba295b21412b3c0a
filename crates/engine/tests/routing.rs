//! One scenario per routing step of CALL-MODEL.md: plan, absence, forwarding immediate, busy,
//! no answer, device off; and the presence each device publishes.

mod world;

use sentral_domain::directory::{Absence, AbsenceAction, AbsenceKind, Destination, ForwardingKind};
use sentral_domain::{EntityId, Timestamp};
use sentral_engine::{
    Command, DeviceConfig, DeviceKind, EventKind, Input, Reconfigure, Signal, StatusSource,
    Strategy, TerminalStatus,
};
use world::*;

fn set_forwarding(world: &mut World, device: &str, kind: ForwardingKind, to: &str) {
    let events = world.ok(Input::Reconfigure(Reconfigure::Forwarding {
        device: device.into(),
        forwarding: forward(kind, to),
    }));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::Forwarding);
}

fn absence(world: &World, from: i64, until: i64, action: AbsenceAction) -> Absence {
    let at = |seconds: i64| Timestamp::from_millis(world.now + seconds * 1000);
    Absence {
        id: EntityId::new("abs_1"),
        member_id: EntityId::new("m2"),
        kind: AbsenceKind::Meeting,
        from: at(from),
        until: at(until),
        note: Some("Styremøte".into()),
        action,
        created_at: at(0),
        updated_at: at(0),
    }
}

#[test]
fn a_short_number_reaches_its_device_through_the_plan() {
    let mut world = World::new();
    let (_, events) = world.place(OUTSIDE, "205");
    assert_eq!(
        summary(&events),
        expect(&[("Delivered", "newCall", E, "alerting")])
    );
    let called = events[0].fields.called_device.clone().unwrap();
    assert_eq!(
        (called.device_id.as_str(), called.short_number.as_deref()),
        (E, Some("205"))
    );
    let (_, events) = world.place(OUTSIDE, "90000004");
    assert_eq!(
        summary(&events),
        expect(&[("Delivered", "newCall", D, "alerting")])
    );
}

#[test]
fn a_virtual_number_diverts_at_once() {
    let mut world = World::new();
    let (_, events) = world.place(OUTSIDE, "150");
    assert_eq!(
        summary(&events),
        expect(&[
            ("Diverted", "callForwardImmediate", VIRTUAL, "null"),
            ("Delivered", "callForwardImmediate", B, "alerting"),
        ])
    );
}

#[test]
fn a_current_absence_that_diverts_wins_over_ringing() {
    let mut world = World::new();
    let away = absence(
        &world,
        -60,
        3600,
        AbsenceAction::ForwardTo(Destination::Short("204".into())),
    );
    world.ok(Input::Reconfigure(Reconfigure::Absences {
        device: B.into(),
        absences: vec![away],
    }));
    let (_, events) = world.place(A, B);
    assert_eq!(
        summary(&events),
        expect(&[
            ("ServiceInitiated", "newCall", A, "initiated"),
            ("Originated", "newCall", A, "connected"),
            ("Diverted", "absence", B, "null"),
            ("Delivered", "absence", D, "alerting"),
        ])
    );
}

#[test]
fn an_absence_without_diversion_only_shows_in_status() {
    let mut world = World::new();
    let away = absence(&world, 10, 3600, AbsenceAction::None);
    let step = world.step(Input::Reconfigure(Reconfigure::Absences {
        device: B.into(),
        absences: vec![away],
    }));
    assert!(step.events.is_empty(), "not started yet: {:?}", step.events);
    let events = world
        .engine
        .tick(Timestamp::from_millis(world.now + 10_000));
    world.now += 10_000;
    assert_eq!(events.len(), 1);
    let status = events[0].fields.status.clone().unwrap();
    assert_eq!(
        (events[0].kind, status.availability),
        (EventKind::StatusChanged, "absent")
    );
    assert_eq!(status.absence.unwrap().kind, "meeting");
    let (_, events) = world.place(A, B);
    assert_eq!(events.last().unwrap().kind, EventKind::Delivered);
    // Back at `until`: available again (still ringing now, so busy).
    let events = world
        .engine
        .tick(Timestamp::from_millis(world.now + 3_600_000));
    let statuses: Vec<_> = events
        .iter()
        .filter_map(|e| e.fields.status.clone())
        .collect();
    assert!(statuses.iter().any(|s| s.absence.is_none()), "{events:?}");
}

#[test]
fn voicemail_and_switchboard_absences_reach_their_targets() {
    let mut world = World::new();
    let away = absence(&world, -1, 3600, AbsenceAction::Voicemail);
    world.ok(Input::Reconfigure(Reconfigure::Absences {
        device: B.into(),
        absences: vec![away],
    }));
    let (_, events) = world.place(OUTSIDE, B);
    assert_eq!(
        summary(&events),
        expect(&[
            ("Diverted", "absence", B, "null"),
            ("Delivered", "absence", VOICEMAIL, "alerting"),
            ("Established", "absence", VOICEMAIL, "connected"),
        ])
    );
    let away = absence(&world, -1, 3600, AbsenceAction::Switchboard);
    world.ok(Input::Reconfigure(Reconfigure::Absences {
        device: B.into(),
        absences: vec![away],
    }));
    let (_, events) = world.place(OUTSIDE, B);
    assert_eq!(
        summary(&events)[..3],
        expect(&[
            ("Diverted", "absence", B, "null"),
            ("Queued", "absence", QUEUE, "queued"),
            ("Diverted", "distributed", QUEUE, "null"),
        ])[..]
    );
}

#[test]
fn forward_immediate_never_alerts() {
    let mut world = World::new();
    set_forwarding(&mut world, B, ForwardingKind::Immediate, "203");
    let (_, events) = world.place(OUTSIDE, B);
    assert_eq!(
        summary(&events),
        expect(&[
            ("Diverted", "callForwardImmediate", B, "null"),
            ("Delivered", "callForwardImmediate", C, "alerting"),
        ])
    );
    let delivered = &events[1].fields;
    assert_eq!(delivered.called_device.as_ref().unwrap().device_id, B);
    assert_eq!(
        delivered
            .last_redirection_device
            .as_ref()
            .unwrap()
            .device_id,
        B
    );
}

#[test]
fn a_busy_device_forwards_on_busy_or_fails_busy() {
    let mut world = World::new();
    world.connected(B, C);
    let (_, events) = world.place(OUTSIDE, B);
    assert_eq!(summary(&events), expect(&[("Failed", "busy", B, "fail")]));
    world.hang_up(OUTSIDE);
    set_forwarding(&mut world, B, ForwardingKind::Busy, "4712345678");
    let (_, events) = world.place(A, B);
    assert_eq!(
        summary(&events)[2..],
        expect(&[
            ("Diverted", "callForwardBusy", B, "null"),
            ("Delivered", "callForwardBusy", "4712345678", "alerting"),
        ])[..]
    );
}

#[test]
fn no_answer_forwards_after_the_ring_time_or_fails() {
    let mut world = World::new();
    let (_, events) = world.place(OUTSIDE, B);
    assert_eq!(events.len(), 1);
    assert!(world.advance(19).is_empty());
    let events = world.advance(1);
    assert_eq!(
        summary(&events),
        expect(&[("Failed", "callNotAnswered", B, "fail")])
    );
    world.hang_up(OUTSIDE);

    let mut forwarding = forward(ForwardingKind::NoAnswer, "204");
    forwarding.ring_seconds = 10;
    world.ok(Input::Reconfigure(Reconfigure::Forwarding {
        device: B.into(),
        forwarding,
    }));
    world.place(OUTSIDE, B);
    let events = world.advance(10);
    assert_eq!(
        summary(&events),
        expect(&[
            ("Diverted", "callForwardNoAnswer", B, "null"),
            ("Delivered", "callForwardNoAnswer", D, "alerting"),
        ])
    );
}

#[test]
fn a_device_that_is_off_is_unreachable_unless_forwarded() {
    let mut world = World::new();
    world.signal(Signal::Power {
        device: B.into(),
        on: false,
    });
    let (_, events) = world.place(OUTSIDE, B);
    assert_eq!(
        summary(&events),
        expect(&[("Failed", "destNotObtainable", B, "fail")])
    );
    world.hang_up(OUTSIDE);
    set_forwarding(&mut world, B, ForwardingKind::Unavailable, "203");
    let (_, events) = world.place(OUTSIDE, B);
    assert_eq!(
        summary(&events),
        expect(&[
            ("Diverted", "callForwardUnavailable", B, "null"),
            ("Delivered", "callForwardUnavailable", C, "alerting"),
        ])
    );
}

#[test]
fn do_not_disturb_refuses_calls_like_busy() {
    let mut world = World::new();
    let events = world.command(Command::SetDoNotDisturb {
        device: B.into(),
        on: true,
    });
    assert_eq!(
        summary(&events),
        expect(&[("DoNotDisturb", "doNotDisturb", B, "-")])
    );
    let (_, events) = world.place(OUTSIDE, B);
    assert_eq!(
        summary(&events),
        expect(&[("Failed", "doNotDisturb", B, "fail")])
    );
}

#[test]
fn forwarding_loops_end_in_failure() {
    let mut world = World::new();
    set_forwarding(&mut world, B, ForwardingKind::Immediate, "203");
    set_forwarding(&mut world, C, ForwardingKind::Immediate, "202");
    let (_, events) = world.place(OUTSIDE, B);
    let last = events.last().unwrap();
    assert_eq!(
        (last.kind, last.cause.as_str()),
        (EventKind::Failed, "destNotObtainable")
    );
    assert!(events.len() < 20);
}

#[test]
fn presence_follows_the_calls() {
    let mut world = World::new();
    let step = world.step(Input::Signal(Signal::PlaceCall {
        from: A.into(),
        to: B.into(),
    }));
    let statuses: Vec<(String, &str)> = step
        .events
        .iter()
        .filter_map(|e| Some((e.subject.clone(), e.fields.status.as_ref()?.device_state)))
        .collect();
    assert_eq!(
        statuses,
        vec![(A.to_owned(), "busy"), (B.to_owned(), "ringing")]
    );
    let step = world.step(Input::Signal(Signal::HangUp { device: A.into() }));
    let statuses: Vec<&str> = step
        .events
        .iter()
        .filter_map(|e| Some(e.fields.status.as_ref()?.availability))
        .collect();
    assert_eq!(statuses, vec!["available", "available"]);
}

#[test]
fn an_application_sets_the_status_of_its_memberlines_only() {
    let mut config = config(Strategy::Linear);
    config.devices.push(DeviceConfig::new(
        "4722000300",
        Some("300"),
        DeviceKind::Memberline {
            member_id: Some("m1".into()),
            status_source: StatusSource::Application,
        },
    ));
    config.devices.push(DeviceConfig::new(
        "4722000301",
        Some("301"),
        DeviceKind::Memberline {
            member_id: Some("m2".into()),
            status_source: StatusSource::Network,
        },
    ));
    let mut world = World::with(config);
    let step = world.step(Input::Reconfigure(Reconfigure::TerminalStatus {
        device: "4722000300".into(),
        status: TerminalStatus::Busy,
    }));
    assert_eq!(step.events.len(), 1);
    assert_eq!(
        step.events[0].fields.status.as_ref().unwrap().device_state,
        "busy"
    );
    let (_, events) = world.place(OUTSIDE, "300");
    assert_eq!(
        summary(&events),
        expect(&[("Failed", "busy", "4722000300", "fail")])
    );
    let step = world.step(Input::Reconfigure(Reconfigure::TerminalStatus {
        device: "4722000301".into(),
        status: TerminalStatus::Busy,
    }));
    assert_eq!(
        step.result.unwrap_err().name(),
        "requestIncompatibleWithObject"
    );
}
