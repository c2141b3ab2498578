//! Where each pane goes. The update logic asks the same functions how many
//! rows are visible, so paging matches what is drawn.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

/// Below this the UI says "too small" instead of drawing a broken layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

pub struct Areas {
    pub tabs: Rect,
    pub main: Rect,
    pub status: Rect,
    pub hints: Rect,
}

pub fn areas(size: Rect) -> Areas {
    let [tabs, main, status, hints] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1), Constraint::Length(1)])
            .areas(size);
    Areas { tabs, main, status, hints }
}

pub struct ProspectAreas {
    pub list: Rect,
    pub detail: Rect,
    pub timeline: Rect,
}

/// Wide terminals: list on the left, detail and timeline stacked on the
/// right. Narrow ones (80 columns): list on top, detail and timeline below.
pub fn prospect_areas(main: Rect) -> ProspectAreas {
    if main.width >= 120 {
        // The list gets the larger half: names and companies need the room,
        // the detail wraps.
        let [list, right] = Layout::horizontal([Constraint::Percentage(56), Constraint::Percentage(44)]).areas(main);
        let [detail, timeline] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(right);
        ProspectAreas { list, detail, timeline }
    } else {
        let [list, bottom] = Layout::vertical([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(main);
        let [detail, timeline] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
        ProspectAreas { list, detail, timeline }
    }
}

/// List on the left, detail on the right (events, solutions).
pub fn master_detail(main: Rect) -> [Rect; 2] {
    let dir = if main.width >= 100 { Direction::Horizontal } else { Direction::Vertical };
    let chunks = Layout::default()
        .direction(dir)
        .constraints([Constraint::Percentage(45), Constraint::Percentage(55)])
        .split(main);
    [chunks[0], chunks[1]]
}

/// Visible rows in the prospects table (inside borders, below the filter line and header).
pub fn prospect_list_rows(size: (u16, u16)) -> usize {
    let a = areas(Rect::new(0, 0, size.0, size.1));
    prospect_areas(a.main).list.height.saturating_sub(4).max(1) as usize
}

pub fn timeline_rows(size: (u16, u16)) -> usize {
    let a = areas(Rect::new(0, 0, size.0, size.1));
    (prospect_areas(a.main).timeline.height.saturating_sub(2) / 2).max(1) as usize
}

pub fn master_rows(size: (u16, u16)) -> usize {
    let a = areas(Rect::new(0, 0, size.0, size.1));
    master_detail(a.main)[0].height.saturating_sub(2).max(1) as usize
}

/// The Today view: the list and the detail box.
pub fn today_areas(main: Rect) -> [Rect; 2] {
    if main.width >= 120 {
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(main)
    } else {
        let detail = if main.height >= 18 { 8 } else { 5 };
        Layout::vertical([Constraint::Min(3), Constraint::Length(detail)]).areas(main)
    }
}

/// Rows visible in the Today list (inside its borders), for paging and scrolling.
pub fn today_rows(size: (u16, u16)) -> usize {
    let a = areas(Rect::new(0, 0, size.0, size.1));
    today_areas(a.main)[0].height.saturating_sub(2).max(1) as usize
}

/// A centred rectangle for popups.
pub fn centered(area: Rect, width_pct: u16, height_pct: u16) -> Rect {
    let w = (area.width * width_pct / 100).max(20).min(area.width);
    let h = (area.height * height_pct / 100).max(6).min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

/// The draft editor's popup in a terminal of `size`.
pub fn editor_rect(size: (u16, u16)) -> Rect {
    centered(Rect::new(0, 0, size.0, size.1), 96, 94)
}

/// The preview's text area (width, rows) inside the editor: the popup's
/// border, two header and two footer rows, and the preview's own border.
pub fn preview_text_size(size: (u16, u16)) -> (u16, u16) {
    let r = editor_rect(size);
    (r.width.saturating_sub(4).max(1), r.height.saturating_sub(8).max(1))
}

/// Rows `text` takes when word-wrapped to `width` as the UI draws it
/// (ratatui's word wrap: a word that does not fit starts a new row, a word
/// wider than a row is broken). Scrolling stops where the last row shows,
/// so this must never count fewer rows than are drawn.
pub fn wrapped_rows(text: &str, width: u16) -> usize {
    use unicode_width::UnicodeWidthStr;
    let w = width.max(1) as usize;
    let row_count = |line: &str| {
        let (mut rows, mut col) = (1, 0);
        for piece in line.split_inclusive(char::is_whitespace) {
            let word = piece.trim_end_matches(char::is_whitespace).width();
            if col > 0 && col + word > w {
                rows += 1;
                col = 0;
            }
            if word > w {
                rows += (word - 1) / w;
                col = word % w;
            } else {
                col += word;
            }
            col += piece.width() - word;
            if col >= w {
                // Trailing space past the edge: the next word starts a row.
                col = w;
            }
        }
        rows
    };
    text.lines().map(row_count).sum::<usize>().max(1)
}
