//! End to end: the real binary in a pseudo-terminal, driven by keys and
//! read back through a terminal emulator.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

use crate::support;

pub struct Pty {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Pty {
    pub fn spawn(args: &[&str], env: &[(&str, &str)], rows: u16, cols: u16) -> Self {
        let pair = native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_closer"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("CLOSER_LOG_FILE", std::env::temp_dir().join("closer-e2e.log"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let p = parser.clone();
        let answer = Arc::new(Mutex::new(pair.master.take_writer().ok()));
        std::thread::spawn(move || {
            let _master = pair.master;
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut parser = p.lock().unwrap();
                parser.process(&buf[..n]);
                // Answer cursor-position queries as a terminal would.
                if buf[..n].windows(4).any(|w| w == b"\x1b[6n") {
                    let (r, c) = parser.screen().cursor_position();
                    if let Some(w) = answer.lock().unwrap().as_mut() {
                        let _ = write!(w, "\x1b[{};{}R", r + 1, c + 1);
                    }
                }
            }
        });
        Self { parser, writer, child }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn alternate(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits until the screen satisfies `cond`, or panics with the screen.
    pub fn wait_for(&self, what: &str, cond: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if cond(&s) {
                return;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Closer opens on Today when anything is due (`followup.start_view`):
    /// waits for the first screen, whichever it is, and goes to the prospects list.
    pub fn go_to_prospects(&mut self) {
        self.wait_for("the first screen", |s| s.contains("due today ·") || s.contains("· sort:"));
        self.send("1");
    }

    /// SIGKILL: no handler runs, nothing is flushed; only what is on disk stays.
    pub fn kill9(&mut self) {
        let pid = self.child.process_id().expect("a child pid") as i32;
        unsafe { libc::kill(pid, libc::SIGKILL) };
        let _ = self.child.wait();
    }

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                self.child.kill().ok();
                panic!("closer did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn browse_search_and_quit_in_a_real_terminal() {
    let (db, url) = support::demo_db(200).await;
    let target: String = sqlx::query_scalar("SELECT full_name FROM prospects ORDER BY id LIMIT 1 OFFSET 150")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let email: String = sqlx::query_scalar("SELECT email FROM prospects ORDER BY id LIMIT 1 OFFSET 150")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let mut pty = Pty::spawn(&["--database-url", &url], &[("NO_COLOR", "1")], 30, 110);
    pty.go_to_prospects();
    pty.wait_for("the prospects list", |s| s.contains("Prospects 1/200"));
    assert!(pty.alternate(), "runs on the alternate screen");
    assert!(!pty.screen().contains("pwned"), "stored escape sequences are not interpreted");

    // Search by email as you type.
    pty.send("/");
    pty.send(&email);
    pty.wait_for("the search result", |s| s.contains("Prospects 1/1 "));
    pty.wait_for("the detail of the match", |s| s.contains(&email) && s.contains(target.split(' ').next().unwrap()));
    pty.send("\x1b"); // Esc clears the search
    pty.wait_for("the full list again", |s| s.contains("Prospects 1/200"));

    // Help overlay, then quit.
    pty.send("?");
    pty.wait_for("help", |s| s.contains("Key bindings"));
    pty.send("\x1b");
    pty.wait_for("help closed", |s| !s.contains("Key bindings"));
    pty.send("q");
    let status = pty.wait_exit();
    assert!(status.success(), "{status:?}");
    assert!(!pty.alternate(), "the terminal is restored");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_database_url_gets_a_clear_message() {
    let mut pty = Pty::spawn(&["--database-url", "mysql://nope"], &[], 24, 100);
    let status = pty.wait_exit();
    assert!(!status.success());
    let s = pty.screen();
    assert!(s.contains("not a PostgreSQL URL") && s.contains("postgres://USER:PASSWORD@HOST:PORT/DATABASE"), "{s}");

    let url = support::with_database(&support::empty_database().await, "does_not_exist_db")
        .replace("postgres://postgres@", "postgres://postgres:sekrit@");
    let mut pty = Pty::spawn(&["--database-url", &url], &[], 24, 120);
    let status = pty.wait_exit();
    assert!(!status.success());
    let s = pty.screen();
    assert!(s.contains("cannot connect to") && s.contains(":***@"), "{s}");
    assert!(!s.contains("sekrit"), "the password is never shown");
}
