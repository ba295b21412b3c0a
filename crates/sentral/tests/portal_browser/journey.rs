//! The seed's whole onboarding process in one journey through real Chromium: the
//! super-administrator grants *APIer*, the administrator reveals the pilot's credentials, sets
//! up the system user and has a new password sent by SMS, asks for verification; the operator
//! approves and creates the Connect service; a dealer adds it to a customer's MBN agreement —
//! and only then does the production application read that customer through the corporate API.
//! Each main page is saved as a screenshot (see `webdriver::screenshot_dir`).

use sentral_services::demo::{CLIENT_ID, CLIENT_SECRET, SYSTEM_USER, SYSTEM_USER_PASSWORD};
use sentral_services::portal::demo::{DEALER, DEVELOPER_ADMIN, OPERATOR, SUPER_ADMIN};

use crate::server::Server;
use crate::webdriver::{Browser, Driver};

/// The second customer of the demo world, whose agreement the dealer adds the service to.
const CUSTOMER: &str = "930000027";
const CUSTOMER_AGREEMENT: &str = "10000002";
const CUSTOMER_PHONE: &str = "92000001";

/// Logs in and waits until the login page is left.
async fn log_in(browser: &Browser, server: &Server, email: &str, password: &str) {
    server.submit_login(browser, email, password).await;
    browser.url_when(|url| !url.contains("/portal/login")).await;
}

/// The text after `start` up to the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let at = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in {text:?}"))
        + start.len();
    let rest = &text[at..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

fn password_grant<'a>(username: &'a str, password: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("grant_type", "password"),
        ("username", username),
        ("password", password),
    ]
}

#[tokio::test]
async fn the_seeds_onboarding_process_from_pilot_to_production_in_a_real_browser() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let mut server = Server::demo();

    // Kari has no APIer yet: the API pages are refused to her.
    let kari = driver.browser(1280, 1000).await;
    log_in(
        &kari,
        &server,
        DEVELOPER_ADMIN.email,
        DEVELOPER_ADMIN.password,
    )
    .await;
    kari.goto(&server.url("/portal/apier")).await;
    kari.source_when(|page| page.contains("Du har ikke rettigheter"))
        .await;
    kari.goto(&server.url("/portal/developer/")).await;
    kari.source_when(|page| page.contains("Du har ikke rettigheter"))
        .await;

    // The super-administrator grants them.
    let per = driver.browser(1280, 1000).await;
    log_in(&per, &server, SUPER_ADMIN.email, SUPER_ADMIN.password).await;
    per.click("#tile-administratorer").await;
    per.text_when("#administrators", |table| {
        table.contains(DEVELOPER_ADMIN.name)
    })
    .await;
    per.screenshot("administrators").await;
    per.click_link(DEVELOPER_ADMIN.name).await;
    per.click("#set-right-apis").await;
    per.click("#save-rights").await;
    per.text_when("#notice", |notice| {
        notice.contains("Rettighetene er endret")
    })
    .await;
    per.screenshot("administrator").await;

    // Kari's next page knows: the pilot, and its credentials in the Developer Portal.
    kari.goto(&server.url("/portal/")).await;
    kari.click("#tile-apier").await;
    kari.text_when("#tab-pilots", |tab| tab.starts_with("Pilotapplikasjoner ("))
        .await;
    kari.screenshot("applications").await;
    kari.click_link("Demo Switchboard").await;
    let pilot_url = kari.url_when(|url| url.contains("/portal/apier/app")).await;
    let pilot = pilot_url.rsplit('/').next().unwrap().to_owned();
    kari.text_when("#app-status", |status| !status.is_empty())
        .await;
    kari.screenshot("application").await;
    kari.click("#developer-portal").await;
    kari.text_when(&format!("#app-{pilot}"), |row| row.contains(CLIENT_ID))
        .await;
    kari.screenshot("developer-portal").await;
    kari.click(&format!("#show-{pilot}")).await;
    let client_id = kari.text_when("#client-id", |id| !id.is_empty()).await;
    let client_secret = kari
        .text_when("#client-secret", |secret| !secret.is_empty())
        .await;
    assert_eq!(
        (client_id.as_str(), client_secret.as_str()),
        (CLIENT_ID, CLIENT_SECRET)
    );
    let (status, answer) = server
        .token(
            &client_id,
            &client_secret,
            &password_grant(SYSTEM_USER, SYSTEM_USER_PASSWORD),
        )
        .await;
    assert_eq!(
        status, 200,
        "the revealed credentials get a token: {answer}"
    );

    // The system user: its contact person, then a new password by SMS.
    kari.goto(&server.url("/portal/")).await;
    kari.click("#tile-avtaler").await;
    kari.click("#open-agreement-10000001").await;
    kari.text_when("#agreement-products", |products| {
        products.contains("Connect Vendor MBN API Test")
    })
    .await;
    kari.screenshot("agreement").await;
    kari.click("#open-connect-product").await;
    kari.text_when("#system-username", |name| name == SYSTEM_USER)
        .await;
    kari.fill("#contact-name", "Kari Utvikler").await;
    kari.fill("#contact-mobile", "99000002").await;
    kari.fill("#contact-email", DEVELOPER_ADMIN.email).await;
    kari.click("#save-contact").await;
    kari.text_when("#contact-summary", |contact| {
        contact.contains("Kari Utvikler, 99000002")
    })
    .await;
    kari.screenshot("system-user").await;
    kari.click("#send-password").await;
    kari.text_when("#password-question", |question| {
        question.contains("99000002")
    })
    .await;
    kari.screenshot("send-password").await;
    kari.click("#confirm-password").await;
    kari.text_when("#notice", |notice| {
        notice.contains("Et nytt passord er sendt på SMS")
    })
    .await;
    let new_password = server.password_sent_to("4799000002").await;
    let (status, _) = server
        .token(
            &client_id,
            &client_secret,
            &password_grant(SYSTEM_USER, &new_password),
        )
        .await;
    assert_eq!(status, 200, "the password from the SMS gets a token");
    let (status, _) = server
        .token(
            &client_id,
            &client_secret,
            &password_grant(SYSTEM_USER, SYSTEM_USER_PASSWORD),
        )
        .await;
    assert_ne!(status, 200, "the old password is refused at once");

    // Få produksjonsversjon: the price list, then the request for verification.
    kari.goto(&pilot_url).await;
    kari.click("#get-production").await;
    kari.text_when("#price-total", |total| total.contains(",-"))
        .await;
    kari.screenshot("production-price-list").await;
    kari.click("#verify-pilot").await;
    kari.source_when(|page| page.contains("Til verifisering"))
        .await;

    // The operator approves; the production credentials, shown once, get a token.
    let olga = driver.browser(1280, 1000).await;
    log_in(&olga, &server, OPERATOR.email, OPERATOR.password).await;
    olga.goto(&server.url("/portal/operator/verifisering"))
        .await;
    olga.text_when(&format!("#request-{pilot}"), |request| {
        request.contains("Demo Switchboard")
    })
    .await;
    olga.screenshot("back-office-verification").await;
    olga.click(&format!("#approve-{pilot}")).await;
    let production_id = olga
        .text_when("#production-client-id", |id| !id.is_empty())
        .await;
    let production_secret = olga
        .text_when("#production-client-secret", |secret| !secret.is_empty())
        .await;
    assert_ne!(production_id, CLIENT_ID);
    olga.screenshot("back-office-approved").await;
    let (status, answer) = server
        .token(
            &production_id,
            &production_secret,
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(
        status, 200,
        "the production credentials get a token: {answer}"
    );

    // The Connect service.
    olga.click("#to-connect").await;
    olga.fill("#connect-solution", "Switch Board").await;
    olga.click("#create-connect").await;
    olga.text_when("#service-ConnectDemoPartnerASSwitchBoard", |row| {
        row.contains("Demo Partner AS")
    })
    .await;
    olga.screenshot("back-office-connect").await;

    // Not yet on the customer's agreement: the production application reaches nothing there —
    // its own token acts for no system user, and the pilot's system user is not the customer's.
    let client_token = answer["access_token"].as_str().expect("access_token");
    let (status, refused) = server
        .get_json(
            "/corporate-accounts/v2/accounts?pageSize=100",
            Some(client_token),
        )
        .await;
    assert_eq!(status, 401, "{refused}");
    let (status, answer) = server
        .token(
            &production_id,
            &production_secret,
            &password_grant(SYSTEM_USER, &new_password),
        )
        .await;
    if status == 200 {
        let token = answer["access_token"].as_str().expect("access_token");
        let (_, accounts) = server
            .get_json("/corporate-accounts/v2/accounts?pageSize=100", Some(token))
            .await;
        assert!(
            !accounts.to_string().contains(CUSTOMER),
            "before the dealer's order nothing of {CUSTOMER} is readable: {accounts}"
        );
    }

    // The dealer finds the customer by organisation number and by phone number.
    let dag = driver.browser(1280, 1000).await;
    log_in(&dag, &server, DEALER.email, DEALER.password).await;
    dag.goto(&server.url("/forhandler/")).await;
    dag.fill("#search-org", CUSTOMER).await;
    dag.click("#search-submit").await;
    dag.text_when(&format!("#hit-{CUSTOMER}"), |hit| {
        hit.contains("Demo Kunde To AS")
    })
    .await;
    dag.screenshot("dealer-search").await;
    dag.fill("#search-org", "").await;
    dag.fill("#search-phone", CUSTOMER_PHONE).await;
    dag.click("#search-submit").await;
    dag.url_when(|url| url.contains(&format!("telefon={CUSTOMER_PHONE}")))
        .await;
    dag.click(&format!("#open-{CUSTOMER}")).await;
    dag.text_when("#customer-subscriptions", |subscriptions| {
        !subscriptions.is_empty()
    })
    .await;
    dag.screenshot("dealer-customer").await;
    dag.click(&format!("#open-agreement-{CUSTOMER_AGREEMENT}"))
        .await;
    dag.fill("#contact-name", "Kari Kontakt").await;
    dag.fill("#contact-mobile", "99000077").await;
    dag.fill("#contact-email", "kari@demokundeto.no").await;
    dag.click("#add-connect-service").await;
    let notice = dag
        .text_when("#notice", |notice| notice.contains("4799000077"))
        .await;
    dag.text_when("#service-ConnectDemoPartnerASSwitchBoard", |row| {
        row.contains("Demo Partner AS")
    })
    .await;
    dag.screenshot("dealer-agreement").await;

    // From now on the production application reads the customer, with the new system user.
    let username = between(&notice, "Ny systembruker ", " ");
    let password = server.password_sent_to("4799000077").await;
    let (status, answer) = server
        .token(
            &production_id,
            &production_secret,
            &password_grant(username, &password),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let token = answer["access_token"].as_str().expect("access_token");
    let (status, accounts) = server
        .get_json("/corporate-accounts/v2/accounts?pageSize=100", Some(token))
        .await;
    assert_eq!(status, 200, "{accounts}");
    let owners: Vec<String> = accounts["content"]
        .as_array()
        .unwrap_or_else(|| panic!("a page of accounts: {accounts}"))
        .iter()
        .map(|account| {
            account["owner"]["orgNumber"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(!owners.is_empty(), "{accounts}");
    assert!(owners.iter().all(|owner| owner == CUSTOMER), "{accounts}");

    // Every change is in the audit log at once: the API's and the back office's.
    let (status, log) = server
        .get_json(
            "/sandbox/v1/audit?action=agreement.add-connect-service",
            None,
        )
        .await;
    assert_eq!(status, 200, "{log}");
    assert!(
        log.to_string().contains("portal:dag@demoforhandler.no"),
        "{log}"
    );
    olga.goto(&server.url("/portal/operator/logg")).await;
    olga.text_when("#audit-count", |count| !count.is_empty())
        .await;
    let page = olga.source().await;
    for action in [
        "administrator.rights",
        "system-user.contact",
        "application.reveal-secret",
        "system-user.send-password",
        "application.request-verification",
        "application.approve",
        "connect-service.create",
        "agreement.add-connect-service",
    ] {
        assert!(
            page.contains(action),
            "{action} is not in the back office's log"
        );
    }
    olga.screenshot("back-office-audit").await;
    // And to the admin command line, on the same store (SQLite: while the server is stopped).
    let printed =
        server.admin_while_stopped(&[&["audit", "--actor", "portal:dag@demoforhandler.no"]]);
    assert!(
        printed[0]
            .to_string()
            .contains("agreement.add-connect-service"),
        "{}",
        printed[0]
    );

    for browser in [kari, per, olga, dag] {
        browser.close().await;
    }
}
