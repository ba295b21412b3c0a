//! The executor under the repositories: concurrent writers that share commits (group commit on
//! SQLite), a failed writer undone without its group, writes through a read connection, and
//! values of every bound type read back alike on both backends.

use sentral_store::db::{Value, query};

use crate::backends;

const WRITERS: usize = 16;
const WRITES_EACH: usize = 20;

async fn counter(store: &sentral_store::Store, name: &str) -> Option<i64> {
    let mut conn = store.read().await.expect("read");
    query("SELECT value FROM counters WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut conn)
        .await
        .expect("select")
        .map(|row| row.try_get::<i64, _>("value").expect("value"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_all_commit_and_a_failed_one_is_undone_alone() {
    for backend in backends::all().await {
        let (store, name, leftovers) = backend.share();
        let mut tasks = Vec::new();
        for writer in 0..WRITERS {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for write in 0..WRITES_EACH {
                    let key = format!("w{writer}-{write}");
                    let mut tx = store.write().await.expect("begin");
                    query("INSERT INTO counters (name, value) VALUES ($1, $2)")
                        .bind(key.as_str())
                        .bind((writer * 1000 + write) as i64)
                        .execute(&mut tx)
                        .await
                        .expect("insert");
                    if write % 7 == 3 {
                        // Given up: its row must not appear, its group's others must.
                        drop(tx);
                        continue;
                    }
                    if write % 5 == 4 {
                        // A failing statement inside the write leaves the write usable.
                        let duplicate = query("INSERT INTO counters (name, value) VALUES ($1, 0)")
                            .bind(key.as_str())
                            .execute(&mut tx)
                            .await;
                        assert!(duplicate.is_err(), "{name}: duplicate accepted");
                        drop(tx);
                        continue;
                    }
                    tx.commit().await.expect("commit");
                    acknowledged.push((key, (writer * 1000 + write) as i64));
                }
                acknowledged
            }));
        }
        let mut acknowledged = Vec::new();
        for task in tasks {
            acknowledged.extend(task.await.expect("writer task"));
        }
        for (key, value) in &acknowledged {
            assert_eq!(
                counter(&store, key).await,
                Some(*value),
                "{name}: acknowledged write {key} lost"
            );
        }
        for writer in 0..WRITERS {
            for write in (0..WRITES_EACH).filter(|w| w % 7 == 3 || w % 5 == 4) {
                let key = format!("w{writer}-{write}");
                assert_eq!(
                    counter(&store, &key).await,
                    None,
                    "{name}: rolled-back write {key} visible"
                );
            }
        }
        leftovers.cleanup(store).await;
    }
}

#[tokio::test]
async fn a_write_through_a_read_connection_commits_on_its_own() {
    for backend in backends::all().await {
        {
            let mut conn = backend.store.read().await.expect("read");
            let done = query("INSERT INTO counters (name, value) VALUES ($1, 7)")
                .bind("through-read")
                .execute(&mut conn)
                .await
                .expect("insert through read connection");
            assert_eq!(done.rows_affected(), 1, "{}", backend.name);
            let returned =
                query("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value")
                    .bind("through-read")
                    .fetch_one(&mut conn)
                    .await
                    .expect("update returning");
            assert_eq!(returned.try_get::<i64, _>("value").unwrap(), 8);
        }
        assert_eq!(counter(&backend.store, "through-read").await, Some(8));
        backend.cleanup().await;
    }
}

#[tokio::test]
async fn bound_values_read_back_alike_on_both_backends() {
    for backend in backends::all().await {
        let mut conn = backend.store.read().await.expect("read");
        let row = query(
            "SELECT $1 AS i, $2 AS t, $3 AS r, $4 AS n, $3 AS again, \
             CAST(NULL AS BIGINT) AS null_int, 'æøå \"x\"' AS unicode",
        )
        .bind(-42_i64)
        .bind("text")
        .bind(2.5_f64)
        .bind(Option::<String>::None)
        .fetch_one(&mut conn)
        .await
        .expect("select bound values");
        assert_eq!(row.try_get::<i64, _>("i").unwrap(), -42, "{}", backend.name);
        assert_eq!(row.try_get::<String, _>("t").unwrap(), "text");
        assert_eq!(row.try_get::<f64, _>("r").unwrap(), 2.5);
        assert_eq!(row.try_get::<f64, _>("again").unwrap(), 2.5);
        assert_eq!(row.try_get::<Option<String>, _>("n").unwrap(), None);
        assert_eq!(row.try_get::<Option<i64>, _>("null_int").unwrap(), None);
        assert_eq!(row.try_get::<String, _>("unicode").unwrap(), "æøå \"x\"");
        assert_eq!(row.value("null_int"), Some(&Value::Null));
        let wrong = row.try_get::<i64, _>("t").unwrap_err().to_string();
        assert!(wrong.contains("column t"), "{}: {wrong}", backend.name);
        let missing = row.try_get::<i64, _>("nope").unwrap_err().to_string();
        assert!(missing.contains("nope"), "{missing}");
        drop(conn);
        backend.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_queued_behind_a_write_share_its_commit() {
    let (store, name, leftovers) = backends::all().await.remove(0).share();
    assert_eq!(name, "sqlite");
    let (writes_before, commits_before) = store.commit_stats().expect("sqlite counts commits");
    let mut first = store.write().await.expect("begin first");
    query("INSERT INTO counters (name, value) VALUES ('first', 1)")
        .execute(&mut first)
        .await
        .expect("insert first");
    let mut queued = Vec::new();
    for n in 0..4_i64 {
        let store = store.clone();
        queued.push(tokio::spawn(async move {
            let mut tx = store.write().await.expect("begin queued");
            query("INSERT INTO counters (name, value) VALUES ($1, $2)")
                .bind(format!("queued-{n}"))
                .bind(n)
                .execute(&mut tx)
                .await
                .expect("insert queued");
            tx.commit().await.expect("commit queued");
        }));
    }
    // The four are waiting for the writer now.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    first.commit().await.expect("commit first");
    for task in queued {
        task.await.expect("queued writer");
    }
    let (writes, commits) = store.commit_stats().unwrap();
    assert_eq!(writes - writes_before, 5, "five writes");
    assert_eq!(commits - commits_before, 1, "one COMMIT for the group");
    for key in ["first", "queued-0", "queued-3"] {
        assert!(counter(&store, key).await.is_some(), "{key} committed");
    }
    leftovers.cleanup(store).await;
}
