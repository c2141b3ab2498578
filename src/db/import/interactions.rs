//! Importing interactions: each row names its prospect by email (trimmed,
//! case-insensitive; the oldest prospect with that email when several
//! share it) and optionally an event, by id or by type, date and location.
//! A row is a duplicate when prospect, type, date and subject (trimmed,
//! case-insensitive) match. New interactions move the prospect's
//! last_contacted_at forward, as logging one in the app does, when the
//! newest is on a later day: the original tool often stores that column
//! as a date at midnight, which covers the whole day (and so an exported
//! and re-imported database keeps its values).

use chrono::NaiveDateTime;
use color_eyre::eyre::Result;
use sqlx::PgConnection;

use super::{drop_indexes_for_load, lock, rebuild_indexes, CopyLine, Plan};
use crate::db::NOW;

/// How a row names its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventRef {
    Id(i32),
    /// Type, date (the whole day when `date_only`) and location, matched
    /// case-insensitively; the oldest event when several match.
    Key {
        event_type: String,
        date: NaiveDateTime,
        date_only: bool,
        location: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionRow {
    pub line: u64,
    pub email: String,
    /// One of the database's interaction_types labels.
    pub interaction_type: String,
    pub date: NaiveDateTime,
    pub subject: String,
    pub content: Option<String>,
    pub sentiment: Option<String>,
    pub outcome: Option<String>,
    /// The event as written in the file (for messages) and as parsed.
    pub event: Option<(String, EventRef)>,
}

impl InteractionRow {
    pub fn copy(&self, buf: &mut String) {
        let (raw, id, key) = match &self.event {
            None => (None, None, None),
            Some((raw, EventRef::Id(id))) => (Some(raw.as_str()), Some(*id), None),
            Some((raw, EventRef::Key { event_type, date, date_only, location })) => {
                (Some(raw.as_str()), None, Some((event_type, *date, *date_only, location)))
            }
        };
        CopyLine::new(buf)
            .int(self.line)
            .text(Some(&self.email))
            .text(Some(&self.interaction_type))
            .time(Some(self.date))
            .text(Some(&self.subject))
            .text(self.content.as_deref())
            .text(self.sentiment.as_deref())
            .text(self.outcome.as_deref())
            .text(raw)
            .opt_int(id)
            .text(key.map(|k| k.0.as_str()))
            .time(key.map(|k| k.1))
            .boolean(key.map(|k| k.2))
            .text(key.map(|k| k.3.as_str()))
            .end();
    }
}

pub(super) const STAGING: &str = "CREATE TEMP TABLE import_interactions (
    line bigint NOT NULL, email text NOT NULL, itype text NOT NULL, idate timestamp NOT NULL,
    subject text NOT NULL, content text, sentiment text, outcome text,
    event_ref text, event_id integer, ev_type text, ev_date timestamp, ev_day boolean, ev_location text)
    ON COMMIT DROP";

pub(super) const COPY: &str = "COPY import_interactions (line, email, itype, idate, subject, content, sentiment, \
     outcome, event_ref, event_id, ev_type, ev_date, ev_day, ev_location) FROM STDIN";

pub(super) async fn apply(conn: &mut PgConnection, update: bool, dry_run: bool) -> Result<Plan> {
    if !dry_run {
        lock(conn, "interactions").await?;
    }
    // Each distinct event reference, resolved once.
    sqlx::query(
        "CREATE TEMP TABLE import_event_refs ON COMMIT DROP AS
         SELECT r.event_ref,
                CASE WHEN r.event_id IS NOT NULL THEN (SELECT e.id FROM events e WHERE e.id = r.event_id)
                     ELSE (SELECT min(e.id) FROM events e
                            WHERE lower(btrim(e.event_type)) = lower(r.ev_type)
                              AND lower(btrim(e.location)) = lower(r.ev_location)
                              AND CASE WHEN r.ev_day THEN e.event_date::date = r.ev_date::date
                                       ELSE e.event_date = r.ev_date END) END AS resolved
           FROM (SELECT DISTINCT ON (event_ref) event_ref, event_id, ev_type, ev_date, ev_day, ev_location
                   FROM import_interactions WHERE event_ref IS NOT NULL) r",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "CREATE TEMP TABLE import_plan ON COMMIT DROP AS
         WITH keyed AS (
             SELECT s.line, s.email, lower(s.email) AS ekey, s.itype, s.idate, lower(s.subject) AS skey, s.event_ref
               FROM import_interactions s
         ), pros AS (
             SELECT lower(btrim(p.email)) AS ekey, min(p.id) AS id FROM prospects p
              WHERE lower(btrim(p.email)) IN (SELECT ekey FROM keyed) GROUP BY 1
         ), judged AS (
             SELECT k.*, p.id AS prospect_id, r.resolved AS event_id,
                    (p.id IS NOT NULL AND (k.event_ref IS NULL OR r.resolved IS NOT NULL)) AS ok
               FROM keyed k LEFT JOIN pros p USING (ekey) LEFT JOIN import_event_refs r USING (event_ref)
         ), existing AS (
             SELECT x.prospect_id, x.interaction_type::text AS itype, x.interaction_date AS idate,
                    lower(btrim(x.subject)) AS skey, min(x.id) AS id
               FROM interactions x
              WHERE x.prospect_id IN (SELECT prospect_id FROM judged WHERE ok)
              GROUP BY 1, 2, 3, 4
         ), ranked AS (
             SELECT j.*, e.id AS existing_id,
                    row_number() OVER (PARTITION BY j.prospect_id, j.itype, j.idate, j.skey
                                       ORDER BY j.ok DESC, j.line) AS rn
               FROM judged j LEFT JOIN existing e
                 ON e.prospect_id = j.prospect_id AND e.itype = j.itype AND e.idate = j.idate AND e.skey = j.skey
         )
         SELECT line, prospect_id, event_id, existing_id,
                CASE WHEN NOT ok THEN 'reject'
                     WHEN rn > 1 THEN 'dup_file'
                     WHEN existing_id IS NULL THEN 'insert'
                     WHEN NOT $1 THEN 'dup_db'
                     ELSE 'update' END AS action,
                CASE WHEN ok THEN NULL
                     WHEN prospect_id IS NULL
                          THEN 'no prospect has the email \"' || left(email, 80) || '\" (import the prospects first)'
                     ELSE 'no event matches \"' || left(event_ref, 80) || '\" (give an event id, or type | date | location)'
                END AS reason
           FROM ranked",
    )
    .bind(update)
    .execute(&mut *conn)
    .await?;
    if update {
        sqlx::query(
            "UPDATE import_plan k SET action = 'unchanged'
               FROM import_interactions s, interactions x
              WHERE k.action = 'update' AND s.line = k.line AND x.id = k.existing_id
                AND (s.content IS NULL OR s.content = x.content)
                AND (s.sentiment IS NULL OR s.sentiment = x.sentiment)
                AND (s.outcome IS NULL OR s.outcome = x.outcome)
                AND (s.event_ref IS NULL OR k.event_id = x.event_id)",
        )
        .execute(&mut *conn)
        .await?;
    }
    if dry_run {
        return Ok(Plan::default());
    }
    let incoming: i64 =
        sqlx::query_scalar("SELECT count(*) FROM import_plan WHERE action = 'insert'").fetch_one(&mut *conn).await?;
    let dropped = drop_indexes_for_load(conn, "interactions", incoming).await?;
    sqlx::query(&format!(
        "INSERT INTO interactions (prospect_id, event_id, interaction_type, interaction_date, subject, content,
                                   sentiment, outcome, created_at, updated_at)
         SELECT k.prospect_id, k.event_id, s.itype::interaction_types, s.idate, s.subject, coalesce(s.content, ''),
                s.sentiment, s.outcome, {NOW}, {NOW}
           FROM import_plan k JOIN import_interactions s USING (line)
          WHERE k.action = 'insert'
          ORDER BY k.line"
    ))
    .execute(&mut *conn)
    .await?;
    rebuild_indexes(conn, dropped).await?;
    sqlx::query(&format!(
        "UPDATE prospects p SET last_contacted_at = m.latest, updated_at = {NOW}
           FROM (SELECT k.prospect_id, max(s.idate) AS latest
                   FROM import_plan k JOIN import_interactions s USING (line)
                  WHERE k.action = 'insert' GROUP BY 1) m
          WHERE p.id = m.prospect_id
            AND (p.last_contacted_at IS NULL OR p.last_contacted_at < date_trunc('day', m.latest))"
    ))
    .execute(&mut *conn)
    .await?;
    if update {
        sqlx::query(&format!(
            "UPDATE interactions x SET
                    content = coalesce(s.content, x.content),
                    sentiment = coalesce(s.sentiment, x.sentiment),
                    outcome = coalesce(s.outcome, x.outcome),
                    event_id = CASE WHEN s.event_ref IS NULL THEN x.event_id ELSE k.event_id END,
                    updated_at = {NOW}
               FROM import_plan k JOIN import_interactions s USING (line)
              WHERE k.action = 'update' AND x.id = k.existing_id"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(Plan::default())
}
