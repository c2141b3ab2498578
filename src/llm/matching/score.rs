//! score_relevance: one structured-output LLM call per candidate (a score
//! from 0 to 100 and a one-sentence reason citing the prospect's data), at
//! most `concurrency` at once. A failed call skips its candidate and is
//! reported; the budget, or a provider that fails every call, stops the
//! scoring where it is and keeps the scores already in.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};

use super::select::Scored;
use super::{Failed, MatchPlan, Progress, MATCH_WORKFLOW, SCORE_NODE};
use crate::db::matching::CandidateRow;
use crate::db::models::Event;
use crate::llm::client::Message;
use crate::llm::pipeline::{JobError, Pipeline, Spend};
use crate::llm::prompts::{data_json, fill, Prompts};

/// Scoring stops when this many calls in a row failed before any succeeded
/// (a wrong key, a model name the provider does not know): the remaining
/// thousands would fail the same way and each would still be logged.
const FAILS_BEFORE_GIVING_UP: usize = 5;

/// The longest reason kept; a longer one is cut at a word.
const REASON_CHARS: usize = 300;

/// At most this often a progress update (the UI and the progress bar).
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

pub(super) struct ScoreOutcome {
    pub scored: Vec<Scored>,
    pub failed: Vec<Failed>,
    pub not_scored: usize,
    pub stopped: Option<String>,
    pub build_prompts: Duration,
    pub took: Duration,
}

#[derive(Debug, Deserialize)]
struct ScoreAnswer {
    score: f64,
    reason: String,
}

/// Strict structured output: one closed object, every property required.
pub fn score_schema() -> (&'static str, Value) {
    (
        "event_relevance",
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["score", "reason"],
            "properties": {
                "score": {"type": "integer", "minimum": 0, "maximum": 100},
                "reason": {"type": "string"}
            }
        }),
    )
}

/// The event as the scoring prompt shows it (the same for every candidate,
/// and placed first, so providers that cache prompt prefixes can reuse it).
pub fn event_data(e: &Event) -> Value {
    json!({
        "type": e.event_type, "date": e.event_date.format("%Y-%m-%d").to_string(), "location": e.location,
        "status": e.status, "description": e.description, "target_industries": e.target_industries,
        "target_roles": e.target_roles, "solutions_featured": e.solutions_featured,
    })
}

/// One candidate as the scoring prompt shows it.
pub fn candidate_data(c: &CandidateRow) -> Value {
    json!({
        "prospect_id": c.id,
        "name": c.full_name,
        "status": c.status,
        "location": c.location,
        "last_contacted": c.last_contacted_at.map(|t| t.format("%Y-%m-%d").to_string()),
        "company": {"name": c.company, "size": c.company_size},
        "industry": c.industry,
        "recent_interactions": c.interactions,
        "latest_research": c.research_at.map(|at| json!({
            "date": at.format("%Y-%m-%d").to_string(),
            "summary": c.research_summary,
            "recommended_solutions": c.recommended_solutions,
            "confidence": c.confidence_score,
        })),
    })
}

pub fn messages(prompts: &Prompts, event_json: &str, c: &CandidateRow) -> Vec<Message> {
    vec![
        Message::system(prompts.match_system.clone()),
        Message::user(fill(
            &prompts.match_user,
            &[("event_data", event_json), ("prospect_data", &data_json(&candidate_data(c)))],
        )),
    ]
}

/// Checks an answer: a score from 0 to 100 (a whole number; 87.0 is
/// accepted) and a non-empty reason, tidied to one line.
pub fn parse_answer(text: &str) -> Result<(u8, String), String> {
    let t = text.trim();
    let t = t.strip_prefix("```json").or_else(|| t.strip_prefix("```")).map(|s| s.trim_end_matches("```")).unwrap_or(t);
    let a: ScoreAnswer = serde_json::from_str(t.trim()).map_err(|e| format!("it breaks the schema: {e}"))?;
    if !a.score.is_finite() || !(0.0..=100.0).contains(&a.score) || a.score.fract() != 0.0 {
        return Err(format!("score {} is not a whole number from 0 to 100", a.score));
    }
    let reason = a.reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if reason.is_empty() {
        return Err("the reason is empty".into());
    }
    Ok((a.score as u8, cut(&reason, REASON_CHARS)))
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let head: String = s.chars().take(n).collect();
    let at = head.rfind(' ').unwrap_or(head.len());
    format!("{}…", &head[..at])
}

enum One {
    Scored(Scored),
    Failed(Failed),
    /// Not attempted: the run had stopped.
    Skipped,
}

pub(super) async fn score_all(
    p: &Pipeline,
    plan: &MatchPlan,
    concurrency: usize,
    spend: &mut Spend,
    progress: &(dyn Fn(&Progress) + Send + Sync),
) -> ScoreOutcome {
    let started = Instant::now();
    let event_json = data_json(&event_data(&plan.event));
    let prompts: Vec<Vec<Message>> = plan.candidates.iter().map(|c| messages(&p.prompts, &event_json, c)).collect();
    let build_prompts = started.elapsed();

    let total = plan.candidates.len();
    let stop = AtomicBool::new(false);
    let stopped: Mutex<Option<String>> = Mutex::new(None);
    let fails_in_a_row = AtomicUsize::new(0);
    let any_success = AtomicBool::new(false);
    let halt = |why: String| {
        let mut s = stopped.lock().expect("not poisoned");
        if s.is_none() {
            *s = Some(why);
        }
        stop.store(true, Ordering::SeqCst);
    };

    // By index: a closure over borrowed items trips the compiler's proof
    // that the spawned job is Send.
    let calls = (0..total).map(|i| {
        let (stop, halt, fails_in_a_row, any_success) = (&stop, &halt, &fails_in_a_row, &any_success);
        let (c, msgs) = (&plan.candidates[i], &prompts[i]);
        async move {
            let mut own = Spend::default();
            if stop.load(Ordering::SeqCst) {
                return (One::Skipped, own);
            }
            let result = p.call(MATCH_WORKFLOW, SCORE_NODE, msgs, score_schema(), &mut own, parse_answer).await;
            let one = match result {
                Ok((score, reason)) => {
                    any_success.store(true, Ordering::SeqCst);
                    fails_in_a_row.store(0, Ordering::SeqCst);
                    One::Scored(Scored {
                        prospect_id: c.id,
                        full_name: c.full_name.clone(),
                        company: c.company.clone(),
                        industry: c.industry.clone(),
                        score,
                        reason,
                    })
                }
                Err(e @ JobError::BudgetReached { .. }) => {
                    halt(e.to_string());
                    One::Skipped
                }
                Err(e) => {
                    tracing::warn!(prospect_id = c.id, error = %e, "event_matching: scoring call failed; candidate skipped");
                    let n = fails_in_a_row.fetch_add(1, Ordering::SeqCst) + 1;
                    if n >= FAILS_BEFORE_GIVING_UP && !any_success.load(Ordering::SeqCst) {
                        halt(format!("the first {n} scoring calls all failed (last: {e})"));
                    }
                    One::Failed(Failed { prospect_id: c.id, full_name: c.full_name.clone(), error: e.to_string() })
                }
            };
            (one, own)
        }
        // Boxed: the compiler cannot otherwise prove the stream Send for a spawned job.
        .boxed()
    });
    let mut stream = futures_util::stream::iter(calls).buffer_unordered(concurrency.max(1));
    let (mut scored, mut failed, mut not_scored) = (Vec::with_capacity(total), Vec::new(), 0);
    let mut done = 0;
    let mut last_report = Instant::now();
    while let Some((one, own)) = stream.next().await {
        spend.calls += own.calls;
        spend.cost += own.cost;
        done += 1;
        match one {
            One::Scored(s) => scored.push(s),
            One::Failed(f) => failed.push(f),
            One::Skipped => not_scored += 1,
        }
        if last_report.elapsed() >= PROGRESS_EVERY || done == total {
            progress(&Progress { node: SCORE_NODE, done, total, spend: *spend });
            last_report = Instant::now();
        }
    }
    drop(stream);
    failed.sort_by_key(|f| f.prospect_id);
    let stopped = stopped.into_inner().expect("not poisoned");
    ScoreOutcome { scored, failed, not_scored, stopped, build_prompts, took: started.elapsed() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked() {
        assert_eq!(
            parse_answer(r#"{"score": 87, "reason": " Retail,\n recent demo. "}"#),
            Ok((87, "Retail, recent demo.".into()))
        );
        assert_eq!(parse_answer("```json\n{\"score\": 0.0, \"reason\": \"x\"}\n```"), Ok((0, "x".into())));
        assert!(parse_answer(r#"{"score": 101, "reason": "x"}"#).is_err());
        assert!(parse_answer(r#"{"score": -1, "reason": "x"}"#).is_err());
        assert!(parse_answer(r#"{"score": 55.5, "reason": "x"}"#).is_err());
        assert!(parse_answer(r#"{"score": 50, "reason": "  "}"#).is_err());
        assert!(parse_answer(r#"{"reason": "x"}"#).is_err());
        assert!(parse_answer("not json").is_err());
        let long = format!(r#"{{"score": 50, "reason": "{}"}}"#, "word ".repeat(200));
        let (_, r) = parse_answer(&long).unwrap();
        assert!(r.chars().count() <= REASON_CHARS + 1 && r.ends_with('…'));
    }
}
