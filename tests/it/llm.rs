//! The LLM pipeline against a stand-in OpenAI server on loopback: request
//! shape, rows written, usage and cost arithmetic, error answers, retries,
//! concurrency, the budget stop, and the headless CLI.
//!
//! By topic: `workflows`, `failures` (errors and retries), `jobs` (the queue
//! and the budget), `headless`; the helpers they share are here.

use closer::config::Config;
use closer::db::Db;
use closer::llm::client::Provider;
use closer::llm::pipeline::Pipeline;
use closer::llm::prompts::Prompts;

mod failures;
mod headless;
mod jobs;
mod workflows;

const KEY_VAR: &str = "CLOSER_IT_LLM_KEY";
const KEY: &str = "sk-closer-test-0123456789";

fn config(base_url: &str, tweak: impl FnOnce(&mut Config)) -> Config {
    // Every test sets the same value, so the race on the environment is harmless.
    std::env::set_var(KEY_VAR, KEY);
    let mut c = Config::defaults();
    c.llm.base_url = base_url.to_string();
    c.llm.api_key_env = KEY_VAR.into();
    c.llm.retry_base_ms = 10;
    c.llm.request_timeout_secs = 5;
    tweak(&mut c);
    c
}

fn pipeline(db: &Db, c: &Config) -> Pipeline {
    let provider = Provider::from_config(&c.llm).unwrap();
    Pipeline::new(db.clone(), provider, &c.llm, Prompts::default())
}

async fn usage_rows(db: &Db) -> Vec<(String, String, String, i32, i32, i32, i32, f64)> {
    sqlx::query_as(
        "SELECT worfklow_name, node_name, model, prompt_tokens, completion_tokens, total_tokens, latency_ms, cost
           FROM llm_usage_logs WHERE created_at > (now() AT TIME ZONE 'UTC') - interval '1 hour' ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&db.pool).await.unwrap()
}

async fn first_prospect(db: &Db) -> i32 {
    sqlx::query_scalar("SELECT min(id) FROM prospects").fetch_one(&db.pool).await.unwrap()
}
