//! The monthly budget holds (14): unknown models priced as the configured
//! one, unpriced models refused, concurrent calls cannot overshoot.

use std::sync::Arc;
use std::time::Duration;

use closer::llm::pipeline::Spend;
use closer::llm::standin::{good_answer, Reply, StandIn};
use closer::llm::{JobKind, JobRunner, JobState};
use serde_json::json;

use super::{llm_config, pipeline, prospect_ids};
use crate::support;

// ---- 14. the monthly budget holds --------------------------------------

#[tokio::test]
async fn an_unknown_answering_model_is_priced_as_the_configured_one() {
    let (db, _) = support::demo_db(5).await;
    let server = StandIn::start(Arc::new(|req, _| {
        let mut v = good_answer(req);
        v["model"] = json!("shady-model-not-in-any-table");
        v["usage"] = json!({"prompt_tokens": 1_000_000, "completion_tokens": 0, "total_tokens": 1_000_000});
        Reply::json(v)
    }))
    .await;
    let c = llm_config(&server.base_url, "model = \"gpt-4o-mini\"\n");
    let mut spend = Spend::default();
    pipeline(&db, &c).research(prospect_ids(&db, 1).await[0], &mut spend).await.unwrap();
    let (model, cost): (String, f64) =
        sqlx::query_as("SELECT model, cost FROM llm_usage_logs ORDER BY id DESC LIMIT 1")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(model, "shady-model-not-in-any-table", "the log keeps the name the provider gave");
    // gpt-4o-mini: $0.15 per million input tokens.
    assert!((cost - 0.15).abs() < 1e-9, "priced at {cost}, not as the configured model");
    assert!((spend.cost - 0.15).abs() < 1e-9);
}

#[tokio::test]
async fn with_a_budget_an_unpriced_model_is_refused_with_what_to_do() {
    let (db, _) = support::demo_db(5).await;
    let server = StandIn::instant().await;
    let id = prospect_ids(&db, 1).await[0];
    let c = llm_config(&server.base_url, "model = \"my-local-llama\"\nmonthly_budget_usd = 10.0\n");
    let err = pipeline(&db, &c).research(id, &mut Spend::default()).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("my-local-llama") && msg.contains("[llm.prices") && msg.contains("monthly_budget_usd"),
        "{msg}"
    );
    assert!(server.requests().is_empty(), "no call was made");
    // Priced (even at 0), or without a budget, it runs.
    let priced = "model = \"my-local-llama\"\nmonthly_budget_usd = 10.0\n[llm.prices.\"my-local-llama\"]\ninput = 0.0\noutput = 0.0\n";
    pipeline(&db, &llm_config(&server.base_url, priced)).research(id, &mut Spend::default()).await.unwrap();
    let free = "model = \"my-local-llama\"\nmonthly_budget_usd = 0.0\n";
    pipeline(&db, &llm_config(&server.base_url, free)).research(id, &mut Spend::default()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_cannot_overshoot_the_budget() {
    let (db, _) = support::demo_db(40).await;
    // Every call takes 300 ms, so all 30 jobs are in flight at once.
    let server =
        StandIn::start(Arc::new(|req, _| Reply::json(good_answer(req)).after(Duration::from_millis(300)))).await;
    let spent_before = db.month_to_date_cost().await.unwrap();
    // $1 per million tokens: each call (900 + 150 tokens) costs $0.00105; 30 cost $0.0315.
    let budget = spent_before + 0.03;
    let c = llm_config(
        &server.base_url,
        &format!("monthly_budget_usd = {budget}\nconcurrency = 30\n[llm.prices.\"gpt-4o-mini\"]\ninput = 1.0\noutput = 1.0\n"),
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = JobRunner::start(Arc::new(pipeline(&db, &c)), 30, 100, tx);
    let ids = prospect_ids(&db, 30).await;
    for id in &ids {
        runner.submit(JobKind::Research { prospect_id: *id }).unwrap();
    }
    let (mut done, mut refused) = (0, 0);
    while done + refused < ids.len() {
        let u = tokio::time::timeout(Duration::from_secs(60), rx.recv()).await.unwrap().unwrap();
        match u.state {
            JobState::Done(_) => done += 1,
            JobState::Failed(e) => {
                assert!(e.contains("budget"), "{e}");
                refused += 1;
            }
            _ => {}
        }
    }
    let spent = db.month_to_date_cost().await.unwrap();
    assert!(spent <= budget + 1e-9, "spent {spent} of a {budget} budget ({done} calls made)");
    assert!(done >= 1 && refused >= 1, "{done} done, {refused} refused");
}
