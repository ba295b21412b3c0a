//! The Developer Portal's client secrets, on SQLite and (when `SENTRAL_TEST_DATABASE_URL` is
//! set) PostgreSQL: the company's applications, revealing a secret (audited, a fresh login, the
//! right APIer, never another company's), a key that does not open it, production reveal
//! forbidden by the setting or the configuration, and rotation with an overlap on the sandbox
//! clock.

use sentral_domain::{EntityId, Secret, Timestamp};
use sentral_services::admin::{NewApplication, NewPartner};
use sentral_services::auth::{ClientAuthMethod, GrantRequest};
use sentral_services::demo::{CLIENT_ID, CLIENT_SECRET};
use sentral_services::platform::Actor;
use sentral_services::portal::back_office::AuditQuery;
use sentral_services::portal::demo::{DEVELOPER_ADMIN, OPERATOR, SUPER_ADMIN};
use sentral_services::portal::developer_portal::RevealState;
use sentral_services::portal::{PortalFailure, PortalUser};
use sentral_services::sealing::SealKey;
use sentral_services::{Platform, PlatformConfig, ServiceError};

#[path = "support/portal_world.rs"]
mod portal_world;

use portal_world::{World, login, worlds_with};

fn config(key: SealKey, forbid: bool) -> PlatformConfig {
    PlatformConfig {
        seal_key: Some(key),
        forbid_production_secret_reveal: forbid,
        ..portal_world::sandbox_config()
    }
}

async fn worlds(test: &str) -> Vec<World> {
    worlds_with(test, || config(SealKey::random().unwrap(), false)).await
}

fn cli() -> Actor {
    Actor("cli".into())
}

async fn demo_pilot(platform: &Platform, user: &PortalUser) -> EntityId {
    platform
        .developer_applications(user)
        .await
        .unwrap()
        .pilots
        .into_iter()
        .find(|entry| entry.client_ids.iter().any(|id| id.as_str() == CLIENT_ID))
        .unwrap()
        .app
        .id
}

async fn token_for(platform: &Platform, client_id: &str, secret: &str) -> Result<(), ServiceError> {
    platform
        .grant(
            client_id,
            &Secret::new(secret),
            ClientAuthMethod::Basic,
            GrantRequest::ClientCredentials,
            None,
        )
        .await
        .map(|_| ())
}

#[tokio::test]
async fn the_company_s_applications_and_revealing_a_secret() {
    for world in worlds("the_company_s_applications_and_revealing_a_secret").await {
        let platform = &world.platform;
        let admin = login(platform, SUPER_ADMIN).await;
        let listing = platform.developer_applications(&admin).await.unwrap();
        assert_eq!(listing.company.name, "Demo Partner AS", "{}", world.backend);
        assert!(listing.production.is_empty());
        assert!(listing.pilots.len() >= 2, "{}", world.backend);
        assert!(
            listing
                .pilots
                .iter()
                .all(|entry| entry.company_name == "Demo Partner AS"
                    && entry.reveal == RevealState::Revealable)
        );
        let found = platform
            .search_developer_applications(&admin, "KPN")
            .await
            .unwrap();
        assert!(!found.pilots.is_empty());
        assert!(
            found
                .pilots
                .iter()
                .all(|entry| entry.app.name.contains("KPN"))
        );
        assert!(
            platform
                .search_developer_applications(&admin, "no such application")
                .await
                .unwrap()
                .pilots
                .is_empty()
        );

        // Revealing: the seeded secret, audited with the client id and never the secret.
        let pilot = demo_pilot(platform, &admin).await;
        let revealed = platform
            .reveal_client_credentials(&admin, &pilot)
            .await
            .unwrap();
        assert_eq!(revealed.client_id.as_str(), CLIENT_ID);
        assert_eq!(revealed.client_secret.expose(), CLIENT_SECRET);
        let audit = platform
            .audit_log(&AuditQuery {
                action_prefix: Some("application.reveal-secret".into()),
                page: 1,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(audit.entries.len(), 1, "{}", world.backend);
        let entry = &audit.entries[0];
        assert_eq!(entry.actor, format!("portal:{}", SUPER_ADMIN.email));
        assert_eq!(entry.target, pilot.as_str());
        assert!(entry.detail.contains(CLIENT_ID));
        assert!(!entry.detail.contains(CLIENT_SECRET));

        // A stale login gives the password first.
        let mut stale = admin.clone();
        stale.authenticated_at = Timestamp::from_millis(0);
        match platform.reveal_client_credentials(&stale, &pilot).await {
            Err(ServiceError::Portal(PortalFailure::FreshLoginRequired { action })) => {
                assert_eq!(action, "show the client secret");
            }
            other => panic!("{}: {other:?}", world.backend),
        }
        // Without APIer, or not an administrator: forbidden.
        let developer = login(platform, DEVELOPER_ADMIN).await;
        for user in [&developer, &login(platform, OPERATOR).await] {
            assert!(matches!(
                platform.reveal_client_credentials(user, &pilot).await,
                Err(ServiceError::Portal(PortalFailure::Forbidden(_)))
            ));
            assert!(matches!(
                platform.developer_applications(user).await,
                Err(ServiceError::Portal(PortalFailure::Forbidden(_)))
            ));
        }
        let with_apis = platform.developer_administrators(&admin).await.unwrap();
        assert!(with_apis.iter().any(|a| a.email == SUPER_ADMIN.email));
        assert!(with_apis.iter().all(|a| a.email != DEVELOPER_ADMIN.email));

        // Another company's application: not found, as if it did not exist.
        platform
            .create_partner(
                &cli(),
                NewPartner {
                    org_number: sentral_domain::OrgNumber::parse("940000009").unwrap(),
                    name: "Annen Partner AS".into(),
                    admin_name: "Anne Annen".into(),
                    admin_email: "anne@annen.no".into(),
                },
            )
            .await
            .unwrap();
        let other = platform
            .create_application(
                &cli(),
                NewApplication {
                    partner: sentral_domain::OrgNumber::parse("940000009").unwrap(),
                    name: "Annen app".into(),
                    products: listing.pilots[0].app.products.clone(),
                    billing_account: None,
                    owner: "Anne".into(),
                    created_by: "anne@annen.no".into(),
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
                .reveal_client_credentials(&admin, &other.app.id)
                .await
                .map(|_| ()),
            platform
                .rotate_client_secret(&admin, &other.app.id, None)
                .await
                .map(|_| ()),
        ] {
            assert!(
                matches!(result, Err(ServiceError::NotFound { .. })),
                "{}: {result:?}",
                world.backend
            );
        }

        // Another seal key does not open what this one sealed, and says so.
        let other_key = Platform::new(
            world.store.clone(),
            config(SealKey::random().unwrap(), false),
        )
        .await
        .unwrap();
        let admin_there = login(&other_key, SUPER_ADMIN).await;
        match other_key
            .reveal_client_credentials(&admin_there, &pilot)
            .await
        {
            Err(ServiceError::Internal(message)) => assert!(message.contains("seal key")),
            other => panic!("{}: {other:?}", world.backend),
        }
        world.cleanup().await;
    }
}

#[tokio::test]
async fn production_secrets_and_secrets_made_before_the_key() {
    for world in worlds("production_secrets_and_secrets_made_before_the_key").await {
        let platform = &world.platform;
        let admin = login(platform, SUPER_ADMIN).await;
        let operator = login(platform, OPERATOR).await;
        let pilot = demo_pilot(platform, &admin).await;
        platform.request_verification(&cli(), &pilot).await.unwrap();
        let production = platform.approve_pilot(&operator, &pilot).await.unwrap();
        // Allowed by default.
        let revealed = platform
            .reveal_client_credentials(&admin, &production.app.id)
            .await
            .unwrap();
        assert_eq!(
            revealed.client_secret.expose(),
            production.client_secret.expose()
        );
        // Forbidden by the setting: shown once, at approval or rotation.
        platform
            .set_production_secret_reveal(&cli(), false)
            .await
            .unwrap();
        let listing = platform.developer_applications(&admin).await.unwrap();
        assert_eq!(listing.production.len(), 1);
        assert_eq!(
            listing.production[0].reveal,
            RevealState::ProductionForbidden
        );
        match platform
            .reveal_client_credentials(&admin, &production.app.id)
            .await
        {
            Err(ServiceError::NotAllowed(message)) => {
                assert!(message.contains("shown once"), "{message}")
            }
            other => panic!("{}: {other:?}", world.backend),
        }
        // Pilots still reveal; a rotation shows the new production secret once.
        platform
            .reveal_client_credentials(&admin, &pilot)
            .await
            .unwrap();
        let rotated = platform
            .rotate_client_secret(&admin, &production.app.id, None)
            .await
            .unwrap();
        assert_ne!(
            rotated.client_secret.expose(),
            production.client_secret.expose()
        );
        platform
            .set_production_secret_reveal(&cli(), true)
            .await
            .unwrap();
        assert!(
            platform
                .reveal_client_credentials(&admin, &production.app.id)
                .await
                .is_ok()
        );
        // The configuration forbids it whatever the setting says.
        let forbidding = Platform::new(
            world.store.clone(),
            config(SealKey::random().unwrap(), true),
        )
        .await
        .unwrap();
        assert!(matches!(
            forbidding
                .reveal_client_credentials(&admin, &production.app.id)
                .await,
            Err(ServiceError::NotAllowed(_))
        ));

        // A platform without a seal key keeps hashes only: rotate once a key exists.
        let unsealed = Platform::new(
            world.store.clone(),
            PlatformConfig {
                seal_key: None,
                ..config(SealKey::random().unwrap(), false)
            },
        )
        .await
        .unwrap();
        unsealed
            .rotate_client_secret(&admin, &pilot, None)
            .await
            .unwrap();
        let listing = platform.developer_applications(&admin).await.unwrap();
        let entry = listing
            .pilots
            .iter()
            .find(|entry| entry.app.id == pilot)
            .unwrap();
        assert_eq!(entry.reveal, RevealState::NotSealed);
        match platform.reveal_client_credentials(&admin, &pilot).await {
            Err(ServiceError::NotAllowed(message)) => {
                assert!(message.contains("rotate the secret to reveal it"))
            }
            other => panic!("{}: {other:?}", world.backend),
        }
        let rotated = platform
            .rotate_client_secret(&admin, &pilot, None)
            .await
            .unwrap();
        assert_eq!(
            platform
                .reveal_client_credentials(&admin, &pilot)
                .await
                .unwrap()
                .client_secret
                .expose(),
            rotated.client_secret.expose()
        );
        world.cleanup().await;
    }
}

#[tokio::test]
async fn a_rotation_with_an_overlap_keeps_the_old_secret_until_it_ends() {
    for world in worlds("a_rotation_with_an_overlap_keeps_the_old_secret_until_it_ends").await {
        let platform = &world.platform;
        let admin = login(platform, SUPER_ADMIN).await;
        let pilot = demo_pilot(platform, &admin).await;
        token_for(platform, CLIENT_ID, CLIENT_SECRET).await.unwrap();
        let now = platform.now();
        // At most 30 days, and in the future.
        for until in [now.plus_seconds(31 * 86_400), now.plus_seconds(-1)] {
            assert!(matches!(
                platform
                    .rotate_client_secret(&admin, &pilot, Some(until))
                    .await,
                Err(ServiceError::Invalid { .. })
            ));
        }
        let mut stale = admin.clone();
        stale.authenticated_at = Timestamp::from_millis(0);
        assert!(matches!(
            platform.rotate_client_secret(&stale, &pilot, None).await,
            Err(ServiceError::Portal(
                PortalFailure::FreshLoginRequired { .. }
            ))
        ));

        let rotated = platform
            .rotate_client_secret(&admin, &pilot, Some(now.plus_seconds(3600)))
            .await
            .unwrap();
        let new_secret = rotated.client_secret.expose().to_owned();
        // Both get tokens during the overlap (twice: the second from the verified cache).
        for _ in 0..2 {
            token_for(platform, CLIENT_ID, CLIENT_SECRET).await.unwrap();
            token_for(platform, CLIENT_ID, &new_secret).await.unwrap();
        }
        assert!(token_for(platform, CLIENT_ID, "wrong").await.is_err());
        let listing = platform.developer_applications(&admin).await.unwrap();
        let entry = listing
            .pilots
            .iter()
            .find(|entry| entry.app.id == pilot)
            .unwrap();
        assert_eq!(entry.old_secret_valid_until, Some(now.plus_seconds(3600)));
        let audit = platform
            .audit_log(&AuditQuery {
                action_prefix: Some("application.rotate-secret".into()),
                page: 1,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(
            audit.entries[0].actor,
            format!("portal:{}", SUPER_ADMIN.email)
        );
        assert!(!audit.entries[0].detail.contains(&new_secret));

        // After it, only the new one.
        platform.advance_clock(3601).await.unwrap();
        assert!(
            matches!(
                token_for(platform, CLIENT_ID, CLIENT_SECRET).await,
                Err(ServiceError::Auth(_))
            ),
            "{}",
            world.backend
        );
        token_for(platform, CLIENT_ID, &new_secret).await.unwrap();

        // Without an overlap the old secret stops at once (the admin command line's way).
        let again = platform.rotate_secret(&cli(), &pilot, None).await.unwrap();
        assert!(token_for(platform, CLIENT_ID, &new_secret).await.is_err());
        token_for(platform, CLIENT_ID, again.client_secret.expose())
            .await
            .unwrap();
        world.cleanup().await;
    }
}
