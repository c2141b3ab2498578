//! The UI over a fixture database: snapshots of each pane on ratatui's
//! TestBackend, and the action/state logic without a terminal.
//!
//! The snapshot test stays in this file (insta names its snapshots after the
//! module path); the rest by topic: `prospects`, `panes`, `help_and_text`.

use closer::app::action::Action;
use closer::app::io::{Io, Request};
use closer::app::state::{CostRange, Pane, Popup, View};
use closer::app::App;
use closer::config::Config;
use crossterm::event::KeyCode;

use crate::support::{self, ch, key, press, screen};

mod help_and_text;
mod panes;
mod prospects;

/// An app over a demo database, with every start-up request answered.
async fn app_over_demo(prospects: u32, size: (u16, u16)) -> (App, Io, closer::db::Db) {
    let (db, _) = support::demo_db(prospects).await;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "postgres://fixture".into(), size);
    let first = app.start();
    io.settle(&mut app, first).await;
    (app, io, db)
}

#[tokio::test]
async fn snapshots_of_each_pane() {
    let (mut app, io, _db) = app_over_demo(60, (120, 36)).await;
    insta::assert_snapshot!("prospects_wide", screen(&app));

    press(&mut app, &io, [ch('j'), ch('j'), key(KeyCode::Tab), key(KeyCode::Tab)]).await;
    assert_eq!(app.state.pane, Pane::Timeline);
    insta::assert_snapshot!("prospects_timeline_focused", screen(&app));

    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    assert!(matches!(app.state.popup, Some(Popup::Interaction { interaction: Some(_), .. })));
    insta::assert_snapshot!("interaction_popup", screen(&app));
    press(&mut app, &io, [key(KeyCode::Esc)]).await;

    press(&mut app, &io, [ch('?')]).await;
    insta::assert_snapshot!("help", screen(&app));
    press(&mut app, &io, [key(KeyCode::Esc)]).await;

    press(&mut app, &io, [ch('3')]).await;
    assert_eq!(app.state.view, View::Solutions);
    insta::assert_snapshot!("solutions", screen(&app));

    app.state.costs.range = CostRange::All;
    press(&mut app, &io, [ch('4')]).await;
    // The range is relative to now; pin it to "all" for a stable snapshot.
    let requests = vec![Request::Costs {
        generation: app.state.costs.generation,
        range: CostRange::All.range(chrono::Utc::now().naive_utc()),
        by: closer::db::usage::UsageGroup::Model,
    }];
    io.settle(&mut app, requests).await;
    insta::assert_snapshot!("costs", screen(&app));

    // 80x24, the smallest common terminal.
    press(&mut app, &io, [ch('1'), Action::Resize(80, 24)]).await;
    insta::assert_snapshot!("prospects_80x24", screen(&app));

    press(&mut app, &io, [Action::Resize(50, 12)]).await;
    let small = screen(&app);
    assert!(small.contains("Terminal too small: 50x12"), "{small}");
}
