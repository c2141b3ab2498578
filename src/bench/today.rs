//! `closer bench --only today,bulk`: the Today view from the key to the
//! complete frame over the whole dataset, its three queries apart, and the
//! bulk path (mark every prospect, set a status on all, undo it).

use std::time::Instant;

use color_eyre::eyre::{bail, Result};

use super::{key, percentiles};
use crate::app::action::Action;
use crate::app::io::Io;
use crate::app::App;
use crate::config::Config;
use crate::db::followups::Rules;
use crate::db::{Db, EnumKind};
use crossterm::event::KeyCode;

pub async fn today(db: &Db, config: &Config) -> Result<()> {
    println!("\nToday view at 120x40 over the whole dataset (key 0 to the complete frame; 20 runs):");
    let as_of = crate::db::demo::today_anchor().date();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let dir = std::env::temp_dir().join(format!("closer-bench-today-{}", std::process::id()));
    let io = Io::new(db.clone(), tx).with_data_dir(dir.clone());
    let mut app = App::new(config, db.enums.clone(), db.display_url.clone(), (120, 40));
    app.state.day.today.as_of = Some(as_of);
    let first = app.start();
    io.settle(&mut app, first).await;
    let backend = ratatui::backend::TestBackend::new(120, 40);
    let mut terminal = ratatui::Terminal::new(backend)?;
    let mut samples = Vec::new();
    for i in 0..21 {
        let t = Instant::now();
        let requests = app.update(key(KeyCode::Char('0')));
        io.settle(&mut app, requests).await;
        terminal.draw(|f| crate::ui::draw(f, &app))?;
        if i > 0 {
            samples.push(t.elapsed()); // the first run warms the cache
        }
        app.update(key(KeyCode::Char('1')));
    }
    let Some(list) = app.state.day.today.list.clone() else { bail!("the Today list did not load") };
    let s = percentiles(&mut samples);
    println!(
        "  {} overdue, {} due today, {} this week; {} rows loaded",
        crate::calendar::thousands(list.counts.overdue),
        crate::calendar::thousands(list.counts.today),
        crate::calendar::thousands(list.counts.this_week),
        list.items.len()
    );
    println!("  key to complete frame: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", s.0, s.1, s.2);
    let rules = Rules::new(&config.followup, &db.enums, as_of);
    let mut all = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        db.today(&rules).await?;
        all.push(t.elapsed());
    }
    let q = percentiles(&mut all);
    println!("  its queries alone (follow-ups, drafts, events at once): p50 {:.1} ms, max {:.1} ms", q.0, q.2);
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// Marks every prospect, sets one status on all of them and undoes it:
/// one transaction each, in chunks, with progress.
pub async fn bulk(db: &Db, config: &Config) -> Result<()> {
    println!("\nbulk actions on the prospects list (every prospect marked):");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(config, db.enums.clone(), db.display_url.clone(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    let t = Instant::now();
    let requests = app.update(key(KeyCode::Char('*')));
    io.settle(&mut app, requests).await;
    let marked = app.state.day.marks.ids.len();
    println!(
        "  * marks {} prospects in {:.0} ms",
        crate::calendar::thousands(marked as i64),
        t.elapsed().as_secs_f64() * 1e3
    );
    let label = db.enums.labels(EnumKind::ProspectStatus).last().cloned().unwrap_or_default();
    let ids = app.state.day.marks.sorted();
    let t = Instant::now();
    let w = crate::app::day::Change::SetStatus { ids, status: label.clone() };
    io.settle(&mut app, vec![crate::app::io::Request::Write(crate::app::io::Write::Change(w))]).await;
    let set = t.elapsed();
    let mut progress = 0;
    while let Ok(a) = rx.try_recv() {
        if matches!(&a, Action::Loaded(l) if matches!(l.as_ref(), crate::app::action::Loaded::Day(_))) {
            progress += 1;
        }
    }
    let t = Instant::now();
    let requests = app.update(key(KeyCode::Char('u')));
    io.settle(&mut app, requests).await;
    let undo = t.elapsed();
    println!(
        "  set status {label} on all: {:.1} s ({progress} progress updates); u undoes it: {:.1} s ({})",
        set.as_secs_f64(),
        undo.as_secs_f64(),
        app.state.status.message.clone().or(app.state.status.error.clone()).unwrap_or_default()
    );
    Ok(())
}
