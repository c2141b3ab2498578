//! Logs go to a file under the data directory, never to the terminal the UI
//! draws on. RUST_LOG (or CLOSER_LOG) sets the level; the default is info.
//!
//! The file is private (0600, in a 0700 directory when Closer creates it),
//! has no colour codes, and holds what happened (request kinds, ids, errors),
//! never what a user wrote: no draft text, form input or clipboard text.

use std::fs::{File, OpenOptions, Permissions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use color_eyre::eyre::Result;
use tracing_subscriber::EnvFilter;

/// Closer's data directory: ~/.local/share/closer (CLOSER_DATA_DIR overrides).
pub fn data_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("CLOSER_DATA_DIR") {
        return PathBuf::from(p);
    }
    dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("closer")
}

/// The log file: ~/.local/share/closer/closer.log (or CLOSER_LOG_FILE).
pub fn log_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CLOSER_LOG_FILE") {
        return PathBuf::from(p);
    }
    data_dir().join("closer.log")
}

pub fn init() -> Result<PathBuf> {
    let path = log_path();
    let file = open_private(&path)?;
    // sqlx's connect-option parser logs unknown URL parameters with their
    // values (a mistyped `?pasword=...` would land in the file).
    let filter = EnvFilter::try_from_env("CLOSER_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sqlx_postgres::options=error"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .ok();
    Ok(path)
}

/// Opens `path` for appending, readable by its owner only: created 0600,
/// and tightened to 0600 if an older Closer left it readable by others.
/// Missing directories are created 0700; Closer's own data directory is
/// made 0700 as well (it also holds recovery files and exports). A folder
/// named by CLOSER_LOG_FILE that already exists is left as it is.
pub fn open_private(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        if dir == data_dir() {
            make_private(dir, 0o700)?;
        }
    }
    let file = OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    let meta = file.metadata()?;
    if meta.mode() & 0o077 != 0 && meta.uid() == unsafe { libc::geteuid() } {
        file.set_permissions(Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// `s` without terminal escape sequences (CSI such as colour codes, and
/// OSC), for text formatted for a terminal that goes to the log file
/// (color-eyre's reports colour their frames).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('[') => {
                chars.next();
                // Parameters and intermediates, then one final byte in @..~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                chars.next();
                // Up to BEL or ESC \.
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Sets `mode` on a directory we own whose mode lets others in.
fn make_private(dir: &Path, mode: u32) -> std::io::Result<()> {
    let meta = std::fs::metadata(dir)?;
    if meta.mode() & 0o077 != 0 && meta.uid() == unsafe { libc::geteuid() } {
        std::fs::set_permissions(dir, Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_file_is_private_even_if_it_existed() {
        let dir = std::env::temp_dir().join(format!("closer-log-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("new").join("closer.log");
        drop(open_private(&path).unwrap());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700, "a directory Closer creates is private");

        let old = dir.join("old.log");
        std::fs::write(&old, "earlier lines\n").unwrap();
        std::fs::set_permissions(&old, Permissions::from_mode(0o644)).unwrap();
        drop(open_private(&old).unwrap());
        assert_eq!(mode(&old), 0o600, "a log an older Closer left 0644 is tightened");
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "earlier lines\n", "and appended to, not truncated");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn colour_codes_are_stripped_for_the_log() {
        let report = "   0: \u{1b}[91mcannot connect\u{1b}[0m\n      at \u{1b}[35msrc/db/mod.rs\u{1b}[0m:\u{1b}[35m83\u{1b}[0m \u{1b}]0;t\u{7}x";
        assert_eq!(strip_ansi(report), "   0: cannot connect\n      at src/db/mod.rs:83 x");
    }
}
