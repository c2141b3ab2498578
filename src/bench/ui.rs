//! `closer bench --only ui`: start-up to the first complete frame, and key
//! to frame while scrolling and typing a search.

use std::time::{Duration, Instant};

use color_eyre::eyre::Result;
use crossterm::event::KeyCode;

use super::{key, percentiles};
use crate::app::action::Action;
use crate::app::io::Io;
use crate::app::App;
use crate::config::Config;
use crate::db::{Db, OpenOptions};

/// Start-up to the first complete frame, and key-to-frame while scrolling
/// and typing a search, with database answers arriving as in the real loop.
pub async fn ui(db: &Db, config: &Config, url: &str) -> Result<()> {
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
