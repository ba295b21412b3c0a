//! An engine's start (its lease, then its journal read or first written) holds up no other
//! enterprise (PostgreSQL, `SENTRAL_TEST_DATABASE_URL`; skipped without it). The demo
//! enterprise's start on node A is blocked at its first journal write — the test holds the row
//! of its lease locked, so the write's fence waits — while a second enterprise's engine starts on
//! the same node; and two requests waiting for the blocked start share the one engine it starts.

#[path = "support/cluster_node.rs"]
mod cluster_node;

use std::time::{Duration, Instant};

use cluster_node::{Node, OUTSIDE};
use sentral_domain::directory::Enterprise;
use sentral_domain::platform::Agreement;
use sentral_domain::{OrgNumber, Timestamp};
use sentral_services::ServiceError;
use sentral_services::cluster::Resource;
use sentral_services::directory::demo::{DEMO_ENTERPRISE_ID, DEMO_SWITCHBOARD, create_enterprise};
use sentral_store::leases;
use sentral_store::testing::{PgTestSchema, postgres_test_url};
use sentral_store::{Store, StoreLocation};

/// Long enough that the blocked lease's renewal (which waits on the same row lock) never
/// makes the node step down during the test.
const LONG_TTL: Duration = Duration::from_secs(60);
/// Bounds a wait that must end; a start held up by another enterprise's waits until the end.
const PATIENCE: Duration = Duration::from_secs(20);

const OTHER_ENTERPRISE: &str = "900001";

/// A second enterprise in the demo organisation, with an agreement of its own and no members.
async fn add_other_enterprise(store: &Store) {
    let now = Timestamp::from_millis(1_700_000_000_000);
    let org = OrgNumber::parse(sentral_services::demo::CUSTOMER_ORG).unwrap();
    let agreement = Agreement {
        id: "90000001".into(),
        org_number: org.clone(),
        category: "Mobilt Bedriftsnett avtale".into(),
        valid_from: "2024-01-01".into(),
        valid_to: None,
        status: "ACTIVE".into(),
        internal_number_length: 3,
    };
    let enterprise = Enterprise {
        id: OTHER_ENTERPRISE.into(),
        agreement_id: agreement.id.clone(),
        org_number: org,
        name: "Other enterprise".into(),
        internal_number_length: 3,
        switchboard_number: None,
        created_at: now,
        updated_at: now,
    };
    let mut tx = store.write().await.unwrap();
    sentral_store::platform::insert_agreement(&mut tx, &agreement)
        .await
        .unwrap();
    create_enterprise(&mut tx, &enterprise, 900_001, &[("100", "199")])
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Sessions of the database waiting for a lock that `pid` holds.
async fn blocked_by(store: &Store, pid: i64) -> i64 {
    let mut conn = store.read().await.unwrap();
    sentral_store::db::query(
        "SELECT count(*)::BIGINT AS waiting FROM pg_stat_activity \
         WHERE $1 = ANY(pg_blocking_pids(pid))",
    )
    .bind(pid)
    .fetch_one(&mut conn)
    .await
    .unwrap()
    .try_get::<i64, _>("waiting")
    .unwrap()
}

async fn place_call(node: &Node) -> Result<String, ServiceError> {
    node.on(|platform| async move {
        platform
            .sandbox_call(OUTSIDE, DEMO_SWITCHBOARD, Some(DEMO_ENTERPRISE_ID))
            .await
            .map(|answer| answer.call_id)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_start_blocked_in_its_journal_holds_up_no_other_enterprise() {
    let Some(base) = postgres_test_url() else {
        eprintln!("cluster_starts: SENTRAL_TEST_DATABASE_URL is unset; skipping");
        return;
    };
    let schema = PgTestSchema::create(&base).await.unwrap();
    let a = Node::start_with_ttl(&schema.url, "node-a", true, LONG_TTL).await;
    // The test's own connections: it holds a lock while node A waits for it.
    let store = Store::open(&StoreLocation::Postgres(schema.url.clone()))
        .await
        .unwrap();
    add_other_enterprise(&store).await;

    // A takes the demo enterprise's lease first, so the start below finds it held and goes
    // straight to its journal, whose first write (a checkpoint) waits for the row lock.
    let resource = Resource::telephony(DEMO_ENTERPRISE_ID);
    let lease = a
        .on({
            let resource = resource.clone();
            |platform| async move { platform.ownership().unwrap().acquire(&resource).await }
        })
        .await
        .unwrap()
        .expect("nobody else holds it");
    let mut lock = store.write().await.unwrap();
    leases::assert_epoch(&mut lock, resource.as_str(), "node-a", lease.epoch())
        .await
        .unwrap();
    let pid = sentral_store::db::query("SELECT pg_backend_pid()::BIGINT AS pid")
        .fetch_one(&mut lock)
        .await
        .unwrap()
        .try_get::<i64, _>("pid")
        .unwrap();

    let a = std::sync::Arc::new(a);
    let first = tokio::spawn({
        let a = a.clone();
        async move { place_call(&a).await }
    });
    let deadline = Instant::now() + PATIENCE;
    while blocked_by(&store, pid).await == 0 {
        assert!(
            Instant::now() < deadline,
            "the start never reached its journal"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A second request for the same enterprise waits for the same start.
    let second = tokio::spawn({
        let a = a.clone();
        async move { place_call(&a).await }
    });

    // Meanwhile the other enterprise's engine starts on the same node.
    let other = tokio::time::timeout(
        PATIENCE,
        a.on(|platform| async move {
            platform
                .sandbox_call(OUTSIDE, "100", Some(OTHER_ENTERPRISE))
                .await
        }),
    )
    .await
    .expect("the other enterprise's start waited for the blocked one");
    assert!(
        !matches!(other, Err(ServiceError::NotOwner { .. })),
        "{other:?}"
    );
    assert!(
        a.platform
            .running_engines()
            .await
            .contains(&OTHER_ENTERPRISE.to_owned())
    );
    assert!(!first.is_finished() && !second.is_finished());

    // Unblocked: one engine answers both requests (two engines would both number a call 1).
    lock.commit().await.unwrap();
    let first = tokio::time::timeout(PATIENCE, first)
        .await
        .unwrap()
        .unwrap();
    let second = tokio::time::timeout(PATIENCE, second)
        .await
        .unwrap()
        .unwrap();
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_ne!(first, second, "two engines started for one enterprise");
    let mut running = a.platform.running_engines().await;
    running.sort();
    assert_eq!(running, [DEMO_ENTERPRISE_ID, OTHER_ENTERPRISE]);

    a.on(|platform| async move { platform.hand_over_engines().await })
        .await;
    drop(a);
    store.close().await;
    schema.drop_schema().await.unwrap();
}
