//! Event delivery of sentral, independent of the telephony engine: the engine's events arrive as
//! `Published` values (already JSON), the `MonitorHub` addresses them to monitors, numbers them per
//! monitor (`seq`), keeps a bounded replay buffer for `after=<seq>` resumption, and delivers them
//! to the one connected stream (WebSocket or SSE, served by the API crate) and to a signed webhook.
//!
//! Promise: at-least-once, ordered per monitor, deduplicated by `eventId`; never exactly-once.

pub mod bus;
pub mod envelope;
pub mod hub;
mod index;
pub mod metrics;
pub mod monitor;
#[cfg(feature = "nats")]
pub mod nats;
pub mod outbox;
pub mod subscription;
pub mod webhook;

pub use bus::{Bus, BusError, InProcessBus};
pub use envelope::{ENVELOPE_VERSION, Envelope, Frame, Published, causes, event_types};
pub use hub::{BusMetrics, EventOrder, HubConfig, HubError, MonitorControl, MonitorHub, Received};
pub use metrics::HubMetrics;
pub use monitor::{
    CrossRefId, MonitorInfo, MonitorObject, MonitorOwner, MonitorSpec, WebhookTarget,
};
pub use outbox::{OutboxConfig, OutboxError, WebhookOutbox};
pub use subscription::Subscription;
pub use webhook::{RetryPolicy, WebhookError};

#[cfg(test)]
mod replicated_tests;
#[cfg(test)]
mod tests;
