//! The draft editor's event picker, drawn over the editor.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState};
use ratatui::Frame;

use super::common::{block, clear_popup, fit};
use super::layout::centered;
use crate::app::popups::event_picker::{label, EventPicker};
use crate::app::App;
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, picker: &EventPicker) {
    let rect = centered(area, 80, 70);
    clear_popup(frame, rect);
    let events = &app.state.events;
    let options = picker.options(&events.events);
    let now = chrono::Utc::now().naive_utc();
    let width = rect.width.saturating_sub(4) as usize;
    let items: Vec<ListItem> = options
        .iter()
        .map(|o| match o {
            None => ListItem::new(Line::from(Span::styled("(no event)", app.theme.muted))),
            Some(e) => {
                let mark = if e.event_date >= now { "▲ " } else { "  " };
                ListItem::new(Line::from(vec![
                    Span::styled(mark, app.theme.ok),
                    Span::raw(fit(&sanitize::line(&label(e)), width.saturating_sub(2))),
                ]))
            }
        })
        .collect();
    let loading = if events.loaded { "" } else { " · loading events…" };
    // Its keys are in the key bar (popups::key_line).
    let title = format!("Link an event (▲ upcoming) · search: {}{loading}", sanitize::line(&picker.query));
    let mut state = ListState::default().with_selected(Some(picker.selected));
    frame.render_stateful_widget(
        List::new(items).block(block(title, true, app)).highlight_style(app.theme.selection),
        rect,
        &mut state,
    );
}
