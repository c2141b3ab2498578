//! Events, upcoming then past, with what each targets and who came.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use super::common::{block, field, fit, json_lines};
use super::layout;
use crate::app::state::Pane;
use crate::app::App;
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.state;
    let ev = &s.events;
    let [list_area, detail_area] = layout::master_detail(area);
    let focused = s.pane == Pane::List;
    if !ev.loaded {
        frame.render_widget(
            Paragraph::new("loading…").style(app.theme.muted).block(block("Events", focused, app)),
            list_area,
        );
        return;
    }
    // The ranking takes the whole view: its reasons need the width.
    if let (Pane::Matches, Some(e)) = (s.pane, ev.events.get(ev.selected)) {
        return super::matches::draw(frame, area, app, e.id);
    }
    let width = list_area.width.saturating_sub(4) as usize;
    let items: Vec<ListItem> = ev
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let tag = if i < ev.upcoming_count { "▲" } else { " " };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{tag} {} ", e.event_date.format("%Y-%m-%d")), app.theme.muted),
                Span::raw(fit(
                    &format!("{} · {}", sanitize::line(&e.event_type), sanitize::line(&e.location)),
                    width.saturating_sub(14),
                )),
            ]))
        })
        .collect();
    let title = format!("Events · {} upcoming (▲), {} past", ev.upcoming_count, ev.events.len() - ev.upcoming_count);
    let mut state = ListState::default().with_selected(Some(ev.selected));
    frame.render_stateful_widget(
        List::new(items).block(block(title, focused, app)).highlight_style(app.theme.selection),
        list_area,
        &mut state,
    );

    let Some(e) = ev.events.get(ev.selected) else {
        frame.render_widget(
            Paragraph::new("No events.").style(app.theme.muted).block(block("Event", false, app)),
            detail_area,
        );
        return;
    };
    let mut lines = vec![
        field("Type", &e.event_type, app),
        field("Date", &e.event_date.format("%Y-%m-%d %H:%M").to_string(), app),
        field("Location", &e.location, app),
        field("Status", &e.status, app),
        super::matches::invitation_line(app, e.id),
        super::matches::hint_line(app, e.id),
        Line::default(),
    ];
    lines.extend(sanitize::multiline(&e.description).lines().map(|l| Line::from(l.to_string())));
    for (label, value) in [
        ("Target industries", &e.target_industries),
        ("Target roles", &e.target_roles),
        ("Featured solutions", &e.solutions_featured),
    ] {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(label, app.theme.accent)));
        let items = json_lines(value);
        if items.is_empty() {
            lines.push(Line::from(Span::styled("  —", app.theme.muted)));
        }
        lines.extend(items.into_iter().map(|i| Line::from(format!("  • {i}"))));
    }
    lines.push(Line::default());
    match &ev.attendees {
        Some((id, people)) if *id == e.id => {
            lines.push(Line::from(Span::styled(
                format!("Prospects who interacted here ({})", people.len()),
                app.theme.accent,
            )));
            for p in people {
                lines.push(Line::from(format!(
                    "  {} · {} ({}×)",
                    sanitize::line(&p.full_name),
                    sanitize::line(&p.company_name),
                    p.interactions
                )));
            }
        }
        _ => lines.push(Line::from(Span::styled("loading prospects…", app.theme.muted))),
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((ev.detail_scroll, 0)).block(block(
            format!("Event #{}", e.id),
            s.pane == Pane::Detail,
            app,
        )),
        detail_area,
    );
}
