//! The due rules on fixed dates: weekends, never-contacted prospects,
//! unknown labels, and snoozes that stay out of the database.

use closer::app::io::Io;
use closer::app::state::{Popup, View};
use closer::app::App;
use closer::config::{Cadence, Config};
use closer::db::followups::{Group, ItemKind, Rules};
use closer::db::{Db, EnumLabels};
use crossterm::event::KeyCode;

use super::{company, d, find, prospect, rules, summary, temp_dir};
use crate::support::{self, ch, ctrl, key, press, screen};

#[tokio::test]
async fn due_rules_on_fixed_dates() {
    let (db, _) = support::fresh_db().await;
    let config = Config::defaults();
    let c = company(&db).await;
    // 2026-06-15 is a Monday. Cadences: NEW 0, RESEARCHED 1, CONTACTED 3, ENGAGED 5, QUALIFIED 10.
    prospect(&db, c, "Late Contacted", "CONTACTED", Some("2026-06-05"), "2026-01-01", true).await; // due Wed 10
    prospect(&db, c, "Friday Researched", "RESEARCHED", Some("2026-06-12"), "2026-01-01", true).await; // due Mon 15
    prospect(&db, c, "Friday Contacted", "CONTACTED", Some("2026-06-12"), "2026-01-01", true).await; // due Wed 17
    prospect(&db, c, "Saturday Engaged", "ENGAGED", Some("2026-06-13"), "2026-01-01", true).await; // due Fri 19
    prospect(&db, c, "Far Qualified", "QUALIFIED", Some("2026-06-12"), "2026-01-01", true).await; // due Fri 26: beyond
    prospect(&db, c, "New Since Wednesday", "NEW", None, "2026-06-10", true).await; // never contacted: due Wed 10
    prospect(&db, c, "New Today", "NEW", None, "2026-06-15", true).await; // due at once
    prospect(&db, c, "New Tomorrow", "NEW", None, "2026-06-16", true).await; // created after the day: Tue 16
    prospect(&db, c, "Gone Inactive", "INACTIVE", Some("2025-01-01"), "2025-01-01", true).await; // never due
    prospect(&db, c, "Switched Off", "CONTACTED", Some("2026-05-01"), "2026-01-01", false).await; // not active

    let list = db.today(&rules(&db, &config, "2026-06-15")).await.unwrap();
    let s = summary(&list);
    let due = |name: &str| find(&s, name).map(|(_, k, g, due)| (*k, *g, *due));
    assert_eq!(due("Late Contacted"), Some((ItemKind::FollowUp, Group::Overdue, d("2026-06-10"))));
    assert_eq!(due("Friday Researched"), Some((ItemKind::FollowUp, Group::Today, d("2026-06-15"))), "over the weekend");
    assert_eq!(due("Friday Contacted"), Some((ItemKind::FollowUp, Group::ThisWeek, d("2026-06-17"))));
    assert_eq!(due("Saturday Engaged"), Some((ItemKind::FollowUp, Group::ThisWeek, d("2026-06-19"))));
    assert_eq!(due("New Since Wednesday"), Some((ItemKind::FollowUp, Group::Overdue, d("2026-06-10"))));
    assert_eq!(due("New Today"), Some((ItemKind::FollowUp, Group::Today, d("2026-06-15"))));
    assert_eq!(due("New Tomorrow"), Some((ItemKind::FollowUp, Group::ThisWeek, d("2026-06-16"))));
    for name in ["Far Qualified", "Gone Inactive", "Switched Off"] {
        assert_eq!(due(name), None, "{name} is not due this week");
    }
    assert_eq!((list.counts.overdue, list.counts.today, list.counts.this_week), (2, 2, 3));
    // Most urgent first, and each row says why.
    assert_eq!(s[0].0, "Late Contacted");
    let late = &list.items[0].reason;
    assert!(late.starts_with("CONTACTED 6 business days ago, cadence 3"), "{late}");
    let never = list.items.iter().find(|i| i.prospect.as_ref().unwrap().full_name == "New Since Wednesday").unwrap();
    assert!(never.reason.contains("never contacted") && never.reason.contains("cadence 0"), "{}", never.reason);

    // Evaluated on a Saturday: Friday's RESEARCHED is due Monday, "this week".
    let list = db.today(&rules(&db, &config, "2026-06-20")).await.unwrap();
    let s = summary(&list);
    assert_eq!(find(&s, "Friday Researched").map(|x| (x.2, x.3)), Some((Group::Overdue, d("2026-06-15"))));
    assert_eq!(find(&s, "Far Qualified").map(|x| (x.2, x.3)), Some((Group::ThisWeek, d("2026-06-26"))));

    // A configured cadence changes the rule; "never" removes a status.
    let mut config2 = Config::defaults();
    config2.followup.cadence.insert("CONTACTED".into(), Cadence::Word("never".into()));
    config2.followup.cadence.insert("QUALIFIED".into(), Cadence::Days(2));
    let s = summary(&db.today(&rules(&db, &config2, "2026-06-15")).await.unwrap());
    assert!(find(&s, "Late Contacted").is_none() && find(&s, "Friday Contacted").is_none());
    assert_eq!(find(&s, "Far Qualified").map(|x| x.3), Some(d("2026-06-16")));
}

#[tokio::test]
async fn unknown_labels_are_never_due_unless_configured() {
    let (db, url) = support::fresh_db().await;
    sqlx::query("ALTER TYPE prospect_status ADD VALUE 'CLOSED_WON'").execute(&db.pool).await.unwrap();
    let (db, _) = Db::open(&url, &Default::default()).await.unwrap();
    let c = company(&db).await;
    prospect(&db, c, "Won Long Ago", "CLOSED_WON", Some("2025-01-01"), "2025-01-01", true).await;
    let mut config = Config::defaults();
    let s = summary(&db.today(&rules(&db, &config, "2026-06-15")).await.unwrap());
    assert!(find(&s, "Won Long Ago").is_none(), "a label with no cadence is never due: {s:?}");
    config.followup.cadence.insert("closed won".into(), Cadence::Days(20));
    let s = summary(&db.today(&rules(&db, &config, "2026-06-15")).await.unwrap());
    assert_eq!(find(&s, "Won Long Ago").map(|x| x.2), Some(Group::Overdue), "configured (matched ignoring case)");

    // A database whose labels are all other: nothing is due, nothing fails.
    let labels = EnumLabels::from_lists(&["open", "won"], &["X"], &["EMAIL"]);
    let r = Rules::new(&Config::defaults().followup, &labels, d("2026-06-15"));
    assert!(r.cadence.is_empty(), "{:?}", r.cadence);
}

#[tokio::test]
async fn snoozes_hide_an_item_until_its_day_and_stay_out_of_the_database() {
    let (db, _) = support::fresh_db().await;
    let c = company(&db).await;
    let id = prospect(&db, c, "Snoozy", "CONTACTED", Some("2026-06-01"), "2026-01-01", true).await;
    let dir = temp_dir("snooze");
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx).with_data_dir(dir.clone());
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    app.state.day.today.as_of = Some(d("2026-06-15"));
    let first = app.start();
    io.settle(&mut app, first).await;
    let before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM prospects WHERE updated_at > now() - interval '1 minute'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    press(&mut app, &io, [ch('0')]).await;
    assert_eq!(app.state.view, View::Today);
    assert!(screen(&app).contains("Snoozy"), "{}", screen(&app));
    // z, then "3 days": hidden until Thursday 18 June.
    press(&mut app, &io, [ch('z'), ch('j'), key(KeyCode::Enter)]).await;
    assert!(app.state.status.message.as_deref().unwrap_or("").contains("snoozed Snoozy until Thu 18 Jun"));
    let listed =
        |app: &App| app.state.day.today.items().iter().any(|i| i.prospect.as_ref().is_some_and(|p| p.id == id));
    assert!(!listed(&app), "{}", screen(&app));
    let file = closer::snooze::path(&dir, &db.display_url);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let stored = closer::snooze::load(&file);
    assert_eq!(stored.until.get(&format!("followup:{id}")), Some(&d("2026-06-18")));
    // Still hidden on Wednesday, back on Thursday.
    for (day, shown) in [("2026-06-17", false), ("2026-06-18", true)] {
        app.state.day.today.as_of = Some(d(day));
        press(&mut app, &io, [ch('r')]).await;
        assert_eq!(listed(&app), shown, "on {day}");
    }
    // On Thursday, a date of one's own, through the form.
    press(&mut app, &io, [ch('z'), ch('G'), key(KeyCode::Enter)]).await;
    assert!(matches!(app.state.popup, Some(Popup::Form(_))));
    press(&mut app, &io, [ctrl('u')]).await;
    press(&mut app, &io, support::typed("2026-07-01")).await;
    press(&mut app, &io, [ctrl('s')]).await;
    assert!(app.state.popup.is_none());
    assert_eq!(closer::snooze::load(&file).until.get(&format!("followup:{id}")), Some(&d("2026-07-01")));
    // No seed table was written.
    let after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM prospects WHERE updated_at > now() - interval '1 minute'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(before, after);
}
