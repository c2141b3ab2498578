//! `closer bench --only versus`: Closer against psql running the same
//! statements, in the same run, on two copies of the dataset: Closer's own
//! database (its indexes and cost rollups) and `closer_bench_bare`, made
//! from it with every index but the primary keys, pg_trgm, the `closer`
//! schema and `_sqlx_migrations` removed: a database as the original tool
//! leaves it (issue 15, items 3 and 4).
//!
//! Closer's figures go through the app (its update function, I/O layer and
//! a drawn frame); psql's are its own `\timing` of the same statements,
//! prepared and executed, one after the other. Start-up is wall clock for
//! both: psql's process start and connection against Closer's connection,
//! schema check, enum labels and first page.

use std::time::{Duration, Instant};

use color_eyre::eyre::{bail, eyre, Result};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::action::Action;
use crate::app::io::{Io, Request};
use crate::app::App;
use crate::config::Config;
use crate::db::prospect_page::{plain_query, search_args, search_query};
use crate::db::prospects::{ProspectFilter, ProspectSort};
use crate::db::{Db, OpenOptions};

pub const BARE_DB: &str = "closer_bench_bare";

/// Makes `closer_bench_bare` from `template` (dropped and made again).
pub async fn make_bare(admin_url: &str, template: &str) -> Result<()> {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(admin_url)?.connect().await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {BARE_DB} WITH (FORCE)")).execute(&mut conn).await?;
    // A template must have no other connection.
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(template)
    .execute(&mut conn)
    .await?;
    sqlx::query(&format!("CREATE DATABASE {BARE_DB} TEMPLATE {}", crate::db::quote_ident(template)))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let url = crate::db::url::with_database(admin_url, BARE_DB);
    let mut conn = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&url)?.connect().await?;
    sqlx::raw_sql(
        "DO $$ DECLARE r record; BEGIN
           FOR r IN SELECT i.indexrelid::regclass::text AS name FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
                     WHERE t.relnamespace = 'public'::regnamespace AND NOT i.indisprimary LOOP
             EXECUTE 'DROP INDEX ' || r.name;
           END LOOP;
         END $$;
         DROP EXTENSION IF EXISTS pg_trgm;
         DROP TABLE IF EXISTS _sqlx_migrations;
         DROP SCHEMA IF EXISTS closer CASCADE;
         VACUUM ANALYZE;",
    )
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(())
}

fn psql_binary() -> std::path::PathBuf {
    crate::db::cluster::find_binaries()
        .ok()
        .map(|d| d.join("psql"))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| "psql".into())
}

/// Runs a psql command string; returns its wall time and each `\timing` figure (ms).
fn psql(url: &str, script: &str) -> Result<(Duration, Vec<f64>)> {
    let t = Instant::now();
    let out = std::process::Command::new(psql_binary())
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", script])
        .output()
        .map_err(|e| eyre!("cannot run psql: {e}"))?;
    let wall = t.elapsed();
    if !out.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&out.stderr));
    }
    let times = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("Time: ")?.split_whitespace().next()?.parse().ok())
        .collect();
    Ok((wall, times))
}

/// `PREPARE name AS sql;` (psql runs `-c` scripts as one string: no `\` commands there).
fn prepare(name: &str, sql: &str) -> String {
    format!("PREPARE {name} AS {sql};\n")
}

fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Both databases, one after the other.
pub async fn run(config: &Config, indexed_url: &str, bare_url: &str) -> Result<()> {
    println!("\nCloser against psql on the same statements (medians; ratio = Closer / psql):");
    for (label, url) in
        [("with Closer's indexes and rollups", indexed_url), ("without indexes (primary keys only)", bare_url)]
    {
        println!("  {label}:");
        one(config, url).await?;
    }
    Ok(())
}

fn line(what: &str, closer: f64, psql: f64) {
    println!("    {what:<46} Closer {closer:>8.1} ms   psql {psql:>8.1} ms   ratio {:>5.2}", closer / psql.max(0.001));
}

async fn one(config: &Config, url: &str) -> Result<()> {
    let all = ProspectFilter::default();
    // The app's page size (ui.page_size), so both run the same statement.
    let size = config.ui.page_size as i64;
    let page_sql = plain_query(&all, ProspectSort::LastContacted, false, 0, size).into_sql();
    let start_script =
        format!("{}EXECUTE page({size}, 0);\nSELECT count(*) FROM prospects p WHERE TRUE;", prepare("page", &page_sql));

    // Start to the list drawn.
    let mut closer_start = Vec::new();
    let mut psql_start = Vec::new();
    for _ in 0..7 {
        closer_start.push(ms(start_to_list(config, url).await?));
        psql_start.push(ms(psql(url, &start_script)?.0));
    }
    line("start to the list drawn (psql: process, page, count)", median(closer_start), median(psql_start));

    // Moves: j through 20 prospects.
    let (db, _) = Db::open(url, &OpenOptions::default()).await?;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(config, db.enums.clone(), db.display_url.clone(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    let mut moves = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let requests = app.update(key(KeyCode::Char('j')));
        io.settle(&mut app, requests).await;
        let _ = crate::ui::render_to_buffer(&app, 120, 40);
        moves.push(ms(t.elapsed()));
        ids.extend(app.state.panel.prospect_id);
    }
    moves.remove(0);
    let mut script = prepare("detail", crate::db::panel::DETAIL_SQL);
    script += &prepare("research", RESEARCH_SQL);
    script += &prepare("drafts", DRAFTS_SQL);
    script += &prepare("timeline", crate::db::panel::TIMELINE_SQL);
    for id in &ids {
        script += &format!(
            "EXECUTE detail({id}); EXECUTE research({id}); EXECUTE drafts({id}); EXECUTE timeline({id}, 100, {});\n",
            crate::db::panel::PREVIEW_CHARS
        );
    }
    let times = psql_timed(url, &script)?;
    let per_move: Vec<f64> = times.chunks(4).skip(1).map(|c| c.iter().sum()).collect();
    line("move (j): detail, research, drafts, timeline", median(moves), median(per_move));

    // Search keystrokes, each settled before the next.
    let word = "wang wei";
    let requests = app.update(key(KeyCode::Char('/')));
    io.settle(&mut app, requests).await;
    // Twice: the first pass meets pool connections that have not run the
    // statement yet (a new PostgreSQL backend's caches are cold: ~20 ms);
    // the second is how it runs for the rest of the day.
    let mut first_pass = Vec::new();
    let mut keystrokes = Vec::new();
    let mut selected = Vec::new();
    for c in word.chars().chain(std::iter::once('\u{8}')).chain(word.chars()) {
        if c == '\u{8}' {
            first_pass = std::mem::take(&mut keystrokes);
            selected.clear();
            for _ in 0..word.len() {
                let requests = app.update(key(KeyCode::Backspace));
                io.settle(&mut app, requests).await;
            }
            continue;
        }
        // Key to the list drawn with its new first page; the detail and
        // timeline of the newly selected prospect follow, untimed, and are
        // let finish before the next key (a settled keystroke).
        let t = Instant::now();
        let requests = app.update(key(KeyCode::Char(c)));
        let queries = requests
            .iter()
            .filter(|r| matches!(r, Request::ProspectPage { .. } | Request::ProspectCount { .. }))
            .count();
        if queries != 1 {
            bail!("a search keystroke should send one query, sent {queries}: {requests:?}");
        }
        let mut follow = Vec::new();
        for r in requests {
            let answer = io.answer(r).await;
            follow.extend(app.update(answer));
        }
        let _ = crate::ui::render_to_buffer(&app, 120, 40);
        keystrokes.push(ms(t.elapsed()));
        io.settle(&mut app, follow).await;
        selected.push(app.state.panel.prospect_id.unwrap_or(0));
    }
    // The statement alone, through sqlx, for the same prefixes.
    let mut direct = Vec::new();
    for n in 1..=word.len() {
        let f = ProspectFilter { search: word[..n].to_string(), ..Default::default() };
        let t = Instant::now();
        db.search_page(&f, ProspectSort::LastContacted, 0, size).await?;
        direct.push(ms(t.elapsed()));
    }
    let mut script = prepare(
        "search",
        &search_query(
            &ProspectFilter { search: "x".into(), ..Default::default() },
            ProspectSort::LastContacted,
            0,
            size,
        )
        .into_sql(),
    );
    // The same statements in the same order as the app: each keystroke's
    // search, then what the new first row loads (untimed, as in the app).
    script += &prepare("detail", crate::db::panel::DETAIL_SQL);
    script += &prepare("research", RESEARCH_SQL);
    script += &prepare("drafts", DRAFTS_SQL);
    script += &prepare("timeline", crate::db::panel::TIMELINE_SQL);
    // Twice, like the app; the second pass is compared.
    for (n, id) in (1..=word.len()).zip(&selected).chain((1..=word.len()).zip(&selected)) {
        script += &format!(
            "EXECUTE search({}); EXECUTE detail({id}); EXECUTE research({id}); EXECUTE drafts({id}); \
             EXECUTE timeline({id}, 100, {});\n",
            search_args(&word[..n], 0, size).join(", "),
            crate::db::panel::PREVIEW_CHARS
        );
    }
    let times: Vec<f64> = psql_timed(url, &script)?.into_iter().step_by(5).skip(word.len()).collect();
    let list = |v: &[f64]| v.iter().map(|m| format!("{m:.1}")).collect::<Vec<_>>().join(" ");
    println!(
        "    search keystrokes {word:?}, each: Closer {} ms (first pass after start: {}); the statement via sqlx {} ms; psql {} ms",
        list(&keystrokes),
        list(&first_pass),
        list(&direct),
        list(&times)
    );
    line(&format!("search keystroke ({word:?}, one statement each)"), median(keystrokes), median(times));
    for _ in 0..word.len() + 1 {
        let requests = app.update(key(KeyCode::Backspace));
        io.settle(&mut app, requests).await;
    }

    // The cost dashboard (rollups where the database has them).
    if db.has_rollups().await? {
        let t = Instant::now();
        let r = db.refresh_rollups(false).await?;
        println!(
            "    rollups brought up to date: {} usage rows rolled up in {:.2} s (high-water id {})",
            r.rolled_rows,
            t.elapsed().as_secs_f64(),
            r.high_water
        );
        let t = Instant::now();
        let r = db.refresh_rollups(true).await?;
        println!(
            "    every day verified against the live rows (row count and row-hash sum): {:.2} s, {} days recomputed",
            t.elapsed().as_secs_f64(),
            r.recomputed_days.len()
        );
        let mut idle = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            db.refresh_rollups(false).await?;
            idle.push(ms(t.elapsed()));
        }
        println!("    a refresh with nothing new (every dashboard load does one): {:.1} ms", median(idle));
    }
    let now = chrono::Utc::now().naive_utc();
    for range in [crate::app::state::CostRange::Days30, crate::app::state::CostRange::All] {
        let r = range.range(now);
        let mut closer = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            if let Action::Failed { error, .. } = io
                .answer(Request::Costs { generation: 0, range: r.clone(), by: crate::db::usage::UsageGroup::Model })
                .await
            {
                bail!("{error}");
            }
            closer.push(ms(t.elapsed()));
        }
        let since = r.since.map(|s| format!("WHERE created_at >= '{s}'")).unwrap_or_default();
        let script = format!(
            "SELECT model, count(*), sum(prompt_tokens), sum(completion_tokens), sum(total_tokens), sum(cost),
                    percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY latency_ms)
               FROM llm_usage_logs {since} GROUP BY 1;
             SELECT created_at::date, sum(cost) FROM llm_usage_logs {since} GROUP BY 1 ORDER BY 1;
             SELECT sum(cost) FROM llm_usage_logs WHERE created_at >= date_trunc('month', now() AT TIME ZONE 'UTC');\n"
        );
        let mut psql_runs = Vec::new();
        for _ in 0..3 {
            psql_runs.push(psql_timed(url, &script)?.iter().sum::<f64>());
        }
        let how = if db.has_rollups().await? { "rollups" } else { "live SQL" };
        line(&format!("cost dashboard, {} ({how})", range.label()), median(closer), median(psql_runs));
    }
    db.pool.close().await;
    Ok(())
}

/// The statement `Db::research_for_prospect` runs (src/db/research.rs).
const RESEARCH_SQL: &str = "SELECT id, prospect_id, research_summary, key_insights, recommended_solutions, \
     confidence_score, created_at, updated_at FROM prospect_research WHERE prospect_id = $1 ORDER BY created_at DESC, id DESC";
/// The statement `Db::drafts_for_prospect` runs (src/db/drafts.rs).
const DRAFTS_SQL: &str = "SELECT id, prospect_id, event_id, draft_type, content, status, created_at, updated_at \
     FROM outreach_drafts WHERE prospect_id = $1 ORDER BY updated_at DESC, id DESC";

/// psql's `\timing` of each EXECUTE in a script (PREPAREs not counted).
fn psql_timed(url: &str, script: &str) -> Result<Vec<f64>> {
    let dir = std::env::temp_dir().join(format!("closer-bench-psql-{}.sql", std::process::id()));
    std::fs::write(&dir, format!("\\timing on\n\\o /dev/null\n{script}"))?;
    let out = std::process::Command::new(psql_binary())
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f"])
        .arg(&dir)
        .output()
        .map_err(|e| eyre!("cannot run psql: {e}"))?;
    let _ = std::fs::remove_file(&dir);
    if !out.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&out.stderr));
    }
    let prepares = script.matches("PREPARE ").count();
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("Time: ")?.split_whitespace().next()?.parse().ok())
        .skip(prepares)
        .collect())
}

/// A fresh start: connect, check the schema, load the enum labels, start
/// the live tasks, send the first requests and draw once page 0 is in.
async fn start_to_list(config: &Config, url: &str) -> Result<Duration> {
    let t = Instant::now();
    let (db, _) = Db::open(url, &OpenOptions::default()).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let live = crate::app::live::start(db.clone(), tx.clone(), crate::app::live::POLL);
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(config, db.enums.clone(), db.display_url.clone(), (120, 40));
    for r in app.start() {
        io.send(r);
    }
    while !app.state.prospects.pages.contains_key(&0) {
        let a = rx.recv().await.ok_or_else(|| eyre!("the I/O layer stopped"))?;
        app.dispatch(a, &io);
    }
    let _ = crate::ui::render_to_buffer(&app, 120, 40);
    let took = t.elapsed();
    // Let the rest of the start-up finish before the next run.
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.state.status.in_flight > 0 && Instant::now() < deadline {
        if let Ok(Some(a)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
            app.dispatch(a, &io);
        }
    }
    drop(live);
    db.pool.close().await;
    Ok(took)
}
