//! The Today view: one list, most urgent first, under the headers overdue,
//! due today and this week; each row says when, what and why. Beside it (or
//! below, on narrow terminals) the selected row in full and its next steps,
//! each one key.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::common::{block, fit, pad};
use super::layout;
use crate::app::state::Pane;
use crate::app::{App, Command};
use crate::calendar::{business_days_between, thousands};
use crate::db::followups::{Group, ItemKind, TodayItem};
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.state.day.today;
    let [list_area, detail_area] = layout::today_areas(area);
    let focused = app.state.pane == Pane::List;
    let title = match &t.list {
        Some(l) => {
            let c = &l.counts;
            let mut s = format!(
                "Today{} · {} overdue · {} due today · {} this week",
                l.as_of.map(|d| format!(" {}", d.format("%a %-d %b"))).unwrap_or_default(),
                thousands(c.overdue),
                thousands(c.today),
                thousands(c.this_week)
            );
            if (l.items.len() as i64) < c.total() {
                s.push_str(&format!(" · the {} most urgent shown", thousands(l.items.len() as i64)));
            }
            if t.loading {
                s.push_str(" · ⟳");
            }
            s
        }
        None => "Today · loading…".into(),
    };
    let b = block(title, focused, app);
    let inner = b.inner(list_area);
    frame.render_widget(b, list_area);
    let items = t.items();
    if t.list.is_some() && items.is_empty() {
        frame.render_widget(
            Paragraph::new(format!(
                "Nothing due: no follow-up, draft or event needs you this week. {} shows every prospect.",
                app.keys.label(Command::ViewProspects)
            ))
            .style(app.theme.muted)
            .wrap(Wrap { trim: true }),
            inner,
        );
    } else {
        draw_list(frame, inner, app, items);
    }
    draw_detail(frame, detail_area, app, t.selected_item());
}

fn draw_list(frame: &mut Frame, area: Rect, app: &App, items: &[TodayItem]) {
    let t = &app.state.day.today;
    let counts = t.list.as_ref().map(|l| l.counts).unwrap_or_default();
    let as_of = t.list.as_ref().and_then(|l| l.as_of);
    let w = area.width as usize;
    let name_w = (w * 28 / 100).clamp(10, 32);
    let mut lines = Vec::with_capacity(area.height as usize);
    let mut row = 0usize;
    for (i, it) in items.iter().enumerate() {
        if lines.len() >= area.height as usize {
            break;
        }
        if i == 0 || items[i - 1].group != it.group {
            if row >= t.scroll {
                let style = match it.group {
                    Group::Overdue => app.theme.error,
                    Group::Today => app.theme.warning,
                    Group::ThisWeek => app.theme.accent,
                };
                lines.push(Line::from(Span::styled(
                    format!("{} · {}", it.group.label(), thousands(counts.get(it.group))),
                    style.add_modifier(Modifier::BOLD),
                )));
            }
            row += 1;
        }
        if row >= t.scroll && lines.len() < area.height as usize {
            let when = match (it.group, as_of) {
                (Group::Overdue, Some(d)) => {
                    let late = business_days_between(it.due, d).max(1);
                    format!("{late}d late")
                }
                (Group::Today, _) => "today".to_string(),
                _ => it.due.format("%a %-d").to_string(),
            };
            let who = match (&it.prospect, &it.title) {
                (Some(p), _) => sanitize::line(&p.full_name).into_owned(),
                (None, Some(title)) => sanitize::line(title).into_owned(),
                _ => String::new(),
            };
            let reason_w = w.saturating_sub(11 + 10 + name_w + 1);
            let spans_who = pad(&fit(&who, name_w), name_w);
            let mut spans = vec![
                Span::styled(format!("{} ", pad(&when, 10)), app.theme.muted),
                Span::styled(format!("{:<10}", it.kind.label()), kind_style(app, it.kind)),
                Span::raw(format!("{spans_who} ")),
                Span::styled(fit(&sanitize::line(&it.reason), reason_w), app.theme.muted),
            ];
            if i == t.selected {
                let sel = if app.state.pane == Pane::List { app.theme.selection } else { app.theme.accent };
                for s in spans.iter_mut() {
                    s.style = sel;
                }
            }
            lines.push(Line::from(spans));
        }
        row += 1;
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// `s` padded with spaces to `width` terminal cells (wide characters count double).
fn kind_style(app: &App, kind: ItemKind) -> Style {
    match kind {
        ItemKind::DraftApproved => app.theme.ok,
        ItemKind::FollowUp => app.theme.accent,
        ItemKind::EventInvitations => app.theme.warning,
        ItemKind::DraftReview => app.theme.muted,
    }
}

fn draw_detail(frame: &mut Frame, area: Rect, app: &App, item: Option<&TodayItem>) {
    let b = block("Next step", false, app);
    let Some(it) = item else {
        frame.render_widget(Paragraph::new("").block(b), area);
        return;
    };
    let mut lines = Vec::new();
    if let Some(p) = &it.prospect {
        lines.push(Line::from(vec![
            Span::styled(sanitize::line(&p.full_name).into_owned(), app.theme.title),
            Span::styled(
                format!(" · {} · {}", sanitize::line(&p.company_name), sanitize::line(&p.status)),
                app.theme.muted,
            ),
        ]));
    } else if let Some(title) = &it.title {
        lines.push(Line::from(Span::styled(sanitize::line(title).into_owned(), app.theme.title)));
    }
    lines.push(Line::from(sanitize::line(&it.reason).into_owned()));
    let k = |c: Command| app.keys.label(c);
    let steps = match it.kind {
        ItemKind::FollowUp => format!(
            "{} open · {} write a draft · {} LLM draft · {} log a call/email · {} snooze · {} status · {} active",
            k(Command::Open),
            k(Command::NewDraft),
            k(Command::AiDraft),
            k(Command::NewInteraction),
            k(Command::Snooze),
            k(Command::SetStatus),
            k(Command::ToggleActive)
        ),
        ItemKind::DraftApproved | ItemKind::DraftReview => format!(
            "{} open the draft · {} mark it sent · {} log a call/email · {} snooze",
            k(Command::Open),
            k(Command::MarkSent),
            k(Command::NewInteraction),
            k(Command::Snooze)
        ),
        ItemKind::EventInvitations => format!(
            "{} open the event · {} LLM invitations for them (cost first) · {} snooze",
            k(Command::Open),
            k(Command::AiDraft),
            k(Command::Snooze)
        ),
    };
    lines.push(Line::from(Span::styled(steps, app.theme.accent)));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(b), area);
}
