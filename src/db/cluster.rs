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

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use color_eyre::eyre::{bail, eyre, Result, WrapErr};

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

    fn log_file(&self) -> PathBuf {
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

    /// Writes the socket-only settings into the cluster's files: in
    /// postgresql.auto.conf (read last, so it wins over postgresql.conf)
    /// `listen_addresses = ''`, the socket directory, its permissions and the
    /// port; in pg_hba.conf only `local` lines (initdb also writes `host`
    /// lines for 127.0.0.1 and ::1). Returns true when a file changed.
    fn secure_config(&self) -> Result<bool> {
        let socket = self.socket_dir();
        let socket_str = socket.to_str().filter(|s| !s.chars().any(char::is_control)).ok_or_else(|| {
            eyre!("the managed cluster's path {} must be UTF-8 without control characters", socket.display())
        })?;
        let settings = [
            ("listen_addresses", "''".to_string()),
            // A one-element list: double quotes keep commas and spaces in the path.
            ("unix_socket_directories", conf_string(&format!("\"{}\"", socket_str.replace('"', "\"\"")))),
            ("unix_socket_permissions", "0700".to_string()),
            ("port", PORT.to_string()),
        ];
        let auto = self.data_dir().join("postgresql.auto.conf");
        let old_auto = fs::read_to_string(&auto).unwrap_or_default();
        let mut new_auto: String = old_auto
            .lines()
            .filter(|l| {
                let key = l.split('=').next().unwrap_or("").trim().to_ascii_lowercase();
                !settings.iter().any(|(k, _)| *k == key)
            })
            .map(|l| format!("{l}\n"))
            .collect();
        for (k, v) in &settings {
            new_auto.push_str(&format!("{k} = {v}\n"));
        }
        let hba = self.data_dir().join("pg_hba.conf");
        let old_hba = fs::read_to_string(&hba).wrap_err_with(|| format!("cannot read {}", hba.display()))?;
        let new_hba: String = old_hba
            .lines()
            .filter(|l| {
                let first = l.split_whitespace().next().unwrap_or("");
                first.is_empty() || first.starts_with('#') || first == "local"
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let mut changed = false;
        for (path, old, new) in [(&auto, &old_auto, &new_auto), (&hba, &old_hba, &new_hba)] {
            if old != new {
                self.write_private(path, new)?;
                changed = true;
            }
        }
        Ok(changed)
    }

    /// Writes a file in the data directory, readable by the server's user only.
    fn write_private(&self, path: &Path, text: &str) -> Result<()> {
        fs::write(path, text).wrap_err_with(|| format!("cannot write {}", path.display()))?;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
        if let Some((uid, gid)) = self.run_as {
            chown(path, uid, gid)?;
        }
        Ok(())
    }

    fn prepare_dir(&self, dir: &Path) -> Result<()> {
        fs::create_dir_all(dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        if let Some((uid, gid)) = self.run_as {
            chown(dir, uid, gid)?;
        }
        Ok(())
    }

    fn init(&self) -> Result<()> {
        if let Some(parent) = self.root.parent() {
            fs::create_dir_all(parent).wrap_err_with(|| format!("cannot create {}", parent.display()))?;
        }
        self.prepare_dir(&self.root)?;
        self.prepare_dir(&self.data_dir())?;
        let data = self.data_dir();
        let out = self.run(
            "initdb",
            [
                OsStr::new("-D"),
                data.as_os_str(),
                OsStr::new("-U"),
                OsStr::new("postgres"),
                OsStr::new("--auth=trust"),
                OsStr::new("-E"),
                OsStr::new("UTF8"),
                OsStr::new("--locale=C.UTF-8"),
                OsStr::new("-N"),
            ],
        )?;
        if !out.status.success() {
            bail!("initdb failed in {}:\n{}", data.display(), String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(())
    }

    fn start(&self) -> Result<()> {
        self.prepare_dir(&self.socket_dir())?;
        self.clear_stale_pid()?;
        // pg_ctl runs the server through `sh -c`: only fixed words go on its
        // command line. The data directory travels in PGDATA (see `run`), the
        // log file is named relative to the cluster's folder (the working
        // directory), and the socket settings are in postgresql.auto.conf.
        let mut args: Vec<&OsStr> = ["-l", LOG_FILE, "-w", "-t", "60"].into_iter().map(OsStr::new).collect();
        let opts: String = self.extra_settings.iter().map(|s| format!("-c {s} ")).collect();
        if !opts.is_empty() {
            args.extend([OsStr::new("-o"), OsStr::new(opts.trim_end())]);
        }
        args.push(OsStr::new("start"));
        let log = self.log_file();
        let out = self.run("pg_ctl", args)?;
        if !out.status.success() {
            let tail = fs::read_to_string(&log)
                .map(|s| s.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n"))
                .unwrap_or_default();
            bail!(
                "the managed PostgreSQL did not start ({}):\n{}\n{}",
                log.display(),
                String::from_utf8_lossy(&out.stderr).trim(),
                tail
            );
        }
        Ok(())
    }

    /// After a crash, postmaster.pid may name a process that is gone (or a
    /// PID since reused by something else); PostgreSQL then refuses to start.
    fn clear_stale_pid(&self) -> Result<()> {
        let pid_file = self.data_dir().join("postmaster.pid");
        let Ok(text) = fs::read_to_string(&pid_file) else {
            return Ok(());
        };
        let pid: u32 = text.lines().next().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
        if !is_postgres(pid) {
            tracing::warn!(pid, "removing stale postmaster.pid");
            fs::remove_file(&pid_file).ok();
            let lock = self.socket_dir().join(format!(".s.PGSQL.{PORT}.lock"));
            fs::remove_file(lock).ok();
            fs::remove_file(self.socket_dir().join(format!(".s.PGSQL.{PORT}"))).ok();
        }
        Ok(())
    }

    pub fn stop(&self) -> Result<bool> {
        if !matches!(self.status()?, Status::Running { .. }) {
            return Ok(false);
        }
        let out = self.pg_ctl(["-m", "fast", "-w", "stop"])?;
        if !out.status.success() {
            bail!("pg_ctl stop failed: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(true)
    }

    fn pg_ctl<const N: usize>(&self, args: [&str; N]) -> Result<Output> {
        self.run("pg_ctl", args.iter().map(OsStr::new))
    }

    /// Runs one of the PostgreSQL programs with arguments as separate argv
    /// elements (no shell), PGDATA set to the data directory, in the
    /// cluster's folder (or / before it exists).
    fn run<'a>(&self, program: &str, args: impl IntoIterator<Item = &'a OsStr>) -> Result<Output> {
        let mut cmd = Command::new(self.bin_dir.join(program));
        let cwd = if self.root.is_dir() { self.root.as_path() } else { Path::new("/") };
        cmd.args(args).current_dir(cwd).env("PGDATA", self.data_dir()).env("LC_ALL", "C.UTF-8");
        cmd.stdin(std::process::Stdio::null());
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid).env("HOME", &self.root);
        }
        cmd.output().wrap_err_with(|| format!("cannot run {}", self.bin_dir.join(program).display()))
    }
}

/// A postgresql.conf string literal: single quotes doubled, backslashes escaped.
fn conf_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
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

/// Whether `pid` is a live PostgreSQL server process.
fn is_postgres(pid: u32) -> bool {
    pid > 0
        && fs::read_to_string(format!("/proc/{pid}/comm"))
            .map(|c| c.trim().starts_with("postgres") || c.trim().starts_with("postmaster"))
            .unwrap_or(false)
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

fn chown(path: &Path, uid: u32, gid: u32) -> Result<()> {
    let meta = fs::metadata(path)?;
    if meta.uid() == uid && meta.gid() == gid {
        return Ok(());
    }
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .wrap_err_with(|| format!("cannot hand {} to the postgres user", path.display()))
}

/// uid and gid of the `postgres` OS user, which runs the server when we are root.
fn postgres_user() -> Result<(u32, u32)> {
    let name = std::ffi::CString::new("postgres").unwrap();
    // SAFETY: getpwnam returns a pointer into static storage or null; we copy
    // the two integers out at once and call it from one thread at start-up.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        bail!(
            "Closer runs as root, and PostgreSQL refuses to run as root: create a `postgres` user \
             (installing PostgreSQL does) or run Closer as an ordinary user, or set DATABASE_URL"
        );
    }
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Ok((uid, gid))
}

const INSTALL_HINT: &str = "no PostgreSQL server binaries found (initdb, pg_ctl, postgres): install them \
(Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) or set DATABASE_URL to an existing server";

/// Finds initdb/pg_ctl/postgres: $CLOSER_PG_BIN, then PATH, then
/// `pg_config --bindir`, then the newest /usr/lib/postgresql/*/bin.
pub fn find_binaries() -> Result<PathBuf> {
    find_binaries_in(
        std::env::var_os("CLOSER_PG_BIN"),
        std::env::var_os("PATH"),
        true,
        Path::new("/usr/lib/postgresql"),
    )
}

/// [`find_binaries`] with every place it looks given explicitly (for tests).
pub fn find_binaries_in(
    explicit: Option<std::ffi::OsString>,
    path: Option<std::ffi::OsString>,
    ask_pg_config: bool,
    system_root: &Path,
) -> Result<PathBuf> {
    let has_all = |dir: &Path| ["initdb", "pg_ctl", "postgres"].iter().all(|b| dir.join(b).is_file());
    if let Some(dir) = explicit {
        let dir = PathBuf::from(dir);
        if has_all(&dir) {
            return Ok(dir);
        }
        bail!("CLOSER_PG_BIN={} does not hold initdb, pg_ctl and postgres", dir.display());
    }
    if let Some(path) = path {
        if let Some(dir) = std::env::split_paths(&path).find(|d| has_all(d)) {
            return Ok(dir);
        }
    }
    if ask_pg_config {
        if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
            let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if out.status.success() && has_all(&dir) {
                return Ok(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(system_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_all(&bin).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p).ok_or_else(|| eyre!(INSTALL_HINT))
}
