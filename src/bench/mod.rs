//! `closer-bench` (src/bin/closer-bench.rs): measures the speed targets on a throw-away database
//! (`closer_bench`, dropped and recreated) and prints the figures. Run it
//! in release mode (see the binary for the command).
//!
//! One file per section: [`queries`], [`memory`], [`ui`], [`editor`],
//! [`pipeline`], [`matching`], [`costs`], [`today`] (Today and bulk),
//! [`import`] (against psql's `\copy`) and [`versus`] (against psql on the
//! same statements). Built only with the `test-support` feature.

use std::time::{Duration, Instant};

use color_eyre::eyre::Result;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::action::Action;
use crate::config::Config;
use crate::db::{demo, Db, OpenOptions};
use crate::setup::Target;

mod costs;
mod editor;
pub mod import;
mod matching;
mod memory;
mod pipeline;
mod queries;
mod today;
mod ui;
pub mod versus;

const BENCH_DB: &str = "closer_bench";

pub async fn run(config: &Config, prospects: u32, target: &Target, reuse: bool, only: &[String]) -> Result<()> {
    let admin_url = match target {
        Target::Url(u) => u.clone(),
        Target::Managed(c) => {
            let c2 = c.clone();
            tokio::task::spawn_blocking(move || c2.ensure_running()).await??;
            c.url("postgres")
        }
    };
    let url = crate::db::url::with_database(&admin_url, BENCH_DB);
    let want = |s: &str| only.is_empty() || only.iter().any(|o| o == s);
    if reuse {
        let (db, _) = Db::open(&url, &OpenOptions::default()).await?;
        println!("closer bench: reusing {} ({} prospects)", db.display_url, db.counts().await?.prospects);
        return sections(&db, config, &url, &want).await;
    }
    {
        use sqlx::{ConnectOptions, Connection};
        let mut conn = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&admin_url)?.connect().await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")).execute(&mut conn).await?;
        sqlx::query(&format!("CREATE DATABASE {BENCH_DB}")).execute(&mut conn).await?;
        conn.close().await?;
    }
    let (db, _) = Db::open(&url, &OpenOptions::default()).await?;
    println!("closer bench: {prospects} prospects in {}", db.display_url);

    let t = Instant::now();
    let s = demo::load(&db, &demo::DemoOptions { prospects, seed: 42, anchor: demo::today_anchor() }).await?;
    println!(
        "load demo data (COPY, one transaction, then VACUUM ANALYZE): {:.2} s for {} prospects, {} interactions, {} usage rows",
        t.elapsed().as_secs_f64(),
        s.prospects,
        s.interactions,
        s.usage_logs
    );

    sections(&db, config, &url, &want).await
}

async fn sections(db: &Db, config: &Config, url: &str, want: &dyn Fn(&str) -> bool) -> Result<()> {
    if want("queries") {
        queries::queries(db).await?;
    }
    if want("memory") {
        memory::memory(db, config).await?;
    }
    if want("ui") {
        ui::ui(db, config, url).await?;
    }
    if want("editor") {
        editor::editor(db, config).await?;
    }
    if want("pipeline") {
        pipeline::pipeline(db, config).await?;
    }
    if want("matching") {
        matching::run(db, config).await?;
    }
    if want("costs") {
        costs::costs(db).await?;
    }
    if want("import") {
        import::run(url).await?;
    }
    if want("today") {
        today::today(db, config).await?;
    }
    if want("bulk") {
        today::bulk(db, config).await?;
    }
    if want("versus") {
        let bare = crate::db::url::with_database(url, versus::BARE_DB);
        let exists = Db::open(&bare, &OpenOptions::default()).await.is_ok();
        if !exists || want("rebare") {
            let t = Instant::now();
            versus::make_bare(&crate::db::url::with_database(url, "postgres"), BENCH_DB).await?;
            println!("\nmade {} (primary keys only) in {:.1} s", versus::BARE_DB, t.elapsed().as_secs_f64());
        }
        versus::run(config, url, &bare).await?;
    }
    Ok(())
}

/// p50 and p99 (nearest rank) of durations, in milliseconds.
pub fn percentiles(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort();
    let at = |p: f64| {
        let i = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1000.0
    };
    (at(0.5), at(0.99), samples.last().map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0))
}

fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}
