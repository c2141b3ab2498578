//! Automatic status moves and their undo, status and active changes that
//! say whom they changed (issue 16, item 4), and marks with bulk actions
//! over a filter, undone as one step (issue 13). Against real PostgreSQL.

use closer::app::action::Action;
use closer::app::io::{Io, Request, Write};
use closer::app::App;
use closer::config::Config;
use closer::db::interactions::InteractionInput;
use crossterm::event::KeyCode;

use crate::support::{self, ch, ctrl, key, press, screen};
use crate::today::{company, message, prospect, setup, status_of, temp_dir, Setup};

async fn log(s: &mut Setup, prospect_id: i32, itype: &str) {
    let input = InteractionInput {
        prospect_id,
        event_id: None,
        interaction_type: itype.into(),
        interaction_date: support::anchor(),
        subject: format!("{itype} test"),
        content: "notes".into(),
        sentiment: None,
        outcome: None,
    };
    let w = s.app.undoable(Write::CreateInteraction(input));
    s.io.settle(&mut s.app, vec![Request::Write(w)]).await;
}

#[tokio::test]
async fn moves_follow_the_work_and_undo_while_unchanged() {
    let (db, _) = support::fresh_db().await;
    let c = company(&db).await;
    let kwame = prospect(&db, c, "Kwame Mensah 898", "NEW", None, "2026-06-01", true).await;
    let quinn = prospect(&db, c, "Quinn Qualified", "QUALIFIED", None, "2026-06-01", true).await;
    let mut s = setup(db, "moves").await;

    // A logged email moves NEW to CONTACTED, says whom, offers the undo.
    log(&mut s, kwame, "EMAIL").await;
    assert_eq!(status_of(&s.db, kwame).await, "CONTACTED");
    let m = message(&s.app);
    assert!(m.contains("Kwame Mensah 898 moved NEW → CONTACTED") && m.ends_with("· u undo"), "{m}");
    // u undoes it.
    press(&mut s.app, &s.io, [ch('u')]).await;
    assert_eq!(status_of(&s.db, kwame).await, "NEW");
    assert!(message(&s.app).starts_with("undone: "), "{}", message(&s.app));
    press(&mut s.app, &s.io, [ch('u')]).await;
    assert_eq!(message(&s.app), "nothing to undo");

    // A meeting moves CONTACTED on to ENGAGED; a QUALIFIED prospect never goes back.
    log(&mut s, kwame, "CALL").await;
    log(&mut s, kwame, "MEETING").await;
    assert_eq!(status_of(&s.db, kwame).await, "ENGAGED");
    log(&mut s, quinn, "EMAIL").await;
    assert_eq!(status_of(&s.db, quinn).await, "QUALIFIED");
    assert!(!message(&s.app).contains("moved"), "{}", message(&s.app));

    // Research saved by a job moves NEW to RESEARCHED.
    let fresh = prospect(&s.db, c, "Rita Research", "NEW", None, "2026-06-01", true).await;
    let done = closer::llm::JobUpdate {
        id: 1,
        kind: closer::llm::JobKind::Research { prospect_id: fresh },
        state: closer::llm::JobState::Done("research #1".into()),
        calls: 1,
        cost: 0.0,
        note: None,
        report: None,
    };
    let requests = s.app.update(Action::Job(done));
    s.io.settle(&mut s.app, requests).await;
    assert_eq!(status_of(&s.db, fresh).await, "RESEARCHED");
    assert!(message(&s.app).contains("Rita Research moved NEW → RESEARCHED (research saved)"), "{}", message(&s.app));

    // Once someone else changes the row, the undo refuses and says so.
    sqlx::query("UPDATE prospects SET location = 'Accra', updated_at = now() AT TIME ZONE 'UTC' WHERE id = $1")
        .bind(fresh)
        .execute(&s.db.pool)
        .await
        .unwrap();
    press(&mut s.app, &s.io, [ch('u')]).await;
    assert_eq!(status_of(&s.db, fresh).await, "RESEARCHED");
    let err = s.app.state.status.error.clone().unwrap_or_default();
    assert!(err.contains("cannot undo") && err.contains("1 prospect changed since (Rita Research)"), "{err}");
    assert!(s.app.state.day.undo.is_none(), "a stale undo is dropped");
    let _ = std::fs::remove_dir_all(&s.dir);
}

#[tokio::test]
async fn status_and_active_keys_say_whom_they_changed_and_undo() {
    let (db, _) = support::demo_db(30).await;
    let mut s = setup(db, "keys").await;
    let p = s.app.state.prospects.selected_row().unwrap().clone();
    // A: the message names the prospect and offers the undo (issue 16, item 4).
    press(&mut s.app, &s.io, [ch('A')]).await;
    let m = message(&s.app);
    let word = if p.is_active { "inactive" } else { "active" };
    assert_eq!(m, format!("{} marked {word} · u undo", p.full_name));
    let active: bool = sqlx::query_scalar("SELECT is_active FROM prospects WHERE id = $1")
        .bind(p.id)
        .fetch_one(&s.db.pool)
        .await
        .unwrap();
    assert_eq!(active, !p.is_active);
    press(&mut s.app, &s.io, [ch('u')]).await;
    let active: bool = sqlx::query_scalar("SELECT is_active FROM prospects WHERE id = $1")
        .bind(p.id)
        .fetch_one(&s.db.pool)
        .await
        .unwrap();
    assert_eq!(active, p.is_active, "undone");

    // S and a label: old → new, then undone.
    press(&mut s.app, &s.io, [ch('S'), ch('G'), key(KeyCode::Enter)]).await;
    let last = s.app.state.enums.labels(closer::db::EnumKind::ProspectStatus).last().unwrap().clone();
    if p.status != last {
        assert_eq!(message(&s.app), format!("{}: {} → {last} · u undo", p.full_name, p.status));
        press(&mut s.app, &s.io, [ch('u')]).await;
    }
    assert_eq!(status_of(&s.db, p.id).await, p.status);

    // A printable key bound to nothing starts a search instead of doing nothing.
    press(&mut s.app, &s.io, [ch('K')]).await;
    assert!(s.app.state.searching);
    assert_eq!(s.app.state.prospects.filter.search, "K");
}

#[tokio::test]
async fn bulk_actions_over_a_filter_in_one_step() {
    let (db, _) = support::demo_db(300).await;
    let mut s = setup(db, "bulk").await;
    // Filter by the first status label, mark every row of the filter.
    press(&mut s.app, &s.io, [ch('s')]).await;
    let status = s.app.state.prospects.filter.status.clone().unwrap();
    let before: Vec<(i32, String, bool)> = sqlx::query_as(
        "SELECT id, status::text, is_active FROM prospects WHERE status = $1::prospect_status ORDER BY id",
    )
    .bind(&status)
    .fetch_all(&s.db.pool)
    .await
    .unwrap();
    assert!(before.len() > 20, "the demo has enough {status} prospects");
    press(&mut s.app, &s.io, [ch('*')]).await;
    assert_eq!(s.app.state.day.marks.ids.len(), before.len());
    assert!(message(&s.app).starts_with(&format!("marked {} in the filter", before.len())), "{}", message(&s.app));
    assert!(screen(&s.app).contains(&format!("{} marked", before.len())));

    // S sets the status of all of them (even those the filter no longer shows).
    let labels = s.app.state.enums.labels(closer::db::EnumKind::ProspectStatus).to_vec();
    let target = labels.iter().position(|l| *l != status).unwrap();
    let mut keys = vec![ch('S')];
    keys.extend(std::iter::repeat_n(ch('j'), target));
    keys.push(key(KeyCode::Enter));
    press(&mut s.app, &s.io, keys).await;
    let n: i64 =
        sqlx::query_scalar("SELECT count(*) FROM prospects WHERE id = ANY($1) AND status = $2::prospect_status")
            .bind(before.iter().map(|r| r.0).collect::<Vec<_>>())
            .bind(&labels[target])
            .fetch_one(&s.db.pool)
            .await
            .unwrap();
    assert_eq!(n as usize, before.len());
    assert!(message(&s.app).starts_with(&format!("set {} on {} prospects (", labels[target], before.len())));

    // One u restores every row.
    press(&mut s.app, &s.io, [ch('u')]).await;
    let after: Vec<(i32, String, bool)> =
        sqlx::query_as("SELECT id, status::text, is_active FROM prospects WHERE id = ANY($1) ORDER BY id")
            .bind(before.iter().map(|r| r.0).collect::<Vec<_>>())
            .fetch_all(&s.db.pool)
            .await
            .unwrap();
    assert_eq!(after, before);

    // A, inactive: all of them; undone as one step.
    press(&mut s.app, &s.io, [ch('A'), key(KeyCode::Enter)]).await;
    let inactive: i64 = sqlx::query_scalar("SELECT count(*) FROM prospects WHERE id = ANY($1) AND NOT is_active")
        .bind(before.iter().map(|r| r.0).collect::<Vec<_>>())
        .fetch_one(&s.db.pool)
        .await
        .unwrap();
    assert_eq!(inactive as usize, before.len());
    press(&mut s.app, &s.io, [ch('u')]).await;
    let after: Vec<(i32, String, bool)> =
        sqlx::query_as("SELECT id, status::text, is_active FROM prospects WHERE id = ANY($1) ORDER BY id")
            .bind(before.iter().map(|r| r.0).collect::<Vec<_>>())
            .fetch_all(&s.db.pool)
            .await
            .unwrap();
    assert_eq!(after, before);

    // Ctrl-e exports the marked rows, privately.
    press(&mut s.app, &s.io, [ctrl('e')]).await;
    let m = message(&s.app);
    assert!(m.starts_with(&format!("exported {} prospects to ", before.len())), "{m}");
    let path = m.rsplit(" to ").next().unwrap();
    let csv = std::fs::read_to_string(path).unwrap();
    assert_eq!(csv.lines().count(), before.len() + 1);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(path).unwrap().permissions().mode() & 0o777, 0o600);

    // Esc clears the marks.
    press(&mut s.app, &s.io, [key(KeyCode::Esc)]).await;
    assert!(s.app.state.day.marks.is_empty());
    assert_eq!(message(&s.app), format!("cleared {} marks", before.len()));
    let _ = std::fs::remove_dir_all(&s.dir);
}

#[tokio::test]
async fn a_bulk_change_over_many_rows_shows_progress_and_undoes_as_one_step() {
    let (db, _) = support::fresh_db().await;
    let c = company(&db).await;
    let n = closer::db::bulk::CHUNK as i64 + 1_500;
    sqlx::query(
        "INSERT INTO prospects (full_name, email, company_id, is_active, status, created_at, updated_at)
         SELECT 'Bulk ' || g, 'bulk' || g || '@example.com', $1, true, 'NEW', now(), now() FROM generate_series(1, $2) g",
    )
    .bind(c)
    .bind(n)
    .execute(&db.pool)
    .await
    .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx).with_data_dir(temp_dir("progress"));
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    press(&mut app, &io, [ch('*')]).await;
    assert_eq!(app.state.day.marks.ids.len() as i64, n);
    press(&mut app, &io, [ch('S'), ch('j'), ch('j'), key(KeyCode::Enter)]).await;
    let contacted: i64 = sqlx::query_scalar("SELECT count(*) FROM prospects WHERE status = 'CONTACTED'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(contacted, n);
    // Progress arrived while it ran, and reads as such in the status bar.
    let mut progress = Vec::new();
    while let Ok(a) = rx.try_recv() {
        app.update(a);
        progress.push(app.state.status.message.clone().unwrap_or_default());
    }
    assert!(progress.iter().any(|m| m.starts_with("setting CONTACTED: 5,000 of 6,500")), "{progress:?}");
    press(&mut app, &io, [ch('u')]).await;
    let new: i64 =
        sqlx::query_scalar("SELECT count(*) FROM prospects WHERE status = 'NEW'").fetch_one(&db.pool).await.unwrap();
    assert_eq!(new, n, "{:?}", app.state.status);
}
