//! Event matching, the original tool's third workflow (`event_matching`):
//! load_event → find_candidates → score_relevance → select_top_matches →
//! generate_invitations.
//!
//! The first two nodes are database work ([`plan`]); the caller shows the
//! candidate count and an [`estimate::estimate`] and asks before [`run`]
//! spends anything. Scoring makes one LLM call per candidate, at most
//! `llm.concurrency` at once; a failed call skips that candidate and is
//! reported, never failing the run. The monthly budget stops the run where
//! it is and keeps what was done. Invitations go through the outreach
//! workflow's drafting node, so prompts and validation are shared, and are
//! never written twice for one prospect and event.

pub mod estimate;
mod invite;
pub mod score;
mod select;

use std::time::{Duration, Instant};

use serde::Serialize;

use super::pipeline::{JobError, Pipeline, Spend};
use crate::config::MatchingConfig;
use crate::db::matching::{CandidateRow, EventTargets, IndustrySource, NoTargets};
use crate::db::models::Event;

pub use select::select_top_matches;

pub const MATCH_WORKFLOW: &str = "event_matching";
pub const SCORE_NODE: &str = "score_relevance";
pub const INVITE_NODE: &str = "generate_invitations";
/// The draft type of the invitations the workflow writes.
pub const INVITATION_TYPE: &str = "event_invitation";

/// How one run selects and what it writes. Config `[matching]` gives the
/// defaults; `closer match --top/--min-score` and the TUI's form override them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MatchOptions {
    pub top_n: usize,
    pub min_score: u8,
    pub include_inactive: bool,
    /// Score and rank, but write no invitation (and make no drafting call).
    pub dry_run: bool,
}

impl MatchOptions {
    pub fn from_config(c: &MatchingConfig) -> Self {
        Self { top_n: c.top_n, min_score: c.min_score.min(100), include_inactive: c.include_inactive, dry_run: false }
    }
}

/// What load_event and find_candidates found: the event, where its
/// industries came from, and the prospects to score.
#[derive(Debug, Clone)]
pub struct MatchPlan {
    pub event: Event,
    pub targets: EventTargets,
    pub candidates: Vec<CandidateRow>,
    /// Prospects that would be candidates but already have a draft for the event.
    pub already_invited: i64,
    pub took: Duration,
}

/// Why a run could not start.
#[derive(Debug, Clone, PartialEq)]
pub enum MatchError {
    EventNotFound(i32),
    NoTargets { event_id: i32, why: NoTargets },
    Job(JobError),
}

impl std::fmt::Display for MatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MatchError::EventNotFound(id) => write!(f, "event #{id} not found"),
            MatchError::NoTargets { event_id, why } => write!(f, "event #{event_id}: {why}"),
            MatchError::Job(e) => write!(f, "{e}"),
        }
    }
}

impl From<color_eyre::eyre::Report> for MatchError {
    fn from(e: color_eyre::eyre::Report) -> Self {
        MatchError::Job(e.into())
    }
}

/// load_event → find_candidates: database only, no LLM call.
pub async fn plan(db: &crate::db::Db, event_id: i32, include_inactive: bool) -> Result<MatchPlan, MatchError> {
    let started = Instant::now();
    // load_event
    let event = db.event(event_id).await?.ok_or(MatchError::EventNotFound(event_id))?;
    // find_candidates
    let targets = db.event_targets(&event).await?.map_err(|why| MatchError::NoTargets { event_id, why })?;
    let ids: Vec<i32> = targets.industries.iter().map(|(id, _)| *id).collect();
    let (candidates, already_invited) = db.match_candidates(event_id, &ids, include_inactive).await?;
    tracing::info!(event_id, candidates = candidates.len(), already_invited, "event_matching: candidates found");
    Ok(MatchPlan { event, targets, candidates, already_invited, took: started.elapsed() })
}

/// Where a run is, for progress bars and the Jobs pane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub node: &'static str,
    pub done: usize,
    pub total: usize,
    pub spend: Spend,
}

/// One scored candidate, in rank order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub rank: usize,
    pub prospect_id: i32,
    pub full_name: String,
    pub company: String,
    pub industry: String,
    pub score: u8,
    pub reason: String,
    /// Chosen by select_top_matches.
    pub selected: bool,
    /// The invitation written for it (selected ones only).
    pub draft_id: Option<i32>,
    /// Why a selected candidate has no invitation (failed, invited meanwhile, dry run, budget).
    pub invitation_note: Option<String>,
}

/// A candidate whose scoring call failed: skipped, and said so.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failed {
    pub prospect_id: i32,
    pub full_name: String,
    pub error: String,
}

/// Wall time per node, for the benchmark and the log.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    pub find_candidates: Duration,
    pub build_prompts: Duration,
    pub score_relevance: Duration,
    pub select_top_matches: Duration,
    pub generate_invitations: Duration,
}

/// The outcome of a run: the ranking, what failed, what was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchReport {
    pub event_id: i32,
    /// "type · location · date" (raw database text: sanitise to show).
    pub event: String,
    pub industry_source: IndustrySource,
    pub industries: Vec<String>,
    /// Target names that are no industry (or solution) here.
    pub unmatched: Vec<String>,
    pub options: MatchOptions,
    pub candidates: usize,
    pub already_invited: i64,
    pub ranked: Vec<Ranked>,
    pub failed: Vec<Failed>,
    /// Candidates never scored because the run stopped (budget, provider down).
    pub not_scored: usize,
    pub invitations_written: usize,
    /// Why the run stopped before the end, if it did.
    pub stopped: Option<String>,
    pub calls: u32,
    pub cost: f64,
    #[serde(skip)]
    pub timings: Timings,
}

impl MatchReport {
    pub fn selected(&self) -> impl Iterator<Item = &Ranked> {
        self.ranked.iter().filter(|r| r.selected)
    }

    /// The run did not do its job: it stopped early, no candidate could be
    /// scored, or a selected prospect's invitation could not be written.
    /// (A few failed scoring calls alone do not fail it.)
    pub fn is_failure(&self) -> bool {
        self.stopped.is_some()
            || (self.candidates > 0 && self.ranked.is_empty())
            || (!self.options.dry_run && self.selected().any(|r| r.draft_id.is_none() && !invited_meanwhile(r)))
    }

    /// One line: what was scored, selected and written.
    pub fn summary(&self) -> String {
        let selected = self.selected().count();
        let mut s = format!(
            "event #{}: {} candidate(s), {} scored, {} failed, {} selected (top {} or score ≥ {}), ",
            self.event_id,
            self.candidates,
            self.ranked.len(),
            self.failed.len(),
            selected,
            self.options.top_n,
            self.options.min_score
        );
        if self.options.dry_run {
            s.push_str("dry run: no invitation written");
        } else {
            s.push_str(&format!("{} invitation(s) written", self.invitations_written));
        }
        s.push_str(&format!(", {} already invited (skipped)", self.already_invited));
        if self.not_scored > 0 {
            s.push_str(&format!(", {} not scored", self.not_scored));
        }
        if let Some(why) = &self.stopped {
            s.push_str(&format!("; stopped: {why}"));
        }
        s
    }
}

fn invited_meanwhile(r: &Ranked) -> bool {
    r.invitation_note.as_deref() == Some(invite::INVITED_MEANWHILE)
}

/// score_relevance → select_top_matches → generate_invitations over a plan.
/// Never fails: what went wrong is in the report (see [`MatchReport::is_failure`]).
pub async fn run(
    p: &Pipeline,
    plan: &MatchPlan,
    options: MatchOptions,
    concurrency: usize,
    progress: &(dyn Fn(&Progress) + Send + Sync),
) -> MatchReport {
    let e = &plan.event;
    let mut report = MatchReport {
        event_id: e.id,
        event: format!("{} · {} · {}", e.event_type, e.location, e.event_date.format("%Y-%m-%d")),
        industry_source: plan.targets.source,
        industries: plan.targets.industries.iter().map(|(_, n)| n.clone()).collect(),
        unmatched: plan.targets.unmatched.clone(),
        options,
        candidates: plan.candidates.len(),
        already_invited: plan.already_invited,
        ranked: vec![],
        failed: vec![],
        not_scored: 0,
        invitations_written: 0,
        stopped: None,
        calls: 0,
        cost: 0.0,
        timings: Timings { find_candidates: plan.took, ..Default::default() },
    };
    let mut spend = Spend::default();

    // score_relevance
    let scored = score::score_all(p, plan, concurrency, &mut spend, progress).await;
    report.timings.build_prompts = scored.build_prompts;
    report.timings.score_relevance = scored.took;
    report.failed = scored.failed;
    report.not_scored = scored.not_scored;
    report.stopped = scored.stopped;

    // select_top_matches
    let t = Instant::now();
    report.ranked = select_top_matches(scored.scored, options.top_n, options.min_score);
    report.timings.select_top_matches = t.elapsed();

    // generate_invitations: not after a stop (the budget is spent or the provider is down).
    let t = Instant::now();
    if report.stopped.is_some() {
        for r in report.ranked.iter_mut().filter(|r| r.selected) {
            r.invitation_note = Some("not written: the run stopped".into());
        }
    } else if options.dry_run {
        for r in report.ranked.iter_mut().filter(|r| r.selected) {
            r.invitation_note = Some("dry run".into());
        }
    } else {
        let outcome =
            invite::generate_invitations(p, e.id, &mut report.ranked, concurrency, &mut spend, progress).await;
        report.invitations_written = outcome.written;
        report.stopped = outcome.stopped;
    }
    report.timings.generate_invitations = t.elapsed();
    report.calls = spend.calls;
    report.cost = spend.cost;
    tracing::info!(
        event_id = e.id,
        scored = report.ranked.len(),
        failed = report.failed.len(),
        selected = report.selected().count(),
        written = report.invitations_written,
        calls = report.calls,
        stopped = report.stopped.is_some(),
        "event_matching: done"
    );
    report
}
