//! Popups: a key goes to the popup on top, which owns it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::forms::FieldKind;
use crate::app::io::{Request, Write};
use crate::app::state::*;
use crate::app::{App, Command};

impl App {
    pub(in crate::app) fn popup_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        self.popup_key_inner(key, out);
        // Keep the scroll of a long interaction within its lines.
        if let Some(Popup::Interaction { interaction: Some(x), scroll, .. }) = self.state.popup.as_mut() {
            let lines = x.content.split(['\n', '\r']).count().saturating_sub(1);
            *scroll = (*scroll).min(lines.min(u16::MAX as usize) as u16);
        }
    }

    pub(in crate::app) fn popup_key_inner(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        match self.state.popup {
            Some(Popup::Editor(_)) => return self.editor_key(key, out),
            Some(Popup::Recover { .. }) => return self.recover_key(key, out),
            Some(Popup::Confirm { action: ConfirmAction::Day(_), .. }) => return self.day_confirm_key(key, out),
            Some(Popup::Confirm { .. }) => return self.confirm_key(key, out),
            Some(Popup::Import(_)) => return self.import_key(key, out),
            _ => {}
        }
        let command = self.keys.command_for(&key);
        let Some(popup) = self.state.popup.as_mut() else { return };
        match popup {
            Popup::Help { scroll } | Popup::Interaction { scroll, .. } | Popup::ResearchHistory { scroll } => {
                match command {
                    Some(Command::Down) => *scroll = scroll.saturating_add(1),
                    Some(Command::Up) => *scroll = scroll.saturating_sub(1),
                    Some(Command::PageDown) => *scroll = scroll.saturating_add(20),
                    Some(Command::PageUp) => *scroll = scroll.saturating_sub(20),
                    Some(Command::Top) => *scroll = 0,
                    Some(Command::Bottom) => *scroll = u16::MAX / 2,
                    Some(Command::Back | Command::Help | Command::Open | Command::Quit) => self.state.popup = None,
                    _ => {}
                }
            }
            Popup::Picker(p) => match command {
                Some(Command::Down) => p.selected = (p.selected + 1).min(p.options.len().saturating_sub(1)),
                Some(Command::Up) => p.selected = p.selected.saturating_sub(1),
                Some(Command::Top) => p.selected = 0,
                Some(Command::Bottom) => p.selected = p.options.len().saturating_sub(1),
                Some(Command::Open) => {
                    let choice = p.options.get(p.selected).cloned();
                    let purpose = p.purpose.clone();
                    self.state.popup = None;
                    match (choice, purpose) {
                        (Some(status), PickPurpose::ProspectStatus { prospect_id }) => {
                            self.write(Write::SetStatus { prospect_id, status }, out)
                        }
                        (Some(choice), PickPurpose::Day(pick)) => self.day_picked(pick, choice, out),
                        _ => {}
                    }
                }
                Some(Command::Back | Command::Quit) => self.state.popup = None,
                _ => {}
            },
            Popup::Editor(_) | Popup::Recover { .. } | Popup::Confirm { .. } | Popup::Import(_) => {}
            Popup::Form(form) => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    KeyCode::Esc => {
                        if form.is_modified() && !form.confirm_discard {
                            form.confirm_discard = true;
                            form.message = Some("unsaved changes: Esc again to discard, Ctrl-S to save".into());
                        } else {
                            self.state.popup = None;
                        }
                        return;
                    }
                    KeyCode::Char('s') if ctrl => return self.submit_form(out),
                    KeyCode::Enter if form.focused_mut().kind == FieldKind::MultiLine => {
                        form.focused_mut().insert('\n')
                    }
                    KeyCode::Enter if form.focus + 1 == form.fields.len() => return self.submit_form(out),
                    KeyCode::Enter | KeyCode::Tab | KeyCode::Down => form.next(),
                    KeyCode::BackTab | KeyCode::Up => form.prev(),
                    KeyCode::Left => form.focused_mut().left(),
                    KeyCode::Right => form.focused_mut().right(),
                    KeyCode::Backspace => form.focused_mut().backspace(),
                    KeyCode::Char('u') if ctrl => form.focused_mut().clear(),
                    KeyCode::Char(c) if !ctrl => form.focused_mut().insert(c),
                    _ => {}
                }
                form.confirm_discard = false;
            }
        }
    }
}
