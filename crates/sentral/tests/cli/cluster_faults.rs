//! Faults of a cluster. NATS restarted under two nodes: meanwhile the nodes serve on (the owner
//! journals in PostgreSQL, `/readyz` says not ready); once NATS is back they reconnect by
//! themselves; a monitor on the other node gets what was published meanwhile (the owner retries
//! it into the JetStream stream, which keeps it across the restart) and the next call live, never
//! a resync; the journal has every input, gap-free. PostgreSQL restarted
//! under a node: each request meanwhile answers 503 within about 2 s, then the node recovers by
//! itself and every acknowledged write is there.
//!
//! Needs `SENTRAL_TEST_DATABASE_URL` (skipped without it) and `nats-server` on PATH (a server of
//! this test's own, so restarting it disturbs no other test; required under `CI=true`).

use std::net::ToSocketAddrs;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use sentral_store::testing::postgres_test_url;

use crate::cluster_support::{
    HENRIK, Nats, NatsRelay, Node, Scratch, TestDatabase, check_journal, free_port, reachable_nats,
    success,
};

const OUTSIDE: &str = "4799999999";
/// How soon a request answers 503 while PostgreSQL is down: the node's wait for a connection
/// (`REQUEST_ACQUIRE_TIMEOUT`, 2 s) and a margin for a loaded machine.
const OUTAGE_ANSWER_BOUND: Duration = Duration::from_secs(3);

/// A call from outside to Henrik, answered and hung up, all through `node`.
fn call_through(node: &Node) {
    let call = format!(r#"{{"from":"{OUTSIDE}","to":"{HENRIK}"}}"#);
    for (path, body) in [
        ("/sandbox/v1/calls".to_owned(), call.as_str()),
        (format!("/sandbox/v1/devices/{HENRIK}/answer"), "{}"),
        (format!("/sandbox/v1/devices/{HENRIK}/hangup"), "{}"),
    ] {
        let (status, answer) = node.post_json(&path, "", body);
        assert!(success(status), "{path}: {status} {answer}\n{}", node.log());
    }
}

fn wait_readiness(node: &Node, ready: bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = node.get("/readyz", "").0;
        if (status == 200) == ready {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz still {status}, expected ready = {ready}\n{}",
            node.log()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn nats_restarted_under_two_nodes_they_reconnect_and_monitors_miss_nothing() {
    let Some(base_url) = postgres_test_url() else {
        eprintln!("SENTRAL_TEST_DATABASE_URL is not set: the NATS restart test is skipped");
        return;
    };
    let port = free_port();
    let Some(nats) = Nats::start(port) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no nats-server on PATH: CI must run the cluster tests"
        );
        eprintln!("no nats-server on PATH: the NATS restart test is skipped");
        return;
    };
    let database = TestDatabase::create(&base_url);
    let (runtime, schema) = (&database.runtime, &database.schema);
    let (dir_a, dir_b) = (Scratch::new("faults-a"), Scratch::new("faults-b"));
    let url = format!("nats://127.0.0.1:{port}");
    let name = crate::cluster_support::cluster_name("faults");
    let cluster = [
        "--database-url",
        &schema.url,
        "--nats-url",
        &url,
        "--cluster-name",
        &name,
    ];
    let a = Node::start(&dir_a.0, &cluster);
    let b = Node::start(&dir_b.0, &cluster);
    a.wait_ready();
    b.wait_ready();

    // A owns the engine; a monitor through B sees a call made through A.
    call_through(&a);
    let csta = format!("Bearer {}", b.csta_token());
    let monitor = b.start_monitor(&csta, Duration::from_secs(5));
    let mut on_b = b.open_stream(&csta, &monitor);
    call_through(&a);
    on_b.envelopes_until("CallCleared", Duration::from_secs(10), &b);

    // NATS goes away: both nodes say they are not ready, A keeps serving its calls.
    drop(nats);
    wait_readiness(&a, false);
    wait_readiness(&b, false);
    call_through(&a);

    // NATS is back on the same port: the nodes reconnect by themselves.
    let _nats = Nats::start(port).expect("nats-server again");
    wait_readiness(&a, true);
    wait_readiness(&b, true);
    call_through(&a);
    // What the owner published while NATS was down was stored in the events stream once NATS
    // was back: B's monitor gets the outage's call and the next, and is never told to resync.
    let mut after = on_b.envelopes_until("CallCleared", Duration::from_secs(15), &b);
    after.extend(on_b.envelopes_until("CallCleared", Duration::from_secs(15), &b));
    assert!(
        after
            .iter()
            .all(|envelope| envelope["type"] != "ResyncRequired"),
        "nothing missed, no resync: {after:#?}"
    );
    let calls = after
        .iter()
        .filter(|envelope| envelope["type"] == "CallCleared")
        .count();
    assert_eq!(calls, 2, "the outage's call and the next: {after:#?}");
    // Numbered on, no duplicates: each envelope's seq is one more than the last.
    let seqs: Vec<u64> = after.iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");

    // The journal has every input, the outage's included, gap-free.
    let epochs = check_journal(runtime, schema, "100001");
    assert!(
        epochs.len() >= 12,
        "four calls of three inputs each: {epochs:?}"
    );
}

/// A PostgreSQL server of this test's own (`initdb` into a temp dir, run as the `postgres`
/// user, on a free port), so stopping it disturbs no other test.
struct PrivatePostgres {
    dir: std::path::PathBuf,
    port: u16,
    bin: std::path::PathBuf,
}

impl PrivatePostgres {
    /// `None` where it cannot be made here (no server binaries, not root to run them as
    /// `postgres`).
    fn create(dir: &std::path::Path) -> Option<PrivatePostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|entry| entry.path().join("bin"))
            .find(|bin| bin.join("initdb").exists())?;
        let port = free_port();
        let data = dir.join("pgdata");
        std::fs::create_dir_all(&data).ok()?;
        let chown = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir)
            .status()
            .ok()?;
        let server = PrivatePostgres {
            dir: data,
            port,
            bin,
        };
        let made = chown.success()
            && server
                .as_postgres(&[
                    "initdb",
                    "-D",
                    &server.dir.to_string_lossy(),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                ])
                .ok()?;
        (made && server.start()).then_some(server)
    }

    fn as_postgres(&self, args: &[&str]) -> std::io::Result<bool> {
        let (program, rest) = args.split_first().expect("a program");
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(program))
            .args(rest)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|status| status.success())
    }

    fn start(&self) -> bool {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on",
            self.port,
            self.dir.display()
        );
        self.as_postgres(&[
            "pg_ctl",
            "-D",
            &self.dir.to_string_lossy(),
            "-o",
            &options,
            "-w",
            "start",
        ])
        .unwrap_or(false)
    }

    fn stop(&self) {
        let _ = self.as_postgres(&[
            "pg_ctl",
            "-D",
            &self.dir.to_string_lossy(),
            "-m",
            "fast",
            "-w",
            "stop",
        ]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Creates a contact; its id when acknowledged (201), else the status.
fn create_contact(node: &Node, bearer: &str, n: usize) -> Result<String, u16> {
    let body = format!(
        r#"{{"firstName":"Restart","lastName":"Survivor {n}","company":"Omstart AS","externalId":"restart-{n}"}}"#
    );
    let (status, answer) = node.post_json("/catalog/contacts", bearer, &body);
    if status != 201 {
        return Err(status);
    }
    let json: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    Ok(json["contactId"].as_str().expect("contactId").to_owned())
}

#[test]
fn postgresql_restarted_under_a_node_requests_answer_503_meanwhile_then_recover_losing_nothing() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
    if !root {
        // initdb and the server run as `postgres`, which only root can switch to.
        eprintln!("not root: the PostgreSQL restart test is skipped");
        return;
    }
    let dir = Scratch::new("faults-pg");
    let Some(postgres) = PrivatePostgres::create(&dir.0) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "cannot run a PostgreSQL server of the test's own (initdb as user postgres): CI must run this test"
        );
        eprintln!(
            "no PostgreSQL server binaries or not root: the PostgreSQL restart test is skipped"
        );
        return;
    };
    let node_dir = Scratch::new("faults-pg-node");
    let url = postgres.url();
    let node = Node::start(&node_dir.0, &["--database-url", &url]);
    node.wait_ready();
    let bearer = format!("Bearer {}", node.token());
    let mut acknowledged: Vec<String> = (0..5)
        .map(|n| create_contact(&node, &bearer, n).expect("a contact before the restart"))
        .collect();

    // PostgreSQL stops: writes and reads answer 503 `50301` (never 500), not ready, each at once
    // rather than after the pool gave up reconnecting.
    postgres.stop();
    let asked = Instant::now();
    let (status, body) = node.post_json(
        "/catalog/contacts",
        &bearer,
        r#"{"firstName":"Lost","lastName":"Never","company":"Omstart AS"}"#,
    );
    let write_answered = asked.elapsed();
    assert_eq!(
        status,
        503,
        "a write while PostgreSQL is down: {body}\n{}",
        node.log()
    );
    assert!(body.contains("50301"), "the dialect's envelope: {body}");
    let asked = Instant::now();
    let (status, body) = node.get(&format!("/catalog/contacts/{}", acknowledged[0]), &bearer);
    let read_answered = asked.elapsed();
    assert_eq!(status, 503, "a read while PostgreSQL is down: {body}");
    let asked = Instant::now();
    assert_eq!(node.get("/readyz", "").0, 503);
    let ready_answered = asked.elapsed();
    eprintln!(
        "while PostgreSQL was down: a write answered 503 after {write_answered:?}, a read after \
         {read_answered:?}, /readyz after {ready_answered:?}"
    );
    for (what, took) in [
        ("write", write_answered),
        ("read", read_answered),
        ("/readyz", ready_answered),
    ] {
        assert!(
            took <= OUTAGE_ANSWER_BOUND,
            "a {what} while PostgreSQL was down took {took:?} to answer 503 (bound \
             {OUTAGE_ANSWER_BOUND:?})\n{}",
            node.log()
        );
    }

    // Back: the node recovers by itself, and every acknowledged write is there.
    assert!(postgres.start(), "PostgreSQL started again");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match create_contact(&node, &bearer, 5) {
            Ok(id) => {
                acknowledged.push(id);
                break;
            }
            Err(status) => {
                assert!(
                    Instant::now() < deadline && status == 503,
                    "not recovered: {status}\n{}",
                    node.log()
                );
                thread::sleep(Duration::from_millis(200));
            }
        }
    }
    node.wait_ready();
    for id in &acknowledged {
        let (status, body) = node.get(&format!("/catalog/contacts/{id}"), &bearer);
        assert_eq!(
            status, 200,
            "acknowledged contact {id} after the restart: {body}"
        );
    }
}

/// One node cut from NATS alone while the owner goes on: when it is back it reads what the
/// others got meanwhile from the events stream — its monitor gets every event once, in order,
/// no resync — instead of missing it.
#[test]
fn a_node_cut_from_nats_alone_gets_what_it_missed_when_it_is_back() {
    let Some(base_url) = postgres_test_url() else {
        eprintln!("SENTRAL_TEST_DATABASE_URL is not set: the NATS cut test is skipped");
        return;
    };
    let Some(nats_url) = reachable_nats() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no NATS: CI must run the cluster tests"
        );
        eprintln!("no NATS: the NATS cut test is skipped");
        return;
    };
    let upstream = nats_url
        .trim_start_matches("nats://")
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .expect("the NATS address");
    let relay = NatsRelay::start(upstream);
    let database = TestDatabase::create(&base_url);
    let schema = &database.schema;
    let (dir_a, dir_b) = (Scratch::new("cut-a"), Scratch::new("cut-b"));
    let name = crate::cluster_support::cluster_name("cut");
    let relayed = relay.url();
    let node = |dir: &Scratch, nats: &str| {
        Node::start(
            &dir.0,
            &[
                "--database-url",
                &schema.url,
                "--nats-url",
                nats,
                "--cluster-name",
                &name,
            ],
        )
    };
    let a = node(&dir_a, &nats_url);
    let b = node(&dir_b, &relayed);
    a.wait_ready();
    b.wait_ready();

    // A owns the engine; a monitor through B sees a call made through A.
    call_through(&a);
    let csta = format!("Bearer {}", b.csta_token());
    let monitor = b.start_monitor(&csta, Duration::from_secs(5));
    let mut on_b = b.open_stream(&csta, &monitor);
    call_through(&a);
    let mut seen = on_b.envelopes_until("CallCleared", Duration::from_secs(10), &b);

    // B alone loses NATS; A, still connected, makes two calls meanwhile.
    relay.cut();
    wait_readiness(&b, false);
    call_through(&a);
    call_through(&a);
    relay.restore();
    wait_readiness(&b, true);
    call_through(&a);
    for _ in 0..3 {
        seen.extend(on_b.envelopes_until("CallCleared", Duration::from_secs(15), &b));
    }
    assert!(
        seen.iter()
            .all(|envelope| envelope["type"] != "ResyncRequired"),
        "nothing missed, no resync: {seen:#?}"
    );
    let seqs: Vec<u64> = seen.iter().filter_map(|e| e["seq"].as_u64()).collect();
    let expected: Vec<u64> = (seqs[0]..seqs[0] + seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "once each, in order: {seen:#?}");
    let calls = seen
        .iter()
        .filter(|envelope| envelope["type"] == "CallCleared")
        .count();
    assert_eq!(
        calls, 4,
        "the call before, the two during the cut, the one after"
    );
}
