//! The SQL of event matching: which industries an event targets (its
//! `target_industries`, else the industries of its featured solutions), the
//! candidate prospects (not yet invited) with the context the scoring
//! prompt needs, and recent tokens per call for the estimate. Writing and
//! counting invitations is in [`super::invitations`].
//!
//! The JSONB columns hold whatever the original tool put there (a list of
//! names, a list of objects, an object, a bare string, JSON null, SQL NULL),
//! so names are pulled out in SQL by `jsonb_typeof`, never assumed.

use color_eyre::eyre::Result;
use serde_json::Value;

pub use super::invitations::{InvitationRow, InviteCounts};
use super::models::{Event, Timestamp};
use super::{Db, EnumKind};

/// Keys of an object that name an industry, in order of preference.
const INDUSTRY_KEYS: &[&str] = &["name", "industry", "industry_name", "title", "label"];
/// Keys of an object that name a solution, in order of preference.
const SOLUTION_KEYS: &[&str] = &["name", "solution", "solution_name", "title", "label"];

/// Where an event's industries came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndustrySource {
    TargetIndustries,
    FeaturedSolutions,
}

/// The industries an event's candidates come from.
#[derive(Debug, Clone, PartialEq)]
pub struct EventTargets {
    pub source: IndustrySource,
    /// (id, name) of the industries found.
    pub industries: Vec<(i32, String)>,
    /// Names the event gives that are no industry (or solution) in the database.
    pub unmatched: Vec<String>,
}

/// Why an event has no industries to take candidates from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoTargets {
    /// Neither target industries nor featured solutions.
    Neither,
    /// Target industries are named, but none is an industry here.
    UnknownIndustries(Vec<String>),
    /// Only featured solutions, and none is a catalog solution linked to an industry.
    UnlinkedSolutions(Vec<String>),
}

impl std::fmt::Display for NoTargets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoTargets::Neither => write!(
                f,
                "the event has neither target industries nor featured solutions, so there is no one to match: \
                 set its target_industries (or solutions_featured) first"
            ),
            NoTargets::UnknownIndustries(names) => write!(
                f,
                "none of the event's target industries ({}) is an industry in this database",
                names.join(", ")
            ),
            NoTargets::UnlinkedSolutions(names) => write!(
                f,
                "the event has no target industries, and its featured solutions ({}) are not catalog solutions \
                 linked to any industry",
                names.join(", ")
            ),
        }
    }
}

/// One candidate with the context its scoring prompt cites.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CandidateRow {
    pub id: i32,
    pub full_name: String,
    pub status: String,
    pub location: Option<String>,
    pub last_contacted_at: Option<Timestamp>,
    pub company: String,
    pub company_size: String,
    pub industry: String,
    pub research_at: Option<Timestamp>,
    pub research_summary: Option<String>,
    pub recommended_solutions: Option<Value>,
    pub confidence_score: Option<f64>,
    /// Up to three newest interactions, newest first, as JSON objects.
    pub interactions: Value,
}

/// SQL for the trimmed, lower-cased names in the JSONB value `col` (of the
/// row `src`), whatever its shape: strings and numbers as they are, an
/// object by its first naming key (`$keys`), else all its string values;
/// a list item by item. A bare string also counts split at commas and
/// semicolons ("Retail, Healthcare"). JSON null and SQL NULL give nothing.
fn names_sql(col: &str, keys_param: &str) -> String {
    format!(
        "WITH elems AS (
            SELECT e FROM jsonb_array_elements(CASE WHEN jsonb_typeof({col}) = 'array' THEN {col} ELSE '[]'::jsonb END) e
            UNION ALL SELECT {col} WHERE jsonb_typeof({col}) IN ('string', 'number', 'object')
         ), raw AS (
            SELECT e #>> '{{}}' AS n FROM elems WHERE jsonb_typeof(e) IN ('string', 'number')
            UNION ALL
            SELECT part FROM regexp_split_to_table(
                CASE WHEN jsonb_typeof({col}) = 'string' THEN {col} #>> '{{}}' ELSE '' END, '\\s*[,;]\\s*') part
            UNION ALL
            SELECT (SELECT e ->> k FROM unnest({keys_param}::text[]) WITH ORDINALITY u(k, o)
                     WHERE e ? k AND jsonb_typeof(e -> k) IN ('string', 'number') ORDER BY o LIMIT 1)
              FROM elems WHERE jsonb_typeof(e) = 'object' AND e ?| {keys_param}::text[]
            UNION ALL
            SELECT kv.value #>> '{{}}'
              FROM elems, jsonb_each(CASE WHEN jsonb_typeof(e) = 'object' THEN e ELSE '{{}}'::jsonb END) kv
             WHERE NOT (e ?| {keys_param}::text[]) AND jsonb_typeof(kv.value) = 'string'
         )
         SELECT DISTINCT lower(btrim(n)) AS n FROM raw WHERE n IS NOT NULL AND btrim(n) <> ''"
    )
}

/// The candidates' common conditions: in the industries, active, not
/// INACTIVE unless asked, and (with `invited`) already invited or not.
const CANDIDATE_WHERE: &str = "c.industry_id = ANY($1) AND p.is_active
     AND ($2 OR $3::text IS NULL OR p.status::text <> $3)";

impl Db {
    /// The industries an event takes candidates from: its target
    /// industries (by name, case-insensitively, or by id), or, when it
    /// names none, the industries linked to its featured solutions.
    pub async fn event_targets(&self, event: &Event) -> Result<std::result::Result<EventTargets, NoTargets>> {
        let names = self.json_names(&event.target_industries, INDUSTRY_KEYS).await?;
        if !names.is_empty() {
            let found: Vec<(i32, String)> = sqlx::query_as(
                "SELECT id, name FROM industries
                  WHERE lower(btrim(name)) = ANY($1) OR id::text = ANY($1) ORDER BY name, id",
            )
            .bind(&names)
            .fetch_all(&self.pool)
            .await?;
            if found.is_empty() {
                return Ok(Err(NoTargets::UnknownIndustries(names)));
            }
            let unmatched = unmatched(&names, &found);
            return Ok(Ok(EventTargets { source: IndustrySource::TargetIndustries, industries: found, unmatched }));
        }
        let solutions = self.json_names(&event.solutions_featured, SOLUTION_KEYS).await?;
        if solutions.is_empty() {
            return Ok(Err(NoTargets::Neither));
        }
        let found: Vec<(i32, String, String)> = sqlx::query_as(
            "SELECT DISTINCT i.id, i.name, lower(btrim(s.name)) AS solution
               FROM solutions s JOIN industry_solutions l ON l.solution_id = s.id JOIN industries i ON i.id = l.industry_id
              WHERE lower(btrim(s.name)) = ANY($1) OR s.id::text = ANY($1)",
        )
        .bind(&solutions)
        .fetch_all(&self.pool)
        .await?;
        if found.is_empty() {
            return Ok(Err(NoTargets::UnlinkedSolutions(solutions)));
        }
        let unmatched = solutions.iter().filter(|n| !found.iter().any(|f| &f.2 == *n)).cloned().collect();
        let mut industries: Vec<(i32, String)> = found.into_iter().map(|(id, name, _)| (id, name)).collect();
        industries.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        industries.dedup();
        Ok(Ok(EventTargets { source: IndustrySource::FeaturedSolutions, industries, unmatched }))
    }

    /// The names in a JSONB value of any shape, lower-cased (see [`names_sql`]).
    async fn json_names(&self, value: &Option<Value>, keys: &[&str]) -> Result<Vec<String>> {
        let Some(v) = value else { return Ok(vec![]) };
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let sql = format!("SELECT n FROM ({}) names ORDER BY n", names_sql("$1::jsonb", "$2"));
        Ok(sqlx::query_scalar(&sql).bind(v).bind(&keys).fetch_all(&self.pool).await?)
    }

    /// The prospects to score for an event: in `industries`, active, not
    /// INACTIVE unless `include_inactive`, and not yet invited (no draft
    /// with this event_id); each with company, industry, latest research
    /// and three newest interactions. Also returns how many were skipped
    /// because they are already invited.
    pub async fn match_candidates(
        &self,
        event_id: i32,
        industries: &[i32],
        include_inactive: bool,
    ) -> Result<(Vec<CandidateRow>, i64)> {
        let inactive = self.enums.find(EnumKind::ProspectStatus, "inactive").map(str::to_string);
        // The candidates first, then research and interactions for exactly
        // those. With the (prospect_id, …) indexes Closer creates, a LATERAL
        // … LIMIT per candidate reads three index entries each (18 ms for
        // 5,000 candidates over 1M interactions); a database made by the
        // original tool has no index beyond primary keys, and there one
        // pass with a window function is what does not scan per candidate.
        let indexed =
            self.indexed_by_prospect("interactions").await? && self.indexed_by_prospect("prospect_research").await?;
        let context = if indexed {
            // The research ordered as its index is (no sort per candidate),
            // the interactions as an ARRAY subquery (its order is kept,
            // without an ordered aggregate's sort per candidate).
            "LEFT JOIN LATERAL (
                SELECT r.created_at AS research_at, left(r.research_summary, 600) AS research_summary,
                       r.recommended_solutions, r.confidence_score
                  FROM prospect_research r WHERE r.prospect_id = cand.id
                 ORDER BY r.created_at DESC LIMIT 1
             ) res ON TRUE
             LEFT JOIN LATERAL (
                SELECT to_jsonb(ARRAY(
                    SELECT jsonb_build_object('date', to_char(x.interaction_date, 'YYYY-MM-DD'),
                           'type', x.interaction_type::text, 'subject', left(x.subject, 120),
                           'sentiment', x.sentiment, 'outcome', left(x.outcome, 200))
                      FROM interactions x WHERE x.prospect_id = cand.id
                     ORDER BY x.interaction_date DESC, x.id DESC LIMIT 3)) AS items
             ) ints ON TRUE"
        } else {
            "LEFT JOIN (
                SELECT DISTINCT ON (r.prospect_id) r.prospect_id, r.created_at AS research_at,
                       left(r.research_summary, 600) AS research_summary, r.recommended_solutions, r.confidence_score
                  FROM prospect_research r WHERE r.prospect_id IN (SELECT id FROM cand)
                 ORDER BY r.prospect_id, r.created_at DESC, r.id DESC
             ) res ON res.prospect_id = cand.id
             LEFT JOIN (
                SELECT prospect_id,
                       jsonb_agg(jsonb_build_object('date', to_char(interaction_date, 'YYYY-MM-DD'),
                                 'type', interaction_type, 'subject', left(subject, 120),
                                 'sentiment', sentiment, 'outcome', left(outcome, 200))
                                 ORDER BY interaction_date DESC, id DESC) AS items
                  FROM (SELECT x.prospect_id, x.interaction_date, x.id, x.interaction_type::text AS interaction_type,
                               x.subject, x.sentiment, x.outcome,
                               row_number() OVER (PARTITION BY x.prospect_id ORDER BY x.interaction_date DESC, x.id DESC) AS rn
                          FROM interactions x WHERE x.prospect_id IN (SELECT id FROM cand)) t
                 WHERE rn <= 3 GROUP BY prospect_id
             ) ints ON ints.prospect_id = cand.id"
        };
        let sql = format!(
            "WITH cand AS MATERIALIZED (
                SELECT p.id, p.full_name, p.status::text AS status, p.location, p.last_contacted_at,
                       c.name AS company, c.size AS company_size, i.name AS industry
                  FROM prospects p JOIN companies c ON c.id = p.company_id JOIN industries i ON i.id = c.industry_id
                 WHERE {CANDIDATE_WHERE}
                   AND NOT EXISTS (SELECT 1 FROM outreach_drafts d WHERE d.prospect_id = p.id AND d.event_id = $4)
             )
             SELECT cand.*, res.research_at, res.research_summary, res.recommended_solutions, res.confidence_score,
                    COALESCE(ints.items, '[]'::jsonb) AS interactions
               FROM cand {context}
              ORDER BY cand.id"
        );
        let rows = sqlx::query_as(&sql)
            .bind(industries)
            .bind(include_inactive)
            .bind(&inactive)
            .bind(event_id)
            .fetch_all(&self.pool)
            .await?;
        let invited: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM prospects p JOIN companies c ON c.id = p.company_id
              WHERE {CANDIDATE_WHERE}
                AND EXISTS (SELECT 1 FROM outreach_drafts d WHERE d.prospect_id = p.id AND d.event_id = $4)"
        ))
        .bind(industries)
        .bind(include_inactive)
        .bind(&inactive)
        .bind(event_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((rows, invited))
    }

    /// Whether `table` has a btree index that starts with prospect_id
    /// (Closer creates them; the original tool's databases have none).
    async fn indexed_by_prospect(&self, table: &str) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                             WHERE x.indrelid = to_regclass($1) AND a.attname = 'prospect_id')",
        )
        .bind(table)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Average prompt and completion tokens per call of one workflow node
    /// over the last `days` days, for `model` as configured (a provider
    /// answers with dated names: `gpt-4o-mini` also counts
    /// `gpt-4o-mini-2024-07-18`). None without such calls.
    pub async fn average_tokens(
        &self,
        workflow: &str,
        node: &str,
        model: &str,
        days: i32,
    ) -> Result<Option<(f64, f64)>> {
        let row: (i64, Option<f64>, Option<f64>) = sqlx::query_as(
            "SELECT count(*), avg(prompt_tokens)::float8, avg(completion_tokens)::float8 FROM llm_usage_logs
              WHERE worfklow_name = $1 AND node_name = $2
                AND (model = $3 OR left(model, length($3) + 1) = $3 || '-')
                AND prompt_tokens > 0
                AND created_at >= (now() AT TIME ZONE 'UTC') - make_interval(days => $4)",
        )
        .bind(workflow)
        .bind(node)
        .bind(model)
        .bind(days)
        .fetch_one(&self.pool)
        .await?;
        Ok(match row {
            (n, Some(p), Some(c)) if n > 0 => Some((p, c)),
            _ => None,
        })
    }
}

/// The names that matched no industry (by name or id).
fn unmatched(names: &[String], found: &[(i32, String)]) -> Vec<String> {
    names
        .iter()
        .filter(|n| !found.iter().any(|(id, name)| name.trim().to_lowercase() == **n || id.to_string() == **n))
        .cloned()
        .collect()
}
