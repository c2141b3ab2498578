//! Usage aggregates against plain SQL.

use chrono::Duration;
use closer::db::usage::{UsageGroup, UsageInput, UsageRange};

use crate::support;

#[tokio::test]
async fn usage_aggregates_match_plain_sql() {
    let (db, _) = support::demo_db(50).await;
    let logged = db
        .log_usage(&UsageInput {
            workflow_name: "prospect_research".into(),
            node_name: "synthesize_research".into(),
            model: "odd\u{1b}[31m-model".into(),
            prompt_tokens: 10,
            completion_tokens: 5,
            total_tokens: 15,
            latency_ms: 42,
            cost: 0.5,
        })
        .await
        .unwrap();
    assert_eq!(logged.workflow_name, "prospect_research");

    let since = support::anchor() - Duration::days(30);
    let range = UsageRange { since: Some(since), ..Default::default() };
    let totals = db.usage_totals(&range).await.unwrap();
    let (calls, cost, tokens): (i64, f64, i64) = sqlx::query_as(
        "SELECT count(*), sum(cost), sum(total_tokens)::int8 FROM llm_usage_logs WHERE created_at >= $1",
    )
    .bind(since)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(totals.calls, calls);
    assert_eq!(totals.total_tokens, tokens);
    assert!((totals.cost - cost).abs() < 1e-9);
    assert_eq!(totals.prompt_tokens + totals.completion_tokens, totals.total_tokens);

    for by in [UsageGroup::Model, UsageGroup::Workflow, UsageGroup::Node, UsageGroup::Day] {
        let buckets = db.usage_breakdown(&range, by).await.unwrap();
        assert_eq!(buckets.iter().map(|b| b.calls).sum::<i64>(), calls, "{by:?}");
        assert!((buckets.iter().map(|b| b.cost).sum::<f64>() - cost).abs() < 1e-6, "{by:?}");
        assert!(buckets.iter().all(|b| b.latency_p50_ms <= b.latency_p95_ms && b.latency_p95_ms <= b.latency_p99_ms));
    }
    let by_model = db.usage_breakdown(&range, UsageGroup::Model).await.unwrap();
    let odd = by_model.iter().find(|b| b.key.starts_with("odd")).unwrap();
    assert_eq!((odd.calls, odd.latency_p50_ms), (1, 42.0));
    let p95: f64 = sqlx::query_scalar(
        "SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FROM llm_usage_logs WHERE model = 'gpt-4o' AND created_at >= $1",
    )
    .bind(since)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let ours = by_model.iter().find(|b| b.key == "gpt-4o").unwrap().latency_p95_ms;
    assert!((ours - p95).abs() < 1e-9, "{ours} vs PostgreSQL's {p95}");
    for by in [UsageGroup::Workflow, UsageGroup::Node] {
        // Exact percentiles per group, against PostgreSQL's percentile_cont.
        let buckets = db.usage_breakdown(&range, by).await.unwrap();
        let expr = if by == UsageGroup::Workflow { "worfklow_name" } else { "worfklow_name || '/' || node_name" };
        let want: Vec<(String, f64, f64, f64)> = sqlx::query_as(&format!(
            "SELECT {expr}, percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms),
                    percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms),
                    percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms)
               FROM llm_usage_logs WHERE created_at >= $1 GROUP BY 1"
        ))
        .bind(since)
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(want.len(), buckets.len());
        for (k, p50, p95, p99) in want {
            let b = buckets.iter().find(|b| b.key == k).unwrap();
            assert!(
                (b.latency_p50_ms - p50).abs() < 1e-9
                    && (b.latency_p95_ms - p95).abs() < 1e-9
                    && (b.latency_p99_ms - p99).abs() < 1e-9,
                "{k}"
            );
        }
    }
    let empty = db
        .usage_totals(&UsageRange { since: Some(support::anchor() + Duration::days(3650)), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((empty.calls, empty.cost), (0, 0.0));
}
