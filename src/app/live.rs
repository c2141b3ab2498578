//! Live refresh between users (issue 15, item 6), and the one-time hint to
//! run `closer db optimize`.
//!
//! Two background tasks feed the event loop with `Loaded::Changed`:
//! - a PgListener on `closer_changes`: other Closers announce their writes
//!   there, inside the writing transaction (src/db/notify.rs), so they show
//!   here within milliseconds of the commit;
//! - a poll of PostgreSQL's per-table change counters every few seconds,
//!   for writes by other programs (the original tool sends no notices).
//!   Counters moved by this process's own writes, or by a Closer that
//!   announced itself, are not reported again.
//!
//! The app then reloads what is on screen (keeping the selection) and says
//! in the status bar who changed what. The UI never waits for any of it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::action::{Action, Loaded};
use super::io::Request;
use super::state::View;
use super::App;
use crate::db::notify::{self, Change};
use crate::db::Db;

/// How often other programs' writes are looked for.
pub const POLL: Duration = Duration::from_secs(3);

/// The background tasks; dropping this stops them.
pub struct Live {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Live {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts listening for other Closers and polling for other programs.
pub fn start(db: Db, tx: UnboundedSender<Action>, poll: Duration) -> Live {
    Live { tasks: vec![tokio::spawn(listen(db.clone(), tx.clone())), tokio::spawn(watch(db, tx, poll))] }
}

fn send(tx: &UnboundedSender<Action>, change: Change) -> bool {
    tx.send(Action::Loaded(Box::new(Loaded::Changed(change)))).is_ok()
}

async fn listen(db: Db, tx: UnboundedSender<Action>) {
    // Not while the first screen loads: its connection would only compete.
    tokio::time::sleep(Duration::from_millis(300)).await;
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&db.pool).await {
            Ok(l) => l,
            Err(_) => {
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        if listener.listen(notify::CHANNEL).await.is_err() {
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => {
                    let Ok(change) = serde_json::from_str::<Change>(n.payload()) else { continue };
                    if change.is_from(&db) {
                        continue;
                    }
                    notify::note_tables(&db, &change.tables);
                    if !send(&tx, change) {
                        return;
                    }
                }
                // The connection dropped and came back: notices sent
                // meanwhile are lost, so reload what is on screen quietly.
                Ok(None) => {
                    let quiet = Change { origin: String::new(), tables: all(), prospect_id: None, quiet: true };
                    if !send(&tx, quiet) {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
    }
}

fn all() -> Vec<String> {
    notify::WATCHED.iter().map(|t| t.to_string()).collect()
}

async fn watch(db: Db, tx: UnboundedSender<Action>, poll: Duration) {
    let mut last = db.table_changes().await.ok();
    loop {
        tokio::time::sleep(poll).await;
        let Ok(now) = db.table_changes().await else { continue };
        if let Some(before) = &last {
            let foreign: Vec<String> = notify::changed_tables(before, &now)
                .into_iter()
                .filter(|t| !notify::explained(&db, t, notify::EXPLAINED_FOR))
                .collect();
            if !foreign.is_empty()
                && !send(&tx, Change { origin: String::new(), tables: foreign, prospect_id: None, quiet: false })
            {
                return;
            }
        }
        last = Some(now);
    }
}

/// Set once this process has checked its indexes after a slow query.
static INDEXES_CHECKED: AtomicBool = AtomicBool::new(false);

/// A read slower than this makes Closer look for missing indexes (once).
const SLOW: Duration = Duration::from_millis(200);

/// Called by the I/O layer after each read: the first slow one on a
/// database that lacks Closer's indexes brings a status-bar hint.
pub fn note_duration(db: &Db, tx: &UnboundedSender<Action>, kind: &'static str, took: Duration) {
    let key_read = matches!(kind, "prospect_page" | "prospect_count" | "detail" | "timeline" | "costs");
    if !key_read || took < SLOW || INDEXES_CHECKED.swap(true, Ordering::SeqCst) {
        return;
    }
    let (db, tx) = (db.clone(), tx.clone());
    tokio::spawn(async move {
        let Ok(report) = db.index_report().await else { return };
        if !report.missing.is_empty() {
            let text = format!(
                "that took {} ms: this database lacks {} of the indexes Closer uses; `closer db optimize` adds them",
                took.as_millis(),
                report.missing.len()
            );
            let _ = tx.send(Action::Loaded(Box::new(Loaded::Notice(text))));
        }
    });
}

impl App {
    /// Someone else changed the database: reload what is on screen.
    pub(super) fn on_change(&mut self, change: Change, out: &mut Vec<Request>) {
        let touches = |tables: &[&str]| tables.iter().any(|t| change.touches(t));
        let s = &mut self.state;
        // Views not on screen reload when next opened.
        if touches(&["events", "interactions"]) && s.view != View::Events {
            s.events.loaded = false;
        }
        if touches(&["solutions", "industry_solutions", "industries"]) && s.view != View::Solutions {
            s.solutions.loaded = false;
        }
        if touches(&["outreach_drafts", "prospects", "companies"]) && s.view != View::Drafts {
            s.drafts.loaded = false;
        }
        let shown = match s.view {
            View::Prospects => {
                let list = touches(&["prospects", "companies", "industries", "prospect_research"]);
                let panel = list || touches(&["interactions", "outreach_drafts"]);
                let mine = change.prospect_id.is_none() || change.prospect_id == s.panel.prospect_id;
                if list {
                    self.reload_loaded_pages(true, out);
                }
                if panel && mine {
                    self.reload_panel_of(self.state.panel.prospect_id, out);
                }
                list || (panel && mine)
            }
            View::Events if touches(&["events", "interactions"]) => {
                out.push(Request::Events);
                true
            }
            View::Solutions if touches(&["solutions", "industry_solutions", "industries"]) => {
                out.push(Request::Catalog { industry_id: s.solutions.industry_id });
                true
            }
            View::Costs if touches(&["llm_usage_logs"]) => {
                if !s.costs.loading {
                    self.load_costs(out);
                }
                true
            }
            View::Drafts if touches(&["outreach_drafts", "prospects", "companies"]) => {
                self.reload_drafts(out);
                true
            }
            _ => false,
        };
        if shown && !change.quiet {
            let who = if change.origin.is_empty() { "another program" } else { "another Closer" };
            let what = match change.prospect_id {
                Some(id) => format!("prospect #{id}"),
                None => change.tables.join(", "),
            };
            self.state.status.message = Some(format!("refreshed: {who} changed {what}"));
        }
    }
}
