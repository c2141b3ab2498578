//! The indexes Closer's queries want, and which of them a database has.
//!
//! Closer's own databases get them from its migrations (0002, 0003, under
//! `ix_…` names). A database Closer did not create gets them only from
//! `closer db optimize`, under `closer_…` names. An index counts as present
//! when any valid, non-partial index of the table has the same method and
//! starts with the wanted key columns, whatever its name.

use std::collections::BTreeSet;

use color_eyre::eyre::Result;

use super::Db;

/// An index one of Closer's queries wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// The name `closer db optimize` gives it.
    pub name: &'static str,
    pub table: &'static str,
    /// Key columns as PostgreSQL prints them (`pg_get_indexdef`).
    pub columns: &'static str,
    /// A trigram (GIN, pg_trgm) index rather than a btree.
    pub trigram: bool,
    /// The queries it serves, for `closer db doctor`.
    pub serves: &'static str,
}

const fn btree(name: &'static str, table: &'static str, columns: &'static str, serves: &'static str) -> Wanted {
    Wanted { name, table, columns, trigram: false, serves }
}

const fn trgm(name: &'static str, table: &'static str, column: &'static str, serves: &'static str) -> Wanted {
    Wanted { name, table, columns: column, trigram: true, serves }
}

/// Every index Closer's queries want (the same set migrations 0002 and 0003
/// create on Closer's own databases).
pub const WANTED: &[Wanted] = &[
    btree(
        "closer_prospects_last_contacted",
        "prospects",
        "last_contacted_at DESC NULLS LAST, id",
        "prospects list by last contact (the start screen), least recent first, last page (G)",
    ),
    btree(
        "closer_prospects_status_last_contacted",
        "prospects",
        "status, last_contacted_at DESC NULLS LAST, id",
        "prospects list filtered by status; sorted by status",
    ),
    btree("closer_prospects_full_name", "prospects", "full_name, id", "prospects list sorted by name"),
    btree("closer_prospects_company", "prospects", "company_id", "industry filter, a company's prospects"),
    btree("closer_companies_industry", "companies", "industry_id", "industry filter"),
    btree("closer_companies_name", "companies", "name", "sort by company; company lookup by name"),
    btree(
        "closer_interactions_prospect_date",
        "interactions",
        "prospect_id, interaction_date DESC, id DESC",
        "a prospect's timeline (every move in the list)",
    ),
    btree("closer_interactions_event", "interactions", "event_id", "an event's attendees"),
    btree("closer_outreach_drafts_prospect", "outreach_drafts", "prospect_id", "a prospect's drafts (detail pane)"),
    btree(
        "closer_prospect_research_prospect",
        "prospect_research",
        "prospect_id, created_at DESC",
        "a prospect's research (detail pane); the list's research mark",
    ),
    btree(
        "closer_llm_usage_logs_created",
        "llm_usage_logs",
        "created_at",
        "cost dashboard without rollups; recomputing a rolled-up day",
    ),
    btree("closer_events_date", "events", "event_date", "events view (upcoming, then past)"),
    trgm("closer_prospects_full_name_trgm", "prospects", "full_name", "search by name as you type"),
    trgm("closer_prospects_email_trgm", "prospects", "email", "search by email as you type"),
    trgm("closer_companies_name_trgm", "companies", "name", "search by company as you type"),
];

/// An index the database has on one of the seed tables.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Existing {
    pub name: String,
    pub table: String,
    pub def: String,
    pub valid: bool,
}

impl Existing {
    /// (method, key columns) when this index can stand in for others:
    /// valid and not partial.
    fn shape(&self) -> Option<(String, Vec<String>)> {
        if !self.valid {
            return None;
        }
        let using = self.def.split_once(" USING ")?.1;
        let (method, rest) = using.split_once(' ')?;
        if rest.contains(" WHERE ") {
            return None;
        }
        Some((method.to_string(), split_columns(balanced(rest)?)))
    }

    /// True when this index serves `w`.
    pub fn serves(&self, w: &Wanted) -> bool {
        if self.table != w.table {
            return false;
        }
        let Some((method, cols)) = self.shape() else { return false };
        let want = split_columns(w.columns);
        if w.trigram {
            method == "gin" && cols.len() == 1 && cols[0] == format!("{} gin_trgm_ops", want[0])
        } else {
            method == "btree" && cols.len() >= want.len() && cols[..want.len()] == want[..]
        }
    }
}

/// The text inside the first balanced parentheses of `s`.
fn balanced(s: &str) -> Option<&str> {
    let start = s.find('(')?;
    let mut depth = 0;
    for (i, ch) in s[start..].char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&s[start + 1..start + i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Key columns split at top-level commas, with a schema-qualified operator
/// class (`closer.gin_trgm_ops`) reduced to its name.
fn split_columns(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut cur) = (0, String::new());
    for ch in s.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    out.push(cur);
    out.into_iter()
        .map(|c| {
            c.split_whitespace()
                .map(|w| if w.ends_with("gin_trgm_ops") { "gin_trgm_ops" } else { w })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The wanted indexes against what the database has.
#[derive(Debug, Clone, Default)]
pub struct IndexReport {
    /// (wanted, the name of an index that serves it).
    pub present: Vec<(Wanted, String)>,
    pub missing: Vec<Wanted>,
    /// Every index on the seed tables.
    pub existing: Vec<Existing>,
    /// Objects `closer db optimize` recorded making: (kind, name).
    pub made_by_optimize: BTreeSet<(String, String)>,
    pub trigram: Trigram,
}

/// Whether trigram indexes can be had here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Trigram {
    /// pg_trgm is installed, in this schema.
    Installed { schema: String },
    /// Not installed, but the server has it (creating it may still be refused).
    Available,
    /// The server has no pg_trgm (postgresql-contrib missing).
    #[default]
    Unavailable,
}

impl Db {
    /// Which wanted indexes this database has, and which it lacks.
    pub async fn index_report(&self) -> Result<IndexReport> {
        let tables: Vec<&str> = WANTED.iter().map(|w| w.table).collect::<BTreeSet<_>>().into_iter().collect();
        let existing: Vec<Existing> = sqlx::query_as(
            "SELECT c.relname::text AS name, t.relname::text AS \"table\", pg_get_indexdef(i.indexrelid) AS def,
                    i.indisvalid AS valid
               FROM pg_index i
               JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_class t ON t.oid = i.indrelid
              WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1)
              ORDER BY 2, 1",
        )
        .bind(&tables)
        .fetch_all(&self.pool)
        .await?;
        let mut report = IndexReport::default();
        for w in WANTED {
            match existing.iter().find(|e| e.serves(w)) {
                Some(e) => report.present.push((*w, e.name.clone())),
                None => report.missing.push(*w),
            }
        }
        report.existing = existing;
        report.made_by_optimize = self.optimize_log().await?;
        let (schema, available): (Option<String>, bool) = sqlx::query_as(
            "SELECT (SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                      WHERE e.extname = 'pg_trgm'),
                    EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')",
        )
        .fetch_one(&self.pool)
        .await?;
        report.trigram = match (schema, available) {
            (Some(schema), _) => Trigram::Installed { schema },
            (None, true) => Trigram::Available,
            (None, false) => Trigram::Unavailable,
        };
        Ok(report)
    }

    /// What `closer db optimize` recorded making (empty without the log).
    pub async fn optimize_log(&self) -> Result<BTreeSet<(String, String)>> {
        let has: bool =
            sqlx::query_scalar("SELECT to_regclass('closer.optimize_log') IS NOT NULL").fetch_one(&self.pool).await?;
        if !has {
            return Ok(BTreeSet::new());
        }
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT kind, name FROM closer.optimize_log").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(table: &str, def: &str) -> Existing {
        Existing { name: "x".into(), table: table.into(), def: def.into(), valid: true }
    }

    #[test]
    fn an_index_serves_when_it_starts_with_the_wanted_columns() {
        let w = WANTED.iter().find(|w| w.name == "closer_llm_usage_logs_created").unwrap();
        let cover = idx(
            "llm_usage_logs",
            "CREATE INDEX ix ON public.llm_usage_logs USING btree (created_at) INCLUDE (model, cost)",
        );
        assert!(cover.serves(w));
        let other = idx("llm_usage_logs", "CREATE INDEX ix ON public.llm_usage_logs USING btree (model, created_at)");
        assert!(!other.serves(w));
        let partial =
            idx("llm_usage_logs", "CREATE INDEX ix ON public.llm_usage_logs USING btree (created_at) WHERE (cost > 0)");
        assert!(!partial.serves(w));
        let invalid = Existing { valid: false, ..cover.clone() };
        assert!(!invalid.serves(w));

        let r = WANTED.iter().find(|w| w.name == "closer_prospect_research_prospect").unwrap();
        assert!(idx(
            "prospect_research",
            "CREATE INDEX a ON public.prospect_research USING btree (prospect_id, created_at DESC, id)"
        )
        .serves(r));
        assert!(
            !idx("prospect_research", "CREATE INDEX a ON public.prospect_research USING btree (prospect_id)").serves(r)
        );
    }

    #[test]
    fn trigram_indexes_match_in_any_schema() {
        let w = WANTED.iter().find(|w| w.name == "closer_companies_name_trgm").unwrap();
        assert!(idx("companies", "CREATE INDEX a ON public.companies USING gin (name gin_trgm_ops)").serves(w));
        assert!(idx("companies", "CREATE INDEX a ON public.companies USING gin (name closer.gin_trgm_ops)").serves(w));
        assert!(!idx("companies", "CREATE INDEX a ON public.companies USING btree (name)").serves(w));
    }
}
