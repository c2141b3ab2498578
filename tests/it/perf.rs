//! `closer db doctor` and `closer db optimize` on a database Closer did not
//! create: optimize adds only closer_ indexes and the closer schema, undo
//! removes exactly that (pg_dump before and after), and the original tool's
//! own writes and migrations keep working meanwhile.

use closer::db::{Db, OpenOptions};
use sqlx::Executor;

use crate::support;

const LEGACY: &str = include_str!("../fixtures/legacy.sql");

/// A database as the original tool leaves it (primary keys only), with
/// demo rows on top so the indexes and rollups have something to cover.
async fn legacy_with_rows() -> (Db, String) {
    let url = support::empty_database().await;
    support::connect(&url).await.execute(LEGACY).await.expect("fixture loads");
    let (db, _) = Db::open(&url, &OpenOptions::default()).await.expect("opens");
    closer::db::demo::load(&db, &closer::db::demo::DemoOptions { prospects: 40, seed: 3, anchor: support::anchor() })
        .await
        .expect("demo rows");
    (db, url)
}

/// pg_dump beside the server binaries Closer uses, else the newest in
/// /usr/lib/postgresql, else the one on PATH.
fn pg_dump_binary() -> std::path::PathBuf {
    let beside = closer::db::cluster::find_binaries().ok().map(|d| d.join("pg_dump"));
    if let Some(p) = beside.filter(|p| p.is_file()) {
        return p;
    }
    let mut system: Vec<std::path::PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin/pg_dump"))
        .filter(|p| p.is_file())
        .collect();
    system.sort_by_key(|p| p.to_string_lossy().split('/').nth(4).and_then(|v| v.parse::<u32>().ok()));
    system.pop().unwrap_or_else(|| "pg_dump".into())
}

/// `pg_dump` of the database, with extra arguments.
fn pg_dump(url: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(pg_dump_binary())
        .args(["--no-owner", "--no-privileges", "-d", url])
        .args(args)
        .output()
        .expect("run pg_dump");
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    // pg_dump 15.14+ fences its output with a random \restrict key.
    String::from_utf8(out.stdout)
        .expect("utf-8 dump")
        .lines()
        .filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Equal dumps, or the first lines that differ.
fn assert_same(after: &str, before: &str, what: &str) {
    if after == before {
        return;
    }
    let diff: Vec<String> = after
        .lines()
        .zip(before.lines())
        .filter(|(a, b)| a != b)
        .take(5)
        .map(|(a, b)| format!("now: {a}\nwas: {b}"))
        .collect();
    panic!("{what} ({} lines now, {} before):\n{}", after.lines().count(), before.lines().count(), diff.join("\n"));
}

const TABLES: &[&str] = &["--schema=public", "--section=pre-data", "--section=data"];

async fn extensions(url: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT extname::text || ' ' || extnamespace::regnamespace::text FROM pg_extension ORDER BY 1")
        .fetch_all(&mut support::connect(url).await)
        .await
        .unwrap()
}

#[tokio::test]
async fn optimize_and_undo_leave_the_seed_tables_byte_for_byte_unchanged() {
    let (db, url) = legacy_with_rows().await;
    let whole_before = pg_dump(&url, &[]);
    let tables_before = pg_dump(&url, TABLES);
    let post_before = pg_dump(&url, &["--schema=public", "--section=post-data"]);
    let extensions_before = extensions(&url).await;

    let plan = db.optimize_plan().await.unwrap();
    assert!(plan.create_schema, "a shared database has no rollups until optimize");
    assert_eq!(plan.indexes.len(), closer::db::indexes::WANTED.len() - plan.skipped.len());
    let out = db.optimize_apply(&plan, &mut |_| {}).await.unwrap();
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    let report = db.index_report().await.unwrap();
    assert!(report.missing.is_empty(), "still missing: {:?}", report.missing);
    assert!(report.present.iter().all(|(_, by)| by.starts_with("closer_")), "{:?}", report.present);
    assert!(db.has_rollups().await.unwrap());
    assert!(db.optimize_plan().await.unwrap().is_empty(), "a second run has nothing to do");

    // Tables, types, constraints and every row: the same bytes.
    assert_same(&pg_dump(&url, TABLES), &tables_before, "optimize changed a seed table");
    // After the data, only closer_ indexes were added.
    let post_after = pg_dump(&url, &["--schema=public", "--section=post-data"]);
    let added: Vec<&str> = post_after.lines().filter(|l| !post_before.lines().any(|b| b == *l)).collect();
    let removed: Vec<&str> = post_before.lines().filter(|l| !post_after.lines().any(|a| a == *l)).collect();
    assert!(removed.is_empty(), "optimize removed: {removed:?}");
    for line in &added {
        assert!(
            line.is_empty() || line.starts_with("--") || line.starts_with("CREATE INDEX closer_"),
            "optimize added something other than a closer_ index: {line}"
        );
    }
    assert_eq!(added.iter().filter(|l| l.starts_with("CREATE INDEX closer_")).count(), plan.indexes.len());

    let undone = db.optimize_undo(&mut |_| {}).await.unwrap();
    assert!(undone.failed.is_empty(), "{:?}", undone.failed);
    assert_same(&pg_dump(&url, &[]), &whole_before, "after --undo the database is not as it was");
    assert_eq!(extensions(&url).await, extensions_before);
    assert!(!db.has_rollups().await.unwrap());
    assert!(db.optimize_log().await.unwrap().is_empty());
    assert_eq!(db.index_report().await.unwrap().missing.len(), closer::db::indexes::WANTED.len());
}

/// What the original tool does to its database: SQLAlchemy writes (every
/// column but id, enum member names), and migrations of its own.
const ORIGINAL_TOOL: &[&str] = &[
    "INSERT INTO industries (name, created_at, updated_at) VALUES ('Retail', now(), now())",
    "INSERT INTO companies (name, industry_id, size, website, created_at, updated_at)
     VALUES ('Shop GmbH', (SELECT max(id) FROM industries), 'MEDIUM', NULL, now(), now())",
    "INSERT INTO prospects (full_name, email, linkedin_url, location, company_id, last_contacted_at, is_active,
                            status, created_at, updated_at)
     VALUES ('Ada Original', 'ada@shop.example', NULL, 'Wien', (SELECT max(id) FROM companies), NULL, true,
             'CONTACTED', now(), now())",
    "UPDATE prospects SET status = 'ENGAGED', last_contacted_at = now(), updated_at = now()
      WHERE email = 'ada@shop.example'",
    "INSERT INTO interactions (prospect_id, event_id, interaction_type, interaction_date, subject, content,
                               sentiment, outcome, created_at, updated_at)
     SELECT id, NULL, 'EMAIL', now(), 'Hello', 'Body', 'POSITIVE', NULL, now(), now()
       FROM prospects WHERE email = 'ada@shop.example'",
    "INSERT INTO llm_usage_logs (worfklow_name, node_name, model, prompt_tokens, completion_tokens, total_tokens,
                                 latency_ms, cost, created_at, updated_at)
     VALUES ('research', 'research_company', 'gpt-4o', 100, 20, 120, 900, 0.001, now(), now())",
    "UPDATE llm_usage_logs SET cost = cost * 2 WHERE id = (SELECT min(id) FROM llm_usage_logs)",
    // Its later migrations.
    "ALTER TABLE prospects ADD COLUMN phone VARCHAR(50)",
    "ALTER TABLE prospects ALTER COLUMN full_name TYPE VARCHAR(300)",
    "ALTER TABLE companies ALTER COLUMN name TYPE VARCHAR(300)",
    "CREATE INDEX ix_prospects_email ON prospects (email)",
    "UPDATE alembic_version SET version_num = 'a1b2c3d4e5f6'",
    "ALTER TABLE prospects DROP COLUMN phone",
    "DROP INDEX ix_prospects_email",
    // And deleting a prospect the way it does (children first).
    "DELETE FROM interactions WHERE prospect_id IN (SELECT id FROM prospects WHERE email = 'ada@shop.example')",
    "DELETE FROM prospects WHERE email = 'ada@shop.example'",
];

#[tokio::test]
async fn the_original_tool_keeps_working_after_optimize() {
    let (db, url) = legacy_with_rows().await;
    let plan = db.optimize_plan().await.unwrap();
    assert!(db.optimize_apply(&plan, &mut |_| {}).await.unwrap().failed.is_empty());
    let mut conn = support::connect(&url).await;
    for sql in ORIGINAL_TOOL {
        sqlx::query(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("the original tool's {sql:?}: {e}"));
    }
    // Closer still opens it, its indexes survived the column changes, and
    // the rollups include the original tool's rows (changed ones recomputed).
    let (db, _) = Db::open(&url, &OpenOptions::default()).await.expect("still opens");
    assert!(db.index_report().await.unwrap().missing.is_empty());
    db.refresh_rollups(true).await.unwrap();
    let range = closer::db::usage::UsageRange::default();
    let rolled = db.usage_from_rollups(&range, closer::db::usage::UsageGroup::Model).await.unwrap().unwrap();
    let live = db.usage_breakdown(&range, closer::db::usage::UsageGroup::Model).await.unwrap();
    assert_eq!(rolled.totals().calls, live.iter().map(|b| b.calls).sum::<i64>());
    assert!((rolled.totals().cost - live.iter().map(|b| b.cost).sum::<f64>()).abs() < 1e-9);
    // And undo still removes exactly what optimize made.
    let undone = db.optimize_undo(&mut |_| {}).await.unwrap();
    assert!(undone.failed.is_empty(), "{:?}", undone.failed);
    assert!(!db.has_rollups().await.unwrap());
}

#[tokio::test]
async fn doctor_names_what_is_missing_and_closers_own_database_lacks_nothing() {
    let (db, _) = legacy_with_rows().await;
    let text = closer::doctor::doctor(&db).await.unwrap();
    for want in [
        "not created by Closer",
        "MISSING  closer_interactions_prospect_date",
        "a prospect's timeline",
        "first page (50 by last contact)",
        "Today view",
        "30-day cost dashboard",
        "`closer db optimize` would",
        "create schema closer",
        "prospects",
    ] {
        assert!(text.contains(want), "doctor should say {want:?}:\n{text}");
    }

    let (own, _) = support::fresh_db().await;
    let report = own.index_report().await.unwrap();
    assert!(report.missing.is_empty(), "Closer's migrations create every wanted index: {:?}", report.missing);
    assert!(own.has_rollups().await.unwrap(), "Closer's own database gets the rollups from a migration");
    assert!(own.optimize_plan().await.unwrap().is_empty());
    let text = closer::doctor::doctor(&own).await.unwrap();
    assert!(text.contains("change nothing"), "{text}");
    assert!(own.optimize_log().await.unwrap().is_empty());
    let undone = own.optimize_undo(&mut |_| {}).await.unwrap();
    assert!(undone.done.is_empty(), "undo drops nothing optimize did not make: {:?}", undone.done);
}

/// The one-statement search returns what the plain OR query over the join
/// returns (same rows in the same order), whichever way it takes (the first
/// rows in sort order, or every match by UNION), and its count is exact or
/// an honest lower bound.
#[tokio::test]
async fn a_search_keystroke_is_one_statement_that_matches_the_plain_query() {
    use closer::db::prospect_page::Total;
    use closer::db::prospects::{ProspectFilter, ProspectSort};
    let (db, _) = support::demo_db(1500).await;
    let status = db.enums.labels(closer::db::EnumKind::ProspectStatus)[0].clone();
    for term in ["a", "wang", "acme", "li.na12", "zzzz", "%", "Ö"] {
        for sort in ProspectSort::ALL {
            for status in [None, Some(status.clone())] {
                let filter = ProspectFilter { search: term.into(), status: status.clone(), ..Default::default() };
                let pat = format!("%{}%", term.replace('%', "\\%"));
                let order = match sort {
                    ProspectSort::LastContacted => "p.last_contacted_at DESC NULLS LAST, p.id",
                    ProspectSort::LeastRecent => "p.last_contacted_at ASC NULLS FIRST, p.id DESC",
                    ProspectSort::Name => "p.full_name, p.id",
                    ProspectSort::Status => "p.status, p.last_contacted_at DESC NULLS LAST, p.id",
                    ProspectSort::Company => "c.name, p.id",
                };
                let want: Vec<i32> = sqlx::query_scalar(&format!(
                    "SELECT p.id FROM prospects p JOIN companies c ON c.id = p.company_id
                      WHERE (p.full_name ILIKE $1 OR p.email ILIKE $1 OR c.name ILIKE $1)
                        AND ($2::text IS NULL OR p.status::text = $2)
                      ORDER BY {order}"
                ))
                .bind(&pat)
                .bind(&status)
                .fetch_all(&db.pool)
                .await
                .unwrap();
                for (offset, limit) in [(0, 50), (50, 50), (0, 200)] {
                    let page = db.search_page(&filter, sort, offset, limit).await.unwrap();
                    let ids: Vec<i32> = page.rows.iter().map(|r| r.id).collect();
                    let expect: Vec<i32> = want.iter().skip(offset as usize).take(limit as usize).copied().collect();
                    assert_eq!(ids, expect, "{term:?} {sort:?} {status:?} at {offset}");
                    match page.total {
                        Total::Exact(n) => assert_eq!(n, want.len() as i64, "{term:?} {sort:?} {status:?}"),
                        Total::AtLeast(n) => {
                            assert!(n <= want.len() as i64, "{term:?}: at least {n} of {}", want.len())
                        }
                    }
                }
            }
        }
    }
}
