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

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    use crate::app::popups::Popup;
    use crate::app::testkit::{app, ch, row};

    /// A wide character whose second half is covered by a popup's border
    /// would be drawn by the terminal across it: a wide cell must always be
    /// followed by the blank cell it spills into.
    fn wide_cells_overdrawn(buf: &ratatui::buffer::Buffer) -> Vec<(u16, u16)> {
        let mut bad = Vec::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width.saturating_sub(1) {
                if buf[(x, y)].symbol().width() > 1 && !buf[(x + 1, y)].symbol().trim().is_empty() {
                    bad.push((x, y));
                }
            }
        }
        bad
    }

    #[test]
    fn wide_characters_never_cross_a_popup_border() {
        let mut a = app((100, 30));
        a.start();
        let rows = (1..=40)
            .map(|i| {
                let mut r = row(i);
                // Both parities: a wide character straddles any column.
                let pad = if i % 2 == 0 { "" } else { "a" };
                r.full_name = format!("{pad}王王王王王王王王王王王王王王王王王王王王王王王王");
                r.company_name = format!("{pad}佐藤佐藤佐藤佐藤佐藤佐藤佐藤佐藤佐藤佐藤");
                r
            })
            .collect();
        a.state.prospects.total = Some(40);
        a.state.prospects.pages.insert(0, rows);
        let popups: Vec<fn(&mut crate::app::App)> = vec![
            |a| drop(a.update(ch('I'))),
            |a| a.state.popup = Some(Popup::ResearchHistory { scroll: 0 }),
            |a| drop(a.update(ch('?'))),
            |a| drop(a.update(ch('n'))),
            |a| {
                let action = crate::app::popups::ConfirmAction::DeleteDraft { id: 1 };
                a.state.popup = Some(Popup::Confirm { message: "Delete?".into(), action })
            },
            |a| {
                let e = crate::app::editor::DraftEditor::new_draft(1, Default::default(), 0);
                a.state.popup = Some(Popup::Editor(Box::new(e)))
            },
            |a| a.state.popup = Some(Popup::Interaction { id: 1, interaction: None, scroll: 0 }),
        ];
        for (i, open) in popups.into_iter().enumerate() {
            a.state.popup = None;
            open(&mut a);
            assert!(a.state.popup.is_some(), "popup {i} opened");
            for size in [(100, 30), (81, 24), (60, 15)] {
                // The frame as drawn, before the diff sent to the terminal
                // (which skips the cell a wide character spills into).
                let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(size.0, size.1)).unwrap();
                let buf = t.draw(|f| super::draw(f, &a)).unwrap().buffer.clone();
                assert_eq!(wide_cells_overdrawn(&buf), vec![], "popup {i} at {size:?}");
            }
        }
    }
}

#[cfg(test)]
mod preview_tests {
    use crate::app::editor::DraftEditor;
    use crate::app::popups::Popup;
    use crate::app::testkit::{app, press};
    use crossterm::event::KeyCode;

    /// End in the preview shows the draft's last line, however its
    /// paragraphs wrap, at any terminal size.
    #[test]
    fn the_end_of_a_wrapped_draft_is_reachable_in_the_preview() {
        let para = (0..400).map(|i| format!("word{i} lorem ipsum")).collect::<Vec<_>>().join(" ");
        let text = format!("{para}\n\n{para}\nSIGNATURE-LINE");
        for size in [(120u16, 40u16), (80, 24), (60, 15), (73, 31)] {
            let mut a = app(size);
            let mut e = DraftEditor::new_draft(1, Default::default(), 0);
            e.set_text(&text);
            a.state.popup = Some(Popup::Editor(Box::new(e)));
            a.update(press(KeyCode::F(2)));
            a.update(press(KeyCode::End));
            let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(size.0, size.1)).unwrap();
            let buf = t.draw(|f| super::draw(f, &a)).unwrap().buffer.clone();
            let screen = super::buffer_text(&buf);
            assert!(screen.contains("SIGNATURE-LINE"), "{size:?}:\n{screen}");
        }
    }
}
