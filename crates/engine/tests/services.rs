//! One scenario per row of the service table in CALL-MODEL.md: the exact event sequence.

mod world;

use sentral_engine::{
    CallId, Command, ConnectionState, CstaError, EventKind, Input, Outcome, Signal,
};
use world::*;

fn make_call(world: &mut World, from: &str, to: &str) -> (CallId, Vec<sentral_engine::Event>) {
    let step = world.step(Input::Command(Command::MakeCall {
        calling: from.into(),
        called: to.into(),
    }));
    match step.result {
        Ok(Outcome::Call { call, .. }) => (call, calls_only(step.events)),
        other => panic!("MakeCall: {other:?}"),
    }
}

#[test]
fn make_call_rings_the_caller_first_then_the_called_device() {
    let mut world = World::new();
    let (call, events) = make_call(&mut world, A, "202");
    assert_eq!(
        summary(&events),
        expect(&[("ServiceInitiated", "makeCall", A, "initiated")])
    );
    let events = world.answer(A);
    assert_eq!(
        summary(&events),
        expect(&[
            ("Originated", "makeCall", A, "connected"),
            ("Delivered", "makeCall", B, "alerting"),
        ])
    );
    let delivered = &events[1];
    assert_eq!(
        delivered.fields.calling_device.as_ref().unwrap().device_id,
        A
    );
    assert_eq!(
        delivered
            .fields
            .called_device
            .as_ref()
            .unwrap()
            .short_number
            .as_deref(),
        Some("202")
    );
    assert_eq!(delivered.devices, vec![B.to_owned(), A.to_owned()]);
    let events = world.command(Command::AnswerCall {
        call,
        device: B.into(),
    });
    assert_eq!(
        summary(&events),
        expect(&[("Established", "makeCall", B, "connected")])
    );
}

#[test]
fn an_unanswered_make_call_is_given_up_at_the_caller() {
    let mut world = World::new();
    make_call(&mut world, A, B);
    let events = world.advance(30);
    assert_eq!(
        summary(&events),
        expect(&[
            ("ConnectionCleared", "callNotAnswered", A, "null"),
            ("CallCleared", "callNotAnswered", A, "null"),
        ])
    );
    assert_eq!(world.engine.active_calls(), 0);
}

#[test]
fn answer_call_moves_alerting_to_connected() {
    let mut world = World::new();
    let (call, events) = world.place(OUTSIDE, "203");
    assert_eq!(
        summary(&events),
        expect(&[("Delivered", "newCall", C, "alerting")])
    );
    let events = world.command(Command::AnswerCall {
        call,
        device: C.into(),
    });
    assert_eq!(
        summary(&events),
        expect(&[("Established", "newCall", C, "connected")])
    );
    assert_eq!(
        events[0]
            .fields
            .answering_device
            .as_ref()
            .unwrap()
            .short_number
            .as_deref(),
        Some("203")
    );
}

#[test]
fn hold_and_retrieve_leave_the_far_end_connected() {
    let mut world = World::new();
    let call = world.connected(A, B);
    let events = world.command(Command::HoldCall {
        call,
        device: A.into(),
    });
    assert_eq!(summary(&events), expect(&[("Held", "normal", A, "hold")]));
    let snapshot = world.engine.snapshot_call(call).unwrap();
    let b = snapshot
        .connections
        .iter()
        .find(|c| c.device.device_id == B)
        .unwrap();
    assert_eq!(b.state, ConnectionState::Connected);
    let events = world.command(Command::RetrieveCall {
        call,
        device: A.into(),
    });
    assert_eq!(
        summary(&events),
        expect(&[("Retrieved", "normal", A, "connected")])
    );
}

#[test]
fn clear_connection_of_a_two_party_call_clears_the_call() {
    let mut world = World::new();
    let call = world.connected(A, B);
    let events = world.command(Command::ClearConnection {
        call,
        device: A.into(),
    });
    assert_eq!(
        summary(&events),
        expect(&[
            ("ConnectionCleared", "normalClearing", A, "null"),
            ("CallCleared", "normalClearing", A, "null"),
        ])
    );
    assert!(events[1].devices.contains(&B.to_owned()));
    assert!(world.engine.snapshot_call(call).is_err());
}

#[test]
fn consultation_then_transfer_joins_the_far_ends() {
    let mut world = World::new();
    let first = world.connected(B, A);
    let step = world.step(Input::Command(Command::ConsultationCall {
        call: first,
        device: A.into(),
        to: "203".into(),
    }));
    let Ok(Outcome::Call { call: second, .. }) = step.result else {
        panic!("{:?}", step.result)
    };
    assert_eq!(
        summary(&calls_only(step.events)),
        expect(&[
            ("Held", "consultation", A, "hold"),
            ("ServiceInitiated", "consultation", A, "initiated"),
            ("Originated", "consultation", A, "connected"),
            ("Delivered", "consultation", C, "alerting"),
        ])
    );
    world.answer(C);
    let events = world.command(Command::TransferCall {
        device: A.into(),
        held_call: first,
        active_call: second,
    });
    assert_eq!(
        summary(&events),
        expect(&[("Transferred", "transfer", A, "null")])
    );
    let moves: Vec<(String, String, String)> = events[0]
        .fields
        .transferred_connections
        .iter()
        .map(|m| {
            assert_eq!(m.old_connection.device_id, m.new_connection.device_id);
            (
                m.new_connection.device_id.clone(),
                m.old_connection.call_id.clone(),
                m.new_connection.call_id.clone(),
            )
        })
        .collect();
    let (first_ref, second_ref) = (world.call_ref(first), world.call_ref(second));
    assert_eq!(
        moves,
        vec![
            (B.to_owned(), first_ref, second_ref.clone()),
            (C.to_owned(), second_ref.clone(), second_ref),
        ]
    );
    let snapshot = world.engine.snapshot_call(second).unwrap();
    let parties: Vec<_> = snapshot
        .connections
        .iter()
        .map(|c| (c.device.device_id.as_str(), c.state))
        .collect();
    assert_eq!(
        parties,
        vec![
            (C, ConnectionState::Connected),
            (B, ConnectionState::Connected)
        ]
    );
    assert!(world.engine.snapshot_call(first).is_err());
    let events = world.hang_up(B);
    assert_eq!(
        summary(&events),
        expect(&[
            ("ConnectionCleared", "normalClearing", B, "null"),
            ("CallCleared", "normalClearing", B, "null"),
        ])
    );
}

#[test]
fn single_step_transfer_hands_the_far_end_to_a_third_party() {
    let mut world = World::new();
    let call = world.connected(B, A);
    let events = world.command(Command::SingleStepTransferCall {
        call,
        device: A.into(),
        to: "203".into(),
    });
    assert_eq!(
        summary(&events),
        expect(&[
            ("Transferred", "singleStepTransfer", A, "null"),
            ("Delivered", "singleStepTransfer", C, "alerting"),
        ])
    );
    assert_eq!(
        events[1].fields.calling_device.as_ref().unwrap().device_id,
        B
    );
    let events = world.answer(C);
    assert_eq!(
        summary(&events),
        expect(&[("Established", "singleStepTransfer", C, "connected")])
    );
}

#[test]
fn conference_joins_three_and_survives_one_leaving() {
    let mut world = World::new();
    let first = world.connected(B, A);
    let step = world.step(Input::Command(Command::ConsultationCall {
        call: first,
        device: A.into(),
        to: C.into(),
    }));
    let Ok(Outcome::Call { call: second, .. }) = step.result else {
        panic!()
    };
    world.answer(C);
    let events = world.command(Command::ConferenceCall {
        device: A.into(),
        held_call: first,
        active_call: second,
    });
    assert_eq!(
        summary(&events),
        expect(&[("Conferenced", "conference", A, "connected")])
    );
    let mut members: Vec<_> = events[0]
        .fields
        .conference_connections
        .iter()
        .map(|c| c.device_id.clone())
        .collect();
    members.sort();
    assert_eq!(members, vec![A.to_owned(), B.to_owned(), C.to_owned()]);
    let events = world.command(Command::ClearConnection {
        call: first,
        device: A.into(),
    });
    assert_eq!(
        summary(&events),
        expect(&[("ConnectionCleared", "normalClearing", A, "null")])
    );
    let events = world.hang_up(B);
    assert_eq!(
        summary(&events),
        expect(&[
            ("ConnectionCleared", "normalClearing", B, "null"),
            ("CallCleared", "normalClearing", B, "null"),
        ])
    );
}

#[test]
fn deflect_sends_an_alerting_call_on() {
    let mut world = World::new();
    let (call, _) = world.place(A, B);
    let events = world.command(Command::DeflectCall {
        call,
        device: B.into(),
        to: "204".into(),
    });
    assert_eq!(
        summary(&events),
        expect(&[
            ("Diverted", "redirected", B, "null"),
            ("Delivered", "redirected", D, "alerting"),
        ])
    );
    assert_eq!(
        events[1]
            .fields
            .last_redirection_device
            .as_ref()
            .unwrap()
            .device_id,
        B
    );
}

#[test]
fn a_service_that_does_not_fit_the_state_is_refused_and_changes_nothing() {
    let mut world = World::new();
    let (call, _) = world.place(A, B);
    let before = world.engine.snapshot_enterprise();
    let step = world.step(Input::Command(Command::HoldCall {
        call,
        device: B.into(),
    }));
    let Err(error) = step.result else { panic!() };
    assert_eq!(error.name(), "invalidConnectionState");
    assert!(error.to_string().contains("alerting"), "{error}");
    assert!(step.events.is_empty());
    assert_eq!(world.engine.snapshot_enterprise(), before);
    let step = world.step(Input::Command(Command::RetrieveCall {
        call: CallId(999),
        device: A.into(),
    }));
    assert!(matches!(
        step.result,
        Err(CstaError::InvalidCallIdentifier(_))
    ));
    let step = world.step(Input::Command(Command::ClearConnection {
        call,
        device: D.into(),
    }));
    assert!(matches!(
        step.result,
        Err(CstaError::InvalidConnectionIdentifier { .. })
    ));
    let step = world.step(Input::Command(Command::DeflectCall {
        call,
        device: B.into(),
        to: "12".into(),
    }));
    assert_eq!(step.result.unwrap_err().name(), "invalidDestination");
    let step = world.step(Input::Command(Command::MakeCall {
        calling: QUEUE.into(),
        called: B.into(),
    }));
    assert_eq!(
        step.result.unwrap_err().name(),
        "requestIncompatibleWithObject"
    );
    assert_eq!(world.engine.snapshot_enterprise(), before);
}

#[test]
fn transfer_needs_a_held_and_an_active_call() {
    let mut world = World::new();
    let first = world.connected(B, A);
    let second = world.connected(A, C);
    let step = world.step(Input::Command(Command::TransferCall {
        device: A.into(),
        held_call: first,
        active_call: second,
    }));
    assert_eq!(step.result.unwrap_err().name(), "invalidConnectionState");
    assert!(
        step.events
            .iter()
            .all(|e| e.kind == EventKind::StatusChanged)
            || step.events.is_empty()
    );
}

#[test]
fn the_sandbox_can_reject_and_power_off() {
    let mut world = World::new();
    world.place(A, B);
    let events = world.signal(Signal::Reject { device: B.into() });
    assert_eq!(summary(&events), expect(&[("Failed", "busy", B, "fail")]));
    let events = world.hang_up(A);
    assert_eq!(
        summary(&events),
        expect(&[
            ("ConnectionCleared", "normalClearing", A, "null"),
            ("CallCleared", "normalClearing", A, "null"),
        ])
    );
    world.connected(A, B);
    let events = world.signal(Signal::Power {
        device: B.into(),
        on: false,
    });
    assert_eq!(
        summary(&events),
        expect(&[
            ("ConnectionCleared", "networkSignal", B, "null"),
            ("CallCleared", "networkSignal", B, "null"),
        ])
    );
}
