//! What a run will cost, shown before anything is spent: scoring calls for
//! every candidate plus one drafting call per expected invitation, at the
//! configured model's recent average tokens per call for that node (else
//! the size of the prompts themselves) and its price in the price table.

use serde::Serialize;

use super::score::{event_data, messages};
use super::{MatchOptions, MatchPlan, INVITE_NODE, MATCH_WORKFLOW, SCORE_NODE};
use crate::llm::pipeline::{JobError, Pipeline, DRAFT_WORKFLOW};
use crate::llm::prompts::data_json;

/// Tokens a scoring answer takes ({"score": …, "reason": one sentence}).
const SCORE_COMPLETION_TOKENS: f64 = 60.0;
/// A drafting call without history: the drafting prompt with its context, and an email.
const DRAFT_TOKENS: (f64, f64) = (1_200.0, 300.0);
/// How far back "recent" reaches.
const RECENT_DAYS: i32 = 30;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub candidates: usize,
    pub already_invited: i64,
    /// Invitations the run is expected to write (at least min(top N, candidates)).
    pub invitations: usize,
    pub model: String,
    pub scoring_cost: f64,
    pub invitation_cost: f64,
    /// Where the per-call figures come from, in words.
    pub basis: String,
    pub month_spent: f64,
    /// 0: no budget.
    pub budget: f64,
}

impl Estimate {
    pub fn total(&self) -> f64 {
        self.scoring_cost + self.invitation_cost
    }

    /// For the confirmation question.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} candidate(s) to score ({} already invited, skipped), about {} invitation(s): estimated ${:.4} \
             (${:.4} scoring + ${:.4} invitations; {})",
            self.candidates,
            self.already_invited,
            self.invitations,
            self.total(),
            self.scoring_cost,
            self.invitation_cost,
            self.basis
        );
        if self.budget > 0.0 {
            s.push_str(&format!(
                ". This month: ${:.2} of the ${:.2} budget spent; the budget stops the run if reached",
                self.month_spent, self.budget
            ));
        }
        s
    }
}

pub async fn estimate(p: &Pipeline, plan: &MatchPlan, options: &MatchOptions) -> Result<Estimate, JobError> {
    let model = p.provider.model.clone();
    let db = &p.db;
    let (score_hist, invite_hist, draft_hist, month_spent) = tokio::try_join!(
        db.average_tokens(MATCH_WORKFLOW, SCORE_NODE, &model, RECENT_DAYS),
        db.average_tokens(MATCH_WORKFLOW, INVITE_NODE, &model, RECENT_DAYS),
        db.average_tokens(DRAFT_WORKFLOW, "generate_draft", &model, RECENT_DAYS),
        db.month_to_date_cost()
    )?;
    let mut basis = Vec::new();
    let score_tokens = match score_hist {
        Some(t) => {
            basis.push(format!("scoring at {model}'s average of the last {RECENT_DAYS} days"));
            t
        }
        None => {
            // No history: the prompts' own size, at about four characters a token.
            let event_json = data_json(&event_data(&plan.event));
            let sample: Vec<usize> = plan
                .candidates
                .iter()
                .take(200)
                .map(|c| messages(&p.prompts, &event_json, c).iter().map(|m| m.content.chars().count()).sum())
                .collect();
            let chars = sample.iter().sum::<usize>() as f64 / sample.len().max(1) as f64;
            basis.push("scoring from the prompts' size (no recent scoring calls)".into());
            (chars / 4.0, SCORE_COMPLETION_TOKENS)
        }
    };
    let draft_tokens = match invite_hist.or(draft_hist) {
        Some(t) => t,
        None => {
            basis.push("invitations at ~1,500 tokens a call".into());
            DRAFT_TOKENS
        }
    };
    let invitations = if options.dry_run { 0 } else { options.top_n.min(plan.candidates.len()) };
    let (scoring_cost, invitation_cost) = match p.prices.lookup(&model) {
        Some(price) => {
            let per = |(prompt, completion): (f64, f64)| price.for_tokens(prompt, completion);
            (per(score_tokens) * plan.candidates.len() as f64, per(draft_tokens) * invitations as f64)
        }
        None => {
            basis.push(format!("no price known for {model}: add it under [llm.prices]"));
            (0.0, 0.0)
        }
    };
    Ok(Estimate {
        candidates: plan.candidates.len(),
        already_invited: plan.already_invited,
        invitations,
        model,
        scoring_cost,
        invitation_cost,
        basis: basis.join("; "),
        month_spent,
        budget: p.monthly_budget,
    })
}
