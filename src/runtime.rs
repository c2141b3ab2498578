//! The event loop: terminal events and I/O answers in, one `update` per
//! action, a frame drawn when something changed. The top layer: it joins the
//! app, the UI, the terminal, the database set-up and the LLM job queue,
//! which know nothing of each other.

use std::time::{Duration, Instant};

use color_eyre::eyre::Result;
use crossterm::event::EventStream;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::app::{action_for, io, live, today, Action, App};
use crate::config::Config;
use crate::setup::{self, Target};

pub async fn run(config: Config, target: Target) -> Result<()> {
    if matches!(target, Target::Managed(_)) {
        eprint!("starting Closer's database… ");
    }
    let (db, report) = setup::open(&target, &config).await?;
    if matches!(target, Target::Managed(_)) {
        eprintln!("ok");
    }
    let mut term = crate::tui::enter()?;
    let result = event_loop(&mut term, &config, db, report).await;
    crate::tui::restore();
    result
}

/// Sleeps until `at` (or forever without one; the select! guard skips that case).
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

async fn event_loop(
    term: &mut crate::tui::Term,
    config: &Config,
    db: crate::db::Db,
    report: setup::OpenReport,
) -> Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let jobs = crate::llm::start_jobs(config, db.clone());
    let (runner, estimate) = match jobs {
        Ok(mut j) => {
            let tx = tx.clone();
            tokio::spawn(async move {
                while let Some(u) = j.updates.recv().await {
                    if tx.send(Action::Job(u)).is_err() {
                        break;
                    }
                }
            });
            (Ok(j.runner), Some(j.estimate))
        }
        Err(e) => {
            tracing::warn!(error = %e, "LLM jobs are off");
            (Err(e), None)
        }
    };
    // Other Closers' notices and other programs' writes (src/app/live.rs).
    let _live = live::start(db.clone(), tx.clone(), live::POLL);
    let io = io::Io::new(db.clone(), tx).with_jobs(runner, estimate);
    let size = term.size()?;
    let mut app = App::new(config, db.enums.clone(), db.display_url.clone(), (size.width, size.height));
    if !report.notes.is_empty() {
        app.state.status.message = Some(report.notes.join("; "));
    }
    today::open_on_start(&mut app, &io).await;
    for request in app.start() {
        io.send(request);
    }
    let mut events = EventStream::new();
    // SIGTERM and SIGHUP (a closed terminal window) end the loop cleanly, so
    // the terminal is restored and the recovery files stay in place.
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    // Redraw only when something changed, at most once per frame interval,
    // so an idle Closer sleeps in select! and uses no CPU.
    let frame = Duration::from_millis(config.ui.frame_interval_ms.max(1));
    let mut dirty = true;
    let mut last_draw = Instant::now() - frame;
    loop {
        if dirty && last_draw.elapsed() >= frame {
            term.draw(|f| crate::ui::draw(f, &app))?;
            // OSC 52 clipboard writes go to the terminal between frames.
            if !app.state.terminal_writes.is_empty() {
                use std::io::Write as _;
                let mut stdout = std::io::stdout();
                for w in app.state.terminal_writes.drain(..) {
                    stdout.write_all(w.as_bytes())?;
                }
                stdout.flush()?;
            }
            last_draw = Instant::now();
            dirty = false;
        }
        if app.state.should_quit {
            return Ok(());
        }
        let wait = frame.saturating_sub(last_draw.elapsed());
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => {
                    if let Some(action) = action_for(event) {
                        app.dispatch(action, &io);
                        dirty = true;
                    }
                }
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            Some(action) = rx.recv() => {
                app.dispatch(action, &io);
                dirty = true;
            }
            _ = tokio::time::sleep(wait), if dirty => {}
            _ = sleep_until(app.state.status.next_expiry()), if app.state.status.next_expiry().is_some() => {
                app.dispatch(Action::Tick, &io);
                dirty = true;
            }
            _ = sigterm.recv() => return Ok(()),
            _ = sighup.recv() => return Ok(()),
        }
    }
}
