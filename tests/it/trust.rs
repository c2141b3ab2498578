//! The promises a hostile review tested (issue 10, items 1 and 6–9): text
//! from another writer or a recovery file is shown clean, stored bytes are
//! never rewritten by opening a draft, discarded text never lands, recovery
//! files survive kill -9, and a prospect with a new company is one write.
//!
//! By topic: `hostile_text`, `drafts`, `recovery`, `prospect_write`; the
//! helpers they share are here.

use closer::app::io::Io;
use closer::app::state::Popup;
use closer::app::App;
use closer::config::Config;
use closer::db::Db;
use crossterm::event::KeyCode;

use crate::support::{ch, key, press};

mod drafts;
mod hostile_text;
mod prospect_write;
mod recovery;

async fn app_with(db: &Db, dir: &std::path::Path) -> (App, Io) {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx).with_data_dir(dir.to_path_buf()).with_write_backoff(vec![10, 20]);
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    if matches!(app.state.popup, Some(Popup::Recover { .. })) {
        press(&mut app, &io, [key(KeyCode::Esc)]).await;
    }
    (app, io)
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let d = std::env::temp_dir().join(format!("closer-it-trust-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn editor(app: &App) -> &closer::app::editor::DraftEditor {
    match &app.state.popup {
        Some(Popup::Editor(e)) => e,
        other => panic!("expected the editor, got {other:?}"),
    }
}

/// Nothing on screen a terminal would obey, and no payload of a half-removed sequence.
fn assert_screen_clean(app: &App) -> String {
    let buf = closer::ui::render_to_buffer(app, 120, 40);
    for cell in buf.content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()
                || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')),
            "unsafe cell {:?}\n{}",
            cell.symbol(),
            closer::ui::buffer_text(&buf)
        );
    }
    let text = closer::ui::buffer_text(&buf);
    assert!(!text.contains("PWNED"), "{text}");
    text
}

async fn open_draft(app: &mut App, io: &Io, id: i32) {
    press(app, io, [ch('5')]).await;
    app.state.drafts.selected = app.state.drafts.items.iter().position(|d| d.id == id).expect("draft listed");
    press(app, io, [key(KeyCode::Enter)]).await;
    assert_eq!(editor(app).draft_id, Some(id));
}

async fn first_draft(db: &Db) -> closer::db::models::OutreachDraft {
    let id: i32 = sqlx::query_scalar("SELECT min(id) FROM outreach_drafts").fetch_one(&db.pool).await.unwrap();
    db.draft(id).await.unwrap().unwrap()
}
