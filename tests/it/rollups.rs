//! Cost rollups against live SQL on a fixture with late changes: sums
//! exact, percentiles within 1% of PostgreSQL's percentile_cont, and a day
//! whose rows were updated, deleted or committed late is recomputed.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use closer::db::usage::{UsageGroup, UsageRange};
use closer::db::Db;

use crate::support;

/// 3,000 usage rows over 40 days: three models, two workflows of two nodes,
/// latencies spread log-uniformly from 5 ms to 100 s (so the histogram's
/// buckets are exercised), some below 64 ms (exact buckets).
async fn fixture() -> (Db, String) {
    let (db, url) = support::fresh_db().await;
    let mut conn = support::connect(&url).await;
    sqlx::query("SELECT setseed(0.42)").execute(&mut conn).await.unwrap();
    sqlx::query(
        "INSERT INTO llm_usage_logs (worfklow_name, node_name, model, prompt_tokens, completion_tokens, total_tokens,
                                     latency_ms, cost, created_at, updated_at)
         SELECT (ARRAY['prospect_research', 'outreach_draft'])[1 + i % 2],
                (ARRAY['gather', 'synthesize'])[1 + (i / 2) % 2],
                (ARRAY['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet'])[1 + i % 3],
                100 + i % 900, 10 + i % 300, 110 + i % 900 + i % 300,
                (5 * power(20000, random()))::int,
                (i % 97) * 0.000123,
                t, t
           FROM generate_series(1, 3000) i,
                LATERAL (SELECT timestamp '2026-06-15 00:00' - (i % 40) * interval '1 day'
                                 + (i * 37 % 1440) * interval '1 minute' AS t) x",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    (db, url)
}

fn day(s: &str) -> chrono::NaiveDateTime {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap().and_hms_opt(0, 0, 0).unwrap()
}

fn ranges() -> Vec<UsageRange> {
    vec![
        UsageRange::default(),
        UsageRange { since: Some(day("2026-05-17")), until: Some(day("2026-06-16")), ..Default::default() },
        UsageRange { since: Some(day("2026-06-01")), until: Some(day("2026-06-02")), ..Default::default() },
        UsageRange { model: Some("gpt-4o".into()), ..Default::default() },
        UsageRange { workflow: Some("outreach_draft".into()), since: Some(day("2026-06-10")), ..Default::default() },
    ]
}

/// The rollups' dashboard equals live SQL: counts and tokens exactly, cost
/// to rounding, percentiles within 1% of percentile_cont.
async fn assert_agree(db: &Db) {
    for range in ranges() {
        for by in [UsageGroup::Model, UsageGroup::Workflow, UsageGroup::Node, UsageGroup::Day] {
            let rolled = db.usage_from_rollups(&range, by).await.unwrap().expect("the rollups answer");
            let live = db.usage_breakdown(&range, by).await.unwrap();
            assert_eq!(rolled.breakdown.len(), live.len(), "{range:?} by {by:?}");
            for l in &live {
                let r = rolled.breakdown.iter().find(|r| r.key == l.key).unwrap_or_else(|| panic!("{} missing", l.key));
                let what = format!("{range:?} by {by:?}, {}", l.key);
                assert_eq!(
                    (r.calls, r.prompt_tokens, r.completion_tokens, r.total_tokens),
                    (l.calls, l.prompt_tokens, l.completion_tokens, l.total_tokens),
                    "{what}"
                );
                assert!((r.cost - l.cost).abs() <= 1e-9 * l.cost.abs().max(1.0), "{what}: {} vs {}", r.cost, l.cost);
                for (ours, exact) in [
                    (r.latency_p50_ms, l.latency_p50_ms),
                    (r.latency_p95_ms, l.latency_p95_ms),
                    (r.latency_p99_ms, l.latency_p99_ms),
                ] {
                    assert!((ours - exact).abs() <= 0.01 * exact.abs(), "{what}: percentile {ours} vs exact {exact}");
                }
            }
            let daily = db.usage_daily_cost(&range).await.unwrap();
            assert_eq!(rolled.daily.len(), daily.len(), "{range:?}");
            for ((d1, c1), (d2, c2)) in rolled.daily.iter().zip(&daily) {
                assert_eq!(d1, d2);
                assert!((c1 - c2).abs() < 1e-9, "{d1}: {c1} vs {c2}");
            }
        }
    }
}

/// The rollups' percentiles against PostgreSQL's own percentile_cont.
async fn assert_percentiles(db: &Db) {
    let want: Vec<(String, f64, f64, f64)> = sqlx::query_as(
        "SELECT model::text, percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms),
                percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms),
                percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms)
           FROM llm_usage_logs GROUP BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let rolled = db.usage_from_rollups(&UsageRange::default(), UsageGroup::Model).await.unwrap().unwrap();
    assert_eq!(rolled.breakdown.len(), want.len());
    for (model, p50, p95, p99) in want {
        let r = rolled.breakdown.iter().find(|r| r.key == model).unwrap();
        for (ours, exact) in [(r.latency_p50_ms, p50), (r.latency_p95_ms, p95), (r.latency_p99_ms, p99)] {
            assert!((ours - exact).abs() <= 0.01 * exact, "{model}: {ours} vs percentile_cont {exact}");
        }
    }
}

/// Refreshes until a refresh recomputes something (PostgreSQL publishes a
/// writer's statistics when it goes idle, at most ~10 s later).
async fn refresh_until_recomputed(db: &Db) -> Vec<NaiveDate> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = db.refresh_rollups(false).await.unwrap();
        if !r.recomputed_days.is_empty() || Instant::now() > deadline {
            return r.recomputed_days;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn rollups_agree_with_live_sql_and_recompute_days_changed_after_rolling_up() {
    let (db, url) = fixture().await;
    let first = db.refresh_rollups(false).await.unwrap();
    assert_eq!(first.rolled_rows, 3000);
    assert_agree(&db).await;
    assert_percentiles(&db).await;
    // Nothing new: nothing to do.
    let again = db.refresh_rollups(false).await.unwrap();
    assert_eq!((again.rolled_rows, again.recomputed_days.len()), (0, 0));

    // Rows changed after rolling up: a latency and cost, a row moved to
    // another day, a row deleted (by another program, on its own connection).
    let mut other = support::connect(&url).await;
    let ids: Vec<i32> =
        sqlx::query_scalar("SELECT id FROM llm_usage_logs WHERE created_at >= '2026-06-10' ORDER BY id LIMIT 3")
            .fetch_all(&mut other)
            .await
            .unwrap();
    let days: Vec<NaiveDate> = sqlx::query_scalar(
        "SELECT DISTINCT d FROM (SELECT created_at::date AS d FROM llm_usage_logs WHERE id = ANY($1)
                                  UNION SELECT date '2026-05-20') x",
    )
    .bind(&ids)
    .fetch_all(&mut other)
    .await
    .unwrap();
    sqlx::query("UPDATE llm_usage_logs SET latency_ms = 250000, cost = 9.5 WHERE id = $1")
        .bind(ids[0])
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query("UPDATE llm_usage_logs SET created_at = '2026-05-20 12:00' WHERE id = $1")
        .bind(ids[1])
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query("DELETE FROM llm_usage_logs WHERE id = $1").bind(ids[2]).execute(&mut other).await.unwrap();
    let recomputed = refresh_until_recomputed(&db).await;
    for d in &days {
        assert!(recomputed.contains(d), "{d} was changed and must be recomputed (did: {recomputed:?})");
    }
    assert!(recomputed.len() <= 4, "only the changed days: {recomputed:?}");
    assert_agree(&db).await;
    assert_percentiles(&db).await;

    // A row committed late: its id is below a row the rollups already have.
    let mut late = support::connect(&url).await;
    sqlx::query("BEGIN").execute(&mut late).await.unwrap();
    sqlx::query(
        "INSERT INTO llm_usage_logs (worfklow_name, node_name, model, prompt_tokens, completion_tokens, total_tokens,
                                     latency_ms, cost, created_at, updated_at)
         VALUES ('prospect_research', 'gather', 'gpt-4o', 1, 1, 2, 777777, 3.25, '2026-05-25 08:00', '2026-05-25 08:00')",
    )
    .execute(&mut late)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO llm_usage_logs (worfklow_name, node_name, model, prompt_tokens, completion_tokens, total_tokens,
                                     latency_ms, cost, created_at, updated_at)
         VALUES ('outreach_draft', 'gather', 'gpt-4o-mini', 1, 1, 2, 50, 0.5, '2026-06-14 08:00', '2026-06-14 08:00')",
    )
    .execute(&mut other)
    .await
    .unwrap();
    let r = db.refresh_rollups(false).await.unwrap();
    assert_eq!(r.rolled_rows, 1, "the committed row");
    sqlx::query("COMMIT").execute(&mut late).await.unwrap();
    // Once every transaction that was writing then has finished (other
    // tests' ones too: transaction ids are per cluster), its day is redone.
    let late_day = NaiveDate::from_ymd_opt(2026, 5, 25).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut redone = Vec::new();
    while !redone.contains(&late_day) && Instant::now() < deadline {
        redone.extend(db.refresh_rollups(false).await.unwrap().recomputed_days);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(redone.contains(&late_day), "the late row's day is recomputed: {redone:?}");
    assert_agree(&db).await;
}

#[tokio::test]
async fn two_closers_refreshing_at_once_count_every_row_once() {
    let (db, url) = fixture().await;
    let (a, _) = Db::open(&url, &Default::default()).await.unwrap();
    let (r1, r2) = tokio::join!(db.refresh_rollups(false), a.refresh_rollups(false));
    assert_eq!(r1.unwrap().rolled_rows + r2.unwrap().rolled_rows, 3000);
    assert_agree(&db).await;
}
