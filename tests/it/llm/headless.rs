//! The headless commands: results printed, failures loud.

use std::sync::Arc;

use closer::llm::standin::{Reply, StandIn};

use super::{count, KEY};
use crate::support;

#[tokio::test(flavor = "multi_thread")]
async fn the_headless_commands_print_results_and_fail_loudly() {
    let (db, url) = support::demo_db(10).await;
    let server = StandIn::instant().await;
    let ids: Vec<i32> =
        sqlx::query_scalar("SELECT id FROM prospects ORDER BY id LIMIT 3").fetch_all(&db.pool).await.unwrap();
    let run = |args: Vec<String>, base: String| async move {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_closer"))
            .args(args)
            .env("OPENAI_BASE_URL", base)
            .env("OPENAI_API_KEY", KEY)
            .env("CLOSER_LOG_FILE", std::env::temp_dir().join("closer-it-headless.log"))
            .output()
            .await
            .unwrap()
    };
    let mut args = vec!["--database-url".to_string(), url.clone(), "research".into()];
    args.extend(ids.iter().map(|i| i.to_string()));
    let out = run(args, server.base_url.clone()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("3 done, 0 failed, 3 LLM call(s)"), "{stdout}");
    assert_eq!(stdout.matches("prospect_research #").count(), 3);
    assert!(!stdout.contains(KEY) && !String::from_utf8_lossy(&out.stderr).contains(KEY));

    let out =
        run(vec!["--database-url".into(), url.clone(), "draft".into(), ids[0].to_string()], server.base_url.clone())
            .await;
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("outreach_drafts #"));
    // It prints whom it wrote for and the text it wrote.
    let (name, email, text): (String, String, String) = sqlx::query_as(
        "SELECT p.full_name, p.email, d.content FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id
          ORDER BY d.id DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(stdout.contains(&name), "{stdout}");
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap();
    assert!(stdout.contains(first_line.trim()), "{stdout}");

    // A prospect by email address (any case); the research summary is printed.
    let out = run(
        vec!["--database-url".into(), url.clone(), "research".into(), email.to_uppercase()],
        server.base_url.clone(),
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let summary: String = sqlx::query_scalar(
        "SELECT research_summary FROM prospect_research WHERE prospect_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(ids[0])
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(stdout.contains(&name) && stdout.contains(summary.lines().next().unwrap()), "{stdout}");
    let out = run(
        vec!["--database-url".into(), url.clone(), "research".into(), "nobody@nowhere.example".into()],
        server.base_url.clone(),
    )
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no prospect has the email address"));

    // A draft type nothing knows is refused unless forced.
    let drafts_before = count(&db, "outreach_drafts").await;
    let sms = |force: bool| {
        let mut a: Vec<String> = vec![
            "--database-url".into(),
            url.clone(),
            "draft".into(),
            ids[0].to_string(),
            "--type".into(),
            "sms".into(),
        ];
        if force {
            a.push("--force".into());
        }
        a
    };
    let out = run(sms(false), server.base_url.clone()).await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown draft type"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&db, "outreach_drafts").await, drafts_before);
    let out = run(sms(true), server.base_url.clone()).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count(&db, "outreach_drafts").await, drafts_before + 1);

    // A provider that answers garbage: non-zero exit, and the reason printed.
    let bad = StandIn::start(Arc::new(|_, _| Reply::status(200, "garbage"))).await;
    let out =
        run(vec!["--database-url".into(), url, "research".into(), ids[0].to_string()], bad.base_url.clone()).await;
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAILED") && stdout.contains("not valid JSON"), "{stdout}");
}
