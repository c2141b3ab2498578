//! The Today view: each row's next step, opening on Today when something is
//! due, and columns kept with wide names.

use closer::app::state::{Popup, View};
use closer::app::App;
use closer::config::Config;
use closer::db::followups::{Group, ItemKind, TodayList};
use crossterm::event::KeyCode;

use super::{company, d, prospect, setup, status_of, temp_dir};
use crate::support::{self, ch, key, press, screen};

#[tokio::test]
async fn today_rows_offer_their_next_step() {
    let (db, _) = support::demo_db(60).await;
    let mut s = setup(db, "steps").await;
    press(&mut s.app, &s.io, [ch('0')]).await;
    let text = screen(&s.app);
    assert!(text.contains("Overdue ·") && text.contains("Next step"), "{text}");
    // Walk to an approved draft and mark it sent: the editor asks, y sends, and the prospect moves on.
    let items = s.app.state.day.today.items().to_vec();
    let i = items.iter().position(|i| i.kind == ItemKind::DraftApproved).expect("an approved draft is due");
    let (draft, pid) = (items[i].draft_id.unwrap(), items[i].prospect.as_ref().unwrap().id);
    sqlx::query("UPDATE prospects SET status = 'NEW' WHERE id = $1").bind(pid).execute(&s.db.pool).await.unwrap();
    s.app.state.day.today.selected = i;
    press(&mut s.app, &s.io, [ch('m')]).await;
    match &s.app.state.popup {
        Some(Popup::Editor(e)) => {
            assert_eq!(e.draft_id, Some(draft));
            assert_eq!(e.prompt, closer::app::editor::EditorPrompt::ConfirmSent);
        }
        other => panic!("expected the editor asking, got {other:?}"),
    }
    press(&mut s.app, &s.io, [ch('y')]).await;
    let sent: String = sqlx::query_scalar("SELECT status FROM outreach_drafts WHERE id = $1")
        .bind(draft)
        .fetch_one(&s.db.pool)
        .await
        .unwrap();
    assert_eq!(sent, "sent");
    assert_eq!(status_of(&s.db, pid).await, "CONTACTED", "a draft marked sent moves NEW to CONTACTED");
    press(&mut s.app, &s.io, [key(KeyCode::Esc)]).await;
    assert!(!s.app.state.day.today.items().iter().any(|i| i.draft_id == Some(draft)), "the sent draft left the list");

    // An event row: W estimates invitations first and asks.
    if let Some(i) = s.app.state.day.today.items().iter().position(|i| i.kind == ItemKind::EventInvitations) {
        s.app.state.day.today.selected = i;
        press(&mut s.app, &s.io, [ch('W')]).await;
        match &s.app.state.popup {
            Some(Popup::Confirm { message, .. }) => assert!(message.contains("without an invitation to"), "{message}"),
            other => panic!("expected the estimate, got {other:?}"),
        }
        press(&mut s.app, &s.io, [ch('n')]).await;
    }
    // Enter on a follow-up opens the prospect.
    let i = s.app.state.day.today.items().iter().position(|i| i.kind == ItemKind::FollowUp).unwrap();
    let name = s.app.state.day.today.items()[i].prospect.as_ref().unwrap().full_name.clone();
    s.app.state.day.today.selected = i;
    let email = s.app.state.day.today.items()[i].prospect.as_ref().unwrap().email.clone();
    press(&mut s.app, &s.io, [key(KeyCode::Enter)]).await;
    assert_eq!(s.app.state.view, View::Prospects);
    assert_eq!(s.app.state.prospects.filter.search, email);
    let shown: Vec<String> = s.app.state.prospects.pages.values().flatten().map(|p| p.full_name.clone()).collect();
    assert!(shown.contains(&name), "{shown:?}");
    let _ = std::fs::remove_dir_all(&s.dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn closer_opens_on_today_when_something_is_due() {
    let (db, url) = support::fresh_db().await;
    let c = company(&db).await;
    let today = chrono::Local::now().date_naive().format("%Y-%m-%d").to_string();
    prospect(&db, c, "Ngozi Due Today", "NEW", None, &today, true).await;
    let dir = temp_dir("start");
    let env = [("CLOSER_DATA_DIR", dir.to_str().unwrap()), ("NO_COLOR", "1")];
    let mut pty = crate::e2e::Pty::spawn(&["--database-url", &url], &env, 30, 110);
    pty.wait_for("Today", |s| s.contains("1 due today ·") && s.contains("Ngozi Due Today"));
    pty.send("1");
    pty.wait_for("the prospects list", |s| s.contains("Prospects 1/1"));
    pty.send("q");
    assert!(pty.wait_exit().success());

    // start_view = "prospects" opens on the list whatever is due.
    let config = dir.join("config.toml");
    std::fs::write(&config, "[followup]\nstart_view = \"prospects\"\n").unwrap();
    let mut pty =
        crate::e2e::Pty::spawn(&["--database-url", &url, "--config", config.to_str().unwrap()], &env, 30, 110);
    pty.wait_for("the prospects list", |s| s.contains("Prospects 1/1"));
    assert!(!pty.screen().contains("due today ·"));
    pty.send("q");
    assert!(pty.wait_exit().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The Today view drawn from state alone: wide (CJK) names keep the columns,
/// hostile text is drawn clean, at 120x40, 80x24 and 60x15.
#[test]
fn the_today_view_keeps_its_columns_with_wide_names() {
    use closer::db::followups::{Counts, TodayItem};
    use closer::db::models::ProspectListItem;
    let item = |id: i32, name: &str, group: Group, due: &str| TodayItem {
        kind: ItemKind::FollowUp,
        group,
        due: d(due),
        reason: "CONTACTED 5 business days ago, cadence 3\u{1b}]0;PWNED\u{7}".into(),
        prospect: Some(ProspectListItem {
            id,
            full_name: name.into(),
            email: "e@x".into(),
            status: "CONTACTED".into(),
            is_active: true,
            last_contacted_at: None,
            company_id: 1,
            company_name: "王伟 محمد 🎉".into(),
            industry_name: "x".into(),
            has_research: false,
        }),
        draft_id: None,
        event_id: None,
        title: None,
        count: None,
        industry_ids: vec![],
    };
    let items = vec![
        item(1, "王伟 李娜 佐藤 花子", Group::Overdue, "2026-06-10"),
        item(2, "Alice Johnson", Group::Overdue, "2026-06-11"),
        item(3, "김민준 \u{202E}evil", Group::Today, "2026-06-15"),
        item(4, "Zoë O'Brien", Group::ThisWeek, "2026-06-17"),
    ];
    for size in [(120u16, 40u16), (80, 24), (60, 15)] {
        let mut app = App::new(&Config::defaults(), Default::default(), "db".into(), size);
        app.state.view = View::Today;
        app.state.day.today.list = Some(TodayList {
            as_of: Some(d("2026-06-15")),
            counts: Counts { overdue: 2, today: 1, this_week: 1 },
            items: items.clone(),
        });
        let text = screen(&app);
        assert!(!text.contains("PWNED") && !text.contains('\u{202E}'), "{text}");
        assert!(text.contains("Overdue · 2") && text.contains("Due today · 1"), "{text}");
        let cols: Vec<usize> = text
            .lines()
            .filter(|l| l.contains("follow up"))
            .map(|l| unicode_width::UnicodeWidthStr::width(&l[..l.find("follow up").unwrap()]))
            .collect();
        let fits = if size.1 > 15 { 4 } else { 3 };
        assert_eq!(cols.len(), fits, "{size:?}: the rows that fit are drawn\n{text}");
        assert!(cols.windows(2).all(|w| w[0] == w[1]), "{size:?}: the kind column stays put {cols:?}\n{text}");
    }
}
