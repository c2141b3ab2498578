//! The day's work (issue 13): the due rules on fixed dates (weekends,
//! never-contacted prospects, unknown labels, snoozes), `closer today
//! --format json` against an independent SQL computation, the Today view's
//! keys, opening on Today, and the index and no-index paths agreeing. All
//! against real PostgreSQL. Moves, undo and bulk actions: `undo.rs`.
//!
//! By topic: `rules`, `listing` (the JSON output and the index paths),
//! `view`; the helpers they share (also with `undo.rs`) are here.

use chrono::NaiveDate;
use closer::app::io::Io;
use closer::app::App;
use closer::config::Config;
use closer::db::followups::{Group, ItemKind, Rules, TodayList};
use closer::db::Db;

use crate::support::{self};

mod listing;
mod rules;
mod view;

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
