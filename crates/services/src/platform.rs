//! The service root: the store, the clock, configuration and the in-memory caches that every
//! use case shares.

use std::sync::Arc;

use sentral_domain::platform::AuditEntry;
use sentral_domain::{Clock, SandboxClock, SystemClock, Timestamp};
use sentral_store::{Connection, Store, records};

use crate::ServiceError;
use crate::cache::{EnterpriseCache, OrganizationCache, TokenCache};
use crate::limits::{RateLimiter, RateLimits};
use crate::passwords::VerifiedSecrets;
use crate::throttle::{LoginThrottle, ThrottleLimits};

#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// Sandbox mode: demo world, controllable clock, `/sandbox/v1/*`.
    pub sandbox: bool,
    pub access_token_ttl_seconds: u32,
    pub refresh_token_ttl_seconds: u32,
    pub authorization_code_ttl_seconds: u32,
    /// How long a node trusts a cached token before it checks the store again for revocation.
    pub token_recheck_seconds: u32,
    pub rate_limits: RateLimits,
    /// Brute-force protection of client and user authentication on the token endpoints.
    pub login_throttle: ThrottleLimits,
    /// Delays of the operator's asynchronous changes (account activation, orders).
    pub corporate: crate::corporate::CorporateTimings,
    /// This node's name in the cluster (leases, webhook claims); random per process when unset.
    pub node_id: Option<crate::cluster::NodeId>,
    /// The leases of enterprise engines (PostgreSQL only).
    pub lease: crate::cluster::LeaseConfig,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        Self {
            sandbox: false,
            access_token_ttl_seconds: 3600,
            refresh_token_ttl_seconds: 30 * 24 * 3600,
            authorization_code_ttl_seconds: 120,
            token_recheck_seconds: 5,
            rate_limits: RateLimits::default(),
            login_throttle: ThrottleLimits::default(),
            corporate: crate::corporate::CorporateTimings::default(),
            node_id: None,
            lease: crate::cluster::LeaseConfig::default(),
        }
    }
}

/// The clock of this process: real time, or real time plus the sandbox's offset.
#[derive(Clone)]
pub enum PlatformClock {
    System(SystemClock),
    Sandbox(Arc<SandboxClock>),
}

impl PlatformClock {
    pub fn now(&self) -> Timestamp {
        match self {
            PlatformClock::System(clock) => clock.now(),
            PlatformClock::Sandbox(clock) => clock.now(),
        }
    }
}

pub struct Platform {
    pub(crate) store: Arc<Store>,
    pub(crate) clock: PlatformClock,
    pub(crate) config: PlatformConfig,
    pub(crate) verified_secrets: VerifiedSecrets,
    pub(crate) tokens: TokenCache,
    pub(crate) organizations: OrganizationCache,
    pub(crate) enterprises: EnterpriseCache,
    pub(crate) invalidations: crate::invalidation::Invalidations,
    pub(crate) limiter: RateLimiter,
    pub(crate) login_throttle: LoginThrottle,
    pub(crate) due_orders: crate::corporate::DueOrders,
    pub(crate) telephony: crate::telephony::Telephony,
    pub(crate) sessions: crate::telephony::sessions::Sessions,
    /// The KPN product catalogue, read once (`kpn::basket::catalogue`).
    pub(crate) kpn_catalogue: crate::kpn::basket::catalogue::CatalogueCache,
    pub(crate) node: crate::cluster::NodeId,
    /// One owner per enterprise engine across nodes: only on PostgreSQL (a SQLite store has one
    /// node, so no leases and no extra round trips).
    pub(crate) ownership: Option<crate::cluster::Ownership>,
}

/// The setting that keeps the sandbox clock's offset across restarts and nodes.
pub(crate) const CLOCK_OFFSET_SETTING: &str = "sandbox.clock_offset_millis";

impl Platform {
    /// Builds the platform over an open store. In sandbox mode the clock starts at the offset
    /// stored by an earlier run.
    pub async fn new(store: Arc<Store>, config: PlatformConfig) -> Result<Arc<Self>, ServiceError> {
        let clock = if config.sandbox {
            let mut conn = store.read().await?;
            let offset = records::setting(&mut conn, CLOCK_OFFSET_SETTING)
                .await?
                .and_then(|value| value.parse().ok())
                .unwrap_or(0);
            PlatformClock::Sandbox(Arc::new(SandboxClock::with_offset_millis(offset)))
        } else {
            PlatformClock::System(SystemClock)
        };
        let limiter = RateLimiter::new(config.rate_limits.clone());
        let hub_clock: Arc<dyn Clock> = match &clock {
            PlatformClock::System(clock) => Arc::new(*clock),
            PlatformClock::Sandbox(clock) => clock.clone(),
        };
        let node = config
            .node_id
            .clone()
            .unwrap_or_else(crate::cluster::NodeId::random);
        let ownership = (store.backend() == sentral_store::Backend::Postgres)
            .then(|| crate::cluster::Ownership::new(store.clone(), node.clone(), config.lease));
        let hub = sentral_events::MonitorHub::new(sentral_events::HubConfig {
            clock: hub_clock,
            // Webhooks from the persistent outbox in the store, deliverable by any node.
            outbox: Some(sentral_events::OutboxConfig {
                node: node.to_string(),
                ..sentral_events::OutboxConfig::new(Arc::new(
                    crate::webhook_outbox::StoreOutbox::new(store.clone()),
                ))
            }),
            ..sentral_events::HubConfig::default()
        });
        let login_throttle = LoginThrottle::new(config.login_throttle.clone());
        Ok(Arc::new(Self {
            store,
            clock,
            config,
            verified_secrets: VerifiedSecrets::default(),
            tokens: TokenCache::default(),
            organizations: OrganizationCache::default(),
            enterprises: EnterpriseCache::default(),
            invalidations: Default::default(),
            limiter,
            login_throttle,
            due_orders: Default::default(),
            telephony: crate::telephony::Telephony::new(hub),
            sessions: Default::default(),
            kpn_catalogue: Default::default(),
            node,
            ownership,
        }))
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn config(&self) -> &PlatformConfig {
        &self.config
    }

    pub fn is_sandbox(&self) -> bool {
        self.config.sandbox
    }

    /// This node's name in the cluster.
    pub fn node_id(&self) -> &crate::cluster::NodeId {
        &self.node
    }

    /// The leases this node holds (PostgreSQL only).
    pub fn ownership(&self) -> Option<&crate::cluster::Ownership> {
        self.ownership.as_ref()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub async fn ready(&self) -> Result<(), ServiceError> {
        Ok(self.store.ping().await?)
    }

    /// Deletes tokens and codes expired for more than a day, expired CSTA and portal sessions,
    /// old quota windows and absences that ended more than 30 days ago.
    pub async fn purge_expired(&self) -> Result<u64, ServiceError> {
        let cutoff = self.now().plus_seconds(-86_400);
        let mut conn = self.store.read().await?;
        let purged = sentral_store::tokens::purge_expired(&mut conn, cutoff).await?;
        // A session is of no use once expired (its expiry is checked on every use).
        let sessions = sentral_store::csta_sessions::purge_expired(&mut conn, self.now()).await?;
        self.sessions.forget_expired(self.now());
        records::purge_quota_before(&mut conn, self.now().plus_seconds(-3600)).await?;
        self.purge_contact_tombstones().await?;
        // Webhooks delivered or given up a day ago; the outbox keeps wall-clock times.
        let webhooks_before = SystemClock.now().plus_seconds(-86_400);
        sentral_store::outbox::purge_finished(&mut conn, webhooks_before).await?;
        self.purge_past_absences().await?;
        let mut tx = self.store.write().await?;
        let portal_sessions =
            sentral_store::portal::delete_expired_sessions(&mut tx, self.now()).await?;
        tx.commit().await?;
        Ok(purged + sessions + portal_sessions)
    }
}

/// Who made a change, for the audit log: `cli`, `sandbox`, `client:<client id>` …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub String);

impl Actor {
    pub fn cli() -> Self {
        Actor("cli".into())
    }

    pub fn sandbox() -> Self {
        Actor("sandbox".into())
    }
}

/// Appends an audit entry in the caller's transaction, so the entry and the change commit together.
pub(crate) async fn audit(
    conn: &mut Connection,
    now: Timestamp,
    actor: &Actor,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<(), ServiceError> {
    let entry = AuditEntry {
        at: now,
        actor: actor.0.clone(),
        action: action.to_owned(),
        target: target.to_owned(),
        detail: detail.to_string(),
    };
    records::audit(conn, &entry).await?;
    Ok(())
}
