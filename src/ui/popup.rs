//! Popups over the current view: help, a full interaction, a picker, a form.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use super::common::{block, clear_popup};
use super::layout::centered;
use crate::app::forms::{FieldKind, Form};
use crate::app::popups::{reader, recover};
use crate::app::state::Popup;
use crate::app::{App, Command};
use crate::sanitize;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, popup: &Popup) {
    match popup {
        Popup::Help { scroll } => help(frame, app, *scroll),
        Popup::Interaction { interaction, scroll, .. } => {
            let rect = centered(area, 90, 85);
            clear_popup(frame, rect);
            let Some(x) = interaction else {
                frame.render_widget(Paragraph::new("loading…").block(block("Interaction", true, app)), rect);
                return;
            };
            let mut lines = vec![
                Line::from(Span::styled(sanitize::line(&x.subject).into_owned(), app.theme.title)),
                Line::from(Span::styled(
                    format!(
                        "{} · {} · sentiment {} · {} characters",
                        x.interaction_date.format("%Y-%m-%d %H:%M"),
                        sanitize::line(&x.interaction_type),
                        sanitize::line(x.sentiment.as_deref().unwrap_or("—")),
                        x.content.chars().count()
                    ),
                    app.theme.muted,
                )),
            ];
            if let Some(o) = &x.outcome {
                lines.push(Line::from(format!("Outcome: {}", sanitize::line(o))));
            }
            lines.push(Line::default());
            // The body scrolls by logical line under a fixed header, and only
            // the lines that can be visible are built, so a body of several
            // hundred kilobytes scrolls without delay.
            let body = sanitize::multiline(&x.content);
            let total = body.lines().count();
            let start = (*scroll as usize).min(total.saturating_sub(1));
            let height = rect.height as usize;
            lines.extend(body.lines().skip(start).take(height).map(|l| Line::from(l.to_string())));
            let title = format!(
                "Interaction #{} · line {}/{} ({})",
                x.id,
                start + 1,
                total.max(1),
                reader::key_line(&app.keys)
            );
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(title, true, app)), rect);
        }
        Popup::Picker(p) => {
            let rect = centered(area, 40, 50);
            clear_popup(frame, rect);
            let items: Vec<ListItem> =
                p.options.iter().map(|o| ListItem::new(sanitize::line(o).into_owned())).collect();
            let mut state = ListState::default().with_selected(Some(p.selected));
            frame.render_stateful_widget(
                List::new(items).block(block(p.title.clone(), true, app)).highlight_style(app.theme.selection),
                rect,
                &mut state,
            );
        }
        Popup::Form(form) => draw_form(frame, area, app, form),
        Popup::ResearchHistory { scroll } => super::research_history::draw(frame, area, app, *scroll),
        Popup::Import(p) => super::transfer::draw(frame, area, app, p),
        Popup::Editor(e) => super::editor::draw(frame, area, app, e),
        Popup::Recover { records, selected, confirm_discard, .. } => {
            let rect = centered(area, 80, 60);
            clear_popup(frame, rect);
            let mut items: Vec<ListItem> = Vec::new();
            for r in records {
                let first = r.content.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                items.push(ListItem::new(vec![
                    Line::from(vec![
                        Span::styled(format!("{} ", r.written_at.format("%Y-%m-%d %H:%M")), app.theme.muted),
                        Span::styled(
                            match r.draft_id {
                                Some(id) => format!("draft #{id} "),
                                None => "new draft ".into(),
                            },
                            app.theme.accent,
                        ),
                        Span::raw(format!(
                            "for {} ({} characters)",
                            sanitize::line(&r.context.full_name),
                            r.content.chars().count()
                        )),
                    ]),
                    Line::from(Span::styled(format!("  {}", sanitize::line(first)), app.theme.muted)),
                ]));
            }
            let mut state = ListState::default().with_selected(Some(*selected));
            frame.render_stateful_widget(
                List::new(items)
                    .block(block(recover::title(*confirm_discard), true, app))
                    .highlight_style(app.theme.selection),
                rect,
                &mut state,
            );
        }
        Popup::Confirm { message, action } => {
            let rect = centered(area, 60, 20);
            clear_popup(frame, rect);
            let text = format!("{}\n\n{}", sanitize::multiline(message), action.key_line(&app.keys));
            frame
                .render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).block(block("Confirm", true, app)), rect);
        }
    }
}

fn help(frame: &mut Frame, app: &App, scroll: u16) {
    use crate::app::popups::help::{self, HelpLine};
    let size = (frame.area().width, frame.area().height);
    let rect = help::rect(size);
    clear_popup(frame, rect);
    let content = help::lines(&app.keys);
    let (rows, visible) = help::rows(&content, size);
    // A resize can leave the scroll past the end: draw the last page.
    let scroll = scroll.min(rows.saturating_sub(visible).min(u16::MAX as usize) as u16);
    let lines: Vec<Line> = content
        .into_iter()
        .map(|l| match l {
            HelpLine::Heading(t) => Line::from(Span::styled(t, app.theme.title)),
            HelpLine::Key(k, d) => Line::from(vec![
                Span::styled(format!("{k:>w$}  ", w = HelpLine::KEYS_WIDTH), app.theme.accent),
                Span::raw(d),
            ]),
            HelpLine::Note(n) => Line::from(Span::styled(n, app.theme.muted)),
            HelpLine::Blank => Line::default(),
        })
        .collect();
    let below = rows.saturating_sub(visible + scroll as usize);
    let (down, up, close) = (app.keys.label(Command::Down), app.keys.label(Command::Up), app.keys.label(Command::Back));
    let title = if below > 0 {
        format!("Help · {below} more below: {down} · {close} closes")
    } else if scroll > 0 {
        format!("Help · {up} back up · {close} closes")
    } else {
        format!("Help ({close} to close)")
    };
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0)).block(block(title, true, app)),
        rect,
    );
}

fn draw_form(frame: &mut Frame, area: Rect, app: &App, form: &Form) {
    let rect = centered(area, 80, 90);
    clear_popup(frame, rect);
    let mut lines = Vec::new();
    for (i, f) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let label_style = if focused { app.theme.title } else { app.theme.muted };
        let value = sanitize::line(&f.value).into_owned();
        let shown = match &f.kind {
            FieldKind::Text if focused => {
                let (a, b): (String, String) = {
                    let idx = value.char_indices().nth(f.cursor).map(|(i, _)| i).unwrap_or(value.len());
                    (value[..idx].to_string(), value[idx..].to_string())
                };
                vec![Span::raw(a), Span::styled("▏", app.theme.accent), Span::raw(b)]
            }
            FieldKind::Text => vec![Span::raw(value)],
            FieldKind::MultiLine => {
                // The first line beside the label, the rest below it, indented.
                let mut text = sanitize::multiline(&f.value).into_owned();
                if focused {
                    let idx = text.char_indices().nth(f.cursor).map(|(i, _)| i).unwrap_or(text.len());
                    text.insert(idx, '▏');
                }
                let mut parts = text.split('\n');
                let first = parts.next().unwrap_or("").to_string();
                let mut spans =
                    vec![Span::styled(format!("{}{:>12}: ", if focused { "▶" } else { " " }, f.label), label_style)];
                spans.push(Span::raw(first));
                lines.push(Line::from(spans));
                for more in parts {
                    lines.push(Line::from(format!("{:>15}{more}", "")));
                }
                if let Some(e) = &f.error {
                    lines.push(Line::from(Span::styled(format!("{:>15}⚠ {}", "", sanitize::line(e)), app.theme.error)));
                } else if let (true, Some(h)) = (focused, &f.hint) {
                    lines.push(Line::from(Span::styled(format!("{:>15}{h}", ""), app.theme.muted)));
                }
                continue;
            }
            FieldKind::Choice(_) | FieldKind::Bool => vec![Span::styled(format!("‹ {value} ›"), app.theme.accent)],
        };
        let mut spans =
            vec![Span::styled(format!("{}{:>12}: ", if focused { "▶" } else { " " }, f.label), label_style)];
        spans.extend(shown);
        lines.push(Line::from(spans));
        if let Some(e) = &f.error {
            lines.push(Line::from(Span::styled(format!("{:>15}⚠ {}", "", sanitize::line(e)), app.theme.error)));
        } else if let (true, Some(h)) = (focused, &f.hint) {
            lines.push(Line::from(Span::styled(format!("{:>15}{h}", ""), app.theme.muted)));
        }
    }
    lines.push(Line::default());
    if let Some(m) = &form.message {
        lines.push(Line::from(Span::styled(sanitize::line(m).into_owned(), app.theme.warning)));
    }
    lines.push(Line::from(Span::styled(crate::app::popups::form::key_line(&app.keys, form), app.theme.muted)));
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(form.title.clone(), true, app)),
        rect,
    );
}
