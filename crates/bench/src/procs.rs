//! Child-process handling for `run`: free ports, a temp dir, a kill-on-drop
//! guard for the servers, and readiness polling.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use hyper::{Method, StatusCode};

use crate::client::{self, Target};

/// Owns the spawned servers; kills (SIGKILL) and reaps them on drop, so
/// every exit path of `run` — `?`, panic unwinding, Ctrl-C — cleans up.
#[derive(Default)]
pub struct Servers {
    procs: Vec<Proc>,
}

struct Proc {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Servers {
    /// Spawns `cmd` with stdout and stderr appended to `log`.
    pub fn spawn(
        &mut self,
        name: &'static str,
        mut cmd: Command,
        log: &Path,
    ) -> Result<(), String> {
        let out = File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("cannot reopen {}: {e}", log.display()))?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {name} ({:?}): {e}", cmd.get_program()))?;
        self.procs.push(Proc {
            name,
            child,
            log: log.to_owned(),
        });
        Ok(())
    }

    /// Errors if the named server has already exited.
    pub fn check_alive(&mut self, name: &str) -> Result<(), String> {
        let Some(p) = self.procs.iter_mut().find(|p| p.name == name) else {
            return Err(format!("no server named {name}"));
        };
        match p.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "{name} exited unexpectedly ({status}); see its log: {}",
                p.log.display()
            )),
            Err(e) => Err(format!("cannot query {name}: {e}")),
        }
    }

    /// The process id of the named server.
    pub fn pid(&self, name: &str) -> Option<u32> {
        self.procs
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.child.id())
    }

    pub fn log_of(&self, name: &str) -> String {
        self.procs
            .iter()
            .find(|p| p.name == name)
            .map_or_else(|| "?".to_owned(), |p| p.log.display().to_string())
    }

    /// Kills and reaps every server. Idempotent.
    pub fn shutdown(&mut self) {
        for mut p in self.procs.drain(..) {
            if let Ok(None) = p.child.try_wait() {
                if let Err(e) = p.child.kill() {
                    eprintln!("[sentral-bench] could not kill {}: {e}", p.name);
                }
                let _ = p.child.wait();
            }
        }
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Two distinct free loopback ports (bound together, then released).
pub fn free_ports() -> Result<(u16, u16), String> {
    let bind = || {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| Ok((l.local_addr()?.port(), l)))
            .map_err(|e| format!("cannot find a free port: {e}"))
    };
    let (a, _la) = bind()?;
    let (b, _lb) = bind()?;
    Ok((a, b))
}

/// A fresh, uniquely named directory under the system temp dir.
pub fn temp_dir() -> Result<PathBuf, String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("sentral-bench-{}-{nanos:09}", std::process::id()));
    std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Polls `GET target` until it answers 200, the server dies, or `timeout`.
pub async fn wait_ready(
    servers: &mut Servers,
    name: &str,
    target: &Target,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        servers.check_alive(name)?;
        let attempt = tokio::time::timeout(
            Duration::from_secs(2),
            client::request_once(target, Method::GET, &[], Bytes::new()),
        )
        .await;
        let last = match attempt {
            Ok(Ok((StatusCode::OK, _))) => return Ok(()),
            Ok(Ok((status, _))) => format!("HTTP {status}"),
            Ok(Err(e)) => e,
            Err(_) => "request timed out".to_owned(),
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "{name} did not answer 200 on {} within {} s (last: {last}); see its log: {}",
                target.url(),
                timeout.as_secs(),
                servers.log_of(name)
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
