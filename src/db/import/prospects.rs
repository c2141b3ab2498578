//! Importing prospects: de-duplicated by email (trimmed, case-insensitive)
//! against the database and within the file; companies and industries are
//! reused by exact case-insensitive name or created (a new company without
//! an industry goes under "Unknown", without a size gets "unknown", as the
//! prospect form does).

use chrono::NaiveDateTime;
use color_eyre::eyre::Result;
use sqlx::PgConnection;

use super::{drop_indexes_for_load, lock, rebuild_indexes, CopyLine, Plan};
use crate::db::{EnumKind, EnumLabels, NOW};

/// The industry of a new company whose row names none.
pub const UNKNOWN_INDUSTRY: &str = "Unknown";
/// The size of a new company whose row gives none.
pub const UNKNOWN_SIZE: &str = "unknown";

/// One checked row. `None` means the file does not give the value (an
/// update keeps what is stored; an insert uses the default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProspectRow {
    pub line: u64,
    pub full_name: Option<String>,
    pub email: String,
    pub linkedin_url: Option<String>,
    pub location: Option<String>,
    pub company: Option<String>,
    pub industry: Option<String>,
    pub size: Option<String>,
    pub website: Option<String>,
    /// One of the database's prospect_status labels.
    pub status: Option<String>,
    pub is_active: Option<bool>,
    pub last_contacted_at: Option<NaiveDateTime>,
}

impl ProspectRow {
    pub fn copy(&self, buf: &mut String) {
        CopyLine::new(buf)
            .int(self.line)
            .text(self.full_name.as_deref())
            .text(Some(&self.email))
            .text(self.linkedin_url.as_deref())
            .text(self.location.as_deref())
            .text(self.company.as_deref())
            .text(self.industry.as_deref())
            .text(self.size.as_deref())
            .text(self.website.as_deref())
            .text(self.status.as_deref())
            .boolean(self.is_active)
            .time(self.last_contacted_at)
            .end();
    }
}

pub(super) const STAGING: &str = "CREATE TEMP TABLE import_prospects (
    line bigint NOT NULL, full_name text, email text NOT NULL, linkedin_url text, location text,
    company text, industry text, size text, website text, status text, is_active boolean,
    last_contacted_at timestamp) ON COMMIT DROP";

pub(super) const COPY: &str = "COPY import_prospects (line, full_name, email, linkedin_url, location, company, \
     industry, size, website, status, is_active, last_contacted_at) FROM STDIN";

pub(super) async fn apply(conn: &mut PgConnection, update: bool, dry_run: bool, enums: &EnumLabels) -> Result<Plan> {
    if !dry_run {
        lock(conn, "prospects, companies, industries").await?;
    }
    // Every row's fate. Within the file the first usable row for an email
    // wins (usable: it matches a stored prospect, or it has what a new one
    // needs); later rows with that email are duplicates.
    sqlx::query(
        "CREATE TEMP TABLE import_plan ON COMMIT DROP AS
         WITH keyed AS (
             SELECT s.line, lower(s.email) AS ekey, lower(s.company) AS ckey, s.full_name, s.company
               FROM import_prospects s
         ), existing AS (
             SELECT lower(btrim(p.email)) AS ekey, min(p.id) AS id
               FROM prospects p
              WHERE lower(btrim(p.email)) IN (SELECT ekey FROM keyed)
              GROUP BY 1
         ), judged AS (
             SELECT k.*, e.id AS existing_id,
                    (e.id IS NOT NULL OR (k.full_name IS NOT NULL AND k.company IS NOT NULL)) AS ok
               FROM keyed k LEFT JOIN existing e USING (ekey)
         ), ranked AS (
             SELECT j.*, row_number() OVER (PARTITION BY j.ekey ORDER BY j.ok DESC, j.line) AS rn,
                    bool_or(j.ok) OVER (PARTITION BY j.ekey) AS any_ok
               FROM judged j
         )
         SELECT r.line, r.ekey, r.ckey, r.existing_id,
                CASE WHEN NOT r.any_ok THEN 'reject'
                     WHEN r.rn > 1 THEN 'dup_file'
                     WHEN r.existing_id IS NULL THEN 'insert'
                     WHEN NOT $1 THEN 'dup_db'
                     ELSE 'update' END AS action,
                CASE WHEN r.any_ok THEN NULL
                     WHEN r.full_name IS NULL AND r.company IS NULL
                          THEN 'missing required fields: name and company (a new prospect needs both)'
                     WHEN r.full_name IS NULL THEN 'missing required field: name (a new prospect needs one)'
                     ELSE 'missing required field: company (a new prospect needs one)' END AS reason
           FROM ranked r",
    )
    .bind(update)
    .execute(&mut *conn)
    .await?;
    if update {
        // A duplicate whose given values are all stored already changes nothing.
        sqlx::query(
            "UPDATE import_plan k SET action = 'unchanged'
               FROM import_prospects s, prospects p JOIN companies c ON c.id = p.company_id
              WHERE k.action = 'update' AND s.line = k.line AND p.id = k.existing_id
                AND (s.full_name IS NULL OR s.full_name = p.full_name)
                AND (s.linkedin_url IS NULL OR s.linkedin_url = p.linkedin_url)
                AND (s.location IS NULL OR s.location = p.location)
                AND (s.status IS NULL OR s.status = p.status::text)
                AND (s.is_active IS NULL OR s.is_active = p.is_active)
                AND (s.last_contacted_at IS NULL OR s.last_contacted_at = p.last_contacted_at)
                AND (s.company IS NULL OR lower(s.company) = lower(btrim(c.name)))",
        )
        .execute(&mut *conn)
        .await?;
    }
    // The companies the new and updated rows name: stored ones by name,
    // the rest to create from the first row that names them (each of
    // industry, size and website from the first row that gives it).
    sqlx::query(
        "CREATE TEMP TABLE import_companies ON COMMIT DROP AS
         WITH wanted AS (
             SELECT k.ckey, min(k.line) AS first_line,
                    (array_agg(s.company ORDER BY s.line))[1] AS name,
                    (array_agg(s.industry ORDER BY s.line) FILTER (WHERE s.industry IS NOT NULL))[1] AS industry,
                    (array_agg(s.size ORDER BY s.line) FILTER (WHERE s.size IS NOT NULL))[1] AS size,
                    (array_agg(s.website ORDER BY s.line) FILTER (WHERE s.website IS NOT NULL))[1] AS website
               FROM import_plan k JOIN import_prospects s USING (line)
              WHERE k.action IN ('insert', 'update') AND k.ckey IS NOT NULL
              GROUP BY k.ckey
         ), existing AS (
             SELECT lower(btrim(name)) AS ckey, min(id) AS id FROM companies
              WHERE lower(btrim(name)) IN (SELECT ckey FROM wanted) GROUP BY 1
         )
         SELECT w.*, e.id, lower(coalesce(w.industry, $1)) AS ikey
           FROM wanted w LEFT JOIN existing e USING (ckey)",
    )
    .bind(UNKNOWN_INDUSTRY)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "CREATE TEMP TABLE import_industries ON COMMIT DROP AS
         SELECT DISTINCT ON (ic.ikey) ic.ikey, coalesce(ic.industry, $1) AS name,
                (SELECT min(i.id) FROM industries i WHERE lower(btrim(i.name)) = ic.ikey) AS id
           FROM import_companies ic WHERE ic.id IS NULL
          ORDER BY ic.ikey, ic.first_line",
    )
    .bind(UNKNOWN_INDUSTRY)
    .execute(&mut *conn)
    .await?;
    let (companies, industries): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM import_companies WHERE id IS NULL),
                (SELECT count(*) FROM import_industries WHERE id IS NULL)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let plan =
        Plan { companies_created: companies as u64, industries_created: industries as u64, ..Default::default() };
    if dry_run {
        return Ok(plan);
    }

    sqlx::query(&format!(
        "WITH ins AS (
             INSERT INTO industries (name, created_at, updated_at)
             SELECT name, {NOW}, {NOW} FROM import_industries WHERE id IS NULL ORDER BY ikey
             RETURNING id, lower(btrim(name)) AS ikey)
         UPDATE import_industries t SET id = ins.id FROM ins WHERE t.ikey = ins.ikey"
    ))
    .execute(&mut *conn)
    .await?;
    let dropped = drop_indexes_for_load(conn, "companies", companies).await?;
    sqlx::query(&format!(
        "WITH ins AS (
             INSERT INTO companies (name, industry_id, size, website, created_at, updated_at)
             SELECT ic.name, ii.id, coalesce(ic.size, $1), ic.website, {NOW}, {NOW}
               FROM import_companies ic JOIN import_industries ii USING (ikey)
              WHERE ic.id IS NULL ORDER BY ic.first_line
             RETURNING id, lower(btrim(name)) AS ckey)
         UPDATE import_companies t SET id = ins.id FROM ins WHERE t.ckey = ins.ckey"
    ))
    .bind(UNKNOWN_SIZE)
    .execute(&mut *conn)
    .await?;
    rebuild_indexes(conn, dropped).await?;
    let default_status = enums
        .find(EnumKind::ProspectStatus, "new")
        .or_else(|| enums.labels(EnumKind::ProspectStatus).first().map(String::as_str))
        .unwrap_or("NEW")
        .to_string();
    let incoming: i64 =
        sqlx::query_scalar("SELECT count(*) FROM import_plan WHERE action = 'insert'").fetch_one(&mut *conn).await?;
    let dropped = drop_indexes_for_load(conn, "prospects", incoming).await?;
    sqlx::query(&format!(
        "INSERT INTO prospects (full_name, email, linkedin_url, location, company_id, last_contacted_at,
                                is_active, status, created_at, updated_at)
         SELECT s.full_name, s.email, s.linkedin_url, s.location, ic.id, s.last_contacted_at,
                coalesce(s.is_active, true), coalesce(s.status, $1)::prospect_status, {NOW}, {NOW}
           FROM import_plan k JOIN import_prospects s USING (line) JOIN import_companies ic ON ic.ckey = k.ckey
          WHERE k.action = 'insert'
          ORDER BY k.line"
    ))
    .bind(default_status)
    .execute(&mut *conn)
    .await?;
    rebuild_indexes(conn, dropped).await?;
    if update {
        sqlx::query(&format!(
            "UPDATE prospects p SET
                    full_name = coalesce(s.full_name, p.full_name),
                    linkedin_url = coalesce(s.linkedin_url, p.linkedin_url),
                    location = coalesce(s.location, p.location),
                    company_id = coalesce(ic.id, p.company_id),
                    last_contacted_at = coalesce(s.last_contacted_at, p.last_contacted_at),
                    is_active = coalesce(s.is_active, p.is_active),
                    status = coalesce(s.status::prospect_status, p.status),
                    updated_at = {NOW}
               FROM import_plan k JOIN import_prospects s USING (line)
                    LEFT JOIN import_companies ic ON ic.ckey = k.ckey
              WHERE k.action = 'update' AND p.id = k.existing_id"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(plan)
}
