//! The server process: initdb, pg_ctl start and stop, a stale postmaster.pid
//! cleared after a crash, and running PostgreSQL's programs with separate
//! argv elements (no shell), as the `postgres` OS user when we are root.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};

use color_eyre::eyre::{bail, Result, WrapErr};

use super::{Cluster, Status, LOG_FILE, PORT};

impl Cluster {
    pub(super) fn prepare_dir(&self, dir: &Path) -> Result<()> {
        fs::create_dir_all(dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        if let Some((uid, gid)) = self.run_as {
            chown(dir, uid, gid)?;
        }
        Ok(())
    }

    pub(super) fn init(&self) -> Result<()> {
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

    pub(super) fn start(&self) -> Result<()> {
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

    pub(super) fn pg_ctl<const N: usize>(&self, args: [&str; N]) -> Result<Output> {
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

/// Whether `pid` is a live PostgreSQL server process.
pub(super) fn is_postgres(pid: u32) -> bool {
    pid > 0
        && fs::read_to_string(format!("/proc/{pid}/comm"))
            .map(|c| c.trim().starts_with("postgres") || c.trim().starts_with("postmaster"))
            .unwrap_or(false)
}

pub(super) fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

pub(super) fn chown(path: &Path, uid: u32, gid: u32) -> Result<()> {
    let meta = fs::metadata(path)?;
    if meta.uid() == uid && meta.gid() == gid {
        return Ok(());
    }
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .wrap_err_with(|| format!("cannot hand {} to the postgres user", path.display()))
}

/// uid and gid of the `postgres` OS user, which runs the server when we are root.
pub(super) fn postgres_user() -> Result<(u32, u32)> {
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
