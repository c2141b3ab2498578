//! A list to pick one value from (a prospect's status, a snooze length):
//! the views' movement keys move, open picks, back cancels.

use crossterm::event::KeyEvent;

use super::Popup;
use crate::app::io::{Request, Write};
use crate::app::{App, Command};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickPurpose {
    ProspectStatus { prospect_id: i32 },
    Day(crate::app::day::DayPick),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub title: String,
    pub options: Vec<String>,
    pub selected: usize,
    pub purpose: PickPurpose,
}

impl App {
    pub(super) fn picker_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        let command = self.keys.command_for(&key);
        let Some(Popup::Picker(p)) = self.state.popup.as_mut() else { return };
        match command {
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
        }
    }
}
