//! Keys in the draft editor. The editor scope's commands save, close,
//! cycle type and status, link an event, preview, copy, write to a file
//! and mark sent; every other key goes to the text (tui-textarea). While
//! the editor asks a question (close with changes, mark sent, a conflict,
//! the event picker) that question owns the keys.

use base64::Engine as _;
use crossterm::event::KeyEvent;

use super::Popup;
use crate::app::drafts::{recovery_request, save_write};
use crate::app::editor::{
    render_placeholders, sent_message, unfilled_placeholders, DraftEditor, EditorPrompt, Resolution,
};
use crate::app::io::Request;
use crate::app::{App, Command};
use crate::config::command::Scope;
use crate::config::KeyBindings;

/// The editor's key line, from the key map.
pub fn key_line(keys: &KeyBindings) -> String {
    use Command::*;
    keys.hints(&[
        EditorSave,
        EditorClose,
        EditorType,
        EditorStatus,
        EditorEvent,
        EditorPreview,
        EditorCopy,
        EditorToFile,
        EditorMarkSent,
    ])
}

/// The keys while the preview is shown.
pub fn preview_key_line(keys: &KeyBindings) -> String {
    format!("{} · {} back to editing", super::reader::scroll_keys(keys), keys.label(Command::EditorClose))
}

/// The line under the editor while it asks a question.
pub fn prompt_line(keys: &KeyBindings, prompt: &EditorPrompt) -> Option<String> {
    use Command::*;
    let k = |c| keys.label(c);
    Some(match prompt {
        EditorPrompt::None | EditorPrompt::PickEvent(_) => return None,
        EditorPrompt::ConfirmClose => format!(
            "Unsaved changes: {} save and close · {} discard them · {} keep editing",
            k(AnswerSave),
            k(AnswerDiscard),
            k(AnswerNo)
        ),
        EditorPrompt::ConfirmSent => format!(
            "Mark this draft sent? It logs the interaction and sets last contacted. {} yes · any other key no",
            k(AnswerYes)
        ),
        EditorPrompt::Conflict(_) => {
            format!("{} · {} later", keys.hints(&[AnswerTheirs, AnswerMine, AnswerBoth]), k(AnswerNo))
        }
    })
}

impl App {
    /// Marking sent from Today opens the draft and asks here, so the
    /// editor's own checks and its question apply.
    pub(in crate::app) fn editor_mark_sent(&mut self) {
        if let Some(Popup::Editor(e)) = self.state.popup.as_mut() {
            ask_mark_sent(e, &self.keys);
        }
    }

    pub(super) fn editor_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        let answer = self.keys.command_in(Scope::Answer, &key);
        let command = self.keys.command_in(Scope::Editor, &key);
        let nav = self.keys.command_for(&key);
        let keys = &self.keys;
        // Disjoint borrows: the editor, and the events it may link to.
        let state = &mut self.state;
        let events = &state.events.events;
        let Some(Popup::Editor(e)) = state.popup.as_mut() else { return };
        match e.prompt.clone() {
            EditorPrompt::ConfirmClose => {
                match answer {
                    Some(Command::AnswerSave) => {
                        if let Some(w) = save_write(e, false, keys) {
                            out.push(Request::Write(w));
                        }
                    }
                    Some(Command::AnswerDiscard) => {
                        // Discarded means gone: no queued or retrying save may
                        // bring the text back later.
                        state.pending_writes.retain(|(k, _)| *k != e.key);
                        out.push(Request::Withdraw { key: e.key.clone() });
                        out.push(Request::Recovery { key: e.key.clone(), record: None });
                        state.popup = None;
                    }
                    _ => e.prompt = EditorPrompt::None,
                }
                return;
            }
            EditorPrompt::ConfirmSent => {
                e.prompt = EditorPrompt::None;
                if answer == Some(Command::AnswerYes) {
                    if let Some(w) = save_write(e, true, keys) {
                        out.push(Request::Write(w));
                    }
                }
                return;
            }
            EditorPrompt::Conflict(theirs) => {
                let choice = match answer {
                    Some(Command::AnswerTheirs) => Some(Resolution::Theirs),
                    Some(Command::AnswerMine) => Some(Resolution::Mine),
                    Some(Command::AnswerBoth) => Some(Resolution::Both),
                    _ => None,
                };
                if let Some(choice) = choice {
                    if e.resolve(&theirs, choice, keys) {
                        let send = e.sending;
                        if let Some(w) = save_write(e, send, keys) {
                            out.push(Request::Write(w));
                        }
                    } else {
                        if std::mem::take(&mut e.sending) {
                            let said = e.message.take().unwrap_or_default();
                            e.message = Some(format!(
                                "{said} · not marked sent: {} when ready",
                                keys.label(Command::EditorMarkSent)
                            ));
                        }
                        out.push(recovery_request(e));
                    }
                } else if answer == Some(Command::AnswerNo) {
                    e.prompt = EditorPrompt::None;
                    e.message = Some("conflict still open: the next save will ask again".into());
                }
                return;
            }
            EditorPrompt::PickEvent(mut picker) => {
                use super::event_picker::{label, Picked};
                match picker.key(key, keys, events) {
                    Picked::Open => e.prompt = EditorPrompt::PickEvent(picker),
                    Picked::Cancelled => e.prompt = EditorPrompt::None,
                    Picked::Chosen(id) => {
                        e.prompt = EditorPrompt::None;
                        let event = id.and_then(|id| events.iter().find(|ev| ev.id == id));
                        e.event_id = event.map(|ev| ev.id);
                        e.context.event = event.map(|ev| {
                            crate::sanitize::line(&format!("{} in {}", ev.event_type, ev.location)).into_owned()
                        });
                        e.context.event_date = event.map(|ev| ev.event_date.format("%Y-%m-%d").to_string());
                        e.message = Some(match event {
                            Some(ev) => format!("linked to {}", crate::sanitize::line(&label(ev))),
                            None => "no event linked".into(),
                        });
                        out.push(recovery_request(e));
                    }
                }
                return;
            }
            EditorPrompt::None => {}
        }
        // Whether the draft (text, type, status or event) changed: only then
        // is a stale message cleared and the recovery file rewritten.
        let changed = match command {
            Some(Command::EditorClose) if e.preview => {
                e.preview = false;
                false
            }
            Some(Command::EditorClose) => {
                if e.is_modified() {
                    e.prompt = EditorPrompt::ConfirmClose;
                } else {
                    state.popup = None;
                }
                return;
            }
            Some(Command::EditorSave) => {
                if let Some(w) = save_write(e, false, keys) {
                    out.push(Request::Write(w));
                }
                return;
            }
            Some(Command::EditorType) => {
                e.cycle_type();
                true
            }
            Some(Command::EditorStatus) => {
                e.cycle_status();
                true
            }
            Some(Command::EditorEvent) => {
                if !state.events.loaded {
                    out.push(Request::Events);
                }
                e.prompt = EditorPrompt::PickEvent(super::event_picker::EventPicker::open(events, e.event_id));
                return;
            }
            Some(Command::EditorPreview) => {
                e.preview = !e.preview;
                e.preview_scroll = 0;
                false
            }
            Some(Command::EditorCopy) => {
                let text = crate::sanitize::editable(&render_placeholders(&e.text(), &e.context)).into_owned();
                if state.clipboard_command.trim().is_empty() {
                    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
                    state.terminal_writes.push(format!("\u{1b}]52;c;{b64}\u{7}"));
                    e.message = Some("copied through the terminal (OSC 52)".into());
                } else {
                    out.push(Request::Clipboard { command: state.clipboard_command.clone(), content: text });
                }
                return;
            }
            Some(Command::EditorToFile) => {
                let text = crate::sanitize::editable(&render_placeholders(&e.text(), &e.context)).into_owned();
                let name = match e.draft_id {
                    Some(id) => format!("draft-{id}-{}.txt", chrono::Utc::now().format("%Y%m%d-%H%M%S")),
                    None => format!("{}.txt", e.key),
                };
                out.push(Request::Export { name, content: text });
                return;
            }
            Some(Command::EditorMarkSent) => {
                ask_mark_sent(e, keys);
                return;
            }
            // The preview is read: the views' movement keys scroll it.
            _ if e.preview => {
                // Within the filled text as wrapped on screen: the last page
                // ends with its last row, never a blank page.
                let (width, rows) = crate::app::layout::preview_text_size(state.size);
                let text = crate::sanitize::multiline(&render_placeholders(&e.text(), &e.context)).into_owned();
                let total = crate::app::layout::wrapped_rows(&text, width);
                let last = total.saturating_sub(rows as usize).min(u16::MAX as usize) as u16;
                let page = rows.saturating_sub(1).max(1);
                let s = e.preview_scroll;
                e.preview_scroll = match nav {
                    Some(Command::PageDown) => s.saturating_add(page),
                    Some(Command::PageUp) => s.saturating_sub(page),
                    Some(Command::Down) => s.saturating_add(1),
                    Some(Command::Up) => s.saturating_sub(1),
                    Some(Command::Top) => 0,
                    Some(Command::Bottom) => last,
                    _ => s,
                }
                .min(last);
                false
            }
            // tui-textarea says whether the key modified the text.
            _ => e.textarea.input(key),
        };
        if changed {
            e.message = None;
            out.push(recovery_request(e));
        }
    }
}

/// Asks "mark this draft sent?", unless it cannot be sent (already sent,
/// nothing but placeholders, never saved).
fn ask_mark_sent(e: &mut DraftEditor, keys: &KeyBindings) {
    let text = e.text();
    if e.status.eq_ignore_ascii_case("sent") {
        e.message = Some("this draft was already sent: sending is once".into());
    } else if sent_message(&render_placeholders(&text, &e.context), &text).is_none() {
        e.message = Some("nothing to send: the draft is empty or only placeholders".into());
    } else if e.draft_id.is_none() {
        e.message = Some(format!("save the draft first ({}), then mark it sent", keys.label(Command::EditorSave)));
    } else {
        let unfilled = unfilled_placeholders(&text, &e.context);
        e.message = (!unfilled.is_empty())
            .then(|| format!("{} has no value: it would be sent as written", unfilled.join(", ")));
        e.prompt = EditorPrompt::ConfirmSent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::editor::PlaceholderContext;
    use crate::app::io::Write;
    use crate::app::testkit::{app, ch, ctrl, press};
    use crossterm::event::KeyCode;

    fn editing() -> App {
        let mut a = app((120, 40));
        let e = DraftEditor::new_draft(1, PlaceholderContext::default(), 0);
        a.state.popup = Some(Popup::Editor(Box::new(e)));
        a
    }

    fn editor(a: &App) -> &DraftEditor {
        let Some(Popup::Editor(e)) = &a.state.popup else { panic!("the editor is open") };
        e
    }

    #[test]
    fn letters_are_text_and_each_change_is_kept_in_the_recovery_file() {
        let mut a = editing();
        for c in "jq?".chars() {
            let out = a.update(ch(c));
            assert!(matches!(out.as_slice(), [Request::Recovery { record: Some(_), .. }]), "{out:?}");
        }
        assert_eq!(editor(&a).text(), "jq?", "j, q and ? are commands elsewhere, text here");
        let out = a.update(ctrl('s'));
        let [Request::Write(Write::SaveDraft { draft_id: None, input, mark_sent: false, .. })] = out.as_slice() else {
            panic!("one save: {out:?}")
        };
        assert_eq!(input.content, "jq?");
        assert!(a.update(ctrl('s')).is_empty(), "no second save while one is on its way");
    }

    #[test]
    fn nothing_empty_is_saved_and_a_missing_type_names_its_key() {
        let mut a = editing();
        assert!(a.update(ctrl('s')).is_empty());
        assert!(editor(&a).message.as_deref().is_some_and(|m| m.contains("empty")));
        a.update(ch('x'));
        if let Some(Popup::Editor(e)) = a.state.popup.as_mut() {
            e.draft_type.clear();
        }
        assert!(a.update(ctrl('s')).is_empty());
        assert_eq!(editor(&a).message.as_deref(), Some("a draft needs a type (Ctrl-T)"));
    }

    #[test]
    fn closing_with_changes_asks_and_discarding_withdraws_every_copy() {
        let mut a = editing();
        a.update(ch('h'));
        a.update(press(KeyCode::Esc));
        assert_eq!(editor(&a).prompt, EditorPrompt::ConfirmClose);
        // Any other answer keeps editing, text intact.
        a.update(ch('x'));
        assert_eq!(editor(&a).prompt, EditorPrompt::None);
        assert_eq!(editor(&a).text(), "h");
        a.update(press(KeyCode::Esc));
        let out = a.update(ch('d'));
        assert!(a.state.popup.is_none());
        assert!(out.iter().any(|r| matches!(r, Request::Withdraw { .. })), "queued saves are withdrawn");
        assert!(out.iter().any(|r| matches!(r, Request::Recovery { record: None, .. })), "the file goes");
    }

    #[test]
    fn the_preview_scrolls_within_the_text() {
        let mut a = editing();
        if let Some(Popup::Editor(e)) = a.state.popup.as_mut() {
            e.set_text(&(1..=30).map(|i| format!("line {i}")).collect::<Vec<_>>().join("\n"));
        }
        a.update(press(KeyCode::F(2)));
        // 120x40: the preview shows 29 rows of 78 columns; 30 short lines.
        let (width, rows) = crate::app::layout::preview_text_size((120, 40));
        assert_eq!(rows, 29);
        for _ in 0..8 {
            a.update(press(KeyCode::PageDown));
        }
        assert_eq!(editor(&a).preview_scroll, 1, "the last page ends with the last line");
        a.update(press(KeyCode::Home));
        assert_eq!(editor(&a).preview_scroll, 0);
        // One long paragraph wraps: its end is reachable.
        if let Some(Popup::Editor(e)) = a.state.popup.as_mut() {
            e.set_text(&format!("{}\nshort last line", "word ".repeat(2000)));
        }
        a.update(press(KeyCode::End));
        let wrapped = 10_000usize.div_ceil(width as usize) + 1;
        assert_eq!(editor(&a).preview_scroll as usize, wrapped - rows as usize);
        assert_eq!(editor(&a).text().lines().count(), 2, "the preview never edits");
    }

    #[test]
    fn the_key_lines_follow_the_key_map() {
        let mut config = crate::config::Config::defaults();
        config.ui.keys.insert("editor_save".into(), vec!["F10".into()]);
        config.ui.keys.insert("answer_discard".into(), vec!["x".into()]);
        let keys = config.key_bindings();
        assert!(key_line(&keys).starts_with("F10 save · Esc close · Ctrl-T type"), "{}", key_line(&keys));
        let close = prompt_line(&keys, &EditorPrompt::ConfirmClose).unwrap();
        assert!(close.contains("x discard them"), "{close}");
    }
}
