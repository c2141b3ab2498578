//! Secrets and private data (issue #10, items 10-16): which config is read,
//! where an API key may go, masked database passwords, the log file, the
//! budget, the managed cluster's exposure, and the LLM client's limits.
//! Each test fails on the code before the fix.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support;

/// A fresh scratch folder under the test temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("closer-sec-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The real binary with a clean, private environment: its own HOME (so no
/// user config or ~/.pgpass of the machine), no DATABASE_URL or LLM variables.
fn closer(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_closer"));
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("CLOSER_LOG_FILE", home.join("closer.log"))
        .env_remove("CLOSER_DATA_DIR")
        .env_remove("CLOSER_CONFIG")
        .env_remove("DATABASE_URL")
        .env_remove("PGPASSWORD")
        .env_remove("PGPASSFILE")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("RUST_LOG")
        .env_remove("CLOSER_LOG");
    cmd
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

// ---- 10. config.toml in the current directory is not read ----------------

#[test]
fn a_config_toml_in_the_current_directory_is_not_read() {
    let home = scratch("cwd-config");
    let repo = home.join("cloned-repo");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(repo.join("config.toml"), "[database]\nurl = \"postgres://evil@attacker.example/loot\"\n").unwrap();

    let out = closer(&home).current_dir(&repo).args(["db", "url"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("attacker.example"), "./config.toml was read: {}", text(&out));

    // The same file is read when the user points at it, so the check above can see a read.
    let out = closer(&home)
        .current_dir(&repo)
        .env("CLOSER_CONFIG", repo.join("config.toml"))
        .args(["db", "url"])
        .output()
        .unwrap();
    assert!(text(&out).contains("attacker.example"), "{}", text(&out));
    // And so is the user's own config directory.
    let user = home.join(".config/closer");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(user.join("config.toml"), "[database]\nurl = \"postgres://me@mine.example/sales\"\n").unwrap();
    let out = closer(&home).current_dir(&repo).args(["db", "url"]).output().unwrap();
    assert!(text(&out).contains("mine.example") && !text(&out).contains("attacker"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&home);
}

// ---- 12. database passwords are masked in every form --------------------

#[test]
fn database_passwords_are_masked_on_screen_in_errors_and_in_the_log() {
    let home = scratch("mask");
    for url in [
        "postgres://me@127.0.0.1:1/db?password=hunter2",
        "postgres://me@127.0.0.1:1/db?sslmode=disable&password=hunter2",
        "postgres://me:hun/ter2@127.0.0.1:1/db",
        "postgres://me:hun?ter2@127.0.0.1:1/db",
    ] {
        let out = closer(&home).args(["--database-url", url, "db", "url"]).output().unwrap();
        assert!(out.status.success(), "{url}: {}", text(&out));
        assert!(!text(&out).contains("ter2"), "`closer db url` shows the password: {}", text(&out));
    }
    // "cannot connect" (nothing listens on port 1), and the log of it.
    let out = closer(&home)
        .args(["--database-url", "postgres://me@127.0.0.1:1/db?password=hunter2", "db", "status"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("cannot connect") && text(&out).contains("password=***"), "{}", text(&out));
    assert!(!text(&out).contains("hunter2"), "{}", text(&out));
    let log = std::fs::read_to_string(home.join("closer.log")).unwrap();
    assert!(log.contains("cannot connect") && !log.contains("hunter2"), "{log}");
    let _ = std::fs::remove_dir_all(&home);
}

// ---- 13. the log file is private, plain, and holds no content -----------

#[test]
fn the_log_file_is_private_and_plain_text() {
    use std::os::unix::fs::PermissionsExt;
    let home = scratch("log");
    let log = home.join("logs/closer.log");
    let out = closer(&home)
        .env("CLOSER_LOG_FILE", &log)
        .env("RUST_BACKTRACE", "1")
        .args(["--database-url", "postgres://me@127.0.0.1:1/db", "db", "status"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&log), 0o600, "the log file is readable by its owner only");
    assert_eq!(mode(log.parent().unwrap()), 0o700, "in a private directory Closer created");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("cannot connect"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour codes in the log file: {text:?}");
    let _ = std::fs::remove_dir_all(&home);
}

/// Captures what `tracing` writes on this thread.
#[derive(Clone, Default)]
struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_failed_request_is_logged_by_kind_and_ids_never_by_content() {
    use closer::app::io::{Io, Request, Write};
    let (db, _) = support::fresh_db().await;
    let capture = Capture::default();
    let sink = capture.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || sink.clone()).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx).with_write_backoff(vec![]);
    let kind = db.enums.labels(closer::db::EnumKind::InteractionTypes)[0].clone();
    // No prospect -1: the write fails on its foreign key.
    let input = closer::db::interactions::InteractionInput {
        prospect_id: -1,
        event_id: None,
        interaction_type: kind,
        interaction_date: support::anchor(),
        subject: "SUBJECT-PRIVATE-41".into(),
        content: "CONTENT-PRIVATE-42 the customer's home address".into(),
        sentiment: None,
        outcome: Some("OUTCOME-PRIVATE-43".into()),
    };
    let answer = io.answer(Request::Write(Write::CreateInteraction(input))).await;
    assert!(matches!(answer, closer::app::Action::Failed { .. }), "the write fails");
    let log = capture.text();
    assert!(log.contains("request failed") && log.contains("write:create_interaction"), "{log}");
    assert!(log.contains("prospect=-1"), "ids are logged: {log}");
    assert!(!log.contains("PRIVATE"), "content reached the log: {log}");
}
