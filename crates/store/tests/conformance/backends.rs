use sentral_store::testing::{PgTestSchema, postgres_test_url};
use sentral_store::{Store, StoreLocation};

/// A store on a fresh backend, and what must be cleaned up after it.
pub struct TestStore {
    pub store: Store,
    pub name: &'static str,
    _dir: Option<tempfile::TempDir>,
    schema: Option<PgTestSchema>,
}

/// What is left to clean up of a [`TestStore`] whose store is shared by tasks.
pub struct Leftovers {
    _dir: Option<tempfile::TempDir>,
    schema: Option<PgTestSchema>,
}

impl Leftovers {
    pub async fn cleanup(self, store: std::sync::Arc<Store>) {
        store.close().await;
        if let Some(schema) = self.schema {
            schema.drop_schema().await.expect("drop test schema");
        }
    }
}

impl TestStore {
    /// The store behind an `Arc` for tasks, and what to clean up after them.
    pub fn share(self) -> (std::sync::Arc<Store>, &'static str, Leftovers) {
        let leftovers = Leftovers {
            _dir: self._dir,
            schema: self.schema,
        };
        (std::sync::Arc::new(self.store), self.name, leftovers)
    }

    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(schema) = self.schema {
            schema.drop_schema().await.expect("drop test schema");
        }
    }
}

async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let location = StoreLocation::SqliteDir(dir.path().to_owned());
    let store = Store::open(&location).await.expect("open sqlite");
    TestStore {
        store,
        name: "sqlite",
        _dir: Some(dir),
        schema: None,
    }
}

async fn postgres() -> Option<TestStore> {
    let schema = PgTestSchema::create(&postgres_test_url()?)
        .await
        .expect("create test schema");
    let store = Store::open(&StoreLocation::Postgres(schema.url.clone()))
        .await
        .expect("open postgres");
    Some(TestStore {
        store,
        name: "postgres",
        _dir: None,
        schema: Some(schema),
    })
}

/// Every backend available here: SQLite always, PostgreSQL when configured.
pub async fn all() -> Vec<TestStore> {
    let mut stores = vec![sqlite().await];
    stores.extend(postgres().await);
    stores
}
