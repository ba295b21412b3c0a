//! Call-control services and network signals. Every service checks all it needs before it
//! changes anything, so a refused service leaves the state as it was.

use crate::config::DeviceKind;
use crate::engine::{Engine, Timer};
use crate::error::CstaError;
use crate::event::{Cause, ConnectionRef, EventFields, EventKind, TransferredConnection};
use crate::input::{Command, Outcome, Signal};
use crate::model::{CallId, ConnectionState, DeviceId, PendingDial};

impl Engine {
    pub(crate) fn command(&mut self, command: Command) -> Result<Outcome, CstaError> {
        let outcome = match command {
            Command::MakeCall { calling, called } => return self.make_call(&calling, &called),
            Command::AnswerCall { call, device } => {
                self.expect_state(
                    call,
                    &device,
                    &[ConnectionState::Alerting, ConnectionState::Initiated],
                )?;
                self.answer(call, &device);
                Outcome::Done
            }
            Command::ClearConnection { call, device } => {
                let state = self.connection_state(call, &device)?;
                if state == ConnectionState::Null {
                    return Err(self.state_error(call, &device, state, "not null"));
                }
                self.clear_connection_with(call, &device, Cause::NormalClearing);
                Outcome::Done
            }
            Command::ClearCall { call } => {
                self.call(call)?;
                let calling = self.call(call)?.calling.clone();
                self.clear_call(call, &calling, Cause::NormalClearing);
                Outcome::Done
            }
            Command::HoldCall { call, device } => {
                self.expect_state(call, &device, &[ConnectionState::Connected])?;
                self.hold(call, &device, Cause::Normal);
                Outcome::Done
            }
            Command::RetrieveCall { call, device } => {
                self.expect_state(call, &device, &[ConnectionState::Hold])?;
                self.set_connection(call, &device, ConnectionState::Connected);
                let fields = EventFields {
                    retrieving_device: Some(self.device_ref(&device)),
                    ..EventFields::default()
                };
                self.emit(
                    EventKind::Retrieved,
                    Cause::Normal,
                    &device,
                    Some(call),
                    &[],
                    fields,
                );
                Outcome::Done
            }
            Command::DeflectCall { call, device, to } => {
                self.expect_state(call, &device, &[ConnectionState::Alerting])?;
                self.resolve(&to)?;
                self.leave_queue(call, Cause::Redirected);
                self.divert(call, &device, &to, Cause::Redirected);
                Outcome::Done
            }
            Command::SingleStepTransferCall { call, device, to } => {
                self.expect_state(call, &device, &[ConnectionState::Connected])?;
                let target = self.resolve(&to)?;
                self.single_step_transfer(call, &device, &to, &target);
                Outcome::Done
            }
            Command::ConsultationCall { call, device, to } => {
                self.expect_state(call, &device, &[ConnectionState::Connected])?;
                let target = self.resolve(&to)?;
                return Ok(self.consultation(call, &device, &to, target));
            }
            Command::TransferCall {
                device,
                held_call,
                active_call,
            } => {
                self.check_join(&device, held_call, active_call, false)?;
                self.transfer(&device, held_call, active_call);
                Outcome::Done
            }
            Command::ConferenceCall {
                device,
                held_call,
                active_call,
            } => {
                self.check_join(&device, held_call, active_call, true)?;
                self.conference(&device, held_call, active_call);
                Outcome::Done
            }
            Command::SetDoNotDisturb { device, on } => {
                self.member_device(&device)?;
                if let Some(runtime) = self.devices.get_mut(&device)
                    && runtime.do_not_disturb != on
                {
                    runtime.do_not_disturb = on;
                    let fields = EventFields {
                        do_not_disturb: Some(on),
                        ..EventFields::default()
                    };
                    self.emit(
                        EventKind::DoNotDisturb,
                        Cause::DoNotDisturb,
                        &device,
                        None,
                        &[],
                        fields,
                    );
                    self.touch(&device);
                }
                Outcome::Done
            }
            Command::SetAgentState {
                device,
                queue,
                state,
            } => {
                self.set_agent_state(&device, queue.as_deref(), state)?;
                Outcome::Done
            }
        };
        self.settle();
        Ok(outcome)
    }

    pub(crate) fn signal(&mut self, signal: Signal) -> Result<Outcome, CstaError> {
        let outcome = match signal {
            Signal::PlaceCall { from, to } => self.place_call(&from, &to)?,
            Signal::Answer { device } => {
                let call = self
                    .find_connection(
                        &device,
                        &[ConnectionState::Alerting, ConnectionState::Initiated],
                    )
                    .ok_or_else(|| self.nothing_to(&device, "answer", "alerting"))?;
                self.answer(call, &device);
                Outcome::Done
            }
            Signal::Reject { device } => {
                let call = self
                    .find_connection(
                        &device,
                        &[ConnectionState::Alerting, ConnectionState::Initiated],
                    )
                    .ok_or_else(|| self.nothing_to(&device, "reject", "alerting"))?;
                self.reject(call, &device);
                Outcome::Done
            }
            Signal::HangUp { device } => {
                let call = self
                    .find_connection(
                        &device,
                        &[
                            ConnectionState::Connected,
                            ConnectionState::Initiated,
                            ConnectionState::Alerting,
                            ConnectionState::Fail,
                        ],
                    )
                    .or_else(|| self.find_connection(&device, &[ConnectionState::Hold]))
                    .ok_or_else(|| self.nothing_to(&device, "hang up", "in a call"))?;
                self.clear_connection_with(call, &device, Cause::NormalClearing);
                Outcome::Done
            }
            Signal::Power { device, on } => {
                self.member_device(&device)?;
                let was_off = self.devices.get(&device).is_some_and(|r| r.powered_off);
                if was_off == on {
                    if let Some(runtime) = self.devices.get_mut(&device) {
                        runtime.powered_off = !on;
                    }
                    if !on {
                        let calls = self
                            .devices
                            .get(&device)
                            .map(|r| r.calls.clone())
                            .unwrap_or_default();
                        for call in calls {
                            self.clear_connection_with(call, &device, Cause::NetworkSignal);
                        }
                    }
                    self.touch(&device);
                    self.mark_agent_queues(&device);
                }
                Outcome::Done
            }
        };
        self.settle();
        Ok(outcome)
    }

    // ---- checks -------------------------------------------------------------------------

    fn connection_state(&self, call: CallId, device: &str) -> Result<ConnectionState, CstaError> {
        let entry = self.call(call)?;
        entry.connection(device).map(|c| c.state).ok_or_else(|| {
            CstaError::InvalidConnectionIdentifier {
                call: self.call_ref(call),
                device: device.to_owned(),
            }
        })
    }

    fn expect_state(
        &self,
        call: CallId,
        device: &str,
        states: &[ConnectionState],
    ) -> Result<(), CstaError> {
        let state = self.connection_state(call, device)?;
        if states.contains(&state) {
            return Ok(());
        }
        let expected = match states {
            [ConnectionState::Connected] => "connected",
            [ConnectionState::Hold] => "hold",
            [ConnectionState::Alerting] => "alerting",
            _ => "alerting or initiated",
        };
        Err(self.state_error(call, device, state, expected))
    }

    fn state_error(
        &self,
        call: CallId,
        device: &str,
        state: ConnectionState,
        expected: &'static str,
    ) -> CstaError {
        CstaError::InvalidConnectionState {
            call: self.call_ref(call),
            device: device.to_owned(),
            state: state.as_str(),
            expected,
        }
    }

    fn nothing_to(&self, device: &str, what: &str, expected: &'static str) -> CstaError {
        if !self.is_enterprise_device(device) {
            return CstaError::InvalidDeviceIdentifier(device.to_owned());
        }
        CstaError::RequestIncompatibleWithObject(format!(
            "device {device} has no call to {what}: it is not {expected}"
        ))
    }

    /// A device a person holds: a member's mobile or memberline of this enterprise.
    fn member_device(&self, device: &str) -> Result<(), CstaError> {
        match self.kind_of(device) {
            Some(DeviceKind::Mobile { .. } | DeviceKind::Memberline { .. }) => Ok(()),
            Some(_) => Err(CstaError::RequestIncompatibleWithObject(format!(
                "device {device} is a {}; only a member's phone can do this",
                self.kind_of(device).map_or("device", DeviceKind::as_str)
            ))),
            None => Err(CstaError::InvalidDeviceIdentifier(device.to_owned())),
        }
    }

    fn resolve(&self, digits: &str) -> Result<DeviceId, CstaError> {
        self.directory
            .resolve(digits)
            .ok_or_else(|| CstaError::InvalidDestination(digits.to_owned()))
    }

    /// The device's first call (oldest) whose connection is in one of `states`. Outside
    /// numbers have no device record, so their calls are looked up in the calls themselves.
    fn find_connection(&self, device: &str, states: &[ConnectionState]) -> Option<CallId> {
        let fits = |call: &CallId| {
            self.calls
                .get(call)
                .is_some_and(|c| states.contains(&c.state_of(device)))
        };
        match self.devices.get(device) {
            Some(runtime) => runtime.calls.iter().copied().filter(fits).min(),
            None => self.calls.keys().copied().find(fits),
        }
    }

    // ---- services -----------------------------------------------------------------------

    fn make_call(&mut self, calling: &str, called: &str) -> Result<Outcome, CstaError> {
        self.member_device(calling)?;
        self.resolve(called)?;
        if self.devices.get(calling).is_some_and(|r| r.powered_off) {
            return Err(CstaError::DeviceOutOfService(calling.to_owned()));
        }
        let call = self.new_call(calling);
        if let Some(entry) = self.calls.get_mut(&call) {
            entry.pending_dial = Some(PendingDial {
                digits: called.to_owned(),
            });
        }
        self.set_connection(call, calling, ConnectionState::Initiated);
        let fields = EventFields {
            calling_device: Some(self.device_ref(calling)),
            ..EventFields::default()
        };
        self.emit(
            EventKind::ServiceInitiated,
            Cause::MakeCall,
            calling,
            Some(call),
            &[],
            fields,
        );
        let generation = self
            .calls
            .get(&call)
            .map_or(0, |c| c.generation_of(calling));
        let at = self
            .now
            .plus_seconds(i64::from(self.config.originator_ring_seconds));
        self.schedule(
            at,
            Timer::OriginatorRing {
                call,
                device: calling.to_owned(),
                generation,
            },
        );
        self.settle();
        Ok(Outcome::Call {
            call,
            device: calling.to_owned(),
        })
    }

    fn place_call(&mut self, from: &str, to: &str) -> Result<Outcome, CstaError> {
        let internal = self.is_enterprise_device(from);
        if internal {
            self.member_device(from)?;
            if self.devices.get(from).is_some_and(|r| r.powered_off) {
                return Err(CstaError::DeviceOutOfService(from.to_owned()));
            }
        } else if self.directory.resolve(from).as_deref() != Some(from) {
            return Err(CstaError::InvalidDeviceIdentifier(from.to_owned()));
        }
        self.resolve(to)?;
        let call = self.new_call(from);
        self.set_connection(call, from, ConnectionState::Connected);
        if internal {
            let fields = EventFields {
                calling_device: Some(self.device_ref(from)),
                ..EventFields::default()
            };
            self.emit(
                EventKind::ServiceInitiated,
                Cause::NewCall,
                from,
                Some(call),
                &[],
                fields.clone(),
            );
            self.emit(
                EventKind::Originated,
                Cause::NewCall,
                from,
                Some(call),
                &[],
                fields,
            );
        }
        self.route(call, to, Cause::NewCall);
        Ok(Outcome::Call {
            call,
            device: from.to_owned(),
        })
    }

    /// Answers an initiated MakeCall leg (then dials) or an alerting connection.
    fn answer(&mut self, call: CallId, device: &str) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        if entry.state_of(device) != ConnectionState::Initiated {
            self.answer_alerting(call, device);
            return;
        }
        let pending = entry.pending_dial.take();
        self.set_connection(call, device, ConnectionState::Connected);
        let called = pending
            .as_ref()
            .and_then(|p| self.directory.resolve(&p.digits))
            .map(|d| self.device_ref(&d));
        let fields = EventFields {
            calling_device: Some(self.device_ref(device)),
            called_device: called,
            ..EventFields::default()
        };
        self.emit(
            EventKind::Originated,
            Cause::MakeCall,
            device,
            Some(call),
            &[],
            fields,
        );
        if let Some(pending) = pending {
            self.route(call, &pending.digits, Cause::MakeCall);
        }
    }

    fn reject(&mut self, call: CallId, device: &str) {
        let Some(entry) = self.calls.get(&call) else {
            return;
        };
        if entry.state_of(device) == ConnectionState::Initiated {
            self.clear_connection_with(call, device, Cause::Busy);
            return;
        }
        if entry
            .queue
            .as_ref()
            .is_some_and(|q| q.offered.iter().any(|a| a == device))
        {
            self.offer_unanswered(call, device, Cause::Busy);
            return;
        }
        let target = self
            .directory
            .devices
            .get(device)
            .and_then(|d| {
                d.forwarding
                    .target(sentral_domain::directory::ForwardingKind::Busy)
            })
            .map(|d| d.as_str().to_owned());
        match target {
            Some(target) => self.divert(call, device, &target, Cause::CallForwardBusy),
            None => self.fail(call, device, Cause::Busy),
        }
    }

    fn hold(&mut self, call: CallId, device: &str, cause: Cause) {
        self.set_connection(call, device, ConnectionState::Hold);
        let fields = EventFields {
            holding_device: Some(self.device_ref(device)),
            ..EventFields::default()
        };
        self.emit(EventKind::Held, cause, device, Some(call), &[], fields);
    }

    /// Clears `device`'s connection; a call left with fewer than two parties ends.
    pub(crate) fn clear_connection_with(&mut self, call: CallId, device: &str, cause: Cause) {
        let Some(entry) = self.calls.get(&call) else {
            return;
        };
        let was_alerting_offer = entry.state_of(device) == ConnectionState::Alerting
            && entry
                .queue
                .as_ref()
                .is_some_and(|q| q.offered.iter().any(|a| a == device));
        if was_alerting_offer {
            self.offer_unanswered(call, device, Cause::Busy);
            return;
        }
        let caller_left_queue = entry.queue.is_some() && entry.calling == device;
        self.set_connection(call, device, ConnectionState::Null);
        let fields = EventFields {
            releasing_device: Some(self.device_ref(device)),
            ..EventFields::default()
        };
        self.emit(
            EventKind::ConnectionCleared,
            cause,
            device,
            Some(call),
            &[device],
            fields,
        );
        if caller_left_queue {
            self.leave_queue(call, Cause::NormalClearing);
        }
        let remaining = self.calls.get(&call).map_or(0, |c| c.live_count());
        if remaining < 2 {
            self.clear_call(call, device, cause);
        }
    }

    /// Ends a call: every remaining connection goes null, then CallCleared about the device
    /// whose clearing ended it.
    pub(crate) fn clear_call(&mut self, call: CallId, subject: &str, cause: Cause) {
        self.leave_queue(call, cause);
        let Some(entry) = self.calls.get(&call) else {
            return;
        };
        let parties: Vec<DeviceId> = entry.live_parties().map(|c| c.device.clone()).collect();
        for device in &parties {
            self.set_connection(call, device, ConnectionState::Null);
        }
        let extra: Vec<&str> = parties.iter().map(String::as_str).collect();
        self.emit(
            EventKind::CallCleared,
            cause,
            subject,
            Some(call),
            &extra,
            EventFields::default(),
        );
        if let Some(last) = self.out.last_mut() {
            // The call has no connections left: say so instead of the calling device's.
            last.fields.local_connection_info = Some(ConnectionState::Null);
        }
        self.calls.remove(&call);
    }

    fn single_step_transfer(&mut self, call: CallId, device: &str, to: &str, target: &str) {
        self.set_connection(call, device, ConnectionState::Null);
        let call_ref = self.call_ref(call);
        let remaining: Vec<DeviceId> = self
            .calls
            .get(&call)
            .map(|c| c.live_parties().map(|p| p.device.clone()).collect())
            .unwrap_or_default();
        let transferred_connections = remaining
            .iter()
            .map(|d| TransferredConnection {
                old_connection: ConnectionRef {
                    call_id: call_ref.clone(),
                    device_id: d.clone(),
                },
                new_connection: ConnectionRef {
                    call_id: call_ref.clone(),
                    device_id: d.clone(),
                },
            })
            .collect();
        let fields = EventFields {
            transferring_device: Some(self.device_ref(device)),
            transferred_to_device: Some(self.device_ref(target)),
            transferred_connections,
            ..EventFields::default()
        };
        self.emit(
            EventKind::Transferred,
            Cause::SingleStepTransfer,
            device,
            Some(call),
            &[device],
            fields,
        );
        if let Some(entry) = self.calls.get_mut(&call) {
            if entry.calling == device
                && let Some(first) = remaining.first()
            {
                entry.calling = first.clone();
            }
            entry.called = None;
            entry.last_redirection = Some(device.to_owned());
        }
        self.route(call, to, Cause::SingleStepTransfer);
    }

    fn consultation(&mut self, call: CallId, device: &str, to: &str, target: DeviceId) -> Outcome {
        self.hold(call, device, Cause::Consultation);
        let consult = self.new_call(device);
        if let Some(entry) = self.calls.get_mut(&consult) {
            entry.called = Some(target.clone());
        }
        self.set_connection(consult, device, ConnectionState::Connected);
        let fields = EventFields {
            calling_device: Some(self.device_ref(device)),
            called_device: Some(self.device_ref(&target)),
            ..EventFields::default()
        };
        self.emit(
            EventKind::ServiceInitiated,
            Cause::Consultation,
            device,
            Some(consult),
            &[],
            fields.clone(),
        );
        self.emit(
            EventKind::Originated,
            Cause::Consultation,
            device,
            Some(consult),
            &[],
            fields,
        );
        self.route(consult, to, Cause::Consultation);
        Outcome::Call {
            call: consult,
            device: device.to_owned(),
        }
    }

    /// Transfer and conference join `held_call` (the device on hold) with `active_call` (the
    /// device connected); both need another party, and a conference needs them connected.
    fn check_join(
        &self,
        device: &str,
        held_call: CallId,
        active_call: CallId,
        conference: bool,
    ) -> Result<(), CstaError> {
        if held_call == active_call {
            return Err(CstaError::ValueOutOfRange(
                "heldCall and activeCall must be two different calls".into(),
            ));
        }
        self.expect_state(held_call, device, &[ConnectionState::Hold])?;
        self.expect_state(active_call, device, &[ConnectionState::Connected])?;
        for (call, allowed) in [
            (
                held_call,
                &[ConnectionState::Connected, ConnectionState::Hold][..],
            ),
            (
                active_call,
                if conference {
                    &[ConnectionState::Connected][..]
                } else {
                    &[ConnectionState::Connected, ConnectionState::Alerting][..]
                },
            ),
        ] {
            let entry = self.call(call)?;
            let others: Vec<_> = entry
                .live_parties()
                .filter(|c| c.device != device)
                .collect();
            if others.is_empty() {
                return Err(CstaError::RequestIncompatibleWithObject(format!(
                    "call {} has no other party to join",
                    self.call_ref(call)
                )));
            }
            if let Some(other) = others.iter().find(|c| !allowed.contains(&c.state)) {
                return Err(self.state_error(
                    call,
                    &other.device,
                    other.state,
                    if conference {
                        "connected"
                    } else {
                        "connected or alerting"
                    },
                ));
            }
            if entry.queue.is_some() {
                return Err(CstaError::RequestIncompatibleWithObject(format!(
                    "call {} is waiting in a queue",
                    self.call_ref(call)
                )));
            }
        }
        Ok(())
    }

    /// Moves the parties of `from` (all but `device`) into `into`; `from` ends without
    /// CallCleared, since nobody left it. Returns the moves.
    fn merge(&mut self, device: &str, from: CallId, into: CallId) -> Vec<TransferredConnection> {
        let from_ref = self.call_ref(from);
        let into_ref = self.call_ref(into);
        let Some(old) = self.calls.remove(&from) else {
            return Vec::new();
        };
        let mut moves = Vec::new();
        for connection in old.live_parties().filter(|c| c.device != device) {
            if let Some(entry) = self.calls.get_mut(&into) {
                entry.connections.retain(|c| c.device != connection.device);
                entry.connections.push(connection.clone());
            }
            if let Some(runtime) = self.devices.get_mut(&connection.device) {
                runtime.calls.retain(|c| *c != from);
                if !runtime.calls.contains(&into) {
                    runtime.calls.push(into);
                }
            }
            moves.push(TransferredConnection {
                old_connection: ConnectionRef {
                    call_id: from_ref.clone(),
                    device_id: connection.device.clone(),
                },
                new_connection: ConnectionRef {
                    call_id: into_ref.clone(),
                    device_id: connection.device.clone(),
                },
            });
        }
        if let Some(runtime) = self.devices.get_mut(device) {
            runtime.calls.retain(|c| *c != from);
        }
        if let Some(answered) = old.answered_from_queue
            && let Some(entry) = self.calls.get_mut(&into)
        {
            entry.answered_from_queue.get_or_insert(answered);
        }
        self.touch(device);
        moves
    }

    fn transfer(&mut self, device: &str, held_call: CallId, active_call: CallId) {
        let active_ref = self.call_ref(active_call);
        let stayed: Vec<TransferredConnection> = self
            .calls
            .get(&active_call)
            .map(|c| {
                c.live_parties()
                    .filter(|p| p.device != device)
                    .map(|p| TransferredConnection {
                        old_connection: ConnectionRef {
                            call_id: active_ref.clone(),
                            device_id: p.device.clone(),
                        },
                        new_connection: ConnectionRef {
                            call_id: active_ref.clone(),
                            device_id: p.device.clone(),
                        },
                    })
                    .collect()
            })
            .unwrap_or_default();
        let held_parties: Vec<DeviceId> = self
            .calls
            .get(&held_call)
            .map(|c| c.live_parties().map(|p| p.device.clone()).collect())
            .unwrap_or_default();
        let mut moves = self.merge(device, held_call, active_call);
        moves.extend(stayed);
        self.set_connection(active_call, device, ConnectionState::Null);
        let transferred_to = moves
            .last()
            .map(|m| self.device_ref(&m.new_connection.device_id));
        if let Some(entry) = self.calls.get_mut(&active_call)
            && let Some(first) = held_parties.iter().find(|d| *d != device)
        {
            entry.calling = first.clone();
        }
        let extra: Vec<&str> = held_parties
            .iter()
            .map(String::as_str)
            .chain([device])
            .collect();
        let fields = EventFields {
            transferring_device: Some(self.device_ref(device)),
            transferred_to_device: transferred_to,
            transferred_connections: moves,
            ..EventFields::default()
        };
        self.emit(
            EventKind::Transferred,
            Cause::Transfer,
            device,
            Some(active_call),
            &extra,
            fields,
        );
    }

    fn conference(&mut self, device: &str, held_call: CallId, active_call: CallId) {
        self.merge(device, active_call, held_call);
        self.set_connection(held_call, device, ConnectionState::Connected);
        let held_ref = self.call_ref(held_call);
        let conference_connections = self
            .calls
            .get(&held_call)
            .map(|c| {
                c.live_parties()
                    .map(|p| ConnectionRef {
                        call_id: held_ref.clone(),
                        device_id: p.device.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let fields = EventFields {
            conferencing_device: Some(self.device_ref(device)),
            conference_connections,
            ..EventFields::default()
        };
        self.emit(
            EventKind::Conferenced,
            Cause::Conference,
            device,
            Some(held_call),
            &[],
            fields,
        );
    }
}
