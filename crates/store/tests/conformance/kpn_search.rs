//! The KPN subscriber filters read trigram indexes (migration 0015) and page keys first; their
//! answers must be those of the plain `LIKE` predicates they replaced — same ids, order and
//! totals — over every filter shape, on every backend, also after updates and deletes.

use sentral_domain::kpn::{Filters, HierarchyItem, ItemKind, Page, SubscriberData};
use sentral_domain::platform::Organization;
use sentral_domain::{OrgNumber, Timestamp};
use sentral_store::Connection;
use sentral_store::kpn::bulk;
use sentral_store::kpn::items::{self, SubscriberQuery};

use crate::backends;

const NOW: Timestamp = Timestamp::from_millis(1_790_000_000_000);
const SUBSCRIBERS: usize = 1_500;
const COLUMNS: &[&str] = &[
    "FIRSTNAME",
    "LASTNAME",
    "SURNAME_PREFIX",
    "CONTRACTS",
    "DEBTORNAME",
    "FIXED_NUMBER",
    "EMPLOYEE_NUMBER",
];

fn org() -> OrgNumber {
    OrgNumber::parse("NL12345678").unwrap()
}

fn subscriber(n: usize) -> HierarchyItem {
    let first = ["Jan", "Sanne", "Ærjan", "Zoë", "Per_Arne", "Ann 100%"][n % 6];
    let (prefix, surname) = [
        (Some("van der"), "Berg"),
        (None, "Bakker"),
        (Some("de"), "Vries"),
        (None, "O'Brien"),
        (Some("VAN"), "DIJK"),
    ][n % 5];
    let data = SubscriberData {
        first_name: (!n.is_multiple_of(17)).then(|| first.to_owned()),
        surname_prefix: prefix.map(str::to_owned),
        surname: surname.into(),
        email: None,
        vip: false,
        employee_number: match n {
            // Longer than the 255 suffixes SQLite's triggers list, matched in its tail.
            42 => Some(format!("{}tail-77", "L".repeat(300))),
            43 => Some("É-Ærjan-7".into()),
            _ => (!n.is_multiple_of(13)).then(|| format!("E{:06}", 100_000 + n)),
        },
        gender: None,
        preferred_language: None,
        comments: None,
        mobile_number: None,
        fixed_number: n.is_multiple_of(3).then(|| format!("3120{:07}", n)),
    };
    HierarchyItem {
        id: 10_000 + i64::try_from(n).unwrap(),
        kind: ItemKind::Subscriber,
        parent_id: Some(1),
        name: data.display_name(),
        cost_center_number: None,
        subscriber: Some(data),
    }
}

/// The predicates as they were before the index: ids of one page (by id) and the total.
async fn plain(conn: &mut Connection, filters: &Filters, page: Page) -> (Vec<i64>, i64) {
    let mut clauses = vec!["i.org_number = 'NL12345678' AND i.kind = 'SUBSCRIBER'".to_owned()];
    let mut binds = Vec::new();
    for column in &filters.columns {
        let expr = match column.column {
            "FIRSTNAME" => "LOWER(COALESCE(i.first_name, ''))",
            "LASTNAME" => "LOWER(COALESCE(i.surname, ''))",
            "SURNAME_PREFIX" => "LOWER(COALESCE(i.surname_prefix, ''))",
            "EMPLOYEE_NUMBER" => "LOWER(COALESCE(i.employee_number, ''))",
            "FIXED_NUMBER" => "LOWER(COALESCE(i.fixed_number, ''))",
            "DEBTORNAME" => {
                "LOWER(COALESCE((SELECT d.name FROM kpn_items d WHERE d.id = i.debtor_id), ''))"
            }
            other => panic!("{other}"),
        };
        let alternatives: Vec<String> = column
            .values
            .iter()
            .map(|value| {
                binds.push(format!(
                    "%{}%",
                    value
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                ));
                format!("{expr} LIKE ${} ESCAPE '\\'", binds.len())
            })
            .collect();
        clauses.push(format!("({})", alternatives.join(" OR ")));
    }
    let clause = clauses.join(" AND ");
    let mut count = sentral_store::db::query(sentral_store::db::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM kpn_items i WHERE {clause}"
    )));
    for bind in &binds {
        count = count.bind(bind.clone());
    }
    let total = count
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap();
    let mut select = sentral_store::db::query(sentral_store::db::AssertSqlSafe(format!(
        "SELECT i.id FROM kpn_items i WHERE {clause} ORDER BY i.id LIMIT {} OFFSET {}",
        page.limit(),
        page.from
    )));
    for bind in &binds {
        select = select.bind(bind.clone());
    }
    let ids = select
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<i64, _>("id").unwrap())
        .collect();
    (ids, total)
}

async fn check(conn: &mut Connection, backend: &str, shapes: &[&str]) {
    for &shape in shapes {
        let filters = Filters::parse(shape, COLUMNS).unwrap();
        for (from, to) in [(0, 20), (15, 40), (0, 0), (5_000, 5_020)] {
            let page = Page::new(Some(from), Some(to)).unwrap();
            let query = SubscriberQuery {
                filters: filters.clone(),
                ..SubscriberQuery::default()
            };
            let (found, total) = items::find_subscribers(&mut *conn, &org(), &query, page)
                .await
                .unwrap();
            let ids: Vec<i64> = found.iter().map(|row| row.item.id).collect();
            assert_eq!(
                (ids, total),
                plain(&mut *conn, &filters, page).await,
                "{backend}: {shape} from {from} to {to}"
            );
        }
    }
}

const SHAPES: &[&str] = &[
    r#"EMPLOYEE_NUMBER:"E100777""#,
    r#"EMPLOYEE_NUMBER:"0077""#,
    r#"EMPLOYEE_NUMBER:"e1""#,
    r#"EMPLOYEE_NUMBER:"77""#,
    r#"EMPLOYEE_NUMBER:"tail-77""#,
    r#"EMPLOYEE_NUMBER:"lll""#,
    r#"EMPLOYEE_NUMBER:"ærjan-7""#,
    r#"EMPLOYEE_NUMBER:"É-""#,
    r#"EMPLOYEE_NUMBER:"e1%","-""#,
    r#"EMPLOYEE_NUMBER:"e1000""#,
    r#"EMPLOYEE_NUMBER:"E10012","E10140""#,
    r#"LASTNAME:"berg";FIRSTNAME:"jan""#,
    r#"LASTNAME:"DIJK";SURNAME_PREFIX:"van""#,
    r#"SURNAME_PREFIX:"an d""#,
    r#"FIRSTNAME:"ærj""#,
    r#"FIRSTNAME:"zoë","sanne""#,
    r#"FIRSTNAME:"per_a""#,
    r#"FIRSTNAME:"r_a""#,
    r#"FIRSTNAME:"100%""#,
    r#"LASTNAME:"o'br""#,
    r#"LASTNAME:"a""#,
    r#"FIXED_NUMBER:"3120000012""#,
    r#"FIXED_NUMBER:"312";EMPLOYEE_NUMBER:"E1011""#,
    r#"DEBTORNAME:"nobody""#,
    r#"LASTNAME:"nobody-at-all""#,
    r#"FIRSTNAME:"jan" ; LASTNAME:"ba","ri","vries""#,
];

#[tokio::test]
async fn indexed_kpn_subscriber_filters_answer_as_the_plain_predicates() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        let organization = Organization {
            org_number: org(),
            name: "Zoek Klant B.V.".into(),
            parent: None,
        };
        sentral_store::platform::insert_organization(&mut tx, &organization, NOW)
            .await
            .unwrap();
        let all: Vec<(HierarchyItem, Option<i64>)> =
            (0..SUBSCRIBERS).map(|n| (subscriber(n), None)).collect();
        bulk::insert_items(&mut tx, &org(), &all, NOW)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        check(&mut conn, backend.name, SHAPES).await;
        drop(conn);

        // Updates and deletes keep the index in step (its triggers).
        let mut tx = backend.store.write().await.unwrap();
        let mut renamed = subscriber(777).subscriber.unwrap();
        renamed.employee_number = Some("X-RENAMED-1".into());
        renamed.first_name = Some("Quirijn".into());
        assert!(
            items::update_subscriber(&mut tx, 10_777, &renamed, NOW)
                .await
                .unwrap()
        );
        assert!(items::delete_item(&mut tx, 10_012).await.unwrap());
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        check(
            &mut conn,
            backend.name,
            &[
                r#"EMPLOYEE_NUMBER:"E100777""#,
                r#"EMPLOYEE_NUMBER:"renamed""#,
                r#"FIRSTNAME:"quirijn""#,
                r#"EMPLOYEE_NUMBER:"E10012","E10140""#,
                r#"EMPLOYEE_NUMBER:"tail-77""#,
            ],
        )
        .await;
        // The unfiltered list counts from kpn_subscriber_counts (migration 0016).
        let (_, total) = items::find_subscribers(
            &mut conn,
            &org(),
            &SubscriberQuery::default(),
            Page::default(),
        )
        .await
        .unwrap();
        assert_eq!(
            total,
            i64::try_from(SUBSCRIBERS).unwrap() - 1,
            "{}",
            backend.name
        );
        let query = SubscriberQuery {
            filters: Filters::parse(r#"EMPLOYEE_NUMBER:"renamed""#, COLUMNS).unwrap(),
            ..SubscriberQuery::default()
        };
        let (found, total) = items::find_subscribers(&mut conn, &org(), &query, Page::default())
            .await
            .unwrap();
        assert_eq!((total, found[0].item.id), (1, 10_777), "{}", backend.name);
        drop(conn);
        backend.cleanup().await;
    }
}
