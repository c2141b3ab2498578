//! Undo (`u`) for the last status, active or bulk change, and the automatic
//! status moves of `[status_flow]`. Every such change says whom it changed
//! ("Kwame Mensah 898 marked inactive · u undo"); none happens silently.

use std::sync::Arc;

use super::action::Loaded;
use super::day::Change;
use super::flow::{resolve, Trigger};
use super::io::{Request, Write};
use super::state::Popup;
use super::{App, Command};
use crate::db::bulk::UndoRecord;
use crate::db::drafts::SaveOutcome;
use crate::llm::{JobKind, JobState, JobUpdate};

impl App {
    pub(super) fn undo_command(&mut self, command: Command, out: &mut Vec<Request>) -> bool {
        if command != Command::Undo {
            return false;
        }
        match self.state.day.undo.clone() {
            Some(record) => {
                self.state.status.message = Some(format!("undoing: {}…", record.what));
                out.push(Request::Write(Write::Change(Change::Undo(record))));
            }
            None => self.state.status.message = Some("nothing to undo".into()),
        }
        true
    }

    /// Status and active writes become undoable changes, and a logged
    /// interaction carries the status move it triggers.
    pub fn undoable(&self, w: Write) -> Write {
        match w {
            Write::SetStatus { prospect_id, status } => {
                Write::Change(Change::SetStatus { ids: Arc::new(vec![prospect_id]), status })
            }
            Write::SetActive { prospect_id, active } => {
                Write::Change(Change::SetActive { ids: Arc::new(vec![prospect_id]), active })
            }
            Write::CreateInteraction(input) => {
                let mv = self
                    .state
                    .day
                    .flow
                    .as_ref()
                    .and_then(|f| resolve(f, &self.state.enums, &Trigger::Logged(input.interaction_type.clone())));
                Write::Change(Change::LogInteraction { input, mv })
            }
            w => w,
        }
    }

    fn status_move(&mut self, prospect_id: i32, trigger: Trigger, out: &mut Vec<Request>) {
        let Some(flow) = self.state.day.flow.as_ref() else { return };
        if let Some(mv) = resolve(flow, &self.state.enums, &trigger) {
            out.push(Request::Write(Write::Change(Change::Move { prospect_id, mv })));
        }
    }

    /// Research saved by a job moves the prospect on.
    pub(super) fn after_job(&mut self, update: &JobUpdate, out: &mut Vec<Request>) {
        if let (JobState::Done(_), JobKind::Research { prospect_id }) = (&update.state, &update.kind) {
            self.status_move(*prospect_id, Trigger::ResearchSaved, out);
        }
    }

    /// The prospect of a draft just marked sent, if `loaded` says so.
    pub(super) fn sent_draft(loaded: &Loaded) -> Option<i32> {
        match loaded {
            Loaded::DraftSaved { mark_sent: true, outcome, .. } => match outcome.as_ref() {
                SaveOutcome::Saved(d) => Some(d.prospect_id),
                _ => None,
            },
            _ => None,
        }
    }

    /// After a draft answer: a sent draft moves its prospect on, a draft
    /// opened to be sent asks, and Today shows the change.
    pub(super) fn after_draft_loaded(&mut self, sent: Option<i32>, saved: bool, out: &mut Vec<Request>) {
        if let Some(prospect_id) = sent {
            self.status_move(prospect_id, Trigger::DraftSent, out);
        }
        self.after_draft_opened();
        if saved {
            self.reload_today_if_shown(out);
        }
    }

    /// A change was written, refused or undone.
    pub(super) fn changed(
        &mut self,
        message: Option<String>,
        error: bool,
        undo: Option<Arc<UndoRecord>>,
        spent: Option<Arc<UndoRecord>>,
        prospect_id: Option<i32>,
        out: &mut Vec<Request>,
    ) {
        let day = &mut self.state.day;
        if spent.is_some_and(|s| day.undo.as_ref().is_some_and(|u| Arc::ptr_eq(u, &s))) {
            day.undo = None;
        }
        let has_undo = undo.is_some();
        if undo.is_some() {
            day.undo = undo;
        }
        let Some(mut message) = message else { return };
        if error {
            self.state.status.error = Some(message);
            return;
        }
        if has_undo {
            message.push_str(&format!(" · {} undo", self.keys.label(Command::Undo)));
        }
        let s = &mut self.state;
        s.status.message = Some(message);
        s.status.error = None;
        if matches!(&s.popup, Some(Popup::Form(f)) if f.saving) {
            s.popup = None; // the interaction form that logged it
        }
        self.reload_changed(prospect_id, out);
        self.reload_today_if_shown(out);
    }

    /// What a status or active change shows: the list pages on screen, the
    /// filter's count and the prospect's detail. Not the table totals (a
    /// change moves no row in or out of a table), so that a thousand moves
    /// after a thousand research jobs do not count every table a thousand
    /// times; and page and count requests supersede each other.
    fn reload_changed(&mut self, prospect_id: Option<i32>, out: &mut Vec<Request>) {
        let l = &self.state.prospects;
        // A status or active change alters the list's size only under such a filter.
        let resized = l.filter.status.is_some() || l.filter.active.is_some() || l.total.is_none();
        self.reload_loaded_pages(resized, out);
        self.reload_panel_of(prospect_id, out);
    }
}
