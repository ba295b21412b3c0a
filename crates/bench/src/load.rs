//! HTTP/1.1 keep-alive load generator.
//!
//! One `hyper::client::conn::http1` connection per worker task; the
//! connection future and the request loop are driven together in that task
//! with `select!`, so a request costs no cross-task wake-ups.
//!
//! * Closed loop (no rate): each connection sends its next request as soon as
//!   the previous response body has been read.
//! * Open loop (`rate`): arrivals follow a fixed schedule spread over the
//!   connections (connection `i` sends at `i/R + k·C/R`). Latency is measured
//!   from the *intended* send time (no coordinated omission): it is what a
//!   perfectly punctual client would see, i.e. `done_k - intended_k` with
//!   `done_k = max(intended_k, done_{k-1}) + service_k` and `service_k` the
//!   observed send-to-last-byte time. A slow response therefore charges the
//!   queueing it causes to every request scheduled behind it, while our own
//!   timer lateness (tokio timers tick at 1 ms) is not billed to the server.
//!
//! Throughput counts 2xx responses *completed* inside the measurement window
//! (after the warm-up); latency covers every response to a request whose
//! start (closed loop) or intended start (open loop) falls in that window.
//! Non-2xx responses and errors are counted over the whole run, warm-up
//! included.
//!
//! The request is a fixed method and URL; its body may be a template in which
//! every `{n}` is replaced by a counter shared by all connections (0, 1, 2, …),
//! so that each request of a write benchmark creates something unique.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use hyper::Method;
use hyper::client::conn::http1::SendRequest;

use crate::client::{self, Body, Header, Target};
use crate::stats::{Percentiles, micros};

/// How long in-flight requests (and an open-loop backlog) may run past the end.
const GRACE: Duration = Duration::from_secs(2);
/// Pause before reconnecting after a failed connect.
const RECONNECT_BACKOFF: Duration = Duration::from_millis(10);

/// A request body in which every [`BodyTemplate::PLACEHOLDER`] is replaced by
/// a per-request counter and every [`BodyTemplate::PARITY`] by `false` for an
/// even counter and `true` for an odd one (a toggle: off, on, off, …).
#[derive(Clone, Debug, Default)]
pub struct BodyTemplate {
    parts: Vec<Part>,
}

#[derive(Clone, Debug)]
enum Part {
    Text(Bytes),
    Counter,
    Parity,
}

impl BodyTemplate {
    pub const PLACEHOLDER: &'static str = "{n}";
    pub const PARITY: &'static str = "{bool}";

    pub fn new(text: &str) -> BodyTemplate {
        let mut parts = Vec::new();
        let mut rest = text;
        loop {
            let next = [
                (Self::PLACEHOLDER, Part::Counter),
                (Self::PARITY, Part::Parity),
            ]
            .into_iter()
            .filter_map(|(marker, part)| rest.find(marker).map(|at| (at, marker, part)))
            .min_by_key(|(at, _, _)| *at);
            let Some((at, marker, part)) = next else {
                break;
            };
            if at > 0 {
                parts.push(Part::Text(Bytes::copy_from_slice(&rest.as_bytes()[..at])));
            }
            parts.push(part);
            rest = &rest[at + marker.len()..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(Bytes::copy_from_slice(rest.as_bytes())));
        }
        BodyTemplate { parts }
    }

    /// The body of request number `n`.
    pub fn render(&self, n: u64) -> Bytes {
        match self.parts.as_slice() {
            [] => Bytes::new(),
            [Part::Text(whole)] => whole.clone(),
            parts => {
                let number = n.to_string();
                let parity: &[u8] = if n.is_multiple_of(2) {
                    b"false"
                } else {
                    b"true"
                };
                let mut out = Vec::new();
                for part in parts {
                    match part {
                        Part::Text(text) => out.extend_from_slice(text),
                        Part::Counter => out.extend_from_slice(number.as_bytes()),
                        Part::Parity => out.extend_from_slice(parity),
                    }
                }
                Bytes::from(out)
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct LoadConfig {
    pub target: Target,
    pub method: Method,
    /// Request body (`None`: empty); `{n}` is replaced per request.
    pub body: Option<BodyTemplate>,
    pub headers: Vec<Header>,
    pub connections: usize,
    pub duration: Duration,
    pub warmup: Duration,
    /// Open-loop arrival rate in requests/s; `None` = closed loop.
    pub rate: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct LoadResult {
    pub url: String,
    pub rate: Option<f64>,
    pub connections: usize,
    pub warmup: Duration,
    /// Length of the measurement window.
    pub window: Duration,
    /// 2xx responses completed inside the measurement window.
    pub ok: u64,
    /// Non-2xx responses over the whole run.
    pub non_2xx: u64,
    /// One status seen among the non-2xx responses, for the warning.
    pub non_2xx_example: Option<u16>,
    /// Transport errors (connect, I/O, protocol, timeout) over the whole run.
    pub errors: u64,
    /// Every response (any status) over the whole run, warm-up included: the
    /// divisor for the server's CPU time over the same run.
    pub responses: u64,
    pub first_error: Option<String>,
    /// Open loop only: requests scheduled in the window but never sent.
    pub unsent: u64,
    /// Latency of every response (any status) to a request started in the window.
    pub latency: Percentiles,
}

impl LoadResult {
    /// 2xx responses per second of measurement window.
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.window.as_secs_f64()
    }

    /// False if anything happened that makes the figures suspect.
    pub fn is_clean(&self) -> bool {
        self.non_2xx == 0 && self.errors == 0 && self.unsent == 0
    }
}

/// Runs one load test to completion.
pub async fn run(cfg: &LoadConfig) -> Result<LoadResult, String> {
    if cfg.connections == 0 {
        return Err("--connections must be at least 1".into());
    }
    if cfg.duration.is_zero() {
        return Err("--duration must be positive".into());
    }
    if let Some(rate) = cfg.rate
        && !(rate.is_finite() && rate > 0.0)
    {
        return Err(format!("--rate must be a positive number, got {rate}"));
    }
    // Fail fast with a clear message instead of a run made only of errors.
    drop(client::connect(cfg.target.addr).await?);

    let start = Instant::now();
    let measure_from = start + cfg.warmup;
    let end = measure_from + cfg.duration;
    let shared = Arc::new(Shared {
        target: cfg.target.clone(),
        method: cfg.method.clone(),
        body: cfg.body.clone(),
        counter: AtomicU64::new(0),
        headers: cfg.headers.clone(),
        measure_from,
        end,
        hard_stop: end + GRACE,
        schedule: cfg.rate.map(|rate| Schedule {
            base: start,
            interval: cfg.connections as f64 / rate,
            offset: 1.0 / rate,
        }),
    });

    let mut tasks = Vec::with_capacity(cfg.connections);
    for id in 0..cfg.connections {
        tasks.push(tokio::spawn(worker(Arc::clone(&shared), id)));
    }
    let mut total = Worker::new(0, start);
    for task in tasks {
        let w = task.await.map_err(|e| format!("load worker failed: {e}"))?;
        total.merge(w);
    }

    Ok(LoadResult {
        url: cfg.target.url(),
        rate: cfg.rate,
        connections: cfg.connections,
        warmup: cfg.warmup,
        window: cfg.duration,
        ok: total.ok,
        non_2xx: total.non_2xx,
        non_2xx_example: total.non_2xx_example,
        errors: total.errors,
        responses: total.responses,
        first_error: total.first_error,
        unsent: total.unsent,
        latency: Percentiles::compute(&mut total.latencies),
    })
}

struct Shared {
    target: Target,
    method: Method,
    body: Option<BodyTemplate>,
    /// The next `{n}` of the body template.
    counter: AtomicU64,
    headers: Vec<Header>,
    measure_from: Instant,
    end: Instant,
    hard_stop: Instant,
    schedule: Option<Schedule>,
}

impl Shared {
    fn request(&self) -> hyper::Request<Body> {
        let body = match &self.body {
            None => Bytes::new(),
            Some(template) => template.render(self.counter.fetch_add(1, Ordering::Relaxed)),
        };
        client::build_request(&self.target, self.method.clone(), &self.headers, body)
    }
}

/// Open-loop arrival schedule (times in seconds from `base`).
struct Schedule {
    base: Instant,
    /// Time between two sends on one connection: C / R.
    interval: f64,
    /// Stagger between consecutive connections: 1 / R.
    offset: f64,
}

impl Schedule {
    fn intended(&self, worker: usize, k: u64) -> Instant {
        let secs = worker as f64 * self.offset + k as f64 * self.interval;
        self.base + Duration::from_secs_f64(secs)
    }
}

/// Per-connection counters; merged at the end.
struct Worker {
    id: usize,
    latencies: Vec<u32>,
    ok: u64,
    non_2xx: u64,
    non_2xx_example: Option<u16>,
    errors: u64,
    responses: u64,
    first_error: Option<String>,
    unsent: u64,
    /// Open loop: index of the next scheduled request.
    next: u64,
    /// Open loop: when an ideal, perfectly punctual client would have
    /// received its previous response on this connection.
    ideal_done: Instant,
    in_flight: bool,
}

impl Worker {
    fn new(id: usize, now: Instant) -> Worker {
        Worker {
            id,
            latencies: Vec::new(),
            ok: 0,
            non_2xx: 0,
            non_2xx_example: None,
            errors: 0,
            responses: 0,
            first_error: None,
            unsent: 0,
            next: 0,
            ideal_done: now,
            in_flight: false,
        }
    }

    fn error(&mut self, message: impl Into<String>) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(message.into());
        }
    }

    fn merge(&mut self, other: Worker) {
        self.latencies.extend_from_slice(&other.latencies);
        self.ok += other.ok;
        self.non_2xx += other.non_2xx;
        self.non_2xx_example = self.non_2xx_example.or(other.non_2xx_example);
        self.errors += other.errors;
        self.responses += other.responses;
        self.first_error = self.first_error.take().or(other.first_error);
        self.unsent += other.unsent;
    }

    /// Whether this connection still has requests to send at `now`.
    fn has_work(&self, shared: &Shared, now: Instant) -> bool {
        if now >= shared.hard_stop {
            return false;
        }
        match &shared.schedule {
            None => now < shared.end,
            Some(s) => s.intended(self.id, self.next) < shared.end,
        }
    }

    /// Open loop: counts scheduled in-window requests that were never sent.
    fn count_unsent(&mut self, shared: &Shared) {
        let Some(s) = &shared.schedule else { return };
        loop {
            let t = s.intended(self.id, self.next);
            if t >= shared.end {
                break;
            }
            if t >= shared.measure_from {
                self.unsent += 1;
            }
            self.next += 1;
        }
    }
}

enum Outcome {
    /// The request loop finished its work.
    Finished,
    /// The request loop hit an error; reconnect.
    Failed,
    /// The connection future ended (server closed it, or an error).
    Closed(Option<String>),
    /// The grace period after the end ran out.
    HardStop,
}

async fn worker(shared: Arc<Shared>, id: usize) -> Worker {
    let mut w = Worker::new(id, Instant::now());
    let hard_stop = tokio::time::Instant::from_std(shared.hard_stop);
    while w.has_work(&shared, Instant::now()) {
        let connected = tokio::select! {
            c = client::connect(shared.target.addr) => c,
            () = tokio::time::sleep_until(hard_stop) => break,
        };
        let (mut sender, conn) = match connected {
            Ok(c) => c,
            Err(e) => {
                w.error(e);
                tokio::time::sleep(RECONNECT_BACKOFF).await;
                continue;
            }
        };
        let outcome = tokio::select! {
            r = conn => Outcome::Closed(r.err().map(|e| e.to_string())),
            failed = drive(&mut sender, &shared, &mut w) => {
                if failed { Outcome::Failed } else { Outcome::Finished }
            }
            () = tokio::time::sleep_until(hard_stop) => Outcome::HardStop,
        };
        match outcome {
            Outcome::Finished => break,
            Outcome::Failed => {}
            Outcome::Closed(err) => {
                if w.in_flight {
                    let why = err.unwrap_or_else(|| "closed by server".into());
                    w.error(format!("connection lost with a request in flight: {why}"));
                } else if let Some(e) = err {
                    w.error(format!("connection error: {e}"));
                }
            }
            Outcome::HardStop => {
                if w.in_flight {
                    w.error(format!("request still in flight {GRACE:?} after the end"));
                }
                break;
            }
        }
        w.in_flight = false;
    }
    w.count_unsent(&shared);
    w
}

/// Sends requests on one connection until the work is done (returns false)
/// or an exchange fails (returns true).
async fn drive(sender: &mut SendRequest<Body>, shared: &Shared, w: &mut Worker) -> bool {
    loop {
        let now = Instant::now();
        // `intended` (open loop only) is the scheduled send time; `key`
        // decides whether the request belongs to the measurement window.
        let (intended, key) = match &shared.schedule {
            None => {
                if now >= shared.end {
                    return false;
                }
                (None, now)
            }
            Some(s) => {
                let intended = s.intended(w.id, w.next);
                if intended >= shared.end || now >= shared.hard_stop {
                    return false;
                }
                if intended > now {
                    tokio::time::sleep_until(intended.into()).await;
                }
                w.next += 1;
                (Some(intended), intended)
            }
        };
        let in_window = key >= shared.measure_from && key < shared.end;

        w.in_flight = true;
        let sent = Instant::now();
        let result = client::round_trip(sender, shared.request()).await;
        let done = Instant::now();
        w.in_flight = false;
        let service = done.saturating_duration_since(sent);
        let latency = match intended {
            None => service,
            Some(intended) => {
                // A perfectly punctual client on this connection would have
                // sent at max(intended, its previous completion) and waited
                // the observed service time. Queueing behind slow responses
                // is charged (no coordinated omission); our own timer
                // lateness (~1 ms tokio ticks) is not.
                let ideal_done = intended.max(w.ideal_done) + service;
                w.ideal_done = ideal_done;
                ideal_done.saturating_duration_since(intended)
            }
        };
        match result {
            Ok(status) => {
                w.responses += 1;
                let success = status.is_success();
                if !success {
                    w.non_2xx += 1;
                    w.non_2xx_example.get_or_insert(status.as_u16());
                }
                if in_window {
                    w.latencies.push(micros(latency));
                }
                if success && done >= shared.measure_from && done <= shared.end {
                    w.ok += 1;
                }
            }
            Err(e) => {
                w.error(e.to_string());
                return true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_template_substitutes_every_placeholder() {
        let t = BodyTemplate::new(r#"{"externalId":"x-{n}","email":"p{n}@example.no"}"#);
        assert_eq!(
            t.render(42),
            Bytes::from_static(br#"{"externalId":"x-42","email":"p42@example.no"}"#)
        );
        assert_eq!(BodyTemplate::new("plain").render(7), "plain");
        assert_eq!(BodyTemplate::new("{n}").render(0), "0");
        assert_eq!(BodyTemplate::new("").render(3), "");
        let toggle = BodyTemplate::new(r#"{"on":{bool},"k":{n}}"#);
        assert_eq!(toggle.render(0), r#"{"on":false,"k":0}"#);
        assert_eq!(toggle.render(7), r#"{"on":true,"k":7}"#);
    }
}
