//! The prospect list and its writes: search, filters and sorts, paging with
//! flat memory, writes shown at once and invalid input refused at its field,
//! failed writes reported, and the first prospect on an empty database.

use closer::app::action::{Action, Loaded};
use closer::app::io::{Io, Request};
use closer::app::state::Popup;
use closer::app::App;
use closer::config::Config;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app_over_demo;
use crate::support::{self, ch, key, press, screen};

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
