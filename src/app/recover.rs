//! The "unsaved drafts" popup: text a kill or crash left in recovery files.
//! `r` restores one into the editor; `d` twice discards it (a habitual `d`,
//! "new draft" on the list, must not destroy it); Esc decides later, and the
//! records stay known, so opening that draft offers them again.

use crossterm::event::{KeyCode, KeyEvent};

use super::editor::DraftEditor;
use super::io::Request;
use super::state::Popup;
use super::App;

impl App {
    pub(super) fn recover_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        let Some(Popup::Recover { records, selected, confirm_discard }) = self.state.popup.as_mut() else { return };
        let was_confirming = std::mem::take(confirm_discard);
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => *selected = (*selected + 1).min(records.len().saturating_sub(1)),
            KeyCode::Char('k') | KeyCode::Up => *selected = selected.saturating_sub(1),
            KeyCode::Char('r') | KeyCode::Enter => {
                let r = records[*selected].clone();
                self.state.recoveries.retain(|x| x.key != r.key);
                self.state.popup = Some(Popup::Editor(Box::new(DraftEditor::from_recovery(&r))));
            }
            KeyCode::Char('d') if !was_confirming => *confirm_discard = true,
            KeyCode::Char('d') => {
                let r = records.remove(*selected);
                self.state.recoveries.retain(|x| x.key != r.key);
                out.push(Request::Recovery { key: r.key, record: None });
                if records.is_empty() {
                    self.state.popup = None;
                } else {
                    *selected = (*selected).min(records.len() - 1);
                }
            }
            KeyCode::Esc | KeyCode::Char('l') => self.state.popup = None,
            _ => {}
        }
    }
}
