//! The top tab line, the status bar and the footer hints. The hints come
//! from the same key table as the bindings and the help overlay.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::common::{short_database, thousands};
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

/// Messages first (they are what the user is waiting for), then the counts,
/// then where the database is, shortened; whatever does not fit is the
/// database's tail, not the message.
pub fn status_bar(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.state.status;
    let mut spans = vec![];
    if s.connected {
        spans.push(Span::styled("● ", app.theme.ok));
    } else {
        spans.push(Span::styled("● offline, reconnecting · ", app.theme.error));
    }
    if let Some(e) = &s.error {
        spans.push(Span::styled(format!("{} · ", sanitize::line(e)), app.theme.error));
    } else if let Some(m) = &s.message {
        spans.push(Span::styled(format!("{} · ", sanitize::line(m)), app.theme.accent));
    }
    if let Some(n) = s.prospects_total {
        spans.push(Span::raw(format!("{} prospects", thousands(n))));
    }
    let jobs = &app.state.jobs;
    let active = jobs.count(|s| matches!(s, crate::llm::JobState::Running | crate::llm::JobState::Queued));
    if active > 0 {
        spans.push(Span::styled(format!(" · jobs {active} (${:.4})", jobs.cost()), app.theme.warning));
    }
    if s.in_flight > 0 {
        spans.push(Span::styled(format!(" · ⟳ {}", s.in_flight), app.theme.warning));
    }
    spans.push(Span::styled(format!(" · {}", short_database(&s.database)), app.theme.muted));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The commands worth a hint in the current context.
pub fn hint_commands(app: &App) -> &'static [Command] {
    use Command::*;
    if app.state.searching {
        return &[Down, Up];
    }
    match (app.state.view, app.state.pane) {
        (View::Prospects, Pane::Timeline) => &[Open, NextPane, NewInteraction, Help, Quit],
        (View::Prospects, _) if !app.state.day.marks.is_empty() => {
            &[Mark, SetStatus, ToggleActive, BulkResearch, ExportMarked, Back, Undo, Help]
        }
        (View::Prospects, _) => {
            &[Search, FilterStatus, CycleSort, SetStatus, NewProspect, NewDraft, NewInteraction, Help, Quit]
        }
        (View::Costs, _) => &[CycleSort, CostRange, NextPane, Open, Back, Help, Quit],
        (View::Today, _) => &[Open, NewDraft, AiDraft, NewInteraction, MarkSent, Snooze, Undo, Help, Quit],
        (View::Jobs, _) => &[Open, Refresh, CancelJob, ViewProspects, Help, Quit],
        (View::Drafts, _) => &[Open, NewDraft, Search, FilterStatus, FilterType, DeleteDraft, Help, Quit],
        (View::Events, Pane::Matches) => &[Down, Open, ApproveInvitations, MatchEvent, NextPane, Help, Quit],
        (View::Events, _) => &[Down, Open, MatchEvent, NextPane, ViewProspects, Help, Quit],
        _ => &[Down, Open, NextPane, ViewProspects, Help, Quit],
    }
}

/// What a command does here, in a word or two (the cost view's `o` picks a
/// range, not a sort).
fn hint_name(app: &App, c: Command) -> String {
    match (app.state.view, c) {
        (View::Costs, Command::CycleSort) => "range".into(),
        (View::Costs, Command::CostRange) => "dates".into(),
        (View::Costs, Command::NextPane) => "breakdown".into(),
        (View::Costs, Command::Open) => "drill in".into(),
        (View::Costs, Command::Back) => "back out".into(),
        (View::Jobs, Command::Open) => "open result".into(),
        (View::Jobs, Command::Refresh) => "retry".into(),
        (View::Jobs, Command::CancelJob) => "cancel".into(),
        _ => c.name().replace('_', " "),
    }
}

/// The key bar: every hint whole or not at all. Help and quit always fit;
/// the others are shown in order while there is room.
pub fn hints(frame: &mut Frame, area: Rect, app: &App) {
    use unicode_width::UnicodeWidthStr;
    let width = area.width as usize;
    let mut spans = Vec::new();
    let mut used = 0;
    if app.state.searching {
        let enter = app.keys.label(Command::FormConfirm);
        let esc = app.keys.label(Command::FormCancel);
        let prefix = format!("type to search · {enter} keep · {esc} clear  ");
        used += prefix.width();
        spans.push(Span::styled(prefix, app.theme.muted));
    }
    // A popup's own keys: the views' keys do not act while it is open.
    if let Some(popup) = &app.state.popup {
        let line = crate::app::popups::key_line(popup, &app.keys);
        frame.render_widget(Paragraph::new(line).style(app.theme.muted), area);
        return;
    }
    let commands = hint_commands(app);
    // While the search box has the keyboard, printable keys type.
    let label = |c: Command| if app.state.searching { app.keys.label_outside_text(c) } else { app.keys.label(c) };
    let item = |c: &Command| (label(*c), format!(" {}  ", hint_name(app, *c)));
    let reserved: usize = commands
        .iter()
        .filter(|c| matches!(c, Command::Help | Command::Quit))
        .map(|c| {
            let (k, n) = item(c);
            k.width() + n.width()
        })
        .sum();
    let mut room = width.saturating_sub(used + reserved);
    for c in commands {
        let (k, n) = item(c);
        let w = k.width() + n.width();
        if !matches!(c, Command::Help | Command::Quit) {
            if w > room {
                continue;
            }
            room -= w;
        }
        spans.push(Span::styled(k, app.theme.accent));
        spans.push(Span::styled(n, app.theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
