//! Monitors: an enterprise monitor (machine user) or a device monitor, registered in the hub
//! inside the engine's task so that the snapshot and the monitor's `seq` describe the same
//! moment; renewal, stop and snapshots for their owner only.

use sentral_domain::ApiProduct;
use sentral_engine::EventKind;
use sentral_events::{
    CrossRefId, HubError, MonitorInfo, MonitorObject, MonitorOwner, MonitorSpec, WebhookTarget,
};

use super::csta::device_number;
use crate::directory::{Acting, acting};
use crate::{Platform, Principal, ServiceError};

/// What a monitor watches, as asked for.
#[derive(Debug, Clone)]
pub enum MonitorTarget {
    Enterprise(String),
    Device(String),
}

/// A monitor's start: its identity, sequence number and the snapshot current as of it.
#[derive(Debug, Clone)]
pub struct StartedMonitor {
    pub info: MonitorInfo,
    pub snapshot: serde_json::Value,
}

/// The owner of the caller's monitors: the client and the user it acts as.
pub fn monitor_owner(principal: &Principal) -> MonitorOwner {
    MonitorOwner::new(super::sessions::subject(principal))
}

fn hub_error(error: HubError, cross_ref_id: &str) -> ServiceError {
    match error {
        HubError::NotFound => ServiceError::not_found(format!("monitor {cross_ref_id}")),
        HubError::InvalidWebhook(reason) => ServiceError::invalid("webhook", reason.to_string()),
    }
}

impl Platform {
    /// Starts a monitor: the hub registers it inside the engine's task, so the snapshot and the
    /// monitor's `seq` describe the same moment.
    pub async fn start_monitor(
        &self,
        principal: &Principal,
        target: MonitorTarget,
        filter: Option<Vec<String>>,
        webhook: Option<WebhookTarget>,
    ) -> Result<StartedMonitor, ServiceError> {
        principal.require(ApiProduct::MbnStatusPush)?;
        let unknown = filter
            .iter()
            .flatten()
            .find(|t| EventKind::parse(t).is_none() && t.as_str() != "MonitorEnded");
        if let Some(unknown) = unknown {
            return Err(ServiceError::invalid(
                "filter",
                format!("{unknown:?} is not a CSTA event type of this interface"),
            ));
        }
        let (object, device) = match target {
            MonitorTarget::Enterprise(enterprise_id) => {
                if let Acting::EndUser { .. } = acting(principal)? {
                    return Err(ServiceError::NotAllowed(
                        "an enterprise monitor needs a machine user; an end user monitors its own device".into(),
                    ));
                }
                let enterprise = self.visible_enterprise(principal, &enterprise_id).await?;
                (MonitorObject::Enterprise(enterprise.id), None)
            }
            MonitorTarget::Device(device) => {
                let device = device_number(&device)?;
                let enterprise_id = self.device_enterprise(principal, &device).await?;
                (
                    MonitorObject::Device {
                        enterprise_id,
                        device: device.clone(),
                    },
                    Some(device),
                )
            }
        };
        let spec = MonitorSpec {
            owner: monitor_owner(principal),
            object: object.clone(),
            filter,
            webhook,
        };
        let handle = self.engine(object.enterprise_id()).await?;
        let now = self.now();
        let started = handle
            .run(move |engine, hub| {
                let snapshot = match &device {
                    Some(device) => serde_json::to_value(
                        engine.snapshot_device(device).map_err(ServiceError::Csta)?,
                    ),
                    None => serde_json::to_value(engine.snapshot_enterprise()),
                }
                .map_err(ServiceError::internal)?;
                let info = hub.create(spec, now).map_err(|e| hub_error(e, ""))?;
                Ok::<_, ServiceError>(StartedMonitor { info, snapshot })
            })
            .await??;
        Ok(started)
    }

    pub fn monitor(
        &self,
        principal: &Principal,
        cross_ref_id: &str,
    ) -> Result<MonitorInfo, ServiceError> {
        self.monitor_hub()
            .get(&CrossRefId::new(cross_ref_id), &monitor_owner(principal))
            .map_err(|e| hub_error(e, cross_ref_id))
    }

    /// Renews a monitor's lease from now.
    pub fn renew_monitor(
        &self,
        principal: &Principal,
        cross_ref_id: &str,
    ) -> Result<MonitorInfo, ServiceError> {
        self.monitor_hub()
            .renew(
                &CrossRefId::new(cross_ref_id),
                &monitor_owner(principal),
                self.now(),
            )
            .map_err(|e| hub_error(e, cross_ref_id))
    }

    /// Stops a monitor; its stream gets MonitorEnded.
    pub fn stop_monitor(
        &self,
        principal: &Principal,
        cross_ref_id: &str,
    ) -> Result<(), ServiceError> {
        self.monitor_hub()
            .stop(
                &CrossRefId::new(cross_ref_id),
                &monitor_owner(principal),
                self.now(),
            )
            .map_err(|e| hub_error(e, cross_ref_id))
    }

    /// A monitor's current snapshot with the `seq` it is current as of.
    pub async fn monitor_snapshot(
        &self,
        principal: &Principal,
        cross_ref_id: &str,
    ) -> Result<(u64, serde_json::Value), ServiceError> {
        let info = self.monitor(principal, cross_ref_id)?;
        let handle = self.engine(info.object.enterprise_id()).await?;
        let owner = monitor_owner(principal);
        let id = info.cross_ref_id.clone();
        let object = info.object.clone();
        handle
            .run(move |engine, hub| {
                let seq = hub.get(&id, &owner).map(|i| i.seq).unwrap_or(info.seq);
                let snapshot = match &object {
                    MonitorObject::Device { device, .. } => serde_json::to_value(
                        engine.snapshot_device(device).map_err(ServiceError::Csta)?,
                    ),
                    MonitorObject::Enterprise(_) => {
                        serde_json::to_value(engine.snapshot_enterprise())
                    }
                }
                .map_err(ServiceError::internal)?;
                Ok::<_, ServiceError>((seq, snapshot))
            })
            .await?
    }
}
