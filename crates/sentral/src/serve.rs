//! `sentral serve`: open the store, build the platform, listen, and stop cleanly on SIGINT or
//! SIGTERM (stop accepting, finish in-flight requests, close the store).

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sentral_services::demo;
use sentral_services::limits::RateLimits;
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
    let platform_config = PlatformConfig {
        sandbox,
        access_token_ttl_seconds: config.access_token_ttl_seconds.max(60),
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

pub async fn serve(config: Config) -> Result<(), String> {
    let started = Instant::now();
    tracing::info!(?config, "starting");
    let platform = open_platform(&config, config.demo).await?;
    if config.demo
        && platform
            .ensure_demo_world()
            .await
            .map_err(|e| format!("cannot seed the demo world: {e}"))?
    {
        tracing::info!("seeded the demo world");
    }
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
    let purger = spawn_purger(platform.clone());
    let orders = spawn_order_ticker(platform.clone());
    let app = sentral_api::router(sentral_api::AppState::new(platform.clone()));
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    purger.abort();
    orders.abort();
    platform.store().close().await;
    tracing::info!("stopped");
    served.map_err(|e| format!("server failed: {e}"))
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
}
