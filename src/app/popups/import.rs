//! The import popup, in stages: type a path (the form keys: next completes
//! it, confirm checks it), read the dry run's summary and first rejected
//! rows, answer yes, watch the progress, read the summary. Cancelling a
//! running import rolls it back.

use crossterm::event::{KeyCode, KeyEvent};

use super::Popup;
use crate::app::action::Loaded;
use crate::app::io::Request;
use crate::app::transfer::CancelFlag;
use crate::app::{App, Command};
use crate::config::command::Scope;
use crate::config::KeyBindings;
use crate::import::{Entity, OnDuplicate, Options, Progress, Summary};

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
    pub(in crate::app) fn new() -> Self {
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

/// The popup's key line for its stage, from the key map.
pub fn key_line(keys: &KeyBindings, p: &ImportPopup) -> String {
    use Command::*;
    let k = |c| keys.label(c);
    let switch = match p.on_duplicate {
        OnDuplicate::Skip => "update duplicates from the file instead of skipping",
        OnDuplicate::Update => "skip duplicates instead of updating",
    };
    match &p.stage {
        ImportStage::Path => format!(
            "{} check the file (a dry run: nothing changes) · {} complete · {} clear · {} close",
            k(FormConfirm),
            k(FormNext),
            k(FormClear),
            k(FormCancel)
        ),
        ImportStage::Checking | ImportStage::Importing => {
            format!("{} cancel (nothing is changed: the import is one transaction)", k(FormCancel))
        }
        ImportStage::Review(s) if s.new + s.updated == 0 => format!(
            "nothing to import · {} {} · {} back",
            k(AnswerSwitch),
            switch,
            keys.label_any(&[FormCancel, AnswerNo])
        ),
        ImportStage::Review(_) => format!(
            "{} import · {} {} · {} back",
            keys.label_any(&[FormConfirm, AnswerYes]),
            k(AnswerSwitch),
            switch,
            keys.label_any(&[FormCancel, AnswerNo])
        ),
        ImportStage::Done(_) => format!("{} close", keys.label_any(&[FormConfirm, FormCancel])),
    }
}

impl App {
    pub(super) fn import_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        let text = KeyBindings::is_text(&key);
        let form = if text { None } else { self.keys.command_in(Scope::Form, &key) };
        let answer = self.keys.command_in(Scope::Answer, &key);
        let complete_hint = format!("type the path of a CSV file ({} completes)", self.keys.label(Command::FormNext));
        let Some(Popup::Import(p)) = self.state.popup.as_mut() else { return };
        match (&p.stage, form, answer) {
            (ImportStage::Path, Some(Command::FormCancel), _) => self.state.popup = None,
            (ImportStage::Path, Some(Command::FormNext), _) => {
                out.push(Request::CompletePath { input: p.path.clone() })
            }
            (ImportStage::Path, Some(Command::FormConfirm | Command::FormSave), _) => {
                if p.path.trim().is_empty() {
                    p.error = Some(complete_hint);
                } else {
                    start(p, true, out);
                }
            }
            (ImportStage::Path, Some(Command::FormClear), _) => p.path.clear(),
            (ImportStage::Path, None, _) if key.code == KeyCode::Backspace => {
                p.path.pop();
                p.candidates.clear();
            }
            (ImportStage::Path, None, _) if text => {
                if let KeyCode::Char(c) = key.code {
                    p.path.push(c);
                    p.candidates.clear();
                    p.error = None;
                }
            }
            (ImportStage::Checking | ImportStage::Importing, Some(Command::FormCancel), _) => {
                p.cancel.cancel();
                p.error = Some("cancelling… (nothing is changed)".into());
            }
            (ImportStage::Review(s), Some(Command::FormConfirm), _)
            | (ImportStage::Review(s), _, Some(Command::AnswerYes)) => {
                if s.new + s.updated == 0 {
                    p.error = Some("nothing to import: every row is a duplicate or rejected".into());
                } else {
                    start(p, false, out);
                }
            }
            (ImportStage::Review(_), _, Some(Command::AnswerSwitch)) => {
                p.on_duplicate = match p.on_duplicate {
                    OnDuplicate::Skip => OnDuplicate::Update,
                    OnDuplicate::Update => OnDuplicate::Skip,
                };
                start(p, true, out);
            }
            (ImportStage::Review(_), Some(Command::FormCancel), _)
            | (ImportStage::Review(_), _, Some(Command::AnswerNo)) => {
                p.stage = ImportStage::Path;
                p.error = None;
            }
            (ImportStage::Done(_), Some(Command::FormCancel | Command::FormConfirm), _) => self.state.popup = None,
            _ => {}
        }
    }

    pub(in crate::app) fn on_import_progress(&mut self, progress: Progress) {
        if let Some(Popup::Import(p)) = self.state.popup.as_mut() {
            if p.busy() {
                p.progress = Some(progress);
            }
        }
    }

    pub(in crate::app) fn on_transfer_loaded(&mut self, loaded: Loaded, out: &mut Vec<Request>) {
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
    pub(in crate::app) fn on_transfer_failed(&mut self, request: &Request, error: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testkit::{app, ch, press};

    fn reviewing(new: u64) -> App {
        let mut a = app((100, 30));
        a.update(ch('I'));
        let Some(Popup::Import(p)) = a.state.popup.as_mut() else { panic!("the import popup") };
        p.path = "leads.csv".into();
        p.stage = ImportStage::Review(Box::new(Summary { new, dry_run: true, ..Default::default() }));
        a
    }

    #[test]
    fn a_dry_run_with_nothing_to_import_says_so_and_does_not_offer_it() {
        let mut a = reviewing(0);
        let keys = a.keys.clone();
        let Some(Popup::Import(p)) = &a.state.popup else { panic!() };
        let line = key_line(&keys, p);
        assert!(line.starts_with("nothing to import") && !line.contains("y import"), "{line}");
        assert!(a.update(ch('y')).is_empty(), "y imports nothing");
        let Some(Popup::Import(p)) = &a.state.popup else { panic!() };
        assert!(p.error.as_deref().is_some_and(|e| e.contains("nothing to import")));
        // With rows to add, y runs the import.
        let mut a = reviewing(3);
        let out = a.update(ch('y'));
        assert!(matches!(out.as_slice(), [Request::Import { options, .. }] if !options.dry_run), "{out:?}");
        // Esc during the run cancels it (the popup stays to show it).
        a.update(press(crossterm::event::KeyCode::Esc));
        let Some(Popup::Import(p)) = &a.state.popup else { panic!() };
        assert!(p.error.as_deref().is_some_and(|e| e.contains("cancelling")));
    }
}
