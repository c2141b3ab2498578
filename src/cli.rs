//! The command line: `closer` runs the terminal UI; subcommands manage the
//! database, load demo data, print costs. (The benchmark is its own binary:
//! `src/bin/closer-bench.rs`.)

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use color_eyre::eyre::{bail, Result};

use crate::config::Config;
use crate::db::cluster::{self, Status};
use crate::db::{demo, usage};
use crate::report::OutputFormat;
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
        /// Load it even into a database that already holds prospects (a
        /// second copy: names, companies and events twice).
        #[arg(long)]
        add: bool,
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
        /// Prospect ids or email addresses.
        #[arg(required = true, value_name = "PROSPECT")]
        prospects: Vec<String>,
    },
    /// Draft outreach for a prospect with the LLM (workflow outreach_draft); saved with status draft.
    Draft {
        /// A prospect id or email address.
        #[arg(value_name = "PROSPECT")]
        prospect: String,
        /// An event to invite the prospect to.
        #[arg(long)]
        event: Option<i32>,
        /// offer_email (default), linkedin_message, event_invitation, ...
        #[arg(long = "type", default_value = "offer_email")]
        draft_type: String,
        /// Write a draft type that neither Closer nor this database knows yet.
        #[arg(long)]
        force: bool,
    },
    /// Match prospects to an event with the LLM (workflow event_matching): score every candidate,
    /// select the top N or everyone at or above the minimum score, and write invitations
    /// (drafts with status draft). Shows the estimated cost and asks first.
    Match {
        #[arg(value_name = "EVENT_ID")]
        event_id: i32,
        /// Select at least the N best (default: config matching.top_n).
        #[arg(long, value_name = "N")]
        top: Option<usize>,
        /// Select everyone scoring at least S, 0-100 (default: config matching.min_score).
        #[arg(long, value_name = "S", value_parser = clap::value_parser!(u8).range(0..=100))]
        min_score: Option<u8>,
        /// Consider prospects whose status is INACTIVE too.
        #[arg(long)]
        include_inactive: bool,
        /// Score and rank, but write no invitation.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask before spending.
        #[arg(long, short = 'y')]
        yes: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// Import prospects, interactions or events from a CSV file (one transaction; --dry-run changes nothing).
    Import(crate::import::cli::ImportArgs),
    /// Export prospects, interactions, drafts or events as CSV or JSON (standard output, or --output FILE).
    Export(crate::export::ExportArgs),
    /// Print the day's work (the Today view): follow-ups, drafts and events due.
    Today {
        /// Evaluate the rules as of this day (YYYY-MM-DD); default: today.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
        /// At most this many rows, most urgent first (default: all).
        #[arg(long)]
        limit: Option<i64>,
    },
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
        None => crate::runtime::run(config, target).await,
        Some(Cmd::Db { action }) => db_command(action, &config, &target).await,
        Some(Cmd::Demo { prospects, seed, add }) => {
            let (db, report) = setup::open(&target, &config).await?;
            for n in report.notes {
                eprintln!("{n}");
            }
            let held = db.counts().await?.prospects;
            if held > 0 && !add {
                bail!(
                    "{} already holds {held} prospects (a new database gets the demo data at its first start); \
                     `closer demo` would add a second copy. Pass --add to load it anyway",
                    db.display_url
                );
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
            if let (Some(s), Some(u)) = (since, until) {
                if s >= u {
                    bail!("--since {s} is not before --until {u} (the end date is exclusive), so the range is empty");
                }
            }
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
        Some(Cmd::Research { prospects }) => {
            let (db, _) = setup::open(&target, &config).await?;
            let mut kinds = Vec::new();
            for p in &prospects {
                kinds.push(crate::llm::JobKind::Research { prospect_id: crate::headless::resolve(&db, p).await? });
            }
            crate::headless::run(&config, db, kinds).await
        }
        Some(Cmd::Draft { prospect, event, draft_type, force }) => {
            let (db, _) = setup::open(&target, &config).await?;
            crate::headless::check_draft_type(&db, &draft_type, force).await?;
            let prospect_id = crate::headless::resolve(&db, &prospect).await?;
            let kinds = vec![crate::llm::JobKind::Draft { prospect_id, event_id: event, draft_type }];
            crate::headless::run(&config, db, kinds).await
        }
        Some(Cmd::Match { event_id, top, min_score, include_inactive, dry_run, yes, format }) => {
            let (db, _) = setup::open(&target, &config).await?;
            let mut options = crate::llm::matching::MatchOptions::from_config(&config.matching);
            options.top_n = top.unwrap_or(options.top_n);
            options.min_score = min_score.unwrap_or(options.min_score);
            options.include_inactive |= include_inactive;
            options.dry_run = dry_run;
            crate::match_cmd::run(&config, db, event_id, options, yes, format).await
        }
        Some(Cmd::Import(args)) => crate::import::cli::run(&config, &target, args).await,
        Some(Cmd::Export(args)) => crate::export::run(&config, &target, args).await,
        Some(Cmd::Today { date, format, limit }) => {
            let (db, _) = setup::open(&target, &config).await?;
            let list = crate::today_report::load(&db, &config, date, limit, &crate::logging::data_dir()).await?;
            print!("{}", crate::today_report::render(&list, format));
            Ok(())
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
