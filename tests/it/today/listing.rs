//! The list itself: `closer today --format json` against an independent SQL
//! computation, and the index and no-index paths agreeing.

use chrono::NaiveDate;
use closer::config::Config;
use closer::db::followups::Rules;
use closer::db::Db;

use super::{d, summary, temp_dir};
use crate::support::{self};

/// (kind, prospect id, draft id, event id, due date) of a row.
type RowKey = (String, Option<i32>, Option<i32>, Option<i32>, String);

/// The follow-ups, drafts and events `closer today --date 2026-06-15` should
/// list, computed here in SQL of the test's own: business days counted one
/// day at a time with generate_series, industries found in the JSON text.
async fn expected_rows(db: &Db) -> Vec<RowKey> {
    sqlx::query_as(
        "WITH cad(label, days) AS (VALUES ('NEW', 0), ('RESEARCHED', 1), ('CONTACTED', 3), ('ENGAGED', 5), ('QUALIFIED', 10)),
              asof AS (SELECT date '2026-06-15' AS day),
              horizon AS (SELECT min(g::date) AS day FROM generate_series(date '2026-06-16', date '2026-07-15', interval '1 day') g
                           WHERE (SELECT count(*) FROM generate_series(date '2026-06-16', g, interval '1 day') h
                                   WHERE extract(isodow FROM h) < 6) = 5),
              base AS (SELECT p.id, c.days, coalesce(p.last_contacted_at, p.created_at)::date AS b
                         FROM prospects p JOIN cad c ON c.label = p.status::text WHERE p.is_active),
              due AS (SELECT id, CASE WHEN days = 0 THEN b ELSE
                               (SELECT min(g::date) FROM generate_series(b + 1, b + 400, interval '1 day') g
                                 WHERE (SELECT count(*) FROM generate_series(b + 1, g, interval '1 day') h
                                         WHERE extract(isodow FROM h) < 6) = days) END AS due FROM base)
         SELECT 'follow_up', id, NULL::int, NULL::int, due::text FROM due WHERE due <= (SELECT day FROM horizon)
         UNION ALL
         SELECT 'draft_approved', d.prospect_id, d.id, NULL, d.updated_at::date::text
           FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id
          WHERE p.is_active AND lower(d.status) = 'approved' AND d.updated_at::date <= (SELECT day FROM horizon)
         UNION ALL
         SELECT 'draft_review', d.prospect_id, d.id, NULL, (d.updated_at::date + 1)::text
           FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id
          WHERE p.is_active AND lower(d.status) IN ('draft', 'created') AND d.updated_at::date + 1 <= date '2026-06-15'
         UNION ALL
         SELECT 'event_invitations', NULL, NULL, e.id, '2026-06-15'
           FROM events e
          WHERE e.event_date >= date '2026-06-15' AND e.event_date < date '2026-06-30'
            AND lower(e.status) NOT IN ('cancelled', 'canceled', 'completed')
            AND EXISTS (SELECT 1 FROM prospects p JOIN companies c ON c.id = p.company_id JOIN industries i ON i.id = c.industry_id
                         WHERE p.is_active AND e.target_industries::text ILIKE '%\"' || i.name || '\"%'
                           AND NOT EXISTS (SELECT 1 FROM outreach_drafts d WHERE d.prospect_id = p.id AND d.event_id = e.id))",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn closer_today_json_matches_an_independent_sql_computation() {
    let (db, url) = support::demo_db(400).await;
    let dir = temp_dir("cli");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_closer"))
        .args(["--database-url", &url, "today", "--date", "2026-06-15", "--format", "json"])
        .env("CLOSER_DATA_DIR", &dir)
        .env("CLOSER_LOG_FILE", dir.join("closer.log"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["as_of"], "2026-06-15");
    let items = json["items"].as_array().unwrap();
    let mut got: Vec<RowKey> = items
        .iter()
        .map(|i| {
            let n = |k: &str| i[k].as_i64().map(|v| v as i32);
            (
                i["kind"].as_str().unwrap().to_string(),
                n("prospect_id"),
                n("draft_id"),
                n("event_id"),
                i["due"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut want = expected_rows(&db).await;
    got.sort();
    want.sort();
    assert!(
        want.iter().any(|w| w.0 == "follow_up") && want.iter().any(|w| w.0 == "draft_review"),
        "the demo data has work due"
    );
    assert!(want.iter().any(|w| w.0 == "event_invitations"), "and an event to invite to");
    assert_eq!(got.len(), want.len(), "same number of rows");
    assert_eq!(got, want);
    // Every row says why, and the counts add up.
    assert!(items.iter().all(|i| !i["reason"].as_str().unwrap().is_empty()));
    let counts = &json["counts"];
    let total =
        counts["overdue"].as_i64().unwrap() + counts["today"].as_i64().unwrap() + counts["this_week"].as_i64().unwrap();
    assert_eq!(total as usize, items.len());
    // Most urgent first: due dates never go down.
    let dues: Vec<&str> = items.iter().map(|i| i["due"].as_str().unwrap()).collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]));

    // The table and CSV formats print the same rows.
    let csv = std::process::Command::new(env!("CARGO_BIN_EXE_closer"))
        .args(["--database-url", &url, "today", "--date", "2026-06-15", "--format", "csv"])
        .env("CLOSER_DATA_DIR", &dir)
        .env("CLOSER_LOG_FILE", dir.join("closer.log"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&csv.stdout).lines().count(), items.len() + 1);
}

/// Closer's own database answers with its follow-up index; a shared one
/// (where Closer adds no index) with one pass over the prospects. Both say
/// the same, for every day of a fortnight.
#[tokio::test]
async fn with_and_without_the_followup_index_the_list_is_the_same() {
    let (db, _) = support::demo_db(300).await;
    let config = Config::defaults();
    let days: Vec<NaiveDate> = (0..14).map(|i| d("2026-06-08") + chrono::Duration::days(i)).collect();
    let mut indexed = Vec::new();
    for day in &days {
        let mut r = Rules::new(&config.followup, &db.enums, *day);
        r.limit = i64::MAX;
        indexed.push(db.today(&r).await.unwrap());
    }
    sqlx::query("DROP INDEX ix_prospects_followup").execute(&db.pool).await.unwrap();
    for (day, want) in days.iter().zip(&indexed) {
        let mut r = Rules::new(&config.followup, &db.enums, *day);
        r.limit = i64::MAX;
        let got = db.today(&r).await.unwrap();
        assert!(want.counts.total() > 0, "{day}: work is due");
        assert_eq!(got.counts, want.counts, "{day}");
        assert_eq!(summary(&got), summary(want), "{day}");
    }
}
