//! The import popup: the path with its completions, the progress while a
//! dry run or an import runs, and their summaries with the first rejected
//! rows. Paths and reasons come from outside: all of it is sanitised.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::common::{block, clear_popup};
use super::layout::centered;
use crate::app::popups::import::{ImportPopup, ImportStage};
use crate::app::App;
use crate::import::report::{counts, rejections, thousands};
use crate::import::Phase;
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, p: &ImportPopup) {
    let rect = centered(area, 90, 85);
    clear_popup(frame, rect);
    let inner_rows = rect.height.saturating_sub(2) as usize;
    let mut lines = vec![Line::from(vec![
        Span::styled("File: ", app.theme.muted),
        Span::raw(sanitize::line(&p.path).into_owned()),
        if p.stage == ImportStage::Path { Span::styled("▏", app.theme.accent) } else { Span::raw("") },
    ])];
    // Right under the file, where no list can push it out of sight.
    if let Some(e) = &p.error {
        lines.push(Line::from(Span::styled(format!("⚠ {}", sanitize::line(e)), app.theme.error)));
    }
    // The keys are in the key bar (popups::key_line): the rows go to the report.
    match &p.stage {
        ImportStage::Path => {
            for c in p.candidates.iter().take(inner_rows.saturating_sub(8)) {
                lines.push(Line::from(Span::styled(format!("  {}", sanitize::line(c)), app.theme.accent)));
            }
            if p.candidates.len() > inner_rows.saturating_sub(8) {
                lines.push(Line::from(Span::styled(
                    format!("  … {} more", p.candidates.len() - inner_rows.saturating_sub(8)),
                    app.theme.muted,
                )));
            }
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                "A CSV with a header row: full_name (or first and last name), email, company, industry, size, \
                 website, linkedin_url, location, status, is_active, last_contacted_at. Duplicates by email.",
                app.theme.muted,
            )));
        }
        ImportStage::Checking | ImportStage::Importing => {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                if p.stage == ImportStage::Checking { "Checking (dry run)…" } else { "Importing…" },
                app.theme.title,
            )));
            lines.push(Line::from(progress_text(p, rect.width.saturating_sub(30) as usize)));
        }
        ImportStage::Review(s) | ImportStage::Done(s) => {
            lines.push(Line::default());
            for (i, l) in counts(s).into_iter().enumerate() {
                lines.push(Line::from(Span::styled(l, if i == 0 { app.theme.title } else { app.theme.accent })));
            }
            if s.rejected > 0 {
                lines.push(Line::default());
                lines.push(Line::from(Span::styled("Rejected rows:", app.theme.warning)));
                let room = inner_rows.saturating_sub(lines.len() + 1).max(1);
                lines.extend(rejections(s, room.saturating_sub(1)).into_iter().map(|l| Line::from(format!("  {l}"))));
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(block("Import prospects from CSV", true, app)),
        rect,
    );
}

/// `[#####-----]  45% · 45,000 rows`, or what is happening when the size is unknown.
fn progress_text(p: &ImportPopup, width: usize) -> String {
    let Some(pr) = p.progress else { return "starting…".into() };
    match (pr.phase, pr.total) {
        (Phase::Reading, Some(total)) if total > 0 => {
            let pct = (pr.bytes.min(total) * 100 / total) as usize;
            let w = width.clamp(10, 50);
            let filled = pct * w / 100;
            format!("[{}{}] {pct:>3}% · {} rows read", "#".repeat(filled), "-".repeat(w - filled), thousands(pr.rows))
        }
        (Phase::Reading, _) => format!("{} rows read", thousands(pr.rows)),
        (Phase::Writing, _) => format!("{} rows read · de-duplicating and writing…", thousands(pr.rows)),
    }
}
