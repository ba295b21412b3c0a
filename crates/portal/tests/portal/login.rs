//! Logging in and out, lock-out, CSRF, language, security headers.

use sentral_services::portal::LOCK_AFTER_FAILURES;
use sentral_services::portal::demo::{DEVELOPER_ADMIN, SUPER_ADMIN};

use crate::harness::PortalServer;

#[tokio::test]
async fn a_login_opens_a_new_session_that_logout_ends_everywhere() {
    for server in PortalServer::every_backend().await {
        let mut browser = server.browser();
        let page = browser.get("/portal/").await;
        assert_eq!(page.status, 303, "{}", server.name);
        assert_eq!(
            page.location.as_deref(),
            Some("/portal/login?next=/portal/")
        );

        // A session id planted before login is not the one handed out after it.
        browser
            .cookies
            .insert("sentral-portal".into(), "a".repeat(64));
        browser.login(SUPER_ADMIN.email, SUPER_ADMIN.password).await;
        let session = browser.cookies["sentral-portal"].clone();
        assert_ne!(session, "a".repeat(64));
        let front = browser.visit("/portal/").await;
        assert_eq!(front.status, 200, "{}", server.name);
        front.assert_contains("Per Partner");
        front.assert_contains("id=\"tile-apier\"");

        // Another browser with the same cookie is the same session (it lives in the store).
        let mut copy = server.browser();
        copy.cookies
            .insert("sentral-portal".into(), session.clone());
        assert_eq!(copy.get("/portal/").await.status, 200);

        // The login is in the audit log at once, as the API shows it.
        let audit: serde_json::Value = reqwest::get(
            server.url("/sandbox/v1/audit?action=portal.login&actor=portal:per@demopartner.no"),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(audit["entries"][0]["action"], "portal.login", "{audit}");

        let out = browser.post("/portal/logout", &[]).await;
        assert_eq!(out.status, 303);
        assert!(!browser.cookies.contains_key("sentral-portal"));
        let again = copy.get("/portal/").await;
        assert_eq!(again.status, 303, "the ended session must not open pages");
        server.stop().await;
    }
}

#[tokio::test]
async fn a_login_by_mobile_number_works_and_a_wrong_password_says_so() {
    let server = PortalServer::demo().await;
    let mut browser = server.browser();
    browser.get("/portal/login").await;
    let wrong = browser
        .post(
            "/portal/login",
            &[
                ("login", DEVELOPER_ADMIN.email),
                ("password", "wrong-password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    wrong.assert_contains("Feil e-post, mobilnummer eller passord.");
    let mobile = format!("+47 {}", DEVELOPER_ADMIN.mobile);
    browser.login(&mobile, DEVELOPER_ADMIN.password).await;
    server.stop().await;
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_login_for_a_quarter_of_an_hour() {
    let server = PortalServer::demo().await;
    let mut browser = server.browser();
    browser.get("/portal/login").await;
    for attempt in 1..=LOCK_AFTER_FAILURES {
        let page = browser
            .post(
                "/portal/login",
                &[("login", SUPER_ADMIN.email), ("password", "guess")],
            )
            .await;
        assert_eq!(page.status, 401, "attempt {attempt}");
    }
    let locked = browser
        .post(
            "/portal/login",
            &[
                ("login", SUPER_ADMIN.email),
                ("password", SUPER_ADMIN.password),
            ],
        )
        .await;
    assert_eq!(
        locked.status, 401,
        "the right password is refused while locked"
    );
    locked.assert_contains("sperret til");
    server.advance_clock(15 * 60 + 1).await;
    browser.login(SUPER_ADMIN.email, SUPER_ADMIN.password).await;
    server.stop().await;
}

#[tokio::test]
async fn a_form_without_its_token_or_from_another_site_is_refused() {
    let server = PortalServer::demo().await;
    let mut browser = server.browser();
    browser.get("/portal/login").await;
    let fields = [
        ("login", SUPER_ADMIN.email),
        ("password", SUPER_ADMIN.password),
    ];
    let no_token = browser
        .post_with("/portal/login", &fields, None, "same-origin")
        .await;
    assert_eq!(no_token.status, 403);
    no_token.assert_contains("Skjemaet er utløpt");
    let wrong = browser
        .post_with(
            "/portal/login",
            &fields,
            Some("0".repeat(48).as_str()),
            "same-origin",
        )
        .await;
    assert_eq!(wrong.status, 403);
    browser.get("/portal/login").await;
    let token = browser.cookies["sentral-login-csrf"].clone();
    let cross = browser
        .post_with("/portal/login", &fields, Some(&token), "cross-site")
        .await;
    assert_eq!(
        cross.status, 403,
        "a cross-site post is refused even with the token"
    );

    browser.login(SUPER_ADMIN.email, SUPER_ADMIN.password).await;
    let logout = browser
        .post_with("/portal/logout", &[], Some("forged"), "same-origin")
        .await;
    assert_eq!(logout.status, 403);
    assert_eq!(browser.get("/portal/").await.status, 200, "still logged in");
    server.stop().await;
}

#[tokio::test]
async fn the_language_follows_the_browser_first_and_the_toggle_afterwards() {
    let server = PortalServer::demo().await;
    let response = reqwest::Client::new()
        .get(server.url("/portal/login"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert!(body.contains("<html lang=\"en\">"), "{body}");
    assert!(body.contains("Log in to Min Bedrift"));

    let mut browser = server.browser();
    browser.login(SUPER_ADMIN.email, SUPER_ADMIN.password).await;
    browser
        .visit("/portal/")
        .await
        .assert_contains("Administratorer");
    let toggled = browser.get("/portal/lang?set=en&next=/portal/").await;
    assert_eq!(toggled.status, 303);
    assert_eq!(toggled.location.as_deref(), Some("/portal/"));
    let english = browser.visit("/portal/").await;
    english.assert_contains("<html lang=\"en\">");
    english.assert_contains("Administrators");
    // An open redirect through the toggle is not possible.
    let away = browser
        .get("/portal/lang?set=no&next=https://evil.example/")
        .await;
    assert_eq!(away.location.as_deref(), Some("/portal/"));
    server.stop().await;
}

#[tokio::test]
async fn every_page_carries_the_security_headers_and_errors_are_pages() {
    let server = PortalServer::demo().await;
    let mut browser = server.browser();
    let page = browser.get("/portal/login").await;
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert_eq!(page.headers["cache-control"], "no-store");
    let cookie = page.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let missing = browser.get("/portal/finnes-ikke").await;
    assert_eq!(missing.status, 404);
    missing.assert_contains("<html lang=\"nb\">");
    missing.assert_contains("Siden finnes ikke");
    assert!(
        !missing.contains("id=\"logout\""),
        "no session, no logout button"
    );
    let style = browser.get("/portal/assets/portal.css").await;
    assert_eq!(style.status, 200);
    assert!(
        style.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    server.stop().await;
}

#[tokio::test]
async fn the_operator_and_the_dealer_land_on_their_own_systems() {
    let server = PortalServer::demo().await;
    for (login, landing) in [
        (
            sentral_services::portal::demo::OPERATOR,
            "/portal/operator/",
        ),
        (sentral_services::portal::demo::DEALER, "/forhandler/"),
    ] {
        let mut browser = server.browser();
        browser.login(login.email, login.password).await;
        let front = browser.get("/portal/").await;
        assert_eq!(front.location.as_deref(), Some(landing), "{}", login.email);
    }
    server.stop().await;
}
