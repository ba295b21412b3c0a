//! CSTA and status sessions live in the store: two platforms on one store are two nodes of a
//! cluster, and a session opened on either works on the other. Revoking the access token a
//! session is bound to ends it on both; an expired session is refused and purged. Runs on SQLite
//! (one store shared by both platforms) and, when `SENTRAL_TEST_DATABASE_URL` is set, on
//! PostgreSQL (a store per platform on one schema); PostgreSQL is skipped without it.

#[path = "support/cluster_node.rs"]
mod cluster_node;

use std::sync::Arc;

use cluster_node::demo_access_token as access_token;
use sentral_domain::Secret;
use sentral_services::auth::{ClientAuthMethod, GrantRequest};
use sentral_services::demo::{CLIENT_ID, CLIENT_SECRET};
use sentral_services::passwords::sha256_hex;
use sentral_services::{AuthFailure, Platform, PlatformConfig, ServiceError};
use sentral_store::csta_sessions;
use sentral_store::testing::{PgTestSchema, postgres_test_url};
use sentral_store::{Store, StoreLocation};

/// Two nodes on one store, and what to clean up after them.
struct Cluster {
    backend: &'static str,
    a: Arc<Platform>,
    b: Arc<Platform>,
    _dir: Option<tempfile::TempDir>,
    schema: Option<PgTestSchema>,
}

impl Cluster {
    async fn cleanup(self) {
        self.a.store().close().await;
        self.b.store().close().await;
        if let Some(schema) = self.schema {
            schema.drop_schema().await.unwrap();
        }
    }
}

fn config() -> PlatformConfig {
    PlatformConfig {
        sandbox: true,
        // Every use checks the access token in the store: a revocation on one node is seen
        // by the other at once (in production within the recheck interval, or via NATS).
        token_recheck_seconds: 0,
        ..PlatformConfig::default()
    }
}

async fn node(store: Arc<Store>, seed: bool) -> Arc<Platform> {
    let platform = Platform::new(store, config()).await.unwrap();
    if seed {
        platform.ensure_demo_world().await.unwrap();
    }
    platform
}

/// SQLite always, PostgreSQL when configured.
async fn clusters(test: &str) -> Vec<Cluster> {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        Store::open(&StoreLocation::SqliteDir(dir.path().to_owned()))
            .await
            .unwrap(),
    );
    let mut clusters = vec![Cluster {
        backend: "sqlite",
        a: node(store.clone(), true).await,
        b: node(store, false).await,
        _dir: Some(dir),
        schema: None,
    }];
    let Some(base) = postgres_test_url() else {
        eprintln!("{test}: SENTRAL_TEST_DATABASE_URL is unset; skipping PostgreSQL");
        return clusters;
    };
    let schema = PgTestSchema::create(&base).await.unwrap();
    let open = || async {
        let location = StoreLocation::Postgres(schema.url.clone());
        Arc::new(Store::open(&location).await.unwrap())
    };
    let a = node(open().await, true).await;
    let b = node(open().await, false).await;
    clusters.push(Cluster {
        backend: "postgres",
        a,
        b,
        _dir: None,
        schema: Some(schema),
    });
    clusters
}

async fn status_token(platform: &Platform, access: &str) -> String {
    let principal = platform.authenticate_bearer(access).await.unwrap();
    let issued = platform.status_token(&principal, access).await.unwrap();
    issued.token.expose().to_owned()
}

async fn csta_login(platform: &Platform, access: &str, status: &str) -> String {
    let principal = platform.authenticate_bearer(access).await.unwrap();
    let issued = platform
        .csta_login(&principal, access, status)
        .await
        .unwrap();
    assert!((3500..=3600).contains(&issued.expires_in), "{issued:?}");
    issued.token.expose().to_owned()
}

fn assert_auth_failure(result: Result<impl std::fmt::Debug, ServiceError>, expected: AuthFailure) {
    match result {
        Err(ServiceError::Auth(failure)) if failure == expected => {}
        other => panic!("expected {expected:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_session_opened_on_one_node_works_on_the_other_until_its_token_is_revoked() {
    for cluster in clusters("csta_sessions_across_nodes").await {
        let (a, b, backend) = (&cluster.a, &cluster.b, cluster.backend);
        let access = access_token(a).await;

        // Status token on A, CSTA login on B, CSTA use on A and B.
        let status = status_token(a, &access).await;
        let csta = csta_login(b, &access, &status).await;
        for node in [a, b] {
            let caller = node.csta_caller(&csta).await.unwrap();
            assert_eq!(caller.client_id, CLIENT_ID, "{backend}");
        }
        // And the other way round: a session opened wholly on A serves B first.
        let status = status_token(a, &access).await;
        let csta_of_a = csta_login(a, &access, &status).await;
        b.csta_caller(&csta_of_a).await.unwrap();

        // Only hashes are stored.
        let mut conn = a.store().read().await.unwrap();
        let stored = csta_sessions::session(&mut conn, &sha256_hex(&csta))
            .await
            .unwrap()
            .expect("the session is in the store");
        assert_eq!(stored.access_token_hash, sha256_hex(&access), "{backend}");
        assert_eq!(
            csta_sessions::session(&mut conn, &csta).await.unwrap(),
            None
        );
        drop(conn);

        // A status token is no CSTA token, and an unknown token is nothing, on either node.
        for node in [a, b] {
            assert_auth_failure(
                node.csta_caller(&status).await,
                AuthFailure::CstaSessionRequired,
            );
            assert_auth_failure(
                node.csta_caller("no-such-session").await,
                AuthFailure::CstaSessionRequired,
            );
        }

        // Logging out on A revokes the access token: both sessions end on both nodes.
        a.logout(&access).await.unwrap();
        for node in [a, b] {
            for token in [&csta, &csta_of_a] {
                assert_auth_failure(node.csta_caller(token).await, AuthFailure::InvalidToken);
            }
        }
        cluster.cleanup().await;
    }
}

#[tokio::test]
async fn a_status_token_of_another_node_logs_in_only_the_same_client_and_user() {
    for cluster in clusters("csta_sessions_foreign_status_token").await {
        let (a, b, backend) = (&cluster.a, &cluster.b, cluster.backend);
        let access = access_token(a).await;
        let status = status_token(a, &access).await;
        // The same system user, but a token of the client-credentials grant: not acting as
        // a user, so refused before the status token is looked at.
        let bare = b
            .grant(
                CLIENT_ID,
                &Secret::new(CLIENT_SECRET),
                ClientAuthMethod::Basic,
                GrantRequest::ClientCredentials,
                None,
            )
            .await
            .unwrap();
        let bare_principal = b
            .authenticate_bearer(bare.access_token.expose())
            .await
            .unwrap();
        assert_auth_failure(
            b.csta_login(&bare_principal, bare.access_token.expose(), &status)
                .await,
            AuthFailure::SystemUserRequired,
        );
        // An unknown status token is a 400 on statusToken.
        let principal = b.authenticate_bearer(&access).await.unwrap();
        match b.csta_login(&principal, &access, "no-such-status").await {
            Err(ServiceError::Invalid { field, .. }) => assert_eq!(field, "statusToken"),
            other => panic!("{backend}: {other:?}"),
        }
        cluster.cleanup().await;
    }
}

#[tokio::test]
async fn an_expired_session_is_refused_and_purged() {
    for cluster in clusters("csta_sessions_expiry").await {
        let (a, b, backend) = (&cluster.a, &cluster.b, cluster.backend);
        let access = access_token(a).await;
        let status = status_token(b, &access).await;
        let csta = csta_login(a, &access, &status).await;
        a.csta_caller(&csta).await.unwrap();

        // An hour later on A's clock, the session (cached on A) is over there.
        a.advance_clock(3601).await.unwrap();
        assert_auth_failure(a.csta_caller(&csta).await, AuthFailure::CstaSessionRequired);
        a.purge_expired().await.unwrap();
        let mut conn = a.store().read().await.unwrap();
        for token in [&csta, &status] {
            assert_eq!(
                csta_sessions::session(&mut conn, &sha256_hex(token))
                    .await
                    .unwrap(),
                None,
                "{backend}: purged"
            );
        }
        drop(conn);
        cluster.cleanup().await;
    }
}
