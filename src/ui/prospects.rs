//! The prospects table. Only the visible rows are built, so 100,000
//! prospects draw as fast as ten.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::common::{block, fit};
use crate::app::state::Pane;
use crate::app::App;
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.state;
    let l = &s.prospects;
    let focused = s.pane == Pane::List;
    let total = match l.total {
        Some(t) => format!("{t}"),
        None => "…".into(),
    };
    let position = if l.is_empty() { 0 } else { l.selected + 1 };
    let mut title = format!("Prospects {position}/{total} · sort: {}", l.sort.label());
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
        filters.push(Span::styled(
            "all prospects · / search · s status · a active · i industry · o sort",
            app.theme.muted,
        ));
    }
    if inner.height == 0 {
        return;
    }
    frame.render_widget(Paragraph::new(Line::from(filters)), Rect { height: 1, ..inner });
    let table_area = Rect { y: inner.y + 1, height: inner.height.saturating_sub(1), ..inner };
    let rows_visible = table_area.height.saturating_sub(1) as usize;

    if l.total == Some(0) {
        let msg = if l.filter == Default::default() {
            "No prospects yet. Press n to add one, or run `closer demo` for sample data."
        } else {
            "No prospect matches. Esc clears the search, x clears all filters."
        };
        frame.render_widget(Paragraph::new(msg).style(app.theme.muted), Rect { y: table_area.y + 1, ..table_area });
        return;
    }

    let w = table_area.width as usize;
    let name_w = (w * 30 / 100).max(12);
    let company_w = (w * 25 / 100).max(10);
    let status_w = 11;
    let mut rows = Vec::with_capacity(rows_visible);
    for i in l.scroll..(l.scroll + rows_visible).min(l.len().max(l.scroll)) {
        let row = match l.row(i) {
            Some(p) => {
                let mark = if marks.contains(&p.id) { "✓ " } else { "" };
                let name = fit(&format!("{mark}{}", sanitize::line(&p.full_name)), name_w);
                let style = if p.is_active { ratatui::style::Style::new() } else { app.theme.muted };
                Row::new(vec![
                    Cell::from(name),
                    Cell::from(fit(&sanitize::line(&p.company_name), company_w)),
                    Cell::from(fit(&sanitize::line(&p.status), status_w)),
                    Cell::from(
                        p.last_contacted_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "—".into()),
                    ),
                ])
                .style(style)
            }
            None => Row::new(vec![Cell::from("…")]).style(app.theme.muted),
        };
        let row = if i == l.selected {
            row.style(if focused { app.theme.selection } else { app.theme.selection.add_modifier(Modifier::DIM) })
        } else {
            row
        };
        rows.push(row);
    }
    let header = Row::new(vec!["Name", "Company", "Status", "Last contact"]).style(app.theme.title);
    let table = Table::new(
        rows,
        [
            Constraint::Length(name_w as u16),
            Constraint::Length(company_w as u16),
            Constraint::Length(status_w as u16),
            Constraint::Min(10),
        ],
    )
    .header(header);
    frame.render_widget(table, table_area);
}
