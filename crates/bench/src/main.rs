//! `sentral-bench`: hello-world baseline server, HTTP/1.1 load generator, the
//! `run` command that benchmarks sentral against the baseline and the `table`
//! command that measures every endpoint row of issue 17 beside it.
//! See docs/benchmarks.md.

mod baseline;
mod client;
mod load;
mod perf;
mod procs;
mod report;
mod run;
mod stats;
mod table;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// Exit code when a benchmark completed but saw non-2xx responses, errors
/// or unsent requests: its figures must not be used.
const EXIT_DIRTY: u8 = 3;

#[derive(Parser)]
#[command(name = "sentral-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the axum hello-world baseline (`GET /hello` → {"hello":"world"}).
    Hello {
        #[arg(long, default_value = "127.0.0.1:8081")]
        listen: SocketAddr,
    },
    /// HTTP/1.1 keep-alive load against one URL (closed loop, or open loop with --rate).
    Load(LoadArgs),
    /// Start the baseline and sentral, measure both, print a Markdown report.
    Run(RunArgs),
    /// Start the baseline and `sentral serve --demo`, measure every endpoint row (reads, one
    /// write, optionally pinned rows) beside the baseline, print a Markdown table.
    Table(TableArgs),
}

#[derive(Args)]
struct LoadArgs {
    /// Target URL (http:// only), e.g. http://127.0.0.1:8081/hello
    #[arg(long)]
    url: String,
    /// Request method.
    #[arg(long, default_value = "GET")]
    method: String,
    /// Request body; every `{n}` in it is replaced by a per-request counter (0, 1, …), every
    /// `{bool}` by `false` for an even counter and `true` for an odd one (a toggle).
    #[arg(long, value_name = "TEXT")]
    body: Option<String>,
    /// Extra request header, 'Name: value' (repeatable).
    #[arg(long = "header", short = 'H', value_name = "'NAME: VALUE'")]
    headers: Vec<String>,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Measured seconds (after the warm-up).
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    duration: f64,
    /// Open loop: fixed arrival rate in requests/s over all connections.
    #[arg(long, value_name = "RPS")]
    rate: Option<f64>,
    /// Warm-up seconds, excluded from the figures.
    #[arg(long, default_value_t = 1.0, value_name = "SECS")]
    warmup: f64,
}

#[derive(Args)]
struct RunArgs {
    /// sentral binary [default: target/release/sentral]
    #[arg(long, value_name = "PATH")]
    sentral: Option<PathBuf>,
    /// Measured seconds per load run (each also gets a 1 s warm-up).
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    duration: f64,
    /// Concurrent keep-alive connections per load run.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Also write the Markdown report to this file.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Keep the temp dir (server logs, data) even on success.
    #[arg(long)]
    keep_temp: bool,
}

#[derive(Args)]
struct TableArgs {
    /// sentral binary [default: target/release/sentral]
    #[arg(long, value_name = "PATH")]
    sentral: Option<PathBuf>,
    /// PostgreSQL instead of SQLite: a fresh schema is created there (with psql), the server
    /// is pointed at it, and it is dropped afterwards.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Measured seconds per row (each also gets a 1 s warm-up).
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    duration: f64,
    /// Connections of the read rows.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Connections of the write row (contact create).
    #[arg(long, default_value_t = 8)]
    write_connections: usize,
    /// Add the pinned rows: the hello-world and the subscription search with both servers on
    /// --server-cpus and the load generator (one thread) on --load-cpus. Implied by either.
    #[arg(long)]
    pin: bool,
    /// CPU list (taskset) of the servers in the pinned rows [default: 0]
    #[arg(long, env = "BENCH_SERVER_CPUS", value_name = "CPUS")]
    server_cpus: Option<String>,
    /// CPU list (taskset) of the load generator in the pinned rows [default: 1]
    #[arg(long, env = "BENCH_LOAD_CPUS", value_name = "CPUS")]
    load_cpus: Option<String>,
    /// Profile the server with `perf record` for SECS under the contacts page (after the read
    /// rows, before the write row) and summarise where its CPU went.
    #[arg(long, value_name = "SECS")]
    perf: Option<f64>,
    /// Also write the Markdown table to this file.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Keep the temp dir (server logs, data) even on success.
    #[arg(long)]
    keep_temp: bool,
}

fn seconds(value: f64, flag: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| format!("{flag} must be a non-negative number of seconds, got {value}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Cmd::Hello { listen } => baseline::serve(listen).await.map(|()| true),
        Cmd::Load(args) => load_cmd(args).await,
        Cmd::Run(args) => run_cmd(args).await,
        Cmd::Table(args) => table_cmd(args).await,
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_DIRTY),
        Err(e) => {
            eprintln!("sentral-bench: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Returns whether the run was clean.
async fn load_cmd(args: LoadArgs) -> Result<bool, String> {
    let headers = args
        .headers
        .iter()
        .map(|h| client::parse_header(h))
        .collect::<Result<Vec<_>, _>>()?;
    let method = hyper::Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .map_err(|e| format!("invalid --method {:?}: {e}", args.method))?;
    let cfg = load::LoadConfig {
        target: client::Target::parse(&args.url).await?,
        method,
        body: args.body.as_deref().map(load::BodyTemplate::new),
        headers,
        connections: args.connections,
        duration: seconds(args.duration, "--duration")?,
        warmup: seconds(args.warmup, "--warmup")?,
        rate: args.rate,
    };
    let result = load::run(&cfg).await?;
    let summary = report::load_summary(&result);
    print!("{summary}");
    if let Some(w) = report::warning("load", &result) {
        eprintln!("{w}");
    }
    Ok(result.is_clean())
}

/// Returns whether every measurement was clean.
async fn run_cmd(args: RunArgs) -> Result<bool, String> {
    let cfg = run::RunConfig {
        sentral: args.sentral,
        duration: seconds(args.duration, "--duration")?,
        connections: args.connections,
        keep_temp: args.keep_temp,
    };
    let report = run::run(&cfg).await?;
    let markdown = report.markdown();
    print!("{markdown}");
    if let Some(path) = &args.out {
        std::fs::write(path, &markdown)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("[sentral-bench] report written to {}", path.display());
    }
    let warnings = report.warnings();
    for w in &warnings {
        eprintln!("{w}");
    }
    Ok(warnings.is_empty())
}

/// Returns whether every row was clean.
async fn table_cmd(args: TableArgs) -> Result<bool, String> {
    if args.connections == 0 || args.write_connections == 0 {
        return Err("--connections and --write-connections must be at least 1".into());
    }
    let pinning = (args.pin || args.server_cpus.is_some() || args.load_cpus.is_some()).then(|| {
        table::Pinning {
            server_cpus: args.server_cpus.unwrap_or_else(|| "0".into()),
            load_cpus: args.load_cpus.unwrap_or_else(|| "1".into()),
        }
    });
    let cfg = table::TableConfig {
        sentral: args.sentral,
        database_url: args.database_url,
        duration: seconds(args.duration, "--duration")?,
        connections: args.connections,
        write_connections: args.write_connections,
        pinning,
        perf: args.perf.map(|s| seconds(s, "--perf")).transpose()?,
        keep_temp: args.keep_temp,
    };
    let table = table::run(&cfg).await?;
    let markdown = table.markdown();
    print!("{markdown}");
    if let Some(path) = &args.out {
        std::fs::write(path, &markdown)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("[sentral-bench] table written to {}", path.display());
    }
    let warnings = table.warnings();
    for w in &warnings {
        eprintln!("{w}");
    }
    Ok(warnings.is_empty())
}
