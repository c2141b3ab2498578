//! A yes/no question before something that costs money or cannot be
//! undone: deleting a draft, bulk research, queueing the day's work,
//! running a failed job again. The question is the popup's message; the
//! answers and their keys come from the key map. Any other key says no.

use crossterm::event::KeyEvent;

use super::Popup;
use crate::app::day::{DayConfirm, DayRequest, QueueTarget};
use crate::app::io::{Request, Write};
use crate::app::{App, Command};
use crate::config::command::Scope;
use crate::config::KeyBindings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmAction {
    DeleteDraft {
        id: i32,
    },
    BulkResearch {
        filter: crate::db::prospects::ProspectFilter,
    },
    /// Yes runs a failed or cancelled job again.
    RetryJob {
        kind: crate::llm::JobKind,
    },
    Day(DayConfirm),
}

impl ConfirmAction {
    /// The answers this question takes, with what each does.
    pub fn answers(&self) -> Vec<(Command, &'static str)> {
        use Command::{AnswerWithDrafts as Drafts, AnswerYes as Yes};
        match self {
            ConfirmAction::DeleteDraft { .. } => vec![(Yes, "deletes it")],
            ConfirmAction::BulkResearch { .. } => {
                vec![(Yes, "researches them"), (Drafts, "drafts an offer email for each")]
            }
            ConfirmAction::RetryJob { .. } => vec![(Yes, "runs it again")],
            ConfirmAction::Day(DayConfirm::Queue { target: QueueTarget::Invitations { .. }, .. }) => {
                vec![(Drafts, "drafts them")]
            }
            ConfirmAction::Day(DayConfirm::Queue { .. }) => {
                vec![(Yes, "researches them"), (Drafts, "drafts an offer email for each")]
            }
        }
    }

    /// "y deletes it · any other key keeps it", from the key map.
    pub fn key_line(&self, keys: &KeyBindings) -> String {
        let mut parts: Vec<String> =
            self.answers().iter().map(|(c, what)| format!("{} {what}", keys.label(*c))).collect();
        parts.push(match self {
            ConfirmAction::RetryJob { .. } => "any other key closes".into(),
            ConfirmAction::DeleteDraft { .. } => "any other key keeps it".into(),
            _ => "any other key cancels".into(),
        });
        parts.join(" · ")
    }
}

impl App {
    pub(super) fn confirm_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        let Some(Popup::Confirm { action, .. }) = self.state.popup.take() else { return };
        let answer = self.keys.command_in(Scope::Answer, &key).filter(|c| action.answers().iter().any(|(a, _)| a == c));
        match (answer, action) {
            (Some(_), ConfirmAction::DeleteDraft { id }) => {
                out.push(Request::Write(Write::DeleteDraft { id, key: crate::app::editor::recovery_key(id) }));
            }
            (Some(c), ConfirmAction::BulkResearch { filter }) => {
                out.push(Request::BulkResearch { filter, drafts: c == Command::AnswerWithDrafts })
            }
            (Some(_), ConfirmAction::RetryJob { kind }) => out.push(Request::StartJobs(vec![kind])),
            (None, ConfirmAction::RetryJob { .. }) => {}
            (Some(c), ConfirmAction::Day(DayConfirm::Queue { target, limit })) => {
                self.state.status.message = Some("queueing…".into());
                let drafts = c == Command::AnswerWithDrafts;
                out.push(Request::Day(DayRequest::Queue { target, drafts, limit }));
            }
            (None, _) => self.state.status.message = Some("cancelled".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testkit::{app, ch, press};

    fn confirm(a: &mut App, action: ConfirmAction) {
        a.state.popup = Some(Popup::Confirm { message: "sure?".into(), action });
    }

    #[test]
    fn only_the_answers_a_question_takes_do_anything() {
        let mut a = app((100, 30));
        // `w` is not an answer to "delete?": it cancels, nothing is deleted.
        confirm(&mut a, ConfirmAction::DeleteDraft { id: 7 });
        assert!(a.update(ch('w')).is_empty());
        assert!(a.state.popup.is_none());
        assert_eq!(a.state.status.message.as_deref(), Some("cancelled"));
        confirm(&mut a, ConfirmAction::DeleteDraft { id: 7 });
        let out = a.update(ch('y'));
        assert!(matches!(out.as_slice(), [Request::Write(Write::DeleteDraft { id: 7, .. })]), "{out:?}");
        // Bulk research: y researches, w also drafts.
        let filter = crate::db::prospects::ProspectFilter::default();
        confirm(&mut a, ConfirmAction::BulkResearch { filter: filter.clone() });
        let out = a.update(ch('w'));
        assert!(matches!(out.as_slice(), [Request::BulkResearch { drafts: true, .. }]), "{out:?}");
        confirm(&mut a, ConfirmAction::BulkResearch { filter });
        assert!(a.update(press(crossterm::event::KeyCode::Esc)).is_empty());
    }

    #[test]
    fn the_key_line_names_the_bound_keys() {
        let mut config = crate::config::Config::defaults();
        config.ui.keys.insert("answer_yes".into(), vec!["Enter".into()]);
        let keys = config.key_bindings();
        let line = ConfirmAction::DeleteDraft { id: 1 }.key_line(&keys);
        assert_eq!(line, "Enter deletes it · any other key keeps it");
    }
}
