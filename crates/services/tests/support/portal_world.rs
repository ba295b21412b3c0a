//! The demo world for the portal's service tests, on SQLite and (when
//! `SENTRAL_TEST_DATABASE_URL` is set) PostgreSQL, and logging in as one of its people.
#![allow(dead_code)] // each test file uses part of it

use std::sync::Arc;

use sentral_services::portal::PortalUser;
use sentral_services::portal::demo::DemoLogin;
use sentral_services::{Platform, PlatformConfig};
use sentral_store::testing::{PgTestSchema, postgres_test_url};
use sentral_store::{Store, StoreLocation};

pub struct World {
    pub backend: &'static str,
    pub store: Arc<Store>,
    pub platform: Arc<Platform>,
    _dir: Option<tempfile::TempDir>,
    schema: Option<PgTestSchema>,
}

impl World {
    pub async fn cleanup(self) {
        self.platform.store().close().await;
        if let Some(schema) = self.schema {
            schema.drop_schema().await.unwrap();
        }
    }
}

/// A sandbox that rechecks tokens on every request, so a change is seen at once.
pub fn sandbox_config() -> PlatformConfig {
    PlatformConfig {
        sandbox: true,
        token_recheck_seconds: 0,
        ..PlatformConfig::default()
    }
}

/// The demo world on each backend, with [`sandbox_config`].
pub async fn worlds(test: &str) -> Vec<World> {
    worlds_with(test, sandbox_config).await
}

/// The demo world on each backend, each platform made with `config()`.
pub async fn worlds_with(test: &str, config: impl Fn() -> PlatformConfig) -> Vec<World> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreLocation::SqliteDir(dir.path().to_owned()))
        .await
        .unwrap();
    let (store, platform) = demo(store, config()).await;
    let mut worlds = vec![World {
        backend: "sqlite",
        store,
        platform,
        _dir: Some(dir),
        schema: None,
    }];
    let Some(base) = postgres_test_url() else {
        eprintln!("{test}: SENTRAL_TEST_DATABASE_URL is unset; skipping PostgreSQL");
        return worlds;
    };
    let schema = PgTestSchema::create(&base).await.unwrap();
    let store = Store::open(&StoreLocation::Postgres(schema.url.clone()))
        .await
        .unwrap();
    let (store, platform) = demo(store, config()).await;
    worlds.push(World {
        backend: "postgres",
        store,
        platform,
        _dir: None,
        schema: Some(schema),
    });
    worlds
}

async fn demo(store: Store, config: PlatformConfig) -> (Arc<Store>, Arc<Platform>) {
    let store = Arc::new(store);
    let platform = Platform::new(store.clone(), config).await.unwrap();
    platform.ensure_demo_world().await.unwrap();
    (store, platform)
}

/// `who`'s portal user, logged in with the demo password.
pub async fn login(platform: &Platform, who: DemoLogin) -> PortalUser {
    platform
        .portal_login(who.email, who.password)
        .await
        .unwrap()
        .session
        .user
}
