//! The part of [`App::update`] that concerns drafts: the Drafts pane, the
//! editor, saving with conflict detection, recovery files and the clipboard.

use super::action::Loaded;
use super::editor::{DraftEditor, EditorPrompt};
use super::io::{Request, Write};
use super::state::{ConfirmAction, Pane, Popup, View};
use super::update::cycle_option;
use super::{App, Command};
use crate::config::KeyBindings;
use crate::db::drafts::{SaveOutcome, WORKFLOW};

impl App {
    pub(super) fn reload_drafts(&mut self, out: &mut Vec<Request>) {
        let d = &mut self.state.drafts;
        d.generation += 1;
        out.push(Request::Drafts { generation: d.generation, filter: d.filter.clone() });
    }

    /// The Drafts view, narrowed to one prospect's drafts.
    pub(super) fn show_drafts_of(&mut self, prospect_id: i32, out: &mut Vec<Request>) {
        self.state.drafts.filter =
            crate::db::drafts::DraftFilter { prospect_id: Some(prospect_id), ..Default::default() };
        self.state.drafts.selected = 0;
        self.state.view = View::Drafts;
        self.state.pane = Pane::List;
        self.reload_drafts(out);
    }

    /// Draft commands; returns true when the command was about drafts.
    pub(super) fn draft_command(&mut self, command: Command, out: &mut Vec<Request>) -> bool {
        let in_drafts = self.state.view == View::Drafts;
        match command {
            Command::ViewDrafts => {
                self.state.view = View::Drafts;
                self.state.pane = Pane::List;
                self.state.searching = false;
                if !self.state.drafts.loaded {
                    self.reload_drafts(out);
                }
            }
            Command::NewDraft => {
                let prospect = if in_drafts {
                    self.state.drafts.items.get(self.state.drafts.selected).map(|d| d.prospect_id)
                } else {
                    self.state.prospects.selected_row().map(|p| p.id)
                };
                match prospect {
                    Some(prospect_id) => out.push(Request::NewDraft { prospect_id }),
                    None => self.state.status.message = Some("select a prospect first".into()),
                }
            }
            Command::ProspectDrafts => {
                if let Some(id) = self.state.prospects.selected_row().map(|p| p.id) {
                    self.show_drafts_of(id, out);
                }
            }
            Command::DeleteDraft if in_drafts => {
                if let Some(d) = self.state.drafts.items.get(self.state.drafts.selected) {
                    // Its unsaved text from a crash goes with it: say so.
                    let key = super::editor::recovery_key(d.id);
                    let unsaved = self.state.recoveries.iter().any(|r| r.key == key);
                    self.state.popup = Some(Popup::Confirm {
                        message: format!(
                            "Delete draft #{} ({}) for {}?{}",
                            d.id,
                            crate::sanitize::line(&d.draft_type),
                            crate::sanitize::line(&d.prospect_name),
                            if unsaved { " Its unsaved text from an earlier session goes too." } else { "" }
                        ),
                        action: ConfirmAction::DeleteDraft { id: d.id },
                    });
                }
            }
            Command::FilterType if in_drafts => {
                let types = self.state.drafts.types.clone();
                self.state.drafts.filter.draft_type =
                    cycle_option(&types, self.state.drafts.filter.draft_type.as_ref());
                self.state.drafts.selected = 0;
                self.reload_drafts(out);
            }
            Command::FilterStatus if in_drafts => {
                let mut statuses: Vec<String> = WORKFLOW.iter().map(|s| s.to_string()).collect();
                for s in &self.state.drafts.statuses {
                    if !statuses.contains(s) {
                        statuses.push(s.clone());
                    }
                }
                self.state.drafts.filter.status = cycle_option(&statuses, self.state.drafts.filter.status.as_ref());
                self.state.drafts.selected = 0;
                self.reload_drafts(out);
            }
            Command::ClearFilters if in_drafts => {
                self.state.drafts.filter = Default::default();
                self.state.drafts.selected = 0;
                self.reload_drafts(out);
            }
            Command::Search if in_drafts => self.state.searching = true,
            Command::Back
                if in_drafts && self.state.drafts.filter != Default::default() && self.state.pane == Pane::List =>
            {
                self.state.drafts.filter = Default::default();
                self.reload_drafts(out);
            }
            Command::Open if in_drafts => {
                if let Some(d) = self.state.drafts.items.get(self.state.drafts.selected) {
                    out.push(Request::OpenDraft { id: d.id });
                }
            }
            Command::Refresh if in_drafts => self.reload_drafts(out),
            _ => return false,
        }
        true
    }

    pub(super) fn on_draft_loaded(&mut self, loaded: Loaded, out: &mut Vec<Request>) {
        match loaded {
            Loaded::Drafts { generation, items, total, statuses, types } => {
                let d = &mut self.state.drafts;
                if generation == d.generation {
                    d.items = items;
                    d.total = total;
                    d.statuses = statuses;
                    d.types = types;
                    d.loaded = true;
                    d.selected = d.selected.min(d.items.len().saturating_sub(1));
                }
            }
            Loaded::DraftOpened { draft, prospect_id, context } => {
                if self.state.popup.is_some() {
                    return; // the user has moved on to something else
                }
                let editor = match (draft, prospect_id) {
                    (Some(d), _) => {
                        // Unsaved text from a crash is offered first: typing in
                        // the stored text would overwrite its recovery file.
                        let key = super::editor::recovery_key(d.id);
                        if let Some(r) = self.state.recoveries.iter().find(|r| r.key == key) {
                            self.state.popup = Some(Popup::Recover {
                                records: vec![r.clone()],
                                selected: 0,
                                confirm_discard: false,
                                new_draft: None,
                            });
                            return;
                        }
                        DraftEditor::open(&d, context)
                    }
                    (None, Some(pid)) => {
                        // So is a new draft's unsaved text for this prospect,
                        // put off at start-up: a blank editor would hide it.
                        let records: Vec<_> = self
                            .state
                            .recoveries
                            .iter()
                            .filter(|r| r.draft_id.is_none() && r.prospect_id == pid)
                            .cloned()
                            .collect();
                        if !records.is_empty() {
                            let new_draft = Some(Box::new((pid, context)));
                            self.state.popup =
                                Some(Popup::Recover { records, selected: 0, confirm_discard: false, new_draft });
                            return;
                        }
                        DraftEditor::new_draft(pid, context, chrono::Utc::now().timestamp_millis())
                    }
                    (None, None) => return,
                };
                self.state.popup = Some(Popup::Editor(Box::new(editor)));
            }
            Loaded::DraftSaved { key, outcome, mark_sent } => {
                let queued = self.state.pending_writes.iter().position(|(k, _)| *k == key);
                let queued = queued.map(|i| self.state.pending_writes.remove(i).1);
                let editor = match self.state.popup.as_mut() {
                    Some(Popup::Editor(e)) if e.key == key => Some(e),
                    _ => None,
                };
                match (*outcome, editor) {
                    (SaveOutcome::Saved(d), Some(e)) => {
                        e.saving = false;
                        e.waiting_for_database = false;
                        e.draft_id = Some(d.id);
                        e.base_updated_at = Some(d.updated_at);
                        e.status = d.status.clone();
                        let close = e.prompt == EditorPrompt::ConfirmClose;
                        e.saved_as(&d);
                        // Text typed while the save was on its way stays in
                        // the recovery file; otherwise the file has done its job.
                        out.push(if e.is_modified() {
                            recovery_request(e)
                        } else {
                            Request::Recovery { key: key.clone(), record: None }
                        });
                        e.message = Some(if mark_sent {
                            "marked sent; the interaction is logged".into()
                        } else {
                            format!("saved draft #{}", d.id)
                        });
                        if close {
                            self.state.popup = None;
                        }
                        self.after_draft_write(d.prospect_id, out);
                    }
                    (SaveOutcome::Saved(d), None) => {
                        out.push(Request::Recovery { key: key.clone(), record: None });
                        self.state.status.message = Some(format!("saved draft #{}", d.id));
                        self.after_draft_write(d.prospect_id, out);
                    }
                    (SaveOutcome::Conflict(theirs), Some(e)) => {
                        e.saving = false;
                        e.prompt = EditorPrompt::Conflict(Box::new(theirs));
                    }
                    (SaveOutcome::Conflict(theirs), None) => {
                        // A queued save, sent again after the editor was closed,
                        // met someone else's change: the choice is the user's again.
                        match queued {
                            Some(Write::SaveDraft { key, draft_id, input, expected, .. })
                                if self.state.popup.is_none() =>
                            {
                                let mut e = DraftEditor::from_queued(key, draft_id, input, expected, &self.keys);
                                e.prompt = EditorPrompt::Conflict(Box::new(theirs));
                                self.state.popup = Some(Popup::Editor(Box::new(e)));
                            }
                            _ => {
                                self.state.status.error = Some(format!(
                                    "draft #{} changed before your queued save: your text is kept in its recovery file",
                                    theirs.id
                                ))
                            }
                        }
                    }
                    (SaveOutcome::Gone, Some(e)) => {
                        e.saving = false;
                        e.draft_id = None;
                        e.base_updated_at = None;
                        e.prompt = EditorPrompt::None;
                        e.message = Some(format!(
                            "someone deleted this draft; {} saves your text as a new draft",
                            self.keys.label(Command::EditorSave)
                        ));
                    }
                    (SaveOutcome::Gone, None) => {
                        self.state.status.error =
                            Some("a draft was deleted before your save; its text is in the recovery file".into());
                    }
                }
            }
            Loaded::Recoveries(records) => {
                // Kept until restored or discarded: "later" must not mean "lost".
                self.state.recoveries = records.clone();
                if !records.is_empty() && self.state.popup.is_none() {
                    self.state.popup =
                        Some(Popup::Recover { records, selected: 0, confirm_discard: false, new_draft: None });
                }
            }
            _ => {}
        }
    }

    fn after_draft_write(&mut self, prospect_id: i32, out: &mut Vec<Request>) {
        if self.state.drafts.loaded {
            self.reload_drafts(out);
        }
        self.reload_panel_of(Some(prospect_id), out);
    }

    /// A draft save failed. A lost connection keeps it queued (and the text
    /// stays in the editor and its recovery file); anything else is shown.
    pub(super) fn on_draft_save_failed(&mut self, key: String, write: Write, error: &str, retryable: bool) {
        if retryable {
            self.state.pending_writes.retain(|(k, _)| *k != key);
            self.state.pending_writes.push((key.clone(), write));
            self.state.status.error = Some(
                "database unreachable: the draft stays in the editor and its recovery file, and saves when the database is back"
                    .into(),
            );
        }
        if let Some(Popup::Editor(e)) = self.state.popup.as_mut() {
            if e.key == key {
                e.saving = false;
                e.waiting_for_database = retryable;
                e.message = Some(if retryable {
                    "not saved yet: waiting for the database".into()
                } else {
                    format!("not saved: {error}")
                });
            }
        }
    }

    /// On reconnect, sends queued draft saves again (with the editor's
    /// current text when that draft is still open).
    pub(super) fn resend_pending(&mut self, out: &mut Vec<Request>) {
        let pending = std::mem::take(&mut self.state.pending_writes);
        for (key, write) in pending {
            let write = match (&write, self.state.popup.as_ref()) {
                (Write::SaveDraft { mark_sent, .. }, Some(Popup::Editor(e))) if e.key == key => Write::SaveDraft {
                    key: key.clone(),
                    draft_id: e.draft_id,
                    input: e.input(),
                    expected: e.base_updated_at,
                    mark_sent: *mark_sent,
                },
                _ => write,
            };
            self.state.pending_writes.push((key, write.clone()));
            out.push(Request::Write(write));
        }
    }
}

pub(super) fn recovery_request(e: &DraftEditor) -> Request {
    Request::Recovery { key: e.key.clone(), record: Some(Box::new(e.recovery(chrono::Utc::now().naive_utc()))) }
}

/// The write that saves the editor's text, or None while a save is in flight.
pub(super) fn save_write(e: &mut DraftEditor, mark_sent: bool, keys: &KeyBindings) -> Option<Write> {
    if e.saving {
        return None;
    }
    if e.draft_type.trim().is_empty() {
        e.message = Some(format!("a draft needs a type ({})", keys.label(Command::EditorType)));
        return None;
    }
    if e.draft_id.is_none() && e.text().trim().is_empty() {
        e.message = Some("nothing to save yet: the draft is empty".into());
        return None;
    }
    e.saving = true;
    e.sending = mark_sent;
    e.message = Some(if mark_sent { "marking sent…".into() } else { "saving…".into() });
    Some(Write::SaveDraft {
        key: e.key.clone(),
        draft_id: e.draft_id,
        input: e.input(),
        expected: e.base_updated_at,
        mark_sent,
    })
}

#[cfg(test)]
mod tests {
    use crate::app::editor::{PlaceholderContext, Recovery};
    use crate::app::state::{Popup, View};
    use crate::app::testkit::{app, press};
    use crate::db::drafts::DraftListItem;

    #[test]
    fn deleting_a_draft_says_when_its_unsaved_text_goes_too() {
        let mut a = app((100, 30));
        let t = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        let item = |id| DraftListItem {
            id,
            prospect_id: 1,
            prospect_name: "Ada".into(),
            company_name: "Acme".into(),
            draft_type: "email".into(),
            status: "draft".into(),
            preview: String::new(),
            updated_at: t,
        };
        a.state.view = View::Drafts;
        a.state.drafts.items = vec![item(3), item(4)];
        a.state.recoveries = vec![Recovery {
            key: "draft-4".into(),
            draft_id: Some(4),
            prospect_id: 1,
            base_updated_at: Some(t),
            draft_type: "email".into(),
            status: "draft".into(),
            event_id: None,
            content: "unsaved".into(),
            context: PlaceholderContext::default(),
            written_at: t,
        }];
        let message = |a: &crate::app::App| match &a.state.popup {
            Some(Popup::Confirm { message, .. }) => message.clone(),
            other => panic!("{other:?}"),
        };
        a.update(press(crossterm::event::KeyCode::Delete));
        assert!(!message(&a).contains("unsaved"), "{}", message(&a));
        a.state.popup = None;
        a.state.drafts.selected = 1;
        a.update(press(crossterm::event::KeyCode::Delete));
        assert!(message(&a).contains("unsaved text from an earlier session goes too"), "{}", message(&a));
    }
}
