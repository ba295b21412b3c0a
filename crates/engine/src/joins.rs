//! Services that move parties between calls: single-step transfer, consultation, transfer and
//! conference.

use crate::engine::Engine;
use crate::error::CstaError;
use crate::event::{Cause, ConnectionRef, EventFields, EventKind, TransferredConnection};
use crate::input::Outcome;
use crate::model::{CallId, ConnectionState, DeviceId};

impl Engine {
    pub(crate) fn single_step_transfer(
        &mut self,
        call: CallId,
        device: &str,
        to: &str,
        target: &str,
    ) {
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

    pub(crate) fn consultation(
        &mut self,
        call: CallId,
        device: &str,
        to: &str,
        target: DeviceId,
    ) -> Outcome {
        self.hold(call, device, Cause::Consultation);
        let consult = self.new_call(device);
        if let Some(entry) = self.calls.get_mut(&consult) {
            entry.called = Some(target.clone());
        }
        // CALL-MODEL.md: call 2 initiated→connected, as a call dialled on the handset.
        self.originate(consult, device, &target, Cause::Consultation);
        self.route(consult, to, Cause::Consultation);
        Outcome::Call {
            call: consult,
            device: device.to_owned(),
        }
    }

    /// Transfer and conference join `held_call` (the device on hold) with `active_call` (the
    /// device connected); both need another party, and a conference needs them connected.
    pub(crate) fn check_join(
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
        // Joining two calls that share another party would put that device in one call twice
        // (connected to itself): refused, as a switch refuses it.
        let held = self.call(held_call)?;
        let active = self.call(active_call)?;
        if let Some(shared) = held
            .live_parties()
            .filter(|p| p.device != device)
            .find(|p| active.live_parties().any(|q| q.device == p.device))
        {
            return Err(CstaError::RequestIncompatibleWithObject(format!(
                "device {} is a party of both calls {} and {}",
                shared.device,
                self.call_ref(held_call),
                self.call_ref(active_call)
            )));
        }
        Ok(())
    }

    /// Moves the parties of `from` (all but `device`) into `into`; `from` ends without
    /// CallCleared, since nobody left it. Returns the moves.
    pub(crate) fn merge(
        &mut self,
        device: &str,
        from: CallId,
        into: CallId,
    ) -> Vec<TransferredConnection> {
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

    pub(crate) fn transfer(&mut self, device: &str, held_call: CallId, active_call: CallId) {
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

    pub(crate) fn conference(&mut self, device: &str, held_call: CallId, active_call: CallId) {
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
