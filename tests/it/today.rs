//! The day's work (issue 13): the due rules on fixed dates (weekends,
//! never-contacted prospects, unknown labels, snoozes), `closer today
//! --format json` against an independent SQL computation, the Today view's
//! keys, opening on Today, and the index and no-index paths agreeing. All
//! against real PostgreSQL. Moves, undo and bulk actions: `undo.rs`.

use chrono::NaiveDate;
use closer::app::io::Io;
use closer::app::state::{Popup, View};
use closer::app::App;
use closer::config::{Cadence, Config};
use closer::db::followups::{Group, ItemKind, Rules, TodayList};
use closer::db::{Db, EnumLabels};
use crossterm::event::KeyCode;

use crate::support::{self, ch, ctrl, key, press, screen};

pub(crate) fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub(crate) fn temp_dir(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("closer-it-today-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One company to hang prospects on.
pub(crate) async fn company(db: &Db) -> i32 {
    let industry: i32 = sqlx::query_scalar(
        "INSERT INTO industries (name, created_at, updated_at) VALUES ('Financial Services', now(), now()) RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    sqlx::query_scalar(
        "INSERT INTO companies (name, industry_id, size, created_at, updated_at)
         VALUES ('Acme', $1, '51-200', now(), now()) RETURNING id",
    )
    .bind(industry)
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

/// A prospect with a status, an optional last contact and a creation date.
pub(crate) async fn prospect(
    db: &Db,
    company: i32,
    name: &str,
    status: &str,
    last: Option<&str>,
    created: &str,
    active: bool,
) -> i32 {
    let at = |s: &str| d(s).and_hms_opt(10, 30, 0).unwrap();
    sqlx::query_scalar(
        "INSERT INTO prospects (full_name, email, company_id, last_contacted_at, is_active, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6::prospect_status, $7, $7) RETURNING id",
    )
    .bind(name)
    .bind(format!("{}@example.com", name.to_lowercase().replace(' ', ".")))
    .bind(company)
    .bind(last.map(at))
    .bind(active)
    .bind(status)
    .bind(at(created))
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

fn rules(db: &Db, config: &Config, as_of: &str) -> Rules {
    Rules::new(&config.followup, &db.enums, d(as_of))
}

/// (name, kind, group, due) of every item.
fn summary(list: &TodayList) -> Vec<(String, ItemKind, Group, NaiveDate)> {
    list.items
        .iter()
        .map(|i| (i.prospect.as_ref().map(|p| p.full_name.clone()).unwrap_or_default(), i.kind, i.group, i.due))
        .collect()
}

fn find<'a>(
    list: &'a [(String, ItemKind, Group, NaiveDate)],
    name: &str,
) -> Option<&'a (String, ItemKind, Group, NaiveDate)> {
    list.iter().find(|(n, ..)| n == name)
}

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

/// (kind, prospect id, draft id, event id, due date) of a row.
type RowKey = (String, Option<i32>, Option<i32>, Option<i32>, String);

/// The follow-ups, drafts and events `closer today --date 2026-06-15` should
/// list, computed here in SQL of the test's own: business days counted one
/// day at a time with generate_series, industries found in the JSON text.
async fn expected_rows(db: &Db) -> Vec<RowKey> {
    sqlx::query_as(
        "WITH cad(label, days) AS (VALUES ('NEW', 0), ('RESEARCHED', 1), ('CONTACTED', 3), ('ENGAGED', 5), ('QUALIFIED', 10)),
              asof AS (SELECT date '2026-06-15' AS day),
              horizon AS (SELECT min(g::date) AS day FROM generate_series(date '2026-06-16', date '2026-07-15', interval '1 day') g
                           WHERE (SELECT count(*) FROM generate_series(date '2026-06-16', g, interval '1 day') h
                                   WHERE extract(isodow FROM h) < 6) = 5),
              base AS (SELECT p.id, c.days, coalesce(p.last_contacted_at, p.created_at)::date AS b
                         FROM prospects p JOIN cad c ON c.label = p.status::text WHERE p.is_active),
              due AS (SELECT id, CASE WHEN days = 0 THEN b ELSE
                               (SELECT min(g::date) FROM generate_series(b + 1, b + 400, interval '1 day') g
                                 WHERE (SELECT count(*) FROM generate_series(b + 1, g, interval '1 day') h
                                         WHERE extract(isodow FROM h) < 6) = days) END AS due FROM base)
         SELECT 'follow_up', id, NULL::int, NULL::int, due::text FROM due WHERE due <= (SELECT day FROM horizon)
         UNION ALL
         SELECT 'draft_approved', d.prospect_id, d.id, NULL, d.updated_at::date::text
           FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id
          WHERE p.is_active AND lower(d.status) = 'approved' AND d.updated_at::date <= (SELECT day FROM horizon)
         UNION ALL
         SELECT 'draft_review', d.prospect_id, d.id, NULL, (d.updated_at::date + 1)::text
           FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id
          WHERE p.is_active AND lower(d.status) IN ('draft', 'created') AND d.updated_at::date + 1 <= date '2026-06-15'
         UNION ALL
         SELECT 'event_invitations', NULL, NULL, e.id, '2026-06-15'
           FROM events e
          WHERE e.event_date >= date '2026-06-15' AND e.event_date < date '2026-06-30'
            AND lower(e.status) NOT IN ('cancelled', 'canceled', 'completed')
            AND EXISTS (SELECT 1 FROM prospects p JOIN companies c ON c.id = p.company_id JOIN industries i ON i.id = c.industry_id
                         WHERE p.is_active AND e.target_industries::text ILIKE '%\"' || i.name || '\"%'
                           AND NOT EXISTS (SELECT 1 FROM outreach_drafts d WHERE d.prospect_id = p.id AND d.event_id = e.id))",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn closer_today_json_matches_an_independent_sql_computation() {
    let (db, url) = support::demo_db(400).await;
    let dir = temp_dir("cli");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_closer"))
        .args(["--database-url", &url, "today", "--date", "2026-06-15", "--format", "json"])
        .env("CLOSER_DATA_DIR", &dir)
        .env("CLOSER_LOG_FILE", dir.join("closer.log"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["as_of"], "2026-06-15");
    let items = json["items"].as_array().unwrap();
    let mut got: Vec<RowKey> = items
        .iter()
        .map(|i| {
            let n = |k: &str| i[k].as_i64().map(|v| v as i32);
            (
                i["kind"].as_str().unwrap().to_string(),
                n("prospect_id"),
                n("draft_id"),
                n("event_id"),
                i["due"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut want = expected_rows(&db).await;
    got.sort();
    want.sort();
    assert!(
        want.iter().any(|w| w.0 == "follow_up") && want.iter().any(|w| w.0 == "draft_review"),
        "the demo data has work due"
    );
    assert!(want.iter().any(|w| w.0 == "event_invitations"), "and an event to invite to");
    assert_eq!(got.len(), want.len(), "same number of rows");
    assert_eq!(got, want);
    // Every row says why, and the counts add up.
    assert!(items.iter().all(|i| !i["reason"].as_str().unwrap().is_empty()));
    let counts = &json["counts"];
    let total =
        counts["overdue"].as_i64().unwrap() + counts["today"].as_i64().unwrap() + counts["this_week"].as_i64().unwrap();
    assert_eq!(total as usize, items.len());
    // Most urgent first: due dates never go down.
    let dues: Vec<&str> = items.iter().map(|i| i["due"].as_str().unwrap()).collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]));

    // The table and CSV formats print the same rows.
    let csv = std::process::Command::new(env!("CARGO_BIN_EXE_closer"))
        .args(["--database-url", &url, "today", "--date", "2026-06-15", "--format", "csv"])
        .env("CLOSER_DATA_DIR", &dir)
        .env("CLOSER_LOG_FILE", dir.join("closer.log"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&csv.stdout).lines().count(), items.len() + 1);
}

pub(crate) struct Setup {
    pub app: App,
    pub io: Io,
    pub db: Db,
    pub dir: std::path::PathBuf,
}

pub(crate) async fn setup(db: Db, name: &str) -> Setup {
    let dir = temp_dir(name);
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx).with_data_dir(dir.clone());
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    app.state.day.today.as_of = Some(support::anchor().date());
    let first = app.start();
    io.settle(&mut app, first).await;
    Setup { app, io, db, dir }
}

pub(crate) async fn status_of(db: &Db, id: i32) -> String {
    sqlx::query_scalar("SELECT status::text FROM prospects WHERE id = $1").bind(id).fetch_one(&db.pool).await.unwrap()
}

pub(crate) fn message(app: &App) -> String {
    app.state.status.message.clone().unwrap_or_default()
}

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

/// Closer's own database answers with its follow-up index; a shared one
/// (where Closer adds no index) with one pass over the prospects. Both say
/// the same, for every day of a fortnight.
#[tokio::test]
async fn with_and_without_the_followup_index_the_list_is_the_same() {
    let (db, _) = support::demo_db(300).await;
    let config = Config::defaults();
    let days: Vec<NaiveDate> = (0..14).map(|i| d("2026-06-08") + chrono::Duration::days(i)).collect();
    let mut indexed = Vec::new();
    for day in &days {
        let mut r = Rules::new(&config.followup, &db.enums, *day);
        r.limit = i64::MAX;
        indexed.push(db.today(&r).await.unwrap());
    }
    sqlx::query("DROP INDEX ix_prospects_followup").execute(&db.pool).await.unwrap();
    for (day, want) in days.iter().zip(&indexed) {
        let mut r = Rules::new(&config.followup, &db.enums, *day);
        r.limit = i64::MAX;
        let got = db.today(&r).await.unwrap();
        assert!(want.counts.total() > 0, "{day}: work is due");
        assert_eq!(got.counts, want.counts, "{day}");
        assert_eq!(summary(&got), summary(want), "{day}");
    }
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
