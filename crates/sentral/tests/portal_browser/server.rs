//! `sentral serve --demo` as a real process on a free loopback port, for the browser tests.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::webdriver::Browser;

pub struct Server {
    child: Child,
    pub base: String,
    dir: tempfile::TempDir,
}

impl Server {
    pub fn demo() -> Server {
        let dir = tempfile::tempdir().expect("data dir");
        let (child, base) = spawn(dir.path());
        Server { child, base, dir }
    }

    /// Stops the server, runs `sentral admin --json` with each of `commands` on its store (the
    /// store allows one process at a time), starts it again on a new port, and returns what
    /// each command printed. Portal sessions live in the store, so logins survive.
    pub fn admin_while_stopped(&mut self, commands: &[&[&str]]) -> Vec<serde_json::Value> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let printed = commands.iter().map(|args| self.admin(args)).collect();
        let (child, base) = spawn(self.dir.path());
        self.child = child;
        self.base = base;
        printed
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Fills in and sends the login form in `browser` (it does not wait for the next page).
    pub async fn submit_login(&self, browser: &Browser, email: &str, password: &str) {
        browser.goto(&self.url("/portal/login")).await;
        browser.fill("#login-name", email).await;
        browser.fill("#login-password", password).await;
        browser.click("#login-submit").await;
    }

    /// `sentral admin --json ARGS` on the (stopped) server's store, as an operator would at the
    /// console.
    fn admin(&self, args: &[&str]) -> serde_json::Value {
        let output = Command::new(env!("CARGO_BIN_EXE_sentral"))
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(["admin", "--json"])
            .args(args)
            .env_remove("SENTRAL_DATABASE_URL")
            .env_remove("SENTRAL_NATS_URL")
            .output()
            .expect("run sentral admin");
        assert!(
            output.status.success(),
            "sentral admin {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("sentral admin --json prints JSON")
    }

    /// `POST /oauth/v2/token` with HTTP Basic client authentication: the status and the answer.
    pub async fn token(
        &self,
        client_id: &str,
        client_secret: &str,
        form: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let response = reqwest::Client::new()
            .post(self.url("/oauth/v2/token"))
            .basic_auth(client_id, Some(client_secret))
            .form(form)
            .send()
            .await
            .expect("token request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// A GET with a Bearer token (or none): the status and the JSON answer.
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut request = reqwest::Client::new().get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("GET");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// The newest SMS in the sandbox outbox to `to` (international digits): its last word is
    /// the password it carries.
    pub async fn password_sent_to(&self, to: &str) -> String {
        let (status, messages) = self.get_json("/sandbox/v1/sms?limit=20", None).await;
        assert_eq!(status, 200, "{messages}");
        let message = messages
            .as_array()
            .expect("a list")
            .iter()
            .find(|message| message["to"] == to)
            .unwrap_or_else(|| panic!("no SMS to {to} in {messages}"));
        let text = message["text"].as_str().expect("text");
        text.rsplit(' ').next().expect("a word").to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `sentral serve --demo` on `dir` and a free port: the process and its base URL, once it
/// accepts connections.
fn spawn(dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sentral"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env_remove("SENTRAL_DATABASE_URL")
        .env_remove("SENTRAL_NATS_URL")
        .env("SENTRAL_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start sentral serve");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("sentral listening on ") {
                let url = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let _ = sender.send(url);
            }
        }
    });
    let base = receiver
        .recv_timeout(Duration::from_secs(30))
        .expect("sentral serve did not say where it listens within 30 s");
    let deadline = Instant::now() + Duration::from_secs(10);
    let address = base.trim_start_matches("http://").to_owned();
    while std::net::TcpStream::connect(&address).is_err() {
        assert!(
            Instant::now() < deadline,
            "sentral serve does not accept connections"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, base)
}
