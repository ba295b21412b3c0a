//! A node's replicated monitors copied to a node that starts: the state of a hub is what the
//! events stream made of it, so a node that is caught up hands its replicated monitors (with
//! their numbering and replay buffers) and its last ordering key per enterprise to a starting
//! node, as they are after stream message `position`; the starting node installs them and reads
//! the stream from `position + 1`. It then has every live monitor, also one whose `Created` the
//! stream no longer keeps, numbered as every other node numbers it.

use std::collections::VecDeque;

use sentral_domain::Timestamp;
use serde::{Deserialize, Serialize};

use super::{MonitorHub, Registration};
use crate::envelope::FrameParts;
use crate::hub::EventOrder;
use crate::monitor::{CrossRefId, MonitorObject, MonitorOwner};

/// What a caught-up node hands to a starting one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HubState {
    /// The stream sequence of the last message this state includes.
    pub(crate) position: u64,
    /// The last ordering key received per enterprise.
    received: Vec<(String, EventOrder)>,
    monitors: Vec<CopiedMonitor>,
}

/// One replicated monitor that has not ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CopiedMonitor {
    cross_ref_id: CrossRefId,
    owner: MonitorOwner,
    object: MonitorObject,
    filter: Option<Vec<String>>,
    webhook_url: Option<String>,
    expires_at: Timestamp,
    last_seq: u64,
    replay: Vec<FrameParts>,
}

impl HubState {
    /// How many monitors it holds.
    pub(crate) fn monitors(&self) -> usize {
        self.monitors.len()
    }
}

impl MonitorHub {
    /// This node's replicated monitors that have not ended and its last key per enterprise, as
    /// they are after stream message `position` (called between two messages).
    pub(crate) fn replicated_state(&self, position: u64) -> HubState {
        let received = self
            .inner
            .received
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(enterprise, order)| (enterprise.clone(), *order))
            .collect();
        let monitors = self
            .read_index()
            .monitors()
            .filter(|monitor| monitor.replicated)
            .filter_map(|monitor| {
                let state = monitor.lock();
                (!state.ended).then(|| CopiedMonitor {
                    cross_ref_id: monitor.cross_ref_id.clone(),
                    owner: monitor.owner.clone(),
                    object: monitor.object.clone(),
                    filter: monitor.filter.clone(),
                    webhook_url: monitor.webhook_url.clone(),
                    expires_at: state.expires_at,
                    last_seq: state.last_seq,
                    replay: state.replay.iter().map(|frame| frame.parts()).collect(),
                })
            })
            .collect();
        HubState {
            position,
            received,
            monitors,
        }
    }

    /// Installs a peer's [`HubState`] on this starting node, before it reads the stream after
    /// `state.position`: each monitor not known here is registered with its numbering, lease and
    /// replay buffer (its webhook through the outbox, whose target the asked node stored), and
    /// each enterprise's last key is taken where none is known. Answers the monitors added.
    pub(crate) fn install_state(&self, state: HubState) -> usize {
        {
            let mut received = self
                .inner
                .received
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (enterprise, order) in state.received {
                received.entry(enterprise).or_insert(order);
            }
        }
        let mut added = 0;
        for copied in state.monitors {
            let registration = Registration {
                cross_ref_id: copied.cross_ref_id.clone(),
                owner: copied.owner,
                object: copied.object,
                filter: copied.filter,
                webhook: None,
                webhook_url: copied.webhook_url,
                expires_at: copied.expires_at,
                replicated: true,
                local_webhook: false,
            };
            if self.register(registration, None).is_none() {
                continue;
            }
            let Some(monitor) = self.read_index().get(&copied.cross_ref_id).cloned() else {
                continue;
            };
            let mut monitor_state = monitor.lock();
            monitor_state.last_seq = copied.last_seq;
            // Its oldest frames beyond this node's capacity are left out.
            let beyond = copied
                .replay
                .len()
                .saturating_sub(monitor_state.replay_capacity);
            monitor_state.replay = copied
                .replay
                .into_iter()
                .skip(beyond)
                .map(FrameParts::frame)
                .collect::<VecDeque<_>>();
            added += 1;
        }
        added
    }
}
