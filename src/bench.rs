//! `closer bench`: measures the speed targets on a throw-away database
//! (`closer_bench`, dropped and recreated) and prints the figures. Run it
//! in release mode: `cargo run --release -- bench`.

use std::time::{Duration, Instant};

use color_eyre::eyre::Result;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::action::Action;
use crate::app::io::Io;
use crate::app::App;
use crate::config::Config;
use crate::db::prospects::{ProspectFilter, ProspectSort};
use crate::db::usage::UsageGroup;
use crate::db::{demo, Db, EnumKind, OpenOptions};
use crate::setup::Target;

mod matching;
mod today;

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
        queries(db).await?;
    }
    if want("memory") {
        memory(db, config).await?;
    }
    if want("ui") {
        ui(db, config, url).await?;
    }
    if want("editor") {
        editor(db, config).await?;
    }
    if want("pipeline") {
        pipeline(db, config).await?;
    }
    if want("matching") {
        matching::run(db, config).await?;
    }
    if want("costs") {
        costs(db).await?;
    }
    if want("import") {
        crate::import::bench::run(url).await?;
    }
    if want("today") {
        today::today(db, config).await?;
    }
    if want("bulk") {
        today::bulk(db, config).await?;
    }
    if want("versus") {
        let bare = crate::db::url::with_database(url, crate::bench_versus::BARE_DB);
        let exists = Db::open(&bare, &OpenOptions::default()).await.is_ok();
        if !exists || want("rebare") {
            let t = Instant::now();
            crate::bench_versus::make_bare(&crate::db::url::with_database(url, "postgres"), BENCH_DB).await?;
            println!(
                "\nmade {} (primary keys only) in {:.1} s",
                crate::bench_versus::BARE_DB,
                t.elapsed().as_secs_f64()
            );
        }
        crate::bench_versus::run(config, url, &bare).await?;
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

async fn time<F, Fut, T>(runs: usize, mut f: F) -> Result<(f64, f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    f().await?; // warm
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        samples.push(t.elapsed());
    }
    Ok(percentiles(&mut samples))
}

async fn queries(db: &Db) -> Result<()> {
    println!("\nrepository queries, warm, 30 runs each (p50 / p99 / max ms):");
    let status = db
        .enums
        .find(EnumKind::ProspectStatus, "contacted")
        .unwrap_or(&db.enums.labels(EnumKind::ProspectStatus)[0])
        .to_string();
    let cases: Vec<(String, ProspectFilter, ProspectSort)> = vec![
        ("first page, by last contact".into(), ProspectFilter::default(), ProspectSort::LastContacted),
        ("first page, by name".into(), ProspectFilter::default(), ProspectSort::Name),
        (
            format!("first page, status = {status}"),
            ProspectFilter { status: Some(status.clone()), ..Default::default() },
            ProspectSort::LastContacted,
        ),
        (
            "first page, active + industry".into(),
            ProspectFilter { active: Some(true), industry_id: Some(1), ..Default::default() },
            ProspectSort::LastContacted,
        ),
        (
            "search 'a' (very common)".into(),
            ProspectFilter { search: "a".into(), ..Default::default() },
            ProspectSort::LastContacted,
        ),
        (
            "search 'wang' (4%)".into(),
            ProspectFilter { search: "wang".into(), ..Default::default() },
            ProspectSort::LastContacted,
        ),
        (
            "search 'acme' (company)".into(),
            ProspectFilter { search: "acme".into(), ..Default::default() },
            ProspectSort::LastContacted,
        ),
        (
            "search 'li.na123' (rare)".into(),
            ProspectFilter { search: "li.na123".into(), ..Default::default() },
            ProspectSort::LastContacted,
        ),
        (
            "search 'zzzz' (no match)".into(),
            ProspectFilter { search: "zzzz".into(), ..Default::default() },
            ProspectSort::LastContacted,
        ),
    ];
    for (name, filter, sort) in &cases {
        let page = time(30, || db.list_prospects(filter, *sort, 0, 50)).await?;
        let count = time(30, || db.count_prospects(filter)).await?;
        println!(
            "  {name:<34} page of 50: {:>7.2} / {:>7.2} / {:>7.2}    count: {:>7.2} / {:>7.2} / {:>7.2}",
            page.0, page.1, page.2, count.0, count.1, count.2
        );
    }
    let total = db.count_prospects(&ProspectFilter::default()).await?;
    let all = ProspectFilter::default();
    let deep = time(30, || db.list_prospects(&all, ProspectSort::LastContacted, total - 50, 50)).await?;
    println!("  {:<34} {:>7.2} / {:>7.2} / {:>7.2}", "last page by plain offset", deep.0, deep.1, deep.2);
    let deep = time(30, || db.list_prospects_in(&all, ProspectSort::LastContacted, total - 50, 50, total)).await?;
    println!("  {:<34} {:>7.2} / {:>7.2} / {:>7.2}", "last page read from the end (G)", deep.0, deep.1, deep.2);
    let mid = time(30, || db.list_prospects_in(&all, ProspectSort::LastContacted, total / 2, 50, total)).await?;
    println!("  {:<34} {:>7.2} / {:>7.2} / {:>7.2}", "middle page (worst case)", mid.0, mid.1, mid.2);
    let pid: i32 = sqlx::query_scalar("SELECT prospect_id FROM interactions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        .fetch_one(&db.pool)
        .await?;
    let tl = time(30, || db.timeline(pid, 0, 100)).await?;
    println!("  {:<34} {:>7.2} / {:>7.2} / {:>7.2}", "timeline (100 newest)", tl.0, tl.1, tl.2);
    let det = time(30, || db.prospect_detail(pid)).await?;
    println!("  {:<34} {:>7.2} / {:>7.2} / {:>7.2}", "prospect with company+industry", det.0, det.1, det.2);
    Ok(())
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Pages through every prospect the way the UI does (PageDown to the end)
/// and reports resident memory along the way.
async fn memory(db: &Db, config: &Config) -> Result<()> {
    println!("\nmemory while paging through every prospect in the UI state (200 rows visible, PageDown):");
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(config, db.enums.clone(), db.display_url.clone(), (160, 210));
    let first = app.start();
    io.settle(&mut app, first).await;
    let total = app.state.prospects.total.unwrap_or(0) as usize;
    let before = rss_kib();
    let mut marks = Vec::new();
    let t = Instant::now();
    let mut presses = 0;
    while app.state.prospects.selected + 1 < total {
        let requests = app.update(Action::Key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)));
        io.settle(&mut app, requests).await;
        presses += 1;
        if presses % 100 == 0 {
            marks.push((app.state.prospects.selected, rss_kib(), app.state.prospects.pages.len()));
        }
    }
    println!("  {presses} PageDowns over {total} rows in {:.1} s", t.elapsed().as_secs_f64());
    println!("  RSS before: {} KiB", before);
    for (row, rss, pages) in marks.iter().step_by((marks.len() / 5).max(1)) {
        println!("  at row {row:>6}: RSS {rss} KiB, pages held {pages}");
    }
    println!("  at the end: RSS {} KiB, pages held {}", rss_kib(), app.state.prospects.pages.len());
    Ok(())
}

fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// Start-up to the first complete frame, and key-to-frame while scrolling
/// and typing a search, with database answers arriving as in the real loop.
async fn ui(db: &Db, config: &Config, url: &str) -> Result<()> {
    println!("\nterminal UI at 120x40 (ratatui TestBackend; real database):");
    let mut startup = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let (db2, _) = Db::open(url, &OpenOptions::default()).await?;
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let io = Io::new(db2.clone(), tx);
        let mut app = App::new(config, db2.enums.clone(), db2.display_url.clone(), (120, 40));
        let first = app.start();
        io.settle(&mut app, first).await;
        let _ = crate::ui::render_to_buffer(&app, 120, 40);
        assert!(app.state.panel.detail.is_some());
        startup.push(t.elapsed());
        db2.pool.close().await;
    }
    let s = percentiles(&mut startup);
    println!("  start-up to first complete frame (connect, check schema, list, detail, timeline, draw): p50 {:.1} ms, max {:.1} ms", s.0, s.2);

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(config, db.enums.clone(), db.display_url.clone(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    let backend = ratatui::backend::TestBackend::new(120, 40);
    let mut terminal = ratatui::Terminal::new(backend)?;

    let mut frame_after =
        |app: &mut App, action: Action, rx: &mut tokio::sync::mpsc::UnboundedReceiver<Action>| -> Duration {
            let t = Instant::now();
            app.dispatch(action, &io);
            app.drain(rx, &io);
            terminal.draw(|f| crate::ui::draw(f, app)).expect("draw");
            t.elapsed()
        };
    let mut scroll = Vec::new();
    for i in 0..3000 {
        scroll.push(frame_after(
            &mut app,
            key(if i % 500 < 480 { KeyCode::Char('j') } else { KeyCode::PageDown }),
            &mut rx,
        ));
        if i % 10 == 0 {
            tokio::task::yield_now().await;
        }
    }
    let s = percentiles(&mut scroll);
    println!(
        "  key to frame while scrolling (3000 keys, j and PgDn): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        s.0, s.1, s.2
    );

    let mut typing = Vec::new();
    for round in 0..20 {
        for c in "/wang wei".chars() {
            typing.push(frame_after(&mut app, key(KeyCode::Char(c)), &mut rx));
            tokio::time::sleep(Duration::from_millis(if round % 2 == 0 { 0 } else { 30 })).await;
        }
        for _ in 0..9 {
            typing.push(frame_after(&mut app, key(KeyCode::Backspace), &mut rx));
        }
        frame_after(&mut app, key(KeyCode::Esc), &mut rx);
    }
    let s = percentiles(&mut typing);
    println!(
        "  key to frame while typing a search (360 keys): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        s.0, s.1, s.2
    );
    // Let the background requests drain before the next section.
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.state.status.in_flight > 0 && Instant::now() < deadline {
        if let Ok(Some(a)) = tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
            app.dispatch(a, &io);
        }
    }
    println!("  background requests still in flight afterwards: {}", app.state.status.in_flight);
    Ok(())
}

async fn costs(db: &Db) -> Result<()> {
    println!("\ncost dashboard over llm_usage_logs, per range: first render (a fresh start: month-to-date spend computed too)");
    println!("and a range change (month spend reused while no row was added); p50 / max ms:");
    let now = chrono::Utc::now().naive_utc();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM llm_usage_logs").fetch_one(&db.pool).await?;
    for range in crate::app::state::CostRange::ALL {
        let r = range.range(now);
        let n: i64 = {
            let mut q = sqlx::QueryBuilder::new("SELECT count(*) FROM llm_usage_logs WHERE TRUE");
            if let Some(s) = r.since {
                q.push(" AND created_at >= ").push_bind(s);
            }
            q.build_query_scalar().fetch_one(&db.pool).await?
        };
        let request = || crate::app::io::Request::Costs { generation: 0, range: r.clone(), by: UsageGroup::Model };
        let mut cold = Vec::new();
        for _ in 0..5 {
            let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
            let io = Io::new(db.clone(), tx);
            let t = Instant::now();
            if let Action::Failed { error, .. } = io.answer(request()).await {
                color_eyre::eyre::bail!("{error}");
            }
            cold.push(t.elapsed());
        }
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let io = Io::new(db.clone(), tx);
        io.answer(request()).await;
        let mut warm = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            io.answer(request()).await;
            warm.push(t.elapsed());
        }
        let c = percentiles(&mut cold);
        let w = percentiles(&mut warm);
        println!(
            "  {:<10} ({n:>7} of {rows} rows): first render {:>6.1} / {:>6.1}    range change {:>6.1} / {:>6.1}",
            range.label(),
            c.0,
            c.2,
            w.0,
            w.2
        );
    }
    Ok(())
}

/// Typing into a 20,000-character draft: key to frame, with the recovery
/// file written in the background as in the app.
async fn editor(db: &Db, config: &Config) -> Result<()> {
    use crate::app::editor::{DraftEditor, PlaceholderContext};
    use crate::app::state::Popup;
    println!("\ndraft editor at 120x40, a 20,000-character draft (250 lines):");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let dir = std::env::temp_dir().join(format!("closer-bench-{}", std::process::id()));
    let io = Io::new(db.clone(), tx).with_data_dir(dir.clone());
    let mut app = App::new(config, db.enums.clone(), db.display_url.clone(), (120, 40));
    let line = "Thanks for the call today — 你好, Grüße, مرحبا: here is the plan we discussed for the pilot.";
    let mut text = String::new();
    while text.chars().count() < 20_000 {
        text.push_str(line);
        text.push('\n');
    }
    let mut e = DraftEditor::new_draft(1, PlaceholderContext::default(), 0);
    e.set_text(&text);
    app.state.popup = Some(Popup::Editor(Box::new(e)));
    let backend = ratatui::backend::TestBackend::new(120, 40);
    let mut terminal = ratatui::Terminal::new(backend)?;
    let mut samples = Vec::new();
    let keys: Vec<KeyCode> =
        "Adding a sentence in the middle, with ünïcödé and 🎉. ".chars().map(KeyCode::Char).collect();
    for i in 0..2000 {
        let code = match i % 200 {
            0 => KeyCode::PageDown,
            100 => KeyCode::Enter,
            _ => keys[i % keys.len()],
        };
        let t = Instant::now();
        app.dispatch(key(code), &io);
        app.drain(&mut rx, &io);
        terminal.draw(|f| crate::ui::draw(f, &app))?;
        samples.push(t.elapsed());
        if i % 20 == 0 {
            tokio::task::yield_now().await;
        }
    }
    let s = percentiles(&mut samples);
    println!("  key to frame while typing (2000 keys): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms", s.0, s.1, s.2);
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// The LLM pipeline's own overhead with an instant stand-in provider, and
/// 1,000 queued jobs at concurrency 8 while the UI keeps drawing.
async fn pipeline(db: &Db, config: &Config) -> Result<()> {
    use crate::llm::pipeline::{Pipeline, Spend};
    use crate::llm::standin::StandIn;
    use crate::llm::{JobKind, JobRunner, JobState, Provider};
    println!("\nLLM pipeline with an instant stand-in provider on loopback:");
    let server = StandIn::instant().await;
    let mut llm = config.llm.clone();
    llm.base_url = server.base_url.clone();
    llm.monthly_budget_usd = 1e9;
    std::env::set_var("CLOSER_BENCH_KEY", "sk-bench");
    llm.api_key_env = "CLOSER_BENCH_KEY".into();
    let provider = Provider::from_config(&llm).map_err(|e| color_eyre::eyre::eyre!(e))?;
    let p = std::sync::Arc::new(Pipeline::new(db.clone(), provider.clone(), &llm, Default::default()));
    let ids: Vec<i32> =
        sqlx::query_scalar("SELECT id FROM prospects ORDER BY random() LIMIT 1000").fetch_all(&db.pool).await?;

    // The HTTP round trip alone.
    let messages = vec![crate::llm::client::Message::user("<catalog>[{\"id\":1,\"name\":\"x\"}]</catalog>")];
    let mut http = Vec::new();
    for _ in 0..200 {
        let r = provider.complete(&messages, &crate::llm::client::ResponseFormat::JsonObject).await;
        http.push(r.latency);
    }
    let h = percentiles(&mut http);
    let mut jobs = Vec::new();
    for id in ids.iter().take(200) {
        let t = Instant::now();
        p.research(*id, &mut Spend::default()).await.map_err(|e| color_eyre::eyre::eyre!("{e}"))?;
        jobs.push(t.elapsed());
    }
    let j = percentiles(&mut jobs);
    println!(
        "  research job end to end (200 jobs, sequential): p50 {:.2} ms, p99 {:.2} ms; HTTP round trip alone p50 {:.2} ms",
        j.0, j.1, h.0
    );
    println!("  pipeline overhead per job (gather context, log usage, write the row): ~{:.2} ms at p50", j.0 - h.0);

    // 1,000 jobs at concurrency 8, updates flowing into the UI while keys are pressed.
    let (jtx, mut jrx) = tokio::sync::mpsc::unbounded_channel();
    let runner = JobRunner::start(p.clone(), 8, 5000, jtx);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(config, db.enums.clone(), db.display_url.clone(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    let backend = ratatui::backend::TestBackend::new(120, 40);
    let mut terminal = ratatui::Terminal::new(backend)?;
    let started = Instant::now();
    for id in &ids {
        runner.submit(JobKind::Research { prospect_id: *id }).map_err(|e| color_eyre::eyre::eyre!(e))?;
    }
    let mut finished = 0;
    let mut failed = 0;
    let mut frames = Vec::new();
    let mut i = 0u64;
    while finished < ids.len() {
        while let Ok(u) = jrx.try_recv() {
            if u.state.is_finished() {
                finished += 1;
                if matches!(u.state, JobState::Failed(_)) {
                    failed += 1;
                }
            }
            app.dispatch(Action::Job(u), &io);
        }
        let t = Instant::now();
        app.dispatch(key(if i % 300 < 290 { KeyCode::Char('j') } else { KeyCode::Char('g') }), &io);
        app.drain(&mut rx, &io);
        terminal.draw(|f| crate::ui::draw(f, &app))?;
        frames.push(t.elapsed());
        i += 1;
        tokio::time::sleep(Duration::from_millis(2)).await;
        if started.elapsed() > Duration::from_secs(300) {
            break;
        }
    }
    let took = started.elapsed();
    let f = percentiles(&mut frames);
    println!(
        "  1,000 research jobs at concurrency 8: {} done, {} failed in {:.1} s ({:.0} jobs/s), max {} requests in flight",
        finished - failed,
        failed,
        took.as_secs_f64(),
        finished as f64 / took.as_secs_f64(),
        server.max_in_flight.load(std::sync::atomic::Ordering::SeqCst)
    );
    println!(
        "  meanwhile, key to frame ({} keys while scrolling prospects): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        frames.len(),
        f.0,
        f.1,
        f.2
    );
    Ok(())
}
