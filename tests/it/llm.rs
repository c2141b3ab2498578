//! The LLM pipeline against a stand-in OpenAI server on loopback: request
//! shape, rows written, usage and cost arithmetic, error answers, retries,
//! concurrency, the budget stop, and the headless CLI.

use std::sync::Arc;
use std::time::{Duration, Instant};

use closer::config::Config;
use closer::db::Db;
use closer::llm::client::Provider;
use closer::llm::pipeline::{JobError, Pipeline, Spend};
use closer::llm::prompts::Prompts;
use closer::llm::standin::{answer_content, completion, good_answer, Reply, StandIn};
use closer::llm::{JobKind, JobRunner, JobState};
use serde_json::{json, Value};

use crate::support;

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

#[tokio::test]
async fn research_sends_the_right_request_and_writes_one_row() {
    let (db, _) = support::demo_db(20).await;
    let server = StandIn::start(Arc::new(|req, _| {
        Reply::json({
            let mut v = good_answer(req);
            v["usage"]["prompt_tokens_details"]["cached_tokens"] = json!(400);
            v
        })
    }))
    .await;
    let c = config(&server.base_url, |_| {});
    let p = pipeline(&db, &c);
    let pid = first_prospect(&db).await;
    let mut spend = Spend::default();
    let research = p.research(pid, &mut spend).await.unwrap();

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.path, "/v1/chat/completions");
    assert_eq!(r.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(r.body["model"], json!(c.llm.model));
    let messages = r.body["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "system");
    assert_eq!(messages[1]["role"], "user");
    let user = messages[1]["content"].as_str().unwrap();
    assert!(user.contains("<prospect_data>") && user.contains("</prospect_data>"), "data is fenced");
    assert_eq!(r.body["response_format"]["type"], "json_schema");
    assert_eq!(r.body["response_format"]["json_schema"]["strict"], json!(true));
    assert_eq!(r.body["response_format"]["json_schema"]["schema"]["additionalProperties"], json!(false));

    // The row: from the answer, recommending a solution of the industry's catalog.
    assert_eq!(research.prospect_id, pid);
    assert_eq!(research.confidence_score, Some(0.8));
    assert_eq!(
        research.key_insights,
        Some(json!(["Budget approval at quarter end", "Security review required early"]))
    );
    let rec = &research.recommended_solutions.as_ref().unwrap()[0];
    let (id, name): (i32, String) = sqlx::query_as(
        "SELECT s.id, s.name FROM solutions s JOIN industry_solutions l ON l.solution_id = s.id
           JOIN companies c ON c.industry_id = l.industry_id JOIN prospects p ON p.company_id = c.id
          WHERE p.id = $1 AND s.id = $2",
    )
    .bind(pid)
    .bind(rec["id"].as_i64().unwrap() as i32)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(rec["name"], json!(name));
    assert!(id > 0 && rec["reason"].as_str().unwrap().len() > 3);

    // One usage row: the answering model, the provider's tokens, the cost.
    let rows = usage_rows(&db).await;
    assert_eq!(rows.len(), 1);
    let (wf, node, model, pt, ct, tt, _lat, cost) = rows[0].clone();
    assert_eq!(
        (wf.as_str(), node.as_str(), model.as_str()),
        ("prospect_research", "synthesize_research", "gpt-4o-mini-2024-07-18")
    );
    assert_eq!((pt, ct, tt), (900, 150, 1050));
    // gpt-4o-mini: $0.15/M input, $0.075/M cached input, $0.60/M output.
    let want = (500.0 * 0.15 + 400.0 * 0.075 + 150.0 * 0.6) / 1e6;
    assert!((cost - want).abs() < 1e-12, "{cost} vs {want}");
    assert!((spend.cost - want).abs() < 1e-12 && spend.calls == 1);
    assert!(!format!("{:?}", p.provider).contains(KEY), "the key never shows in debug output");
}

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

#[tokio::test]
async fn drafting_writes_a_draft_for_review() {
    let (db, _) = support::demo_db(10).await;
    let server = StandIn::instant().await;
    let p = pipeline(&db, &config(&server.base_url, |_| {}));
    let pid = first_prospect(&db).await;
    let d = p.draft(pid, None, "offer_email", &mut Spend::default()).await.unwrap();
    assert_eq!((d.status.as_str(), d.draft_type.as_str()), ("draft", "offer_email"));
    assert!(d.content.starts_with("Subject: Cutting your data platform costs\n\nHi {first_name},"), "{}", d.content);
    let li = p.draft(pid, None, "linkedin_message", &mut Spend::default()).await.unwrap();
    assert!(li.content.starts_with("Hi {first_name},"));
    let rows = usage_rows(&db).await;
    assert!(rows.iter().all(|r| r.0 == "outreach_draft" && r.1 == "generate_draft"));
    assert_eq!(rows.len(), 2);
}

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

#[tokio::test(flavor = "multi_thread")]
async fn the_headless_commands_print_results_and_fail_loudly() {
    let (db, url) = support::demo_db(10).await;
    let server = StandIn::instant().await;
    let ids: Vec<i32> =
        sqlx::query_scalar("SELECT id FROM prospects ORDER BY id LIMIT 3").fetch_all(&db.pool).await.unwrap();
    let run = |args: Vec<String>, base: String| async move {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_closer"))
            .args(args)
            .env("OPENAI_BASE_URL", base)
            .env("OPENAI_API_KEY", KEY)
            .env("CLOSER_LOG_FILE", std::env::temp_dir().join("closer-it-headless.log"))
            .output()
            .await
            .unwrap()
    };
    let mut args = vec!["--database-url".to_string(), url.clone(), "research".into()];
    args.extend(ids.iter().map(|i| i.to_string()));
    let out = run(args, server.base_url.clone()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("3 done, 0 failed, 3 LLM call(s)"), "{stdout}");
    assert_eq!(stdout.matches("prospect_research #").count(), 3);
    assert!(!stdout.contains(KEY) && !String::from_utf8_lossy(&out.stderr).contains(KEY));

    let out =
        run(vec!["--database-url".into(), url.clone(), "draft".into(), ids[0].to_string()], server.base_url.clone())
            .await;
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("outreach_drafts #"));
    // It prints whom it wrote for and the text it wrote.
    let (name, email, text): (String, String, String) = sqlx::query_as(
        "SELECT p.full_name, p.email, d.content FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id
          ORDER BY d.id DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(stdout.contains(&name), "{stdout}");
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap();
    assert!(stdout.contains(first_line.trim()), "{stdout}");

    // A prospect by email address (any case); the research summary is printed.
    let out = run(
        vec!["--database-url".into(), url.clone(), "research".into(), email.to_uppercase()],
        server.base_url.clone(),
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let summary: String = sqlx::query_scalar(
        "SELECT research_summary FROM prospect_research WHERE prospect_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(ids[0])
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(stdout.contains(&name) && stdout.contains(summary.lines().next().unwrap()), "{stdout}");
    let out = run(
        vec!["--database-url".into(), url.clone(), "research".into(), "nobody@nowhere.example".into()],
        server.base_url.clone(),
    )
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no prospect has the email address"));

    // A draft type nothing knows is refused unless forced.
    let drafts_before = count(&db, "outreach_drafts").await;
    let sms = |force: bool| {
        let mut a: Vec<String> = vec![
            "--database-url".into(),
            url.clone(),
            "draft".into(),
            ids[0].to_string(),
            "--type".into(),
            "sms".into(),
        ];
        if force {
            a.push("--force".into());
        }
        a
    };
    let out = run(sms(false), server.base_url.clone()).await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown draft type"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&db, "outreach_drafts").await, drafts_before);
    let out = run(sms(true), server.base_url.clone()).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count(&db, "outreach_drafts").await, drafts_before + 1);

    // A provider that answers garbage: non-zero exit, and the reason printed.
    let bad = StandIn::start(Arc::new(|_, _| Reply::status(200, "garbage"))).await;
    let out =
        run(vec!["--database-url".into(), url, "research".into(), ids[0].to_string()], bad.base_url.clone()).await;
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAILED") && stdout.contains("not valid JSON"), "{stdout}");
}

#[tokio::test]
async fn the_anthropic_messages_api_works_the_same_way() {
    let (db, _) = support::demo_db(10).await;
    let server = StandIn::start(Arc::new(|req, _| {
        Reply::json(json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-3-5-haiku-20241022",
            "content": [{"type": "text", "text": answer_content(req)}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 500, "output_tokens": 150, "cache_read_input_tokens": 400, "cache_creation_input_tokens": 0}
        }))
    }))
    .await;
    let c = config(&server.base_url, |c| {
        c.llm.provider = "anthropic".into();
        c.llm.model = "claude-3-5-haiku-latest".into();
    });
    let p = pipeline(&db, &c);
    let research = p.research(first_prospect(&db).await, &mut Spend::default()).await.unwrap();
    assert_eq!(research.confidence_score, Some(0.8));
    let r = &server.requests()[0];
    assert_eq!(r.path, "/v1/messages");
    assert_eq!(r.header("x-api-key"), Some(KEY));
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    assert!(r.header("authorization").is_none());
    assert!(r.body["system"].as_str().unwrap().contains("JSON Schema"), "the schema travels in the system prompt");
    assert!(r.body["messages"].as_array().unwrap().iter().all(|m| m["role"] == "user"));
    let rows = usage_rows(&db).await;
    let (.., model, pt, ct, tt, _, cost) = rows[0].clone();
    assert_eq!((model.as_str(), pt, ct, tt), ("claude-3-5-haiku-20241022", 900, 150, 1050));
    // Claude 3.5 Haiku: $0.80/M input, $0.08/M cache reads, $4/M output.
    let want = (500.0 * 0.8 + 400.0 * 0.08 + 150.0 * 4.0) / 1e6;
    assert!((cost - want).abs() < 1e-12, "{cost} vs {want}");
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
