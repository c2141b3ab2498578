//! The outreach-draft editor: a tui-textarea with the draft's type, status
//! and event, a placeholder preview, and everything that keeps text safe:
//! a recovery file written as you type, a save that checks the row has not
//! changed since it was opened, and a conflict view to choose theirs, mine or
//! both.

use serde::{Deserialize, Serialize};
use tui_textarea::TextArea;

use crate::config::{Command, KeyBindings};
use crate::db::drafts::{DraftInput, DRAFT_TYPES, WORKFLOW};
use crate::db::models::{OutreachDraft, Timestamp};

pub use super::placeholders::{render_placeholders, sent_message, unfilled_placeholders, PlaceholderContext};

/// The recovery file key of a stored draft (new drafts have their own).
pub fn recovery_key(draft_id: i32) -> String {
    format!("draft-{draft_id}")
}

/// What the recovery file holds: enough to reopen the editor as it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recovery {
    /// The file's key: `draft-ID` or `new-PROSPECT-MILLIS`.
    pub key: String,
    pub draft_id: Option<i32>,
    pub prospect_id: i32,
    /// The version of the row the text was based on (None for a new draft).
    pub base_updated_at: Option<Timestamp>,
    pub draft_type: String,
    pub status: String,
    pub event_id: Option<i32>,
    pub content: String,
    pub context: PlaceholderContext,
    pub written_at: Timestamp,
}

/// What the editor is waiting for the user to decide, if anything.
#[derive(Debug, Clone, PartialEq)]
pub enum EditorPrompt {
    None,
    /// Closing with unsaved changes: save, discard or keep editing.
    ConfirmClose,
    /// Marking sent: yes or no.
    ConfirmSent,
    /// Someone else saved first: theirs, mine or both.
    Conflict(Box<OutreachDraft>),
    /// Choosing the event to link.
    PickEvent(super::popups::event_picker::EventPicker),
}

/// How a conflict is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Theirs,
    Mine,
    /// Both texts in the editor, to merge by hand.
    Both,
}

#[derive(Debug, Clone)]
pub struct DraftEditor {
    pub key: String,
    pub draft_id: Option<i32>,
    pub prospect_id: i32,
    pub base_updated_at: Option<Timestamp>,
    pub textarea: TextArea<'static>,
    pub draft_type: String,
    pub status: String,
    pub event_id: Option<i32>,
    pub context: PlaceholderContext,
    /// (type, status, event, content) as last saved or opened; the content
    /// as the editor shows it (sanitised).
    saved: (String, String, Option<i32>, String),
    /// The stored text exactly as the database holds it, and what the editor
    /// showed for it: while the editor still shows that, a save sends the
    /// stored bytes back unchanged (tabs, CRs and all), never the cleaned copy.
    stored: Option<(String, String)>,
    pub preview: bool,
    pub saving: bool,
    /// The save on its way (or the one that met a conflict) also marks the
    /// draft sent: choosing "mine" at the conflict must still send.
    pub sending: bool,
    /// The last save failed for a lost connection; it is retried on reconnect.
    pub waiting_for_database: bool,
    pub prompt: EditorPrompt,
    pub message: Option<String>,
    pub preview_scroll: u16,
}

impl DraftEditor {
    pub fn open(draft: &OutreachDraft, context: PlaceholderContext) -> Self {
        let mut e = Self::blank(recovery_key(draft.id), draft.prospect_id, context);
        e.draft_id = Some(draft.id);
        e.base_updated_at = Some(draft.updated_at);
        e.draft_type = draft.draft_type.clone();
        e.status = draft.status.clone();
        e.event_id = draft.event_id;
        e.set_text(&draft.content);
        e.mark_saved();
        if e.stored.as_ref().is_some_and(|(raw, shown)| raw != shown) {
            e.message =
                Some("hidden control characters in the stored text are not shown; an edit saves without them".into());
        }
        e
    }

    pub fn new_draft(prospect_id: i32, context: PlaceholderContext, now_millis: i64) -> Self {
        let mut e = Self::blank(format!("new-{prospect_id}-{now_millis}"), prospect_id, context);
        e.mark_saved();
        // A new draft is "unsaved" from the first key, but not before.
        e
    }

    pub fn from_recovery(r: &Recovery, keys: &KeyBindings) -> Self {
        let mut e = Self::blank(r.key.clone(), r.prospect_id, r.context.clone());
        e.draft_id = r.draft_id;
        e.base_updated_at = r.base_updated_at;
        e.draft_type = r.draft_type.clone();
        e.status = r.status.clone();
        e.event_id = r.event_id;
        // Restored text differs from what is stored: it counts as unsaved.
        e.saved = (String::new(), String::new(), None, "\u{0}".into());
        e.set_text(&r.content);
        e.message = Some(format!("restored unsaved text: {} saves it", keys.label(Command::EditorSave)));
        e
    }

    /// Reopens a save that was queued while the database was away (the
    /// editor has since been closed), to settle a conflict it met.
    pub fn from_queued(
        key: String,
        draft_id: Option<i32>,
        input: DraftInput,
        expected: Option<Timestamp>,
        keys: &KeyBindings,
    ) -> Self {
        let recovery = Recovery {
            key,
            draft_id,
            prospect_id: input.prospect_id,
            base_updated_at: expected,
            draft_type: input.draft_type,
            status: input.status,
            event_id: input.event_id,
            content: input.content,
            context: PlaceholderContext::default(),
            written_at: chrono::Utc::now().naive_utc(),
        };
        let mut e = Self::from_recovery(&recovery, keys);
        e.message = Some("your queued save met a newer version: choose".into());
        e
    }

    fn blank(key: String, prospect_id: i32, context: PlaceholderContext) -> Self {
        let mut textarea = TextArea::default();
        textarea.set_cursor_line_style(ratatui::style::Style::default());
        textarea.set_max_histories(1000);
        Self {
            key,
            draft_id: None,
            prospect_id,
            base_updated_at: None,
            textarea,
            draft_type: DRAFT_TYPES[0].into(),
            status: WORKFLOW[0].into(),
            event_id: None,
            context,
            saved: Default::default(),
            stored: None,
            preview: false,
            saving: false,
            sending: false,
            waiting_for_database: false,
            prompt: EditorPrompt::None,
            message: None,
            preview_scroll: 0,
        }
    }

    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    /// Puts untrusted text (stored, another writer's, a recovery file's) in
    /// the editor. Only its sanitised form is shown, since tui-textarea draws
    /// its lines as they are; the original is kept for [`Self::content`].
    pub fn set_text(&mut self, text: &str) {
        let shown = crate::sanitize::editable(text).into_owned();
        let lines: Vec<String> = shown.split('\n').map(str::to_string).collect();
        let mut ta = TextArea::new(lines);
        ta.set_cursor_line_style(ratatui::style::Style::default());
        ta.set_max_histories(1000);
        self.textarea = ta;
        self.stored = Some((text.to_string(), shown));
    }

    /// The text to save: the stored bytes while the editor still shows them
    /// unchanged, else what the user wrote.
    pub fn content(&self) -> String {
        let text = self.text();
        match &self.stored {
            Some((raw, shown)) if *shown == text => raw.clone(),
            _ => text,
        }
    }

    pub fn mark_saved(&mut self) {
        self.saved = (self.draft_type.clone(), self.status.clone(), self.event_id, self.text());
    }

    /// After a save: what is stored now is the new baseline. Text typed
    /// while the save was in flight stays in the editor and counts as unsaved.
    pub fn saved_as(&mut self, d: &OutreachDraft) {
        let shown = crate::sanitize::editable(&d.content).into_owned();
        if self.text() == shown {
            self.stored = Some((d.content.clone(), shown.clone()));
        }
        self.saved = (d.draft_type.clone(), d.status.clone(), d.event_id, shown);
    }

    pub fn is_modified(&self) -> bool {
        self.saved != (self.draft_type.clone(), self.status.clone(), self.event_id, self.text())
    }

    pub fn input(&self) -> DraftInput {
        DraftInput {
            prospect_id: self.prospect_id,
            event_id: self.event_id,
            draft_type: self.draft_type.clone(),
            content: self.content(),
            status: self.status.clone(),
        }
    }

    pub fn recovery(&self, now: Timestamp) -> Recovery {
        Recovery {
            key: self.key.clone(),
            draft_id: self.draft_id,
            prospect_id: self.prospect_id,
            base_updated_at: self.base_updated_at,
            draft_type: self.draft_type.clone(),
            status: self.status.clone(),
            event_id: self.event_id,
            content: self.content(),
            context: self.context.clone(),
            written_at: now,
        }
    }

    /// Cycles the type through Closer's types plus the stored value.
    pub fn cycle_type(&mut self) {
        let mut options: Vec<String> = DRAFT_TYPES.iter().map(|s| s.to_string()).collect();
        if !options.contains(&self.draft_type) {
            options.insert(0, self.draft_type.clone());
        }
        let i = options.iter().position(|o| *o == self.draft_type).unwrap_or(0);
        self.draft_type = options[(i + 1) % options.len()].clone();
    }

    /// Cycles the status through the workflow a person may set here (sent
    /// has its own confirmed action), keeping any other stored value reachable.
    pub fn cycle_status(&mut self) {
        let mut options: Vec<String> = ["draft", "approved", "archived"].iter().map(|s| s.to_string()).collect();
        if !options.contains(&self.saved.1) && !self.saved.1.is_empty() {
            options.insert(0, self.saved.1.clone());
        }
        let i = options.iter().position(|o| *o == self.status).map(|i| i + 1).unwrap_or(0);
        self.status = options[i % options.len()].clone();
    }

    /// Applies a conflict choice. Returns true when the result should be saved.
    pub fn resolve(&mut self, theirs: &OutreachDraft, choice: Resolution, keys: &KeyBindings) -> bool {
        let mine = self.text();
        self.base_updated_at = Some(theirs.updated_at);
        self.prompt = EditorPrompt::None;
        match choice {
            Resolution::Theirs => {
                self.draft_type = theirs.draft_type.clone();
                self.status = theirs.status.clone();
                self.event_id = theirs.event_id;
                self.set_text(&theirs.content);
                self.mark_saved();
                self.message = Some("kept their version".into());
                false
            }
            Resolution::Mine => {
                self.message = Some("saving your version over theirs".into());
                true
            }
            Resolution::Both => {
                // `mine` is already clean; theirs is cleaned by set_text.
                let both = format!("{mine}\n\n----- their version -----\n{}", theirs.content);
                self.set_text(&both);
                self.stored = None;
                self.message =
                    Some(format!("both versions are in the editor: edit, then {}", keys.label(Command::EditorSave)));
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_tracks_changes_and_status_skips_sent() {
        let ctx = PlaceholderContext::default();
        let mut e = DraftEditor::new_draft(1, ctx, 0);
        assert!(!e.is_modified());
        e.textarea.insert_str("你好 👋\nمرحبا");
        assert!(e.is_modified());
        assert_eq!(e.text(), "你好 👋\nمرحبا");
        e.textarea.undo();
        assert!(!e.is_modified());
        for _ in 0..6 {
            e.cycle_status();
            assert_ne!(e.status, "sent");
        }
    }
}
