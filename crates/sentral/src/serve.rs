//! `sentral serve`: open the store, build the platform, listen, and stop cleanly on SIGINT or
//! SIGTERM (stop accepting, finish in-flight requests, close the store).

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sentral_services::demo;
use sentral_services::limits::RateLimits;
use sentral_services::portal::demo as portal_demo;
use sentral_services::sealing::SealKey;
use sentral_services::{Platform, PlatformConfig};
use sentral_store::{Store, StoreLocation};

use crate::config::{Config, LogFormat};

pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SENTRAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colour codes only for a person at a terminal: they cost time on every request span and
    // litter log files.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub async fn open_platform(config: &Config, sandbox: bool) -> Result<Arc<Platform>, String> {
    let location = match &config.database_url {
        Some(url) => StoreLocation::Postgres(url.clone()),
        None => StoreLocation::SqliteDir(config.data_dir.clone()),
    };
    let store = Store::open(&location)
        .await
        .map_err(|e| format!("cannot open the store ({}): {e}", location.describe()))?;
    let node_id = config
        .node_id
        .as_deref()
        .map(sentral_services::cluster::NodeId::parse)
        .transpose()
        .map_err(|e| format!("invalid {e}"))?;
    let seal_key = seal_key(config)?;
    let platform_config = PlatformConfig {
        sandbox,
        node_id,
        seal_key: Some(seal_key),
        forbid_production_secret_reveal: config.forbid_production_secret_reveal,
        access_token_ttl_seconds: config.access_token_ttl_seconds.max(60),
        token_recheck_seconds: config.token_recheck_seconds,
        rate_limits: RateLimits {
            quota_per_minute: config.quota_per_minute,
            spike_arrest_per_second: config.spike_arrest_per_second,
        },
        ..PlatformConfig::default()
    };
    Platform::new(Arc::new(store), platform_config)
        .await
        .map_err(|e| format!("cannot start: {e}"))
}

/// The configured seal key, else the one generated into the data directory on first start.
/// Never logged.
fn seal_key(config: &Config) -> Result<SealKey, String> {
    if let Some(text) = &config.secret_seal_key {
        return SealKey::parse(text).map_err(|e| format!("secret-seal-key: {e}"));
    }
    let (key, generated) = SealKey::load_or_generate(&config.data_dir)
        .map_err(|e| format!("the seal key of client secrets: {e}"))?;
    let path = config
        .data_dir
        .join(sentral_services::sealing::SEAL_KEY_FILE);
    if config.database_url.is_some() {
        tracing::warn!(
            path = %path.display(),
            "no secret-seal-key configured: client secrets are sealed with the key in this \
             node's data directory; every node of a cluster needs the same key \
             (SENTRAL_SECRET_SEAL_KEY or SENTRAL_SECRET_SEAL_KEY_FILE), see docs/cluster.md"
        );
    } else if generated {
        tracing::info!(path = %path.display(), "generated the seal key of client secrets");
    }
    Ok(key)
}

pub async fn serve(config: Config) -> Result<(), String> {
    let started = Instant::now();
    tracing::info!(?config, "starting");
    let platform = open_platform(&config, config.demo).await?;
    tracing::info!(node = %platform.node_id(), "cluster node id");
    if config.demo
        && platform
            .ensure_demo_world()
            .await
            .map_err(|e| format!("cannot seed the demo world: {e}"))?
    {
        tracing::info!("seeded the demo world");
    }
    // Started: from now on a request while the database is down answers 503 within this bound.
    platform
        .store()
        .set_acquire_timeout(sentral_store::REQUEST_ACQUIRE_TIMEOUT);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| {
            format!(
                "cannot listen on {}: {e} (choose another with --listen)",
                config.listen
            )
        })?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!(
        "sentral listening on http://{address} (ready in {} ms)",
        started.elapsed().as_millis()
    );
    if config.demo {
        print_demo_help(address);
    }
    let nats = connect_nats(&config, &platform).await?;
    let purger = spawn_purger(platform.clone());
    let orders = spawn_order_ticker(platform.clone());
    platform.start_webhook_delivery(); // helper-outbox: this node delivers webhooks from the outbox
    let portal = sentral_portal::router(
        platform.clone(),
        sentral_portal::PortalConfig {
            secure_cookies: config.portal_secure_cookies,
        },
    );
    let app = sentral_api::router_with(sentral_api::AppState::new(platform.clone()), portal);
    let served = axum::serve(listener, axum::ServiceExt::into_make_service(app))
        .with_graceful_shutdown(shutdown_signal())
        .await;
    purger.abort();
    orders.abort();
    // Hand this node's engines over before the store closes: other nodes take them at once.
    let released = platform.hand_over_engines().await;
    if platform.ownership().is_some() {
        tracing::info!(node = %platform.node_id(), "released {released} leases");
    }
    platform
        .stop_webhook_delivery(Duration::from_secs(10))
        .await;
    flush_nats(nats).await;
    platform.store().close().await;
    tracing::info!("stopped");
    served.map_err(|e| format!("server failed: {e}"))
}

#[cfg(feature = "nats")]
pub type Nats = Option<sentral_events::nats::NatsBus>;
#[cfg(not(feature = "nats"))]
pub type Nats = Option<std::convert::Infallible>;

/// With `nats-url`, joins the cluster: cache invalidations and events cross nodes on NATS.
///
/// NATS not answering at start is not fatal: the node serves (correct on its own, other nodes'
/// revocations reach it within the recheck bound), `/readyz` answers 503 until NATS answers, and
/// the client keeps retrying, as it does after a NATS restart. So the start order of NATS and the
/// nodes does not matter, and a load balancer keeps requests off the node meanwhile. Only a URL
/// that cannot be used at all stops the start.
#[cfg(feature = "nats")]
async fn connect_nats(config: &Config, platform: &Arc<Platform>) -> Result<Nats, String> {
    use std::sync::atomic::{AtomicBool, Ordering};

    use sentral_events::Bus;
    use sentral_events::nats::redacted;

    let Some(bus) = open_bus(config, "sentral serve").await? else {
        return Ok(None);
    };
    let url = config.nats_url.as_deref().unwrap_or_default();
    let subscribed = Arc::new(AtomicBool::new(false));
    if platform.ownership().is_some() {
        platform.connect_forwarding(Arc::new(NatsCommands { bus: bus.clone() }));
    }
    platform
        .invalidations()
        .connect(Arc::new(NatsInvalidations {
            bus: bus.clone(),
            subscribed: subscribed.clone(),
        }))?;
    // Subscribing waits for the server; the node is ready for the cluster once it has.
    let joined = {
        let (bus, platform) = (bus.clone(), platform.clone());
        tokio::spawn(async move {
            let receiver = platform.clone();
            retry("subscribe to invalidations", || {
                let receiver = receiver.clone();
                bus.subscribe_invalidations(move |bytes| receiver.receive_invalidation(bytes))
            })
            .await;
            retry("subscribe to events", || {
                bus.attach(platform.monitor_hub().clone())
            })
            .await;
            if platform.ownership().is_some() {
                let node = platform.node_id().to_string();
                retry("serve forwarded call control", || {
                    let server = platform.clone();
                    bus.serve_commands(&node, move |message| {
                        let server = server.clone();
                        Box::pin(async move { server.receive_forwarded(&message).await })
                    })
                })
                .await;
            }
            subscribed.store(true, Ordering::Release);
        })
    };
    match tokio::time::timeout(Duration::from_secs(2), joined).await {
        Ok(_) => tracing::info!(url = %redacted(url), "joined the cluster on NATS"),
        Err(_) => tracing::warn!(
            url = %redacted(url),
            "NATS does not answer: serving, not ready (/readyz 503) until it does; retrying"
        ),
    }
    Ok(Some(bus))
}

/// The connection to the cluster's NATS of `nats-url` under `cluster-name` (none without a
/// URL), opened in the background: it answers at once and keeps reconnecting, and fails only
/// for a name or a URL that cannot be used at all. `serve` and `admin` share it.
#[cfg(feature = "nats")]
pub async fn open_bus(config: &Config, client: &str) -> Result<Nats, String> {
    use sentral_events::nats::{DEFAULT_SUBJECT_ROOT, NatsBus, redacted};

    let Some(url) = &config.nats_url else {
        return Ok(None);
    };
    let root = &config.cluster_name;
    let valid = !root.is_empty()
        && root
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_'));
    if !valid {
        return Err(format!(
            "cluster-name {root:?} must be ASCII letters, digits, '-' or '_' (it starts every NATS subject); the default is {DEFAULT_SUBJECT_ROOT}"
        ));
    }
    let bus = NatsBus::connect_in_background(url, root, client)
        .await
        .map_err(|e| {
            format!(
                "cannot use --nats-url {}: {e} (expected nats://host:4222)",
                redacted(url)
            )
        })?
        .with_retention(Duration::from_secs(config.events_retention_seconds.into()))
        .map_err(|e| format!("events-retention-seconds: {e}"))?;
    Ok(Some(bus))
}

#[cfg(not(feature = "nats"))]
pub async fn open_bus(config: &Config, _client: &str) -> Result<Nats, String> {
    match config.nats_url {
        Some(_) => Err(
            "nats-url is set, but this sentral was built without the `nats` feature \
                        (build it with `--features nats`)"
                .to_owned(),
        ),
        None => Ok(None),
    }
}

#[cfg(not(feature = "nats"))]
async fn connect_nats(config: &Config, _platform: &Arc<Platform>) -> Result<Nats, String> {
    open_bus(config, "sentral serve").await
}

/// Runs `attempt` until it succeeds, a second apart (the NATS client reconnects meanwhile).
#[cfg(feature = "nats")]
async fn retry<F, Fut>(what: &str, mut attempt: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), sentral_events::BusError>>,
{
    while let Err(error) = attempt().await {
        tracing::warn!(%error, "cannot {what} on NATS yet: retrying");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Invalidations go out through the node's NATS connection, never waiting for it.
#[cfg(feature = "nats")]
struct NatsInvalidations {
    bus: sentral_events::nats::NatsBus,
    subscribed: Arc<std::sync::atomic::AtomicBool>,
}

#[cfg(feature = "nats")]
impl sentral_services::invalidation::InvalidationTransport for NatsInvalidations {
    fn send(&self, message: Vec<u8>) -> bool {
        // Disconnected, the client would queue it until its buffer blocks the caller.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        if !self.bus.is_connected() {
            return false;
        }
        let bus = self.bus.clone();
        runtime.spawn(async move {
            if let Err(error) = bus.publish_invalidation(message).await {
                tracing::warn!(%error, "publishing an invalidation failed");
            }
        });
        true
    }

    fn connected(&self) -> bool {
        self.subscribed.load(std::sync::atomic::Ordering::Acquire) && self.bus.is_connected()
    }
}

/// Call control for an engine another node owns travels as a NATS request to that node.
#[cfg(feature = "nats")]
struct NatsCommands {
    bus: sentral_events::nats::NatsBus,
}

#[cfg(feature = "nats")]
impl sentral_services::telephony::forwarding::CommandTransport for NatsCommands {
    fn request(
        &self,
        node: &str,
        message: Vec<u8>,
        timeout: Duration,
    ) -> sentral_events::bus::BoxFuture<
        'static,
        Result<Vec<u8>, sentral_services::telephony::forwarding::ForwardFailure>,
    > {
        use sentral_events::nats::RequestError;
        use sentral_services::telephony::forwarding::ForwardFailure;
        let (bus, node) = (self.bus.clone(), node.to_owned());
        Box::pin(async move {
            bus.request_command(&node, message, timeout)
                .await
                .map_err(|error| match error {
                    RequestError::NoResponder => ForwardFailure::NoResponder,
                    RequestError::TimedOut => ForwardFailure::TimedOut,
                    RequestError::Unavailable(reason) => ForwardFailure::Unavailable(reason),
                })
        })
    }
}

/// Hands what is still queued to NATS before the process ends (briefly: NATS may be down).
async fn flush_nats(nats: Nats) {
    #[cfg(feature = "nats")]
    if let Some(bus) = nats
        && bus.is_connected()
    {
        let _ = tokio::time::timeout(Duration::from_secs(1), bus.flush()).await;
    }
    #[cfg(not(feature = "nats"))]
    let _ = nats;
}

fn spawn_purger(platform: Arc<Platform>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(600));
        loop {
            every.tick().await;
            match platform.purge_expired().await {
                Ok(purged) if purged > 0 => tracing::info!(purged, "purged expired tokens"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "purging expired tokens failed"),
            }
        }
    })
}

/// Every second: completes due orders, including those accepted on other nodes (reads on this
/// node complete the ones it knows of at once), lets the telephony engines' timers fire and
/// ends monitors whose lease ran out.
fn spawn_order_ticker(platform: Arc<Platform>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(error) = platform.tick_orders().await {
                tracing::warn!(%error, "completing due orders failed");
            }
            // Ring times, queue waits, wrap-up and absence windows; monitor leases.
            platform.tick_telephony().await;
        }
    })
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

fn print_demo_help(address: std::net::SocketAddr) {
    println!(
        "\nSandbox mode with the demo world. Try:\n\n  \
         curl -s -u {client}:{secret} -d grant_type=password -d username={user} -d password={password} \\\n    \
         http://{address}/oauth/v2/token\n  \
         curl -s -H \"Authorization: Bearer <access_token>\" http://{address}/organizations/v1/organizations\n\n  \
         Partner {partner} ({partner_org}): client {client} / {secret}, system user {user} / {password}\n  \
         KPN client: {kpn} / {kpn_secret} (POST /oauth/grip/msm/accesstoken)\n  \
         End users (authorisation code): mobile 91000001 / {end_user_password}\n  \
         API documentation: http://{address}/docs\n",
        client = demo::CLIENT_ID,
        secret = demo::CLIENT_SECRET,
        user = demo::SYSTEM_USER,
        password = demo::SYSTEM_USER_PASSWORD,
        partner = demo::PARTNER_NAME,
        partner_org = demo::PARTNER_ORG,
        kpn = demo::KPN_CLIENT_ID,
        kpn_secret = demo::KPN_CLIENT_SECRET,
        end_user_password = demo::END_USER_PASSWORD,
    );
    println!("  Onboarding portal: http://{address}/portal/ (log in with e-mail or mobile)");
    for (who, login) in [
        ("super-administrator", portal_demo::SUPER_ADMIN),
        ("administrator without APIer", portal_demo::DEVELOPER_ADMIN),
        (
            "administrator (mobile, fixed line)",
            portal_demo::LINE_ADMIN,
        ),
        ("operator (back office)", portal_demo::OPERATOR),
        ("dealer (ordering system)", portal_demo::DEALER),
    ] {
        println!(
            "    {who}: {} / {} ({})",
            login.email, login.password, login.name
        );
    }
    println!();
}
