//! The I/O layer: every database call runs on a tokio task and comes back
//! to the event loop as an [`Action`]. The event loop never awaits a query.
//! Writes that fail because the connection is down are retried with
//! backoff, then reported as failed; none is dropped silently.

use std::time::Duration;

use color_eyre::eyre::{self, Result};
use tokio::sync::mpsc::UnboundedSender;

use super::action::{Action, Loaded};
use crate::app::recovery::RecoveryWriter;
use crate::db::Db;
use crate::llm::JobRunner;

mod day;
mod execute;
mod request;
mod transfer;
mod watch;

pub use request::{CompanyRef, IndustryRef, Request, Write};

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
pub(super) async fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
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
