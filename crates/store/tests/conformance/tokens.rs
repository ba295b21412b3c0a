use sentral_domain::{EntityId, Timestamp};
use sentral_store::tokens::{self, AuthorizationCode, TokenKind, TokenRecord};

use crate::backends;
use crate::platform::{sample_app, seed_world};

const NOW: Timestamp = Timestamp::from_millis(1_790_000_000_000);

fn token(hash: &str, family: &str, app: &EntityId) -> TokenRecord {
    TokenRecord {
        token_hash: hash.into(),
        kind: TokenKind::Access,
        family: family.into(),
        app_id: app.clone(),
        client_id: "client-1".into(),
        system_user_id: None,
        member_id: None,
        scope: "mbn-catalog".into(),
        issued_at: NOW,
        expires_at: NOW.plus_seconds(3600),
        revoked_at: None,
    }
}

#[tokio::test]
async fn tokens_revoke_by_family_and_purge_when_expired() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        let partner = seed_world(&mut tx).await;
        let app = sample_app("app_1", &partner);
        sentral_store::platform::insert_application(&mut tx, &app)
            .await
            .unwrap();
        for (hash, family) in [("h1", "f1"), ("h2", "f1"), ("h3", "f2")] {
            tokens::insert_token(&mut tx, &token(hash, family, &app.id))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(
            tokens::token(&mut conn, "h1").await.unwrap(),
            Some(token("h1", "f1", &app.id))
        );
        assert_eq!(
            tokens::revoke_family(&mut conn, "f1", NOW).await.unwrap(),
            2,
            "{}",
            backend.name
        );
        assert_eq!(
            tokens::token(&mut conn, "h2")
                .await
                .unwrap()
                .unwrap()
                .revoked_at,
            Some(NOW)
        );
        assert_eq!(
            tokens::token(&mut conn, "h3")
                .await
                .unwrap()
                .unwrap()
                .revoked_at,
            None
        );
        let purged = tokens::purge_expired(&mut conn, NOW.plus_seconds(7200))
            .await
            .unwrap();
        assert_eq!(purged, 3, "{}", backend.name);
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn an_authorization_code_can_be_taken_once() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        let partner = seed_world(&mut tx).await;
        let app = sample_app("app_1", &partner);
        sentral_store::platform::insert_application(&mut tx, &app)
            .await
            .unwrap();
        let member = sentral_store::platform::MemberLogin {
            id: EntityId::new("mem_1"),
            org_number: sentral_domain::OrgNumber::parse("987654325").unwrap(),
            first_name: "Kari".into(),
            last_name: "Nordmann".into(),
            mobile: sentral_domain::Msisdn::parse("41234567").unwrap(),
            email: "kari@example.no".into(),
            password_hash: None,
        };
        sentral_store::platform::insert_member(&mut tx, &member, NOW)
            .await
            .unwrap();
        let code = AuthorizationCode {
            code_hash: "c1".into(),
            app_id: app.id.clone(),
            client_id: "client-1".into(),
            member_id: member.id.clone(),
            redirect_uri: "http://localhost/cb".into(),
            scope: "mbn-user".into(),
            expires_at: NOW.plus_seconds(60),
        };
        tokens::insert_code(&mut tx, &code).await.unwrap();
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(
            tokens::take_code(&mut conn, "c1", NOW).await.unwrap(),
            Some(code),
            "{}",
            backend.name
        );
        assert_eq!(
            tokens::take_code(&mut conn, "c1", NOW).await.unwrap(),
            None,
            "{}",
            backend.name
        );
        drop(conn);
        backend.cleanup().await;
    }
}
