//! `GET /corporate-mobile-subscriptions/v2/mobile-subscriptions` and the point read of one
//! subscription answer with JSON the store wrote from the database's rows. It must be byte for
//! byte what the API's serde
//! struct writes for the summaries of the typed search (`subscriptions::search`, held to the
//! plain query by the conformance suite), with the same page fields, for every kind of search:
//! escapes, Norwegian letters, missing references, an unknown plan, each status, times with
//! milliseconds, both directions, deep and empty pages.

use sentral_api::telenor::subscriptions::{FlatSubscription, SubscriptionBody, summary};
use sentral_domain::Msisdn;
use sentral_domain::Timestamp;
use sentral_domain::corporate::{
    PersonName, SubscriptionProduct, SubscriptionStatus, SubscriptionSummary, UserReference,
    UserReferences,
};
use sentral_store::corporate::Reach;
use sentral_store::corporate::subscriptions::{self, SubscriptionSearch};

use crate::harness::TestServer;

const SEARCH: &str = "/corporate-mobile-subscriptions/v2/mobile-subscriptions";
const OWNER: &str = "930000000";

fn reference(field: &'static str, text: &str) -> Option<UserReference> {
    Some(UserReference::parse(field, text).expect("reference"))
}

/// Subscriptions with every shape of summary, on the account of the demo's first one.
async fn insert_tricky(server: &TestServer) {
    let mut tx = server.platform.store().write().await.expect("write");
    let template = subscriptions::subscription(&mut tx, &Msisdn::parse("91000001").unwrap())
        .await
        .expect("read")
        .expect("the demo's first subscription");
    let texts = [
        "Åse \"Mor\" Ødegård",
        "back\\slash/ and 'quote'",
        "emoji 📱 and ünïcödé",
        "<script>&amp;</script>",
    ];
    for n in 0..12u32 {
        let mut row = template.clone();
        row.msisdn = Msisdn::parse(&format!("{}", 99_000_000 + n)).unwrap();
        row.iccid = format!("89479900{n:08}");
        row.plan_id = [100101, 100104, 999_999][n as usize % 3];
        row.status = [
            SubscriptionStatus::Active,
            SubscriptionStatus::Suspended,
            SubscriptionStatus::Terminated,
        ][n as usize % 3];
        row.references = UserReferences {
            reference1: reference("userReference1", texts[n as usize % 4]),
            reference2: (n % 2 == 0)
                .then(|| reference("userReference2", "Kari"))
                .flatten(),
            reference3: (n % 3 == 0)
                .then(|| reference("userReference3", &format!("A{n:05}")))
                .flatten(),
        };
        if n == 5 {
            row.references = UserReferences::default();
        }
        row.updated_at = Timestamp::from_millis(1_790_000_000_007 + i64::from(n) * 60_001);
        let product = |product_id| SubscriptionProduct {
            product_id,
            added_at: row.updated_at,
        };
        // None, one, and several in product order, a fixed one and an unknown one among them.
        row.products = match n % 4 {
            0 => Vec::new(),
            1 => vec![product(300107)],
            2 => vec![product(300105), product(300107), product(399_999)],
            _ => vec![product(300102), product(300107)],
        };
        row.user = match n % 3 {
            0 => None,
            1 => Some(PersonName {
                first_name: texts[n as usize % 4].into(),
                middle_name: Some("\"\u{1}\n".into()),
                last_name: "Ødegård".into(),
            }),
            _ => row.user,
        };
        subscriptions::insert_subscription(&mut tx, &row)
            .await
            .expect("insert");
    }
    tx.commit().await.expect("commit");
}

/// `{"content":[…],"page":…}` as serde writes it for the typed search's page.
fn serde_page(items: &[SubscriptionSummary], page: i64, size: i64, total: i64) -> String {
    let content: Vec<_> = items.iter().map(summary).collect();
    format!(
        "{{\"content\":{},\"page\":{page},\"pageSize\":{size},\"totalElements\":{total},\
         \"totalPages\":{}}}",
        serde_json::to_string(&content).expect("serialize"),
        (total + size - 1) / size
    )
}

#[tokio::test]
async fn the_store_written_subscription_page_is_the_serde_json_of_the_typed_search() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        insert_tricky(&server).await;
        let account = {
            let mut conn = server.platform.store().read().await.expect("read");
            subscriptions::subscription(&mut conn, &Msisdn::parse("91000001").unwrap())
                .await
                .expect("read")
                .expect("subscription")
                .account_id
                .to_string()
        };
        let owner = || Some(OWNER.to_owned());
        let since = Timestamp::parse_rfc3339("2026-09-21T12:00:00Z").expect("time");
        // Every query names the owner, which the demo user sees: the typed search's reach.
        let cases: Vec<(String, SubscriptionSearch)> = vec![
            (
                String::new(),
                SubscriptionSearch {
                    org_number: owner(),
                    ascending: true,
                    ..Default::default()
                },
            ),
            (
                "&ascending=false".into(),
                SubscriptionSearch {
                    org_number: owner(),
                    ..Default::default()
                },
            ),
            (
                format!("&accountId={account}"),
                SubscriptionSearch {
                    org_number: owner(),
                    account_id: Some(account.clone()),
                    ascending: true,
                    ..Default::default()
                },
            ),
            (
                "&productId=300107&ascending=false".into(),
                SubscriptionSearch {
                    org_number: owner(),
                    product_id: Some(300107),
                    ..Default::default()
                },
            ),
            (
                "&userReference=%C3%B8deg%C3%A5rd".into(),
                SubscriptionSearch {
                    org_number: owner(),
                    user_reference: Some("ødegård".into()),
                    ascending: true,
                    ..Default::default()
                },
            ),
            (
                "&userReference=kari".into(),
                SubscriptionSearch {
                    org_number: owner(),
                    user_reference: Some("kari".into()),
                    ascending: true,
                    ..Default::default()
                },
            ),
            (
                "&since=2026-09-21T12:00:00Z&ascending=false".into(),
                SubscriptionSearch {
                    org_number: owner(),
                    since: Some(since),
                    ..Default::default()
                },
            ),
            (
                "&msisdn=9900".into(),
                SubscriptionSearch {
                    org_number: owner(),
                    msisdn: Some("9900".into()),
                    ascending: true,
                    ..Default::default()
                },
            ),
            (
                "&status=TERMINATED".into(),
                SubscriptionSearch {
                    org_number: owner(),
                    status: Some(SubscriptionStatus::Terminated),
                    ascending: true,
                    ..Default::default()
                },
            ),
        ];
        let companies = vec![OWNER.to_owned()];
        let reach = Reach {
            companies: &companies,
            accounts: &[],
        };
        let mut pages_with_items = 0;
        for (query, search) in &cases {
            for (page, size) in [(0, 100), (0, 5), (1, 5), (10, 5), (9, 7), (1000, 20)] {
                let path = format!(
                    "{SEARCH}?organizationNumber={OWNER}{query}&page={page}&pageSize={size}"
                );
                let response = server.get(&path, &token).await;
                assert_eq!(response.status(), 200, "{}: {path}", server.name);
                let body = response.text().await.expect("body");
                let typed = {
                    let mut conn = server.platform.store().read().await.expect("read");
                    subscriptions::search(&mut conn, reach, search, page * size, size)
                        .await
                        .expect("search")
                };
                pages_with_items += usize::from(!typed.items.is_empty());
                assert_eq!(
                    body,
                    serde_page(&typed.items, page, size, typed.total),
                    "{}: {path}",
                    server.name
                );
            }
        }
        assert!(
            pages_with_items >= 20,
            "{}: {pages_with_items}",
            server.name
        );
        server.stop().await;
    }
}

/// The point read of every subscription of the owner (the demo's and the tricky ones: no user,
/// a middle name with escapes, no add-ons, several, an unknown one) is the serde JSON of the
/// subscription as the typed read gives it.
#[tokio::test]
async fn the_store_written_subscription_is_the_serde_json_of_the_typed_read() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        insert_tricky(&server).await;
        let companies = vec![OWNER.to_owned()];
        let reach = Reach {
            companies: &companies,
            accounts: &[],
        };
        let owned = {
            let mut conn = server.platform.store().read().await.expect("read");
            let search = SubscriptionSearch {
                org_number: Some(OWNER.to_owned()),
                ascending: true,
                ..Default::default()
            };
            subscriptions::search(&mut conn, reach, &search, 0, 10_000)
                .await
                .expect("search")
                .items
        };
        assert!(owned.len() > 12, "{}: {}", server.name, owned.len());
        for summary in owned {
            let typed = {
                let mut conn = server.platform.store().read().await.expect("read");
                subscriptions::subscription(&mut conn, &summary.msisdn)
                    .await
                    .expect("read")
                    .expect("subscription")
            };
            let expected = serde_json::to_string(&FlatSubscription(SubscriptionBody::from(typed)))
                .expect("serialize");
            let path = format!("{SEARCH}/{}", summary.msisdn);
            let response = server.get(&path, &token).await;
            assert_eq!(response.status(), 200, "{}: {path}", server.name);
            assert_eq!(
                response.headers()["content-type"],
                "application/json",
                "{}: {path}",
                server.name
            );
            assert_eq!(
                response.text().await.expect("body"),
                expected,
                "{}: {path}",
                server.name
            );
        }
        server.stop().await;
    }
}

/// The owner's whole search page and every point read of its subscriptions are the serde JSON of
/// the rows as they are now.
async fn assert_reads_are_serde_json(server: &TestServer, token: &str, when: &str) {
    let companies = vec![OWNER.to_owned()];
    let reach = Reach {
        companies: &companies,
        accounts: &[],
    };
    let search = SubscriptionSearch {
        org_number: Some(OWNER.to_owned()),
        ascending: true,
        ..Default::default()
    };
    let typed = {
        let mut conn = server.platform.store().read().await.expect("read");
        subscriptions::search(&mut conn, reach, &search, 0, 1000)
            .await
            .expect("search")
    };
    let path = format!("{SEARCH}?organizationNumber={OWNER}&pageSize=1000");
    let response = server.get(&path, token).await;
    assert_eq!(response.status(), 200, "{}: {path} {when}", server.name);
    assert_eq!(
        response.text().await.expect("body"),
        serde_page(&typed.items, 0, 1000, typed.total),
        "{}: {path} {when}",
        server.name
    );
    for summary in &typed.items {
        let read = {
            let mut conn = server.platform.store().read().await.expect("read");
            subscriptions::subscription(&mut conn, &summary.msisdn)
                .await
                .expect("read")
                .expect("subscription")
        };
        let expected =
            serde_json::to_string(&FlatSubscription(SubscriptionBody::from(read))).expect("json");
        let path = format!("{SEARCH}/{}", summary.msisdn);
        let response = server.get(&path, token).await;
        assert_eq!(response.status(), 200, "{}: {path} {when}", server.name);
        assert_eq!(
            response.text().await.expect("body"),
            expected,
            "{}: {path} {when}",
            server.name
        );
    }
}

/// The store keeps each subscription's summary with its row (migration 41). Reads must be the
/// rows' serde JSON after a change of the references and a touch through the store, after an
/// update by an older node that does not write the summary, with every summary forgotten (rows
/// from before the migration), and once the missing ones are written.
#[tokio::test]
async fn the_stored_subscription_summaries_follow_every_write_of_their_rows() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        insert_tricky(&server).await;
        assert_reads_are_serde_json(&server, &token, "as inserted").await;
        let store = server.platform.store();
        let (first, second) = (
            Msisdn::parse("99000001").unwrap(),
            Msisdn::parse("99000002").unwrap(),
        );
        let references = UserReferences {
            reference1: reference("userReference1", "ny \"ref\" æ"),
            reference2: None,
            reference3: reference("userReference3", "C3"),
        };
        let later = Timestamp::from_millis(1_900_000_000_123);
        let mut tx = store.write().await.expect("write");
        subscriptions::update_references(&mut tx, &first, &references, later)
            .await
            .expect("references");
        subscriptions::touch(&mut tx, &second, later)
            .await
            .expect("touch");
        tx.commit().await.expect("commit");
        assert_reads_are_serde_json(&server, &token, "after a change").await;
        let mut tx = store.write().await.expect("write");
        sentral_store::db::query(
            "UPDATE mobile_subscriptions SET status = 'TERMINATED', plan_id = 100101 \
             WHERE msisdn = $1",
        )
        .bind(first.as_str().to_owned())
        .execute(&mut tx)
        .await
        .expect("an older node's update");
        tx.commit().await.expect("commit");
        assert_reads_are_serde_json(&server, &token, "after an older node's update").await;
        let mut tx = store.write().await.expect("write");
        let forgotten = sentral_store::testing::forget_subscription_documents(&mut tx)
            .await
            .expect("forget");
        tx.commit().await.expect("commit");
        assert!(forgotten > 12, "{}: {forgotten}", server.name);
        assert_reads_are_serde_json(&server, &token, "without stored summaries").await;
        let mut tx = store.write().await.expect("write");
        let rewritten = subscriptions::write_missing_documents(&mut tx)
            .await
            .expect("write");
        let again = subscriptions::write_missing_documents(&mut tx)
            .await
            .expect("write");
        tx.commit().await.expect("commit");
        assert_eq!(rewritten, forgotten, "{}", server.name);
        assert_eq!(again, 0, "{}: nothing left to write", server.name);
        assert_reads_are_serde_json(&server, &token, "once written again").await;
        server.stop().await;
    }
}
