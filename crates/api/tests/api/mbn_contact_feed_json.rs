//! The change feed's page and the listing's are JSON written by the store in SQL, one serializer
//! per backend. They must be byte for byte what the API's serde structs write for the same rows:
//! field order, left-out fields, string escapes and times. Rows are written straight into the
//! store so that values the API would refuse (control characters, empty names) are covered too.

use sentral_api::mbn::contacts::{ContactBody, ContactPageBody};
use sentral_domain::Timestamp;
use sentral_domain::directory::{Contact, ContactDetails, ContactNumber};
use sentral_store::directory::contacts;

use crate::harness::TestServer;

const ENTERPRISE: &str = "100001";

fn number(kind: &str, number: &str) -> ContactNumber {
    ContactNumber {
        kind: kind.into(),
        number: number.into(),
    }
}

fn some(text: &str) -> Option<String> {
    Some(text.to_owned())
}

/// Contacts with the values a serializer gets wrong: escapes, non-ASCII, nulls, empty names and
/// lists, partial addresses, tombstones, and times at the edges of a second (after the demo
/// world's, so that only they are changed since 2100).
fn tricky_contacts() -> Vec<(ContactDetails, i64, Option<i64>)> {
    let everything = ContactDetails {
        external_id: some("crm-\"quoted\"-\\back\\slash"),
        first_name: "Æsa Øyvor".into(),
        last_name: "Åsheim-Lærdal".into(),
        company: some("Fjord & Fjell \"AS\" </script>"),
        title: some("Line\nbreak\tand tab\r\u{8}\u{c}"),
        department: some("control \u{1} \u{1f} del \u{7f} sep \u{2028} emoji 🎉"),
        email: some("æøå@eksempel.no"),
        numbers: vec![
            number("work", "4722990001"),
            number("other", "\"+47\" \\ 9 æ \u{1}"),
        ],
        street_address: some("Storgata 1\nLeil. \"B\""),
        postal_code: some("0155"),
        postal_place: some("Tromsø"),
        note: some("/ slash, 'single' quotes, {braces} [brackets], 100 % _under_"),
    };
    let bare = ContactDetails {
        last_name: "Berg".into(),
        ..ContactDetails::default()
    };
    let company_only = ContactDetails {
        external_id: some(""),
        company: some("Bare Firma AS"),
        postal_place: some("Bodø"),
        ..ContactDetails::default()
    };
    let first_name_only = ContactDetails {
        first_name: "Kari".into(),
        street_address: some(""),
        numbers: vec![number("mobile", "4791000001")],
        ..ContactDetails::default()
    };
    let tombstone = ContactDetails {
        external_id: some("gone-æ-\"1\""),
        ..everything.clone()
    }
    .tombstone();
    vec![
        (everything, 4_102_444_800_123, None),
        (bare, 946_684_800_000, None),
        (company_only, 4_102_444_800_999, None),
        (first_name_only, 4_102_444_801_001, None),
        (tombstone, 4_102_444_802_050, Some(4_102_444_802_050)),
        (
            ContactDetails::default(),
            4_102_444_803_000,
            Some(4_102_444_803_000),
        ),
    ]
}

/// Writes the contacts as the next changes of the demo enterprise; returns them in change order.
async fn write_contacts(server: &TestServer) -> Vec<Contact> {
    let rows = tricky_contacts();
    let store = server.platform.store();
    let mut tx = store.write().await.expect("write");
    contacts::lock_changes(&mut tx, ENTERPRISE)
        .await
        .expect("lock");
    let count = i64::try_from(rows.len()).expect("count");
    let first = contacts::reserve_seqs(&mut tx, ENTERPRISE, count)
        .await
        .expect("seqs");
    let written: Vec<Contact> = rows
        .into_iter()
        .zip(first..)
        .map(|((details, at, deleted_at), seq)| Contact {
            id: format!("ct_json_{seq}"),
            enterprise_id: ENTERPRISE.into(),
            details,
            created_at: Timestamp::from_millis(at - 86_400_000),
            updated_at: Timestamp::from_millis(at),
            deleted_at: deleted_at.map(Timestamp::from_millis),
            change_seq: seq,
        })
        .collect();
    contacts::insert_many(&mut tx, &written)
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    written
}

/// The page as the API's serde structs write it, from the rows read back through the store.
async fn serde_page(
    server: &TestServer,
    written: &[Contact],
    page_size: u32,
    cursor: i64,
    has_more: bool,
) -> String {
    let mut conn = server.platform.store().read().await.expect("read");
    let mut content = Vec::new();
    for contact in written {
        let stored = contacts::contact(&mut conn, &contact.id)
            .await
            .expect("contact")
            .expect("stored");
        assert_eq!(
            &stored, contact,
            "{}: the store keeps every value",
            server.name
        );
        content.push(ContactBody::from(stored));
    }
    serde_json::to_string(&ContactPageBody {
        content,
        page_size,
        page: None,
        total_elements: None,
        total_pages: None,
        cursor: Some(cursor.to_string()),
        has_more: Some(has_more),
    })
    .expect("serialize")
}

async fn feed(server: &TestServer, token: &str, query: &str) -> String {
    let response = server
        .get(
            &format!("/catalog/contacts?enterpriseId={ENTERPRISE}&{query}"),
            token,
        )
        .await;
    assert_eq!(response.status(), 200, "{}: {query}", server.name);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{}",
        server.name
    );
    response.text().await.expect("body")
}

#[tokio::test]
async fn the_store_written_change_feed_is_the_serde_json_of_the_same_contacts() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let written = write_contacts(&server).await;
        let first = written[0].change_seq;
        let last = written[written.len() - 1].change_seq;

        // The whole set in one page, from the cursor before it.
        let body = feed(
            &server,
            &token,
            &format!("cursor={}&pageSize=1000", first - 1),
        )
        .await;
        let expected = serde_page(&server, &written, 1000, last, false).await;
        assert_eq!(body, expected, "{}: cursor page", server.name);

        // Pages of two, with hasMore, following the cursor.
        let mut cursor = first - 1;
        for (index, chunk) in written.chunks(2).enumerate() {
            let body = feed(&server, &token, &format!("cursor={cursor}&pageSize=2")).await;
            let more = (index + 1) * 2 < written.len();
            cursor = chunk[chunk.len() - 1].change_seq;
            let expected = serde_page(&server, chunk, 2, cursor, more).await;
            assert_eq!(body, expected, "{}: page {index} of two", server.name);
        }

        // An empty page keeps the cursor.
        let body = feed(&server, &token, &format!("cursor={last}&pageSize=5")).await;
        let expected = serde_page(&server, &[], 5, last, false).await;
        assert_eq!(body, expected, "{}: empty page", server.name);

        // changedSince: every one of them was changed after 1999 (the demo contacts too).
        let since = Timestamp::from_millis(946_684_799_000).to_rfc3339();
        let all = feed(
            &server,
            &token,
            &format!("changedSince={since}&pageSize=1000"),
        )
        .await;
        let parsed: serde_json::Value = serde_json::from_str(&all).expect("json");
        let ids: Vec<&str> = parsed["content"]
            .as_array()
            .expect("content")
            .iter()
            .filter_map(|c| c["contactId"].as_str())
            .filter(|id| id.starts_with("ct_json_"))
            .collect();
        assert_eq!(ids.len(), written.len(), "{}: changedSince", server.name);
        let since = Timestamp::from_millis(4_102_444_800_999).to_rfc3339();
        let body = feed(&server, &token, &format!("changedSince={since}&pageSize=2")).await;
        let expected = serde_page(&server, &written[3..5], 2, written[4].change_seq, true).await;
        assert_eq!(body, expected, "{}: changedSince page", server.name);
        server.stop().await;
    }
}

/// A listing page as the API's serde structs write it, from the store's rows.
async fn serde_listing(
    server: &TestServer,
    search: Option<&str>,
    page: u32,
    page_size: u32,
) -> String {
    let mut conn = server.platform.store().read().await.expect("read");
    let size = i64::from(page_size);
    let found = contacts::list(&mut conn, ENTERPRISE, search, i64::from(page) * size, size)
        .await
        .expect("list");
    serde_json::to_string(&ContactPageBody {
        content: found.items.into_iter().map(ContactBody::from).collect(),
        page_size,
        page: Some(page),
        total_elements: Some(found.total),
        total_pages: Some((found.total + size - 1) / size),
        cursor: None,
        has_more: None,
    })
    .expect("serialize")
}

#[tokio::test]
async fn the_store_written_listing_is_the_serde_json_of_the_same_contacts() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        write_contacts(&server).await;
        let listing = |query: String| {
            let (server, token) = (&server, &token);
            async move { feed(server, token, &query).await }
        };
        // Every live contact of the enterprise (the demo's and the tricky ones), whole and cut
        // into pages of seven, the last one short, and past the end.
        let whole = listing("pageSize=1000".to_owned()).await;
        assert_eq!(
            whole,
            serde_listing(&server, None, 0, 1000).await,
            "{}: the whole listing",
            server.name
        );
        let total =
            serde_json::from_str::<serde_json::Value>(&whole).expect("json")["totalElements"]
                .as_u64()
                .expect("totalElements");
        let pages = u32::try_from(total.div_ceil(7)).expect("pages");
        for page in [0, 1, pages - 1, pages, pages + 3] {
            assert_eq!(
                listing(format!("pageSize=7&page={page}")).await,
                serde_listing(&server, None, page, 7).await,
                "{}: page {page} of seven",
                server.name
            );
        }
        // Searches that find the tricky contacts: non-ASCII, a quote, a number.
        for search in ["æ", "\"", "4791000001", "nothing matches this"] {
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("search", search)
                .finish();
            assert_eq!(
                listing(format!("pageSize=3&{query}")).await,
                serde_listing(&server, Some(search), 0, 3).await,
                "{}: search {search:?}",
                server.name
            );
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn a_store_written_contact_is_the_serde_json_of_the_same_contact() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let written = write_contacts(&server).await;
        for contact in &written {
            let response = server
                .get(&format!("/catalog/contacts/{}", contact.id), &token)
                .await;
            if contact.is_deleted() {
                assert_eq!(response.status(), 404, "{}: {}", server.name, contact.id);
                continue;
            }
            assert_eq!(response.status(), 200, "{}: {}", server.name, contact.id);
            assert_eq!(
                response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("application/json"),
                "{}",
                server.name
            );
            let body = response.text().await.expect("body");
            let expected =
                serde_json::to_string(&ContactBody::from(contact.clone())).expect("serialize");
            assert_eq!(body, expected, "{}: {}", server.name, contact.id);
        }
        server.stop().await;
    }
}

/// The whole listing and every live contact's point read are the serde JSON of the rows as they
/// are now.
async fn assert_reads_are_serde_json(server: &TestServer, token: &str, when: &str) {
    let whole = feed(server, token, "pageSize=1000").await;
    assert_eq!(
        whole,
        serde_listing(server, None, 0, 1000).await,
        "{}: the whole listing {when}",
        server.name
    );
    let live = {
        let mut conn = server.platform.store().read().await.expect("read");
        contacts::list(&mut conn, ENTERPRISE, None, 0, 1000)
            .await
            .expect("list")
            .items
    };
    for contact in live {
        let response = server
            .get(&format!("/catalog/contacts/{}", contact.id), token)
            .await;
        assert_eq!(
            response.status(),
            200,
            "{}: {} {when}",
            server.name,
            contact.id
        );
        let expected = serde_json::to_string(&ContactBody::from(contact.clone())).expect("json");
        assert_eq!(
            response.text().await.expect("body"),
            expected,
            "{}: {} {when}",
            server.name,
            contact.id
        );
    }
}

/// The store keeps each contact's object with its row (migration 39). Reads must be the rows'
/// serde JSON after an update through the store, after an update by an older node that does not
/// write the object, with every object forgotten (rows from before the migration), and once the
/// missing ones are written at start.
#[tokio::test]
async fn the_stored_contact_objects_follow_every_write_of_their_rows() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        let written = write_contacts(&server).await;
        assert_reads_are_serde_json(&server, &token, "as inserted").await;
        let mut changed = written
            .iter()
            .find(|contact| !contact.is_deleted())
            .expect("a live tricky contact")
            .clone();
        changed.details.note = Some("changed \"note\" \u{1} æ".into());
        changed.details.title = None;
        changed.details.numbers = Vec::new();
        changed.updated_at = Timestamp::from_millis(changed.updated_at.millis() + 1);
        let store = server.platform.store();
        let mut tx = store.write().await.expect("write");
        contacts::update(&mut tx, &changed).await.expect("update");
        tx.commit().await.expect("commit");
        assert_reads_are_serde_json(&server, &token, "after an update").await;
        let mut tx = store.write().await.expect("write");
        sentral_store::db::query("UPDATE contacts SET company = $2 WHERE id = $1")
            .bind(changed.id.clone())
            .bind("Older Node AS".to_owned())
            .execute(&mut tx)
            .await
            .expect("an older node's update");
        tx.commit().await.expect("commit");
        let body = server
            .get(&format!("/catalog/contacts/{}", changed.id), &token)
            .await
            .text()
            .await
            .expect("body");
        assert!(body.contains("Older Node AS"), "{}: {body}", server.name);
        assert_reads_are_serde_json(&server, &token, "after an older node's update").await;
        let mut tx = store.write().await.expect("write");
        let forgotten = sentral_store::testing::forget_contact_documents(&mut tx)
            .await
            .expect("forget");
        tx.commit().await.expect("commit");
        assert!(forgotten > 5, "{}: {forgotten}", server.name);
        assert_reads_are_serde_json(&server, &token, "without stored objects").await;
        let mut tx = store.write().await.expect("write");
        let rewritten = contacts::write_missing_documents(&mut tx)
            .await
            .expect("write");
        tx.commit().await.expect("commit");
        assert_eq!(rewritten, forgotten, "{}", server.name);
        assert_reads_are_serde_json(&server, &token, "once written again").await;
        let mut tx = store.write().await.expect("write");
        let again = contacts::write_missing_documents(&mut tx)
            .await
            .expect("write");
        tx.commit().await.expect("commit");
        assert_eq!(again, 0, "{}: nothing left to write", server.name);
        server.stop().await;
    }
}
