//! Event matching (workflow event_matching) against a stand-in provider:
//! candidates for every JSONB shape of target_industries, the featured
//! solutions fallback, scores, the top-N / minimum-score rule, failed calls
//! skipped, the budget stop, no duplicate invitations, usage rows per node,
//! the estimate, the context query with and without indexes; `ui_cli`
//! drives `closer match` and the TUI.
//!
//! By topic: `candidates`, `selection`, `budget` (and the estimate), and
//! `ui_cli`; the helpers they share are here.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use closer::config::Config;
use closer::db::Db;
use closer::llm::client::Provider;
use closer::llm::matching::{self, MatchOptions, MatchReport};
use closer::llm::pipeline::Pipeline;
use closer::llm::prompts::Prompts;
use closer::llm::standin::{completion, good_answer, score_content, scoring_prospect, Reply};

use crate::support;

mod budget;
mod candidates;
mod selection;
mod ui_cli;

const KEY_VAR: &str = "CLOSER_IT_LLM_KEY";
const KEY: &str = "sk-closer-test-0123456789";

pub fn config(base_url: &str, tweak: impl FnOnce(&mut Config)) -> Config {
    std::env::set_var(KEY_VAR, KEY);
    let mut c = Config::defaults();
    c.llm.base_url = base_url.to_string();
    c.llm.api_key_env = KEY_VAR.into();
    c.llm.retry_base_ms = 5;
    c.llm.max_retries = 1;
    c.llm.request_timeout_secs = 5;
    c.llm.monthly_budget_usd = 0.0;
    tweak(&mut c);
    c
}

pub fn pipeline(db: &Db, c: &Config) -> Pipeline {
    Pipeline::new(db.clone(), Provider::from_config(&c.llm).unwrap(), &c.llm, Prompts::default())
}

fn options(top_n: usize, min_score: u8) -> MatchOptions {
    MatchOptions { top_n, min_score, include_inactive: false, dry_run: false }
}

/// A small world: four industries, three solutions (two linked), a company
/// per industry, prospects in each, and `logistics` more in Logistics.
pub struct World {
    pub db: Db,
    pub url: String,
    /// industry name → prospect ids that are active and not INACTIVE.
    pub by_industry: BTreeMap<&'static str, Vec<i32>>,
    pub not_active: i32,
    pub status_inactive: i32,
}

async fn exec(db: &Db, sql: &str) {
    sqlx::raw_sql(sql).execute(&db.pool).await.unwrap();
}

async fn id(db: &Db, sql: &str) -> i32 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

pub async fn world(logistics: usize) -> World {
    let (db, url) = support::fresh_db().await;
    let now = "(now() AT TIME ZONE 'UTC')";
    let mut by_industry = BTreeMap::new();
    let mut companies = BTreeMap::new();
    for name in ["Retail", "Healthcare", "Finance", "Energy", "Logistics"] {
        let i = id(
            &db,
            &format!(
                "INSERT INTO industries (name, created_at, updated_at) VALUES ('{name}', {now}, {now}) RETURNING id"
            ),
        )
        .await;
        let c = id(&db, &format!("INSERT INTO companies (name, industry_id, size, created_at, updated_at) VALUES ('{name} Co', {i}, '51-200', {now}, {now}) RETURNING id")).await;
        companies.insert(name, c);
    }
    for (sol, ind) in [("Cloud POS", Some("Retail")), ("Med Records", Some("Healthcare")), ("Orphan Tool", None)] {
        let s = id(&db, &format!("INSERT INTO solutions (name, category, description, pricing_model, created_at, updated_at) VALUES ('{sol}', 'cat', 'd', 'SUBSCRIPTION', {now}, {now}) RETURNING id")).await;
        if let Some(ind) = ind {
            exec(&db, &format!("INSERT INTO industry_solutions (industry_id, solution_id, created_at, updated_at) SELECT id, {s}, {now}, {now} FROM industries WHERE name = '{ind}'")).await;
        }
    }
    let prospect = |name: String, company: i32, active: bool, status: &str| {
        format!("INSERT INTO prospects (full_name, email, company_id, is_active, status, created_at, updated_at) VALUES ('{name}', 'x@example.com', {company}, {active}, '{status}', {now}, {now}) RETURNING id")
    };
    for (ind, n) in [("Retail", 3), ("Healthcare", 2), ("Finance", 2), ("Energy", 1), ("Logistics", logistics)] {
        let mut ids = Vec::new();
        for k in 0..n {
            ids.push(id(&db, &prospect(format!("{ind} Person {k}"), companies[ind], true, "NEW")).await);
        }
        by_industry.insert(ind, ids);
    }
    let not_active = id(&db, &prospect("Gone Retail".into(), companies["Retail"], false, "NEW")).await;
    let status_inactive = id(&db, &prospect("Dormant Retail".into(), companies["Retail"], true, "INACTIVE")).await;
    World { db, url, by_industry, not_active, status_inactive }
}

/// An event with these JSONB values (SQL text, e.g. `'["Retail"]'` or `NULL`).
pub async fn event(db: &Db, target_industries: &str, featured: &str) -> i32 {
    id(
        db,
        &format!(
            "INSERT INTO events (event_type, event_date, description, location, target_industries, target_roles,
                                 solutions_featured, status, created_at, updated_at)
             VALUES ('Roundtable', (now() AT TIME ZONE 'UTC') + interval '10 days', 'Executives discuss modern stores.',
                     'Berlin', {target_industries}, '[\"CTO\", \"Head of Operations\"]', {featured}, 'planned',
                     now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC') RETURNING id"
        ),
    )
    .await
}

fn set(groups: &[&Vec<i32>]) -> BTreeSet<i32> {
    groups.iter().flat_map(|g| g.iter().copied()).collect()
}

/// A stand-in that scores each prospect from `scores` (others 50), fails
/// every call for the ids in `fail`, and drafts everything else.
fn scripted(scores: BTreeMap<i64, i64>, fail: BTreeSet<i64>) -> closer::llm::standin::Script {
    Arc::new(move |req, _| match scoring_prospect(req) {
        Some(id) if fail.contains(&id) => Reply::status(500, r#"{"error":{"message":"upstream overloaded"}}"#),
        Some(id) => Reply::json(completion(
            &score_content(
                *scores.get(&id).unwrap_or(&50),
                &format!("Logistics lead #{id}: recent call about routing."),
            ),
            Some((900, 60, 0)),
        )),
        None => Reply::json(good_answer(req)),
    })
}

async fn run(db: &Db, c: &Config, event_id: i32, opts: MatchOptions) -> MatchReport {
    let plan = matching::plan(db, event_id, opts.include_inactive).await.unwrap();
    matching::run(&pipeline(db, c), &plan, opts, c.llm.concurrency, &|_| {}).await
}

async fn invitations(db: &Db, event_id: i32) -> Vec<(i32, String, String, String)> {
    sqlx::query_as(
        "SELECT prospect_id, draft_type, status, content FROM outreach_drafts WHERE event_id = $1 ORDER BY prospect_id",
    )
    .bind(event_id)
    .fetch_all(&db.pool)
    .await
    .unwrap()
}
