//! The ownership of leases on SQLite and (with `SENTRAL_TEST_DATABASE_URL`) PostgreSQL, with
//! short ttls in real time.

use std::sync::Arc;
use std::time::Duration;

use sentral_domain::SandboxClock;
use sentral_store::leases;
use sentral_store::testing::{PgTestSchema, postgres_test_url};
use sentral_store::{Store, StoreError, StoreLocation};

use super::*;

const TTL: Duration = Duration::from_secs(1);

struct TestStore {
    store: Arc<Store>,
    _dir: Option<tempfile::TempDir>,
    schema: Option<PgTestSchema>,
}

impl TestStore {
    async fn cleanup(self) {
        self.store.close().await;
        if let Some(schema) = self.schema {
            schema.drop_schema().await.expect("drop test schema");
        }
    }
}

async fn stores() -> Vec<TestStore> {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = Store::open(&StoreLocation::SqliteDir(dir.path().to_owned()))
        .await
        .expect("open sqlite");
    let mut stores = vec![TestStore {
        store: Arc::new(sqlite),
        _dir: Some(dir),
        schema: None,
    }];
    if let Some(url) = postgres_test_url() {
        let schema = PgTestSchema::create(&url).await.expect("test schema");
        let store = Store::open(&StoreLocation::Postgres(schema.url.clone()))
            .await
            .expect("open postgres");
        stores.push(TestStore {
            store: Arc::new(store),
            _dir: None,
            schema: Some(schema),
        });
    }
    stores
}

fn node(name: &str) -> NodeId {
    NodeId::parse(name).unwrap()
}

async fn stored(store: &Store, resource: &Resource) -> leases::Lease {
    let mut conn = store.read().await.unwrap();
    leases::current(&mut conn, resource.as_str())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_ownership_renews_in_the_background_and_releases_on_shutdown() {
    for test in stores().await {
        let backend = test.store.backend();
        let engine = Resource::telephony("ent_1");
        let a = Ownership::new(
            test.store.clone(),
            node("node-a"),
            LeaseConfig::with_ttl(TTL),
        );
        let b = Ownership::new(
            test.store.clone(),
            node("node-b"),
            LeaseConfig::with_ttl(TTL),
        );
        let lease = a.acquire(&engine).await.unwrap().expect("free lease");
        assert_eq!(lease.epoch(), Epoch::new(1), "{backend:?}");
        assert!(lease.is_held());
        assert!(b.acquire(&engine).await.unwrap().is_none(), "{backend:?}");
        let again = a.acquire(&engine).await.unwrap().unwrap();
        assert_eq!(
            again.epoch(),
            Epoch::new(1),
            "the same lease, not a second one"
        );

        // Three ttls later the lease is still A's: the renewer kept it.
        tokio::time::sleep(TTL * 3).await;
        assert!(lease.is_held(), "{backend:?}");
        assert_eq!(lease.state(), LeaseState::Held(Epoch::new(1)));
        assert!(b.acquire(&engine).await.unwrap().is_none(), "{backend:?}");
        assert!(
            stored(&test.store, &engine).await.renewals >= 3,
            "{backend:?}"
        );
        let mut tx = test.store.write().await.unwrap();
        lease.fence(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(a.owned(), vec![(engine.clone(), Epoch::new(1))]);
        assert_eq!(
            a.snapshot(),
            OwnershipSnapshot {
                owned: 1,
                acquired: 1,
                ..OwnershipSnapshot::default()
            }
        );

        assert_eq!(a.release_all().await, 1, "{backend:?}");
        assert_eq!(lease.lost().await, LeaseState::Released(Epoch::new(1)));
        assert!(!lease.is_held());
        let taken = b
            .acquire(&engine)
            .await
            .unwrap()
            .expect("released: free at once");
        assert_eq!(taken.epoch(), Epoch::new(2), "{backend:?}");
        assert_eq!(b.snapshot().takeovers, 0, "a release is no takeover");
        assert_eq!(a.snapshot().released, 1);
        assert_eq!(a.snapshot().owned, 0);
        b.release_all().await;
        test.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_owner_steps_down_after_a_takeover_and_its_writes_are_fenced() {
    for test in stores().await {
        let backend = test.store.backend();
        let engine = Resource::telephony("ent_1");
        let a = Ownership::new(
            test.store.clone(),
            node("node-a"),
            LeaseConfig::with_ttl(TTL),
        );
        // B's clock runs 10 s ahead: to B, A's lease has expired already (as after a pause).
        let ahead: Arc<dyn Clock> = Arc::new(SandboxClock::with_offset_millis(10_000));
        let b = Ownership::with_clock(
            test.store.clone(),
            node("node-b"),
            LeaseConfig::with_ttl(TTL),
            ahead,
        );
        let old = a.acquire(&engine).await.unwrap().unwrap();
        let new = b.acquire(&engine).await.unwrap().expect("taken over");
        assert_eq!(new.epoch(), Epoch::new(2), "{backend:?}");
        assert_eq!(b.snapshot().takeovers, 1);

        // A writes before its renewer noticed: the fence refuses and A steps down.
        let mut tx = test.store.write().await.unwrap();
        let error = old.fence(&mut tx).await.unwrap_err();
        assert!(
            matches!(error, StoreError::LeaseLost { epoch: 1, .. }),
            "{error}"
        );
        drop(tx);
        let ended = tokio::time::timeout(TTL, old.lost())
            .await
            .expect("stepped down");
        assert_eq!(ended, LeaseState::Lost(Epoch::new(1)), "{backend:?}");
        assert_eq!(a.snapshot().lost, 1);
        assert_eq!(a.snapshot().owned, 0);
        assert_eq!(stored(&test.store, &engine).await.holder, "node-b");
        b.release_all().await;
        test.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_owner_steps_down_when_its_renewal_cannot_complete_in_time() {
    for test in stores().await {
        let backend = test.store.backend();
        let engine = Resource::telephony("ent_1");
        let a = Ownership::new(
            test.store.clone(),
            node("node-a"),
            LeaseConfig::with_ttl(TTL),
        );
        let lease = a.acquire(&engine).await.unwrap().unwrap();
        // A transaction that holds the lease row (the writer on SQLite) keeps renewals waiting.
        let mut blocker = test.store.write().await.unwrap();
        leases::assert_epoch(&mut blocker, engine.as_str(), "node-a", Epoch::new(1))
            .await
            .unwrap();
        let ended = tokio::time::timeout(TTL * 3, lease.lost())
            .await
            .expect("stepped down before the renewal could complete");
        assert_eq!(ended, LeaseState::Lost(Epoch::new(1)), "{backend:?}");
        assert!(!lease.is_held());
        drop(blocker);
        // Acquired again in the same process, it comes back under a new epoch.
        let back = a.acquire(&engine).await.unwrap().unwrap();
        assert!(
            back.epoch() > Epoch::new(1),
            "{backend:?}: {}",
            back.epoch()
        );
        assert_eq!(a.snapshot().lost, 1);
        a.release_all().await;
        test.cleanup().await;
    }
}

#[tokio::test]
async fn cluster_lease_defaults_renew_at_a_third_of_five_seconds() {
    let config = LeaseConfig::default();
    assert_eq!(config.ttl, Duration::from_secs(5));
    assert_eq!(config.renew_every, Duration::from_nanos(1_666_666_666));
}
