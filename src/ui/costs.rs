//! The LLM cost dashboard: totals, cost per day, and a per-model table with
//! latency percentiles, for the chosen range. Figures are aggregated in SQL.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Sparkline, Table, TableState};
use ratatui::Frame;

use super::common::{block, fit};
use crate::app::App;
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let c = &app.state.costs;
    let title = format!("LLM costs · {} (o: change range)", c.range.label());
    let outer = block(title, true, app);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(t) = &c.totals else {
        frame.render_widget(Paragraph::new("loading…").style(app.theme.muted), inner);
        return;
    };
    if t.calls == 0 {
        let msg =
            "No LLM calls in this range.\n\nEvery call Closer's research and drafting pipeline makes is recorded in \
                   llm_usage_logs (tokens, latency, cost), and so is every call the earlier tool made. \
                   Figures appear here as soon as there are rows; press o for a wider range.";
        frame.render_widget(
            Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }).style(app.theme.muted),
            inner,
        );
        return;
    }
    let [summary, spark, table] =
        Layout::vertical([Constraint::Length(3), Constraint::Length(5), Constraint::Min(3)]).areas(inner);

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
    let per_call = if t.calls > 0 { t.cost / t.calls as f64 } else { 0.0 };
    let lines = vec![
        Line::from(vec![
            Span::styled(format!("${:.2}", t.cost), app.theme.title),
            Span::raw(format!("  {} calls · ${per_call:.4}/call · ", t.calls)),
            budget_span,
        ]),
        Line::from(format!(
            "tokens {} (prompt {} · completion {})",
            t.total_tokens, t.prompt_tokens, t.completion_tokens
        )),
    ];
    frame.render_widget(Paragraph::new(lines), summary);

    // Cost per day, in cents so that small days still show.
    let data: Vec<u64> = c.by_day.iter().map(|d| (d.cost * 100.0).round() as u64).collect();
    let first = c.by_day.first().map(|d| d.key.as_str()).unwrap_or("");
    let last = c.by_day.last().map(|d| d.key.as_str()).unwrap_or("");
    let spark_block = ratatui::widgets::Block::default()
        .title(Span::styled(format!("cost per day {first} … {last}"), app.theme.muted));
    let max_points = spark.width as usize;
    let data = if data.len() > max_points { data[data.len() - max_points..].to_vec() } else { data };
    frame.render_widget(Sparkline::default().data(&data).style(app.theme.accent).block(spark_block), spark);

    let header = Row::new(["Model", "Share", "Cost", "Calls", "Prompt", "Completion", "p50 ms", "p95 ms", "p99 ms"])
        .style(app.theme.title);
    let rows: Vec<Row> = c
        .by_model
        .iter()
        .map(|b| {
            let share = if t.cost > 0.0 { b.cost / t.cost * 100.0 } else { 0.0 };
            Row::new(vec![
                fit(&sanitize::line(&b.key), 28),
                format!("{share:.0}%"),
                format!("${:.2}", b.cost),
                b.calls.to_string(),
                b.prompt_tokens.to_string(),
                b.completion_tokens.to_string(),
                format!("{:.0}", b.latency_p50_ms),
                format!("{:.0}", b.latency_p95_ms),
                format!("{:.0}", b.latency_p99_ms),
            ])
        })
        .collect();
    let widths = [
        Constraint::Min(16),
        Constraint::Length(5),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(11),
        Constraint::Length(11),
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
}
