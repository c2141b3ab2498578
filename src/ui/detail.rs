//! The selected prospect: contact, company, industry, latest research and drafts.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::common::{block, date, field, json_lines, opt};
use crate::app::state::Pane;
use crate::app::App;
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.state;
    let p = &s.panel;
    let focused = s.pane == Pane::Detail;
    let Some(d) = &p.detail else {
        let msg = if p.detail_loading { "loading…" } else { "No prospect selected." };
        frame.render_widget(Paragraph::new(msg).style(app.theme.muted).block(block("Detail", focused, app)), area);
        return;
    };
    let pr = &d.prospect;
    let mut lines = vec![
        Line::from(Span::styled(sanitize::line(&pr.full_name).into_owned(), app.theme.title)),
        field("Email", &pr.email, app),
        field("Status", &pr.status, app),
        field("Active", if pr.is_active { "yes" } else { "no" }, app),
        field("Contacted", &date(pr.last_contacted_at), app),
        field("Location", &opt(&pr.location), app),
        field("LinkedIn", &opt(&pr.linkedin_url), app),
        field("Company", &d.company.name, app),
        field("Industry", &d.industry.name, app),
        field("Size", &d.company.size, app),
        field("Website", &opt(&d.company.website), app),
        Line::default(),
    ];
    match p.research.first() {
        Some(r) => {
            let confidence = r.confidence_score.map(|c| format!("{:.0}%", c * 100.0)).unwrap_or_else(|| "—".into());
            lines.push(Line::from(vec![
                Span::styled("Research", app.theme.title),
                Span::styled(
                    format!(
                        "  {} · confidence {confidence} · {} on file ({} shows all)",
                        r.created_at.format("%Y-%m-%d"),
                        p.research.len(),
                        app.keys.label(crate::app::Command::ResearchHistory)
                    ),
                    app.theme.muted,
                ),
            ]));
            for l in sanitize::multiline(&r.research_summary).lines() {
                lines.push(Line::from(l.to_string()));
            }
            let insights = json_lines(&r.key_insights);
            if !insights.is_empty() {
                lines.push(Line::from(Span::styled("Key insights", app.theme.accent)));
                lines.extend(insights.into_iter().map(|i| Line::from(format!("  • {i}"))));
            }
            let recs = json_lines(&r.recommended_solutions);
            if !recs.is_empty() {
                lines.push(Line::from(Span::styled("Recommended solutions", app.theme.accent)));
                lines.extend(recs.into_iter().map(|i| Line::from(format!("  • {i}"))));
            }
        }
        None => lines.push(Line::from(Span::styled("No research yet.", app.theme.muted))),
    }
    lines.push(Line::default());
    if p.drafts.is_empty() {
        lines.push(Line::from(Span::styled("No drafts.", app.theme.muted)));
    } else {
        lines.push(Line::from(Span::styled(format!("Drafts ({})", p.drafts.len()), app.theme.title)));
        for dr in &p.drafts {
            let first = dr.content.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {} {} ", sanitize::line(&dr.status), sanitize::line(&dr.draft_type)),
                    app.theme.accent,
                ),
                Span::raw(sanitize::line(first).into_owned()),
            ]));
        }
    }
    let title = format!("Detail #{}", pr.id);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((p.detail_scroll, 0)).block(block(title, focused, app)),
        area,
    );
}
