//! KPN business voicemail (`/contracting/bvm/…`): availability; an order from a multipart CSV
//! file of subscriptions, tracked until it closes; each file error from a real bad file with
//! its line number, the 413 of a file beyond 128 KB (also beyond the server's body limit);
//! the parameters' 400s; a frozen customer and another customer; on every backend.

use serde_json::Value;

use crate::harness::TestServer;
use crate::kpn_harness::{BASE, expect_error, get, kpn_client_for, kpn_token, kpn_token_for};

const HEADER: &str =
    "mobiel nummer;voornaam;voornaam fonetisch;achternaam;achternaam fonetisch;geslacht";
const PARAMS: &str = "companyName=Demo%20Klant%20B.V.&companyNamePronunciation=Demo%20Klant\
                      &voiceLanguage=nl&voiceMailMessage=U%20spreekt%20met%20Demo%20Klant";

/// The demo number of subscriber `index` (under debtor Noord for 0–2, Zuid for 3–5).
fn number(index: usize) -> String {
    format!("3161{:07}", 1000 + index)
}

fn row(number: &str) -> String {
    format!("{number};Jan;Jan;de Vries;de Fries;M")
}

fn file(rows: &[String]) -> String {
    let mut text = HEADER.to_owned();
    for row in rows {
        text.push_str("\r\n");
        text.push_str(row);
    }
    text
}

/// A multipart body with one part `name` (a file part when `file_name` is given).
fn multipart(name: &str, file_name: Option<&str>, content: &[u8]) -> Vec<u8> {
    let disposition = match file_name {
        Some(file_name) => format!("form-data; name=\"{name}\"; filename=\"{file_name}\""),
        None => format!("form-data; name=\"{name}\""),
    };
    let mut body = format!(
        "--XBOUNDARYX\r\nContent-Disposition: {disposition}\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(b"\r\n--XBOUNDARYX--\r\n");
    body
}

async fn send(
    server: &TestServer,
    token: &str,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let response = server
        .http
        .post(server.url(&format!("{BASE}/contracting/bvm/order?{query}")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn order(server: &TestServer, token: &str, file_name: &str, content: &str) -> (u16, Value) {
    order_with(server, token, PARAMS, file_name, content.as_bytes()).await
}

async fn order_with(
    server: &TestServer,
    token: &str,
    query: &str,
    file_name: &str,
    content: &[u8],
) -> (u16, Value) {
    send(
        server,
        token,
        query,
        "multipart/form-data; boundary=XBOUNDARYX",
        multipart("subscriptionsFile", Some(file_name), content),
    )
    .await
}

/// Asserts the error and that its message holds each of `parts`.
fn expect_file_error(outcome: &(u16, Value), status: u16, name: &str, parts: &[&str]) {
    expect_error(outcome, status, name);
    let message = outcome.1["message"].as_str().unwrap();
    for part in parts {
        assert!(message.contains(part), "{name}: {part:?} in {message}");
    }
}

#[tokio::test]
async fn a_voicemail_box_is_ordered_for_the_subscriptions_of_a_file() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let (status, availability) = get(&server, "/contracting/bvm/availability", &token).await;
        assert_eq!(status, 200, "{availability}");
        assert_eq!(availability["enabled"], true, "{availability}");
        assert_eq!(availability["visible"], true, "{availability}");

        let content = file(&[
            row(&number(0)),
            row(&number(1)),
            String::new(),
            row(&number(2)),
        ]);
        let (status, summary) = order_with(
            &server,
            &token,
            &format!("{PARAMS}&customerReferenceNumber=BVM-1"),
            "abonnementen.csv",
            content.as_bytes(),
        )
        .await;
        assert_eq!(status, 200, "{summary}");
        assert_eq!(summary["operation"], "businessVoiceMail", "{summary}");
        assert_eq!(summary["referenceNumber"], "BVM-1");
        assert_eq!(summary["contextName"], "Demo Klant B.V.");
        let id = summary["id"].as_i64().unwrap();
        let (status, tracked) =
            get(&server, &format!("/track-and-trace/orders/{id}"), &token).await;
        assert_eq!(status, 200, "{tracked}");
        // One open order per debtor.
        let twice = order(&server, &token, "again.csv", &file(&[row(&number(1))])).await;
        expect_error(&twice, 400, "OPERATION_NOT_POSSIBLE");
        server.advance_clock(61).await;
        let (_, tracked) = get(&server, &format!("/track-and-trace/orders/{id}"), &token).await;
        assert_eq!(tracked["status"], "CLOSED", "{tracked}");
        // Then another order for the debtor.
        let again = order(&server, &token, "again.csv", &file(&[row(&number(1))])).await;
        assert_eq!(again.0, 200, "{}", again.1);
        server.stop().await;
    }
}

#[tokio::test]
async fn every_fault_of_the_file_is_named_with_its_line() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let good = row(&number(0));
        for (file_name, content, name, parts) in [
            (
                "bvm.txt",
                file(std::slice::from_ref(&good)),
                "INVALID_BVM_FILE",
                vec!["bvm.txt"],
            ),
            (
                "bvm.csv",
                "\u{0}\u{1}binary".to_owned(),
                "INVALID_BVM_FILE",
                vec!["binary"],
            ),
            ("bvm.csv", String::new(), "INVALID_BVM_FILE", vec!["empty"]),
            (
                "bvm.csv",
                format!("{}\n{}", HEADER.replace(';', ","), good.replace(';', ",")),
                "WRONG_COLUMN_SEPARATOR",
                vec!["line 1", "','"],
            ),
            (
                "bvm.csv",
                format!("{HEADER}\n{good}\n{}", good.replace(';', "\t")),
                "WRONG_COLUMN_SEPARATOR",
                vec!["line 3", "tab"],
            ),
            (
                "bvm.csv",
                format!("mobiel nummer;voornaam;achternaam\n{}", number(0)),
                "MISSING_HEADER_IN_FILE",
                vec!["voornaam fonetisch", "achternaam fonetisch", "geslacht"],
            ),
            (
                "bvm.csv",
                file(&[
                    good.clone(),
                    "0612345678;Jan;;Vries;;M".into(),
                    format!("{};;;Vries;;X", number(1)),
                ]),
                "RECORDS_NOT_VALID_IN_FILE",
                vec!["line 3", "316[0-9]{8}", "line 4", "voornaam", "geslacht"],
            ),
            (
                "bvm.csv",
                HEADER.to_owned(),
                "RECORDS_NOT_VALID_IN_FILE",
                vec!["no subscription"],
            ),
            (
                "bvm.csv",
                file(&[good.clone(), row(&number(1)), good.clone()]),
                "PHONE_NUMBERS_NOT_UNIQUE",
                vec![&number(0), "lines 2, 4"],
            ),
            (
                "bvm.csv",
                file(&[good.clone(), row("31699999999")]),
                "SUBSCRIPTIONS_NOT_FOUND",
                vec!["line 3: 31699999999"],
            ),
            (
                "bvm.csv",
                file(&[good.clone(), row(&number(3))]),
                "KGG_NUMBERS_NOT_EQUAL",
                vec!["line 2", "line 3", "Demo Klant Noord", "Demo Klant Zuid"],
            ),
            (
                "bvm.csv",
                file(&vec![good.clone(); 2001]),
                "MAXIMUM_AMOUNT_OF_ROWS_EXCEEDED",
                vec!["2001", "2000"],
            ),
        ] {
            let refused = order(&server, &token, file_name, &content).await;
            expect_file_error(&refused, 400, name, &parts);
        }
        // Beyond 128 KB, and beyond the server's body limit: a KPN 413.
        for size in [128 * 1024 + 1, 2 * 1024 * 1024] {
            let mut content = file(std::slice::from_ref(&good)).into_bytes();
            content.resize(size, b' ');
            let refused = order_with(&server, &token, PARAMS, "big.csv", &content).await;
            expect_file_error(&refused, 413, "payload_too_large", &["subscriptionsFile"]);
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn the_parameters_and_the_body_are_checked() {
    for server in TestServer::every_backend().await {
        let token = kpn_token(&server).await;
        let content = file(&[row(&number(0))]);
        // Not multipart, or no part named subscriptionsFile.
        let json = send(&server, &token, PARAMS, "application/json", b"{}".to_vec()).await;
        expect_file_error(&json, 400, "bad_request", &["subscriptionsFile"]);
        let unnamed = send(
            &server,
            &token,
            PARAMS,
            "multipart/form-data; boundary=XBOUNDARYX",
            multipart("file", Some("bvm.csv"), content.as_bytes()),
        )
        .await;
        expect_file_error(&unnamed, 400, "bad_request", &["subscriptionsFile"]);
        for (query, field) in [
            (
                PARAMS.replace("companyName=Demo%20Klant%20B.V.&", ""),
                "companyName",
            ),
            (
                PARAMS.replace("voiceLanguage=nl", "voiceLanguage=DE"),
                "voiceLanguage",
            ),
            (
                PARAMS.replace("&voiceMailMessage=U%20spreekt%20met%20Demo%20Klant", ""),
                "voiceMailMessage",
            ),
            (
                format!("{PARAMS}&customerReferenceNumber={}", "R".repeat(26)),
                "customerReferenceNumber",
            ),
            (format!("{PARAMS}&wishDate=someday"), "wishDate"),
        ] {
            let refused = order_with(&server, &token, &query, "bvm.csv", content.as_bytes()).await;
            expect_file_error(&refused, 400, "bad_request", &[field]);
        }
        // A frozen customer orders nothing; another customer has none of these subscriptions.
        let (client, secret, _) = kpn_client_for(&server, "NL70427135", "Frozen fleet").await;
        let frozen = kpn_token_for(&server, &client, &secret).await;
        let (_, availability) = get(&server, "/contracting/bvm/availability", &frozen).await;
        assert_eq!(availability["enabled"], false, "{availability}");
        let refused = order(&server, &frozen, "bvm.csv", &content).await;
        expect_error(&refused, 403, "ORDERING_IS_BLOCKED_FOR_CUSTOMER");
        let (client, secret, _) = kpn_client_for(&server, "930000000", "Other fleet").await;
        let other = kpn_token_for(&server, &client, &secret).await;
        let foreign = order(&server, &other, "bvm.csv", &content).await;
        expect_file_error(&foreign, 400, "SUBSCRIPTIONS_NOT_FOUND", &[&number(0)]);
        server.stop().await;
    }
}
