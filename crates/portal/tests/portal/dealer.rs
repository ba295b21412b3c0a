//! The dealer ordering system over HTTP: who gets in, *Søk bedriftskunde*, *Kundeinformasjon*,
//! and adding a Connect service under the MBN agreement's *Tjenester* — after which the
//! partner's production application reads the customer.

use sentral_domain::Secret;
use sentral_services::auth::{ClientAuthMethod, GrantRequest};
use sentral_services::corporate::PageRequest;
use sentral_services::portal::demo::{DEALER, OPERATOR, SUPER_ADMIN};

use crate::back_office::{between, requested_demo_pilot};
use crate::harness::PortalServer;

#[tokio::test]
async fn only_dealers_get_into_the_ordering_system() {
    for server in PortalServer::every_backend().await {
        let mut anonymous = server.browser();
        let page = anonymous.get("/forhandler/").await;
        assert_eq!(page.status, 303, "{}", server.name);
        for who in [OPERATOR, SUPER_ADMIN] {
            let mut browser = server.browser();
            browser.login(who.email, who.password).await;
            assert_eq!(
                browser.get("/forhandler/").await.status,
                403,
                "{}",
                who.email
            );
            assert_eq!(browser.get("/forhandler/kunde/930000027").await.status, 403);
        }
        let mut dealer = server.browser();
        dealer.login(DEALER.email, DEALER.password).await;
        let front = dealer.visit("/portal/").await;
        assert_eq!(front.status, 200);
        front.assert_contains("Søk bedriftskunde");
        for label in [
            "IMEI-nummer",
            "Avtalenummer",
            "Organisasjonsnummer (9 siffer)",
            "Konto",
            "Telefonnummer/ID",
            "Fornavn",
            "Etternavn",
            "Fødselsdato (ddmmåååå)",
        ] {
            front.assert_contains(label);
        }
        dealer.get("/portal/lang?set=en&next=/forhandler/").await;
        dealer
            .get("/forhandler/")
            .await
            .assert_contains("Find a business customer");
        server.stop().await;
    }
}

#[tokio::test]
async fn a_dealer_finds_the_customer_and_sees_kundeinformasjon() {
    for server in PortalServer::every_backend().await {
        let mut dealer = server.browser();
        dealer.login(DEALER.email, DEALER.password).await;
        let hits = dealer.get("/forhandler/?telefon=92000001").await;
        assert_eq!(hits.status, 200, "{}", server.name);
        hits.assert_contains("id=\"hit-930000027\"");
        hits.assert_contains("Demo Kunde To AS");
        let imei = dealer.get("/forhandler/?imei=350000091000001").await;
        imei.assert_contains("id=\"hit-930000000\"");
        let none = dealer.get("/forhandler/?orgnr=999999999").await;
        none.assert_contains("id=\"no-hits\"");
        let bad = dealer.get("/forhandler/?orgnr=12345").await;
        assert_eq!(bad.status, 400);
        bad.assert_contains("id=\"search-problem\"");
        bad.assert_contains("value=\"12345\"");
        let bad_date = dealer.get("/forhandler/?fodselsdato=31022000").await;
        assert_eq!(bad_date.status, 400);

        let page = dealer.get("/forhandler/kunde/930000000").await;
        assert_eq!(page.status, 200);
        page.assert_contains("Kundeinformasjon");
        page.assert_contains("Org.nr 930000000");
        page.assert_contains("Segment: Småbedrift Plus");
        page.assert_contains("Torill Kundeansvarlig");
        page.assert_contains("id=\"subs-total\">48<");
        page.assert_contains("id=\"subs-binding\">7<");
        page.assert_contains("id=\"subs-postpaid\">46<");
        page.assert_contains("id=\"subs-prepaid\">2<");
        page.assert_contains("id=\"subs-in-order\">1<");
        page.assert_contains("Avtaleprodukter");
        page.assert_contains(
            "Avtalenummer: 10000001, aktiv siden 01.01.24 Avtaleeier: Demo Kunde AS",
        );
        let second = dealer.get("/forhandler/kunde/930000027").await;
        second.assert_contains("id=\"open-agreement-10000002\"");
        second.assert_contains("Prisavtale");
        assert!(
            !second.contains("id=\"open-agreement-20000002\""),
            "only the MBN agreement opens"
        );
        assert_eq!(dealer.get("/forhandler/kunde/999999999").await.status, 404);
        assert_eq!(dealer.get("/forhandler/avtale/20000002").await.status, 403);
        server.stop().await;
    }
}

#[tokio::test]
async fn adding_the_connect_service_lets_the_production_application_read_the_customer() {
    for server in PortalServer::every_backend().await {
        let platform = server.platform.clone();
        let pilot = requested_demo_pilot(&server).await;
        let operator_user = platform
            .portal_login(OPERATOR.email, OPERATOR.password)
            .await
            .unwrap()
            .session
            .user;
        let production = platform
            .approve_pilot(&operator_user, &pilot)
            .await
            .unwrap();
        let service = platform
            .create_connect_service(&operator_user, &production.app.id, "Switch Board")
            .await
            .unwrap();

        let mut dealer = server.browser();
        dealer.login(DEALER.email, DEALER.password).await;
        let page = dealer.get("/forhandler/avtale/10000002").await;
        assert_eq!(page.status, 200, "{}", server.name);
        page.assert_contains("id=\"no-services\"");
        page.assert_contains(&format!("<option value=\"{}\">", service.name));
        let added = dealer
            .post(
                "/forhandler/avtale/10000002/tjenester",
                &[
                    ("service", service.name.as_str()),
                    ("contact_name", "Kari Kontakt"),
                    ("contact_mobile", "99000077"),
                    ("contact_email", "kari@demokundeto.no"),
                ],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
        let page = dealer.get(added.location.as_deref().unwrap()).await;
        page.assert_contains(&format!("id=\"service-{}\"", service.name));
        page.assert_contains("Connect-tjeneste");
        page.assert_contains("passordet er sendt på SMS til 4799000077");
        page.assert_contains("id=\"none-available\"");
        let username = between(&page.body, "Ny systembruker ", " ").to_owned();

        // The production application, with the new system user, reads Demo Kunde To AS.
        let mut conn = platform.store().read().await.unwrap();
        let sms = sentral_store::records::sms_outbox(&mut conn, 5)
            .await
            .unwrap();
        drop(conn);
        let message = sms.iter().find(|m| m.to.as_str() == "4799000077").unwrap();
        let password = message.text.rsplit(' ').next().unwrap();
        let grant = platform
            .grant(
                production.client_id.as_str(),
                &production.client_secret,
                ClientAuthMethod::Basic,
                GrantRequest::Password {
                    username,
                    password: Secret::new(password),
                },
                None,
            )
            .await
            .unwrap();
        let principal = platform
            .authenticate_bearer(grant.access_token.expose())
            .await
            .unwrap();
        let accounts = platform
            .accounts(&principal, PageRequest::new(None, None, 100).unwrap())
            .await
            .unwrap();
        assert_eq!(accounts.total, 2);
        assert!(
            accounts
                .items
                .iter()
                .all(|view| view.account.owner.as_str() == "930000027")
        );

        // Every change is in the back office's audit log under the dealer.
        let mut operator = server.browser();
        operator.login(OPERATOR.email, OPERATOR.password).await;
        let log = operator
            .get("/portal/operator/logg?actor=portal%3Adag%40demoforhandler.no&action=agreement.")
            .await;
        log.assert_contains("agreement.add-connect-service");
        log.assert_contains("10000002");
        server.stop().await;
    }
}
