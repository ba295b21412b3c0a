//! Two platforms on one PostgreSQL schema are two nodes of a cluster, each on a runtime of its
//! own with one thread: blocking that thread pauses the node as SIGSTOP would.
#![allow(dead_code)] // each test file uses part of it

use std::sync::Arc;
use std::time::Duration;

use sentral_domain::Secret;
use sentral_services::auth::{ClientAuthMethod, GrantRequest};
use sentral_services::cluster::{LeaseConfig, NodeId, Resource};
use sentral_services::demo::{CLIENT_ID, CLIENT_SECRET, SYSTEM_USER, SYSTEM_USER_PASSWORD};
use sentral_services::directory::demo::{DEMO_ENTERPRISE_ID, DEMO_SWITCHBOARD};
use sentral_services::{Platform, PlatformConfig, ServiceError};
use sentral_store::testing::{PgTestSchema, postgres_test_url};
use sentral_store::{Store, StoreLocation};

pub const OUTSIDE: &str = "4799112233";
pub const TTL: Duration = Duration::from_secs(1);

/// An access token of the demo system user (password grant of the demo client) from `platform`.
pub async fn demo_access_token(platform: &Platform) -> String {
    let grant = platform
        .grant(
            CLIENT_ID,
            &Secret::new(CLIENT_SECRET),
            ClientAuthMethod::Basic,
            GrantRequest::Password {
                username: SYSTEM_USER.into(),
                password: Secret::new(SYSTEM_USER_PASSWORD),
            },
            None,
        )
        .await
        .unwrap();
    grant.access_token.expose().to_owned()
}

/// A node on a runtime of its own with one thread: blocking that thread pauses the node.
pub struct Node {
    pub runtime: tokio::runtime::Handle,
    pub platform: Arc<Platform>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Node {
    pub async fn start(url: &str, name: &str, seed: bool) -> Node {
        Self::start_with_ttl(url, name, seed, TTL).await
    }

    /// A node whose leases last `ttl` (a test that holds a lease's row locked renews nothing).
    pub async fn start_with_ttl(url: &str, name: &str, seed: bool, ttl: Duration) -> Node {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            runtime.block_on(async {
                let _ = stopped.await;
            });
        });
        let (url, name) = (url.to_owned(), name.to_owned());
        let platform = handle
            .spawn(async move {
                let store = Store::open(&StoreLocation::Postgres(url)).await.unwrap();
                let config = PlatformConfig {
                    sandbox: true,
                    node_id: Some(NodeId::parse(&name).unwrap()),
                    lease: LeaseConfig::with_ttl(ttl),
                    ..PlatformConfig::default()
                };
                let platform = Platform::new(Arc::new(store), config).await.unwrap();
                if seed {
                    platform.ensure_demo_world().await.unwrap();
                }
                platform
            })
            .await
            .unwrap();
        Node {
            runtime: handle,
            platform,
            _stop: stop,
        }
    }

    /// Runs `work` on this node's runtime.
    pub async fn on<T, F>(&self, work: impl FnOnce(Arc<Platform>) -> F) -> T
    where
        F: std::future::Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.runtime
            .spawn(work(self.platform.clone()))
            .await
            .unwrap()
    }

    /// A call into the demo enterprise: it needs the enterprise's engine.
    pub async fn call(&self) -> Result<(), ServiceError> {
        self.on(|platform| async move {
            platform
                .sandbox_call(OUTSIDE, DEMO_SWITCHBOARD, Some(DEMO_ENTERPRISE_ID))
                .await
                .map(|_| ())
        })
        .await
    }

    pub fn epoch(&self) -> Option<i64> {
        let resource = Resource::telephony(DEMO_ENTERPRISE_ID);
        let ownership = self.platform.ownership().unwrap();
        ownership
            .owned()
            .into_iter()
            .find(|(owned, _)| *owned == resource)
            .map(|(_, epoch)| epoch.get())
    }
}

pub async fn two_nodes(test: &str) -> Option<(PgTestSchema, Node, Node)> {
    let Some(base) = postgres_test_url() else {
        eprintln!(
            "{test}: SENTRAL_TEST_DATABASE_URL is unset; skipping the PostgreSQL cluster test"
        );
        return None;
    };
    let schema = PgTestSchema::create(&base).await.unwrap();
    let a = Node::start(&schema.url, "node-a", true).await;
    let b = Node::start(&schema.url, "node-b", false).await;
    Some((schema, a, b))
}
