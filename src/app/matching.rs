//! Event matching in the TUI: `M` on an event finds the candidates and
//! shows the estimated cost in a small form (top N and minimum score can be
//! changed for this run); saving it queues the run as a background job
//! (visible and cancellable in Jobs). The result is a ranked list in the
//! Events view's third pane, selected candidates marked; Enter opens an
//! invitation in the draft editor, `Y` approves the selected ones at once.
//! `H` on a prospect shows every research run.

use std::collections::BTreeMap;
use std::sync::Arc;

use color_eyre::eyre::{eyre, Result};

use super::action::Loaded;
use super::forms::{Field, Form, FormKind};
use super::io::Request;
use super::state::{Pane, Popup, View};
use super::{App, Command};
use crate::db::matching::{InvitationRow, InviteCounts};
use crate::db::Db;
use crate::llm::matching::{self, estimate, MatchOptions, MatchReport};
use crate::llm::{JobKind, JobRunner, JobState, JobUpdate};

/// Invitations listed per event at most (the counts are always exact).
const INVITATIONS_SHOWN: i64 = 500;

#[derive(Debug, Clone, Default)]
pub struct MatchesState {
    /// The newest run's report per event, this session (scores are not
    /// stored in the database: its schema has no place for them).
    pub reports: BTreeMap<i32, Arc<MatchReport>>,
    /// The selected event's invitations on file and their counts.
    pub on_file: Option<(i32, Vec<InvitationRow>, InviteCounts)>,
    /// The selected row of the Matches pane.
    pub selected: usize,
}

/// One row of the Matches pane: a ranked candidate of this session's run,
/// or (with no run this session) an invitation on file.
pub enum MatchRow<'a> {
    Ranked(&'a matching::Ranked),
    Failed(&'a matching::Failed),
    OnFile(&'a InvitationRow),
}

impl MatchesState {
    pub fn rows(&self, event_id: i32) -> Vec<MatchRow<'_>> {
        match self.reports.get(&event_id) {
            Some(r) => r.ranked.iter().map(MatchRow::Ranked).chain(r.failed.iter().map(MatchRow::Failed)).collect(),
            None => self.invitations(event_id).iter().map(MatchRow::OnFile).collect(),
        }
    }

    pub fn invitations(&self, event_id: i32) -> &[InvitationRow] {
        match &self.on_file {
            Some((id, rows, _)) if *id == event_id => rows,
            _ => &[],
        }
    }

    pub fn counts(&self, event_id: i32) -> Option<InviteCounts> {
        match &self.on_file {
            Some((id, _, c)) if *id == event_id => Some(*c),
            _ => None,
        }
    }

    /// The stored status of a draft, when it is on file.
    pub fn status_of(&self, event_id: i32, draft_id: i32) -> Option<&str> {
        self.invitations(event_id).iter().find(|i| i.draft_id == draft_id).map(|i| i.status.as_str())
    }
}

/// The I/O layer's part: runs a matching request against the database.
pub(super) async fn execute(db: &Db, jobs: Result<&JobRunner, &String>, request: Request) -> Result<Loaded> {
    Ok(match request {
        Request::EstimateMatch { event_id, options } => {
            let runner = jobs.map_err(|why| eyre!("LLM jobs are off: {why}"))?;
            let estimate = match matching::plan(db, event_id, options.include_inactive).await {
                Ok(plan) => estimate::estimate(runner.pipeline(), &plan, &options).await.map_err(|e| e.to_string()),
                Err(matching::MatchError::Job(e)) => return Err(eyre!("{e}")),
                Err(e) => Err(e.to_string()),
            };
            Loaded::MatchEstimate { event_id, estimate }
        }
        Request::EventInvitations { event_id } => {
            let (rows, counts) =
                tokio::try_join!(db.event_invitations(event_id, INVITATIONS_SHOWN), db.invite_counts(event_id))?;
            Loaded::EventInvitations { event_id, rows, counts, message: None }
        }
        Request::ApproveInvitations { event_id, draft_ids } => {
            let n = db.approve_invitations(event_id, &draft_ids).await?;
            let (rows, counts) =
                tokio::try_join!(db.event_invitations(event_id, INVITATIONS_SHOWN), db.invite_counts(event_id))?;
            let message = Some(format!("approved {n} invitation(s) of event #{event_id}"));
            Loaded::EventInvitations { event_id, rows, counts, message }
        }
        other => return Err(eyre!("not a matching request: {other:?}")),
    })
}

impl App {
    fn selected_event_id(&self) -> Option<i32> {
        self.state.events.events.get(self.state.events.selected).map(|e| e.id)
    }

    /// Matching commands, and moving in the Matches pane; true when handled.
    pub(super) fn match_command(&mut self, command: Command, out: &mut Vec<Request>) -> bool {
        let in_events = self.state.view == View::Events;
        let in_pane = in_events && self.state.pane == Pane::Matches;
        match command {
            Command::MatchEvent => self.start_match(out),
            Command::ApproveInvitations => self.approve(out),
            Command::ResearchHistory => {
                if self.state.view != View::Prospects || self.state.panel.detail.is_none() {
                    self.state.status.message = Some("select a prospect in the Prospects view first".into());
                } else if self.state.panel.research.is_empty() {
                    self.state.status.message = Some(format!(
                        "no research for this prospect yet ({} researches it)",
                        self.keys.label(Command::Research)
                    ));
                } else {
                    self.state.popup = Some(Popup::ResearchHistory { scroll: 0 });
                }
            }
            Command::Down | Command::Up | Command::PageDown | Command::PageUp | Command::Top | Command::Bottom
                if in_pane =>
            {
                let len = self.selected_event_id().map(|id| self.state.matches.rows(id).len()).unwrap_or(0);
                let page = super::layout::master_rows(self.state.size).max(1) as isize;
                let delta = match command {
                    Command::Down => 1,
                    Command::Up => -1,
                    Command::PageDown => page,
                    Command::PageUp => -page,
                    Command::Top => isize::MIN / 2,
                    _ => isize::MAX / 2,
                };
                let cur = self.state.matches.selected as isize;
                self.state.matches.selected = cur.saturating_add(delta).clamp(0, (len as isize - 1).max(0)) as usize;
            }
            Command::Open if in_pane => self.open_invitation(out),
            _ => return false,
        }
        true
    }

    fn start_match(&mut self, out: &mut Vec<Request>) {
        if self.state.view != View::Events {
            self.state.status.message = Some(self.select_an_event());
            return;
        }
        let Some(event_id) = self.selected_event_id() else { return };
        let running =
            self.state.jobs.jobs.values().any(|j| {
                matches!(j.kind, JobKind::Match { event_id: e, .. } if e == event_id) && !j.state.is_finished()
            });
        if running {
            self.state.status.message = Some(format!(
                "matching for event #{event_id} is already running ({} shows it)",
                self.keys.label(Command::ViewJobs)
            ));
            return;
        }
        self.state.status.message = Some(format!("event #{event_id}: finding candidates and estimating the cost…"));
        out.push(Request::EstimateMatch { event_id, options: self.match_defaults });
    }

    fn approve(&mut self, out: &mut Vec<Request>) {
        let Some(event_id) = self.selected_event_id().filter(|_| self.state.view == View::Events) else {
            self.state.status.message = Some(self.select_an_event());
            return;
        };
        let m = &self.state.matches;
        // This session's selection, else every invitation on file (only drafts change).
        let draft_ids: Vec<i32> = match m.reports.get(&event_id) {
            Some(r) => r.selected().filter_map(|x| x.draft_id).collect(),
            None => m.invitations(event_id).iter().map(|i| i.draft_id).collect(),
        };
        if draft_ids.is_empty() {
            self.state.status.message = Some(format!("event #{event_id} has no invitation to approve (M matches)"));
            return;
        }
        self.state.status.message = Some(format!("approving {} invitation(s)…", draft_ids.len()));
        out.push(Request::ApproveInvitations { event_id, draft_ids });
    }

    fn open_invitation(&mut self, out: &mut Vec<Request>) {
        let Some(event_id) = self.selected_event_id() else { return };
        let rows = self.state.matches.rows(event_id);
        let message = match rows.get(self.state.matches.selected) {
            Some(MatchRow::Ranked(r)) => match (r.draft_id, &r.invitation_note) {
                (Some(id), _) => {
                    out.push(Request::OpenDraft { id });
                    return;
                }
                (None, Some(note)) => format!("no invitation for this candidate: {note}"),
                (None, None) => "not selected, so no invitation was written".into(),
            },
            Some(MatchRow::OnFile(i)) => {
                out.push(Request::OpenDraft { id: i.draft_id });
                return;
            }
            Some(MatchRow::Failed(_)) => {
                format!("its scoring call failed; run {} again to retry it", self.keys.label(Command::MatchEvent))
            }
            None => "no row selected".into(),
        };
        self.state.status.message = Some(message);
    }

    /// After the event selection changed (or the events reloaded).
    pub(super) fn event_selected(&mut self, out: &mut Vec<Request>) {
        if let Some(event_id) = self.selected_event_id() {
            if self.state.matches.on_file.as_ref().map(|o| o.0) != Some(event_id) {
                self.state.matches.selected = 0;
            }
            out.push(Request::EventInvitations { event_id });
        }
    }

    pub(super) fn on_match_loaded(&mut self, loaded: Loaded, out: &mut Vec<Request>) {
        match loaded {
            Loaded::MatchEstimate { event_id, estimate } => {
                if self.state.popup.is_some() {
                    return;
                }
                let est = match estimate {
                    Ok(e) => e,
                    Err(why) => {
                        self.state.status.message = None;
                        self.state.status.error = Some(why);
                        return;
                    }
                };
                self.state.status.message = None;
                if est.candidates == 0 {
                    self.state.status.message = Some(format!(
                        "event #{event_id}: no candidate to score ({} already invited)",
                        est.already_invited
                    ));
                    out.push(Request::EventInvitations { event_id });
                    return;
                }
                let d = self.match_defaults;
                let mut form = Form::new(
                    FormKind::Match { event_id },
                    format!("Match prospects to event #{event_id}"),
                    vec![
                        Field::text("top_n", "Top N", d.top_n.to_string())
                            .with_hint("select at least the N best (0: by the minimum score alone)"),
                        Field::text("min_score", "Min score", d.min_score.to_string())
                            .with_hint("and everyone scoring at least this (0-100)"),
                    ],
                );
                form.message = Some(format!(
                    "{}. {} runs it in the background · {} cancels",
                    est.describe(),
                    self.keys.label(Command::FormSave),
                    self.keys.label(Command::FormCancel)
                ));
                self.state.popup = Some(Popup::Form(Box::new(form)));
            }
            Loaded::EventInvitations { event_id, rows, counts, message } => {
                if message.is_some() {
                    self.state.status.message = message;
                }
                if self.selected_event_id() == Some(event_id) {
                    self.state.matches.on_file = Some((event_id, rows, counts));
                    let len = self.state.matches.rows(event_id).len();
                    self.state.matches.selected = self.state.matches.selected.min(len.saturating_sub(1));
                }
            }
            _ => {}
        }
    }

    /// Saving the Match form queues the run.
    pub(super) fn submit_match_form(&mut self, out: &mut Vec<Request>) {
        let Some(Popup::Form(form)) = self.state.popup.as_mut() else { return };
        let FormKind::Match { event_id } = form.kind else { return };
        let Ok(top_n) = form.field("top_n").value.trim().parse::<usize>() else {
            form.set_error("top_n: a whole number, 0 or more");
            return;
        };
        let min_score = match form.field("min_score").value.trim().parse::<u8>() {
            Ok(s) if s <= 100 => s,
            _ => {
                form.set_error("min_score: a whole number from 0 to 100");
                return;
            }
        };
        let options = MatchOptions { top_n, min_score, ..self.match_defaults };
        self.state.popup = None;
        self.state.status.message = Some(format!(
            "matching event #{event_id} in the background ({} shows it)",
            self.keys.label(Command::ViewJobs)
        ));
        out.push(Request::StartJobs(vec![JobKind::Match { event_id, options }]));
    }

    /// A matching job's progress or result.
    pub(super) fn on_match_job(&mut self, update: &JobUpdate, out: &mut Vec<Request>) {
        let JobKind::Match { event_id, .. } = update.kind else { return };
        if let Some(report) = &update.report {
            self.state.matches.reports.insert(event_id, report.clone());
            if self.selected_event_id() == Some(event_id) {
                self.state.matches.selected = 0;
            }
            out.push(Request::EventInvitations { event_id });
        }
        if let JobState::Done(summary) = &update.state {
            self.state.status.message = Some(format!(
                "{summary}; the Events view ({}) shows the ranking ({} to Matches)",
                self.keys.label(Command::ViewEvents),
                self.keys.label(Command::NextPane)
            ));
        }
    }

    /// Keeps an event's invitation counts current after a draft is saved.
    pub(super) fn matching_observe(&mut self, loaded: &Loaded, out: &mut Vec<Request>) {
        if matches!(loaded, Loaded::DraftSaved { .. }) && self.state.view == View::Events {
            if let Some(event_id) = self.selected_event_id() {
                out.push(Request::EventInvitations { event_id });
            }
        }
    }

    fn select_an_event(&self) -> String {
        format!("select an event in the Events view ({}) first", self.keys.label(Command::ViewEvents))
    }
}
