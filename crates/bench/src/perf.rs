//! A `perf record` of one server process under load, and a summary of where
//! its CPU went: the share of samples whose call stack passes through the
//! hand-offs between threads (scheduler, futex, wake-ups, flume channels)
//! next to SQLite's own work.
//!
//! Samples are `cpu-clock` at [`FREQUENCY`] Hz with DWARF call graphs (a
//! release build keeps no frame pointers, but its `.eh_frame` unwinds).
//! "Inclusive" means a sample counts for a category when any frame of its
//! stack matches, so categories overlap and do not add up to 100 %.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Sampling frequency (Hz): low enough that DWARF stacks stay manageable.
pub const FREQUENCY: u32 = 499;
/// How many leaf symbols the summary lists.
const TOP: usize = 15;

/// A running `perf record -p PID -- sleep SECS`.
pub struct Recording {
    child: Child,
    data: PathBuf,
    pub command: String,
}

/// Starts recording `pid` for `seconds`.
pub fn record(pid: u32, seconds: f64, data: &Path, log: &Path) -> Result<Recording, String> {
    let log_file =
        File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let freq = FREQUENCY.to_string();
    let pid = pid.to_string();
    let secs = format!("{seconds}");
    let args = [
        "record",
        "-F",
        &freq,
        "--call-graph",
        "dwarf",
        "-p",
        &pid,
        "-o",
        &data.display().to_string(),
        "--",
        "sleep",
        &secs,
    ];
    let child = Command::new("perf")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .map_err(|e| format!("cannot start perf (apt-get install linux-perf): {e}"))?;
    Ok(Recording {
        child,
        data: data.to_owned(),
        command: format!("perf {}", args.join(" ")),
    })
}

impl Recording {
    /// Waits for perf to finish writing its data file.
    pub fn finish(mut self, log: &Path) -> Result<PathBuf, String> {
        let status = self
            .child
            .wait()
            .map_err(|e| format!("waiting for perf: {e}"))?;
        if !status.success() || !self.data.is_file() {
            return Err(format!(
                "perf record failed ({status}); see {}",
                log.display()
            ));
        }
        Ok(self.data)
    }
}

/// Where the samples went.
pub struct Profile {
    pub samples: u64,
    /// Samples whose leaf frame is in the kernel.
    pub kernel_self: u64,
    /// (description, samples) in display order.
    pub inclusive: Vec<(&'static str, u64)>,
    /// Leaf symbols by samples, most first.
    pub top_self: Vec<(String, u64)>,
}

struct Frame {
    sym: String,
    kernel: bool,
}

fn parse_frame(line: &str) -> Frame {
    // "    7f12345 sym_name (/path/to/dso)" with -F ip,sym,dso.
    let rest = line.trim();
    let rest = rest.split_once(char::is_whitespace).map_or("", |(_, r)| r);
    let (sym, dso) = match rest.rfind(" (") {
        Some(i) => (&rest[..i], &rest[i + 2..]),
        None => (rest, ""),
    };
    Frame {
        sym: sym.trim().to_owned(),
        kernel: dso.starts_with("[kernel"),
    }
}

#[derive(Default)]
struct Tally {
    samples: u64,
    kernel_self: u64,
    sched: u64,
    futex: u64,
    wake: u64,
    flume: u64,
    handoff: u64,
    handoff_no_net: u64,
    net: u64,
    sqlite: u64,
    vdbe: u64,
    leaves: HashMap<String, u64>,
}

impl Tally {
    fn add(&mut self, frames: &[Frame]) {
        let Some(leaf) = frames.first() else { return };
        self.samples += 1;
        if leaf.kernel {
            self.kernel_self += 1;
        }
        let label = if leaf.sym.is_empty() || leaf.sym == "[unknown]" {
            "[unknown]".to_owned()
        } else if leaf.kernel {
            format!("{} [k]", leaf.sym)
        } else {
            leaf.sym.clone()
        };
        *self.leaves.entry(label).or_default() += 1;

        let any = |pred: &dyn Fn(&Frame) -> bool| frames.iter().any(pred);
        let sched = any(&|f| {
            f.kernel
                && (f.sym.contains("schedule")
                    || f.sym.contains("switch_to")
                    || f.sym.contains("finish_task_switch"))
        });
        let futex = any(&|f| f.sym.contains("futex"));
        let wake = any(&|f| f.kernel && f.sym.contains("wake_up"));
        let flume = any(&|f| f.sym.contains("flume"));
        let net = any(&|f| f.kernel && (f.sym.starts_with("tcp_") || f.sym.starts_with("sock_")));
        let handoff = sched || futex || wake || flume;
        self.sched += u64::from(sched);
        self.futex += u64::from(futex);
        self.wake += u64::from(wake);
        self.flume += u64::from(flume);
        self.handoff += u64::from(handoff);
        self.handoff_no_net += u64::from(handoff && !net);
        self.net += u64::from(net);
        self.sqlite += u64::from(any(&|f| f.sym.starts_with("sqlite3")));
        self.vdbe += u64::from(any(&|f| f.sym.starts_with("sqlite3VdbeExec")));
    }
}

/// Reads `perf script` of `data` (streamed: the text can be hundreds of MB).
pub fn analyse(data: &Path) -> Result<Profile, String> {
    let mut child = Command::new("perf")
        .args(["script", "--no-inline", "-F", "comm,tid,ip,sym,dso", "-i"])
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start perf script: {e}"))?;
    let stdout = child.stdout.take().ok_or("perf script: no stdout")?;
    let mut tally = Tally::default();
    let mut frames: Vec<Frame> = Vec::new();
    let mut in_sample = false;
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading perf script: {e}"))?;
        if line.trim().is_empty() {
            if in_sample {
                tally.add(&frames);
            }
            frames.clear();
            in_sample = false;
        } else if line.starts_with(char::is_whitespace) {
            if in_sample {
                frames.push(parse_frame(&line));
            }
        } else {
            // A sample header ("comm tid"); a sample without frames is skipped.
            if in_sample {
                tally.add(&frames);
            }
            frames.clear();
            in_sample = true;
        }
    }
    if in_sample {
        tally.add(&frames);
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for perf script: {e}"))?;
    if !status.success() {
        return Err(format!("perf script failed ({status})"));
    }
    if tally.samples == 0 {
        return Err("perf recorded no samples of the server".into());
    }
    let mut top_self: Vec<(String, u64)> = tally.leaves.into_iter().collect();
    top_self.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top_self.truncate(TOP);
    Ok(Profile {
        samples: tally.samples,
        kernel_self: tally.kernel_self,
        inclusive: vec![
            ("**hand-offs: any of the four below**", tally.handoff),
            (
                "… of which not under the TCP stack (no `tcp_*`/`sock_*` frame)",
                tally.handoff_no_net,
            ),
            (
                "kernel scheduler: `*schedule*`, `__switch_to`, `finish_task_switch`",
                tally.sched,
            ),
            ("futex: any `*futex*` frame (kernel or user)", tally.futex),
            (
                "wake-ups: kernel `*wake_up*` (e.g. `try_to_wake_up`)",
                tally.wake,
            ),
            ("flume channels: any `flume::*` frame", tally.flume),
            ("TCP stack: kernel `tcp_*`/`sock_*`", tally.net),
            ("SQLite: any `sqlite3*` frame", tally.sqlite),
            ("`sqlite3VdbeExec`", tally.vdbe),
        ],
        top_self,
    })
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "n/a".into();
    }
    format!("{:.1} %", 100.0 * part as f64 / whole as f64)
}

impl Profile {
    pub fn markdown(&self, title: &str, command: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "#### {title}\n");
        let _ = writeln!(
            s,
            "`{command}`: {} samples of the server (cpu-clock, {FREQUENCY} Hz, DWARF call graphs); \
             leaf frame in the kernel: {}.\n",
            self.samples,
            pct(self.kernel_self, self.samples)
        );
        let _ = writeln!(
            s,
            "| samples whose call stack contains (inclusive; categories overlap) | share of server CPU |"
        );
        let _ = writeln!(s, "|---|---:|");
        for (what, n) in &self.inclusive {
            let _ = writeln!(s, "| {what} | {} |", pct(*n, self.samples));
        }
        let _ = writeln!(s, "\n| leaf symbol (self) | share |");
        let _ = writeln!(s, "|---|---:|");
        for (sym, n) in &self.top_self {
            let sym: String = sym.chars().take(100).collect();
            let _ = writeln!(
                s,
                "| `{}` | {} |",
                sym.replace('|', "\\|"),
                pct(*n, self.samples)
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_categories() {
        let f = parse_frame("\t    ffffffff81234567 try_to_wake_up ([kernel.kallsyms])");
        assert_eq!(f.sym, "try_to_wake_up");
        assert!(f.kernel);
        let f = parse_frame("\t    55d0c0ffee <flume::Shared<T>>::recv (/tmp/sentral)");
        assert_eq!(f.sym, "<flume::Shared<T>>::recv");
        assert!(!f.kernel);

        let mut t = Tally::default();
        t.add(&[
            parse_frame(" 1 finish_task_switch.isra.0 ([kernel.kallsyms])"),
            parse_frame(" 2 __schedule ([kernel.kallsyms])"),
            parse_frame(" 3 futex_wait ([kernel.kallsyms])"),
            parse_frame(" 4 flume::IntoIter::next (/x/sentral)"),
        ]);
        t.add(&[
            parse_frame(" 1 sqlite3VdbeExec (/x/sentral)"),
            parse_frame(" 2 tokio::runtime::scheduler::run (/x/sentral)"),
        ]);
        assert_eq!(
            (
                t.samples,
                t.kernel_self,
                t.sched,
                t.futex,
                t.flume,
                t.handoff
            ),
            (2, 1, 1, 1, 1, 1),
            "a user-space `scheduler` frame is not a context switch"
        );
        assert_eq!((t.sqlite, t.vdbe), (1, 1));
    }
}
