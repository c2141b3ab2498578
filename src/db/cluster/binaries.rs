//! Finding PostgreSQL's server programs (initdb, pg_ctl, postgres) on this
//! machine.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use color_eyre::eyre::{bail, eyre, Result};

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
