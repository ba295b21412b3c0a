//! Logging in, a wrong password, switching the language, keyboard use and a phone's width.

use sentral_services::portal::demo::{DEVELOPER_ADMIN, SUPER_ADMIN};

use crate::server::Server;
use crate::webdriver::Driver;

#[tokio::test]
async fn a_person_logs_in_switches_language_and_logs_out_in_a_real_browser() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = Server::demo();
    let browser = driver.browser(1280, 900).await;

    browser.goto(&server.url("/portal/")).await;
    browser.url_when(|url| url.contains("/portal/login")).await;
    browser.screenshot("login").await;

    browser.fill("#login-name", DEVELOPER_ADMIN.email).await;
    browser.fill("#login-password", "not-the-password").await;
    browser.click("#login-submit").await;
    browser
        .text_when("#login-problem", |text| text.contains("Feil e-post"))
        .await;

    browser.fill("#login-name", SUPER_ADMIN.email).await;
    browser.fill("#login-password", SUPER_ADMIN.password).await;
    browser.click("#login-submit").await;
    browser.url_when(|url| url.ends_with("/portal/")).await;
    browser
        .text_when("h1", |heading| heading.starts_with("God "))
        .await;
    assert!(browser.exists("#tile-apier").await);
    browser.screenshot("front-page").await;

    browser.click("#lang-en").await;
    browser
        .text_when("#tile-administratorer", |text| text == "Administrators")
        .await;
    // Remembered: the next page is English too.
    browser.goto(&server.url("/portal/utenfor/puk")).await;
    browser
        .text_when("h1", |text| text == "Find PUK code")
        .await;
    browser.click("#lang-no").await;
    browser
        .text_when("h1", |text| text == "Finn PUK-kode")
        .await;

    browser.click("#logout").await;
    browser.url_when(|url| url.contains("/portal/login")).await;
    browser.goto(&server.url("/portal/")).await;
    browser.url_when(|url| url.contains("/portal/login")).await;
    browser.close().await;
}

#[tokio::test]
async fn the_login_form_works_from_the_keyboard_on_a_phones_width() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = Server::demo();
    let browser = driver.browser(390, 844).await;
    browser.goto(&server.url("/portal/login")).await;
    assert_eq!(
        browser.active_element_id().await,
        "login-name",
        "the first field has focus"
    );
    browser.keys("#login-name", SUPER_ADMIN.email).await;
    browser.keys("#login-name", "\u{E004}").await;
    assert_eq!(
        browser.active_element_id().await,
        "login-password",
        "Tab moves to the password"
    );
    browser.keys("#login-password", SUPER_ADMIN.password).await;
    browser.keys("#login-password", "\u{E007}").await;
    // Enter submits the form: the front page comes.
    browser.text_when("#tile-apier", |_| true).await;
    browser.screenshot("front-page-phone").await;
    browser.close().await;
}
