//! A small W3C WebDriver client for Debian's chromedriver: the handful of commands the portal's
//! browser tests use, over plain HTTP on loopback. Failures panic with what was asked.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How to get a browser on this machine, said when none is found.
const INSTALL_HINT: &str = "the portal's browser tests need Debian's Chromium and ChromeDriver: \
     `apt-get install -y chromium chromium-driver` (/usr/bin/chromium, /usr/bin/chromedriver)";

/// chromedriver on a free loopback port; stopped when dropped.
pub struct Driver {
    child: Child,
    pub url: String,
    _profiles: tempfile::TempDir,
}

impl Driver {
    /// Starts chromedriver, or says how to install it: under `CI=true` a missing browser fails
    /// the test, elsewhere the test is skipped (returns `None`) with the hint on stderr.
    pub fn start() -> Option<Driver> {
        if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
            if std::env::var("CI").is_ok_and(|ci| ci == "true" || ci == "1") {
                panic!("{INSTALL_HINT}");
            }
            eprintln!("skipped: {INSTALL_HINT}");
            return None;
        }
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}; {INSTALL_HINT}"));
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _profiles: tempfile::tempdir().expect("profile dir"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(driver)
    }

    /// A new headless Chromium with an empty profile, flags as this machine needs them (no
    /// background networking: the machine's network is closed).
    pub async fn browser(&self, width: u32, height: u32) -> Browser {
        let profile = tempfile::tempdir_in(self._profiles.path()).expect("profile");
        let profile = profile.keep();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                    "--lang=nb-NO",
                ],
                // A Norwegian browser: the portal's first language comes from Accept-Language.
                "prefs": {"intl.accept_languages": "nb-NO,nb,no"}
            }
        }}});
        let http = reqwest::Client::new();
        let answer = call(
            &http,
            reqwest::Method::POST,
            &format!("{}/session", self.url),
            Some(capabilities),
        )
        .await;
        let session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session from chromedriver: {answer}"))
            .to_owned();
        Browser {
            http,
            session_url: format!("{}/session/{session}", self.url),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("free port")
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Value {
    let mut request = http.request(method.clone(), url);
    if let Some(body) = body {
        request = request.json(&body);
    } else if method == reqwest::Method::POST {
        request = request.json(&json!({}));
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status();
    let value: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        panic!("{method} {url} answered {status}: {value}");
    }
    value["value"].clone()
}

/// One browser window.
pub struct Browser {
    http: reqwest::Client,
    session_url: String,
}

impl Browser {
    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        call(
            &self.http,
            method,
            &format!("{}{path}", self.session_url),
            body,
        )
        .await
    }

    pub async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    pub async fn current_url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn source(&self) -> String {
        self.command(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn element(&self, css: &str) -> Option<String> {
        self.find("css selector", css).await
    }

    /// The first element found with a W3C locator strategy (`css selector`, `link text` …).
    async fn find(&self, using: &str, value: &str) -> Option<String> {
        let response = self
            .http
            .post(format!("{}/element", self.session_url))
            .json(&json!({ "using": using, "value": value }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("find {using} {value}: {e}"));
        if !response.status().is_success() {
            return None;
        }
        let value: Value = response.json().await.ok()?;
        value["value"][ELEMENT_KEY].as_str().map(str::to_owned)
    }

    /// The element, waiting up to 5 s for it to appear.
    async fn wait_for(&self, css: &str) -> String {
        self.wait_for_by("css selector", css).await
    }

    /// The first element found with `using`, waiting up to 5 s for it to appear.
    async fn wait_for_by(&self, using: &str, value: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(id) = self.find(using, value).await {
                return id;
            }
            if Instant::now() > deadline {
                let url = self.current_url().await;
                let source = self.source().await;
                panic!("no element {using} {value:?} on {url}:\n{source}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The element's text once it satisfies `wanted`, waiting up to 5 s (a click's navigation
    /// may still be loading when the click answers).
    pub async fn text_when(&self, css: &str, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(id) = self.element(css).await {
                let response = self
                    .http
                    .get(format!("{}/element/{id}/text", self.session_url))
                    .send()
                    .await
                    .ok();
                if let Some(response) = response
                    && response.status().is_success()
                    && let Ok(value) = response.json::<Value>().await
                    && let Some(text) = value["value"].as_str()
                    && wanted(text)
                {
                    return text.to_owned();
                }
            }
            if Instant::now() > deadline {
                let url = self.current_url().await;
                panic!(
                    "{css:?} on {url} never had the expected text:\n{}",
                    self.source().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits up to 5 s for the page's address to satisfy `wanted`.
    pub async fn url_when(&self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let url = self.current_url().await;
            if wanted(&url) {
                return url;
            }
            assert!(Instant::now() < deadline, "the page stayed on {url}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits up to 5 s for the page's source to satisfy `wanted`, and returns it.
    pub async fn source_when(&self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let source = self.source().await;
            if wanted(&source) {
                return source;
            }
            if Instant::now() > deadline {
                let url = self.current_url().await;
                panic!("the page on {url} never became what was expected:\n{source}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the link whose text is exactly `text`, waiting up to 5 s for it.
    pub async fn click_link(&self, text: &str) {
        let id = self.wait_for_by("link text", text).await;
        self.command(reqwest::Method::POST, &format!("/element/{id}/click"), None)
            .await;
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.element(css).await.is_some()
    }

    pub async fn click(&self, css: &str) {
        let id = self.wait_for(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{id}/click"), None)
            .await;
    }

    /// Replaces the field's text with `text`, typed as a person would.
    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.wait_for(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{id}/clear"), None)
            .await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Presses keys on the focused element (WebDriver key codes, e.g. "\u{E004}" for Tab).
    pub async fn keys(&self, css: &str, keys: &str) {
        let id = self.wait_for(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": keys })),
        )
        .await;
    }

    /// The id of the element that has the keyboard focus.
    pub async fn active_element_id(&self) -> String {
        let active = self
            .command(reqwest::Method::GET, "/element/active", None)
            .await;
        let id = active[ELEMENT_KEY].as_str().unwrap_or_default().to_owned();
        self.command(
            reqwest::Method::GET,
            &format!("/element/{id}/attribute/id"),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// A PNG of the window, into the screenshot folder (see [`screenshot_dir`]).
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let data = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .expect("screenshot is base64");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    pub async fn close(self) {
        let _ = self.http.delete(&self.session_url).send().await;
    }
}

/// `SENTRAL_SCREENSHOTS_DIR` when set (e.g. `docs/portal` to refresh the documentation's
/// pictures), else `portal-screenshots` in the test build's temporary folder.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("SENTRAL_SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal-screenshots"))
}
