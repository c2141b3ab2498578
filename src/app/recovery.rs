//! Recovery files: the editor's unsaved text on disk, so a kill, a crash or
//! a closed terminal never loses what was typed.
//!
//! One writer task per open draft keeps only the newest state (a `watch`
//! channel drops the ones it never got to), so an older text can never land
//! after a newer one. Each write goes to a temp file of its own name, is
//! fsynced, renamed over the old file, and the directory is fsynced, so after
//! a kill the file holds either the previous text or the new one, whole.
//! Nothing here waits for a database connection.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::editor::Recovery;

/// What the file for one key should hold: the record, or nothing (removed).
type Desired = Option<Box<Recovery>>;

struct Slot {
    /// (version, desired state): only the newest is kept.
    wanted: watch::Sender<(u64, Desired)>,
    /// The newest version on disk.
    done: watch::Receiver<u64>,
}

#[derive(Clone)]
pub struct RecoveryWriter {
    dir: PathBuf,
    slots: Arc<Mutex<HashMap<String, Slot>>>,
    version: Arc<AtomicU64>,
    /// Where a failed write is reported (the status bar).
    on_error: Arc<dyn Fn(String) + Send + Sync>,
}

impl RecoveryWriter {
    pub fn new(dir: PathBuf, on_error: Arc<dyn Fn(String) + Send + Sync>) -> Self {
        Self { dir, slots: Default::default(), version: Default::default(), on_error }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{}.json", file_name(key)))
    }

    /// Asks for the key's file to hold `record` (or to be removed). Returns
    /// at once; the version returned can be awaited with [`Self::written`].
    pub fn submit(&self, key: &str, record: Desired) -> u64 {
        let version = self.version.fetch_add(1, Ordering::SeqCst) + 1;
        let mut slots = self.slots.lock().expect("not poisoned");
        if let Some(slot) = slots.get(key) {
            if slot.wanted.send((version, record.clone())).is_ok() {
                return version;
            }
        }
        let (wanted, wanted_rx) = watch::channel((version, record));
        let (done_tx, done) = watch::channel(0);
        slots.insert(key.to_string(), Slot { wanted, done });
        let (path, dir, on_error) = (self.path(key), self.dir.clone(), self.on_error.clone());
        tokio::spawn(write_loop(path, dir, wanted_rx, done_tx, on_error));
        version
    }

    /// Waits until the key's file reflects `version` or something newer.
    pub async fn written(&self, key: &str, version: u64) {
        let done = self.slots.lock().expect("not poisoned").get(key).map(|s| s.done.clone());
        if let Some(mut done) = done {
            let _ = done.wait_for(|v| *v >= version).await;
        }
    }
}

async fn write_loop(
    path: PathBuf,
    dir: PathBuf,
    mut wanted: watch::Receiver<(u64, Desired)>,
    done: watch::Sender<u64>,
    on_error: Arc<dyn Fn(String) + Send + Sync>,
) {
    loop {
        let (version, desired) = wanted.borrow_and_update().clone();
        let (p, d) = (path.clone(), dir.clone());
        let result = tokio::task::spawn_blocking(move || apply(&p, &d, desired.as_deref())).await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => on_error(format!("recovery file {}: {e}", path.display())),
            Err(e) => on_error(format!("recovery file {}: {e}", path.display())),
        }
        let _ = done.send(version);
        if wanted.changed().await.is_err() {
            return;
        }
    }
}

fn apply(path: &Path, dir: &Path, desired: Option<&Recovery>) -> std::io::Result<()> {
    match desired {
        Some(record) => {
            std::fs::create_dir_all(dir)?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            crate::private_file::write_atomic(path, &serde_json::to_vec(record)?)
        }
        None => {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                other => other?,
            }
            // The removal is durable only once the directory is synced.
            std::fs::File::open(dir)?.sync_all()
        }
    }
}

/// Keeps a key usable as a file name (letters, digits, - and _ only).
pub fn file_name(key: &str) -> String {
    key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' }).collect()
}

/// Temp files left by a kill mid-write (older than a minute: another
/// Closer's write may be under way).
pub fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .map(|t| t.elapsed().map(|e| e.as_secs() > 60).unwrap_or(false))
            .unwrap_or(false);
        if name.to_string_lossy().ends_with(".tmp") && stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(content: &str) -> Box<Recovery> {
        Box::new(Recovery {
            key: "draft-1".into(),
            draft_id: Some(1),
            prospect_id: 1,
            base_updated_at: None,
            draft_type: "offer_email".into(),
            status: "draft".into(),
            event_id: None,
            content: content.into(),
            context: Default::default(),
            written_at: chrono::Utc::now().naive_utc(),
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_newest_text_wins_and_files_are_private() {
        let dir = std::env::temp_dir().join(format!("closer-recovery-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = errors.clone();
        let w = RecoveryWriter::new(dir.clone(), Arc::new(move |e| sink.lock().unwrap().push(e)));
        let mut last = 0;
        for i in 0..500 {
            last = w.submit("draft-1", Some(record(&"x".repeat(i))));
        }
        w.written("draft-1", last).await;
        let on_disk: Recovery = serde_json::from_slice(&std::fs::read(w.path("draft-1")).unwrap()).unwrap();
        assert_eq!(on_disk.content.len(), 499);
        let mode = std::fs::metadata(w.path("draft-1")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 1, "no temp files left: {leftovers:?}");
        let v = w.submit("draft-1", None);
        w.written("draft-1", v).await;
        assert!(!w.path("draft-1").exists());
        assert!(errors.lock().unwrap().is_empty(), "{:?}", errors.lock().unwrap());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
