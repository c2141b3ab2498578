//! Changes to prospects that can be undone: a status or active flag set on
//! one prospect or on thousands (one transaction per action, in chunks so
//! progress can be shown), automatic status moves, and the undo itself.
//! Every change records each row's previous value and the `updated_at` it
//! wrote; an undo restores the previous values only if every row still has
//! that `updated_at`, i.e. nobody changed it since.

use std::sync::Arc;

use color_eyre::eyre::Result;

use super::models::Timestamp;
use super::Db;

/// Rows per statement: progress is reported after each chunk.
pub const CHUNK: usize = 5_000;

/// A later `updated_at` than any before it, even within one transaction,
/// so a change is always visible to the undo's check.
const STAMP: &str = "GREATEST(clock_timestamp() AT TIME ZONE 'UTC', p.updated_at + interval '1 microsecond')";

/// The previous values of one change.
#[derive(Debug, Clone, PartialEq)]
pub enum OldValues {
    Status(Vec<String>),
    Active(Vec<bool>),
}

/// What undoing a change needs: the rows, their previous values, and the
/// `updated_at` this change gave them.
#[derive(Clone, PartialEq)]
pub struct UndoRecord {
    /// "Kwame Mensah 898 marked inactive", for the messages.
    pub what: String,
    pub ids: Vec<i32>,
    pub stamps: Vec<Timestamp>,
    pub old: OldValues,
}

/// Only the size: a failed write's log line must hold neither names nor 100,000 ids.
impl std::fmt::Debug for UndoRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UndoRecord").field("rows", &self.ids.len()).finish_non_exhaustive()
    }
}

impl UndoRecord {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// The rows a change touched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changed {
    pub ids: Vec<i32>,
    pub stamps: Vec<Timestamp>,
    pub old_status: Vec<String>,
    pub old_active: Vec<bool>,
    /// The first few names, for the message.
    pub names: Vec<String>,
}

/// What an undo found.
#[derive(Debug, Clone, PartialEq)]
pub enum UndoOutcome {
    Undone(usize),
    /// Some rows changed (or were deleted) since: nothing was undone.
    ChangedSince {
        changed: i64,
        names: Vec<String>,
    },
}

/// Progress callback: (rows done, rows in all).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

const NAMES_KEPT: usize = 3;

#[derive(sqlx::FromRow)]
struct Row {
    id: i32,
    full_name: String,
    updated_at: Timestamp,
    old_status: Option<String>,
    old_active: Option<bool>,
}

impl Db {
    /// Sets the status of every prospect in `ids` that does not have it yet.
    pub async fn set_status_many(&self, ids: &[i32], status: &str, progress: Progress<'_>) -> Result<Changed> {
        self.check_status(status)?;
        let sql = format!(
            "WITH t AS (SELECT id, status::text AS old FROM prospects
                         WHERE id = ANY($1) AND status <> $2::prospect_status ORDER BY id FOR UPDATE)
             UPDATE prospects p SET status = $2::prospect_status, updated_at = {STAMP} FROM t WHERE p.id = t.id
             RETURNING p.id, p.full_name, p.updated_at, t.old AS old_status, NULL::bool AS old_active"
        );
        self.change_chunks(ids, &sql, |q| q.bind(status.to_string()), progress).await
    }

    /// Sets the active flag of every prospect in `ids` that does not have it yet.
    pub async fn set_active_many(&self, ids: &[i32], active: bool, progress: Progress<'_>) -> Result<Changed> {
        let sql = format!(
            "WITH t AS (SELECT id, is_active AS old FROM prospects
                         WHERE id = ANY($1) AND is_active <> $2 ORDER BY id FOR UPDATE)
             UPDATE prospects p SET is_active = $2, updated_at = {STAMP} FROM t WHERE p.id = t.id
             RETURNING p.id, p.full_name, p.updated_at, NULL::text AS old_status, t.old AS old_active"
        );
        self.change_chunks(ids, &sql, |q| q.bind(active), progress).await
    }

    /// Moves the prospects whose status is one of `from` to `to` (an
    /// automatic move: the caller has already left out every label at or
    /// after `to`, so it never goes backwards).
    pub async fn move_status(&self, ids: &[i32], from: &[String], to: &str) -> Result<Changed> {
        self.check_status(to)?;
        let sql = format!(
            "WITH t AS (SELECT id, status::text AS old FROM prospects
                         WHERE id = ANY($1) AND status::text = ANY($3) FOR UPDATE)
             UPDATE prospects p SET status = $2::prospect_status, updated_at = {STAMP} FROM t WHERE p.id = t.id
             RETURNING p.id, p.full_name, p.updated_at, t.old AS old_status, NULL::bool AS old_active"
        );
        let from = from.to_vec();
        self.change_chunks(ids, &sql, |q| q.bind(to.to_string()).bind(from.clone()), &|_, _| {}).await
    }

    async fn change_chunks<'q, F>(&self, ids: &[i32], sql: &'q str, bind: F, progress: Progress<'_>) -> Result<Changed>
    where
        F: Fn(
            sqlx::query::QueryAs<'q, sqlx::Postgres, Row, sqlx::postgres::PgArguments>,
        ) -> sqlx::query::QueryAs<'q, sqlx::Postgres, Row, sqlx::postgres::PgArguments>,
    {
        // One order for every writer of many rows: no deadlock between two bulk changes.
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut out = Changed::default();
        let mut tx = self.pool.begin().await?;
        for (n, chunk) in ids.chunks(CHUNK).enumerate() {
            let rows: Vec<Row> = bind(sqlx::query_as(sql).bind(chunk.to_vec())).fetch_all(&mut *tx).await?;
            for r in rows {
                if out.names.len() < NAMES_KEPT {
                    out.names.push(r.full_name);
                }
                out.ids.push(r.id);
                out.stamps.push(r.updated_at);
                if let Some(s) = r.old_status {
                    out.old_status.push(s);
                }
                if let Some(a) = r.old_active {
                    out.old_active.push(a);
                }
            }
            progress(((n + 1) * CHUNK).min(ids.len()), ids.len());
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Restores the previous values of `record`, in one transaction, if no
    /// row changed since (its `updated_at` is still the one the change wrote).
    pub async fn undo(&self, record: &UndoRecord, progress: Progress<'_>) -> Result<UndoOutcome> {
        let total = record.ids.len();
        let mut tx = self.pool.begin().await?;
        // First lock every row and compare, so that a partial undo is impossible.
        let (mut changed, mut names) = (0i64, Vec::new());
        let mut order: Vec<usize> = (0..total).collect();
        order.sort_unstable_by_key(|i| record.ids[*i]);
        for chunk in order.chunks(CHUNK) {
            let ids: Vec<i32> = chunk.iter().map(|i| record.ids[*i]).collect();
            let stamps: Vec<Timestamp> = chunk.iter().map(|i| record.stamps[*i]).collect();
            let (found, same, some): (i64, i64, Option<Vec<String>>) = sqlx::query_as(
                "WITH l AS (SELECT p.id, p.full_name, p.updated_at = u.stamp AS same
                              FROM prospects p JOIN unnest($1::int[], $2::timestamp[]) AS u(id, stamp) ON p.id = u.id
                             ORDER BY p.id FOR UPDATE OF p)
                 SELECT count(*), count(*) FILTER (WHERE same), (array_agg(full_name) FILTER (WHERE NOT same))[1:3] FROM l",
            )
            .bind(&ids)
            .bind(&stamps)
            .fetch_one(&mut *tx)
            .await?;
            changed += ids.len() as i64 - same;
            if found < ids.len() as i64 && names.len() < NAMES_KEPT {
                names.push("(deleted)".into());
            }
            names.extend(some.unwrap_or_default().into_iter().take(NAMES_KEPT.saturating_sub(names.len())));
        }
        if changed > 0 {
            tx.rollback().await?;
            return Ok(UndoOutcome::ChangedSince { changed, names });
        }
        for (n, chunk) in order.chunks(CHUNK).enumerate() {
            let ids: Vec<i32> = chunk.iter().map(|i| record.ids[*i]).collect();
            match &record.old {
                OldValues::Status(old) => {
                    let old: Vec<String> = chunk.iter().map(|i| old[*i].clone()).collect();
                    sqlx::query(&format!(
                        "UPDATE prospects p SET status = u.old::prospect_status, updated_at = {STAMP}
                           FROM unnest($1::int[], $2::text[]) AS u(id, old) WHERE p.id = u.id"
                    ))
                    .bind(&ids)
                    .bind(&old)
                    .execute(&mut *tx)
                    .await?;
                }
                OldValues::Active(old) => {
                    let old: Vec<bool> = chunk.iter().map(|i| old[*i]).collect();
                    sqlx::query(&format!(
                        "UPDATE prospects p SET is_active = u.old, updated_at = {STAMP}
                           FROM unnest($1::int[], $2::bool[]) AS u(id, old) WHERE p.id = u.id"
                    ))
                    .bind(&ids)
                    .bind(&old)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            progress(((n + 1) * CHUNK).min(total), total);
        }
        tx.commit().await?;
        Ok(UndoOutcome::Undone(total))
    }
}

impl Changed {
    /// The undo record of a status change.
    pub fn status_undo(self, what: String) -> Option<Arc<UndoRecord>> {
        (!self.ids.is_empty()).then(|| {
            Arc::new(UndoRecord { what, ids: self.ids, stamps: self.stamps, old: OldValues::Status(self.old_status) })
        })
    }

    /// The undo record of an active-flag change.
    pub fn active_undo(self, what: String) -> Option<Arc<UndoRecord>> {
        (!self.ids.is_empty()).then(|| {
            Arc::new(UndoRecord { what, ids: self.ids, stamps: self.stamps, old: OldValues::Active(self.old_active) })
        })
    }
}

impl Db {
    /// The prospects `ids` as list rows (for exporting marked prospects), by id.
    pub async fn export_rows(&self, ids: &[i32]) -> Result<Vec<super::models::ProspectListItem>> {
        Ok(sqlx::query_as(
            "SELECT p.id, p.full_name, p.email, p.status::text AS status, p.is_active, p.last_contacted_at,
                    p.company_id, c.name AS company_name, i.name AS industry_name
               FROM prospects p JOIN companies c ON c.id = p.company_id JOIN industries i ON i.id = c.industry_id
              WHERE p.id = ANY($1) ORDER BY p.id",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?)
    }
}
