//! The day's work in the app: the Today view ([`super::today`]), marks and
//! bulk actions ([`super::marks`]), undo and automatic status moves
//! ([`super::undo`]). This file holds their state, the requests they send
//! and the answers they get, and routes commands and answers to them, so
//! the shared files (update.rs, io.rs) only gain one hook each.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::flow::Move;
use super::io::Request;
use super::state::{Pane, View};
use super::{App, Command};
use crate::config::{FollowupConfig, StatusFlowConfig};
use crate::db::bulk::UndoRecord;
use crate::db::followups::{Rules, TodayList};
use crate::db::interactions::InteractionInput;
use crate::db::prospects::ProspectFilter;

/// All of the day's-work state (one field of [`super::state::AppState`]).
#[derive(Debug, Clone, Default)]
pub struct DayState {
    pub today: TodayState,
    pub marks: Marks,
    /// The last undoable change.
    pub undo: Option<Arc<UndoRecord>>,
    pub followup: Option<FollowupConfig>,
    pub flow: Option<StatusFlowConfig>,
}

#[derive(Debug, Clone, Default)]
pub struct TodayState {
    /// Bumped on every load; older answers are dropped.
    pub generation: u64,
    pub loading: bool,
    pub list: Option<TodayList>,
    /// Index into the list's items.
    pub selected: usize,
    /// First visible display row (group headers count as rows).
    pub scroll: usize,
    /// A draft opened to be marked sent: F5 is pressed for the user once it opens.
    pub send_on_open: Option<i32>,
    /// Set at start-up: show Today when the first list has anything due.
    pub open_when_due: bool,
    /// The day the rules are evaluated on; None: the local date (tests fix it).
    pub as_of: Option<NaiveDate>,
}

/// Marked prospects (by id, so a mark survives paging, sorting and filtering).
#[derive(Debug, Clone, Default)]
pub struct Marks {
    pub ids: HashSet<i32>,
    /// A "mark all" is on its way for this list generation.
    pub pending: Option<u64>,
}

impl Marks {
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The marked ids, sorted (the order bulk writes lock rows in).
    pub fn sorted(&self) -> Arc<Vec<i32>> {
        let mut v: Vec<i32> = self.ids.iter().copied().collect();
        v.sort_unstable();
        Arc::new(v)
    }
}

/// Whom LLM jobs are queued for.
#[derive(Clone, PartialEq, Eq)]
pub enum QueueTarget {
    Marked(Arc<Vec<i32>>),
    /// The active target-industry prospects without an invitation for the event.
    Invitations {
        event_id: i32,
        industry_ids: Vec<i32>,
        title: String,
    },
}

#[derive(Clone, PartialEq)]
pub enum DayRequest {
    /// The Today list (the I/O layer adds the snoozes).
    Load {
        generation: u64,
        rules: Box<Rules>,
    },
    Snooze {
        key: String,
        until: NaiveDate,
        today: NaiveDate,
        label: String,
    },
    /// The ids of every prospect in the filter.
    MarkAll {
        generation: u64,
        filter: ProspectFilter,
    },
    /// Counts and prices the jobs for a target, against the monthly budget.
    Estimate {
        target: QueueTarget,
        drafts: bool,
    },
    /// Queues research (or drafts) for at most `limit` of the target.
    Queue {
        target: QueueTarget,
        drafts: bool,
        limit: usize,
    },
    ExportMarked {
        ids: Arc<Vec<i32>>,
    },
}

/// Sizes, not ids or names: requests that fail are logged.
impl std::fmt::Debug for QueueTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueueTarget::Marked(ids) => write!(f, "Marked({} rows)", ids.len()),
            QueueTarget::Invitations { event_id, .. } => write!(f, "Invitations(event #{event_id})"),
        }
    }
}

impl std::fmt::Debug for DayRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DayRequest::Load { generation, rules } => write!(f, "Load(#{generation}, as of {})", rules.as_of),
            DayRequest::Snooze { until, .. } => write!(f, "Snooze(until {until})"),
            DayRequest::MarkAll { generation, .. } => write!(f, "MarkAll(#{generation})"),
            DayRequest::Estimate { target, drafts } => write!(f, "Estimate({target:?}, drafts {drafts})"),
            DayRequest::Queue { target, drafts, limit } => write!(f, "Queue({target:?}, drafts {drafts}, {limit})"),
            DayRequest::ExportMarked { ids } => write!(f, "ExportMarked({} rows)", ids.len()),
        }
    }
}

/// Writes that can be undone (or undo), sent as `Request::Write(Write::Change(..))`
/// so that a lost connection retries them like every write.
#[derive(Clone, PartialEq)]
pub enum Change {
    SetStatus {
        ids: Arc<Vec<i32>>,
        status: String,
    },
    SetActive {
        ids: Arc<Vec<i32>>,
        active: bool,
    },
    /// An automatic move of one prospect.
    Move {
        prospect_id: i32,
        mv: Move,
    },
    /// Logs an interaction, then makes its move (if any).
    LogInteraction {
        input: InteractionInput,
        mv: Option<Move>,
    },
    Undo(Arc<UndoRecord>),
}

/// A failed write is logged: say what kind and how many, never whom or what text.
impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::SetStatus { ids, .. } => write!(f, "Change::SetStatus({} rows)", ids.len()),
            Change::SetActive { ids, active } => write!(f, "Change::SetActive({} rows, {active})", ids.len()),
            Change::Move { prospect_id, .. } => write!(f, "Change::Move(#{prospect_id})"),
            Change::LogInteraction { input, .. } => write!(f, "Change::LogInteraction(#{})", input.prospect_id),
            Change::Undo(r) => write!(f, "Change::Undo({} rows)", r.len()),
        }
    }
}

impl Change {
    pub fn describe(&self) -> String {
        let n = |ids: &Arc<Vec<i32>>| crate::calendar::plural(ids.len() as i64, "prospect", "prospects");
        match self {
            Change::SetStatus { ids, status } => format!("set status {status} on {}", n(ids)),
            Change::SetActive { ids, active } => {
                format!("mark {} {}", n(ids), if *active { "active" } else { "inactive" })
            }
            Change::Move { mv, .. } => format!("move to {} ({})", mv.to, mv.why),
            Change::LogInteraction { input, .. } => format!("log interaction {:?}", input.subject),
            Change::Undo(r) => format!("undo {}", r.what),
        }
    }
}

#[derive(Debug, Clone)]
pub enum DayLoaded {
    Today {
        generation: u64,
        list: TodayList,
    },
    MarkedAll {
        generation: u64,
        ids: Vec<i32>,
    },
    Estimate {
        target: QueueTarget,
        drafts: bool,
        count: i64,
        per_call: f64,
        source: String,
        month_spent: f64,
    },
    /// A change was written (or refused); `undo` is the new last change.
    Changed {
        message: Option<String>,
        error: bool,
        undo: Option<Arc<UndoRecord>>,
        /// The undo record this answer used up (undone, or found stale).
        spent: Option<Arc<UndoRecord>>,
        prospect_id: Option<i32>,
    },
    Progress {
        what: String,
        done: usize,
        total: usize,
    },
    /// A snooze was written, a file exported, jobs queued: a message, and Today reloads.
    Done {
        message: String,
    },
}

/// Confirmations the day's work asks for (`ConfirmAction::Day`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayConfirm {
    Queue { target: QueueTarget, limit: usize },
}

/// Pickers the day's work opens (`PickPurpose::Day`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayPick {
    Snooze { key: String, label: String },
    BulkStatus,
    BulkActive,
}

impl App {
    /// Commands of the day's work; true when handled here.
    pub(super) fn day_command(&mut self, command: Command, out: &mut Vec<Request>) -> bool {
        self.today_command(command, out) || self.marks_command(command, out) || self.undo_command(command, out)
    }

    /// Answers for the day's work. A change written while another view is
    /// on screen still reloads what shows it.
    pub(super) fn on_day_loaded(&mut self, loaded: DayLoaded, out: &mut Vec<Request>) {
        match loaded {
            DayLoaded::Today { generation, list } => self.today_loaded(generation, list),
            DayLoaded::MarkedAll { generation, ids } => self.marked_all(generation, ids),
            // The question's answers follow from the target (invitations are drafts).
            DayLoaded::Estimate { target, count, per_call, source, month_spent, .. } => {
                self.queue_estimate(target, count, per_call, source, month_spent)
            }
            DayLoaded::Changed { message, error, undo, spent, prospect_id } => {
                self.changed(message, error, undo, spent, prospect_id, out)
            }
            DayLoaded::Progress { what, done, total } => {
                // Not an answer: the request it belongs to is still in flight.
                self.state.status.in_flight += 1;
                self.state.status.message = Some(format!(
                    "{what}: {} of {}…",
                    crate::calendar::thousands(done as i64),
                    crate::calendar::thousands(total as i64)
                ));
            }
            DayLoaded::Done { message } => {
                self.state.status.message = Some(message);
                self.state.status.error = None;
                self.reload_today_if_shown(out);
            }
        }
    }
}

impl App {
    /// A choice in one of the day's pickers.
    pub(super) fn day_picked(&mut self, pick: DayPick, choice: String, out: &mut Vec<Request>) {
        match pick {
            DayPick::Snooze { key, label } => self.snooze_picked(key, label, &choice, out),
            pick => self.bulk_picked(pick, choice, out),
        }
    }

    /// A printable key bound to no command starts a search on the prospects
    /// list (as many list UIs do), so typing a name never does nothing
    /// silently. Keys that are commands stay commands; what they change is
    /// named in the status bar and can be undone.
    pub(super) fn unbound_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        let plain = (key.modifiers - KeyModifiers::SHIFT).is_empty();
        let KeyCode::Char(c) = key.code else { return };
        if !plain || c.is_control() || self.state.view != View::Prospects || self.state.popup.is_some() {
            return;
        }
        let s = &mut self.state;
        s.pane = Pane::List;
        s.searching = true;
        s.prospects.filter.search = c.to_string();
        self.reset_prospects(out);
    }
}
