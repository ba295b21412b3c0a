//! The unit tests' demo world: a sandbox platform on a fresh SQLite store and the demo system
//! user's principal.

use std::sync::Arc;

use sentral_domain::Secret;
use sentral_store::{Store, StoreLocation};

use crate::auth::{ClientAuthMethod, GrantRequest};
use crate::{Platform, PlatformConfig, Principal, demo};

pub(crate) struct TestWorld {
    /// Keeps the store's directory for the test's lifetime.
    _dir: tempfile::TempDir,
    pub store: Arc<Store>,
    pub platform: Arc<Platform>,
    /// The demo system user, authenticated with a password grant.
    pub principal: Principal,
    pub recheck_seconds: u32,
}

impl TestWorld {
    pub(crate) async fn demo() -> TestWorld {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(
            Store::open(&StoreLocation::SqliteDir(dir.path().to_owned()))
                .await
                .unwrap(),
        );
        let config = PlatformConfig {
            sandbox: true,
            ..PlatformConfig::default()
        };
        let recheck_seconds = config.token_recheck_seconds;
        let platform = Platform::new(store.clone(), config).await.unwrap();
        platform.ensure_demo_world().await.unwrap();
        let grant = platform
            .grant(
                demo::CLIENT_ID,
                &Secret::new(demo::CLIENT_SECRET),
                ClientAuthMethod::Basic,
                GrantRequest::Password {
                    username: demo::SYSTEM_USER.into(),
                    password: Secret::new(demo::SYSTEM_USER_PASSWORD),
                },
                None,
            )
            .await
            .unwrap();
        let principal = platform
            .authenticate_bearer(grant.access_token.expose())
            .await
            .unwrap();
        TestWorld {
            _dir: dir,
            store,
            platform,
            principal,
            recheck_seconds,
        }
    }
}
