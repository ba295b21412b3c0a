//! The harness of the cluster tests: real `sentral serve --demo` processes on loopback ports
//! over one PostgreSQL schema and the local NATS, their monitors' SSE streams read on threads,
//! SIGSTOP/SIGKILL on a node.
#![allow(dead_code)] // each cluster test uses part of it

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use sentral_store::testing::PgTestSchema;

pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(60);
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// HTTP Basic for the demo client (`demo-client:demo-secret`).
pub(crate) const DEMO_BASIC: &str = "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=";
pub(crate) const TOKEN_FORM: &str =
    "grant_type=password&username=api0000000001&password=demo-password";
pub(crate) const ENTERPRISE: &str = "100001";
/// Henrik's phone in the demo world; an outside caller rings it.
pub(crate) const HENRIK: &str = "4791000010";

/// A 2xx answer.
pub(crate) fn success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// A monitor event read from a stream (notices and heartbeats left out).
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) seq: u64,
    pub(crate) event_type: String,
    pub(crate) payload: serde_json::Value,
}

/// The `data:` lines of one SSE stream, read by a thread of their own.
pub(crate) struct Stream {
    lines: mpsc::Receiver<String>,
}

impl Stream {
    /// Monitor events up to and including the first of type `last`.
    pub(crate) fn events_until(&mut self, last: &str, within: Duration, node: &Node) -> Vec<Seen> {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = self.lines.recv_timeout(left) else {
                panic!("no {last} within {within:?}; saw {seen:#?}\n{}", node.log());
            };
            if let Some(event) = monitor_event(&line) {
                let done = event.event_type == last;
                seen.push(event);
                if done {
                    return seen;
                }
            }
        }
    }

    /// Every envelope (notices included) up to and including the first event of type `last`.
    pub(crate) fn envelopes_until(
        &mut self,
        last: &str,
        within: Duration,
        node: &Node,
    ) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = self.lines.recv_timeout(left) else {
                panic!("no {last} within {within:?}; saw {seen:#?}\n{}", node.log());
            };
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            let done = json["type"] == last;
            seen.push(json);
            if done {
                return seen;
            }
        }
    }

    /// Monitor events already read.
    pub(crate) fn ready_events(&mut self) -> Vec<Seen> {
        std::iter::from_fn(|| self.lines.try_recv().ok())
            .filter_map(|line| monitor_event(&line))
            .collect()
    }
}

/// The envelope of a `data:` line, unless it is a heartbeat or a notice of the delivery layer.
pub(crate) fn monitor_event(line: &str) -> Option<Seen> {
    let json: serde_json::Value = serde_json::from_str(line).ok()?;
    let event_type = json["type"].as_str()?.to_owned();
    let notices = [
        "Heartbeat",
        "ResyncRequired",
        "StreamReplaced",
        "StreamDropped",
    ];
    if notices.contains(&event_type.as_str()) {
        return None;
    }
    Some(Seen {
        seq: json["seq"].as_u64()?,
        event_type,
        payload: json["payload"].clone(),
    })
}

/// SIGSTOP on a node until dropped (SIGCONT), also when the test fails meanwhile.
pub(crate) struct Freeze(u32);

impl Freeze {
    pub(crate) fn new(node: &Node) -> Freeze {
        let pid = node.child.id();
        signal("-STOP", pid);
        Freeze(pid)
    }
}

impl Drop for Freeze {
    fn drop(&mut self) {
        signal("-CONT", self.0);
    }
}

pub(crate) fn signal(which: &str, pid: u32) {
    let status = Command::new("kill")
        .args([which, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {which} {pid}");
}

impl Node {
    /// The CSTA bearer token of the demo system user: status token, then CSTA login.
    pub(crate) fn csta_token(&self) -> String {
        let bearer = format!("Bearer {}", self.token());
        let (status, body) = self.post_json("/status/token", &bearer, "");
        assert!(success(status), "status token: {body}\n{}", self.log());
        let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        let status_token = json["statusToken"]
            .as_str()
            .expect("statusToken")
            .to_owned();
        let login = format!(r#"{{"statusToken":"{status_token}"}}"#);
        let (status, body) = self.post_json("/csta/authentication/token", &bearer, &login);
        assert!(success(status), "CSTA login: {body}\n{}", self.log());
        let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        json["cstaToken"].as_str().expect("cstaToken").to_owned()
    }

    /// Starts an enterprise monitor; retries a node that does not own the engine (503) for up
    /// to `patience`, the time another node's lease takes to run out.
    pub(crate) fn start_monitor(&self, csta: &str, patience: Duration) -> String {
        self.start_monitor_with(csta, patience, "")
    }

    /// As `start_monitor`, with more members of the request (`,"webhook":{…}`).
    pub(crate) fn start_monitor_with(&self, csta: &str, patience: Duration, more: &str) -> String {
        let deadline = Instant::now() + patience;
        let request = format!(r#"{{"enterprise":"{ENTERPRISE}"{more}}}"#);
        loop {
            let (status, body) = self.post_json("/csta/monitors", csta, &request);
            if status == 503 && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(200));
                continue;
            }
            assert!(
                success(status),
                "start a monitor on {}: {status} {body}\n{}",
                self.addr,
                self.log()
            );
            let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
            return json["crossRefId"].as_str().expect("crossRefId").to_owned();
        }
    }

    /// The monitor's SSE stream, read on a thread: each `data:` line goes to the answer.
    pub(crate) fn open_stream(&self, csta: &str, cross_ref_id: &str) -> Stream {
        self.open_stream_at(csta, &format!("/csta/monitors/{cross_ref_id}/events"))
    }

    /// The monitor's stream resumed after `seq` (the last event the client has).
    pub(crate) fn open_stream_after(&self, csta: &str, cross_ref_id: &str, seq: u64) -> Stream {
        self.open_stream_at(
            csta,
            &format!("/csta/monitors/{cross_ref_id}/events?after={seq}"),
        )
    }

    fn open_stream_at(&self, csta: &str, path: &str) -> Stream {
        let mut stream = TcpStream::connect_timeout(&self.addr, IO_TIMEOUT).expect("connect");
        let head = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\n\
             Authorization: {csta}\r\nAccept: text/event-stream\r\n\r\n",
            self.addr
        );
        stream
            .write_all(head.as_bytes())
            .expect("request the stream");
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line).expect("status line");
        assert!(
            status_line.contains(" 200 "),
            "the stream: {status_line}\n{}",
            self.log()
        );
        let mut chunked = false;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).expect("a header");
            if header.trim().is_empty() {
                break;
            }
            chunked |= header
                .to_ascii_lowercase()
                .starts_with("transfer-encoding: chunked");
        }
        let (lines, received) = mpsc::channel();
        thread::spawn(move || {
            let mut pending = String::new();
            let mut text = |bytes: &[u8]| {
                pending.push_str(&String::from_utf8_lossy(bytes));
                while let Some(end) = pending.find('\n') {
                    let line: String = pending.drain(..=end).collect();
                    if let Some(data) = line.trim_end().strip_prefix("data:") {
                        let _ = lines.send(data.trim_start().to_owned());
                    }
                }
            };
            loop {
                if chunked {
                    let mut size = String::new();
                    if reader.read_line(&mut size).unwrap_or(0) == 0 {
                        return;
                    }
                    let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
                        return;
                    };
                    if size == 0 {
                        return;
                    }
                    let mut chunk = vec![0u8; size + 2];
                    if reader.read_exact(&mut chunk).is_err() {
                        return;
                    }
                    text(&chunk[..size]);
                } else {
                    let mut buf = [0u8; 4096];
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => text(&buf[..n]),
                    }
                }
            }
        });
        Stream { lines: received }
    }

    /// POST with a JSON body and an `Authorization` header unless `authorization` is empty.
    pub(crate) fn post_json(&self, path: &str, authorization: &str, body: &str) -> (u16, String) {
        let mut headers = vec![("Content-Type", "application/json")];
        if !authorization.is_empty() {
            headers.push(("Authorization", authorization));
        }
        self.request("POST", path, &headers, body)
    }
}

/// The checker over a cluster run: the enterprise's journal, as the store has it, is one
/// gap-free run of sequences whose epochs never go back (no write of an owner after the one
/// that took over from it) and whose event keys never go back. Answers the entries' epochs.
pub(crate) fn check_journal(
    runtime: &tokio::runtime::Runtime,
    schema: &PgTestSchema,
    enterprise_id: &str,
) -> Vec<i64> {
    use sentral_store::telephony_journal as journal;
    runtime.block_on(async {
        let store =
            sentral_store::Store::open(&sentral_store::StoreLocation::Postgres(schema.url.clone()))
                .await
                .expect("the test's store");
        let mut conn = store.read().await.expect("a connection");
        let entries = journal::entries_after(&mut conn, enterprise_id, 0)
            .await
            .expect("the journal");
        assert!(!entries.is_empty(), "no journal of {enterprise_id}");
        for pair in entries.windows(2) {
            let (before, after) = (&pair[0], &pair[1]);
            assert_eq!(after.seq, before.seq + 1, "a gap in the journal: {pair:#?}");
            assert!(
                after.epoch.get() >= before.epoch.get(),
                "an older owner wrote after a newer one: {pair:#?}"
            );
            assert!(after.event_key >= before.event_key, "{pair:#?}");
        }
        entries.iter().map(|entry| entry.epoch.get()).collect()
    })
}

/// A webhook receiver on a loopback port: it answers 204 to every POST and keeps each
/// delivery's `webhook-id` and envelope `seq`.
pub(crate) struct WebhookReceiver {
    pub(crate) url: String,
    received: Arc<Mutex<Vec<(String, u64)>>>,
}

impl WebhookReceiver {
    pub(crate) fn start() -> WebhookReceiver {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a receiver port");
        let url = format!(
            "http://{}/hook",
            listener.local_addr().expect("its address")
        );
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = received.clone();
        thread::spawn(move || {
            for connection in listener.incoming().map_while(Result::ok) {
                let sink = sink.clone();
                thread::spawn(move || {
                    let _ = serve_webhooks(connection, &sink);
                });
            }
        });
        WebhookReceiver { url, received }
    }

    /// What arrived so far: (webhook-id, seq), in arrival order, retries included.
    pub(crate) fn received(&self) -> Vec<(String, u64)> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

/// One keep-alive connection of webhook deliveries.
fn serve_webhooks(connection: TcpStream, sink: &Mutex<Vec<(String, u64)>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(connection.try_clone()?);
    let mut writer = connection;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let (mut length, mut id) = (0usize, String::new());
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "webhook-id" => id = value.trim().to_owned(),
                    _ => {}
                }
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body)?;
        if let Ok(envelope) = serde_json::from_slice::<serde_json::Value>(&body)
            && let Some(seq) = envelope["seq"].as_u64()
            && let Ok(mut received) = sink.lock()
        {
            received.push((id, seq));
        }
        writer.write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")?;
    }
}

/// A NATS server of the test's own on `port` (so stopping it disturbs no other test), with
/// JetStream storing into a directory of that port's (a server started again on the port finds
/// its streams); killed when dropped.
pub(crate) struct Nats(Child);

impl Nats {
    pub(crate) fn start(port: u16) -> Option<Nats> {
        let store = std::env::temp_dir().join(format!("sentral-test-nats-{port}"));
        let child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(&store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        // Until it accepts connections.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            thread::sleep(Duration::from_millis(20));
        }
        Some(Nats(child))
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port free a moment ago.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A cluster name of this test run's own: tests running at once on one NATS server do not see
/// each other's events.
pub(crate) fn cluster_name(label: &str) -> String {
    // Unique per run too: the shared server keeps a cluster's events stream for a day, and a
    // process id comes round again.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    format!("test-{label}-{}-{nanos:08x}", std::process::id())
}

/// The NATS URL of the tests, when a server answers there.
pub(crate) fn reachable_nats() -> Option<String> {
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
    eprintln!("no NATS at {url}: the cluster test is skipped");
    None
}

/// One `sentral serve --demo` on a free loopback port, with its stderr kept for failures.
pub(crate) struct Node {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Node {
    pub(crate) fn start(data_dir: &Path, global: &[&str]) -> Node {
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
    pub(crate) fn wait_ready(&self) {
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
    pub(crate) fn token(&self) -> String {
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
    pub(crate) fn get(&self, path: &str, authorization: &str) -> (u16, String) {
        let headers: &[(&str, &str)] = if authorization.is_empty() {
            &[]
        } else {
            &[("Authorization", authorization)]
        };
        self.request("GET", path, headers, "")
    }

    /// One request on a connection of its own (`Connection: close`: the body ends with it).
    pub(crate) fn request(
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

    pub(crate) fn log(&self) -> String {
        let text = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        format!("--- server {} stderr ---\n{text}", self.addr)
    }
}

impl Node {
    /// SIGKILL: no hand-over, no flush; its leases run out.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `sentral listening on http://127.0.0.1:PORT (ready in N ms)` → the address.
pub(crate) fn listening_address(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once("listening on http://")?;
    rest.split(|c: char| c.is_whitespace() || c == '/')
        .next()?
        .parse()
        .ok()
}

/// Drops the test's PostgreSQL schema, also when the test fails.
/// A fresh PostgreSQL schema of the test's own and the runtime that made it; the schema is
/// dropped with it.
pub(crate) struct TestDatabase {
    pub(crate) runtime: tokio::runtime::Runtime,
    pub(crate) schema: PgTestSchema,
}

impl TestDatabase {
    pub(crate) fn create(base_url: &str) -> TestDatabase {
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
        let schema = runtime
            .block_on(PgTestSchema::create(base_url))
            .expect("a fresh PostgreSQL schema");
        TestDatabase { runtime, schema }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = self.runtime.block_on(self.schema.drop_schema());
    }
}

/// A temp data dir of this test's own (each node locks its own), removed when dropped.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new(label: &str) -> Scratch {
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

/// A TCP relay from a loopback port to NATS, for one node: cut, it disconnects that node alone
/// (the others keep their connections) and refuses its reconnections; restored, the node
/// reconnects through the same port.
pub(crate) struct NatsRelay {
    port: u16,
    open: Arc<std::sync::atomic::AtomicBool>,
    connections: Arc<Mutex<Vec<TcpStream>>>,
}

impl NatsRelay {
    pub(crate) fn start(upstream: SocketAddr) -> NatsRelay {
        use std::sync::atomic::{AtomicBool, Ordering};

        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a relay port");
        let port = listener.local_addr().expect("its address").port();
        let open = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let (accepting, kept) = (open.clone(), connections.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !accepting.load(Ordering::SeqCst) {
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let streams = [&client, &server].map(|stream| stream.try_clone().expect("a clone"));
                kept.lock().unwrap().extend(streams);
                for (mut from, mut to) in [
                    (
                        client.try_clone().expect("a clone"),
                        server.try_clone().expect("a clone"),
                    ),
                    (server, client),
                ] {
                    thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                        let _ = from.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        NatsRelay {
            port,
            open,
            connections,
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Drops the node's connections and refuses new ones.
    pub(crate) fn cut(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for stream in self.connections.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Lets the node connect again.
    pub(crate) fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}
