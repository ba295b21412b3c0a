//! The bus across nodes (cargo feature `nats`): each event is published as JSON on
//! `<prefix>.<enterpriseId>` (default prefix `sentral.events`), and every node's hub subscribes to
//! `<prefix>.>`, so each node addresses every event to the monitors connected to it.
//!
//! Core NATS delivers at most once and in order per publisher; a node that is disconnected misses
//! what was published meanwhile, which its clients see as a gap and repair with a snapshot (the
//! same path as `ResyncRequired`). JetStream would be the step towards at-least-once across nodes.

use futures_util::StreamExt;
use sentral_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::bus::{BoxFuture, Bus, BusError};
use crate::envelope::Published;
use crate::hub::MonitorHub;

pub const DEFAULT_SUBJECT_PREFIX: &str = "sentral.events";

/// A NATS connection used as the bus.
#[derive(Clone)]
pub struct NatsBus {
    client: async_nats::Client,
    prefix: String,
}

/// `Published` as it travels between nodes.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEvent {
    enterprise_id: String,
    devices: Vec<String>,
    #[serde(rename = "type")]
    event_type: String,
    cause: Option<String>,
    subject: Option<String>,
    occurred_at_millis: i64,
    payload: serde_json::Value,
}

impl From<&Published> for WireEvent {
    fn from(event: &Published) -> Self {
        Self {
            enterprise_id: event.enterprise_id.clone(),
            devices: event.devices.clone(),
            event_type: event.event_type.clone(),
            cause: event.cause.clone(),
            subject: event.subject.clone(),
            occurred_at_millis: event.occurred_at.millis(),
            payload: event.payload.clone(),
        }
    }
}

impl From<WireEvent> for Published {
    fn from(event: WireEvent) -> Self {
        Self {
            enterprise_id: event.enterprise_id,
            devices: event.devices,
            event_type: event.event_type,
            cause: event.cause,
            subject: event.subject,
            occurred_at: Timestamp::from_millis(event.occurred_at_millis),
            payload: event.payload,
        }
    }
}

impl NatsBus {
    /// Connects to NATS at `url` (e.g. `nats://127.0.0.1:4222`) with the default subject prefix.
    pub async fn connect(url: &str) -> Result<Self, BusError> {
        Self::connect_with_prefix(url, DEFAULT_SUBJECT_PREFIX).await
    }

    /// As `connect`, under another prefix (tests use one each so runs do not see each other).
    pub async fn connect_with_prefix(url: &str, prefix: &str) -> Result<Self, BusError> {
        let client = async_nats::connect(url)
            .await
            .map_err(|error| BusError::Unavailable(error.to_string()))?;
        Ok(Self {
            client,
            prefix: prefix.to_owned(),
        })
    }

    /// The subject of one enterprise's events.
    pub fn subject(&self, enterprise_id: &str) -> Result<String, BusError> {
        // A subject token may not be empty nor contain separators or wildcards.
        let valid = !enterprise_id.is_empty()
            && !enterprise_id
                .chars()
                .any(|c| c == '.' || c == '*' || c == '>' || c.is_whitespace());
        if valid {
            Ok(format!("{}.{enterprise_id}", self.prefix))
        } else {
            Err(BusError::Unavailable(format!(
                "enterprise id {enterprise_id:?} cannot be a NATS subject token"
            )))
        }
    }
}

impl Bus for NatsBus {
    fn publish<'a>(&'a self, event: &'a Published) -> BoxFuture<'a, Result<(), BusError>> {
        Box::pin(async move {
            let subject = self.subject(&event.enterprise_id)?;
            let body = serde_json::to_vec(&WireEvent::from(event))
                .map_err(|error| BusError::Unavailable(error.to_string()))?;
            self.client
                .publish(subject, body.into())
                .await
                .map_err(|error| BusError::Unavailable(error.to_string()))
        })
    }

    fn attach(&self, hub: MonitorHub) -> BoxFuture<'_, Result<(), BusError>> {
        Box::pin(async move {
            let mut subscriber = self
                .client
                .subscribe(format!("{}.>", self.prefix))
                .await
                .map_err(|error| BusError::Unavailable(error.to_string()))?;
            // Events published after `attach` returns must reach this node: wait for the server.
            self.client
                .flush()
                .await
                .map_err(|error| BusError::Unavailable(error.to_string()))?;
            tokio::spawn(async move {
                while let Some(message) = subscriber.next().await {
                    match serde_json::from_slice::<WireEvent>(&message.payload) {
                        Ok(event) => {
                            hub.publish(&Published::from(event));
                        }
                        Err(error) => {
                            tracing::warn!(subject = %message.subject, %error, "undecodable event on the bus");
                        }
                    }
                }
            });
            Ok(())
        })
    }
}
