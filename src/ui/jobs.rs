//! Background LLM jobs: state, calls and cost of each, newest first.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::common::{block, fit};
use crate::app::App;
use crate::llm::JobState;
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let j = &app.state.jobs;
    let running = j.count(|s| *s == JobState::Running);
    let queued = j.count(|s| *s == JobState::Queued);
    let failed = j.count(|s| matches!(s, JobState::Failed(_)));
    let title = format!("LLM jobs · {running} running · {queued} queued · {failed} failed · ${:.4} so far", j.cost());
    let title = if j.jobs.is_empty() { "LLM jobs".to_string() } else { title };
    let b = block(title, true, app);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if j.jobs.is_empty() {
        use crate::app::Command;
        let k = |c| app.keys.label(c);
        let msg = format!(
            "No jobs yet. On a prospect: {} researches it, {} drafts outreach with the LLM, {} researches every \
             prospect in the current filter (after showing the estimated cost); {} on an event matches prospects to \
             it and drafts invitations.\n\
             Jobs run in the background. Here: {} opens what a job wrote or why it failed, {} runs a failed job \
             again, {} cancels.",
            k(Command::Research),
            k(Command::AiDraft),
            k(Command::BulkResearch),
            k(Command::MatchEvent),
            k(Command::Open),
            k(Command::Refresh),
            k(Command::CancelJob)
        );
        frame.render_widget(
            Paragraph::new(msg).style(app.theme.muted).wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    let w = inner.width as usize;
    let visible = inner.height.saturating_sub(1) as usize;
    // Only the rows around the selection are built.
    let skip = j.selected.saturating_sub(visible.saturating_sub(1));
    let rows: Vec<Row> = j
        .ordered()
        .skip(skip)
        .take(visible)
        .map(|u| {
            let (state, style) = match &u.state {
                JobState::Queued => ("queued".to_string(), app.theme.muted),
                JobState::Running => match &u.note {
                    Some(note) => (format!("running: {}", sanitize::line(note)), app.theme.warning),
                    None => ("running".to_string(), app.theme.warning),
                },
                JobState::Done(what) => (format!("done: {}", sanitize::line(what)), app.theme.ok),
                JobState::Failed(e) => (format!("failed: {}", sanitize::line(e)), app.theme.error),
                JobState::Cancelled => ("cancelled".to_string(), app.theme.muted),
            };
            Row::new(vec![
                Line::from(format!("{}", u.id)),
                Line::from(fit(&app.job_title(&u.kind), 32)),
                Line::from(Span::styled(fit(&state, w.saturating_sub(62).max(10)), style)),
                Line::from(format!("{}", u.calls)),
                Line::from(format!("${:.4}", u.cost)),
            ])
        })
        .collect();
    let mut state = TableState::default().with_selected(Some(j.selected - skip));
    frame.render_stateful_widget(
        Table::new(
            rows,
            [
                Constraint::Length(6),
                Constraint::Length(32),
                Constraint::Min(10),
                Constraint::Length(5),
                Constraint::Length(10),
            ],
        )
        .header(Row::new(["Job", "What", "State", "Calls", "Cost"]).style(app.theme.title))
        .row_highlight_style(app.theme.selection),
        inner,
        &mut state,
    );
}
