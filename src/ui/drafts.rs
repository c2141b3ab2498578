//! The Drafts pane: every outreach draft, newest change first, with the
//! filters in force and a preview of the selected one.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use super::common::{block, fit};
use super::layout;
use crate::app::state::Pane;
use crate::app::{App, Command};
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.state;
    let d = &s.drafts;
    let [list_area, detail_area] = layout::master_detail(area);
    let focused = s.pane == Pane::List;
    let mut title = format!("Drafts {}/{}", if d.items.is_empty() { 0 } else { d.selected + 1 }, d.total);
    if d.total as usize > d.items.len() {
        title.push_str(&format!(" (newest {} shown; filter to narrow)", d.items.len()));
    }
    let b = block(title, focused, app);
    let inner = b.inner(list_area);
    frame.render_widget(b, list_area);
    if !d.loaded {
        frame.render_widget(Paragraph::new("loading…").style(app.theme.muted), inner);
        return;
    }
    let mut filters = Vec::new();
    if s.searching || !d.filter.search.is_empty() {
        filters.push(Span::styled(format!("/{}", sanitize::line(&d.filter.search)), app.theme.accent));
        if s.searching {
            filters.push(Span::styled("█", app.theme.accent));
        }
        filters.push(Span::raw("  "));
    }
    if let Some(st) = &d.filter.status {
        filters.push(Span::styled(format!("status={} ", sanitize::line(st)), app.theme.warning));
    }
    if let Some(t) = &d.filter.draft_type {
        filters.push(Span::styled(format!("type={} ", sanitize::line(t)), app.theme.warning));
    }
    if let Some(p) = d.filter.prospect_id {
        filters.push(Span::styled(format!("prospect #{p} "), app.theme.warning));
    }
    if filters.is_empty() {
        let k = |c| app.keys.label(c);
        let text = format!(
            "all drafts · {} search · {} status · {} type · {} edit · {} new",
            k(Command::Search),
            k(Command::FilterStatus),
            k(Command::FilterType),
            k(Command::Open),
            k(Command::NewDraft)
        );
        filters.push(Span::styled(text, app.theme.muted));
    }
    if inner.height < 2 {
        return;
    }
    frame.render_widget(Paragraph::new(Line::from(filters)), Rect { height: 1, ..inner });
    let table_area = Rect { y: inner.y + 1, height: inner.height - 1, ..inner };
    if d.items.is_empty() {
        let k = |c| app.keys.label(c);
        let msg = if d.filter == Default::default() {
            format!("No drafts yet. Press {} on a prospect to write one.", k(Command::NewDraft))
        } else {
            format!("No draft matches. {} clears the search and filters.", k(Command::ClearFilters))
        };
        frame.render_widget(Paragraph::new(msg).style(app.theme.muted).wrap(Wrap { trim: true }), table_area);
        return;
    }
    let w = table_area.width as usize;
    let rows: Vec<Row> = d
        .items
        .iter()
        .map(|x| {
            Row::new(vec![
                x.updated_at.format("%Y-%m-%d").to_string(),
                fit(&sanitize::line(&x.status), 9),
                fit(&sanitize::line(&x.draft_type), 16),
                fit(&sanitize::line(&x.prospect_name), w.saturating_sub(40).max(8)),
            ])
        })
        .collect();
    let mut state = TableState::default().with_selected(Some(d.selected));
    frame.render_stateful_widget(
        Table::new(rows, [Constraint::Length(10), Constraint::Length(9), Constraint::Length(16), Constraint::Min(8)])
            .header(Row::new(["Changed", "Status", "Type", "Prospect"]).style(app.theme.title))
            .row_highlight_style(if focused { app.theme.selection } else { app.theme.accent }),
        table_area,
        &mut state,
    );

    let Some(x) = d.items.get(d.selected) else { return };
    let mut lines = vec![
        Line::from(Span::styled(
            format!("{} · {}", sanitize::line(&x.prospect_name), sanitize::line(&x.company_name)),
            app.theme.title,
        )),
        Line::from(Span::styled(
            format!(
                "{} · {} · changed {}",
                sanitize::line(&x.draft_type),
                sanitize::line(&x.status),
                x.updated_at.format("%Y-%m-%d %H:%M")
            ),
            app.theme.muted,
        )),
        Line::default(),
    ];
    lines.extend(sanitize::multiline(&x.preview).lines().map(|l| Line::from(l.to_string())));
    let more = if x.preview.chars().count() >= crate::db::drafts::PREVIEW_CHARS { "…  " } else { "" };
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!("{more}{} opens the editor", app.keys.label(Command::Open)),
        app.theme.muted,
    )));
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(format!("Draft #{}", x.id), !focused, app)),
        detail_area,
    );
}
