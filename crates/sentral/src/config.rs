//! One typed configuration, layered: defaults → `sentral.toml` (or `--config FILE`) →
//! `SENTRAL_*` environment → command-line flags. Secrets may come from `*_FILE` variables.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// PostgreSQL instead of the embedded SQLite when set.
    pub database_url: Option<String>,
    /// NATS of a cluster (events and cache invalidations across nodes); none on a single node.
    pub nats_url: Option<String>,
    /// The cluster's name: the first token of its NATS subjects, so several clusters can share
    /// one NATS server.
    pub cluster_name: String,
    /// This node's name in the cluster (leases, webhook claims); random per process when unset.
    pub node_id: Option<String>,
    pub demo: bool,
    /// The portal is reached over HTTPS: its cookies get `Secure` and the `__Host-` prefix.
    pub portal_secure_cookies: bool,
    pub quota_per_minute: u32,
    pub spike_arrest_per_second: u32,
    pub access_token_ttl_seconds: u32,
    /// How long a node serves a cached token or row before it checks the store again: the
    /// bound on staleness when an invalidation from another node does not arrive.
    pub token_recheck_seconds: u32,
    /// How long the cluster's NATS stream keeps events: how far back a node that starts
    /// rebuilds the replicated monitors.
    pub events_retention_seconds: u32,
    pub log_format: LogFormat,
    /// The key client secrets are sealed with (64 hex digits or base64 of 32 bytes); generated
    /// into the data directory (`seal.key`) when unset.
    pub secret_seal_key: Option<String>,
    /// Production applications' client secrets are never revealed in the Developer Portal.
    pub forbid_production_secret_reveal: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("sentral-data"),
            database_url: None,
            nats_url: None,
            cluster_name: "sentral".to_owned(),
            node_id: None,
            demo: false,
            portal_secure_cookies: false,
            quota_per_minute: 12_000,
            spike_arrest_per_second: 200,
            access_token_ttl_seconds: 3600,
            token_recheck_seconds: 5,
            events_retention_seconds: 86_400,
            log_format: LogFormat::Text,
            secret_seal_key: None,
            forbid_production_secret_reveal: false,
        }
    }
}

/// Secrets are redacted: a configuration can be logged.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "[redacted]"),
            )
            .field("nats_url", &self.nats_url.as_ref().map(|_| "[redacted]"))
            .field("cluster_name", &self.cluster_name)
            .field("node_id", &self.node_id)
            .field("demo", &self.demo)
            .field("portal_secure_cookies", &self.portal_secure_cookies)
            .field("quota_per_minute", &self.quota_per_minute)
            .field("spike_arrest_per_second", &self.spike_arrest_per_second)
            .field("access_token_ttl_seconds", &self.access_token_ttl_seconds)
            .field("token_recheck_seconds", &self.token_recheck_seconds)
            .field("events_retention_seconds", &self.events_retention_seconds)
            .field("log_format", &self.log_format)
            .field(
                "secret_seal_key",
                &self.secret_seal_key.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "forbid_production_secret_reveal",
                &self.forbid_production_secret_reveal,
            )
            .finish()
    }
}

/// The file layer: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileLayer {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub nats_url: Option<String>,
    pub cluster_name: Option<String>,
    pub node_id: Option<String>,
    pub demo: Option<bool>,
    pub portal_secure_cookies: Option<bool>,
    pub quota_per_minute: Option<u32>,
    pub spike_arrest_per_second: Option<u32>,
    pub access_token_ttl_seconds: Option<u32>,
    pub token_recheck_seconds: Option<u32>,
    pub events_retention_seconds: Option<u32>,
    pub log_format: Option<LogFormat>,
    pub secret_seal_key: Option<String>,
    pub forbid_production_secret_reveal: Option<bool>,
}

/// The environment and flag layer, as clap merged them (a flag wins over its variable).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct FlagLayer {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "SENTRAL_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// NATS of a cluster (nats://host:4222): events and cache invalidations cross nodes; also
    /// SENTRAL_NATS_URL_FILE [default: none, a single node]
    #[arg(long, env = "SENTRAL_NATS_URL", hide_env_values = true)]
    pub nats_url: Option<String>,
    /// The cluster's name, the first token of its NATS subjects: nodes of one cluster share it,
    /// two clusters on one NATS server need two [default: sentral]
    #[arg(long, env = "SENTRAL_CLUSTER_NAME")]
    pub cluster_name: Option<String>,
    /// This node's name in the cluster: 1-64 letters, digits, '-', '_' or '.', unique among
    /// running nodes [default: random per process]
    #[arg(long, env = "SENTRAL_NODE_ID")]
    pub node_id: Option<String>,
    /// Sandbox mode: seed the demo world on an empty store, enable /sandbox/v1/*
    #[arg(long, env = "SENTRAL_DEMO")]
    pub demo: Option<Option<bool>>,
    /// The portal is reached over HTTPS (directly or through a TLS-terminating proxy): its
    /// cookies get `Secure` and the session cookie the `__Host-` prefix [default: false]
    #[arg(long, env = "SENTRAL_PORTAL_SECURE_COOKIES")]
    pub portal_secure_cookies: Option<Option<bool>>,
    /// Requests per application per minute, all nodes together; 0 = unlimited [default: 12000]
    #[arg(long, env = "SENTRAL_QUOTA_PER_MINUTE")]
    pub quota_per_minute: Option<u32>,
    /// Requests per application per second on one node; 0 = unlimited [default: 200]
    #[arg(long, env = "SENTRAL_SPIKE_ARREST_PER_SECOND")]
    pub spike_arrest_per_second: Option<u32>,
    /// Access token lifetime in seconds [default: 3600]
    #[arg(long, env = "SENTRAL_ACCESS_TOKEN_TTL_SECONDS")]
    pub access_token_ttl_seconds: Option<u32>,
    /// Seconds a node trusts a cached token or row before it checks the store again: how
    /// stale it may be when an invalidation over NATS does not reach it [default: 5]
    #[arg(long, env = "SENTRAL_TOKEN_RECHECK_SECONDS")]
    pub token_recheck_seconds: Option<u32>,
    /// Seconds the cluster's NATS stream keeps events (60 to 86400): how far back a node that
    /// starts rebuilds the monitors other nodes serve [default: 86400]
    #[arg(long, env = "SENTRAL_EVENTS_RETENTION_SECONDS")]
    pub events_retention_seconds: Option<u32>,
    /// Log format [default: text]
    #[arg(long, env = "SENTRAL_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Production applications' client secrets are never revealed in the Developer Portal, only
    /// shown once at approval or rotation [default: false]
    #[arg(long, env = "SENTRAL_FORBID_PRODUCTION_SECRET_REVEAL")]
    pub forbid_production_secret_reveal: Option<Option<bool>>,
}

/// The store flags, global to every command.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct StoreLayer {
    /// Configuration file [default: ./sentral.toml when it exists]
    #[arg(long, global = true, env = "SENTRAL_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory of the embedded SQLite store [default: ./sentral-data]
    #[arg(long, global = true, env = "SENTRAL_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user:pass@host/db) instead of SQLite; also SENTRAL_DATABASE_URL_FILE
    #[arg(
        long,
        global = true,
        env = "SENTRAL_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

impl Config {
    pub fn load(store: &StoreLayer, flags: &FlagLayer) -> Result<Self, String> {
        let mut config = Config::default();
        let file = match &store.config {
            Some(path) => Some(read_file_layer(path)?),
            None if Path::new("sentral.toml").exists() => {
                Some(read_file_layer(Path::new("sentral.toml"))?)
            }
            None => None,
        };
        if let Some(file) = file {
            config.apply_file(file);
        }
        if let Ok(path) = std::env::var("SENTRAL_DATABASE_URL_FILE") {
            let url = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read SENTRAL_DATABASE_URL_FILE {path}: {e}"))?;
            config.database_url = Some(url.trim().to_owned());
        }
        // The seal key only from the file or the environment: a flag would show in `ps`.
        if let Ok(key) = std::env::var("SENTRAL_SECRET_SEAL_KEY")
            && !key.trim().is_empty()
        {
            config.secret_seal_key = Some(key.trim().to_owned());
        }
        if let Ok(path) = std::env::var("SENTRAL_SECRET_SEAL_KEY_FILE") {
            let key = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read SENTRAL_SECRET_SEAL_KEY_FILE {path}: {e}"))?;
            config.secret_seal_key = Some(key.trim().to_owned());
        }
        if let Ok(path) = std::env::var("SENTRAL_NATS_URL_FILE") {
            let url = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read SENTRAL_NATS_URL_FILE {path}: {e}"))?;
            config.nats_url = Some(url.trim().to_owned());
        }
        if let Some(dir) = &store.data_dir {
            config.data_dir = dir.clone();
        }
        if let Some(url) = store
            .database_url
            .as_ref()
            .filter(|url| !url.trim().is_empty())
        {
            config.database_url = Some(url.clone());
        }
        config.apply_flags(flags);
        Ok(config)
    }

    fn apply_file(&mut self, file: FileLayer) {
        let FileLayer {
            listen,
            data_dir,
            database_url,
            nats_url,
            cluster_name,
            node_id,
            demo,
            portal_secure_cookies,
            quota_per_minute,
            spike_arrest_per_second,
            access_token_ttl_seconds,
            token_recheck_seconds,
            events_retention_seconds,
            log_format,
            secret_seal_key,
            forbid_production_secret_reveal,
        } = file;
        self.secret_seal_key = secret_seal_key.or(self.secret_seal_key.take());
        self.forbid_production_secret_reveal =
            forbid_production_secret_reveal.unwrap_or(self.forbid_production_secret_reveal);
        self.cluster_name = cluster_name.unwrap_or(self.cluster_name.clone());
        self.listen = listen.unwrap_or(self.listen);
        self.data_dir = data_dir.unwrap_or(self.data_dir.clone());
        self.database_url = database_url.or(self.database_url.take());
        self.nats_url = nats_url.or(self.nats_url.take());
        self.node_id = node_id.or(self.node_id.take());
        self.demo = demo.unwrap_or(self.demo);
        self.portal_secure_cookies = portal_secure_cookies.unwrap_or(self.portal_secure_cookies);
        self.quota_per_minute = quota_per_minute.unwrap_or(self.quota_per_minute);
        self.spike_arrest_per_second =
            spike_arrest_per_second.unwrap_or(self.spike_arrest_per_second);
        self.access_token_ttl_seconds =
            access_token_ttl_seconds.unwrap_or(self.access_token_ttl_seconds);
        self.token_recheck_seconds = token_recheck_seconds.unwrap_or(self.token_recheck_seconds);
        self.events_retention_seconds =
            events_retention_seconds.unwrap_or(self.events_retention_seconds);
        self.log_format = log_format.unwrap_or(self.log_format);
    }

    fn apply_flags(&mut self, flags: &FlagLayer) {
        self.listen = flags.listen.unwrap_or(self.listen);
        if let Some(url) = flags.nats_url.as_ref().filter(|url| !url.trim().is_empty()) {
            self.nats_url = Some(url.clone());
        }
        if let Some(name) = flags
            .cluster_name
            .as_ref()
            .filter(|name| !name.trim().is_empty())
        {
            self.cluster_name = name.trim().to_owned();
        }
        if let Some(node) = flags
            .node_id
            .as_ref()
            .filter(|node| !node.trim().is_empty())
        {
            self.node_id = Some(node.trim().to_owned());
        }
        if let Some(demo) = flags.demo {
            self.demo = demo.unwrap_or(true);
        }
        if let Some(secure) = flags.portal_secure_cookies {
            self.portal_secure_cookies = secure.unwrap_or(true);
        }
        self.quota_per_minute = flags.quota_per_minute.unwrap_or(self.quota_per_minute);
        self.spike_arrest_per_second = flags
            .spike_arrest_per_second
            .unwrap_or(self.spike_arrest_per_second);
        self.access_token_ttl_seconds = flags
            .access_token_ttl_seconds
            .unwrap_or(self.access_token_ttl_seconds);
        self.token_recheck_seconds = flags
            .token_recheck_seconds
            .unwrap_or(self.token_recheck_seconds);
        self.events_retention_seconds = flags
            .events_retention_seconds
            .unwrap_or(self.events_retention_seconds);
        self.log_format = flags.log_format.unwrap_or(self.log_format);
        if let Some(forbid) = flags.forbid_production_secret_reveal {
            self.forbid_production_secret_reveal = forbid.unwrap_or(true);
        }
    }
}

fn read_file_layer(path: &Path) -> Result<FileLayer, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        format!(
            "{} is not a valid sentral configuration: {e}",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let mut config = Config::default();
        let file: FileLayer =
            toml::from_str("listen = \"127.0.0.1:9000\"\nquota-per-minute = 5\ndemo = true")
                .unwrap();
        config.apply_file(file);
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.quota_per_minute, 5);
        let flags = FlagLayer {
            quota_per_minute: Some(7),
            ..FlagLayer::default()
        };
        config.apply_flags(&flags);
        assert_eq!(config.quota_per_minute, 7);
        assert!(config.demo);
        assert_eq!(config.listen.port(), 9000);
    }

    #[test]
    fn unknown_keys_in_the_file_are_rejected() {
        assert!(toml::from_str::<FileLayer>("lissen = \"x\"").is_err());
    }

    #[test]
    fn debug_hides_the_database_url() {
        let config = Config {
            database_url: Some("postgres://u:secret@h/db".into()),
            nats_url: Some("nats://u:secret@h:4222".into()),
            secret_seal_key: Some("k3y".repeat(20)),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains(":secret@"), "{shown}");
        assert!(!shown.contains("k3yk3y"), "{shown}");
    }

    #[test]
    fn the_node_id_comes_from_the_file_unless_a_flag_or_its_variable_says_otherwise() {
        let mut config = Config::default();
        assert_eq!(config.node_id, None);
        config.apply_file(toml::from_str("node-id = \"sentral-1\"").unwrap());
        assert_eq!(config.node_id.as_deref(), Some("sentral-1"));
        config.apply_flags(&FlagLayer {
            node_id: Some(" ".into()),
            ..FlagLayer::default()
        });
        assert_eq!(config.node_id.as_deref(), Some("sentral-1"));
        config.apply_flags(&FlagLayer {
            node_id: Some("sentral-2".into()),
            ..FlagLayer::default()
        });
        assert_eq!(config.node_id.as_deref(), Some("sentral-2"));
    }

    #[test]
    fn the_events_retention_comes_from_the_file_unless_a_flag_says_otherwise() {
        let mut config = Config::default();
        assert_eq!(config.events_retention_seconds, 86_400);
        config.apply_file(toml::from_str("events-retention-seconds = 3600").unwrap());
        assert_eq!(config.events_retention_seconds, 3_600);
        config.apply_flags(&FlagLayer {
            events_retention_seconds: Some(600),
            ..FlagLayer::default()
        });
        assert_eq!(config.events_retention_seconds, 600);
    }

    #[test]
    fn the_token_recheck_comes_from_the_file_unless_a_flag_or_its_variable_says_otherwise() {
        let mut config = Config::default();
        assert_eq!(config.token_recheck_seconds, 5);
        config.apply_file(toml::from_str("token-recheck-seconds = 30").unwrap());
        assert_eq!(config.token_recheck_seconds, 30);
        config.apply_flags(&FlagLayer::default());
        assert_eq!(config.token_recheck_seconds, 30);
        config.apply_flags(&FlagLayer {
            token_recheck_seconds: Some(60),
            ..FlagLayer::default()
        });
        assert_eq!(config.token_recheck_seconds, 60);
    }

    #[test]
    fn the_nats_url_comes_from_the_file_unless_a_flag_or_its_variable_says_otherwise() {
        let mut config = Config::default();
        assert_eq!(config.nats_url, None);
        let file: FileLayer = toml::from_str("nats-url = \"nats://10.0.0.1:4222\"").unwrap();
        config.apply_file(file);
        assert_eq!(config.nats_url.as_deref(), Some("nats://10.0.0.1:4222"));
        // An empty flag (or SENTRAL_NATS_URL=) leaves what the file said.
        config.apply_flags(&FlagLayer {
            nats_url: Some(" ".into()),
            ..FlagLayer::default()
        });
        assert_eq!(config.nats_url.as_deref(), Some("nats://10.0.0.1:4222"));
        config.apply_flags(&FlagLayer {
            nats_url: Some("nats://127.0.0.1:4222".into()),
            ..FlagLayer::default()
        });
        assert_eq!(config.nats_url.as_deref(), Some("nats://127.0.0.1:4222"));
    }

    #[test]
    fn the_seal_key_and_the_reveal_flag_come_from_the_file_unless_a_flag_says_otherwise() {
        let mut config = Config::default();
        assert_eq!(config.secret_seal_key, None);
        assert!(!config.forbid_production_secret_reveal);
        config.apply_file(
            toml::from_str("secret-seal-key = \"k\"\nforbid-production-secret-reveal = true")
                .unwrap(),
        );
        assert_eq!(config.secret_seal_key.as_deref(), Some("k"));
        assert!(config.forbid_production_secret_reveal);
        config.apply_flags(&FlagLayer {
            forbid_production_secret_reveal: Some(Some(false)),
            ..FlagLayer::default()
        });
        assert!(!config.forbid_production_secret_reveal);
    }
}
