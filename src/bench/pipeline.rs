//! `closer bench --only pipeline`: the LLM pipeline's own overhead against an
//! instant stand-in provider, and 1,000 queued jobs while the UI draws.

use std::time::{Duration, Instant};

use color_eyre::eyre::Result;
use crossterm::event::KeyCode;

use super::{key, percentiles};
use crate::app::action::Action;
use crate::app::io::Io;
use crate::app::App;
use crate::config::Config;
use crate::db::Db;

/// The LLM pipeline's own overhead with an instant stand-in provider, and
/// 1,000 queued jobs at concurrency 8 while the UI keeps drawing.
pub async fn pipeline(db: &Db, config: &Config) -> Result<()> {
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
