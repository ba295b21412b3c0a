//! Directory changes reaching a running engine: forwarding, absences, application-set
//! memberline status, and whole new configurations.

use sentral_domain::directory::ForwardingKind;

use crate::config::{DeviceKind, StatusSource};
use crate::engine::Engine;
use crate::error::CstaError;
use crate::event::{Cause, EventFields, EventKind};
use crate::input::Reconfigure;
use crate::snapshot::forwarding_info;

impl Engine {
    pub(crate) fn reconfigure(&mut self, change: Reconfigure) -> Result<(), CstaError> {
        match change {
            Reconfigure::Forwarding { device, forwarding } => {
                let config = self
                    .directory
                    .devices
                    .get_mut(&device)
                    .ok_or_else(|| CstaError::InvalidDeviceIdentifier(device.clone()))?;
                let old = std::mem::replace(&mut config.forwarding, forwarding.clone());
                // Every entry of the number (the directory keeps the last), so that the
                // directory stays what `Directory::build` makes of the config (see durable.rs).
                for stored in self
                    .config
                    .devices
                    .iter_mut()
                    .filter(|d| d.number == device)
                {
                    stored.forwarding = forwarding.clone();
                }
                for kind in ForwardingKind::ALL {
                    let ring_changed = kind == ForwardingKind::NoAnswer
                        && old.ring_seconds != forwarding.ring_seconds;
                    if old.rule(kind) != forwarding.rule(kind) || ring_changed {
                        let fields = EventFields {
                            forwarding: Some(forwarding_info(&forwarding, kind)),
                            ..EventFields::default()
                        };
                        self.emit(
                            EventKind::Forwarding,
                            Cause::Normal,
                            &device,
                            None,
                            &[],
                            fields,
                        );
                    }
                }
            }
            Reconfigure::Absences { device, absences } => {
                let config = self
                    .directory
                    .devices
                    .get_mut(&device)
                    .ok_or_else(|| CstaError::InvalidDeviceIdentifier(device.clone()))?;
                config.absences = absences.clone();
                for stored in self
                    .config
                    .devices
                    .iter_mut()
                    .filter(|d| d.number == device)
                {
                    stored.absences.clone_from(&absences);
                }
                self.schedule_absence_boundaries(&device);
                self.touch(&device);
            }
            Reconfigure::TerminalStatus { device, status } => {
                match self.kind_of(&device) {
                    Some(DeviceKind::Memberline {
                        status_source: StatusSource::Application,
                        ..
                    }) => {}
                    Some(_) => {
                        return Err(CstaError::RequestIncompatibleWithObject(format!(
                            "terminal {device} is not a PBX memberline configured to be updated by an application"
                        )));
                    }
                    None => return Err(CstaError::InvalidDeviceIdentifier(device)),
                }
                if let Some(runtime) = self.devices.get_mut(&device) {
                    runtime.terminal_status = Some(status);
                }
                self.touch(&device);
            }
            Reconfigure::Replace(config) => {
                self.install(*config);
                let mut numbers: Vec<String> = self.directory.devices.keys().cloned().collect();
                numbers.sort();
                for number in numbers {
                    self.touch(&number);
                }
                let queues: Vec<String> = self.queues.keys().cloned().collect();
                self.dirty_queues.extend(queues);
            }
        }
        self.settle();
        Ok(())
    }
}
