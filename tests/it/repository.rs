//! Repository functions against real PostgreSQL, checked against
//! independent SQL over the same rows.
//!
//! By topic: demo data (here), `prospects`, `records` (drafts, research,
//! solutions, events), `usage`.

use closer::db::EnumKind;

use crate::support;

mod prospects;
mod records;
mod usage;

#[tokio::test]
async fn demo_data_is_deterministic_and_complete() {
    let (a, _) = support::demo_db(120).await;
    let (b, _) = support::demo_db(120).await;
    let digest = |db: closer::db::Db| async move {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM (
               SELECT full_name || email || status || coalesce(last_contacted_at::text, '') AS t FROM prospects
               UNION ALL SELECT subject || content || interaction_type FROM interactions
               UNION ALL SELECT model || cost::text || created_at::text FROM llm_usage_logs) x",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        rows[0].0.clone()
    };
    assert_eq!(digest(a.clone()).await, digest(b).await, "same seed and anchor, same data");

    let n = a.counts().await.unwrap();
    assert_eq!(n.prospects, 120);
    assert_eq!(n.usage_logs, 1200);
    assert!((900..=1500).contains(&n.interactions), "about ten interactions per prospect: {}", n.interactions);

    // Every enum label and every draft status appears; names span several scripts.
    let itypes: i64 = sqlx::query_scalar("SELECT count(DISTINCT interaction_type) FROM interactions")
        .fetch_one(&a.pool)
        .await
        .unwrap();
    assert_eq!(itypes as usize, a.enums.labels(EnumKind::InteractionTypes).len());
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT status FROM outreach_drafts ORDER BY 1").fetch_all(&a.pool).await.unwrap();
    assert_eq!(statuses, ["CREATED", "RESPONDED", "approved", "archived", "draft", "sent"]);
    let scripts: i64 = sqlx::query_scalar(
        r"SELECT count(*) FROM prospects WHERE full_name ~ '[\u0400-\u04FF]' OR full_name ~ '[\u4E00-\u9FFF]' OR full_name ~ '[\u0600-\u06FF]'",
    )
    .fetch_one(&a.pool)
    .await
    .unwrap();
    assert!(scripts > 0);
    let shapes: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT coalesce(jsonb_typeof(key_insights), 'sql null') FROM prospect_research ORDER BY 1",
    )
    .fetch_all(&a.pool)
    .await
    .unwrap();
    assert_eq!(shapes, ["array", "null", "object", "sql null", "string"]);
    let models: i64 =
        sqlx::query_scalar("SELECT count(DISTINCT model) FROM llm_usage_logs").fetch_one(&a.pool).await.unwrap();
    assert!(models >= 5);
    // last_contacted_at agrees with the newest interaction's date (to the day).
    let disagree: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM prospects p WHERE p.last_contacted_at::date IS DISTINCT FROM
           (SELECT max(interaction_date)::date FROM interactions x WHERE x.prospect_id = p.id)",
    )
    .fetch_one(&a.pool)
    .await
    .unwrap();
    assert_eq!(disagree, 0);
}
