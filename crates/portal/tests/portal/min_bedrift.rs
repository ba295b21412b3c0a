//! Min Bedrift over HTTP: the administrators' table and rights changed by the
//! super-administrator (and refused to others), the API pages refused without *APIer*, the
//! application's pages (Bytt konto, Få produksjonsversjon, Verifiser, Slett), another partner's
//! application unreachable by URL, and the system user settings with a new password by SMS.

use sentral_domain::Secret;
use sentral_services::auth::{ClientAuthMethod, GrantRequest};
use sentral_services::demo::{CLIENT_ID, CLIENT_SECRET, SYSTEM_USER, SYSTEM_USER_PASSWORD};
use sentral_services::portal::demo::{DEVELOPER_ADMIN, LINE_ADMIN, SUPER_ADMIN};

use crate::back_office::between;
use crate::harness::PortalServer;

fn kari_id(body: &str) -> String {
    let body = &body[body.find("id=\"administrators\"").expect("the table")..];
    let before = &body[..body.find(DEVELOPER_ADMIN.name).expect("Kari in the table")];
    let at = before.rfind("id=\"admin-").expect("Kari's row") + "id=\"admin-".len();
    before[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_super_administrator_grants_apis_and_the_rights_apply_on_the_next_page() {
    for server in PortalServer::every_backend().await {
        let mut kari = server.browser();
        kari.login(DEVELOPER_ADMIN.email, DEVELOPER_ADMIN.password)
            .await;
        let table = kari.get("/portal/administratorer").await;
        assert_eq!(table.status, 200, "{}", server.name);
        table.assert_contains("Sist innlogget");
        table.assert_contains("Mobilt Bedriftsnett");
        assert!(!table.contains("id=\"new-admin\""));
        let id = kari_id(&table.body);
        assert!(table.contains(&format!("id=\"right-{id}-apis\"><span class=\"muted\">–")));
        // Without APIer the API pages are refused, and so are the rights forms.
        assert_eq!(kari.get("/portal/apier").await.status, 403);
        assert_eq!(kari.get("/portal/apier/ny").await.status, 403);
        assert_eq!(kari.get("/portal/administratorer/ny").await.status, 403);
        kari.get(&format!("/portal/administratorer/{id}")).await;
        let refused = kari
            .post(
                &format!("/portal/administratorer/{id}"),
                &[("rights", "apis")],
            )
            .await;
        assert_eq!(refused.status, 403);

        let mut per = server.browser();
        per.login(SUPER_ADMIN.email, SUPER_ADMIN.password).await;
        per.get("/portal/administratorer")
            .await
            .assert_contains("id=\"new-admin\"");
        per.get(&format!("/portal/administratorer/{id}")).await;
        let changed = per
            .post(
                &format!("/portal/administratorer/{id}"),
                &[("rights", "mobile"), ("rights", "mbn"), ("rights", "apis")],
            )
            .await;
        assert_eq!(changed.status, 303, "{}", changed.body);
        let page = per.visit(changed.location.as_deref().unwrap()).await;
        page.assert_contains("Rettighetene er endret");
        // A form from another site or without the token is refused.
        let forged = per
            .post_with(
                &format!("/portal/administratorer/{id}"),
                &[("rights", "apis")],
                None,
                "same-origin",
            )
            .await;
        assert_eq!(forged.status, 403);

        // Kari's session reads the rights on her next page.
        let apps = kari.get("/portal/apier").await;
        assert_eq!(apps.status, 200, "{}", server.name);
        apps.assert_contains("Pilotapplikasjoner (");
        apps.assert_contains("Produksjonsapplikasjoner (");
        server.stop().await;
    }
}

#[tokio::test]
async fn the_application_pages_price_list_verification_and_deletion() {
    for server in PortalServer::every_backend().await {
        let mut per = server.browser();
        per.login(SUPER_ADMIN.email, SUPER_ADMIN.password).await;
        let apps = per.get("/portal/apier").await;
        assert_eq!(apps.status, 200, "{}", server.name);
        let before_name = &apps.body[..apps.body.find("Demo Switchboard").unwrap()];
        let at = before_name.rfind("id=\"open-app-").unwrap() + "id=\"open-app-".len();
        let pilot = before_name[at..].split('"').next().unwrap().to_owned();
        let page = per.get(&format!("/portal/apier/{pilot}")).await;
        page.assert_contains("Bytt konto");
        page.assert_contains("href=\"/portal/developer/\"");
        page.assert_contains("Pilotering");
        let changed = per
            .post(
                &format!("/portal/apier/{pilot}/konto"),
                &[("account", "55000009")],
            )
            .await;
        assert_eq!(changed.status, 303, "{}", changed.body);
        per.visit(changed.location.as_deref().unwrap())
            .await
            .assert_contains("<dd id=\"app-account\">55000009</dd>");
        let bad = per
            .post(
                &format!("/portal/apier/{pilot}/konto"),
                &[("account", "12")],
            )
            .await;
        assert_eq!(bad.status, 400);
        // Få produksjonsversjon: the price list and the request.
        let prices = per.get(&format!("/portal/apier/{pilot}/produksjon")).await;
        assert_eq!(prices.status, 200);
        prices.assert_contains(&format!(
            "Fast månedlig pris: {}",
            sentral_portal::format::nok(6000)
        ));
        prices.assert_contains(&format!(
            "Etableringskostnad: {}",
            sentral_portal::format::nok(20000)
        ));
        prices.assert_contains("Totalt");
        let verified = per
            .post(&format!("/portal/apier/{pilot}/produksjon"), &[])
            .await;
        assert_eq!(verified.status, 303, "{}", verified.body);
        let page = per.visit(verified.location.as_deref().unwrap()).await;
        page.assert_contains("Til verifisering");
        // Ny pilotapplikasjon, then Slett pilotapplikasjon.
        per.get("/portal/apier/ny").await;
        let created = per
            .post(
                "/portal/apier/ny",
                &[("name", "Min nye pilot"), ("products", "mbn-catalog")],
            )
            .await;
        assert_eq!(created.status, 303, "{}", created.body);
        let location = created.location.clone().unwrap();
        let new_id = between(&location, "/portal/apier/", "?").to_owned();
        per.visit(&location).await.assert_contains("Min nye pilot");
        let confirm = per.get(&format!("/portal/apier/{new_id}/slett")).await;
        confirm.assert_contains("id=\"confirm-delete\"");
        let deleted = per
            .post(&format!("/portal/apier/{new_id}/slett"), &[])
            .await;
        assert_eq!(deleted.status, 303);
        assert_eq!(
            per.get(&format!("/portal/apier/{new_id}")).await.status,
            404
        );
        // Another partner's application, or an unknown one, is not found by URL.
        assert_eq!(per.get("/portal/apier/app_nobody").await.status, 404);
        // English.
        per.get("/portal/lang?set=en&next=/portal/apier").await;
        let english = per.get("/portal/apier").await;
        english.assert_contains("Pilot applications (");
        server.stop().await;
    }
}

#[tokio::test]
async fn the_system_user_settings_and_a_new_password_by_sms() {
    for server in PortalServer::every_backend().await {
        let mut ola = server.browser();
        ola.login(LINE_ADMIN.email, LINE_ADMIN.password).await;
        assert_eq!(
            ola.get("/portal/avtaler").await.status,
            403,
            "{}",
            server.name
        );
        assert_eq!(
            ola.get("/portal/avtaler/10000001/systembruker")
                .await
                .status,
            403
        );

        let mut kari = server.browser();
        kari.login(DEVELOPER_ADMIN.email, DEVELOPER_ADMIN.password)
            .await;
        let list = kari.get("/portal/avtaler").await;
        assert_eq!(list.status, 200);
        list.assert_contains("id=\"agreement-10000001\"");
        let agreement = kari.get("/portal/avtaler/10000001").await;
        agreement.assert_contains("Generelt");
        agreement.assert_contains("Avtaleprodukter");
        agreement.assert_contains("Connect Vendor MBN API Test");
        let settings = kari.get("/portal/avtaler/10000001/systembruker").await;
        settings.assert_contains("Innstillinger for systembruker");
        settings.assert_contains(SYSTEM_USER);
        settings.assert_contains("2 bedrifter, 0 kontoer");
        let saved = kari
            .post(
                "/portal/avtaler/10000001/systembruker/kontakt",
                &[
                    ("name", "Kari Utvikler"),
                    ("mobile", "99000002"),
                    ("email", "kari@demopartner.no"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        kari.visit(saved.location.as_deref().unwrap())
            .await
            .assert_contains("Kari Utvikler, 99000002");
        let outside = kari
            .post(
                "/portal/avtaler/10000001/systembruker/tilganger",
                &[("companies", "920000002")],
            )
            .await;
        assert_eq!(outside.status, 400);
        let confirm = kari
            .get("/portal/avtaler/10000001/systembruker/passord")
            .await;
        confirm.assert_contains("Ønsker du å generere og sende et nytt passord?");
        confirm.assert_contains("Det nye passordet sendes til tlf: 99000002");
        confirm.assert_contains("id=\"cancel-password\"");
        let sent = kari
            .post(
                "/portal/avtaler/10000001/systembruker/passord",
                &[("username", SYSTEM_USER)],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        kari.visit(sent.location.as_deref().unwrap())
            .await
            .assert_contains("Et nytt passord er sendt på SMS");
        let mut conn = server.platform.store().read().await.unwrap();
        let sms = sentral_store::records::sms_outbox(&mut conn, 1)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(sms[0].to.as_str(), "4799000002");
        let password = sms[0].text.rsplit(' ').next().unwrap().to_owned();
        let grant = |password: String| {
            let platform = server.platform.clone();
            async move {
                platform
                    .grant(
                        CLIENT_ID,
                        &Secret::new(CLIENT_SECRET),
                        ClientAuthMethod::Basic,
                        GrantRequest::Password {
                            username: SYSTEM_USER.into(),
                            password: Secret::new(password),
                        },
                        None,
                    )
                    .await
            }
        };
        assert!(grant(SYSTEM_USER_PASSWORD.to_owned()).await.is_err());
        assert!(grant(password).await.is_ok());
        // After ten minutes the password must be given again.
        server.advance_clock(11 * 60).await;
        kari.get("/portal/avtaler/10000001/systembruker/passord")
            .await;
        let stale = kari
            .post(
                "/portal/avtaler/10000001/systembruker/passord",
                &[("username", SYSTEM_USER)],
            )
            .await;
        assert_eq!(stale.status, 303);
        assert!(
            stale
                .location
                .as_deref()
                .unwrap()
                .starts_with("/portal/reauth"),
            "{:?}",
            stale.location
        );
        server.stop().await;
    }
}
