//! Repository functions against real PostgreSQL, checked against
//! independent SQL over the same rows.

use chrono::Duration;
use closer::db::companies::CompanyInput;
use closer::db::drafts::{DraftInput, SaveOutcome};
use closer::db::interactions::InteractionInput;
use closer::db::prospects::{ProspectFilter, ProspectInput, ProspectSort};
use closer::db::research::ResearchInput;
use closer::db::usage::{UsageGroup, UsageInput, UsageRange};
use closer::db::{demo, EnumKind};
use serde_json::json;

use crate::support;

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

#[tokio::test]
async fn prospect_lists_page_filter_sort_and_search() {
    let (db, _) = support::demo_db(300).await;
    let all = ProspectFilter::default();
    let total = db.count_prospects(&all).await.unwrap();
    assert_eq!(total, 300);

    // Paging visits every prospect exactly once, in the sort order.
    for sort in ProspectSort::ALL {
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = db.list_prospects(&all, sort, offset, 64).await.unwrap();
            if page.is_empty() {
                break;
            }
            offset += page.len() as i64;
            seen.extend(page);
        }
        assert_eq!(seen.len(), 300, "{sort:?}");
        let mut ids: Vec<i32> = seen.iter().map(|p| p.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 300, "{sort:?}: no duplicates");
        let expected: Vec<i32> = sqlx::query_scalar(match sort {
            ProspectSort::LastContacted => "SELECT id FROM prospects ORDER BY last_contacted_at DESC NULLS LAST, id",
            ProspectSort::LeastRecent => "SELECT id FROM prospects ORDER BY last_contacted_at ASC NULLS FIRST, id DESC",
            ProspectSort::Name => "SELECT id FROM prospects ORDER BY full_name, id",
            ProspectSort::Status => "SELECT id FROM prospects ORDER BY status, last_contacted_at DESC NULLS LAST, id",
            ProspectSort::Company => {
                "SELECT p.id FROM prospects p JOIN companies c ON c.id = p.company_id ORDER BY c.name, p.id"
            }
        })
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(seen.iter().map(|p| p.id).collect::<Vec<_>>(), expected, "{sort:?}");
        // Pages read from the end are the same pages.
        for offset in [0, 64, 150, 200, 256, 290] {
            let from_end = db.list_prospects_in(&all, sort, offset, 64, 300).await.unwrap();
            let ids: Vec<i32> = from_end.iter().map(|p| p.id).collect();
            let end = (offset as usize + 64).min(300);
            assert_eq!(ids, expected[offset as usize..end], "{sort:?} offset {offset}");
        }
    }

    // Filters agree with plain SQL.
    let status = db.enums.labels(EnumKind::ProspectStatus)[2].clone();
    let industry: i32 =
        sqlx::query_scalar("SELECT industry_id FROM companies ORDER BY id LIMIT 1").fetch_one(&db.pool).await.unwrap();
    let f = ProspectFilter {
        status: Some(status.clone()),
        active: Some(true),
        industry_id: Some(industry),
        ..Default::default()
    };
    let want: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM prospects p JOIN companies c ON c.id = p.company_id
          WHERE p.status::text = $1 AND p.is_active AND c.industry_id = $2",
    )
    .bind(&status)
    .bind(industry)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(db.count_prospects(&f).await.unwrap(), want);
    let rows = db.list_prospects(&f, ProspectSort::Name, 0, 500).await.unwrap();
    assert_eq!(rows.len() as i64, want);
    assert!(rows.iter().all(|r| r.status == status && r.is_active));

    // Search: case-insensitive substring of name, email or company; wildcards are literal.
    for term in ["ALICE", "wang", "acme", "王", "li.na1", "%", "_"] {
        let want: Vec<i32> = sqlx::query_scalar(
            "SELECT p.id FROM prospects p JOIN companies c ON c.id = p.company_id
              WHERE strpos(lower(p.full_name), lower($1)) > 0 OR strpos(lower(p.email), lower($1)) > 0
                 OR strpos(lower(c.name), lower($1)) > 0
              ORDER BY p.last_contacted_at DESC NULLS LAST, p.id",
        )
        .bind(term)
        .fetch_all(&db.pool)
        .await
        .unwrap();
        let f = ProspectFilter { search: term.into(), ..Default::default() };
        assert_eq!(db.count_prospects(&f).await.unwrap(), want.len() as i64, "count for {term:?}");
        for limit in [5, 1000] {
            let got: Vec<i32> = db
                .list_prospects(&f, ProspectSort::LastContacted, 0, limit)
                .await
                .unwrap()
                .iter()
                .map(|p| p.id)
                .collect();
            let n = want.len().min(limit as usize);
            assert_eq!(got, want[..n], "search {term:?} limit {limit}");
        }
    }
}

#[tokio::test]
async fn prospect_and_company_writes() {
    let (db, _) = support::demo_db(20).await;
    let industry = db.create_industry("Space").await.unwrap();
    let bad = CompanyInput { name: " ".into(), industry_id: industry.id, size: "10".into(), website: None };
    assert!(db.create_company(&bad).await.unwrap_err().to_string().starts_with("name:"));
    let company = db
        .create_company(&CompanyInput {
            name: "Orbital".into(),
            industry_id: industry.id,
            size: "11-50".into(),
            website: None,
        })
        .await
        .unwrap();
    assert_eq!(company.created_at, company.updated_at);
    let status = db.enums.labels(EnumKind::ProspectStatus)[0].clone();
    let mut input = ProspectInput {
        full_name: "Ада Лавлейс".into(),
        email: "no-at-sign".into(),
        company_id: company.id,
        is_active: true,
        status: status.clone(),
        ..Default::default()
    };
    let err = db.create_prospect(&input).await.unwrap_err().to_string();
    assert!(err.starts_with("email:"), "{err}");
    input.email = "ada@example.com".into();
    let p = db.create_prospect(&input).await.unwrap();
    assert_eq!(p.full_name, "Ада Лавлейс");
    assert_eq!(p.status, status);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let q = db.set_prospect_active(p.id, false).await.unwrap();
    assert!(!q.is_active);
    assert!(q.updated_at > p.updated_at, "every write sets updated_at");
    assert_eq!(q.created_at, p.created_at);
    assert!(db.set_prospect_status(p.id, "NO_SUCH_LABEL").await.is_err());

    let detail = db.prospect_detail(p.id).await.unwrap().unwrap();
    assert_eq!(detail.company.name, "Orbital");
    assert_eq!(detail.industry.name, "Space");
    let renamed = db
        .update_company(
            company.id,
            &CompanyInput {
                name: "Orbital Ltd".into(),
                ..CompanyInput {
                    name: String::new(),
                    industry_id: industry.id,
                    size: "51-200".into(),
                    website: Some("https://orbital.example".into()),
                }
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.size, "51-200");
    assert!(renamed.updated_at >= company.updated_at);

    // Logging an interaction moves last_contacted_at forward, in one transaction.
    // PostgreSQL keeps microseconds.
    let micros = chrono::Utc::now().timestamp_micros() - 3_600_000_000;
    let when = chrono::DateTime::from_timestamp_micros(micros).unwrap().naive_utc();
    let itype = db.enums.labels(EnumKind::InteractionTypes)[1].clone();
    let x = db
        .create_interaction(&InteractionInput {
            prospect_id: p.id,
            event_id: None,
            interaction_type: itype.clone(),
            interaction_date: when,
            subject: "Kick-off".into(),
            content: "Notes\nwith lines".into(),
            sentiment: Some("positive".into()),
            outcome: None,
        })
        .await
        .unwrap();
    assert_eq!(x.interaction_type, itype);
    let p2 = db.prospect(p.id).await.unwrap().unwrap();
    assert_eq!(p2.last_contacted_at, Some(when));
    let timeline = db.timeline(p.id, 0, 10).await.unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(db.count_interactions(p.id).await.unwrap(), 1);

    assert!(db.delete_prospect(p.id).await.unwrap());
    assert!(db.prospect(p.id).await.unwrap().is_none());
    assert!(db.interaction(x.id).await.unwrap().is_none());
}

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
