//! What the app asks the I/O layer for: reads ([`Request`]) and writes
//! ([`Write`]), with the keys that let a newer request supersede an older one
//! and the kind-and-id summaries that are all the log ever sees.

use crate::app::editor::Recovery;
use crate::db::companies::CompanyInput;
use crate::db::drafts::{DraftFilter, DraftInput};
use crate::db::interactions::InteractionInput;
use crate::db::models::Timestamp;
use crate::db::prospects::{ProspectFilter, ProspectInput, ProspectSort};
use crate::db::usage::{UsageGroup, UsageRange};
use crate::llm::JobKind;

#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    ProspectPage {
        generation: u64,
        page: i64,
        page_size: i64,
        filter: ProspectFilter,
        sort: ProspectSort,
        /// The list's size when known: pages near the end are read backwards.
        total: Option<i64>,
    },
    ProspectCount {
        generation: u64,
        filter: ProspectFilter,
    },
    Detail {
        prospect_id: i32,
    },
    Timeline {
        prospect_id: i32,
        limit: i64,
    },
    Interaction {
        id: i32,
    },
    Events,
    Attendees {
        event_id: i32,
    },
    Catalog {
        industry_id: Option<i32>,
    },
    Industries,
    Counts,
    Costs {
        /// Tags the answer: only the newest request's figures are drawn.
        generation: u64,
        range: UsageRange,
        by: UsageGroup,
    },
    /// Starts (or stops) polling llm_usage_logs for new rows.
    WatchUsage {
        on: bool,
    },
    Drafts {
        generation: u64,
        filter: DraftFilter,
    },
    /// Opens a draft in the editor (with what its placeholders stand for).
    OpenDraft {
        id: i32,
    },
    /// Starts a new draft for a prospect.
    NewDraft {
        prospect_id: i32,
    },
    /// Writes (or, with `None`, removes) a draft's recovery file. Handed to
    /// the draft's own writer at once, never queued behind the database.
    Recovery {
        key: String,
        record: Option<Box<Recovery>>,
    },
    ListRecoveries,
    /// Stops retrying a draft's save (its text was discarded).
    Withdraw {
        key: String,
    },
    /// Writes a draft's text to a file under the data directory.
    Export {
        name: String,
        content: String,
    },
    /// Hands text to the configured clipboard command.
    Clipboard {
        command: String,
        content: String,
    },
    /// Queues LLM jobs.
    StartJobs(Vec<JobKind>),
    /// Counts the prospects in a filter and estimates what researching them costs.
    EstimateBulk {
        filter: ProspectFilter,
    },
    /// Queues research (or, with `drafts`, an LLM draft) for every prospect in a filter.
    BulkResearch {
        filter: ProspectFilter,
        drafts: bool,
    },
    CancelJob {
        id: u64,
    },
    /// Event matching: find the candidates and estimate the cost (no LLM call).
    EstimateMatch {
        event_id: i32,
        options: crate::llm::matching::MatchOptions,
    },
    /// An event's invitations on file and how many are approved and sent.
    EventInvitations {
        event_id: i32,
    },
    /// Approves these invitations of the event (those still in draft).
    ApproveInvitations {
        event_id: i32,
        draft_ids: Vec<i32>,
    },
    Write(Write),
    /// Completes a file path typed in the import popup (Tab).
    CompletePath {
        input: String,
    },
    /// Imports (or, with `options.dry_run`, checks) a CSV file.
    Import {
        path: String,
        options: crate::import::Options,
        cancel: crate::app::transfer::CancelFlag,
    },
    /// Writes a list to a CSV file under the data directory.
    ExportList {
        entity: crate::export::ExportEntity,
        filter: crate::db::export::ExportFilter,
    },
    /// The day's work: the Today list, snoozes, marks, queueing (see app::day).
    Day(crate::app::day::DayRequest),
}

pub use crate::db::prospect_save::{CompanyRef, IndustryRef};

#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    SetStatus {
        prospect_id: i32,
        status: String,
    },
    SetActive {
        prospect_id: i32,
        active: bool,
    },
    SaveProspect {
        id: Option<i32>,
        /// The fields as the edit began (None for a new prospect).
        expected: Option<ProspectInput>,
        input: ProspectInput,
        company: CompanyRef,
    },
    UpdateCompany {
        id: i32,
        input: CompanyInput,
    },
    CreateInteraction(InteractionInput),
    /// Saves (or creates) a draft; with `mark_sent`, also logs the interaction.
    SaveDraft {
        key: String,
        draft_id: Option<i32>,
        input: DraftInput,
        expected: Option<Timestamp>,
        mark_sent: bool,
    },
    DeleteDraft {
        id: i32,
        key: String,
    },
    /// An undoable change (status, active, a logged interaction's move, an undo).
    Change(crate::app::day::Change),
}

impl Request {
    /// Requests with the same key answer the same question ("the detail
    /// pane", "page 3 of the list"); only the newest one is worth running.
    /// Holding `j` sends one per row passed; the older ones are skipped
    /// before they take a connection, so the queue never grows.
    pub(super) fn supersede_key(&self) -> Option<String> {
        Some(match self {
            Request::CompletePath { .. } => "complete_path".into(),
            Request::ProspectPage { page, .. } => format!("page:{page}"),
            Request::ProspectCount { .. } => "count".into(),
            Request::Detail { .. } => "detail".into(),
            Request::Timeline { .. } => "timeline".into(),
            Request::Interaction { .. } => "interaction".into(),
            Request::Attendees { .. } => "attendees".into(),
            Request::Costs { .. } => "costs".into(),
            Request::Drafts { .. } => "drafts".into(),
            Request::Catalog { .. } => "catalog".into(),
            Request::EventInvitations { .. } => "invitations".into(),
            Request::Day(crate::app::day::DayRequest::Load { .. }) => "today".into(),
            _ => return None,
        })
    }
}

impl Request {
    /// The request's kind, for the log.
    pub fn kind(&self) -> &'static str {
        match self {
            Request::ProspectPage { .. } => "prospect_page",
            Request::ProspectCount { .. } => "prospect_count",
            Request::Detail { .. } => "detail",
            Request::Timeline { .. } => "timeline",
            Request::Interaction { .. } => "interaction",
            Request::Events => "events",
            Request::Attendees { .. } => "attendees",
            Request::Catalog { .. } => "catalog",
            Request::Industries => "industries",
            Request::Counts => "counts",
            Request::Costs { .. } => "costs",
            Request::WatchUsage { .. } => "watch_usage",
            Request::Drafts { .. } => "drafts",
            Request::OpenDraft { .. } => "open_draft",
            Request::NewDraft { .. } => "new_draft",
            Request::Recovery { .. } => "recovery",
            Request::ListRecoveries => "list_recoveries",
            Request::Withdraw { .. } => "withdraw",
            Request::Export { .. } => "export",
            Request::Clipboard { .. } => "clipboard",
            Request::StartJobs(_) => "start_jobs",
            Request::EstimateBulk { .. } => "estimate_bulk",
            Request::BulkResearch { .. } => "bulk_research",
            Request::CancelJob { .. } => "cancel_job",
            Request::EstimateMatch { .. } => "estimate_match",
            Request::EventInvitations { .. } => "event_invitations",
            Request::ApproveInvitations { .. } => "approve_invitations",
            Request::CompletePath { .. } => "complete_path",
            Request::Import { .. } => "import",
            Request::ExportList { .. } => "export_list",
            Request::Day(_) => "day",
            Request::Write(w) => match w {
                Write::SetStatus { .. } => "write:set_status",
                Write::SetActive { .. } => "write:set_active",
                Write::SaveProspect { .. } => "write:save_prospect",
                Write::UpdateCompany { .. } => "write:update_company",
                Write::CreateInteraction(_) => "write:create_interaction",
                Write::SaveDraft { .. } => "write:save_draft",
                Write::DeleteDraft { .. } => "write:delete_draft",
                Write::Change(_) => "write:change",
            },
        }
    }

    /// Kind and ids, for the log: never text (drafts, form input, search
    /// words, clipboard text, file names) a user typed or copied.
    pub fn summary(&self) -> String {
        let ids = match self {
            Request::Detail { prospect_id }
            | Request::Timeline { prospect_id, .. }
            | Request::NewDraft { prospect_id } => format!("prospect={prospect_id}"),
            Request::Interaction { id } | Request::OpenDraft { id } => format!("id={id}"),
            Request::CancelJob { id } => format!("job={id}"),
            Request::Attendees { event_id }
            | Request::EstimateMatch { event_id, .. }
            | Request::EventInvitations { event_id }
            | Request::ApproveInvitations { event_id, .. } => format!("event={event_id}"),
            Request::ProspectPage { page, .. } => format!("page={page}"),
            Request::StartJobs(kinds) => format!("jobs={}", kinds.len()),
            Request::Write(Write::SetStatus { prospect_id, .. } | Write::SetActive { prospect_id, .. }) => {
                format!("prospect={prospect_id}")
            }
            Request::Write(Write::SaveProspect { id, .. }) => format!("prospect={id:?}"),
            Request::Write(Write::UpdateCompany { id, .. }) => format!("company={id}"),
            Request::Write(Write::CreateInteraction(i)) => format!("prospect={}", i.prospect_id),
            Request::Write(Write::SaveDraft { draft_id, input, .. }) => {
                format!("draft={draft_id:?} prospect={}", input.prospect_id)
            }
            Request::Write(Write::DeleteDraft { id, .. }) => format!("draft={id}"),
            _ => return self.kind().to_string(),
        };
        format!("{} {ids}", self.kind())
    }
}

impl Write {
    pub fn describe(&self) -> String {
        match self {
            Write::SetStatus { status, .. } => format!("set status to {status}"),
            Write::SetActive { active, .. } => format!("mark {}", if *active { "active" } else { "inactive" }),
            Write::SaveProspect { id: None, input, .. } => format!("add prospect {}", input.full_name),
            Write::SaveProspect { input, .. } => format!("save prospect {}", input.full_name),
            Write::UpdateCompany { input, .. } => format!("save company {}", input.name),
            Write::CreateInteraction(i) => format!("log interaction {:?}", i.subject),
            Write::SaveDraft { mark_sent: true, .. } => "mark the draft sent".into(),
            Write::SaveDraft { draft_id: None, .. } => "create the draft".into(),
            Write::SaveDraft { .. } => "save the draft".into(),
            Write::DeleteDraft { id, .. } => format!("delete draft #{id}"),
            Write::Change(c) => c.describe(),
        }
    }
}
