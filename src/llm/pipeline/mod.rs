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
//!
//! One file per job: [`research`] and [`draft`] are the two workflows'
//! nodes, [`call`] is the one place a call is made, retried and logged, and
//! [`budget`] keeps the month's spend under `llm.monthly_budget_usd`.

mod budget;
mod call;
mod draft;
mod research;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use super::client::Provider;
use super::prices::PriceTable;
use super::prompts::Prompts;
use crate::db::Db;
use budget::MonthSpend;

pub use draft::{draft_schema, DraftAnswer, DraftRequest};
pub use research::{research_schema, Recommendation, ResearchAnswer};

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
}

/// Shared, for the job runner.
pub type SharedPipeline = Arc<Pipeline>;
