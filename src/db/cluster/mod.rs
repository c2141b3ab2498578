//! The managed PostgreSQL: a private cluster that Closer initialises and
//! starts itself from the machine's PostgreSQL binaries, so that a new user
//! needs no setup. It listens on a Unix socket only (no TCP port), in a
//! directory only its owner can read. The server keeps running after Closer
//! exits, so the next start is instant; `closer db stop` stops it.
//!
//! Socket-only is written into the cluster itself, not only Closer's command
//! line: postgresql.auto.conf sets `listen_addresses = ''` and the socket
//! directory, and pg_hba.conf keeps only `local` lines, so a server started
//! by hand with pg_ctl exposes no password-less superuser on localhost.
//! Clusters made by an earlier Closer are fixed up the next time Closer
//! sees them. No path ever passes through a shell: pg_ctl (which starts the
//! server through `sh -c`) gets the data directory in PGDATA and a relative
//! log file name, so a folder named `My Data` or `$(...)` is just a name.
//!
//! When Closer runs as root, the server runs as the `postgres` OS user
//! (PostgreSQL refuses to run as root) and the cluster lives under
//! /var/lib/closer, which that user owns.
//!
//! One file per job: [`config`] writes the socket-only settings into the
//! cluster's own files, [`process`] initialises, starts and stops the server
//! (never through a shell), and [`binaries`] finds PostgreSQL's programs.

mod binaries;
mod config;
mod process;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use color_eyre::eyre::{eyre, Result};

pub use binaries::{find_binaries, find_binaries_in};
use process::{is_postgres, is_root, postgres_user};

/// The port only names the socket file; nothing listens on TCP.
const PORT: u16 = 5432;
/// The database Closer uses inside its cluster.
pub const DATABASE: &str = "closer";
/// The server's log, in the cluster's folder.
const LOG_FILE: &str = "postgres.log";

#[derive(Debug, Clone)]
pub struct Cluster {
    /// The cluster's own folder: `data/` (PGDATA), `run/` (socket), `postgres.log`.
    pub root: PathBuf,
    pub bin_dir: PathBuf,
    /// uid/gid the server runs as, when that is not us (we are root).
    run_as: Option<(u32, u32)>,
    /// Extra server settings, e.g. fsync=off for the test suite.
    extra_settings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    NotInitialised,
    Stopped,
    Running { pid: u32 },
}

impl Cluster {
    /// The user's cluster: `data_dir` from config, or the default location.
    pub fn for_user(data_dir: Option<&Path>) -> Result<Self> {
        let root = match data_dir {
            Some(d) => d.to_path_buf(),
            None if is_root() => PathBuf::from("/var/lib/closer/pg"),
            None => dirs::data_dir()
                .ok_or_else(|| eyre!("cannot find your data directory; set database.data_dir in config.toml"))?
                .join("closer")
                .join("pg"),
        };
        Self::at(root)
    }

    /// A cluster rooted at `root` (created on first start).
    pub fn at(root: PathBuf) -> Result<Self> {
        let bin_dir = find_binaries()?;
        let run_as = if is_root() { Some(postgres_user()?) } else { None };
        Ok(Self { root, bin_dir, run_as, extra_settings: Vec::new() })
    }

    /// Settings that trade durability for speed: for throw-away test clusters only.
    pub fn with_test_settings(mut self) -> Self {
        self.extra_settings =
            ["fsync=off", "synchronous_commit=off", "full_page_writes=off"].iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The socket directory. Unix socket paths are limited to ~100 bytes, so
    /// a deep root falls back to a short per-user path under /tmp.
    pub fn socket_dir(&self) -> PathBuf {
        let preferred = self.root.join("run");
        if preferred.as_os_str().len() + 20 < 100 {
            preferred
        } else {
            let hash = self
                .root
                .to_string_lossy()
                .bytes()
                .fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3));
            PathBuf::from(format!("/tmp/closer-{}-{:08x}", unsafe { libc::getuid() }, hash as u32))
        }
    }

    pub(super) fn log_file(&self) -> PathBuf {
        self.root.join(LOG_FILE)
    }

    /// URL of a database in this cluster (no password: the socket is private).
    /// The socket directory is percent-encoded: a path may hold a space, `&` or `#`.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@localhost:{PORT}/{database}?host={}",
            percent_encode(self.socket_dir().as_os_str())
        )
    }

    pub fn status(&self) -> Result<Status> {
        if !self.data_dir().join("PG_VERSION").exists() {
            return Ok(Status::NotInitialised);
        }
        let out = self.pg_ctl(["status"])?;
        let pid: u32 = fs::read_to_string(self.data_dir().join("postmaster.pid"))
            .ok()
            .and_then(|s| s.lines().next().and_then(|l| l.trim().parse().ok()))
            .unwrap_or(0);
        // pg_ctl only asks whether the PID is alive; after a crash or a
        // reboot it may belong to some other program.
        if out.status.success() && is_postgres(pid) {
            Ok(Status::Running { pid })
        } else {
            Ok(Status::Stopped)
        }
    }

    /// Initialises the cluster if needed and starts it if it is not running.
    /// Returns true when the cluster was initialised just now. Either way the
    /// cluster's own files are (re)made socket-only first.
    pub fn ensure_running(&self) -> Result<bool> {
        let mut fresh = false;
        let status = self.status()?;
        if status == Status::NotInitialised {
            self.init()?;
            fresh = true;
        }
        let fixed = self.secure_config()?;
        if fixed && !fresh {
            tracing::warn!(
                data = %self.data_dir().display(),
                "made an existing managed cluster socket-only in its own files (pg_hba.conf, postgresql.auto.conf)"
            );
        }
        if matches!(status, Status::Running { .. }) {
            return Ok(false);
        }
        self.start()?;
        Ok(fresh)
    }
}

/// Percent-encodes everything but unreserved characters and `/` (for a
/// path in a URL query).
fn percent_encode(s: &OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes()
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
