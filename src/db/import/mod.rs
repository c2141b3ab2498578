//! The database side of `closer import`: checked rows are streamed with
//! COPY into a temporary staging table, then a few set-based statements
//! classify every row (new, update, unchanged, duplicate within the file or
//! of a row already stored, rejected for a reason only the database can
//! know) and write them. Everything runs in one transaction: a dry run
//! rolls it back after the classification, so it reports exactly what a
//! real run would do without touching a sequence; an interrupted run (a
//! dropped connection, Ctrl-C) leaves nothing behind.
//!
//! Nothing in the schema is unique, so de-duplication is Closer's job: the
//! keys are compared trimmed and case-insensitively, and a real run locks
//! the tables it de-duplicates against (SHARE ROW EXCLUSIVE: others can
//! read, nobody else can insert the same row meanwhile).

mod events;
mod interactions;
mod prospects;

use std::fmt::Write as _;

use chrono::NaiveDateTime;
use color_eyre::eyre::{Result, WrapErr};
use serde_json::Value;
use sqlx::PgConnection;

pub use events::EventRow;
pub use interactions::{EventRef, InteractionRow};
pub use prospects::ProspectRow;

use super::EnumLabels;
use crate::import::Entity;

/// Rejections listed in a summary at most (the rest are counted), so a
/// file of a million bad rows keeps memory flat.
pub const MAX_LISTED: usize = 10_000;

/// What the classification found (and, unless a dry run, wrote).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub new: u64,
    pub updated: u64,
    /// Duplicates of a stored row that an update would not change.
    pub unchanged: u64,
    /// Rows whose key an earlier row of the file already has.
    pub duplicates_in_file: u64,
    /// Rows whose key a stored row already has (skipped).
    pub duplicates_in_db: u64,
    /// (line, reason) of rows rejected for what only the database knows.
    pub rejected: Vec<(u64, String)>,
    pub rejected_count: u64,
    pub companies_created: u64,
    pub industries_created: u64,
}

/// The staging table's CREATE and the COPY that fills it.
pub fn staging(entity: Entity) -> (&'static str, &'static str) {
    match entity {
        Entity::Prospects => (prospects::STAGING, prospects::COPY),
        Entity::Interactions => (interactions::STAGING, interactions::COPY),
        Entity::Events => (events::STAGING, events::COPY),
    }
}

/// Creates the staging table (dropped at the end of the transaction).
pub async fn create_staging(conn: &mut PgConnection, entity: Entity) -> Result<()> {
    sqlx::query(staging(entity).0).execute(&mut *conn).await.wrap_err("cannot create the staging table")?;
    Ok(())
}

/// Classifies the staged rows and, unless `dry_run`, writes them.
pub async fn apply(
    conn: &mut PgConnection,
    entity: Entity,
    update: bool,
    dry_run: bool,
    enums: &EnumLabels,
) -> Result<Plan> {
    let table = match entity {
        Entity::Prospects => "import_prospects",
        Entity::Interactions => "import_interactions",
        Entity::Events => "import_events",
    };
    // A temporary table has no statistics until analysed; without them the
    // planner guesses nested loops over 100,000 rows. A small sample is
    // enough for the hash joins that follow.
    sqlx::query("SET LOCAL default_statistics_target = 10").execute(&mut *conn).await?;
    sqlx::query(&format!("ANALYZE {table}")).execute(&mut *conn).await?;
    sqlx::query("RESET default_statistics_target").execute(&mut *conn).await?;
    let mut plan = match entity {
        Entity::Prospects => prospects::apply(conn, update, dry_run, enums).await,
        Entity::Interactions => interactions::apply(conn, update, dry_run).await,
        Entity::Events => events::apply(conn, update, dry_run).await,
    }
    .wrap_err_with(|| format!("importing {}", entity.name()))?;
    let counts: Vec<(String, i64)> =
        sqlx::query_as("SELECT action, count(*) FROM import_plan GROUP BY action").fetch_all(&mut *conn).await?;
    for (action, n) in counts {
        let n = n as u64;
        match action.as_str() {
            "insert" => plan.new = n,
            "update" => plan.updated = n,
            "unchanged" => plan.unchanged = n,
            "dup_file" => plan.duplicates_in_file = n,
            "dup_db" => plan.duplicates_in_db = n,
            "reject" => plan.rejected_count = n,
            _ => {}
        }
    }
    plan.rejected = sqlx::query_as::<_, (i64, String)>(
        "SELECT line, reason FROM import_plan WHERE action = 'reject' ORDER BY line LIMIT $1",
    )
    .bind(MAX_LISTED as i64)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(l, r)| (l as u64, r))
    .collect();
    Ok(plan)
}

/// Locks tables against concurrent inserts for the rest of the transaction.
async fn lock(conn: &mut PgConnection, tables: &str) -> Result<()> {
    sqlx::query(&format!("LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")).execute(&mut *conn).await?;
    Ok(())
}

/// Rows below which index maintenance row by row is cheap enough.
const BULK_ROWS: i64 = 10_000;

/// A first load (at least [`BULK_ROWS`] new rows, and no fewer than the
/// table holds) is several times faster when the table's secondary indexes
/// (the trigram GIN ones above all) are built once after the insert rather
/// than maintained row by row. Only on a database Closer created (the
/// indexes are its own), only non-unique ones, inside the import's
/// transaction (an error or a cancel restores them); readers of the table
/// wait until the commit. Returns the definitions to build again.
async fn drop_indexes_for_load(conn: &mut PgConnection, table: &str, incoming: i64) -> Result<Vec<String>> {
    if incoming < BULK_ROWS {
        return Ok(Vec::new());
    }
    let ours = super::Db::created_by_closer(&mut *conn).await?;
    let stored: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&mut *conn).await?;
    if !ours || stored > incoming {
        return Ok(Vec::new());
    }
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
          WHERE indrelid = $1::regclass AND NOT indisprimary AND NOT indisunique AND indisvalid",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX {name}")).execute(&mut *conn).await?;
    }
    tracing::info!(table, indexes = indexes.len(), incoming, "bulk load: indexes rebuilt after the insert");
    Ok(indexes.into_iter().map(|(_, def)| def).collect())
}

/// Builds the indexes [`drop_indexes_for_load`] dropped.
async fn rebuild_indexes(conn: &mut PgConnection, defs: Vec<String>) -> Result<()> {
    if defs.is_empty() {
        return Ok(());
    }
    sqlx::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut *conn).await?;
    for def in defs {
        sqlx::query(&def).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Builds one row of COPY text format (tab-separated, `\N` for NULL).
pub struct CopyLine<'a> {
    buf: &'a mut String,
    first: bool,
}

impl<'a> CopyLine<'a> {
    pub fn new(buf: &'a mut String) -> Self {
        Self { buf, first: true }
    }

    fn sep(&mut self) {
        if !self.first {
            self.buf.push('\t');
        }
        self.first = false;
    }

    pub fn int(mut self, v: u64) -> Self {
        self.sep();
        let _ = write!(self.buf, "{v}");
        self
    }

    pub fn opt_int(mut self, v: Option<i32>) -> Self {
        self.sep();
        match v {
            Some(v) => {
                let _ = write!(self.buf, "{v}");
            }
            None => self.buf.push_str("\\N"),
        }
        self
    }

    pub fn text(mut self, v: Option<&str>) -> Self {
        self.sep();
        match v {
            None => self.buf.push_str("\\N"),
            Some(s) => {
                for c in s.chars() {
                    match c {
                        '\\' => self.buf.push_str("\\\\"),
                        '\t' => self.buf.push_str("\\t"),
                        '\n' => self.buf.push_str("\\n"),
                        '\r' => self.buf.push_str("\\r"),
                        c => self.buf.push(c),
                    }
                }
            }
        }
        self
    }

    pub fn time(mut self, v: Option<NaiveDateTime>) -> Self {
        self.sep();
        match v {
            Some(t) => {
                let _ = write!(self.buf, "{}", t.format("%Y-%m-%d %H:%M:%S%.f"));
            }
            None => self.buf.push_str("\\N"),
        }
        self
    }

    pub fn boolean(mut self, v: Option<bool>) -> Self {
        self.sep();
        self.buf.push_str(match v {
            Some(true) => "t",
            Some(false) => "f",
            None => "\\N",
        });
        self
    }

    pub fn json(self, v: Option<&Value>) -> Self {
        let s = v.map(Value::to_string);
        self.text(s.as_deref())
    }

    pub fn end(self) {
        self.buf.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes() {
        let mut s = String::new();
        CopyLine::new(&mut s).int(3).text(Some("a\tb\\c\nd")).text(None).boolean(Some(true)).end();
        assert_eq!(s, "3\ta\\tb\\\\c\\nd\t\\N\tt\n");
    }
}
