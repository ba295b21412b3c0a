use std::time::Duration;

use sentral_domain::Timestamp;
use sentral_store::leases::{self, Epoch};
use sentral_store::telephony_journal::{
    self as journal, EngineSnapshotRecord, JournalEntry, JournalKind,
};
use sentral_store::{StoreError, records};

use crate::backends;

const NOW: Timestamp = Timestamp::from_millis(1_790_000_000_000);
const TTL: Duration = Duration::from_secs(5);
const ENTERPRISE: &str = "ent_1";
const OTHER: &str = "ent_2";
const ENGINE: &str = "telephony:ent_1";

fn at(millis_after: i64) -> Timestamp {
    Timestamp::from_millis(NOW.millis() + millis_after)
}

/// An input entry `seq` of `enterprise`, at `NOW + seq` seconds, by node-a at epoch 1.
fn input(enterprise: &str, seq: i64, key: Option<&str>) -> JournalEntry {
    JournalEntry {
        enterprise_id: enterprise.into(),
        seq,
        epoch: Epoch::new(1),
        node_id: "node-a".into(),
        at: at(seq * 1000),
        kind: JournalKind::Input,
        input: Some(format!(
            r#"{{"command":{{"makeCall":{{"calling":"1{seq}","called":"Zoë ✆"}}}}}}"#
        )),
        idempotency_key: key.map(str::to_owned),
        outcome: Some(format!(r#"{{"ok":{{"callId":"c{seq}"}}}}"#)),
        event_key: seq * 10,
    }
}

fn tick(enterprise: &str, seq: i64) -> JournalEntry {
    JournalEntry {
        kind: JournalKind::Tick,
        input: None,
        idempotency_key: None,
        outcome: None,
        ..input(enterprise, seq, None)
    }
}

fn snapshot(seq: i64, state: &str) -> EngineSnapshotRecord {
    EngineSnapshotRecord {
        enterprise_id: ENTERPRISE.into(),
        seq,
        epoch: Epoch::new(1),
        node_id: "node-a".into(),
        state: state.into(),
        // A u64 origin stored as its i64 bits: negative values must round-trip too.
        event_origin: -7,
        event_key: seq * 10,
        taken_at: at(seq * 1000 + 1),
    }
}

fn conflict_on(error: &StoreError, needle: &str) -> bool {
    matches!(error, StoreError::Conflict { what } if what.contains(needle))
}

fn seqs(entries: &[JournalEntry]) -> Vec<i64> {
    entries.iter().map(|entry| entry.seq).collect()
}

#[tokio::test]
async fn entries_come_back_whole_in_seq_order_per_enterprise() {
    for backend in backends::all().await {
        let name = backend.name;
        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(
            journal::last_seq(&mut conn, ENTERPRISE).await.unwrap(),
            None
        );
        assert!(
            journal::entries_after(&mut conn, ENTERPRISE, 0)
                .await
                .unwrap()
                .is_empty()
        );
        drop(conn);

        let stored = vec![
            input(ENTERPRISE, 1, Some("req-1")),
            tick(ENTERPRISE, 2),
            input(ENTERPRISE, 3, None),
            input(ENTERPRISE, 10, Some("req-10")),
        ];
        let mut tx = backend.store.write().await.unwrap();
        // Appended out of order (and beside another enterprise's): read back by seq.
        for entry in [&stored[3], &stored[1], &stored[0], &stored[2]] {
            journal::append(&mut tx, entry).await.unwrap();
        }
        journal::append(&mut tx, &input(OTHER, 5, Some("req-1")))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        let all = journal::entries_after(&mut conn, ENTERPRISE, 0)
            .await
            .unwrap();
        assert_eq!(all, stored, "{name}");
        let later = journal::entries_after(&mut conn, ENTERPRISE, 2)
            .await
            .unwrap();
        assert_eq!(seqs(&later), vec![3, 10], "{name}");
        assert!(
            journal::entries_after(&mut conn, ENTERPRISE, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            seqs(&journal::entries_after(&mut conn, OTHER, 0).await.unwrap()),
            vec![5],
            "{name}"
        );
        assert_eq!(
            journal::last_seq(&mut conn, ENTERPRISE).await.unwrap(),
            Some(10),
            "{name}"
        );
        assert_eq!(journal::last_seq(&mut conn, OTHER).await.unwrap(), Some(5));
        assert_eq!(
            journal::by_idempotency_key(&mut conn, ENTERPRISE, "req-10")
                .await
                .unwrap()
                .as_ref(),
            Some(&stored[3]),
            "{name}"
        );
        assert_eq!(
            journal::by_idempotency_key(&mut conn, OTHER, "req-1")
                .await
                .unwrap()
                .map(|entry| entry.seq),
            Some(5),
            "{name}: keys are per enterprise"
        );
        assert_eq!(
            journal::by_idempotency_key(&mut conn, ENTERPRISE, "req-2")
                .await
                .unwrap(),
            None
        );
        drop(conn);

        // One enterprise's journal and snapshot are forgotten, then everyone's.
        let mut tx = backend.store.write().await.unwrap();
        assert!(
            journal::save_snapshot(&mut tx, &snapshot(3, "{}"))
                .await
                .unwrap()
        );
        journal::clear_enterprise(&mut tx, ENTERPRISE)
            .await
            .unwrap();
        assert_eq!(journal::last_seq(&mut tx, ENTERPRISE).await.unwrap(), None);
        assert_eq!(
            journal::latest_snapshot(&mut tx, ENTERPRISE).await.unwrap(),
            None,
            "{name}"
        );
        assert_eq!(journal::last_seq(&mut tx, OTHER).await.unwrap(), Some(5));
        journal::clear(&mut tx).await.unwrap();
        assert_eq!(journal::last_seq(&mut tx, OTHER).await.unwrap(), None);
        tx.commit().await.unwrap();
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn a_duplicate_seq_or_idempotency_key_is_refused_and_the_transaction_goes_on() {
    for backend in backends::all().await {
        let name = backend.name;
        let first = input(ENTERPRISE, 1, Some("req-1"));
        let mut tx = backend.store.write().await.unwrap();
        journal::append(&mut tx, &first).await.unwrap();

        let error = journal::append(&mut tx, &input(ENTERPRISE, 1, Some("req-other")))
            .await
            .unwrap_err();
        assert!(
            conflict_on(&error, "journal entry 1 of enterprise ent_1"),
            "{name}: {error}"
        );
        let error = journal::append(&mut tx, &tick(ENTERPRISE, 1))
            .await
            .unwrap_err();
        assert!(conflict_on(&error, "journal entry 1"), "{name}: {error}");
        // Seq and key both taken: the seq is named.
        let error = journal::append(&mut tx, &input(ENTERPRISE, 1, Some("req-1")))
            .await
            .unwrap_err();
        assert!(conflict_on(&error, "journal entry 1"), "{name}: {error}");

        let error = journal::append(&mut tx, &input(ENTERPRISE, 2, Some("req-1")))
            .await
            .unwrap_err();
        assert!(
            conflict_on(&error, "idempotency key \"req-1\""),
            "{name}: {error}"
        );
        // The refusals did not break the transaction: the retry finds the first answer in it,
        // and other entries (keyless ones need no key of their own) still go in.
        assert_eq!(
            journal::by_idempotency_key(&mut tx, ENTERPRISE, "req-1")
                .await
                .unwrap()
                .as_ref(),
            Some(&first),
            "{name}"
        );
        journal::append(&mut tx, &input(ENTERPRISE, 2, None))
            .await
            .unwrap();
        journal::append(&mut tx, &tick(ENTERPRISE, 3))
            .await
            .unwrap();
        journal::append(&mut tx, &input(ENTERPRISE, 4, Some("req-4")))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        let entries = journal::entries_after(&mut conn, ENTERPRISE, 0)
            .await
            .unwrap();
        assert_eq!(seqs(&entries), vec![1, 2, 3, 4], "{name}");
        assert_eq!(entries[0], first, "{name}: the first entry 1 is kept");
        // Outside a transaction as well.
        let error = journal::append(&mut conn, &input(ENTERPRISE, 5, Some("req-4")))
            .await
            .unwrap_err();
        assert!(conflict_on(&error, "idempotency key"), "{name}: {error}");
        assert_eq!(
            journal::last_seq(&mut conn, ENTERPRISE).await.unwrap(),
            Some(4)
        );
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn compaction_deletes_old_covered_entries_and_keeps_recent_keys() {
    for backend in backends::all().await {
        let name = backend.name;
        let mut tx = backend.store.write().await.unwrap();
        for seq in 1..=6 {
            // Entry n is recorded at NOW + n s.
            journal::append(
                &mut tx,
                &input(ENTERPRISE, seq, Some(&format!("req-{seq}"))),
            )
            .await
            .unwrap();
        }
        journal::append(&mut tx, &input(OTHER, 1, Some("req-1")))
            .await
            .unwrap();
        assert!(
            journal::save_snapshot(&mut tx, &snapshot(5, "{\"at\":5}"))
                .await
                .unwrap()
        );
        // Covered by the snapshot (<= 5) and older than 3.5 s: 1, 2 and 3.
        let deleted = journal::compact(&mut tx, ENTERPRISE, 5, at(3500))
            .await
            .unwrap();
        assert_eq!(deleted, 3, "{name}");
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(
            seqs(
                &journal::entries_after(&mut conn, ENTERPRISE, 0)
                    .await
                    .unwrap()
            ),
            vec![4, 5, 6],
            "{name}"
        );
        assert_eq!(
            journal::by_idempotency_key(&mut conn, ENTERPRISE, "req-2")
                .await
                .unwrap(),
            None,
            "{name}: an old key is gone"
        );
        assert_eq!(
            journal::by_idempotency_key(&mut conn, ENTERPRISE, "req-4")
                .await
                .unwrap()
                .map(|entry| entry.seq),
            Some(4),
            "{name}: a recent key is kept though the snapshot covers it"
        );
        assert_eq!(
            seqs(&journal::entries_after(&mut conn, OTHER, 0).await.unwrap()),
            vec![1],
            "{name}: another enterprise is untouched"
        );
        drop(conn);

        // Much later, everything the snapshot covers goes; what follows it stays, and the last
        // seq is still known from the snapshot once the journal is empty.
        let mut tx = backend.store.write().await.unwrap();
        let deleted = journal::compact(&mut tx, ENTERPRISE, 5, at(60_000))
            .await
            .unwrap();
        assert_eq!(deleted, 2, "{name}");
        assert_eq!(
            seqs(
                &journal::entries_after(&mut tx, ENTERPRISE, 5)
                    .await
                    .unwrap()
            ),
            vec![6]
        );
        assert!(
            journal::save_snapshot(&mut tx, &snapshot(6, "{\"at\":6}"))
                .await
                .unwrap()
        );
        assert_eq!(
            journal::compact(&mut tx, ENTERPRISE, 6, at(60_000))
                .await
                .unwrap(),
            1
        );
        assert!(
            journal::entries_after(&mut tx, ENTERPRISE, 0)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            journal::last_seq(&mut tx, ENTERPRISE).await.unwrap(),
            Some(6),
            "{name}"
        );
        // Once its key is compacted away, a key may be used again.
        journal::append(&mut tx, &input(ENTERPRISE, 7, Some("req-1")))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn a_snapshot_never_goes_backwards() {
    for backend in backends::all().await {
        let name = backend.name;
        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(
            journal::latest_snapshot(&mut conn, ENTERPRISE)
                .await
                .unwrap(),
            None
        );
        let five = snapshot(5, r#"{"version":1,"calls":["é"]}"#);
        assert!(
            journal::save_snapshot(&mut conn, &five).await.unwrap(),
            "{name}"
        );
        assert_eq!(
            journal::latest_snapshot(&mut conn, ENTERPRISE)
                .await
                .unwrap()
                .as_ref(),
            Some(&five),
            "{name}"
        );
        assert!(
            !journal::save_snapshot(&mut conn, &snapshot(3, "older"))
                .await
                .unwrap(),
            "{name}: an older snapshot is refused"
        );
        let same_seq = EngineSnapshotRecord {
            epoch: Epoch::new(2),
            node_id: "node-b".into(),
            ..snapshot(5, "again")
        };
        assert!(
            !journal::save_snapshot(&mut conn, &same_seq).await.unwrap(),
            "{name}: one of the same seq changes nothing"
        );
        assert_eq!(
            journal::latest_snapshot(&mut conn, ENTERPRISE)
                .await
                .unwrap()
                .as_ref(),
            Some(&five),
            "{name}"
        );
        // Another enterprise's snapshot is its own.
        let other = EngineSnapshotRecord {
            enterprise_id: OTHER.into(),
            ..snapshot(1, "other")
        };
        assert!(journal::save_snapshot(&mut conn, &other).await.unwrap());

        let eight = EngineSnapshotRecord {
            epoch: Epoch::new(2),
            node_id: "node-b".into(),
            ..snapshot(8, r#"{"version":1}"#)
        };
        assert!(
            journal::save_snapshot(&mut conn, &eight).await.unwrap(),
            "{name}"
        );
        assert_eq!(
            journal::latest_snapshot(&mut conn, ENTERPRISE)
                .await
                .unwrap()
                .as_ref(),
            Some(&eight),
            "{name}"
        );
        assert_eq!(
            journal::latest_snapshot(&mut conn, OTHER)
                .await
                .unwrap()
                .as_ref(),
            Some(&other)
        );
        // No journal entries: the last seq is the snapshot's.
        assert_eq!(
            journal::last_seq(&mut conn, ENTERPRISE).await.unwrap(),
            Some(8),
            "{name}"
        );
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn a_stale_owner_journals_nothing_after_a_takeover() {
    for backend in backends::all().await {
        let name = backend.name;
        let mut conn = backend.store.read().await.unwrap();
        leases::try_acquire(&mut conn, ENGINE, "node-a", TTL, NOW)
            .await
            .unwrap()
            .expect("a free lease is taken");
        drop(conn);

        // The owner's fenced append commits.
        let mut tx = backend.store.write().await.unwrap();
        leases::assert_epoch(&mut tx, ENGINE, "node-a", Epoch::new(1))
            .await
            .unwrap();
        journal::append(&mut tx, &input(ENTERPRISE, 1, Some("req-1")))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        // It pauses past its lease; node-b takes over at epoch 2.
        let mut conn = backend.store.read().await.unwrap();
        let taken = leases::try_acquire(&mut conn, ENGINE, "node-b", TTL, at(6000))
            .await
            .unwrap()
            .expect("an expired lease is taken over");
        assert_eq!(taken.lease.epoch, Epoch::new(2), "{name}");
        drop(conn);

        // The ex-owner resumes: its journal writes and snapshot go in the same transaction as
        // the fence, the fence fails, and none of them is kept.
        let mut tx = backend.store.write().await.unwrap();
        journal::append(&mut tx, &input(ENTERPRISE, 2, Some("req-2")))
            .await
            .unwrap();
        assert!(
            journal::save_snapshot(&mut tx, &snapshot(2, "stale"))
                .await
                .unwrap()
        );
        records::set_setting(&mut tx, "stale-owner-wrote", "yes")
            .await
            .unwrap();
        let error = leases::assert_epoch(&mut tx, ENGINE, "node-a", Epoch::new(1))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::LeaseLost { resource, epoch: 1 } if resource == ENGINE),
            "{name}: {error}"
        );
        drop(tx);
        // Fencing first, as the owner does, stops it before it writes.
        let mut tx = backend.store.write().await.unwrap();
        let error = leases::assert_epoch(&mut tx, ENGINE, "node-a", Epoch::new(1))
            .await
            .unwrap_err();
        assert!(
            matches!(error, StoreError::LeaseLost { .. }),
            "{name}: {error}"
        );
        drop(tx);

        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(
            seqs(
                &journal::entries_after(&mut conn, ENTERPRISE, 0)
                    .await
                    .unwrap()
            ),
            vec![1],
            "{name}: nothing of the stale transaction is kept"
        );
        assert_eq!(
            journal::latest_snapshot(&mut conn, ENTERPRISE)
                .await
                .unwrap(),
            None,
            "{name}"
        );
        assert_eq!(
            journal::by_idempotency_key(&mut conn, ENTERPRISE, "req-2")
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            records::setting(&mut conn, "stale-owner-wrote")
                .await
                .unwrap(),
            None,
            "{name}"
        );
        assert_eq!(
            journal::last_seq(&mut conn, ENTERPRISE).await.unwrap(),
            Some(1)
        );
        drop(conn);

        // The new owner continues the journal at epoch 2.
        let mut tx = backend.store.write().await.unwrap();
        leases::assert_epoch(&mut tx, ENGINE, "node-b", Epoch::new(2))
            .await
            .unwrap();
        let next = JournalEntry {
            epoch: Epoch::new(2),
            node_id: "node-b".into(),
            ..input(ENTERPRISE, 2, Some("req-2"))
        };
        journal::append(&mut tx, &next).await.unwrap();
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        let entries = journal::entries_after(&mut conn, ENTERPRISE, 0)
            .await
            .unwrap();
        assert_eq!(seqs(&entries), vec![1, 2], "{name}");
        assert_eq!(entries[0].epoch, Epoch::new(1));
        assert_eq!(entries[1], next, "{name}");
        drop(conn);
        backend.cleanup().await;
    }
}

/// A sandbox reset empties the journal and the snapshots with every other table.
#[tokio::test]
async fn a_reset_forgets_the_journal() {
    for backend in backends::all().await {
        let name = backend.name;
        let mut tx = backend.store.write().await.unwrap();
        journal::append(&mut tx, &input(ENTERPRISE, 1, Some("req-1")))
            .await
            .unwrap();
        assert!(
            journal::save_snapshot(&mut tx, &snapshot(1, "{}"))
                .await
                .unwrap()
        );
        records::delete_everything(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(
            journal::last_seq(&mut conn, ENTERPRISE).await.unwrap(),
            None,
            "{name}"
        );
        drop(conn);
        backend.cleanup().await;
    }
}
