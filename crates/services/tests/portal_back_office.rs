//! The operator's back office and the dealer ordering system, on SQLite and (when
//! `SENTRAL_TEST_DATABASE_URL` is set) PostgreSQL: listing partners and pilots, answering and
//! approving a verification request, creating the Connect service, the filtered audit log,
//! searching business customers, the customer page, and the journey "the production
//! application cannot read Demo Kunde To AS, a dealer adds the Connect service, now it can".

use sentral_domain::{EntityId, OrgNumber, Secret, Timestamp};
use sentral_services::admin::IssuedCredentials;
use sentral_services::auth::{ClientAuthMethod, GrantRequest};
use sentral_services::corporate::PageRequest;
use sentral_services::demo::{
    CLIENT_ID, CLIENT_SECRET, CUSTOMER_ORG, SYSTEM_USER, SYSTEM_USER_PASSWORD,
};
use sentral_services::platform::Actor;
use sentral_services::portal::back_office::{AnswerKind, AuditQuery};
use sentral_services::portal::dealer::{AddConnectServiceForm, CustomerSearchForm};
use sentral_services::portal::dealer_demo::{
    SECOND_CUSTOMER_ORG, SECOND_MBN_AGREEMENT_ID, SECOND_PRICE_AGREEMENT_ID, demo_imei,
};
use sentral_services::portal::demo::{DEALER, OPERATOR, SUPER_ADMIN};
use sentral_services::portal::{PortalFailure, PortalUser};
use sentral_services::{Platform, Principal, ServiceError};

#[path = "support/portal_world.rs"]
mod portal_world;

use portal_world::{login, worlds};

fn cli() -> Actor {
    Actor("cli".into())
}

fn org(number: &str) -> OrgNumber {
    OrgNumber::parse(number).unwrap()
}

fn assert_forbidden<T: std::fmt::Debug>(result: Result<T, ServiceError>) {
    match result {
        Err(ServiceError::Portal(PortalFailure::Forbidden(_))) => {}
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

fn demo_pilot_id(pilots: &[sentral_services::portal::back_office::PilotOverview]) -> EntityId {
    pilots
        .iter()
        .find(|pilot| pilot.app.name == "Demo Switchboard")
        .unwrap()
        .app
        .id
        .clone()
}

/// The demo pilot asked for verification, approved by the operator, with its Connect service.
async fn approved_demo_pilot(
    platform: &Platform,
    operator: &PortalUser,
) -> (IssuedCredentials, String) {
    let pilot = demo_pilot_id(&platform.back_office_pilots(operator).await.unwrap());
    platform.request_verification(&cli(), &pilot).await.unwrap();
    let production = platform.approve_pilot(operator, &pilot).await.unwrap();
    let service = platform
        .create_connect_service(operator, &production.app.id, "Switch Board")
        .await
        .unwrap();
    (production, service.name)
}

async fn principal(
    platform: &Platform,
    client_id: &str,
    secret: &str,
    user: &str,
    password: &str,
) -> Principal {
    let grant = platform
        .grant(
            client_id,
            &Secret::new(secret),
            ClientAuthMethod::Basic,
            GrantRequest::Password {
                username: user.into(),
                password: Secret::new(password),
            },
            None,
        )
        .await
        .unwrap();
    platform
        .authenticate_bearer(grant.access_token.expose())
        .await
        .unwrap()
}

/// The owners of the accounts the principal reads through the corporate service.
async fn account_owners(platform: &Platform, principal: &Principal) -> Vec<String> {
    let page = PageRequest::new(None, Some(1000), 1000).unwrap();
    let mut owners: Vec<String> = platform
        .accounts(principal, page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|view| view.account.owner.as_str().to_owned())
        .collect();
    owners.dedup();
    owners
}

#[tokio::test]
async fn the_back_office_lists_partners_and_pilots_for_the_operator_only() {
    for world in worlds("back_office_lists").await {
        let platform = &world.platform;
        let operator = login(platform, OPERATOR).await;
        let partners = platform.back_office_partners(&operator).await.unwrap();
        let demo = partners
            .iter()
            .find(|p| p.partner.name == "Demo Partner AS")
            .unwrap_or_else(|| panic!("{}: {partners:?}", world.backend));
        assert_eq!(
            demo.super_admins
                .iter()
                .map(|admin| admin.email.as_str())
                .collect::<Vec<_>>(),
            vec![SUPER_ADMIN.email]
        );
        assert!(demo.applications >= 1);
        let pilots = platform.back_office_pilots(&operator).await.unwrap();
        let pilot = pilots
            .iter()
            .find(|pilot| pilot.app.name == "Demo Switchboard")
            .unwrap();
        assert!(
            pilot.has_test_product,
            "the demo agreement carries the test product"
        );
        assert!(pilot.answer.is_none());
        assert!(
            platform
                .verification_requests(&operator)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            platform
                .back_office_connect_services(&operator)
                .await
                .unwrap()
                .is_empty()
        );

        for other in [
            login(platform, DEALER).await,
            login(platform, SUPER_ADMIN).await,
        ] {
            assert_forbidden(platform.back_office_partners(&other).await);
            assert_forbidden(platform.back_office_pilots(&other).await);
            assert_forbidden(
                platform
                    .back_office_audit_log(&other, &AuditQuery::default())
                    .await,
            );
            assert_forbidden(
                platform
                    .create_connect_service(&other, &pilot.app.id, "X")
                    .await,
            );
        }
        world.cleanup().await;
    }
}

#[tokio::test]
async fn the_operator_answers_approves_and_creates_the_connect_service_audited() {
    for world in worlds("back_office_verification").await {
        let platform = &world.platform;
        let operator = login(platform, OPERATOR).await;
        let partner_admin = login(platform, SUPER_ADMIN).await;
        let pilot = demo_pilot_id(&platform.back_office_pilots(&operator).await.unwrap());
        assert!(
            platform
                .answer_verification(&operator, &pilot, AnswerKind::Meeting, "Når passer det?")
                .await
                .is_err(),
            "no verification was asked for"
        );
        platform.request_verification(&cli(), &pilot).await.unwrap();
        let requests = platform.verification_requests(&operator).await.unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(
            requests[0].quote.lines.len(),
            requests[0].pilot.app.products.len()
        );

        // Ask for documentation: the partner sees the answer on its application.
        assert!(matches!(
            platform
                .answer_verification(&operator, &pilot, AnswerKind::Documentation, "  ")
                .await,
            Err(ServiceError::Invalid { .. })
        ));
        platform.advance_clock(1).await.unwrap();
        platform
            .answer_verification(
                &operator,
                &pilot,
                AnswerKind::Documentation,
                "Send oss en beskrivelse av løsningen.",
            )
            .await
            .unwrap();
        let answer = platform
            .verification_answer(&partner_admin, &pilot)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(answer.kind, AnswerKind::Documentation);
        assert_eq!(answer.message, "Send oss en beskrivelse av løsningen.");
        assert_eq!(answer.answered_by, OPERATOR.name);
        let listed = platform.verification_requests(&operator).await.unwrap();
        assert_eq!(listed[0].pilot.answer.as_ref(), Some(&answer));
        assert_forbidden(
            platform
                .verification_answer(&login(platform, DEALER).await, &pilot)
                .await,
        );

        // Approving needs a fresh login.
        let mut stale = operator.clone();
        stale.authenticated_at = Timestamp::from_millis(0);
        match platform.approve_pilot(&stale, &pilot).await {
            Err(ServiceError::Portal(PortalFailure::FreshLoginRequired { .. })) => {}
            other => panic!("{}: {other:?}", world.backend),
        }
        assert_forbidden(platform.approve_pilot(&partner_admin, &pilot).await);
        platform.advance_clock(1).await.unwrap();
        let production = platform.approve_pilot(&operator, &pilot).await.unwrap();
        assert_eq!(production.app.pilot_id.as_ref(), Some(&pilot));
        assert!(
            platform.approve_pilot(&operator, &pilot).await.is_err(),
            "approved once"
        );
        assert!(
            platform
                .verification_requests(&operator)
                .await
                .unwrap()
                .is_empty()
        );
        let productions = platform
            .back_office_production_applications(&operator)
            .await
            .unwrap();
        assert_eq!(productions.len(), 1);
        assert_eq!(productions[0].connect_service, None);

        // The Connect service is its own action, on a production application, once.
        assert!(matches!(
            platform
                .create_connect_service(&operator, &pilot, "Switch Board")
                .await,
            Err(ServiceError::NotAllowed(_))
        ));
        platform.advance_clock(1).await.unwrap();
        let service = platform
            .create_connect_service(&operator, &production.app.id, "Switch Board")
            .await
            .unwrap();
        assert_eq!(service.name, "ConnectDemoPartnerASSwitchBoard");
        assert!(matches!(
            platform
                .create_connect_service(&operator, &production.app.id, "Other")
                .await,
            Err(ServiceError::NotAllowed(_))
        ));
        let services = platform
            .back_office_connect_services(&operator)
            .await
            .unwrap();
        assert_eq!(services.len(), 1);
        assert_eq!(services[0].partner_name, "Demo Partner AS");
        assert_eq!(services[0].agreements, 0);

        // The audit log with filters, newest first.
        let mine = AuditQuery {
            actor: Some(operator.actor().0),
            page: 1,
            ..AuditQuery::default()
        };
        let page = platform
            .back_office_audit_log(&operator, &mine)
            .await
            .unwrap();
        let actions: Vec<&str> = page.entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            vec![
                "connect-service.create",
                "application.approve",
                "application.answer-verification",
                "portal.login"
            ],
            "{}",
            world.backend
        );
        assert_eq!(page.total, 4);
        let prefix = AuditQuery {
            action_prefix: Some("application.".into()),
            target: Some(pilot.as_str().into()),
            ..AuditQuery::default()
        };
        let page = platform
            .back_office_audit_log(&operator, &prefix)
            .await
            .unwrap();
        let actions: Vec<&str> = page.entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            vec![
                "application.approve",
                "application.answer-verification",
                "application.request-verification",
                "application.create"
            ]
        );
        let later = AuditQuery {
            from: Some(platform.now().plus_seconds(60)),
            ..AuditQuery::default()
        };
        assert_eq!(
            platform
                .back_office_audit_log(&operator, &later)
                .await
                .unwrap()
                .total,
            0
        );
        let all = platform
            .back_office_audit_log(&operator, &AuditQuery::default())
            .await
            .unwrap();
        assert!(all.total > 3);
        let beyond = AuditQuery {
            page: all.pages + 1,
            ..AuditQuery::default()
        };
        assert!(
            platform
                .back_office_audit_log(&operator, &beyond)
                .await
                .unwrap()
                .entries
                .is_empty()
        );
        world.cleanup().await;
    }
}

#[tokio::test]
async fn a_dealer_finds_business_customers_and_sees_their_customer_page() {
    for world in worlds("dealer_search").await {
        let platform = &world.platform;
        let dealer = login(platform, DEALER).await;
        let search = |form: CustomerSearchForm| {
            let dealer = dealer.clone();
            async move {
                platform
                    .dealer_search_customers(&dealer, &form)
                    .await
                    .map(|hits| {
                        hits.into_iter()
                            .map(|hit| hit.org_number.to_string())
                            .collect::<Vec<_>>()
                    })
            }
        };
        let by = |set: fn(&mut CustomerSearchForm, String), value: &str| {
            let mut form = CustomerSearchForm::default();
            set(&mut form, value.to_owned());
            form
        };
        assert_eq!(
            search(by(|f, v| f.imei = v, &demo_imei(91_000_001)))
                .await
                .unwrap(),
            vec![CUSTOMER_ORG]
        );
        assert_eq!(
            search(by(|f, v| f.phone = v, "92 00 00 01")).await.unwrap(),
            vec![SECOND_CUSTOMER_ORG]
        );
        assert_eq!(
            search(by(|f, v| f.org_number = v, SECOND_CUSTOMER_ORG))
                .await
                .unwrap(),
            vec![SECOND_CUSTOMER_ORG]
        );
        assert_eq!(
            search(by(|f, v| f.agreement = v, SECOND_MBN_AGREEMENT_ID))
                .await
                .unwrap(),
            vec![SECOND_CUSTOMER_ORG]
        );
        let name = CustomerSearchForm {
            first_name: "kari".into(),
            last_name: "NORDMANN".into(),
            ..CustomerSearchForm::default()
        };
        assert!(
            search(name)
                .await
                .unwrap()
                .contains(&CUSTOMER_ORG.to_owned())
        );
        let both = CustomerSearchForm {
            first_name: "Kari".into(),
            phone: "92000001".into(),
            ..CustomerSearchForm::default()
        };
        assert_eq!(
            search(both).await.unwrap(),
            vec![SECOND_CUSTOMER_ORG],
            "one and the same subscription"
        );
        let born = search(by(|f, v| f.birth_date = v, "01011960"))
            .await
            .unwrap();
        assert!(
            born.contains(&SECOND_CUSTOMER_ORG.to_owned())
                && born.contains(&CUSTOMER_ORG.to_owned()),
            "{born:?}"
        );
        let mut conn = platform.store().read().await.unwrap();
        let row = sentral_store::db::query(
            "SELECT id FROM corporate_accounts WHERE owner_org = $1 ORDER BY id",
        )
        .bind(SECOND_CUSTOMER_ORG)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        drop(conn);
        let account: String = row.try_get("id").unwrap();
        assert_eq!(
            search(by(|f, v| f.account = v, &account)).await.unwrap(),
            vec![SECOND_CUSTOMER_ORG]
        );
        assert!(
            search(by(|f, v| f.phone = v, "99999999"))
                .await
                .unwrap()
                .is_empty()
        );
        for bad in [
            by(|f, v| f.org_number = v, "12345"),
            by(|f, v| f.birth_date = v, "31022000"),
            by(|f, v| f.imei = v, "35abc"),
            CustomerSearchForm::default(),
        ] {
            assert!(matches!(
                search(bad).await,
                Err(ServiceError::Invalid { .. })
            ));
        }
        assert_forbidden(
            platform
                .dealer_search_customers(
                    &login(platform, OPERATOR).await,
                    &by(|f, v| f.phone = v, "92000001"),
                )
                .await,
        );

        let page = platform
            .dealer_customer(&dealer, &org(CUSTOMER_ORG))
            .await
            .unwrap();
        assert_eq!(page.name, "Demo Kunde AS");
        assert_eq!(page.segment.as_deref(), Some("Småbedrift Plus"));
        assert_eq!(
            page.account_manager.as_ref().unwrap().name,
            "Torill Kundeansvarlig"
        );
        assert!(page.address.is_some());
        let subs = page.subscriptions;
        assert_eq!(
            (
                subs.total,
                subs.with_binding,
                subs.postpaid,
                subs.prepaid,
                subs.in_order
            ),
            (48, 7, 46, 2, 1)
        );
        assert_eq!(page.agreements.len(), 1);
        assert!(page.agreements[0].is_mbn);
        assert_eq!(page.agreements[0].owner_name, "Demo Kunde AS");

        let second = platform
            .dealer_customer(&dealer, &org(SECOND_CUSTOMER_ORG))
            .await
            .unwrap();
        assert_eq!(second.name, "Demo Kunde To AS");
        assert_eq!(second.subscriptions.total, 6);
        let ids: Vec<&str> = second.agreements.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![SECOND_MBN_AGREEMENT_ID, SECOND_PRICE_AGREEMENT_ID]
        );
        assert!(matches!(
            platform
                .dealer_customer(&dealer, &org("920000002"))
                .await
                .map(|p| p.subscriptions.total),
            Ok(0)
        ));
        assert!(matches!(
            platform.dealer_customer(&dealer, &org("999999999")).await,
            Err(ServiceError::NotFound { .. })
        ));
        let agreement = platform
            .dealer_mbn_agreement(&dealer, SECOND_MBN_AGREEMENT_ID)
            .await
            .unwrap();
        assert!(agreement.services.is_empty());
        assert!(
            agreement.available.is_empty(),
            "no Connect service exists yet"
        );
        assert!(matches!(
            platform
                .dealer_mbn_agreement(&dealer, SECOND_PRICE_AGREEMENT_ID)
                .await,
            Err(ServiceError::NotAllowed(_))
        ));
        world.cleanup().await;
    }
}

#[tokio::test]
async fn the_production_application_reads_the_second_customer_only_after_a_dealer_added_the_service()
 {
    for world in worlds("dealer_connect_service").await {
        let platform = &world.platform;
        let operator = login(platform, OPERATOR).await;
        let dealer = login(platform, DEALER).await;
        let (production, service) = approved_demo_pilot(platform, &operator).await;
        let client = production.client_id.to_string();
        let secret = production.client_secret.expose().to_owned();

        // Before: nobody's application reaches Demo Kunde To AS.
        let prod_demo_user = principal(
            platform,
            &client,
            &secret,
            SYSTEM_USER,
            SYSTEM_USER_PASSWORD,
        )
        .await;
        assert!(
            account_owners(platform, &prod_demo_user).await.is_empty(),
            "no agreement carries the service"
        );
        let pilot_demo_user = principal(
            platform,
            CLIENT_ID,
            CLIENT_SECRET,
            SYSTEM_USER,
            SYSTEM_USER_PASSWORD,
        )
        .await;
        assert!(
            !account_owners(platform, &pilot_demo_user)
                .await
                .contains(&SECOND_CUSTOMER_ORG.to_owned())
        );

        let mbn = platform
            .dealer_mbn_agreement(&dealer, SECOND_MBN_AGREEMENT_ID)
            .await
            .unwrap();
        assert_eq!(mbn.available, vec![service.clone()]);
        let form = AddConnectServiceForm {
            agreement_id: SECOND_MBN_AGREEMENT_ID.into(),
            service_name: service.clone(),
            ..AddConnectServiceForm::default()
        };
        assert!(
            matches!(
                platform.add_customer_connect_service(&dealer, &form).await,
                Err(ServiceError::Invalid { .. })
            ),
            "a new system user needs a contact person"
        );
        assert_forbidden(
            platform
                .add_customer_connect_service(&operator, &form)
                .await,
        );
        let form = AddConnectServiceForm {
            contact_name: "Kari Kontakt".into(),
            contact_mobile: "99 00 00 77".into(),
            contact_email: "kari@demokundeto.no".into(),
            ..form
        };
        let added = platform
            .add_customer_connect_service(&dealer, &form)
            .await
            .unwrap();
        assert!(added.new_system_user);
        assert_eq!(added.customer.as_str(), SECOND_CUSTOMER_ORG);
        assert_eq!(
            added.password_sent_to.as_ref().map(|m| m.as_str()),
            Some("4799000077")
        );
        assert!(matches!(
            platform.add_customer_connect_service(&dealer, &form).await,
            Err(ServiceError::Conflict { .. })
        ));
        let price = AddConnectServiceForm {
            agreement_id: SECOND_PRICE_AGREEMENT_ID.into(),
            ..form.clone()
        };
        assert!(matches!(
            platform.add_customer_connect_service(&dealer, &price).await,
            Err(ServiceError::NotAllowed(_))
        ));

        // The password went by SMS to the contact person.
        let mut conn = platform.store().read().await.unwrap();
        let sms = sentral_store::records::sms_outbox(&mut conn, 10)
            .await
            .unwrap();
        drop(conn);
        let text = &sms
            .iter()
            .find(|m| m.to.as_str() == "4799000077")
            .unwrap()
            .text;
        let password = text.rsplit(' ').next().unwrap();
        assert!(text.contains(added.system_user.as_str()));

        // After: the production application with the new system user reads the customer.
        let prod_new_user = principal(
            platform,
            &client,
            &secret,
            added.system_user.as_str(),
            password,
        )
        .await;
        assert_eq!(
            account_owners(platform, &prod_new_user).await,
            vec![SECOND_CUSTOMER_ORG],
            "{}",
            world.backend
        );
        // The pilot did not get the customer: the system user is on the Connect service only.
        let pilot_new_user = principal(
            platform,
            CLIENT_ID,
            CLIENT_SECRET,
            added.system_user.as_str(),
            password,
        )
        .await;
        assert!(account_owners(platform, &pilot_new_user).await.is_empty());
        let mbn = platform
            .dealer_mbn_agreement(&dealer, SECOND_MBN_AGREEMENT_ID)
            .await
            .unwrap();
        assert_eq!(mbn.services.len(), 1);
        assert!(mbn.services[0].connect_service);
        assert!(mbn.available.is_empty());
        assert_eq!(
            platform
                .back_office_connect_services(&operator)
                .await
                .unwrap()[0]
                .agreements,
            1
        );

        // On the first customer's agreement the partner's system user is kept.
        let first = AddConnectServiceForm {
            agreement_id: "10000001".into(),
            service_name: service.clone(),
            ..AddConnectServiceForm::default()
        };
        platform.advance_clock(1).await.unwrap();
        let kept = platform
            .add_customer_connect_service(&dealer, &first)
            .await
            .unwrap();
        assert!(!kept.new_system_user);
        assert_eq!(kept.system_user.as_str(), SYSTEM_USER);
        let prod_demo_user = principal(
            platform,
            &client,
            &secret,
            SYSTEM_USER,
            SYSTEM_USER_PASSWORD,
        )
        .await;
        let owners = account_owners(platform, &prod_demo_user).await;
        assert!(
            owners.contains(&CUSTOMER_ORG.to_owned())
                && !owners.contains(&SECOND_CUSTOMER_ORG.to_owned()),
            "{owners:?}"
        );

        // Every change is audited under the dealer.
        let query = AuditQuery {
            actor: Some(dealer.actor().0),
            ..AuditQuery::default()
        };
        let page = platform
            .back_office_audit_log(&operator, &query)
            .await
            .unwrap();
        let mut actions: Vec<&str> = page.entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions.remove(0), "agreement.add-connect-service");
        assert_eq!(actions.pop(), Some("portal.login"));
        // Written in one transaction at one time: in either order.
        actions.sort_unstable();
        assert_eq!(
            actions,
            vec!["agreement.add-connect-service", "system-user.create"]
        );
        world.cleanup().await;
    }
}
