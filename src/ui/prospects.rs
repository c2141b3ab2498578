//! The prospects table. Only the visible rows are built, so 100,000
//! prospects draw as fast as ten.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::common::{block, fit};
use crate::app::state::Pane;
use crate::app::{App, Command};
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.state;
    let l = &s.prospects;
    let focused = s.pane == Pane::List;
    let total = match l.total {
        Some(t) if l.total_at_least => format!("{t}+"),
        Some(t) => format!("{t}"),
        None => "…".into(),
    };
    let position = if l.is_empty() { 0 } else { l.selected + 1 };
    let id = l.selected_row().map(|p| format!(" · #{}", p.id)).unwrap_or_default();
    let mut title = format!("Prospects {position}/{total}{id} · sort: {}", l.sort.label());
    let marks = &s.day.marks.ids;
    if !marks.is_empty() {
        title.push_str(&format!(" · {} marked", crate::calendar::thousands(marks.len() as i64)));
    }
    let block = block(title, focused, app);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // First inner line: the search box and the filters in force.
    let mut filters: Vec<Span> = Vec::new();
    if s.searching || !l.filter.search.is_empty() {
        filters.push(Span::styled("/", app.theme.accent));
        filters.push(Span::raw(sanitize::line(&l.filter.search).into_owned()));
        if s.searching {
            filters.push(Span::styled("█", app.theme.accent));
        }
        filters.push(Span::raw("  "));
    }
    if let Some(st) = &l.filter.status {
        filters.push(Span::styled(format!("status={} ", sanitize::line(st)), app.theme.warning));
    }
    if let Some(a) = l.filter.active {
        filters.push(Span::styled(if a { "active " } else { "inactive " }, app.theme.warning));
    }
    if let Some(id) = l.filter.industry_id {
        let name = s.industries.iter().find(|i| i.id == id).map(|i| i.name.as_str()).unwrap_or("?");
        filters.push(Span::styled(format!("industry={} ", sanitize::line(name)), app.theme.warning));
    }
    if filters.is_empty() {
        // The keys as bound, as many whole hints as fit.
        use crate::app::Command::*;
        let mut hint = String::from("all prospects");
        for (c, what) in [
            (Search, "search"),
            (FilterStatus, "status"),
            (FilterActive, "active"),
            (FilterIndustry, "industry"),
            (CycleSort, "sort"),
        ] {
            let next = format!(" · {} {what}", app.keys.label(c));
            if unicode_width::UnicodeWidthStr::width(format!("{hint}{next}").as_str()) > inner.width as usize {
                break;
            }
            hint.push_str(&next);
        }
        filters.push(Span::styled(hint, app.theme.muted));
    }
    if inner.height == 0 {
        return;
    }
    frame.render_widget(Paragraph::new(Line::from(filters)), Rect { height: 1, ..inner });
    let table_area = Rect { y: inner.y + 1, height: inner.height.saturating_sub(1), ..inner };
    let rows_visible = table_area.height.saturating_sub(1) as usize;

    if l.total == Some(0) {
        let k = |c| app.keys.label(c);
        let msg = if l.filter == Default::default() {
            format!(
                "No prospects yet. Press {} to add one, or run `closer demo` for sample data.",
                k(Command::NewProspect)
            )
        } else {
            format!(
                "No prospect matches. {} clears the search, {} clears all filters.",
                k(Command::Back),
                k(Command::ClearFilters)
            )
        };
        frame.render_widget(Paragraph::new(msg).style(app.theme.muted), Rect { y: table_area.y + 1, ..table_area });
        return;
    }

    let cols = Columns::for_width(table_area.width as usize, l.len());
    let mut rows = Vec::with_capacity(rows_visible);
    for i in l.scroll..(l.scroll + rows_visible).min(l.len().max(l.scroll)) {
        let row = match l.row(i) {
            Some(p) => {
                // Marked rows (Space) carry a ● before the name; ✓ in the first column means research.
                let mark = if marks.contains(&p.id) { "● " } else { "" };
                let style = if p.is_active { ratatui::style::Style::new() } else { app.theme.muted };
                let mut cells = vec![
                    Cell::from(if p.has_research { "✓" } else { " " }).style(app.theme.ok),
                    Cell::from(fit(&format!("{mark}{}", sanitize::line(&p.full_name)), cols.name)),
                    Cell::from(fit(&sanitize::line(&p.company_name), cols.company)),
                ];
                if cols.status > 0 {
                    cells.push(Cell::from(fit(&sanitize::line(&p.status), cols.status)));
                }
                if cols.date > 0 {
                    cells.push(Cell::from(
                        p.last_contacted_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "never".into()),
                    ));
                }
                if cols.id > 0 {
                    cells.push(Cell::from(format!("{:>w$}", p.id, w = cols.id)).style(app.theme.muted));
                }
                Row::new(cells).style(style)
            }
            None => Row::new(vec![Cell::from(""), Cell::from("…")]).style(app.theme.muted),
        };
        let row = if i == l.selected {
            row.style(if focused { app.theme.selection } else { app.theme.selection.add_modifier(Modifier::DIM) })
        } else {
            row
        };
        rows.push(row);
    }
    let mut header = vec!["", "Name", "Company"];
    let mut widths =
        vec![Constraint::Length(1), Constraint::Length(cols.name as u16), Constraint::Length(cols.company as u16)];
    for (w, title) in [(cols.status, "Status"), (cols.date, "Contacted"), (cols.id, "#")] {
        if w > 0 {
            header.push(title);
            widths.push(Constraint::Length(w as u16));
        }
    }
    let table = Table::new(rows, widths).header(Row::new(header).style(app.theme.title));
    frame.render_widget(table, table_area);
}

/// Column widths for a table `width` cells wide. Names and companies get
/// the room; the least useful columns go first as it narrows: the id, then
/// the date, then the status. (1 cell marks prospects with research.)
struct Columns {
    name: usize,
    company: usize,
    status: usize,
    date: usize,
    id: usize,
}

impl Columns {
    fn for_width(width: usize, rows: usize) -> Self {
        let id_w = rows.max(1).to_string().len().max(2) + 1;
        let mut c = Columns { name: 0, company: 0, status: 11, date: 10, id: id_w };
        // Gaps: ratatui puts one space between columns.
        let fixed = |c: &Columns| {
            let extra = [c.status, c.date, c.id].iter().filter(|w| **w > 0).count();
            2 + 1 + c.status + c.date + c.id + extra + 1
        };
        // Each column stays while names and companies keep this much room.
        for (drop, room) in [(0, 40), (1, 30), (2, 22)] {
            if width.saturating_sub(fixed(&c)) >= room {
                break;
            }
            match drop {
                0 => c.id = 0,
                1 => c.date = 0,
                _ => c.status = 0,
            }
        }
        let rest = width.saturating_sub(fixed(&c)).max(8);
        c.name = (rest * 55 / 100).max(6);
        c.company = rest.saturating_sub(c.name).max(4);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::Columns;

    #[test]
    fn columns_drop_from_the_least_useful() {
        let wide = Columns::for_width(90, 100_000);
        assert!(wide.id > 0 && wide.date > 0 && wide.status > 0);
        assert!(wide.name >= 22, "names get room: {}", wide.name);
        let medium = Columns::for_width(65, 100_000);
        assert_eq!(medium.id, 0, "the id goes first");
        assert!(medium.date > 0 && medium.status > 0 && medium.name >= 20, "{}", medium.name);
        let tiny = Columns::for_width(40, 100_000);
        assert_eq!((tiny.id, tiny.date), (0, 0));
        assert!(tiny.status > 0 && tiny.name >= 12);
    }
}
