//! The LLM research and drafting pipeline: an OpenAI-compatible client,
//! the price table, the workflows built from named nodes (research,
//! outreach drafting, event matching), the job queue,
//! and a stand-in provider for tests and benchmarks.

pub mod client;
pub mod jobs;
pub mod matching;
pub mod pipeline;
pub mod prices;
pub mod prompts;
#[cfg(feature = "test-support")]
pub mod standin;

pub use client::Provider;
pub use jobs::{JobKind, JobRunner, JobState, JobUpdate};
pub use pipeline::{JobError, Pipeline};

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::config::Config;
use crate::db::Db;

/// A running job queue and the stream of its updates.
pub struct Jobs {
    pub runner: JobRunner,
    pub updates: mpsc::UnboundedReceiver<JobUpdate>,
    /// The configured model, and USD for a typical ~2,500 + 400 token call
    /// when the model has a price.
    pub estimate: (String, Option<f64>),
}

/// Sets up the provider, pipeline and queue from config. The error says
/// what to do (set the API key, fix the URL, ...).
pub fn start_jobs(config: &Config, db: Db) -> Result<Jobs, String> {
    let pipeline = build_pipeline(config, db)?;
    let model = pipeline.provider.model.clone();
    let typical = pipeline.prices.lookup(&model).map(|p| p.for_tokens(2500.0, 400.0));
    let estimate = (model, typical);
    let (tx, updates) = mpsc::unbounded_channel();
    let runner = JobRunner::start(pipeline, config.llm.concurrency, config.llm.queue_capacity, tx);
    Ok(Jobs { runner, updates, estimate })
}

/// The provider and pipeline from config, without a queue (`closer match`
/// runs one workflow in the foreground).
pub fn build_pipeline(config: &Config, db: Db) -> Result<Arc<Pipeline>, String> {
    let provider = Provider::from_config(&config.llm)?;
    let hosted = ["api.openai.com", "api.anthropic.com"].iter().any(|h| provider.base_url.contains(h));
    if !provider.has_key() && hosted {
        return Err(format!(
            "no LLM API key: set {} (the variable named by llm.api_key_env), or point llm.base_url at a local server",
            config.llm.api_key_env
        ));
    }
    let prompts = prompts::Prompts::load(&config.llm.prompts_dir).map_err(|e| e.to_string())?;
    Ok(Arc::new(Pipeline::new(db, provider, &config.llm, prompts)))
}
