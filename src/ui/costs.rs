//! The LLM cost dashboard: totals for the chosen range, the month against
//! the budget, prompt against completion tokens, cost per day, and a
//! breakdown by model, workflow or node with share, cost per call and
//! latency percentiles. Enter drills into a row; Esc comes back out.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Sparkline, Table, TableState, Wrap};
use ratatui::Frame;

use super::common::{block, fit};
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
    let [summary, spark, table, help] =
        Layout::vertical([Constraint::Length(3), Constraint::Length(5), Constraint::Min(3), Constraint::Length(1)])
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
    let bar_w = 20usize;
    let filled = ((prompt_share * bar_w as f64).round() as usize).min(bar_w);
    let lines = vec![
        Line::from(vec![
            Span::styled(format!("${:.2}", t.cost), app.theme.title),
            Span::raw(format!("  {} calls · ${per_call:.4}/call · ", t.calls)),
            budget_span,
        ]),
        Line::from(vec![
            Span::raw(format!("tokens {} · prompt {} ", t.total_tokens, t.prompt_tokens)),
            Span::styled("█".repeat(filled), app.theme.accent),
            Span::styled("█".repeat(bar_w - filled), app.theme.warning),
            Span::raw(format!(
                " completion {} ({:.0}% / {:.0}%)",
                t.completion_tokens,
                prompt_share * 100.0,
                (1.0 - prompt_share) * 100.0
            )),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines), summary);

    // Cost per day, in cents so that small days still show.
    let max_points = spark.width as usize;
    let days = if c.daily.len() > max_points { &c.daily[c.daily.len() - max_points..] } else { &c.daily[..] };
    // Cents, bounded so the sparkline's scaling (value × height × 8) cannot overflow.
    let data: Vec<u64> = days.iter().map(|(_, cost)| (cost * 100.0).round().clamp(0.0, 1e15) as u64).collect();
    let first = days.first().map(|d| d.0.as_str()).unwrap_or("");
    let last = days.last().map(|d| d.0.as_str()).unwrap_or("");
    let peak = days.iter().map(|d| d.1).fold(0.0, f64::max);
    let spark_block = ratatui::widgets::Block::default()
        .title(Span::styled(format!("cost per day {first} … {last} (peak ${peak:.2})"), app.theme.muted));
    frame.render_widget(Sparkline::default().data(&data).style(app.theme.accent).block(spark_block), spark);

    let header = Row::new([
        c.by.label(),
        "Share",
        "Cost",
        "Calls",
        "$/call",
        "Prompt",
        "Completion",
        "p50 ms",
        "p95 ms",
        "p99 ms",
    ])
    .style(app.theme.title);
    let key_w = (table.width as usize).saturating_sub(82).clamp(12, 40);
    let rows: Vec<Row> = c
        .breakdown
        .iter()
        .map(|b| {
            let share = if t.cost > 0.0 { b.cost / t.cost * 100.0 } else { 0.0 };
            Row::new(vec![
                fit(&sanitize::line(&b.key), key_w),
                format!("{share:.0}%"),
                format!("${:.2}", b.cost),
                b.calls.to_string(),
                format!("{:.4}", if b.calls > 0 { b.cost / b.calls as f64 } else { 0.0 }),
                b.prompt_tokens.to_string(),
                b.completion_tokens.to_string(),
                format!("{:.0}", b.latency_p50_ms),
                format!("{:.0}", b.latency_p95_ms),
                format!("{:.0}", b.latency_p99_ms),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(key_w as u16),
        Constraint::Length(5),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
    ];
    let mut state = TableState::default().with_selected(Some(c.selected));
    frame.render_stateful_widget(
        Table::new(rows, widths).header(header).row_highlight_style(app.theme.selection),
        table,
        &mut state,
    );
    frame.render_widget(
        Paragraph::new(
            "o range · = dates · Tab model/workflow/node · Enter drill into the row · Esc back out · updates live",
        )
        .style(app.theme.muted),
        help,
    );
}
