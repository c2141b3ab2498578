//! The benchmark, a binary of its own that drives Closer through its
//! library: it measures the speed targets on a throw-away database
//! (`closer_bench`, dropped and recreated) and prints the figures. The
//! product binary has no trace of it. Build and run it in release mode:
//!
//! ```text
//! cargo build --release --features test-support
//! target/release/closer-bench --prospects 100000 [--reuse] [--only queries,ui]
//! ```
//!
//! The import section times `closer import` as a process: it runs the
//! `closer` binary built beside this one.

use clap::Parser;
use color_eyre::eyre::Result;

#[derive(Debug, Parser)]
#[command(name = "closer-bench", about = "Measure Closer's speed targets on a throw-away database")]
struct Args {
    /// Config file (default: $CLOSER_CONFIG, else ~/.config/closer/config.toml).
    #[arg(long, value_name = "PATH")]
    config: Option<std::path::PathBuf>,
    /// PostgreSQL URL of the server to benchmark on. Default: Closer's own cluster.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    #[arg(long, default_value_t = 100_000)]
    prospects: u32,
    /// Reuse an existing closer_bench database instead of reloading it.
    #[arg(long)]
    reuse: bool,
    /// Run only these sections (queries, memory, ui, editor, pipeline, matching, costs, import, today, bulk, versus).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

fn main() -> Result<()> {
    color_eyre::install()?;
    let _log = closer::logging::init();
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(async {
        let config = closer::config::Config::load(args.config.as_deref())?;
        let target = closer::setup::Target::resolve(args.database_url.as_deref(), &config)?;
        closer::bench::run(&config, args.prospects, &target, args.reuse, &args.only).await
    })
}
