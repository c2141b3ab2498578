//! Keys in a form: typing edits the focused field (←/→ move or change a
//! choice, Backspace deletes); the form scope's commands move between
//! fields, save and cancel. Cancelling a changed form asks once more.

use crossterm::event::{KeyCode, KeyEvent};

use super::Popup;
use crate::app::forms::FieldKind;
use crate::app::io::Request;
use crate::app::{App, Command};
use crate::config::command::Scope;
use crate::config::KeyBindings;

/// The form's key line: save (apply, for dates), next field, cancel.
pub fn key_line(keys: &KeyBindings, form: &crate::app::forms::Form) -> String {
    let verb = if form.kind == crate::app::forms::FormKind::CostRange { "apply" } else { "save" };
    format!(
        "{} {verb} · {} next · {} cancel",
        keys.label(Command::FormSave),
        keys.label(Command::FormNext),
        keys.label(Command::FormCancel)
    )
}

impl App {
    pub(super) fn form_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        let command = if KeyBindings::is_text(&key) { None } else { self.keys.command_in(Scope::Form, &key) };
        let message = format!(
            "unsaved changes: {} again to discard, {} to save",
            self.keys.label(Command::FormCancel),
            self.keys.label(Command::FormSave)
        );
        let Some(Popup::Form(form)) = self.state.popup.as_mut() else { return };
        match (command, key.code) {
            (Some(Command::FormCancel), _) => {
                if form.is_modified() && !form.confirm_discard {
                    form.confirm_discard = true;
                    form.message = Some(message);
                } else {
                    self.state.popup = None;
                }
                return;
            }
            (Some(Command::FormSave), _) => return self.submit_form(out),
            (Some(Command::FormConfirm), _) if form.focused_mut().kind == FieldKind::MultiLine => {
                form.focused_mut().insert('\n')
            }
            (Some(Command::FormConfirm), _) if form.focus + 1 == form.fields.len() => return self.submit_form(out),
            (Some(Command::FormConfirm | Command::FormNext), _) => form.next(),
            (Some(Command::FormPrev), _) => form.prev(),
            (Some(Command::FormClear), _) => form.focused_mut().clear(),
            (_, KeyCode::Left) => form.focused_mut().left(),
            (_, KeyCode::Right) => form.focused_mut().right(),
            (_, KeyCode::Backspace) => form.focused_mut().backspace(),
            (None, KeyCode::Char(c)) if KeyBindings::is_text(&key) => form.focused_mut().insert(c),
            _ => {}
        }
        // Any other key answers "discard?" with no: its question goes too.
        if std::mem::take(&mut form.confirm_discard) {
            form.message = None;
        }
    }
}
