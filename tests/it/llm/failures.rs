//! Error answers and retries: 429 with Retry-After, server errors and
//! malformed JSON, unusable answers (failed, nothing written, still logged),
//! timeouts, missing usage and the json_schema fallback, and an unreachable
//! provider that is not counted as calls.

use std::sync::Arc;
use std::time::{Duration, Instant};

use closer::llm::pipeline::{JobError, Spend};
use closer::llm::standin::{answer_content, completion, good_answer, Reply, StandIn};
use serde_json::{json, Value};

use super::{config, count, first_prospect, pipeline, usage_rows};
use crate::support;

#[tokio::test]
async fn a_429_is_retried_after_the_retry_after_delay() {
    let (db, _) = support::demo_db(10).await;
    let server = StandIn::start(Arc::new(|req, n| {
        if n == 0 {
            Reply::status(429, r#"{"error":{"message":"Rate limit reached","type":"requests"}}"#)
                .with_header("Retry-After", "1")
        } else {
            Reply::json(good_answer(req))
        }
    }))
    .await;
    let p = pipeline(&db, &config(&server.base_url, |_| {}));
    let started = Instant::now();
    let mut spend = Spend::default();
    p.research(first_prospect(&db).await, &mut spend).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950), "Retry-After honoured (backoff alone is 10 ms)");
    let rows = usage_rows(&db).await;
    assert_eq!(rows.len(), 2, "the failed call is logged too");
    assert_eq!((rows[0].3, rows[0].4, rows[0].7), (0, 0, 0.0), "a refused request bills nothing");
    assert_eq!(rows[1].5, 1050);
    assert_eq!(count(&db, "prospect_research").await, 10 / 4 + 1 + 1);
}

#[tokio::test]
async fn server_errors_and_malformed_json_are_retried_then_succeed() {
    let (db, _) = support::demo_db(10).await;
    let server = StandIn::start(Arc::new(|req, n| match n {
        0 => Reply::status(500, "internal error"),
        1 => Reply::status(200, "{\"choices\": [ this is not json"),
        2 => Reply::json(json!({"model": "x", "choices": []})),
        _ => Reply::json(good_answer(req)),
    }))
    .await;
    let p = pipeline(&db, &config(&server.base_url, |c| c.llm.max_retries = 3));
    let before = count(&db, "prospect_research").await;
    p.research(first_prospect(&db).await, &mut Spend::default()).await.unwrap();
    assert_eq!(count(&db, "prospect_research").await, before + 1);
    assert_eq!(usage_rows(&db).await.len(), 4);
}

#[tokio::test]
async fn bad_answers_fail_the_job_write_nothing_and_are_still_logged() {
    let (db, _) = support::demo_db(10).await;
    let pid = first_prospect(&db).await;
    let cases: Vec<(&str, Value)> = vec![
        ("not usable", completion(r#"{"summary": "wrong shape"}"#, Some((100, 10, 0)))),
        (
            "refused",
            json!({"model": "m", "choices": [{"message": {"content": null, "refusal": "I can't help with that."}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55}}),
        ),
        ("no choices", json!({"model": "m", "choices": []})),
        (
            "not in the catalog",
            completion(
                &json!({
            "research_summary": "s", "key_insights": ["a"], "confidence_score": 0.5,
            "recommended_solutions": [{"solution_id": 999999, "name": "Made Up", "reason": "r"}]})
                .to_string(),
                Some((100, 10, 0)),
            ),
        ),
        (
            "between 0 and 1",
            completion(
                &json!({
            "research_summary": "s", "key_insights": ["a"], "confidence_score": 7.0,
            "recommended_solutions": []})
                .to_string(),
                Some((100, 10, 0)),
            ),
        ),
    ];
    for (expect, body) in cases {
        let body = Arc::new(body);
        let server = StandIn::start(Arc::new(move |_, _| Reply::json((*body).clone()))).await;
        let p = pipeline(&db, &config(&server.base_url, |c| c.llm.max_retries = 2));
        let research_before = count(&db, "prospect_research").await;
        let logs_before = count(&db, "llm_usage_logs").await;
        let err = p.research(pid, &mut Spend::default()).await.unwrap_err();
        let JobError::Failed(msg) = &err else { panic!("{err:?}") };
        assert!(msg.contains(expect), "{expect}: {msg}");
        assert!(msg.contains("after 3 attempts"), "{msg}");
        assert_eq!(count(&db, "prospect_research").await, research_before, "{expect}: nothing partial written");
        assert_eq!(count(&db, "llm_usage_logs").await, logs_before + 3, "{expect}: every call logged");
        assert_eq!(server.requests().len(), 3);
    }
}

#[tokio::test]
async fn a_timeout_is_retried_within_limits_then_fails() {
    let (db, _) = support::demo_db(10).await;
    let server = StandIn::start(Arc::new(|req, _| Reply::json(good_answer(req)).after(Duration::from_secs(4)))).await;
    let p = pipeline(
        &db,
        &config(&server.base_url, |c| {
            c.llm.request_timeout_secs = 1;
            c.llm.max_retries = 1;
        }),
    );
    let started = Instant::now();
    let err = p.research(first_prospect(&db).await, &mut Spend::default()).await.unwrap_err();
    assert!(err.to_string().contains("did not answer in time"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(4), "the per-call timeout cut each call");
    let rows = usage_rows(&db).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.6 >= 900 && r.6 < 3000), "latency recorded: {rows:?}");
}

#[tokio::test]
async fn missing_usage_is_counted_and_json_schema_falls_back_to_json_mode() {
    let (db, _) = support::demo_db(10).await;
    let server = StandIn::start(Arc::new(|req, _| {
        if req.body["response_format"]["type"] == "json_schema" {
            Reply::status(
                400,
                r#"{"error":{"message":"response_format type json_schema is not supported by this model"}}"#,
            )
        } else {
            Reply::json(completion(&answer_content(req), None))
        }
    }))
    .await;
    let p = pipeline(&db, &config(&server.base_url, |_| {}));
    p.research(first_prospect(&db).await, &mut Spend::default()).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].body["response_format"], json!({"type": "json_object"}));
    let rows = usage_rows(&db).await;
    let (.., pt, ct, tt, _, cost) = rows.last().unwrap().clone();
    let user_chars: usize = reqs[1].body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap().chars().count())
        .sum();
    assert_eq!(pt as usize, user_chars.div_ceil(4), "prompt tokens counted from the messages");
    assert!(ct > 10 && tt == pt + ct);
    assert!(cost > 0.0, "the counted tokens are priced");
    // A later call starts in JSON mode directly.
    p.research(first_prospect(&db).await, &mut Spend::default()).await.unwrap();
    assert_eq!(server.requests()[2].body["response_format"]["type"], "json_object");
}

/// A provider nobody answers at (connection refused) got no request: the
/// attempts are not calls, cost nothing and log no usage row.
#[tokio::test]
async fn an_unreachable_provider_is_not_counted_as_calls() {
    let (db, _) = support::demo_db(5).await;
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let p = pipeline(&db, &config(&format!("http://127.0.0.1:{port}/v1"), |c| c.llm.max_retries = 3));
    let mut spend = Spend::default();
    let err = p.research(first_prospect(&db).await, &mut spend).await.unwrap_err();
    assert!(err.to_string().contains("after 4 attempts"), "{err}");
    assert_eq!(spend.calls, 0, "no call reached the provider");
    assert!(usage_rows(&db).await.is_empty(), "{:?}", usage_rows(&db).await);
}
