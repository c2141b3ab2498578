//! Importing events. An event has no name column, so a row is a duplicate
//! when type, date and location (type and location trimmed and
//! case-insensitive) match. The JSON columns hold what the file gives: a
//! JSON value as written, or a list of names as a JSON array.

use chrono::NaiveDateTime;
use color_eyre::eyre::Result;
use serde_json::Value;
use sqlx::PgConnection;

use super::{lock, CopyLine, Plan};
use crate::db::NOW;

/// The status of a new event whose row gives none.
pub const DEFAULT_EVENT_STATUS: &str = "planned";

#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub line: u64,
    pub event_type: String,
    pub date: NaiveDateTime,
    pub location: String,
    pub description: Option<String>,
    pub status: Option<String>,
    pub target_industries: Option<Value>,
    pub target_roles: Option<Value>,
    pub solutions_featured: Option<Value>,
}

impl EventRow {
    pub fn copy(&self, buf: &mut String) {
        CopyLine::new(buf)
            .int(self.line)
            .text(Some(&self.event_type))
            .time(Some(self.date))
            .text(Some(&self.location))
            .text(self.description.as_deref())
            .text(self.status.as_deref())
            .json(self.target_industries.as_ref())
            .json(self.target_roles.as_ref())
            .json(self.solutions_featured.as_ref())
            .end();
    }
}

pub(super) const STAGING: &str = "CREATE TEMP TABLE import_events (
    line bigint NOT NULL, etype text NOT NULL, edate timestamp NOT NULL, location text NOT NULL,
    description text, status text, target_industries jsonb, target_roles jsonb, solutions_featured jsonb)
    ON COMMIT DROP";

pub(super) const COPY: &str = "COPY import_events (line, etype, edate, location, description, status, \
     target_industries, target_roles, solutions_featured) FROM STDIN";

pub(super) async fn apply(conn: &mut PgConnection, update: bool, dry_run: bool) -> Result<Plan> {
    if !dry_run {
        lock(conn, "events").await?;
    }
    sqlx::query(
        "CREATE TEMP TABLE import_plan ON COMMIT DROP AS
         WITH keyed AS (
             SELECT s.line, lower(s.etype) AS tkey, s.edate, lower(s.location) AS lkey FROM import_events s
         ), existing AS (
             SELECT lower(btrim(event_type)) AS tkey, event_date AS edate, lower(btrim(location)) AS lkey,
                    min(id) AS id
               FROM events GROUP BY 1, 2, 3
         ), ranked AS (
             SELECT k.*, e.id AS existing_id,
                    row_number() OVER (PARTITION BY k.tkey, k.edate, k.lkey ORDER BY k.line) AS rn
               FROM keyed k LEFT JOIN existing e USING (tkey, edate, lkey)
         )
         SELECT line, existing_id,
                CASE WHEN rn > 1 THEN 'dup_file'
                     WHEN existing_id IS NULL THEN 'insert'
                     WHEN NOT $1 THEN 'dup_db'
                     ELSE 'update' END AS action,
                NULL::text AS reason
           FROM ranked",
    )
    .bind(update)
    .execute(&mut *conn)
    .await?;
    if update {
        sqlx::query(
            "UPDATE import_plan k SET action = 'unchanged'
               FROM import_events s, events e
              WHERE k.action = 'update' AND s.line = k.line AND e.id = k.existing_id
                AND (s.description IS NULL OR s.description = e.description)
                AND (s.status IS NULL OR s.status = e.status)
                AND (s.target_industries IS NULL OR s.target_industries = e.target_industries)
                AND (s.target_roles IS NULL OR s.target_roles = e.target_roles)
                AND (s.solutions_featured IS NULL OR s.solutions_featured = e.solutions_featured)",
        )
        .execute(&mut *conn)
        .await?;
    }
    if dry_run {
        return Ok(Plan::default());
    }
    sqlx::query(&format!(
        "INSERT INTO events (event_type, event_date, description, location, target_industries, target_roles,
                             solutions_featured, status, created_at, updated_at)
         SELECT s.etype, s.edate, coalesce(s.description, ''), s.location, s.target_industries, s.target_roles,
                s.solutions_featured, coalesce(s.status, $1), {NOW}, {NOW}
           FROM import_plan k JOIN import_events s USING (line)
          WHERE k.action = 'insert'
          ORDER BY k.line"
    ))
    .bind(DEFAULT_EVENT_STATUS)
    .execute(&mut *conn)
    .await?;
    if update {
        sqlx::query(&format!(
            "UPDATE events e SET
                    description = coalesce(s.description, e.description),
                    status = coalesce(s.status, e.status),
                    target_industries = coalesce(s.target_industries, e.target_industries),
                    target_roles = coalesce(s.target_roles, e.target_roles),
                    solutions_featured = coalesce(s.solutions_featured, e.solutions_featured),
                    updated_at = {NOW}
               FROM import_plan k JOIN import_events s USING (line)
              WHERE k.action = 'update' AND e.id = k.existing_id"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(Plan::default())
}
