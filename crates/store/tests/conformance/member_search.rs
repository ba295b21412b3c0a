//! Member search reads the `members_search` index; its answers must be the ones of the plain
//! predicate it replaced (name, e-mail or mobile containing the text, case-insensitive, or the
//! short number exactly), in the same order with the same totals, on every backend.

use sentral_domain::directory::{Member, PlanDevice, PlanEntry, ShortNumber};
use sentral_domain::{EntityId, Msisdn, OrgNumber, Timestamp};
use sentral_store::Connection;
use sentral_store::directory::{self as repo, members};

use crate::backends;
use crate::contacts::enterprises;

const MEMBERS: usize = 1_200;

fn member(n: usize) -> Member {
    let first = ["Kari", "Ola", "Æsa", "Øyvind", "Åse", "Per_Arne"][n % 6];
    let last = ["Nordmann", "Fjellheim", "Lærdal", "Berg 100%", "O'Brien"][n % 5];
    let email = if n == 7 {
        "KARI.NORDMANN@FJELL.NO".to_owned()
    } else {
        format!("{first}.{last}{n}@fjell.no").to_lowercase()
    };
    Member {
        id: EntityId::new(format!("mem_{n:05}")),
        org_number: OrgNumber::parse("987654325").unwrap(),
        enterprise_id: Some("E1".into()),
        group_id: None,
        first_name: first.into(),
        last_name: last.into(),
        mobile: Msisdn::parse(&format!("4790{n:06}")).unwrap(),
        other_numbers: Vec::new(),
        email,
        title: None,
        department: None,
        company: None,
        street_address: None,
        postal_code: None,
        postal_place: None,
        external_id: None,
        short_number: None,
        updated_at: Timestamp::from_millis(1_790_000_000_000),
    }
}

/// The predicate member search had before the index, run as it was: ids of one page and the
/// total.
async fn plain_search(
    conn: &mut Connection,
    query: &str,
    offset: i64,
    limit: i64,
) -> (Vec<String>, i64) {
    let escaped = query
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let clause = "m.enterprise_id = $1 AND (LOWER(m.first_name || ' ' || m.last_name) LIKE $2 \
         ESCAPE '\\' OR LOWER(m.email) LIKE $2 ESCAPE '\\' OR m.mobile LIKE $2 ESCAPE '\\' \
         OR m.id IN (SELECT target FROM short_numbers WHERE enterprise_id = $1 \
         AND kind = 'member' AND short_number = $3))";
    let pattern = format!("%{escaped}%");
    let total = sentral_store::db::query(sentral_store::db::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM members m WHERE {clause}"
    )))
    .bind("E1")
    .bind(&pattern)
    .bind(query)
    .fetch_one(&mut *conn)
    .await
    .unwrap()
    .try_get::<i64, _>("n")
    .unwrap();
    let ids = sentral_store::db::query(sentral_store::db::AssertSqlSafe(format!(
        "SELECT m.id FROM members m WHERE {clause} \
         ORDER BY m.last_name, m.first_name, m.id LIMIT $4 OFFSET $5"
    )))
    .bind("E1")
    .bind(&pattern)
    .bind(query)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|row| row.try_get::<String, _>("id").unwrap())
    .collect();
    (ids, total)
}

/// Every page of `queries` that the tests look at answers as the plain predicate.
async fn check(conn: &mut Connection, backend: &str, queries: &[&str]) {
    for &query in queries {
        for (offset, limit) in [(0, 50), (40, 25), (1_000, 100)] {
            let found = members::search(&mut *conn, "E1", Some(query), None, offset, limit)
                .await
                .unwrap();
            let ids: Vec<String> = found
                .items
                .iter()
                .map(|m| m.id.as_str().to_owned())
                .collect();
            let expected = plain_search(&mut *conn, query, offset, limit).await;
            assert_eq!(
                (ids, found.total),
                expected,
                "{}: {query:?} at {offset}",
                backend
            );
        }
    }
}

#[tokio::test]
async fn indexed_member_search_answers_as_the_plain_predicate() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        enterprises(&mut tx).await;
        for n in 0..MEMBERS {
            members::insert_member(&mut tx, &member(n), None)
                .await
                .unwrap();
        }
        for (short, n) in [("102", 5), ("103", 900), ("104", 1_100)] {
            let entry = PlanEntry {
                short_number: ShortNumber::parse(short, 3).unwrap(),
                device: PlanDevice::Member(member(n).id.as_str().to_owned()),
            };
            repo::insert_entry(&mut tx, "E1", &entry).await.unwrap();
        }
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        let queries = [
            "kari",
            "KARI",
            "kari nordmann",
            "nordmann kari",
            "Æsa",
            "æsa lærdal",
            "ÆSA",
            "@fjell",
            "fjell.no",
            "4790000",
            "000123",
            "102",
            "103",
            "a",
            "e",
            "1",
            "%",
            "_",
            "per_arne",
            "100%",
            "o'brien",
            "\\",
            "mann\nkari",
            "kari\nnordmann",
            "no\n4790",
            "zzz",
            // Short queries have no trigram: they scan.
            "ka",
            "øy",
            "ø",
            "Å",
            // Norwegian letters in either case: the trigram index folds them, the exact
            // predicate (SQLite's LOWER folds ASCII only) decides as before.
            "øyvind",
            "ØYVIND",
            "Øyvind",
            "åse",
            "ÅSE O'BRIEN",
            "lærdal",
            "LÆRDAL",
            "yvind fjell",
            "ærd",
            // FTS5 syntax is only text: quotes, operators and column filters.
            "\"kari\"",
            "kari\"",
            "kari OR ola",
            "search_text:kari",
            "nord*",
        ];
        check(&mut conn, backend.name, &queries).await;
        // The trigram index follows writes: a renamed member is found by the new name only.
        drop(conn);
        let mut tx = backend.store.write().await.unwrap();
        for (n, first, last) in [
            (0, "Ørjan", "Ås-Blåbær"),
            (6, "Kåre", "Ødegård"),
            (1, "X", "Y"),
        ] {
            let mut renamed = member(n);
            renamed.first_name = first.into();
            renamed.last_name = last.into();
            members::update_member(&mut tx, &renamed, Timestamp::from_millis(1_790_000_000_001))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        check(
            &mut conn,
            backend.name,
            &[
                "ørjan",
                "ØRJAN",
                "ås-blåbær",
                "blåbær",
                "kåre ødegård",
                "ødegård",
                "kari",
                "x y",
                "ola",
            ],
        )
        .await;
        // Broad queries walk the name index (many matches), narrow ones sort their matches.
        assert!(plain_search(&mut conn, "fjell", 0, 1).await.1 >= 1_000);
        assert!(plain_search(&mut conn, "kari", 0, 1).await.1 < 1_000);
        let short = members::search(&mut conn, "E1", Some("104"), None, 0, 10)
            .await
            .unwrap();
        assert!(
            short
                .items
                .iter()
                .any(|m| m.short_number.as_deref() == Some("104")),
            "{}: the short number comes with the member",
            backend.name
        );
        drop(conn);
        backend.cleanup().await;
    }
}

/// The members of `enterprise` by `COUNT(*)`, the counter of migration 0037 and the list's total
/// must agree.
async fn assert_member_count(conn: &mut Connection, enterprise: &str, expected: i64, name: &str) {
    let counted =
        sentral_store::db::query("SELECT COUNT(*) AS n FROM members WHERE enterprise_id = $1")
            .bind(enterprise)
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .try_get::<i64, _>("n")
            .unwrap();
    let kept = members::enterprise_count(conn, enterprise).await.unwrap();
    let total = members::search(conn, enterprise, None, None, 0, 1)
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
async fn the_member_list_total_is_count_star_after_every_kind_of_write() {
    for backend in backends::all().await {
        let name = backend.name;
        let mut tx = backend.store.write().await.unwrap();
        enterprises(&mut tx).await;
        for n in 0..4 {
            members::insert_member(&mut tx, &member(n), None)
                .await
                .unwrap();
        }
        let mut elsewhere = member(10);
        elsewhere.enterprise_id = Some("E2".into());
        members::insert_member(&mut tx, &elsewhere, None)
            .await
            .unwrap();
        let mut unattached = member(11);
        unattached.enterprise_id = None;
        members::insert_member(&mut tx, &unattached, None)
            .await
            .unwrap();
        assert_member_count(&mut tx, "E1", 4, name).await;
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert_member_count(&mut conn, "E1", 4, name).await;
        assert_member_count(&mut conn, "E2", 1, name).await;
        drop(conn);

        // Joining an enterprise, moving to another, and an update that keeps it.
        let mut tx = backend.store.write().await.unwrap();
        members::join_enterprise(&mut tx, unattached.id.as_str(), "E1", None)
            .await
            .unwrap();
        members::join_enterprise(&mut tx, elsewhere.id.as_str(), "E1", None)
            .await
            .unwrap();
        members::join_enterprise(&mut tx, member(0).id.as_str(), "E1", None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert_member_count(&mut conn, "E1", 6, name).await;
        assert_member_count(&mut conn, "E2", 0, name).await;
        drop(conn);

        // A write that does not commit leaves the count as it was; a reset empties it.
        let mut tx = backend.store.write().await.unwrap();
        members::join_enterprise(&mut tx, member(1).id.as_str(), "E2", None)
            .await
            .unwrap();
        assert_member_count(&mut tx, "E1", 5, name).await;
        drop(tx);
        let mut conn = backend.store.read().await.unwrap();
        assert_member_count(&mut conn, "E1", 6, name).await;
        drop(conn);
        let mut tx = backend.store.write().await.unwrap();
        sentral_store::records::delete_everything(&mut tx)
            .await
            .unwrap();
        assert_member_count(&mut tx, "E1", 0, name).await;
        tx.commit().await.unwrap();
        backend.cleanup().await;
    }
}
