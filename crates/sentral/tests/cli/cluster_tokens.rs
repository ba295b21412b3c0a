//! Any request on any node, for tokens: two real `sentral serve --demo` processes on loopback
//! ports over one PostgreSQL schema and the local NATS. A token issued on A works on B; logged out
//! (revoked) on A, it is refused on B within 100 ms — B had it cached, so only the invalidation
//! over NATS can tell it that soon (the recheck fallback takes `token_recheck_seconds`).
//!
//! A client secret rotated by the admin service is refused on every node at once (each checks the
//! stored hash). A node whose NATS does not answer serves, not ready, and becomes ready when NATS
//! comes up.
//!
//! Needs `SENTRAL_TEST_DATABASE_URL` (skipped without it) and NATS at `SENTRAL_TEST_NATS_URL`
//! (default `nats://127.0.0.1:4222`; without it the test fails under `CI=true`, else is skipped).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use sentral_store::testing::{PgTestSchema, postgres_test_url};

const START_TIMEOUT: Duration = Duration::from_secs(60);
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// How soon another node must refuse a revoked token.
const INVALIDATION_BOUND: Duration = Duration::from_millis(100);
/// HTTP Basic for the demo client (`demo-client:demo-secret`).
const DEMO_BASIC: &str = "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=";
const TOKEN_FORM: &str = "grant_type=password&username=api0000000001&password=demo-password";
const READ_PATH: &str = "/organizations/v1/organizations";

#[test]
fn a_token_revoked_on_one_node_is_refused_on_another_within_100_ms() {
    let Some(base_url) = postgres_test_url() else {
        eprintln!("SENTRAL_TEST_DATABASE_URL is not set: the two-node token test is skipped");
        return;
    };
    let Some(nats_url) = reachable_nats() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let schema = runtime
        .block_on(PgTestSchema::create(&base_url))
        .expect("a fresh PostgreSQL schema");
    let _drop = DropSchema {
        runtime: &runtime,
        schema: &schema,
    };
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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let dir = Scratch::new("cluster-late-nats");
    let url = format!("nats://127.0.0.1:{port}");
    let node = Node::start(&dir.0, &["--nats-url", &url]);
    assert_eq!(node.get("/readyz", "").0, 503, "{}", node.log());
    let Ok(nats) = Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no nats-server on PATH: CI must run the cluster tests"
        );
        eprintln!("no nats-server on PATH: the late-NATS test is skipped");
        return;
    };
    let _stop = KillOnDrop(nats);
    node.wait_ready();
    let metrics = node.get("/metrics", "").1;
    assert_eq!(sample(&metrics, "sentral_nats_connected"), Some(1));
}

/// Kills a helper process (this test's own NATS server) when the test ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `sentral --database-url URL admin --json <args>` (hermetic, as support.rs): its JSON answer.
fn admin_json(dir: &Path, database_url: &str, args: &[&str]) -> serde_json::Value {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sentral"));
    command
        .args(["--database-url", database_url, "admin", "--json"])
        .args(args)
        .current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SENTRAL_") {
            command.env_remove(key);
        }
    }
    let output = command.output().expect("run sentral admin");
    assert!(
        output.status.success(),
        "sentral admin {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON document")
}

/// The NATS URL of the tests, when a server answers there.
fn reachable_nats() -> Option<String> {
    let url = std::env::var("SENTRAL_TEST_NATS_URL")
        .unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    let host = url.trim_start_matches("nats://").to_owned();
    let reachable = host
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok());
    if reachable {
        return Some(url);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "no NATS at {url}: CI must run the cluster tests"
    );
    eprintln!("no NATS at {url}: the two-node token test is skipped");
    None
}

/// The value of an unlabelled sample in Prometheus text.
fn sample(metrics: &str, name: &str) -> Option<u64> {
    metrics.lines().find_map(|line| {
        let (series, value) = line.split_once(' ')?;
        (series == name).then(|| value.trim().parse().ok())?
    })
}

/// One `sentral serve --demo` on a free loopback port, with its stderr kept for failures.
struct Node {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Node {
    fn start(data_dir: &Path, global: &[&str]) -> Node {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sentral"));
        command.arg("--data-dir").arg(data_dir);
        // `--nats-url` belongs to `serve`, `--database-url` before it.
        let (before, after): (Vec<_>, Vec<_>) = global
            .chunks(2)
            .partition(|pair| pair[0] == "--database-url");
        command.args(before.concat());
        command.args(["serve", "--demo", "--listen", "127.0.0.1:0"]);
        command.args(["--quota-per-minute", "0", "--spike-arrest-per-second", "0"]);
        command.args(after.concat());
        // Hermetic, as support.rs: no configuration from the environment or a `./sentral.toml`.
        command.current_dir(data_dir);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SENTRAL_") {
                command.env_remove(key);
            }
        }
        command.env("SENTRAL_LOG", "info").env("NO_COLOR", "1");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `sentral serve`: {e}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("piped stderr");
        let sink = stderr.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut text) = sink.lock() {
                    text.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        let (lines, printed) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        thread::spawn(move || {
            // Keeps reading to the end, so the server never blocks on a full pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let deadline = Instant::now() + START_TIMEOUT;
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match printed.recv_timeout(left) {
                Ok(line) => {
                    if let Some(addr) = listening_address(&line) {
                        break addr;
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let log = stderr.lock().map(|s| s.clone()).unwrap_or_default();
                    panic!("`sentral serve` did not start:\n{log}");
                }
            }
        };
        Node {
            child,
            addr,
            stderr,
        }
    }

    /// Until `/readyz` answers 200 (the store and NATS answer, the node is subscribed).
    fn wait_ready(&self) {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let (status, body) = self.get("/readyz", "");
            if status == 200 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "not ready: {status} {body}\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// A password grant for the demo system user.
    fn token(&self) -> String {
        let headers = [
            ("Authorization", DEMO_BASIC),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let (status, body) = self.request("POST", "/oauth/v2/token", &headers, TOKEN_FORM);
        assert_eq!(status, 200, "token request: {body}\n{}", self.log());
        let json: serde_json::Value = serde_json::from_str(&body).expect("a JSON token answer");
        json["access_token"]
            .as_str()
            .expect("an access_token")
            .to_owned()
    }

    /// GET with an `Authorization` header unless `authorization` is empty.
    fn get(&self, path: &str, authorization: &str) -> (u16, String) {
        let headers: &[(&str, &str)] = if authorization.is_empty() {
            &[]
        } else {
            &[("Authorization", authorization)]
        };
        self.request("GET", path, headers, "")
    }

    /// One request on a connection of its own (`Connection: close`: the body ends with it).
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        let exchange = || -> std::io::Result<(u16, String)> {
            let mut stream = TcpStream::connect_timeout(&self.addr, IO_TIMEOUT)?;
            stream.set_read_timeout(Some(IO_TIMEOUT))?;
            let mut head = format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
                self.addr,
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes())?;
            stream.write_all(body.as_bytes())?;
            let mut answer = String::new();
            stream.read_to_string(&mut answer)?;
            let status = answer
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let body = answer
                .split_once("\r\n\r\n")
                .map(|(_, body)| body.to_owned())
                .unwrap_or_default();
            Ok((status, body))
        };
        exchange().unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.log()))
    }

    fn log(&self) -> String {
        let text = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        format!("--- server {} stderr ---\n{text}", self.addr)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `sentral listening on http://127.0.0.1:PORT (ready in N ms)` → the address.
fn listening_address(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once("listening on http://")?;
    rest.split(|c: char| c.is_whitespace() || c == '/')
        .next()?
        .parse()
        .ok()
}

/// Drops the test's PostgreSQL schema, also when the test fails.
struct DropSchema<'a> {
    runtime: &'a tokio::runtime::Runtime,
    schema: &'a PgTestSchema,
}

impl Drop for DropSchema<'_> {
    fn drop(&mut self) {
        let _ = self.runtime.block_on(self.schema.drop_schema());
    }
}

/// A temp data dir of this test's own (each node locks its own), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> Scratch {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "sentral-cli-{label}-{}-{nanos:x}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create the temp data dir");
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
