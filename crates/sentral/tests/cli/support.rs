//! Running the real `sentral` binary against a fresh data dir of its own.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long one command may take before the test fails (and the process is killed).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// A data dir under the system's temp dir, removed when dropped.
pub struct DataDir {
    path: PathBuf,
}

impl DataDir {
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or_default();
        let name = format!(
            "sentral-cli-{label}-{}-{nanos:x}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).expect("create the temp data dir");
        Self { path }
    }

    /// The data directory.
    #[allow(dead_code)]
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// `sentral --data-dir DIR admin <args>`: readable output.
    pub fn admin(&self, args: &[&str]) -> Run {
        let mut all = vec!["admin"];
        all.extend_from_slice(args);
        self.sentral(&all)
    }

    /// `sentral --data-dir DIR admin --json <args>`: one JSON document.
    pub fn admin_json(&self, args: &[&str]) -> Run {
        let mut all = vec!["admin", "--json"];
        all.extend_from_slice(args);
        self.sentral(&all)
    }

    /// `sentral --data-dir DIR <args>`.
    pub fn sentral(&self, args: &[&str]) -> Run {
        run(self.command(args), args)
    }

    /// Seeds the demo world: runs `sentral serve --demo` on a free port until it listens, then
    /// stops it (the data dir is locked while it runs).
    pub fn seed_demo_world(&self) {
        let args = ["serve", "--demo", "--listen", "127.0.0.1:0"];
        let mut child = self
            .command(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `sentral serve --demo`: {e}"));
        let stderr = drain(child.stderr.take().expect("piped stderr"));
        let (lines, printed) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        let mut seen = String::new();
        let listening = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match printed.recv_timeout(left) {
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                    if line.contains("listening on") {
                        break true;
                    }
                }
                Err(_) => break false,
            }
        };
        let _ = child.kill();
        let _ = child.wait();
        let stderr = stderr.join().unwrap_or_default();
        assert!(
            listening,
            "`sentral serve --demo` did not start:\n--- stdout ---\n{seen}\n--- stderr ---\n{stderr}"
        );
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sentral"));
        command.arg("--data-dir").arg(&self.path).args(args);
        // Hermetic: no configuration from the developer's environment or a `./sentral.toml`.
        command.current_dir(&self.path);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SENTRAL_") {
                command.env_remove(key);
            }
        }
        command.env("RUST_LOG", "warn").env("NO_COLOR", "1");
        command
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Run {
    pub command: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics, with everything the command printed, unless it succeeded.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert!(
            self.status.success(),
            "`{}` failed:\n{}",
            self.command,
            self.describe()
        );
        self
    }

    /// Panics unless the command failed; answers what it printed on stderr.
    #[track_caller]
    pub fn failed(self) -> Self {
        assert!(
            !self.status.success(),
            "`{}` succeeded, expected a failure:\n{}",
            self.command,
            self.describe()
        );
        self
    }

    /// The whole of stdout as one JSON document (fails on anything else, e.g. a second document).
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`{}` did not print one JSON document ({e}):\n{}",
                self.command,
                self.describe()
            )
        })
    }

    #[track_caller]
    pub fn assert_stdout_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "`{}`: stdout lacks {needle:?}:\n{}",
            self.command,
            self.describe()
        );
        self
    }

    pub fn describe(&self) -> String {
        format!(
            "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

fn run(mut command: Command, args: &[&str]) -> Run {
    let shown = format!("sentral {}", args.join(" "));
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{shown}`: {e}"));
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for sentral") {
            break status;
        }
        if started.elapsed() > COMMAND_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{shown}` did not finish within {COMMAND_TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    Run {
        command: shown,
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The value at `pointer` (e.g. `/app/id`) as a string, or a panic naming what was missing.
#[track_caller]
pub fn text_at(document: &serde_json::Value, pointer: &str) -> String {
    document
        .pointer(pointer)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {document:#}"))
        .to_owned()
}

/// The value of a `Label:   value` line of readable output.
#[track_caller]
pub fn labelled(output: &str, label: &str) -> String {
    output
        .lines()
        .find_map(|line| line.strip_prefix(label))
        .map(|rest| rest.trim().to_owned())
        .unwrap_or_else(|| panic!("no line starting with {label:?} in:\n{output}"))
}
