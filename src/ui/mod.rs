//! Drawing. Every function here reads the state and draws it; none changes
//! it. Text from the database goes through [`crate::sanitize`] first.

mod common;
mod costs;
mod detail;
mod drafts;
mod editor;
mod event_picker;
mod events;
mod jobs;
/// Pane geometry lives with the state (the update logic pages by it).
pub use crate::app::layout;
mod matches;
mod popup;
mod prospects;
mod research_history;
pub mod safe_backend;
mod solutions;
mod status;
mod timeline;
pub mod today;
mod transfer;

use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::state::View;
use crate::app::App;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < layout::MIN_WIDTH || area.height < layout::MIN_HEIGHT {
        let msg = format!(
            "Terminal too small: {}x{}.\nCloser needs at least {}x{}.\nEnlarge the window ({} quits).",
            area.width,
            area.height,
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT,
            app.keys.label(crate::app::Command::Quit)
        );
        frame.render_widget(Paragraph::new(msg).style(app.theme.warning), area);
        return;
    }
    let a = layout::areas(area);
    status::tabs(frame, a.tabs, app);
    match app.state.view {
        View::Prospects => {
            let p = layout::prospect_areas(a.main);
            prospects::draw(frame, p.list, app);
            detail::draw(frame, p.detail, app);
            timeline::draw(frame, p.timeline, app);
        }
        View::Events => events::draw(frame, a.main, app),
        View::Solutions => solutions::draw(frame, a.main, app),
        View::Costs => costs::draw(frame, a.main, app),
        View::Drafts => drafts::draw(frame, a.main, app),
        View::Jobs => jobs::draw(frame, a.main, app),
        View::Today => today::draw(frame, a.main, app),
    }
    status::status_bar(frame, a.status, app);
    status::hints(frame, a.hints, app);
    if let Some(popup) = &app.state.popup {
        popup::draw(frame, area, app, popup);
    }
}

/// Draws into an off-screen buffer of the given size (tests and benchmarks).
#[cfg(feature = "test-support")]
pub fn render_to_buffer(app: &App, width: u16, height: u16) -> ratatui::buffer::Buffer {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let mut terminal = ratatui::Terminal::new(backend).expect("test backend");
    terminal.draw(|f| draw(f, app)).expect("draw");
    terminal.backend().buffer().clone()
}

/// A buffer as plain text lines (for snapshots and assertions).
pub fn buffer_text(buf: &ratatui::buffer::Buffer) -> String {
    let area: Rect = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            out.push_str(sym);
            let w = unicode_width::UnicodeWidthStr::width(sym);
            if w > 1 {
                skip = w - 1;
            }
        }
        out.push('\n');
    }
    out
}
