//! Mouse: the wheel scrolls (the popup, else the focused pane), a click
//! selects a prospects row (hit-tested against the same geometry the UI draws).

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};

use crate::app::io::Request;
use crate::app::layout;
use crate::app::state::*;
use crate::app::{App, Command};

impl App {
    /// The wheel over a popup that scrolls or lists (help, an interaction,
    /// a picker, unsaved drafts, the draft preview) is a press of a key bound
    /// to `command`; never a printable one, which would be text. Over a form,
    /// a question, the editor's text or the import it does nothing: there a
    /// press would move a field, complete a path or answer "no".
    fn wheel_over_popup(&mut self, command: Command, out: &mut Vec<Request>) {
        let scrolls = match &self.state.popup {
            Some(Popup::Help { .. } | Popup::Interaction { .. } | Popup::ResearchHistory { .. }) => true,
            Some(Popup::Picker(_) | Popup::Recover { .. }) => true,
            Some(Popup::Editor(e)) => e.preview && e.prompt == crate::app::editor::EditorPrompt::None,
            _ => false,
        };
        if !scrolls {
            return;
        }
        let mut bound = self.keys.keys_for(command).iter().map(|k| KeyEvent::new(k.code, k.mods));
        if let Some(key) = bound.find(|k| !crate::config::KeyBindings::is_text(k)) {
            self.popup_key(key, out);
        }
    }

    pub(in crate::app) fn on_mouse(&mut self, m: MouseEvent, out: &mut Vec<Request>) {
        match m.kind {
            MouseEventKind::ScrollDown => {
                if self.state.popup.is_some() {
                    self.wheel_over_popup(Command::Down, out);
                } else {
                    self.move_by(3, out)
                }
            }
            MouseEventKind::ScrollUp => {
                if self.state.popup.is_some() {
                    self.wheel_over_popup(Command::Up, out);
                } else {
                    self.move_by(-3, out)
                }
            }
            MouseEventKind::Down(_) if self.state.popup.is_none() && self.state.view == View::Prospects => {
                // A click on a row of the prospects table selects it.
                let a = layout::areas(ratatui::layout::Rect::new(0, 0, self.state.size.0, self.state.size.1));
                let list = layout::prospect_areas(a.main).list;
                let top = list.y + 3;
                if m.column >= list.x
                    && m.column < list.x + list.width
                    && m.row >= top
                    && m.row < list.y + list.height - 1
                {
                    let index = self.state.prospects.scroll + (m.row - top) as usize;
                    if index < self.state.prospects.len() {
                        self.state.pane = Pane::List;
                        self.state.prospects.selected = index;
                        self.after_prospect_move(out);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyModifiers, MouseEvent, MouseEventKind};

    use crate::app::action::Action;
    use crate::app::editor::{DraftEditor, PlaceholderContext};
    use crate::app::state::Popup;
    use crate::app::testkit::{app, ch};

    fn wheel(kind: MouseEventKind) -> Action {
        Action::Mouse(MouseEvent { kind, column: 10, row: 10, modifiers: KeyModifiers::NONE })
    }

    #[test]
    fn the_wheel_scrolls_a_popup_and_never_types() {
        let mut a = app((100, 30));
        a.update(ch('?'));
        a.update(wheel(MouseEventKind::ScrollDown));
        assert!(matches!(a.state.popup, Some(Popup::Help { scroll: 1 })), "{:?}", a.state.popup);
        let e = DraftEditor::new_draft(1, PlaceholderContext::default(), 0);
        a.state.popup = Some(Popup::Editor(Box::new(e)));
        a.update(wheel(MouseEventKind::ScrollDown));
        a.update(wheel(MouseEventKind::ScrollUp));
        let Some(Popup::Editor(e)) = &a.state.popup else { panic!("the editor") };
        assert_eq!(e.text(), "", "j (bound to down) is not typed by the wheel");
        // Over a form it moves no field.
        a.state.popup = None;
        a.update(ch('n'));
        a.update(wheel(MouseEventKind::ScrollDown));
        let Some(Popup::Form(f)) = &a.state.popup else { panic!("the form") };
        assert_eq!(f.focus, 0);
    }
}
