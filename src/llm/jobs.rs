//! Background jobs: a bounded queue, a concurrency limit, cancellation, and
//! a stream of updates (queued, running, done, failed, cancelled, with the
//! cost so far) that the UI and the CLI show.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use super::matching::{self, MatchError, MatchReport, Progress};
use super::pipeline::{JobError, Pipeline, Spend};

/// A running job's place among the `llm.concurrency` slots, which it gives
/// up while it waits to retry (a Retry-After of a minute must not keep other
/// jobs from calling) and takes back before calling again.
struct JobSlot {
    permits: Arc<Semaphore>,
    held: Mutex<Option<OwnedSemaphorePermit>>,
}

tokio::task_local! {
    static SLOT: Arc<JobSlot>;
}

/// Waits `delay` without holding the job's concurrency slot, then takes a
/// slot again. Outside a job (a direct pipeline call) it just waits.
pub(crate) async fn wait_without_slot(delay: std::time::Duration) {
    let Ok(slot) = SLOT.try_with(Arc::clone) else {
        tokio::time::sleep(delay).await;
        return;
    };
    drop(slot.held.lock().expect("not poisoned").take());
    tokio::time::sleep(delay).await;
    let permit = slot.permits.clone().acquire_owned().await.ok();
    *slot.held.lock().expect("not poisoned") = permit;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobKind {
    Research {
        prospect_id: i32,
    },
    Draft {
        prospect_id: i32,
        event_id: Option<i32>,
        draft_type: String,
    },
    /// Event matching for one event (see [`super::matching`]).
    Match {
        event_id: i32,
        options: super::matching::MatchOptions,
    },
}

impl JobKind {
    pub fn label(&self) -> String {
        match self {
            JobKind::Research { prospect_id } => format!("research prospect #{prospect_id}"),
            JobKind::Draft { prospect_id, draft_type, .. } => format!("{draft_type} for prospect #{prospect_id}"),
            JobKind::Match { event_id, options } if options.dry_run => format!("match event #{event_id} (dry run)"),
            JobKind::Match { event_id, .. } => format!("match event #{event_id}"),
        }
    }

    /// The prospect a job is about (event matching is about many).
    pub fn prospect_id(&self) -> Option<i32> {
        match self {
            JobKind::Research { prospect_id } | JobKind::Draft { prospect_id, .. } => Some(*prospect_id),
            JobKind::Match { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobState {
    Queued,
    Running,
    /// What was written, e.g. "prospect_research #12".
    Done(String),
    Failed(String),
    Cancelled,
}

impl JobState {
    pub fn is_finished(&self) -> bool {
        matches!(self, JobState::Done(_) | JobState::Failed(_) | JobState::Cancelled)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobUpdate {
    pub id: u64,
    pub kind: JobKind,
    pub state: JobState,
    pub calls: u32,
    pub cost: f64,
    /// Where a long job is ("scoring 120/5000"), while it runs.
    pub note: Option<String>,
    /// An event-matching job's result, when it is done.
    pub report: Option<Arc<MatchReport>>,
}

impl JobUpdate {
    fn new(id: u64, kind: JobKind, state: JobState) -> Self {
        Self { id, kind, state, calls: 0, cost: 0.0, note: None, report: None }
    }
}

enum Slot {
    Queued,
    Running(tokio::task::AbortHandle),
}

/// Submits jobs and runs them, at most `concurrency` at once.
#[derive(Clone)]
pub struct JobRunner {
    queue: mpsc::Sender<(u64, JobKind)>,
    updates: mpsc::UnboundedSender<JobUpdate>,
    slots: Arc<Mutex<HashMap<u64, (JobKind, Slot)>>>,
    next_id: Arc<AtomicU64>,
    pipeline: Arc<Pipeline>,
    concurrency: usize,
}

impl JobRunner {
    pub fn start(
        pipeline: Arc<Pipeline>,
        concurrency: usize,
        capacity: usize,
        updates: mpsc::UnboundedSender<JobUpdate>,
    ) -> Self {
        let (queue, mut rx) = mpsc::channel::<(u64, JobKind)>(capacity.max(1));
        let slots: Arc<Mutex<HashMap<u64, (JobKind, Slot)>>> = Arc::default();
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        let runner = Self {
            queue,
            updates: updates.clone(),
            slots: slots.clone(),
            next_id: Arc::new(AtomicU64::new(1)),
            pipeline: pipeline.clone(),
            concurrency: concurrency.max(1),
        };
        tokio::spawn(async move {
            while let Some((id, kind)) = rx.recv().await {
                let permit = permits.clone().acquire_owned().await.expect("semaphore open");
                // Cancelled while queued: its slot is gone.
                if !slots.lock().expect("not poisoned").contains_key(&id) {
                    continue;
                }
                let pipeline = pipeline.clone();
                let updates2 = updates.clone();
                let slots2 = slots.clone();
                let kind2 = kind.clone();
                let slot = Arc::new(JobSlot { permits: permits.clone(), held: Mutex::new(Some(permit)) });
                let task = tokio::spawn(SLOT.scope(slot, async move {
                    let _ = updates2.send(JobUpdate::new(id, kind2.clone(), JobState::Running));
                    let mut spend = Spend::default();
                    let progress = |p: &Progress| {
                        let _ = updates2.send(JobUpdate {
                            calls: p.spend.calls,
                            cost: p.spend.cost,
                            note: Some(format!("{} {}/{}", p.node, p.done, p.total)),
                            ..JobUpdate::new(id, kind2.clone(), JobState::Running)
                        });
                    };
                    // A bug (a panic) in a job must still end it, or it would
                    // show as running forever and `closer research` would wait.
                    let run = run_job(&pipeline, &kind2, &mut spend, concurrency.max(1), &progress);
                    let (result, report) =
                        match futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(run)).await {
                            Ok(finished) => finished,
                            Err(_) => (
                                Err(JobError::Failed(
                                    "internal error: the job stopped unexpectedly (see the log)".into(),
                                )),
                                None,
                            ),
                        };
                    let state = match result {
                        Ok(done) => JobState::Done(done),
                        Err(e) => {
                            // One line with the cause: the job and its ids, not the prompt or the answer.
                            let cause: String = crate::sanitize::line(&e.to_string()).chars().take(300).collect();
                            tracing::warn!(job = id, kind = %kind2.label(), cause = %cause, "LLM job failed");
                            JobState::Failed(e.to_string())
                        }
                    };
                    slots2.lock().expect("not poisoned").remove(&id);
                    let _ = updates2.send(JobUpdate {
                        calls: spend.calls,
                        cost: spend.cost,
                        report,
                        ..JobUpdate::new(id, kind2, state)
                    });
                    // The slot (and its permit) goes when the scope ends, or when the task is aborted.
                }));
                let mut s = slots.lock().expect("not poisoned");
                if let Some(slot) = s.get_mut(&id) {
                    slot.1 = Slot::Running(task.abort_handle());
                }
            }
        });
        runner
    }

    /// Queues a job. Refused (with a message) when the queue is full.
    pub fn submit(&self, kind: JobKind) -> Result<u64, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.slots.lock().expect("not poisoned").insert(id, (kind.clone(), Slot::Queued));
        match self.queue.try_send((id, kind.clone())) {
            Ok(()) => {
                let _ = self.updates.send(JobUpdate::new(id, kind, JobState::Queued));
                Ok(id)
            }
            Err(_) => {
                self.slots.lock().expect("not poisoned").remove(&id);
                Err("the job queue is full: wait for running jobs or raise llm.queue_capacity".into())
            }
        }
    }

    /// Cancels a queued or running job. A running job stops where it is;
    /// calls it already made stay logged, and it writes no result.
    pub fn cancel(&self, id: u64) -> bool {
        let Some((kind, slot)) = self.slots.lock().expect("not poisoned").remove(&id) else { return false };
        if let Slot::Running(handle) = slot {
            handle.abort();
        }
        let _ = self.updates.send(JobUpdate::new(id, kind, JobState::Cancelled));
        true
    }

    pub fn active(&self) -> usize {
        self.slots.lock().expect("not poisoned").len()
    }

    /// The pipeline the jobs run on (for estimates before a job is queued).
    pub fn pipeline(&self) -> &Arc<Pipeline> {
        &self.pipeline
    }

    /// LLM calls at once (`llm.concurrency`).
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }
}

/// The draft a finished drafting job wrote, read back from its Done text.
pub fn written_draft(done: &str) -> Option<i32> {
    let rest = done.strip_prefix("outreach_drafts #")?;
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// What a job wrote (or why it failed), and an event-matching job's report,
/// which a failed run has too: a budget stop keeps what was done.
type Finished = (Result<String, JobError>, Option<Arc<MatchReport>>);

async fn run_job(
    pipeline: &Pipeline,
    kind: &JobKind,
    spend: &mut Spend,
    concurrency: usize,
    progress: &(dyn Fn(&Progress) + Send + Sync),
) -> Finished {
    match kind {
        JobKind::Research { prospect_id } => (
            pipeline.research(*prospect_id, spend).await.map(|r| {
                format!(
                    "prospect_research #{} (confidence {})",
                    r.id,
                    r.confidence_score.map(|c| format!("{c:.2}")).unwrap_or_else(|| "—".into())
                )
            }),
            None,
        ),
        JobKind::Draft { prospect_id, event_id, draft_type } => (
            pipeline
                .draft(*prospect_id, *event_id, draft_type, spend)
                .await
                .map(|d| format!("outreach_drafts #{} ({}, status draft)", d.id, d.draft_type)),
            None,
        ),
        JobKind::Match { event_id, options } => {
            let plan = match matching::plan(&pipeline.db, *event_id, options.include_inactive).await {
                Ok(plan) => plan,
                Err(MatchError::Job(e)) => return (Err(e), None),
                Err(other) => return (Err(JobError::NotFound(other.to_string())), None),
            };
            let report = matching::run(pipeline, &plan, *options, concurrency, progress).await;
            spend.calls += report.calls;
            spend.cost += report.cost;
            let outcome =
                if report.is_failure() { Err(JobError::Failed(report.summary())) } else { Ok(report.summary()) };
            (outcome, Some(Arc::new(report)))
        }
    }
}
