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
                out.push(Request::Write(Write::DeleteDraft { id, key: format!("draft-{id}") }));
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
