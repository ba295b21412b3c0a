//! Call-control services and network signals: which service runs, and the checks it makes
//! first. Every service checks all it needs before it changes anything (the changes are in
//! `connections`), so a refused service leaves the state as it was.

use crate::config::DeviceKind;
use crate::engine::Engine;
use crate::error::CstaError;
use crate::event::{Cause, EventFields, EventKind};
use crate::input::{Command, Outcome, Signal};
use crate::model::{CallId, ConnectionState, DeviceId};

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
                self.clear_every_connection(call);
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
                // A deflected queue offer: the other offers end, the deflecting agent's
                // connection ends with its Diverted (CALL-MODEL: alerting→null [Diverted]).
                self.leave_queue_except(call, Cause::Redirected, Some(&device));
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

    pub(crate) fn connection_state(
        &self,
        call: CallId,
        device: &str,
    ) -> Result<ConnectionState, CstaError> {
        let entry = self.call(call)?;
        entry.connection(device).map(|c| c.state).ok_or_else(|| {
            CstaError::InvalidConnectionIdentifier {
                call: self.call_ref(call),
                device: device.to_owned(),
            }
        })
    }

    pub(crate) fn expect_state(
        &self,
        call: CallId,
        device: &str,
        states: &[ConnectionState],
    ) -> Result<(), CstaError> {
        let state = self.connection_state(call, device)?;
        if states.contains(&state) {
            return Ok(());
        }
        // durable.rs reads these texts back (EXPECTED_STATES there): keep both in step.
        let expected = match states {
            [ConnectionState::Connected] => "connected",
            [ConnectionState::Hold] => "hold",
            [ConnectionState::Alerting] => "alerting",
            _ => "alerting or initiated",
        };
        Err(self.state_error(call, device, state, expected))
    }

    pub(crate) fn state_error(
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

    pub(crate) fn nothing_to(&self, device: &str, what: &str, expected: &'static str) -> CstaError {
        if !self.is_enterprise_device(device) {
            return CstaError::InvalidDeviceIdentifier(device.to_owned());
        }
        CstaError::RequestIncompatibleWithObject(format!(
            "device {device} has no call to {what}: it is not {expected}"
        ))
    }

    /// A device a person holds: a member's mobile or memberline of this enterprise.
    pub(crate) fn member_device(&self, device: &str) -> Result<(), CstaError> {
        match self.kind_of(device) {
            Some(DeviceKind::Mobile { .. } | DeviceKind::Memberline { .. }) => Ok(()),
            Some(_) => Err(CstaError::RequestIncompatibleWithObject(format!(
                "device {device} is a {}; only a member's phone can do this",
                self.kind_of(device).map_or("device", DeviceKind::as_str)
            ))),
            None => Err(CstaError::InvalidDeviceIdentifier(device.to_owned())),
        }
    }

    pub(crate) fn resolve(&self, digits: &str) -> Result<DeviceId, CstaError> {
        self.directory
            .resolve(digits)
            .ok_or_else(|| CstaError::InvalidDestination(digits.to_owned()))
    }

    /// The device's first call (oldest) whose connection is in one of `states`. Outside
    /// numbers have no device record, so their calls are looked up in the calls themselves.
    pub(crate) fn find_connection(
        &self,
        device: &str,
        states: &[ConnectionState],
    ) -> Option<CallId> {
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
}
