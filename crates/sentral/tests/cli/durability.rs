//! Acknowledged writes survive `kill -9`: the real `sentral serve --demo`, concurrent writers over
//! HTTP, SIGKILL while they write, a restart on the same store, and every acknowledged write read
//! back; several rounds, on SQLite and (when `SENTRAL_TEST_DATABASE_URL` is set) PostgreSQL.
//!
//! Each round starts the server on the store of the rounds before (with `--demo`, which seeds
//! only an empty store: the demo world, and what was written into it, stays), reads back every
//! contact acknowledged so far, then lets [`WRITERS`] threads create contacts — each remembers the
//! `contactId` and `externalId` of every create answered 201 — and kills the server (SIGKILL) while
//! they are still writing. A last start reads everything back once more. A write acknowledged
//! before its commit was durable (an answer sent before the commit, a group commit acknowledging
//! early, a commit that only reached memory) would be missing after one of the kills.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sentral_store::testing::postgres_test_url;

use crate::cluster_support::TestDatabase;

const ROUNDS: usize = 3;
const WRITERS: usize = 8;
/// How long the writers write before the kill (at least; see [`MIN_ACKS`]).
const WRITE_TIME: Duration = Duration::from_millis(1200);
/// A round kills only once this many writes were acknowledged, so that it tests something.
const MIN_ACKS: usize = 40;
/// How many lost writes a failure lists.
const SHOWN: usize = 20;
const START_TIMEOUT: Duration = Duration::from_secs(60);
const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// HTTP Basic for the demo client (`demo-client:demo-secret`).
const DEMO_BASIC: &str = "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=";
const TOKEN_FORM: &str = "grant_type=password&username=api0000000001&password=demo-password";

#[test]
fn acknowledged_contacts_survive_kill_9_on_sqlite() {
    let dir = Scratch::new("durability-sqlite");
    rounds(&dir.path, None);
}

#[test]
fn acknowledged_contacts_survive_kill_9_on_postgres() {
    let Some(base_url) = postgres_test_url() else {
        eprintln!("SENTRAL_TEST_DATABASE_URL is not set: the PostgreSQL durability run is skipped");
        return;
    };
    let database = TestDatabase::create(&base_url);
    let dir = Scratch::new("durability-postgres");
    rounds(&dir.path, Some(&database.schema.url));
}

/// A contact that the server acknowledged with 201.
#[derive(Clone, Debug)]
struct Ack {
    contact_id: String,
    external_id: String,
    last_name: String,
}

fn rounds(data_dir: &Path, database_url: Option<&str>) {
    let mut acknowledged: Vec<Ack> = Vec::new();
    for round in 0..ROUNDS {
        let server = Server::start(data_dir, database_url);
        let token = server.token();
        read_back(&server, &token, &acknowledged, round);
        let acks = write_until_killed(server, &token, round);
        eprintln!(
            "durability round {round}: {} creates acknowledged before the kill",
            acks.len()
        );
        acknowledged.extend(acks);
    }
    let server = Server::start(data_dir, database_url);
    let token = server.token();
    read_back(&server, &token, &acknowledged, ROUNDS);
    eprintln!(
        "durability: all {} acknowledged creates read back after {ROUNDS} kills",
        acknowledged.len()
    );
}

/// Every acknowledged contact, read by id: there, live, and the one that was written.
fn read_back(server: &Server, token: &str, acknowledged: &[Ack], after_round: usize) {
    let mut http = Http::new(server.addr);
    let auth = format!("Bearer {token}");
    let mut missing = Vec::new();
    for ack in acknowledged {
        let path = format!("/catalog/contacts/{}", ack.contact_id);
        let (status, body) = http
            .request("GET", &path, &[("Authorization", &auth)], b"")
            .unwrap_or_else(|e| panic!("GET {path}: {e}\n{}", server.log()));
        if status != 200 {
            missing.push(format!(
                "{} ({}): HTTP {status} {}",
                ack.contact_id,
                ack.external_id,
                String::from_utf8_lossy(&body)
            ));
            continue;
        }
        let json: serde_json::Value =
            serde_json::from_slice(&body).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e})"));
        let same = json["contactId"] == ack.contact_id.as_str()
            && json["externalId"] == ack.external_id.as_str()
            && json["lastName"] == ack.last_name.as_str()
            && json["deleted"] != true;
        if !same {
            missing.push(format!("{}: read back as {json}", ack.contact_id));
        }
    }
    let shown = missing.len().min(SHOWN);
    assert!(
        missing.is_empty(),
        "after kill -9 number {after_round}, {} of {} acknowledged creates are lost or changed \
         (the first {shown}):\n{}",
        missing.len(),
        acknowledged.len(),
        missing[..shown].join("\n")
    );
}

/// Writers create contacts until the server is killed; answers what was acknowledged.
fn write_until_killed(mut server: Server, token: &str, round: usize) -> Vec<Ack> {
    let killed = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let (sent, received) = mpsc::channel::<Result<Vec<Ack>, String>>();
    for writer in 0..WRITERS {
        let (killed, acked, sent) = (killed.clone(), acked.clone(), sent.clone());
        let (addr, auth) = (server.addr, format!("Bearer {token}"));
        thread::spawn(move || {
            let _ = sent.send(writer_loop(addr, &auth, round, writer, &killed, &acked));
        });
    }
    drop(sent);
    let started = Instant::now();
    while started.elapsed() < WRITE_TIME
        || (acked.load(Ordering::SeqCst) < MIN_ACKS as u64 && started.elapsed() < START_TIMEOUT)
    {
        thread::sleep(Duration::from_millis(20));
    }
    // Writes are in flight now: kill -9 (`Child::kill` sends SIGKILL on Unix).
    killed.store(true, Ordering::SeqCst);
    server.kill();
    let mut acks = Vec::new();
    let mut failures = Vec::new();
    for outcome in received.iter().take(WRITERS) {
        match outcome {
            Ok(mine) => acks.extend(mine),
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "round {round}: writes failed before the kill:\n{}\n{}",
        failures.join("\n"),
        server.log()
    );
    assert!(
        acks.len() >= MIN_ACKS,
        "round {round}: only {} creates acknowledged in {:?}: too few to test anything\n{}",
        acks.len(),
        started.elapsed(),
        server.log()
    );
    acks
}

fn writer_loop(
    addr: SocketAddr,
    auth: &str,
    round: usize,
    writer: usize,
    killed: &AtomicBool,
    acked: &AtomicU64,
) -> Result<Vec<Ack>, String> {
    let mut http = Http::new(addr);
    let mut acks = Vec::new();
    for seq in 0.. {
        let external_id = format!("durability-{round}-{writer}-{seq}");
        let last_name = format!("Writer {round}-{writer}-{seq}");
        let body = serde_json::json!({
            "firstName": "Durable",
            "lastName": last_name,
            "company": "Kill Nine AS",
            "email": format!("w{writer}.{seq}@example.no"),
            "externalId": external_id,
        })
        .to_string();
        let headers = [
            ("Authorization", auth),
            ("Content-Type", "application/json"),
        ];
        match http.request("POST", "/catalog/contacts", &headers, body.as_bytes()) {
            Ok((201, answer)) => {
                let json: serde_json::Value = serde_json::from_slice(&answer)
                    .map_err(|e| format!("a 201 without a JSON body ({e})"))?;
                let contact_id = json["contactId"]
                    .as_str()
                    .ok_or_else(|| format!("a 201 without contactId: {json}"))?
                    .to_owned();
                acks.push(Ack {
                    contact_id,
                    external_id,
                    last_name,
                });
                acked.fetch_add(1, Ordering::SeqCst);
            }
            // The kill: whatever was not answered in full is not acknowledged.
            _ if killed.load(Ordering::SeqCst) => break,
            Ok((status, answer)) => {
                return Err(format!(
                    "writer {writer}: HTTP {status}: {}",
                    String::from_utf8_lossy(&answer)
                ));
            }
            Err(e) => return Err(format!("writer {writer}: {e}")),
        }
        if killed.load(Ordering::SeqCst) {
            break;
        }
    }
    Ok(acks)
}

/// `sentral serve --demo` on a free port, with its stderr kept for failure messages.
struct Server {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(data_dir: &Path, database_url: Option<&str>) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sentral"));
        command.arg("--data-dir").arg(data_dir);
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        command.args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--quota-per-minute",
            "0",
            "--spike-arrest-per-second",
            "0",
        ]);
        // Hermetic, as support.rs: no configuration from the environment or a `./sentral.toml`.
        command.current_dir(data_dir);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SENTRAL_") {
                command.env_remove(key);
            }
        }
        command.env("RUST_LOG", "warn").env("NO_COLOR", "1");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `sentral serve --demo`: {e}"));
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
                    panic!("`sentral serve --demo` did not start:\n{log}");
                }
            }
        };
        Server {
            child,
            addr,
            stderr,
        }
    }

    /// A password grant for the demo system user.
    fn token(&self) -> String {
        let mut http = Http::new(self.addr);
        let headers = [
            ("Authorization", DEMO_BASIC),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let (status, body) = http
            .request("POST", "/oauth/v2/token", &headers, TOKEN_FORM.as_bytes())
            .unwrap_or_else(|e| panic!("token request: {e}\n{}", self.log()));
        assert_eq!(
            status,
            200,
            "token request: {}\n{}",
            String::from_utf8_lossy(&body),
            self.log()
        );
        let json: serde_json::Value = serde_json::from_slice(&body).expect("a JSON token answer");
        json["access_token"]
            .as_str()
            .expect("an access_token")
            .to_owned()
    }

    /// SIGKILL, and reap.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn log(&self) -> String {
        let text = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        format!("--- server stderr ---\n{text}")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
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

/// A minimal HTTP/1.1 keep-alive client (Content-Length and chunked bodies).
struct Http {
    addr: SocketAddr,
    conn: Option<BufReader<TcpStream>>,
}

impl Http {
    fn new(addr: SocketAddr) -> Http {
        Http { addr, conn: None }
    }

    fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<(u16, Vec<u8>)> {
        let result = self.exchange(method, path, headers, body);
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    fn exchange(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<(u16, Vec<u8>)> {
        if self.conn.is_none() {
            let stream = TcpStream::connect_timeout(&self.addr, IO_TIMEOUT)?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(IO_TIMEOUT))?;
            stream.set_write_timeout(Some(IO_TIMEOUT))?;
            self.conn = Some(BufReader::new(stream));
        }
        let conn = self.conn.as_mut().expect("connected");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let stream = conn.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        stream.flush()?;
        read_response(conn)
    }
}

fn invalid(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

fn read_line(conn: &mut BufReader<TcpStream>, line: &mut String) -> io::Result<()> {
    line.clear();
    if conn.read_line(line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    Ok(())
}

fn read_response(conn: &mut BufReader<TcpStream>) -> io::Result<(u16, Vec<u8>)> {
    let mut line = String::new();
    read_line(conn, &mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| invalid(format!("bad status line {line:?}")))?;
    let mut length = None;
    let mut chunked = false;
    loop {
        read_line(conn, &mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            if name == "content-length" {
                length = value.trim().parse::<usize>().ok();
            } else if name == "transfer-encoding" {
                chunked = value.to_ascii_lowercase().contains("chunked");
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            read_line(conn, &mut line)?;
            let size = line.trim().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| invalid(format!("bad chunk size {line:?}")))?;
            if size == 0 {
                // Trailers, up to the empty line.
                loop {
                    read_line(conn, &mut line)?;
                    if line.trim_end().is_empty() {
                        break;
                    }
                }
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            conn.read_exact(&mut body[start..])?;
            read_line(conn, &mut line)?;
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        conn.read_exact(&mut body)?;
    } else {
        conn.read_to_end(&mut body)?;
    }
    Ok((status, body))
}

/// A temp dir of this test's own, removed when dropped.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new(label: &str) -> Scratch {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "sentral-cli-{label}-{}-{nanos:x}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create the temp data dir");
        Scratch { path }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
