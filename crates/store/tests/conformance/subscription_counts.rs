//! A subscription search by reach, organisation, account and product takes its total from
//! counters kept by triggers (migration 0011) and its page from the add-ons' product index. The
//! counters must equal `COUNT(*)` after every kind of write, and every search must answer what
//! the plain query over `mobile_subscriptions` answers: the same numbers in the same order, the
//! same totals, for every filter shape, page and direction, on every backend.

use sentral_domain::Msisdn;
use sentral_domain::corporate::{SubscriptionProduct, SubscriptionStatus};
use sentral_store::Connection;
use sentral_store::corporate::subscriptions::{self, SubscriptionSearch};
use sentral_store::corporate::{Reach, accounts};
use sentral_store::records;

use crate::backends;
use crate::corporate::{NOW, account, organizations, subscription};

const A: &str = "914742315";
const B: &str = "987654325";
/// Accounts 1 and 2 belong to A, 3 to B.
const ACCOUNTS: [(u32, &str); 3] = [(1, A), (2, A), (3, B)];
const PRODUCTS: [i64; 3] = [300102, 300104, 300106];

fn account_id(number: u32) -> String {
    sentral_domain::corporate::AccountId::from_number(number).to_string()
}

/// Subscription `n`: on an account by `n`, with some of the products, some suspended.
async fn insert(conn: &mut Connection, n: u32) {
    let (account, owner) = ACCOUNTS[(n % 7 % 3) as usize];
    let mut row = subscription(
        91_000_000 + n,
        owner,
        account,
        NOW.plus_seconds(i64::from(n % 5)),
    );
    row.products = PRODUCTS
        .iter()
        .enumerate()
        .filter(|(i, _)| (n as usize + i).is_multiple_of(i + 2))
        .map(|(_, &product_id)| SubscriptionProduct {
            product_id,
            added_at: NOW,
        })
        .collect();
    if n.is_multiple_of(4) {
        row.status = SubscriptionStatus::Suspended;
    }
    subscriptions::insert_subscription(conn, &row)
        .await
        .unwrap();
}

async fn pairs(conn: &mut Connection, sql: &'static str) -> Vec<(String, i64)> {
    let mut found: Vec<(String, i64)> = sentral_store::db::query(sql)
        .fetch_all(conn)
        .await
        .unwrap()
        .iter()
        .map(|row| (row.try_get("k").unwrap(), row.try_get("n").unwrap()))
        .collect();
    found.sort();
    found
}

/// Every counter (left out when zero) equals its `COUNT(*)`.
async fn counters_are_exact(conn: &mut Connection, backend: &str, moment: &str) {
    let counted = pairs(
        conn,
        "SELECT org_number || '/' || account_id AS k, n FROM subscription_counts WHERE n <> 0",
    )
    .await;
    let expected = pairs(
        conn,
        "SELECT org_number || '/' || account_id AS k, COUNT(*) AS n FROM mobile_subscriptions \
         GROUP BY org_number, account_id",
    )
    .await;
    assert_eq!(counted, expected, "{backend}: subscription counts {moment}");
    let counted = pairs(
        conn,
        "SELECT CAST(product_id AS TEXT) || '/' || org_number || '/' || account_id AS k, n \
         FROM subscription_product_counts WHERE n <> 0",
    )
    .await;
    let expected = pairs(
        conn,
        "SELECT CAST(p.product_id AS TEXT) || '/' || s.org_number || '/' || s.account_id AS k, \
         COUNT(*) AS n FROM subscription_products p \
         JOIN mobile_subscriptions s ON s.msisdn = p.msisdn \
         GROUP BY p.product_id, s.org_number, s.account_id",
    )
    .await;
    assert_eq!(counted, expected, "{backend}: product counts {moment}");
}

/// `IN (…)` of quoted constants (the test's own), or nothing when empty.
fn quoted(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The search as one plain query over `mobile_subscriptions`, as it was before the counters:
/// the page's numbers and the total.
async fn plain_search(
    conn: &mut Connection,
    reach: Reach<'_>,
    search: &SubscriptionSearch,
    offset: i64,
    limit: i64,
) -> (Vec<String>, i64) {
    let mut clauses = vec![
        match (reach.companies.is_empty(), reach.accounts.is_empty()) {
            (true, true) => "1 = 0".to_owned(),
            (false, true) => format!("org_number IN ({})", quoted(reach.companies)),
            (true, false) => format!("account_id IN ({})", quoted(reach.accounts)),
            (false, false) => format!(
                "(org_number IN ({}) OR account_id IN ({}))",
                quoted(reach.companies),
                quoted(reach.accounts)
            ),
        },
    ];
    if let Some(account) = &search.account_id {
        clauses.push(format!("account_id = '{account}'"));
    }
    if let Some(org) = &search.org_number {
        clauses.push(format!("org_number = '{org}'"));
    }
    if let Some(digits) = &search.msisdn {
        clauses.push(format!("msisdn LIKE '%{digits}%'"));
    }
    if let Some(product) = search.product_id {
        clauses.push(format!(
            "msisdn IN (SELECT msisdn FROM subscription_products WHERE product_id = {product})"
        ));
    }
    if let Some(since) = search.since {
        clauses.push(format!("updated_at > {}", since.millis()));
    }
    if let Some(status) = search.status {
        clauses.push(format!("status = '{}'", status.as_str()));
    }
    let clause = clauses.join(" AND ");
    let direction = if search.ascending { "ASC" } else { "DESC" };
    let order_by = if search.since.is_some() {
        format!("updated_at {direction}, msisdn {direction}")
    } else {
        format!("msisdn {direction}")
    };
    let total = sentral_store::db::query(sentral_store::db::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM mobile_subscriptions WHERE {clause}"
    )))
    .fetch_one(&mut *conn)
    .await
    .unwrap()
    .try_get::<i64, _>("n")
    .unwrap();
    let msisdns = sentral_store::db::query(sentral_store::db::AssertSqlSafe(format!(
        "SELECT msisdn FROM mobile_subscriptions WHERE {clause} ORDER BY {order_by} \
         LIMIT {limit} OFFSET {offset}"
    )))
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|row| row.try_get::<String, _>("msisdn").unwrap())
    .collect();
    (msisdns, total)
}

/// Every filter shape, page and direction answers as the plain query; the first page's
/// summaries are the subscriptions' own.
async fn searches_answer_as_the_plain_query(conn: &mut Connection, backend: &str, moment: &str) {
    let (a, b) = (vec![A.to_owned()], vec![B.to_owned()]);
    let both = vec![A.to_owned(), B.to_owned()];
    let (one, three) = (vec![account_id(1)], vec![account_id(3)]);
    let reaches: [(&[String], &[String]); 6] = [
        (&a, &[]),
        (&both, &[]),
        (&[], &one),
        (&a, &three),
        (&b, &one),
        (&[], &[]),
    ];
    let mut shapes = Vec::new();
    for account in [None, Some(account_id(1)), Some(account_id(3))] {
        for org in [None, Some(A.to_owned()), Some(B.to_owned())] {
            for product in [None, Some(300102), Some(300104), Some(300106), Some(999)] {
                shapes.push(SubscriptionSearch {
                    account_id: account.clone(),
                    org_number: org.clone(),
                    product_id: product,
                    ..SubscriptionSearch::default()
                });
            }
        }
    }
    // Shapes that still count: with the number, the status or a time.
    for product in [None, Some(300104)] {
        shapes.push(SubscriptionSearch {
            msisdn: Some("0001".into()),
            product_id: product,
            ..SubscriptionSearch::default()
        });
        shapes.push(SubscriptionSearch {
            status: Some(SubscriptionStatus::Suspended),
            product_id: product,
            ..SubscriptionSearch::default()
        });
    }
    shapes.push(SubscriptionSearch {
        since: Some(NOW.plus_seconds(2)),
        account_id: Some(account_id(2)),
        ..SubscriptionSearch::default()
    });
    for &(companies, accounts) in &reaches {
        let reach = Reach {
            companies,
            accounts,
        };
        for shape in &shapes {
            for ascending in [true, false] {
                let search = SubscriptionSearch {
                    ascending,
                    ..shape.clone()
                };
                for (offset, limit) in [(0, 7), (5, 7), (21, 10), (30, 7), (1_000, 7)] {
                    let found = subscriptions::search(&mut *conn, reach, &search, offset, limit)
                        .await
                        .unwrap();
                    let msisdns: Vec<String> = found
                        .items
                        .iter()
                        .map(|s| s.msisdn.as_str().to_owned())
                        .collect();
                    let expected = plain_search(&mut *conn, reach, &search, offset, limit).await;
                    assert_eq!(
                        (msisdns, found.total),
                        expected,
                        "{backend} {moment}: {reach:?} {search:?} at {offset}"
                    );
                    if offset == 0 && ascending {
                        for item in &found.items {
                            let own = subscriptions::subscription(&mut *conn, &item.msisdn)
                                .await
                                .unwrap()
                                .unwrap();
                            assert_eq!(&own.summary(), item, "{backend}");
                        }
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn counters_stay_exact_and_searches_answer_as_the_plain_query() {
    for backend in backends::all().await {
        let name = backend.name;
        let mut tx = backend.store.write().await.unwrap();
        organizations(&mut tx).await;
        for (id, owner) in ACCOUNTS {
            accounts::insert_account(&mut tx, &account(id, owner, NOW))
                .await
                .unwrap();
        }
        for n in 0..40 {
            insert(&mut tx, n).await;
        }
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        counters_are_exact(&mut conn, name, "after inserts").await;
        searches_answer_as_the_plain_query(&mut conn, name, "after inserts").await;
        drop(conn);

        // Add-ons come and go; more subscriptions arrive.
        let mut tx = backend.store.write().await.unwrap();
        for n in 0..40 {
            let msisdn = Msisdn::parse(&(91_000_000 + n).to_string()).unwrap();
            let product_id = PRODUCTS[n as usize % 3];
            if !subscriptions::remove_product(&mut tx, &msisdn, product_id)
                .await
                .unwrap()
            {
                let product = SubscriptionProduct {
                    product_id,
                    added_at: NOW,
                };
                subscriptions::add_product(&mut tx, &msisdn, &product)
                    .await
                    .unwrap();
            }
        }
        for n in 40..55 {
            insert(&mut tx, n).await;
        }
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        counters_are_exact(&mut conn, name, "after add-on changes").await;
        searches_answer_as_the_plain_query(&mut conn, name, "after add-on changes").await;
        drop(conn);

        // A rolled-back write leaves the counters as they were.
        let mut tx = backend.store.write().await.unwrap();
        insert(&mut tx, 99).await;
        drop(tx);
        let mut conn = backend.store.read().await.unwrap();
        counters_are_exact(&mut conn, name, "after a rollback").await;
        drop(conn);

        // A subscription keeps its organisation and account, an add-on its keys.
        let mut tx = backend.store.write().await.unwrap();
        // Subscription 1 is on account 2; account 1 has the same owner.
        let moved = sentral_store::db::query(
            "UPDATE mobile_subscriptions SET account_id = $1 WHERE msisdn = '4791000001'",
        )
        .bind(account_id(1))
        .execute(&mut tx)
        .await;
        assert!(moved.is_err(), "{name}: an account move is refused");
        drop(tx);

        // The sandbox reset empties everything; a reseed counts from zero.
        let mut tx = backend.store.write().await.unwrap();
        records::delete_everything(&mut tx).await.unwrap();
        organizations(&mut tx).await;
        for (id, owner) in ACCOUNTS {
            accounts::insert_account(&mut tx, &account(id, owner, NOW))
                .await
                .unwrap();
        }
        for n in 100..112 {
            insert(&mut tx, n).await;
        }
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        counters_are_exact(&mut conn, name, "after a reset").await;
        searches_answer_as_the_plain_query(&mut conn, name, "after a reset").await;
        drop(conn);
        backend.cleanup().await;
    }
}
