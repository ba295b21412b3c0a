//! `sentral-bench run`: start the baseline and sentral, measure both in one
//! session, print the Markdown report.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use axum::body::Bytes;
use hyper::Method;
use hyper::header::{self, HeaderValue};

use crate::client::{self, Client, Header, Target};
use crate::load::{self, LoadConfig, LoadResult};
use crate::procs::{self, Servers};
use crate::report::{self, Machine, Report, TokenStats};
use crate::stats::{Ms, Percentiles, micros};

/// The authenticated read that is measured.
pub const READ_PATH: &str = "/organizations/v1/organizations";
pub const TOKEN_PATH: &str = "/oauth/v2/token";
const TOKEN_BODY: &str = "grant_type=password&username=api0000000001&password=demo-password";
const CLIENT_CREDENTIALS: &str = "demo-client:demo-secret";
const TOKEN_REQUESTS: usize = 200;
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);
pub const WARMUP: Duration = Duration::from_secs(1);
/// Open-loop runs are offered this fraction of the measured closed-loop max.
const OPEN_LOOP_FRACTION: f64 = 0.8;

pub struct RunConfig {
    pub sentral: Option<PathBuf>,
    pub duration: Duration,
    pub connections: usize,
    pub keep_temp: bool,
}

/// Runs the whole benchmark; servers are killed on every exit path.
pub async fn run(cfg: &RunConfig) -> Result<Report, String> {
    let sentral = resolve_sentral(cfg.sentral.as_deref())?;
    let tmp = procs::temp_dir()?;
    let mut servers = Servers::default();
    let result = tokio::select! {
        r = measure(cfg, &sentral, &tmp, &mut servers) => r,
        sig = shutdown_signal() => Err(format!("interrupted by {sig}")),
    };
    servers.shutdown();
    match &result {
        Ok(_) if !cfg.keep_temp => {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        _ => progress(&format!("logs and data kept in {}", tmp.display())),
    }
    result
}

pub fn progress(msg: &str) {
    eprintln!("[sentral-bench] {msg}");
}

/// `--sentral`, else `target/release/sentral`, else a `sentral` next to us.
pub fn resolve_sentral(explicit: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(p) = explicit {
        return if p.is_file() {
            Ok(p.to_owned())
        } else {
            Err(format!("sentral binary not found at {}", p.display()))
        };
    }
    let default = PathBuf::from("target/release/sentral");
    if default.is_file() {
        return Ok(default);
    }
    let sibling = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("sentral")));
    match sibling {
        Some(s) if s.is_file() => Ok(s),
        _ => Err(
            "sentral binary not found at target/release/sentral; run `cargo build --release` \
             from the workspace root or pass --sentral PATH"
                .into(),
        ),
    }
}

pub async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let sigterm = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        r = tokio::signal::ctrl_c() => {
            if r.is_err() {
                std::future::pending::<()>().await;
            }
            "SIGINT"
        }
        () = sigterm => "SIGTERM",
    }
}

async fn measure(
    cfg: &RunConfig,
    sentral: &Path,
    tmp: &Path,
    servers: &mut Servers,
) -> Result<Report, String> {
    let (base_port, sentral_port) = procs::free_ports()?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate own executable: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.args(["hello", "--listen", &format!("127.0.0.1:{base_port}")]);
    servers.spawn("baseline", cmd, &tmp.join("baseline.log"))?;

    let data_dir = tmp.join("data");
    std::fs::create_dir(&data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut cmd = Command::new(sentral);
    cmd.args(["serve", "--demo", "--data-dir"])
        .arg(&data_dir)
        .args(["--listen", &format!("127.0.0.1:{sentral_port}")])
        .args(["--quota-per-minute", "0", "--spike-arrest-per-second", "0"]);
    servers.spawn("sentral", cmd, &tmp.join("sentral.log"))?;

    let baseline = Target::loopback(base_port, "/hello");
    let api = Target::loopback(sentral_port, "/healthz");
    progress(&format!("waiting for baseline on {}", baseline.url()));
    procs::wait_ready(servers, "baseline", &baseline, READY_TIMEOUT).await?;
    progress(&format!("waiting for sentral on {}", api.url()));
    procs::wait_ready(servers, "sentral", &api, READY_TIMEOUT).await?;
    let read = api.with_path(READ_PATH);
    let token_target = api.with_path(TOKEN_PATH);

    // The very first grant pays the full (uncached) secret verification.
    let started = std::time::Instant::now();
    fetch_token(&token_target).await?;
    let first_grant = started.elapsed();
    progress(&format!(
        "first token grant (uncached): {} ms",
        Ms(micros(first_grant))
    ));

    let mut job = Job {
        cfg,
        servers,
        token_target,
    };
    let baseline_closed = job
        .load("baseline closed loop", &baseline, false, None)
        .await?;
    let sentral_closed = job.load("sentral closed loop", &read, true, None).await?;
    let baseline_open = job
        .open_loop("baseline", &baseline, false, &baseline_closed)
        .await?;
    let sentral_open = job
        .open_loop("sentral", &read, true, &sentral_closed)
        .await?;

    progress(&format!(
        "token grant: {TOKEN_REQUESTS} sequential POST {TOKEN_PATH} on one connection …"
    ));
    let mut token = token_latency(&job.token_target, TOKEN_REQUESTS).await?;
    token.first_us = micros(first_grant);
    job.servers.check_alive("sentral")?;
    progress(&format!("  → {}", report::latency_line(&token.sequential)));

    Ok(Report {
        machine: Machine::detect(),
        date: report::utc_now(),
        duration: cfg.duration,
        connections: cfg.connections,
        warmup: WARMUP,
        sentral_path: sentral.display().to_string(),
        read_path: READ_PATH.to_owned(),
        baseline_closed,
        sentral_closed,
        baseline_open,
        sentral_open,
        token,
    })
}

/// State shared by the individual measurements.
struct Job<'a> {
    cfg: &'a RunConfig,
    servers: &'a mut Servers,
    token_target: Target,
}

impl Job<'_> {
    async fn load(
        &mut self,
        label: &str,
        target: &Target,
        authenticated: bool,
        rate: Option<f64>,
    ) -> Result<LoadResult, String> {
        let headers = if authenticated {
            // A fresh token per run, so expiry can never bite mid-benchmark.
            let token = fetch_token(&self.token_target).await?;
            let value = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|e| format!("access_token is not a valid header value: {e}"))?;
            vec![(header::AUTHORIZATION, value)]
        } else {
            Vec::new()
        };
        let rate_note = rate.map_or(String::new(), |r| format!(" at {r:.0} req/s"));
        progress(&format!(
            "{label}{rate_note}: {} s (+{} s warm-up), {} connections, {} …",
            self.cfg.duration.as_secs_f64(),
            WARMUP.as_secs(),
            self.cfg.connections,
            target.url()
        ));
        let result = load::run(&LoadConfig {
            target: target.clone(),
            method: Method::GET,
            body: None,
            headers,
            connections: self.cfg.connections,
            duration: self.cfg.duration,
            warmup: WARMUP,
            rate,
        })
        .await?;
        self.servers.check_alive("baseline")?;
        self.servers.check_alive("sentral")?;
        progress(&format!(
            "  → {:.0} req/s; {}",
            result.throughput(),
            report::latency_line(&result.latency)
        ));
        if let Some(w) = report::warning(label, &result) {
            progress(&w);
        }
        Ok(result)
    }

    /// Open loop at 80 % of the closed-loop max; `None` if there is no max.
    async fn open_loop(
        &mut self,
        name: &str,
        target: &Target,
        authenticated: bool,
        closed: &LoadResult,
    ) -> Result<Option<LoadResult>, String> {
        let rate = closed.throughput() * OPEN_LOOP_FRACTION;
        if rate < 1.0 {
            progress(&format!(
                "{name} open loop skipped: no 2xx throughput to scale from"
            ));
            return Ok(None);
        }
        let label = format!("{name} open loop (80 % of max)");
        self.load(&label, target, authenticated, Some(rate))
            .await
            .map(Some)
    }
}

fn token_headers() -> Vec<Header> {
    let basic = format!("Basic {}", client::base64(CLIENT_CREDENTIALS.as_bytes()));
    vec![
        (
            header::AUTHORIZATION,
            HeaderValue::from_str(&basic).unwrap_or(HeaderValue::from_static("invalid")),
        ),
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        ),
    ]
}

/// Password grant → `access_token`.
pub async fn fetch_token(target: &Target) -> Result<String, String> {
    let body = Bytes::from_static(TOKEN_BODY.as_bytes());
    let (status, body) = client::request_once(target, Method::POST, &token_headers(), body).await?;
    let text = String::from_utf8_lossy(&body);
    if !status.is_success() {
        let excerpt: String = text.chars().take(300).collect();
        return Err(format!(
            "token request to {} failed: HTTP {status}: {excerpt}",
            target.url()
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| format!("token response is not JSON ({e}): {text}"))?;
    json.get("access_token")
        .and_then(|t| t.as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("token response has no string access_token: {text}"))
}

/// `n` sequential password grants on one keep-alive connection.
async fn token_latency(target: &Target, n: usize) -> Result<TokenStats, String> {
    let headers = token_headers();
    let mut client = Client::connect(target).await?;
    let mut samples = Vec::with_capacity(n);
    let mut non_2xx = 0;
    for _ in 0..n {
        let body = Bytes::from_static(TOKEN_BODY.as_bytes());
        let (status, _, elapsed) = client.send(Method::POST, &headers, body).await?;
        if !status.is_success() {
            non_2xx += 1;
        }
        samples.push(micros(elapsed));
    }
    Ok(TokenStats {
        requests: n,
        first_us: 0,
        sequential: Percentiles::compute(&mut samples),
        non_2xx,
    })
}
