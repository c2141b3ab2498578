//! `closer bench --only matching`: event matching's own overhead (everything
//! but the LLM calls) for an event with 5,000 candidates against an instant
//! stand-in provider, and the UI's key-to-frame time while it runs and
//! while scrolling the 5,000-row ranking afterwards.
//!
//! The candidates are 5,000 prospects of an industry of their own
//! ("Bench Matching"), each with ten interactions and a research row, so the
//! candidate query reads real context; a rerun (`--reuse`) removes the
//! previous run's invitations first, so there are 5,000 again.

use std::time::{Duration, Instant};

use color_eyre::eyre::{eyre, Result};
use crossterm::event::KeyCode;

use super::{key, percentiles};
use crate::app::action::Action;
use crate::app::io::Io;
use crate::app::state::{Pane, View};
use crate::app::App;
use crate::config::Config;
use crate::db::Db;
use crate::llm::matching::{self, MatchOptions};
use crate::llm::pipeline::Pipeline;
use crate::llm::standin::{completion, good_answer, score_content, scoring_prospect, standin_score, Reply, StandIn};
use crate::llm::{JobKind, JobRunner, JobState, Provider};

const CANDIDATES: i64 = 5_000;
const INDUSTRY: &str = "Bench Matching";
/// LLM calls at once in this section (as the pipeline section).
const CONCURRENCY: usize = 8;

pub async fn run(db: &Db, config: &Config) -> Result<()> {
    println!(
        "\nevent matching, {CANDIDATES} candidates, instant stand-in provider on loopback, concurrency {CONCURRENCY}:"
    );
    let event_id = prepare(db).await?;
    // Instant answers; one candidate in 250 scores 90 and the rest below 70,
    // so the run selects the top 20 as a roundtable would (the stand-in's
    // usual spread would select a third of them).
    let server = StandIn::start(std::sync::Arc::new(|req, _| match scoring_prospect(req) {
        Some(id) => {
            let score = if id % 250 == 0 { 90 } else { standin_score(id) * 69 / 100 };
            Reply::json(completion(
                &score_content(score, "Bench: targeted industry, recent routing calls."),
                Some((900, 60, 0)),
            ))
        }
        None => Reply::json(good_answer(req)),
    }))
    .await;
    let mut llm = config.llm.clone();
    llm.base_url = server.base_url.clone();
    llm.monthly_budget_usd = 0.0;
    llm.concurrency = CONCURRENCY;
    std::env::set_var("CLOSER_BENCH_KEY", "sk-bench");
    llm.api_key_env = "CLOSER_BENCH_KEY".into();
    let provider = Provider::from_config(&llm).map_err(|e| eyre!(e))?;
    let p = std::sync::Arc::new(Pipeline::new(db.clone(), provider.clone(), &llm, Default::default()));
    let options = MatchOptions { top_n: 20, min_score: 70, include_inactive: false, dry_run: false };

    // load_event + find_candidates alone, warm.
    let mut plans = Vec::new();
    let mut plan = matching::plan(db, event_id, false).await.map_err(|e| eyre!("{e}"))?;
    for _ in 0..5 {
        let t = Instant::now();
        plan = matching::plan(db, event_id, false).await.map_err(|e| eyre!("{e}"))?;
        plans.push(t.elapsed());
    }
    let t = Instant::now();
    let est = matching::estimate::estimate(&p, &plan, &options).await.map_err(|e| eyre!("{e}"))?;
    let est_took = t.elapsed();
    let pl = percentiles(&mut plans);
    println!(
        "  load_event + find_candidates ({} candidates with context): p50 {:.1} ms, max {:.1} ms; estimate {:.1} ms",
        plan.candidates.len(),
        pl.0,
        pl.2,
        est_took.as_secs_f64() * 1000.0
    );
    println!("  estimate shown before the run: {}", est.describe());

    // The LLM calls alone: the same 5,000 scoring requests to the same
    // stand-in at the same concurrency, nothing parsed, logged or ranked.
    let calls_alone = {
        use futures_util::StreamExt;
        let event_json = crate::llm::prompts::data_json(&matching::score::event_data(&plan.event));
        let (name, schema) = matching::score::score_schema();
        let format = crate::llm::client::ResponseFormat::JsonSchema { name, schema };
        let requests: Vec<_> =
            plan.candidates.iter().map(|c| matching::score::messages(&p.prompts, &event_json, c)).collect();
        let t = Instant::now();
        let n = futures_util::stream::iter(requests.iter().map(|m| provider.complete(m, &format)))
            .buffer_unordered(CONCURRENCY)
            .filter(|r| std::future::ready(r.outcome.is_ok()))
            .count()
            .await;
        if n != plan.candidates.len() {
            return Err(eyre!("{} of {} stand-in calls failed", plan.candidates.len() - n, plan.candidates.len()));
        }
        t.elapsed()
    };
    // The usage rows alone: 5,000 at the same concurrency.
    let rows_alone = {
        use futures_util::StreamExt;
        let row = crate::db::usage::UsageInput {
            workflow_name: "bench".into(),
            node_name: "usage_rows_alone".into(),
            model: "bench".into(),
            prompt_tokens: 900,
            completion_tokens: 60,
            total_tokens: 960,
            latency_ms: 0,
            cost: 0.0,
        };
        let t = Instant::now();
        let ok = futures_util::stream::iter((0..CANDIDATES).map(|_| db.log_usage(&row)))
            .buffer_unordered(CONCURRENCY)
            .filter(|r| std::future::ready(r.is_ok()))
            .count()
            .await;
        let took = t.elapsed();
        sqlx::query("DELETE FROM llm_usage_logs WHERE worfklow_name = 'bench'").execute(&db.pool).await?;
        if ok as i64 != CANDIDATES {
            return Err(eyre!("usage rows failed"));
        }
        took
    };

    // The whole run, in the foreground.
    let t = Instant::now();
    let report = matching::run(&p, &plan, options, CONCURRENCY, &|_| {}).await;
    let wall = t.elapsed();
    let tm = report.timings;
    if report.is_failure() {
        return Err(eyre!("the bench run failed: {}", report.summary()));
    }
    println!(
        "  whole run: {:.2} s wall for {} LLM calls ({} scored, {} selected, {} invitations written)",
        wall.as_secs_f64(),
        report.calls,
        report.ranked.len(),
        report.selected().count(),
        report.invitations_written
    );
    println!(
        "    per node: find_candidates {:.0} ms · build {} prompts {:.0} ms · score_relevance {:.0} ms · select_top_matches {:.2} ms · generate_invitations {:.0} ms",
        ms(tm.find_candidates),
        plan.candidates.len(),
        ms(tm.build_prompts),
        ms(tm.score_relevance),
        ms(tm.select_top_matches),
        ms(tm.generate_invitations)
    );
    println!(
        "    the {} scoring calls alone to the stand-in (same prompts, same concurrency, nothing else): {:.2} s; {} usage rows alone: {:.2} s",
        plan.candidates.len(),
        calls_alone.as_secs_f64(),
        CANDIDATES,
        rows_alone.as_secs_f64()
    );
    println!(
        "    workflow overhead, everything but the LLM calls (wall − scoring calls alone): {:.2} s — target under 2 s",
        (wall.as_secs_f64() - calls_alone.as_secs_f64()).max(0.0)
    );

    // The same run as a background job while the UI draws: key to frame.
    prepare(db).await?;
    let (jtx, mut jrx) = tokio::sync::mpsc::unbounded_channel();
    let runner = JobRunner::start(p.clone(), CONCURRENCY, 100, jtx);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx).with_jobs(Ok(runner.clone()), None);
    let mut app = App::new(config, db.enums.clone(), db.display_url.clone(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40))?;
    let started = Instant::now();
    runner.submit(JobKind::Match { event_id, options }).map_err(|e| eyre!(e))?;
    let mut frames = Vec::new();
    let mut updates = 0;
    let mut i = 0u64;
    let mut done = false;
    while !done && started.elapsed() < Duration::from_secs(300) {
        while let Ok(u) = jrx.try_recv() {
            updates += 1;
            if u.state.is_finished() {
                if let JobState::Failed(e) = &u.state {
                    return Err(eyre!("the bench job failed: {e}"));
                }
                done = true;
            }
            app.dispatch(Action::Job(u), &io);
        }
        // Alternate between the Jobs pane (progress) and scrolling prospects.
        let code = match i % 400 {
            0 => KeyCode::Char('6'),
            200 => KeyCode::Char('1'),
            n if n > 200 && n % 2 == 0 => KeyCode::Char('j'),
            _ => KeyCode::Char('k'),
        };
        frames.push(frame_after(&mut app, &io, &mut rx, &mut terminal, code)?);
        i += 1;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let job_took = started.elapsed();
    let f = percentiles(&mut frames);
    println!(
        "  as a background job while the UI draws: {:.2} s, {updates} job updates; key to frame meanwhile ({} keys): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        job_took.as_secs_f64(),
        frames.len(),
        f.0,
        f.1,
        f.2
    );

    // Scrolling the 5,000-row ranking in the Matches pane.
    press(&mut app, &io, &mut rx, &mut terminal, KeyCode::Char('2'))?;
    settle(&mut app, &io, &mut rx).await;
    let idx = app.state.events.events.iter().position(|e| e.id == event_id).ok_or_else(|| eyre!("event not listed"))?;
    app.state.events.selected = idx;
    app.state.view = View::Events;
    app.state.pane = Pane::Matches;
    let rows = app.state.matches.rows(event_id).len();
    let mut scroll = Vec::new();
    for n in 0..3000 {
        let code = match n % 1000 {
            0 => KeyCode::End,
            500 => KeyCode::Home,
            m if m % 50 == 0 => KeyCode::PageDown,
            _ => KeyCode::Char('j'),
        };
        scroll.push(frame_after(&mut app, &io, &mut rx, &mut terminal, code)?);
    }
    let s = percentiles(&mut scroll);
    println!(
        "  scrolling the ranking ({rows} rows) in the Matches pane (3000 keys): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms — target under 16 ms",
        s.0, s.1, s.2
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

type Rx = tokio::sync::mpsc::UnboundedReceiver<Action>;
type Term = ratatui::Terminal<ratatui::backend::TestBackend>;

fn frame_after(app: &mut App, io: &Io, rx: &mut Rx, terminal: &mut Term, code: KeyCode) -> Result<Duration> {
    let t = Instant::now();
    app.dispatch(key(code), io);
    app.drain(rx, io);
    terminal.draw(|f| crate::ui::draw(f, app))?;
    Ok(t.elapsed())
}

fn press(app: &mut App, io: &Io, rx: &mut Rx, terminal: &mut Term, code: KeyCode) -> Result<()> {
    frame_after(app, io, rx, terminal, code).map(|_| ())
}

/// Lets the requests in flight come back.
async fn settle(app: &mut App, io: &Io, rx: &mut Rx) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.state.status.in_flight > 0 && Instant::now() < deadline {
        if let Ok(Some(a)) = tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
            app.dispatch(a, io);
        }
    }
}

/// The bench event and its 5,000 candidates (created once), with no invitation yet.
async fn prepare(db: &Db) -> Result<i32> {
    let now = "(now() AT TIME ZONE 'UTC')";
    let existing: Option<i32> = sqlx::query_scalar("SELECT id FROM industries WHERE name = $1 LIMIT 1")
        .bind(INDUSTRY)
        .fetch_optional(&db.pool)
        .await?;
    let status = db.enums.find(crate::db::EnumKind::ProspectStatus, "new").map(str::to_string);
    let status = status.unwrap_or_else(|| db.enums.labels(crate::db::EnumKind::ProspectStatus)[0].clone());
    let itype = db.enums.labels(crate::db::EnumKind::InteractionTypes)[0].clone();
    if existing.is_none() {
        let mut tx = db.pool.begin().await?;
        let industry: i32 = sqlx::query_scalar(&format!(
            "INSERT INTO industries (name, created_at, updated_at) VALUES ($1, {now}, {now}) RETURNING id"
        ))
        .bind(INDUSTRY)
        .fetch_one(&mut *tx)
        .await?;
        let company: i32 = sqlx::query_scalar(&format!(
            "INSERT INTO companies (name, industry_id, size, created_at, updated_at)
             VALUES ('Bench Matching Co', $1, '1001-5000', {now}, {now}) RETURNING id"
        ))
        .bind(industry)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO prospects (full_name, email, company_id, is_active, status, created_at, updated_at)
             SELECT 'Bench Candidate ' || g, 'bench' || g || '@example.com', $1, TRUE, $2::prospect_status, {now}, {now}
               FROM generate_series(1, $3) g"
        ))
        .bind(company)
        .bind(&status)
        .bind(CANDIDATES)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO interactions (prospect_id, interaction_type, interaction_date, subject, content, sentiment, outcome, created_at, updated_at)
             SELECT p.id, $2::interaction_types, {now} - make_interval(days => g * 9), 'Call about routing ' || g,
                    'Notes of the call.', 'positive', 'follow up', {now}, {now}
               FROM prospects p CROSS JOIN generate_series(1, 10) g WHERE p.company_id = $1"
        ))
        .bind(company)
        .bind(&itype)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO prospect_research (prospect_id, research_summary, key_insights, recommended_solutions, confidence_score, created_at, updated_at)
             SELECT p.id, 'A logistics company modernising its routing; cost drives decisions.', '[\"budget in Q3\"]',
                    '[{{\"id\": 1, \"name\": \"Route Optimiser\", \"reason\": \"fits\"}}]', 0.7, {now}, {now}
               FROM prospects p WHERE p.company_id = $1"
        ))
        .bind(company)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO events (event_type, event_date, description, location, target_industries, target_roles,
                                 solutions_featured, status, created_at, updated_at)
             VALUES ('bench roundtable', {now} + interval '30 days', 'Routing and fleet costs, with customer stories.',
                     'Hamburg, DE', '[\"bench matching\"]', '[\"Head of Logistics\", \"CFO\"]', '[\"Route Optimiser\"]',
                     'planned', {now}, {now})"
        ))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        sqlx::query("ANALYZE prospects, interactions, prospect_research, outreach_drafts").execute(&db.pool).await?;
    }
    let event_id: i32 = sqlx::query_scalar(
        "SELECT id FROM events WHERE event_type = 'bench roundtable' AND location = 'Hamburg, DE' ORDER BY id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await?;
    sqlx::query("DELETE FROM outreach_drafts WHERE event_id = $1").bind(event_id).execute(&db.pool).await?;
    Ok(event_id)
}
