//! The two workflows, each a chain of named nodes, and the one place an LLM
//! call is made, retried and logged.
//!
//! `prospect_research`: gather_context (database) → synthesize_research
//! (LLM, structured output) → validate_recommendations (catalog check) →
//! save_research (one prospect_research row).
//!
//! `outreach_draft`: load_context (database) → generate_draft (LLM,
//! structured output) → save_draft (one outreach_drafts row, status draft).
//!
//! Every LLM call, successful or not, writes one llm_usage_logs row. A job
//! that fails writes nothing to prospect_research or outreach_drafts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use super::client::{CallError, Message, Provider, ResponseFormat, Usage};
use super::prices::PriceTable;
use super::prompts::{data_json, escape_json_tags, fill, Prompts};
use crate::db::drafts::DraftInput;
use crate::db::models::{OutreachDraft, ProspectResearch};
use crate::db::research::ResearchInput;
use crate::db::usage::UsageInput;
use crate::db::Db;

pub const RESEARCH_WORKFLOW: &str = "prospect_research";
pub const DRAFT_WORKFLOW: &str = "outreach_draft";

#[derive(Debug, Clone, PartialEq)]
pub enum JobError {
    /// The monthly budget is spent; no call was made.
    BudgetReached {
        spent: f64,
        budget: f64,
    },
    /// No usable answer within the retry limit.
    Failed(String),
    /// A database problem (the job wrote nothing).
    Database(String),
    NotFound(String),
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::BudgetReached { spent, budget } => write!(
                f,
                "monthly LLM budget reached (${spent:.2} of ${budget:.2}): no new calls this month; raise llm.monthly_budget_usd to continue"
            ),
            JobError::Failed(m) => write!(f, "{m}"),
            JobError::Database(m) => write!(f, "database: {m}"),
            JobError::NotFound(m) => write!(f, "{m}"),
        }
    }
}

impl From<color_eyre::eyre::Report> for JobError {
    fn from(e: color_eyre::eyre::Report) -> Self {
        JobError::Database(crate::db::url::mask(&format!("{e:#}")))
    }
}

/// What one job spent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spend {
    pub calls: u32,
    pub cost: f64,
}

pub struct Pipeline {
    pub db: Db,
    pub provider: Provider,
    pub prices: PriceTable,
    pub prompts: Prompts,
    pub max_retries: u32,
    pub retry_base: Duration,
    pub monthly_budget: f64,
    /// Set once a provider rejects json_schema: use json_object from then on.
    schema_unsupported: AtomicBool,
    /// This month's spend as last read from llm_usage_logs, plus what this
    /// process spent since, plus what its calls in flight may still cost:
    /// summing the month for every call would cost more than the call's own
    /// bookkeeping at scale. Re-read every 30 s, so other Closers' spending
    /// counts too.
    month_spend: std::sync::Mutex<MonthSpend>,
}

#[derive(Debug, Default)]
struct MonthSpend {
    /// When llm_usage_logs was last summed, and the sum plus this process's spending since.
    read: Option<(std::time::Instant, f64)>,
    /// The worst-case cost of the calls in flight, reserved before each is sent.
    reserved: f64,
}

/// A call's worst-case cost, held against the budget while the call is in
/// flight; released (with the real cost added to the month) when it is settled
/// or dropped (a cancelled job).
struct Reservation<'a> {
    spend: &'a std::sync::Mutex<MonthSpend>,
    amount: f64,
}

impl Reservation<'_> {
    /// Adds the call's real cost to the month; dropping `self` then releases
    /// the reservation (for a moment both count: never neither).
    fn settle(self, cost: f64) {
        if let Some((_, spent)) = self.spend.lock().expect("not poisoned").read.as_mut() {
            *spent += cost;
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut m = self.spend.lock().expect("not poisoned");
        m.reserved = (m.reserved - self.amount).max(0.0);
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ResearchAnswer {
    pub research_summary: String,
    pub key_insights: Vec<String>,
    pub recommended_solutions: Vec<Recommendation>,
    pub confidence_score: f64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Recommendation {
    pub solution_id: i32,
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct DraftAnswer {
    pub subject: String,
    pub body: String,
}

/// What the drafting node writes, and which workflow and node its call is logged under.
#[derive(Debug, Clone, Copy)]
pub struct DraftRequest<'a> {
    pub workflow: &'a str,
    pub node: &'a str,
    pub prospect_id: i32,
    pub event_id: Option<i32>,
    pub draft_type: &'a str,
    /// Why this prospect is written to (event matching's reason), if any.
    pub why: Option<&'a str>,
}

/// (id, name) of the solutions a recommendation may name.
type Catalog = Vec<(i32, String, String)>;

impl Pipeline {
    pub fn new(db: Db, provider: Provider, config: &crate::config::LlmConfig, prompts: Prompts) -> Self {
        Self {
            db,
            provider,
            prices: PriceTable::new(&config.prices),
            prompts,
            max_retries: config.max_retries,
            retry_base: Duration::from_millis(config.retry_base_ms),
            monthly_budget: config.monthly_budget_usd,
            schema_unsupported: AtomicBool::new(false),
            month_spend: std::sync::Mutex::new(MonthSpend::default()),
        }
    }

    // ---- prospect_research ------------------------------------------------

    pub async fn research(&self, prospect_id: i32, spend: &mut Spend) -> Result<ProspectResearch, JobError> {
        let (data, catalog) = self.gather_context(prospect_id).await?;
        let catalog_json: Vec<Value> =
            catalog.iter().map(|(id, name, category)| json!({"id": id, "name": name, "category": category})).collect();
        let messages = vec![
            Message::system(self.prompts.research_system.clone()),
            Message::user(fill(
                &self.prompts.research_user,
                &[
                    ("prospect_data", &data_json(&data)),
                    ("catalog", &escape_json_tags(&serde_json::to_string(&catalog_json).unwrap_or_default())),
                ],
            )),
        ];
        let answer: ResearchAnswer = self
            .call(RESEARCH_WORKFLOW, "synthesize_research", &messages, research_schema(), spend, |text| {
                let a: ResearchAnswer = parse_json(text)?;
                validate_research(&a, &catalog)?;
                Ok(a)
            })
            .await?;
        // save_research
        let recommended: Vec<Value> = answer
            .recommended_solutions
            .iter()
            .map(|r| json!({"id": r.solution_id, "name": r.name, "reason": r.reason}))
            .collect();
        Ok(self
            .db
            .create_research(&ResearchInput {
                prospect_id,
                research_summary: answer.research_summary.trim().to_string(),
                key_insights: Some(json!(answer.key_insights)),
                recommended_solutions: Some(Value::Array(recommended)),
                confidence_score: Some(answer.confidence_score),
            })
            .await?)
    }

    /// gather_context: the prospect, company, industry, recent interactions,
    /// events that target the industry, and the industry's solutions.
    async fn gather_context(&self, prospect_id: i32) -> Result<(Value, Catalog), JobError> {
        let db = &self.db;
        let detail = db
            .prospect_detail(prospect_id)
            .await?
            .ok_or_else(|| JobError::NotFound(format!("prospect {prospect_id} not found")))?;
        let (timeline, events, mut solutions) = tokio::try_join!(
            db.timeline(prospect_id, 0, 10),
            db.events_for_industry(&detail.industry.name, 10),
            db.solutions_for_industry(detail.industry.id)
        )?;
        if solutions.is_empty() {
            // An industry with no linked solutions may still buy from the catalog.
            solutions = db.catalog(None).await?.into_iter().map(|c| c.solution).take(60).collect();
        }
        let p = &detail.prospect;
        let data = json!({
            "prospect": {"name": p.full_name, "email_domain": p.email.split('@').nth(1), "location": p.location,
                         "status": p.status, "last_contacted_at": p.last_contacted_at.map(|t| t.to_string())},
            "company": {"name": detail.company.name, "size": detail.company.size, "website": detail.company.website},
            "industry": detail.industry.name,
            "recent_interactions": timeline.iter().map(|x| json!({
                "date": x.interaction_date.to_string(), "type": x.interaction_type, "subject": x.subject,
                "sentiment": x.sentiment, "outcome": x.outcome, "excerpt": x.content_preview})).collect::<Vec<_>>(),
            "events_targeting_industry": events.iter().map(|e| json!({
                "date": e.event_date.to_string(), "type": e.event_type, "location": e.location, "status": e.status})).collect::<Vec<_>>(),
        });
        let catalog = solutions.into_iter().map(|s| (s.id, s.name, s.category)).collect();
        Ok((data, catalog))
    }

    // ---- outreach_draft ---------------------------------------------------

    pub async fn draft(
        &self,
        prospect_id: i32,
        event_id: Option<i32>,
        draft_type: &str,
        spend: &mut Spend,
    ) -> Result<OutreachDraft, JobError> {
        let request = DraftRequest {
            workflow: DRAFT_WORKFLOW,
            node: "generate_draft",
            prospect_id,
            event_id,
            draft_type,
            why: None,
        };
        let content = self.write_draft(&request, spend).await?;
        // save_draft: status draft, for a person to review.
        Ok(self
            .db
            .create_draft(&DraftInput {
                prospect_id,
                event_id,
                draft_type: draft_type.to_string(),
                content,
                status: "draft".into(),
            })
            .await?)
    }

    /// The drafting node (load_context → generate_draft), shared by the
    /// outreach workflow and event matching's generate_invitations so that
    /// both use the same prompts and validation. Returns the text to save;
    /// the usage row names `request.workflow` and `request.node`.
    pub async fn write_draft(&self, request: &DraftRequest<'_>, spend: &mut Spend) -> Result<String, JobError> {
        let DraftRequest { workflow, node, prospect_id, event_id, draft_type, why } = *request;
        // load_context
        let db = &self.db;
        let detail = db
            .prospect_detail(prospect_id)
            .await?
            .ok_or_else(|| JobError::NotFound(format!("prospect {prospect_id} not found")))?;
        let (research, timeline) =
            tokio::try_join!(db.research_for_prospect(prospect_id), db.timeline(prospect_id, 0, 5))?;
        let event = match event_id {
            Some(id) => Some(db.event(id).await?.ok_or_else(|| JobError::NotFound(format!("event {id} not found")))?),
            None => None,
        };
        let linkedin = draft_type.contains("linkedin");
        let mut data = json!({
            "prospect": {"name": detail.prospect.full_name, "status": detail.prospect.status, "location": detail.prospect.location},
            "company": {"name": detail.company.name, "size": detail.company.size, "industry": detail.industry.name},
            "research": research.first().map(|r| json!({"summary": r.research_summary, "key_insights": r.key_insights,
                                                          "recommended_solutions": r.recommended_solutions})),
            "recent_interactions": timeline.iter().map(|x| json!({"date": x.interaction_date.to_string(),
                "type": x.interaction_type, "subject": x.subject, "outcome": x.outcome})).collect::<Vec<_>>(),
            "event": event.as_ref().map(|e| json!({"type": e.event_type, "date": e.event_date.to_string(),
                                                   "location": e.location, "description": e.description})),
        });
        if let Some(why) = why {
            data["why_invited"] = json!(why);
        }
        let kind = if linkedin {
            "LinkedIn message"
        } else if draft_type.contains("invitation") && event.is_some() {
            "email inviting them to the event"
        } else {
            "email"
        };
        let messages = vec![
            Message::system(self.prompts.draft_system.clone()),
            Message::user(fill(
                &self.prompts.draft_user,
                &[("draft_kind", kind), ("prospect_data", &data_json(&data))],
            )),
        ];
        // generate_draft
        let answer: DraftAnswer = self
            .call(workflow, node, &messages, draft_schema(), spend, |text| {
                let a: DraftAnswer = parse_json(text)?;
                if a.body.trim().is_empty() {
                    return Err("the draft's body is empty".into());
                }
                if linkedin && a.body.chars().count() > 1900 {
                    return Err("a LinkedIn message must be under 1900 characters".into());
                }
                Ok(a)
            })
            .await?;
        Ok(if linkedin || answer.subject.trim().is_empty() {
            answer.body.trim().to_string()
        } else {
            format!("Subject: {}\n\n{}", answer.subject.trim(), answer.body.trim())
        })
    }

    // ---- the call ---------------------------------------------------------

    /// Calls the model, logs every attempt, retries what is worth retrying,
    /// and returns the first answer that `accept` takes.
    pub async fn call<T>(
        &self,
        workflow: &str,
        node: &str,
        messages: &[Message],
        schema: (&'static str, Value),
        spend: &mut Spend,
        accept: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, JobError> {
        let prompt_chars: usize = messages.iter().map(|m| m.content.chars().count()).sum();
        let worst_case = self.worst_case_cost(messages, &schema.1)?;
        let mut last_error = String::new();
        for attempt in 0..=self.max_retries {
            let reservation = self.reserve(worst_case).await?;
            let format = if self.schema_unsupported.load(Ordering::Relaxed) {
                ResponseFormat::JsonObject
            } else {
                ResponseFormat::JsonSchema { name: schema.0, schema: schema.1.clone() }
            };
            let result = self.provider.complete(messages, &format).await;
            let model = result
                .outcome
                .as_ref()
                .ok()
                .and_then(|c| c.model.clone())
                .filter(|m| !m.trim().is_empty())
                .unwrap_or_else(|| result.requested_model.clone());
            // A provider that could not be reached got no request: no call
            // to count, log or bill (the retry below still happens).
            let reached = !matches!(&result.outcome, Err(CallError::Network(_)));
            if reached {
                // Usage: the provider's, or (when it gives none) counted here.
                let (usage, counted) = match &result.outcome {
                    Ok(c) => match &c.usage {
                        Some(u) if u.total_tokens > 0 || u.prompt_tokens > 0 => (u.clone(), false),
                        _ => {
                            let completion = c.content.as_deref().map(estimate_tokens).unwrap_or(0);
                            let prompt = estimate_tokens_chars(prompt_chars);
                            (
                                Usage {
                                    prompt_tokens: prompt,
                                    completion_tokens: completion,
                                    total_tokens: prompt + completion,
                                    prompt_tokens_details: None,
                                },
                                true,
                            )
                        }
                    },
                    // A refused or failed request bills nothing.
                    Err(_) => (Usage::default(), false),
                };
                if counted {
                    tracing::warn!(
                        workflow,
                        node,
                        model,
                        "the provider reported no usage: tokens counted by Closer (about 4 characters a token)"
                    );
                }
                // Priced by the model that answered; one the table does not know
                // is priced as the configured model, never at 0.
                let cost = self.prices.cost_or(&model, &self.provider.model, &usage);
                spend.calls += 1;
                spend.cost += cost;
                let logged = self
                    .db
                    .log_usage(&UsageInput {
                        workflow_name: workflow.to_string(),
                        node_name: node.to_string(),
                        model: truncate(&model, 255),
                        prompt_tokens: clamp_i32(usage.prompt_tokens),
                        completion_tokens: clamp_i32(usage.completion_tokens),
                        total_tokens: clamp_i32(usage.prompt_tokens + usage.completion_tokens),
                        latency_ms: clamp_i32(result.latency.as_millis() as i64),
                        cost,
                    })
                    .await;
                // Logged first, then settled: a re-read of the month meanwhile counts it twice, never not at all.
                match reservation {
                    Some(r) => r.settle(cost),
                    None => self.add_spend(cost),
                }
                logged?;
            }

            let retry_after = match result.outcome {
                Ok(c) => {
                    if let Some(r) = c.refusal.filter(|r| !r.trim().is_empty()) {
                        last_error = format!("the model refused: {}", crate::sanitize::line(&r));
                    } else if let Some(text) = c.content.filter(|t| !t.trim().is_empty()) {
                        match accept(&text) {
                            Ok(v) => return Ok(v),
                            Err(e) => last_error = format!("the answer was not usable: {e}"),
                        }
                    } else {
                        last_error = format!(
                            "the answer was empty (finish reason {})",
                            c.finish_reason.as_deref().unwrap_or("none")
                        );
                    }
                    None
                }
                Err(CallError::Http { status: 400, ref message, .. })
                    if !self.schema_unsupported.load(Ordering::Relaxed)
                        && (message.contains("response_format") || message.contains("json_schema")) =>
                {
                    // A provider without structured outputs: fall back to JSON mode.
                    tracing::warn!(%message, "provider rejected json_schema; using json_object mode");
                    self.schema_unsupported.store(true, Ordering::Relaxed);
                    last_error = format!("the provider does not support json_schema: {message}");
                    continue;
                }
                Err(e) if e.retryable() => {
                    last_error = e.to_string();
                    e.retry_after()
                }
                Err(e) => return Err(JobError::Failed(e.to_string())),
            };
            if attempt < self.max_retries {
                let backoff = self.retry_base.saturating_mul(1 << attempt.min(10)).min(Duration::from_secs(60));
                // Other jobs may call meanwhile: the wait does not hold a concurrency slot.
                super::jobs::wait_without_slot(retry_after.unwrap_or(backoff)).await;
            }
        }
        Err(JobError::Failed(format!("{last_error} (after {} attempts)", self.max_retries + 1)))
    }
}

impl Pipeline {
    /// This month's spend (llm_usage_logs, re-read every 30 s, plus this
    /// process's spending since).
    async fn month_spend(&self) -> Result<f64, JobError> {
        const REFRESH: Duration = Duration::from_secs(30);
        if let Some((at, spent)) = self.month_spend.lock().expect("not poisoned").read {
            if at.elapsed() < REFRESH {
                return Ok(spent);
            }
        }
        let spent = self.db.month_to_date_cost().await?;
        self.month_spend.lock().expect("not poisoned").read = Some((std::time::Instant::now(), spent));
        Ok(spent)
    }

    fn add_spend(&self, cost: f64) {
        if let Some((_, spent)) = self.month_spend.lock().expect("not poisoned").read.as_mut() {
            *spent += cost;
        }
    }

    /// The most a call with these messages can cost: every byte of the
    /// prompt (and schema) a token, and `max_tokens` of answer, at the
    /// configured model's price. With a budget set, a model without a price
    /// cannot be bounded, so it is refused with what to do.
    fn worst_case_cost(&self, messages: &[Message], schema: &Value) -> Result<f64, JobError> {
        if self.monthly_budget <= 0.0 {
            return Ok(0.0);
        }
        let model = &self.provider.model;
        let Some(price) = self.prices.lookup(model) else {
            return Err(JobError::Failed(format!(
                "no price for model {model}, so the monthly budget cannot be kept: add [llm.prices.\"{model}\"] \
                 (input and output USD per million tokens; 0 for a free local model) or set llm.monthly_budget_usd = 0"
            )));
        };
        let prompt_tokens: usize =
            messages.iter().map(|m| m.content.len() + 16).sum::<usize>() + schema.to_string().len() + 64;
        Ok((prompt_tokens as f64 * price.input + self.provider.max_tokens as f64 * price.output) / 1_000_000.0)
    }

    /// Holds `worst_case` against the budget while a call is in flight, or
    /// refuses the call when this month's spend, the calls in flight and this
    /// one could pass the budget. Without a budget, reserves nothing.
    async fn reserve(&self, worst_case: f64) -> Result<Option<Reservation<'_>>, JobError> {
        if self.monthly_budget <= 0.0 {
            return Ok(None);
        }
        self.month_spend().await?;
        let mut m = self.month_spend.lock().expect("not poisoned");
        let spent = m.read.map(|(_, s)| s).unwrap_or(0.0);
        if spent + m.reserved + worst_case > self.monthly_budget {
            return Err(JobError::BudgetReached { spent: spent + m.reserved, budget: self.monthly_budget });
        }
        m.reserved += worst_case;
        Ok(Some(Reservation { spend: &self.month_spend, amount: worst_case }))
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    // Some models wrap JSON in a ```json fence despite being asked not to.
    let t = text.trim();
    let t = t.strip_prefix("```json").or_else(|| t.strip_prefix("```")).map(|s| s.trim_end_matches("```")).unwrap_or(t);
    serde_json::from_str(t.trim()).map_err(|e| format!("it breaks the schema: {e}"))
}

fn validate_research(a: &ResearchAnswer, catalog: &Catalog) -> Result<(), String> {
    if a.research_summary.trim().is_empty() {
        return Err("the summary is empty".into());
    }
    if !(0.0..=1.0).contains(&a.confidence_score) || a.confidence_score.is_nan() {
        return Err(format!("confidence {} is not between 0 and 1", a.confidence_score));
    }
    if a.recommended_solutions.is_empty() {
        return Err("no solution recommended".into());
    }
    for r in &a.recommended_solutions {
        let known =
            catalog.iter().any(|(id, name, _)| *id == r.solution_id && name.trim().eq_ignore_ascii_case(r.name.trim()));
        if !known {
            return Err(format!("recommended solution #{} {:?} is not in the catalog", r.solution_id, r.name));
        }
    }
    Ok(())
}

/// About four characters a token: the usual rule of thumb for English text.
fn estimate_tokens(text: &str) -> i64 {
    estimate_tokens_chars(text.chars().count())
}

fn estimate_tokens_chars(chars: usize) -> i64 {
    chars.div_ceil(4) as i64
}

fn clamp_i32(v: i64) -> i32 {
    v.clamp(0, i32::MAX as i64) as i32
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// OpenAI strict structured output: every object closed, every property required.
pub fn research_schema() -> (&'static str, Value) {
    (
        "prospect_research",
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["research_summary", "key_insights", "recommended_solutions", "confidence_score"],
            "properties": {
                "research_summary": {"type": "string"},
                "key_insights": {"type": "array", "items": {"type": "string"}},
                "recommended_solutions": {"type": "array", "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["solution_id", "name", "reason"],
                    "properties": {
                        "solution_id": {"type": "integer"},
                        "name": {"type": "string"},
                        "reason": {"type": "string"}
                    }
                }},
                "confidence_score": {"type": "number"}
            }
        }),
    )
}

pub fn draft_schema() -> (&'static str, Value) {
    (
        "outreach_draft",
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["subject", "body"],
            "properties": {"subject": {"type": "string"}, "body": {"type": "string"}}
        }),
    )
}

/// Shared, for the job runner.
pub type SharedPipeline = Arc<Pipeline>;
