//! Every research run of the selected prospect, newest first (the original
//! tool kept every run: GET …/research and …/research/latest): date,
//! confidence, recommended solutions, then the summary and insights.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::common::{block, clear_popup, json_lines};
use super::layout::centered;
use crate::app::App;
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let rect = centered(area, 90, 85);
    clear_popup(frame, rect);
    let p = &app.state.panel;
    let name = p.detail.as_ref().map(|d| sanitize::line(&d.prospect.full_name).into_owned()).unwrap_or_default();
    let mut lines = Vec::new();
    for (i, r) in p.research.iter().enumerate() {
        let confidence = r.confidence_score.map(|c| format!("{:.0}%", c * 100.0)).unwrap_or_else(|| "—".into());
        let tag = if i == 0 { " · latest" } else { "" };
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", r.created_at.format("%Y-%m-%d %H:%M")), app.theme.title),
            Span::styled(format!("confidence {confidence} · research #{}{tag}", r.id), app.theme.muted),
        ]));
        let recs = json_lines(&r.recommended_solutions);
        if recs.is_empty() {
            lines.push(Line::from(Span::styled("  no recommended solutions", app.theme.muted)));
        } else {
            lines.push(Line::from(Span::styled("  Recommended solutions", app.theme.accent)));
            lines.extend(recs.into_iter().map(|s| Line::from(format!("    • {s}"))));
        }
        for l in sanitize::multiline(&r.research_summary).lines() {
            lines.push(Line::from(format!("  {l}")));
        }
        let insights = json_lines(&r.key_insights);
        if !insights.is_empty() {
            lines.push(Line::from(Span::styled("  Key insights", app.theme.accent)));
            lines.extend(insights.into_iter().map(|s| Line::from(format!("    • {s}"))));
        }
        lines.push(Line::default());
    }
    let title = format!(
        "Research history of {name} · {} run(s), newest first ({})",
        p.research.len(),
        crate::app::popups::reader::key_line(&app.keys)
    );
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0)).block(block(title, true, app)),
        rect,
    );
}
