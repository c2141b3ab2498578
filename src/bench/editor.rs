//! `closer bench --only editor`: key to frame while typing into a
//! 20,000-character draft.

use std::time::Instant;

use color_eyre::eyre::Result;
use crossterm::event::KeyCode;

use super::{key, percentiles};
use crate::app::io::Io;
use crate::app::App;
use crate::config::Config;
use crate::db::Db;

/// Typing into a 20,000-character draft: key to frame, with the recovery
/// file written in the background as in the app.
pub async fn editor(db: &Db, config: &Config) -> Result<()> {
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
