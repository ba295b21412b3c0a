//! Min Bedrift for business customers and partners, on SQLite and (when
//! `SENTRAL_TEST_DATABASE_URL` is set) PostgreSQL: administrators and their rights, the
//! partner's applications, the MBN agreement's system user settings and a new password by SMS.

use std::sync::Arc;

use sentral_domain::platform::AdminRight;
use sentral_domain::{ApiProduct, EntityId, OrgNumber, Secret, SystemUserName};
use sentral_services::auth::{ClientAuthMethod, GrantRequest};
use sentral_services::demo::{
    CLIENT_ID, CLIENT_SECRET, CUSTOMER_ORG, MBN_AGREEMENT_ID, SUBSIDIARY_ORG, SYSTEM_USER,
    SYSTEM_USER_PASSWORD,
};
use sentral_services::platform::Actor;
use sentral_services::portal::applications::ApplicationState;
use sentral_services::portal::demo::{DEVELOPER_ADMIN, LINE_ADMIN, SUPER_ADMIN};
use sentral_services::portal::{PortalFailure, PortalUser};
use sentral_services::{Platform, ServiceError};

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

async fn password_grant(
    platform: &Platform,
    client_id: &str,
    secret: &str,
    password: &str,
) -> Result<(), ServiceError> {
    platform
        .grant(
            client_id,
            &Secret::new(secret),
            ClientAuthMethod::Basic,
            GrantRequest::Password {
                username: SYSTEM_USER.into(),
                password: Secret::new(password),
            },
            None,
        )
        .await
        .map(|_| ())
}

async fn last_sms(platform: &Platform) -> (String, String) {
    let mut conn = platform.store().read().await.unwrap();
    let sms = sentral_store::records::sms_outbox(&mut conn, 1)
        .await
        .unwrap();
    (sms[0].to.as_str().to_owned(), sms[0].text.clone())
}

async fn audited(platform: &Platform, action: &str, actor: &str) -> bool {
    let mut conn = platform.store().read().await.unwrap();
    sentral_store::records::audit_log(&mut conn, 200)
        .await
        .unwrap()
        .iter()
        .any(|entry| entry.action == action && entry.actor == actor)
}

#[tokio::test]
async fn a_super_administrator_manages_administrators_and_rights() {
    for world in worlds("administrators").await {
        let platform = &world.platform;
        let backend = world.backend;
        let boss = login(platform, SUPER_ADMIN).await;
        let kari = login(platform, DEVELOPER_ADMIN).await;
        let admins = platform.administrators(&boss).await.unwrap();
        assert_eq!(admins.len(), 3, "{backend}");
        let per = admins
            .iter()
            .find(|a| a.email == SUPER_ADMIN.email)
            .unwrap();
        assert!(per.super_admin && per.is_self && per.has(AdminRight::Apis));
        assert!(per.last_login_at.is_some(), "{backend}: last login shown");
        let kari_line = admins
            .iter()
            .find(|a| a.email == DEVELOPER_ADMIN.email)
            .unwrap()
            .clone();
        assert!(!kari_line.has(AdminRight::Apis));
        // An administrator sees the table but changes nothing.
        assert_eq!(platform.administrators(&kari).await.unwrap().len(), 3);
        assert_forbidden(
            platform
                .set_administrator_rights(&kari, &kari_line.id, &AdminRight::ALL, false)
                .await,
        );
        assert_forbidden(
            platform
                .new_administrator(&kari, "Eve", "eve@x.no", "99000099", &[])
                .await,
        );
        assert_forbidden(platform.portal_applications(&kari).await);
        // The super-administrator grants APIer; the next request of Kari's session has it.
        let changed = platform
            .set_administrator_rights(
                &boss,
                &kari_line.id,
                &[AdminRight::Mobile, AdminRight::Mbn, AdminRight::Apis],
                false,
            )
            .await
            .unwrap();
        assert!(changed.has(AdminRight::Apis), "{backend}");
        let session = platform
            .portal_login(DEVELOPER_ADMIN.email, DEVELOPER_ADMIN.password)
            .await
            .unwrap();
        let again = platform
            .portal_session(session.session_id.expose())
            .await
            .unwrap()
            .unwrap();
        assert!(again.user.has_right(AdminRight::Apis));
        assert!(platform.portal_applications(&again.user).await.is_ok());
        assert!(
            audited(
                platform,
                "administrator.rights",
                "portal:per@demopartner.no"
            )
            .await
        );
        // Nobody takes away their own super-administrator status.
        let own = platform
            .set_administrator_rights(&boss, &per.id, &AdminRight::ALL, false)
            .await;
        assert!(matches!(own, Err(ServiceError::NotAllowed(_))), "{own:?}");
        // Another company's (or an unknown) administrator is not found.
        let other = platform
            .set_administrator_rights(&boss, &EntityId::new("adm_nope"), &[], false)
            .await;
        assert!(
            matches!(other, Err(ServiceError::NotFound { .. })),
            "{other:?}"
        );
        // Ny administrator: the first password goes by SMS and logs in.
        let created = platform
            .new_administrator(
                &boss,
                "Nina Ny",
                "nina@demopartner.no",
                "990 00 077",
                &[AdminRight::Reports],
            )
            .await
            .unwrap();
        assert_eq!(created.password_sent_to.as_str(), "4799000077");
        let (to, text) = last_sms(platform).await;
        assert_eq!(to, "4799000077");
        let password = text.rsplit(' ').next().unwrap().to_owned();
        let nina = platform
            .portal_login("99000077", &password)
            .await
            .unwrap()
            .session
            .user;
        assert!(nina.has_right(AdminRight::Reports) && !nina.is_super_admin());
        assert_eq!(platform.administrators(&boss).await.unwrap().len(), 4);
        let twice = platform
            .new_administrator(&boss, "Nina To", "nina@demopartner.no", "99000078", &[])
            .await;
        assert!(
            matches!(twice, Err(ServiceError::Conflict { .. })),
            "{twice:?}"
        );
        // When the SMS cannot be sent, nothing of the new administrator is left behind.
        platform.set_sms_gateway(Arc::new(BrokenGateway));
        let failed = platform
            .new_administrator(&boss, "Siv Uten", "siv@demopartner.no", "99000079", &[])
            .await;
        assert!(failed.is_err(), "{failed:?}");
        platform.set_sms_gateway(Arc::new(sentral_services::sms::SmsOutbox));
        assert_eq!(platform.administrators(&boss).await.unwrap().len(), 4);
        assert!(
            platform
                .new_administrator(&boss, "Siv Med", "siv@demopartner.no", "99000079", &[])
                .await
                .is_ok(),
            "the e-mail and mobile are free again: no login was left behind"
        );
        world.cleanup().await;
    }
}

/// A gateway that is down.
struct BrokenGateway;

impl sentral_services::sms::SmsGateway for BrokenGateway {
    fn send<'a>(
        &'a self,
        _conn: &'a mut sentral_store::Connection,
        _message: &'a sentral_domain::platform::SmsMessage,
    ) -> sentral_services::sms::SmsFuture<'a> {
        Box::pin(async { Err(ServiceError::Internal("the SMS gateway is down".into())) })
    }
}

#[tokio::test]
async fn a_partner_manages_its_pilot_applications() {
    for world in worlds("applications").await {
        let platform = &world.platform;
        let backend = world.backend;
        let boss = login(platform, SUPER_ADMIN).await;
        let apps = platform.portal_applications(&boss).await.unwrap();
        let pilot = apps
            .pilots
            .iter()
            .find(|line| line.app.name == "Demo Switchboard")
            .unwrap()
            .clone();
        assert_eq!(pilot.state, ApplicationState::Piloting, "{backend}");
        assert!(pilot.api_count > 0);
        let page = platform
            .portal_application(&boss, &pilot.app.id)
            .await
            .unwrap();
        assert_eq!(page.partner_name, "Demo Partner AS");
        assert!(page.answer.is_none());
        // Bytt konto.
        let bad = platform
            .change_billing_account(&boss, &pilot.app.id, "12ab")
            .await;
        assert!(matches!(bad, Err(ServiceError::Invalid { .. })), "{bad:?}");
        let changed = platform
            .change_billing_account(&boss, &pilot.app.id, "55000009")
            .await
            .unwrap();
        assert_eq!(changed.billing_account.as_deref(), Some("55000009"));
        assert!(
            audited(
                platform,
                "application.billing-account",
                "portal:per@demopartner.no"
            )
            .await
        );
        // Få produksjonsversjon: the price list, then the request.
        let quote = platform
            .portal_verification_quote(&boss, &pilot.app.id)
            .await
            .unwrap();
        assert_eq!(quote.lines.len(), pilot.api_count);
        assert_eq!(
            quote.monthly_total_nok,
            quote.lines.iter().map(|l| l.monthly_price_nok).sum::<u32>()
        );
        platform
            .portal_request_verification(&boss, &pilot.app.id)
            .await
            .unwrap();
        let page = platform
            .portal_application(&boss, &pilot.app.id)
            .await
            .unwrap();
        assert_eq!(page.state, ApplicationState::AwaitingVerification);
        // Ny pilotapplikasjon, then Slett pilotapplikasjon: its credentials stop at once.
        let issued = platform
            .new_pilot_application(&boss, "Ny pilot", vec![ApiProduct::MbnCatalog], None)
            .await
            .unwrap();
        let counted = platform.portal_applications(&boss).await.unwrap();
        assert_eq!(counted.pilots.len(), apps.pilots.len() + 1);
        let grant = platform
            .grant(
                issued.client_id.as_str(),
                &issued.client_secret,
                ClientAuthMethod::Basic,
                GrantRequest::ClientCredentials,
                None,
            )
            .await
            .unwrap();
        platform
            .authenticate_bearer(grant.access_token.expose())
            .await
            .unwrap();
        platform
            .delete_pilot_application(&boss, &issued.app.id)
            .await
            .unwrap();
        assert!(
            platform
                .authenticate_bearer(grant.access_token.expose())
                .await
                .is_err(),
            "{backend}: the deleted pilot's token is revoked"
        );
        let again = platform
            .grant(
                issued.client_id.as_str(),
                &issued.client_secret,
                ClientAuthMethod::Basic,
                GrantRequest::ClientCredentials,
                None,
            )
            .await;
        assert!(
            again.is_err(),
            "{backend}: the deleted pilot's credentials fail"
        );
        let gone = platform.portal_application(&boss, &issued.app.id).await;
        assert!(
            matches!(gone, Err(ServiceError::NotFound { .. })),
            "{gone:?}"
        );
        assert!(audited(platform, "application.delete", "portal:per@demopartner.no").await);
        // Another company's application is not found; an unknown one neither.
        let kpn_like = platform
            .create_partner(
                &cli(),
                sentral_services::admin::NewPartner {
                    org_number: org("940000009"),
                    name: "Annen Partner AS".into(),
                    admin_name: "Anne".into(),
                    admin_email: "anne@annen.no".into(),
                },
            )
            .await
            .unwrap();
        let foreign = platform
            .create_application(
                &cli(),
                sentral_services::admin::NewApplication {
                    partner: kpn_like.org_number.clone(),
                    name: "Fremmed".into(),
                    products: vec![ApiProduct::MbnCatalog],
                    billing_account: None,
                    owner: "Annen".into(),
                    created_by: "cli".into(),
                    kpn_customer: None,
                    client_id: None,
                    client_secret: None,
                    redirect_uris: Vec::new(),
                },
            )
            .await
            .unwrap();
        for result in [
            platform
                .portal_application(&boss, &foreign.app.id)
                .await
                .map(|_| ()),
            platform
                .delete_pilot_application(&boss, &foreign.app.id)
                .await,
            platform
                .change_billing_account(&boss, &foreign.app.id, "55000001")
                .await
                .map(|_| ()),
            platform
                .portal_request_verification(&boss, &foreign.app.id)
                .await
                .map(|_| ()),
        ] {
            assert!(
                matches!(result, Err(ServiceError::NotFound { .. })),
                "{result:?}"
            );
        }
        world.cleanup().await;
    }
}

#[tokio::test]
async fn the_system_user_settings_and_a_new_password_by_sms() {
    for world in worlds("agreements").await {
        let platform = &world.platform;
        let backend = world.backend;
        let kari = login(platform, DEVELOPER_ADMIN).await;
        assert_forbidden(
            platform
                .portal_agreements(&login(platform, LINE_ADMIN).await)
                .await,
        );
        let agreements = platform.portal_agreements(&kari).await.unwrap();
        let mbn = agreements
            .iter()
            .find(|line| line.agreement.id == MBN_AGREEMENT_ID)
            .unwrap_or_else(|| panic!("{backend}: {agreements:?}"));
        assert_eq!(mbn.owner_name, "Demo Kunde AS");
        assert!(!mbn.own);
        assert!(mbn.products.iter().any(|p| p.has_system_user));
        let settings = platform
            .system_user_settings(&kari, MBN_AGREEMENT_ID)
            .await
            .unwrap();
        assert_eq!(settings.username.as_str(), SYSTEM_USER);
        assert_eq!(settings.company_count(), 2);
        // Contact person.
        let settings = platform
            .update_system_user_contact(
                &kari,
                MBN_AGREEMENT_ID,
                "Kari Utvikler",
                "99000002",
                "kari@demopartner.no",
            )
            .await
            .unwrap();
        assert_eq!(settings.contact.mobile.as_str(), "4799000002");
        assert!(
            audited(
                platform,
                "system-user.contact",
                "portal:kari@demopartner.no"
            )
            .await
        );
        // Access rights within the customer's own only.
        let outside = platform
            .update_system_user_grants(&kari, MBN_AGREEMENT_ID, &["920000002".into()], &[])
            .await;
        assert!(
            matches!(outside, Err(ServiceError::Invalid { .. })),
            "{outside:?}"
        );
        let narrowed = platform
            .update_system_user_grants(&kari, MBN_AGREEMENT_ID, &[CUSTOMER_ORG.into()], &[])
            .await
            .unwrap();
        assert_eq!(narrowed.grants.companies, vec![org(CUSTOMER_ORG)]);
        platform
            .update_system_user_grants(
                &kari,
                MBN_AGREEMENT_ID,
                &[CUSTOMER_ORG.into(), SUBSIDIARY_ORG.into()],
                &[],
            )
            .await
            .unwrap();
        // Send nytt passord på SMS: the old password stops at once, the new one works.
        password_grant(platform, CLIENT_ID, CLIENT_SECRET, SYSTEM_USER_PASSWORD)
            .await
            .unwrap();
        let to = platform
            .portal_send_new_password(&kari, &SystemUserName::parse(SYSTEM_USER).unwrap())
            .await
            .unwrap();
        assert_eq!(to.as_str(), "4799000002");
        let (sms_to, text) = last_sms(platform).await;
        assert_eq!(sms_to, "4799000002");
        let new_password = text.rsplit(' ').next().unwrap().to_owned();
        assert!(
            password_grant(platform, CLIENT_ID, CLIENT_SECRET, SYSTEM_USER_PASSWORD)
                .await
                .is_err(),
            "{backend}: the old password is refused"
        );
        password_grant(platform, CLIENT_ID, CLIENT_SECRET, &new_password)
            .await
            .unwrap();
        assert!(
            audited(
                platform,
                "system-user.send-password",
                "portal:kari@demopartner.no"
            )
            .await
        );
        // A stale login must give its password again.
        let stale = PortalUser {
            authenticated_at: sentral_domain::Timestamp::from_millis(0),
            ..kari.clone()
        };
        let refused = platform
            .portal_send_new_password(&stale, &SystemUserName::parse(SYSTEM_USER).unwrap())
            .await;
        assert!(
            matches!(
                refused,
                Err(ServiceError::Portal(
                    PortalFailure::FreshLoginRequired { .. }
                ))
            ),
            "{refused:?}"
        );
        let unknown = platform.system_user_settings(&kari, "99999999").await;
        assert!(
            matches!(unknown, Err(ServiceError::NotFound { .. })),
            "{unknown:?}"
        );
        world.cleanup().await;
    }
}
