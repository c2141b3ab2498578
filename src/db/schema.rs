//! The seed schema as Closer expects it, and the check that an existing
//! database matches it. Closer never alters a database it did not create:
//! when something is missing or has another type, it names exactly what and
//! stops, changing nothing.

use std::fmt;

use sqlx::PgPool;

/// (table, [(column, type as information_schema spells it, nullable)]).
/// Types: `varchar(N)`, `text`, `integer`, `boolean`, `jsonb`,
/// `double precision`, `timestamp`, or an enum type's name.
pub type TableSpec = (&'static str, &'static [(&'static str, &'static str, bool)]);

const TS: &str = "timestamp";

pub const SEED_TABLES: &[TableSpec] = &[
    ("alembic_version", &[("version_num", "varchar(32)", false)]),
    (
        "industries",
        &[
            ("id", "integer", false),
            ("name", "varchar(255)", false),
            ("created_at", TS, false),
            ("updated_at", TS, false),
        ],
    ),
    (
        "companies",
        &[
            ("id", "integer", false),
            ("name", "varchar(255)", false),
            ("industry_id", "integer", false),
            ("size", "varchar(255)", false),
            ("website", "varchar(255)", true),
            ("created_at", TS, false),
            ("updated_at", TS, false),
        ],
    ),
    (
        "prospects",
        &[
            ("id", "integer", false),
            ("full_name", "varchar(255)", false),
            ("email", "varchar(255)", false),
            ("linkedin_url", "varchar(255)", true),
            ("location", "varchar(255)", true),
            ("company_id", "integer", false),
            ("last_contacted_at", TS, true),
            ("is_active", "boolean", false),
            ("status", "prospect_status", false),
            ("created_at", TS, false),
            ("updated_at", TS, false),
        ],
    ),
    (
        "solutions",
        &[
            ("id", "integer", false),
            ("name", "varchar(255)", false),
            ("category", "varchar(255)", false),
            ("description", "text", false),
            ("use_cases", "jsonb", true),
            ("keywords", "jsonb", true),
            ("pricing_model", "pricing_models", false),
            ("created_at", TS, false),
            ("updated_at", TS, false),
        ],
    ),
    (
        "industry_solutions",
        &[
            ("industry_id", "integer", false),
            ("solution_id", "integer", false),
            ("created_at", TS, false),
            ("updated_at", TS, false),
        ],
    ),
    (
        "events",
        &[
            ("id", "integer", false),
            ("event_type", "varchar(255)", false),
            ("event_date", TS, false),
            ("description", "text", false),
            ("location", "varchar(255)", false),
            ("target_industries", "jsonb", true),
            ("target_roles", "jsonb", true),
            ("solutions_featured", "jsonb", true),
            ("status", "varchar(255)", false),
            ("created_at", TS, false),
            ("updated_at", TS, false),
        ],
    ),
    (
        "interactions",
        &[
            ("id", "integer", false),
            ("prospect_id", "integer", false),
            ("event_id", "integer", true),
            ("interaction_type", "interaction_types", false),
            ("interaction_date", TS, false),
            ("subject", "varchar(255)", false),
            ("content", "text", false),
            ("sentiment", "varchar(255)", true),
            ("outcome", "text", true),
            ("created_at", TS, false),
            ("updated_at", TS, false),
        ],
    ),
    (
        "outreach_drafts",
        &[
            ("id", "integer", false),
            ("prospect_id", "integer", false),
            ("event_id", "integer", true),
            ("draft_type", "varchar(255)", false),
            ("content", "text", false),
            ("status", "varchar(255)", false),
            ("created_at", TS, false),
            ("updated_at", TS, false),
        ],
    ),
    (
        "prospect_research",
        &[
            ("id", "integer", false),
            ("prospect_id", "integer", false),
            ("research_summary", "text", false),
            ("key_insights", "jsonb", true),
            ("recommended_solutions", "jsonb", true),
            ("confidence_score", "double precision", true),
            ("created_at", TS, false),
            ("updated_at", TS, false),
        ],
    ),
    (
        "llm_usage_logs",
        &[
            ("id", "integer", false),
            ("worfklow_name", "varchar(255)", false),
            ("node_name", "varchar(255)", false),
            ("model", "varchar(255)", false),
            ("prompt_tokens", "integer", false),
            ("completion_tokens", "integer", false),
            ("total_tokens", "integer", false),
            ("latency_ms", "integer", false),
            ("cost", "double precision", false),
            ("created_at", TS, false),
            ("updated_at", TS, false),
        ],
    ),
];

pub const ENUM_TYPES: &[&str] = &["prospect_status", "pricing_models", "interaction_types"];

/// What the database holds compared with the seed schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// None of the seed tables: Closer creates the schema.
    Empty,
    /// Every seed table and column with its type: use it as it is.
    Complete { warnings: Vec<String> },
    /// Something is missing or differs: refuse, naming each problem.
    Mismatch(Vec<String>),
}

#[derive(Debug)]
pub struct SchemaMismatch(pub Vec<String>);

impl fmt::Display for SchemaMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "this database does not match Closer's schema (../shared/seed-schema.md); Closer changed nothing:"
        )?;
        for p in &self.0 {
            writeln!(f, "  - {p}")?;
        }
        write!(f, "Fix the database, or point Closer at another one with DATABASE_URL.")
    }
}

impl std::error::Error for SchemaMismatch {}

/// Reads information_schema for the current schema search path and compares.
pub async fn inspect(pool: &PgPool) -> sqlx::Result<SchemaState> {
    let rows: Vec<(String, String, String, String, Option<i32>, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.udt_name::text,
                c.character_maximum_length, c.is_nullable::text
           FROM information_schema.columns c
          WHERE c.table_schema = current_schema()",
    )
    .fetch_all(pool)
    .await?;

    let present_tables: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    // alembic_version alone says nothing: the schema is "there" once any data table is.
    let data_tables_present =
        SEED_TABLES.iter().filter(|(t, _)| *t != "alembic_version" && present_tables.contains(t)).count();
    if data_tables_present == 0 {
        return Ok(SchemaState::Empty);
    }

    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for (table, columns) in SEED_TABLES {
        if !present_tables.contains(table) {
            problems.push(format!("table `{table}` is missing"));
            continue;
        }
        for (column, want, nullable) in *columns {
            let Some(r) = rows.iter().find(|r| r.0 == *table && r.1 == *column) else {
                problems.push(format!("column `{table}.{column}` is missing (expected {want})"));
                continue;
            };
            let have = describe_type(&r.2, &r.3, r.4);
            if !same_type(want, &have) {
                problems.push(format!("column `{table}.{column}` is {have}, expected {want}"));
            } else if have != *want {
                warnings.push(format!("column `{table}.{column}` is {have} (Closer expects {want})"));
            }
            let is_nullable = r.5 == "YES";
            if is_nullable != *nullable {
                warnings.push(format!(
                    "column `{table}.{column}` is {}, the schema says {}",
                    if is_nullable { "NULL" } else { "NOT NULL" },
                    if *nullable { "NULL" } else { "NOT NULL" }
                ));
            }
        }
    }
    Ok(if problems.is_empty() { SchemaState::Complete { warnings } } else { SchemaState::Mismatch(problems) })
}

fn describe_type(data_type: &str, udt: &str, len: Option<i32>) -> String {
    match data_type {
        "character varying" => match len {
            Some(n) => format!("varchar({n})"),
            None => "varchar".into(),
        },
        "timestamp without time zone" => "timestamp".into(),
        "USER-DEFINED" => udt.to_string(),
        other => other.to_string(),
    }
}

/// A varchar of another length is the same type for reading (a warning, not a refusal).
fn same_type(want: &str, have: &str) -> bool {
    want == have || (want.starts_with("varchar") && have.starts_with("varchar"))
}
