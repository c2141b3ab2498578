//! Demo data is a fixture: the same seed and anchor must give byte-identical
//! rows, whatever shape the generator's code takes.

use closer::db::demo::{self, DemoOptions, DemoSummary};
use closer::db::Db;

use crate::support;

/// Every table the demo loader writes, with its primary key for ordering.
const TABLES: &[(&str, &str)] = &[
    ("industries", "id"),
    ("solutions", "id"),
    ("industry_solutions", "industry_id, solution_id"),
    ("companies", "id"),
    ("prospects", "id"),
    ("events", "id"),
    ("interactions", "id"),
    ("outreach_drafts", "id"),
    ("prospect_research", "id"),
    ("llm_usage_logs", "id"),
];

/// "table md5" for each table: every column of every row, as text, in
/// primary-key order.
async fn digests(db: &Db) -> Vec<String> {
    let mut out = Vec::new();
    for (table, key) in TABLES {
        let sql = format!("SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY {key})), '') FROM {table} t");
        let digest: String = sqlx::query_scalar(&sql).fetch_one(&db.pool).await.unwrap();
        out.push(format!("{table} {digest}"));
    }
    out
}

/// The digests below were computed on the code before `db/demo.rs` was split
/// into `db/demo/` (commit ed14b7b), and must never change by accident: other
/// tests, the snapshots and the benchmark all rely on these exact rows. A
/// deliberate change to the generated data updates them in the same commit,
/// saying why.
///
/// The first load starts every id at 1; the second, on top of it, checks the
/// id bases taken from the rows already there.
#[tokio::test]
async fn demo_data_is_byte_identical_to_the_fixture() {
    let (db, _) = support::fresh_db().await;

    let first = demo::load(&db, &DemoOptions { prospects: 200, seed: 7, anchor: support::anchor() }).await.unwrap();
    assert_eq!(
        first,
        DemoSummary {
            industries: 12,
            solutions: 24,
            companies: 20,
            prospects: 200,
            events: 20,
            interactions: 1808,
            drafts: 100,
            research: 50,
            usage_logs: 2000,
        }
    );
    let expected_first: &[&str] = &[
        "industries 63c13aacfae125aab322e5506cec5cda",
        "solutions 8c5cef25170e825c3445b8bc0dd32785",
        "industry_solutions 4a69e0f8f038815b8523f91079f9d2c9",
        "companies d011a09bb2c044b0b90260f7223fb74b",
        "prospects b24389df05e5602d200e12883652f5e6",
        "events 566f04c4536817b8459cec7066dd4250",
        "interactions 1f12c582e2edfa831ed7e6013bc62c9c",
        "outreach_drafts 7cd44fe8e6c454f66d52a6be02f67e20",
        "prospect_research 9974e2b28747bc89216f5376b05401f1",
        "llm_usage_logs 74b28745b3c9ec75bea160b022f57124",
    ];
    assert_eq!(digests(&db).await, expected_first, "demo data after one load (seed 7, 200 prospects)");

    let second = demo::load(&db, &DemoOptions { prospects: 30, seed: 11, anchor: support::anchor() }).await.unwrap();
    assert_eq!(
        second,
        DemoSummary {
            industries: 12,
            solutions: 24,
            companies: 20,
            prospects: 30,
            events: 20,
            interactions: 291,
            drafts: 15,
            research: 8,
            usage_logs: 300,
        }
    );
    let expected_both: &[&str] = &[
        "industries f87f5449e98148a6616d955522352158",
        "solutions 0e368ce3620ab08e9f16f07f6d66defd",
        "industry_solutions 5d8f110253d61f0ccf76990900a0c89b",
        "companies d2bc03c0c7d7df82fc18b2c2527b1018",
        "prospects b06306782d48583f84efcd214bd21d89",
        "events 1ae8b45cd3f0dd192812fd76b396d593",
        "interactions 8649690e0d3e959b5b330eec8241dda7",
        "outreach_drafts e26b602724869e59d79af8aded6ff836",
        "prospect_research 54bc49bd0eca0262658ffc3ea702b733",
        "llm_usage_logs f4b31acf72e4d035c28399fff7f98412",
    ];
    assert_eq!(digests(&db).await, expected_both, "demo data after a second load (seed 11, 30 prospects)");
}

/// `closer demo` on a database that already has prospects (a new one gets
/// the demo data at first start) refuses to add a second copy unless asked.
#[tokio::test(flavor = "multi_thread")]
async fn the_command_refuses_a_second_copy_unless_asked() {
    let (db, url) = support::demo_db(5).await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_closer"))
            .args(["--database-url", &url, "demo", "--prospects", "5"])
            .args(args)
            .env("CLOSER_LOG_FILE", std::env::temp_dir().join("closer-demo-test.log"))
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already holds 5 prospects") && err.contains("--add"), "{err}");
    assert_eq!(db.counts().await.unwrap().prospects, 5, "nothing added");
    let out = run(&["--add"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(db.counts().await.unwrap().prospects, 10);
}
