//! KPN finances: the invoice list with every filter, sort and page, the invoice as a real PDF
//! (parsed back), and the billing retention period changed through its service request, on
//! every backend.

use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::kpn_harness::{BASE, expect_error, get, kpn_client_for, kpn_token, kpn_token_for, post};
use sentral_domain::kpn::Privilege;

/// The demo customer (the `demo-kpn-client`'s).
const DEMO_CUSTOMER: &str = "NL69599084";
/// The frozen demo customer.
const FROZEN_CUSTOMER: &str = "NL70427135";

async fn list(server: &TestServer, token: &str, query: &str) -> Value {
    let path = format!("/finances/invoices{query}");
    let (status, body) = get(server, &path, token).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn results(page: &Value) -> Vec<Value> {
    page["result"].as_array().unwrap().clone()
}

/// The token of a new application of `customer` holding only `privileges`.
async fn token_with(server: &TestServer, customer: &str, privileges: &[Privilege]) -> String {
    let name = format!("Finance tool {privileges:?}");
    let (client, secret, app) = kpn_client_for(server, customer, &name).await;
    server
        .platform
        .set_kpn_privileges(&app, privileges)
        .await
        .unwrap();
    kpn_token_for(server, &client, &secret).await
}

async fn frozen_token(server: &TestServer) -> String {
    let (client, secret, _) = kpn_client_for(server, FROZEN_CUSTOMER, "Frozen books").await;
    kpn_token_for(server, &client, &secret).await
}

/// The demo debtors: (id, name).
async fn debtors(server: &TestServer, token: &str) -> Vec<(i64, String)> {
    let (status, roots) = get(server, "/hierarchy/children?includeGroups=true", token).await;
    assert_eq!(status, 200, "{roots}");
    results(&roots)
        .iter()
        .filter(|item| item["type"] == "DEBTOR")
        .map(|item| {
            (
                item["id"].as_i64().unwrap(),
                item["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Cents as the invoice PDF shows euros: `EUR 1.234,56`.
fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (n, digit) in whole.chars().enumerate() {
        if n > 0 && (whole.len() - n).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    format!("EUR {sign}{grouped},{:02}", abs % 100)
}

fn millis(date: &Value) -> i64 {
    let text = date.as_str().unwrap();
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .unix_timestamp()
        * 1000
}

fn assert_sorted(page: &Value, key: impl Fn(&Value) -> String, descending: bool, what: &str) {
    let keys: Vec<String> = results(page).iter().map(key).collect();
    let mut expected = keys.clone();
    expected.sort();
    if descending {
        expected.reverse();
    }
    assert_eq!(keys, expected, "{what}");
}

#[tokio::test]
async fn invoices_list_by_debtor_type_dates_and_pattern_sorted_and_paged() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let all = list(&server, &token, "?to=1000").await;
        let total = all["total"].as_i64().unwrap();
        let debtors = debtors(&server, &token).await;
        assert_eq!(debtors.len(), 2, "two demo debtors");
        // A year of service invoices, a hardware invoice and a credit note per debtor.
        assert_eq!(total, 28, "{all}");
        let invoices = results(&all);
        for invoice in &invoices {
            for field in [
                "id",
                "number",
                "date",
                "payBeforeDate",
                "debtorName",
                "type",
            ] {
                assert!(!invoice[field].is_null(), "{field}: {invoice}");
            }
            assert!(invoice["totalAmountToPayInCents"].is_i64(), "{invoice}");
            let number = invoice["number"].as_str().unwrap();
            assert!(
                number.len() == 12 && number.starts_with('F') && &number[5..6] == "-",
                "{number}"
            );
            assert_eq!(
                millis(&invoice["payBeforeDate"]) - millis(&invoice["date"]),
                30 * 86_400_000,
                "{invoice}"
            );
        }
        // Newest first by default.
        assert_sorted(
            &all,
            |i| i["date"].as_str().unwrap().to_owned(),
            true,
            "default",
        );

        // Per debtor: the two debtors' invoices make the whole list.
        let mut by_debtor = 0;
        for (id, name) in &debtors {
            let page = list(&server, &token, &format!("?debtorId={id}&to=100")).await;
            assert_eq!(page["total"], 14, "{page}");
            assert!(
                results(&page)
                    .iter()
                    .all(|i| i["debtorName"] == name.as_str())
            );
            by_debtor += page["total"].as_i64().unwrap();
        }
        assert_eq!(by_debtor, total);
        let (first_debtor, first_name) = &debtors[0];

        // Type.
        for (kind, count) in [
            ("HARDWARE_INVOICE", 2),
            ("CREDIT_NOTE", 2),
            ("SERVICE_INVOICE", 24),
        ] {
            let page = list(&server, &token, &format!("?type={kind}&to=100")).await;
            assert_eq!(page["total"], count, "{kind}: {page}");
            assert!(results(&page).iter().all(|i| i["type"] == kind));
        }
        assert_eq!(
            list(&server, &token, "?type=SERVICE_ADJUSTMENT").await["total"],
            0
        );
        let credit = list(&server, &token, "?type=CREDIT_NOTE").await;
        assert!(
            results(&credit)
                .iter()
                .all(|i| i["totalAmountToPayInCents"].as_i64().unwrap() < 0),
            "{credit}"
        );
        let bad = get(&server, "/finances/invoices?type=BILL", &token).await;
        expect_error(&bad, 400, "bad_request");
        assert!(
            bad.1["message"].as_str().unwrap().contains("type"),
            "{}",
            bad.1
        );

        // Every sort, both ways.
        for (sort, field) in [
            ("NUMBER", "number"),
            ("TYPE", "type"),
            ("DATE", "date"),
            ("PAY_BEFORE_DATE", "payBeforeDate"),
        ] {
            for (order, descending) in [("ASC", false), ("DESC", true)] {
                let page = list(
                    &server,
                    &token,
                    &format!("?sortBy={sort}&order={order}&to=100"),
                )
                .await;
                assert_sorted(
                    &page,
                    |i| i[field].as_str().unwrap().to_owned(),
                    descending,
                    sort,
                );
            }
        }
        for (order, descending) in [("ASC", false), ("DESC", true)] {
            let page = list(
                &server,
                &token,
                &format!("?sortBy=DEBTOR_NAME&order={order}&to=100"),
            )
            .await;
            assert_sorted(
                &page,
                |i| i["debtorName"].as_str().unwrap().to_lowercase(),
                descending,
                "DEBTOR_NAME",
            );
            let page = list(
                &server,
                &token,
                &format!("?sortBy=TOTAL_AMOUNT&order={order}&to=100"),
            )
            .await;
            let amounts: Vec<i64> = results(&page)
                .iter()
                .map(|i| i["totalAmountToPayInCents"].as_i64().unwrap())
                .collect();
            let mut expected = amounts.clone();
            expected.sort();
            if descending {
                expected.reverse();
            }
            assert_eq!(amounts, expected, "TOTAL_AMOUNT {order}");
        }
        expect_error(
            &get(&server, "/finances/invoices?sortBy=AMOUNT", &token).await,
            400,
            "bad_request",
        );
        expect_error(
            &get(&server, "/finances/invoices?order=UP", &token).await,
            400,
            "bad_request",
        );

        // Pages: `to` exclusive, `to=0` still counts.
        let sorted = list(&server, &token, "?sortBy=NUMBER&to=100").await;
        let page = list(&server, &token, "?sortBy=NUMBER&from=2&to=5").await;
        assert_eq!(page["total"], total);
        assert_eq!(results(&page), results(&sorted)[2..5].to_vec());
        let empty = list(&server, &token, "?to=0").await;
        assert_eq!(empty["total"], total);
        assert!(results(&empty).is_empty());
        assert_eq!(results(&list(&server, &token, "").await).len(), 20);

        // Pattern: in the number or the debtor's name, case-insensitive.
        let one = &invoices[3];
        let number = one["number"].as_str().unwrap();
        let page = list(
            &server,
            &token,
            &format!("?pattern={}", number.to_lowercase()),
        )
        .await;
        assert_eq!(page["total"], 1, "{page}");
        assert_eq!(results(&page)[0]["id"], one["id"]);
        let part: String = first_name.to_uppercase().chars().take(6).collect();
        let page = list(
            &server,
            &token,
            &format!("?pattern={}&to=100", part.replace(' ', "%20")),
        )
        .await;
        assert!(page["total"].as_i64().unwrap() >= 14, "{page}");
        assert_eq!(
            list(&server, &token, "?pattern=zzzz-none").await["total"],
            0
        );

        // Dates: plain dates (the spec's examples) include the whole day; date-times too.
        let day = &one["date"].as_str().unwrap()[..10];
        let page = list(
            &server,
            &token,
            &format!("?searchFrom={day}&searchTo={day}&to=100"),
        )
        .await;
        assert!(page["total"].as_i64().unwrap() >= 1, "{page}");
        assert!(results(&page).iter().any(|i| i["id"] == one["id"]));
        assert!(
            results(&page)
                .iter()
                .all(|i| &i["date"].as_str().unwrap()[..10] == day)
        );
        let page = list(
            &server,
            &token,
            &format!("?searchFrom={day}T00:00:00Z&searchTo={day}T23:59:59Z"),
        )
        .await;
        assert!(results(&page).iter().any(|i| i["id"] == one["id"]));
        let after: i64 = list(&server, &token, &format!("?searchFrom={day}&to=0")).await["total"]
            .as_i64()
            .unwrap();
        let before: i64 = list(&server, &token, &format!("?searchTo={day}&to=0")).await["total"]
            .as_i64()
            .unwrap();
        let on: i64 = page["total"].as_i64().unwrap();
        assert_eq!(after + before - on, total, "from/to split the whole list");
        expect_error(
            &get(&server, "/finances/invoices?searchFrom=31-10-2025", &token).await,
            400,
            "bad_request",
        );

        // A debtor that is none of the customer's.
        expect_error(
            &get(&server, "/finances/invoices?debtorId=424242", &token).await,
            404,
            "DEBTOR_NOT_FOUND",
        );
        let (_, roots) = get(
            &server,
            &format!("/hierarchy/children?id={first_debtor}"),
            &token,
        )
        .await;
        let cost_centre = results(&roots)
            .iter()
            .find(|i| i["type"] == "COST_CENTER")
            .map(|i| i["id"].as_i64().unwrap())
            .unwrap();
        expect_error(
            &get(
                &server,
                &format!("/finances/invoices?debtorId={cost_centre}"),
                &token,
            )
            .await,
            404,
            "DEBTOR_NOT_FOUND",
        );
        // Another customer sees none of them, and not the debtor.
        let frozen = frozen_token(&server).await;
        expect_error(
            &get(
                &server,
                &format!("/finances/invoices?debtorId={first_debtor}"),
                &frozen,
            )
            .await,
            404,
            "DEBTOR_NOT_FOUND",
        );
        let theirs = list(&server, &frozen, "").await;
        assert!(
            results(&theirs)
                .iter()
                .all(|i| !invoices.iter().any(|mine| mine["id"] == i["id"])),
            "{theirs}"
        );
    }
}

/// The invoice's PDF, its content type checked.
async fn download(server: &TestServer, token: &str, id: i64) -> Vec<u8> {
    let response = server
        .send(
            reqwest::Method::GET,
            &format!("{BASE}/finances/invoices/{id}"),
            token,
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/pdf");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains(".pdf"), "{disposition}");
    response.bytes().await.unwrap().to_vec()
}

/// The text of a PDF, parsed back with lopdf.
pub fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let document = lopdf::Document::load_mem(bytes).expect("a PDF lopdf reads");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    assert!(!pages.is_empty());
    document.extract_text(&pages).expect("its text")
}

#[tokio::test]
async fn an_invoice_downloads_as_a_pdf_of_its_lines_and_total() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        for kind in ["SERVICE_INVOICE", "HARDWARE_INVOICE", "CREDIT_NOTE"] {
            let page = list(&server, &token, &format!("?type={kind}&to=1")).await;
            let invoice = &results(&page)[0];
            let id = invoice["id"].as_i64().unwrap();
            let text = pdf_text(&download(&server, &token, id).await);
            let number = invoice["number"].as_str().unwrap();
            let total = invoice["totalAmountToPayInCents"].as_i64().unwrap();
            assert!(text.contains(number), "{number} in {text}");
            assert!(
                text.contains(&format!("Total to pay: {}", euros(total))),
                "{text}"
            );
            assert!(text.contains("VAT 21 %"), "{text}");
            assert!(
                text.contains(invoice["debtorName"].as_str().unwrap()),
                "{text}"
            );
            if kind == "SERVICE_INVOICE" {
                assert!(text.contains("Recurring charges (monthly fee)"), "{text}");
                assert!(text.contains("Smartphone"), "{text}");
            } else {
                assert!(text.contains("One-time charges"), "{text}");
            }
        }
        expect_error(
            &get(&server, "/finances/invoices/424242", &token).await,
            404,
            "INVOICE_NOT_FOUND",
        );
        expect_error(
            &get(&server, "/finances/invoices/abc", &token).await,
            400,
            "bad_request",
        );
        // Another customer's token does not find the demo's invoice.
        let mine = list(&server, &token, "?to=1").await;
        let id = results(&mine)[0]["id"].as_i64().unwrap();
        let frozen = frozen_token(&server).await;
        expect_error(
            &get(&server, &format!("/finances/invoices/{id}"), &frozen).await,
            404,
            "INVOICE_NOT_FOUND",
        );
    }
}

async fn customer_details(server: &TestServer, token: &str) -> Value {
    let (status, roots) = get(server, "/hierarchy/children", token).await;
    assert_eq!(status, 200, "{roots}");
    let customer = roots["result"][0]["path"][0]["id"].as_i64().unwrap();
    let (status, details) = get(server, &format!("/hierarchy/children/{customer}"), token).await;
    assert_eq!(status, 200, "{details}");
    details
}

async fn availability(server: &TestServer, token: &str) -> Value {
    let (status, body) = get(server, "/finances/billing-period/availability", token).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn the_billing_period_changes_when_its_service_request_closes() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let before = customer_details(&server, &token).await;
        let period = before["customer"]["billingRetentionPeriod"]
            .as_str()
            .unwrap()
            .to_owned();
        let other = if period == "6" { "25" } else { "6" };
        let open = availability(&server, &token).await;
        assert_eq!(open["enabled"], true, "{open}");
        assert_eq!(open["visible"], true, "{open}");
        assert_eq!(open["blockingOrders"], json!([]));

        // The same period, or none of the two, is refused.
        expect_error(
            &post(
                &server,
                "/finances/billing-period",
                &token,
                json!({"period": period}),
            )
            .await,
            404,
            "OPERATION_BLOCKED",
        );
        expect_error(
            &post(
                &server,
                "/finances/billing-period",
                &token,
                json!({"period": "12"}),
            )
            .await,
            400,
            "bad_request",
        );
        expect_error(
            &post(&server, "/finances/billing-period", &token, json!({})).await,
            400,
            "bad_request",
        );

        let (status, summary) = post(
            &server,
            "/finances/billing-period",
            &token,
            json!({"period": other.parse::<i64>().unwrap(), "referenceNumber": "BR-1"}),
        )
        .await;
        assert_eq!(status, 200, "{summary}");
        assert_eq!(summary["operation"], "changeBillingPeriod");
        assert_eq!(summary["referenceNumber"], "BR-1");
        let id = summary["id"].as_i64().unwrap();
        // While it is open: blocked and not visible, naming the order; a second is refused.
        let blocked = availability(&server, &token).await;
        assert_eq!(blocked["enabled"], false, "{blocked}");
        assert_eq!(blocked["visible"], false, "{blocked}");
        assert_eq!(blocked["blockingOrders"][0]["id"], id, "{blocked}");
        assert_eq!(blocked["blockingOrders"][0]["type"], "SERVICE_REQUEST");
        expect_error(
            &post(
                &server,
                "/finances/billing-period",
                &token,
                json!({"period": other}),
            )
            .await,
            404,
            "OPERATION_BLOCKED",
        );
        assert_eq!(
            customer_details(&server, &token).await["customer"]["billingRetentionPeriod"],
            period.as_str()
        );
        let (status, request) = get(
            &server,
            &format!("/track-and-trace/service-requests/{id}"),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{request}");

        server.advance_clock(61).await;
        let after = customer_details(&server, &token).await;
        assert_eq!(
            after["customer"]["billingRetentionPeriod"], other,
            "{after}"
        );
        let (_, request) = get(
            &server,
            &format!("/track-and-trace/service-requests/{id}"),
            &token,
        )
        .await;
        assert_eq!(request["status"], "CLOSED", "{request}");
        let open = availability(&server, &token).await;
        assert_eq!(open["enabled"], true, "{open}");
        assert_eq!(open["blockingOrders"], json!([]));

        // The frozen customer may not order it.
        let frozen = frozen_token(&server).await;
        expect_error(
            &post(
                &server,
                "/finances/billing-period",
                &frozen,
                json!({"period": "25"}),
            )
            .await,
            403,
            "ORDERING_IS_BLOCKED_FOR_CUSTOMER",
        );
        assert_eq!(availability(&server, &frozen).await["enabled"], false);
    }
}

#[tokio::test]
async fn finances_need_their_privileges() {
    for server in TestServer::every_backend().await {
        // Without privileges_financial_documents_view no invoice is listed or downloaded.
        let viewer = token_with(
            &server,
            DEMO_CUSTOMER,
            &[
                Privilege::VirtualHierarchyView,
                Privilege::BillingRetentionPortlet,
            ],
        )
        .await;
        expect_error(
            &get(&server, "/finances/invoices", &viewer).await,
            403,
            "FORBIDDEN_FOR_USER",
        );
        expect_error(
            &get(&server, "/finances/invoices/8000001", &viewer).await,
            403,
            "FORBIDDEN_FOR_USER",
        );
        // …but with both halves of the billing privileges the availability answers.
        assert_eq!(availability(&server, &viewer).await["enabled"], true);

        // The billing period needs a hierarchy privilege and the billing retention portlet.
        let books = token_with(&server, DEMO_CUSTOMER, &[Privilege::FinancialDocumentsView]).await;
        assert_eq!(list(&server, &books, "?to=0").await["total"], 28);
        for token in [
            books,
            token_with(
                &server,
                DEMO_CUSTOMER,
                &[Privilege::BillingRetentionPortlet],
            )
            .await,
            token_with(
                &server,
                DEMO_CUSTOMER,
                &[
                    Privilege::VirtualHierarchyView,
                    Privilege::FinancialDocumentsView,
                    Privilege::OrdersAuthorization,
                ],
            )
            .await,
        ] {
            expect_error(
                &get(&server, "/finances/billing-period/availability", &token).await,
                403,
                "FORBIDDEN_FOR_USER",
            );
            expect_error(
                &post(
                    &server,
                    "/finances/billing-period",
                    &token,
                    json!({"period": "25"}),
                )
                .await,
                403,
                "FORBIDDEN_FOR_USER",
            );
        }
    }
}
