//! Drafts (a concurrent change detected), research, solutions and events.

use chrono::Duration;
use closer::db::demo;
use closer::db::drafts::{DraftInput, SaveOutcome};
use closer::db::research::ResearchInput;
use serde_json::json;

use crate::support;

#[tokio::test]
async fn drafts_detect_a_concurrent_change() {
    let (db, url) = support::demo_db(10).await;
    let pid: i32 = sqlx::query_scalar("SELECT min(id) FROM prospects").fetch_one(&db.pool).await.unwrap();
    let input = DraftInput {
        prospect_id: pid,
        event_id: None,
        draft_type: "offer_email".into(),
        content: "Hi {first_name} — 你好 👋".into(),
        status: "draft".into(),
    };
    let d = db.create_draft(&input).await.unwrap();
    // A second connection (another person) opens and saves first.
    let (other, _) = closer::db::Db::open(&url, &Default::default()).await.unwrap();
    let theirs = DraftInput { content: "their text".into(), ..input.clone() };
    let SaveOutcome::Saved(saved) = other.save_draft(d.id, &theirs, d.updated_at).await.unwrap() else { panic!() };
    assert!(saved.updated_at > d.updated_at);
    // Our save, based on the old version, is refused and shows theirs.
    let mine = DraftInput { content: "my text".into(), ..input.clone() };
    match db.save_draft(d.id, &mine, d.updated_at).await.unwrap() {
        SaveOutcome::Conflict(current) => assert_eq!(current.content, "their text"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Saving against the version we now know succeeds.
    let SaveOutcome::Saved(s2) = db.save_draft(d.id, &mine, saved.updated_at).await.unwrap() else { panic!() };
    assert_eq!(db.draft(d.id).await.unwrap().unwrap().content, "my text");
    assert!(db.delete_draft(d.id).await.unwrap());
    assert_eq!(db.save_draft(d.id, &mine, s2.updated_at).await.unwrap(), SaveOutcome::Gone);
    assert!(db.drafts_for_prospect(pid).await.unwrap().iter().all(|x| x.id != d.id));
}

#[tokio::test]
async fn research_solutions_and_events() {
    let (db, _) = support::demo_db(40).await;
    let pid: i32 = sqlx::query_scalar("SELECT min(id) FROM prospects").fetch_one(&db.pool).await.unwrap();
    let r = db
        .create_research(&ResearchInput {
            prospect_id: pid,
            research_summary: "Summary".into(),
            key_insights: Some(json!(["x"])),
            recommended_solutions: Some(json!([{"id": 1, "name": "Elastic Compute", "reason": "fit"}])),
            confidence_score: Some(0.7),
        })
        .await
        .unwrap();
    assert_eq!(db.research_for_prospect(pid).await.unwrap()[0].id, r.id, "newest first");

    let industry: i32 = sqlx::query_scalar("SELECT min(id) FROM industries").fetch_one(&db.pool).await.unwrap();
    let sols = db.solutions_for_industry(industry).await.unwrap();
    let want: Vec<i32> = sqlx::query_scalar(
        "SELECT s.id FROM solutions s JOIN industry_solutions l ON l.solution_id = s.id WHERE l.industry_id = $1 ORDER BY s.name, s.id",
    )
    .bind(industry)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(sols.iter().map(|s| s.id).collect::<Vec<_>>(), want);
    assert!(!want.is_empty());
    let filtered = db.catalog(Some(industry)).await.unwrap();
    assert_eq!(filtered.len(), want.len());
    assert_eq!(db.catalog(None).await.unwrap().len(), 24);

    // Events relative to now: load a second dataset anchored today.
    demo::load(&db, &demo::DemoOptions { prospects: 5, seed: 1, anchor: demo::today_anchor() }).await.unwrap();
    let now = chrono::Utc::now().naive_utc();
    let up = db.events(true, 500).await.unwrap();
    let past = db.events(false, 500).await.unwrap();
    assert!(!up.is_empty() && !past.is_empty());
    assert!(up.iter().all(|e| e.event_date >= now - Duration::seconds(5)));
    assert!(up.windows(2).all(|w| w[0].event_date <= w[1].event_date), "upcoming soonest first");
    assert!(past.windows(2).all(|w| w[0].event_date >= w[1].event_date), "past latest first");
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&db.pool).await.unwrap();
    assert_eq!((up.len() + past.len()) as i64, total);
    let ev = past.iter().find(|e| !e.event_type.is_empty()).unwrap();
    let attendees = db.event_attendees(ev.id, 1000).await.unwrap();
    let want: i64 = sqlx::query_scalar("SELECT count(DISTINCT prospect_id) FROM interactions WHERE event_id = $1")
        .bind(ev.id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(attendees.len() as i64, want);
}
