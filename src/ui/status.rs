//! The top tab line, the status bar and the footer hints. The hints come
//! from the same key table as the bindings and the help overlay.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::state::{Pane, View};
use crate::app::{App, Command};
use crate::sanitize;

pub fn tabs(frame: &mut Frame, area: Rect, app: &App) {
    let mut spans = vec![Span::styled(" Closer ", app.theme.title)];
    for v in View::ALL.iter() {
        let label = format!(" {} {} ", view_key(app, *v), v.title());
        spans.push(if *v == app.state.view { Span::styled(label, app.theme.selection) } else { Span::raw(label) });
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The first key bound to showing `view`.
fn view_key(app: &App, view: View) -> String {
    let command = match view {
        View::Today => Command::ViewToday,
        View::Prospects => Command::ViewProspects,
        View::Events => Command::ViewEvents,
        View::Solutions => Command::ViewSolutions,
        View::Costs => Command::ViewCosts,
        View::Drafts => Command::ViewDrafts,
        View::Jobs => Command::ViewJobs,
    };
    app.keys.keys_for(command).first().map(|k| k.to_string()).unwrap_or_default()
}

pub fn status_bar(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.state.status;
    let mut spans = vec![];
    if s.connected {
        spans.push(Span::styled("● ", app.theme.ok));
    } else {
        spans.push(Span::styled("● offline, reconnecting ", app.theme.error));
    }
    spans.push(Span::styled(sanitize::line(&s.database).into_owned(), app.theme.muted));
    if let Some(n) = s.prospects_total {
        spans.push(Span::raw(format!(" · {n} prospects")));
    }
    let jobs = &app.state.jobs;
    let active = jobs.count(|s| matches!(s, crate::llm::JobState::Running | crate::llm::JobState::Queued));
    if active > 0 {
        spans.push(Span::styled(format!(" · jobs {active} (${:.4})", jobs.cost()), app.theme.warning));
    }
    if s.in_flight > 0 {
        spans.push(Span::styled(format!(" · ⟳ {}", s.in_flight), app.theme.warning));
    }
    if let Some(e) = &s.error {
        spans.push(Span::styled(format!(" · {}", sanitize::line(e)), app.theme.error));
    } else if let Some(m) = &s.message {
        spans.push(Span::styled(format!(" · {}", sanitize::line(m)), app.theme.accent));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The commands worth a hint in the current context.
pub fn hint_commands(app: &App) -> &'static [Command] {
    use Command::*;
    if app.state.searching {
        return &[Back, Open, Down, Up];
    }
    match (app.state.view, app.state.pane) {
        (View::Prospects, Pane::Timeline) => &[Open, NextPane, NewInteraction, Help, Quit],
        (View::Prospects, _) if !app.state.day.marks.is_empty() => {
            &[Mark, SetStatus, ToggleActive, BulkResearch, ExportMarked, Back, Undo, Help]
        }
        (View::Prospects, _) => {
            &[Search, FilterStatus, CycleSort, SetStatus, NewProspect, NewDraft, NewInteraction, Help, Quit]
        }
        (View::Costs, _) => &[CycleSort, Refresh, ViewProspects, Help, Quit],
        (View::Today, _) => &[Open, NewDraft, AiDraft, NewInteraction, MarkSent, Snooze, Undo, Help, Quit],
        (View::Jobs, _) => &[Down, CancelJob, ViewProspects, Help, Quit],
        (View::Drafts, _) => &[Open, NewDraft, Search, FilterStatus, FilterType, DeleteDraft, Help, Quit],
        _ => &[Down, Open, NextPane, ViewProspects, Help, Quit],
    }
}

pub fn hints(frame: &mut Frame, area: Rect, app: &App) {
    let mut spans = Vec::new();
    if app.state.searching {
        spans.push(Span::styled("type to search · Enter keep · Esc clear · ", app.theme.muted));
    }
    for c in hint_commands(app) {
        let label = app.keys.label(*c);
        let short = c.name().replace('_', " ");
        spans.push(Span::styled(label, app.theme.accent));
        spans.push(Span::styled(format!(" {short}  "), app.theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
