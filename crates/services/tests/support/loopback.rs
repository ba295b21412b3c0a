//! Nodes of one test reach each other in-process, each message handled on the receiving node's
//! own runtime (a frozen node does not answer): forwarded call control, and invalidations.
#![allow(dead_code)] // each test file uses part of it

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sentral_events::bus::BoxFuture;
use sentral_services::Platform;
use sentral_services::invalidation::InvalidationTransport;
use sentral_services::telephony::forwarding::{CommandTransport, ForwardFailure};

use crate::cluster_node::Node;

/// Forwarded call control: a request to a node runs its `receive_forwarded`.
#[derive(Default)]
pub struct Forwarding {
    nodes: Mutex<HashMap<String, (tokio::runtime::Handle, Arc<Platform>)>>,
    /// Every request sent, to whom.
    pub requests: Mutex<Vec<(String, Vec<u8>)>>,
}

impl Forwarding {
    pub fn join(self: &Arc<Self>, name: &str, node: &Node) {
        self.nodes.lock().unwrap().insert(
            name.to_owned(),
            (node.runtime.clone(), node.platform.clone()),
        );
        assert!(node.platform.connect_forwarding(self.clone()));
    }
}

impl CommandTransport for Forwarding {
    fn request(
        &self,
        node: &str,
        message: Vec<u8>,
        timeout: Duration,
    ) -> BoxFuture<'static, Result<Vec<u8>, ForwardFailure>> {
        self.requests
            .lock()
            .unwrap()
            .push((node.to_owned(), message.clone()));
        let target = self.nodes.lock().unwrap().get(node).cloned();
        Box::pin(async move {
            let Some((runtime, platform)) = target else {
                return Err(ForwardFailure::NoResponder);
            };
            let answer = runtime.spawn(async move { platform.receive_forwarded(&message).await });
            match tokio::time::timeout(timeout, answer).await {
                Ok(Ok(answer)) => Ok(answer),
                Ok(Err(_)) => Err(ForwardFailure::NoResponder),
                Err(_) => Err(ForwardFailure::TimedOut),
            }
        })
    }
}

/// Invalidations: each one sent reaches every node (the sender ignores its own echo).
#[derive(Default)]
pub struct Invalidations {
    nodes: Mutex<Vec<(tokio::runtime::Handle, Arc<Platform>)>>,
    deliveries: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Invalidations {
    pub fn join(self: &Arc<Self>, node: &Node) {
        self.nodes
            .lock()
            .unwrap()
            .push((node.runtime.clone(), node.platform.clone()));
        node.platform.invalidations().connect(self.clone()).unwrap();
    }

    /// Waits until every node received every invalidation sent so far.
    pub async fn delivered(&self) {
        let pending = std::mem::take(&mut *self.deliveries.lock().unwrap());
        for delivery in pending {
            delivery.await.unwrap();
        }
    }
}

impl InvalidationTransport for Invalidations {
    fn send(&self, message: Vec<u8>) -> bool {
        let nodes = self.nodes.lock().unwrap().clone();
        let mut deliveries = self.deliveries.lock().unwrap();
        for (runtime, platform) in nodes {
            let message = message.clone();
            deliveries.push(runtime.spawn(async move { platform.receive_invalidation(&message) }));
        }
        true
    }

    fn connected(&self) -> bool {
        true
    }
}
