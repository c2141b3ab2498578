//! The I/O layer: every database call runs on a tokio task and comes back
//! to the event loop as an [`Action`]. The event loop never awaits a query.
//! Writes that fail because the connection is down are retried with
//! backoff, then reported as failed; none is dropped silently.

use std::time::Duration;

use color_eyre::eyre::{self, Result};
use tokio::sync::mpsc::UnboundedSender;

use super::action::{Action, Loaded};
use crate::app::editor::{PlaceholderContext, Recovery};
use crate::app::recovery::{file_name, RecoveryWriter};
use crate::db::companies::CompanyInput;
use crate::db::drafts::{DraftFilter, DraftInput, SaveOutcome};
use crate::db::interactions::InteractionInput;
use crate::db::models::Timestamp;
use crate::db::prospects::{ProspectFilter, ProspectInput, ProspectSort};
use crate::db::usage::{UsageGroup, UsageRange};
use crate::db::Db;
use crate::llm::{JobKind, JobRunner};

mod day;
mod transfer;

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
        cancel: super::transfer::CancelFlag,
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
    fn supersede_key(&self) -> Option<String> {
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

#[derive(Clone)]
pub struct Io {
    db: Db,
    tx: UnboundedSender<Action>,
    monitor_running: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The newest sequence number sent per supersede key.
    latest: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, u64>>>,
    seq: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// One permit per pooled connection: a request waits here, not inside
    /// the pool, so that it can still be skipped when superseded.
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    /// Where recovery files and exports go (under the data directory).
    data_dir: std::path::PathBuf,
    recovery: RecoveryWriter,
    /// The newest save per draft key: a save's retries stop once a newer
    /// save or a discard has replaced it.
    draft_writes: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, u64>>>,
    /// Delays between attempts of a write whose connection failed.
    write_backoff: std::sync::Arc<Vec<u64>>,
    usage_watch: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// (newest usage row id, month, that month's cost) from the last dashboard load.
    month_cache: std::sync::Arc<std::sync::Mutex<Option<MonthCost>>>,
    usage_watch_running: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The LLM job queue, or why there is none (no API key, say).
    jobs: Result<JobRunner, String>,
    /// The configured model, and its price for a call of ~2,500 + 400 tokens.
    estimate: Option<(String, Option<f64>)>,
    /// Batches of automatic status moves (app::day).
    day: day::DayIo,
}

/// (newest usage row id, "YYYY-MM", that month's cost).
type MonthCost = (Option<i32>, String, f64);

/// How often the open dashboard checks for new usage rows.
const USAGE_POLL: Duration = Duration::from_secs(3);

/// Delays between attempts of a write whose connection failed.
const WRITE_BACKOFF_MS: [u64; 5] = [250, 500, 1000, 2000, 4000];

impl Io {
    pub fn new(db: Db, tx: UnboundedSender<Action>) -> Self {
        let permits =
            std::sync::Arc::new(tokio::sync::Semaphore::new(db.pool.options().get_max_connections().max(1) as usize));
        Self {
            db,
            recovery: recovery_writer(crate::logging::data_dir(), &tx),
            tx,
            monitor_running: Default::default(),
            latest: Default::default(),
            seq: Default::default(),
            permits,
            draft_writes: Default::default(),
            data_dir: crate::logging::data_dir(),
            write_backoff: std::sync::Arc::new(WRITE_BACKOFF_MS.to_vec()),
            jobs: Err("LLM jobs are not set up".into()),
            usage_watch: Default::default(),
            month_cache: Default::default(),
            usage_watch_running: Default::default(),
            estimate: None,
            day: Default::default(),
        }
    }

    /// Keeps recovery files and exports under `dir` (tests use a temp dir).
    #[cfg(feature = "test-support")]
    pub fn with_data_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.recovery = recovery_writer(dir.clone(), &self.tx);
        self.data_dir = dir;
        self
    }

    /// Connects the LLM job queue (or records why it is unavailable).
    pub fn with_jobs(mut self, jobs: Result<JobRunner, String>, estimate: Option<(String, Option<f64>)>) -> Self {
        self.jobs = jobs;
        self.estimate = estimate;
        self
    }

    /// Shorter retry delays for writes (tests).
    #[cfg(feature = "test-support")]
    pub fn with_write_backoff(mut self, delays_ms: Vec<u64>) -> Self {
        self.write_backoff = std::sync::Arc::new(delays_ms);
        self
    }

    pub fn recovery_dir(&self) -> std::path::PathBuf {
        self.recovery.dir().to_path_buf()
    }

    /// Runs a request on its own task; its answer arrives as an action.
    pub fn send(&self, request: Request) {
        // Recovery files and withdrawals take effect in the order they were
        // asked for, before anything else can overtake them.
        if self.immediate(&request).is_some() {
            let _ = self.tx.send(Action::Loaded(Box::new(Loaded::Nothing)));
            return;
        }
        let ticket = self.ticket(&request);
        let this = self.clone();
        tokio::spawn(async move {
            let action = this.run(request, ticket).await;
            let _ = this.tx.send(action);
        });
    }

    /// Runs one request to completion and returns its answer as an action
    /// (benchmarks and tests drive the app this way, without a terminal).
    pub async fn answer(&self, request: Request) -> Action {
        let ticket = self.ticket(&request);
        self.run(request, ticket).await
    }

    /// Feeds `requests` and every follow-up request to the app until it
    /// asks for nothing more. Requests run concurrently, as in the app.
    #[cfg(feature = "test-support")]
    pub async fn settle(&self, app: &mut super::App, requests: Vec<Request>) {
        let mut pending = requests;
        while !pending.is_empty() {
            let tickets: Vec<_> = pending.iter().map(|r| self.ticket(r)).collect();
            let runs = pending.drain(..).zip(tickets).map(|(r, t)| self.run(r, t));
            let answers = futures_util::future::join_all(runs).await;
            for a in answers {
                pending.extend(app.update(a));
            }
        }
    }

    /// Records this request as the newest of its kind.
    fn ticket(&self, request: &Request) -> Option<(String, u64)> {
        let key = request.supersede_key()?;
        let seq = self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.latest.lock().expect("not poisoned").insert(key.clone(), seq);
        Some((key, seq))
    }

    /// Handles the requests that need no database at once: a recovery file
    /// goes to its draft's writer, a withdrawal stops a save's retries.
    /// Returns the recovery file's version to wait for, if any.
    fn immediate(&self, request: &Request) -> Option<u64> {
        match request {
            Request::Recovery { key, record } => Some(self.recovery.submit(key, record.clone())),
            Request::Withdraw { key } => {
                self.draft_write_ticket(key);
                Some(0)
            }
            _ => None,
        }
    }

    /// Marks a new save (or a discard) as the newest for this draft.
    fn draft_write_ticket(&self, key: &str) -> u64 {
        let seq = self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.draft_writes.lock().expect("not poisoned").insert(key.to_string(), seq);
        seq
    }

    async fn run(&self, request: Request, ticket: Option<(String, u64)>) -> Action {
        if let Some(version) = self.immediate(&request) {
            if let Request::Recovery { key, .. } = &request {
                self.recovery.written(key, version).await;
            }
            return Action::Loaded(Box::new(Loaded::Nothing));
        }
        let draft_write = match &request {
            Request::Write(Write::SaveDraft { key, .. }) => Some((key.clone(), self.draft_write_ticket(key))),
            _ => None,
        };
        let _permit = self.permits.clone().acquire_owned().await;
        if let Some((key, seq)) = &ticket {
            if self.latest.lock().expect("not poisoned").get(key) != Some(seq) {
                return Action::Loaded(Box::new(Loaded::Superseded));
            }
        }
        let is_write = matches!(request, Request::Write(_));
        let mut attempt = 0;
        loop {
            let started = std::time::Instant::now();
            match self.execute(&request, attempt > 0).await {
                Ok(loaded) => {
                    // A slow read on a database without Closer's indexes: hint once.
                    crate::app::live::note_duration(&self.db, &self.tx, request.kind(), started.elapsed());
                    return Action::Loaded(Box::new(loaded));
                }
                Err(e) => {
                    let retryable = is_connection_error(&e);
                    if retryable {
                        let _ = self.tx.send(Action::Connection { up: false });
                        self.watch_connection();
                    }
                    if is_write && retryable && attempt < self.write_backoff.len() {
                        tokio::time::sleep(Duration::from_millis(self.write_backoff[attempt])).await;
                        attempt += 1;
                        if let Some((key, seq)) = &draft_write {
                            if self.draft_writes.lock().expect("not poisoned").get(key) != Some(seq) {
                                // Discarded, or replaced by a newer save: never send this text.
                                return Action::Loaded(Box::new(Loaded::Nothing));
                            }
                        }
                        continue;
                    }
                    let error = crate::db::url::mask(&format!("{e:#}"));
                    // Kind and ids only: a request may carry draft text, form input or clipboard text.
                    tracing::warn!(request = %request.summary(), %error, "request failed");
                    return Action::Failed { request: Box::new(request), error, retryable };
                }
            }
        }
    }

    /// Polls for new usage rows every few seconds while the dashboard is
    /// open (rows may come from this Closer's jobs, another Closer or the
    /// original tool; polling needs no trigger in a shared database).
    fn watch_usage(&self, on: bool) {
        use std::sync::atomic::Ordering;
        self.usage_watch.store(on, Ordering::SeqCst);
        if !on || self.usage_watch_running.swap(true, Ordering::SeqCst) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut seen = this.db.usage_high_water().await.ok().flatten();
            while this.usage_watch.load(Ordering::SeqCst) {
                tokio::time::sleep(USAGE_POLL).await;
                if !this.usage_watch.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(now) = this.db.usage_high_water().await {
                    if now != seen {
                        seen = now;
                        let _ = this.tx.send(Action::Loaded(Box::new(Loaded::UsageChanged)));
                    }
                }
            }
            this.usage_watch_running.store(false, Ordering::SeqCst);
        });
    }

    /// Pings with backoff until the database answers, then says so once.
    fn watch_connection(&self) {
        use std::sync::atomic::Ordering;
        if self.monitor_running.swap(true, Ordering::SeqCst) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(250);
            loop {
                tokio::time::sleep(delay).await;
                if this.db.ping().await {
                    this.monitor_running.store(false, Ordering::SeqCst);
                    let _ = this.tx.send(Action::Connection { up: true });
                    return;
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        });
    }

    /// `retry`: an earlier attempt failed for the connection, and may have
    /// committed anyway.
    async fn execute(&self, request: &Request, retry: bool) -> Result<Loaded> {
        let db = &self.db;
        Ok(match request {
            // A search keystroke: the page and the number of matches, one statement.
            Request::ProspectPage { generation, page, page_size, filter, sort, .. }
                if !filter.search.trim().is_empty() =>
            {
                let found = db.search_page(filter, *sort, page * page_size, *page_size).await?;
                Loaded::SearchPage { generation: *generation, page: *page, rows: found.rows, total: found.total }
            }
            Request::CompletePath { .. } | Request::Import { .. } | Request::ExportList { .. } => {
                self.transfer(request).await?
            }
            Request::ProspectPage { generation, page, page_size, filter, sort, total } => {
                let rows = match total {
                    Some(t) => db.list_prospects_in(filter, *sort, page * page_size, *page_size, *t).await?,
                    None => db.list_prospects(filter, *sort, page * page_size, *page_size).await?,
                };
                Loaded::ProspectPage { generation: *generation, page: *page, rows }
            }
            Request::ProspectCount { generation, filter } => {
                Loaded::ProspectCount { generation: *generation, total: db.count_prospects(filter).await? }
            }
            Request::Detail { prospect_id } => {
                let id = *prospect_id;
                // One query each, at once (src/db/panel.rs).
                let (detail, research, drafts) =
                    tokio::try_join!(db.prospect_detail(id), db.research_for_prospect(id), db.drafts_for_prospect(id))?;
                Loaded::Detail { prospect_id: id, detail, research, drafts }
            }
            Request::Timeline { prospect_id, limit } => {
                let id = *prospect_id;
                let (items, total) = db.timeline_with_total(id, *limit).await?;
                Loaded::Timeline { prospect_id: id, items, total }
            }
            Request::Interaction { id } => Loaded::Interaction(db.interaction(*id).await?),
            Request::Events => {
                let (upcoming, past) = tokio::try_join!(db.events(true, 500), db.events(false, 500))?;
                Loaded::Events { upcoming, past }
            }
            Request::Attendees { event_id } => {
                Loaded::Attendees { event_id: *event_id, attendees: db.event_attendees(*event_id, 200).await? }
            }
            Request::Catalog { industry_id } => Loaded::Catalog(db.catalog(*industry_id).await?),
            Request::Industries => Loaded::Industries(db.industries().await?),
            // The status bar shows the prospect count only: counting the
            // million-row tables too would slow every start without indexes.
            Request::Counts => Loaded::Counts(crate::db::Counts {
                prospects: db.count_prospects(&Default::default()).await?,
                ..Default::default()
            }),
            Request::Costs { generation, range, by } => {
                // The totals are the breakdown's sums: one scan fewer. The
                // month's spend is reused while no row was added (a range
                // change does not need it again).
                let high_water = db.usage_high_water().await?;
                // Closer's rollups when the database has them (src/db/rollups.rs).
                if let Some(d) = db.usage_from_rollups(range, *by).await? {
                    let totals = d.totals();
                    let (breakdown, daily, month_cost) = (d.breakdown, d.daily, d.month_cost);
                    return Ok(Loaded::Costs {
                        generation: *generation,
                        totals,
                        breakdown,
                        daily,
                        month_cost,
                        high_water,
                    });
                }
                let month = chrono::Utc::now().format("%Y-%m").to_string();
                let cached = self.month_cache.lock().expect("not poisoned").clone();
                let month_query = async {
                    match cached {
                        Some((hw, m, cost)) if hw == high_water && m == month => Ok(cost),
                        _ => db.month_to_date_cost().await,
                    }
                };
                let (breakdown, daily, month_cost) =
                    tokio::try_join!(db.usage_breakdown(range, *by), db.usage_daily_cost(range), month_query)?;
                *self.month_cache.lock().expect("not poisoned") = Some((high_water, month, month_cost));
                let totals = crate::db::usage::UsageTotals {
                    calls: breakdown.iter().map(|b| b.calls).sum(),
                    prompt_tokens: breakdown.iter().map(|b| b.prompt_tokens).sum(),
                    completion_tokens: breakdown.iter().map(|b| b.completion_tokens).sum(),
                    total_tokens: breakdown.iter().map(|b| b.total_tokens).sum(),
                    cost: breakdown.iter().map(|b| b.cost).sum(),
                };
                Loaded::Costs { generation: *generation, totals, breakdown, daily, month_cost, high_water }
            }
            Request::WatchUsage { on } => {
                self.watch_usage(*on);
                Loaded::Nothing
            }
            Request::Drafts { generation, filter } => {
                let (items, total, (statuses, types)) =
                    tokio::try_join!(db.list_drafts(filter, 0, 500), db.count_drafts(filter), db.draft_values())?;
                Loaded::Drafts { generation: *generation, items, total, statuses, types }
            }
            Request::OpenDraft { id } => match db.draft(*id).await? {
                Some(draft) => {
                    let context = self.placeholder_context(draft.prospect_id, draft.event_id).await?;
                    Loaded::DraftOpened { draft: Some(Box::new(draft)), prospect_id: None, context }
                }
                None => Loaded::Written { message: format!("draft #{id} no longer exists"), prospect_id: None },
            },
            Request::NewDraft { prospect_id } => {
                let context = self.placeholder_context(*prospect_id, None).await?;
                Loaded::DraftOpened { draft: None, prospect_id: Some(*prospect_id), context }
            }
            Request::Recovery { .. } | Request::Withdraw { .. } => Loaded::Nothing, // see immediate()
            Request::ListRecoveries => {
                crate::app::recovery::remove_stale_temps(&self.recovery_dir());
                let mut found = Vec::new();
                if let Ok(mut dir) = tokio::fs::read_dir(self.recovery_dir()).await {
                    while let Some(entry) = dir.next_entry().await? {
                        if entry.path().extension().is_some_and(|e| e == "json") {
                            let bytes = tokio::fs::read(entry.path()).await?;
                            match serde_json::from_slice::<Recovery>(&bytes) {
                                Ok(mut r) => {
                                    // The file's own name is the key that removes it.
                                    if let Some(stem) = entry.path().file_stem().and_then(|s| s.to_str()) {
                                        r.key = stem.to_string();
                                    }
                                    found.push(r)
                                }
                                Err(e) => {
                                    tracing::warn!(path = %entry.path().display(), %e, "unreadable recovery file")
                                }
                            }
                        }
                    }
                }
                found.sort_by_key(|r| std::cmp::Reverse(r.written_at));
                Loaded::Recoveries(found)
            }
            Request::Export { name, content } => {
                let dir = self.data_dir.join("exports");
                tokio::fs::create_dir_all(&dir).await?;
                let path = dir.join(file_name(name));
                write_private(&path, content.as_bytes()).await?;
                Loaded::Written { message: format!("written to {}", path.display()), prospect_id: None }
            }
            Request::Clipboard { command, content } => {
                let mut parts = command.split_whitespace();
                let program = parts.next().ok_or_else(|| eyre::eyre!("ui.clipboard_command is empty"))?;
                let mut child = tokio::process::Command::new(program)
                    .args(parts)
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .map_err(|e| eyre::eyre!("cannot run clipboard command {program:?}: {e}"))?;
                use tokio::io::AsyncWriteExt;
                if let Some(mut stdin) = child.stdin.take() {
                    stdin.write_all(content.as_bytes()).await?;
                }
                let status = child.wait().await?;
                if !status.success() {
                    eyre::bail!("clipboard command {program:?} failed ({status})");
                }
                Loaded::Written { message: "copied to the clipboard".into(), prospect_id: None }
            }
            Request::StartJobs(kinds) => {
                let runner = self.jobs.as_ref().map_err(|e| eyre::eyre!("{e}"))?;
                let mut queued = 0;
                for k in kinds {
                    runner.submit(k.clone()).map_err(|e| eyre::eyre!("{e}"))?;
                    queued += 1;
                }
                Loaded::Written {
                    message: format!("queued {queued} LLM job(s): the Jobs view shows them"),
                    prospect_id: None,
                }
            }
            Request::EstimateBulk { filter } => {
                let today = chrono::Utc::now().date_naive().and_hms_opt(0, 0, 0).expect("midnight");
                let (count, researched_today) =
                    tokio::try_join!(db.count_prospects(filter), db.count_researched_since(filter, today))?;
                let (per_call, source) = self.cost_per_call(crate::llm::pipeline::RESEARCH_WORKFLOW).await?;
                Loaded::BulkEstimate {
                    filter: filter.clone(),
                    count,
                    researched_today,
                    cost: per_call * count as f64,
                    source,
                }
            }
            Request::BulkResearch { filter, drafts } => {
                let runner = self.jobs.as_ref().map_err(|e| eyre::eyre!("{e}"))?;
                let ids = db.prospect_ids(filter, 100_000).await?;
                let mut queued = 0;
                for id in ids {
                    let kind = if *drafts {
                        JobKind::Draft { prospect_id: id, event_id: None, draft_type: "offer_email".into() }
                    } else {
                        JobKind::Research { prospect_id: id }
                    };
                    if let Err(e) = runner.submit(kind) {
                        return Ok(Loaded::Written {
                            message: format!("queued {queued}; stopped: {e}"),
                            prospect_id: None,
                        });
                    }
                    queued += 1;
                }
                Loaded::Written {
                    message: format!(
                        "queued {} for {queued} prospects: the Jobs view shows progress",
                        if *drafts { "drafts" } else { "research" }
                    ),
                    prospect_id: None,
                }
            }
            Request::CancelJob { id } => {
                let runner = self.jobs.as_ref().map_err(|e| eyre::eyre!("{e}"))?;
                let message = if runner.cancel(*id) {
                    format!("cancelled job {id}")
                } else {
                    format!("job {id} had already finished")
                };
                Loaded::Written { message, prospect_id: None }
            }
            r @ (Request::EstimateMatch { .. }
            | Request::EventInvitations { .. }
            | Request::ApproveInvitations { .. }) => {
                super::matching::execute(db, self.jobs.as_ref(), r.clone()).await?
            }
            Request::Write(w) => self.write(w, retry).await?,
            Request::Day(r) => self.day_request(r).await?,
        })
    }

    /// What one call of `workflow` is likely to cost, and where the figure
    /// comes from: the configured model's own recent calls (another model's
    /// prices would say nothing about this one), else its price at typical
    /// token counts.
    pub(super) async fn cost_per_call(&self, workflow: &str) -> Result<(f64, String)> {
        Ok(match &self.estimate {
            Some((model, typical)) => match self.db.average_cost(workflow, model, 30).await? {
                Some((avg, n)) => (avg, format!("{model}'s average over its last {n} {workflow} call(s)")),
                None => match typical {
                    Some(c) => (*c, format!("~2,900 tokens a call at {model}'s price")),
                    None => (0.0, format!("no price known for {model}")),
                },
            },
            None => (0.0, "LLM jobs are not set up".to_string()),
        })
    }

    async fn placeholder_context(&self, prospect_id: i32, event_id: Option<i32>) -> Result<PlaceholderContext> {
        let db = &self.db;
        let detail = db.prospect_detail(prospect_id).await?;
        let event = match event_id {
            Some(id) => db.event(id).await?,
            None => None,
        };
        // The values go into text that is copied, written to files, logged
        // as sent and pasted into emails: cleaned like anything shown.
        let clean = |s: &str| crate::sanitize::line(s).into_owned();
        Ok(PlaceholderContext {
            full_name: detail.as_ref().map(|d| clean(&d.prospect.full_name)).unwrap_or_default(),
            company: detail.as_ref().map(|d| clean(&d.company.name)).unwrap_or_default(),
            event: event.as_ref().map(|e| clean(&format!("{} in {}", e.event_type, e.location))),
            event_date: event.as_ref().map(|e| e.event_date.format("%Y-%m-%d").to_string()),
            location: detail.and_then(|d| d.prospect.location).map(|l| clean(&l)),
        })
    }

    async fn write(&self, w: &Write, retry: bool) -> Result<Loaded> {
        let db = &self.db;
        let message = w.describe();
        let prospect_id = match w {
            Write::SetStatus { prospect_id, status } => Some(db.set_prospect_status(*prospect_id, status).await?.id),
            Write::SetActive { prospect_id, active } => Some(db.set_prospect_active(*prospect_id, *active).await?.id),
            Write::SaveProspect { id, input, company } => Some(db.save_prospect(*id, input, company, retry).await?.id),
            Write::UpdateCompany { id, input } => {
                db.update_company(*id, input).await?;
                None
            }
            Write::CreateInteraction(input) => Some(db.create_interaction(input).await?.prospect_id),
            Write::SaveDraft { key, draft_id, input, expected, mark_sent } => {
                let outcome = match (draft_id, expected) {
                    (None, _) => SaveOutcome::Saved(db.create_draft(input).await?),
                    (Some(id), Some(expected)) if *mark_sent => {
                        // What was sent is the filled text, not the template.
                        let ctx = self.placeholder_context(input.prospect_id, input.event_id).await?;
                        let filled = crate::app::editor::render_placeholders(&input.content, &ctx);
                        let (subject, body) = crate::app::editor::sent_message(&filled, &input.content)
                            .ok_or_else(|| eyre::eyre!("nothing to send: the draft is empty or only placeholders"))?;
                        db.mark_draft_sent(*id, input, *expected, &subject, &body).await?
                    }
                    (Some(id), Some(expected)) => db.save_draft(*id, input, *expected).await?,
                    (Some(id), None) => eyre::bail!("draft #{id} was opened without its version"),
                };
                // The recovery file is the app's to remove: only it knows
                // whether the editor's text still equals what was saved.
                return Ok(Loaded::DraftSaved { key: key.clone(), outcome: Box::new(outcome), mark_sent: *mark_sent });
            }
            Write::DeleteDraft { id, key } => {
                db.delete_draft(*id).await?;
                self.recovery.submit(key, None);
                None
            }
            Write::Change(c) => return self.change(c).await,
        };
        Ok(Loaded::Written { message: format!("saved: {message}"), prospect_id })
    }
}

fn recovery_writer(data_dir: std::path::PathBuf, tx: &UnboundedSender<Action>) -> RecoveryWriter {
    let tx = tx.clone();
    RecoveryWriter::new(
        data_dir.join("recovery"),
        std::sync::Arc::new(move |error| {
            tracing::warn!(%error, "recovery file not written");
            let request = Box::new(Request::ListRecoveries);
            let _ = tx.send(Action::Failed { request, error, retryable: false });
        }),
    )
}

/// Files Closer writes hold private data: created 0600, whatever the umask.
async fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let (path, bytes) = (path.to_path_buf(), bytes.to_vec());
    tokio::task::spawn_blocking(move || {
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&path)?;
        // An existing file keeps its mode on open: make it private too.
        f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        f.write_all(&bytes)
    })
    .await
    .map_err(std::io::Error::other)?
}

/// True when the error means "the database is unreachable", not "the query is wrong".
pub fn is_connection_error(e: &eyre::Report) -> bool {
    e.chain().any(|cause| match cause.downcast_ref::<sqlx::Error>() {
        Some(sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_)) => true,
        Some(sqlx::Error::Protocol(_)) => true,
        Some(sqlx::Error::Database(d)) => {
            d.code().map(|c| c.starts_with("08") || c == "57P01" || c == "57P03").unwrap_or(false)
        }
        _ => false,
    })
}
