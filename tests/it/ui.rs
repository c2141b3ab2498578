//! The UI over a fixture database: snapshots of each pane on ratatui's
//! TestBackend, and the action/state logic without a terminal.

use closer::app::action::{Action, Loaded};
use closer::app::io::{Io, Request};
use closer::app::state::{CostRange, Pane, Popup, View};
use closer::app::{App, Command};
use closer::config::Config;
use closer::ui::{buffer_text, render_to_buffer};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::support::{self, ch, key, press, screen};

/// An app over a demo database, with every start-up request answered.
async fn app_over_demo(prospects: u32, size: (u16, u16)) -> (App, Io, closer::db::Db) {
    let (db, _) = support::demo_db(prospects).await;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "postgres://fixture".into(), size);
    let first = app.start();
    io.settle(&mut app, first).await;
    (app, io, db)
}

#[tokio::test]
async fn snapshots_of_each_pane() {
    let (mut app, io, _db) = app_over_demo(60, (120, 36)).await;
    insta::assert_snapshot!("prospects_wide", screen(&app));

    press(&mut app, &io, [ch('j'), ch('j'), key(KeyCode::Tab), key(KeyCode::Tab)]).await;
    assert_eq!(app.state.pane, Pane::Timeline);
    insta::assert_snapshot!("prospects_timeline_focused", screen(&app));

    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    assert!(matches!(app.state.popup, Some(Popup::Interaction { interaction: Some(_), .. })));
    insta::assert_snapshot!("interaction_popup", screen(&app));
    press(&mut app, &io, [key(KeyCode::Esc)]).await;

    press(&mut app, &io, [ch('?')]).await;
    insta::assert_snapshot!("help", screen(&app));
    press(&mut app, &io, [key(KeyCode::Esc)]).await;

    press(&mut app, &io, [ch('3')]).await;
    assert_eq!(app.state.view, View::Solutions);
    insta::assert_snapshot!("solutions", screen(&app));

    app.state.costs.range = CostRange::All;
    press(&mut app, &io, [ch('4')]).await;
    // The range is relative to now; pin it to "all" for a stable snapshot.
    let requests = vec![Request::Costs {
        generation: app.state.costs.generation,
        range: CostRange::All.range(chrono::Utc::now().naive_utc()),
        by: closer::db::usage::UsageGroup::Model,
    }];
    io.settle(&mut app, requests).await;
    insta::assert_snapshot!("costs", screen(&app));

    // 80x24, the smallest common terminal.
    press(&mut app, &io, [ch('1'), Action::Resize(80, 24)]).await;
    insta::assert_snapshot!("prospects_80x24", screen(&app));

    press(&mut app, &io, [Action::Resize(50, 12)]).await;
    let small = screen(&app);
    assert!(small.contains("Terminal too small: 50x12"), "{small}");
}

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
async fn search_filters_and_sorts_drive_the_list() {
    let (mut app, io, db) = app_over_demo(300, (120, 36)).await;
    assert_eq!(app.state.prospects.total, Some(300));

    // Type a search: each key starts a new generation; the list narrows.
    press(&mut app, &io, [ch('/'), ch('w'), ch('a'), ch('n'), ch('g')]).await;
    assert!(app.state.searching);
    let want: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM prospects p JOIN companies c ON c.id = p.company_id
          WHERE p.full_name ILIKE '%wang%' OR p.email ILIKE '%wang%' OR c.name ILIKE '%wang%'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(app.state.prospects.total, Some(want));
    assert!(want > 0 && want < 300);
    assert!(screen(&app).contains("/wang"));

    // Esc clears the search; the status filter cycles through the database's labels.
    press(&mut app, &io, [key(KeyCode::Esc), ch('s')]).await;
    assert!(!app.state.searching);
    let first_label = db.enums.labels(closer::db::EnumKind::ProspectStatus)[0].clone();
    assert_eq!(app.state.prospects.filter.status.as_deref(), Some(first_label.as_str()));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM prospects WHERE status::text = $1")
        .bind(&first_label)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(app.state.prospects.total, Some(n));
    assert!(screen(&app).contains(&format!("status={first_label}")));

    press(&mut app, &io, [ch('x'), ch('o')]).await;
    assert_eq!(app.state.prospects.sort.label(), "least recently contacted");
    let first: i32 =
        sqlx::query_scalar("SELECT id FROM prospects ORDER BY last_contacted_at ASC NULLS FIRST, id DESC LIMIT 1")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(app.state.prospects.selected_row().map(|p| p.id), Some(first));
    press(&mut app, &io, [ch('o')]).await;
    assert_eq!(app.state.prospects.sort.label(), "name");
    let first: String = sqlx::query_scalar("SELECT full_name FROM prospects ORDER BY full_name, id LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(app.state.prospects.row(0).unwrap().full_name, first);
}

#[tokio::test]
async fn paging_keeps_memory_flat_and_drops_stale_answers() {
    let (mut app, io, _db) = app_over_demo(1000, (100, 30)).await;
    app.state.prospects.page_size = 50;
    press(&mut app, &io, [ch('x')]).await;
    // G jumps to the last row: only the pages near it are kept.
    press(&mut app, &io, [ch('G')]).await;
    assert_eq!(app.state.prospects.selected, 999);
    assert!(app.state.prospects.pages.len() <= 5, "pages kept: {:?}", app.state.prospects.pages.keys());
    assert_eq!(app.state.prospects.selected_row().map(|r| r.id), app.state.panel.prospect_id);
    press(&mut app, &io, [ch('g')]).await;
    assert_eq!(app.state.prospects.selected, 0);
    assert!(app.state.prospects.pages.contains_key(&0));

    // An answer for an older filter generation is ignored.
    let stale = Action::Loaded(Box::new(Loaded::ProspectPage {
        generation: app.state.prospects.generation - 1,
        page: 0,
        rows: vec![],
    }));
    let before = app.state.prospects.pages[&0].len();
    app.update(stale);
    assert_eq!(app.state.prospects.pages[&0].len(), before);

    // A detail answer for a prospect the user has left is ignored too.
    let shown = app.state.panel.prospect_id;
    app.update(Action::Loaded(Box::new(Loaded::Detail {
        prospect_id: -1,
        detail: None,
        research: vec![],
        drafts: vec![],
    })));
    assert_eq!(app.state.panel.prospect_id, shown);
    assert!(app.state.panel.detail.is_some());
}

#[tokio::test]
async fn writes_show_at_once_and_invalid_input_is_refused_next_to_the_field() {
    let (mut app, io, db) = app_over_demo(30, (120, 36)).await;
    let id = app.state.panel.prospect_id.unwrap();
    let was_active = app.state.panel.detail.as_ref().unwrap().prospect.is_active;
    press(&mut app, &io, [ch('A')]).await;
    assert_eq!(app.state.panel.detail.as_ref().unwrap().prospect.is_active, !was_active);
    assert_eq!(db.prospect(id).await.unwrap().unwrap().is_active, !was_active);

    // Status picker: choose the last label.
    press(&mut app, &io, [ch('S'), ch('G')]).await;
    let labels = db.enums.labels(closer::db::EnumKind::ProspectStatus).to_vec();
    let Some(Popup::Picker(p)) = &app.state.popup else { panic!("picker open") };
    assert_eq!(p.options, labels);
    let Some(Popup::Picker(p)) = &app.state.popup else { panic!("picker open") };
    assert_eq!(p.selected, labels.len() - 1, "G goes to the last label");
    press(&mut app, &io, [ch('g')]).await;
    let Some(Popup::Picker(p)) = &app.state.popup else { panic!("picker open") };
    assert_eq!(p.selected, 0, "g goes to the first");
    press(&mut app, &io, vec![ch('j'); 10]).await;
    press(&mut app, &io, [key(KeyCode::Enter)]).await;
    assert!(app.state.popup.is_none());
    assert_eq!(db.prospect(id).await.unwrap().unwrap().status, *labels.last().unwrap());
    assert_eq!(&app.state.panel.detail.as_ref().unwrap().prospect.status, labels.last().unwrap());

    // A new prospect with a bad email is refused next to the field; fixed, it saves.
    press(&mut app, &io, [ch('n')]).await;
    for c in "Zoë Test".chars() {
        press(&mut app, &io, [ch(c)]).await;
    }
    press(&mut app, &io, [key(KeyCode::Tab), ch('z'), ch('o'), ch('e')]).await;
    press(&mut app, &io, [Action::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL))]).await;
    let Some(Popup::Form(form)) = &app.state.popup else { panic!("form still open") };
    assert_eq!(form.focus, 1);
    assert!(form.fields[1].error.as_deref().unwrap().contains('@'));
    assert!(screen(&app).contains("⚠ an email needs one @"));
    press(&mut app, &io, [ch('@'), ch('x'), ch('.'), ch('y'), key(KeyCode::Tab), key(KeyCode::Tab), key(KeyCode::Tab)])
        .await;
    for c in "Brand New Co".chars() {
        press(&mut app, &io, [ch(c)]).await;
    }
    press(&mut app, &io, [Action::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL))]).await;
    assert!(app.state.popup.is_none(), "saved and closed: {:?}", app.state.status);
    let (name, company): (String, String) = sqlx::query_as(
        "SELECT p.full_name, c.name FROM prospects p JOIN companies c ON c.id = p.company_id WHERE p.email = 'zoe@x.y'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((name.as_str(), company.as_str()), ("Zoë Test", "Brand New Co"));
    assert_eq!(app.state.prospects.total, Some(31));

    // Esc on a changed form asks first; a second Esc discards.
    press(&mut app, &io, [ch('n'), ch('Q'), key(KeyCode::Esc)]).await;
    assert!(matches!(&app.state.popup, Some(Popup::Form(f)) if f.confirm_discard));
    press(&mut app, &io, [key(KeyCode::Esc)]).await;
    assert!(app.state.popup.is_none());
}

#[tokio::test]
async fn a_failed_write_is_reported_not_dropped() {
    let (mut app, _io, _db) = app_over_demo(5, (100, 30)).await;
    let req = Request::Write(closer::app::io::Write::SetActive { prospect_id: 1, active: true });
    app.update(Action::Failed { request: Box::new(req), error: "connection refused".into(), retryable: true });
    assert!(!app.state.status.connected);
    let err = app.state.status.error.clone().unwrap();
    assert!(err.contains("not saved") && err.contains("connection refused"), "{err}");
    let text = screen(&app);
    assert!(text.contains("offline, reconnecting"), "{text}");
    // Reconnecting reloads what is on screen.
    let requests = app.update(Action::Connection { up: true });
    assert!(requests.iter().any(|r| matches!(r, Request::ProspectPage { .. })));
    assert!(app.state.status.connected);
}

#[test]
fn every_command_is_in_the_help_and_hints_use_the_bound_keys() {
    let mut config = Config::defaults();
    config.ui.keys.insert("search".into(), vec!["Ctrl-f".into()]);
    // A popup's keys are commands too: rebound, its key line follows.
    config.ui.keys.insert("form_save".into(), vec!["Ctrl-w".into()]);
    config.ui.keys.insert("editor_preview".into(), vec!["F9".into()]);
    let app = App::new(&config, Default::default(), "db".into(), (120, 72));
    let mut app = app;
    app.update(Action::Key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE)));
    // The help scrolls: read it page by page.
    let mut text = String::new();
    for _ in 0..10 {
        text.push_str(&screen(&app));
        app.update(Action::Key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)));
    }
    for c in Command::ALL {
        assert!(text.contains(c.description()), "help lists {}", c.name());
    }
    assert!(text.contains("Ctrl-F"), "the help shows the configured key");
    assert!(text.contains("Ctrl-W") && text.contains("F9"), "and the configured popup keys");
    app.state.popup = None;
    let text = screen(&app);
    assert!(text.lines().last().unwrap().contains("Ctrl-F search"), "hints use the configured key");
    // A form's key line and its save key come from the key map.
    app.update(Action::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE)));
    let text = screen(&app);
    assert!(text.contains("Ctrl-W save"), "{text}");
    assert!(!text.contains("Ctrl-S"), "no stale key named: {text}");
    app.update(Action::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
    let Some(Popup::Form(form)) = &app.state.popup else { panic!("the form stays open") };
    let errors = |f: &closer::app::forms::Form| f.fields.iter().filter(|x| x.error.is_some()).count();
    assert!(errors(form) == 0 && !form.saving, "Ctrl-S is no longer save");
    app.update(Action::Key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL)));
    let Some(Popup::Form(form)) = &app.state.popup else { panic!("an empty form stays open") };
    assert!(errors(form) > 0, "Ctrl-W submitted: the form says what is missing");
}

#[test]
fn hostile_text_never_reaches_the_terminal() {
    use closer::db::models::ProspectListItem;
    let mut app = App::new(&Config::defaults(), Default::default(), "db".into(), (100, 30));
    let evil = "A\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}B\rC\u{202E}D";
    app.state.prospects.total = Some(1);
    app.state.prospects.page_size = 50;
    app.state.prospects.pages.insert(
        0,
        vec![ProspectListItem {
            id: 1,
            full_name: evil.into(),
            email: "e@x".into(),
            status: "NEW".into(),
            is_active: true,
            last_contacted_at: None,
            company_id: 1,
            company_name: "王伟 محمد 🎉".into(),
            industry_name: "x".into(),
            has_research: false,
        }],
    );
    let buf = render_to_buffer(&app, 100, 30);
    for cell in buf.content() {
        assert!(!cell.symbol().chars().any(|c| c.is_control() || c == '\u{202E}'), "{:?}", cell.symbol());
    }
    let text = buffer_text(&buf);
    assert!(text.contains("AB CD"), "{text}");
    assert!(!text.contains("pwned") && !text.contains("ZXZpbA"));
    // Wide characters keep the columns: the status column starts at the same x on every row.
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("NEW") || l.contains("Status")).collect();
    let col = |l: &str| {
        unicode_width::UnicodeWidthStr::width(
            &l[..l.find(if l.contains("Status") { "Status" } else { "NEW" }).unwrap()],
        )
    };
    assert_eq!(col(lines[0]), col(lines[1]), "{lines:?}");
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

#[tokio::test]
async fn on_an_empty_database_the_first_prospect_can_be_added() {
    let (db, _) = support::fresh_db().await;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (100, 30));
    let first = app.start();
    io.settle(&mut app, first).await;
    assert_eq!(app.state.prospects.total, Some(0));
    assert!(screen(&app).contains("No prospects yet"));
    press(&mut app, &io, [ch('n')]).await;
    let typed = |s: &str| s.chars().map(ch).collect::<Vec<_>>();
    press(&mut app, &io, typed("Ada Lovelace")).await;
    press(&mut app, &io, [key(KeyCode::Tab)]).await;
    press(&mut app, &io, typed("ada@example.com")).await;
    press(&mut app, &io, [key(KeyCode::Tab), key(KeyCode::Tab), key(KeyCode::Tab)]).await;
    press(&mut app, &io, typed("Analytical Engines")).await;
    press(&mut app, &io, [key(KeyCode::Tab)]).await;
    press(&mut app, &io, typed("Computing")).await;
    press(&mut app, &io, [Action::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL))]).await;
    assert!(app.state.popup.is_none(), "saved: {:?}", app.state.status);
    let (p, c, i): (String, String, String) = sqlx::query_as(
        "SELECT p.full_name, c.name, i.name FROM prospects p JOIN companies c ON c.id = p.company_id
           JOIN industries i ON i.id = c.industry_id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((p.as_str(), c.as_str(), i.as_str()), ("Ada Lovelace", "Analytical Engines", "Computing"));
    assert_eq!(app.state.prospects.total, Some(1));
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
