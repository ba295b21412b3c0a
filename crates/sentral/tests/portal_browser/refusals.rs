//! What the portal refuses, seen in a real browser: pages without the right, a form posted
//! from another site, repeated wrong passwords (lock-out), and another partner's application
//! asked for by its address.

use sentral_services::portal::demo::{DEVELOPER_ADMIN, LINE_ADMIN, SUPER_ADMIN};

use crate::server::Server;
use crate::webdriver::Driver;

const FORBIDDEN: &str = "Du har ikke rettigheter til denne siden eller handlingen.";
const NOT_FOUND: &str = "Siden finnes ikke, eller du har ikke tilgang til den.";

#[tokio::test]
async fn rights_a_forged_form_and_another_partners_application_are_refused() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let mut server = Server::demo();

    // Ola administers lines only: no agreements, no APIs, no administrators' forms.
    let ola = driver.browser(1280, 900).await;
    server
        .submit_login(&ola, LINE_ADMIN.email, LINE_ADMIN.password)
        .await;
    ola.url_when(|url| url.ends_with("/portal/")).await;
    for path in [
        "/portal/avtaler",
        "/portal/apier",
        "/portal/developer/",
        "/portal/administratorer/ny",
    ] {
        ola.goto(&server.url(path)).await;
        ola.source_when(|page| page.contains(FORBIDDEN)).await;
    }
    ola.screenshot("refused").await;

    // A page on another site posts a rights change to the portal: refused, nothing changes.
    let per = driver.browser(1280, 900).await;
    server
        .submit_login(&per, SUPER_ADMIN.email, SUPER_ADMIN.password)
        .await;
    per.url_when(|url| url.ends_with("/portal/")).await;
    per.goto(&server.url("/portal/administratorer")).await;
    per.click_link(DEVELOPER_ADMIN.name).await;
    let kari_url = per
        .url_when(|url| url.contains("/portal/administratorer/"))
        .await;
    let kari_id = kari_url.rsplit('/').next().unwrap().to_owned();
    let forged = format!(
        "data:text/html,<form method=post action='{kari_url}'>\
         <input name=rights value=apis><button id=forge>Vinn en premie</button></form>"
    );
    per.goto(&forged).await;
    per.click("#forge").await;
    per.url_when(|url| url.starts_with(&server.base)).await;
    // Without the session cookie (SameSite=Lax) and the form's token, and from another site:
    // the browser lands on a login or refusal, never on the change's notice.
    let landed = per.source().await;
    assert!(!landed.contains("id=\"notice\""), "{landed}");
    per.goto(&server.url("/portal/administratorer")).await;
    per.text_when(&format!("#right-{kari_id}-apis"), |cell| {
        !cell.contains('✓')
    })
    .await;

    // Another partner's pilot: not in the lists, and its address finds nothing.
    let printed = server.admin_while_stopped(&[
        &[
            "partner",
            "create",
            "--org-number",
            "910000004",
            "--name",
            "Annen Partner AS",
            "--admin-name",
            "Anne Annen",
            "--admin-email",
            "anne@annenpartner.no",
        ],
        &[
            "app",
            "create",
            "--partner",
            "910000004",
            "--name",
            "Annen pilot",
            "--products",
            "mbn-catalog",
            "--created-by",
            "anne@annenpartner.no",
        ],
        &[
            "portal-login",
            "create",
            "--role",
            "administrator",
            "--org-number",
            "910000004",
            "--email",
            "anne@annenpartner.no",
        ],
    ]);
    let other = &printed[1];
    let other_id = other["id"]
        .as_str()
        .or_else(|| other["app"]["id"].as_str())
        .unwrap_or_else(|| panic!("the new application's id in {other}"))
        .to_owned();
    per.goto(&server.url("/portal/developer/")).await;
    let list = per
        .source_when(|page| page.contains("Demo Switchboard"))
        .await;
    assert!(
        !list.contains("Annen pilot"),
        "another partner's application is listed"
    );
    per.goto(&server.url("/portal/apier")).await;
    per.click_link("Demo Switchboard").await;
    let pilot_url = per.url_when(|url| url.contains("/portal/apier/app")).await;
    let pilot_path = pilot_url.trim_start_matches(&server.base).to_owned();
    for path in [
        format!("/portal/apier/{other_id}"),
        format!("/portal/apier/{other_id}/produksjon"),
        format!("/portal/developer/applications/{other_id}/secret"),
    ] {
        per.goto(&server.url(&path)).await;
        per.source_when(|page| page.contains(NOT_FOUND)).await;
    }
    per.screenshot("not-found").await;

    // And the other way: Anne, the other partner's super-administrator, with the login the
    // operator made for her, sees her own pilot and not Demo Partner's.
    let anne_password = printed[2]["password"].as_str().expect("the password, once");
    let anne = driver.browser(1280, 900).await;
    server
        .submit_login(&anne, "anne@annenpartner.no", anne_password)
        .await;
    anne.url_when(|url| url.ends_with("/portal/")).await;
    anne.goto(&server.url("/portal/apier")).await;
    let apps = anne.source_when(|page| page.contains("Annen pilot")).await;
    assert!(
        !apps.contains("Demo Switchboard"),
        "Demo Partner's pilot is listed to Anne"
    );
    anne.goto(&server.url(&pilot_path)).await;
    anne.source_when(|page| page.contains(NOT_FOUND)).await;

    // Wrong passwords: after five the login is locked, even with the right one.
    let visitor = driver.browser(1280, 900).await;
    for _ in 0..5 {
        server
            .submit_login(&visitor, LINE_ADMIN.email, "not-the-password")
            .await;
        visitor
            .text_when("#login-problem", |problem| !problem.is_empty())
            .await;
    }
    server
        .submit_login(&visitor, LINE_ADMIN.email, LINE_ADMIN.password)
        .await;
    visitor
        .text_when("#login-problem", |problem| {
            problem.contains("Innloggingen er sperret til")
        })
        .await;
    visitor.screenshot("locked").await;

    for browser in [ola, per, anne, visitor] {
        browser.close().await;
    }
}
