//! Calls survive their owner (PostgreSQL, `SENTRAL_TEST_DATABASE_URL`; skipped without it): the
//! owner journals every input in its fenced transaction and snapshots the engine now and then; a
//! node that takes the lease over restores the snapshot, replays the journal after it, and the
//! call that was up on the frozen owner is still there to be hung up — once. A command forwarded
//! from a node that does not own the engine is applied by the owner, and its idempotency key
//! keeps a retry — to the same owner, or to the next after a takeover — from applying it twice.

#[path = "support/cluster_node.rs"]
mod cluster_node;
#[path = "support/loopback.rs"]
mod loopback;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cluster_node::{Node, OUTSIDE, TTL, two_nodes};
use loopback::Forwarding;
use sentral_services::ServiceError;
use sentral_services::directory::demo::DEMO_ENTERPRISE_ID;
use sentral_services::telephony::network::HandsetAction;

/// Henrik's phone and a colleague's, members of the demo enterprise.
const HENRIK: &str = "4791000010";
const COLLEAGUE: &str = "4791000011";

async fn handset(
    node: &Node,
    number: &'static str,
    action: HandsetAction,
) -> Result<(), ServiceError> {
    node.on(move |platform| async move { platform.sandbox_handset(number, action).await })
        .await
}

/// Freezes a node for good: its one runtime thread never runs again (as after SIGKILL, its
/// lease is not renewed and it writes nothing more).
fn freeze_forever(node: &Node) {
    drop(
        node.runtime
            .spawn(async { std::thread::sleep(Duration::from_secs(3600)) }),
    );
}

/// Retries `attempt` on `node` while the frozen owner's lease has not run out.
async fn after_takeover<T>(
    mut attempt: impl AsyncFnMut() -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let started = Instant::now();
    loop {
        match attempt().await {
            Err(ServiceError::NotOwner { .. }) if started.elapsed() < TTL * 5 => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_up_on_an_owner_that_dies_is_restored_by_the_next_owner_and_cleared_once() {
    let Some((schema, a, b)) = two_nodes("cluster_journal_restore").await else {
        return;
    };
    // More inputs than one snapshot interval: the restore is a snapshot plus a replayed tail.
    for _ in 0..40 {
        handset(&a, COLLEAGUE, HandsetAction::Power { on: false })
            .await
            .unwrap();
        handset(&a, COLLEAGUE, HandsetAction::Power { on: true })
            .await
            .unwrap();
    }
    let call = a
        .on(|platform| async move { platform.sandbox_call(OUTSIDE, HENRIK, None).await })
        .await
        .unwrap();
    handset(&a, HENRIK, HandsetAction::Answer).await.unwrap();
    let first = a.epoch().unwrap();

    freeze_forever(&a);
    let hung_up = after_takeover(async || handset(&b, HENRIK, HandsetAction::HangUp).await).await;
    assert!(
        hung_up.is_ok(),
        "the call did not survive its owner: {hung_up:?}"
    );
    assert_eq!(b.epoch(), Some(first + 1));
    let counters = b.platform.telephony().cluster_counters();
    assert!(
        (1..64).contains(&counters.replayed),
        "a snapshot plus a tail replayed: {counters:?}"
    );
    // Cleared once: nothing is left to hang up.
    let again = handset(&b, HENRIK, HandsetAction::HangUp).await;
    assert!(matches!(again, Err(ServiceError::Csta(_))), "{again:?}");
    // The call's id continues: a new call gets the next number, not the restored one's.
    let next = b
        .on(|platform| async move { platform.sandbox_call(OUTSIDE, HENRIK, None).await })
        .await
        .unwrap();
    assert_ne!(next.call_id, call.call_id);

    b.on(|platform| async move { platform.hand_over_engines().await })
        .await;
    drop(b);
    std::mem::forget(a);
    schema.drop_schema().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_control_on_a_non_owner_is_forwarded_to_the_owner_and_a_retried_key_applies_once() {
    let Some((schema, a, b)) = two_nodes("cluster_forwarding").await else {
        return;
    };
    let transport = Arc::new(Forwarding::default());
    transport.join("node-a", &a);
    transport.join("node-b", &b);
    a.call().await.unwrap();

    // B does not own the engine: its call control runs on A and answers as if local.
    let call = b
        .on(|platform| async move { platform.sandbox_call(OUTSIDE, HENRIK, None).await })
        .await
        .unwrap();
    handset(&b, HENRIK, HandsetAction::Answer).await.unwrap();
    assert!(b.platform.running_engines().await.is_empty());
    assert_eq!(a.platform.running_engines().await, [DEMO_ENTERPRISE_ID]);
    assert_eq!(b.platform.telephony().cluster_counters().forwarded, 2);

    // The owner is asked the same request twice (a retry after a timeout): one call, one answer.
    let (to, placed) = transport.requests.lock().unwrap()[0].clone();
    assert_eq!(to, "node-a");
    let first = a
        .on({
            let placed = placed.clone();
            move |platform| async move { platform.receive_forwarded(&placed).await }
        })
        .await;
    let text = String::from_utf8(first.clone()).unwrap();
    assert!(
        text.contains(&call.call_id.rsplit('-').next().unwrap().to_string()),
        "{text}"
    );

    // A dies; the retry of the same request reaches B, which took over: answered from the
    // journal, not applied again (still one call up, the one answered above).
    freeze_forever(&a);
    let retried = after_takeover(async || {
        let placed = placed.clone();
        let answer = b
            .on(move |platform| async move { platform.receive_forwarded(&placed).await })
            .await;
        let text = String::from_utf8(answer.clone()).unwrap();
        if text.contains("notOwner") {
            Err(ServiceError::NotOwner {
                enterprise: DEMO_ENTERPRISE_ID.into(),
                owner: None,
                retry_after_secs: 1,
            })
        } else {
            Ok(answer)
        }
    })
    .await
    .unwrap();
    assert_eq!(
        retried, first,
        "a retry is answered as the first attempt was"
    );
    handset(&b, HENRIK, HandsetAction::HangUp).await.unwrap();
    let again = handset(&b, HENRIK, HandsetAction::HangUp).await;
    assert!(
        matches!(again, Err(ServiceError::Csta(_))),
        "one call only: {again:?}"
    );

    b.on(|platform| async move { platform.hand_over_engines().await })
        .await;
    drop(b);
    std::mem::forget(a);
    schema.drop_schema().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_hand_over_the_forwarding_node_takes_the_engine_at_once() {
    let Some((schema, a, b)) = two_nodes("cluster_forwarding_hand_over").await else {
        return;
    };
    let transport = Arc::new(Forwarding::default());
    transport.join("node-a", &a);
    transport.join("node-b", &b);
    a.call().await.unwrap();
    // B forwards to A (and remembers A as the owner).
    b.call().await.unwrap();
    assert!(b.platform.running_engines().await.is_empty());

    // A hands over: it starts no engine again, not even for a forwarded request, so B's next
    // request, refused by A, takes the released lease at once instead of after A's lease.
    let released = a
        .on(|platform| async move { platform.hand_over_engines().await })
        .await;
    assert_eq!(released, 1);
    let started = Instant::now();
    b.call().await.unwrap();
    assert!(started.elapsed() < TTL, "{:?}", started.elapsed());
    assert_eq!(b.platform.running_engines().await, [DEMO_ENTERPRISE_ID]);
    assert!(a.platform.running_engines().await.is_empty());

    b.on(|platform| async move { platform.hand_over_engines().await })
        .await;
    drop((a, b));
    schema.drop_schema().await.unwrap();
}
