//! The contact directory: rows, lookups by externalId, the change sequence, the change feed
//! and the purge of tombstones, on every backend.

use std::time::{Duration, Instant};

use sentral_domain::Timestamp;
use sentral_domain::directory::{
    Contact, ContactDetails, ContactNumber, Enterprise, PurgeMark, SyncCursor,
};
use sentral_domain::platform::Agreement;
use sentral_store::directory::{self as repo, contacts};
use sentral_store::{Connection, StoreError, platform};

use crate::backends;
use crate::platform::seed_world;

const NOW: Timestamp = Timestamp::from_millis(1_790_000_000_000);

/// Enterprises "E1" (agreement 1001) and "E2" (agreement 1002).
pub(crate) async fn enterprises(conn: &mut Connection) {
    seed_world(conn).await;
    let second = Agreement {
        id: "1002".into(),
        org_number: sentral_domain::OrgNumber::parse("923609016").unwrap(),
        category: "Mobilt Bedriftsnett avtale".into(),
        valid_from: "2020-01-01".into(),
        valid_to: None,
        status: "ACTIVE".into(),
        internal_number_length: 3,
    };
    platform::insert_agreement(conn, &second).await.unwrap();
    for (id, agreement, org) in [("E1", "1001", "987654325"), ("E2", "1002", "923609016")] {
        let enterprise = Enterprise {
            id: id.into(),
            agreement_id: agreement.into(),
            org_number: sentral_domain::OrgNumber::parse(org).unwrap(),
            name: format!("Enterprise {id}"),
            internal_number_length: 3,
            switchboard_number: None,
            created_at: NOW,
            updated_at: NOW,
        };
        repo::insert_enterprise(conn, &enterprise).await.unwrap();
    }
}

fn contact(id: &str, enterprise: &str, external: Option<&str>, last: &str, seq: i64) -> Contact {
    Contact {
        id: id.into(),
        enterprise_id: enterprise.into(),
        details: ContactDetails {
            external_id: external.map(Into::into),
            first_name: "Kari".into(),
            last_name: last.into(),
            company: Some("Fjordline AS".into()),
            title: None,
            department: Some("Økonomi".into()),
            email: Some(format!("{}@fjordline.no", last.to_lowercase())),
            numbers: vec![ContactNumber {
                kind: "work".into(),
                number: format!("4722{seq:06}"),
            }],
            street_address: None,
            postal_code: Some("0153".into()),
            postal_place: Some("Oslo".into()),
            note: Some("Ring før kl. 15".into()),
        },
        created_at: NOW,
        updated_at: NOW,
        deleted_at: None,
        change_seq: seq,
    }
}

#[tokio::test]
async fn contacts_round_trip_and_are_found_by_external_id() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        enterprises(&mut tx).await;
        let first = contacts::reserve_seqs(&mut tx, "E1", 3).await.unwrap();
        let rows = vec![
            contact("c1", "E1", Some("ad-1"), "Berg", first),
            contact("c2", "E1", Some("ad-2"), "Aas", first + 1),
            contact("c3", "E1", None, "Dahl", first + 2),
        ];
        contacts::insert_many(&mut tx, &rows).await.unwrap();
        // Same external id in another enterprise is fine.
        contacts::insert(&mut tx, &contact("c4", "E2", Some("ad-1"), "Lie", 1))
            .await
            .unwrap();
        assert_eq!(
            contacts::contact(&mut tx, "c1").await.unwrap().as_ref(),
            Some(&rows[0]),
            "{}",
            backend.name
        );
        let found = contacts::by_external_ids(&mut tx, "E1", &["ad-1".into(), "ad-9".into()])
            .await
            .unwrap();
        assert_eq!(found, vec![rows[0].clone()]);
        tx.commit().await.unwrap();
        // A failed statement spoils a PostgreSQL transaction: try the clash in one of its own.
        let mut tx = backend.store.write().await.unwrap();
        let clash = contacts::insert(&mut tx, &contact("c5", "E1", Some("ad-2"), "X", 99)).await;
        assert!(
            matches!(clash, Err(StoreError::Conflict { .. })),
            "{}: {clash:?}",
            backend.name
        );
        drop(tx);

        let mut tx = backend.store.write().await.unwrap();
        let mut changed = rows[1].clone();
        changed.details.title = Some("Revisor".into());
        changed.details.numbers.clear();
        changed.details.email = None;
        changed.updated_at = NOW.plus_seconds(5);
        changed.change_seq = contacts::reserve_seqs(&mut tx, "E1", 1).await.unwrap();
        contacts::update(&mut tx, &changed).await.unwrap();
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(
            contacts::contact(&mut conn, "c2").await.unwrap(),
            Some(changed)
        );

        let page = contacts::list(&mut conn, "E1", None, 0, 10).await.unwrap();
        let names: Vec<&str> = page
            .items
            .iter()
            .map(|c| c.details.last_name.as_str())
            .collect();
        assert_eq!((names, page.total), (vec!["Aas", "Berg", "Dahl"], 3));
        for (search, expected) in [
            ("dahl", 1),
            ("FJORDLINE", 3),
            ("kari b", 1),
            ("4722", 2),
            ("%", 0),
        ] {
            let page = contacts::list(&mut conn, "E1", Some(search), 0, 10)
                .await
                .unwrap();
            assert_eq!(page.total, expected, "{}: search {search}", backend.name);
        }
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn the_change_sequence_is_per_enterprise_and_hands_out_each_number_once() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        enterprises(&mut tx).await;
        assert_eq!(contacts::high_water(&mut tx, "E1").await.unwrap(), 0);
        assert_eq!(contacts::lock_changes(&mut tx, "E1").await.unwrap(), 0);
        assert_eq!(contacts::reserve_seqs(&mut tx, "E1", 5).await.unwrap(), 1);
        assert_eq!(contacts::reserve_seqs(&mut tx, "E1", 1).await.unwrap(), 6);
        assert_eq!(contacts::lock_changes(&mut tx, "E1").await.unwrap(), 6);
        assert_eq!(contacts::reserve_seqs(&mut tx, "E2", 2).await.unwrap(), 1);
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(contacts::high_water(&mut conn, "E1").await.unwrap(), 6);
        assert_eq!(contacts::high_water(&mut conn, "E2").await.unwrap(), 2);
        drop(conn);
        backend.cleanup().await;
    }
}

/// A writer that takes the counter after another waits for its commit: numbers are handed out
/// in commit order, so a reader never sees a later number before an earlier one.
#[tokio::test]
async fn writers_of_one_enterprise_take_numbers_in_commit_order() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        enterprises(&mut tx).await;
        tx.commit().await.unwrap();
        let store = &backend.store;
        let started = Instant::now();
        let first = async {
            let mut tx = store.write().await.unwrap();
            contacts::lock_changes(&mut tx, "E1").await.unwrap();
            let seq = contacts::reserve_seqs(&mut tx, "E1", 1).await.unwrap();
            contacts::insert(&mut tx, &contact("a", "E1", None, "First", seq))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            let committed = started.elapsed();
            tx.commit().await.unwrap();
            (seq, committed)
        };
        let second = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let mut tx = store.write().await.unwrap();
            contacts::lock_changes(&mut tx, "E1").await.unwrap();
            let locked = started.elapsed();
            let seq = contacts::reserve_seqs(&mut tx, "E1", 1).await.unwrap();
            contacts::insert(&mut tx, &contact("b", "E1", None, "Second", seq))
                .await
                .unwrap();
            tx.commit().await.unwrap();
            (seq, locked)
        };
        let ((first_seq, committed), (second_seq, locked)) = tokio::join!(first, second);
        assert_eq!((first_seq, second_seq), (1, 2), "{}", backend.name);
        assert!(
            locked >= committed,
            "{}: {locked:?} < {committed:?}",
            backend.name
        );
        backend.cleanup().await;
    }
}

/// The contact objects of a feed page (its JSON is written by the store).
fn page_json(page: &contacts::ChangesPage) -> Vec<serde_json::Value> {
    serde_json::from_str(page.content.as_str()).expect("the page is a JSON array")
}

fn ids(page: &contacts::ChangesPage) -> Vec<String> {
    page_json(page)
        .iter()
        .map(|c| c["contactId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_feed_reads_changes_and_tombstones_in_sequence_order() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        enterprises(&mut tx).await;
        let rows: Vec<Contact> = (1..=5)
            .map(|n| {
                let mut row = contact(&format!("c{n}"), "E1", Some(&format!("ad-{n}")), "Berg", n);
                row.updated_at = NOW.plus_seconds(n);
                row
            })
            .collect();
        contacts::reserve_seqs(&mut tx, "E1", 5).await.unwrap();
        contacts::insert_many(&mut tx, &rows).await.unwrap();
        contacts::insert(&mut tx, &contact("other", "E2", None, "Lie", 1))
            .await
            .unwrap();
        // c2 is deleted last: it moves to the end of the feed as a tombstone.
        let mut tombstone = rows[1].clone();
        tombstone.details = tombstone.details.tombstone();
        tombstone.deleted_at = Some(NOW.plus_seconds(10));
        tombstone.updated_at = NOW.plus_seconds(10);
        tombstone.change_seq = contacts::reserve_seqs(&mut tx, "E1", 1).await.unwrap();
        contacts::update(&mut tx, &tombstone).await.unwrap();
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        let all = contacts::changes_after(&mut conn, "E1", SyncCursor::START, 100)
            .await
            .unwrap();
        assert_eq!((all.last_seq, all.has_more), (Some(6), false));
        let content = page_json(&all);
        let last = content.last().unwrap();
        assert_eq!(last["deleted"], true, "{}: {last}", backend.name);
        assert_eq!(last["externalId"], "ad-2", "{}: {last}", backend.name);
        assert_eq!(ids(&all), ["c1", "c3", "c4", "c5", "c2"]);
        let after = contacts::changes_after(&mut conn, "E1", SyncCursor::at(3), 2)
            .await
            .unwrap();
        assert_eq!(ids(&after), ["c4", "c5"]);
        assert_eq!((after.last_seq, after.has_more), (Some(5), true));
        let since = contacts::changed_since(&mut conn, "E1", NOW.plus_seconds(3), 100)
            .await
            .unwrap();
        assert_eq!(ids(&since), ["c4", "c5", "c2"]);
        // Before every change: the first change is found among the earliest ones.
        let early = contacts::changed_since(&mut conn, "E1", NOW, 100)
            .await
            .unwrap();
        assert_eq!(ids(&early), ["c1", "c3", "c4", "c5", "c2"]);
        let none = contacts::changed_since(&mut conn, "E1", NOW.plus_seconds(99), 100)
            .await
            .unwrap();
        assert_eq!((none.content.as_str(), none.last_seq), ("[]", None));
        let end = contacts::changes_after(&mut conn, "E1", SyncCursor::at(6), 100)
            .await
            .unwrap();
        assert_eq!((end.content.as_str(), end.last_seq), ("[]", None));
        let live = contacts::list(&mut conn, "E1", None, 0, 100).await.unwrap();
        assert_eq!(live.total, 4, "tombstones are not listed");
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn purging_deletes_old_tombstones_and_moves_the_mark() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        enterprises(&mut tx).await;
        contacts::reserve_seqs(&mut tx, "E1", 4).await.unwrap();
        let mut rows: Vec<Contact> = (1..=4)
            .map(|n| contact(&format!("c{n}"), "E1", None, "Berg", n))
            .collect();
        for (row, deleted) in rows.iter_mut().zip([Some(100), Some(200), None, Some(900)]) {
            row.deleted_at = deleted.map(|s| NOW.plus_seconds(s));
        }
        contacts::insert_many(&mut tx, &rows).await.unwrap();
        contacts::insert(&mut tx, &contact("e2", "E2", None, "Lie", 1))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(
            contacts::purge_mark(&mut conn, "E1").await.unwrap(),
            PurgeMark::default()
        );
        drop(conn);
        for _ in 0..2 {
            let mut tx = backend.store.write().await.unwrap();
            let purged = contacts::purge_tombstones(&mut tx, NOW.plus_seconds(500))
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert!(purged == 2 || purged == 0, "{}", backend.name);
        }
        let mut conn = backend.store.read().await.unwrap();
        let mark = contacts::purge_mark(&mut conn, "E1").await.unwrap();
        assert_eq!(
            mark,
            PurgeMark {
                seq: 2,
                deleted_at: Some(NOW.plus_seconds(200)),
            },
            "{}",
            backend.name
        );
        assert!(mark.outdates_cursor(SyncCursor::at(1)));
        let left = contacts::changes_after(&mut conn, "E1", SyncCursor::START, 100)
            .await
            .unwrap();
        assert_eq!(ids(&left), ["c3", "c4"]);
        assert_eq!(
            contacts::purge_mark(&mut conn, "E2").await.unwrap(),
            PurgeMark::default()
        );
        drop(conn);
        // A later purge only moves the mark forward.
        let mut tx = backend.store.write().await.unwrap();
        contacts::purge_tombstones(&mut tx, NOW.plus_seconds(1000))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(contacts::purge_mark(&mut conn, "E1").await.unwrap().seq, 4);
        drop(conn);
        backend.cleanup().await;
    }
}

/// The live contacts of `enterprise` by `COUNT(*)`, the counter of migration 0032 and the list's
/// total must agree.
async fn assert_live_count(conn: &mut Connection, enterprise: &str, expected: i64, name: &str) {
    let counted = sentral_store::db::query(
        "SELECT COUNT(*) AS n FROM contacts WHERE enterprise_id = $1 AND deleted_at IS NULL",
    )
    .bind(enterprise)
    .fetch_one(&mut *conn)
    .await
    .unwrap()
    .try_get::<i64, _>("n")
    .unwrap();
    let kept = contacts::live_count(conn, enterprise).await.unwrap();
    let total = contacts::list(conn, enterprise, None, 0, 1)
        .await
        .unwrap()
        .total;
    assert_eq!(
        (counted, kept, total),
        (expected, expected, expected),
        "{name}: {enterprise}"
    );
}

#[tokio::test]
async fn the_list_total_is_count_star_after_every_kind_of_write() {
    for backend in backends::all().await {
        let name = backend.name;
        let mut tx = backend.store.write().await.unwrap();
        enterprises(&mut tx).await;
        contacts::reserve_seqs(&mut tx, "E1", 5).await.unwrap();
        let mut rows: Vec<Contact> = (1..=5)
            .map(|n| contact(&format!("c{n}"), "E1", None, "Berg", n))
            .collect();
        rows[1].deleted_at = Some(NOW.plus_seconds(10));
        rows[3].deleted_at = Some(NOW.plus_seconds(20));
        contacts::insert_many(&mut tx, &rows).await.unwrap();
        for n in 1..=2 {
            contacts::insert(&mut tx, &contact(&format!("e{n}"), "E2", None, "Lie", n))
                .await
                .unwrap();
        }
        assert_live_count(&mut tx, "E1", 3, name).await;
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert_live_count(&mut conn, "E1", 3, name).await;
        assert_live_count(&mut conn, "E2", 2, name).await;
        assert_live_count(&mut conn, "E9", 0, name).await;
        drop(conn);

        // Deleted (a tombstone), brought back, changed otherwise, deleted twice over.
        let mut tx = backend.store.write().await.unwrap();
        let mut deleted = rows[0].clone();
        deleted.deleted_at = Some(NOW.plus_seconds(30));
        contacts::update(&mut tx, &deleted).await.unwrap();
        let mut back = rows[1].clone();
        back.deleted_at = None;
        contacts::update(&mut tx, &back).await.unwrap();
        let mut renamed = rows[2].clone();
        renamed.details.last_name = "Aas".into();
        contacts::update(&mut tx, &renamed).await.unwrap();
        let mut again = rows[3].clone();
        again.deleted_at = Some(NOW.plus_seconds(40));
        contacts::update(&mut tx, &again).await.unwrap();
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert_live_count(&mut conn, "E1", 3, name).await;
        drop(conn);

        // A write that does not commit leaves the count as it was.
        let mut tx = backend.store.write().await.unwrap();
        let mut gone = rows[4].clone();
        gone.deleted_at = Some(NOW.plus_seconds(50));
        contacts::update(&mut tx, &gone).await.unwrap();
        assert_live_count(&mut tx, "E1", 2, name).await;
        drop(tx);
        let mut conn = backend.store.read().await.unwrap();
        assert_live_count(&mut conn, "E1", 3, name).await;
        drop(conn);

        // Purged tombstones were not counted; a reset empties the counts with the contacts.
        let mut tx = backend.store.write().await.unwrap();
        contacts::purge_tombstones(&mut tx, NOW.plus_seconds(1000))
            .await
            .unwrap();
        assert_live_count(&mut tx, "E1", 3, name).await;
        sentral_store::records::delete_everything(&mut tx)
            .await
            .unwrap();
        assert_live_count(&mut tx, "E1", 0, name).await;
        enterprises(&mut tx).await;
        contacts::insert(&mut tx, &contact("r1", "E1", None, "Berg", 1))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert_live_count(&mut conn, "E1", 1, name).await;
        assert_live_count(&mut conn, "E2", 0, name).await;
        drop(conn);
        backend.cleanup().await;
    }
}
