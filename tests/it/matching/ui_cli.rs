//! Event matching from the outside: `closer match` on the command line,
//! the TUI (M, the Matches pane, Enter, Y), the research history (H), the
//! settings, and cancelling a matching job.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use closer::config::Config;
use closer::llm::standin::{good_answer, Reply, StandIn};
use serde_json::{json, Value};

use super::{config, event, exec, invitations, options, pipeline, scripted, world, KEY};
use crate::support;
/// `closer match` from the command line: estimate, answer, formats, exit status.
#[tokio::test(flavor = "multi_thread")]
async fn closer_match_prints_the_ranking_and_fails_loudly() {
    let w = world(6).await;
    let server = StandIn::start(scripted(BTreeMap::new(), BTreeSet::new())).await;
    let e = event(&w.db, r#"'["Logistics"]'"#, "NULL").await;
    let run = |args: Vec<String>, stdin: &'static str| {
        let url = w.url.clone();
        let base = server.base_url.clone();
        async move {
            let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_closer"))
                .arg("--database-url")
                .arg(url)
                .arg("match")
                .args(args)
                .env("OPENAI_BASE_URL", base)
                .env("OPENAI_API_KEY", KEY)
                .env("CLOSER_LOG_FILE", std::env::temp_dir().join("closer-it-match.log"))
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            use tokio::io::AsyncWriteExt;
            let mut input = child.stdin.take().unwrap();
            input.write_all(stdin.as_bytes()).await.unwrap();
            drop(input);
            child.wait_with_output().await.unwrap()
        }
    };
    // Without --yes it asks; "n" does nothing.
    let out = run(vec![e.to_string()], "n\n").await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("6 candidate(s) to score") && stderr.contains("estimated $"), "{stderr}");
    assert!(out.status.success(), "{stderr}");
    assert!(server.requests().is_empty(), "nothing spent before the answer");

    // --dry-run --format json: the ranking, nothing written.
    let out = run(vec![e.to_string(), "--dry-run".into(), "--yes".into(), "--format".into(), "json".into()], "").await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["candidates"], json!(6));
    assert_eq!(v["ranked"].as_array().unwrap().len(), 6);
    assert_eq!(v["ranked"][0]["rank"], json!(1));
    assert!(v["ranked"][0]["reason"].as_str().unwrap().contains("Logistics lead"));
    assert!(invitations(&w.db, e).await.is_empty());

    // --top 2 --min-score 99 --format csv: two selected and written; CSV cells escaped.
    exec(
        &w.db,
        &format!("UPDATE prospects SET full_name = '=HYPERLINK(\"x\")' WHERE id = {}", w.by_industry["Logistics"][0]),
    )
    .await;
    let out = run(
        vec![
            e.to_string(),
            "--top".into(),
            "2".into(),
            "--min-score".into(),
            "99".into(),
            "--yes".into(),
            "--format".into(),
            "csv".into(),
        ],
        "",
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let mut lines = stdout.lines();
    assert_eq!(lines.next().unwrap(), "rank,prospect_id,full_name,company,industry,score,selected,draft_id,reason");
    assert_eq!(stdout.lines().filter(|l| l.contains(",true,")).count(), 2, "{stdout}");
    assert!(stdout.contains("'=HYPERLINK"), "{stdout}");
    assert_eq!(invitations(&w.db, e).await.len(), 2);

    // A table, then an event with nothing to match on: exit status 1 and the reason.
    let out = run(vec![e.to_string(), "--yes".into()], "").await;
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 already invited"));
    assert!(stdout.starts_with("rank  score") && stdout.matches("draft #").count() == 4, "{stdout}");
    let none = event(&w.db, "NULL", "NULL").await;
    let out = run(vec![none.to_string(), "--yes".into()], "").await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither target industries nor featured solutions"));
    // No answer on standard input (a script that forgot --yes): refused, exit status 1.
    let fresh = event(&w.db, r#"'["Logistics"]'"#, "NULL").await;
    let out = run(vec![fresh.to_string()], "").await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
}

/// Drives the app as a user would: M on an event, the estimate in a form,
/// the run in the background, the ranking, Enter on an invitation, Y.
#[tokio::test(flavor = "multi_thread")]
async fn the_tui_runs_matching_in_the_background_and_shows_the_ranking() {
    use closer::app::{io::Io, Action, App};
    use closer::llm::JobState;
    use crossterm::event::KeyCode;
    use support::{ch, ctrl, key, press, screen};

    let w = world(8).await;
    let lg = w.by_industry["Logistics"].clone();
    let scores: BTreeMap<i64, i64> = lg.iter().enumerate().map(|(i, id)| (*id as i64, 40 + 7 * i as i64)).collect();
    let server = StandIn::start(scripted(scores, BTreeSet::new())).await;
    let c = config(&server.base_url, |_| {});
    let e = event(&w.db, r#"'["Logistics"]'"#, "NULL").await;
    let mut jobs = closer::llm::start_jobs(&c, w.db.clone()).unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(w.db.clone(), tx).with_jobs(Ok(jobs.runner.clone()), Some(jobs.estimate.clone()));
    let mut app = App::new(&c, w.db.enums.clone(), "db".into(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;

    // M outside the Events view says where to go.
    press(&mut app, &io, [ch('M')]).await;
    assert!(app.state.status.message.as_deref().unwrap_or("").contains("Events view"));
    press(&mut app, &io, [ch('2'), ch('M')]).await;
    let text = screen(&app);
    assert!(text.contains("Match prospects to event") && text.contains("8 candidate(s) to score"), "{text}");
    assert!(server.requests().is_empty(), "nothing spent before the answer");
    // This run: top 3, threshold 90 (nobody reaches it).
    press(&mut app, &io, [key(KeyCode::Backspace), key(KeyCode::Backspace), ch('3'), key(KeyCode::Tab)]).await;
    press(&mut app, &io, [key(KeyCode::Backspace), key(KeyCode::Backspace), ch('9'), ch('0'), ctrl('s')]).await;
    assert!(app.state.popup.is_none());
    // A second M while it runs is refused.
    loop {
        let u = tokio::time::timeout(std::time::Duration::from_secs(30), jobs.updates.recv()).await.unwrap().unwrap();
        let finished = u.state.is_finished();
        if let JobState::Failed(why) = &u.state {
            panic!("{why}");
        }
        let requests = app.update(Action::Job(u));
        io.settle(&mut app, requests).await;
        if !finished {
            press(&mut app, &io, [ch('M')]).await;
            if app.state.popup.is_none() {
                assert!(app.state.status.message.as_deref().unwrap_or("").contains("already running"));
            }
        } else {
            break;
        }
    }
    let report = app.state.matches.reports.get(&e).expect("the report is kept").clone();
    assert_eq!((report.ranked.len(), report.selected().count(), report.invitations_written), (8, 3, 3));
    let text = screen(&app);
    assert!(text.contains("8 ranked, 3 selected") && text.contains("Invited: 3 · 0 approved · 0 sent"), "{text}");

    // The Matches pane: ranked, selected marked, each with its reason.
    press(&mut app, &io, [key(KeyCode::Tab), key(KeyCode::Tab)]).await;
    let text = screen(&app);
    assert!(text.contains("Matches for #") && text.contains("8 scored · 3 selected ✓"), "{text}");
    assert_eq!(text.matches('✓').count(), 4, "three rows and the title: {text}");
    let top = format!("✓  89  #{:<6} Logistics Person 7 · Logistics Co", lg[7]);
    assert!(text.contains(&top) && text.contains(&format!("Logistics lead #{}: recent call", lg[7])), "{text}");
    // Enter opens the top candidate's invitation in the editor.
    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    match &app.state.popup {
        Some(closer::app::state::Popup::Editor(ed)) => {
            assert_eq!(ed.draft_id, report.ranked[0].draft_id);
            assert!(ed.text().starts_with("Subject: "));
        }
        other => panic!("no editor: {other:?}"),
    }
    press(&mut app, &io, [key(KeyCode::Esc)]).await;
    assert!(app.state.popup.is_none());
    // Y approves the three at once.
    press(&mut app, &io, [ch('Y')]).await;
    let statuses: Vec<String> = sqlx::query_scalar("SELECT status FROM outreach_drafts WHERE event_id = $1")
        .bind(e)
        .fetch_all(&w.db.pool)
        .await
        .unwrap();
    assert_eq!(statuses, vec!["approved"; 3]);
    assert!(app.state.status.message.as_deref().unwrap_or("").contains("approved 3 invitation(s)"));
    press(&mut app, &io, [key(KeyCode::Tab)]).await;
    assert!(screen(&app).contains("Invited: 3 · 3 approved · 0 sent"));
    // The job is in the Jobs view with its calls.
    press(&mut app, &io, [ch('6')]).await;
    let text = screen(&app);
    assert!(text.contains("match event #") && text.contains("done: event #"), "{text}");
}

#[tokio::test]
async fn the_research_history_lists_every_run_newest_first() {
    use closer::app::{io::Io, App};
    use support::{ch, press, screen};
    let w = world(0).await;
    let pid = w.by_industry["Energy"][0];
    exec(&w.db, &format!("UPDATE prospects SET last_contacted_at = now() WHERE id = {pid}")).await;
    for (day, conf, sol) in
        [("2026-01-05", 0.41, "Cloud POS"), ("2026-03-09", 0.77, "Med Records"), ("2026-02-11", 0.55, "Orphan Tool")]
    {
        exec(&w.db, &format!(
            "INSERT INTO prospect_research (prospect_id, research_summary, key_insights, recommended_solutions, confidence_score, created_at, updated_at)
             VALUES ({pid}, 'Run of {day}', '[\"insight {day}\"]', '[{{\"id\": 1, \"name\": \"{sol}\", \"reason\": \"fits\"}}]', {conf}, '{day}', '{day}')"
        )).await;
    }
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(w.db.clone(), tx);
    // Wide enough for the research line not to wrap in the detail pane.
    let mut app = App::new(&Config::defaults(), w.db.enums.clone(), "db".into(), (160, 50));
    let first = app.start();
    io.settle(&mut app, first).await;
    assert_eq!(app.state.panel.prospect_id, Some(pid));
    assert!(screen(&app).contains("3 on file (H shows all)"));
    press(&mut app, &io, [ch('H')]).await;
    let text = screen(&app);
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} missing: {text}"));
    assert!(at("2026-03-09") < at("2026-02-11") && at("2026-02-11") < at("2026-01-05"), "newest first");
    for s in [
        "confidence 77%",
        "confidence 55%",
        "confidence 41%",
        "Med Records — fits",
        "Orphan Tool — fits",
        "Cloud POS — fits",
        "3 run(s)",
    ] {
        at(s);
    }
    press(&mut app, &io, [support::key(crossterm::event::KeyCode::Esc)]).await;
    assert!(app.state.popup.is_none());
}

#[test]
fn the_matching_settings_are_checked_like_every_key() {
    let path = std::path::Path::new("test.toml");
    let c = Config::from_str("[matching]\ntop_n = 5\nmin_score = 80\n", path).unwrap();
    assert_eq!((c.matching.top_n, c.matching.min_score, c.matching.include_inactive), (5, 80, false));
    let d = Config::defaults().matching;
    assert_eq!((d.top_n, d.min_score), (20, 70), "the original tool's rule by default");
    let err = Config::from_str("[matching]\nmin_score = 101\n", path).unwrap_err().to_string();
    assert!(err.contains("matching.min_score"), "{err}");
    let err = Config::from_str("[matching]\ntop = 5\n", path).unwrap_err().to_string();
    assert!(err.contains("unknown key `matching.top`"), "{err}");
    let keys = Config::defaults().key_bindings();
    for (c, k) in [
        (closer::app::Command::MatchEvent, "M"),
        (closer::app::Command::ApproveInvitations, "Y"),
        (closer::app::Command::ResearchHistory, "H"),
    ] {
        assert_eq!(keys.label(c), k);
    }
}

/// A matching job is cancellable from Jobs: it stops where it is.
#[tokio::test]
async fn a_running_matching_job_can_be_cancelled() {
    use closer::llm::{JobKind, JobRunner, JobState};
    let w = world(6).await;
    let slow =
        StandIn::start(Arc::new(|req, _| Reply::json(good_answer(req)).after(std::time::Duration::from_secs(3)))).await;
    let c = config(&slow.base_url, |_| {});
    let e = event(&w.db, r#"'["Logistics"]'"#, "NULL").await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = JobRunner::start(Arc::new(pipeline(&w.db, &c)), 2, 10, tx);
    let id = runner.submit(JobKind::Match { event_id: e, options: options(20, 70) }).unwrap();
    loop {
        if rx.recv().await.unwrap().state == JobState::Running {
            break;
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(runner.cancel(id));
    assert_eq!(rx.recv().await.unwrap().state, JobState::Cancelled);
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    assert!(invitations(&w.db, e).await.is_empty());
    assert_eq!(runner.active(), 0);
}
