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

/// The popup's key line, from the key map.
pub fn key_line(keys: &KeyBindings, confirming: bool) -> String {
    if confirming {
        format!(
            "Discard this unsaved text for good? {} again discards · any other key keeps it",
            keys.label(Command::AnswerDiscard)
        )
    } else {
        format!(
            "Unsaved drafts from a previous session · {} · {} later",
            keys.hints(&[Command::AnswerRestore, Command::AnswerDiscard]),
            keys.label(Command::AnswerNo)
        )
    }
}

impl App {
    pub(super) fn recover_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        let answer = self.keys.command_in(Scope::Answer, &key);
        let command = self.keys.command_for(&key);
        let Some(Popup::Recover { records, selected, confirm_discard }) = self.state.popup.as_mut() else { return };
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
                    self.state.popup = None;
                } else {
                    *selected = (*selected).min(records.len() - 1);
                }
            }
            (Some(Command::AnswerNo), _) => self.state.popup = None,
            (_, Some(Command::Down)) => *selected = (*selected + 1).min(records.len().saturating_sub(1)),
            (_, Some(Command::Up)) => *selected = selected.saturating_sub(1),
            _ => {}
        }
    }
}
