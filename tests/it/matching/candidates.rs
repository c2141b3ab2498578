//! Who is a candidate: every JSONB shape of target_industries, the featured
//! solutions fallback, an event with nothing to match on, and the context
//! query reading the same with and without indexes.

use std::collections::BTreeSet;

use closer::db::matching::{IndustrySource, NoTargets};
use closer::llm::matching::{self, MatchError, MatchPlan};
use serde_json::json;

use super::{event, exec, id, set, world};

fn ids(plan: &MatchPlan) -> BTreeSet<i32> {
    plan.candidates.iter().map(|c| c.id).collect()
}

#[tokio::test]
async fn candidates_for_every_shape_of_target_industries() {
    let w = world(0).await;
    let db = &w.db;
    let g = &w.by_industry;
    let cases: Vec<(&str, &str, BTreeSet<i32>, IndustrySource)> = vec![
        // A list of names, compared case-insensitively and trimmed.
        (
            r#"'["retail", " HEALTHCARE "]'"#,
            "NULL",
            set(&[&g["Retail"], &g["Healthcare"]]),
            IndustrySource::TargetIndustries,
        ),
        // A list of objects, by their naming key.
        (
            r#"'[{"name": "Finance"}, {"industry": "energy", "priority": "high"}]'"#,
            "NULL",
            set(&[&g["Finance"], &g["Energy"]]),
            IndustrySource::TargetIndustries,
        ),
        // A bare string; one naming several, split at commas.
        (r#"'"Healthcare"'"#, "NULL", set(&[&g["Healthcare"]]), IndustrySource::TargetIndustries),
        (r#"'"Retail, finance"'"#, "NULL", set(&[&g["Retail"], &g["Finance"]]), IndustrySource::TargetIndustries),
        // An object without a naming key: its string values.
        (r#"'{"primary": "Energy"}'"#, "NULL", set(&[&g["Energy"]]), IndustrySource::TargetIndustries),
        // JSON null, SQL NULL and an empty list fall back to the featured solutions' industries, in any shape.
        ("'null'", r#"'["cloud pos"]'"#, set(&[&g["Retail"]]), IndustrySource::FeaturedSolutions),
        ("NULL", r#"'[{"solution": "Med Records"}]'"#, set(&[&g["Healthcare"]]), IndustrySource::FeaturedSolutions),
        ("'[]'", r#"'{"headline": "Cloud POS"}'"#, set(&[&g["Retail"]]), IndustrySource::FeaturedSolutions),
    ];
    for (targets, featured, want, source) in cases {
        let e = event(db, targets, featured).await;
        let plan = matching::plan(db, e, false).await.unwrap_or_else(|err| panic!("{targets}: {err}"));
        assert_eq!(ids(&plan), want, "target_industries = {targets}, featured = {featured}");
        assert_eq!(plan.targets.source, source, "{targets}");
        assert!(!ids(&plan).contains(&w.not_active) && !ids(&plan).contains(&w.status_inactive));
    }
    // By id as well as by name; names that match nothing are reported.
    let retail_id: i32 = id(db, "SELECT id FROM industries WHERE name = 'Retail'").await;
    let e = event(db, &format!("'[{retail_id}, \"Atlantis\"]'"), "NULL").await;
    let plan = matching::plan(db, e, false).await.unwrap();
    assert_eq!(ids(&plan), set(&[&g["Retail"]]));
    assert_eq!(plan.targets.unmatched, vec!["atlantis".to_string()]);
    // INACTIVE prospects only when asked; is_active = false never.
    let plan = matching::plan(db, e, true).await.unwrap();
    assert!(ids(&plan).contains(&w.status_inactive) && !ids(&plan).contains(&w.not_active));
    // The candidate carries its context.
    let c = plan.candidates.iter().find(|c| c.id == g["Retail"][0]).unwrap();
    assert_eq!((c.company.as_str(), c.industry.as_str(), c.status.as_str()), ("Retail Co", "Retail", "NEW"));
}

#[tokio::test]
async fn an_event_with_nothing_to_match_on_says_so_and_stops() {
    let w = world(0).await;
    let db = &w.db;
    for (targets, featured) in [("NULL", "NULL"), ("'null'", "'null'"), ("'[]'", "'[]'"), ("NULL", "'\"\"'")] {
        let e = event(db, targets, featured).await;
        let err = matching::plan(db, e, false).await.unwrap_err();
        assert_eq!(err, MatchError::NoTargets { event_id: e, why: NoTargets::Neither }, "{targets} / {featured}");
        assert!(err.to_string().contains("neither target industries nor featured solutions"), "{err}");
    }
    let e = event(db, r#"'["Atlantis"]'"#, r#"'["Cloud POS"]'"#).await;
    let err = matching::plan(db, e, false).await.unwrap_err();
    assert!(err.to_string().contains("none of the event's target industries (atlantis)"), "{err}");
    let e = event(db, "NULL", r#"'["Orphan Tool"]'"#).await;
    let err = matching::plan(db, e, false).await.unwrap_err();
    assert!(matches!(&err, MatchError::NoTargets { why: NoTargets::UnlinkedSolutions(_), .. }), "{err}");
    assert_eq!(matching::plan(db, 999_999, false).await.unwrap_err(), MatchError::EventNotFound(999_999));
}

/// The context query reads the same with Closer's indexes and without any
/// (a database made by the original tool): three newest interactions, the
/// latest research.
#[tokio::test]
async fn candidate_context_is_the_same_with_and_without_indexes() {
    let w = world(4).await;
    let lg = w.by_industry["Logistics"].clone();
    for p in &lg {
        for d in 1..=5 {
            exec(&w.db, &format!(
                "INSERT INTO interactions (prospect_id, interaction_type, interaction_date, subject, content, created_at, updated_at)
                 VALUES ({p}, 'CALL', '2026-01-0{d}', 'call {d}', 'c', now(), now())"
            )).await;
        }
        for (day, conf) in [("2026-02-01", 0.3), ("2026-03-01", 0.9)] {
            exec(
                &w.db,
                &format!(
                "INSERT INTO prospect_research (prospect_id, research_summary, confidence_score, created_at, updated_at)
                 VALUES ({p}, 'research of {day}', {conf}, '{day}', '{day}')"
            ),
            )
            .await;
        }
    }
    let e = event(&w.db, r#"'["Logistics"]'"#, "NULL").await;
    let with = matching::plan(&w.db, e, false).await.unwrap().candidates;
    exec(&w.db, "DROP INDEX ix_interactions_prospect_date; DROP INDEX ix_prospect_research_prospect").await;
    let without = matching::plan(&w.db, e, false).await.unwrap().candidates;
    assert_eq!(with, without);
    assert_eq!(with.len(), 4);
    for c in &with {
        let subjects: Vec<&str> =
            c.interactions.as_array().unwrap().iter().map(|i| i["subject"].as_str().unwrap()).collect();
        assert_eq!(subjects, vec!["call 5", "call 4", "call 3"]);
        assert_eq!(c.interactions[0]["type"], json!("CALL"));
        assert_eq!((c.research_summary.as_deref(), c.confidence_score), (Some("research of 2026-03-01"), Some(0.9)));
    }
}
