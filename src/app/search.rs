//! The search boxes (prospects, drafts): typing edits the query at once;
//! the form scope's keys keep it (confirm), clear it and leave (cancel) or
//! clear it (clear); the views' movement keys still move the list.

use crossterm::event::{KeyCode, KeyEvent};

use super::io::Request;
use super::{App, Command};
use crate::config::command::Scope;
use crate::config::KeyBindings;

/// What a key did to a search box's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    /// The text changed: search again.
    Changed,
    /// The box closed; `cleared` when the query went with it.
    Closed { cleared: bool },
    /// Not the box's key: the view handles it (movement, quit).
    Pass,
    /// Any other key: swallowed, so no command fires while the user types.
    Ignored,
}

fn edit(keys: &KeyBindings, key: &KeyEvent, text: &mut String) -> Edit {
    if KeyBindings::is_text(key) {
        if let KeyCode::Char(c) = key.code {
            text.push(c);
        }
        return Edit::Changed;
    }
    if key.code == KeyCode::Backspace {
        return if text.pop().is_some() { Edit::Changed } else { Edit::Ignored };
    }
    match keys.command_in(Scope::Form, key) {
        Some(Command::FormCancel) => {
            text.clear();
            return Edit::Closed { cleared: true };
        }
        Some(Command::FormConfirm) => return Edit::Closed { cleared: false },
        Some(Command::FormClear) => {
            text.clear();
            return Edit::Changed;
        }
        _ => {}
    }
    // Only moving the list and quitting reach the view: any other key
    // (Delete, Tab, a Ctrl key) would act on a row while the user types.
    match keys.command_for(key) {
        Some(Command::Down | Command::Up | Command::PageDown | Command::PageUp | Command::Quit) => Edit::Pass,
        _ => Edit::Ignored,
    }
}

impl App {
    /// The prospects search box. Returns true when it consumed the key.
    pub(super) fn search_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) -> bool {
        match edit(&self.keys, &key, &mut self.state.prospects.filter.search) {
            Edit::Changed => self.reset_prospects(out),
            Edit::Closed { cleared } => {
                self.state.searching = false;
                if cleared {
                    self.reset_prospects(out);
                }
            }
            Edit::Pass => return false,
            Edit::Ignored => {}
        }
        true
    }

    /// The Drafts view's search box. Returns true when it consumed the key.
    pub(super) fn drafts_search_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) -> bool {
        let edited = edit(&self.keys, &key, &mut self.state.drafts.filter.search);
        match edited {
            Edit::Changed | Edit::Closed { cleared: true } => {
                if edited != Edit::Changed {
                    self.state.searching = false;
                }
                self.state.drafts.selected = 0;
                self.reload_drafts(out);
            }
            Edit::Closed { cleared: false } => self.state.searching = false,
            Edit::Pass => return false,
            Edit::Ignored => {}
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::app::io::Request;
    use crate::app::testkit::{app, ch, ctrl, press};
    use crossterm::event::KeyCode;

    #[test]
    fn typing_searches_and_the_form_keys_keep_or_clear_it() {
        let mut a = app((100, 30));
        a.start();
        a.update(ch('/'));
        assert!(a.state.searching);
        for c in "jqk".chars() {
            let out = a.update(ch(c));
            assert!(out.iter().any(|r| matches!(r, Request::ProspectPage { .. })), "each key searches");
        }
        assert_eq!(a.state.prospects.filter.search, "jqk", "j, q and k are text in the box");
        assert!(!a.state.should_quit);
        // A Ctrl key that is no command here does nothing, not a view command.
        assert!(a.update(ctrl('e')).is_empty());
        assert!(a.update(press(KeyCode::Delete)).is_empty() && a.state.popup.is_none(), "no delete question");
        a.update(press(KeyCode::Backspace));
        assert_eq!(a.state.prospects.filter.search, "jq");
        // Enter keeps the query; Esc in a new search clears it.
        a.update(press(KeyCode::Enter));
        assert!(!a.state.searching);
        assert_eq!(a.state.prospects.filter.search, "jq");
        a.update(ch('/'));
        a.update(ctrl('u'));
        assert_eq!(a.state.prospects.filter.search, "", "Ctrl-U clears the box");
        a.update(ch('z'));
        a.update(press(KeyCode::Esc));
        assert!(!a.state.searching);
        assert_eq!(a.state.prospects.filter.search, "");
    }
}
