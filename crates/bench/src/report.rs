//! Human-readable summaries and the Markdown report of `run`.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::load::LoadResult;
use crate::stats::{Ms, Percentiles};

/// Throughput target: authenticated read vs. baseline closed loop.
const TARGET_RATIO: f64 = 0.50;
/// Latency target: p99 at 80 % of max, open loop (microseconds).
const TARGET_P99_US: u32 = 5_000;
/// Token grant target (microseconds).
const TARGET_TOKEN_US: u32 = 1_000;

/// Machine facts for the report header.
pub struct Machine {
    pub nproc: usize,
    pub kernel: String,
    pub cpu: Option<String>,
}

impl Machine {
    pub fn detect() -> Machine {
        let nproc = std::thread::available_parallelism().map_or(1, |n| n.get());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .or_else(|| {
                let out = std::process::Command::new("uname")
                    .arg("-r")
                    .output()
                    .ok()?;
                String::from_utf8(out.stdout).ok()
            })
            .map_or_else(|| "unknown".to_owned(), |s| s.trim().to_owned());
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_owned())
            });
        Machine { nproc, kernel, cpu }
    }
}

/// Current UTC time as `YYYY-MM-DD HH:MM:SS UTC` (no date crate needed).
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Loud, single-paragraph warning when a run is not clean.
pub fn warning(label: &str, r: &LoadResult) -> Option<String> {
    if r.is_clean() {
        return None;
    }
    let mut parts = Vec::new();
    if r.non_2xx > 0 {
        let example = r
            .non_2xx_example
            .map_or(String::new(), |s| format!(", e.g. HTTP {s}"));
        parts.push(format!("{} non-2xx responses{example}", r.non_2xx));
    }
    if r.errors > 0 {
        let first = r.first_error.as_deref().unwrap_or("?");
        parts.push(format!("{} errors (first: {first})", r.errors));
    }
    if r.unsent > 0 {
        parts.push(format!(
            "{} scheduled requests never sent (server too slow or connections failing)",
            r.unsent
        ));
    }
    Some(format!(
        "!!! WARNING [{label}]: {} — these figures are NOT valid !!!",
        parts.join("; ")
    ))
}

/// The `load` subcommand's plain-text summary.
pub fn load_summary(r: &LoadResult) -> String {
    let mode = match r.rate {
        None => "closed loop".to_owned(),
        Some(rate) => format!("open loop at {rate:.0} req/s"),
    };
    let mut s = String::new();
    let _ = writeln!(s, "target      {}", r.url);
    let _ = writeln!(
        s,
        "mode        {mode}, {} connections, {} (+{} warm-up, excluded)",
        r.connections,
        secs(r.window),
        secs(r.warmup)
    );
    let label = if r.rate.is_some() {
        "achieved"
    } else {
        "throughput"
    };
    let _ = writeln!(s, "{label:<11} {:.1} req/s (2xx)", r.throughput());
    let unsent = if r.rate.is_some() {
        format!(", {} unsent", r.unsent)
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "requests    {} 2xx completed in the window; whole run: {} non-2xx, {} errors{unsent}",
        r.ok, r.non_2xx, r.errors
    );
    let _ = writeln!(
        s,
        "responses   {} over the whole run, warm-up included",
        r.responses
    );
    let _ = writeln!(s, "latency     {}", latency_line(&r.latency));
    if let Some(rate) = r.rate
        && r.throughput() < 0.95 * rate
    {
        let _ = writeln!(
            s,
            "note        offered rate not sustained: achieved {:.0} % of {rate:.0} req/s",
            100.0 * r.throughput() / rate
        );
    }
    if let Some(w) = warning("load", r) {
        let _ = writeln!(s, "\n{w}");
    }
    s
}

/// `p50 0.123 ms  p90 …` on one line.
pub fn latency_line(p: &Percentiles) -> String {
    format!(
        "p50 {} ms  p90 {} ms  p99 {} ms  max {} ms  ({} samples)",
        Ms(p.p50),
        Ms(p.p90),
        Ms(p.p99),
        Ms(p.max),
        p.count
    )
}

fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

/// Token-grant latency over sequential requests on one connection.
pub struct TokenStats {
    pub requests: usize,
    /// The session's very first grant (before any load): pays the full,
    /// uncached secret verification (Argon2).
    pub first_us: u32,
    /// The sequential grants (cached secret path).
    pub sequential: Percentiles,
    pub non_2xx: u64,
}

/// Everything `run` measured.
pub struct Report {
    pub machine: Machine,
    pub date: String,
    pub duration: Duration,
    pub connections: usize,
    pub warmup: Duration,
    pub sentral_path: String,
    pub read_path: String,
    pub baseline_closed: LoadResult,
    pub sentral_closed: LoadResult,
    pub baseline_open: Option<LoadResult>,
    pub sentral_open: Option<LoadResult>,
    pub token: TokenStats,
}

impl Report {
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let runs = [
            ("baseline closed loop", Some(&self.baseline_closed)),
            ("sentral closed loop", Some(&self.sentral_closed)),
            ("baseline open loop", self.baseline_open.as_ref()),
            ("sentral open loop", self.sentral_open.as_ref()),
        ];
        for (label, run) in runs {
            match run {
                Some(r) => out.extend(warning(label, r)),
                None => out.push(format!(
                    "!!! WARNING [{label}]: skipped (no 2xx throughput) !!!"
                )),
            }
        }
        if self.token.non_2xx > 0 {
            out.push(format!(
                "!!! WARNING [token grant]: {} non-2xx responses — these figures are NOT valid !!!",
                self.token.non_2xx
            ));
        }
        out
    }

    pub fn markdown(&self) -> String {
        let m = &self.machine;
        let mut s = String::new();
        let _ = writeln!(s, "### sentral benchmark — {}\n", self.date);
        let _ = writeln!(
            s,
            "- Machine: {} CPUs (`nproc`), kernel `{}` (`uname -r`){}; \
             load generator and both servers share these cores.",
            m.nproc,
            m.kernel,
            m.cpu.as_ref().map_or(String::new(), |c| format!(", {c}"))
        );
        let _ = writeln!(
            s,
            "- Each load run: {} measured after {} warm-up, {} keep-alive HTTP/1.1 connections.",
            secs(self.duration),
            secs(self.warmup),
            self.connections
        );
        let _ = writeln!(s, "- sentral binary: `{}`\n", self.sentral_path);

        let _ = writeln!(
            s,
            "| Measurement | Throughput (req/s) | Ratio to baseline | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | non-2xx | errors (incl. unsent) |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        let base_closed = self.baseline_closed.throughput();
        load_row(
            &mut s,
            "Baseline `GET /hello`, closed loop",
            &self.baseline_closed,
            base_closed,
        );
        let label = format!("sentral `GET {}` (Bearer), closed loop", self.read_path);
        load_row(&mut s, &label, &self.sentral_closed, base_closed);
        let base_open = self
            .baseline_open
            .as_ref()
            .map_or(0.0, LoadResult::throughput);
        for (name, run) in [
            ("Baseline `GET /hello`", &self.baseline_open),
            (
                &*format!("sentral `GET {}`", self.read_path),
                &self.sentral_open,
            ),
        ] {
            match run {
                Some(r) => {
                    let label = format!(
                        "{name}, open loop at 80 % of max ({:.0} req/s offered)",
                        r.rate.unwrap_or(0.0)
                    );
                    load_row(&mut s, &label, r, base_open);
                }
                None => {
                    let _ = writeln!(s, "| {name}, open loop | skipped | | | | | | | |");
                }
            }
        }
        let t = &self.token;
        let _ = writeln!(
            s,
            "| Token grant (password), {} sequential on 1 connection (session's first, uncached: {} ms) | — | — | {} | {} | {} | {} | {} | 0 |",
            t.requests,
            Ms(t.first_us),
            Ms(t.sequential.p50),
            Ms(t.sequential.p90),
            Ms(t.sequential.p99),
            Ms(t.sequential.max),
            t.non_2xx
        );

        let _ = writeln!(
            s,
            "\nThroughput counts 2xx responses (open loop: the achieved rate); the ratio is to \
             the baseline row of the same mode. Latency is client-observed; open-loop latency is \
             measured from the intended send time. Closed-loop latency suffers from coordinated \
             omission and is for information only."
        );
        let _ = writeln!(s, "\nTargets:\n");
        let ratio = ratio(self.sentral_closed.throughput(), base_closed);
        let _ = writeln!(
            s,
            "- Authenticated read ≥ {:.0} % of baseline closed-loop throughput: {} → **{}**",
            TARGET_RATIO * 100.0,
            ratio.map_or("n/a".to_owned(), |r| format!("{:.1} %", r * 100.0)),
            verdict(ratio.is_some_and(|r| r >= TARGET_RATIO))
        );
        let p99 = self.sentral_open.as_ref().map(|r| r.latency.p99);
        let _ = writeln!(
            s,
            "- sentral p99 < {} ms at 80 % of max (open loop): {} → **{}**",
            TARGET_P99_US / 1000,
            p99.map_or("n/a".to_owned(), |p| format!("{} ms", Ms(p))),
            verdict(p99.is_some_and(|p| p < TARGET_P99_US))
        );
        let _ = writeln!(
            s,
            "- Token grant ≤ {} ms (cached path; client-observed p50 {} ms, an upper bound on server time) → **{}**",
            TARGET_TOKEN_US / 1000,
            Ms(t.sequential.p50),
            verdict(t.sequential.count > 0 && t.sequential.p50 <= TARGET_TOKEN_US)
        );

        let warnings = self.warnings();
        if !warnings.is_empty() {
            let _ = writeln!(s);
            for w in warnings {
                let _ = writeln!(s, "> **{w}**");
            }
        }
        s
    }
}

fn ratio(value: f64, baseline: f64) -> Option<f64> {
    (baseline > 0.0).then(|| value / baseline)
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

fn load_row(s: &mut String, label: &str, r: &LoadResult, baseline: f64) {
    let flag = if r.is_clean() { "" } else { " ⚠" };
    let _ = writeln!(
        s,
        "| {label}{flag} | {:.0} | {} | {} | {} | {} | {} | {} | {} |",
        r.throughput(),
        ratio(r.throughput(), baseline).map_or("n/a".to_owned(), |x| format!("{x:.2}")),
        Ms(r.latency.p50),
        Ms(r.latency.p90),
        Ms(r.latency.p99),
        Ms(r.latency.max),
        r.non_2xx,
        r.errors + r.unsent
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_format_is_plausible() {
        let d = utc_now();
        assert_eq!(d.len(), "2025-01-01 00:00:00 UTC".len(), "{d}");
        assert!(d.starts_with("20"), "{d}");
    }
}
