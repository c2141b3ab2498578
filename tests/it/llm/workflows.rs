//! The workflows end to end: research's request shape and the row it
//! writes, drafting a draft for review, and the Anthropic messages API doing
//! the same.

use std::sync::Arc;

use closer::llm::pipeline::Spend;
use closer::llm::standin::{answer_content, good_answer, Reply, StandIn};
use serde_json::json;

use super::{config, first_prospect, pipeline, usage_rows, KEY};
use crate::support;

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
