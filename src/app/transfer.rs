//! The part of [`App::update`] for `I` (import) and `E` (export) on the
//! prospects view. Import is a popup in stages: type a path (Tab
//! completes), see the dry run's summary and first rejected rows, confirm,
//! watch the progress, read the summary. Every file and database step is a
//! request to the I/O layer; the event loop never waits on one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Loaded;
use super::io::Request;
use super::state::{Popup, View};
use super::{App, Command};
use crate::db::export::ExportFilter;
use crate::export::ExportEntity;
use crate::import::{Entity, OnDuplicate, Options, Progress, Summary};

/// Stops a running import (it rolls back). Shared by the popup and the
/// request; equal when it is the same flag.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

impl PartialEq for CancelFlag {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportStage {
    /// Typing the file's path.
    Path,
    /// The dry run is running.
    Checking,
    /// The dry run's summary, waiting for a yes.
    Review(Box<Summary>),
    /// The import is running.
    Importing,
    /// The import's summary.
    Done(Box<Summary>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportPopup {
    pub path: String,
    pub stage: ImportStage,
    /// Entries matching the path, after a Tab that found several.
    pub candidates: Vec<String>,
    pub on_duplicate: OnDuplicate,
    /// Why the last step failed (shown under the path).
    pub error: Option<String>,
    pub progress: Option<Progress>,
    cancel: CancelFlag,
}

impl ImportPopup {
    fn new() -> Self {
        Self {
            path: String::new(),
            stage: ImportStage::Path,
            candidates: Vec::new(),
            on_duplicate: OnDuplicate::Skip,
            error: None,
            progress: None,
            cancel: CancelFlag::default(),
        }
    }

    /// Whether an import or a dry run is running.
    pub fn busy(&self) -> bool {
        matches!(self.stage, ImportStage::Checking | ImportStage::Importing)
    }
}

impl App {
    /// `I` and `E`; returns true when the command was one of them.
    pub(super) fn transfer_command(&mut self, command: Command, out: &mut Vec<Request>) -> bool {
        match command {
            Command::Import if self.state.view == View::Prospects => {
                self.state.popup = Some(Popup::Import(Box::new(ImportPopup::new())));
            }
            Command::Export if self.state.view == View::Prospects => {
                let filter = ExportFilter {
                    prospects: self.state.prospects.filter.clone(),
                    sort: Some(self.state.prospects.sort),
                    ..Default::default()
                };
                self.state.status.message = Some("exporting the prospects list…".into());
                out.push(Request::ExportList { entity: ExportEntity::Prospects, filter });
            }
            Command::Import | Command::Export => {
                self.state.status.message = Some(format!(
                    "{} works on the prospects list (1); from the command line: closer {} …",
                    self.keys.label(command),
                    command.name()
                ));
            }
            _ => return false,
        }
        true
    }

    pub(super) fn import_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        let Some(Popup::Import(p)) = self.state.popup.as_mut() else { return };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match (&p.stage, key.code) {
            (ImportStage::Path, KeyCode::Esc) => self.state.popup = None,
            (ImportStage::Path, KeyCode::Tab) => out.push(Request::CompletePath { input: p.path.clone() }),
            (ImportStage::Path, KeyCode::Enter) => {
                if p.path.trim().is_empty() {
                    p.error = Some("type the path of a CSV file (Tab completes)".into());
                } else {
                    start(p, true, out);
                }
            }
            (ImportStage::Path, KeyCode::Backspace) => {
                p.path.pop();
                p.candidates.clear();
            }
            (ImportStage::Path, KeyCode::Char('u')) if ctrl => p.path.clear(),
            (ImportStage::Path, KeyCode::Char(c)) if !ctrl => {
                p.path.push(c);
                p.candidates.clear();
                p.error = None;
            }
            (ImportStage::Checking | ImportStage::Importing, KeyCode::Esc) => {
                p.cancel.cancel();
                p.error = Some("cancelling… (nothing is changed)".into());
            }
            (ImportStage::Review(s), KeyCode::Enter | KeyCode::Char('y')) => {
                if s.new + s.updated == 0 {
                    p.error = Some("nothing to import: every row is a duplicate or rejected".into());
                } else {
                    start(p, false, out);
                }
            }
            (ImportStage::Review(_), KeyCode::Char('u')) => {
                p.on_duplicate = match p.on_duplicate {
                    OnDuplicate::Skip => OnDuplicate::Update,
                    OnDuplicate::Update => OnDuplicate::Skip,
                };
                start(p, true, out);
            }
            (ImportStage::Review(_), KeyCode::Esc | KeyCode::Char('n')) => {
                p.stage = ImportStage::Path;
                p.error = None;
            }
            (ImportStage::Done(_), KeyCode::Esc | KeyCode::Enter) => self.state.popup = None,
            _ => {}
        }
    }

    pub(super) fn on_import_progress(&mut self, progress: Progress) {
        if let Some(Popup::Import(p)) = self.state.popup.as_mut() {
            if p.busy() {
                p.progress = Some(progress);
            }
        }
    }

    pub(super) fn on_transfer_loaded(&mut self, loaded: Loaded, out: &mut Vec<Request>) {
        let Some(Popup::Import(p)) = self.state.popup.as_mut() else { return };
        match loaded {
            Loaded::PathCompleted { input, completed, candidates }
                if p.stage == ImportStage::Path && p.path == input =>
            {
                if completed == input && candidates.is_empty() {
                    p.error = Some("no file matches".into());
                }
                p.path = completed;
                p.candidates = candidates;
            }
            Loaded::Imported { dry_run: true, summary } if p.stage == ImportStage::Checking => {
                p.stage = ImportStage::Review(summary);
                p.progress = None;
                p.error = None;
            }
            Loaded::Imported { dry_run: false, summary } if p.stage == ImportStage::Importing => {
                self.state.status.message = Some(format!(
                    "imported {} new, {} updated prospects from {}",
                    summary.new,
                    summary.updated,
                    crate::sanitize::line(&p.path)
                ));
                p.stage = ImportStage::Done(summary);
                p.progress = None;
                p.error = None;
                self.reload_all(out);
            }
            _ => {}
        }
    }

    /// A failed import or completion is shown in the popup; returns true
    /// when the request was one of these.
    pub(super) fn on_transfer_failed(&mut self, request: &Request, error: &str) -> bool {
        match request {
            Request::Import { .. } | Request::CompletePath { .. } => {}
            _ => return false,
        }
        if let Some(Popup::Import(p)) = self.state.popup.as_mut() {
            if p.busy() {
                p.stage = ImportStage::Path;
                p.progress = None;
            }
            p.error = Some(if error.contains("cancelled") {
                "cancelled: nothing was changed".to_string()
            } else {
                format!("{error} (nothing was changed)")
            });
        } else {
            self.state.status.error = Some(format!("import failed: {error}"));
        }
        true
    }
}

/// Sends the dry run or the real import of the popup's file.
fn start(p: &mut ImportPopup, dry_run: bool, out: &mut Vec<Request>) {
    p.cancel = CancelFlag::default();
    p.stage = if dry_run { ImportStage::Checking } else { ImportStage::Importing };
    p.error = None;
    p.candidates.clear();
    p.progress = None;
    let options = Options { dry_run, on_duplicate: p.on_duplicate, ..Options::new(Entity::Prospects) };
    out.push(Request::Import { path: p.path.trim().to_string(), options, cancel: p.cancel.clone() });
}
