//! The LLM cost dashboard: totals for the chosen range, the month against
//! the budget, prompt against completion tokens, cost per day, and a
//! breakdown by model, workflow or node with share, cost per call and
//! latency percentiles. Enter drills into a row; Esc comes back out.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Sparkline, Table, TableState, Wrap};
use ratatui::Frame;

use super::common::{block, fit, thousands};
use crate::app::state::CostRange;
use crate::app::App;
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let c = &app.state.costs;
    let range = match c.range {
        CostRange::Custom => format!(
            "{} … {}",
            c.custom.0.map(|d| d.to_string()).unwrap_or_else(|| "start".into()),
            c.custom.1.map(|d| d.to_string()).unwrap_or_else(|| "now".into())
        ),
        r => r.label().to_string(),
    };
    let mut title = format!("LLM costs · {range}");
    if let Some(m) = &c.model {
        title.push_str(&format!(" · model {}", sanitize::line(m)));
    }
    if let Some(w) = &c.workflow {
        title.push_str(&format!(" · workflow {}", sanitize::line(w)));
    }
    if c.loading {
        title.push_str(" · loading…");
    }
    let outer = block(title, true, app);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(t) = &c.totals else {
        frame.render_widget(Paragraph::new("loading…").style(app.theme.muted), inner);
        return;
    };
    if t.calls == 0 {
        let msg = "No LLM calls in this range.\n\nEvery call made by Closer's research and drafting jobs (R, W, B on a \
                   prospect; `closer research`) is recorded in llm_usage_logs with its tokens, latency and cost, and so \
                   is every call the earlier tool made. Figures appear here as soon as there are rows, without a restart.\n\n\
                   o: another range · =: choose dates · Esc: leave a drill-down";
        frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }).style(app.theme.muted), inner);
        return;
    }
    let [summary, spark, table, help] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length((inner.height / 4).max(5)),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(inner);

    let budget = app.state.monthly_budget;
    let budget_span = if budget > 0.0 {
        let pct = c.month_cost / budget * 100.0;
        let style = if pct >= 100.0 {
            app.theme.error
        } else if pct >= 80.0 {
            app.theme.warning
        } else {
            app.theme.ok
        };
        Span::styled(format!("this month ${:.2} of ${budget:.2} budget ({pct:.0}%)", c.month_cost), style)
    } else {
        Span::raw(format!("this month ${:.2} (no budget set)", c.month_cost))
    };
    let per_call = t.cost / t.calls as f64;
    // A shared database may hold any numbers (negative, or prompt tokens
    // above the total): the share is clamped so the bar always fits.
    let (prompt, completion) = (t.prompt_tokens.max(0) as f64, t.completion_tokens.max(0) as f64);
    let prompt_share = if prompt + completion > 0.0 { (prompt / (prompt + completion)).clamp(0.0, 1.0) } else { 0.0 };
    let before = format!("tokens {} · prompt {} ", thousands(t.total_tokens), thousands(t.prompt_tokens));
    let after = format!(
        " completion {} ({:.0}% / {:.0}%)",
        thousands(t.completion_tokens),
        prompt_share * 100.0,
        (1.0 - prompt_share) * 100.0
    );
    // The bar takes what the figures leave, up to 20 cells.
    let bar_w = (summary.width as usize).saturating_sub(before.chars().count() + after.chars().count()).min(20);
    let filled = ((prompt_share * bar_w as f64).round() as usize).min(bar_w);
    let lines = vec![
        Line::from(vec![
            Span::styled(format!("${:.2}", t.cost), app.theme.title),
            Span::raw(format!("  {} calls · ${per_call:.4}/call · ", thousands(t.calls))),
            budget_span,
        ]),
        Line::from(vec![
            Span::raw(before),
            Span::styled("█".repeat(filled), app.theme.accent),
            Span::styled("█".repeat(bar_w - filled), app.theme.warning),
            Span::raw(after),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines), summary);

    draw_daily(frame, spark, app);
    draw_table(frame, table, app, t.cost);
    frame.render_widget(
        Paragraph::new("updates live as calls are logged · the key bar below lists the keys").style(app.theme.muted),
        help,
    );
}

/// Cost per day across the whole width: each day a bar as wide as the room
/// allows, the peak on the title line and the first and last day below.
fn draw_daily(frame: &mut Frame, area: Rect, app: &App) {
    let c = &app.state.costs;
    if area.height < 3 || area.width < 10 {
        return;
    }
    let max_points = area.width as usize;
    let days = if c.daily.len() > max_points { &c.daily[c.daily.len() - max_points..] } else { &c.daily[..] };
    let per_day = (max_points / days.len().max(1)).max(1);
    // Cents, bounded so the sparkline's scaling (value × height × 8) cannot overflow.
    let data: Vec<u64> = days
        .iter()
        .flat_map(|(_, cost)| std::iter::repeat_n((cost * 100.0).round().clamp(0.0, 1e15) as u64, per_day))
        .collect();
    let first = days.first().map(|d| d.0.as_str()).unwrap_or("");
    let last = days.last().map(|d| d.0.as_str()).unwrap_or("");
    let peak = days.iter().map(|d| d.1).fold(0.0, f64::max);
    let [title, chart, axis] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(format!("cost per day · peak ${peak:.2} · {} days", days.len())).style(app.theme.muted),
        title,
    );
    frame.render_widget(Sparkline::default().data(&data).style(app.theme.accent), chart);
    let used = (data.len() as u16).min(axis.width);
    let gap = (used as usize).saturating_sub(first.len() + last.len());
    let axis_text = if gap >= 1 { format!("{first}{}{last}", " ".repeat(gap)) } else { first.to_string() };
    frame.render_widget(Paragraph::new(axis_text).style(app.theme.muted), axis);
}

/// One breakdown column: its title, width, and how to show a row.
type Column = (&'static str, usize, fn(&crate::db::usage::UsageBucket, f64) -> String);

/// The breakdown table. The key (model, workflow, node) gets the room; the
/// least useful columns are dropped first as the width narrows.
fn draw_table(frame: &mut Frame, area: Rect, app: &App, total_cost: f64) {
    let c = &app.state.costs;
    // Most useful first.
    let all: [Column; 9] = [
        ("Cost", 10, |b, _| format!("${:.2}", b.cost)),
        ("Share", 5, |b, t| format!("{:.0}%", if t > 0.0 { b.cost / t * 100.0 } else { 0.0 })),
        ("Calls", 9, |b, _| thousands(b.calls)),
        ("$/call", 7, |b, _| format!("{:.4}", if b.calls > 0 { b.cost / b.calls as f64 } else { 0.0 })),
        ("p95 ms", 7, |b, _| format!("{:.0}", b.latency_p95_ms)),
        ("Prompt", 13, |b, _| thousands(b.prompt_tokens)),
        ("Completion", 13, |b, _| thousands(b.completion_tokens)),
        ("p50 ms", 7, |b, _| format!("{:.0}", b.latency_p50_ms)),
        ("p99 ms", 7, |b, _| format!("{:.0}", b.latency_p99_ms)),
    ];
    let longest_key = c.breakdown.iter().map(|b| sanitize::line(&b.key).chars().count()).max().unwrap_or(0);
    let key_w = longest_key.clamp(12, 40);
    let width = area.width as usize;
    let mut room = width.saturating_sub(key_w.min(24) + 1);
    let mut shown: Vec<&Column> = Vec::new();
    for col in &all {
        if col.1 < room {
            room -= col.1 + 1;
            shown.push(col);
        }
    }
    let key_w = (width - shown.iter().map(|c| c.1 + 1).sum::<usize>()).saturating_sub(1).min(key_w.max(12));
    let mut header = vec![c.by.label()];
    header.extend(shown.iter().map(|c| c.0));
    let rows: Vec<Row> = c
        .breakdown
        .iter()
        .map(|b| {
            let mut cells = vec![fit(&sanitize::line(&b.key), key_w)];
            cells.extend(shown.iter().map(|col| (col.2)(b, total_cost)));
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![Constraint::Length(key_w as u16)];
    widths.extend(shown.iter().map(|c| Constraint::Length(c.1 as u16)));
    let mut state = TableState::default().with_selected(Some(c.selected));
    frame.render_stateful_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(app.theme.title))
            .row_highlight_style(app.theme.selection),
        area,
        &mut state,
    );
}
