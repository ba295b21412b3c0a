//! The webhook outbox: enqueue, claim, finish; concurrent claimers, expired claims, order per
//! monitor, reschedule and give-up, purge.

use std::collections::HashSet;
use std::sync::Arc;

use sentral_domain::Timestamp;
use sentral_store::Store;
use sentral_store::outbox::{self, ClaimedDelivery, NewDelivery, WebhookTargetRecord};

use crate::backends;

const NOW: Timestamp = Timestamp::from_millis(1_795_000_000_000);

fn delivery(monitor: &str, seq: i64) -> NewDelivery {
    NewDelivery {
        id: format!("{monitor}-{seq}"),
        monitor_id: monitor.to_owned(),
        seq,
        url: format!("http://127.0.0.1:9/{monitor}"),
        body: format!(r#"{{"crossRefId":"{monitor}","seq":{seq}}}"#),
        last: false,
    }
}

async fn add_monitor(store: &Store, monitor: &str, events: i64) {
    let mut tx = store.write().await.unwrap();
    outbox::register_target(
        &mut tx,
        &WebhookTargetRecord {
            monitor_id: monitor.to_owned(),
            url: format!("http://127.0.0.1:9/{monitor}"),
            secret: format!("whsec_{monitor}"),
        },
        NOW,
    )
    .await
    .unwrap();
    let deliveries: Vec<NewDelivery> = (1..=events).map(|seq| delivery(monitor, seq)).collect();
    assert_eq!(
        outbox::enqueue(&mut tx, &deliveries, NOW).await.unwrap(),
        events as u64
    );
    tx.commit().await.unwrap();
}

async fn claim(store: &Store, node: &str, now: Timestamp, limit: i64) -> Vec<ClaimedDelivery> {
    let mut tx = store.write().await.unwrap();
    let claimed = outbox::claim(&mut tx, node, now, now.plus_seconds(30), limit)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    claimed
}

fn ids(claimed: &[ClaimedDelivery]) -> Vec<String> {
    let mut ids: Vec<String> = claimed.iter().map(|d| d.id.clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn outbox_enqueue_claim_deliver_in_seq_order_per_monitor() {
    for backend in backends::all().await {
        let store = &backend.store;
        add_monitor(store, "mon_a", 3).await;
        add_monitor(store, "mon_b", 2).await;

        let mut conn = store.read().await.unwrap();
        assert!(outbox::any_due(&mut conn, NOW).await.unwrap());
        assert!(
            !outbox::any_due(&mut conn, NOW.plus_seconds(-1))
                .await
                .unwrap()
        );
        drop(conn);

        // One row per monitor: the oldest of each.
        let first = claim(store, "node-1", NOW, 10).await;
        assert_eq!(ids(&first), ["mon_a-1", "mon_b-1"], "{}", backend.name);
        let a1 = first.iter().find(|d| d.id == "mon_a-1").unwrap();
        assert_eq!(a1.secret.as_deref(), Some("whsec_mon_a"));
        assert_eq!(a1.body, r#"{"crossRefId":"mon_a","seq":1}"#);
        assert_eq!((a1.seq, a1.attempts), (1, 0));
        assert_eq!(a1.claimed_until, NOW.plus_seconds(30));

        // While they are claimed, nothing else of those monitors is claimable.
        assert!(claim(store, "node-2", NOW, 10).await.is_empty());
        let mut conn = store.read().await.unwrap();
        // Later rows are due but wait for their heads.
        assert!(!outbox::any_due(&mut conn, NOW).await.unwrap());
        drop(conn);

        let mut conn = store.read().await.unwrap();
        assert!(
            outbox::mark_delivered(&mut conn, "mon_a-1", 1, NOW)
                .await
                .unwrap()
        );
        assert!(
            !outbox::mark_delivered(&mut conn, "mon_a-1", 1, NOW)
                .await
                .unwrap()
        );
        drop(conn);
        assert_eq!(ids(&claim(store, "node-2", NOW, 10).await), ["mon_a-2"]);

        // Enqueueing the same event again adds nothing.
        let mut tx = store.write().await.unwrap();
        assert_eq!(
            outbox::enqueue(&mut tx, &[delivery("mon_a", 1)], NOW)
                .await
                .unwrap(),
            0
        );
        tx.commit().await.unwrap();

        let mut conn = store.read().await.unwrap();
        let rows = outbox::deliveries_of(&mut conn, "mon_a").await.unwrap();
        assert_eq!(
            rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
            [1, 2, 3],
            "{}",
            backend.name
        );
        assert_eq!(rows[0].delivered_at, Some(NOW));
        assert_eq!(rows[1].claimed_by.as_deref(), Some("node-2"));
        assert_eq!(outbox::pending_count(&mut conn).await.unwrap(), 4);
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn outbox_concurrent_claimers_never_get_the_same_row() {
    for backend in backends::all().await {
        let (store, name, leftovers) = backend.share();
        for monitor in 0..40 {
            add_monitor(&store, &format!("mon_{monitor:02}"), 2).await;
        }
        let mut tasks = Vec::new();
        for node in 0..8 {
            let store: Arc<Store> = store.clone();
            tasks.push(tokio::spawn(async move {
                let node = format!("node-{node}");
                let mut mine = Vec::new();
                for _ in 0..4 {
                    mine.extend(claim(&store, &node, NOW, 3).await);
                    tokio::task::yield_now().await;
                }
                mine
            }));
        }
        let mut seen = HashSet::new();
        for task in tasks {
            for claimed in task.await.unwrap() {
                assert!(
                    seen.insert(claimed.id.clone()),
                    "{name}: {} twice",
                    claimed.id
                );
                assert_eq!(claimed.seq, 1, "{name}: only heads are claimable");
            }
        }
        // Every head was claimable and nothing else: 40 rows at most, each once.
        assert!(seen.len() <= 40, "{name}");
        let rest = claim(&store, "node-x", NOW, 100).await;
        assert_eq!(seen.len() + rest.len(), 40, "{name}");
        leftovers.cleanup(store).await;
    }
}

#[tokio::test]
async fn outbox_an_expired_claim_is_taken_by_another_node() {
    for backend in backends::all().await {
        let store = &backend.store;
        add_monitor(store, "mon_a", 2).await;
        let claimed = claim(store, "node-dead", NOW, 10).await;
        assert_eq!(ids(&claimed), ["mon_a-1"]);

        // The claim runs 30 s: before that nobody else gets the row, after it node-2 does.
        assert!(
            claim(store, "node-2", NOW.plus_seconds(29), 10)
                .await
                .is_empty()
        );
        let later = NOW.plus_seconds(31);
        let taken = claim(store, "node-2", later, 10).await;
        assert_eq!(ids(&taken), ["mon_a-1"], "{}", backend.name);

        // The dead node, back, cannot reschedule or give up what it no longer holds.
        let mut conn = store.read().await.unwrap();
        assert!(
            !outbox::reschedule(&mut conn, "mon_a-1", "node-dead", 1, later, "503")
                .await
                .unwrap()
        );
        assert!(
            !outbox::give_up(&mut conn, "mon_a-1", "node-dead", 1, later, "410")
                .await
                .unwrap()
        );
        let row = &outbox::deliveries_of(&mut conn, "mon_a").await.unwrap()[0];
        assert_eq!(row.claimed_by.as_deref(), Some("node-2"));
        assert_eq!(row.claimed_until, Some(later.plus_seconds(30)));
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn outbox_reschedule_and_give_up_keep_the_order() {
    for backend in backends::all().await {
        let store = &backend.store;
        add_monitor(store, "mon_a", 3).await;
        assert_eq!(ids(&claim(store, "node-1", NOW, 10).await), ["mon_a-1"]);

        // A failed attempt: due again in 5 s; seq 2 waits for it meanwhile.
        let mut conn = store.read().await.unwrap();
        let retry_at = NOW.plus_seconds(5);
        assert!(
            outbox::reschedule(&mut conn, "mon_a-1", "node-1", 1, retry_at, "status 503")
                .await
                .unwrap()
        );
        drop(conn);
        assert!(
            claim(store, "node-1", NOW.plus_seconds(1), 10)
                .await
                .is_empty()
        );
        let again = claim(store, "node-2", retry_at, 10).await;
        assert_eq!(ids(&again), ["mon_a-1"], "{}", backend.name);
        assert_eq!(again[0].attempts, 1);

        // Given up: the monitor's next event is claimable at once.
        let mut conn = store.read().await.unwrap();
        assert!(
            outbox::give_up(&mut conn, "mon_a-1", "node-2", 2, retry_at, "status 410")
                .await
                .unwrap()
        );
        drop(conn);
        assert_eq!(
            ids(&claim(store, "node-2", retry_at, 10).await),
            ["mon_a-2"]
        );

        let mut conn = store.read().await.unwrap();
        let rows = outbox::deliveries_of(&mut conn, "mon_a").await.unwrap();
        assert_eq!(rows[0].gave_up_at, Some(retry_at));
        assert_eq!(rows[0].attempts, 2);
        assert_eq!(rows[0].last_error.as_deref(), Some("status 410"));
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn outbox_purge_drops_finished_rows_and_ended_targets() {
    for backend in backends::all().await {
        let store = &backend.store;
        add_monitor(store, "mon_a", 1).await;
        let mut tx = store.write().await.unwrap();
        let ended = NewDelivery {
            last: true,
            ..delivery("mon_a", 2)
        };
        outbox::enqueue(&mut tx, &[ended], NOW).await.unwrap();
        // Another node registering the same (replicated) monitor's target late does not revive
        // the ended target.
        outbox::register_target(
            &mut tx,
            &WebhookTargetRecord {
                monitor_id: "mon_a".to_owned(),
                url: "http://127.0.0.1:9/mon_a".to_owned(),
                secret: "whsec_mon_a".to_owned(),
            },
            NOW,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let mut conn = store.read().await.unwrap();
        outbox::mark_delivered(&mut conn, "mon_a-1", 1, NOW)
            .await
            .unwrap();
        let later = NOW.plus_seconds(3600);
        assert_eq!(outbox::purge_finished(&mut conn, later).await.unwrap(), 1);
        // seq 2 is still pending: the target stays for it.
        assert!(outbox::target(&mut conn, "mon_a").await.unwrap().is_some());
        drop(conn);
        let claimed = claim(store, "node-1", NOW, 10).await;
        assert_eq!(ids(&claimed), ["mon_a-2"]);
        let mut conn = store.read().await.unwrap();
        outbox::mark_delivered(&mut conn, "mon_a-2", 1, NOW)
            .await
            .unwrap();
        assert_eq!(outbox::purge_finished(&mut conn, later).await.unwrap(), 1);
        assert_eq!(
            outbox::target(&mut conn, "mon_a").await.unwrap(),
            None,
            "{}",
            backend.name
        );
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn outbox_nodes_racing_deliver_each_row_once_in_seq_order() {
    for backend in backends::all().await {
        let (store, name, leftovers) = backend.share();
        for monitor in 0..6 {
            add_monitor(&store, &format!("mon_{monitor}"), 8).await;
        }
        let log = Arc::new(std::sync::Mutex::new(Vec::<(String, i64)>::new()));
        let mut nodes = Vec::new();
        for node in 0..4 {
            let (store, log) = (store.clone(), log.clone());
            nodes.push(tokio::spawn(async move {
                let node = format!("node-{node}");
                for _ in 0..200 {
                    let claimed = claim(&store, &node, NOW, 2).await;
                    for delivery in claimed {
                        log.lock()
                            .unwrap()
                            .push((delivery.monitor_id.clone(), delivery.seq));
                        let mut conn = store.read().await.unwrap();
                        assert!(
                            outbox::mark_delivered(&mut conn, &delivery.id, 1, NOW)
                                .await
                                .unwrap()
                        );
                    }
                    tokio::task::yield_now().await;
                }
            }));
        }
        for node in nodes {
            node.await.unwrap();
        }
        let log = log.lock().unwrap().clone();
        assert_eq!(log.len(), 48, "{name}: each row once");
        for monitor in 0..6 {
            let monitor = format!("mon_{monitor}");
            let seqs: Vec<i64> = log
                .iter()
                .filter(|(m, _)| *m == monitor)
                .map(|(_, seq)| *seq)
                .collect();
            assert_eq!(seqs, (1..=8).collect::<Vec<_>>(), "{name}: {monitor}");
        }
        leftovers.cleanup(store).await;
    }
}

#[tokio::test]
async fn outbox_a_stopping_node_releases_its_claims() {
    for backend in backends::all().await {
        let store = &backend.store;
        add_monitor(store, "mon_a", 1).await;
        add_monitor(store, "mon_b", 1).await;
        assert_eq!(claim(store, "node-1", NOW, 1).await.len(), 1);
        assert_eq!(claim(store, "node-2", NOW, 1).await.len(), 1);
        let mut conn = store.read().await.unwrap();
        assert_eq!(
            outbox::release_claims(&mut conn, "node-1").await.unwrap(),
            1
        );
        drop(conn);
        // node-1's row is claimable at once, node-2's is not.
        let taken = claim(store, "node-3", NOW, 10).await;
        assert_eq!(taken.len(), 1, "{}", backend.name);
        let mut conn = store.read().await.unwrap();
        assert_eq!(
            outbox::release_claims(&mut conn, "node-1").await.unwrap(),
            0
        );
        drop(conn);
        backend.cleanup().await;
    }
}
