//! The Jobs view and the bulk estimate as a salesperson meets them: names
//! instead of ids, a finished job opens what it wrote, a failure shows its
//! reason and can be run again, and the estimate prices the configured
//! model's own calls.

use closer::app::action::{Action, Loaded};
use closer::app::io::{Io, Request};
use closer::app::state::{Popup, View};
use closer::app::App;
use closer::config::Config;
use closer::llm::{JobKind, JobState, JobUpdate};
use crossterm::event::KeyCode;

use crate::support::{self, ch, key, press, screen};

fn job(id: u64, prospect_id: i32, state: JobState) -> Action {
    let kind = JobKind::Draft { prospect_id, event_id: None, draft_type: "offer_email".into() };
    Action::Job(JobUpdate { id, kind, state, calls: 1, cost: 0.0012, note: None, report: None })
}

#[tokio::test]
async fn jobs_name_people_open_results_and_retry_failures() {
    let (db, _) = support::demo_db(10).await;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    let p = app.state.prospects.selected_row().unwrap().clone();
    press(&mut app, &io, [ch('6')]).await;
    assert_eq!(app.state.view, View::Jobs);
    assert!(!screen(&app).contains("-0.0000"), "{}", screen(&app));

    let draft_id: i32 = sqlx::query_scalar("SELECT min(id) FROM outreach_drafts").fetch_one(&db.pool).await.unwrap();
    app.update(job(1, p.id, JobState::Done(format!("outreach_drafts #{draft_id} (offer_email, status draft)"))));
    let reason = format!("the answer was not usable: {} (after 4 attempts)", "missing field `subject` ".repeat(8));
    app.update(job(2, p.id, JobState::Failed(reason.clone())));
    let text = screen(&app);
    assert!(text.contains(&p.full_name.chars().take(12).collect::<String>()), "names, not ids:\n{text}");

    // Newest first: the failed job is selected. Enter shows the whole reason; y runs it again.
    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    let Some(Popup::Confirm { message, .. }) = &app.state.popup else { panic!("{:?}", app.state.popup) };
    assert!(message.contains(&reason), "the whole reason: {message}");
    let requests = app.update(Action::Key(crossterm::event::KeyEvent::from(KeyCode::Char('y'))));
    assert!(
        requests.iter().any(|r| matches!(r, Request::StartJobs(k) if k == &vec![JobKind::Draft {
            prospect_id: p.id,
            event_id: None,
            draft_type: "offer_email".into()
        }])),
        "{requests:?}"
    );

    // X on a finished job says so; Enter on the finished draft job opens the draft.
    press(&mut app, &io, [ch('j'), ch('X')]).await;
    assert!(app.state.status.message.as_deref().unwrap_or("").contains("already finished"));
    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    let Some(Popup::Editor(e)) = &app.state.popup else { panic!("the draft opens: {:?}", app.state.popup) };
    assert_eq!(e.draft_id, Some(draft_id));
}

#[tokio::test]
async fn the_bulk_estimate_prices_the_configured_models_own_calls() {
    let (db, _) = support::demo_db(10).await;
    sqlx::query("DELETE FROM llm_usage_logs").execute(&db.pool).await.unwrap();
    for (model, cost) in [("small-model", 0.001), ("huge-model", 1.0)] {
        for _ in 0..5 {
            sqlx::query(
                "INSERT INTO llm_usage_logs (worfklow_name, node_name, model, prompt_tokens, completion_tokens,
                                             total_tokens, latency_ms, cost, created_at, updated_at)
                 VALUES ('prospect_research', 'research', $1, 10, 10, 20, 5, $2,
                         now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')",
            )
            .bind(model)
            .bind(cost)
            .execute(&db.pool)
            .await
            .unwrap();
        }
    }
    let researched: i32 = sqlx::query_scalar("SELECT min(id) FROM prospects").fetch_one(&db.pool).await.unwrap();
    sqlx::query(
        "INSERT INTO prospect_research (prospect_id, research_summary, created_at, updated_at)
         VALUES ($1, 'today', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')",
    )
    .bind(researched)
    .execute(&db.pool)
    .await
    .unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx).with_jobs(Err("off".into()), Some(("small-model".into(), Some(0.5))));
    let Action::Loaded(loaded) = io.answer(Request::EstimateBulk { filter: Default::default() }).await else {
        panic!("an estimate")
    };
    let Loaded::BulkEstimate { count, researched_today, cost, source, .. } = *loaded else { panic!("an estimate") };
    assert_eq!(count, 10);
    assert_eq!(researched_today, 1);
    assert!((cost - 10.0 * 0.001).abs() < 1e-9, "small-model's own average, not every model's: {cost} ({source})");
    assert!(source.contains("small-model"), "{source}");
}
