//! Monitors: an enterprise monitor (machine user) or a device monitor, registered in the hub
//! inside the engine's task so that the snapshot and the monitor's `seq` describe the same
//! moment; renewal, stop and snapshots for their owner only.
//!
//! In a cluster (the hub on NATS) monitors are replicated: the engine owning the enterprise
//! dispatches each monitor's start, renewal and end among its events, wherever the client asked
//! (forwarded to the owner like call control), so every node has the monitor, numbers its events
//! alike, and serves its stream and its resumption with `after`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use sentral_domain::ApiProduct;
use sentral_engine::{Engine, EventKind};
use sentral_events::{
    CrossRefId, HubError, MonitorControl, MonitorInfo, MonitorObject, MonitorOwner, MonitorSpec,
    WebhookTarget,
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

/// How long a node waits for a monitor control it asked the owner for to come back to its own
/// hub through the bus.
const REPLICATION_WAIT: Duration = Duration::from_secs(5);

/// The snapshot a monitor control goes with: of the enterprise or of one device.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum SnapshotOf {
    Enterprise,
    Device(String),
}

impl SnapshotOf {
    fn of(object: &MonitorObject) -> Self {
        match object {
            MonitorObject::Enterprise(_) => Self::Enterprise,
            MonitorObject::Device { device, .. } => Self::Device(device.clone()),
        }
    }

    pub(crate) fn take(&self, engine: &Engine) -> Result<serde_json::Value, ServiceError> {
        match self {
            Self::Device(device) => {
                serde_json::to_value(engine.snapshot_device(device).map_err(ServiceError::Csta)?)
            }
            Self::Enterprise => serde_json::to_value(engine.snapshot_enterprise()),
        }
        .map_err(ServiceError::internal)
    }
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
        if self.monitor_hub().has_uplink() {
            return self.start_replicated_monitor(spec).await;
        }
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

    /// Starts a replicated monitor: prepared here, its start dispatched by the enterprise's
    /// owner with the snapshot taken at the same place, answered once this node has it.
    async fn start_replicated_monitor(
        &self,
        spec: MonitorSpec,
    ) -> Result<StartedMonitor, ServiceError> {
        let hub = self.monitor_hub();
        let enterprise_id = spec.object.enterprise_id().to_owned();
        let of = SnapshotOf::of(&spec.object);
        let (info, control) = hub
            .prepare_create(spec, self.now())
            .map_err(|e| hub_error(e, ""))?;
        let snapshot = self
            .monitor_control_anywhere(&enterprise_id, control, Some(of))
            .await?
            .ok_or_else(|| ServiceError::internal("the owner answered no snapshot"))?;
        self.replicated(&info.cross_ref_id, &enterprise_id).await?;
        Ok(StartedMonitor { info, snapshot })
    }

    /// Waits until a control the owner dispatched has come back to this node's hub.
    async fn replicated(
        &self,
        cross_ref_id: &CrossRefId,
        enterprise_id: &str,
    ) -> Result<(), ServiceError> {
        if self
            .monitor_hub()
            .registered(cross_ref_id, REPLICATION_WAIT)
            .await
        {
            return Ok(());
        }
        Err(ServiceError::NotOwner {
            enterprise: enterprise_id.to_owned(),
            owner: None,
            retry_after_secs: 1,
        })
    }

    /// Renews a monitor's lease from now.
    pub async fn renew_monitor(
        &self,
        principal: &Principal,
        cross_ref_id: &str,
    ) -> Result<MonitorInfo, ServiceError> {
        if self.monitor_hub().has_uplink() {
            let id = CrossRefId::new(cross_ref_id);
            let owner = monitor_owner(principal);
            let info = self.monitor(principal, cross_ref_id)?;
            let (renewed, control) = self
                .monitor_hub()
                .prepare_renew(&id, &owner, self.now())
                .map_err(|e| hub_error(e, cross_ref_id))?;
            self.monitor_control_anywhere(info.object.enterprise_id(), control, None)
                .await?;
            return Ok(renewed);
        }
        self.monitor_hub()
            .renew(
                &CrossRefId::new(cross_ref_id),
                &monitor_owner(principal),
                self.now(),
            )
            .map_err(|e| hub_error(e, cross_ref_id))
    }

    /// Stops a monitor; its stream gets MonitorEnded.
    pub async fn stop_monitor(
        &self,
        principal: &Principal,
        cross_ref_id: &str,
    ) -> Result<(), ServiceError> {
        if self.monitor_hub().has_uplink() {
            let id = CrossRefId::new(cross_ref_id);
            let info = self.monitor(principal, cross_ref_id)?;
            let control = self
                .monitor_hub()
                .prepare_stop(&id, &monitor_owner(principal), self.now())
                .map_err(|e| hub_error(e, cross_ref_id))?;
            self.monitor_control_anywhere(info.object.enterprise_id(), control, None)
                .await?;
            return Ok(());
        }
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
        if self.monitor_hub().has_uplink() {
            return self.replicated_snapshot(principal, info).await;
        }
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

impl Platform {
    /// A replicated monitor's snapshot: taken by the owner together with a renewal dispatched
    /// at the same place among the events; its `seq` is the monitor's here once that renewal has
    /// come back to this node. (An event arriving right behind the renewal may already be
    /// counted: the client then sees it again after the snapshot, which CSTA clients tolerate as
    /// they do a replayed event.)
    async fn replicated_snapshot(
        &self,
        principal: &Principal,
        info: MonitorInfo,
    ) -> Result<(u64, serde_json::Value), ServiceError> {
        let owner = monitor_owner(principal);
        let enterprise_id = info.object.enterprise_id().to_owned();
        let (renewed, control) = self
            .monitor_hub()
            .prepare_renew(&info.cross_ref_id, &owner, self.now())
            .map_err(|e| hub_error(e, info.cross_ref_id.as_str()))?;
        let snapshot = self
            .monitor_control_anywhere(&enterprise_id, control, Some(SnapshotOf::of(&info.object)))
            .await?
            .ok_or_else(|| ServiceError::internal("the owner answered no snapshot"))?;
        let deadline = tokio::time::Instant::now() + REPLICATION_WAIT;
        loop {
            let here = self
                .monitor_hub()
                .get(&info.cross_ref_id, &owner)
                .map_err(|e| hub_error(e, info.cross_ref_id.as_str()))?;
            if here.expires_at >= renewed.expires_at {
                return Ok((here.seq, snapshot));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ServiceError::NotOwner {
                    enterprise: enterprise_id,
                    owner: None,
                    retry_after_secs: 1,
                });
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Ends the replicated monitors of this node's engines whose lease ran out (the owner decides,
    /// so every node ends them at the same place).
    pub(crate) async fn end_lapsed_monitors(
        &self,
        enterprise_id: &str,
        handle: &super::EngineHandle,
    ) {
        let now = self.now();
        for cross_ref_id in self.monitor_hub().lapsed(enterprise_id, now) {
            let control = MonitorControl::Ended {
                cross_ref_id,
                cause: sentral_events::causes::LEASE_EXPIRED.to_owned(),
                at: now,
            };
            if let Err(error) = handle.monitor_control(control, None).await {
                tracing::warn!(enterprise_id, %error, "ending a lapsed monitor failed");
            }
        }
    }
}
