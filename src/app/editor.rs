//! The outreach-draft editor: a tui-textarea with the draft's type, status
//! and event, a placeholder preview, and everything that keeps text safe:
//! a recovery file written as you type, a save that checks the row has not
//! changed since it was opened, and a conflict view to choose theirs, mine or
//! both.

use serde::{Deserialize, Serialize};
use tui_textarea::TextArea;

use crate::db::drafts::{DraftInput, DRAFT_TYPES, WORKFLOW};
use crate::db::models::{OutreachDraft, Timestamp};

/// What placeholders in a draft stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceholderContext {
    pub full_name: String,
    pub company: String,
    pub event: Option<String>,
    pub event_date: Option<String>,
    pub location: Option<String>,
}

impl PlaceholderContext {
    pub fn first_name(&self) -> &str {
        self.full_name.split_whitespace().next().unwrap_or("")
    }

    pub fn last_name(&self) -> &str {
        self.full_name.split_whitespace().skip(1).last().unwrap_or("")
    }
}

/// Fills `{first_name}`, `{last_name}`, `{full_name}`, `{company}`,
/// `{event}`, `{event_date}` and `{location}`. Unknown or empty ones are
/// left as written, so the preview shows what still needs a value.
pub fn render_placeholders(text: &str, ctx: &PlaceholderContext) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        let value = match name {
            "first_name" => Some(ctx.first_name().to_string()),
            "last_name" => Some(ctx.last_name().to_string()),
            "full_name" | "name" => Some(ctx.full_name.clone()),
            "company" => Some(ctx.company.clone()),
            "event" => ctx.event.clone(),
            "event_date" => ctx.event_date.clone(),
            "location" => ctx.location.clone(),
            _ => None,
        }
        .filter(|v| !v.is_empty());
        match value {
            Some(v) => out.push_str(&v),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The placeholders still unfilled in `text` (no value known), each once.
pub fn unfilled_placeholders(text: &str, ctx: &PlaceholderContext) -> Vec<String> {
    let filled = render_placeholders(text, ctx);
    let mut out: Vec<String> = Vec::new();
    let mut rest = filled.as_str();
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        let known = matches!(
            name,
            "first_name" | "last_name" | "full_name" | "name" | "company" | "event" | "event_date" | "location"
        );
        let p = format!("{{{name}}}");
        if known && !out.contains(&p) {
            out.push(p);
        }
        rest = &after[end + 1..];
    }
    out
}

/// The message a draft becomes when sent: the subject from its first
/// non-empty line (a `Subject:` line loses its prefix and leaves the body),
/// and the body. None when there is nothing to send: empty, or nothing but
/// placeholders.
pub fn sent_message(filled: &str, template: &str) -> Option<(String, String)> {
    let words: String = {
        let mut s = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            s.push_str(&rest[..start]);
            match rest[start..].find('}') {
                Some(end) => rest = &rest[start + end + 1..],
                None => {
                    rest = &rest[start..];
                    break;
                }
            }
        }
        s.push_str(rest);
        s
    };
    if words.trim().is_empty() {
        return None;
    }
    let mut lines = filled.lines();
    let first = lines.by_ref().find(|l| !l.trim().is_empty())?.trim();
    let take = |s: &str| s.chars().take(255).collect::<String>();
    let lower = first.to_lowercase();
    if lower.starts_with("subject:") {
        let subject = first["subject:".len()..].trim();
        let body = lines.collect::<Vec<_>>().join("\n").trim_start_matches('\n').to_string();
        Some((take(if subject.is_empty() { "Outreach" } else { subject }), body))
    } else {
        Some((take(first), filled.to_string()))
    }
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
    /// Closing with unsaved changes: s save, d discard, Esc keep editing.
    ConfirmClose,
    /// Marking sent: y / n.
    ConfirmSent,
    /// Someone else saved first: t theirs, m mine, b both.
    Conflict(Box<OutreachDraft>),
    /// Choosing the event to link (Ctrl-G).
    PickEvent(super::event_picker::EventPicker),
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
        let mut e = Self::blank(format!("draft-{}", draft.id), draft.prospect_id, context);
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

    pub fn from_recovery(r: &Recovery) -> Self {
        let mut e = Self::blank(r.key.clone(), r.prospect_id, r.context.clone());
        e.draft_id = r.draft_id;
        e.base_updated_at = r.base_updated_at;
        e.draft_type = r.draft_type.clone();
        e.status = r.status.clone();
        e.event_id = r.event_id;
        // Restored text differs from what is stored: it counts as unsaved.
        e.saved = (String::new(), String::new(), None, "\u{0}".into());
        e.set_text(&r.content);
        e.message = Some("restored unsaved text: Ctrl-S saves it".into());
        e
    }

    /// Reopens a save that was queued while the database was away (the
    /// editor has since been closed), to settle a conflict it met.
    pub fn from_queued(key: String, draft_id: Option<i32>, input: DraftInput, expected: Option<Timestamp>) -> Self {
        let mut e = Self::from_recovery(&Recovery {
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
        });
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
    pub fn resolve(&mut self, theirs: &OutreachDraft, choice: char) -> bool {
        let mine = self.text();
        self.base_updated_at = Some(theirs.updated_at);
        self.prompt = EditorPrompt::None;
        match choice {
            't' => {
                self.draft_type = theirs.draft_type.clone();
                self.status = theirs.status.clone();
                self.event_id = theirs.event_id;
                self.set_text(&theirs.content);
                self.mark_saved();
                self.message = Some("kept their version".into());
                false
            }
            'm' => {
                self.message = Some("saving your version over theirs".into());
                true
            }
            _ => {
                // `mine` is already clean; theirs is cleaned by set_text.
                let both = format!("{mine}\n\n----- their version -----\n{}", theirs.content);
                self.set_text(&both);
                self.stored = None;
                self.message = Some("both versions are in the editor: edit, then Ctrl-S".into());
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_render_and_unknown_ones_stay() {
        let ctx = PlaceholderContext {
            full_name: "Ada María Lovelace".into(),
            company: "株式会社テスト".into(),
            event: Some("Summit".into()),
            ..Default::default()
        };
        assert_eq!(
            render_placeholders("Hi {first_name} {last_name} of {company}, see you at {event} {event_date} {x", &ctx),
            "Hi Ada Lovelace of 株式会社テスト, see you at Summit {event_date} {x"
        );
    }

    #[test]
    fn what_is_sent_and_what_is_missing() {
        let ctx = PlaceholderContext { full_name: "Ada Lovelace".into(), company: "ACME".into(), ..Default::default() };
        let t = "subject:  Hi {first_name}\n\nDear {first_name} at {company}, see {event} {unknown}";
        let filled = render_placeholders(t, &ctx);
        let (subject, body) = sent_message(&filled, t).unwrap();
        assert_eq!(subject, "Hi Ada");
        assert_eq!(body, "Dear Ada at ACME, see {event} {unknown}");
        assert_eq!(unfilled_placeholders(t, &ctx), vec!["{event}".to_string()]);
        assert_eq!(sent_message("Ada", "{first_name}"), None, "placeholders only");
        assert_eq!(sent_message("  \n ", "  \n "), None, "empty");
        let (subject, body) = sent_message("Hello\nworld", "Hello\nworld").unwrap();
        assert_eq!((subject.as_str(), body.as_str()), ("Hello", "Hello\nworld"));
    }

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
