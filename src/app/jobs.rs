//! The part of [`App::update`] that concerns background LLM jobs.

use super::io::Request;
use super::state::{ConfirmAction, Pane, Popup, View};
use super::{App, Command};
use crate::llm::{JobKind, JobState, JobUpdate};

/// Finished jobs kept for the Jobs view; older ones are forgotten.
const FINISHED_KEPT: usize = 2000;

impl App {
    /// Job commands; returns true when the command was about jobs.
    pub(super) fn job_command(&mut self, command: Command, out: &mut Vec<Request>) -> bool {
        let selected =
            if self.state.view == View::Prospects { self.state.prospects.selected_row().map(|p| p.id) } else { None };
        match command {
            Command::ViewJobs => {
                self.state.view = View::Jobs;
                self.state.pane = Pane::List;
                self.state.searching = false;
            }
            Command::Research => match selected {
                Some(prospect_id) => out.push(Request::StartJobs(vec![JobKind::Research { prospect_id }])),
                None => self.state.status.message = Some("select a prospect in the Prospects view first".into()),
            },
            Command::AiDraft => match selected {
                Some(prospect_id) => out.push(Request::StartJobs(vec![JobKind::Draft {
                    prospect_id,
                    event_id: None,
                    draft_type: "offer_email".into(),
                }])),
                None => self.state.status.message = Some("select a prospect in the Prospects view first".into()),
            },
            Command::BulkResearch => {
                self.state.status.message = Some("estimating the cost…".into());
                out.push(Request::EstimateBulk { filter: self.state.prospects.filter.clone() });
            }
            Command::CancelJob if self.state.view == View::Jobs => {
                if let Some(j) = self.state.jobs.ordered().nth(self.state.jobs.selected) {
                    if !j.state.is_finished() {
                        out.push(Request::CancelJob { id: j.id });
                    }
                }
            }
            Command::CancelJob => {}
            _ => return false,
        }
        true
    }

    pub(super) fn bulk_estimate(
        &mut self,
        filter: crate::db::prospects::ProspectFilter,
        count: i64,
        cost: f64,
        source: String,
    ) {
        if self.state.popup.is_some() {
            return;
        }
        self.state.status.message = None;
        if count == 0 {
            self.state.status.message = Some("no prospect in the current filter".into());
            return;
        }
        self.state.popup = Some(Popup::Confirm {
            message: format!(
                "{count} prospect(s) in the current filter. Research them all: estimated ${cost:.2} ({source}); \
                 drafts cost about the same. The monthly budget stops new calls once spent. \
                 y researches them · w drafts an offer email for each · any other key cancels."
            ),
            action: ConfirmAction::BulkResearch { filter },
        });
    }

    pub(super) fn on_job(&mut self, update: JobUpdate, out: &mut Vec<Request>) {
        self.on_match_job(&update, out);
        let finished = update.state.is_finished();
        let done_for = match &update.state {
            JobState::Done(_) => update.kind.prospect_id(),
            _ => None,
        };
        if let JobState::Failed(e) = &update.state {
            self.state.status.error = Some(format!("job {} failed: {e}", update.kind.label()));
        }
        let jobs = &mut self.state.jobs.jobs;
        match jobs.get_mut(&update.id) {
            // A cancel after the job finished changes nothing.
            Some(j) if j.state.is_finished() => {}
            Some(j) => {
                j.state = update.state;
                j.note = update.note;
                // Finished, or a long job's progress.
                if update.calls > 0 {
                    j.calls = update.calls;
                    j.cost = update.cost;
                }
            }
            None => {
                jobs.insert(update.id, update);
            }
        }
        if finished {
            let done: Vec<u64> = jobs.iter().filter(|(_, j)| j.state.is_finished()).map(|(id, _)| *id).collect();
            for id in done.iter().take(done.len().saturating_sub(FINISHED_KEPT)) {
                jobs.remove(id);
            }
        }
        // Show a result where it belongs as soon as it is written.
        if let Some(pid) = done_for {
            if self.state.panel.prospect_id == Some(pid) {
                out.push(Request::Detail { prospect_id: pid });
            }
            if self.state.drafts.loaded {
                self.reload_drafts(out);
            }
        }
    }
}
