//! The help overlay's content and size: every command, grouped by the
//! scope its keys apply in, with the keys as bound. The UI styles these
//! lines; the scroll stops where the last of them is on screen.

use ratatui::layout::Rect;

use crate::app::layout::centered;
use crate::config::command::Scope;
use crate::config::{Command, KeyBindings};

/// What is not a key binding.
const NOTES: &[&str] = &["Mouse: wheel scrolls, click selects a prospect"];

/// One line of the help, before styling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Heading(&'static str),
    /// The command's keys and what it does.
    Key(String, &'static str),
    Note(&'static str),
    Blank,
}

impl HelpLine {
    /// The keys column is right-aligned to this width.
    pub const KEYS_WIDTH: usize = 18;

    /// The line as drawn, unstyled.
    fn text(&self) -> String {
        match self {
            HelpLine::Heading(t) | HelpLine::Note(t) => t.to_string(),
            HelpLine::Key(k, d) => format!("{k:>w$}  {d}", w = Self::KEYS_WIDTH),
            HelpLine::Blank => String::new(),
        }
    }
}

pub fn lines(keys: &KeyBindings) -> Vec<HelpLine> {
    let mut out = vec![HelpLine::Heading("Key bindings (change them in config.toml [ui.keys])")];
    for scope in Scope::ALL {
        if scope != Scope::Main {
            out.push(HelpLine::Blank);
        }
        out.push(HelpLine::Heading(scope.title()));
        out.extend(
            Command::ALL.iter().filter(|c| c.scope() == scope).map(|c| HelpLine::Key(keys.label(*c), c.description())),
        );
    }
    out.push(HelpLine::Blank);
    out.extend(NOTES.iter().map(|n| HelpLine::Note(n)));
    out
}

/// Where the help is drawn in a terminal of `size`: narrow terminals give
/// it the whole width, so lines wrap instead of being cut.
pub fn rect(size: (u16, u16)) -> Rect {
    let area = Rect::new(0, 0, size.0, size.1);
    if area.width < 110 {
        centered(area, 100, 94)
    } else {
        centered(area, 80, 85)
    }
}

/// Rows the lines take once wrapped to `width`, and the rows on screen.
pub fn rows(lines: &[HelpLine], size: (u16, u16)) -> (usize, usize) {
    let r = rect(size);
    let inner = r.width.saturating_sub(2).max(1);
    let total = lines.iter().map(|l| crate::app::layout::wrapped_rows(&l.text(), inner)).sum();
    (total, r.height.saturating_sub(2) as usize)
}

/// The furthest the help scrolls: its last row at the bottom.
pub fn max_scroll(keys: &KeyBindings, size: (u16, u16)) -> u16 {
    let (total, visible) = rows(&lines(keys), size);
    total.saturating_sub(visible).min(u16::MAX as usize) as u16
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::popups::Popup;
    use crate::app::testkit::{app, ch, press};
    use crossterm::event::KeyCode;

    #[test]
    fn every_command_once_and_the_scroll_stops_at_the_end() {
        let keys = crate::config::Config::defaults().key_bindings();
        let l = lines(&keys);
        for c in Command::ALL {
            assert_eq!(l.iter().filter(|x| matches!(x, HelpLine::Key(_, d) if d == &c.description())).count(), 1);
        }
        let mut a = app((80, 24));
        a.update(ch('?'));
        a.update(press(KeyCode::End));
        let max = max_scroll(&keys, (80, 24));
        assert!(max > 0, "the help is longer than 24 rows");
        assert!(matches!(a.state.popup, Some(Popup::Help { scroll }) if scroll == max));
        for _ in 0..3 {
            a.update(press(KeyCode::PageDown));
        }
        assert!(matches!(a.state.popup, Some(Popup::Help { scroll }) if scroll == max), "never past the end");
        a.update(press(KeyCode::PageUp));
        assert!(matches!(a.state.popup, Some(Popup::Help { scroll }) if scroll == max - 20), "one press back up");
    }
}
