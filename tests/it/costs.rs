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
        assert_eq!(table.lines().count(), rows.len() + 3, "a range line, the header, the rows, the total");
        assert_eq!(table.lines().next().unwrap(), "LLM costs from 2026-05-01 up to 2026-06-10 (not included)");
        assert!(!table.contains('\u{1b}'), "no escape sequence reaches the terminal");
    }
    let csv = costs(&url, &["--since", since, "--until", until, "--format", "csv"]);
    assert!(csv.contains("\"evil,\"\"model\"\"\"\n") || csv.contains("\"evil,\"\"model\"\"\","), "{csv}");
    // Without dates the table says it covers all time.
    assert!(costs(&url, &[]).starts_with("LLM costs, all time"));
    // An empty range is an error, not a table of zeros.
    let out = Command::new(env!("CARGO_BIN_EXE_closer"))
        .args(["--database-url", &url, "costs", "--since", until, "--until", since])
        .env("CLOSER_LOG_FILE", std::env::temp_dir().join("closer-costs-test.log"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not before --until"));
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

mod dashboard {
    use closer::app::action::{Action, Loaded};
    use closer::app::io::{Io, Request};
    use closer::app::state::{Breakdown, CostRange, View};
    use closer::app::App;
    use closer::config::Config;
    use crossterm::event::KeyCode;

    use crate::support::{self, key, press, screen};

    #[tokio::test(flavor = "multi_thread")]
    async fn figures_drill_down_custom_dates_and_live_rows() {
        let (db, _) = support::demo_db(60).await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let io = Io::new(db.clone(), tx);
        let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (130, 40));
        let first = app.start();
        io.settle(&mut app, first).await;

        // The demo data is months old: the last 30 days are empty, and say where figures come from.
        press(&mut app, &io, [key(KeyCode::Char('4'))]).await;
        assert_eq!(app.state.view, View::Costs);
        assert_eq!(app.state.costs.totals.as_ref().unwrap().calls, 0);
        assert!(screen(&app).contains("No LLM calls in this range"));

        // o: 30 days → this month → all time.
        press(&mut app, &io, [key(KeyCode::Char('o')), key(KeyCode::Char('o'))]).await;
        assert_eq!(app.state.costs.range, CostRange::All);
        let (calls, cost): (i64, f64) =
            sqlx::query_as("SELECT count(*), sum(cost) FROM llm_usage_logs").fetch_one(&db.pool).await.unwrap();
        let t = app.state.costs.totals.clone().unwrap();
        assert_eq!(t.calls, calls);
        assert!((t.cost - cost).abs() < 1e-9);
        assert!((app.state.costs.daily.iter().map(|d| d.1).sum::<f64>() - cost).abs() < 1e-6);
        assert!(screen(&app).contains(&format!("{calls} calls")));

        // Enter drills into the top model: everything narrows to it.
        let model = app.state.costs.breakdown[0].key.clone();
        press(&mut app, &io, [key(KeyCode::Enter)]).await;
        assert_eq!(app.state.costs.model.as_deref(), Some(model.as_str()));
        let (m_calls, m_cost): (i64, f64) =
            sqlx::query_as("SELECT count(*), sum(cost) FROM llm_usage_logs WHERE model = $1")
                .bind(&model)
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(app.state.costs.totals.as_ref().unwrap().calls, m_calls);
        assert!((app.state.costs.daily.iter().map(|d| d.1).sum::<f64>() - m_cost).abs() < 1e-6);
        // The model is broken down by workflow (not one row at 100 %); the calls add up.
        assert_eq!(app.state.costs.by, Breakdown::Workflow);
        assert_eq!(app.state.costs.breakdown.iter().map(|b| b.calls).sum::<i64>(), m_calls);
        assert!(screen(&app).contains("workflow"));
        // Tab: by node within the model; the calls still add up.
        press(&mut app, &io, [key(KeyCode::Tab)]).await;
        assert_eq!(app.state.costs.by, Breakdown::Node);
        assert_eq!(app.state.costs.breakdown.iter().map(|b| b.calls).sum::<i64>(), m_calls);
        // Esc comes back out.
        press(&mut app, &io, [key(KeyCode::Esc)]).await;
        assert_eq!(app.state.costs.model, None);
        assert_eq!(app.state.costs.totals.as_ref().unwrap().calls, calls);

        // Custom dates.
        press(&mut app, &io, [key(KeyCode::Char('='))]).await;
        for c in "2026-06-01".chars() {
            press(&mut app, &io, [key(KeyCode::Char(c))]).await;
        }
        press(&mut app, &io, [key(KeyCode::Tab)]).await;
        for c in "2026-06-09".chars() {
            press(&mut app, &io, [key(KeyCode::Char(c))]).await;
        }
        press(&mut app, &io, [key(KeyCode::Enter)]).await;
        assert_eq!(app.state.costs.range, CostRange::Custom);
        let in_range: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM llm_usage_logs WHERE created_at >= '2026-06-01' AND created_at < '2026-06-10'",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
        assert_eq!(app.state.costs.totals.as_ref().unwrap().calls, in_range);
        assert!(app.state.costs.daily.iter().all(|d| d.0.as_str() >= "2026-06-01" && d.0.as_str() < "2026-06-10"));

        // Live: a row written by anyone shows up without a restart.
        press(&mut app, &io, [key(KeyCode::Char('o'))]).await; // back to the cycled ranges (today)
        press(
            &mut app,
            &io,
            [key(KeyCode::Char('o')), key(KeyCode::Char('o')), key(KeyCode::Char('o')), key(KeyCode::Char('o'))],
        )
        .await;
        assert_eq!(app.state.costs.range, CostRange::All);
        io.send(Request::WatchUsage { on: true });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        sqlx::query(
            "INSERT INTO llm_usage_logs (worfklow_name, node_name, model, prompt_tokens, completion_tokens, total_tokens,
                                         latency_ms, cost, created_at, updated_at)
             VALUES ('other_tool', 'node', 'gpt-4o', 10, 5, 15, 100, 0.01, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')",
        )
        .execute(&db.pool)
        .await
        .unwrap();
        let changed = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            loop {
                match rx.recv().await {
                    Some(Action::Loaded(l)) if matches!(*l, Loaded::UsageChanged) => return Action::Loaded(l),
                    Some(_) => continue,
                    None => panic!("channel closed"),
                }
            }
        })
        .await
        .expect("the poller noticed the new row");
        let r = app.update(changed);
        io.settle(&mut app, r).await;
        assert_eq!(app.state.costs.totals.as_ref().unwrap().calls, calls + 1);
        // Leaving the dashboard stops the polling.
        let r = app.update(key(KeyCode::Char('1')));
        assert!(r.contains(&Request::WatchUsage { on: false }));
    }
}
