//! The draft editor's event picker (Ctrl-G): a list of events, upcoming
//! first, narrowed as you type; the form keys move, link (or unlink) and
//! cancel, as in any field with a list.

use crossterm::event::{KeyCode, KeyEvent};

use crate::config::command::Scope;
use crate::config::{Command, KeyBindings};
use crate::db::models::Event;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventPicker {
    pub query: String,
    /// Index into [`EventPicker::options`].
    pub selected: usize,
}

/// What a key did to the picker.
#[derive(Debug, PartialEq)]
pub enum Picked {
    /// Still choosing.
    Open,
    Cancelled,
    /// The event to link, or None to unlink.
    Chosen(Option<i32>),
}

impl EventPicker {
    /// Opens on the linked event, or on the first (soonest upcoming) one.
    pub fn open(events: &[Event], linked: Option<i32>) -> Self {
        let selected = match linked.and_then(|id| events.iter().position(|e| e.id == id)) {
            Some(i) => i + 1,
            None if !events.is_empty() => 1,
            None => 0,
        };
        Self { query: String::new(), selected }
    }

    /// None ("no event") first, then the events that match the query, in
    /// the order given (the app keeps upcoming events first, soonest first).
    pub fn options<'a>(&self, events: &'a [Event]) -> Vec<Option<&'a Event>> {
        let q = self.query.to_lowercase();
        let mut out = vec![None];
        out.extend(events.iter().filter(|e| q.is_empty() || label(e).to_lowercase().contains(&q)).map(Some));
        out
    }

    pub fn key(&mut self, key: KeyEvent, keys: &KeyBindings, events: &[Event]) -> Picked {
        let n = self.options(events).len();
        if KeyBindings::is_text(&key) {
            if let KeyCode::Char(c) = key.code {
                self.query.push(c);
                self.selected = usize::from(self.options(events).len() > 1);
            }
            return Picked::Open;
        }
        if key.code == KeyCode::Backspace {
            self.query.pop();
            self.selected = usize::from(self.options(events).len() > 1);
            return Picked::Open;
        }
        let command = keys.command_in(Scope::Form, &key).or_else(|| keys.command_for(&key));
        match command {
            Some(Command::FormCancel) => return Picked::Cancelled,
            Some(Command::FormConfirm | Command::FormSave) => {
                return Picked::Chosen(self.options(events).get(self.selected).copied().flatten().map(|e| e.id))
            }
            Some(Command::FormNext) => self.selected = (self.selected + 1).min(n - 1),
            Some(Command::FormPrev) => self.selected = self.selected.saturating_sub(1),
            Some(Command::PageDown) => self.selected = (self.selected + 10).min(n - 1),
            Some(Command::PageUp) => self.selected = self.selected.saturating_sub(10),
            Some(Command::FormClear) => {
                self.query.clear();
                self.selected = usize::from(n > 1);
            }
            _ => {}
        }
        Picked::Open
    }
}

/// The picker's keys: typing narrows the list; the form keys move, link
/// and cancel.
pub fn key_line(keys: &KeyBindings) -> String {
    format!(
        "type to search · {}/{} move · {} link · {} cancel",
        keys.label(Command::FormNext),
        keys.label(Command::FormPrev),
        keys.label(Command::FormConfirm),
        keys.label(Command::FormCancel)
    )
}

/// How an event reads in the picker and in the draft's placeholders.
pub fn label(e: &Event) -> String {
    format!("{} in {} ({})", e.event_type, e.location, e.event_date.format("%Y-%m-%d"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn event(id: i32, kind: &str, place: &str) -> Event {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, id as u32).unwrap().and_hms_opt(9, 0, 0).unwrap();
        Event {
            id,
            event_type: kind.into(),
            event_date: t,
            description: String::new(),
            location: place.into(),
            target_industries: None,
            target_roles: None,
            solutions_featured: None,
            status: "planned".into(),
            created_at: t,
            updated_at: t,
        }
    }

    fn keys() -> KeyBindings {
        crate::config::Config::defaults().key_bindings()
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_narrows_and_enter_links() {
        let events = vec![event(1, "webinar", "Online"), event(2, "roundtable", "Seoul"), event(3, "summit", "Berlin")];
        let mut p = EventPicker::open(&events, None);
        assert_eq!(p.selected, 1, "the soonest event first");
        for c in "seo".chars() {
            assert_eq!(p.key(key(KeyCode::Char(c)), &keys(), &events), Picked::Open);
        }
        assert_eq!(p.options(&events).len(), 2);
        assert_eq!(p.key(key(KeyCode::Enter), &keys(), &events), Picked::Chosen(Some(2)));
        // Back up to "no event" to unlink.
        let mut p = EventPicker::open(&events, Some(3));
        assert_eq!(p.selected, 3);
        for _ in 0..5 {
            p.key(key(KeyCode::Up), &keys(), &events);
        }
        assert_eq!(p.key(key(KeyCode::Enter), &keys(), &events), Picked::Chosen(None));
        assert_eq!(p.key(key(KeyCode::Esc), &keys(), &events), Picked::Cancelled);
    }
}
