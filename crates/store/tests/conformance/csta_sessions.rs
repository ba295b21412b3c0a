use sentral_domain::Timestamp;
use sentral_store::csta_sessions::{self, SessionKind, SessionRecord};

use crate::backends;

const NOW: Timestamp = Timestamp::from_millis(1_790_000_000_000);

fn session(hash: &str, kind: SessionKind, seconds: i64) -> SessionRecord {
    SessionRecord {
        token_hash: hash.into(),
        kind,
        access_token_hash: format!("access-of-{hash}"),
        subject: "demo-client/user:api0000000001".into(),
        expires_at: NOW.plus_seconds(seconds),
        created_at: NOW,
    }
}

#[tokio::test]
async fn sessions_are_found_by_hash_and_purged_once_expired() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        for record in [
            session("s1", SessionKind::Status, 60),
            session("c1", SessionKind::Csta, 3600),
            session("c2", SessionKind::Csta, 7200),
        ] {
            csta_sessions::insert_session(&mut tx, &record)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(
            csta_sessions::session(&mut conn, "s1").await.unwrap(),
            Some(session("s1", SessionKind::Status, 60)),
            "{}",
            backend.name
        );
        assert_eq!(
            csta_sessions::session(&mut conn, "c1").await.unwrap(),
            Some(session("c1", SessionKind::Csta, 3600)),
            "{}",
            backend.name
        );
        assert_eq!(
            csta_sessions::session(&mut conn, "nope").await.unwrap(),
            None
        );
        // A token hash is the key: a second session with it is refused.
        assert!(
            csta_sessions::insert_session(&mut conn, &session("c1", SessionKind::Status, 1))
                .await
                .is_err(),
            "{}",
            backend.name
        );

        let purged = csta_sessions::purge_expired(&mut conn, NOW.plus_seconds(3600))
            .await
            .unwrap();
        assert_eq!(purged, 1, "{}: only s1 expired before", backend.name);
        assert_eq!(csta_sessions::session(&mut conn, "s1").await.unwrap(), None);
        assert!(
            csta_sessions::session(&mut conn, "c1")
                .await
                .unwrap()
                .is_some(),
            "{}: c1 expires at the cutoff, not before",
            backend.name
        );
        assert_eq!(csta_sessions::delete_all(&mut conn).await.unwrap(), 2);
        assert_eq!(csta_sessions::session(&mut conn, "c2").await.unwrap(), None);
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn a_reset_empties_the_sessions() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        csta_sessions::insert_session(&mut tx, &session("c1", SessionKind::Csta, 60))
            .await
            .unwrap();
        sentral_store::records::delete_everything(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(
            csta_sessions::session(&mut conn, "c1").await.unwrap(),
            None,
            "{}",
            backend.name
        );
        drop(conn);
        backend.cleanup().await;
    }
}
