//! Money: the budget stopping a run and keeping what was done, and the
//! estimate from recent tokens per call and the price table.

use std::collections::{BTreeMap, BTreeSet};

use closer::db::Db;
use closer::llm::matching::{self, estimate};
use closer::llm::standin::StandIn;

use super::{config, event, invitations, options, pipeline, run, scripted, world};

async fn spend_so_far(db: &Db, cost: f64) -> f64 {
    db.log_usage(&closer::db::usage::UsageInput {
        workflow_name: "prospect_research".into(),
        node_name: "synthesize_research".into(),
        model: "gpt-4o".into(),
        prompt_tokens: 1,
        completion_tokens: 1,
        total_tokens: 2,
        latency_ms: 1,
        cost,
    })
    .await
    .unwrap();
    db.month_to_date_cost().await.unwrap()
}

/// What one stand-in call costs at gpt-4o-mini's price (900 prompt, 60 completion tokens).
const SCORE_CALL: f64 = (900.0 * 0.15 + 60.0 * 0.6) / 1e6;
/// A drafting call (900 prompt, 150 completion tokens).
const DRAFT_CALL: f64 = (900.0 * 0.15 + 150.0 * 0.6) / 1e6;

/// The budget reserves each call's worst case (prompt bytes as tokens at the
/// input price, plus `max_tokens` at the output price) before sending. With
/// a free input price and `max_tokens` at a draft's 150, that worst case is
/// exactly one drafting call, so the arithmetic below is exact.
fn budget_config(base_url: &str, budget: f64) -> closer::config::Config {
    config(base_url, |c| {
        c.llm.concurrency = 1;
        c.llm.max_tokens = 150;
        c.llm
            .prices
            .insert("gpt-4o-mini".into(), closer::config::Price { input: 0.0, output: 0.6, cached_input: None });
        c.llm.monthly_budget_usd = budget;
    })
}

/// Output-only costs under [`budget_config`].
const SCORE_OUT: f64 = 60.0 * 0.6 / 1e6;
const DRAFT_OUT: f64 = 150.0 * 0.6 / 1e6;

#[tokio::test]
async fn the_budget_stops_the_run_and_keeps_what_was_done() {
    // During scoring: three calls fit (the third's worst case just fits),
    // then nothing more is called and no invitation is written.
    let w = world(10).await;
    let spent = spend_so_far(&w.db, 1.0).await;
    let server = StandIn::start(scripted(BTreeMap::new(), BTreeSet::new())).await;
    let c = budget_config(&server.base_url, spent + 2.5 * SCORE_OUT + DRAFT_OUT);
    let e = event(&w.db, r#"'["Logistics"]'"#, "NULL").await;
    let report = run(&w.db, &c, e, options(20, 70)).await;
    assert_eq!((report.ranked.len(), report.not_scored, report.failed.len()), (3, 7, 0), "{}", report.summary());
    assert!(report.stopped.as_deref().unwrap().contains("monthly LLM budget reached"));
    assert!(report.is_failure());
    assert_eq!(server.requests().len(), 3);
    assert!(invitations(&w.db, e).await.is_empty());
    assert!(report.selected().all(|r| r.invitation_note.as_deref() == Some("not written: the run stopped")));

    // During invitations: all scored, three invitations written and kept, then it stops.
    let w = world(5).await;
    let spent = spend_so_far(&w.db, 1.0).await;
    let server = StandIn::start(scripted(BTreeMap::new(), BTreeSet::new())).await;
    let c = budget_config(&server.base_url, spent + 5.0 * SCORE_OUT + 2.5 * DRAFT_OUT + DRAFT_OUT);
    let e = event(&w.db, r#"'["Logistics"]'"#, "NULL").await;
    let report = run(&w.db, &c, e, options(5, 70)).await;
    assert_eq!(report.ranked.len(), 5);
    assert_eq!(report.invitations_written, 3, "{}", report.summary());
    assert_eq!(invitations(&w.db, e).await.len(), 3);
    assert!(report.stopped.is_some() && report.is_failure());
    assert_eq!(report.selected().filter(|r| r.draft_id.is_some()).count(), 3);
}

#[tokio::test]
async fn the_estimate_uses_recent_tokens_per_call_and_the_price_table() {
    let w = world(10).await;
    let server = StandIn::start(scripted(BTreeMap::new(), BTreeSet::new())).await;
    let c = config(&server.base_url, |c| c.llm.monthly_budget_usd = 50.0);
    let p = pipeline(&w.db, &c);
    let e = event(&w.db, r#"'["Logistics"]'"#, "NULL").await;
    let plan = matching::plan(&w.db, e, false).await.unwrap();
    let first = estimate::estimate(&p, &plan, &options(4, 70)).await.unwrap();
    assert_eq!((first.candidates, first.invitations), (10, 4));
    assert!(first.basis.contains("prompts' size"), "{}", first.basis);
    assert!(first.scoring_cost > 0.0 && first.invitation_cost > 0.0);
    assert!(first.describe().contains("10 candidate(s)") && first.describe().contains("budget"));
    // After a run, the node's own average: 900 prompt + 60 completion tokens per scoring call.
    let other = event(&w.db, r#"'["Logistics"]'"#, "NULL").await;
    run(&w.db, &c, other, options(4, 70)).await;
    let second = estimate::estimate(&p, &plan, &options(4, 70)).await.unwrap();
    assert!(second.basis.contains("average"), "{}", second.basis);
    assert!((second.scoring_cost - 10.0 * SCORE_CALL).abs() < 1e-12, "{}", second.scoring_cost);
    assert!((second.invitation_cost - 4.0 * DRAFT_CALL).abs() < 1e-12, "{}", second.invitation_cost);
    // An unknown model costs nothing and says so.
    let c = config(&server.base_url, |c| c.llm.model = "my-local-model".into());
    let unknown = estimate::estimate(&pipeline(&w.db, &c), &plan, &options(4, 70)).await.unwrap();
    assert_eq!(unknown.total(), 0.0);
    assert!(unknown.basis.contains("no price known for my-local-model"));
}
