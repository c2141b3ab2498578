//! The draft editor popup: header with type, status and event, the
//! tui-textarea (or the placeholder preview), prompts and key hints.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::common::{block, clear_popup};
use super::layout::centered;
use crate::app::editor::{render_placeholders, DraftEditor, EditorPrompt};
use crate::app::popups::editor;
use crate::app::{App, Command};
use crate::sanitize;

/// The preview's title warns about placeholders that have no value yet
/// (`{event}` with no event chosen), since they would be sent as written.
fn preview_title(app: &App, e: &DraftEditor) -> String {
    let unfilled = crate::app::editor::unfilled_placeholders(&e.text(), &e.context);
    let back = app.keys.label(Command::EditorClose);
    if unfilled.is_empty() {
        format!("Preview, as it will be sent ({back} back to editing)")
    } else {
        format!("Preview, as it will be sent · ⚠ no value for {} · {back} back", unfilled.join(", "))
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, e: &DraftEditor) {
    let rect = crate::app::layout::editor_rect((area.width, area.height));
    clear_popup(frame, rect);
    let state = if e.saving {
        Span::styled("saving…", app.theme.warning)
    } else if e.waiting_for_database {
        Span::styled("not saved: waiting for the database (kept in the recovery file)", app.theme.error)
    } else if e.is_modified() {
        Span::styled("modified", app.theme.warning)
    } else if e.draft_id.is_none() {
        Span::styled("new, not saved yet", app.theme.muted)
    } else {
        Span::styled("saved", app.theme.ok)
    };
    let title = match e.draft_id {
        Some(id) => format!("Draft #{id} for {}", sanitize::line(&e.context.full_name)),
        None => format!("New draft for {}", sanitize::line(&e.context.full_name)),
    };
    let outer = block(title, true, app);
    let inner = outer.inner(rect);
    frame.render_widget(outer, rect);
    let [header, body, footer] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(3), Constraint::Length(2)]).areas(inner);

    let event = e.context.event.clone().map(|s| sanitize::line(&s).into_owned()).unwrap_or_else(|| "none".into());
    let header_lines = vec![
        Line::from(vec![
            Span::styled("type ", app.theme.muted),
            Span::styled(sanitize::line(&e.draft_type).into_owned(), app.theme.accent),
            Span::styled("  status ", app.theme.muted),
            Span::styled(sanitize::line(&e.status).into_owned(), app.theme.accent),
            Span::styled("  event ", app.theme.muted),
            Span::raw(event),
            Span::raw("  · "),
            state,
        ]),
        Line::from(Span::styled(
            e.message.clone().map(|m| sanitize::line(&m).into_owned()).unwrap_or_default(),
            app.theme.warning,
        )),
    ];
    frame.render_widget(Paragraph::new(header_lines), header);

    if e.preview {
        let text = render_placeholders(&e.text(), &e.context);
        frame.render_widget(
            Paragraph::new(sanitize::multiline(&text).into_owned())
                .wrap(Wrap { trim: false })
                .scroll((e.preview_scroll, 0))
                .block(block(preview_title(app, e), false, app)),
            body,
        );
    } else {
        frame.render_widget(&e.textarea, body);
    }

    let hints = match &e.prompt {
        EditorPrompt::None => editor::key_line(&app.keys),
        EditorPrompt::Conflict(_) => String::new(),
        prompt => editor::prompt_line(&app.keys, prompt).unwrap_or_default(),
    };
    frame.render_widget(Paragraph::new(hints).style(app.theme.muted).wrap(Wrap { trim: true }), footer);

    if let EditorPrompt::PickEvent(picker) = &e.prompt {
        super::event_picker::draw(frame, rect, app, picker);
    }
    if let EditorPrompt::Conflict(theirs) = &e.prompt {
        let r = centered(rect, 94, 80);
        clear_popup(frame, r);
        let b = block(
            format!(
                "Draft #{} was changed by someone else at {} · {}",
                theirs.id,
                theirs.updated_at.format("%H:%M:%S"),
                editor::prompt_line(&app.keys, &e.prompt).unwrap_or_default()
            ),
            true,
            app,
        );
        let inner = b.inner(r);
        frame.render_widget(b, r);
        let [left, right] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
        frame.render_widget(
            Paragraph::new(sanitize::multiline(&theirs.content).into_owned()).wrap(Wrap { trim: false }).block(block(
                "Theirs (in the database)",
                false,
                app,
            )),
            left,
        );
        frame.render_widget(
            Paragraph::new(sanitize::multiline(&e.text()).into_owned()).wrap(Wrap { trim: false }).block(block(
                "Mine (in the editor)",
                false,
                app,
            )),
            right,
        );
    }
}
