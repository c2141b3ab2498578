//! Another writer's text is shown clean (item 1), and placeholder values
//! from the database are clean in exports.

use closer::app::editor::EditorPrompt;
use closer::app::io::Io;
use closer::app::state::Popup;
use closer::app::App;
use closer::config::Config;
use closer::db::drafts::{DraftInput, SaveOutcome};
use closer::db::{Db, OpenOptions};
use crossterm::event::KeyCode;

use super::{app_with, assert_screen_clean, editor, first_draft, open_draft, temp_dir};
use crate::hostile::HOSTILE;
use crate::support::{self, ch, ctrl, key, press, typed};

/// Item 1: their text, both texts, and a restored recovery file are drawn clean.
#[tokio::test]
async fn another_writers_hostile_text_is_shown_clean() {
    let (db, url) = support::demo_db(10).await;
    let dir = temp_dir("theirs");
    let (mut app, io) = app_with(&db, &dir).await;
    let draft = first_draft(&db).await;
    let (other, _) = Db::open(&url, &OpenOptions::default()).await.unwrap();
    let theirs = DraftInput {
        prospect_id: draft.prospect_id,
        event_id: draft.event_id,
        draft_type: draft.draft_type.clone(),
        content: HOSTILE.into(),
        status: draft.status.clone(),
    };
    for choice in ['t', 'b'] {
        open_draft(&mut app, &io, draft.id).await;
        press(&mut app, &io, typed(" mine")).await;
        let current = other.draft(draft.id).await.unwrap().unwrap();
        assert!(matches!(
            other.save_draft(draft.id, &theirs, current.updated_at).await.unwrap(),
            SaveOutcome::Saved(_)
        ));
        press(&mut app, &io, [ctrl('s')]).await;
        assert!(matches!(editor(&app).prompt, EditorPrompt::Conflict(_)));
        assert_screen_clean(&app);
        press(&mut app, &io, [ch(choice)]).await;
        let text = assert_screen_clean(&app);
        assert!(text.contains("ABCD"), "their text is shown, cleaned:\n{text}");
        if choice == 't' {
            // Theirs, unedited, is what the database holds: nothing to save.
            assert!(!editor(&app).is_modified());
            assert_eq!(editor(&app).input().content, HOSTILE, "kept byte for byte");
        }
        press(&mut app, &io, [key(KeyCode::Esc)]).await;
        if choice == 'b' {
            assert_eq!(editor(&app).prompt, EditorPrompt::ConfirmClose);
            press(&mut app, &io, [ch('d')]).await;
        }
        assert!(app.state.popup.is_none(), "{:?}", app.state.popup);
    }

    // A recovery file someone planted is restored clean.
    let mut planted = closer::app::editor::DraftEditor::new_draft(draft.prospect_id, Default::default(), 1);
    planted.textarea.insert_str("x");
    let mut record = planted.recovery(chrono::Utc::now().naive_utc());
    record.content = HOSTILE.into();
    std::fs::create_dir_all(dir.join("recovery")).unwrap();
    std::fs::write(dir.join("recovery").join(format!("{}.json", record.key)), serde_json::to_vec(&record).unwrap())
        .unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx).with_data_dir(dir.clone());
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    assert!(matches!(app.state.popup, Some(Popup::Recover { .. })), "{:?}", app.state.popup);
    assert_screen_clean(&app);
    press(&mut app, &io, [ch('r')]).await;
    let text = assert_screen_clean(&app);
    assert!(text.contains("ABCD"), "{text}");
}

/// Placeholder values come from the database: a hostile name is cleaned
/// before it lands in a file (F4), the clipboard (F3) or a logged email.
#[tokio::test]
async fn filled_placeholders_are_clean_in_exports() {
    let (db, _) = support::demo_db(5).await;
    let dir = temp_dir("f4");
    let (mut app, io) = app_with(&db, &dir).await;
    let p = app.state.prospects.selected_row().unwrap().id;
    sqlx::query("UPDATE prospects SET full_name = $2 WHERE id = $1")
        .bind(p)
        .bind("Eve\u{1b}]0;PWNED\u{7}\u{202E}x")
        .execute(&db.pool)
        .await
        .unwrap();
    press(&mut app, &io, [ch('d')]).await;
    press(&mut app, &io, typed("Hi {full_name}")).await;
    press(&mut app, &io, [key(KeyCode::F(4))]).await;
    let files: Vec<_> = std::fs::read_dir(dir.join("exports")).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.starts_with("Hi Eve"), "{text:?}");
    assert!(!text.chars().any(|c| c.is_control() || c == '\u{202E}') && !text.contains("PWNED"), "{text:?}");
}
