//! One owner per enterprise engine, on PostgreSQL (`SENTRAL_TEST_DATABASE_URL`; skipped
//! without it): two platforms on one schema are two nodes. Node A runs the demo enterprise's
//! engine, node B is answered `NotOwner`; A is paused past its lease (its only runtime thread
//! blocked, as SIGSTOP would) → B takes over with the next epoch and runs the engine, and A,
//! resumed, writes nothing (its fence fails, its engine task ended). A graceful hand-over lets
//! B take over at once.

#[path = "support/cluster_node.rs"]
mod cluster_node;

use std::time::{Duration, Instant};

use cluster_node::{TTL, two_nodes};
use sentral_services::ServiceError;
use sentral_services::cluster::Resource;
use sentral_services::directory::demo::DEMO_ENTERPRISE_ID;
use sentral_store::StoreError;

fn assert_not_owner(result: Result<(), ServiceError>, owner: &str) {
    match result {
        Err(ServiceError::NotOwner {
            enterprise,
            owner: Some(holder),
            retry_after_secs,
        }) => {
            assert_eq!(enterprise, DEMO_ENTERPRISE_ID);
            assert_eq!(holder, owner);
            assert!(
                (1..=TTL.as_secs()).contains(&retry_after_secs),
                "{retry_after_secs}"
            );
        }
        other => panic!("expected NotOwner by {owner}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_engine_has_one_owner_and_a_paused_owner_is_fenced_after_takeover() {
    let Some((schema, a, b)) = two_nodes("cluster_engine_takeover").await else {
        return;
    };
    a.call().await.unwrap();
    let first = a.epoch().expect("A holds the lease");
    assert_eq!(a.platform.running_engines().await, [DEMO_ENTERPRISE_ID]);
    // B does not run the engine too: a clear NotOwner naming A.
    assert_not_owner(b.call().await, "node-a");
    assert!(b.platform.running_engines().await.is_empty());
    let message = b.call().await.unwrap_err().to_string();
    assert!(
        message.contains("node node-a") && message.contains("retry after"),
        "{message}"
    );

    // A's own handle on its lease, for a write after the pause.
    let lease = a
        .on(|platform| async move {
            let resource = Resource::telephony(DEMO_ENTERPRISE_ID);
            platform.ownership().unwrap().acquire(&resource).await
        })
        .await
        .unwrap()
        .expect("A holds it");

    // Pause A (its one runtime thread blocked) past its lease: B takes over within the ttl.
    let pause = TTL * 4;
    let paused = a.runtime.spawn(async move { std::thread::sleep(pause) });
    let started = Instant::now();
    let took_over = loop {
        match b.call().await {
            Ok(()) => break started.elapsed(),
            Err(ServiceError::NotOwner { .. }) => {
                assert!(started.elapsed() < TTL * 3, "B did not take over in time");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(other) => panic!("{other}"),
        }
    };
    assert!(took_over <= TTL + Duration::from_secs(1), "{took_over:?}");
    assert_eq!(b.epoch(), Some(first + 1));
    assert_eq!(b.platform.ownership().unwrap().snapshot().takeovers, 1);
    assert_eq!(b.platform.running_engines().await, [DEMO_ENTERPRISE_ID]);
    paused.await.unwrap();

    // A, resumed: its fenced write fails, it stepped down and its engine task ended.
    let fenced = a
        .on(move |platform| async move {
            let mut tx = platform.store().write().await.unwrap();
            lease.fence(&mut tx).await
        })
        .await;
    assert!(
        matches!(fenced, Err(StoreError::LeaseLost { epoch, .. }) if epoch == first),
        "{fenced:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(2);
    while !a.platform.running_engines().await.is_empty() {
        assert!(Instant::now() < deadline, "A's engine task did not end");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(a.epoch(), None);
    assert_eq!(a.platform.ownership().unwrap().snapshot().lost, 1);
    // And A now answers NotOwner naming B.
    assert_not_owner(a.call().await, "node-b");

    b.on(|platform| async move { platform.hand_over_engines().await })
        .await;
    drop((a, b));
    schema.drop_schema().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_graceful_hand_over_releases_so_another_node_takes_over_at_once() {
    let Some((schema, a, b)) = two_nodes("cluster_hand_over").await else {
        return;
    };
    a.call().await.unwrap();
    let first = a.epoch().unwrap();
    assert_not_owner(b.call().await, "node-a");

    let released = a
        .on(|platform| async move { platform.hand_over_engines().await })
        .await;
    assert_eq!(released, 1);
    assert!(a.platform.running_engines().await.is_empty());
    // At once, not after the ttl, and not a takeover.
    let started = Instant::now();
    b.call().await.unwrap();
    assert!(started.elapsed() < TTL, "{:?}", started.elapsed());
    assert_eq!(b.epoch(), Some(first + 1));
    let snapshot = b.platform.ownership().unwrap().snapshot();
    assert_eq!((snapshot.owned, snapshot.takeovers), (1, 0));
    assert_eq!(a.platform.ownership().unwrap().snapshot().released, 1);

    b.on(|platform| async move { platform.hand_over_engines().await })
        .await;
    drop((a, b));
    schema.drop_schema().await.unwrap();
}
