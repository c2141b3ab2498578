//! Every change to the app's state is an [`Action`], handled in one place
//! ([`super::App::update`]). Input events become actions; so do the answers
//! of database requests, which carry the request they answer so that a stale
//! answer (for a row the user has already left) is recognised and dropped.

use crossterm::event::{KeyEvent, MouseEvent};

use crate::app::editor::{PlaceholderContext, Recovery};
use crate::db::drafts::{DraftListItem, SaveOutcome};
use crate::db::models::{
    CatalogEntry, Event, EventAttendee, Industry, Interaction, OutreachDraft, ProspectDetail, ProspectListItem,
    ProspectResearch, TimelineItem,
};
use crate::db::prospects::ProspectFilter;
use crate::db::usage::{UsageBucket, UsageTotals};
use crate::db::Counts;
use crate::llm::JobUpdate;

use super::io::Request;

#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// How far the running import is (not an answer: requests stay in flight).
    ImportProgress(crate::import::Progress),
    /// Something finished in the background: an answer to a request.
    Loaded(Box<Loaded>),
    /// A request failed; `retryable` when the connection is at fault.
    Failed {
        request: Box<Request>,
        error: String,
        retryable: bool,
    },
    /// The connection monitor's view of the database.
    Connection {
        up: bool,
    },
    /// A background LLM job changed state.
    Job(JobUpdate),
    /// Time passed: status-bar messages expire.
    Tick,
    Quit,
}

/// Answers from the database, each tagged with what it answers.
/// (Boxed inside [`Action`], so the size of its variants does not matter.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Loaded {
    ProspectPage {
        generation: u64,
        page: i64,
        rows: Vec<ProspectListItem>,
    },
    ProspectCount {
        generation: u64,
        total: i64,
    },
    /// A page of a search, with what is known of the number of matches.
    SearchPage {
        generation: u64,
        page: i64,
        rows: Vec<ProspectListItem>,
        total: crate::db::prospect_page::Total,
    },
    Detail {
        prospect_id: i32,
        detail: Option<ProspectDetail>,
        research: Vec<ProspectResearch>,
        drafts: Vec<OutreachDraft>,
    },
    Timeline {
        prospect_id: i32,
        items: Vec<TimelineItem>,
        total: i64,
    },
    Interaction(Option<Interaction>),
    Events {
        upcoming: Vec<Event>,
        past: Vec<Event>,
    },
    Attendees {
        event_id: i32,
        attendees: Vec<EventAttendee>,
    },
    Catalog(Vec<CatalogEntry>),
    Industries(Vec<Industry>),
    Counts(Counts),
    Costs {
        generation: u64,
        totals: UsageTotals,
        breakdown: Vec<UsageBucket>,
        daily: Vec<(String, f64)>,
        month_cost: f64,
        high_water: Option<i32>,
    },
    /// New llm_usage_logs rows exist (the dashboard reloads if open).
    UsageChanged,
    /// Another Closer (its notice) or another program (the poll) changed
    /// the database; not an answer to a request (src/app/live.rs).
    Changed(crate::db::notify::Change),
    /// A hint for the status bar, not an answer to a request.
    Notice(String),
    /// A newer request made this one pointless; it did not run.
    Superseded,
    /// Done; nothing to show (a recovery file written, say).
    Nothing,
    Drafts {
        generation: u64,
        items: Vec<DraftListItem>,
        total: i64,
        statuses: Vec<String>,
        types: Vec<String>,
    },
    /// A draft to edit: an existing one, or (with `prospect_id`) a new one.
    DraftOpened {
        draft: Option<Box<OutreachDraft>>,
        prospect_id: Option<i32>,
        context: PlaceholderContext,
    },
    DraftSaved {
        key: String,
        outcome: Box<SaveOutcome>,
        mark_sent: bool,
    },
    Recoveries(Vec<Recovery>),
    BulkEstimate {
        /// Of `count`, how many already have research written today.
        researched_today: i64,
        filter: ProspectFilter,
        count: i64,
        cost: f64,
        source: String,
    },
    /// Event matching's candidates and estimated cost (or why it cannot run).
    MatchEstimate {
        event_id: i32,
        estimate: Result<crate::llm::matching::estimate::Estimate, String>,
    },
    /// An event's invitations on file and their counts (after an approval, with its message).
    EventInvitations {
        event_id: i32,
        rows: Vec<crate::db::matching::InvitationRow>,
        counts: crate::db::matching::InviteCounts,
        message: Option<String>,
    },
    /// Tab in the import popup: the path completed as far as it is unique.
    PathCompleted {
        input: String,
        completed: String,
        candidates: Vec<String>,
    },
    /// An import (or its dry run) finished.
    Imported {
        dry_run: bool,
        summary: Box<crate::import::Summary>,
    },
    /// A write finished; the message is shown and affected views reload.
    Written {
        message: String,
        prospect_id: Option<i32>,
    },
    /// The day's work: Today, marks, undoable changes (see app::day).
    Day(Box<crate::app::day::DayLoaded>),
}
