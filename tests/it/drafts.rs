//! Outreach drafts: editing and saving, conflicts between two writers,
//! recovery after a kill, a save while the database is down, and the real
//! binary typing a draft in a pseudo-terminal.

use closer::app::action::Action;
use closer::app::editor::EditorPrompt;
use closer::app::io::Io;
use closer::app::state::{Popup, View};
use closer::app::App;
use closer::config::Config;
use closer::db::drafts::{DraftInput, SaveOutcome};
use closer::db::{Db, OpenOptions};
use crossterm::event::KeyCode;

use crate::support::{self, ctrl, key, press, typed};

struct Setup {
    app: App,
    io: Io,
    db: Db,
    data_dir: std::path::PathBuf,
}

async fn setup_with(db: Db, data_dir: std::path::PathBuf) -> Setup {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx).with_data_dir(data_dir.clone()).with_write_backoff(vec![10, 20]);
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    Setup { app, io, db, data_dir }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("closer-it-{name}-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

fn editor(app: &App) -> &closer::app::editor::DraftEditor {
    match &app.state.popup {
        Some(Popup::Editor(e)) => e,
        other => panic!("expected the editor, got {other:?}"),
    }
}

fn recovery_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir.join("recovery"))
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn write_a_new_draft_save_it_and_mark_it_sent() {
    let (db, _) = support::demo_db(20).await;
    let mut s = setup_with(db, temp_dir("new-draft")).await;
    let prospect = s.app.state.prospects.selected_row().unwrap().id;
    let text = "Hi {first_name},\nЗдравствуйте 你好 👋 مرحبا — see you at {company}!";
    press(&mut s.app, &s.io, [key(KeyCode::Char('d'))]).await;
    assert_eq!(editor(&s.app).prospect_id, prospect);
    press(&mut s.app, &s.io, typed(text)).await;
    assert!(editor(&s.app).is_modified());
    assert_eq!(recovery_files(&s.data_dir).len(), 1, "typing writes a recovery file");

    // Undo and redo (tui-textarea's Ctrl-U / Ctrl-R).
    press(&mut s.app, &s.io, [ctrl('u')]).await;
    assert_ne!(editor(&s.app).text(), text);
    press(&mut s.app, &s.io, [ctrl('r')]).await;
    assert_eq!(editor(&s.app).text(), text);

    // Ctrl-G opens the picker on the first (soonest upcoming) event; Enter links it.
    let first_event = s.app.state.events.events[0].id;
    press(&mut s.app, &s.io, [ctrl('g'), key(KeyCode::Enter)]).await;
    assert_eq!(editor(&s.app).event_id, Some(first_event));

    press(&mut s.app, &s.io, [ctrl('s')]).await;
    let e = editor(&s.app);
    assert!(!e.is_modified(), "{:?}", e.message);
    let id = e.draft_id.expect("created");
    assert_eq!(s.db.draft(id).await.unwrap().unwrap().event_id, Some(first_event));
    let stored = s.db.draft(id).await.unwrap().unwrap();
    assert_eq!(stored.content, text, "stored byte for byte");
    assert_eq!((stored.status.as_str(), stored.draft_type.as_str()), ("draft", "offer_email"));
    assert!(recovery_files(&s.data_dir).is_empty(), "a saved draft leaves no recovery file");

    // The preview fills the placeholders from the prospect.
    let first_name =
        s.app.state.prospects.selected_row().unwrap().full_name.split_whitespace().next().unwrap().to_string();
    press(&mut s.app, &s.io, [key(KeyCode::F(2))]).await;
    let screen = closer::ui::buffer_text(&closer::ui::render_to_buffer(&s.app, 120, 40));
    assert!(screen.contains(&format!("Hi {first_name},")), "{screen}");
    press(&mut s.app, &s.io, [key(KeyCode::Esc)]).await;

    // Marking sent asks, then logs an interaction and sets last_contacted_at in one go.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM interactions WHERE prospect_id = $1")
        .bind(prospect)
        .fetch_one(&s.db.pool)
        .await
        .unwrap();
    press(&mut s.app, &s.io, [key(KeyCode::F(5))]).await;
    assert_eq!(editor(&s.app).prompt, EditorPrompt::ConfirmSent);
    press(&mut s.app, &s.io, [key(KeyCode::Char('y'))]).await;
    let stored = s.db.draft(id).await.unwrap().unwrap();
    assert_eq!(stored.status, "sent");
    let (after, itype, last): (i64, String, Option<chrono::NaiveDateTime>) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM interactions WHERE prospect_id = $1),
                (SELECT interaction_type::text FROM interactions WHERE prospect_id = $1 ORDER BY id DESC LIMIT 1),
                (SELECT last_contacted_at FROM prospects WHERE id = $1)",
    )
    .bind(prospect)
    .fetch_one(&s.db.pool)
    .await
    .unwrap();
    assert_eq!(after, before + 1);
    assert_eq!(itype, "EMAIL", "an offer email logs an email");
    assert!(last.unwrap() > chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1));

    // The Drafts pane lists it; filters narrow it.
    press(&mut s.app, &s.io, [key(KeyCode::Esc), key(KeyCode::Char('5'))]).await;
    assert_eq!(s.app.state.view, View::Drafts);
    assert_eq!(s.app.state.drafts.items[0].id, id, "newest change first");
    press(&mut s.app, &s.io, [key(KeyCode::Char('/'))]).await;
    press(&mut s.app, &s.io, typed("مرحبا")).await;
    assert_eq!(s.app.state.drafts.items.len(), 1);
    assert_eq!(s.app.state.drafts.total, 1);
}

#[tokio::test]
async fn two_people_editing_one_draft_never_overwrite_silently() {
    let (db, url) = support::demo_db(10).await;
    let mut s = setup_with(db, temp_dir("conflict")).await;
    let draft_id: i32 = sqlx::query_scalar("SELECT min(id) FROM outreach_drafts").fetch_one(&s.db.pool).await.unwrap();
    press(&mut s.app, &s.io, [key(KeyCode::Char('5'))]).await;
    let row = s.app.state.drafts.items.iter().position(|d| d.id == draft_id).unwrap();
    s.app.state.drafts.selected = row;
    press(&mut s.app, &s.io, [key(KeyCode::Enter)]).await;
    press(&mut s.app, &s.io, [key(KeyCode::End)]).await;
    press(&mut s.app, &s.io, typed(" MINE")).await;

    // Another person, on another connection, saves first.
    let (other, _) = Db::open(&url, &OpenOptions::default()).await.unwrap();
    let current = other.draft(draft_id).await.unwrap().unwrap();
    let theirs = DraftInput {
        prospect_id: current.prospect_id,
        event_id: current.event_id,
        draft_type: current.draft_type.clone(),
        content: "THEIRS".into(),
        status: current.status.clone(),
    };
    assert!(matches!(other.save_draft(draft_id, &theirs, current.updated_at).await.unwrap(), SaveOutcome::Saved(_)));

    press(&mut s.app, &s.io, [ctrl('s')]).await;
    let EditorPrompt::Conflict(t) = &editor(&s.app).prompt else {
        panic!("conflict expected: {:?}", editor(&s.app).prompt)
    };
    assert_eq!(t.content, "THEIRS");
    assert_eq!(s.db.draft(draft_id).await.unwrap().unwrap().content, "THEIRS", "nothing overwritten yet");
    let screen = closer::ui::buffer_text(&closer::ui::render_to_buffer(&s.app, 120, 40));
    assert!(screen.contains("Theirs (in the database)") && screen.contains("Mine (in the editor)"));

    // "Both" keeps both texts in the editor; saving then succeeds against their version.
    press(&mut s.app, &s.io, [key(KeyCode::Char('b'))]).await;
    let both = editor(&s.app).text();
    assert!(both.contains(" MINE") && both.ends_with("THEIRS"), "{both}");
    press(&mut s.app, &s.io, [ctrl('s')]).await;
    assert_eq!(s.db.draft(draft_id).await.unwrap().unwrap().content, both);

    // They save again; this time we choose theirs: the database keeps their text.
    let current = other.draft(draft_id).await.unwrap().unwrap();
    let theirs2 = DraftInput { content: "THEIRS AGAIN".into(), ..theirs.clone() };
    other.save_draft(draft_id, &theirs2, current.updated_at).await.unwrap();
    press(&mut s.app, &s.io, typed("x")).await;
    press(&mut s.app, &s.io, [ctrl('s'), key(KeyCode::Char('t'))]).await;
    assert_eq!(editor(&s.app).text(), "THEIRS AGAIN");
    assert!(!editor(&s.app).is_modified());
    assert_eq!(s.db.draft(draft_id).await.unwrap().unwrap().content, "THEIRS AGAIN");

    // And once more, choosing mine.
    let current = other.draft(draft_id).await.unwrap().unwrap();
    other.save_draft(draft_id, &DraftInput { content: "THIRD".into(), ..theirs }, current.updated_at).await.unwrap();
    press(&mut s.app, &s.io, typed("!")).await;
    press(&mut s.app, &s.io, [ctrl('s'), key(KeyCode::Char('m'))]).await;
    assert_eq!(s.db.draft(draft_id).await.unwrap().unwrap().content, editor(&s.app).text());
    assert!(!editor(&s.app).is_modified());
}

#[tokio::test]
async fn unsaved_text_survives_a_kill_and_is_offered_at_the_next_start() {
    let (db, _) = support::demo_db(10).await;
    let dir = temp_dir("recovery");
    let draft_id: i32 = sqlx::query_scalar("SELECT min(id) FROM outreach_drafts").fetch_one(&db.pool).await.unwrap();
    let original = db.draft(draft_id).await.unwrap().unwrap().content;
    {
        let mut s = setup_with(db.clone(), dir.clone()).await;
        press(&mut s.app, &s.io, [key(KeyCode::Char('5'))]).await;
        s.app.state.drafts.selected = s.app.state.drafts.items.iter().position(|d| d.id == draft_id).unwrap();
        press(&mut s.app, &s.io, [key(KeyCode::Enter), ctrl('e')]).await; // Ctrl-E: end of line
        press(&mut s.app, &s.io, typed(" — P.S. 🎉 ünïcödé")).await;
        // Killed here: the app is dropped without saving or closing.
    }
    assert_eq!(db.draft(draft_id).await.unwrap().unwrap().content, original, "nothing was saved");
    assert_eq!(recovery_files(&dir).len(), 1);

    let mut s = setup_with(db.clone(), dir.clone()).await;
    let Some(Popup::Recover { records, .. }) = &s.app.state.popup else {
        panic!("recovery offered: {:?}", s.app.state.popup)
    };
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].draft_id, Some(draft_id));
    press(&mut s.app, &s.io, [key(KeyCode::Char('r'))]).await;
    let e = editor(&s.app);
    assert!(e.is_modified());
    let restored = e.text();
    assert!(restored.contains(" — P.S. 🎉 ünïcödé"));
    press(&mut s.app, &s.io, [ctrl('s')]).await;
    assert!(!editor(&s.app).is_modified(), "{:?}", editor(&s.app).message);
    assert_eq!(db.draft(draft_id).await.unwrap().unwrap().content, restored);
    assert!(recovery_files(&dir).is_empty());

    // Discarding a recovery removes its file.
    std::fs::write(
        dir.join("recovery").join("draft-999999.json"),
        serde_json::to_vec(&editor(&s.app).recovery(chrono::Utc::now().naive_utc())).unwrap(),
    )
    .unwrap();
    let mut s2 = setup_with(db, dir.clone()).await;
    assert!(matches!(s2.app.state.popup, Some(Popup::Recover { .. })));
    // One d only asks; the second discards.
    press(&mut s2.app, &s2.io, [key(KeyCode::Char('d'))]).await;
    assert!(matches!(s2.app.state.popup, Some(Popup::Recover { confirm_discard: true, .. })));
    assert_eq!(recovery_files(&dir).len(), 1, "not yet discarded");
    press(&mut s2.app, &s2.io, [key(KeyCode::Char('d'))]).await;
    assert!(s2.app.state.popup.is_none());
    assert!(recovery_files(&dir).is_empty());
}

#[tokio::test]
async fn a_save_while_the_database_is_down_completes_when_it_is_back() {
    let (_, direct_url) = support::demo_db(10).await;
    let mut proxy = support::Proxy::start().await;
    let url = proxy.url(&support::database_name(&direct_url));
    let (db, _) =
        Db::open(&url, &OpenOptions { max_connections: 2, connect_timeout: std::time::Duration::from_secs(2) })
            .await
            .unwrap();
    let dir = temp_dir("down");
    let mut s = setup_with(db, dir.clone()).await;
    press(&mut s.app, &s.io, [key(KeyCode::Char('d'))]).await;
    press(&mut s.app, &s.io, typed("Written while the network is flaky: Grüße 🌧")).await;

    proxy.cut();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    press(&mut s.app, &s.io, [ctrl('s')]).await;
    let e = editor(&s.app);
    assert!(e.waiting_for_database, "{:?} {:?} {:?}", e.message, e.saving, s.app.state.status);
    assert!(e.is_modified());
    assert_eq!(e.text(), "Written while the network is flaky: Grüße 🌧", "the text stays in the editor");
    assert_eq!(s.app.state.pending_writes.len(), 1);
    assert!(s.app.state.status.error.as_deref().unwrap().contains("database unreachable"));
    assert!(!s.app.state.status.connected);
    let screen = closer::ui::buffer_text(&closer::ui::render_to_buffer(&s.app, 120, 40));
    assert!(screen.contains("waiting for the database"), "{screen}");
    let files = recovery_files(&dir);
    assert_eq!(files.len(), 1);
    assert!(std::fs::read_to_string(&files[0]).unwrap().contains("Grüße 🌧"));

    // Typing goes on while offline; then the database comes back.
    press(&mut s.app, &s.io, typed(" +")).await;
    proxy.restore().await;
    let requests = s.app.update(Action::Connection { up: true });
    s.io.settle(&mut s.app, requests).await;
    let e = editor(&s.app);
    assert!(!e.waiting_for_database && !e.is_modified(), "{:?}", e.message);
    let id = e.draft_id.unwrap();
    let (direct, _) = Db::open(&direct_url, &OpenOptions::default()).await.unwrap();
    assert_eq!(direct.draft(id).await.unwrap().unwrap().content, "Written while the network is flaky: Grüße 🌧 +");
    assert!(s.app.state.pending_writes.is_empty());
    assert!(recovery_files(&dir).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_real_binary_saves_a_typed_draft_byte_for_byte() {
    let (db, url) = support::demo_db(30).await;
    let dir = temp_dir("e2e-draft");
    let mut pty = crate::e2e::Pty::spawn(
        &["--database-url", &url],
        &[("CLOSER_DATA_DIR", dir.to_str().unwrap()), ("NO_COLOR", "1")],
        30,
        110,
    );
    pty.go_to_prospects();
    pty.wait_for("the prospects list", |s| s.contains("Prospects 1/30"));
    pty.wait_for("the detail", |s| s.contains("Detail #"));
    pty.send("d");
    pty.wait_for("the editor", |s| s.contains("New draft for"));
    let text = "Здравствуйте, 你好 👋 — مرحبا\nZweite Zeile: Grüße & ½ ≠ ∞";
    pty.send(&text.replace('\n', "\r"));
    pty.wait_for("the typed text", |s| s.contains("Grüße & ½"));
    pty.send("\x13"); // Ctrl-S
    pty.wait_for("the save", |s| s.contains("saved draft #"));
    pty.send("\x1b");
    pty.wait_for("the editor closed", |s| !s.contains("Ctrl-S save"));
    pty.send("q");
    assert!(pty.wait_exit().success());
    let content: String = sqlx::query_scalar("SELECT content FROM outreach_drafts ORDER BY id DESC LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(content.as_bytes(), text.as_bytes());
}

/// Marking sent logs what was sent (placeholders filled, the subject from a
/// `Subject:` line), only once, and never for an empty or placeholder-only
/// draft; unfilled placeholders are warned about first.
#[tokio::test]
async fn sending_logs_the_filled_text_once() {
    let (db, _) = support::demo_db(10).await;
    let mut s = setup_with(db, temp_dir("send")).await;
    let prospect = s.app.state.prospects.selected_row().unwrap().clone();
    let first_name = prospect.full_name.split_whitespace().next().unwrap().to_string();
    let interactions = |db: Db, id: i32| async move {
        sqlx::query_as::<_, (String, String)>(
            "SELECT subject, content FROM interactions WHERE prospect_id = $1 AND outcome = 'sent from Closer' ORDER BY id",
        )
        .bind(id)
        .fetch_all(&db.pool)
        .await
        .unwrap()
    };

    // An empty new draft is not saved at all.
    press(&mut s.app, &s.io, [key(KeyCode::Char('d')), ctrl('s')]).await;
    assert_eq!(editor(&s.app).draft_id, None, "{:?}", editor(&s.app).message);
    // Placeholders only: saved, but cannot be sent.
    press(&mut s.app, &s.io, typed("{first_name}")).await;
    press(&mut s.app, &s.io, [ctrl('s'), key(KeyCode::F(5))]).await;
    assert!(editor(&s.app).draft_id.is_some());
    assert_eq!(editor(&s.app).prompt, EditorPrompt::None, "{:?}", editor(&s.app).message);
    assert!(editor(&s.app).message.as_deref().unwrap_or("").contains("nothing to send"));
    press(&mut s.app, &s.io, [key(KeyCode::Esc)]).await;

    press(&mut s.app, &s.io, [key(KeyCode::Char('d'))]).await;
    press(&mut s.app, &s.io, typed("Subject: Hello {first_name}\nHi {first_name} at {company}, see you at {event}."))
        .await;
    press(&mut s.app, &s.io, [key(KeyCode::F(2))]).await;
    assert!(screen(&s.app).contains("no value for {event}"), "{}", screen(&s.app));
    press(&mut s.app, &s.io, [key(KeyCode::Esc), ctrl('s'), key(KeyCode::F(5))]).await;
    assert_eq!(editor(&s.app).prompt, EditorPrompt::ConfirmSent);
    assert!(editor(&s.app).message.as_deref().unwrap_or("").contains("{event}"), "warned first");
    press(&mut s.app, &s.io, [key(KeyCode::Char('y'))]).await;
    let logged = interactions(s.db.clone(), prospect.id).await;
    assert_eq!(logged.len(), 1);
    let (subject, content) = &logged[0];
    assert_eq!(subject, &format!("Hello {first_name}"));
    assert!(!content.contains("{first_name}") && !content.contains("{company}"), "{content}");
    assert!(content.starts_with(&format!("Hi {first_name} at ")), "{content}");
    assert!(!content.contains("Subject:"), "{content}");

    // Sending is once.
    press(&mut s.app, &s.io, [key(KeyCode::F(5))]).await;
    assert_eq!(editor(&s.app).prompt, EditorPrompt::None);
    assert!(editor(&s.app).message.as_deref().unwrap_or("").contains("already sent"));
    // And the database refuses a second send even if asked directly.
    let d = s.db.draft(editor(&s.app).draft_id.unwrap()).await.unwrap().unwrap();
    let input = DraftInput {
        prospect_id: d.prospect_id,
        event_id: d.event_id,
        draft_type: d.draft_type.clone(),
        content: d.content.clone(),
        status: d.status.clone(),
    };
    assert!(s.db.mark_draft_sent(d.id, &input, d.updated_at, "again", "again").await.is_err());
    assert_eq!(interactions(s.db.clone(), prospect.id).await.len(), 1);
}

fn screen(app: &App) -> String {
    closer::ui::buffer_text(&closer::ui::render_to_buffer(app, 120, 40))
}
