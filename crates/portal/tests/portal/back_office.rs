//! The operator's back office over HTTP: who gets in, the lists, answering and approving a
//! verification request (with a fresh login), creating the Connect service, the audit log's
//! filters, and both languages.

use sentral_domain::EntityId;
use sentral_services::platform::Actor;
use sentral_services::portal::demo::{DEALER, OPERATOR, SUPER_ADMIN};

use crate::harness::PortalServer;

/// The text between `start` and the next `end` after it.
pub fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let at = body
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in page:\n{body}"))
        + start.len();
    let rest = &body[at..];
    &rest[..rest.find(end).expect("end")]
}

/// The id of the demo pilot, asked to be verified.
pub async fn requested_demo_pilot(server: &PortalServer) -> EntityId {
    let apps = server.platform.list_applications(None).await.unwrap();
    let pilot = apps
        .iter()
        .find(|view| view.app.name == "Demo Switchboard")
        .unwrap()
        .app
        .id
        .clone();
    server
        .platform
        .request_verification(&Actor("cli".into()), &pilot)
        .await
        .unwrap();
    pilot
}

#[tokio::test]
async fn only_the_operators_staff_get_into_the_back_office() {
    for server in PortalServer::every_backend().await {
        let mut anonymous = server.browser();
        let page = anonymous.get("/portal/operator/").await;
        assert_eq!(page.status, 303, "{}", server.name);
        assert!(page.location.unwrap().starts_with("/portal/login"));
        for who in [DEALER, SUPER_ADMIN] {
            let mut browser = server.browser();
            browser.login(who.email, who.password).await;
            for path in [
                "/portal/operator/",
                "/portal/operator/piloter",
                "/portal/operator/verifisering",
                "/portal/operator/connect",
                "/portal/operator/logg",
            ] {
                assert_eq!(browser.get(path).await.status, 403, "{} {path}", who.email);
            }
        }
        let mut operator = server.browser();
        operator.login(OPERATOR.email, OPERATOR.password).await;
        let front = operator.visit("/portal/").await;
        assert_eq!(front.status, 200);
        front.assert_contains("id=\"partner-920000002\"");
        front.assert_contains("Per Partner &lt;per@demopartner.no&gt;");
        let pilots = operator.get("/portal/operator/piloter").await;
        pilots.assert_contains("Demo Switchboard");
        pilots.assert_contains("Connect Vendor MBN API Test");
        pilots.assert_contains("på en kundeavtale");
        operator
            .get("/portal/lang?set=en&next=/portal/operator/piloter")
            .await;
        let english = operator.get("/portal/operator/piloter").await;
        english.assert_contains("Pilot applications");
        english.assert_contains("on a customer agreement");
        server.stop().await;
    }
}

#[tokio::test]
async fn the_operator_asks_for_documentation_then_approves_and_creates_the_connect_service() {
    for server in PortalServer::every_backend().await {
        let pilot = requested_demo_pilot(&server).await;
        let mut operator = server.browser();
        operator.login(OPERATOR.email, OPERATOR.password).await;
        let page = operator.get("/portal/operator/verifisering").await;
        assert_eq!(page.status, 200, "{}", server.name);
        page.assert_contains(&format!("id=\"request-{pilot}\""));
        page.assert_contains("Sum");

        let answered = operator
            .post(
                &format!("/portal/operator/verifisering/{pilot}/svar"),
                &[
                    ("kind", "documentation"),
                    ("message", "Send oss en beskrivelse av løsningen."),
                ],
            )
            .await;
        assert_eq!(answered.status, 303);
        let page = operator.get(answered.location.as_deref().unwrap()).await;
        page.assert_contains("Partneren er bedt om dokumentasjon.");
        page.assert_contains("Send oss en beskrivelse av løsningen.");
        // The partner reads the same answer.
        let partner = server
            .platform
            .portal_login(SUPER_ADMIN.email, SUPER_ADMIN.password)
            .await
            .unwrap()
            .session
            .user;
        let answer = server
            .platform
            .verification_answer(&partner, &pilot)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(answer.message, "Send oss en beskrivelse av løsningen.");

        // An old login is asked for the password again before approving.
        server.advance_clock(11 * 60).await;
        let page = operator.get("/portal/operator/verifisering").await;
        assert_eq!(page.status, 200);
        let stale = operator
            .post(
                &format!("/portal/operator/verifisering/{pilot}/godkjenn"),
                &[],
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
        operator.get(stale.location.as_deref().unwrap()).await;
        let again = operator
            .post(
                "/portal/reauth",
                &[
                    ("password", OPERATOR.password),
                    ("next", "/portal/operator/verifisering"),
                ],
            )
            .await;
        assert_eq!(again.status, 303);
        operator.get("/portal/operator/verifisering").await;
        let approved = operator
            .post(
                &format!("/portal/operator/verifisering/{pilot}/godkjenn"),
                &[],
            )
            .await;
        assert_eq!(approved.status, 200, "{}", approved.body);
        approved.assert_contains("Applikasjonen er godkjent");
        let secret = between(&approved.body, "id=\"production-client-secret\">", "<");
        assert_eq!(secret.len(), 48);
        assert_eq!(approved.headers.get("cache-control").unwrap(), "no-store");
        let page = operator.get("/portal/operator/verifisering").await;
        page.assert_contains("id=\"no-requests\"");

        // The Connect service, made as its own action.
        let page = operator.get("/portal/operator/connect").await;
        page.assert_contains("id=\"no-services\"");
        let app_id = between(&page.body, "<option value=\"", "\"").to_owned();
        let created = operator
            .post(
                "/portal/operator/connect",
                &[("app_id", app_id.as_str()), ("solution", "Switch Board")],
            )
            .await;
        assert_eq!(created.status, 303, "{}", created.body);
        let page = operator.get(created.location.as_deref().unwrap()).await;
        page.assert_contains("Connect-tjenesten er laget.");
        page.assert_contains("id=\"service-ConnectDemoPartnerASSwitchBoard\"");
        page.assert_contains("id=\"no-candidates\"");
        let twice = operator
            .post(
                "/portal/operator/connect",
                &[("app_id", app_id.as_str()), ("solution", "Again")],
            )
            .await;
        assert_eq!(twice.status, 403);

        // The audit log, filtered by the operator and an action prefix.
        let log = operator
            .get("/portal/operator/logg?actor=portal%3Aolga%40operator.example&action=application.")
            .await;
        assert_eq!(log.status, 200);
        log.assert_contains("application.approve");
        log.assert_contains("application.answer-verification");
        assert!(!log.contains("connect-service.create"));
        assert!(!log.contains("portal.login</td>"));
        log.assert_contains("2 hendelser");
        let none = operator.get("/portal/operator/logg?from=2999-01-01").await;
        none.assert_contains("id=\"no-entries\"");
        let bad = operator.get("/portal/operator/logg?from=yesterday").await;
        assert_eq!(bad.status, 400);
        server.stop().await;
    }
}
