//! The app's state. The UI reads it (never writes it); only
//! [`App::update`](super::App::update) changes it.

use std::collections::{BTreeMap, BTreeSet};

use crate::db::models::{
    CatalogEntry, Event, EventAttendee, Industry, OutreachDraft, ProspectDetail, ProspectListItem, ProspectResearch,
    TimelineItem,
};
use crate::db::prospects::{ProspectFilter, ProspectSort};
use crate::db::EnumLabels;

use super::editor::Recovery;
use super::io::Write;
use crate::db::drafts::{DraftFilter, DraftListItem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Prospects,
    /// The day's work: follow-ups, drafts and events due (app::today).
    Today,
    Events,
    Solutions,
    Costs,
    Drafts,
    Jobs,
}

impl View {
    pub const ALL: [View; 7] =
        [View::Today, View::Prospects, View::Events, View::Solutions, View::Costs, View::Drafts, View::Jobs];

    pub fn title(self) -> &'static str {
        match self {
            View::Prospects => "Prospects",
            View::Today => "Today",
            View::Events => "Events",
            View::Solutions => "Solutions",
            View::Costs => "LLM costs",
            View::Drafts => "Drafts",
            View::Jobs => "Jobs",
        }
    }

    /// The panes of this view, in Tab order.
    pub fn panes(self) -> &'static [Pane] {
        match self {
            View::Prospects => &[Pane::List, Pane::Detail, Pane::Timeline],
            View::Events => &[Pane::List, Pane::Detail, Pane::Matches],
            View::Solutions | View::Drafts => &[Pane::List, Pane::Detail],
            View::Costs | View::Jobs | View::Today => &[Pane::List],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    List,
    Detail,
    Timeline,
    /// The Events view's match results and invitations.
    Matches,
}

/// The virtual prospects list: pages are fetched as they come into view and
/// dropped when far away, so memory stays flat over 100,000 rows.
#[derive(Debug, Clone, Default)]
pub struct ProspectList {
    pub filter: ProspectFilter,
    pub sort: ProspectSort,
    /// Bumped on every filter/sort change; answers for an older one are dropped.
    pub generation: u64,
    pub total: Option<i64>,
    /// `total` is only a lower bound (a search that matched many); the
    /// exact count is asked for when the list is scrolled near it.
    pub total_at_least: bool,
    /// That exact count has been asked for.
    pub count_pending: bool,
    pub pages: BTreeMap<i64, Vec<ProspectListItem>>,
    pub requested: BTreeSet<i64>,
    pub selected: usize,
    /// First visible row.
    pub scroll: usize,
    pub page_size: i64,
}

impl ProspectList {
    pub fn row(&self, index: usize) -> Option<&ProspectListItem> {
        let page = index as i64 / self.page_size;
        self.pages.get(&page).and_then(|rows| rows.get(index % self.page_size as usize))
    }

    pub fn selected_row(&self) -> Option<&ProspectListItem> {
        self.row(self.selected)
    }

    /// A loaded prospect's name (jobs and messages name people, not ids).
    pub fn name_of(&self, id: i32) -> Option<&str> {
        self.pages.values().flatten().find(|p| p.id == id).map(|p| p.full_name.as_str())
    }

    /// Rows that can be selected: the total when known, else what is loaded.
    pub fn len(&self) -> usize {
        match self.total {
            Some(t) => t as usize,
            None => {
                self.pages.iter().map(|(p, rows)| *p as usize * self.page_size as usize + rows.len()).max().unwrap_or(0)
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The selected prospect's detail, research, drafts and timeline.
#[derive(Debug, Clone, Default)]
pub struct ProspectPanel {
    pub prospect_id: Option<i32>,
    pub detail: Option<ProspectDetail>,
    pub research: Vec<ProspectResearch>,
    pub drafts: Vec<OutreachDraft>,
    pub detail_loading: bool,
    pub detail_scroll: u16,
    pub timeline: Vec<TimelineItem>,
    pub timeline_total: i64,
    pub timeline_loading: bool,
    pub timeline_selected: usize,
    pub timeline_limit: i64,
}

#[derive(Debug, Clone, Default)]
pub struct EventsState {
    pub loaded: bool,
    /// Upcoming first (soonest first), then past (latest first).
    pub events: Vec<Event>,
    pub upcoming_count: usize,
    pub selected: usize,
    pub attendees: Option<(i32, Vec<EventAttendee>)>,
    pub detail_scroll: u16,
}

#[derive(Debug, Clone, Default)]
pub struct SolutionsState {
    pub loaded: bool,
    /// Only the solutions linked to this industry (`i` cycles).
    pub industry_id: Option<i32>,
    pub entries: Vec<CatalogEntry>,
    pub selected: usize,
    pub detail_scroll: u16,
}

/// The cost dashboard's state lives with its update logic.
pub use super::costs::{Breakdown, CostRange, CostsState};

/// The Drafts pane: every draft, filtered and searched, newest change first.
#[derive(Debug, Clone, Default)]
pub struct DraftsState {
    pub loaded: bool,
    pub generation: u64,
    pub filter: DraftFilter,
    pub items: Vec<DraftListItem>,
    pub total: i64,
    pub selected: usize,
    /// Statuses and types stored in the database (for the filters).
    pub statuses: Vec<String>,
    pub types: Vec<String>,
}

/// Background LLM jobs, newest first, with what they cost.
#[derive(Debug, Clone, Default)]
pub struct JobsState {
    pub jobs: BTreeMap<u64, crate::llm::JobUpdate>,
    pub selected: usize,
}

impl JobsState {
    /// Newest first.
    pub fn ordered(&self) -> impl Iterator<Item = &crate::llm::JobUpdate> {
        self.jobs.values().rev()
    }

    pub fn count(&self, pred: impl Fn(&crate::llm::JobState) -> bool) -> usize {
        self.jobs.values().filter(|j| pred(&j.state)).count()
    }

    /// What the jobs cost so far (never "-0.0000").
    pub fn cost(&self) -> f64 {
        self.jobs.values().map(|j| j.cost).sum::<f64>() + 0.0
    }

    pub fn selected_job(&self) -> Option<&crate::llm::JobUpdate> {
        self.ordered().nth(self.selected)
    }
}

/// Popups are part of the state; each one's type lives with its keys.
pub use super::popups::{ConfirmAction, PickPurpose, Picker, Popup};

/// The status bar's facts.
#[derive(Debug, Clone, Default)]
pub struct Status {
    pub database: String,
    pub connected: bool,
    pub in_flight: usize,
    pub message: Option<String>,
    pub error: Option<String>,
    pub prospects_total: Option<i64>,
    /// When the message and the error on show first appeared (they expire).
    pub shown: (Option<Shown>, Option<Shown>),
}

/// A status-bar text and when it first appeared.
pub type Shown = (String, std::time::Instant);

/// How long a message stays in the status bar; errors stay longer.
pub const MESSAGE_TTL: std::time::Duration = std::time::Duration::from_secs(8);
pub const ERROR_TTL: std::time::Duration = std::time::Duration::from_secs(30);

impl Status {
    /// Notes when a new message or error appeared.
    pub fn stamp(&mut self, now: std::time::Instant) {
        fn note(slot: &mut Option<(String, std::time::Instant)>, text: &Option<String>, now: std::time::Instant) {
            match text {
                Some(t) if slot.as_ref().is_some_and(|(s, _)| s == t) => {}
                Some(t) => *slot = Some((t.clone(), now)),
                None => *slot = None,
            }
        }
        note(&mut self.shown.0, &self.message, now);
        note(&mut self.shown.1, &self.error, now);
    }

    /// Clears what has been on show long enough. Returns true when it did.
    pub fn expire(&mut self, now: std::time::Instant) -> bool {
        let mut changed = false;
        if self.shown.0.as_ref().is_some_and(|(_, t)| now.duration_since(*t) >= MESSAGE_TTL) {
            self.message = None;
            self.shown.0 = None;
            changed = true;
        }
        if self.shown.1.as_ref().is_some_and(|(_, t)| now.duration_since(*t) >= ERROR_TTL) {
            self.error = None;
            self.shown.1 = None;
            changed = true;
        }
        changed
    }

    /// When the next message or error expires, if any is on show.
    pub fn next_expiry(&self) -> Option<std::time::Instant> {
        let m = self.shown.0.as_ref().map(|(_, t)| *t + MESSAGE_TTL);
        let e = self.shown.1.as_ref().map(|(_, t)| *t + ERROR_TTL);
        m.into_iter().chain(e).min()
    }
}

#[derive(Debug, Clone, Default)]
pub struct AppState {
    pub view: View,
    pub pane: Pane,
    pub prospects: ProspectList,
    pub panel: ProspectPanel,
    pub events: EventsState,
    pub solutions: SolutionsState,
    pub costs: CostsState,
    pub industries: Vec<Industry>,
    pub enums: EnumLabels,
    pub popup: Option<Popup>,
    /// The search box has the keyboard.
    pub searching: bool,
    pub status: Status,
    /// Terminal size, for paging and the "too small" message.
    pub size: (u16, u16),
    pub should_quit: bool,
    pub monthly_budget: f64,
    pub drafts: DraftsState,
    /// Draft saves that failed for a lost connection, sent again on reconnect.
    pub pending_writes: Vec<(String, Write)>,
    /// Bytes for the terminal itself (OSC 52 clipboard), written after a draw.
    pub terminal_writes: Vec<String>,
    pub clipboard_command: String,
    pub jobs: JobsState,
    pub matches: super::matching::MatchesState,
    /// Unsaved drafts found at start-up and not yet restored or discarded.
    pub recoveries: Vec<Recovery>,
    /// Today, marks, undo and the status flow (app::day).
    pub day: super::day::DayState,
}
