//! Snoozes belong to the person, not to the shared database: they are kept
//! in Closer's data directory, one file per database (named by a hash of the
//! database's masked URL), private (0600 in a 0700 folder), and never
//! written to a seed table. An entry says until when an item is hidden;
//! entries that have run out are dropped on the next write.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::db::followups::Snoozed;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnoozeFile {
    /// The database the snoozes are for (its URL, password masked).
    pub database: String,
    /// Item key ("followup:12", "draft:7", "event:3") → the day it shows again.
    pub until: BTreeMap<String, NaiveDate>,
}

/// The file holding the snoozes for `database` (a masked URL) under `data_dir`.
pub fn path(data_dir: &Path, database: &str) -> PathBuf {
    // FNV-1a: stable across runs and builds (std's hasher is not).
    let mut h: u64 = 0xcbf29ce484222325;
    for b in database.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    data_dir.join("snoozes").join(format!("{h:016x}.json"))
}

/// Reads the snoozes (none when the file is missing or unreadable).
pub fn load(file: &Path) -> SnoozeFile {
    match std::fs::read(file) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!(path = %file.display(), %e, "unreadable snooze file; ignored");
            SnoozeFile::default()
        }),
        Err(_) => SnoozeFile::default(),
    }
}

impl SnoozeFile {
    /// The items hidden on `day`.
    pub fn active(&self, day: NaiveDate) -> Snoozed {
        let mut s = Snoozed::default();
        for (key, until) in &self.until {
            if *until <= day {
                continue;
            }
            let Some((kind, id)) = key.split_once(':') else { continue };
            let Ok(id) = id.parse::<i32>() else { continue };
            match kind {
                "followup" => s.prospects.push(id),
                "draft" => s.drafts.push(id),
                "event" => s.events.push(id),
                _ => {}
            }
        }
        s
    }
}

/// Snoozes `key` until `until` (the day it shows again), dropping entries
/// that ran out before `today`; written atomically and privately.
pub fn snooze(file: &Path, database: &str, key: &str, until: NaiveDate, today: NaiveDate) -> std::io::Result<()> {
    let mut s = load(file);
    s.database = database.to_string();
    s.until.retain(|_, u| *u > today);
    s.until.insert(key.to_string(), until);
    write_private(file, &serde_json::to_vec_pretty(&s).map_err(std::io::Error::other)?)
}

fn write_private(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    let dir = file.parent().ok_or_else(|| std::io::Error::other("no folder"))?;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    crate::private_file::write_atomic(file, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn snoozes_are_private_per_database_and_run_out() {
        let dir = std::env::temp_dir().join(format!("closer-snooze-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = path(&dir, "postgres://me@a/sales");
        let b = path(&dir, "postgres://me@b/sales");
        assert_ne!(a, b, "one file per database");
        snooze(&a, "postgres://me@a/sales", "followup:1", d("2026-06-17"), d("2026-06-15")).unwrap();
        snooze(&a, "postgres://me@a/sales", "draft:2", d("2026-06-16"), d("2026-06-15")).unwrap();
        let s = load(&a);
        assert_eq!(s.active(d("2026-06-15")), Snoozed { prospects: vec![1], drafts: vec![2], events: vec![] });
        assert_eq!(s.active(d("2026-06-16")).drafts, Vec::<i32>::new(), "shows again on its day");
        assert!(load(&b).until.is_empty());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&a).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(a.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        // Run-out entries are dropped on the next write.
        snooze(&a, "postgres://me@a/sales", "event:3", d("2026-06-20"), d("2026-06-18")).unwrap();
        assert_eq!(load(&a).until.keys().cloned().collect::<Vec<_>>(), vec!["event:3".to_string()]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
