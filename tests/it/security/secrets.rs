//! Which config is read (10), database passwords masked in every form and
//! PGPASSWORD / ~/.pgpass honoured (12), and the private, plain log file that
//! holds no content (13).

use std::path::Path;
use std::process::Command;

use closer::db::cluster::Cluster;

use super::{closer, scratch, text};
use crate::support;

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

// ---- 12. PGPASSWORD and ~/.pgpass keep passwords out of URLs ------------

#[tokio::test(flavor = "multi_thread")]
async fn pgpassword_and_pgpass_are_honoured() {
    let root = scratch("pgpass");
    let cluster = Cluster::at(root.join("pg")).unwrap().with_test_settings();
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.ensure_running()).await.unwrap().unwrap();
    // A role that must give a password, on a socket that otherwise trusts.
    let mut conn = support::connect(&cluster.url("postgres")).await;
    for sql in ["CREATE ROLE sec_pw LOGIN PASSWORD 'pw-Secret-0123'", "CREATE DATABASE sec_pw_db OWNER sec_pw"] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    let hba_path = cluster.data_dir().join("pg_hba.conf");
    let hba = std::fs::read_to_string(&hba_path).unwrap();
    std::fs::write(&hba_path, format!("local all sec_pw scram-sha-256\n{hba}")).unwrap();
    sqlx::query("SELECT pg_reload_conf()").execute(&mut conn).await.unwrap();
    drop(conn);

    let url = closer::db::url::with_database(&cluster.url("postgres"), "sec_pw_db").replace("postgres@", "sec_pw@");
    let home = root.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let costs = |cmd: &mut Command| cmd.args(["--database-url", &url, "costs", "--format", "json"]).output().unwrap();

    let out = costs(&mut closer(&home));
    assert!(!out.status.success(), "the role needs a password: {}", text(&out));
    let out = costs(closer(&home).env("PGPASSWORD", "pw-Secret-0123"));
    assert!(out.status.success(), "PGPASSWORD: {}", text(&out));
    let pgpass = home.join(".pgpass");
    std::fs::write(&pgpass, "# host:port:database:user:password\nlocalhost:5432:sec_pw_db:sec_pw:pw-Secret-0123\n")
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = costs(&mut closer(&home));
    assert!(out.status.success(), "~/.pgpass: {}", text(&out));
    assert!(!text(&out).contains("pw-Secret"));
    cluster.stop().unwrap();
    let _ = std::fs::remove_dir_all(&root);
}
