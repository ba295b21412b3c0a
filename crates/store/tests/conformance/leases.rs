use std::sync::Arc;
use std::time::Duration;

use sentral_domain::Timestamp;
use sentral_store::leases::{self, Epoch, LeaseChange};
use sentral_store::testing::{PgTestSchema, postgres_test_url};
use sentral_store::{Backend, StoreError, StoreLocation, records};

use crate::backends;

const NOW: Timestamp = Timestamp::from_millis(1_790_000_000_000);
const TTL: Duration = Duration::from_secs(5);
const ENGINE: &str = "telephony:ent_1";

fn at(millis_after: i64) -> Timestamp {
    Timestamp::from_millis(NOW.millis() + millis_after)
}

fn is_lost(error: &StoreError, epoch: i64) -> bool {
    matches!(error, StoreError::LeaseLost { resource, epoch: lost } if resource == ENGINE && *lost == epoch)
}

#[tokio::test]
async fn a_lease_is_acquired_renewed_and_released() {
    for backend in backends::all().await {
        let name = backend.name;
        let mut tx = backend.store.write().await.unwrap();
        let first = leases::try_acquire(&mut tx, ENGINE, "node-a", TTL, NOW)
            .await
            .unwrap()
            .expect("a free lease is taken");
        assert_eq!(first.change, LeaseChange::New, "{name}");
        assert_eq!(first.lease.epoch, Epoch::new(1), "{name}");
        assert_eq!(first.lease.holder, "node-a");
        assert_eq!(first.lease.expires_at, at(5000));
        assert!(first.lease.is_live(at(4999)) && !first.lease.is_live(at(5000)));
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        let other = leases::try_acquire(&mut conn, ENGINE, "node-b", TTL, at(1000))
            .await
            .unwrap();
        assert_eq!(other, None, "{name}: held by another node");

        let again = leases::try_acquire(&mut conn, ENGINE, "node-a", TTL, at(1000))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.change, LeaseChange::Kept, "{name}");
        assert_eq!(again.lease.epoch, Epoch::new(1), "{name}");
        assert_eq!(again.lease.acquired_at, NOW);
        assert_eq!(again.lease.expires_at, at(6000));

        let renewed = leases::renew(&mut conn, ENGINE, "node-a", Epoch::new(1), TTL, at(3000))
            .await
            .unwrap();
        assert_eq!(renewed.epoch, Epoch::new(1));
        assert_eq!(renewed.expires_at, at(8000), "{name}");
        assert_eq!(renewed.renewed_at, at(3000));
        assert_eq!(renewed.renewals, 2);
        assert_eq!(
            leases::current(&mut conn, ENGINE).await.unwrap().as_ref(),
            Some(&renewed)
        );
        let held = leases::held_by(&mut conn, "node-a").await.unwrap();
        assert_eq!(held, vec![renewed.clone()], "{name}");
        assert!(
            leases::held_by(&mut conn, "node-b")
                .await
                .unwrap()
                .is_empty()
        );

        assert!(
            !leases::release(&mut conn, ENGINE, "node-b", Epoch::new(1), at(3500))
                .await
                .unwrap(),
            "{name}: only the holder releases"
        );
        assert!(
            leases::release(&mut conn, ENGINE, "node-a", Epoch::new(1), at(3500))
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            leases::held_by(&mut conn, "node-a")
                .await
                .unwrap()
                .is_empty()
        );
        let released = leases::current(&mut conn, ENGINE).await.unwrap().unwrap();
        assert_eq!(released.released_at, Some(at(3500)));
        assert!(!released.is_live(at(3500)));
        let error = leases::renew(&mut conn, ENGINE, "node-a", Epoch::new(1), TTL, at(3600))
            .await
            .unwrap_err();
        assert!(is_lost(&error, 1), "{name}: {error}");

        // Released: the next node takes it at once, under the next epoch.
        let next = leases::try_acquire(&mut conn, ENGINE, "node-b", TTL, at(3600))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(next.change, LeaseChange::AfterRelease, "{name}");
        assert_eq!(next.lease.epoch, Epoch::new(2));
        assert_eq!(next.lease.previous_holder.as_deref(), Some("node-a"));
        assert_eq!(next.lease.released_at, None);
        assert_eq!(next.lease.acquired_at, at(3600));
        assert!(
            !leases::release(&mut conn, ENGINE, "node-a", Epoch::new(1), at(3700))
                .await
                .unwrap(),
            "{name}: a stale release changes nothing"
        );
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_stale_epoch_is_fenced() {
    for backend in backends::all().await {
        let name = backend.name;
        let mut conn = backend.store.read().await.unwrap();
        leases::try_acquire(&mut conn, ENGINE, "node-a", TTL, NOW)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            leases::try_acquire(&mut conn, ENGINE, "node-b", TTL, at(4999))
                .await
                .unwrap(),
            None,
            "{name}: not yet expired"
        );
        let taken = leases::try_acquire(&mut conn, ENGINE, "node-b", TTL, at(5000))
            .await
            .unwrap()
            .expect("an expired lease is taken over");
        assert_eq!(
            taken.change,
            LeaseChange::TakenOver {
                from: "node-a".into()
            },
            "{name}"
        );
        assert_eq!(taken.lease.epoch, Epoch::new(2), "{name}");
        assert!(taken.lease.taken_over);
        assert_eq!(taken.lease.renewals, 0);
        drop(conn);

        // The ex-owner resumes: its renewal and its fenced writes fail.
        let mut conn = backend.store.read().await.unwrap();
        let error = leases::renew(&mut conn, ENGINE, "node-a", Epoch::new(1), TTL, at(5100))
            .await
            .unwrap_err();
        assert!(is_lost(&error, 1), "{name}: {error}");
        drop(conn);
        let mut tx = backend.store.write().await.unwrap();
        let error = leases::assert_epoch(&mut tx, ENGINE, "node-a", Epoch::new(1))
            .await
            .unwrap_err();
        assert!(is_lost(&error, 1), "{name}: {error}");
        drop(tx);
        // Nor does the new holder pass with the old epoch, or another node with the new one.
        let mut tx = backend.store.write().await.unwrap();
        assert!(
            leases::assert_epoch(&mut tx, ENGINE, "node-b", Epoch::new(1))
                .await
                .is_err()
        );
        assert!(
            leases::assert_epoch(&mut tx, ENGINE, "node-a", Epoch::new(2))
                .await
                .is_err()
        );
        leases::assert_epoch(&mut tx, ENGINE, "node-b", Epoch::new(2))
            .await
            .unwrap();
        records::set_setting(&mut tx, "owner-wrote", "epoch 2")
            .await
            .unwrap();
        tx.commit().await.unwrap();

        // A lease that expired is lost even if nobody took it: renewing fails, acquiring again
        // starts the next epoch (also for the same node).
        let mut conn = backend.store.read().await.unwrap();
        let error = leases::renew(&mut conn, ENGINE, "node-b", Epoch::new(2), TTL, at(10_000))
            .await
            .unwrap_err();
        assert!(is_lost(&error, 2), "{name}: {error}");
        let back = leases::try_acquire(&mut conn, ENGINE, "node-b", TTL, at(10_000))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.lease.epoch, Epoch::new(3), "{name}");
        assert_eq!(
            back.change,
            LeaseChange::TakenOver {
                from: "node-b".into()
            }
        );
        assert_eq!(
            records::setting(&mut conn, "owner-wrote").await.unwrap(),
            Some("epoch 2".into())
        );
        drop(conn);
        backend.cleanup().await;
    }
}

/// The fence holds the lease for the length of the owner's transaction: a takeover attempted
/// meanwhile waits for it (PostgreSQL's row lock, SQLite's writer) and then moves the epoch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_takeover_waits_for_the_owners_fenced_write() {
    for backend in backends::all().await {
        let (store, name, leftovers) = backend.share();
        let mut conn = store.read().await.unwrap();
        leases::try_acquire(&mut conn, ENGINE, "node-a", TTL, NOW)
            .await
            .unwrap()
            .unwrap();
        drop(conn);

        let mut owner = store.write().await.unwrap();
        leases::assert_epoch(&mut owner, ENGINE, "node-a", Epoch::new(1))
            .await
            .unwrap();
        let taker = tokio::spawn({
            let store = store.clone();
            async move {
                let mut tx = store.write().await.unwrap();
                let taken = leases::try_acquire(&mut tx, ENGINE, "node-b", TTL, at(6000))
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                taken
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!taker.is_finished(), "{name}: the takeover waits");
        records::set_setting(&mut owner, "owner-wrote", "epoch 1")
            .await
            .unwrap();
        owner.commit().await.unwrap();
        let taken = tokio::time::timeout(Duration::from_secs(10), taker)
            .await
            .expect("the takeover finishes once the owner committed")
            .unwrap()
            .expect("taken over");
        assert_eq!(taken.lease.epoch, Epoch::new(2), "{name}");
        assert_eq!(taken.lease.holder, "node-b");

        let mut conn = store.read().await.unwrap();
        assert_eq!(
            records::setting(&mut conn, "owner-wrote").await.unwrap(),
            Some("epoch 1".into())
        );
        drop(conn);
        leftovers.cleanup(store).await;
    }
}

const RACERS: usize = 50;
const ROUNDS: i64 = 5;
/// PostgreSQL stores (nodes) the racers are spread over, so that all 50 transactions are open
/// at once (a pool holds 16 connections).
const PG_NODES: usize = 4;

/// The stores the racers use: on SQLite one (one process per data dir), on PostgreSQL several
/// on one schema, as nodes of a cluster are.
async fn race_backends() -> Vec<(Vec<Arc<sentral_store::Store>>, Cleanup)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = sentral_store::Store::open(&StoreLocation::SqliteDir(dir.path().to_owned()))
        .await
        .expect("open sqlite");
    let mut backends = vec![(
        vec![Arc::new(sqlite)],
        Cleanup {
            _dir: Some(dir),
            schema: None,
        },
    )];
    if let Some(url) = postgres_test_url() {
        let schema = PgTestSchema::create(&url).await.expect("test schema");
        let mut nodes = Vec::new();
        for _ in 0..PG_NODES {
            let location = StoreLocation::Postgres(schema.url.clone());
            let store = sentral_store::Store::open(&location)
                .await
                .expect("open postgres");
            nodes.push(Arc::new(store));
        }
        backends.push((
            nodes,
            Cleanup {
                _dir: None,
                schema: Some(schema),
            },
        ));
    }
    backends
}

/// What to remove after a race: the SQLite data dir (when dropped) or the PostgreSQL schema.
struct Cleanup {
    _dir: Option<tempfile::TempDir>,
    schema: Option<PgTestSchema>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_attempts_take_a_free_lease_once_per_epoch() {
    for (nodes, cleanup) in race_backends().await {
        let backend = nodes[0].backend();
        for round in 0..ROUNDS {
            // Each round starts after the last round's lease expired.
            let now = at(round * 10_000);
            // On PostgreSQL every racer opens its transaction, then all go at once; SQLite's
            // single writer would make that wait for ever, so there they start at once.
            let start = Arc::new(tokio::sync::Barrier::new(match backend {
                Backend::Postgres => RACERS,
                Backend::Sqlite => 1,
            }));
            let mut racers = Vec::new();
            for racer in 0..RACERS {
                let store = nodes[racer % nodes.len()].clone();
                let start = start.clone();
                racers.push(tokio::spawn(async move {
                    let node = format!("node-{racer}");
                    let mut tx = store.write().await.unwrap();
                    start.wait().await;
                    let won = leases::try_acquire(&mut tx, ENGINE, &node, TTL, now)
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                    won.map(|acquired| (node, acquired))
                }));
            }
            let mut winners = Vec::new();
            for racer in racers {
                let outcome = tokio::time::timeout(Duration::from_secs(60), racer)
                    .await
                    .expect("every racer finishes")
                    .unwrap();
                winners.extend(outcome);
            }
            assert_eq!(
                winners.len(),
                1,
                "{backend:?} round {round}: exactly one racer wins, not {:?}",
                winners
                    .iter()
                    .map(|(node, acquired)| (node, acquired.lease.epoch))
                    .collect::<Vec<_>>()
            );
            let (winner, acquired) = &winners[0];
            assert_eq!(acquired.lease.epoch, Epoch::new(round + 1), "{backend:?}");
            let mut conn = nodes[0].read().await.unwrap();
            let stored = leases::current(&mut conn, ENGINE).await.unwrap().unwrap();
            assert_eq!(&stored.holder, winner, "{backend:?} round {round}");
            assert_eq!(stored.epoch, Epoch::new(round + 1));
            assert_eq!(stored.acquired_at, now);
        }
        for store in &nodes {
            store.close().await;
        }
        if let Some(schema) = cleanup.schema {
            schema.drop_schema().await.expect("drop test schema");
        }
    }
}
