//! How events reach the hubs: the engine publishes on the bus, every node's hub is attached to it
//! and addresses each event to the monitors connected to that node.
//!
//! In one process the bus calls the attached hubs directly (no queue, no copy). Across nodes a
//! NATS implementation would publish `Published` as JSON on `sentral.events.<enterpriseId>` and
//! attach each node's hub to `sentral.events.>`.

use std::future::Future;
use std::pin::Pin;
use std::sync::{PoisonError, RwLock};

use crate::envelope::Published;
use crate::hub::{EventOrder, MonitorControl, MonitorHub};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("the bus is unavailable: {0}")]
    Unavailable(String),
}

/// Carries published events to every node's hub. Object-safe, so the engine can hold a
/// `Arc<dyn Bus>` whichever implementation the configuration chose.
pub trait Bus: Send + Sync + 'static {
    /// Hands one enterprise's event to every attached hub (on every node).
    fn publish<'a>(&'a self, event: &'a Published) -> BoxFuture<'a, Result<(), BusError>>;

    /// As `publish`, with the key receivers drop duplicates and detect gaps by
    /// ([`MonitorHub::receive`]); a bus within one process needs none.
    fn publish_ordered<'a>(
        &'a self,
        event: &'a Published,
        order: EventOrder,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        let _ = order;
        self.publish(event)
    }

    /// Carries a replicated monitor's control in its enterprise's ordered stream, with the next
    /// key of that stream, to every attached hub ([`MonitorHub::receive_control`]). A bus that
    /// cannot carry them refuses (the receivers see the gap).
    fn publish_control<'a>(
        &'a self,
        enterprise_id: &'a str,
        control: &'a MonitorControl,
        order: EventOrder,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        let _ = (enterprise_id, control, order);
        Box::pin(std::future::ready(Err(BusError::Unavailable(
            "this bus carries no monitor controls".to_owned(),
        ))))
    }

    /// Attaches this node's hub: from now on it receives every published event.
    fn attach(&self, hub: MonitorHub) -> BoxFuture<'_, Result<(), BusError>>;
}

/// The bus of a single node: `publish` addresses the event to the attached hubs before it returns.
#[derive(Default)]
pub struct InProcessBus {
    hubs: RwLock<Vec<MonitorHub>>,
}

impl InProcessBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// The synchronous form of `publish`: answers how many monitors received the event.
    pub fn publish_now(&self, event: &Published) -> usize {
        self.hubs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|hub| hub.publish(event))
            .sum()
    }
}

impl Bus for InProcessBus {
    fn publish<'a>(&'a self, event: &'a Published) -> BoxFuture<'a, Result<(), BusError>> {
        self.publish_now(event);
        Box::pin(std::future::ready(Ok(())))
    }

    /// Applies the control on every attached hub before it returns.
    fn publish_control<'a>(
        &'a self,
        enterprise_id: &'a str,
        control: &'a MonitorControl,
        order: EventOrder,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        let _ = order;
        for hub in self
            .hubs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            hub.receive_control(enterprise_id, control, None);
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn attach(&self, hub: MonitorHub) -> BoxFuture<'_, Result<(), BusError>> {
        self.hubs
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(hub);
        Box::pin(std::future::ready(Ok(())))
    }
}
