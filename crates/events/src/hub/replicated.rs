//! Replicated monitors: a monitor's lifecycle travels inside its enterprise's ordered stream of
//! events, so that every node has the monitor and numbers its events alike, and any node can serve
//! its stream, resume it (`after=<seq>`), get, renew or stop it.
//!
//! - A node asked for a monitor calls [`MonitorHub::prepare_create`] (validates the webhook, makes
//!   the id and the lease, registers nothing) and has the enterprise's owner dispatch the
//!   [`MonitorControl::Created`] it answers; it answers its client once its own hub has the
//!   monitor ([`MonitorHub::registered`]). Renewing and stopping go the same way
//!   ([`MonitorHub::prepare_renew`], [`MonitorHub::prepare_stop`]).
//! - The engine owning the enterprise calls [`MonitorHub::dispatch_control`] from its task, in
//!   order with its [`MonitorHub::dispatch`]es: the control takes the enterprise's next ordering
//!   key and the same queue to the bus, so every node applies it at the same place among the
//!   events ([`MonitorHub::receive_control`], duplicates dropped and gaps resynced as for events).
//!   A monitor created there has `seq` 0, and from then on every node numbers the same events
//!   with the same `seq` and `eventId`; `Ended` gives every node the same `MonitorEnded` (same
//!   `seq`, cause and `occurredAt`).
//! - Leases: a node's own clock would end a replicated monitor at different places on different
//!   nodes, so [`MonitorHub::expire`] leaves it alone; the owner asks [`MonitorHub::lapsed`] and
//!   dispatches `Ended` (cause `leaseExpired`) for each. A monitor still here
//!   [`HubConfig::replicated_expiry_grace`] after its lease ran out (its `Ended` was missed, or no
//!   node owns the enterprise) is ended by `expire` after all.
//! - Without an uplink (one node, no NATS) `dispatch_control` applies the control here at once
//!   and the monitor is an ordinary one: `expire` ends it as before.
//! - Webhooks: with the persistent outbox ([`HubConfig::outbox`]) every node enqueues the same
//!   deliveries, and the outbox keeps the first of each: the delivery id is the `eventId`
//!   (`<crossRefId>-<seq>`), inserted with `ON CONFLICT DO NOTHING`. A cluster needs the outbox
//!   for at-least-once across node deaths: with in-memory webhook workers only the node the
//!   monitor was prepared on delivers (so each event once), and its death loses them.
//! - The webhook's secret never leaves the node the monitor was asked of: `Created` carries its
//!   URL only. That node keeps the secret from `prepare_create` and, with the outbox, stores the
//!   target (URL and secret) there when it applies the `Created`; any node signs from the outbox,
//!   and a delivery claimed before its target is stored is retried, not given up.
//!
//! What breaks the identical numbering: a gap seen by one node only (a message it missed that
//! the others got, e.g. while it was disconnected from NATS). Its monitors of that enterprise get
//! a `ResyncRequired` (cause `eventsMissed`) numbered here only, and from then on its `seq`s of
//! those monitors differ from the other nodes' (and a `Created`, `Renewed` or `Ended` in what it
//! missed is missing here too). A gap every node sees alike — a new owner's numbering, a message
//! dropped before the bus — numbers alike everywhere (only `occurredAt` of the resync differs).
//! The fix is replaying the missed messages from JetStream instead of resyncing; not built yet.
//! Likewise a node that joins after a monitor was created does not have it.

use std::time::Duration;

use sentral_domain::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Outgoing, Registration, lease_seconds};
use crate::envelope::causes;
use crate::hub::{Arrival, EventOrder, HubError, MonitorHub, Received};
use crate::monitor::{
    CrossRefId, MonitorInfo, MonitorObject, MonitorOwner, MonitorSpec, WebhookTarget,
};
use crate::webhook;

/// How long this node remembers that it prepared a monitor.
const PREPARED_KEPT_MILLIS: i64 = 600_000;

/// A monitor this node prepared.
pub(super) struct Prepared {
    at: Timestamp,
    /// Its `Created` was applied here (it may have ended since).
    applied: bool,
    /// Its webhook with the secret, which only this node knows.
    target: Option<WebhookTarget>,
}

/// One step of a replicated monitor's life, carried in its enterprise's ordered stream. As JSON
/// (stable): `{"created":{"crossRefId":…,"owner":…,"object":{"enterprise":"100001"},"filter":null,
/// "webhookUrl":…,"expiresAt":"…Z"}}`, `{"renewed":{"crossRefId":…,"expiresAt":…}}`,
/// `{"ended":{"crossRefId":…,"cause":"monitorStopped","at":…}}`. A `Created` of an earlier
/// version may carry `"webhook":{"url":…,"secret":…}` instead of `webhookUrl`; it is still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum MonitorControl {
    Created {
        cross_ref_id: CrossRefId,
        owner: MonitorOwner,
        object: MonitorObject,
        filter: Option<Vec<String>>,
        /// Where the webhook goes; its secret stays with the node that prepared the monitor.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        webhook_url: Option<String>,
        /// Written by earlier versions only (with the secret); read for their journals.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        webhook: Option<WebhookTarget>,
        expires_at: Timestamp,
    },
    Renewed {
        cross_ref_id: CrossRefId,
        expires_at: Timestamp,
    },
    /// `MonitorEnded` with `cause` (`monitorStopped`, `leaseExpired`), occurred `at`.
    Ended {
        cross_ref_id: CrossRefId,
        cause: String,
        at: Timestamp,
    },
}

impl MonitorControl {
    /// The monitor it is about.
    pub fn cross_ref_id(&self) -> &CrossRefId {
        match self {
            Self::Created { cross_ref_id, .. }
            | Self::Renewed { cross_ref_id, .. }
            | Self::Ended { cross_ref_id, .. } => cross_ref_id,
        }
    }
}

impl MonitorHub {
    /// The first half of starting a replicated monitor: validates the webhook, makes the id and
    /// the lease (from `now`), registers nothing. Answers the monitor as its client will see it
    /// and the `Created` for the enterprise's owner to dispatch ([`MonitorHub::dispatch_control`]).
    /// Without an outbox, this node is the one that will deliver its webhook.
    pub fn prepare_create(
        &self,
        spec: MonitorSpec,
        now: Timestamp,
    ) -> Result<(MonitorInfo, MonitorControl), HubError> {
        if let Some(target) = &spec.webhook {
            webhook::Signer::new(target)?;
        }
        let cross_ref_id = CrossRefId::generate();
        let expires_at = now.plus_seconds(lease_seconds(self.inner.config.lease));
        {
            let mut prepared = self.prepared();
            prepared.retain(|_, prepared| {
                prepared.at.millis() > now.millis().saturating_sub(PREPARED_KEPT_MILLIS)
            });
            prepared.insert(
                cross_ref_id.clone(),
                Prepared {
                    at: now,
                    applied: false,
                    target: spec.webhook.clone(),
                },
            );
        }
        let info = MonitorInfo {
            cross_ref_id: cross_ref_id.clone(),
            seq: 0,
            expires_at,
            object: spec.object.clone(),
            filter: spec.filter.clone(),
            webhook_url: spec.webhook.as_ref().map(|target| target.url.clone()),
        };
        let control = MonitorControl::Created {
            cross_ref_id,
            owner: spec.owner,
            object: spec.object,
            filter: spec.filter,
            webhook_url: spec.webhook.map(|target| target.url),
            webhook: None,
            expires_at,
        };
        Ok((info, control))
    }

    /// Checks a renewal of `owner`'s monitor at `now` and answers the monitor as it will be and
    /// the `Renewed` to dispatch. A lease that has run out answers `NotFound` (its owner's
    /// [`MonitorHub::lapsed`] ends it).
    pub fn prepare_renew(
        &self,
        cross_ref_id: &CrossRefId,
        owner: &MonitorOwner,
        now: Timestamp,
    ) -> Result<(MonitorInfo, MonitorControl), HubError> {
        let monitor = self.find(cross_ref_id, owner)?;
        let state = monitor.lock();
        if state.ended || state.expires_at <= now {
            return Err(HubError::NotFound);
        }
        let mut info = monitor.info(&state);
        info.expires_at = now.plus_seconds(lease_seconds(self.inner.config.lease));
        let control = MonitorControl::Renewed {
            cross_ref_id: cross_ref_id.clone(),
            expires_at: info.expires_at,
        };
        Ok((info, control))
    }

    /// Checks that `owner` may stop the monitor and answers the `Ended` (cause `monitorStopped`,
    /// at `now`) to dispatch.
    pub fn prepare_stop(
        &self,
        cross_ref_id: &CrossRefId,
        owner: &MonitorOwner,
        now: Timestamp,
    ) -> Result<MonitorControl, HubError> {
        let monitor = self.find(cross_ref_id, owner)?;
        if monitor.lock().ended {
            return Err(HubError::NotFound);
        }
        Ok(MonitorControl::Ended {
            cross_ref_id: cross_ref_id.clone(),
            cause: causes::MONITOR_STOPPED.to_owned(),
            at: now,
        })
    }

    /// Where the engine owning `enterprise_id` hands a monitor control, from its task and in order
    /// with its [`MonitorHub::dispatch`]es: with an uplink it takes the enterprise's next ordering
    /// key and joins the same queue to the bus (never waiting; a full queue drops it, and the
    /// receivers resync); without one it is applied here at once, as an ordinary monitor of this
    /// node.
    pub fn dispatch_control(&self, enterprise_id: &str, control: MonitorControl) {
        match self.inner.uplink.get() {
            Some(uplink) => self.send_up(
                uplink,
                Outgoing::Control {
                    enterprise_id: enterprise_id.to_owned(),
                    control,
                },
            ),
            None => {
                self.apply(&control, false, Some(enterprise_id));
            }
        }
    }

    /// Applies one control to this node's monitors: `Created` registers the monitor (`seq` 0,
    /// replicated) unless it is known; `Renewed` sets its lease; `Ended` ends it with
    /// `MonitorEnded` and that cause, as stopping does. Answers whether it changed anything.
    /// Every time it needs is in the control: `now` does not change the outcome (each node
    /// applies it alike).
    pub fn apply_control(&self, control: &MonitorControl, now: Timestamp) -> bool {
        let _ = now;
        self.apply(control, true, None)
    }

    /// Applies a control that came from the bus, with the same duplicate and gap handling as
    /// [`MonitorHub::receive`]: answers `Delivered(1)` when applied, `Delivered(0)` when it
    /// changed nothing (an unknown monitor, one of another enterprise). Without a key it is
    /// applied as it is.
    pub fn receive_control(
        &self,
        enterprise_id: &str,
        control: &MonitorControl,
        order: Option<EventOrder>,
    ) -> Received {
        let apply = || usize::from(self.apply(control, true, Some(enterprise_id)));
        let Some(order) = order else {
            return Received::Delivered(apply());
        };
        match self.arrive(enterprise_id, order) {
            Arrival::Duplicate => Received::Duplicate,
            Arrival::InOrder => Received::Delivered(apply()),
            Arrival::Gap => Received::AfterGap(apply()),
        }
    }

    /// Waits up to `timeout` until the monitor is known here: the node that asked for a `Created`
    /// answers its client once it can serve the monitor itself. True once it is registered here
    /// and not ended, or, on the node that prepared it, once its `Created` was applied (even when
    /// it has ended since).
    pub async fn registered(&self, cross_ref_id: &CrossRefId, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.registrations.notified();
            tokio::pin!(notified);
            // Enabled before looking, so a registration between the look and the wait wakes it.
            notified.as_mut().enable();
            if self.knows(cross_ref_id) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.knows(cross_ref_id);
            }
        }
    }

    /// The replicated monitors of `enterprise_id` whose lease ran out by `now`, for the
    /// enterprise's owner to end with `Ended` (cause `leaseExpired`). Until that comes back from
    /// the bus they are listed again; a second `Ended` changes nothing.
    pub fn lapsed(&self, enterprise_id: &str, now: Timestamp) -> Vec<CrossRefId> {
        self.read_index()
            .of_enterprise(enterprise_id)
            .filter(|monitor| monitor.replicated)
            .filter(|monitor| {
                let state = monitor.lock();
                !state.ended && state.expires_at <= now
            })
            .map(|monitor| monitor.cross_ref_id.clone())
            .collect()
    }

    fn knows(&self, cross_ref_id: &CrossRefId) -> bool {
        let registered = self
            .read_index()
            .get(cross_ref_id)
            .is_some_and(|monitor| !monitor.lock().ended);
        registered
            || self
                .prepared()
                .get(cross_ref_id)
                .is_some_and(|prepared| prepared.applied)
    }

    fn prepared(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<CrossRefId, Prepared>> {
        self.inner
            .prepared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies `control`; with `enterprise` (the stream it came in), only to a monitor of that
    /// enterprise.
    fn apply(&self, control: &MonitorControl, replicated: bool, enterprise: Option<&str>) -> bool {
        let of_another = |object: &MonitorObject| {
            enterprise.is_some_and(|enterprise| enterprise != object.enterprise_id())
        };
        match control {
            MonitorControl::Created {
                cross_ref_id,
                owner,
                object,
                filter,
                webhook_url,
                webhook: sent_target,
                expires_at,
            } => {
                if of_another(object) {
                    tracing::warn!(monitor = %cross_ref_id, "a monitor created in another enterprise's stream; ignored");
                    return false;
                }
                // A monitor of this node alone is delivered here whoever prepared it.
                let prepared_here = self.prepared().get_mut(cross_ref_id).map(|prepared| {
                    let first = !prepared.applied;
                    prepared.applied = true;
                    (first, prepared.target.clone())
                });
                if matches!(prepared_here, Some((false, _))) {
                    // Applied before and maybe ended since: a repeated `Created` revives nothing.
                    return false;
                }
                let local_webhook = prepared_here.is_some() || !replicated;
                // The secret is known on the node that prepared it (or sent by an earlier version).
                let target = prepared_here
                    .and_then(|(_, target)| target)
                    .or_else(|| sent_target.clone());
                let webhook_url = webhook_url
                    .clone()
                    .or_else(|| target.as_ref().map(|target| target.url.clone()));
                let signer = match target.as_ref().map(webhook::Signer::new) {
                    Some(Ok(signer)) => Some(signer),
                    Some(Err(error)) => {
                        tracing::warn!(monitor = %cross_ref_id, %error, "a replicated monitor's webhook cannot work here; not delivered from this node");
                        None
                    }
                    None => None,
                };
                let registration = Registration {
                    cross_ref_id: cross_ref_id.clone(),
                    owner: owner.clone(),
                    object: object.clone(),
                    filter: filter.clone(),
                    webhook: target,
                    webhook_url,
                    expires_at: *expires_at,
                    replicated,
                    local_webhook,
                };
                self.register(registration, signer).is_some()
            }
            MonitorControl::Renewed {
                cross_ref_id,
                expires_at,
            } => {
                let Some(monitor) = self.read_index().get(cross_ref_id).cloned() else {
                    return false;
                };
                if of_another(&monitor.object) {
                    return false;
                }
                let mut state = monitor.lock();
                if state.ended {
                    return false;
                }
                state.expires_at = *expires_at;
                true
            }
            MonitorControl::Ended {
                cross_ref_id,
                cause,
                at,
            } => {
                let Some(monitor) = self.read_index().get(cross_ref_id).cloned() else {
                    return false;
                };
                if of_another(&monitor.object) {
                    return false;
                }
                self.end(&monitor, cause, *at)
            }
        }
    }
}
