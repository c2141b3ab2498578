//! `closer bench --only memory`: resident memory while paging through every
//! prospect in the UI state.

use std::time::Instant;

use color_eyre::eyre::Result;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::action::Action;
use crate::app::io::Io;
use crate::app::App;
use crate::config::Config;
use crate::db::Db;

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
pub async fn memory(db: &Db, config: &Config) -> Result<()> {
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
