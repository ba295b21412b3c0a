//! How an engine's events leave its task, in the engine's order and never waiting. On one node
//! the hub addresses each to its monitors at once; in a cluster (the hub attached to NATS) each
//! gets its enterprise's next ordering key and joins the one ordered queue to the bus, and every
//! node, this one included, addresses it when it comes back from the bus, once (see
//! `sentral_events::MonitorHub::{dispatch, receive}`).
//!
//! The key is numbered by the hub on the engine task's behalf, per enterprise. The seam for a
//! durable sequence (the journal): an engine taking over calls `MonitorHub::resume_sequence`
//! with the last key its predecessor used, before its first event.

use sentral_events::{MonitorHub, Published};

/// Hands one event of the engine task on.
pub(crate) fn dispatch(hub: &MonitorHub, event: Published) {
    hub.dispatch(event);
}
