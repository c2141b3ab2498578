//! The other panes and forms: events with targets and attendees, the catalog
//! by industry, the interaction form, and reaching drafts.

use closer::app::io::{Io, Request};
use closer::app::state::Popup;
use closer::app::App;
use closer::config::Config;
use crossterm::event::KeyCode;

use super::app_over_demo;
use crate::support::{self, ch, key, press, screen};

#[tokio::test]
async fn events_pane_shows_targets_and_attendees() {
    let (db, _) = support::fresh_db().await;
    // Anchored today, so that some events are upcoming.
    closer::db::demo::load(
        &db,
        &closer::db::demo::DemoOptions { prospects: 50, seed: 3, anchor: closer::db::demo::today_anchor() },
    )
    .await
    .unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    press(&mut app, &io, [ch('2')]).await;
    let ev = &app.state.events;
    assert!(ev.loaded && ev.upcoming_count > 0 && ev.events.len() > ev.upcoming_count);
    let text = screen(&app);
    assert!(text.contains("Target industries") && text.contains("Featured solutions"), "{text}");
    assert!(text.contains("upcoming (▲)"));
    // Move to the first past event: its attendees load and show.
    let steps = vec![ch('j'); app.state.events.upcoming_count];
    press(&mut app, &io, steps).await;
    let selected = app.state.events.events[app.state.events.selected].id;
    let (id, people) = app.state.events.attendees.clone().expect("attendees loaded");
    assert_eq!(id, selected);
    let text = screen(&app);
    assert!(text.contains(&format!("Prospects who interacted here ({})", people.len())), "{text}");
}

#[tokio::test]
async fn the_catalog_narrows_to_an_industry() {
    let (mut app, io, db) = app_over_demo(20, (120, 36)).await;
    press(&mut app, &io, [ch('3')]).await;
    assert_eq!(app.state.solutions.entries.len(), 24);
    press(&mut app, &io, [ch('i')]).await;
    let industry = app.state.solutions.industry_id.expect("an industry chosen");
    let want: Vec<i32> =
        sqlx::query_scalar("SELECT solution_id FROM industry_solutions WHERE industry_id = $1 ORDER BY 1")
            .bind(industry)
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let mut got: Vec<i32> = app.state.solutions.entries.iter().map(|e| e.solution.id).collect();
    got.sort();
    assert_eq!(got, want);
    let name = app.state.industries.iter().find(|i| i.id == industry).unwrap().name.clone();
    assert!(screen(&app).contains(&format!("Solutions for {name}")));
}

/// Logging an interaction: content over several lines, sentiment a choice,
/// and events fetched when the form opens if they were not loaded yet.
#[tokio::test]
async fn the_interaction_form_takes_lines_a_sentiment_and_an_event() {
    let (db, _) = support::demo_db(10).await;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    // Start without the events, as if their answer had not arrived.
    let first: Vec<Request> = app.start().into_iter().filter(|r| !matches!(r, Request::Events)).collect();
    io.settle(&mut app, first).await;
    assert!(!app.state.events.loaded);
    let prospect = app.state.prospects.selected_row().unwrap().id;
    press(&mut app, &io, [ch('l')]).await;
    assert!(app.state.events.loaded, "opening the form fetched the events");
    let Some(Popup::Form(form)) = &app.state.popup else { panic!("the form") };
    let event = form.fields.iter().find(|f| f.key == "event").unwrap();
    let closer::app::forms::FieldKind::Choice(options) = &event.kind else { panic!("a choice") };
    assert_eq!(options.len(), app.state.events.events.len() + 1, "none plus every event");
    // Type, Date, Subject, Content, Sentiment, Outcome, Event.
    press(&mut app, &io, [key(KeyCode::Tab), key(KeyCode::Tab)]).await;
    press(&mut app, &io, support::typed("Discovery call")).await;
    press(&mut app, &io, [key(KeyCode::Tab)]).await;
    press(&mut app, &io, support::typed("first line\nsecond line")).await;
    press(&mut app, &io, [key(KeyCode::Tab), key(KeyCode::Right)]).await;
    press(&mut app, &io, [key(KeyCode::Tab), key(KeyCode::Tab), key(KeyCode::Right)]).await;
    let text = screen(&app);
    assert!(text.contains("second line"), "both lines are shown:\n{text}");
    press(&mut app, &io, [support::ctrl('s')]).await;
    assert!(app.state.popup.is_none(), "{:?}", app.state.popup);
    let (content, sentiment, event_id): (String, Option<String>, Option<i32>) = sqlx::query_as(
        "SELECT content, sentiment, event_id FROM interactions WHERE prospect_id = $1 AND subject = 'Discovery call'",
    )
    .bind(prospect)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(content, "first line\nsecond line");
    assert_eq!(sentiment.as_deref(), Some("positive"));
    assert_eq!(event_id, Some(app.state.events.events[0].id), "the soonest upcoming event");
}

/// W asks which draft (type, event) before queuing it; Enter on the detail
/// opens the prospect's draft.
#[tokio::test]
async fn drafts_are_reached_from_the_detail_and_w_asks_what_to_write() {
    let (mut app, io, db) = app_over_demo(10, (120, 40)).await;
    let p = app.state.prospects.selected_row().unwrap().clone();
    press(&mut app, &io, [ch('W')]).await;
    let Some(Popup::Form(_)) = &app.state.popup else { panic!("W asks first: {:?}", app.state.popup) };
    app.update(key(KeyCode::Right)); // type: linkedin_message
    let requests = app.update(support::ctrl('s'));
    assert!(
        requests.iter().any(|r| matches!(r, Request::StartJobs(k) if matches!(&k[..],
            [closer::llm::JobKind::Draft { prospect_id, event_id: None, draft_type }]
                if *prospect_id == p.id && draft_type == "linkedin_message"))),
        "{requests:?}"
    );
    assert!(app.state.popup.is_none());

    // A prospect with exactly one draft: Enter in the detail opens it.
    let one: i32 = sqlx::query_scalar(
        "SELECT prospect_id FROM outreach_drafts GROUP BY prospect_id HAVING count(*) = 1 ORDER BY prospect_id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let row = (0..app.state.prospects.len()).find(|i| app.state.prospects.row(*i).map(|r| r.id) == Some(one)).unwrap();
    app.state.prospects.selected = row;
    let requests = vec![Request::Detail { prospect_id: one }];
    app.state.panel.prospect_id = Some(one);
    io.settle(&mut app, requests).await;
    press(&mut app, &io, [key(KeyCode::Enter), key(KeyCode::Enter)]).await;
    let Some(Popup::Editor(e)) = &app.state.popup else { panic!("the draft opens: {:?}", app.state.popup) };
    assert_eq!(e.prospect_id, one);
}
