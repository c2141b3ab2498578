//! Import and export from the outside: the command line, the TUI's import
//! popup (state-level), and the real binary in a pseudo-terminal.

use std::os::unix::fs::PermissionsExt;

use closer::app::io::Io;
use closer::app::popups::import::ImportStage;
use closer::app::state::Popup;
use closer::app::App;
use closer::config::Config;
use crossterm::event::KeyCode;

use super::{count, messy_prospects, temp_dir};
use crate::support::{self, ch, ctrl, key, press, screen, typed};

fn closer_cmd(url: &str) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_closer"));
    c.args(["--database-url", url]).env("CLOSER_LOG_FILE", std::env::temp_dir().join("closer-import-it.log"));
    c
}

#[tokio::test]
async fn the_command_line_prints_templates_summaries_and_private_files() {
    let (db, url) = support::fresh_db().await;
    let out = closer_cmd(&url).args(["import", "--template", "prospects"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("full_name,email,company,industry,size,website,"));

    let dir = temp_dir("cli");
    let path = dir.join("leads.csv");
    std::fs::write(&path, messy_prospects()).unwrap();
    let out = closer_cmd(&url).args(["import", "prospects", path.to_str().unwrap(), "--dry-run"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "rows were rejected: {stdout}");
    assert!(stdout.contains("nothing was changed") && stdout.contains("line 14: has 8 fields"), "{stdout}");
    assert_eq!(count(&db, "prospects").await, 0);

    let mut child = closer_cmd(&url)
        .args(["import", "prospects", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"name,email,company\nAna,ana@x.com,Acme\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(count(&db, "prospects").await, 1);

    std::fs::write(dir.join("book.xlsx"), b"PK\x03\x04rest").unwrap();
    let out = closer_cmd(&url).args(["import", "prospects", dir.join("book.xlsx").to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("save the sheet as CSV"));

    let target = dir.join("out.json");
    let out = closer_cmd(&url)
        .args([
            "export",
            "prospects",
            "--format",
            "json",
            "--status",
            "new",
            "--active",
            "-o",
            target.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(v[0]["email"], "ana@x.com");
    let out = closer_cmd(&url).args(["export", "prospects", "--status", "won"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown status \"won\""));
    std::fs::remove_dir_all(dir).ok();
}

fn import_popup(app: &App) -> &closer::app::popups::import::ImportPopup {
    match &app.state.popup {
        Some(Popup::Import(p)) => p,
        other => panic!("expected the import popup, got {other:?}"),
    }
}

#[tokio::test]
async fn the_import_popup_completes_checks_imports_and_e_exports() {
    let (db, _) = support::demo_db(20).await;
    let dir = temp_dir("tui");
    std::fs::write(dir.join("new-leads.csv"), messy_prospects()).unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx).with_data_dir(dir.join("data"));
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;

    press(&mut app, &io, [ch('I')]).await;
    press(&mut app, &io, typed(&format!("{}/new", dir.display()))).await;
    press(&mut app, &io, [key(KeyCode::Tab)]).await;
    assert_eq!(import_popup(&app).path, format!("{}/new-leads.csv", dir.display()));
    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    assert!(matches!(import_popup(&app).stage, ImportStage::Review(_)));
    let text = screen(&app);
    assert!(text.contains("A real run would") && text.contains("add as new"), "{text}");
    assert!(text.contains("line 8: company is 300 characters long"), "{text}");
    assert_eq!(count(&db, "prospects").await, 20, "the dry run changed nothing");

    press(&mut app, &io, [ch('y')]).await;
    assert!(matches!(import_popup(&app).stage, ImportStage::Done(_)));
    assert_eq!(count(&db, "prospects").await, 24);
    assert!(screen(&app).contains("new"));
    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    assert!(app.state.popup.is_none());
    assert_eq!(app.state.prospects.total, Some(24), "the list reloaded");

    // E: the list as filtered, to a private file under the data directory.
    press(&mut app, &io, [ch('a')]).await;
    let active = app.state.prospects.total.unwrap();
    press(&mut app, &io, [ch('E')]).await;
    let message = app.state.status.message.clone().unwrap_or_default();
    assert!(message.starts_with(&format!("exported {active} prospects to ")), "{message}");
    let file = std::fs::read_dir(dir.join("data/exports")).unwrap().next().unwrap().unwrap().path();
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(&file).unwrap().records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len() as i64, active);
    assert_eq!(&rows[0][1], app.state.prospects.row(0).unwrap().email.as_str(), "in the list's order");

    // Esc backs out of each stage; Ctrl-U clears the path.
    press(&mut app, &io, [ch('I'), ch('x'), ctrl('u')]).await;
    assert_eq!(import_popup(&app).path, "");
    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    assert!(import_popup(&app).error.is_some());
    press(&mut app, &io, [key(KeyCode::Esc)]).await;
    assert!(app.state.popup.is_none());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_real_binary_imports_with_a_progress_and_exports() {
    let (db, url) = support::fresh_db().await;
    let dir = temp_dir("e2e-import");
    let mut file = String::from("full_name,email,company\n");
    for i in 0..3000 {
        file.push_str(&format!("Person {i},p{i}@example.com,Company {}\n", i % 30));
    }
    std::fs::write(dir.join("leads.csv"), file).unwrap();
    let mut pty = crate::e2e::Pty::spawn(
        &["--database-url", &url],
        &[("CLOSER_DATA_DIR", dir.join("data").to_str().unwrap()), ("NO_COLOR", "1")],
        30,
        // Wide enough for the export's message after the test database's long URL.
        220,
    );
    pty.wait_for("the empty list", |s| s.contains("Prospects"));
    pty.send("I");
    pty.wait_for("the popup", |s| s.contains("Import prospects from CSV"));
    pty.send(&format!("{}/le", dir.display()));
    pty.send("\t");
    pty.wait_for("the completed path", |s| s.contains("leads.csv"));
    pty.send("\r");
    pty.wait_for("the dry run", |s| s.contains("A real run would") && s.contains("3,000  add as new"));
    pty.send("y");
    pty.wait_for("the summary", |s| s.contains("Read 3,000 rows of prospects") && s.contains("Enter/Esc close"));
    pty.send("\r");
    pty.wait_for("the list", |s| s.contains("Prospects 1/3000"));
    pty.send("E");
    pty.wait_for("the export", |s| s.contains("exported 3000 prospects to"));
    pty.send("q");
    assert!(pty.wait_exit().success());
    assert_eq!(count(&db, "prospects").await, 3000);
    assert_eq!(count(&db, "companies").await, 30);
    let exported = std::fs::read_dir(dir.join("data/exports")).unwrap().count();
    assert_eq!(exported, 1);
    std::fs::remove_dir_all(dir).ok();
}
