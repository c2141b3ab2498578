//! Mouse: the wheel scrolls (the popup, else the focused pane), a click
//! selects a prospects row (hit-tested against the same geometry the UI draws).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use crate::app::io::Request;
use crate::app::layout;
use crate::app::state::*;
use crate::app::App;

impl App {
    pub(in crate::app) fn on_mouse(&mut self, m: MouseEvent, out: &mut Vec<Request>) {
        match m.kind {
            MouseEventKind::ScrollDown => {
                if self.state.popup.is_some() {
                    self.popup_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), out);
                } else {
                    self.move_by(3, out)
                }
            }
            MouseEventKind::ScrollUp => {
                if self.state.popup.is_some() {
                    self.popup_key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE), out);
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
