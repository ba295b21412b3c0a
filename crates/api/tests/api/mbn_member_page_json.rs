//! The members page is JSON the store writes straight from the database's rows. It must be byte
//! for byte what the API's serde structs write for the same members: field order, nulls, string
//! escapes and times. Tricky members are written straight into the store so that values the API
//! would refuse (control characters) are covered too.

use sentral_api::mbn::members::MemberBody;
use sentral_api::telenor::paging::PageBody;
use sentral_domain::directory::{ContactNumber, Member};
use sentral_domain::{EntityId, Msisdn, Timestamp};
use sentral_store::directory::members;

use crate::harness::TestServer;

const ENTERPRISE: &str = "100001";

/// Members of the demo enterprise with the values a serializer gets wrong, named so that they
/// sort among the demo's members.
async fn write_members(server: &TestServer) {
    let store = server.platform.store();
    let template = {
        let mut conn = store.read().await.expect("read");
        let page = members::search(&mut conn, ENTERPRISE, None, None, 0, 1)
            .await
            .expect("a demo member");
        page.items.into_iter().next().expect("a demo member")
    };
    let tricky = [
        Member {
            id: EntityId::new("mem_json_1"),
            first_name: "Æsa \"Q\" \\ Øyvor".into(),
            last_name: "Berg\u{1}\n\t".into(),
            mobile: Msisdn::parse("4799000001").expect("msisdn"),
            other_numbers: vec![
                ContactNumber {
                    kind: "work".into(),
                    number: "4722990001".into(),
                },
                ContactNumber {
                    kind: "other".into(),
                    number: "\"+47\" \\ 9 æ \u{1}".into(),
                },
            ],
            email: "æøå@eksempel.no".into(),
            title: Some("Line\nbreak\r\u{8}\u{c}".into()),
            department: None,
            company: Some("Fjord & Fjell \"AS\" </script> 🎉".into()),
            street_address: None,
            postal_code: Some("0155".into()),
            postal_place: Some("Tromsø \u{7f} \u{2028}".into()),
            external_id: Some("ad-\"1\"".into()),
            short_number: None,
            updated_at: Timestamp::from_millis(4_102_444_800_999),
            ..template.clone()
        },
        Member {
            id: EntityId::new("mem_json_2"),
            group_id: None,
            first_name: String::new(),
            last_name: "Bergersen".into(),
            mobile: Msisdn::parse("4799000002").expect("msisdn"),
            other_numbers: Vec::new(),
            title: None,
            department: Some(String::new()),
            company: None,
            street_address: None,
            postal_code: None,
            postal_place: None,
            external_id: None,
            short_number: None,
            updated_at: Timestamp::from_millis(946_684_800_000),
            ..template
        },
    ];
    let mut tx = store.write().await.expect("write");
    for member in &tricky {
        members::insert_member(&mut tx, member, None)
            .await
            .expect("insert");
    }
    tx.commit().await.expect("commit");
}

/// A page as the API's serde structs write it, from the store's rows.
async fn serde_page(server: &TestServer, search: Option<&str>, page: u32, size: u32) -> String {
    let mut conn = server.platform.store().read().await.expect("read");
    let limit = i64::from(size);
    let found = members::search(
        &mut conn,
        ENTERPRISE,
        search,
        None,
        i64::from(page) * limit,
        limit,
    )
    .await
    .expect("search");
    serde_json::to_string(&PageBody {
        content: found.items.into_iter().map(MemberBody::from).collect(),
        page,
        page_size: size,
        total_elements: found.total,
        total_pages: (found.total + limit - 1) / limit,
    })
    .expect("serialize")
}

async fn get(server: &TestServer, token: &str, query: &str) -> String {
    let response = server
        .get(
            &format!("/catalog/enterprises/{ENTERPRISE}/members?{query}"),
            token,
        )
        .await;
    assert_eq!(response.status(), 200, "{}: {query}", server.name);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "{}: {query}",
        server.name
    );
    response.text().await.expect("body")
}

#[tokio::test]
async fn the_store_written_members_page_is_the_serde_json_of_the_same_members() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        write_members(&server).await;
        let whole = get(&server, &token, "pageSize=1000").await;
        assert_eq!(
            whole,
            serde_page(&server, None, 0, 1000).await,
            "{}: every member",
            server.name
        );
        let total =
            serde_json::from_str::<serde_json::Value>(&whole).expect("json")["totalElements"]
                .as_u64()
                .expect("totalElements");
        let pages = u32::try_from(total.div_ceil(7)).expect("pages");
        for page in [0, 1, pages - 1, pages, pages + 3] {
            assert_eq!(
                get(&server, &token, &format!("pageSize=7&page={page}")).await,
                serde_page(&server, None, page, 7).await,
                "{}: page {page} of seven",
                server.name
            );
        }
        // Searches through each of the search's paths: few matches (the matches first), a
        // short number, a line break, and none.
        for search in ["berg", "æsa", "4799000001", "\n", "nothing matches this"] {
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("search", search)
                .finish();
            assert_eq!(
                get(&server, &token, &format!("pageSize=3&{query}")).await,
                serde_page(&server, Some(search), 0, 3).await,
                "{}: search {search:?}",
                server.name
            );
        }
        server.stop().await;
    }
}

/// The point read of every member (the tricky ones among them) is the serde JSON of the member
/// as the store reads it.
#[tokio::test]
async fn the_store_written_member_is_the_serde_json_of_the_same_member() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        write_members(&server).await;
        let all = {
            let mut conn = server.platform.store().read().await.expect("read");
            members::search(&mut conn, ENTERPRISE, None, None, 0, 10_000)
                .await
                .expect("search")
                .items
        };
        assert!(
            all.len() > 2,
            "{}: the demo's members and two more",
            server.name
        );
        // A member outside every enterprise has no directory entry to read.
        let outside = Member {
            id: EntityId::new("mem_json_outside"),
            enterprise_id: None,
            group_id: None,
            mobile: Msisdn::parse("4799000003").expect("msisdn"),
            external_id: None,
            short_number: None,
            ..all[0].clone()
        };
        let mut tx = server.platform.store().write().await.expect("write");
        members::insert_member(&mut tx, &outside, None)
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
        let response = server
            .get("/catalog/members/mem_json_outside", &token)
            .await;
        assert_eq!(response.status(), 404, "{}: outside", server.name);
        for member in all {
            let path = format!("/catalog/members/{}", member.id);
            let response = server.get(&path, &token).await;
            assert_eq!(response.status(), 200, "{}: {path}", server.name);
            assert_eq!(
                response.headers()["content-type"],
                "application/json",
                "{}: {path}",
                server.name
            );
            let expected = serde_json::to_string(&MemberBody::from(member)).expect("serialize");
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

/// The whole members page and every member's point read are the serde JSON of the rows as they
/// are now.
async fn assert_reads_are_serde_json(server: &TestServer, token: &str, when: &str) {
    assert_eq!(
        get(server, token, "pageSize=1000").await,
        serde_page(server, None, 0, 1000).await,
        "{}: every member {when}",
        server.name
    );
    let all = {
        let mut conn = server.platform.store().read().await.expect("read");
        members::search(&mut conn, ENTERPRISE, None, None, 0, 10_000)
            .await
            .expect("search")
            .items
    };
    for member in all {
        let path = format!("/catalog/members/{}", member.id);
        let response = server.get(&path, token).await;
        assert_eq!(response.status(), 200, "{}: {path} {when}", server.name);
        let expected = serde_json::to_string(&MemberBody::from(member)).expect("serialize");
        assert_eq!(
            response.text().await.expect("body"),
            expected,
            "{}: {path} {when}",
            server.name
        );
    }
}

/// The store keeps each member's object around its short number with its row (migration 40).
/// Reads must be the rows' serde JSON after an update through the store, after a change of the
/// numbering plan, after an update by an older node that does not write the object, with every
/// object forgotten (rows from before the migration), and once the missing ones are written.
#[tokio::test]
async fn the_stored_member_objects_follow_every_write_of_their_rows() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        write_members(&server).await;
        assert_reads_are_serde_json(&server, &token, "as inserted").await;
        let store = server.platform.store();
        let mut changed = {
            let mut conn = store.read().await.expect("read");
            members::member(&mut conn, "mem_json_1")
                .await
                .expect("read")
                .expect("the tricky member")
        };
        changed.email = "ny\"adresse\"@eksempel.no".into();
        changed.title = None;
        changed.other_numbers = Vec::new();
        let mut tx = store.write().await.expect("write");
        members::update_member(&mut tx, &changed, Timestamp::from_millis(4_102_444_801_000))
            .await
            .expect("update");
        tx.commit().await.expect("commit");
        assert_reads_are_serde_json(&server, &token, "after an update").await;
        // The short number is the plan's, read with every object.
        let mut tx = store.write().await.expect("write");
        sentral_store::db::query(
            "INSERT INTO short_numbers (enterprise_id, short_number, kind, target) \
             VALUES ($1, '7999', 'member', 'mem_json_1')",
        )
        .bind(ENTERPRISE.to_owned())
        .execute(&mut tx)
        .await
        .expect("a short number");
        tx.commit().await.expect("commit");
        assert_reads_are_serde_json(&server, &token, "with a short number").await;
        let mut tx = store.write().await.expect("write");
        sentral_store::db::query("UPDATE members SET department = $2 WHERE id = $1")
            .bind("mem_json_2".to_owned())
            .bind("Older Node".to_owned())
            .execute(&mut tx)
            .await
            .expect("an older node's update");
        tx.commit().await.expect("commit");
        let body = server
            .get("/catalog/members/mem_json_2", &token)
            .await
            .text()
            .await
            .expect("body");
        assert!(body.contains("Older Node"), "{}: {body}", server.name);
        assert_reads_are_serde_json(&server, &token, "after an older node's update").await;
        let mut tx = store.write().await.expect("write");
        let forgotten = sentral_store::testing::forget_member_documents(&mut tx)
            .await
            .expect("forget");
        tx.commit().await.expect("commit");
        assert!(forgotten > 2, "{}: {forgotten}", server.name);
        assert_reads_are_serde_json(&server, &token, "without stored objects").await;
        let mut tx = store.write().await.expect("write");
        let rewritten = members::write_missing_documents(&mut tx)
            .await
            .expect("write");
        let again = members::write_missing_documents(&mut tx)
            .await
            .expect("write");
        tx.commit().await.expect("commit");
        assert_eq!(rewritten, forgotten, "{}", server.name);
        assert_eq!(again, 0, "{}: nothing left to write", server.name);
        assert_reads_are_serde_json(&server, &token, "once written again").await;
        server.stop().await;
    }
}
