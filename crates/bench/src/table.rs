//! `sentral-bench table`: the endpoint table of issue 17. Starts the axum
//! hello-world and `sentral serve --demo` (SQLite in a temp data dir, or a
//! fresh PostgreSQL schema), then measures every row closed loop, one after
//! the other, each beside the hello-world of the same run: req/s, the ratio to
//! the hello-world, the server's CPU time per request (utime + stime of its
//! process from `/proc/<pid>/stat`), p50/p99; the server's RSS idle and after
//! the whole table. One write row creates a unique contact per request.
//! `--pin` adds the subscription search with server and load generator (one
//! thread) on a core each, against the hello-world pinned the same way.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use hyper::Method;
use hyper::header::{self, HeaderValue};

use crate::client::{self, Header, Target};
use crate::load::{self, BodyTemplate, LoadConfig, LoadResult};
use crate::perf;
use crate::procs::{self, Servers};
use crate::report::{self, Machine};
use crate::run::{self, READY_TIMEOUT, TOKEN_PATH, WARMUP, progress};
use crate::stats::Ms;

const HELLO_PATH: &str = "/hello";
const ENTERPRISE: &str = "100001";
const SEARCH_PATH: &str = "/corporate-mobile-subscriptions/v2/mobile-subscriptions?organizationNumber=930000000&pageSize=5";
const CONTACTS_PATH: &str = "/catalog/contacts?pageSize=5";
const CONTACTS: &str = "/catalog/contacts";

pub struct TableConfig {
    pub sentral: Option<PathBuf>,
    /// PostgreSQL instead of SQLite: a fresh schema is made there and dropped afterwards.
    pub database_url: Option<String>,
    pub duration: Duration,
    pub connections: usize,
    pub write_connections: usize,
    pub pinning: Option<Pinning>,
    /// Profile the server with perf under the contacts page for this long.
    pub perf: Option<Duration>,
    pub keep_temp: bool,
}

/// `taskset` CPU lists.
#[derive(Clone, Debug)]
pub struct Pinning {
    pub server_cpus: String,
    pub load_cpus: String,
}

/// What a row is held to (issue 17's targets, as ratios to the hello-world).
#[derive(Clone, Copy, PartialEq)]
enum Class {
    Reference,
    Cached,
    Point,
    Page,
    Other,
    Write,
    PinnedPage,
}

impl Class {
    fn target(self) -> Option<f64> {
        match self {
            Class::Cached => Some(0.80),
            Class::Point => Some(0.50),
            Class::Page => Some(0.35),
            Class::PinnedPage => Some(0.18),
            Class::Reference | Class::Other | Class::Write => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Server {
    Hello,
    Sentral,
}

struct Spec {
    label: String,
    class: Class,
    server: Server,
    method: Method,
    path: String,
    body: Option<BodyTemplate>,
    connections: usize,
    pinned: bool,
}

impl Spec {
    fn get(label: &str, class: Class, path: &str, connections: usize) -> Spec {
        Spec {
            label: label.to_owned(),
            class,
            server: Server::Sentral,
            method: Method::GET,
            path: path.to_owned(),
            body: None,
            connections,
            pinned: false,
        }
    }
}

pub struct Row {
    label: String,
    class: Class,
    connections: usize,
    pinned: bool,
    /// Response body size of one request before the load (its status if not 2xx).
    sample: Sample,
    result: LoadResult,
    /// Server CPU (user + system) per response over the whole run.
    cpu_per_request: Option<Duration>,
}

struct Sample {
    status: u16,
    bytes: usize,
}

pub struct Table {
    machine: Machine,
    date: String,
    sentral_path: String,
    backend: String,
    duration: Duration,
    load_before: String,
    load_after: String,
    pinning: Option<Pinning>,
    rows: Vec<Row>,
    rss_idle_kib: Option<u64>,
    rss_after_kib: Option<u64>,
    write_connections: usize,
    profile: Option<Result<String, String>>,
}

/// Runs the whole table; servers are killed and a PostgreSQL schema dropped on every exit path.
pub async fn run(cfg: &TableConfig) -> Result<Table, String> {
    let sentral = run::resolve_sentral(cfg.sentral.as_deref())?;
    let tmp = procs::temp_dir()?;
    let schema = match &cfg.database_url {
        Some(url) => Some(PgSchema::create(url)?),
        None => None,
    };
    let mut servers = Servers::default();
    let result = tokio::select! {
        r = measure(cfg, &sentral, &tmp, schema.as_ref(), &mut servers) => r,
        sig = run::shutdown_signal() => Err(format!("interrupted by {sig}")),
    };
    servers.shutdown();
    if let Some(schema) = &schema {
        match schema.drop_schema() {
            Ok(()) => progress(&format!("dropped schema {}", schema.schema)),
            Err(e) => progress(&format!("could not drop schema {}: {e}", schema.schema)),
        }
    }
    match &result {
        Ok(_) if !cfg.keep_temp => {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        _ => progress(&format!("logs and data kept in {}", tmp.display())),
    }
    result
}

async fn measure(
    cfg: &TableConfig,
    sentral: &Path,
    tmp: &Path,
    schema: Option<&PgSchema>,
    servers: &mut Servers,
) -> Result<Table, String> {
    let load_before = loadavg();
    let (hello_port, sentral_port) = procs::free_ports()?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate own executable: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.args(["hello", "--listen", &format!("127.0.0.1:{hello_port}")]);
    servers.spawn("baseline", cmd, &tmp.join("baseline.log"))?;

    let data_dir = tmp.join("data");
    std::fs::create_dir(&data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut cmd = Command::new(sentral);
    cmd.args(["serve", "--demo", "--data-dir"])
        .arg(&data_dir)
        .args(["--listen", &format!("127.0.0.1:{sentral_port}")])
        .args(["--quota-per-minute", "0", "--spike-arrest-per-second", "0"]);
    if let Some(schema) = schema {
        cmd.args(["--database-url", &schema.url]);
    }
    // Hermetic: no sentral.toml from the working directory, no SENTRAL_* from the environment.
    cmd.current_dir(tmp);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SENTRAL_") {
            cmd.env_remove(key);
        }
    }
    servers.spawn("sentral", cmd, &tmp.join("sentral.log"))?;

    let hello = Target::loopback(hello_port, HELLO_PATH);
    let api = Target::loopback(sentral_port, "/healthz");
    progress(&format!("waiting for the hello-world on {}", hello.url()));
    procs::wait_ready(servers, "baseline", &hello, READY_TIMEOUT).await?;
    progress(&format!("waiting for sentral on {}", api.url()));
    procs::wait_ready(servers, "sentral", &api, READY_TIMEOUT).await?;
    let hello_pid = servers.pid("baseline").ok_or("no hello-world pid")?;
    let sentral_pid = servers.pid("sentral").ok_or("no sentral pid")?;
    let token_target = api.with_path(TOKEN_PATH);
    let auth = bearer(&run::fetch_token(&token_target).await?)?;
    let rss_idle_kib = rss_kib(sentral_pid);
    progress(&format!(
        "sentral idle (after start and one token grant): RSS {}",
        mib(rss_idle_kib)
    ));

    // The point reads' ids, from the demo world's lists.
    let contact = first_id(&api, "/catalog/contacts?pageSize=1", "contactId", &auth).await?;
    let member = first_id(
        &api,
        &format!("/catalog/enterprises/{ENTERPRISE}/members?pageSize=1"),
        "memberId",
        &auth,
    )
    .await?;

    let c = cfg.connections;
    let mut specs = vec![
        Spec {
            server: Server::Hello,
            ..Spec::get(
                "axum hello-world `GET /hello` (reference)",
                Class::Reference,
                HELLO_PATH,
                c,
            )
        },
        Spec::get(
            "`GET /organizations/v1/organizations` (cached)",
            Class::Cached,
            "/organizations/v1/organizations",
            c,
        ),
        Spec::get(
            "`GET /corporate-mobile-subscriptions/v2/mobile-subscriptions/91000001`",
            Class::Point,
            "/corporate-mobile-subscriptions/v2/mobile-subscriptions/91000001",
            c,
        ),
        Spec::get(
            "`GET …/mobile-subscriptions?organizationNumber=930000000&pageSize=5`",
            Class::Page,
            SEARCH_PATH,
            c,
        ),
        Spec::get(
            "`GET /corporate-accounts/v2/accounts?pageSize=5`",
            Class::Page,
            "/corporate-accounts/v2/accounts?pageSize=5",
            c,
        ),
        Spec::get("`GET /queue/queues`", Class::Other, "/queue/queues", c),
        Spec::get(
            "`GET /catalog/enterprises/100001/members?pageSize=5`",
            Class::Page,
            &format!("/catalog/enterprises/{ENTERPRISE}/members?pageSize=5"),
            c,
        ),
        Spec::get(
            "`GET /catalog/contacts?pageSize=5`",
            Class::Page,
            CONTACTS_PATH,
            c,
        ),
        Spec::get(
            &format!("`GET /catalog/contacts/{{id}}` (point read, {contact})"),
            Class::Point,
            &format!("{CONTACTS}/{contact}"),
            c,
        ),
        Spec::get(
            &format!("`GET /catalog/members/{{id}}` (point read, {member})"),
            Class::Point,
            &format!("/catalog/members/{member}"),
            c,
        ),
        Spec {
            method: Method::POST,
            body: Some(BodyTemplate::new(&contact_template())),
            ..Spec::get(
                "`POST /catalog/contacts` (durable write, a new contact each)",
                Class::Write,
                CONTACTS,
                cfg.write_connections,
            )
        },
    ];
    if cfg.pinning.is_some() {
        specs.push(Spec {
            server: Server::Hello,
            pinned: true,
            ..Spec::get(
                "axum hello-world `GET /hello`, **pinned** (reference)",
                Class::Reference,
                HELLO_PATH,
                c,
            )
        });
        specs.push(Spec {
            pinned: true,
            ..Spec::get(
                "`GET …/mobile-subscriptions?organizationNumber=930000000&pageSize=5`, **pinned**",
                Class::PinnedPage,
                SEARCH_PATH,
                c,
            )
        });
    }

    let clk_tck = clock_ticks_per_second();
    let mut rows = Vec::with_capacity(specs.len());
    let mut pinned_yet = false;
    let total = specs.len();
    let mut profiled = None;
    for (i, spec) in specs.into_iter().enumerate() {
        // The profile comes after the reads and before the write row, so that the contacts
        // page it loads is the demo world's, as in the table's row (the writes add thousands).
        if spec.class == Class::Write
            && let Some(seconds) = cfg.perf
        {
            let contacts = api.with_path(CONTACTS_PATH);
            profiled = Some(profile(cfg, sentral_pid, contacts, auth.clone(), seconds, tmp).await);
        }
        if spec.pinned && !pinned_yet {
            let p = cfg.pinning.as_ref().ok_or("pinned row without pinning")?;
            for pid in [hello_pid, sentral_pid] {
                taskset(pid, &p.server_cpus, true)?;
            }
            progress(&format!(
                "pinned the hello-world and sentral to CPU {}; the load generator runs one thread on CPU {}",
                p.server_cpus, p.load_cpus
            ));
            pinned_yet = true;
        }
        let (target, pid) = match spec.server {
            Server::Hello => (hello.clone(), hello_pid),
            Server::Sentral => (api.with_path(&spec.path), sentral_pid),
        };
        let headers = match (spec.server, &spec.body) {
            (Server::Hello, _) => Vec::new(),
            (Server::Sentral, None) => vec![auth.clone()],
            (Server::Sentral, Some(_)) => vec![
                bearer(&run::fetch_token(&token_target).await?)?,
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
            ],
        };
        // One request first: its size for the table, and a failure shown before the load.
        let sample_body = spec
            .body
            .as_ref()
            .map_or_else(Bytes::new, |t| t.render(u64::MAX));
        let (status, body) =
            client::request_once(&target, spec.method.clone(), &headers, sample_body).await?;
        let sample = Sample {
            status: status.as_u16(),
            bytes: body.len(),
        };
        if !status.is_success() {
            let excerpt: String = String::from_utf8_lossy(&body).chars().take(300).collect();
            progress(&format!(
                "!!! {} {} answered HTTP {status}: {excerpt}",
                spec.method,
                target.url()
            ));
        }
        progress(&format!(
            "row {}/{total}: {} {} — {} connections{}, {} s (+{} s warm-up) …",
            i + 1,
            spec.method,
            target.path,
            spec.connections,
            if spec.pinned { ", pinned" } else { "" },
            cfg.duration.as_secs_f64(),
            WARMUP.as_secs()
        ));
        let load_cfg = LoadConfig {
            target,
            method: spec.method.clone(),
            body: spec.body.clone(),
            headers,
            connections: spec.connections,
            duration: cfg.duration,
            warmup: WARMUP,
            rate: None,
        };
        let cpu_before = cpu_ticks(pid)?;
        let result = match (&cfg.pinning, spec.pinned) {
            (Some(p), true) => pinned_load(load_cfg, p.load_cpus.clone()).await?,
            _ => load::run(&load_cfg).await?,
        };
        let cpu_after = cpu_ticks(pid)?;
        servers.check_alive("baseline")?;
        servers.check_alive("sentral")?;
        let cpu_per_request = (result.responses > 0).then(|| {
            Duration::from_secs_f64(
                cpu_after.saturating_sub(cpu_before) as f64 / clk_tck / result.responses as f64,
            )
        });
        progress(&format!(
            "  → {:.0} req/s, server CPU {} per request; {}",
            result.throughput(),
            cpu_per_request.map_or("n/a".into(), micros),
            report::latency_line(&result.latency)
        ));
        if let Some(w) = report::warning(&spec.label, &result) {
            progress(&w);
        }
        rows.push(Row {
            label: spec.label,
            class: spec.class,
            connections: spec.connections,
            pinned: spec.pinned,
            sample,
            result,
            cpu_per_request,
        });
    }
    let rss_after_kib = rss_kib(sentral_pid);
    progress(&format!(
        "sentral after the whole table: RSS {}",
        mib(rss_after_kib)
    ));
    let load_after = loadavg();

    Ok(Table {
        machine: Machine::detect(),
        date: report::utc_now(),
        sentral_path: sentral.display().to_string(),
        backend: match schema {
            None => "SQLite (a fresh data dir in a temp dir)".into(),
            Some(s) => format!(
                "PostgreSQL (fresh schema `{}` on `{}`, dropped afterwards)",
                s.schema,
                redact(&s.base_url)
            ),
        },
        duration: cfg.duration,
        load_before,
        load_after,
        pinning: cfg.pinning.clone(),
        rows,
        rss_idle_kib,
        rss_after_kib,
        write_connections: cfg.write_connections,
        profile: profiled,
    })
}

/// A contact per request: `{n}` makes the externalId (unique per live contact) and the name
/// unique; the run's nonce keeps two runs on one store apart.
fn contact_template() -> String {
    let nonce = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!(
        r#"{{"firstName":"Bench","lastName":"Writer {{n}}","company":"Benchmark AS","email":"bench{{n}}@example.no","numbers":[{{"kind":"work","number":"+47 22000000"}}],"externalId":"bench-{nonce}-{{n}}"}}"#
    )
}

async fn profile(
    cfg: &TableConfig,
    pid: u32,
    target: Target,
    auth: Header,
    seconds: Duration,
    tmp: &Path,
) -> Result<String, String> {
    progress(&format!(
        "perf: recording the server for {} s under GET {} ({} connections) …",
        seconds.as_secs_f64(),
        target.path,
        cfg.connections
    ));
    let load_cfg = LoadConfig {
        target: target.clone(),
        method: Method::GET,
        body: None,
        headers: vec![auth],
        connections: cfg.connections,
        // The recording starts after the warm-up and ends before the load does.
        duration: seconds + Duration::from_millis(500),
        warmup: WARMUP,
        rate: None,
    };
    let load = tokio::spawn(async move { load::run(&load_cfg).await });
    tokio::time::sleep(WARMUP).await;
    let data = tmp.join("perf.data");
    let log = tmp.join("perf.log");
    let recording = perf::record(pid, seconds.as_secs_f64(), &data, &log)?;
    let command = recording.command.clone();
    let log_for_wait = log.clone();
    let data = tokio::task::spawn_blocking(move || recording.finish(&log_for_wait))
        .await
        .map_err(|e| format!("perf wait failed: {e}"))??;
    let result = load
        .await
        .map_err(|e| format!("profile load failed: {e}"))??;
    progress(&format!(
        "  → {:.0} req/s under perf; analysing {} …",
        result.throughput(),
        data.display()
    ));
    let analysed = tokio::task::spawn_blocking(move || perf::analyse(&data))
        .await
        .map_err(|e| format!("perf analysis failed: {e}"))??;
    let mut title = format!(
        "perf profile of the server under `GET {}`, {} connections, {:.0} req/s while recorded \
         (after the read rows, before the write row)",
        target.path,
        cfg.connections,
        result.throughput()
    );
    if !result.is_clean() {
        title.push_str(" (the load saw failures)");
    }
    let command = command.replace(&tmp.display().to_string(), "$TMP");
    Ok(analysed.markdown(&title, &command))
}

/// Runs a load on a thread of its own, pinned with `taskset`, on a current-thread runtime:
/// one load thread, as `wrk -t1`.
async fn pinned_load(cfg: LoadConfig, cpus: String) -> Result<LoadResult, String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("pinned-load".into())
        .spawn(move || {
            let outcome = (|| {
                taskset(current_tid()?, &cpus, false)?;
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot build the load runtime: {e}"))?;
                rt.block_on(load::run(&cfg))
            })();
            let _ = tx.send(outcome);
        })
        .map_err(|e| format!("cannot start the load thread: {e}"))?;
    rx.await
        .map_err(|_| "the pinned load thread died".to_owned())?
}

fn current_tid() -> Result<u32, String> {
    // "/proc/thread-self" → "<pid>/task/<tid>".
    let link = std::fs::read_link("/proc/thread-self")
        .map_err(|e| format!("cannot read /proc/thread-self: {e}"))?;
    link.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("unexpected /proc/thread-self: {}", link.display()))
}

/// `taskset [-a] -p -c CPUS PID`: `-a` for every thread of the process.
fn taskset(pid: u32, cpus: &str, all_threads: bool) -> Result<(), String> {
    let mut cmd = Command::new("taskset");
    if all_threads {
        cmd.arg("-a");
    }
    let out = cmd
        .args(["-p", "-c", cpus, &pid.to_string()])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run taskset (util-linux): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "taskset -p -c {cpus} {pid} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn bearer(token: &str) -> Result<Header, String> {
    let value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|e| format!("access_token is not a valid header value: {e}"))?;
    Ok((header::AUTHORIZATION, value))
}

/// `content[0][field]` of a list.
async fn first_id(api: &Target, path: &str, field: &str, auth: &Header) -> Result<String, String> {
    let target = api.with_path(path);
    let (status, body) = client::request_once(
        &target,
        Method::GET,
        std::slice::from_ref(auth),
        Bytes::new(),
    )
    .await?;
    let text = String::from_utf8_lossy(&body);
    if !status.is_success() {
        return Err(format!("GET {path}: HTTP {status}: {text}"));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("GET {path}: not JSON ({e}): {text}"))?;
    json.pointer(&format!("/content/0/{field}"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("GET {path}: no content[0].{field} in {text}"))
}

/// utime + stime of every thread of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64, String> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    // The command name (field 2) may hold spaces; fields count on after its ')'.
    let rest = stat
        .rfind(')')
        .map(|i| &stat[i + 1..])
        .ok_or_else(|| format!("unexpected {path}: {stat}"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    let field = |n: usize| -> Result<u64, String> {
        fields
            .get(n - 3)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no field {n} in {path}"))
    };
    Ok(field(14)? + field(15)?)
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

/// VmRSS of `pid` in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// The URL without its password.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// A fresh schema for one run, made and dropped with `psql` (as the store's test helper does
/// with sqlx): the server gets `search_path` set to it through the URL.
struct PgSchema {
    base_url: String,
    schema: String,
    url: String,
}

impl PgSchema {
    fn create(base_url: &str) -> Result<PgSchema, String> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let schema = format!("sentral_bench_{}_{nanos:09}", std::process::id());
        // pg_trgm once for the database, outside the schema (as the test helper does); best effort.
        let _ = psql(
            base_url,
            "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public",
        );
        psql(base_url, &format!("CREATE SCHEMA {schema}"))?;
        let separator = if base_url.contains('?') { '&' } else { '?' };
        let url = format!("{base_url}{separator}options=-c%20search_path%3D{schema}");
        progress(&format!("created schema {schema}"));
        Ok(PgSchema {
            base_url: base_url.to_owned(),
            schema,
            url,
        })
    }

    fn drop_schema(&self) -> Result<(), String> {
        psql(
            &self.base_url,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema),
        )
    }
}

fn psql(url: &str, sql: &str) -> Result<(), String> {
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run psql (apt-get install postgresql-client): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "psql {sql:?} on {} failed: {}",
            redact(url),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Table {
    /// Warnings for rows whose figures must not be used.
    pub fn warnings(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter_map(|r| report::warning(&r.label, &r.result))
            .collect()
    }

    pub fn markdown(&self) -> String {
        let m = &self.machine;
        let mut s = String::new();
        let _ = writeln!(s, "### Endpoint table — {}\n", self.date);
        let _ = writeln!(
            s,
            "- Machine: {} CPUs (`nproc`), kernel `{}`{}; load average {} at the start, {} at the end.",
            m.nproc,
            m.kernel,
            m.cpu.as_ref().map_or(String::new(), |c| format!(", {c}")),
            self.load_before,
            self.load_after
        );
        let _ = writeln!(s, "- Store: {}.", self.backend);
        let _ = writeln!(s, "- sentral binary: `{}`.", self.sentral_path);
        let _ = writeln!(
            s,
            "- Each row: closed loop, {} measured after {} warm-up, HTTP/1.1 keep-alive; the \
             servers, the load generator and anything else running share the cores{}.\n",
            secs(self.duration),
            secs(WARMUP),
            match &self.pinning {
                None => String::new(),
                Some(p) => format!(
                    " (except the **pinned** rows: both servers on CPU {}, the load generator \
                     one thread on CPU {})",
                    p.server_cpus, p.load_cpus
                ),
            }
        );
        let _ = writeln!(
            s,
            "| request (demo world, Bearer token) | conns | body (B) | req/s | × hello-world | server CPU / req | p50 (ms) | p99 (ms) | target | notes |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
        let reference = |pinned: bool| {
            self.rows
                .iter()
                .find(|r| r.class == Class::Reference && r.pinned == pinned)
                .map_or(0.0, |r| r.result.throughput())
        };
        for r in &self.rows {
            let base = reference(r.pinned);
            let rps = r.result.throughput();
            let ratio = (base > 0.0).then(|| rps / base);
            let target = match (r.class, r.class.target()) {
                (Class::Reference, _) => "—".to_owned(),
                (Class::Write, _) => "≥ 5 × before".to_owned(),
                (_, None) => "—".to_owned(),
                (_, Some(t)) => format!(
                    "≥ {t:.2}: {}",
                    if ratio.is_some_and(|x| x >= t) {
                        "met"
                    } else {
                        "not met"
                    }
                ),
            };
            let mut notes = Vec::new();
            if r.sample.status >= 300 || r.sample.status < 200 {
                notes.push(format!("first request HTTP {}", r.sample.status));
            }
            if !r.result.is_clean() {
                let mut what = Vec::new();
                if r.result.non_2xx > 0 {
                    what.push(format!(
                        "{} non-2xx{}",
                        r.result.non_2xx,
                        r.result
                            .non_2xx_example
                            .map_or(String::new(), |st| format!(" (e.g. {st})"))
                    ));
                }
                if r.result.errors > 0 {
                    what.push(format!("{} errors", r.result.errors));
                }
                notes.push(format!("**dirty: {}: not valid**", what.join(", ")));
            }
            if r.class == Class::Write {
                notes.push(format!(
                    "{} contacts created",
                    r.result.responses - r.result.non_2xx
                ));
            }
            let _ = writeln!(
                s,
                "| {}{} | {} | {} | {rps:.0} | {} | {} | {} | {} | {target} | {} |",
                r.label,
                if r.result.is_clean() { "" } else { " ⚠" },
                r.connections,
                r.sample.bytes,
                ratio.map_or("n/a".into(), |x| format!("{x:.2}")),
                r.cpu_per_request.map_or("n/a".into(), micros),
                Ms(r.result.latency.p50),
                Ms(r.result.latency.p99),
                notes.join("; ")
            );
        }
        let _ = writeln!(
            s,
            "\nServer RSS (VmRSS): idle {} (after start and one token grant), {} after the whole table.\n",
            mib(self.rss_idle_kib),
            mib(self.rss_after_kib)
        );
        let _ = writeln!(
            s,
            "req/s counts 2xx responses completed in the measured window. × hello-world is the \
             ratio to the hello-world row of the same run (a pinned row: to the pinned \
             hello-world). Server CPU / req is the user + system time of the server process \
             (`/proc/<pid>/stat`, all threads) over the whole run, warm-up included, divided by \
             the responses in the same run: it does not depend on how busy the other cores \
             were. Latency is client-observed (closed loop: for information). The write row \
             uses {} connections and creates a new contact per request (a counter in the \
             body's externalId).",
            self.write_connections
        );
        let warnings = self.warnings();
        if !warnings.is_empty() {
            let _ = writeln!(s);
            for w in warnings {
                let _ = writeln!(s, "> **{w}**");
            }
        }
        match &self.profile {
            None => {}
            Some(Ok(p)) => {
                let _ = writeln!(s, "\n{p}");
            }
            Some(Err(e)) => {
                let _ = writeln!(s, "\nperf profile: not available: {e}");
            }
        }
        s
    }
}

fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contact_template_is_json_with_a_counter() {
        let body = BodyTemplate::new(&contact_template()).render(17);
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["lastName"], "Writer 17");
        assert!(json["externalId"].as_str().unwrap().ends_with("-17"));
    }

    #[test]
    fn own_cpu_and_rss_are_readable() {
        let pid = std::process::id();
        assert!(cpu_ticks(pid).is_ok());
        assert!(rss_kib(pid).is_some_and(|k| k > 0));
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1:5432/test"),
            "postgres://postgres@127.0.0.1:5432/test"
        );
    }
}
