//! `closer db doctor` and `closer db optimize`: what the connected
//! database holds, which of the indexes Closer's queries want it lacks, how
//! long each key query takes as the app runs it, and what `optimize` would
//! change (or, run, did change, with timings before and after).
//!
//! Timings go through the app's own I/O layer ([`Io::answer`]), so they are
//! the queries the app runs, with its rollups when the database has them.

use crate::calendar::thousands;
use std::io::{IsTerminal, Write as _};
use std::time::Instant;

use color_eyre::eyre::Result;

use crate::app::action::Action;
use crate::app::io::{Io, Request};
use crate::db::indexes::Trigram;
use crate::db::prospects::{ProspectFilter, ProspectSort};
use crate::db::usage::UsageGroup;
use crate::db::Db;

/// One key query's time (median of three warm runs).
#[derive(Debug, Clone)]
pub struct Timing {
    pub name: String,
    pub ms: Option<f64>,
    pub note: String,
}

const PAGE: i64 = 50;

/// Times the key queries of the app on this database.
pub async fn key_timings(db: &Db) -> Result<Vec<Timing>> {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let all = ProspectFilter::default();
    let first = db.list_prospects(&all, ProspectSort::LastContacted, 0, 1).await?;
    let Some(p) = first.first() else {
        return Ok(vec![Timing { name: "key queries".into(), ms: None, note: "no prospects to time".into() }]);
    };
    let term: String = p.full_name.split_whitespace().last().unwrap_or("a").chars().take(3).collect::<String>();
    let term = term.to_lowercase();
    let page = |filter: ProspectFilter| {
        vec![
            Request::ProspectPage {
                generation: 0,
                page: 0,
                page_size: PAGE,
                filter: filter.clone(),
                sort: ProspectSort::LastContacted,
                total: None,
            },
            Request::ProspectCount { generation: 0, filter },
        ]
    };
    let now = chrono::Utc::now().naive_utc();
    let range = crate::app::state::CostRange::Days30.range(now);
    let cases: Vec<(String, Vec<Request>)> = vec![
        ("first page (50 by last contact) and count".into(), page(all.clone())),
        (
            format!("search {term:?} (one keystroke: page and count, one statement)"),
            page(ProspectFilter { search: term.clone(), ..Default::default() })[..1].to_vec(),
        ),
        ("detail (prospect, company, industry, research, drafts)".into(), vec![Request::Detail { prospect_id: p.id }]),
        ("timeline (100 newest and count)".into(), vec![Request::Timeline { prospect_id: p.id, limit: 100 }]),
        (
            "30-day cost dashboard".into(),
            vec![Request::Costs { generation: 0, range: range.clone(), by: UsageGroup::Model }],
        ),
    ];
    let mut out = Vec::new();
    for (name, requests) in cases {
        let mut samples = Vec::new();
        for run in 0..4 {
            let t = Instant::now();
            let answers = futures_util::future::join_all(requests.iter().cloned().map(|r| io.answer(r))).await;
            if let Some(Action::Failed { error, .. }) = answers.iter().find(|a| matches!(a, Action::Failed { .. })) {
                color_eyre::eyre::bail!("{name}: {error}");
            }
            if run > 0 {
                samples.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        samples.sort_by(f64::total_cmp);
        out.push(Timing { name, ms: Some(samples[1]), note: String::new() });
    }
    out.insert(
        4,
        Timing { name: "Today view".into(), ms: None, note: "this version has no Today view to time".into() },
    );
    if let Some(t) = out.last_mut() {
        t.note = if db.has_rollups().await? {
            "from Closer's rollups".into()
        } else {
            "live SQL over llm_usage_logs".into()
        };
    }
    if db.has_rollups().await? {
        let t = Instant::now();
        let live = tokio::try_join!(
            db.usage_breakdown(&range, UsageGroup::Model),
            db.usage_daily_cost(&range),
            db.month_to_date_cost()
        );
        live?;
        out.push(Timing {
            name: "30-day cost dashboard, live SQL".into(),
            ms: Some(t.elapsed().as_secs_f64() * 1000.0),
            note: "what it costs without the rollups (one run)".into(),
        });
    }
    Ok(out)
}

fn timing_lines(timings: &[Timing]) -> String {
    let mut s = String::new();
    for t in timings {
        let ms = t.ms.map(|m| format!("{m:>9.1} ms")).unwrap_or_else(|| format!("{:>12}", "—"));
        let note = if t.note.is_empty() { String::new() } else { format!("  ({})", t.note) };
        s.push_str(&format!("  {:<58} {ms}{note}\n", t.name));
    }
    s
}

/// The doctor's report.
pub async fn doctor(db: &Db) -> Result<String> {
    let mut s = String::new();
    let own: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(&db.pool).await?;
    s.push_str(&format!(
        "database: {} ({})\n",
        db.display_url,
        if own {
            "created by Closer: its migrations add the indexes and the rollups"
        } else {
            "not created by Closer: nothing is added unless you run `closer db optimize`"
        }
    ));
    let version: String = sqlx::query_scalar("SHOW server_version").fetch_one(&db.pool).await?;
    s.push_str(&format!("PostgreSQL {version}\n\nrows:\n"));
    for table in crate::db::notify::WATCHED {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", crate::db::quote_ident(table)))
            .fetch_one(&db.pool)
            .await?;
        s.push_str(&format!("  {table:<20} {:>12}\n", thousands(n)));
    }
    let report = db.index_report().await?;
    s.push_str(&format!(
        "\nindexes Closer's queries want: {} of {} present\n",
        report.present.len(),
        report.present.len() + report.missing.len()
    ));
    for (w, by) in &report.present {
        s.push_str(&format!("  ok       {:<36} {} ({}) — {by}\n", w.name, w.table, w.columns));
    }
    for w in &report.missing {
        s.push_str(&format!("  MISSING  {:<36} {} ({})\n           for: {}\n", w.name, w.table, w.columns, w.serves));
    }
    s.push_str(&format!(
        "trigram search: {}\n",
        match &report.trigram {
            Trigram::Installed { schema } => format!("pg_trgm installed (schema {schema})"),
            Trigram::Available => "pg_trgm available, not installed".into(),
            Trigram::Unavailable => "this server has no pg_trgm; search runs without trigram indexes".into(),
        }
    ));
    if db.has_rollups().await? {
        let hw: i64 = sqlx::query_scalar("SELECT high_water FROM closer.rollup_state WHERE id = 1")
            .fetch_optional(&db.pool)
            .await?
            .unwrap_or(0);
        s.push_str(&format!("cost rollups: schema closer, rolled up to usage id {}\n", thousands(hw)));
    } else {
        s.push_str("cost rollups: none (the dashboard aggregates llm_usage_logs live)\n");
    }
    s.push_str("\nkey queries as the app runs them (median of 3 warm runs):\n");
    s.push_str(&timing_lines(&key_timings(db).await?));
    let plan = db.optimize_plan().await?;
    s.push_str("\n`closer db optimize` would ");
    if plan.is_empty() {
        s.push_str("change nothing: every wanted index and the rollups are here.\n");
    } else {
        s.push_str("(CREATE INDEX CONCURRENTLY; no table, column, type or constraint is altered):\n");
        s.push_str(&plan_lines(&plan));
    }
    for (w, why) in &plan.skipped {
        s.push_str(&format!("  not {}: {why}\n", w.name));
    }
    Ok(s)
}

fn plan_lines(plan: &crate::db::optimize::Plan) -> String {
    let mut s = String::new();
    if plan.create_schema {
        s.push_str("  create schema closer with the cost rollups (per day, model, workflow, node)\n");
    }
    if plan.create_extension {
        s.push_str("  create extension pg_trgm in schema closer (if this role may)\n");
    }
    for w in &plan.indexes {
        s.push_str(&format!("  create index {} on {} ({}) — for {}\n", w.name, w.table, w.columns, w.serves));
    }
    s
}

fn confirm(question: &str) -> bool {
    print!("{question} [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
}

/// `closer db optimize [--yes] [--undo]`.
pub async fn optimize(db: &Db, yes: bool, undo: bool) -> Result<()> {
    let ask = |q: &str| {
        if yes {
            true
        } else if std::io::stdin().is_terminal() {
            confirm(q)
        } else {
            println!("nothing changed: run again with --yes to go ahead");
            false
        }
    };
    let mut progress = |line: &str| println!("  {line}");
    if undo {
        let made = db.optimize_log().await?;
        if made.is_empty() {
            println!("nothing to undo: `closer db optimize` made nothing on {}", db.display_url);
            return Ok(());
        }
        println!("`closer db optimize` made on {}:", db.display_url);
        for (kind, name) in &made {
            println!("  {kind} {name}");
        }
        if !ask("Drop them?") {
            return Ok(());
        }
        let out = db.optimize_undo(&mut progress).await?;
        return finish(out);
    }
    let plan = db.optimize_plan().await?;
    for (w, why) in &plan.skipped {
        println!("not {}: {why}", w.name);
    }
    if plan.is_empty() {
        println!("nothing to do on {}: every wanted index and the rollups are here", db.display_url);
        return Ok(());
    }
    println!(
        "on {} (CREATE INDEX CONCURRENTLY: the original tool keeps reading and writing meanwhile):",
        db.display_url
    );
    print!("{}", plan_lines(&plan));
    if !ask("Go ahead?") {
        return Ok(());
    }
    println!("measuring the key queries first…");
    let before = key_timings(db).await?;
    let out = db.optimize_apply(&plan, &mut progress).await?;
    let after = key_timings(db).await?;
    println!("\nkey queries, before → after (median of 3 warm runs):");
    for (b, a) in before.iter().zip(&after) {
        let f = |t: &Timing| t.ms.map(|m| format!("{m:.1} ms")).unwrap_or_else(|| "—".into());
        println!("  {:<58} {:>10} → {:>10}", b.name, f(b), f(a));
    }
    println!("`closer db optimize --undo` drops exactly what was made.");
    finish(out)
}

fn finish(out: crate::db::optimize::Outcome) -> Result<()> {
    if out.failed.is_empty() {
        return Ok(());
    }
    for f in &out.failed {
        eprintln!("  failed: {f}");
    }
    color_eyre::eyre::bail!("{} step(s) failed", out.failed.len())
}
