//! Live refresh: two Closers on one database see each other's writes (via
//! pg_notify/LISTEN), and a write by another program is picked up by the
//! poll; each time the status bar says the view was refreshed by someone else.

use std::time::{Duration, Instant};

use closer::app::action::Action;
use closer::app::io::Io;
use closer::app::App;
use closer::db::{Db, EnumKind, OpenOptions};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::support;

/// One Closer: its own pool, I/O layer, app state and live tasks.
struct Closer {
    db: Db,
    app: App,
    io: Io,
    rx: UnboundedReceiver<Action>,
    _live: closer::app::live::Live,
}

async fn closer_on(url: &str, dir: &std::path::Path) -> Closer {
    let (db, _) = Db::open(url, &OpenOptions::default()).await.unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx.clone()).with_data_dir(dir.to_path_buf());
    let mut app = App::new(&closer::config::Config::defaults(), db.enums.clone(), db.display_url.clone(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    let live = closer::app::live::start(db.clone(), tx, Duration::from_millis(300));
    Closer { db, app, io, rx, _live: live }
}

impl Closer {
    /// Waits (up to a generous deadline, not a timing target) for news
    /// from the live tasks, applies it and answers what it asks for.
    async fn until_changed(&mut self, what: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !what(&self.app) {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(Some(action)) = tokio::time::timeout(left, self.rx.recv()).await else {
                panic!("no change arrived; status: {:?}", self.app.state.status.message)
            };
            let requests = self.app.update(action);
            self.io.settle(&mut self.app, requests).await;
        }
    }
}

fn status_of(app: &App, id: i32) -> Option<String> {
    (0..app.state.prospects.len())
        .filter_map(|i| app.state.prospects.row(i))
        .find(|r| r.id == id)
        .map(|r| r.status.clone())
}

#[tokio::test]
async fn two_closers_on_one_database_see_each_others_writes() {
    let (_, url) = support::demo_db(30).await;
    let dir = std::env::temp_dir().join(format!("closer-live-{}", std::process::id()));
    let mut a = closer_on(&url, &dir.join("a")).await;
    let mut b = closer_on(&url, &dir.join("b")).await;
    // Let both LISTENs start.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let row = b.app.state.prospects.selected_row().cloned().expect("a prospect on screen");
    let labels = a.db.enums.labels(EnumKind::ProspectStatus).to_vec();
    let other = labels.iter().find(|l| **l != row.status).unwrap().clone();
    a.db.set_prospect_status(row.id, &other).await.unwrap();
    b.until_changed(|app| status_of(app, row.id).as_deref() == Some(other.as_str())).await;
    let message = b.app.state.status.message.clone().unwrap_or_default();
    assert!(message.contains("another Closer") && message.contains(&format!("#{}", row.id)), "{message}");

    // And back: B logs an interaction, A's timeline shows it.
    let subject = "Logged by the other Closer";
    let selected = a.app.state.panel.prospect_id.expect("A shows a prospect");
    let itype = b.db.enums.labels(EnumKind::InteractionTypes)[0].clone();
    b.db.create_interaction(&closer::db::interactions::InteractionInput {
        prospect_id: selected,
        event_id: None,
        interaction_type: itype,
        interaction_date: chrono::Utc::now().naive_utc(),
        subject: subject.into(),
        content: "body".into(),
        sentiment: None,
        outcome: None,
    })
    .await
    .unwrap();
    a.until_changed(|app| app.state.panel.timeline.iter().any(|t| t.subject == subject)).await;
    assert!(a.app.state.status.message.clone().unwrap_or_default().contains("another Closer"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_write_by_another_program_is_picked_up_by_the_poll() {
    let (_, url) = support::demo_db(30).await;
    let dir = std::env::temp_dir().join(format!("closer-poll-{}", std::process::id()));
    let mut b = closer_on(&url, &dir).await;
    let row = b.app.state.prospects.selected_row().cloned().expect("a prospect on screen");
    // The original tool, on its own connection, sending no notice.
    let mut tool = support::connect(&url).await;
    sqlx::query("UPDATE prospects SET full_name = 'Renamed Elsewhere', updated_at = now() WHERE id = $1")
        .bind(row.id)
        .execute(&mut tool)
        .await
        .unwrap();
    let renamed = |app: &App| {
        (0..app.state.prospects.len())
            .filter_map(|i| app.state.prospects.row(i))
            .any(|r| r.id == row.id && r.full_name == "Renamed Elsewhere")
    };
    b.until_changed(renamed).await;
    let message = b.app.state.status.message.clone().unwrap_or_default();
    assert!(message.contains("another program") && message.contains("prospects"), "{message}");
    let _ = std::fs::remove_dir_all(dir);
}
