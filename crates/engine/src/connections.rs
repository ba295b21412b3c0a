//! What the services do to connections: make and place calls, answer, originate, reject,
//! hold and clear. The checks that come first are in `services`.

use crate::engine::{Engine, Timer};
use crate::error::CstaError;
use crate::event::{Cause, EventFields, EventKind};
use crate::input::Outcome;
use crate::model::{CallId, ConnectionState, DeviceId, PendingDial};

impl Engine {
    pub(crate) fn make_call(&mut self, calling: &str, called: &str) -> Result<Outcome, CstaError> {
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

    pub(crate) fn place_call(&mut self, from: &str, to: &str) -> Result<Outcome, CstaError> {
        let internal = self.is_enterprise_device(from);
        if internal {
            self.member_device(from)?;
            if self.devices.get(from).is_some_and(|r| r.powered_off) {
                return Err(CstaError::DeviceOutOfService(from.to_owned()));
            }
        } else if self.directory.resolve(from).as_deref() != Some(from) {
            return Err(CstaError::InvalidDeviceIdentifier(from.to_owned()));
        }
        let called = self.resolve(to)?;
        let call = self.new_call(from);
        if internal {
            // Dialled on the handset (ECMA-269 manual origination): off-hook is
            // ServiceInitiated in `initiated`, the digits dialled Originated in `connected`.
            self.originate(call, from, &called, Cause::NewCall);
        } else {
            self.set_connection(call, from, ConnectionState::Connected);
        }
        self.route(call, to, Cause::NewCall);
        Ok(Outcome::Call {
            call,
            device: from.to_owned(),
        })
    }

    /// Answers an initiated MakeCall leg (then dials) or an alerting connection.
    pub(crate) fn answer(&mut self, call: CallId, device: &str) {
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

    /// A member's phone starts a call of its own to `called`: ServiceInitiated (initiated),
    /// then Originated (connected) naming the device dialled.
    pub(crate) fn originate(&mut self, call: CallId, device: &str, called: &str, cause: Cause) {
        self.set_connection(call, device, ConnectionState::Initiated);
        let fields = EventFields {
            calling_device: Some(self.device_ref(device)),
            ..EventFields::default()
        };
        self.emit(
            EventKind::ServiceInitiated,
            cause,
            device,
            Some(call),
            &[],
            fields,
        );
        self.set_connection(call, device, ConnectionState::Connected);
        let fields = EventFields {
            calling_device: Some(self.device_ref(device)),
            called_device: Some(self.device_ref(called)),
            ..EventFields::default()
        };
        self.emit(
            EventKind::Originated,
            cause,
            device,
            Some(call),
            &[],
            fields,
        );
    }

    pub(crate) fn reject(&mut self, call: CallId, device: &str) {
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

    pub(crate) fn hold(&mut self, call: CallId, device: &str, cause: Cause) {
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

    /// ClearCall: every connection ends with its ConnectionCleared, in the call's order (the
    /// calling device first), then CallCleared (ECMA-269 Clear Call; CALL-MODEL.md names the
    /// service but not its events).
    pub(crate) fn clear_every_connection(&mut self, call: CallId) {
        let Some(entry) = self.calls.get(&call) else {
            return;
        };
        let calling = entry.calling.clone();
        // Offers of a queue call end first, as when the caller leaves.
        self.leave_queue(call, Cause::NormalClearing);
        let parties: Vec<DeviceId> = self
            .calls
            .get(&call)
            .map(|c| c.live_parties().map(|p| p.device.clone()).collect())
            .unwrap_or_default();
        for device in &parties {
            self.set_connection(call, device, ConnectionState::Null);
            let fields = EventFields {
                releasing_device: Some(self.device_ref(device)),
                ..EventFields::default()
            };
            self.emit(
                EventKind::ConnectionCleared,
                Cause::NormalClearing,
                device,
                Some(call),
                &[device],
                fields,
            );
        }
        let extra: Vec<&str> = parties.iter().map(String::as_str).collect();
        self.emit(
            EventKind::CallCleared,
            Cause::NormalClearing,
            &calling,
            Some(call),
            &extra,
            EventFields::default(),
        );
        self.calls.remove(&call);
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
}
