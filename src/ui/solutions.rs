//! The solutions catalog, by category, with the industries each serves.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use super::common::{block, field, fit, json_lines};
use super::layout;
use crate::app::state::Pane;
use crate::app::{App, Command};
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.state;
    let sol = &s.solutions;
    let [list_area, detail_area] = layout::master_detail(area);
    let focused = s.pane == Pane::List;
    if !sol.loaded {
        frame.render_widget(
            Paragraph::new("loading…").style(app.theme.muted).block(block("Solutions", focused, app)),
            list_area,
        );
        return;
    }
    let width = list_area.width.saturating_sub(4) as usize;
    let items: Vec<ListItem> = sol
        .entries
        .iter()
        .map(|e| {
            ListItem::new(Line::from(vec![
                Span::styled(format!("{:<14} ", fit(&sanitize::line(&e.solution.category), 14)), app.theme.muted),
                Span::raw(fit(&sanitize::line(&e.solution.name), width.saturating_sub(16))),
            ]))
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(sol.selected));
    frame.render_stateful_widget(
        List::new(items)
            .block(block(
                match sol.industry_id.and_then(|id| s.industries.iter().find(|i| i.id == id)) {
                    Some(i) => format!(
                        "Solutions for {} ({}) · {}: next industry",
                        sanitize::line(&i.name),
                        sol.entries.len(),
                        app.keys.label(Command::FilterIndustry)
                    ),
                    None => format!(
                        "Solutions ({}) · {}: by industry",
                        sol.entries.len(),
                        app.keys.label(Command::FilterIndustry)
                    ),
                },
                focused,
                app,
            ))
            .highlight_style(app.theme.selection),
        list_area,
        &mut state,
    );
    let Some(e) = sol.entries.get(sol.selected) else {
        frame.render_widget(
            Paragraph::new("The catalog is empty.").style(app.theme.muted).block(block("Solution", false, app)),
            detail_area,
        );
        return;
    };
    let mut lines = vec![
        Line::from(Span::styled(sanitize::line(&e.solution.name).into_owned(), app.theme.title)),
        field("Category", &e.solution.category, app),
        field("Pricing", &e.solution.pricing_model, app),
        field("Industries", &if e.industries.is_empty() { "—".to_string() } else { e.industries.join(", ") }, app),
        Line::default(),
    ];
    lines.extend(sanitize::multiline(&e.solution.description).lines().map(|l| Line::from(l.to_string())));
    for (label, value) in [("Use cases", &e.solution.use_cases), ("Keywords", &e.solution.keywords)] {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(label, app.theme.accent)));
        let items = json_lines(value);
        if items.is_empty() {
            lines.push(Line::from(Span::styled("  —", app.theme.muted)));
        }
        lines.extend(items.into_iter().map(|i| Line::from(format!("  • {i}"))));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((sol.detail_scroll, 0)).block(block(
            format!("Solution #{}", e.solution.id),
            s.pane == Pane::Detail,
            app,
        )),
        detail_area,
    );
}
