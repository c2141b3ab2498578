//! The promises a hostile review tested (issue 10, items 1 and 6–9): text
//! from another writer or a recovery file is shown clean, stored bytes are
//! never rewritten by opening a draft, discarded text never lands, recovery
//! files survive kill -9, and a prospect with a new company is one write.

use closer::app::action::Action;
use closer::app::editor::EditorPrompt;
use closer::app::io::Io;
use closer::app::state::Popup;
use closer::app::App;
use closer::config::Config;
use closer::db::drafts::{DraftInput, SaveOutcome};
use closer::db::{Db, OpenOptions};
use crossterm::event::KeyCode;

use crate::hostile::HOSTILE;
use crate::support::{self, ch, ctrl, key, press, typed};

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

/// Item 8: opening a draft with tabs and CRs and saving it unedited (or
/// with only its type changed) keeps the stored bytes.
#[tokio::test]
async fn an_unedited_draft_saves_byte_for_byte() {
    let (db, _) = support::demo_db(10).await;
    let dir = temp_dir("bytes");
    let draft = first_draft(&db).await;
    let stored = "Dear\tteam,\r\nline two\rbare CR\r\n\ttabbed \u{1b}[31mred\u{1b}[0m end";
    sqlx::query("UPDATE outreach_drafts SET content = $2 WHERE id = $1")
        .bind(draft.id)
        .bind(stored)
        .execute(&db.pool)
        .await
        .unwrap();
    let (mut app, io) = app_with(&db, &dir).await;
    open_draft(&mut app, &io, draft.id).await;
    assert!(!editor(&app).is_modified(), "opening changes nothing");
    assert_screen_clean(&app);
    press(&mut app, &io, [ctrl('s')]).await;
    assert_eq!(db.draft(draft.id).await.unwrap().unwrap().content, stored);
    press(&mut app, &io, [ctrl('t'), ctrl('s')]).await;
    let after = db.draft(draft.id).await.unwrap().unwrap();
    assert_ne!(after.draft_type, draft.draft_type, "the type changed");
    assert_eq!(after.content, stored, "the text did not");
}

/// Item 6: "discard" at Unsaved changes drops the queued save too, so the
/// discarded text never lands when the database comes back.
#[tokio::test]
async fn discarded_text_is_not_sent_when_the_database_returns() {
    let (_, direct_url) = support::demo_db(10).await;
    let mut proxy = support::Proxy::start().await;
    let url = proxy.url(&support::database_name(&direct_url));
    let opts = OpenOptions { max_connections: 2, connect_timeout: std::time::Duration::from_secs(2) };
    let (db, _) = Db::open(&url, &opts).await.unwrap();
    let (direct, _) = Db::open(&direct_url, &OpenOptions::default()).await.unwrap();
    let draft = first_draft(&direct).await;
    let dir = temp_dir("discard");
    let (mut app, io) = app_with(&db, &dir).await;

    // A new draft and an edit of an existing one, both queued offline, then discarded.
    for existing in [false, true] {
        if existing {
            open_draft(&mut app, &io, draft.id).await;
        } else {
            press(&mut app, &io, [ch('1'), ch('d')]).await;
        }
        press(&mut app, &io, typed(" DISCARDED TEXT")).await;
        proxy.cut();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        press(&mut app, &io, [ctrl('s')]).await;
        assert!(editor(&app).waiting_for_database, "{:?}", editor(&app).message);
        assert_eq!(app.state.pending_writes.len(), 1);
        press(&mut app, &io, [key(KeyCode::Esc), ch('d')]).await;
        assert!(app.state.popup.is_none());
        assert!(app.state.pending_writes.is_empty(), "the queued save is dropped");
        proxy.restore().await;
        let requests = app.update(Action::Connection { up: true });
        io.settle(&mut app, requests).await;
        let landed: i64 = sqlx::query_scalar("SELECT count(*) FROM outreach_drafts WHERE content LIKE '%DISCARDED%'")
            .fetch_one(&direct.pool)
            .await
            .unwrap();
        assert_eq!(landed, 0, "discarded text reached the database (existing draft: {existing})");
    }
    let files: Vec<_> = std::fs::read_dir(dir.join("recovery")).map(|d| d.flatten().collect()).unwrap_or_default();
    assert!(files.iter().all(|f| !f.file_name().to_string_lossy().ends_with(".json")), "{files:?}");
}

/// Item 6: a queued save that meets someone else's change after the
/// reconnect offers the choice again, even with the editor closed.
#[tokio::test]
async fn a_conflict_after_a_resend_asks_again() {
    let (_, direct_url) = support::demo_db(10).await;
    let mut proxy = support::Proxy::start().await;
    let url = proxy.url(&support::database_name(&direct_url));
    let opts = OpenOptions { max_connections: 2, connect_timeout: std::time::Duration::from_secs(2) };
    let (db, _) = Db::open(&url, &opts).await.unwrap();
    let (direct, _) = Db::open(&direct_url, &OpenOptions::default()).await.unwrap();
    let draft = first_draft(&direct).await;
    let (mut app, io) = app_with(&db, &temp_dir("resend")).await;
    open_draft(&mut app, &io, draft.id).await;
    press(&mut app, &io, typed(" QUEUED")).await;
    proxy.cut();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    press(&mut app, &io, [ctrl('s')]).await;
    assert_eq!(app.state.pending_writes.len(), 1);
    // The editor goes away (as when another view replaced it) with the save still queued.
    app.state.popup = None;
    let input = DraftInput {
        prospect_id: draft.prospect_id,
        event_id: draft.event_id,
        draft_type: draft.draft_type.clone(),
        content: "SOMEONE ELSE".into(),
        status: draft.status.clone(),
    };
    direct.save_draft(draft.id, &input, draft.updated_at).await.unwrap();
    proxy.restore().await;
    let requests = app.update(Action::Connection { up: true });
    io.settle(&mut app, requests).await;
    let e = editor(&app);
    let EditorPrompt::Conflict(theirs) = &e.prompt else { panic!("the choice is offered: {:?}", e.prompt) };
    assert_eq!(theirs.content, "SOMEONE ELSE");
    assert!(e.text().contains(" QUEUED"), "{}", e.text());
    assert_eq!(direct.draft(draft.id).await.unwrap().unwrap().content, "SOMEONE ELSE", "nothing overwritten");
}

/// Item 9: a prospect whose location is too long is refused at the field,
/// and the new company it named is not created; a company named in another
/// case is reused; a retried insert does not insert twice.
#[tokio::test]
async fn a_prospect_with_a_new_company_is_one_write() {
    let (db, _) = support::demo_db(10).await;
    let (mut app, io) = app_with(&db, &temp_dir("form")).await;
    let companies = |db: Db| async move {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM companies").fetch_one(&db.pool).await.unwrap()
    };
    let before = companies(db.clone()).await;
    press(&mut app, &io, [ch('n')]).await;
    let Some(Popup::Form(form)) = app.state.popup.as_mut() else { panic!("form") };
    let set = |form: &mut closer::app::forms::Form, k: &str, v: &str| {
        let i = form.fields.iter().position(|f| f.key == k).unwrap();
        form.fields[i].value = v.to_string();
    };
    set(form, "full_name", "Orphan Check");
    set(form, "email", "orphan@example.com");
    set(form, "company", "Brand New Company Ltd");
    set(form, "location", &"L".repeat(300));
    press(&mut app, &io, [ctrl('s')]).await;
    let Some(Popup::Form(form)) = app.state.popup.as_ref() else { panic!("the form stays open") };
    let location = form.fields.iter().find(|f| f.key == "location").unwrap();
    assert!(location.error.as_deref().unwrap_or("").contains("255"), "{:?}", location.error);
    assert_eq!(companies(db.clone()).await, before, "no orphan company");

    // Straight to the database: a too-long value fails the whole transaction.
    use closer::db::prospect_save::{CompanyRef, IndustryRef};
    let industry: i32 = sqlx::query_scalar("SELECT min(id) FROM industries").fetch_one(&db.pool).await.unwrap();
    let input = closer::db::prospects::ProspectInput {
        full_name: "Ada Once".into(),
        email: "ada.once@example.com".into(),
        status: db.enums.labels(closer::db::EnumKind::ProspectStatus)[0].clone(),
        is_active: true,
        ..Default::default()
    };
    let company = CompanyRef::ByName {
        name: "Once Upon Ltd".into(),
        industry: IndustryRef::Existing(industry),
        size: "1-10".into(),
    };
    let bad = closer::db::prospects::ProspectInput { location: Some("x".repeat(256)), ..input.clone() };
    assert!(db.save_prospect(None, &bad, &company, false).await.is_err());
    assert_eq!(companies(db.clone()).await, before);

    let first = db.save_prospect(None, &input, &company, false).await.unwrap();
    assert_eq!(companies(db.clone()).await, before + 1);
    // The same company in another case is found, not made again.
    let upper =
        CompanyRef::ByName { name: "ONCE UPON LTD".into(), industry: IndustryRef::New("X".into()), size: "x".into() };
    let again = db.save_prospect(None, &input, &upper, true).await.unwrap();
    assert_eq!(again.id, first.id, "a retried insert returns the first attempt's row");
    assert_eq!(again.company_id, first.company_id);
    assert_eq!(companies(db.clone()).await, before + 1);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM prospects WHERE email = 'ada.once@example.com'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

/// Item 7: kill -9 at twenty random moments while typing a new draft. Each
/// time, the recovery file holds at least everything the editor showed
/// 200 ms before the kill and nothing that was not typed, and the next
/// start offers it.
#[tokio::test(flavor = "multi_thread")]
async fn typed_text_survives_kill_9_at_random_moments() {
    let (_db, url) = support::demo_db(5).await;
    let dir = temp_dir("kill9");
    let mut seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let seed0 = seed;
    let mut rand = move |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let text: Vec<char> = "Kill me softly: ünïcödé 你好 👋 and then some more words to type ".chars().collect();
    let files = |dir: &std::path::Path| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir.join("recovery"))
            .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect())
            .unwrap_or_default()
    };
    let mut offered: Option<usize> = None;
    for round in 0..20 {
        let mut pty = crate::e2e::Pty::spawn(
            &["--database-url", &url],
            &[("CLOSER_DATA_DIR", dir.to_str().unwrap()), ("NO_COLOR", "1")],
            30,
            110,
        );
        if let Some(n) = offered {
            // The restart offers the text the last kill left, newest first.
            pty.wait_for("the recovery offer", |s| {
                s.contains("Unsaved drafts") && s.contains(&format!("({n} characters)"))
            });
            pty.send("\x1b");
            // (A key sent right after Esc would read as Alt+key.)
            pty.wait_for("the offer closed", |s| !s.contains("Unsaved drafts"));
        }
        pty.go_to_prospects();
        pty.wait_for("the list", |s| s.contains("Prospects 1/5") && !s.contains("Unsaved drafts"));
        pty.send("d");
        pty.wait_for("the editor", |s| s.contains("New draft for"));
        let before = files(&dir);
        let kill_at = 2 + rand(text.len() as u64 - 2) as usize;
        // (when, how many typed characters the editor showed then): a key
        // counts as typed once Closer has it, which a busy machine delays.
        let mut seen: Vec<(std::time::Instant, usize)> = Vec::new();
        let shown = |pty: &crate::e2e::Pty, upto: usize| {
            let screen = pty.screen();
            (0..=upto).rev().find(|n| screen.contains(&text[..*n].iter().collect::<String>())).unwrap_or(0)
        };
        for (i, c) in text[..kill_at].iter().enumerate() {
            pty.send(&c.to_string());
            std::thread::sleep(std::time::Duration::from_millis(5 + rand(15)));
            seen.push((std::time::Instant::now(), shown(&pty, i + 1)));
        }
        std::thread::sleep(std::time::Duration::from_millis(rand(40)));
        let killed = std::time::Instant::now();
        pty.kill9();
        let must = seen
            .iter()
            .filter(|(t, _)| *t + std::time::Duration::from_millis(200) <= killed)
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(0);
        let new: Vec<_> = files(&dir).into_iter().filter(|f| !before.contains(f)).collect();
        let recovered = match new.as_slice() {
            [] => String::new(),
            [one] => {
                let r: closer::app::editor::Recovery = serde_json::from_slice(&std::fs::read(one).unwrap())
                    .unwrap_or_else(|e| panic!("round {round} (seed {seed0}): unreadable recovery file: {e}"));
                r.content
            }
            many => panic!("round {round}: one draft, several files: {many:?}"),
        };
        let typed: String = text[..kill_at].iter().collect();
        let floor: String = text[..must].iter().collect();
        assert!(
            recovered.starts_with(&floor) && typed.starts_with(&recovered),
            "round {round} (seed {seed0}): typed {typed:?}, {must} chars more than 200 ms before the kill, \
             recovered {recovered:?}"
        );
        if !recovered.is_empty() {
            offered = Some(recovered.chars().count());
        }
    }
    assert!(offered.is_some(), "some round typed long enough to leave a file");
}

/// Unsaved text offered at start and put off with Esc is offered again when
/// its draft is opened, instead of being overwritten by the next keystroke.
#[tokio::test]
async fn recovered_text_put_off_is_offered_when_its_draft_opens() {
    let (db, _) = support::demo_db(10).await;
    let dir = temp_dir("later");
    let draft = first_draft(&db).await;
    {
        let (mut app, io) = app_with(&db, &dir).await;
        open_draft(&mut app, &io, draft.id).await;
        press(&mut app, &io, typed("PRECIOUS-UNSAVED-TEXT ")).await;
        // Killed here: nothing saved.
    }
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx).with_data_dir(dir.clone());
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    assert!(matches!(app.state.popup, Some(Popup::Recover { .. })));
    press(&mut app, &io, [key(KeyCode::Esc)]).await; // later
    press(&mut app, &io, [ch('5')]).await;
    app.state.drafts.selected = app.state.drafts.items.iter().position(|d| d.id == draft.id).unwrap();
    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    let Some(Popup::Recover { records, .. }) = &app.state.popup else {
        panic!("the unsaved text is offered first: {:?}", app.state.popup)
    };
    assert_eq!(records.len(), 1);
    press(&mut app, &io, [ch('r')]).await;
    assert!(editor(&app).text().contains("PRECIOUS-UNSAVED-TEXT"), "{}", editor(&app).text());
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

/// F5, y, then a conflict, then "mine": the draft is still marked sent and
/// the email logged, not quietly only saved.
#[tokio::test]
async fn mark_sent_survives_a_conflict_resolved_as_mine() {
    let (db, url) = support::demo_db(10).await;
    let (mut app, io) = app_with(&db, &temp_dir("sent-mine")).await;
    let draft: closer::db::models::OutreachDraft = {
        let id: i32 = sqlx::query_scalar("SELECT min(id) FROM outreach_drafts WHERE status <> 'sent'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        db.draft(id).await.unwrap().unwrap()
    };
    open_draft(&mut app, &io, draft.id).await;
    press(&mut app, &io, typed("Hello there. ")).await;
    press(&mut app, &io, [ctrl('s')]).await;
    let (other, _) = Db::open(&url, &OpenOptions::default()).await.unwrap();
    let current = other.draft(draft.id).await.unwrap().unwrap();
    let theirs = DraftInput {
        prospect_id: current.prospect_id,
        event_id: current.event_id,
        draft_type: current.draft_type.clone(),
        content: "THEIRS".into(),
        status: current.status.clone(),
    };
    other.save_draft(draft.id, &theirs, current.updated_at).await.unwrap();
    press(&mut app, &io, [key(KeyCode::F(5)), ch('y')]).await;
    assert!(matches!(editor(&app).prompt, EditorPrompt::Conflict(_)), "{:?}", editor(&app).prompt);
    press(&mut app, &io, [ch('m')]).await;
    assert_eq!(db.draft(draft.id).await.unwrap().unwrap().status, "sent");
    let logged: i64 =
        sqlx::query_scalar("SELECT count(*) FROM interactions WHERE prospect_id = $1 AND outcome = 'sent from Closer'")
            .bind(draft.prospect_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(logged, 1);
}
