//! The job queue: the concurrency limit, cancelling a running job, and the
//! monthly budget stopping new calls.

use std::sync::Arc;
use std::time::Duration;

use closer::llm::pipeline::{JobError, Spend};
use closer::llm::standin::{good_answer, Reply, StandIn};
use closer::llm::{JobKind, JobRunner, JobState};

use super::{config, count, first_prospect, pipeline};
use crate::support;

#[tokio::test]
async fn a_bulk_run_never_exceeds_the_concurrency_limit() {
    let (db, _) = support::demo_db(30).await;
    let server =
        StandIn::start(Arc::new(|req, _| Reply::json(good_answer(req)).after(Duration::from_millis(60)))).await;
    let c = config(&server.base_url, |c| c.llm.concurrency = 3);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = JobRunner::start(Arc::new(pipeline(&db, &c)), 3, 100, tx);
    let ids: Vec<i32> =
        sqlx::query_scalar("SELECT id FROM prospects ORDER BY id LIMIT 20").fetch_all(&db.pool).await.unwrap();
    for id in &ids {
        runner.submit(JobKind::Research { prospect_id: *id }).unwrap();
    }
    let mut done = 0;
    let mut cost = 0.0;
    while done < ids.len() {
        let u = tokio::time::timeout(Duration::from_secs(30), rx.recv()).await.unwrap().unwrap();
        if let JobState::Done(_) = u.state {
            done += 1;
            cost += u.cost;
        }
        assert!(!matches!(u.state, JobState::Failed(_)), "{u:?}");
    }
    assert_eq!(server.max_in_flight.load(std::sync::atomic::Ordering::SeqCst), 3, "exactly the limit, never more");
    let logged: f64 = sqlx::query_scalar("SELECT sum(cost) FROM llm_usage_logs WHERE worfklow_name = 'prospect_research' AND created_at > (now() AT TIME ZONE 'UTC') - interval '1 hour'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!((logged - cost).abs() < 1e-9, "job costs add up to the log");

    // A full queue refuses more, and says what to do.
    let (tx2, _rx2) = tokio::sync::mpsc::unbounded_channel();
    let slow = StandIn::start(Arc::new(|req, _| Reply::json(good_answer(req)).after(Duration::from_secs(5)))).await;
    let small = JobRunner::start(Arc::new(pipeline(&db, &config(&slow.base_url, |_| {}))), 1, 2, tx2);
    let results: Vec<_> = (0..6).map(|_| small.submit(JobKind::Research { prospect_id: ids[0] })).collect();
    assert!(results.iter().any(|r| r.as_ref().is_err_and(|e| e.contains("queue is full"))), "{results:?}");
}

#[tokio::test]
async fn cancelling_a_running_job_writes_nothing() {
    let (db, _) = support::demo_db(10).await;
    let server = StandIn::start(Arc::new(|req, _| Reply::json(good_answer(req)).after(Duration::from_secs(3)))).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = JobRunner::start(Arc::new(pipeline(&db, &config(&server.base_url, |_| {}))), 2, 10, tx);
    let before = count(&db, "prospect_research").await;
    let id = runner.submit(JobKind::Research { prospect_id: first_prospect(&db).await }).unwrap();
    loop {
        let u = rx.recv().await.unwrap();
        if u.state == JobState::Running {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(runner.cancel(id));
    let u = rx.recv().await.unwrap();
    assert_eq!(u.state, JobState::Cancelled);
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(count(&db, "prospect_research").await, before);
    assert_eq!(runner.active(), 0);
}

#[tokio::test]
async fn the_monthly_budget_stops_new_calls() {
    let (db, _) = support::demo_db(10).await;
    db.log_usage(&closer::db::usage::UsageInput {
        workflow_name: "prospect_research".into(),
        node_name: "synthesize_research".into(),
        model: "gpt-4o".into(),
        prompt_tokens: 1,
        completion_tokens: 1,
        total_tokens: 2,
        latency_ms: 1,
        cost: 5.0,
    })
    .await
    .unwrap();
    let server = StandIn::instant().await;
    let p = pipeline(&db, &config(&server.base_url, |c| c.llm.monthly_budget_usd = 4.0));
    let err = p.research(first_prospect(&db).await, &mut Spend::default()).await.unwrap_err();
    assert!(matches!(err, JobError::BudgetReached { .. }), "{err:?}");
    assert!(err.to_string().contains("monthly LLM budget reached"));
    assert!(server.requests().is_empty(), "no call was made");
    let p = pipeline(&db, &config(&server.base_url, |c| c.llm.monthly_budget_usd = 100.0));
    p.research(first_prospect(&db).await, &mut Spend::default()).await.unwrap();

    // A call is made only when its worst case (every prompt byte a token,
    // max_tokens of answer) fits: $0.0001 left is not enough for one.
    let spent: f64 = db.month_to_date_cost().await.unwrap();
    let p = pipeline(&db, &config(&server.base_url, |c| c.llm.monthly_budget_usd = spent + 0.0001));
    let calls_before = server.requests().len();
    let err = p.research(first_prospect(&db).await, &mut Spend::default()).await.unwrap_err();
    assert!(matches!(err, JobError::BudgetReached { .. }), "{err:?}");
    assert_eq!(server.requests().len(), calls_before);

    // Spending during a run counts at once (the month is re-read only every
    // 30 s): calls stop before the budget is passed, not 30 s later.
    let budget = spent + 0.02;
    let p = pipeline(&db, &config(&server.base_url, |c| c.llm.monthly_budget_usd = budget));
    let mut made = 0;
    let err = loop {
        match p.research(first_prospect(&db).await, &mut Spend::default()).await {
            Ok(_) => made += 1,
            Err(e) => break e,
        }
        assert!(made < 200, "the budget never stopped the calls");
    };
    assert!(matches!(err, JobError::BudgetReached { .. }), "{err:?}");
    assert!(made >= 1, "calls that fit are made");
    let now = db.month_to_date_cost().await.unwrap();
    assert!(now <= budget + 1e-9, "spent {now} of {budget}");
}
