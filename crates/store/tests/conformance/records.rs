use sentral_domain::platform::{AuditEntry, SmsMessage};
use sentral_domain::{Msisdn, Timestamp};
use sentral_store::{ALL_TABLES, Backend, CONSTANT_TABLES, records};

use crate::backends;

const NOW: Timestamp = Timestamp::from_millis(1_790_000_000_000);

#[tokio::test]
async fn sms_outbox_lists_newest_first() {
    for backend in backends::all().await {
        let mut conn = backend.store.read().await.unwrap();
        for (text, at) in [
            ("first", NOW),
            ("second", NOW.plus_seconds(1)),
            ("third", NOW.plus_seconds(1)),
        ] {
            let message = SmsMessage {
                to: Msisdn::parse("91234567").unwrap(),
                text: text.into(),
                sent_at: at,
            };
            records::send_sms(&mut conn, &message).await.unwrap();
        }
        let texts: Vec<String> = records::sms_outbox(&mut conn, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.text)
            .collect();
        assert_eq!(texts, ["third", "second", "first"], "{}", backend.name);
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn quota_is_never_overdrawn() {
    for backend in backends::all().await {
        let mut conn = backend.store.read().await.unwrap();
        assert!(
            records::reserve_quota(&mut conn, "app", NOW, 6, 10)
                .await
                .unwrap()
        );
        assert!(
            !records::reserve_quota(&mut conn, "app", NOW, 6, 10)
                .await
                .unwrap(),
            "{}",
            backend.name
        );
        assert!(
            records::reserve_quota(&mut conn, "app", NOW, 4, 10)
                .await
                .unwrap()
        );
        assert!(
            !records::reserve_quota(&mut conn, "app", NOW, 1, 10)
                .await
                .unwrap()
        );
        assert!(
            records::reserve_quota(&mut conn, "app", NOW.plus_seconds(60), 1, 10)
                .await
                .unwrap()
        );
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn audit_settings_and_reset() {
    for backend in backends::all().await {
        let mut tx = backend.store.write().await.unwrap();
        let entry = AuditEntry {
            at: NOW,
            actor: "cli".into(),
            action: "partner.create".into(),
            target: "prt_1".into(),
            detail: "{}".into(),
        };
        records::audit(&mut tx, &entry).await.unwrap();
        records::set_setting(&mut tx, "k", "1").await.unwrap();
        records::set_setting(&mut tx, "k", "2").await.unwrap();
        tx.commit().await.unwrap();
        let mut conn = backend.store.read().await.unwrap();
        assert_eq!(records::audit_log(&mut conn, 5).await.unwrap(), vec![entry]);
        assert_eq!(
            records::setting(&mut conn, "k").await.unwrap().as_deref(),
            Some("2")
        );
        records::delete_everything(&mut conn).await.unwrap();
        assert!(
            records::audit_log(&mut conn, 5).await.unwrap().is_empty(),
            "{}",
            backend.name
        );
        drop(conn);
        backend.cleanup().await;
    }
}

/// A table added by a migration but missing from ALL_TABLES would survive a sandbox reset.
#[tokio::test]
async fn every_table_is_known_to_reset() {
    for backend in backends::all().await {
        let sql = match backend.store.backend() {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
                 WHERE table_schema = current_schema()"
            }
        };
        let mut conn = backend.store.read().await.unwrap();
        let names = records::table_names_for_tests(&mut conn, sql)
            .await
            .unwrap();
        // SQLite's trigram indexes (FTS5 tables and their shadow tables `<name>_data` …) are
        // emptied by their tables' triggers.
        let trigram_indexes = match backend.store.backend() {
            Backend::Sqlite => records::table_names_for_tests(
                &mut conn,
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND sql LIKE 'CREATE VIRTUAL TABLE%'",
            )
            .await
            .unwrap(),
            Backend::Postgres => Vec::new(),
        };
        let kept_by_triggers = |name: &str| {
            trigram_indexes.iter().any(|index| {
                name == index
                    || name
                        .strip_prefix(index.as_str())
                        .is_some_and(|rest| rest.starts_with('_'))
            })
        };
        for name in names
            .iter()
            .filter(|name| *name != "schema_migrations" && !kept_by_triggers(name))
            .filter(|name| !CONSTANT_TABLES.contains(&name.as_str()))
        {
            assert!(
                ALL_TABLES.contains(&name.as_str()),
                "{}: table {name} not in ALL_TABLES",
                backend.name
            );
        }
        drop(conn);
        backend.cleanup().await;
    }
}

/// A write transaction that has read must still commit when a single-statement write on another
/// connection (a setting, the sandbox clock) lands beside it. On SQLite a deferred `BEGIN` would
/// fail such a transaction with "database is locked" (its snapshot is stale when it first
/// writes): the store's write transactions take the write lock when they begin.
#[tokio::test]
async fn a_write_transaction_commits_beside_a_single_statement_write() {
    for backend in backends::all().await {
        let store = &backend.store;
        let mut tx = store.write().await.unwrap();
        assert_eq!(records::setting(&mut tx, "beside.a").await.unwrap(), None);
        let single = async {
            let mut conn = store.read().await.unwrap();
            records::set_setting(&mut conn, "beside.b", "single").await
        };
        let transaction = async {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            records::set_setting(&mut tx, "beside.a", "transaction").await?;
            tx.commit().await
        };
        let (single, transaction) = tokio::join!(single, transaction);
        single.unwrap_or_else(|e| panic!("{}: the single write failed: {e}", backend.name));
        transaction.unwrap_or_else(|e| panic!("{}: the transaction failed: {e}", backend.name));
        let mut conn = store.read().await.unwrap();
        for (key, value) in [("beside.a", "transaction"), ("beside.b", "single")] {
            let stored = records::setting(&mut conn, key).await.unwrap();
            assert_eq!(stored.as_deref(), Some(value), "{}: {key}", backend.name);
        }
        drop(conn);
        backend.cleanup().await;
    }
}
