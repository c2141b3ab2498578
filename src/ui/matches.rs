//! The Events view's third pane (drawn where the event's detail is, when focused): this session's matching run for the
//! selected event (ranked candidates with score and reason, selected ones
//! marked ✓, each one's invitation), or the invitations on file when there
//! was no run this session; plus the invited/approved/sent line of the
//! event's detail. LLM and database text is sanitised before it is drawn.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use super::common::{block, fit};
use crate::app::matching::MatchRow;
use crate::app::state::Pane;
use crate::app::{App, Command};
use crate::sanitize;

/// "Invitations: 25 invited · 12 approved · 3 sent", for the event's detail.
pub fn invitation_line(app: &App, event_id: i32) -> Line<'static> {
    match app.state.matches.counts(event_id) {
        Some(c) => Line::from(vec![
            Span::styled(format!("{:>10}: ", "Invited"), app.theme.muted),
            Span::raw(format!("{} · {} approved · {} sent", c.invited, c.approved, c.sent)),
        ]),
        None => Line::from(Span::styled(format!("{:>10}: …", "Invited"), app.theme.muted)),
    }
}

/// Where the ranking is: this session's run, or how to start one.
pub fn hint_line(app: &App, event_id: i32) -> Line<'static> {
    let text = match app.state.matches.reports.get(&event_id) {
        Some(r) => format!(
            "{} ranked, {} selected in this session's run · {} to Matches shows them",
            r.ranked.len(),
            r.selected().count(),
            app.keys.label(Command::NextPane)
        ),
        None => format!("{} matches prospects to this event", app.keys.label(Command::MatchEvent)),
    };
    Line::from(vec![Span::styled(format!("{:>10}: ", "Matching"), app.theme.muted), Span::raw(text)])
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, event_id: i32) {
    let m = &app.state.matches;
    let focused = app.state.pane == Pane::Matches;
    let rows = m.rows(event_id);
    let report = m.reports.get(&event_id);
    let title = match report {
        Some(r) => format!(
            "Matches for {} · {} scored · {} selected ✓ · {} failed · {} invitation(s) written",
            event_label(app, event_id),
            r.ranked.len(),
            r.selected().count(),
            r.failed.len(),
            r.invitations_written
        ),
        None => format!("Invitations on file for {} · {}", event_label(app, event_id), m.invitations(event_id).len()),
    };
    let b = block(title, focused, app);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let keys = |c: Command| app.keys.label(c);
    let mut header = Vec::new();
    if let Some(r) = report {
        if let Some(why) = &r.stopped {
            header.push(Line::from(Span::styled(format!("stopped: {}", sanitize::line(why)), app.theme.error)));
        }
        header.push(Line::from(Span::styled(
            format!(
                "top {} or score ≥ {}{} · {} already invited (skipped) · {} opens an invitation · {} approves the selected",
                r.options.top_n,
                r.options.min_score,
                if r.options.dry_run { " · dry run" } else { "" },
                r.already_invited,
                keys(Command::Open),
                keys(Command::ApproveInvitations)
            ),
            app.theme.muted,
        )));
    } else if rows.is_empty() {
        let msg = format!(
            "No matching run for this event in this session. {} scores the prospects of its target industries \
             with the LLM and drafts invitations for the best (the estimated cost is shown first).",
            keys(Command::MatchEvent)
        );
        frame.render_widget(Paragraph::new(msg).style(app.theme.muted).wrap(Wrap { trim: true }), inner);
        return;
    } else {
        header.push(Line::from(Span::styled(
            format!(
                "{} opens one · {} approves those still in draft · {} matches again (invited prospects are skipped)",
                keys(Command::Open),
                keys(Command::ApproveInvitations),
                keys(Command::MatchEvent)
            ),
            app.theme.muted,
        )));
    }
    let [head, list_area] =
        Layout::vertical([Constraint::Length(header.len() as u16), Constraint::Min(1)]).areas(inner);
    frame.render_widget(Paragraph::new(header), head);

    let width = list_area.width as usize;
    // Two lines per row (the reason below); only the rows around the
    // selection are built (a run can rank thousands).
    let visible = (list_area.height as usize / 2).max(1);
    let skip = m.selected.saturating_sub(visible.saturating_sub(1));
    let items: Vec<ListItem> =
        rows.iter().skip(skip).take(visible).map(|row| ListItem::new(row_lines(app, event_id, row, width))).collect();
    let selected = focused.then_some(m.selected.saturating_sub(skip));
    let mut state = ListState::default().with_selected(selected);
    frame.render_stateful_widget(List::new(items).highlight_style(app.theme.selection), list_area, &mut state);
}

/// "#4 Roundtable · Berlin", sanitised.
fn event_label(app: &App, event_id: i32) -> String {
    match app.state.events.events.iter().find(|e| e.id == event_id) {
        Some(e) => format!("#{event_id} {} · {}", sanitize::line(&e.event_type), sanitize::line(&e.location)),
        None => format!("#{event_id}"),
    }
}

fn row_lines(app: &App, event_id: i32, row: &MatchRow<'_>, width: usize) -> Vec<Line<'static>> {
    let indent = "          ";
    match row {
        MatchRow::Ranked(r) => {
            let invitation = match (r.draft_id, &r.invitation_note) {
                (Some(id), _) => {
                    let status = app.state.matches.status_of(event_id, id).unwrap_or("draft");
                    format!("invitation #{id} ({})", sanitize::line(status))
                }
                (None, Some(note)) => sanitize::line(note).into_owned(),
                (None, None) => String::new(),
            };
            let lead = format!("{} {:>3}  #{:<6} ", if r.selected { "✓" } else { " " }, r.score, r.prospect_id);
            let who = format!(
                "{} · {} · {}",
                sanitize::line(&r.full_name),
                sanitize::line(&r.company),
                sanitize::line(&r.industry)
            );
            let room = width.saturating_sub(lead.chars().count() + invitation.chars().count() + 2);
            let style = if r.selected { app.theme.ok } else { ratatui::style::Style::new() };
            vec![
                Line::from(vec![
                    Span::styled(lead, style),
                    Span::styled(format!("{:<room$}  ", fit(&who, room)), style),
                    Span::styled(invitation, app.theme.accent),
                ]),
                Line::from(Span::styled(
                    format!("{indent}{}", fit(&sanitize::line(&r.reason), width.saturating_sub(indent.len()))),
                    app.theme.muted,
                )),
            ]
        }
        MatchRow::Failed(f) => vec![
            Line::from(Span::styled(
                fit(&format!("  —    #{:<6} {}", f.prospect_id, sanitize::line(&f.full_name)), width),
                app.theme.error,
            )),
            Line::from(Span::styled(
                format!(
                    "{indent}{}",
                    fit(&format!("scoring failed: {}", sanitize::line(&f.error)), width.saturating_sub(indent.len()))
                ),
                app.theme.error,
            )),
        ],
        MatchRow::OnFile(i) => vec![
            Line::from(vec![
                Span::styled(format!("{:<10} ", fit(&sanitize::line(&i.status), 10)), app.theme.accent),
                Span::raw(fit(
                    &format!("#{} {} · {}", i.prospect_id, sanitize::line(&i.full_name), sanitize::line(&i.company)),
                    width.saturating_sub(11),
                )),
            ]),
            Line::from(Span::styled(
                format!("{indent}invitation #{} ({})", i.draft_id, fit(&sanitize::line(&i.draft_type), 30)),
                app.theme.muted,
            )),
        ],
    }
}
