//! Live refresh between users: what Closer announces when it writes, and
//! the cheap signal that tells it another program wrote.
//!
//! Closer's own writes send `pg_notify('closer_changes', …)` inside the
//! writing transaction, so the notice goes out exactly when the change is
//! visible (on commit) and never for a rolled-back write; no trigger is put
//! on a seed table. Other Closers LISTEN (sqlx's PgListener, src/app/live.rs).
//!
//! Other tools send nothing. Their writes move PostgreSQL's per-table
//! statistics counters (`n_tup_ins + n_tup_upd + n_tup_del` in
//! pg_stat_user_tables), which one catalog query reads in well under a
//! millisecond at any table size; the app polls them every few seconds.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use color_eyre::eyre::Result;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::Db;

/// The LISTEN/NOTIFY channel.
pub const CHANNEL: &str = "closer_changes";

/// One write, as announced to the other Closers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The Closer that wrote ([`Db::instance`]); empty when the
    /// change was found by polling (another program).
    #[serde(rename = "o", default)]
    pub origin: String,
    /// Seed tables written.
    #[serde(rename = "t", default)]
    pub tables: Vec<String>,
    /// The prospect the write concerns, if one.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub prospect_id: Option<i32>,
    /// Reload without saying so (notices may have been missed while the
    /// listener reconnected). Never sent.
    #[serde(skip)]
    pub quiet: bool,
}

impl Change {
    /// True when `db` (this Closer) made the change.
    pub fn is_from(&self, db: &Db) -> bool {
        self.origin == db.instance
    }

    pub fn touches(&self, table: &str) -> bool {
        self.tables.iter().any(|t| t == table)
    }
}

/// A name for one opened database in notifications: pid, a counter and
/// the clock (unique enough among the Closers of one database).
pub fn new_instance_id() -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{n}-{:x}", std::process::id(), nanos & 0xffff_ffff_ffff)
}

/// Tables written by this process, or announced by another Closer, per
/// database, and when. The statistics counters move for those writes too (PostgreSQL may
/// publish them up to ~10 s late), so a counter that moved on such a table
/// within [`EXPLAINED_FOR`] is already accounted for.
static RECENT: Mutex<Option<HashMap<(String, String), Instant>>> = Mutex::new(None);

/// How long a write explains a moved counter (PostgreSQL's idle statistics
/// flush interval is 10 s).
pub const EXPLAINED_FOR: Duration = Duration::from_secs(11);

/// Records writes to `tables` that need no announcement of their own.
pub fn note_tables(db: &Db, tables: &[String]) {
    let mut recent = RECENT.lock().unwrap_or_else(|e| e.into_inner());
    let map = recent.get_or_insert_with(HashMap::new);
    let now = Instant::now();
    for t in tables {
        map.insert((db.display_url.clone(), t.clone()), now);
    }
}

/// True when a write to `table` by this process or a noticed Closer happened within `window`.
pub fn explained(db: &Db, table: &str, window: Duration) -> bool {
    let recent = RECENT.lock().unwrap_or_else(|e| e.into_inner());
    let key = (db.display_url.clone(), table.to_string());
    recent.as_ref().and_then(|m| m.get(&key)).is_some_and(|t| t.elapsed() <= window)
}

/// Announces a write; call it on the writing transaction, before COMMIT.
pub async fn send(db: &Db, conn: &mut PgConnection, tables: &[&str], prospect_id: Option<i32>) -> Result<()> {
    let change = Change {
        origin: db.instance.clone(),
        tables: tables.iter().map(|t| t.to_string()).collect(),
        prospect_id,
        quiet: false,
    };
    sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(serde_json::to_string(&change)?).execute(conn).await?;
    note_tables(db, &change.tables);
    Ok(())
}

/// The seed tables whose changes the views show.
pub const WATCHED: &[&str] = &[
    "prospects",
    "companies",
    "industries",
    "interactions",
    "outreach_drafts",
    "prospect_research",
    "events",
    "solutions",
    "industry_solutions",
    "llm_usage_logs",
];

impl Db {
    /// Row changes counted so far per watched table (inserts + updates +
    /// deletes, from the statistics collector).
    pub async fn table_changes(&self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT relname::text, (n_tup_ins + n_tup_upd + n_tup_del)::int8
               FROM pg_stat_user_tables
              WHERE schemaname = current_schema() AND relname = ANY($1)
              ORDER BY 1",
        )
        .bind(WATCHED)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// The tables whose counters differ between two readings.
pub fn changed_tables(before: &[(String, i64)], after: &[(String, i64)]) -> Vec<String> {
    after
        .iter()
        .filter(|(t, n)| before.iter().find(|(b, _)| b == t).map(|(_, m)| m) != Some(n))
        .map(|(t, _)| t.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_round_trips() {
        let c =
            Change { origin: new_instance_id(), tables: vec!["prospects".into()], prospect_id: Some(3), quiet: false };
        let back: Change = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        assert!(back.touches("prospects") && !back.touches("events"));
        let other: Change = serde_json::from_str(r#"{"o":"1-ff","t":["interactions"]}"#).unwrap();
        assert_eq!(other.prospect_id, None);
        assert_ne!(new_instance_id(), new_instance_id());
    }

    #[test]
    fn changed_tables_are_those_whose_counters_moved() {
        let a = vec![("events".to_string(), 3), ("prospects".to_string(), 10)];
        let b = vec![("events".to_string(), 3), ("prospects".to_string(), 11), ("solutions".to_string(), 1)];
        assert_eq!(changed_tables(&a, &b), ["prospects", "solutions"]);
        assert!(changed_tables(&b, &b).is_empty());
    }
}
