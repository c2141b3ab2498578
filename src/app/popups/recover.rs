//! The "unsaved drafts" popup: text a kill or crash left in recovery files.
//! Restore opens one in the editor; discard must be pressed twice (a
//! habitual `d`, "new draft" on the list, must not destroy it); no decides
//! later, and the records stay known, so opening that draft offers them again.

use crossterm::event::KeyEvent;

use super::Popup;
use crate::app::editor::DraftEditor;
use crate::app::io::Request;
use crate::app::{App, Command};
use crate::config::command::Scope;
use crate::config::KeyBindings;

/// The popup's title: what it holds, or the question it asks.
pub fn title(confirming: bool) -> &'static str {
    if confirming {
        "Discard this unsaved text for good?"
    } else {
        "Unsaved drafts from a previous session"
    }
}

/// The popup's key line, from the key map. `new_draft`: opened by "new
/// draft", so "later" writes the new draft instead.
pub fn key_line(keys: &KeyBindings, confirming: bool, new_draft: bool) -> String {
    if confirming {
        format!("{} again discards · any other key keeps it", keys.label(Command::AnswerDiscard))
    } else {
        format!(
            "{} restore · {} · {} {}",
            keys.label_any(&[Command::AnswerRestore, Command::Open]),
            keys.hints(&[Command::AnswerDiscard]),
            keys.label(Command::AnswerNo),
            if new_draft { "later: write a new draft" } else { "later" }
        )
    }
}

/// The blank editor for the new draft a "new draft" offer was opened for.
fn new_draft_editor((prospect_id, context): (i32, crate::app::editor::PlaceholderContext)) -> Popup {
    Popup::Editor(Box::new(DraftEditor::new_draft(prospect_id, context, chrono::Utc::now().timestamp_millis())))
}

impl App {
    pub(super) fn recover_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        let answer = self.keys.command_in(Scope::Answer, &key);
        let command = self.keys.command_for(&key);
        let Some(Popup::Recover { records, selected, confirm_discard, new_draft }) = self.state.popup.as_mut() else {
            return;
        };
        let was_confirming = std::mem::take(confirm_discard);
        match (answer, command) {
            (Some(Command::AnswerRestore), _) | (_, Some(Command::Open)) => {
                let r = records[*selected].clone();
                self.state.recoveries.retain(|x| x.key != r.key);
                self.state.popup = Some(Popup::Editor(Box::new(DraftEditor::from_recovery(&r, &self.keys))));
            }
            (Some(Command::AnswerDiscard), _) if !was_confirming => *confirm_discard = true,
            (Some(Command::AnswerDiscard), _) => {
                let r = records.remove(*selected);
                self.state.recoveries.retain(|x| x.key != r.key);
                out.push(Request::Recovery { key: r.key, record: None });
                if records.is_empty() {
                    // Opened by "new draft": that draft is still wanted.
                    self.state.popup = new_draft.take().map(|d| new_draft_editor(*d));
                } else {
                    *selected = (*selected).min(records.len() - 1);
                }
            }
            (Some(Command::AnswerNo), _) => self.state.popup = new_draft.take().map(|d| new_draft_editor(*d)),
            (_, Some(Command::Down)) => *selected = (*selected + 1).min(records.len().saturating_sub(1)),
            (_, Some(Command::Up)) => *selected = selected.saturating_sub(1),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::editor::{PlaceholderContext, Recovery};
    use crate::app::testkit::{app, ch, press};

    fn record(key: &str) -> Recovery {
        Recovery {
            key: key.into(),
            draft_id: None,
            prospect_id: 1,
            base_updated_at: None,
            draft_type: "email".into(),
            status: "draft".into(),
            event_id: None,
            content: format!("text of {key}"),
            context: PlaceholderContext::default(),
            written_at: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap(),
        }
    }

    fn popup(a: &mut App) {
        let records = vec![record("a"), record("b")];
        a.state.recoveries = records.clone();
        a.state.popup = Some(Popup::Recover { records, selected: 0, confirm_discard: false, new_draft: None });
    }

    #[test]
    fn discarding_takes_two_presses_and_restoring_opens_the_editor() {
        let mut a = app((100, 30));
        popup(&mut a);
        assert!(a.update(ch('d')).is_empty(), "the first d only asks");
        // Any other key keeps it (and the question goes).
        a.update(ch('x'));
        assert!(a.update(ch('d')).is_empty());
        let out = a.update(ch('d'));
        assert!(matches!(out.as_slice(), [Request::Recovery { key, record: None }] if key == "a"), "{out:?}");
        assert_eq!(a.state.recoveries.len(), 1);
        let out = a.update(ch('r'));
        assert!(out.is_empty());
        let Some(Popup::Editor(e)) = &a.state.popup else { panic!("the editor") };
        assert_eq!(e.text(), "text of b");
        assert!(e.is_modified(), "restored text counts as unsaved");
        assert!(a.state.recoveries.is_empty());
    }

    #[test]
    fn a_new_drafts_text_put_off_is_offered_when_a_new_draft_is_opened() {
        use crate::app::action::{Action, Loaded};
        let mut a = app((100, 30));
        popup(&mut a);
        a.update(press(crossterm::event::KeyCode::Esc));
        let opened = |prospect_id| {
            Action::Loaded(Box::new(Loaded::DraftOpened {
                draft: None,
                prospect_id: Some(prospect_id),
                context: PlaceholderContext::default(),
            }))
        };
        // Another prospect: a blank editor.
        a.update(opened(2));
        assert!(matches!(&a.state.popup, Some(Popup::Editor(e)) if e.text().is_empty()));
        a.state.popup = None;
        // This prospect: its unsaved text first.
        a.update(opened(1));
        let Some(Popup::Recover { records, .. }) = &a.state.popup else { panic!("{:?}", a.state.popup) };
        assert_eq!(records.len(), 2);
        // "Later" keeps them, and writes the new draft that was asked for.
        a.update(press(crossterm::event::KeyCode::Esc));
        assert!(matches!(&a.state.popup, Some(Popup::Editor(e)) if e.text().is_empty() && e.prospect_id == 1));
        assert_eq!(a.state.recoveries.len(), 2);
    }

    #[test]
    fn later_keeps_every_record() {
        let mut a = app((100, 30));
        popup(&mut a);
        a.update(press(crossterm::event::KeyCode::Esc));
        assert!(a.state.popup.is_none());
        assert_eq!(a.state.recoveries.len(), 2, "offered again when the draft is opened");
    }
}
