//! Routing a call to what was dialled, in the order of CALL-MODEL.md: numbering plan,
//! absence, forwarding immediate, device off, busy, alerting with a ring time.

use sentral_domain::directory::{AbsenceAction, ForwardingKind};

use crate::config::{DeviceKind, StatusSource};
use crate::engine::{Engine, MAX_DIVERSIONS, Timer};
use crate::event::{Cause, EventFields, EventKind};
use crate::input::TerminalStatus;
use crate::model::{CallId, ConnectionState, DeviceId};

impl Engine {
    /// Routes `call` to `digits`; `cause` is what Delivered will say (newCall, makeCall,
    /// consultation, a diversion …).
    pub(crate) fn route(&mut self, call: CallId, digits: &str, cause: Cause) {
        match self.directory.resolve(digits) {
            Some(device) => self.deliver(call, device, cause),
            None => {
                // A stored diversion target that is no number: the network cannot reach it.
                let device = digits.to_owned();
                self.fail(call, &device, Cause::DestNotObtainable);
            }
        }
    }

    fn deliver(&mut self, call: CallId, device: DeviceId, cause: Cause) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        if entry.called.is_none() {
            entry.called = Some(device.clone());
        }
        if entry.diversions > MAX_DIVERSIONS {
            self.fail(call, &device, Cause::DestNotObtainable);
            return;
        }
        match self.kind_of(&device).cloned() {
            None => {
                let ring = self.config.external_ring_seconds;
                self.alert(call, &device, cause, ring);
            }
            Some(DeviceKind::Virtual { target }) => {
                self.divert(call, &device, &target, Cause::CallForwardImmediate);
            }
            Some(DeviceKind::Voicemail) => {
                self.alert(call, &device, cause, 0);
                self.answer_alerting(call, &device);
            }
            Some(DeviceKind::Queue { queue_id }) => self.enqueue(call, &queue_id, cause),
            Some(DeviceKind::Mobile { .. } | DeviceKind::Memberline { .. }) => {
                self.deliver_to_member(call, &device, cause);
            }
        }
    }

    fn deliver_to_member(&mut self, call: CallId, device: &str, cause: Cause) {
        if let Some(target) = self.absence_target(device) {
            match target {
                Some(target) => self.divert(call, device, &target, Cause::Absence),
                None => self.fail(call, device, Cause::DestNotObtainable),
            }
            return;
        }
        let Some(config) = self.directory.devices.get(device) else {
            return;
        };
        let forwarding = config.forwarding.clone();
        let target = |kind| forwarding.target(kind).map(|d| d.as_str().to_owned());
        if let Some(target) = target(ForwardingKind::Immediate) {
            self.divert(call, device, &target, Cause::CallForwardImmediate);
            return;
        }
        let runtime = self.devices.get(device).cloned().unwrap_or_default();
        let terminal = self.application_status(device);
        if runtime.powered_off || terminal == Some(TerminalStatus::Offline) {
            match target(ForwardingKind::Unavailable) {
                Some(target) => self.divert(call, device, &target, Cause::CallForwardUnavailable),
                None => self.fail(call, device, Cause::DestNotObtainable),
            }
            return;
        }
        let busy = !runtime.calls.is_empty() || terminal == Some(TerminalStatus::Busy);
        if busy || runtime.do_not_disturb {
            match target(ForwardingKind::Busy) {
                Some(target) => self.divert(call, device, &target, Cause::CallForwardBusy),
                None if busy => self.fail(call, device, Cause::Busy),
                None => self.fail(call, device, Cause::DoNotDisturb),
            }
            return;
        }
        self.alert(call, device, cause, u32::from(forwarding.ring_seconds));
    }

    /// A memberline's status as its application set it.
    fn application_status(&self, device: &str) -> Option<TerminalStatus> {
        match self.kind_of(device) {
            Some(DeviceKind::Memberline {
                status_source: StatusSource::Application,
                ..
            }) => Some(
                self.devices
                    .get(device)
                    .and_then(|r| r.terminal_status)
                    .unwrap_or(TerminalStatus::Available),
            ),
            _ => None,
        }
    }

    /// Where a current absence sends calls: `None` when it does not divert, `Some(None)` when it
    /// should but its target does not exist (e.g. no switchboard).
    fn absence_target(&self, device: &str) -> Option<Option<String>> {
        let absence = self.current_absence(device)?;
        Some(match &absence.action {
            AbsenceAction::None => return None,
            AbsenceAction::ForwardTo(destination) => Some(destination.as_str().to_owned()),
            AbsenceAction::Voicemail => self
                .config
                .devices
                .iter()
                .find(|d| d.kind == DeviceKind::Voicemail)
                .map(|d| d.number.clone()),
            AbsenceAction::Switchboard => self.config.switchboard.clone(),
            AbsenceAction::Queue(queue_id) => {
                self.queues.get(queue_id).map(|q| q.config.device.clone())
            }
        })
    }

    /// Rings `device` in `call`; `ring_seconds` 0 = no ring timer.
    pub(crate) fn alert(&mut self, call: CallId, device: &str, cause: Cause, ring_seconds: u32) {
        self.set_connection(call, device, ConnectionState::Alerting);
        if let Some(entry) = self.calls.get_mut(&call) {
            entry.delivered_cause = Some(cause);
        }
        let Some(entry) = self.calls.get(&call) else {
            return;
        };
        let fields = EventFields {
            alerting_device: Some(self.device_ref(device)),
            calling_device: Some(self.device_ref(&entry.calling)),
            called_device: entry.called.as_deref().map(|d| self.device_ref(d)),
            last_redirection_device: entry
                .last_redirection
                .as_deref()
                .map(|d| self.device_ref(d)),
            ..EventFields::default()
        };
        let generation = entry.generation_of(device);
        self.emit(EventKind::Delivered, cause, device, Some(call), &[], fields);
        if ring_seconds > 0 {
            let at = self.now.plus_seconds(i64::from(ring_seconds));
            self.schedule(
                at,
                Timer::Ring {
                    call,
                    device: device.to_owned(),
                    generation,
                },
            );
        }
    }

    /// Takes the call away from `device` (alerting or never reached) towards `target`.
    pub(crate) fn divert(&mut self, call: CallId, device: &str, target: &str, cause: Cause) {
        let was_party = self
            .calls
            .get(&call)
            .is_some_and(|c| c.state_of(device) != ConnectionState::Null);
        if was_party {
            self.set_connection(call, device, ConnectionState::Null);
        }
        let destination = self
            .directory
            .resolve(target)
            .unwrap_or_else(|| target.to_owned());
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        entry.last_redirection = Some(device.to_owned());
        entry.diversions = entry.diversions.saturating_add(1);
        // ECMA-269 Diverted: the diverting device, the new destination, and the call's calling
        // and (first) called device.
        let fields = EventFields {
            diverting_device: Some(self.device_ref(device)),
            new_destination: Some(self.device_ref(&destination)),
            calling_device: self.calls.get(&call).map(|c| self.device_ref(&c.calling)),
            called_device: self
                .calls
                .get(&call)
                .and_then(|c| c.called.as_deref())
                .map(|d| self.device_ref(d)),
            ..EventFields::default()
        };
        self.emit(
            EventKind::Diverted,
            cause,
            device,
            Some(call),
            &[device],
            fields,
        );
        self.route(call, target, cause);
    }

    /// The call cannot reach `device`: its connection fails; the caller hears it and clears.
    pub(crate) fn fail(&mut self, call: CallId, device: &str, cause: Cause) {
        self.set_connection(call, device, ConnectionState::Fail);
        let Some(entry) = self.calls.get(&call) else {
            return;
        };
        let fields = EventFields {
            failing_device: Some(self.device_ref(device)),
            calling_device: Some(self.device_ref(&entry.calling)),
            called_device: entry.called.as_deref().map(|d| self.device_ref(d)),
            ..EventFields::default()
        };
        self.emit(EventKind::Failed, cause, device, Some(call), &[], fields);
    }

    /// The ring time ran out: forward on no answer, or fail.
    pub(crate) fn ring_timeout(&mut self, call: CallId, device: &str) {
        let target = self
            .directory
            .devices
            .get(device)
            .and_then(|d| d.forwarding.target(ForwardingKind::NoAnswer))
            .map(|d| d.as_str().to_owned());
        match target {
            Some(target) => self.divert(call, device, &target, Cause::CallForwardNoAnswer),
            None => self.fail(call, device, Cause::CallNotAnswered),
        }
    }

    /// Answers an alerting connection: Established, and the queue learns who took the call.
    pub(crate) fn answer_alerting(&mut self, call: CallId, device: &str) {
        self.set_connection(call, device, ConnectionState::Connected);
        let Some(entry) = self.calls.get(&call) else {
            return;
        };
        let fields = EventFields {
            answering_device: Some(self.device_ref(device)),
            calling_device: Some(self.device_ref(&entry.calling)),
            called_device: entry.called.as_deref().map(|d| self.device_ref(d)),
            last_redirection_device: entry
                .last_redirection
                .as_deref()
                .map(|d| self.device_ref(d)),
            ..EventFields::default()
        };
        let cause = entry.delivered_cause.unwrap_or(Cause::NewCall);
        self.emit(
            EventKind::Established,
            cause,
            device,
            Some(call),
            &[],
            fields,
        );
        self.offer_answered(call, device);
    }
}
