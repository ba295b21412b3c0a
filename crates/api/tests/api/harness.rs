use std::path::PathBuf;
use std::sync::Arc;

use sentral_api::{AppState, router};
use sentral_domain::platform::{Agreement, ContactPerson, Grants};
use sentral_domain::{ApiProduct, Msisdn, OrgNumber, Secret};
use sentral_services::admin::{NewApplication, NewPartner, NewSystemUser};
use sentral_services::limits::RateLimits;
use sentral_services::platform::Actor;
use sentral_services::{Platform, PlatformConfig};
use sentral_store::testing::{PgTestSchema, postgres_test_url};
use sentral_store::{Store, StoreLocation};
use serde_json::Value;

pub struct OtherPartner {
    pub client_id: String,
    pub client_secret: String,
    pub username: String,
    pub password: String,
}

impl OtherPartner {
    pub async fn token(&self, server: &TestServer) -> String {
        let response = server
            .password_token(
                &self.client_id,
                &self.client_secret,
                &self.username,
                &self.password,
            )
            .await;
        assert_eq!(response.status(), 200, "other partner's token");
        let body: Value = response.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }
}

pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
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
        ..PlatformConfig::default()
    }
}

impl TestServer {
    /// A sandbox server with the demo world on a fresh SQLite data dir.
    pub async fn demo() -> Self {
        Self::demo_with(sandbox_config()).await
    }

    pub async fn demo_with(config: PlatformConfig) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = StoreLocation::SqliteDir(dir.path().to_owned());
        let mut server = Self::start(location, config, "sqlite").await;
        server._dir = Some(dir);
        server
    }

    /// The demo server on every backend available: SQLite, and PostgreSQL when configured.
    pub async fn every_backend() -> Vec<Self> {
        let mut servers = vec![Self::demo().await];
        if let Some(url) = postgres_test_url() {
            let schema = PgTestSchema::create(&url)
                .await
                .expect("create test schema");
            let mut server = Self::start(
                StoreLocation::Postgres(schema.url.clone()),
                sandbox_config(),
                "postgres",
            )
            .await;
            server.schema = Some(schema);
            servers.push(server);
        }
        servers
    }

    pub async fn start_on_dir(dir: PathBuf, config: PlatformConfig) -> Self {
        Self::start(StoreLocation::SqliteDir(dir), config, "sqlite").await
    }

    async fn start(location: StoreLocation, config: PlatformConfig, name: &'static str) -> Self {
        let store = Store::open(&location).await.expect("open store");
        let platform = Platform::new(Arc::new(store), config)
            .await
            .expect("platform");
        if platform.is_sandbox() {
            platform.ensure_demo_world().await.expect("demo world");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let app = router(AppState::new(platform.clone()));
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, axum::ServiceExt::into_make_service(app))
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
        });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            base,
            http,
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

    /// Stops serving and closes the store (the data dir stays).
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
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
        self._dir.take()
    }

    pub async fn password_token(
        &self,
        client: &str,
        secret: &str,
        user: &str,
        password: &str,
    ) -> reqwest::Response {
        self.http
            .post(self.url("/oauth/v2/token"))
            .basic_auth(client, Some(secret))
            .form(&[
                ("grant_type", "password"),
                ("username", user),
                ("password", password),
            ])
            .send()
            .await
            .expect("token request")
    }

    /// A demo client-credentials token: the application, no system user or end user behind it.
    pub async fn demo_client_token(&self) -> String {
        let response = self
            .http
            .post(self.url("/oauth/v2/token"))
            .basic_auth("demo-client", Some("demo-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// A demo access token for the demo system user (all products).
    pub async fn demo_token(&self) -> String {
        let response = self
            .password_token(
                "demo-client",
                "demo-secret",
                "api0000000001",
                "demo-password",
            )
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// Moves the sandbox clock forward.
    pub async fn advance_clock(&self, seconds: u32) {
        let response = self
            .http
            .post(self.url("/sandbox/v1/clock/advance"))
            .json(&serde_json::json!({ "seconds": seconds }))
            .send()
            .await
            .expect("clock advance");
        assert_eq!(response.status(), 200, "clock advance");
    }

    /// A request with a JSON body (or none) and the bearer token.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    /// A second partner with its own customer (920000029, agreement 20000001), an application
    /// holding `products` and a system user granted that customer.
    pub async fn other_partner(&self, products: Vec<ApiProduct>) -> OtherPartner {
        let org = |n: &str| OrgNumber::parse(n).expect("org number");
        let cli = Actor::cli();
        let platform = &self.platform;
        platform
            .create_partner(
                &cli,
                NewPartner {
                    org_number: org("920000010"),
                    name: "Other Vendor AS".into(),
                    admin_name: "Olga".into(),
                    admin_email: "olga@other.no".into(),
                },
            )
            .await
            .expect("partner");
        let agreement = Agreement {
            id: "20000001".into(),
            org_number: org("920000029"),
            category: "Mobilt Bedriftsnett avtale".into(),
            valid_from: "2025-01-01".into(),
            valid_to: None,
            status: "ACTIVE".into(),
            internal_number_length: 4,
        };
        platform
            .create_agreement(&cli, agreement, "Other Customer AS")
            .await
            .expect("agreement");
        let app = platform
            .create_application(
                &cli,
                NewApplication {
                    partner: org("920000010"),
                    name: "Other App".into(),
                    products,
                    billing_account: None,
                    owner: "Olga".into(),
                    created_by: "olga@other.no".into(),
                    kpn_customer: None,
                    client_id: None,
                    client_secret: None,
                    redirect_uris: Vec::new(),
                },
            )
            .await
            .expect("application");
        let created = platform
            .create_system_user(
                &cli,
                NewSystemUser {
                    partner: org("920000010"),
                    agreement_id: "20000001".into(),
                    contact: ContactPerson {
                        name: "Olga".into(),
                        mobile: Msisdn::parse("98000001").expect("msisdn"),
                        email: "olga@other.no".into(),
                    },
                    grants: Grants {
                        companies: vec![org("920000029")],
                        accounts: vec![],
                    },
                    password: Some(Secret::new("other-password")),
                    username: None,
                },
            )
            .await
            .expect("system user");
        OtherPartner {
            client_id: app.client_id.to_string(),
            client_secret: app.client_secret.expose().to_owned(),
            username: created.system_user.username.to_string(),
            password: "other-password".into(),
        }
    }

    /// An end-user access token for the demo member with `mobile`, through the
    /// authorization-code flow (login form, code, token exchange).
    pub async fn end_user_token(&self, mobile: &str) -> String {
        let redirect = "http://localhost:9999/callback";
        let login = self
            .http
            .post(self.url("/oauth/v2/authorize"))
            .form(&[
                ("client_id", "demo-client"),
                ("redirect_uri", redirect),
                ("state", "s"),
                ("username", mobile),
                ("password", "demo-user-password"),
            ])
            .send()
            .await
            .expect("login");
        assert_eq!(login.status(), 302, "end-user login");
        let location = login.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        let code = location
            .split("code=")
            .nth(1)
            .and_then(|rest| rest.split('&').next())
            .expect("code in the redirect")
            .to_owned();
        let tokens: Value = self
            .http
            .post(self.url("/oauth/v2/token"))
            .basic_auth("demo-client", Some("demo-secret"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", redirect),
            ])
            .send()
            .await
            .expect("token exchange")
            .json()
            .await
            .expect("json");
        tokens["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }
}

/// Asserts status and Telenor error code; returns the body.
pub async fn expect_telenor_error(response: reqwest::Response, status: u16, code: u64) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let body: Value = response.json().await.expect("error body is JSON");
    assert_eq!(body["code"].as_u64(), Some(code), "body {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message in {body}"
    );
    body
}
