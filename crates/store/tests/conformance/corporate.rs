use sentral_domain::corporate::{
    AccountId, AccountReference, AccountStatus, AccountType, AddressCard, AddressCardId,
    CorporateAccount, InvoiceFormat, MobileSubscription, Order, OrderId, OrderStatus, OrderSubject,
    OrderType, Payer, PostalAddress, SubscriptionProduct, SubscriptionStatus, SubscriptionSummary,
    UserReference, UserReferences,
};
use sentral_domain::platform::Organization;
use sentral_domain::{Msisdn, OrgNumber, Timestamp};
use sentral_store::corporate::subscriptions::SubscriptionSearch;
use sentral_store::corporate::{self, Reach, accounts, orders, subscriptions};
use sentral_store::platform;

use crate::backends;

pub(crate) const NOW: Timestamp = Timestamp::from_millis(1_790_000_000_000);

fn org(number: &str) -> OrgNumber {
    OrgNumber::parse(number).unwrap()
}

fn address() -> PostalAddress {
    PostalAddress {
        street_name: "Snarøyveien".into(),
        street_address: "30".into(),
        entrance_code: None,
        postal_code: "1360".into(),
        postal_place: "Fornebu".into(),
    }
}

pub(crate) async fn organizations(conn: &mut sentral_store::Connection) {
    for number in ["914742315", "987654325"] {
        let organization = Organization {
            org_number: org(number),
            name: format!("Org {number}"),
            parent: None,
        };
        platform::insert_organization(conn, &organization, NOW)
            .await
            .unwrap();
    }
}

pub(crate) fn account(id: u32, owner: &str, listed_from: Timestamp) -> CorporateAccount {
    CorporateAccount {
        id: AccountId::from_number(id),
        references: [
            Some(AccountReference::parse("accountReference1", "Avdeling Øst").unwrap()),
            None,
            None,
        ],
        owner: org(owner),
        payer: Payer::Company(org(owner)),
        address_card: None,
        invoice_address: address(),
        invoice_format: InvoiceFormat::Ehf,
        stored_status: AccountStatus::Passive,
        account_type: AccountType::Normal,
        created_at: NOW,
        activates_at: Some(listed_from),
        listed_from,
    }
}

pub(crate) fn subscription(
    national: u32,
    owner: &str,
    account: u32,
    updated_at: Timestamp,
) -> MobileSubscription {
    MobileSubscription {
        msisdn: Msisdn::parse(&national.to_string()).unwrap(),
        org_number: org(owner),
        account_id: AccountId::from_number(account),
        plan_id: 100101,
        status: SubscriptionStatus::Active,
        user: None,
        references: UserReferences {
            reference1: Some(
                UserReference::parse("userReference1", &format!("User_{national}%")).unwrap(),
            ),
            ..UserReferences::default()
        },
        iccid: format!("8947{national}"),
        activated_at: NOW,
        updated_at,
        products: vec![SubscriptionProduct {
            product_id: 300102,
            added_at: NOW,
        }],
    }
}

#[tokio::test]
async fn counters_hand_out_each_number_once() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        let first = corporate::next_number(&mut tx, "test", 500).await.unwrap();
        let second = corporate::next_number(&mut tx, "test", 500).await.unwrap();
        let other = corporate::next_number(&mut tx, "other", 1).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((first, second, other), (500, 501, 1), "{}", backend.name);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn accounts_are_listed_within_reach_once_listed() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        organizations(&mut tx).await;
        let card = AddressCard {
            id: AddressCardId::parse("664001").unwrap(),
            org_number: org("914742315"),
            address: address(),
            invoice_format: InvoiceFormat::Ehf,
        };
        accounts::insert_address_card(&mut tx, &card).await.unwrap();
        accounts::insert_account(&mut tx, &account(2, "914742315", NOW))
            .await
            .unwrap();
        accounts::insert_account(&mut tx, &account(10, "914742315", NOW))
            .await
            .unwrap();
        accounts::insert_account(&mut tx, &account(3, "914742315", NOW.plus_seconds(60)))
            .await
            .unwrap();
        accounts::insert_account(&mut tx, &account(4, "987654325", NOW))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        let companies = vec!["914742315".to_owned()];
        let granted = vec!["4".to_owned()];
        let reach = Reach {
            companies: &companies,
            accounts: &granted,
        };
        let page = accounts::accounts_page(&mut conn, reach, NOW, 0, 10)
            .await
            .unwrap();
        let ids: Vec<&str> = page.items.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["2", "4", "10"], "by number, {}", backend.name);
        assert_eq!(page.total, 3);
        let later = accounts::accounts_page(&mut conn, reach, NOW.plus_seconds(60), 1, 2)
            .await
            .unwrap();
        assert_eq!(later.total, 4);
        assert_eq!(later.items.len(), 2);
        let nothing = Reach {
            companies: &[],
            accounts: &[],
        };
        assert_eq!(
            accounts::accounts_page(&mut conn, nothing, NOW, 0, 10)
                .await
                .unwrap()
                .total,
            0
        );
        let stored = accounts::account(&mut conn, &AccountId::from_number(3))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored, account(3, "914742315", NOW.plus_seconds(60)));
        assert_eq!(
            accounts::address_cards_of(&mut conn, &org("914742315"))
                .await
                .unwrap(),
            [card]
        );
        drop(conn);
        backend.cleanup().await;
    }
}

/// The accounts in reach listed at `at` by `COUNT(*)`, by `listed_total` (the counter of
/// migration 0038 and the future-listed ones) and as both pages' totals must agree.
async fn assert_account_total(
    conn: &mut sentral_store::Connection,
    reach: Reach<'_>,
    at: Timestamp,
    expected: i64,
    what: &str,
) {
    let mut counted = 0;
    for row in sentral_store::db::query(
        "SELECT id, owner_org FROM corporate_accounts WHERE listed_from <= $1",
    )
    .bind(at.millis())
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    {
        let id = row.try_get::<String, _>("id").unwrap();
        let owner = row.try_get::<String, _>("owner_org").unwrap();
        if reach.companies.contains(&owner) || reach.accounts.contains(&id) {
            counted += 1;
        }
    }
    let kept = accounts::listed_total(conn, reach, at).await.unwrap();
    let page = accounts::accounts_page(conn, reach, at, 0, 1)
        .await
        .unwrap()
        .total;
    let json = accounts::accounts_page_json(conn, reach, at, 0, 1)
        .await
        .unwrap()
        .total;
    assert_eq!(
        (counted, kept, page, json),
        (expected, expected, expected, expected),
        "{what}"
    );
    // The JSON page's accounts (per-company arms merged) are the row page's (one `IN` filter),
    // in the same order, whole and cut.
    for (offset, limit) in [(0, 1000), (1, 2)] {
        let rows = accounts::accounts_page(conn, reach, at, offset, limit)
            .await
            .unwrap();
        let json = accounts::accounts_page_json(conn, reach, at, offset, limit)
            .await
            .unwrap();
        let objects: Vec<serde_json::Value> = serde_json::from_str(json.content.as_str()).unwrap();
        let json_ids: Vec<&str> = objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
        let row_ids: Vec<&str> = rows.items.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(json_ids, row_ids, "{what}: the page at {offset}, {limit}");
    }
}

#[tokio::test]
async fn the_account_list_total_is_count_star_after_every_kind_of_write() {
    for backend in backends::all().await {
        let name = backend.name;
        let first = vec!["914742315".to_owned()];
        let both = vec!["914742315".to_owned(), "987654325".to_owned()];
        let none: Vec<String> = Vec::new();
        // A company named twice counts once.
        let first_twice = vec!["914742315".to_owned(), "914742315".to_owned()];
        // More companies than `listed_total` looks up one by one: the two and 38 without accounts.
        let many: Vec<String> = both
            .iter()
            .cloned()
            .chain((0..38).map(|n| format!("{:09}", 800_000_000 + n)))
            .collect();
        // Single accounts: one of the first company's (counted once), one of the other's, one
        // listed in the future, one that does not exist.
        let singles = vec![
            "2".to_owned(),
            "4".to_owned(),
            "6".to_owned(),
            "99".to_owned(),
        ];
        let reaches = [
            (
                "first",
                Reach {
                    companies: &first,
                    accounts: &none,
                },
            ),
            (
                "both",
                Reach {
                    companies: &both,
                    accounts: &none,
                },
            ),
            (
                "first and singles",
                Reach {
                    companies: &first_twice,
                    accounts: &singles,
                },
            ),
            (
                "singles",
                Reach {
                    companies: &none,
                    accounts: &singles,
                },
            ),
            (
                "nothing",
                Reach {
                    companies: &none,
                    accounts: &none,
                },
            ),
            (
                "many",
                Reach {
                    companies: &many,
                    accounts: &none,
                },
            ),
        ];
        let later = NOW.plus_seconds(60);
        let check =
            async |conn: &mut sentral_store::Connection, expected: [[i64; 6]; 2], step: &str| {
                for (at, expected) in [(NOW, expected[0]), (later, expected[1])] {
                    for ((reach_name, reach), expected) in reaches.iter().zip(expected) {
                        let what = format!("{name}, {step}, {reach_name}, at {}", at.millis());
                        assert_account_total(conn, *reach, at, expected, &what).await;
                    }
                }
            };

        let mut tx = backend.store.write().await.unwrap();
        organizations(&mut tx).await;
        check(&mut tx, [[0; 6]; 2], "empty").await;
        // Listed now, listed a minute later (the boundary included), listed an hour later.
        for (id, owner, listed) in [
            (1, "914742315", NOW.plus_seconds(-10)),
            (2, "914742315", NOW),
            (3, "914742315", later),
            (5, "914742315", NOW.plus_seconds(3600)),
            (4, "987654325", NOW),
            (6, "987654325", later),
        ] {
            accounts::insert_account(&mut tx, &account(id, owner, listed))
                .await
                .unwrap();
        }
        // (first, both, first and singles, singles, nothing, many) at NOW and a minute later.
        let written = [[2, 3, 3, 2, 0, 3], [3, 5, 5, 3, 0, 5]];
        check(&mut tx, written, "inserted, uncommitted").await;
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        check(&mut conn, written, "inserted").await;
        drop(conn);

        // A write that does not commit leaves the totals as they were.
        let mut tx = backend.store.write().await.unwrap();
        accounts::insert_account(&mut tx, &account(7, "914742315", NOW))
            .await
            .unwrap();
        check(
            &mut tx,
            [[3, 4, 4, 2, 0, 4], [4, 6, 6, 3, 0, 6]],
            "one more, uncommitted",
        )
        .await;
        drop(tx);
        let mut conn = backend.store.read().await.unwrap();
        check(&mut conn, written, "rolled back").await;
        drop(conn);

        // A reset empties the counts with the accounts; a reseed counts again.
        let mut tx = backend.store.write().await.unwrap();
        sentral_store::records::delete_everything(&mut tx)
            .await
            .unwrap();
        check(&mut tx, [[0; 6]; 2], "reset").await;
        organizations(&mut tx).await;
        accounts::insert_account(&mut tx, &account(4, "987654325", later))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        check(
            &mut conn,
            [[0, 0, 0, 0, 0, 0], [0, 1, 1, 1, 0, 1]],
            "reseeded",
        )
        .await;
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn subscriptions_are_searched_by_every_criterion() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        organizations(&mut tx).await;
        for (id, owner) in [(1, "914742315"), (2, "987654325")] {
            accounts::insert_account(&mut tx, &account(id, owner, NOW))
                .await
                .unwrap();
        }
        for n in 0..5 {
            let s = subscription(
                91_000_000 + n,
                "914742315",
                1,
                NOW.plus_seconds(i64::from(n)),
            );
            subscriptions::insert_subscription(&mut tx, &s)
                .await
                .unwrap();
        }
        let foreign = subscription(92_000_000, "987654325", 2, NOW);
        subscriptions::insert_subscription(&mut tx, &foreign)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        let companies = vec!["914742315".to_owned()];
        let reach = Reach {
            companies: &companies,
            accounts: &[],
        };
        let found = |page: corporate::Page<SubscriptionSummary>| -> Vec<String> {
            page.items
                .iter()
                .map(|s| s.msisdn.as_str().to_owned())
                .collect()
        };
        let all = subscriptions::search(
            &mut conn,
            reach,
            &SubscriptionSearch {
                ascending: true,
                ..Default::default()
            },
            0,
            100,
        )
        .await
        .unwrap();
        assert_eq!(all.total, 5, "{}", backend.name);
        // The list leaves the add-ons out; one subscription has them.
        let first = subscriptions::subscription(&mut conn, &all.items[0].msisdn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.summary(), all.items[0]);
        assert_eq!(first.products.len(), 1);
        let since = subscriptions::search(
            &mut conn,
            reach,
            &SubscriptionSearch {
                since: Some(NOW.plus_seconds(2)),
                ascending: false,
                ..Default::default()
            },
            0,
            100,
        )
        .await
        .unwrap();
        assert_eq!(found(since), ["4791000004", "4791000003"]);
        // LIKE wildcards in the text are matched literally.
        let by_reference = subscriptions::search(
            &mut conn,
            reach,
            &SubscriptionSearch {
                user_reference: Some("user_91000002%".into()),
                ascending: true,
                ..Default::default()
            },
            0,
            100,
        )
        .await
        .unwrap();
        assert_eq!(found(by_reference), ["4791000002"]);
        let wildcard = subscriptions::search(
            &mut conn,
            reach,
            &SubscriptionSearch {
                user_reference: Some("r_9100000_".into()),
                ascending: true,
                ..Default::default()
            },
            0,
            100,
        )
        .await
        .unwrap();
        assert_eq!(wildcard.total, 0);
        let by_product = subscriptions::search(
            &mut conn,
            reach,
            &SubscriptionSearch {
                product_id: Some(300102),
                ascending: true,
                ..Default::default()
            },
            1,
            2,
        )
        .await
        .unwrap();
        assert_eq!(
            (by_product.total, found(by_product)),
            (5, vec!["4791000001".to_owned(), "4791000002".to_owned()])
        );
        let outside = subscriptions::search(
            &mut conn,
            reach,
            &SubscriptionSearch {
                org_number: Some("987654325".into()),
                ascending: true,
                ..Default::default()
            },
            0,
            100,
        )
        .await
        .unwrap();
        assert_eq!(
            outside.total, 0,
            "another company's subscriptions stay out of reach"
        );
        drop(conn);

        let mut tx = backend.store.write().await.unwrap();
        let msisdn = Msisdn::parse("91000001").unwrap();
        assert!(
            subscriptions::remove_product(&mut tx, &msisdn, 300102)
                .await
                .unwrap()
        );
        assert!(
            !subscriptions::remove_product(&mut tx, &msisdn, 300102)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn an_order_is_finished_once() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        organizations(&mut tx).await;
        let order = Order {
            id: OrderId::from_number(70_000_001),
            subject: OrderSubject::Subscription(Msisdn::parse("91000001").unwrap()),
            org_number: org("914742315"),
            order_type: OrderType::AddProduct,
            product_offer_id: Some(300103),
            product_id: None,
            billing_account_id: None,
            configurations: Vec::new(),
            status: OrderStatus::InProgress,
            failure: None,
            created_at: NOW,
            due_at: NOW.plus_seconds(60),
            completed_at: None,
            created_by: "test".into(),
        };
        orders::insert_order(&mut tx, &order).await.unwrap();
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert!(
            orders::due_orders(&mut conn, NOW, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            orders::next_due(&mut conn).await.unwrap(),
            Some(order.due_at)
        );
        let due = orders::due_orders(&mut conn, order.due_at, 10)
            .await
            .unwrap();
        assert_eq!(due, std::slice::from_ref(&order), "{}", backend.name);
        for (attempt, expected) in [("first", true), ("second", false)] {
            let finished = orders::finish_order(
                &mut conn,
                &order.id,
                OrderStatus::Completed,
                None,
                None,
                order.due_at,
            )
            .await
            .unwrap();
            assert_eq!(finished, expected, "{attempt} finish, {}", backend.name);
        }
        assert_eq!(orders::next_due(&mut conn).await.unwrap(), None);
        let stored = orders::order(&mut conn, &order.id).await.unwrap().unwrap();
        assert_eq!(stored.status, OrderStatus::Completed);
        assert_eq!(stored.completed_at, Some(order.due_at));
        drop(conn);
        backend.cleanup().await;
    }
}
