use sentral_domain::platform::{
    Agreement, AppKind, Application, CONNECT_TEST_PRODUCT, ClientCredential, ConnectService,
    ContactPerson, Grants, Organization, Partner, SystemUser, VerificationStatus,
};
use sentral_domain::{
    ApiProduct, ClientId, EntityId, Msisdn, OrgNumber, SystemUserName, Timestamp,
};
use sentral_store::{StoreError, platform};

use crate::backends;

const NOW: Timestamp = Timestamp::from_millis(1_790_000_000_000);

fn org(number: &str) -> OrgNumber {
    OrgNumber::parse(number).unwrap()
}

pub fn sample_app(id: &str, partner: &EntityId) -> Application {
    Application {
        redirect_uris: vec!["https://app.example/callback".into()],
        id: EntityId::new(id),
        partner_id: partner.clone(),
        name: "Switchboard".into(),
        kind: AppKind::Pilot,
        products: vec![ApiProduct::MbnCatalog, ApiProduct::KpnMsm],
        billing_account: Some("55123456".into()),
        owner: "Kari Nordmann".into(),
        created_by: "operator".into(),
        created_at: NOW,
        verification: VerificationStatus::None,
        pilot_id: None,
        kpn_customer: None,
        basic_auth_allowed: true,
    }
}

/// Partner 914742315 with customer 987654325 (and its subsidiary 923609016), agreement 1001.
pub async fn seed_world(conn: &mut sentral_store::Connection) -> EntityId {
    for (number, name, parent) in [
        ("914742315", "Partner AS", None),
        ("987654325", "Customer ASA", None),
        ("923609016", "Customer Datter AS", Some(org("987654325"))),
    ] {
        let organization = Organization {
            org_number: org(number),
            name: name.into(),
            parent,
        };
        platform::insert_organization(conn, &organization, NOW)
            .await
            .unwrap();
    }
    let partner = Partner {
        id: EntityId::new("prt_1"),
        org_number: org("914742315"),
        name: "Partner AS".into(),
        created_at: NOW,
    };
    platform::insert_partner(conn, &partner).await.unwrap();
    let agreement = Agreement {
        id: "1001".into(),
        org_number: org("987654325"),
        category: "Mobilt Bedriftsnett avtale".into(),
        valid_from: "2020-01-01".into(),
        valid_to: None,
        status: "ACTIVE".into(),
        internal_number_length: 3,
    };
    platform::insert_agreement(conn, &agreement).await.unwrap();
    partner.id
}

#[tokio::test]
async fn applications_and_credentials_round_trip() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        let partner = seed_world(&mut tx).await;
        let app = sample_app("app_1", &partner);
        platform::insert_application(&mut tx, &app).await.unwrap();
        let credential = ClientCredential {
            client_id: ClientId::parse("client-1").unwrap(),
            app_id: app.id.clone(),
            secret_hash: "$argon2id$hash".into(),
            created_at: NOW,
            sealed_secret: Some("v1:sealed".into()),
            previous_secret_hash: None,
            previous_valid_until: None,
        };
        platform::insert_client_credential(&mut tx, &credential)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        let stored = platform::application(&mut conn, &app.id).await.unwrap();
        assert_eq!(stored.as_ref(), Some(&app), "{}", backend.name);
        let found = platform::client_credential(&mut conn, &credential.client_id)
            .await
            .unwrap();
        assert_eq!(found, Some(credential.clone()), "{}", backend.name);
        let until = Timestamp::from_millis(NOW.millis() + 3_600_000);
        let overlap = platform::RotatedSecret {
            secret_hash: "$new",
            sealed_secret: Some("v1:new"),
            previous_valid_until: Some(until),
        };
        assert!(
            platform::replace_client_secret(&mut conn, &credential.client_id, &overlap)
                .await
                .unwrap()
        );
        let rotated = platform::client_credential(&mut conn, &credential.client_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rotated.secret_hash, "$new", "{}", backend.name);
        assert_eq!(rotated.sealed_secret.as_deref(), Some("v1:new"));
        assert_eq!(
            rotated.previous_secret_hash.as_deref(),
            Some("$argon2id$hash"),
            "{}",
            backend.name
        );
        assert_eq!(rotated.previous_valid_until, Some(until));
        // A rotation without an overlap keeps no previous secret.
        let at_once = platform::RotatedSecret {
            secret_hash: "$newer",
            sealed_secret: None,
            previous_valid_until: None,
        };
        platform::replace_client_secret(&mut conn, &credential.client_id, &at_once)
            .await
            .unwrap();
        let rotated = platform::client_credential(&mut conn, &credential.client_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rotated.secret_hash, "$newer");
        assert_eq!(rotated.previous_secret_hash, None, "{}", backend.name);
        assert_eq!(rotated.previous_valid_until, None);
        assert_eq!(rotated.sealed_secret, None);

        let duplicate = platform::insert_client_credential(&mut conn, &credential).await;
        assert!(
            matches!(duplicate, Err(StoreError::Conflict { .. })),
            "{}: {duplicate:?}",
            backend.name
        );
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn a_rolled_back_write_leaves_nothing() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        seed_world(&mut tx).await;
        drop(tx);
        let mut conn = backend.store.read().await.unwrap();
        let partner = platform::partner_by_org(&mut conn, &org("914742315"))
            .await
            .unwrap();
        assert_eq!(partner, None, "{}", backend.name);
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn system_users_keep_grants_and_reach_follows_connect_products() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        let partner = seed_world(&mut tx).await;
        let user = SystemUser {
            id: EntityId::new("su_1"),
            username: SystemUserName::parse("api0000000007").unwrap(),
            partner_id: partner.clone(),
            agreement_id: "1001".into(),
            contact: ContactPerson {
                name: "Ola".into(),
                mobile: Msisdn::parse("91234567").unwrap(),
                email: "ola@example.no".into(),
            },
            grants: Grants {
                companies: vec![org("987654325")],
                accounts: vec!["55000001".into()],
            },
            password_hash: "$argon2id$pw".into(),
            password_set_at: NOW,
            created_at: NOW,
        };
        platform::insert_system_user(&mut tx, &user).await.unwrap();
        platform::add_connect_product(&mut tx, "1001", &partner, CONNECT_TEST_PRODUCT, None, NOW)
            .await
            .unwrap();
        let production = Application {
            kind: AppKind::Production,
            ..sample_app("app_p", &partner)
        };
        platform::insert_application(&mut tx, &production)
            .await
            .unwrap();
        let service = ConnectService {
            id: EntityId::new("cs_1"),
            name: "ConnectPartnerASBoard".into(),
            partner_id: partner.clone(),
            app_id: production.id.clone(),
            created_at: NOW,
        };
        platform::insert_connect_service(&mut tx, &service)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        let stored = platform::system_user_by_name(&mut conn, &user.username)
            .await
            .unwrap();
        assert_eq!(stored, Some(user.clone()), "{}", backend.name);
        assert_eq!(
            platform::highest_system_user_number(&mut conn)
                .await
                .unwrap(),
            7
        );

        let pilot_reach =
            platform::orgs_with_connect_product(&mut conn, &partner, CONNECT_TEST_PRODUCT)
                .await
                .unwrap();
        assert_eq!(pilot_reach, vec![org("987654325")], "{}", backend.name);
        let with_subsidiaries = platform::organizations_with_subsidiaries(&mut conn, &pilot_reach)
            .await
            .unwrap();
        assert_eq!(
            with_subsidiaries,
            vec![org("923609016"), org("987654325")],
            "{}",
            backend.name
        );

        assert!(
            platform::orgs_with_connect_service_of(&mut conn, &production.id)
                .await
                .unwrap()
                .is_empty()
        );
        platform::add_connect_product(
            &mut conn,
            "1001",
            &partner,
            &service.name,
            Some(&service.id),
            NOW,
        )
        .await
        .unwrap();
        let production_reach = platform::orgs_with_connect_service_of(&mut conn, &production.id)
            .await
            .unwrap();
        assert_eq!(production_reach, vec![org("987654325")], "{}", backend.name);
        drop(conn);
        backend.cleanup().await;
    }
}
