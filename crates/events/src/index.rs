//! Which monitors an event concerns: per enterprise, its enterprise monitors and its device
//! monitors by device, so a publish looks at the few monitors it matches, not at all of them.

use std::collections::HashMap;
use std::sync::Arc;

use crate::envelope::Published;
use crate::hub::Monitor;
use crate::monitor::{CrossRefId, MonitorObject};

#[derive(Default)]
pub(crate) struct Index {
    by_id: HashMap<CrossRefId, Arc<Monitor>>,
    by_enterprise: HashMap<String, EnterpriseMonitors>,
}

#[derive(Default)]
struct EnterpriseMonitors {
    whole: Vec<Arc<Monitor>>,
    by_device: HashMap<String, Vec<Arc<Monitor>>>,
}

impl Index {
    pub(crate) fn insert(&mut self, monitor: Arc<Monitor>) {
        let enterprise = self
            .by_enterprise
            .entry(monitor.object.enterprise_id().to_owned())
            .or_default();
        match &monitor.object {
            MonitorObject::Enterprise(_) => enterprise.whole.push(monitor.clone()),
            MonitorObject::Device { device, .. } => enterprise
                .by_device
                .entry(device.clone())
                .or_default()
                .push(monitor.clone()),
        }
        self.by_id.insert(monitor.cross_ref_id.clone(), monitor);
    }

    pub(crate) fn remove(&mut self, monitor: &Arc<Monitor>) {
        self.by_id.remove(&monitor.cross_ref_id);
        let enterprise_id = monitor.object.enterprise_id();
        let Some(enterprise) = self.by_enterprise.get_mut(enterprise_id) else {
            return;
        };
        match &monitor.object {
            MonitorObject::Enterprise(_) => {
                enterprise
                    .whole
                    .retain(|other| !Arc::ptr_eq(other, monitor));
            }
            MonitorObject::Device { device, .. } => {
                if let Some(monitors) = enterprise.by_device.get_mut(device) {
                    monitors.retain(|other| !Arc::ptr_eq(other, monitor));
                    if monitors.is_empty() {
                        enterprise.by_device.remove(device);
                    }
                }
            }
        }
        if enterprise.whole.is_empty() && enterprise.by_device.is_empty() {
            self.by_enterprise.remove(enterprise_id);
        }
    }

    pub(crate) fn get(&self, cross_ref_id: &CrossRefId) -> Option<&Arc<Monitor>> {
        self.by_id.get(cross_ref_id)
    }

    pub(crate) fn monitors(&self) -> impl Iterator<Item = &Arc<Monitor>> {
        self.by_id.values()
    }

    /// Every monitor of one enterprise, each once.
    pub(crate) fn of_enterprise(&self, enterprise_id: &str) -> impl Iterator<Item = &Arc<Monitor>> {
        self.by_enterprise
            .get(enterprise_id)
            .into_iter()
            .flat_map(|enterprise| {
                enterprise
                    .whole
                    .iter()
                    .chain(enterprise.by_device.values().flatten())
            })
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// The monitors `event` concerns, each once.
    pub(crate) fn targets(&self, event: &Published) -> Vec<Arc<Monitor>> {
        let Some(enterprise) = self.by_enterprise.get(&event.enterprise_id) else {
            return Vec::new();
        };
        let mut targets: Vec<Arc<Monitor>> = enterprise.whole.clone();
        let whole = targets.len();
        for device in &event.devices {
            for monitor in enterprise.by_device.get(device).into_iter().flatten() {
                // A device monitor appears once however often its device is named.
                if !targets[whole..]
                    .iter()
                    .any(|seen| Arc::ptr_eq(seen, monitor))
                {
                    targets.push(monitor.clone());
                }
            }
        }
        targets
    }
}
