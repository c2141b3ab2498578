//! Socket-only in the cluster's own files: postgresql.auto.conf and
//! pg_hba.conf are (re)written so that a server started by hand exposes no
//! password-less superuser on localhost.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use color_eyre::eyre::{eyre, Result, WrapErr};

use super::process::chown;
use super::{Cluster, PORT};

impl Cluster {
    /// Writes the socket-only settings into the cluster's files: in
    /// postgresql.auto.conf (read last, so it wins over postgresql.conf)
    /// `listen_addresses = ''`, the socket directory, its permissions and the
    /// port; in pg_hba.conf only `local` lines (initdb also writes `host`
    /// lines for 127.0.0.1 and ::1). Returns true when a file changed.
    pub(super) fn secure_config(&self) -> Result<bool> {
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
}

/// A postgresql.conf string literal: single quotes doubled, backslashes escaped.
fn conf_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}
