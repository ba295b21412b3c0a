//! The real server (every API and the portal, as `sentral serve` mounts them) on port 0 with
//! the demo world, and a browser-like client that keeps cookies and carries each page's form
//! token, for the portal's HTTP tests.

use std::collections::BTreeMap;
use std::sync::Arc;

use sentral_api::{AppState, router_with};
use sentral_services::limits::RateLimits;
use sentral_services::{Platform, PlatformConfig};
use sentral_store::testing::{PgTestSchema, postgres_test_url};
use sentral_store::{Store, StoreLocation};

pub struct PortalServer {
    pub base: String,
    pub platform: Arc<Platform>,
    pub name: &'static str,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    schema: Option<PgTestSchema>,
    _dir: Option<tempfile::TempDir>,
}

pub fn sandbox_config() -> PlatformConfig {
    PlatformConfig {
        sandbox: true,
        rate_limits: RateLimits {
            quota_per_minute: 0,
            spike_arrest_per_second: 0,
        },
        seal_key: Some(sentral_services::sealing::SealKey::random().expect("seal key")),
        ..PlatformConfig::default()
    }
}

impl PortalServer {
    /// The demo server on SQLite.
    pub async fn demo() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = StoreLocation::SqliteDir(dir.path().to_owned());
        let mut server = Self::start(location, "sqlite").await;
        server._dir = Some(dir);
        server
    }

    /// The demo server on SQLite, and on PostgreSQL when SENTRAL_TEST_DATABASE_URL is set.
    pub async fn every_backend() -> Vec<Self> {
        let mut servers = vec![Self::demo().await];
        if let Some(url) = postgres_test_url() {
            let schema = PgTestSchema::create(&url)
                .await
                .expect("create test schema");
            let mut server =
                Self::start(StoreLocation::Postgres(schema.url.clone()), "postgres").await;
            server.schema = Some(schema);
            servers.push(server);
        }
        servers
    }

    async fn start(location: StoreLocation, name: &'static str) -> Self {
        let store = Store::open(&location).await.expect("open store");
        let platform = Platform::new(Arc::new(store), sandbox_config())
            .await
            .expect("platform");
        platform.ensure_demo_world().await.expect("demo world");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let portal =
            sentral_portal::router(platform.clone(), sentral_portal::PortalConfig::default());
        let app = router_with(AppState::new(platform.clone()), portal);
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, axum::ServiceExt::into_make_service(app))
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
        });
        Self {
            base,
            platform,
            name,
            shutdown: Some(shutdown),
            task: Some(task),
            schema: None,
            _dir: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new browser with no cookies.
    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: BTreeMap::new(),
            csrf: None,
        }
    }

    /// Moves the sandbox clock forward.
    pub async fn advance_clock(&self, seconds: u32) {
        let response = reqwest::Client::new()
            .post(self.url("/sandbox/v1/clock/advance"))
            .json(&serde_json::json!({ "seconds": seconds }))
            .send()
            .await
            .expect("clock advance");
        assert_eq!(response.status(), 200, "clock advance");
    }

    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.platform.store().close().await;
        if let Some(schema) = self.schema.take() {
            schema.drop_schema().await.expect("drop schema");
        }
    }
}

/// One answer of the portal.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) {
        assert!(
            self.body.contains(text),
            "page (status {}) lacks {text:?}:\n{}",
            self.status,
            self.body
        );
    }
}

/// Keeps cookies like a browser (one host) and the last page's form token.
pub struct Browser {
    base: String,
    http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    csrf: Option<String>,
}

fn form_token(body: &str) -> Option<String> {
    let at = body.find("name=\"_csrf\" value=\"")?;
    let rest = &body[at + "name=\"_csrf\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn take(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let text = value.to_str().expect("cookie text");
            let pair = text.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').expect("cookie pair");
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|value| value.to_str().expect("location").to_owned());
        let headers = response.headers().clone();
        let body = response.text().await.expect("body");
        if let Some(token) = form_token(&body) {
            self.csrf = Some(token);
        }
        Page {
            status,
            location,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.take(response).await
    }

    /// GET, following redirects within the site.
    pub async fn visit(&mut self, path: &str) -> Page {
        let mut page = self.get(path).await;
        for _ in 0..5 {
            match (page.status, page.location.clone()) {
                (301..=308, Some(location)) => page = self.get(&location).await,
                _ => break,
            }
        }
        page
    }

    /// POSTs a form as a same-origin browser would, with the last page's token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf.clone().unwrap_or_default();
        self.post_with(path, fields, Some(&token), "same-origin")
            .await
    }

    /// POSTs with a chosen token (or none) and `Sec-Fetch-Site`.
    pub async fn post_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        token: Option<&str>,
        fetch_site: &str,
    ) -> Page {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if let Some(token) = token {
            form.push(("_csrf", token));
        }
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .header("sec-fetch-site", fetch_site)
            .form(&form)
            .send()
            .await
            .expect("POST");
        self.take(response).await
    }

    /// Logs in through the login page; panics unless the portal accepts.
    pub async fn login(&mut self, email: &str, password: &str) {
        let page = self.get("/portal/login").await;
        assert_eq!(page.status, 200, "login page");
        let page = self
            .post(
                "/portal/login",
                &[
                    ("login", email),
                    ("password", password),
                    ("next", "/portal/"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "login of {email}: {}", page.body);
    }
}
