//! CSTA conformance: each service of the service table in CALL-MODEL.md (and the network's
//! forwarding, queues and failures of the same table), driven from each starting state it
//! allows, against the whole event sequence — type, cause, subject, the subject's connection
//! state, the call, and every device the event names.
//!
//! The expected sequences are written from CALL-MODEL.md; where it is silent (ClearCall's
//! events, the cause of Held, which CSTA fields an event carries), from ECMA-269 (CSTA Phase
//! III) as a CSTA client reads it; those places say so. They are not recorded from the engine.
//!
//! One event is one line: `Type cause subject state #call field=device …`, where `#n` is the
//! call (`100001-n`) and the fields, in this order, are the CSTA ones the event carries:
//! calling, called, alerting, answering, lastRedirection, diverting, newDestination,
//! releasing, holding, retrieving, failing, transferring, transferredTo, transferred
//! (old→new connections), conferencing, conference (connections), queue, queueId, position,
//! queued (numberQueued). A device is written by its name below, which stands for its number
//! *and* its short number: a device shown with another number or short number than the
//! numbering plan resolves is written `number/short` and fails the row.

mod world;

use sentral_domain::directory::{Absence, AbsenceAction, AbsenceKind, Destination, ForwardingKind};
use sentral_domain::{EntityId, Timestamp};
use sentral_engine::{
    AgentState, CallId, Command, DeviceConfig, DeviceKind, DeviceRef, Event, EventFields,
    EventKind, Input, Outcome, Reconfigure, Signal, Strategy,
};
use world::{A, B, C, D, E, OUTSIDE, QUEUE, VIRTUAL, VOICEMAIL, World, forward};

/// The switchboard: a number of the enterprise that forwards to the queue, which the plan
/// reaches on the short number 899 (as the demo's 899 → 4722990000 → queue 800).
const SWITCHBOARD: &str = "4722000000";

/// Names of the devices in the table: `(name, number, short number the plan gives it)`.
const DEVICES: &[(&str, &str, Option<&str>)] = &[
    ("A", A, Some("201")),
    ("B", B, Some("202")),
    ("C", C, Some("203")),
    ("D", D, Some("204")),
    ("E", E, Some("205")),
    ("Q", QUEUE, Some("100")),
    ("V", VIRTUAL, Some("150")),
    ("VM", VOICEMAIL, Some("199")),
    ("SB", SWITCHBOARD, Some("899")),
    ("X", OUTSIDE, None),
];

/// One service from one starting state: `run` brings the world to that state (its events are
/// not compared), performs the service and what the table says follows (answers, timers), and
/// answers those events.
struct Row {
    service: &'static str,
    from: &'static str,
    run: fn(&mut World) -> Vec<Event>,
    expected: &'static [&'static str],
}

/// The table. A, B, C are members (C, D, E are the queue's agents, linear: C first), Q the
/// queue (100), SB the switchboard (899), X an outside caller.
fn table() -> Vec<Row> {
    vec![
        // ---- MakeCall(A → B): A rings first null→initiated, answers →connected; B
        // null→alerting→connected.
        Row {
            service: "MakeCall(A → B)",
            from: "A and B idle",
            run: make_call,
            expected: &[
                "ServiceInitiated makeCall A initiated #1 calling=A",
                "Originated makeCall A connected #1 calling=A called=B",
                "Delivered makeCall B alerting #1 calling=A called=B alerting=B",
                "Established makeCall B connected #1 calling=A called=B answering=B",
            ],
        },
        // Not a service but how a member's own call starts: CALL-MODEL.md's `initiated`, then
        // connected when dialled (ECMA-269 manual origination).
        Row {
            service: "A dials B on the handset",
            from: "A and B idle",
            run: dial_on_handset,
            expected: &[
                "ServiceInitiated newCall A initiated #1 calling=A",
                "Originated newCall A connected #1 calling=A called=B",
                "Delivered newCall B alerting #1 calling=A called=B alerting=B",
                "Established newCall B connected #1 calling=A called=B answering=B",
            ],
        },
        // ---- AnswerCall(B): alerting→connected [Established].
        Row {
            service: "AnswerCall(B)",
            from: "B alerting (X calling)",
            run: answer_alerting,
            expected: &["Established newCall B connected #1 calling=X called=B answering=B"],
        },
        Row {
            service: "AnswerCall(C)",
            from: "C alerting with a queue's offer",
            run: answer_queue_offer,
            expected: &[
                "Established distributed C connected #1 calling=X called=Q answering=C lastRedirection=Q",
            ],
        },
        // ECMA-269: AnswerCall on the initiated connection of a MakeCall (the prompt) is A
        // answering its ringing phone: the MakeCall row's second step.
        Row {
            service: "AnswerCall(A)",
            from: "A initiated by MakeCall",
            run: answer_make_call_prompt,
            expected: &[
                "Originated makeCall A connected #1 calling=A called=B",
                "Delivered makeCall B alerting #1 calling=A called=B alerting=B",
            ],
        },
        // ---- HoldCall / RetrieveCall(A): connected⇄hold; B stays connected. The cause is
        // ECMA-269's `normal` (CALL-MODEL.md names none).
        Row {
            service: "HoldCall(A)",
            from: "A connected with B",
            run: hold,
            expected: &["Held normal A hold #1 holding=A"],
        },
        Row {
            service: "RetrieveCall(A)",
            from: "A hold with B connected",
            run: retrieve,
            expected: &["Retrieved normal A connected #1 retrieving=A"],
        },
        // ---- ClearConnection(A): A →null [ConnectionCleared]; two-party: B →null, then
        // [CallCleared].
        Row {
            service: "ClearConnection(A)",
            from: "A connected with B",
            run: clear_connected,
            expected: &[
                "ConnectionCleared normalClearing A null #1 releasing=A",
                "CallCleared normalClearing A null #1",
            ],
        },
        Row {
            service: "ClearConnection(A)",
            from: "A hold with B connected",
            run: clear_held,
            expected: &[
                "ConnectionCleared normalClearing A null #1 releasing=A",
                "CallCleared normalClearing A null #1",
            ],
        },
        Row {
            service: "ClearConnection(B)",
            from: "B alerting (A calling)",
            run: clear_alerting,
            expected: &[
                "ConnectionCleared normalClearing B null #1 releasing=B",
                "CallCleared normalClearing B null #1",
            ],
        },
        Row {
            service: "ClearConnection(A)",
            from: "A initiated by MakeCall",
            run: clear_initiated,
            expected: &[
                "ConnectionCleared normalClearing A null #1 releasing=A",
                "CallCleared normalClearing A null #1",
            ],
        },
        Row {
            service: "ClearConnection(A)",
            from: "A connected in a conference with B and C",
            run: clear_in_conference,
            expected: &["ConnectionCleared normalClearing A null #1 releasing=A"],
        },
        Row {
            service: "ClearConnection(X)",
            from: "X waiting in the queue (no agent free)",
            run: clear_queued_caller,
            expected: &[
                "ConnectionCleared normalClearing X null #1 releasing=X",
                "CallCleared normalClearing X null #1",
            ],
        },
        // ---- ClearCall: CALL-MODEL.md names it without its events; ECMA-269 Clear Call: a
        // ConnectionCleared for each connection (the calling device first), then CallCleared.
        Row {
            service: "ClearCall",
            from: "A connected with B",
            run: clear_call_connected,
            expected: &[
                "ConnectionCleared normalClearing A null #1 releasing=A",
                "ConnectionCleared normalClearing B null #1 releasing=B",
                "CallCleared normalClearing A null #1",
            ],
        },
        Row {
            service: "ClearCall",
            from: "A connected, B alerting",
            run: clear_call_alerting,
            expected: &[
                "ConnectionCleared normalClearing A null #1 releasing=A",
                "ConnectionCleared normalClearing B null #1 releasing=B",
                "CallCleared normalClearing A null #1",
            ],
        },
        Row {
            service: "ClearCall",
            from: "A, B and C in a conference",
            run: clear_call_conference,
            expected: &[
                "ConnectionCleared normalClearing A null #1 releasing=A",
                "ConnectionCleared normalClearing B null #1 releasing=B",
                "ConnectionCleared normalClearing C null #1 releasing=C",
                "CallCleared normalClearing A null #1",
            ],
        },
        Row {
            service: "ClearCall",
            from: "X waiting in the queue (no agent free)",
            run: clear_call_queued,
            expected: &[
                "ConnectionCleared normalClearing X null #1 releasing=X",
                "ConnectionCleared normalClearing Q null #1 releasing=Q",
                "CallCleared normalClearing X null #1",
            ],
        },
        // ---- ConsultationCall(A, C): call 1 held [Held, consultation]; call 2
        // initiated→connected; C alerting→connected.
        Row {
            service: "ConsultationCall(A, C)",
            from: "A connected with B",
            run: consultation,
            expected: &[
                "Held consultation A hold #1 holding=A",
                "ServiceInitiated consultation A initiated #2 calling=A",
                "Originated consultation A connected #2 calling=A called=C",
                "Delivered consultation C alerting #2 calling=A called=C alerting=C",
                "Established consultation C connected #2 calling=A called=C answering=C",
            ],
        },
        // ---- TransferCall(held, active): A →null in both [Transferred, old→new]; B and C
        // in the resulting call (the active one).
        Row {
            service: "TransferCall(#1 held, #2 active)",
            from: "A hold with B, A connected with C",
            run: transfer_connected,
            expected: &[
                "Transferred transfer A null #2 transferring=A transferredTo=C transferred=[B #1→#2, C #2→#2]",
            ],
        },
        // ECMA-269 also transfers while the consulted party still rings; it answers later.
        Row {
            service: "TransferCall(#1 held, #2 active)",
            from: "A hold with B, C alerting",
            run: transfer_alerting,
            expected: &[
                "Transferred transfer A null #2 transferring=A transferredTo=C transferred=[B #1→#2, C #2→#2]",
                "Established consultation C connected #2 calling=B called=C answering=C",
            ],
        },
        // ---- SingleStepTransferCall(A, C): A →null [Transferred, singleStepTransfer]; B stays
        // connected; C null→alerting→connected.
        Row {
            service: "SingleStepTransferCall(A, C)",
            from: "A connected with B",
            run: single_step_transfer,
            expected: &[
                "Transferred singleStepTransfer A null #1 transferring=A transferredTo=C transferred=[B #1→#1]",
                "Delivered singleStepTransfer C alerting #1 calling=B called=C alerting=C lastRedirection=A",
                "Established singleStepTransfer C connected #1 calling=B called=C answering=C lastRedirection=A",
            ],
        },
        // ---- ConferenceCall(held, active): A hold→connected [Conferenced]; B, C connected.
        Row {
            service: "ConferenceCall(#1 held, #2 active)",
            from: "A hold with B, A connected with C",
            run: conference,
            expected: &[
                "Conferenced conference A connected #1 conferencing=A conference=[A #1, B #1, C #1]",
            ],
        },
        // ---- DeflectCall(B alerting, C): B alerting→null [Diverted, redirected]; C
        // null→alerting [Delivered].
        Row {
            service: "DeflectCall(B, C)",
            from: "B alerting (A calling)",
            run: deflect,
            expected: &[
                "Diverted redirected B null #1 calling=A called=B diverting=B newDestination=C",
                "Delivered redirected C alerting #1 calling=A called=B alerting=C lastRedirection=B",
            ],
        },
        Row {
            service: "DeflectCall(C, A)",
            from: "C alerting with a queue's offer",
            run: deflect_queue_offer,
            expected: &[
                "Diverted redirected C null #1 calling=X called=Q diverting=C newDestination=A",
                "Delivered redirected A alerting #1 calling=X called=Q alerting=A lastRedirection=C",
            ],
        },
        // ---- Forwarding (network): immediate never alerts; busy / no answer →null
        // [Diverted, callForward*]; the target alerts.
        Row {
            service: "Forwarding immediate (B → C)",
            from: "B idle",
            run: forward_immediate,
            expected: &[
                "Diverted callForwardImmediate B null #1 calling=X called=B diverting=B newDestination=C",
                "Delivered callForwardImmediate C alerting #1 calling=X called=B alerting=C lastRedirection=B",
            ],
        },
        Row {
            service: "Forwarding busy (B → C)",
            from: "B connected with A",
            run: forward_busy,
            expected: &[
                "Diverted callForwardBusy B null #2 calling=X called=B diverting=B newDestination=C",
                "Delivered callForwardBusy C alerting #2 calling=X called=B alerting=C lastRedirection=B",
            ],
        },
        Row {
            service: "Forwarding no answer (B → C)",
            from: "B idle, rings 20 s",
            run: forward_no_answer,
            expected: &[
                "Delivered newCall B alerting #1 calling=X called=B alerting=B",
                "Diverted callForwardNoAnswer B null #1 calling=X called=B diverting=B newDestination=C",
                "Delivered callForwardNoAnswer C alerting #1 calling=X called=B alerting=C lastRedirection=B",
            ],
        },
        // Routing step 2, the demo's Ola: an absence to 899 is one hop to the switchboard the
        // plan resolves 899 to, whose own forwarding is the second hop, into the queue.
        Row {
            service: "Forwarding by absence (B → 899)",
            from: "B in a meeting",
            run: absence_to_switchboard,
            expected: &[
                "Diverted absence B null #1 calling=X called=B diverting=B newDestination=SB",
                "Diverted callForwardImmediate SB null #1 calling=X called=B diverting=SB newDestination=Q",
                "Queued callForwardImmediate Q queued #1 calling=X called=B lastRedirection=SB queue=Q queueId=q1 position=1 queued=1",
                "Diverted distributed Q null #1 calling=X called=B diverting=Q newDestination=C queueId=q1",
                "Delivered distributed C alerting #1 calling=X called=B alerting=C lastRedirection=Q",
            ],
        },
        // ---- Queue: the queue device →queued [Queued]; agent chosen [Diverted,
        // distributed]; agent alerting→connected. Queued repeats why the call came (newCall),
        // as Delivered does; ECMA-269 gives it the calling, called and last redirection device.
        Row {
            service: "Queue (X → 100)",
            from: "agent C free",
            run: queue_agent_free,
            expected: &[
                "Queued newCall Q queued #1 calling=X called=Q queue=Q queueId=q1 position=1 queued=1",
                "Diverted distributed Q null #1 calling=X called=Q diverting=Q newDestination=C queueId=q1",
                "Delivered distributed C alerting #1 calling=X called=Q alerting=C lastRedirection=Q",
                "Established distributed C connected #1 calling=X called=Q answering=C lastRedirection=Q",
            ],
        },
        Row {
            service: "Queue (X → 100)",
            from: "no agent free, then C ready",
            run: queue_agent_later,
            expected: &[
                "Queued newCall Q queued #1 calling=X called=Q queue=Q queueId=q1 position=1 queued=1",
                "Diverted distributed Q null #1 calling=X called=Q diverting=Q newDestination=C queueId=q1",
                "Delivered distributed C alerting #1 calling=X called=Q alerting=C lastRedirection=Q",
            ],
        },
        // ---- Failure at B: →fail [Failed, busy / destNotObtainable / callNotAnswered].
        Row {
            service: "Failure at B (busy)",
            from: "B connected with A, no forwarding",
            run: fail_busy,
            expected: &["Failed busy B fail #2 calling=X called=B failing=B"],
        },
        Row {
            service: "Failure at B (destNotObtainable)",
            from: "B switched off, no forwarding",
            run: fail_off,
            expected: &["Failed destNotObtainable B fail #1 calling=X called=B failing=B"],
        },
        Row {
            service: "Failure at B (callNotAnswered)",
            from: "B idle, rings 20 s, no forwarding",
            run: fail_no_answer,
            expected: &[
                "Delivered newCall B alerting #1 calling=X called=B alerting=B",
                "Failed callNotAnswered B fail #1 calling=X called=B failing=B",
            ],
        },
    ]
}

#[test]
fn every_service_from_every_starting_state_gives_the_call_model_events() {
    let mut differences = Vec::new();
    for row in table() {
        let mut world = conformance_world();
        let events = (row.run)(&mut world);
        let got: Vec<String> = events
            .iter()
            .filter(|e| is_call_event(e.kind))
            .map(line)
            .collect();
        if got != row.expected {
            differences.push(format!(
                "{} from {}:\n  expected:\n    {}\n  got:\n    {}",
                row.service,
                row.from,
                row.expected.join("\n    "),
                got.join("\n    ")
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} rows differ from CALL-MODEL.md:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

#[test]
fn the_table_covers_every_row_of_the_service_table() {
    let table = table();
    for service in [
        "MakeCall",
        "AnswerCall",
        "HoldCall",
        "RetrieveCall",
        "ClearConnection",
        "ClearCall",
        "ConsultationCall",
        "TransferCall",
        "SingleStepTransferCall",
        "ConferenceCall",
        "DeflectCall",
        "Forwarding immediate",
        "Forwarding busy",
        "Forwarding no answer",
        "Queue",
        "Failure at B (busy)",
        "Failure at B (destNotObtainable)",
        "Failure at B (callNotAnswered)",
    ] {
        assert!(
            table.iter().any(|row| row.service.starts_with(service)),
            "no row for {service}"
        );
    }
}

/// A service from a starting state the table does not allow: refused with its CSTA error
/// (ECMA-269 names), no event, nothing changed.
struct Refusal {
    service: &'static str,
    from: &'static str,
    run: fn(&mut World) -> Input,
    error: &'static str,
}

fn refusals() -> Vec<Refusal> {
    vec![
        Refusal {
            service: "AnswerCall(B)",
            from: "B connected",
            run: |w| {
                let call = a_with_b(w);
                Input::Command(Command::AnswerCall {
                    call,
                    device: B.into(),
                })
            },
            error: "invalidConnectionState",
        },
        Refusal {
            service: "HoldCall(B)",
            from: "B alerting",
            run: |w| {
                let (call, _) = w.place(A, B);
                Input::Command(Command::HoldCall {
                    call,
                    device: B.into(),
                })
            },
            error: "invalidConnectionState",
        },
        Refusal {
            service: "RetrieveCall(A)",
            from: "A connected",
            run: |w| {
                let call = a_with_b(w);
                Input::Command(Command::RetrieveCall {
                    call,
                    device: A.into(),
                })
            },
            error: "invalidConnectionState",
        },
        Refusal {
            service: "ClearConnection(C)",
            from: "C not in the call",
            run: |w| {
                let call = a_with_b(w);
                Input::Command(Command::ClearConnection {
                    call,
                    device: C.into(),
                })
            },
            error: "invalidConnectionIdentifier",
        },
        Refusal {
            service: "ClearCall",
            from: "no such call",
            run: |_| Input::Command(Command::ClearCall { call: CallId(99) }),
            error: "invalidCallIdentifier",
        },
        Refusal {
            service: "ConsultationCall(A, C)",
            from: "A hold",
            run: |w| {
                let call = a_with_b(w);
                hold_a(w, call);
                Input::Command(Command::ConsultationCall {
                    call,
                    device: A.into(),
                    to: "203".into(),
                })
            },
            error: "invalidConnectionState",
        },
        Refusal {
            service: "SingleStepTransferCall(B, C)",
            from: "B alerting",
            run: |w| {
                let (call, _) = w.place(A, B);
                Input::Command(Command::SingleStepTransferCall {
                    call,
                    device: B.into(),
                    to: "203".into(),
                })
            },
            error: "invalidConnectionState",
        },
        Refusal {
            service: "TransferCall(#1, #2)",
            from: "A connected in both",
            run: |w| {
                let first = a_with_b(w);
                let second = w.connected(A, C);
                Input::Command(Command::TransferCall {
                    device: A.into(),
                    held_call: first,
                    active_call: second,
                })
            },
            error: "invalidConnectionState",
        },
        Refusal {
            service: "ConferenceCall(#1 held, #2 active)",
            from: "A hold with B, C alerting",
            run: |w| {
                let (first, second) = a_consulting_c(w, false);
                Input::Command(Command::ConferenceCall {
                    device: A.into(),
                    held_call: first,
                    active_call: second,
                })
            },
            error: "invalidConnectionState",
        },
        Refusal {
            service: "DeflectCall(B, C)",
            from: "B connected",
            run: |w| {
                let call = a_with_b(w);
                Input::Command(Command::DeflectCall {
                    call,
                    device: B.into(),
                    to: "203".into(),
                })
            },
            error: "invalidConnectionState",
        },
        Refusal {
            service: "MakeCall(Q → B)",
            from: "Q a queue, no phone",
            run: |_| {
                Input::Command(Command::MakeCall {
                    calling: QUEUE.into(),
                    called: "202".into(),
                })
            },
            error: "requestIncompatibleWithObject",
        },
    ]
}

#[test]
fn a_service_from_a_state_it_does_not_allow_is_refused_without_events() {
    let mut differences = Vec::new();
    for refusal in refusals() {
        let mut world = conformance_world();
        let input = (refusal.run)(&mut world);
        let before = world.engine.snapshot_enterprise();
        let step = world.step(input);
        let got = match &step.result {
            Ok(outcome) => format!("accepted: {outcome:?}"),
            Err(error) => error.name().to_owned(),
        };
        let after = world.engine.snapshot_enterprise();
        if got != refusal.error || !step.events.is_empty() || after != before {
            differences.push(format!(
                "{} from {}: expected {}, got {got} with {} events{}",
                refusal.service,
                refusal.from,
                refusal.error,
                step.events.len(),
                if after == before {
                    ""
                } else {
                    ", state changed"
                }
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

// ---- the world --------------------------------------------------------------------------

/// The scenario world of the other engine tests, plus the switchboard and its short number.
fn conformance_world() -> World {
    let mut config = world::config(Strategy::Linear);
    config.devices.push(DeviceConfig::new(
        SWITCHBOARD,
        None,
        DeviceKind::Virtual {
            target: "100".into(),
        },
    ));
    config
        .short_aliases
        .push(("899".into(), SWITCHBOARD.into()));
    World::with(config)
}

fn is_call_event(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::ServiceInitiated
            | EventKind::Originated
            | EventKind::Delivered
            | EventKind::Established
            | EventKind::Held
            | EventKind::Retrieved
            | EventKind::ConnectionCleared
            | EventKind::CallCleared
            | EventKind::Transferred
            | EventKind::Conferenced
            | EventKind::Diverted
            | EventKind::Queued
            | EventKind::Failed
    )
}

fn name_of_number(number: &str) -> String {
    DEVICES
        .iter()
        .find(|(_, n, _)| *n == number)
        .map_or_else(|| number.to_owned(), |(name, _, _)| (*name).to_owned())
}

/// A device's name when both its number and its short number are the plan's.
fn device(device: &DeviceRef) -> String {
    let known = DEVICES.iter().find(|(_, number, short)| {
        *number == device.device_id && *short == device.short_number.as_deref()
    });
    match known {
        Some((name, _, _)) => (*name).to_owned(),
        None => format!(
            "{}/{}",
            device.device_id,
            device.short_number.as_deref().unwrap_or("-")
        ),
    }
}

fn call_number(call_id: &str) -> String {
    format!("#{}", call_id.rsplit_once('-').map_or(call_id, |(_, n)| n))
}

fn line(event: &Event) -> String {
    // Destructured whole, so that a field added to events must be rendered here too.
    let EventFields {
        call_id,
        local_connection_info,
        calling_device,
        called_device,
        alerting_device,
        answering_device,
        last_redirection_device,
        diverting_device,
        new_destination,
        releasing_device,
        holding_device,
        retrieving_device,
        failing_device,
        transferring_device,
        transferred_to_device,
        transferred_connections,
        conferencing_device,
        conference_connections,
        queue,
        queue_id,
        queue_position,
        number_queued,
        agent_device,
        agent_state,
        reason,
        forwarding,
        do_not_disturb,
        status,
    } = &event.fields;
    let mut parts = vec![
        event.kind.as_str().to_owned(),
        event.cause.as_str().to_owned(),
        name_of_number(&event.subject),
        local_connection_info.map_or("-", |s| s.as_str()).to_owned(),
    ];
    if let Some(call) = call_id {
        parts.push(call_number(call));
    }
    let devices = [
        ("calling", calling_device),
        ("called", called_device),
        ("alerting", alerting_device),
        ("answering", answering_device),
        ("lastRedirection", last_redirection_device),
        ("diverting", diverting_device),
        ("newDestination", new_destination),
        ("releasing", releasing_device),
        ("holding", holding_device),
        ("retrieving", retrieving_device),
        ("failing", failing_device),
        ("transferring", transferring_device),
        ("transferredTo", transferred_to_device),
    ];
    for (name, value) in devices {
        if let Some(value) = value {
            parts.push(format!("{name}={}", device(value)));
        }
    }
    if !transferred_connections.is_empty() {
        let moves: Vec<String> = transferred_connections
            .iter()
            .map(|m| {
                format!(
                    "{} {}→{}",
                    name_of_number(&m.old_connection.device_id),
                    call_number(&m.old_connection.call_id),
                    call_number(&m.new_connection.call_id)
                )
            })
            .collect();
        parts.push(format!("transferred=[{}]", moves.join(", ")));
    }
    if let Some(value) = conferencing_device {
        parts.push(format!("conferencing={}", device(value)));
    }
    if !conference_connections.is_empty() {
        let members: Vec<String> = conference_connections
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    name_of_number(&c.device_id),
                    call_number(&c.call_id)
                )
            })
            .collect();
        parts.push(format!("conference=[{}]", members.join(", ")));
    }
    if let Some(value) = queue {
        parts.push(format!("queue={}", device(value)));
    }
    if let Some(value) = queue_id {
        parts.push(format!("queueId={value}"));
    }
    if let Some(value) = queue_position {
        parts.push(format!("position={value}"));
    }
    if let Some(value) = number_queued {
        parts.push(format!("queued={value}"));
    }
    if let Some(value) = agent_device {
        parts.push(format!("agent={}", device(value)));
    }
    if let Some(value) = agent_state {
        parts.push(format!("agentState={value}"));
    }
    if let Some(value) = reason {
        parts.push(format!("reason={value}"));
    }
    if let Some(value) = forwarding {
        parts.push(format!("forwarding={}", value.forwarding_type));
    }
    if let Some(value) = do_not_disturb {
        parts.push(format!("doNotDisturb={value}"));
    }
    if let Some(value) = status {
        parts.push(format!("status={}", value.availability));
    }
    parts.join(" ")
}

// ---- the starting states and the services -----------------------------------------------

fn command(world: &mut World, command: Command) -> Vec<Event> {
    world.command(command)
}

/// MakeCall from A to B's short number; answers the call.
fn start_make_call(world: &mut World) -> (CallId, Vec<Event>) {
    let step = world.step(Input::Command(Command::MakeCall {
        calling: A.into(),
        called: "202".into(),
    }));
    match step.result {
        Ok(Outcome::Call { call, .. }) => (call, world::calls_only(step.events)),
        other => panic!("MakeCall: {other:?}"),
    }
}

/// A has called B, B answered: call 1.
fn a_with_b(world: &mut World) -> CallId {
    world.connected(A, B)
}

/// A held call 1 with B for a consultation call 2 to C; C answered if `answered`.
fn a_consulting_c(world: &mut World, answered: bool) -> (CallId, CallId) {
    let first = a_with_b(world);
    let step = world.step(Input::Command(Command::ConsultationCall {
        call: first,
        device: A.into(),
        to: "203".into(),
    }));
    let Ok(Outcome::Call { call: second, .. }) = step.result else {
        panic!("ConsultationCall: {:?}", step.result)
    };
    if answered {
        world.answer(C);
    }
    (first, second)
}

/// A, B and C in one conference: call 1.
fn in_conference(world: &mut World) -> CallId {
    let (first, second) = a_consulting_c(world, true);
    command(
        world,
        Command::ConferenceCall {
            device: A.into(),
            held_call: first,
            active_call: second,
        },
    );
    first
}

/// No agent of the queue is free (all notReady, still logged on).
fn agents_not_ready(world: &mut World) {
    for agent in [C, D, E] {
        command(
            world,
            Command::SetAgentState {
                device: agent.into(),
                queue: None,
                state: AgentState::NotReady { reason: None },
            },
        );
    }
}

fn set_forwarding(world: &mut World, kind: ForwardingKind, to: &str) {
    world.ok(Input::Reconfigure(Reconfigure::Forwarding {
        device: B.into(),
        forwarding: forward(kind, to),
    }));
}

fn make_call(world: &mut World) -> Vec<Event> {
    let (call, mut events) = start_make_call(world);
    events.extend(world.answer(A));
    events.extend(command(
        world,
        Command::AnswerCall {
            call,
            device: B.into(),
        },
    ));
    events
}

fn dial_on_handset(world: &mut World) -> Vec<Event> {
    let (_, mut events) = world.place(A, "202");
    events.extend(world.answer(B));
    events
}

fn answer_alerting(world: &mut World) -> Vec<Event> {
    let (call, _) = world.place(OUTSIDE, B);
    command(
        world,
        Command::AnswerCall {
            call,
            device: B.into(),
        },
    )
}

fn answer_queue_offer(world: &mut World) -> Vec<Event> {
    let (call, _) = world.place(OUTSIDE, "100");
    command(
        world,
        Command::AnswerCall {
            call,
            device: C.into(),
        },
    )
}

fn answer_make_call_prompt(world: &mut World) -> Vec<Event> {
    let (call, _) = start_make_call(world);
    command(
        world,
        Command::AnswerCall {
            call,
            device: A.into(),
        },
    )
}

fn hold(world: &mut World) -> Vec<Event> {
    let call = a_with_b(world);
    command(
        world,
        Command::HoldCall {
            call,
            device: A.into(),
        },
    )
}

fn retrieve(world: &mut World) -> Vec<Event> {
    let call = a_with_b(world);
    hold_a(world, call);
    command(
        world,
        Command::RetrieveCall {
            call,
            device: A.into(),
        },
    )
}

fn hold_a(world: &mut World, call: CallId) {
    command(
        world,
        Command::HoldCall {
            call,
            device: A.into(),
        },
    );
}

fn clear_connection(world: &mut World, call: CallId, device: &str) -> Vec<Event> {
    command(
        world,
        Command::ClearConnection {
            call,
            device: device.into(),
        },
    )
}

fn clear_connected(world: &mut World) -> Vec<Event> {
    let call = a_with_b(world);
    clear_connection(world, call, A)
}

fn clear_held(world: &mut World) -> Vec<Event> {
    let call = a_with_b(world);
    hold_a(world, call);
    clear_connection(world, call, A)
}

fn clear_alerting(world: &mut World) -> Vec<Event> {
    let (call, _) = world.place(A, "202");
    clear_connection(world, call, B)
}

fn clear_initiated(world: &mut World) -> Vec<Event> {
    let (call, _) = start_make_call(world);
    clear_connection(world, call, A)
}

fn clear_in_conference(world: &mut World) -> Vec<Event> {
    let call = in_conference(world);
    clear_connection(world, call, A)
}

fn clear_queued_caller(world: &mut World) -> Vec<Event> {
    agents_not_ready(world);
    let (call, _) = world.place(OUTSIDE, "100");
    clear_connection(world, call, OUTSIDE)
}

fn clear_call(world: &mut World, call: CallId) -> Vec<Event> {
    command(world, Command::ClearCall { call })
}

fn clear_call_connected(world: &mut World) -> Vec<Event> {
    let call = a_with_b(world);
    clear_call(world, call)
}

fn clear_call_alerting(world: &mut World) -> Vec<Event> {
    let (call, _) = world.place(A, "202");
    clear_call(world, call)
}

fn clear_call_conference(world: &mut World) -> Vec<Event> {
    let call = in_conference(world);
    clear_call(world, call)
}

fn clear_call_queued(world: &mut World) -> Vec<Event> {
    agents_not_ready(world);
    let (call, _) = world.place(OUTSIDE, "100");
    clear_call(world, call)
}

fn consultation(world: &mut World) -> Vec<Event> {
    let first = a_with_b(world);
    let mut events = command(
        world,
        Command::ConsultationCall {
            call: first,
            device: A.into(),
            to: "203".into(),
        },
    );
    events.extend(world.answer(C));
    events
}

fn transfer(world: &mut World, first: CallId, second: CallId) -> Vec<Event> {
    command(
        world,
        Command::TransferCall {
            device: A.into(),
            held_call: first,
            active_call: second,
        },
    )
}

fn transfer_connected(world: &mut World) -> Vec<Event> {
    let (first, second) = a_consulting_c(world, true);
    transfer(world, first, second)
}

fn transfer_alerting(world: &mut World) -> Vec<Event> {
    let (first, second) = a_consulting_c(world, false);
    let mut events = transfer(world, first, second);
    events.extend(world.answer(C));
    events
}

fn single_step_transfer(world: &mut World) -> Vec<Event> {
    let call = a_with_b(world);
    let mut events = command(
        world,
        Command::SingleStepTransferCall {
            call,
            device: A.into(),
            to: "203".into(),
        },
    );
    events.extend(world.answer(C));
    events
}

fn conference(world: &mut World) -> Vec<Event> {
    let (first, second) = a_consulting_c(world, true);
    command(
        world,
        Command::ConferenceCall {
            device: A.into(),
            held_call: first,
            active_call: second,
        },
    )
}

fn deflect(world: &mut World) -> Vec<Event> {
    let (call, _) = world.place(A, "202");
    command(
        world,
        Command::DeflectCall {
            call,
            device: B.into(),
            to: "203".into(),
        },
    )
}

fn deflect_queue_offer(world: &mut World) -> Vec<Event> {
    let (call, _) = world.place(OUTSIDE, "100");
    command(
        world,
        Command::DeflectCall {
            call,
            device: C.into(),
            to: "201".into(),
        },
    )
}

fn forward_immediate(world: &mut World) -> Vec<Event> {
    set_forwarding(world, ForwardingKind::Immediate, "203");
    world.place(OUTSIDE, B).1
}

fn forward_busy(world: &mut World) -> Vec<Event> {
    a_with_b(world);
    set_forwarding(world, ForwardingKind::Busy, "203");
    world.place(OUTSIDE, B).1
}

fn forward_no_answer(world: &mut World) -> Vec<Event> {
    set_forwarding(world, ForwardingKind::NoAnswer, "203");
    let (_, mut events) = world.place(OUTSIDE, B);
    events.extend(world.advance(20));
    events
}

fn absence_to_switchboard(world: &mut World) -> Vec<Event> {
    let at = |seconds: i64| Timestamp::from_millis(world.now + seconds * 1000);
    let meeting = Absence {
        id: EntityId::new("abs_meeting"),
        member_id: EntityId::new("m2"),
        kind: AbsenceKind::Meeting,
        from: at(-60),
        until: at(3600),
        note: Some("Styremøte".into()),
        action: AbsenceAction::ForwardTo(Destination::Short("899".into())),
        created_at: at(-60),
        updated_at: at(-60),
    };
    world.ok(Input::Reconfigure(Reconfigure::Absences {
        device: B.into(),
        absences: vec![meeting],
    }));
    world.place(OUTSIDE, B).1
}

fn queue_agent_free(world: &mut World) -> Vec<Event> {
    let (_, mut events) = world.place(OUTSIDE, "100");
    events.extend(world.answer(C));
    events
}

fn queue_agent_later(world: &mut World) -> Vec<Event> {
    agents_not_ready(world);
    let (_, mut events) = world.place(OUTSIDE, "100");
    events.extend(command(
        world,
        Command::SetAgentState {
            device: C.into(),
            queue: None,
            state: AgentState::Ready,
        },
    ));
    events
}

fn fail_busy(world: &mut World) -> Vec<Event> {
    a_with_b(world);
    world.place(OUTSIDE, B).1
}

fn fail_off(world: &mut World) -> Vec<Event> {
    world.signal(Signal::Power {
        device: B.into(),
        on: false,
    });
    world.place(OUTSIDE, B).1
}

fn fail_no_answer(world: &mut World) -> Vec<Event> {
    let (_, mut events) = world.place(OUTSIDE, B);
    events.extend(world.advance(20));
    events
}
