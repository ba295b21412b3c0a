//! Cache invalidation across nodes. A change that must be seen at once everywhere (a revoked
//! token, a new password, new grants, organisation rows) evicts this node's caches after its
//! commit and hands an [`Invalidation`] to the transport, which carries it to every other node;
//! there [`Platform::receive_invalidation`] evicts the same entries.
//!
//! The transport is best effort: a node that misses a message (NATS down, a node restarting)
//! still serves nothing older than `token_recheck_seconds`, because every cache rechecks the
//! store after that bound. A single node has no transport (the in-process no-op).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use sentral_domain::EntityId;
use sentral_domain::secret::random_id;
use serde::{Deserialize, Serialize};

use crate::Platform;

/// What other nodes must drop from their caches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "drop",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Invalidation {
    /// The tokens of one refresh chain (logout, a reused refresh token).
    TokenFamily { family: String },
    /// The tokens of a system user (new grants, new password).
    TokensOfSystemUser { system_user_id: String },
    /// The tokens of an application (its reach changed).
    TokensOfApplication { app_id: String },
    /// A verified client secret or password (rotated or replaced).
    VerifiedSecret { key: String },
    /// Every cached organisation row.
    Organizations,
    /// Every cached enterprise row (a numbering plan's length changed, enterprises were seeded).
    Enterprises,
    /// Everything a node keeps of the store's contents (the sandbox's reset emptied it): every
    /// cache, the CSTA sessions, rate and login counters, the sandbox clock's offset, and the
    /// telephony engines with their calls (their leases released; they journal nothing more).
    Everything,
}

/// An invalidation as it travels: with the node that sent it, which ignores its own echo.
#[derive(Serialize, Deserialize)]
struct Message {
    origin: String,
    #[serde(flatten)]
    invalidation: Invalidation,
}

/// Carries encoded invalidations to the other nodes (the NATS implementation lives with the bus
/// in `sentral-events`; this crate stays free of a NATS client).
pub trait InvalidationTransport: Send + Sync + 'static {
    /// Hands `message` to every other node without waiting; false when it cannot now (the
    /// recheck bound covers what is not sent).
    fn send(&self, message: Vec<u8>) -> bool;

    /// Whether messages reach the other nodes now (readiness, `/metrics`).
    fn connected(&self) -> bool;
}

/// Counters of `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InvalidationMetrics {
    pub sent: u64,
    pub received: u64,
}

/// This node's end of cache invalidation: its id, the transport once connected, the counters.
pub struct Invalidations {
    node: String,
    transport: OnceLock<Arc<dyn InvalidationTransport>>,
    sent: AtomicU64,
    received: AtomicU64,
}

impl Default for Invalidations {
    fn default() -> Self {
        Self {
            node: random_id("node"),
            transport: OnceLock::new(),
            sent: AtomicU64::new(0),
            received: AtomicU64::new(0),
        }
    }
}

impl Invalidations {
    /// From now on invalidations go to the other nodes through `transport` (set once, at start).
    pub fn connect(&self, transport: Arc<dyn InvalidationTransport>) -> Result<(), String> {
        self.transport
            .set(transport)
            .map_err(|_| "the invalidation transport is connected already".to_owned())
    }

    /// `None` on a single node; otherwise whether the other nodes are reached now.
    pub fn connected(&self) -> Option<bool> {
        self.transport.get().map(|transport| transport.connected())
    }

    pub fn metrics(&self) -> InvalidationMetrics {
        InvalidationMetrics {
            sent: self.sent.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
        }
    }

    fn broadcast(&self, invalidation: Invalidation) {
        let Some(transport) = self.transport.get() else {
            return;
        };
        let message = Message {
            origin: self.node.clone(),
            invalidation,
        };
        match serde_json::to_vec(&message) {
            Ok(bytes) => {
                if transport.send(bytes) {
                    self.sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(error) => tracing::warn!(%error, "cannot encode an invalidation"),
        }
    }
}

impl Platform {
    pub fn invalidations(&self) -> &Invalidations {
        &self.invalidations
    }

    /// Applies an invalidation another node sent; its own echo and undecodable bytes are ignored.
    pub fn receive_invalidation(&self, bytes: &[u8]) {
        match serde_json::from_slice::<Message>(bytes) {
            Ok(message) if message.origin == self.invalidations.node => {}
            Ok(message) => {
                self.invalidations.received.fetch_add(1, Ordering::Relaxed);
                self.evict_locally(&message.invalidation);
            }
            Err(error) => tracing::warn!(%error, "undecodable invalidation"),
        }
    }

    /// Evicts on this node, then on every other node.
    pub(crate) fn invalidate(&self, invalidation: Invalidation) {
        self.evict_locally(&invalidation);
        self.invalidations.broadcast(invalidation);
    }

    /// The sandbox's reset, once the store is emptied: this node forgets the old world (its
    /// engines' leases released before this returns), then every other node does.
    pub(crate) async fn forget_everything(&self) {
        self.forget_memory();
        self.reset_telephony().await;
        self.invalidations.broadcast(Invalidation::Everything);
    }

    /// What this node keeps of the store's contents besides its engines, dropped.
    fn forget_memory(&self) {
        self.tokens.clear();
        self.organizations.invalidate();
        self.enterprises.invalidate();
        self.verified_secrets.clear();
        self.sessions.clear();
        self.limiter.clear();
        self.login_throttle.clear();
        if let crate::platform::PlatformClock::Sandbox(clock) = &self.clock {
            clock.reset();
        }
    }

    pub(crate) fn evict_token_family(&self, family: &str) {
        self.invalidate(Invalidation::TokenFamily {
            family: family.to_owned(),
        });
    }

    pub(crate) fn evict_tokens_of_system_user(&self, system_user_id: &EntityId) {
        self.invalidate(Invalidation::TokensOfSystemUser {
            system_user_id: system_user_id.as_str().to_owned(),
        });
    }

    pub(crate) fn evict_tokens_of_application(&self, app_id: &EntityId) {
        self.invalidate(Invalidation::TokensOfApplication {
            app_id: app_id.as_str().to_owned(),
        });
    }

    pub(crate) fn forget_verified_secret(&self, key: &str) {
        self.invalidate(Invalidation::VerifiedSecret {
            key: key.to_owned(),
        });
    }

    pub(crate) fn invalidate_organizations(&self) {
        self.invalidate(Invalidation::Organizations);
    }

    pub(crate) fn invalidate_enterprises(&self) {
        self.invalidate(Invalidation::Enterprises);
    }

    fn evict_locally(&self, invalidation: &Invalidation) {
        match invalidation {
            Invalidation::TokenFamily { family } => self.tokens.evict_family(family),
            Invalidation::TokensOfSystemUser { system_user_id } => {
                self.tokens.evict_where(|principal| {
                    principal
                        .system_user
                        .as_ref()
                        .is_some_and(|user| user.id.as_str() == system_user_id)
                });
            }
            Invalidation::TokensOfApplication { app_id } => self
                .tokens
                .evict_where(|principal| principal.app.id.as_str() == app_id),
            Invalidation::VerifiedSecret { key } => self.verified_secrets.forget(key),
            Invalidation::Organizations => self.organizations.invalidate(),
            Invalidation::Enterprises => self.enterprises.invalidate(),
            Invalidation::Everything => {
                self.forget_memory();
                self.forget_telephony();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Recorder {
        sent: Mutex<Vec<Vec<u8>>>,
    }

    impl InvalidationTransport for Recorder {
        fn send(&self, message: Vec<u8>) -> bool {
            self.sent.lock().unwrap().push(message);
            true
        }

        fn connected(&self) -> bool {
            true
        }
    }

    #[test]
    fn the_wire_form_names_what_to_drop_and_who_sent_it() {
        let message = Message {
            origin: "node-a".into(),
            invalidation: Invalidation::TokensOfSystemUser {
                system_user_id: "su-1".into(),
            },
        };
        let text = serde_json::to_string(&message).unwrap();
        assert_eq!(
            text,
            r#"{"origin":"node-a","drop":"tokensOfSystemUser","systemUserId":"su-1"}"#
        );
        let back: Message = serde_json::from_str(&text).unwrap();
        assert_eq!(back.invalidation, message.invalidation);
        let enterprises: Message =
            serde_json::from_str(r#"{"origin":"b","drop":"enterprises"}"#).unwrap();
        assert_eq!(enterprises.invalidation, Invalidation::Enterprises);
        let everything: Message =
            serde_json::from_str(r#"{"origin":"b","drop":"everything"}"#).unwrap();
        assert_eq!(everything.invalidation, Invalidation::Everything);
    }

    #[test]
    fn without_a_transport_nothing_is_sent_and_with_one_each_is_counted() {
        let invalidations = Invalidations::default();
        assert_eq!(invalidations.connected(), None);
        invalidations.broadcast(Invalidation::Organizations);
        assert_eq!(invalidations.metrics(), InvalidationMetrics::default());
        let recorder = Arc::new(Recorder::default());
        invalidations.connect(recorder.clone()).unwrap();
        assert!(invalidations.connect(recorder.clone()).is_err());
        invalidations.broadcast(Invalidation::Organizations);
        assert_eq!(invalidations.connected(), Some(true));
        assert_eq!(invalidations.metrics().sent, 1);
        let sent = recorder.sent.lock().unwrap();
        let message: Message = serde_json::from_slice(&sent[0]).unwrap();
        assert_eq!(message.origin, invalidations.node);
    }
}
