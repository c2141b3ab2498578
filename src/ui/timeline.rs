//! The selected prospect's interactions, newest first (two lines each).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};
use ratatui::Frame;

use super::common::{block, fit};
use crate::app::state::Pane;
use crate::app::App;
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = &app.state;
    let p = &s.panel;
    let focused = s.pane == Pane::Timeline;
    let title = format!("Timeline {}/{}", p.timeline.len().min(p.timeline_selected + 1), p.timeline_total);
    let b = block(title, focused, app);
    if p.timeline.is_empty() {
        let msg = if p.timeline_loading {
            "loading…".to_string()
        } else {
            format!("No interactions. Press {} to log one.", app.keys.label(crate::app::Command::NewInteraction))
        };
        frame.render_widget(Paragraph::new(msg).style(app.theme.muted).block(b), area);
        return;
    }
    let width = area.width.saturating_sub(4) as usize;
    let items: Vec<ListItem> = p
        .timeline
        .iter()
        .map(|x| {
            // The subject gets the room: the time of day and then the
            // sentiment are dropped before it is cut short.
            use unicode_width::UnicodeWidthStr;
            let date = x.interaction_date.format(if width >= 60 { "%Y-%m-%d %H:%M " } else { "%Y-%m-%d " }).to_string();
            let kind = format!("{} ", sanitize::line(&x.interaction_type));
            let sentiment = x.sentiment.as_ref().map(|s| format!(" ({})", sanitize::line(s))).unwrap_or_default();
            let room = width.saturating_sub(date.width() + kind.width());
            let subject = sanitize::line(&x.subject);
            let sentiment = if room.saturating_sub(sentiment.width()) >= subject.width().min(24) {
                sentiment
            } else {
                String::new()
            };
            let mut head = vec![
                Span::styled(date, app.theme.muted),
                Span::styled(kind, app.theme.accent),
                Span::raw(fit(&subject, room.saturating_sub(sentiment.width()))),
            ];
            if !sentiment.is_empty() {
                head.push(Span::styled(sentiment, app.theme.muted));
            }
            let mut second = Vec::new();
            if let Some(e) = &x.event_label {
                second.push(format!("@ {}", sanitize::line(e)));
            }
            if let Some(o) = &x.outcome {
                second.push(format!("→ {}", sanitize::line(o)));
            }
            if second.is_empty() {
                second.push(sanitize::line(&x.content_preview).into_owned());
            }
            ListItem::new(vec![
                Line::from(head),
                Line::from(Span::styled(
                    format!("  {}", fit(&second.join("  "), width.saturating_sub(2))),
                    app.theme.muted,
                )),
            ])
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(p.timeline_selected));
    let list = List::new(items).block(b).highlight_style(if focused { app.theme.selection } else { app.theme.accent });
    frame.render_stateful_widget(list, area, &mut state);
}
