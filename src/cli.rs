//! The command line: `closer` runs the terminal UI; subcommands manage the
//! database, load demo data, print costs and run the benchmark.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use color_eyre::eyre::{bail, Result};

use crate::config::Config;
use crate::db::cluster::{self, Status};
use crate::db::{demo, usage};
use crate::setup::{self, Target};

#[derive(Debug, Parser)]
#[command(name = "closer", version, about = "A keyboard-driven terminal sales assistant")]
pub struct Cli {
    /// Config file (default: $CLOSER_CONFIG, else ~/.config/closer/config.toml; never ./config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// PostgreSQL URL; overrides DATABASE_URL and the config. Default: Closer's own cluster.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Manage Closer's own PostgreSQL cluster.
    Db {
        #[command(subcommand)]
        action: DbCmd,
    },
    /// Fill the database with a deterministic demo dataset (about 10 interactions
    /// and 10 LLM usage rows per prospect).
    Demo {
        #[arg(long, default_value_t = 300)]
        prospects: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Print LLM usage and cost from llm_usage_logs.
    Costs {
        /// Start date (YYYY-MM-DD, UTC), inclusive.
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
        /// End date (YYYY-MM-DD, UTC), exclusive.
        #[arg(long)]
        until: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value = "model")]
        by: usage::UsageGroup,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// Research prospects with the LLM (workflow prospect_research) and print what it wrote and cost.
    Research {
        #[arg(required = true, value_name = "PROSPECT_ID")]
        ids: Vec<i32>,
    },
    /// Draft outreach for a prospect with the LLM (workflow outreach_draft); saved with status draft.
    Draft {
        #[arg(value_name = "PROSPECT_ID")]
        id: i32,
        /// An event to invite the prospect to.
        #[arg(long)]
        event: Option<i32>,
        /// offer_email (default), linkedin_message, event_invitation, ...
        #[arg(long = "type", default_value = "offer_email")]
        draft_type: String,
    },
    /// Measure the speed targets on a throw-away database and print the figures.
    Bench {
        #[arg(long, default_value_t = 100_000)]
        prospects: u32,
        /// Reuse an existing closer_bench database instead of reloading it.
        #[arg(long)]
        reuse: bool,
        /// Run only these sections (queries, memory, ui, editor, pipeline, costs, versus).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Show whether the managed cluster is initialised and running, and what it holds.
    Status,
    /// Start the managed cluster (initialising it on first use).
    Start,
    /// Stop the managed cluster.
    Stop,
    /// Print the URL of the database Closer would open.
    Url,
    /// Row counts, the indexes Closer's queries want and which are missing,
    /// each key query's time, and what `closer db optimize` would change.
    Doctor,
    /// Create the missing indexes (CREATE INDEX CONCURRENTLY, named closer_…) and the
    /// cost rollups (schema closer); never alters a table. --undo drops exactly that.
    Optimize {
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
        /// Drop what `closer db optimize` made.
        #[arg(long)]
        undo: bool,
    },
}

pub async fn run(cli: Cli) -> Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    let target = Target::resolve(cli.database_url.as_deref(), &config)?;
    match cli.command {
        None => crate::app::run(config, target).await,
        Some(Cmd::Db { action }) => db_command(action, &config, &target).await,
        Some(Cmd::Demo { prospects, seed }) => {
            let (db, report) = setup::open(&target, &config).await?;
            for n in report.notes {
                eprintln!("{n}");
            }
            let started = std::time::Instant::now();
            let s = demo::load(&db, &demo::DemoOptions { prospects, seed, anchor: demo::today_anchor() }).await?;
            println!(
                "loaded into {} in {:.1}s: {} industries, {} solutions, {} companies, {} prospects, {} events, \
                 {} interactions, {} drafts, {} research, {} usage logs",
                db.display_url,
                started.elapsed().as_secs_f64(),
                s.industries,
                s.solutions,
                s.companies,
                s.prospects,
                s.events,
                s.interactions,
                s.drafts,
                s.research,
                s.usage_logs
            );
            Ok(())
        }
        Some(Cmd::Costs { since, until, by, format }) => {
            let (db, _) = setup::open(&target, &config).await?;
            let range = usage::UsageRange {
                since: since.map(|d| d.and_hms_opt(0, 0, 0).unwrap()),
                until: until.map(|d| d.and_hms_opt(0, 0, 0).unwrap()),
                ..Default::default()
            };
            let out = crate::report::costs_report(&db, range, by, format).await?;
            print!("{out}");
            Ok(())
        }
        Some(Cmd::Research { ids }) => {
            let (db, _) = setup::open(&target, &config).await?;
            let kinds = ids.into_iter().map(|prospect_id| crate::llm::JobKind::Research { prospect_id }).collect();
            crate::headless::run(&config, db, kinds).await
        }
        Some(Cmd::Draft { id, event, draft_type }) => {
            let (db, _) = setup::open(&target, &config).await?;
            let kinds = vec![crate::llm::JobKind::Draft { prospect_id: id, event_id: event, draft_type }];
            crate::headless::run(&config, db, kinds).await
        }
        Some(Cmd::Bench { prospects, reuse, only }) => {
            crate::bench::run(&config, prospects, &target, reuse, &only).await
        }
    }
}

async fn db_command(action: DbCmd, config: &Config, target: &Target) -> Result<()> {
    let cluster = match target {
        Target::Managed(c) => Some(c.clone()),
        Target::Url(_) => None,
    };
    match action {
        DbCmd::Url => {
            match target {
                Target::Url(u) => println!("{}", crate::db::url::mask(u)),
                Target::Managed(c) => println!("{}", c.url(cluster::DATABASE)),
            }
            Ok(())
        }
        DbCmd::Status => {
            if let Some(c) = &cluster {
                let status = c.status()?;
                println!("managed cluster: {}", c.root.display());
                println!("binaries:        {}", c.bin_dir.display());
                println!("socket:          {}", c.socket_dir().display());
                println!(
                    "status:          {}",
                    match status {
                        Status::NotInitialised => "not initialised (closer db start, or just run closer)".to_string(),
                        Status::Stopped => "stopped".to_string(),
                        Status::Running { pid } =>
                            format!("running (pid {pid}); it keeps running until `closer db stop`"),
                    }
                );
                if !matches!(status, Status::Running { .. }) {
                    return Ok(());
                }
            }
            let (db, _) = setup::open(target, config).await?;
            let n = db.counts().await?;
            println!("database:        {}", db.display_url);
            println!(
                "rows:            {} prospects, {} companies, {} interactions, {} events, {} usage logs",
                n.prospects, n.companies, n.interactions, n.events, n.usage_logs
            );
            Ok(())
        }
        DbCmd::Start => {
            let Some(c) = cluster else { bail!("a database URL is set, so there is no managed cluster to start") };
            let fresh = tokio::task::spawn_blocking({
                let c = c.clone();
                move || c.ensure_running()
            })
            .await??;
            println!(
                "{} managed PostgreSQL at {}",
                if fresh { "initialised and started" } else { "running:" },
                c.url(cluster::DATABASE)
            );
            Ok(())
        }
        DbCmd::Doctor => {
            let (db, _) = setup::open(target, config).await?;
            print!("{}", crate::doctor::doctor(&db).await?);
            Ok(())
        }
        DbCmd::Optimize { yes, undo } => {
            let (db, _) = setup::open(target, config).await?;
            crate::doctor::optimize(&db, yes, undo).await
        }
        DbCmd::Stop => {
            let Some(c) = cluster else { bail!("a database URL is set, so there is no managed cluster to stop") };
            let stopped = tokio::task::spawn_blocking(move || c.stop()).await??;
            println!("{}", if stopped { "stopped" } else { "not running" });
            Ok(())
        }
    }
}
