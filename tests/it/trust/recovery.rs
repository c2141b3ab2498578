//! Recovery files (item 7): typed text survives kill -9, and text put off at
//! start is offered again when its draft opens.

use closer::app::io::Io;
use closer::app::state::Popup;
use closer::app::App;
use closer::config::Config;
use crossterm::event::KeyCode;

use super::{app_with, editor, first_draft, open_draft, temp_dir};
use crate::support::{self, ch, key, press, typed};

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
        if offered.is_some() {
            // The text put off is offered first; "later" writes a new draft.
            pty.wait_for("the offer again", |s| s.contains("later: write a new draft"));
            pty.send("\x1b");
        }
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
