//! Opening a database another tool created: used as it is, never altered.

use closer::db::prospects::{ProspectFilter, ProspectSort};
use closer::db::{Db, EnumKind, OpenOptions, Opened, SchemaMismatch};
use serde_json::json;
use sqlx::Executor;

use crate::support;

const LEGACY: &str = include_str!("../fixtures/legacy.sql");

/// Everything about a database's structure that Closer must not change.
async fn structure(url: &str) -> Vec<String> {
    let mut conn = support::connect(url).await;
    let cols: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable || ':' || ordinal_position
           FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let other: Vec<(String,)> = sqlx::query_as(
        "SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public'
         UNION ALL SELECT 'enum ' || t.typname || '=' || e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
         UNION ALL SELECT 'table ' || tablename FROM pg_tables WHERE schemaname = 'public'
         UNION ALL SELECT 'alembic ' || version_num FROM alembic_version
         UNION ALL SELECT 'ext ' || extname FROM pg_extension ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    cols.into_iter().chain(other).map(|r| r.0).collect()
}

async fn legacy_db(sql: &str) -> String {
    let url = support::empty_database().await;
    let mut conn = support::connect(&url).await;
    conn.execute(sql).await.expect("fixture loads");
    url
}

#[tokio::test]
async fn a_legacy_database_opens_as_it_is_and_reads() {
    let url = legacy_db(LEGACY).await;
    let before = structure(&url).await;
    let (db, opened) = Db::open(&url, &OpenOptions::default()).await.expect("opens");
    assert_eq!(opened, Opened::Existing { warnings: vec![] });
    assert_eq!(structure(&url).await, before, "nothing about the schema changed");

    // Enum labels come from the database, including one Closer never defined.
    assert_eq!(
        db.enums.labels(EnumKind::ProspectStatus),
        ["NEW", "RESEARCHED", "CONTACTED", "ENGAGED", "QUALIFIED", "INACTIVE", "CLOSED_WON"]
    );
    assert_eq!(db.enums.find(EnumKind::ProspectStatus, "closed won"), Some("CLOSED_WON"));

    let rows = db.list_prospects(&ProspectFilter::default(), ProspectSort::LastContacted, 0, 50).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].status, "CLOSED_WON");
    assert_eq!(rows[0].full_name, "Evil\u{1b}]0;pwned\u{7} Name", "stored text is read byte for byte");
    assert_eq!(rows[1].full_name, "محمد الأحمد");
    assert_eq!(rows[1].last_contacted_at, None, "never contacted sorts last");

    let filter = ProspectFilter { status: Some("CLOSED_WON".into()), ..Default::default() };
    assert_eq!(db.count_prospects(&filter).await.unwrap(), 1);

    let detail = db.prospect_detail(rows[0].id).await.unwrap().unwrap();
    assert_eq!(detail.company.name, "株式会社テスト");
    assert_eq!(detail.industry.name, "Cloud Computing");

    let timeline = db.timeline(rows[0].id, 0, 50).await.unwrap();
    assert_eq!(timeline.len(), 2);
    assert_eq!(timeline[0].subject, "Follow-up 🎉", "newest first");
    assert_eq!(timeline[1].content_chars, 300_000);
    assert!(timeline[1].content_preview.chars().count() <= 160, "the list carries only a preview");
    assert!(timeline[1].event_label.as_deref().unwrap().starts_with("webinar"));
    let full = db.interaction(timeline[1].id).await.unwrap().unwrap();
    assert_eq!(full.content.len(), 300_000);

    // Every JSONB shape reads; SQL NULL and JSON null stay distinct.
    let research = db.research_for_prospect(rows[0].id).await.unwrap();
    let shapes: Vec<_> = research.iter().map(|r| (r.key_insights.clone(), r.recommended_solutions.clone())).collect();
    assert_eq!(
        shapes,
        vec![
            (Some(json!(null)), None),
            (Some(json!({"k": {"nested": true}})), Some(json!("AWS S3"))),
            (Some(json!(["a", "b"])), Some(json!([{"solution": "AWS EC2"}]))),
        ]
    );
    let catalog = db.catalog(None).await.unwrap();
    let by_name = |n: &str| catalog.iter().find(|c| c.solution.name == n).unwrap().clone();
    assert_eq!(by_name("AWS EC2").solution.use_cases, Some(json!(["web_hosting", "ml"])));
    assert_eq!(by_name("AWS S3").solution.keywords, Some(json!("storage")));
    assert_eq!(by_name("Nothing").solution.use_cases, Some(json!(null)));
    assert_eq!(by_name("Nothing").industries, Vec::<String>::new());
    assert_eq!(by_name("AWS EC2").industries, vec!["Cloud Computing".to_string()]);

    let upcoming = db.events(true, 10).await.unwrap();
    assert_eq!(upcoming.len(), 1);
    assert_eq!(upcoming[0].target_industries, Some(json!("Cloud Computing")));
    let past = db.events(false, 10).await.unwrap();
    assert_eq!(past[0].solutions_featured, Some(json!({"x": [1, 2]})));
    assert_eq!(db.event_attendees(past[0].id, 10).await.unwrap()[0].prospect_id, rows[0].id);

    // Writes use the database's own labels.
    let p = db.set_prospect_status(rows[1].id, "CLOSED_WON").await.unwrap();
    assert_eq!(p.status, "CLOSED_WON");
    assert!(db.set_prospect_status(rows[1].id, "closed_won").await.is_err(), "labels are exact");
    assert_eq!(structure(&url).await, before, "writing rows changed no structure");
}

#[tokio::test]
async fn a_missing_column_is_named_and_nothing_changes() {
    let sql = LEGACY.replace("linkedin_url VARCHAR(255), location", "location");
    let sql = sql.replace("full_name, email, linkedin_url, location", "full_name, email, location");
    let sql = sql.replace("'evil@example.com', NULL, NULL", "'evil@example.com', NULL");
    let sql = sql.replace("'m@example.com', NULL, 'Dubai'", "'m@example.com', 'Dubai'");
    let url = legacy_db(&sql).await;
    let before = structure(&url).await;
    let err = Db::open(&url, &OpenOptions::default()).await.expect_err("refused");
    let mismatch = err.downcast_ref::<SchemaMismatch>().expect("a schema mismatch");
    assert_eq!(mismatch.0, vec!["column `prospects.linkedin_url` is missing (expected varchar(255))".to_string()]);
    assert!(err.to_string().contains("Closer changed nothing"));
    assert_eq!(structure(&url).await, before);
}

#[tokio::test]
async fn a_missing_table_and_a_retyped_column_are_named() {
    let sql = LEGACY
        .replace("CREATE TABLE llm_usage_logs", "CREATE TABLE llm_usage_logs_old")
        .replace("INSERT INTO llm_usage_logs", "INSERT INTO llm_usage_logs_old")
        .replace("is_active BOOLEAN NOT NULL", "is_active VARCHAR(5) NOT NULL")
        .replace("true, 'CLOSED_WON'", "'true', 'CLOSED_WON'")
        .replace("false, 'NEW'", "'false', 'NEW'");
    let url = legacy_db(&sql).await;
    let before = structure(&url).await;
    let err = Db::open(&url, &OpenOptions::default()).await.expect_err("refused");
    let mismatch = err.downcast_ref::<SchemaMismatch>().expect("a schema mismatch");
    assert_eq!(
        mismatch.0,
        vec![
            "column `prospects.is_active` is varchar(5), expected boolean".to_string(),
            "table `llm_usage_logs` is missing".to_string(),
        ]
    );
    assert_eq!(structure(&url).await, before);
}

#[tokio::test]
async fn reopening_is_idempotent() {
    let url = support::empty_database().await;
    let (db, opened) = Db::open(&url, &OpenOptions::default()).await.unwrap();
    assert_eq!(opened, Opened::Created);
    db.pool.close().await;
    let first = structure(&url).await;
    for _ in 0..2 {
        let (db, opened) = Db::open(&url, &OpenOptions::default()).await.unwrap();
        assert_eq!(opened, Opened::Existing { warnings: vec![] });
        db.pool.close().await;
        assert_eq!(structure(&url).await, first);
    }
    let mut conn = support::connect(&url).await;
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations").fetch_one(&mut conn).await.unwrap();
    assert_eq!(applied, 4);
    let alembic: i64 = sqlx::query_scalar("SELECT count(*) FROM alembic_version").fetch_one(&mut conn).await.unwrap();
    assert_eq!(alembic, 0, "alembic_version is created and left alone");
}
