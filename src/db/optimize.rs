//! `closer db optimize`: adds what Closer's queries want to a database
//! Closer did not create, without touching a seed table, and `--undo`
//! removes exactly that.
//!
//! What it may add, and nothing else:
//! - the indexes of [`super::indexes::WANTED`] that are missing, named
//!   `closer_…`, each with CREATE INDEX CONCURRENTLY outside a transaction
//!   (no lock that blocks the original tool's reads or writes);
//! - the `closer` schema with the cost rollups (migrations/0004);
//! - the pg_trgm extension, inside the `closer` schema, when the server has
//!   it and lets this role create it (otherwise search runs without
//!   trigram indexes).
//!
//! Each object is written to `closer.optimize_log` before it is made, so an
//! interrupted run is still undone completely, and `--undo` drops only what
//! the log names (an index of the same shape made by someone else stays).

use color_eyre::eyre::Result;
use sqlx::Connection;

use super::indexes::{Trigram, Wanted};
use super::{quote_ident, Db};

/// The DDL of Closer's own schema: the same file the migration runs.
pub const CLOSER_SCHEMA_SQL: &str = include_str!("../../migrations/0004_closer_schema.sql");

/// What optimize would do here.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The `closer` schema (cost rollups) is missing.
    pub create_schema: bool,
    /// pg_trgm would be created in the `closer` schema.
    pub create_extension: bool,
    pub indexes: Vec<Wanted>,
    /// Wanted indexes that will not be made, and why.
    pub skipped: Vec<(Wanted, String)>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        !self.create_schema && !self.create_extension && self.indexes.is_empty()
    }
}

/// What a run did: one line per object, and the failures.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub done: Vec<String>,
    pub failed: Vec<String>,
}

impl Db {
    pub async fn optimize_plan(&self) -> Result<Plan> {
        let report = self.index_report().await?;
        let mut plan = Plan { create_schema: !self.has_rollups().await?, ..Default::default() };
        let trigram_ok = match &report.trigram {
            Trigram::Installed { .. } => true,
            Trigram::Available => {
                plan.create_extension = true;
                true
            }
            Trigram::Unavailable => false,
        };
        for w in report.missing {
            if w.trigram && !trigram_ok {
                plan.skipped.push((w, "the server has no pg_trgm extension (postgresql-contrib)".into()));
            } else {
                plan.indexes.push(w);
            }
        }
        Ok(plan)
    }

    /// Carries out `plan`; `progress` gets a line as each step finishes.
    pub async fn optimize_apply(&self, plan: &Plan, progress: &mut dyn FnMut(&str)) -> Result<Outcome> {
        let mut out = Outcome::default();
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text").fetch_one(&self.pool).await?;
        {
            let made_schema = !self.has_rollups().await?;
            let mut tx = self.pool.begin().await?;
            let existed: bool =
                sqlx::query_scalar("SELECT to_regnamespace('closer') IS NOT NULL").fetch_one(&mut *tx).await?;
            sqlx::raw_sql(CLOSER_SCHEMA_SQL).execute(&mut *tx).await?;
            if made_schema && !existed {
                log(&mut tx, "schema", "closer").await?;
            }
            tx.commit().await?;
            if made_schema {
                let line = "created schema closer (cost rollups)".to_string();
                progress(&line);
                out.done.push(line);
            }
        }
        let mut trigram_schema = match self.index_report().await?.trigram {
            Trigram::Installed { schema } => Some(schema),
            _ => None,
        };
        if plan.create_extension && trigram_schema.is_none() {
            let attempt = async {
                let mut tx = self.pool.begin().await?;
                sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA closer").execute(&mut *tx).await?;
                log(&mut tx, "extension", "pg_trgm").await?;
                tx.commit().await?;
                Ok::<_, color_eyre::eyre::Report>(())
            };
            match attempt.await {
                Ok(()) => {
                    trigram_schema = Some("closer".into());
                    let line = "created extension pg_trgm in schema closer".to_string();
                    progress(&line);
                    out.done.push(line);
                }
                Err(e) => {
                    let line = format!("pg_trgm not created ({e}); search runs without trigram indexes");
                    progress(&line);
                    out.failed.push(line);
                }
            }
        }
        let mut conn = self.pool.acquire().await?;
        for w in &plan.indexes {
            let Some(definition) = definition(w, &schema, trigram_schema.as_deref()) else {
                out.failed.push(format!("{}: skipped, no pg_trgm", w.name));
                continue;
            };
            let t = std::time::Instant::now();
            match create_index(&mut conn, w.name, &schema, &definition).await {
                Ok(()) => {
                    let line = format!("created index {} in {:.1} s", w.name, t.elapsed().as_secs_f64());
                    progress(&line);
                    out.done.push(line);
                }
                Err(e) => {
                    let line = format!("{}: {e}", w.name);
                    progress(&line);
                    out.failed.push(line);
                }
            }
        }
        drop(conn);
        let t = std::time::Instant::now();
        let r = self.refresh_rollups(true).await?;
        let line =
            format!("cost rollups up to date ({} usage rows) in {:.1} s", r.rolled_rows, t.elapsed().as_secs_f64());
        progress(&line);
        out.done.push(line);
        Ok(out)
    }

    /// Drops exactly what `closer db optimize` recorded making here.
    pub async fn optimize_undo(&self, progress: &mut dyn FnMut(&str)) -> Result<Outcome> {
        let mut out = Outcome::default();
        let made = self.optimize_log().await?;
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text").fetch_one(&self.pool).await?;
        let mut conn = self.pool.acquire().await?;
        for (kind, name) in &made {
            if kind != "index" {
                continue;
            }
            let sql = format!("DROP INDEX CONCURRENTLY IF EXISTS {}.{}", quote_ident(&schema), quote_ident(name));
            match sqlx::raw_sql(&sql).execute(&mut *conn).await {
                Ok(_) => {
                    sqlx::query("DELETE FROM closer.optimize_log WHERE kind = 'index' AND name = $1")
                        .bind(name)
                        .execute(&mut *conn)
                        .await?;
                    let line = format!("dropped index {name}");
                    progress(&line);
                    out.done.push(line);
                }
                Err(e) => out.failed.push(format!("index {name}: {e}")),
            }
        }
        if made.contains(&("extension".into(), "pg_trgm".into())) {
            match sqlx::raw_sql("DROP EXTENSION IF EXISTS pg_trgm").execute(&mut *conn).await {
                Ok(_) => {
                    sqlx::query("DELETE FROM closer.optimize_log WHERE kind = 'extension'").execute(&mut *conn).await?;
                    progress("dropped extension pg_trgm");
                    out.done.push("dropped extension pg_trgm".into());
                }
                Err(e) => out.failed.push(format!("extension pg_trgm kept: {e}")),
            }
        }
        if made.contains(&("schema".into(), "closer".into())) && out.failed.is_empty() {
            let result = async {
                let mut tx = conn.begin().await?;
                sqlx::raw_sql(
                    "DROP TABLE IF EXISTS closer.usage_rollup, closer.usage_rollup_month, closer.usage_days,
                                          closer.rollup_state, closer.optimize_log;
                     DROP SCHEMA closer",
                )
                .execute(&mut *tx)
                .await?;
                tx.commit().await
            };
            match result.await {
                Ok(()) => {
                    progress("dropped schema closer (cost rollups)");
                    out.done.push("dropped schema closer".into());
                }
                Err(e) => out.failed.push(format!("schema closer kept: {e}")),
            }
        }
        Ok(out)
    }
}

async fn log(tx: &mut sqlx::PgConnection, kind: &str, name: &str) -> Result<()> {
    sqlx::query("INSERT INTO closer.optimize_log (kind, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(kind)
        .bind(name)
        .execute(tx)
        .await?;
    Ok(())
}

/// `ON schema.table USING …` for a wanted index (None: trigram without pg_trgm).
fn definition(w: &Wanted, schema: &str, trigram_schema: Option<&str>) -> Option<String> {
    let table = format!("{}.{}", quote_ident(schema), quote_ident(w.table));
    Some(if w.trigram {
        format!("{table} USING gin ({} {}.gin_trgm_ops)", quote_ident(w.columns), quote_ident(trigram_schema?))
    } else {
        // The column lists are constants of this program, written as
        // PostgreSQL prints them (plain lower-case names need no quoting).
        format!("{table} USING btree ({})", w.columns)
    })
}

/// Logs the index, then builds it without blocking writers. An index left
/// invalid by an earlier interrupted run of ours is dropped and rebuilt;
/// an index of that name that is not ours is left alone.
async fn create_index(conn: &mut sqlx::PgConnection, name: &str, schema: &str, definition: &str) -> Result<()> {
    let qualified = format!("{}.{}", quote_ident(schema), quote_ident(name));
    let existing: Option<bool> = sqlx::query_scalar(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace",
    )
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?;
    if existing.is_some() {
        let ours: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM closer.optimize_log WHERE kind = 'index' AND name = $1)")
                .bind(name)
                .fetch_one(&mut *conn)
                .await?;
        if !ours {
            color_eyre::eyre::bail!("an index of this name exists and was not made by closer db optimize; left alone");
        }
        if existing == Some(true) {
            return Ok(());
        }
        sqlx::raw_sql(&format!("DROP INDEX CONCURRENTLY IF EXISTS {qualified}")).execute(&mut *conn).await?;
    }
    log(conn, "index", name).await?;
    let sql = format!("CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {definition}", quote_ident(name));
    if let Err(e) = sqlx::raw_sql(&sql).execute(&mut *conn).await {
        // A failed concurrent build leaves an invalid index behind.
        let _ = sqlx::raw_sql(&format!("DROP INDEX CONCURRENTLY IF EXISTS {qualified}")).execute(&mut *conn).await;
        let _ = sqlx::query("DELETE FROM closer.optimize_log WHERE kind = 'index' AND name = $1")
            .bind(name)
            .execute(&mut *conn)
            .await;
        return Err(e.into());
    }
    Ok(())
}
