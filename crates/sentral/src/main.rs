//! `sentral`: serve the APIs, administer partners and applications, write generated artefacts.

mod admin;
mod config;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, FlagLayer, StoreLayer};

#[derive(Debug, Parser)]
#[command(
    name = "sentral",
    version,
    about = "An open, stateful operator business partner platform"
)]
struct Cli {
    #[command(flatten)]
    store: StoreLayer,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve every API dialect over HTTP
    Serve(FlagLayer),
    /// Administer partners, applications, agreements and system users (same store as serve)
    Admin {
        /// Print one JSON document instead of text
        #[arg(long, global = true)]
        json: bool,
        /// NATS of the cluster whose store this is: after its change commits, the command tells
        /// the running nodes to drop what they cached; also SENTRAL_NATS_URL_FILE [default: none,
        /// the nodes see the change within their token recheck]
        #[arg(long, global = true, env = "SENTRAL_NATS_URL", hide_env_values = true)]
        nats_url: Option<String>,
        /// The cluster's name, as its nodes were started with [default: sentral]
        #[arg(long, global = true, env = "SENTRAL_CLUSTER_NAME")]
        cluster_name: Option<String>,
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Seed the demo world and a large generated customer for benchmarks (same store as serve)
    Seed {
        /// Subscriptions of the generated customer (accounts: one per 50)
        #[arg(long)]
        scale: usize,
    },
    /// Write the OpenAPI documents (one per dialect) into a directory
    Openapi {
        #[arg(long, default_value = "openapi")]
        out: PathBuf,
    },
    /// Write the coverage table of upstream operations
    Coverage {
        #[arg(long, default_value = "docs/coverage.md")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(flags) => {
            let config = Config::load(&cli.store, &flags)?;
            serve::init_logging(config.log_format);
            serve::serve(config).await
        }
        Command::Admin {
            json,
            nats_url,
            cluster_name,
            command,
        } => {
            let flags = FlagLayer {
                nats_url,
                cluster_name,
                ..FlagLayer::default()
            };
            let config = Config::load(&cli.store, &flags)?;
            // Connecting while the store opens; a bad URL or name stops before any change.
            let bus = serve::open_bus(&config, "sentral admin").await?;
            let platform = serve::open_platform(&config, false).await?;
            let notice = match admin::notify_cluster(&platform, bus) {
                Ok(notice) => notice,
                Err(error) => {
                    platform.store().close().await;
                    return Err(error);
                }
            };
            let result = admin::run(&platform, command, json).await;
            // After the commit; also when the command failed after one (nothing is held else).
            if let Some(notice) = notice {
                let url = config.nats_url.as_deref().unwrap_or_default();
                notice.publish(config.token_recheck_seconds, url).await;
            }
            platform.store().close().await;
            result
        }
        Command::Seed { scale } => {
            let config = Config::load(&cli.store, &FlagLayer::default())?;
            let platform = serve::open_platform(&config, true).await?;
            let started = std::time::Instant::now();
            let seeded = platform
                .seed_scale(scale, |what, done, total| {
                    eprint!("\rseeding {what}: {done}/{total}");
                    if done == total {
                        eprintln!();
                    }
                })
                .await;
            platform.store().close().await;
            let seeded = seeded.map_err(|e| format!("cannot seed: {e}"))?;
            println!(
                "seeded {} ({}) on agreement {}, enterprise {}: {} accounts, {} subscriptions and \
                 members, and KPN customer {} ({}) with as many subscribers and contracts for \
                 {} / {}, in {:.1} s; \
                 serve it with `sentral serve --demo` on the same store and the demo credentials",
                sentral_services::corporate::scale::SCALE_NAME,
                seeded.org_number,
                seeded.agreement_id,
                seeded.enterprise_id,
                seeded.accounts,
                seeded.subscriptions,
                sentral_services::kpn::scale::SCALE_NAME,
                seeded.kpn_customer,
                sentral_services::kpn::scale::SCALE_CLIENT_ID,
                sentral_services::kpn::scale::SCALE_CLIENT_SECRET,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Openapi { out } => {
            std::fs::create_dir_all(&out)
                .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
            for (name, _, document) in sentral_api::openapi::documents() {
                let path = out.join(format!("{name}.json"));
                let text = document
                    .to_pretty_json()
                    .map_err(|e| format!("cannot serialise {name}: {e}"))?;
                std::fs::write(&path, text + "\n")
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(())
        }
        Command::Coverage { out } => {
            std::fs::write(&out, sentral_api::coverage::markdown())
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            println!("wrote {}", out.display());
            Ok(())
        }
    }
}
