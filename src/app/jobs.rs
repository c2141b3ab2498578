//! The part of [`App::update`] that concerns background LLM jobs.

use super::forms::{Field, Form, FormKind};
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
                Some(prospect_id) => {
                    if !self.state.events.loaded {
                        out.push(Request::Events);
                    }
                    let types = crate::db::drafts::DRAFT_TYPES.iter().map(|t| t.to_string()).collect();
                    let fields = vec![
                        Field::choice("draft_type", "Type", types, "offer_email").with_hint("←/→ choose"),
                        Field::choice("event", "Event", self.event_options(), super::forms::NO_CHOICE)
                            .with_hint("←/→ choose; an invitation names the event"),
                    ];
                    let name = self.state.prospects.name_of(prospect_id).unwrap_or("the prospect").to_string();
                    let title = format!("Have the LLM draft for {}", crate::sanitize::line(&name));
                    let form = Form::new(FormKind::AiDraft { prospect_id }, title, fields);
                    self.state.popup = Some(Popup::Form(Box::new(form)));
                }
                None => self.state.status.message = Some("select a prospect in the Prospects view first".into()),
            },
            Command::BulkResearch => {
                self.state.status.message = Some("estimating the cost…".into());
                out.push(Request::EstimateBulk { filter: self.state.prospects.filter.clone() });
            }
            Command::CancelJob if self.state.view == View::Jobs => {
                if let Some(j) = self.state.jobs.selected_job() {
                    if j.state.is_finished() {
                        self.state.status.message =
                            Some(format!("job {} has already finished: nothing to cancel", j.id));
                    } else {
                        out.push(Request::CancelJob { id: j.id });
                    }
                }
            }
            Command::Open if self.state.view == View::Jobs => self.open_job(out),
            // r in the Jobs view runs the selected failed or cancelled job again.
            Command::Refresh if self.state.view == View::Jobs => {
                if let Some(j) = self.state.jobs.selected_job() {
                    if matches!(j.state, JobState::Failed(_) | JobState::Cancelled) {
                        out.push(Request::StartJobs(vec![j.kind.clone()]));
                    } else {
                        self.state.status.message = Some("only a failed or cancelled job can be run again".into());
                    }
                }
            }
            Command::CancelJob => {}
            _ => return false,
        }
        true
    }

    /// The W form was submitted: queue the drafting job it describes.
    pub(super) fn submit_ai_draft(&mut self, prospect_id: i32, out: &mut Vec<Request>) {
        let Some(Popup::Form(form)) = self.state.popup.as_ref() else { return };
        let draft_type = form.field("draft_type").value.clone();
        let event_id = super::forms::chosen_event(&self.state.events.events, &form.field("event").value);
        if draft_type == "event_invitation" && event_id.is_none() {
            if let Some(Popup::Form(form)) = self.state.popup.as_mut() {
                form.set_error("event: an invitation needs an event");
            }
            return;
        }
        self.state.popup = None;
        out.push(Request::StartJobs(vec![JobKind::Draft { prospect_id, event_id, draft_type }]));
    }

    /// Enter on a job: a finished draft opens in the editor, finished
    /// research shows the prospect, a failure shows its whole reason.
    fn open_job(&mut self, out: &mut Vec<Request>) {
        let Some(j) = self.state.jobs.selected_job().cloned() else { return };
        match &j.state {
            JobState::Done(what) => match (crate::llm::jobs::written_draft(what), &j.kind) {
                (Some(id), _) => out.push(Request::OpenDraft { id }),
                (None, JobKind::Match { event_id, .. }) => {
                    // The ranking and its invitations, in the Events view.
                    let event_id = *event_id;
                    self.state.view = View::Events;
                    if let Some(i) = self.state.events.events.iter().position(|e| e.id == event_id) {
                        self.state.events.selected = i;
                    }
                    self.state.pane = Pane::Matches;
                    out.push(Request::EventInvitations { event_id });
                }
                (None, kind) => {
                    let Some(prospect_id) = kind.prospect_id() else { return };
                    self.state.view = View::Prospects;
                    self.state.pane = Pane::Detail;
                    self.state.panel.prospect_id = Some(prospect_id);
                    self.reload_panel_of(Some(prospect_id), out);
                }
            },
            JobState::Failed(reason) => {
                self.state.popup = Some(Popup::Confirm {
                    message: format!("Job {} ({}) failed: {}", j.id, self.job_title(&j.kind), reason),
                    action: ConfirmAction::RetryJob { kind: j.kind.clone() },
                });
            }
            _ => self.state.status.message = Some(format!("job {} has written nothing yet", j.id)),
        }
    }

    /// A job as a person reads it: what, and for whom (by name when known).
    pub fn job_title(&self, kind: &JobKind) -> String {
        let Some(id) = kind.prospect_id() else { return kind.label() };
        let who = self.state.prospects.name_of(id).map(str::to_string).or_else(|| {
            self.state.panel.detail.as_ref().filter(|d| d.prospect.id == id).map(|d| d.prospect.full_name.clone())
        });
        let who = match who {
            Some(name) => format!("{} #{id}", crate::sanitize::line(&name)),
            None => format!("prospect #{id}"),
        };
        match kind {
            JobKind::Research { .. } => format!("research {who}"),
            JobKind::Draft { draft_type, .. } => format!("{} for {who}", crate::sanitize::line(draft_type)),
            JobKind::Match { .. } => kind.label(),
        }
    }

    pub(super) fn bulk_estimate(
        &mut self,
        filter: crate::db::prospects::ProspectFilter,
        count: i64,
        researched_today: i64,
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
        let already = if researched_today > 0 {
            format!(", {researched_today} of them already researched today")
        } else {
            String::new()
        };
        self.state.popup = Some(Popup::Confirm {
            message: format!(
                "{count} prospect(s) in the current filter{already}. Research them all: estimated ${cost:.2} \
                 ({source}); drafts cost about the same. The monthly budget stops new calls once spent."
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
            self.state.status.error = Some(format!("{} failed: {e}", self.job_title(&update.kind)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::action::Action;
    use crate::app::testkit::app;

    fn update(id: u64, state: JobState, calls: u32, cost: f64) -> Action {
        Action::Job(JobUpdate {
            id,
            kind: JobKind::Research { prospect_id: 7 },
            state,
            calls,
            cost,
            note: None,
            report: None,
        })
    }

    #[test]
    fn a_job_moves_forward_only_and_its_result_shows_where_it_belongs() {
        let mut a = app((100, 30));
        a.state.panel.prospect_id = Some(7);
        a.update(update(1, JobState::Queued, 0, 0.0));
        a.update(update(1, JobState::Running, 0, 0.0));
        let out = a.update(update(1, JobState::Done("prospect_research #3".into()), 2, 0.0125));
        let j = a.state.jobs.selected_job().expect("the job");
        assert_eq!((j.calls, j.cost), (2, 0.0125));
        assert!(out.iter().any(|r| matches!(r, Request::Detail { prospect_id: 7 })), "the detail shows the research");
        // A cancel that arrives after the job finished changes nothing.
        a.update(update(1, JobState::Cancelled, 0, 0.0));
        assert!(matches!(a.state.jobs.selected_job().unwrap().state, JobState::Done(_)));
        // A failure says which job, naming the person when the list knows them.
        a.update(update(2, JobState::Failed("HTTP 500".into()), 1, 0.0));
        assert!(a.state.status.error.as_deref().is_some_and(|e| e.contains("failed: HTTP 500")));
        assert_eq!(a.state.jobs.count(|s| s.is_finished()), 2);
    }

    #[test]
    fn a_total_of_nothing_never_shows_as_minus_zero() {
        let mut a = app((100, 30));
        assert_eq!(format!("{:.4}", a.state.jobs.cost()), "0.0000", "no jobs yet");
        a.update(update(1, JobState::Done("x".into()), 1, -0.0));
        assert_eq!(format!("{:.4}", a.state.jobs.cost()), "0.0000");
    }
}
