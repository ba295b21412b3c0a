//! Searching subscriptions by user reference reads the `mobile_subscriptions_references` index;
//! its answers must be the ones of the plain predicate it replaced (any of the three references
//! containing the text, case-insensitive), in the same order with the same totals, on every
//! backend.

use sentral_domain::corporate::{UserReference, UserReferences};
use sentral_store::Connection;
use sentral_store::corporate::subscriptions::{self, SubscriptionSearch};
use sentral_store::corporate::{Reach, accounts};

use crate::backends;
use crate::corporate::{NOW, account, organizations, subscription};

const SUBSCRIPTIONS: u32 = 1_200;
const OWNER: &str = "914742315";

fn references(n: u32) -> UserReferences {
    let reference = |field, text: String| UserReference::parse(field, &text).unwrap();
    let first = ["Kari Nordmann", "OLA HANSEN", "Æsa Lærdal", "per_arne 100%"][n as usize % 4];
    UserReferences {
        reference1: Some(reference("userReference1", first.into())),
        reference2: (!n.is_multiple_of(3))
            .then(|| reference("userReference2", format!("Avd Øst {n}"))),
        reference3: n
            .is_multiple_of(5)
            .then(|| reference("userReference3", format!("A{n:05}"))),
    }
}

/// The predicate the search had before the index, run as it was: msisdns of one page and the
/// total.
async fn plain_search(
    conn: &mut Connection,
    text: &str,
    offset: i64,
    limit: i64,
) -> (Vec<String>, i64) {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let clause = "org_number = $1 AND (LOWER(reference1) LIKE $2 ESCAPE '\\' \
         OR LOWER(reference2) LIKE $2 ESCAPE '\\' OR LOWER(reference3) LIKE $2 ESCAPE '\\')";
    let pattern = format!("%{escaped}%");
    let total = sentral_store::db::query(sentral_store::db::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM mobile_subscriptions WHERE {clause}"
    )))
    .bind(OWNER)
    .bind(&pattern)
    .fetch_one(&mut *conn)
    .await
    .unwrap()
    .try_get::<i64, _>("n")
    .unwrap();
    let msisdns = sentral_store::db::query(sentral_store::db::AssertSqlSafe(format!(
        "SELECT msisdn FROM mobile_subscriptions WHERE {clause} ORDER BY msisdn DESC \
         LIMIT $3 OFFSET $4"
    )))
    .bind(OWNER)
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|row| row.try_get::<String, _>("msisdn").unwrap())
    .collect();
    (msisdns, total)
}

/// Every page of `texts` that the tests look at answers as the plain predicate.
async fn check(conn: &mut Connection, reach: Reach<'_>, backend: &str, texts: &[&str]) {
    for &text in texts {
        for (offset, limit) in [(0, 50), (30, 20), (1_100, 100)] {
            let found = subscriptions::search(
                &mut *conn,
                reach,
                &SubscriptionSearch {
                    user_reference: Some(text.into()),
                    ..SubscriptionSearch::default()
                },
                offset,
                limit,
            )
            .await
            .unwrap();
            let msisdns: Vec<String> = found
                .items
                .iter()
                .map(|s| s.msisdn.as_str().to_owned())
                .collect();
            let expected = plain_search(&mut *conn, text, offset, limit).await;
            assert_eq!(
                (msisdns, found.total),
                expected,
                "{}: {text:?} at {offset}",
                backend
            );
        }
    }
}

#[tokio::test]
async fn indexed_reference_search_answers_as_the_plain_predicate() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        organizations(&mut tx).await;
        accounts::insert_account(&mut tx, &account(1, OWNER, NOW))
            .await
            .unwrap();
        for n in 0..SUBSCRIPTIONS {
            let mut row = subscription(91_000_000 + n, OWNER, 1, NOW);
            row.references = references(n);
            subscriptions::insert_subscription(&mut tx, &row)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        let companies = vec![OWNER.to_owned()];
        let reach = Reach {
            companies: &companies,
            accounts: &[],
        };
        let texts = [
            "kari",
            "KARI NORD",
            "hansen",
            "æsa",
            "ÆSA LÆRDAL",
            "avd øst 1",
            "øst",
            "a00005",
            "a0",
            "per_arne",
            "100%",
            "_",
            "%",
            "\\",
            "nordmann\navd",
            "1\n",
            "zzz",
            " ",
            // Short texts have no trigram: they scan.
            "ø",
            "øs",
            "Æ",
            "a0",
            // Norwegian letters in either case: the trigram index folds them, the exact
            // predicate (SQLite's LOWER folds ASCII only) decides as before.
            "ØST",
            "Øst 1",
            "lærdal",
            "LÆRDAL",
            "sa lær",
            "vd øs",
            // FTS5 syntax is only text: quotes, operators and column filters.
            "\"kari\"",
            "kari\"",
            "kari OR ola",
            "references_text:kari",
            "nord*",
        ];
        check(&mut conn, reach, backend.name, &texts).await;
        // The trigram index follows writes: changed references are found by their new text only.
        drop(conn);
        let mut tx = backend.store.write().await.unwrap();
        for (n, text) in [(0, "Blåbær Ødegård"), (4, "Øvre Ås"), (2, "")] {
            let msisdn = sentral_domain::Msisdn::parse(&format!("{}", 91_000_000 + n)).unwrap();
            let changed = UserReferences {
                reference1: (!text.is_empty())
                    .then(|| UserReference::parse("userReference1", text).unwrap()),
                reference2: None,
                reference3: None,
            };
            subscriptions::update_references(&mut tx, &msisdn, &changed, NOW)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        check(
            &mut conn,
            reach,
            backend.name,
            &[
                "blåbær",
                "BLÅBÆR ØDEGÅRD",
                "øvre ås",
                "ødegård",
                "kari",
                "hansen",
                "æsa",
            ],
        )
        .await;
        // Broad texts walk the subscriptions in page order, narrow ones sort their matches.
        assert!(plain_search(&mut conn, " ", 0, 1).await.1 >= 1_000);
        assert!(plain_search(&mut conn, "kari", 0, 1).await.1 < 1_000);
        drop(conn);
        backend.cleanup().await;
    }
}
