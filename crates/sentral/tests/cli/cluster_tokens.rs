//! Any request on any node, for tokens: two real `sentral serve --demo` processes on loopback
//! ports over one PostgreSQL schema and the local NATS. A token issued on A works on B; logged out
//! (revoked) on A, it is refused on B within 100 ms — B had it cached, so only the invalidation
//! over NATS can tell it that soon (the recheck fallback takes `token_recheck_seconds`).
//!
//! A client secret rotated by the admin service is refused on every node at once (each checks the
//! stored hash). A new password sent with `sentral admin` (another process, on the cluster's
//! NATS) is refused by running nodes that had its token cached well inside their recheck, and
//! with the cluster's NATS unreachable the command still succeeds and warns. A node whose NATS does not answer serves, not ready, and becomes ready when NATS
//! comes up.
//!
//! Needs `SENTRAL_TEST_DATABASE_URL` (skipped without it) and NATS at `SENTRAL_TEST_NATS_URL`
//! (default `nats://127.0.0.1:4222`; without it the test fails under `CI=true`, else is skipped).

use std::path::Path;
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

use sentral_store::testing::postgres_test_url;

use crate::cluster_support::{
    DEMO_BASIC, Nats, Node, Scratch, TOKEN_FORM, TestDatabase, free_port, reachable_nats,
};

/// How soon another node must refuse a revoked token.
const INVALIDATION_BOUND: Duration = Duration::from_millis(100);
const READ_PATH: &str = "/organizations/v1/organizations";
/// How soon after `sentral admin` exits a running node must refuse what it changed: far below
/// the test's 60 s recheck, with room for a loaded machine (measured: see the test's output).
const ADMIN_INVALIDATION_BOUND: Duration = Duration::from_secs(1);

#[test]
fn a_token_revoked_on_one_node_is_refused_on_another_within_100_ms() {
    let Some(base_url) = postgres_test_url() else {
        eprintln!("SENTRAL_TEST_DATABASE_URL is not set: the two-node token test is skipped");
        return;
    };
    let Some(nats_url) = reachable_nats() else {
        return;
    };
    let database = TestDatabase::create(&base_url);
    let schema = &database.schema;
    let (dir_a, dir_b) = (Scratch::new("cluster-a"), Scratch::new("cluster-b"));
    let name = crate::cluster_support::cluster_name("tokens");
    let cluster = [
        "--database-url",
        &schema.url,
        "--nats-url",
        &nats_url,
        "--cluster-name",
        &name,
    ];
    // A seeds the demo world into the empty schema before it listens; B then finds it there.
    let a = Node::start(&dir_a.0, &cluster);
    let b = Node::start(&dir_b.0, &cluster);
    a.wait_ready();
    b.wait_ready();

    let token = a.token();
    let bearer = format!("Bearer {token}");
    let (status, body) = b.get(READ_PATH, &bearer);
    assert_eq!(status, 200, "the token of A on B: {body}\n{}", b.log());
    // B has it cached now: a second read is answered from the cache.
    assert_eq!(b.get(READ_PATH, &bearer).0, 200);

    let (status, body) = a.get("/oauth/v2/logout", &bearer);
    assert_eq!((status, body.as_str()), (200, "OK!"), "{}", a.log());
    let revoked = Instant::now();
    let mut polls = 0;
    let refused_after = loop {
        polls += 1;
        let (status, body) = b.get(READ_PATH, &bearer);
        match status {
            401 => break revoked.elapsed(),
            200 if revoked.elapsed() < Duration::from_secs(10) => {
                thread::sleep(Duration::from_millis(10));
            }
            _ => panic!(
                "B answered {status} {body} {:?} after the revoke\n{}",
                revoked.elapsed(),
                b.log()
            ),
        }
    };
    eprintln!("B refused the token revoked on A after {refused_after:?} ({polls} polls)");
    assert!(
        refused_after <= INVALIDATION_BOUND,
        "B served the token revoked on A for {refused_after:?} (bound {INVALIDATION_BOUND:?})\n{}",
        b.log()
    );
    // A secret rotated by the admin service (another process on the same store): the old one is
    // refused on both nodes at once, although both verified it recently.
    let apps = admin_json(&dir_a.0, &schema.url, &["app", "list"]);
    let demo_app = apps
        .as_array()
        .into_iter()
        .flatten()
        .find(|app| {
            app["client_ids"]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|id| id == "demo-client"))
        })
        .unwrap_or_else(|| panic!("no application of demo-client in {apps:#}"));
    let app_id = demo_app["id"]
        .as_str()
        .expect("an application id")
        .to_owned();
    admin_json(&dir_a.0, &schema.url, &["app", "rotate-secret", &app_id]);
    for node in [&b, &a] {
        let headers = [
            ("Authorization", DEMO_BASIC),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let (status, body) = node.request("POST", "/oauth/v2/token", &headers, TOKEN_FORM);
        assert_eq!(
            status, 401,
            "the rotated-out secret on {}: {body}",
            node.addr
        );
    }
    // A sent it, B received it, and both say they are connected.
    let metrics_a = a.get("/metrics", "").1;
    let metrics_b = b.get("/metrics", "").1;
    assert_eq!(sample(&metrics_a, "sentral_nats_connected"), Some(1));
    assert_eq!(sample(&metrics_b, "sentral_nats_connected"), Some(1));
    assert!(sample(&metrics_a, "sentral_invalidations_sent_total") >= Some(1));
    assert!(sample(&metrics_b, "sentral_invalidations_received_total") >= Some(1));
}

#[test]
fn a_new_password_sent_with_sentral_admin_ends_the_users_tokens_on_running_nodes_at_once() {
    let Some(base_url) = postgres_test_url() else {
        eprintln!("SENTRAL_TEST_DATABASE_URL is not set: the admin invalidation test is skipped");
        return;
    };
    let Some(nats_url) = reachable_nats() else {
        return;
    };
    let database = TestDatabase::create(&base_url);
    let schema = &database.schema;
    let (dir_a, dir_b) = (Scratch::new("admin-a"), Scratch::new("admin-b"));
    let name = crate::cluster_support::cluster_name("admin");
    // A minute of trust in a cached token: only the admin's invalidation can end it sooner.
    let cluster = [
        "--database-url",
        &schema.url,
        "--nats-url",
        &nats_url,
        "--cluster-name",
        &name,
        "--token-recheck-seconds",
        "60",
    ];
    let a = Node::start(&dir_a.0, &cluster);
    let b = Node::start(&dir_b.0, &cluster);
    a.wait_ready();
    b.wait_ready();
    let bearer = format!("Bearer {}", a.token());
    for node in [&a, &b, &a, &b] {
        let (status, body) = node.get(READ_PATH, &bearer);
        assert_eq!(
            status,
            200,
            "the token on {}: {body}\n{}",
            node.addr,
            node.log()
        );
    }

    let nats = ["--nats-url", nats_url.as_str(), "--cluster-name", &name];
    let username = "api0000000001";
    let output = admin(
        &dir_a.0,
        &schema.url,
        &nats,
        &["system-user", "send-password", username],
    );
    let done = Instant::now();
    assert!(
        output.status.success(),
        "sentral admin send-password: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON");
    assert_eq!(answer["username"], username, "{answer:#}");
    for node in [&b, &a] {
        let refused_after = loop {
            let (status, body) = node.get(READ_PATH, &bearer);
            match status {
                401 => break done.elapsed(),
                200 if done.elapsed() < Duration::from_secs(10) => {
                    thread::sleep(Duration::from_millis(10));
                }
                _ => panic!(
                    "{} answered {status} {body} {:?} after the new password\n{}",
                    node.addr,
                    done.elapsed(),
                    node.log()
                ),
            }
        };
        eprintln!(
            "{} refused the token {refused_after:?} after `sentral admin` exited",
            node.addr
        );
        assert!(
            refused_after <= ADMIN_INVALIDATION_BOUND,
            "{} served the token for {refused_after:?} after `sentral admin` sent a new password \
             (bound {ADMIN_INVALIDATION_BOUND:?}, recheck 60 s)\n{}",
            node.addr,
            node.log()
        );
    }
    let metrics_b = b.get("/metrics", "").1;
    assert!(sample(&metrics_b, "sentral_invalidations_received_total") >= Some(1));

    // NATS configured but not answering: the change is committed (the service answered after its
    // commit), the command succeeds and says how soon the nodes see it anyway.
    let unreachable = ["--nats-url", "nats://127.0.0.1:1", "--cluster-name", &name];
    let started = Instant::now();
    let output = admin(
        &dir_a.0,
        &schema.url,
        &unreachable,
        &["system-user", "send-password", username],
    );
    let waited = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "send-password without NATS: {stderr}"
    );
    assert!(
        stderr.contains("warning: the change is committed")
            && stderr.contains("token_recheck_seconds"),
        "{stderr}"
    );
    assert!(
        waited < Duration::from_secs(10),
        "the command took {waited:?}"
    );
}

#[test]
fn a_node_whose_nats_does_not_answer_serves_but_is_not_ready() {
    // Nothing listens on port 1: the node starts, says why it is not ready and keeps retrying.
    let dir = Scratch::new("cluster-no-nats");
    let node = Node::start(&dir.0, &["--nats-url", "nats://127.0.0.1:1"]);
    assert_eq!(
        node.get("/readyz", ""),
        (503, "nats unreachable".to_owned()),
        "{}",
        node.log()
    );
    assert_eq!(node.get("/healthz", "").0, 200);
    let metrics = node.get("/metrics", "").1;
    assert_eq!(sample(&metrics, "sentral_nats_connected"), Some(0));
    // Correct on its own meanwhile: tokens are issued and accepted.
    let token = node.token();
    assert_eq!(node.get(READ_PATH, &format!("Bearer {token}")).0, 200);
}

#[test]
fn a_node_started_before_its_nats_becomes_ready_when_nats_comes_up() {
    // A NATS server of this test's own, started after the node, on a port free a moment ago.
    let port = free_port();
    let dir = Scratch::new("cluster-late-nats");
    let url = format!("nats://127.0.0.1:{port}");
    let node = Node::start(&dir.0, &["--nats-url", &url]);
    assert_eq!(node.get("/readyz", "").0, 503, "{}", node.log());
    let Some(_nats) = Nats::start(port) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no nats-server on PATH: CI must run the cluster tests"
        );
        eprintln!("no nats-server on PATH: the late-NATS test is skipped");
        return;
    };
    node.wait_ready();
    let metrics = node.get("/metrics", "").1;
    assert_eq!(sample(&metrics, "sentral_nats_connected"), Some(1));
}

/// `sentral --database-url URL admin --json <args>` (hermetic, as support.rs): its JSON answer.
fn admin_json(dir: &Path, database_url: &str, args: &[&str]) -> serde_json::Value {
    let output = admin(dir, database_url, &[], args);
    assert!(
        output.status.success(),
        "sentral admin {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON document")
}

/// `sentral --database-url URL admin <flags> --json <args>`, hermetic: no configuration from
/// the environment or a `./sentral.toml`.
fn admin(dir: &Path, database_url: &str, flags: &[&str], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sentral"));
    command
        .args(["--database-url", database_url, "admin"])
        .args(flags)
        .arg("--json")
        .args(args)
        .current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SENTRAL_") {
            command.env_remove(key);
        }
    }
    command.output().expect("run sentral admin")
}

/// The value of an unlabelled sample in Prometheus text.
fn sample(metrics: &str, name: &str) -> Option<u64> {
    metrics.lines().find_map(|line| {
        let (series, value) = line.split_once(' ')?;
        (series == name).then(|| value.trim().parse().ok())?
    })
}
