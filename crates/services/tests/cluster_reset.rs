//! A sandbox reset reaches every node (PostgreSQL, `SENTRAL_TEST_DATABASE_URL`; skipped
//! without it): a call is up on node A's engine, the reset goes through node B, and its
//! invalidation makes A drop its engine and release the lease; afterwards neither node shows
//! the call — read through A, which starts a fresh engine, and through B, which forwards to it —
//! and A's engine from before the reset can write nothing.

#[path = "support/cluster_node.rs"]
mod cluster_node;
#[path = "support/loopback.rs"]
mod loopback;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cluster_node::{Node, OUTSIDE, demo_access_token};
use loopback::{Forwarding, Invalidations};
use sentral_services::cluster::Resource;
use sentral_services::directory::demo::DEMO_ENTERPRISE_ID;
use sentral_services::telephony::network::HandsetAction;
use sentral_store::StoreError;
use sentral_store::testing::{PgTestSchema, postgres_test_url};

/// Longer than the test: A's lease is not lost by a failed renewal (the reset deletes its row),
/// only by the reset's message.
const LONG_TTL: Duration = Duration::from_secs(60);

/// Henrik's phone, a member of the demo enterprise.
const HENRIK: &str = "4791000010";

/// The calls Henrik's phone is in, as `node` reads them (its engine, or the owner's).
async fn calls_of_henrik(node: &Node) -> usize {
    node.on(|platform| async move {
        let token = demo_access_token(&platform).await;
        let principal = platform.authenticate_bearer(&token).await.unwrap();
        platform
            .device_snapshot(&principal, HENRIK)
            .await
            .unwrap()
            .calls
            .len()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_reset_through_one_node_clears_the_calls_of_every_nodes_engines() {
    let Some(base) = postgres_test_url() else {
        eprintln!("cluster_reset: SENTRAL_TEST_DATABASE_URL is unset; skipping");
        return;
    };
    let schema = PgTestSchema::create(&base).await.unwrap();
    let a = Node::start_with_ttl(&schema.url, "node-a", true, LONG_TTL).await;
    let b = Node::start_with_ttl(&schema.url, "node-b", false, LONG_TTL).await;
    let forwarding = Arc::new(Forwarding::default());
    forwarding.join("node-a", &a);
    forwarding.join("node-b", &b);
    let invalidations = Arc::new(Invalidations::default());
    invalidations.join(&a);
    invalidations.join(&b);

    // A call up on A's engine, seen through both nodes.
    a.on(|platform| async move { platform.sandbox_call(OUTSIDE, HENRIK, None).await })
        .await
        .unwrap();
    a.on(|platform| async move {
        platform
            .sandbox_handset(HENRIK, HandsetAction::Answer)
            .await
    })
    .await
    .unwrap();
    assert_eq!(a.platform.running_engines().await, [DEMO_ENTERPRISE_ID]);
    assert!(b.platform.running_engines().await.is_empty());
    assert_eq!(calls_of_henrik(&a).await, 1);
    assert_eq!(calls_of_henrik(&b).await, 1);
    // A's own handle on the lease its engine runs under, for a write after the reset.
    let resource = Resource::telephony(DEMO_ENTERPRISE_ID);
    let before = a
        .on({
            let resource = resource.clone();
            |platform| async move { platform.ownership().unwrap().acquire(&resource).await }
        })
        .await
        .unwrap()
        .expect("A holds it");

    b.on(|platform| async move { platform.reset_sandbox().await })
        .await
        .unwrap();
    invalidations.delivered().await;

    // A dropped its engine at once and gives its lease up (in the background).
    assert!(a.platform.running_engines().await.is_empty());
    let deadline = Instant::now() + Duration::from_secs(5);
    while a.epoch().is_some() {
        assert!(
            Instant::now() < deadline,
            "A kept the lease of its reset engine"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Its engine from before the reset can write nothing now.
    let fenced = a
        .on(move |platform| async move {
            let mut tx = platform.store().write().await.unwrap();
            before.fence(&mut tx).await
        })
        .await;
    assert!(
        matches!(fenced, Err(StoreError::LeaseLost { .. })),
        "{fenced:?}"
    );

    // The call is gone, read through either node: A starts a fresh engine from the demo world.
    assert_eq!(calls_of_henrik(&a).await, 0);
    assert_eq!(calls_of_henrik(&b).await, 0);
    assert_eq!(a.platform.running_engines().await, [DEMO_ENTERPRISE_ID]);
    assert!(b.platform.running_engines().await.is_empty());
    // And the fresh engine takes calls again.
    b.on(|platform| async move { platform.sandbox_call(OUTSIDE, HENRIK, None).await })
        .await
        .unwrap();
    assert_eq!(calls_of_henrik(&a).await, 1);

    a.on(|platform| async move { platform.hand_over_engines().await })
        .await;
    drop((a, b));
    schema.drop_schema().await.unwrap();
}
