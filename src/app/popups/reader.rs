//! The popups that are only read: the help overlay, one interaction in
//! full and a prospect's research history. The views' movement keys
//! scroll them; back, help, open or quit closes them.

use crossterm::event::KeyEvent;

use super::Popup;
use crate::app::{App, Command};

impl App {
    pub(super) fn reader_key(&mut self, key: KeyEvent) {
        let command = self.keys.command_for(&key);
        let Some(Popup::Help { scroll } | Popup::Interaction { scroll, .. } | Popup::ResearchHistory { scroll }) =
            self.state.popup.as_mut()
        else {
            return;
        };
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
        // Keep the scroll within the text: a long interaction's lines, the
        // help's rows at this terminal size.
        let size = self.state.size;
        match self.state.popup.as_mut() {
            Some(Popup::Interaction { interaction: Some(x), scroll, .. }) => {
                let lines = x.content.split(['\n', '\r']).count().saturating_sub(1);
                *scroll = (*scroll).min(lines.min(u16::MAX as usize) as u16);
            }
            Some(Popup::Help { scroll }) => *scroll = (*scroll).min(super::help::max_scroll(&self.keys, size)),
            _ => {}
        }
    }
}

/// "j/Down k/Up scroll · Esc close", from the key map.
pub fn key_line(keys: &crate::config::KeyBindings) -> String {
    format!("{} · {} close", scroll_keys(keys), keys.label(Command::Back))
}

/// "j/Down k/Up PgDn/Ctrl-D PgUp/Ctrl-U scroll": text that only scrolls.
pub fn scroll_keys(keys: &crate::config::KeyBindings) -> String {
    format!(
        "{} {} {} {} scroll",
        keys.label(Command::Down),
        keys.label(Command::Up),
        keys.label(Command::PageDown),
        keys.label(Command::PageUp)
    )
}
