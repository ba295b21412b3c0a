//! `GET /corporate-accounts/v2/accounts` answers with JSON the store wrote in SQL (one serializer
//! per backend). It must be byte for byte what the API's serde structs write for the same
//! accounts: `GET /corporate-accounts/v1` and `GET …/v2/accounts/{id}` still serialize in Rust.
//! Accounts are written straight into the store so that every shape is covered: person and
//! company payers, left-out fields, escapes, and each status, including a passive account whose
//! activation is due. The store keeps each object but its status from the insert on
//! (`json_head`, `json_tail`); the pages must be the same with those, without them (rows from
//! before migration 10) and once they are written at start, and the status must follow the clock.

use sentral_domain::corporate::{
    AccountId, AccountReference, AccountStatus, AccountType, AddressCardId, CorporateAccount,
    InvoiceFormat, Payer, PersonName, PostalAddress,
};
use sentral_domain::{OrgNumber, Timestamp};
use sentral_store::corporate::accounts;
use sentral_store::testing::forget_account_documents;

use crate::harness::TestServer;

const OWNER: &str = "930000000";
const SUBSIDIARY: &str = "930000019";
const LONG_AGO: Timestamp = Timestamp::from_millis(1_600_000_000_000);
const FAR_AHEAD: Timestamp = Timestamp::from_millis(4_102_444_800_000);

fn reference(number: usize, text: &str) -> Option<AccountReference> {
    let field = [
        "accountReference1",
        "accountReference2",
        "accountReference3",
    ][number - 1];
    Some(AccountReference::parse(field, text).expect("reference"))
}

fn account(id: u32, payer: Payer) -> CorporateAccount {
    CorporateAccount {
        id: AccountId::from_number(id),
        references: [reference(1, "Økonomi/ Æsa, avd. 1-2"), None, None],
        owner: OrgNumber::parse(OWNER).expect("org"),
        payer,
        address_card: None,
        invoice_address: PostalAddress {
            street_name: "Storgata \"gamle\" \\ vei".into(),
            street_address: "1A".into(),
            entrance_code: None,
            postal_code: "9008".into(),
            postal_place: "Tromsø".into(),
        },
        invoice_format: InvoiceFormat::Ehf,
        stored_status: AccountStatus::Open,
        account_type: AccountType::Normal,
        created_at: LONG_AGO,
        activates_at: None,
        listed_from: LONG_AGO,
    }
}

fn tricky_accounts() -> Vec<CorporateAccount> {
    let person = |middle: Option<&str>| {
        Payer::Person(PersonName {
            first_name: "Åse \"Mor\"".into(),
            middle_name: middle.map(Into::into),
            last_name: "Ødegård\\Berg".into(),
        })
    };
    let company = |org: &str| Payer::Company(OrgNumber::parse(org).expect("org"));
    let mut all = vec![
        account(90_000_001, company(OWNER)),
        account(90_000_002, company(SUBSIDIARY)),
        account(90_000_003, person(None)),
        account(90_000_004, person(Some("Lærke"))),
        account(90_000_005, company(OWNER)),
        account(90_000_006, company(OWNER)),
    ];
    all[1].references = [reference(1, "A"), reference(2, "B-2"), reference(3, "C/3")];
    all[1].invoice_address.entrance_code = Some("H0101".into());
    all[1].address_card = Some(AddressCardId::parse("664001").expect("card"));
    all[1].invoice_format = InvoiceFormat::Paper;
    all[2].references = [None, None, None];
    all[2].account_type = AccountType::Reserved;
    all[3].invoice_format = InvoiceFormat::Email;
    all[3].account_type = AccountType::RingKontant;
    // Passive with its activation due (shown OPEN), passive not yet due, and cancelled.
    all[4].stored_status = AccountStatus::Passive;
    all[4].activates_at = Some(LONG_AGO);
    all[5].stored_status = AccountStatus::Passive;
    all[5].activates_at = Some(FAR_AHEAD);
    all[0].stored_status = AccountStatus::Cancelled;
    all
}

async fn body(server: &TestServer, token: &str, path: &str) -> String {
    let response = server.get(path, token).await;
    assert_eq!(response.status(), 200, "{}: {path}", server.name);
    response.text().await.expect("body")
}

/// The v2 pages (of 1 000, the last of two, one past the end) against what serde writes for the
/// same accounts; returns the accounts as serde wrote them.
async fn assert_pages_are_serde_json(server: &TestServer, token: &str, when: &str) -> String {
    let name = format!("{} ({when})", server.name);
    // Every account the token sees, serialized by serde (v1), against the SQL-built page.
    let all = body(server, token, "/corporate-accounts/v1").await;
    let count = serde_json::from_str::<Vec<serde_json::Value>>(&all)
        .expect("array")
        .len();
    assert!(count >= 7, "{name}: {all}");
    let page = body(
        server,
        token,
        "/corporate-accounts/v2/accounts?pageSize=1000",
    )
    .await;
    let expected = format!(
        "{{\"content\":{all},\"page\":0,\"pageSize\":1000,\"totalElements\":{count},\"totalPages\":1}}"
    );
    assert_eq!(page, expected, "{name}: page of 1 000");

    // The last page of two holds two of ours; each as `GET …/{id}` writes it.
    let last_page = (count - 1) / 2;
    let page = body(
        server,
        token,
        &format!("/corporate-accounts/v2/accounts?pageSize=2&page={last_page}"),
    )
    .await;
    let parsed: serde_json::Value = serde_json::from_str(&page).expect("json");
    let mut objects = Vec::new();
    for entry in parsed["content"].as_array().expect("content") {
        let id = entry["id"].as_str().expect("id");
        objects.push(
            body(
                server,
                token,
                &format!("/corporate-accounts/v2/accounts/{id}"),
            )
            .await,
        );
    }
    let expected = format!(
        "{{\"content\":[{}],\"page\":{last_page},\"pageSize\":2,\"totalElements\":{count},\"totalPages\":{}}}",
        objects.join(","),
        count.div_ceil(2)
    );
    assert_eq!(page, expected, "{name}: last page of two");

    // A page past the end is empty.
    let page = body(
        server,
        token,
        "/corporate-accounts/v2/accounts?pageSize=1000&page=5",
    )
    .await;
    let expected = format!(
        "{{\"content\":[],\"page\":5,\"pageSize\":1000,\"totalElements\":{count},\"totalPages\":1}}"
    );
    assert_eq!(page, expected, "{name}: empty page");
    all
}

/// The status of account `id` on the v2 page of 1 000.
async fn status_on_page(server: &TestServer, token: &str, id: &AccountId) -> String {
    let page = body(
        server,
        token,
        "/corporate-accounts/v2/accounts?pageSize=1000",
    )
    .await;
    let parsed: serde_json::Value = serde_json::from_str(&page).expect("json");
    let account = parsed["content"]
        .as_array()
        .expect("content")
        .iter()
        .find(|account| account["id"] == id.as_str())
        .expect("the account is on the page");
    account["status"].as_str().expect("status").to_owned()
}

#[tokio::test]
async fn the_store_written_accounts_page_is_the_serde_json_of_the_same_accounts() {
    for server in TestServer::every_backend().await {
        let token = server.demo_token().await;
        // Passive, activated a minute from now: its stored object must not hold its status.
        let mut due_soon = account(
            90_000_007,
            Payer::Company(OrgNumber::parse(OWNER).expect("org")),
        );
        due_soon.stored_status = AccountStatus::Passive;
        due_soon.activates_at = Some(server.platform.now().plus_seconds(60));
        {
            let mut tx = server.platform.store().write().await.expect("write");
            for account in tricky_accounts().iter().chain([&due_soon]) {
                accounts::insert_account(&mut tx, account)
                    .await
                    .expect("insert");
            }
            tx.commit().await.expect("commit");
        }
        assert_pages_are_serde_json(&server, &token, "as inserted").await;
        assert_eq!(
            status_on_page(&server, &token, &due_soon.id).await,
            "PASSIVE"
        );

        // The insert wrote every row's JSON: none left for the start-up pass.
        let missing = {
            let mut conn = server.platform.store().read().await.expect("read");
            accounts::write_missing_documents(&mut conn)
                .await
                .expect("write missing")
        };
        assert_eq!(missing, 0, "{}", server.name);

        // Rows without their stored JSON (from before migration 10), then with it written as at
        // start.
        let forgotten = {
            let mut conn = server.platform.store().read().await.expect("read");
            forget_account_documents(&mut conn).await.expect("forget")
        };
        assert!(forgotten >= 7, "{}: {forgotten}", server.name);
        assert_pages_are_serde_json(&server, &token, "without stored JSON").await;
        let written = {
            let mut conn = server.platform.store().read().await.expect("read");
            accounts::write_missing_documents(&mut conn)
                .await
                .expect("write missing")
        };
        assert_eq!(written, forgotten, "{}", server.name);
        assert_pages_are_serde_json(&server, &token, "written at start").await;

        // The activation falls due: the status changes, the stored rest does not.
        server.advance_clock(120).await;
        assert_pages_are_serde_json(&server, &token, "after the activation").await;
        assert_eq!(status_on_page(&server, &token, &due_soon.id).await, "OPEN");
        server.stop().await;
    }
}
