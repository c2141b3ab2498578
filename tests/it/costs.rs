//! `closer costs`: table, CSV and JSON agree with each other and with SQL.

use std::process::Command;

use crate::support;

fn costs(url: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_closer"))
        .args(["--database-url", url, "costs"])
        .args(args)
        .env("CLOSER_LOG_FILE", std::env::temp_dir().join("closer-costs-test.log"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_json_and_table_agree_with_sql() {
    let (db, url) = support::demo_db(80).await;
    // A model name with a comma, a quote and an escape sequence.
    sqlx::query(
        "INSERT INTO llm_usage_logs (worfklow_name, node_name, model, prompt_tokens, completion_tokens, total_tokens,
                                     latency_ms, cost, created_at, updated_at)
         VALUES ('prospect_research', 'synthesize_research', 'evil,\"model\"' || chr(27) || '[2J', 100, 20, 120, 900,
                 0.25, '2026-06-01 10:00', '2026-06-01 10:00')",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let since = "2026-05-01";
    let until = "2026-06-10";
    let (calls, cost): (i64, f64) = sqlx::query_as(
        "SELECT count(*), sum(cost) FROM llm_usage_logs WHERE created_at >= '2026-05-01' AND created_at < '2026-06-10'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(calls > 0);

    for by in ["model", "workflow", "node", "day"] {
        let json: serde_json::Value =
            serde_json::from_str(&costs(&url, &["--since", since, "--until", until, "--by", by, "--format", "json"]))
                .unwrap();
        assert_eq!(json["totals"]["calls"].as_i64(), Some(calls), "{by}");
        assert!((json["totals"]["cost"].as_f64().unwrap() - cost).abs() < 1e-9);
        let rows = json["rows"].as_array().unwrap();
        assert_eq!(rows.iter().map(|r| r["calls"].as_i64().unwrap()).sum::<i64>(), calls, "{by}");

        let csv = costs(&url, &["--since", since, "--until", until, "--by", by, "--format", "csv"]);
        let mut lines = csv.lines();
        assert!(lines.next().unwrap().starts_with("key,calls,"));
        let csv_rows: Vec<Vec<String>> = lines.map(parse_csv_line).collect();
        assert_eq!(csv_rows.len(), rows.len(), "{by}");
        for (c, j) in csv_rows.iter().zip(rows) {
            assert_eq!(c.len(), 9, "{c:?}");
            assert_eq!(c[1].parse::<i64>().unwrap(), j["calls"].as_i64().unwrap());
            assert!((c[5].parse::<f64>().unwrap() - j["cost"].as_f64().unwrap()).abs() < 1e-6);
        }

        let table = costs(&url, &["--since", since, "--until", until, "--by", by]);
        let total_line = table.lines().last().unwrap();
        assert!(total_line.starts_with("total"));
        assert!(total_line.split_whitespace().nth(1).unwrap() == calls.to_string(), "{total_line}");
        assert_eq!(table.lines().count(), rows.len() + 2);
        assert!(!table.contains('\u{1b}'), "no escape sequence reaches the terminal");
    }
    let csv = costs(&url, &["--since", since, "--until", until, "--format", "csv"]);
    assert!(csv.contains("\"evil,\"\"model\"\"\"\n") || csv.contains("\"evil,\"\"model\"\"\","), "{csv}");
}

/// A small RFC 4180 reader for one line.
fn parse_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}
